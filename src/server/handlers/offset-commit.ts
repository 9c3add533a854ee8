/**
 * OffsetCommit (key 8), versions 0–8 (kafkajs v5, librdkafka v7, kafka-python v2).
 * Behavior (rules in coordinator/offset-requests.ts):
 * - per partition: UNKNOWN_TOPIC_OR_PARTITION, then the group's checks (NOT_COORDINATOR,
 *   UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS, FENCED_INSTANCE_ID, …), then
 *   OFFSET_METADATA_TOO_LARGE; the rest is stored in one write to the offset store (ZooKeeper);
 * - GenerationId −1 with an empty MemberId is a simple commit (group Empty or unknown);
 * - CommitTimestamp (v1 only) −1 = now; RetentionTimeMs (v2–v4) −1 = offsets.retention.minutes,
 *   otherwise that offset expires at now + RetentionTimeMs; a null metadata is stored as "".
 * Deviations from Kafka:
 * - v0 is served by the coordinator like a v1 simple commit (Kafka 2.7 writes v0 straight to
 *   ZooKeeper from any broker; here every commit is a ZooKeeper write made by the coordinator,
 *   whose cache must see it).
 * Authorization: READ on the group (else GROUP_AUTHORIZATION_FAILED everywhere), READ on each
 * topic (else TOPIC_AUTHORIZATION_FAILED for its partitions, which are not committed).
 */
import type { GroupCoordinator } from '../../coordinator/group-coordinator.js';
import { OffsetCommitRequest, OffsetCommitResponse } from '../../protocol/messages/offset-commit.js';
import { defineHandler, type Handler } from '../handler.js';
import { AclOperation, AclResourceType } from '../../common/acl.js';
import { KafkaError } from '../../common/errors.js';
import { ErrorCode } from '../../protocol/error-codes.js';

export function createOffsetCommitHandler(coordinator: GroupCoordinator): Handler {
  return defineHandler({
    request: OffsetCommitRequest,
    response: OffsetCommitResponse,
    versions: { min: 0, max: 8 },
    async handle(req, ctx) {
      if (!ctx.authorize(AclOperation.Read, AclResourceType.Group, req.groupId)) throw new KafkaError(ErrorCode.GroupAuthorizationFailed);
      const readable = ctx.authorizedNames(AclOperation.Read, AclResourceType.Topic, req.topics.map((t) => t.name));
      const partitions = req.topics.filter((t) => readable.has(t.name)).flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.name,
          partition: p.partitionIndex,
          offset: p.committedOffset,
          leaderEpoch: p.committedLeaderEpoch,
          metadata: p.committedMetadata,
          commitTimestamp: p.commitTimestamp,
        })),
      );
      const codes = await coordinator.handleCommitOffsets({
        groupId: req.groupId,
        memberId: req.memberId,
        groupInstanceId: req.groupInstanceId,
        generationId: req.generationId,
        retentionTimeMs: req.retentionTimeMs,
        partitions,
      });
      let i = 0;
      return {
        throttleTimeMs: 0,
        topics: req.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: readable.has(t.name) ? codes[i++]! : ErrorCode.TopicAuthorizationFailed })),
        })),
      };
    },
    errorResponse: (req, code) => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })) })),
    }),
  });
}
