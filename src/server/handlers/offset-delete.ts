/**
 * OffsetDelete (key 47), version 0 (librdkafka admin DeleteConsumerGroupOffsets).
 * Behavior (Kafka 2.7 handleDeleteOffsets):
 * - unknown partitions → UNKNOWN_TOPIC_OR_PARTITION;
 * - Empty group: the offsets are deleted (from ZooKeeper) → NONE per partition;
 * - consumer group with members: partitions of subscribed topics → GROUP_SUBSCRIBED_TO_TOPIC,
 *   the others are deleted;
 * - group-level errors (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP for a non-consumer group with
 *   members, NOT_COORDINATOR, INVALID_GROUP_ID, …) go top-level with no topics.
 * Authorization: DELETE on the group (else GROUP_AUTHORIZATION_FAILED), READ on each topic (else
 * TOPIC_AUTHORIZATION_FAILED for its partitions, which are kept).
 */
import type { GroupCoordinator } from '../../coordinator/group-coordinator.js';
import { tpKey } from '../../common/topic-partition.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { OffsetDeleteRequest, OffsetDeleteResponse } from '../../protocol/messages/offset-delete.js';
import { defineHandler, type Handler } from '../handler.js';
import { AclOperation, AclResourceType } from '../../common/acl.js';

export function createOffsetDeleteHandler(coordinator: GroupCoordinator): Handler {
  return defineHandler({
    request: OffsetDeleteRequest,
    response: OffsetDeleteResponse,
    versions: { min: 0, max: 0 },
    async handle(req, ctx) {
      if (!ctx.authorize(AclOperation.Delete, AclResourceType.Group, req.groupId)) return { errorCode: ErrorCode.GroupAuthorizationFailed, throttleTimeMs: 0, topics: [] };
      const readable = ctx.authorizedNames(AclOperation.Read, AclResourceType.Topic, req.topics.map((t) => t.name));
      const requested = req.topics.filter((t) => readable.has(t.name)).flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex })));
      const result = await coordinator.handleDeleteOffsets(req.groupId, requested);
      if (result.errorCode !== ErrorCode.None) return { errorCode: result.errorCode, throttleTimeMs: 0, topics: [] };
      const codes = new Map(result.partitions.map((p) => [tpKey(p), p.errorCode]));
      return {
        errorCode: ErrorCode.None,
        throttleTimeMs: 0,
        topics: req.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            errorCode: readable.has(t.name) ? (codes.get(tpKey({ topic: t.name, partition: p.partitionIndex })) ?? ErrorCode.None) : ErrorCode.TopicAuthorizationFailed,
          })),
        })),
      };
    },
    errorResponse: (_req, code) => ({ errorCode: code, throttleTimeMs: 0, topics: [] }),
  });
}
