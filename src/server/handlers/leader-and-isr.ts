/**
 * LeaderAndIsr (key 4), versions 0–4 (v4 flexible), from the controller (zk-and-controller.md §8.5).
 * Behavior: normalizes the v0–v1 ungrouped and v2+ per-topic partition states and hands them to
 * ReplicaManager.becomeLeaderOrFollower, which applies the broker-epoch (STALE_BROKER_EPOCH),
 * controller-epoch (STALE_CONTROLLER_EPOCH, top level) and per-partition leader-epoch rules and
 * answers one error per partition. LiveLeaders (in `req`) give a follower its leader's endpoint
 * when the metadata cache does not have it yet.
 * Authorization: CLUSTER_ACTION on the cluster (only brokers hold it), else CLUSTER_AUTHORIZATION_FAILED.
 */
import type { LeaderAndIsrPartition, ReplicaManager } from '../../cluster/replica-manager.js';
import { LeaderAndIsrRequest, LeaderAndIsrResponse } from '../../protocol/messages/leader-and-isr.js';
import type { MessageValue } from '../../protocol/schema.js';
import { defineHandler, type Handler } from '../handler.js';
import { everyPartitionFailed, partitionStateFields, partitionStatesOf } from './control-partitions.js';
import { AclOperation } from '../../common/acl.js';

type Req = MessageValue<typeof LeaderAndIsrRequest>;
type State = Req['ungroupedPartitionStates'][number];

function toPartition(topic: string, s: State): LeaderAndIsrPartition {
  return { ...partitionStateFields(topic, s), addingReplicas: s.addingReplicas, removingReplicas: s.removingReplicas, isNew: s.isNew };
}

/** Every partition state of a LeaderAndIsr request, whatever its version. */
export function leaderAndIsrPartitions(req: Req): LeaderAndIsrPartition[] {
  return partitionStatesOf(req, toPartition);
}

export function createLeaderAndIsrHandler(replicaManager: ReplicaManager): Handler {
  return defineHandler({
    request: LeaderAndIsrRequest,
    response: LeaderAndIsrResponse,
    versions: { min: 0, max: 4 },
    handle: (req, ctx) => {
      ctx.requireClusterOperation(AclOperation.ClusterAction);
      return replicaManager.becomeLeaderOrFollower(req, leaderAndIsrPartitions(req));
    },
    errorResponse: (req, code) => everyPartitionFailed(leaderAndIsrPartitions(req), code),
  });
}
