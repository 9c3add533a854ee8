/**
 * DeleteRecords (key 21), versions 0–2.
 * Behaviour (Kafka 2.7 KafkaApis.handleDeleteRecordsRequest + ReplicaManager.deleteRecords), per
 * partition, all partitions at once:
 * - an internal topic (__consumer_offsets, __transaction_state) → INVALID_TOPIC_EXCEPTION
 *   "Cannot delete records of internal topic <t>";
 * - a partition not in the metadata cache → UNKNOWN_TOPIC_OR_PARTITION;
 * - an offset below -1 → OFFSET_OUT_OF_RANGE (Kafka's "offset is not valid");
 * - otherwise `partitions.deleteRecords(tp, offset)`: offset -1 = the high watermark; it answers
 *   the new low watermark (log start offset) or throws NOT_LEADER_OR_FOLLOWER,
 *   OFFSET_OUT_OF_RANGE (offset above the high watermark), UNKNOWN_TOPIC_OR_PARTITION, ...;
 * - a failed partition carries lowWatermark -1.
 * Deviations from Kafka:
 * - the request's timeoutMs is not handed to PartitionAccess.deleteRecords (its interface takes
 *   none): how long the low watermark waits for followers is the partition layer's business;
 * - authorization: DELETE on the topic, else TOPIC_AUTHORIZATION_FAILED (before anything else).
 */
import { INTERNAL_TOPICS, type TopicPartition } from '../../common/topic-partition.js';
import { KafkaError } from '../../common/errors.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { DeleteRecordsRequest, DeleteRecordsResponse } from '../../protocol/messages/delete-records.js';
import type { BrokerDeps } from '../broker-deps.js';
import { toApiError } from '../delayed-admin.js';
import { defineHandler, type Handler } from '../handler.js';
import { AclOperation, AclResourceType } from '../../common/acl.js';

export function createDeleteRecordsHandler(deps: BrokerDeps): Handler {
  async function deleteRecords(tp: TopicPartition, offset: number): Promise<{ lowWatermark: number; errorCode: ErrorCode }> {
    try {
      if (INTERNAL_TOPICS.has(tp.topic)) {
        throw new KafkaError(ErrorCode.InvalidTopicException, `Cannot delete records of internal topic ${tp.topic}`);
      }
      if (deps.metadataCache.partition(tp) === undefined) {
        throw new KafkaError(ErrorCode.UnknownTopicOrPartition, `Partition ${tp.topic}-${tp.partition} is unknown`);
      }
      if (offset < -1) {
        throw new KafkaError(ErrorCode.OffsetOutOfRange, `The offset ${offset} for partition ${tp.topic}-${tp.partition} is not valid`);
      }
      return { lowWatermark: await deps.partitions.deleteRecords(tp, offset), errorCode: ErrorCode.None };
    } catch (err) {
      return { lowWatermark: -1, errorCode: toApiError(err, deps.log, `deleting records of ${tp.topic}-${tp.partition}`).code };
    }
  }

  return defineHandler({
    request: DeleteRecordsRequest,
    response: DeleteRecordsResponse,
    versions: { min: 0, max: 2 },
    async handle(req, ctx) {
      const deletable = ctx.authorizedNames(AclOperation.Delete, AclResourceType.Topic, req.topics.map((t) => t.name));
      const topics = await Promise.all(
        req.topics.map(async (t) => ({
          name: t.name,
          partitions: await Promise.all(
            t.partitions.map(async (p) => ({
              partitionIndex: p.partitionIndex,
              ...(deletable.has(t.name)
                ? await deleteRecords({ topic: t.name, partition: p.partitionIndex }, p.offset)
                : { lowWatermark: -1, errorCode: ErrorCode.TopicAuthorizationFailed }),
            })),
          ),
        })),
      );
      return { throttleTimeMs: 0, topics };
    },
    errorResponse: (req, code) => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: code })),
      })),
    }),
  });
}
