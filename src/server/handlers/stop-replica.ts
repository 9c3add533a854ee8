/**
 * StopReplica (key 5), versions 0–3 (v2+ flexible), from the controller (zk-and-controller.md §8.5).
 * Behavior: normalizes v0 (ungrouped partitions), v1–v2 (per-topic partition lists, one
 * DeletePartitions flag; leader epoch -1 = no check) and v3 (per-partition leader epoch and delete
 * flag) and hands them to ReplicaManager.stopReplicas: STALE_BROKER_EPOCH / STALE_CONTROLLER_EPOCH
 * at the top level with no partitions; per partition NONE or FENCED_LEADER_EPOCH (epoch not newer).
 * Authorization: CLUSTER_ACTION on the cluster (only brokers hold it), else CLUSTER_AUTHORIZATION_FAILED.
 */
import type { ReplicaManager, StopReplicaPartition } from '../../cluster/replica-manager.js';
import { StopReplicaRequest, StopReplicaResponse } from '../../protocol/messages/stop-replica.js';
import type { MessageValue } from '../../protocol/schema.js';
import { defineHandler, type Handler } from '../handler.js';
import { everyPartitionFailed } from './control-partitions.js';
import { AclOperation } from '../../common/acl.js';

type Req = MessageValue<typeof StopReplicaRequest>;

export function stopReplicaPartitions(req: Req): StopReplicaPartition[] {
  const out: StopReplicaPartition[] = [];
  const del = req.deletePartitions;
  for (const p of req.ungroupedPartitions) out.push({ topic: p.topicName, partition: p.partitionIndex, leaderEpoch: -1, deletePartition: del });
  for (const t of req.topics) for (const partition of t.partitionIndexes) out.push({ topic: t.name, partition, leaderEpoch: -1, deletePartition: del });
  for (const t of req.topicStates) {
    for (const s of t.partitionStates) out.push({ topic: t.topicName, partition: s.partitionIndex, leaderEpoch: s.leaderEpoch, deletePartition: s.deletePartition });
  }
  return out;
}

export function createStopReplicaHandler(replicaManager: ReplicaManager): Handler {
  return defineHandler({
    request: StopReplicaRequest,
    response: StopReplicaResponse,
    versions: { min: 0, max: 3 },
    handle: (req, ctx) => {
      ctx.requireClusterOperation(AclOperation.ClusterAction);
      return replicaManager.stopReplicas(req, stopReplicaPartitions(req));
    },
    errorResponse: (req, code) => everyPartitionFailed(stopReplicaPartitions(req), code),
  });
}
