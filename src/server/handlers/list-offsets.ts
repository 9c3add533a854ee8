/**
 * ListOffsets (key 2), versions 0–5 (protocol.md §8.1).
 * Behavior:
 * - timestamp -1 (latest): the high watermark for consumers (replicaId -1; read_committed v2+
 *   gets the last stable offset), the log end for replicas; timestamp -1 in the answer; a lookup by
 *   timestamp only finds offsets below that same end;
 * - timestamp -2 (earliest): the log start offset; by timestamp: the first record whose timestamp
 *   ≥ the target below that end, with its timestamp; none → offset -1, timestamp -1, NONE;
 * - leaderEpoch (v4+) of the answer; CurrentLeaderEpoch (v4+) checked: FENCED_LEADER_EPOCH /
 *   UNKNOWN_LEADER_EPOCH; a leader whose HW lags its epoch start → OFFSET_NOT_AVAILABLE (v5+),
 *   LEADER_NOT_AVAILABLE before;
 * - v1+: a partition listed twice → INVALID_REQUEST for it;
 * - v0: OldStyleOffsets, up to MaxNumOffsets: latest → [LEO, segment base offsets descending]
 *   (the HW first for consumers), earliest → [log start];
 * - not hosted → NOT_LEADER_OR_FOLLOWER if the cluster knows the partition, else
 *   UNKNOWN_TOPIC_OR_PARTITION; not the leader → NOT_LEADER_OR_FOLLOWER (replicaId -2 reads any replica).
 * - authorization: DESCRIBE on the topic, else TOPIC_AUTHORIZATION_FAILED for its partitions.
 * Deviation: v0 by timestamp answers the offset found by timestamp (Kafka used segment file
 * modification times, which gregor does not keep).
 */
import { toErrorCode } from '../../common/errors.js';
import { tpKey } from '../../common/topic-partition.js';
import { AclOperation, AclResourceType } from '../../common/acl.js';
import type { ReplicaManager } from '../../cluster/replica-manager.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { ListOffsetsRequest, ListOffsetsResponse } from '../../protocol/messages/list-offsets.js';
import type { BrokerDeps } from '../broker-deps.js';
import { defineHandler, type Handler } from '../handler.js';

export function createListOffsetsHandler(_deps: BrokerDeps, replicaManager: ReplicaManager): Handler {
  return defineHandler({
    request: ListOffsetsRequest,
    response: ListOffsetsResponse,
    versions: { min: 0, max: 5 },
    handle(req, ctx) {
      const version = ctx.apiVersion;
      const seen = new Map<string, number>();
      for (const t of req.topics) for (const p of t.partitions) {
        const key = tpKey({ topic: t.name, partition: p.partitionIndex });
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      const describable = ctx.authorizedNames(AclOperation.Describe, AclResourceType.Topic, req.topics.map((t) => t.name));
      const topics = req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const tp = { topic: t.name, partition: p.partitionIndex };
          const failed = (errorCode: number) => ({ partitionIndex: p.partitionIndex, errorCode, oldStyleOffsets: [], timestamp: -1, offset: -1, leaderEpoch: -1 });
          if (!describable.has(t.name)) return failed(ErrorCode.TopicAuthorizationFailed);
          if (version === 0) {
            try {
              const offsets = replicaManager.legacyOffsets(tp, p.timestamp, p.maxNumOffsets, req.replicaId);
              return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.None, oldStyleOffsets: offsets, timestamp: -1, offset: -1, leaderEpoch: -1 };
            } catch (err) {
              return failed(toErrorCode(err, ctx.log));
            }
          }
          if ((seen.get(tpKey(tp)) ?? 0) > 1) return failed(ErrorCode.InvalidRequest);
          try {
            const r = replicaManager.fetchOffsetForTimestamp(tp, p.timestamp, p.currentLeaderEpoch, req.replicaId, req.isolationLevel);
            return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.None, oldStyleOffsets: [], timestamp: r.timestamp, offset: r.offset, leaderEpoch: r.leaderEpoch };
          } catch (err) {
            let code = toErrorCode(err, ctx.log);
            if (code === ErrorCode.OffsetNotAvailable && version < 5) code = ErrorCode.LeaderNotAvailable;
            return failed(code);
          }
        }),
      }));
      return { throttleTimeMs: 0, topics };
    },
    errorResponse: (req, code) => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code, oldStyleOffsets: [], timestamp: -1, offset: -1, leaderEpoch: -1 })),
      })),
    }),
  });
}
