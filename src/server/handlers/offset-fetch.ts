/**
 * OffsetFetch (key 9), versions 0–7 (kafkajs v4, librdkafka v7, kafka-python v1/v3).
 * Behavior:
 * - answered from the coordinator's offset cache (the store is read once per group);
 * - Topics null (v2+) = every committed partition of the group, sorted by topic and partition;
 * - no committed offset → CommittedOffset −1, Metadata "", NONE; leader epoch −1 when unknown;
 * - group-level errors: v2+ top-level ErrorCode with no topics; v0/v1 on every requested
 *   partition (offset −1, metadata "") — Kafka's getErrorResponse;
 * - v0 keeps Kafka's ZooKeeper-era answer: no metadata, and UNKNOWN_TOPIC_OR_PARTITION for a
 *   partition without an offset.
 * Deviations from Kafka:
 * - v0 goes through the coordinator (see offset-commit.ts).
 * Authorization: DESCRIBE on the group (else GROUP_AUTHORIZATION_FAILED as a group-level error);
 *   requested partitions of a topic the principal may not DESCRIBE answer TOPIC_AUTHORIZATION_FAILED
 *   (offset −1); with Topics null such topics are left out.
 */
import type { GroupCoordinator } from '../../coordinator/group-coordinator.js';
import type { FetchedOffset } from '../../coordinator/offset-manager.js';
import type { TopicPartition } from '../../common/topic-partition.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { OffsetFetchRequest, OffsetFetchResponse } from '../../protocol/messages/offset-fetch.js';
import type { MessageInput, MessageValue } from '../../protocol/schema.js';
import { defineHandler, type Handler } from '../handler.js';
import { AclOperation, AclResourceType } from '../../common/acl.js';

type Req = MessageValue<typeof OffsetFetchRequest>;
type Res = MessageInput<typeof OffsetFetchResponse>;

function errorResponse(req: Req, code: ErrorCode, version: number): Res {
  if (version >= 2) return { throttleTimeMs: 0, topics: [], errorCode: code };
  return {
    throttleTimeMs: 0,
    topics: (req.topics ?? []).map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: code })),
    })),
    errorCode: code,
  };
}

interface PartitionOut {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string;
  errorCode: ErrorCode;
}

function byTopic(offsets: readonly FetchedOffset[], version: number): Res['topics'] {
  const topics = new Map<string, PartitionOut[]>();
  for (const o of offsets) {
    let parts = topics.get(o.topic);
    if (!parts) topics.set(o.topic, (parts = []));
    const missingV0 = version === 0 && o.offset === -1;
    parts.push({
      partitionIndex: o.partition,
      committedOffset: o.offset,
      committedLeaderEpoch: o.leaderEpoch,
      metadata: version === 0 ? '' : o.metadata,
      errorCode: missingV0 ? ErrorCode.UnknownTopicOrPartition : o.errorCode,
    });
  }
  return [...topics].map(([name, partitions]) => ({ name, partitions }));
}

export function createOffsetFetchHandler(coordinator: GroupCoordinator): Handler {
  return defineHandler({
    request: OffsetFetchRequest,
    response: OffsetFetchResponse,
    versions: { min: 0, max: 7 },
    async handle(req, ctx) {
      const v = ctx.apiVersion;
      if (!ctx.authorize(AclOperation.Describe, AclResourceType.Group, req.groupId)) return errorResponse(req, ErrorCode.GroupAuthorizationFailed, v);
      const topics = req.topics === null ? null : req.topics.map((t) => t.name);
      const describable = ctx.authorizedNames(AclOperation.Describe, AclResourceType.Topic, topics ?? [], { logIfDenied: topics !== null });
      const requested: TopicPartition[] | null =
        req.topics === null ? null : req.topics.filter((t) => describable.has(t.name)).flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
      const result = await coordinator.handleFetchOffsets(req.groupId, requested, req.requireStable);
      if (result.errorCode !== ErrorCode.None) return errorResponse(req, result.errorCode, v);
      // All partitions: offsets of topics the principal may not describe are left out, as in Kafka.
      const visible = req.topics === null && ctx.authorizer ? result.partitions.filter((o) => ctx.authorize(AclOperation.Describe, AclResourceType.Topic, o.topic, { logIfDenied: false })) : result.partitions;
      const denied = (req.topics ?? [])
        .filter((t) => !describable.has(t.name))
        .flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition, offset: -1, leaderEpoch: -1, metadata: '', errorCode: ErrorCode.TopicAuthorizationFailed })));
      return { throttleTimeMs: 0, topics: byTopic([...visible, ...denied], v), errorCode: ErrorCode.None };
    },
    errorResponse: (req, code, ctx) => errorResponse(req, code, ctx.apiVersion),
  });
}
