/**
 * OffsetForLeaderEpoch (key 23), versions 0–3 (Kafka 2.7 KafkaApis.handleOffsetForLeaderEpochRequest
 * + ReplicaManager.lastOffsetForLeaderEpoch). Followers send it before fetching to find where their
 * log diverges from the leader's (KIP-101/279).
 * Per partition: a partition not hosted here → UNKNOWN_TOPIC_OR_PARTITION (unknown to the cluster)
 * or NOT_LEADER_OR_FOLLOWER; not the leader → NOT_LEADER_OR_FOLLOWER unless replicaId is -2
 * (DEBUGGING_REPLICA_ID, v3+; older versions count as a follower); currentLeaderEpoch older / newer
 * than ours → FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH; otherwise the largest epoch ≤ the one
 * asked and its end offset, or (-1, -1) when the epoch cache knows none.
 * Authorization (KIP-320): CLUSTER_ACTION on the cluster (brokers) allows every partition;
 * otherwise DESCRIBE on the topic (consumers checking for truncation), else TOPIC_AUTHORIZATION_FAILED.
 */
import type { ReplicaManager } from '../../cluster/replica-manager.js';
import { KafkaError } from '../../common/errors.js';
import { AclOperation, AclResourceType, CLUSTER_NAME } from '../../common/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from '../../protocol/messages/offset-for-leader-epoch.js';
import { defineHandler, type Handler } from '../handler.js';

const DEBUGGING_REPLICA_ID = -2;

export function createOffsetForLeaderEpochHandler(replicaManager: ReplicaManager): Handler {
  return defineHandler({
    request: OffsetForLeaderEpochRequest,
    response: OffsetForLeaderEpochResponse,
    versions: { min: 0, max: 3 },
    handle(req, ctx) {
      const fetchOnlyFromLeader = ctx.apiVersion < 3 || req.replicaId !== DEBUGGING_REPLICA_ID;
      const allowed = ctx.authorize(AclOperation.ClusterAction, AclResourceType.Cluster, CLUSTER_NAME, { logIfDenied: false })
        ? null
        : ctx.authorizedNames(AclOperation.Describe, AclResourceType.Topic, req.topics.map((t) => t.name));
      return {
        throttleTimeMs: 0,
        topics: req.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => {
            if (allowed && !allowed.has(t.name)) return { errorCode: ErrorCode.TopicAuthorizationFailed, partitionIndex: p.partitionIndex, leaderEpoch: -1, endOffset: -1 };
            try {
              const r = replicaManager.lastOffsetForLeaderEpoch(
                { topic: t.name, partition: p.partitionIndex },
                p.currentLeaderEpoch,
                p.leaderEpoch,
                fetchOnlyFromLeader,
              );
              return { errorCode: ErrorCode.None, partitionIndex: p.partitionIndex, leaderEpoch: r.leaderEpoch, endOffset: r.endOffset };
            } catch (err) {
              const code = err instanceof KafkaError ? err.code : ErrorCode.UnknownServerError;
              if (!(err instanceof KafkaError)) ctx.log.error({ err, topic: t.name, partition: p.partitionIndex }, 'OffsetForLeaderEpoch failed');
              return { errorCode: code, partitionIndex: p.partitionIndex, leaderEpoch: -1, endOffset: -1 };
            }
          }),
        })),
      };
    },
    errorResponse: (req, code) => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ errorCode: code, partitionIndex: p.partitionIndex, leaderEpoch: -1, endOffset: -1 })),
      })),
    }),
  });
}
