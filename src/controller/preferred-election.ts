/**
 * Leader elections the controller runs on request or by itself (zk-and-controller.md §7, §11): the
 * ElectLeaders API (preferred or unclean), /admin/preferred_replica_election, and the auto leader
 * rebalance (Kafka's checkAndTriggerAutoLeaderRebalance). Split out of controller.ts; runs on its single
 * event loop through `ControllerServices`. The rebalance timer itself stays with the controller.
 */
import { tpKey, type TopicPartition } from '../common/topic-partition.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { deletePreferredReplicaElection, getPreferredReplicaElection } from '../zk/controller-store.js';
import type { ControllerServices } from './controller-services.js';
import { ElectionType, type PartitionElectionResult } from './events.js';
import { PartitionStateName, StateChangeFailedError, type PartitionResult } from './partition-state-machine.js';

/** Who asked: unclean elections are allowed only for the ElectLeaders API. */
export type ElectionTrigger = 'admin' | 'zk' | 'auto';

export async function processZkPreferredReplicaElection(s: ControllerServices): Promise<void> {
  const tps = await s.watches.watched('preferred', () => ({ type: 'preferred-replica-election-zk' }), (w) =>
    getPreferredReplicaElection(s.zk.zk, w),
  );
  if (tps === null) return;
  try {
    const results = await processReplicaLeaderElection(s, tps, ElectionType.Preferred, 'zk');
    s.log.info({ results: results.map((r) => ({ tp: tpKey(r.tp), errorCode: r.errorCode })) }, 'preferred replica election (zk)');
  } finally {
    await deletePreferredReplicaElection(s.zk.zk, s.ctx.fence());
  }
}

export async function processReplicaLeaderElection(
  s: ControllerServices,
  partitions: readonly TopicPartition[],
  electionType: ElectionType,
  trigger: ElectionTrigger,
): Promise<PartitionElectionResult[]> {
  const { ctx } = s;
  const results: PartitionElectionResult[] = [];
  const electable: TopicPartition[] = [];
  for (const tp of partitions) {
    if (!ctx.hasPartition(tp)) {
      results.push({ tp, errorCode: ErrorCode.UnknownTopicOrPartition, errorMessage: 'The partition does not exist.' });
    } else if (ctx.isTopicQueuedUpForDeletion(tp.topic)) {
      results.push({ tp, errorCode: ErrorCode.InvalidTopicException, errorMessage: 'The topic is being deleted' });
    } else {
      const leader = ctx.leadershipInfo(tp)?.state.leader ?? -1;
      const needed =
        electionType === ElectionType.Preferred
          ? leader !== ctx.partitionReplicaAssignment(tp)[0]
          : leader === -1 || !ctx.liveBrokerIds().includes(leader);
      if (needed) electable.push(tp);
      else results.push({ tp, errorCode: ErrorCode.ElectionNotNeeded, errorMessage: null });
    }
  }
  const elected = await onReplicaLeaderElection(s, electable, electionType, trigger);
  for (const tp of electable) {
    const r = elected.get(tpKey(tp));
    if (r?.ok) {
      results.push({ tp, errorCode: ErrorCode.None, errorMessage: null, leader: r.info.state.leader });
    } else {
      const error = r && !r.ok ? r.error : new StateChangeFailedError(`partition ${tpKey(tp)} is not in a state that allows an election`);
      const code =
        error instanceof StateChangeFailedError
          ? electionType === ElectionType.Preferred
            ? ErrorCode.PreferredLeaderNotAvailable
            : ErrorCode.EligibleLeadersNotAvailable
          : ErrorCode.UnknownServerError;
      results.push({ tp, errorCode: code, errorMessage: error.message });
    }
  }
  return results;
}

export async function onReplicaLeaderElection(
  s: ControllerServices,
  partitions: readonly TopicPartition[],
  electionType: ElectionType,
  trigger: ElectionTrigger,
): Promise<Map<string, PartitionResult>> {
  if (partitions.length === 0) return new Map();
  s.log.info({ partitions: partitions.map(tpKey), electionType, trigger }, 'starting replica leader election');
  return s.partitionStateMachine.handleStateChanges(
    partitions,
    PartitionStateName.OnlinePartition,
    electionType === ElectionType.Preferred ? { kind: 'preferred' } : { kind: 'offline', allowUnclean: trigger === 'admin' },
  );
}

/** §11: per preferred broker, elect preferred leaders when its imbalance ratio exceeds the threshold. */
export async function checkAndTriggerAutoLeaderRebalance(s: ControllerServices, imbalancePercentage: number): Promise<void> {
  const { ctx } = s;
  const byPreferred = new Map<number, TopicPartition[]>();
  for (const tp of ctx.allPartitions()) {
    if (ctx.isTopicQueuedUpForDeletion(tp.topic)) continue;
    const preferred = ctx.partitionReplicaAssignment(tp)[0];
    if (preferred === undefined) continue;
    const l = byPreferred.get(preferred);
    if (l) l.push(tp);
    else byPreferred.set(preferred, [tp]);
  }
  for (const [broker, tps] of [...byPreferred.entries()].sort(([a], [b]) => a - b)) {
    const notPreferred = tps.filter((tp) => {
      const info = ctx.leadershipInfo(tp);
      return info !== undefined && info.state.leader !== broker;
    });
    const ratio = notPreferred.length / tps.length;
    s.log.debug({ broker, imbalanceRatio: ratio }, 'leader imbalance ratio');
    if (ratio <= imbalancePercentage / 100) continue;
    const candidates = notPreferred.filter((tp) => {
      const info = ctx.leadershipInfo(tp)!;
      return (
        ctx.isReplicaOnline(broker) &&
        ctx.partitionsBeingReassigned.size === 0 &&
        !ctx.isTopicQueuedUpForDeletion(tp.topic) &&
        ctx.allTopics.has(tp.topic) &&
        info.state.isr.includes(broker)
      );
    });
    await onReplicaLeaderElection(s, candidates, ElectionType.Preferred, 'auto');
  }
}
