/**
 * The controller's gauges (Kafka's KafkaController metrics), computed from the controller context at
 * scrape time. Only the active controller reports non-zero values, as in Kafka.
 */
import type { ControllerContext } from './controller-context.js';
import { PartitionStateName } from './partition-state-machine.js';

export interface ControllerGauges {
  active: boolean;
  offlinePartitions: number;
  globalTopics: number;
  globalPartitions: number;
  preferredReplicaImbalance: number;
  topicsToDelete: number;
  replicasToDelete: number;
}

/** Leader-election hooks of the partition state machine (LeaderElectionRateAndTimeMs, UncleanLeaderElectionsPerSec). */
export interface ControllerMetricsSink {
  leaderElection(durationMs: number, unclean: number): void;
}

const OFFLINE = new Set([PartitionStateName.OfflinePartition]);

export function controllerGauges(ctx: ControllerContext, active: boolean): ControllerGauges {
  if (!active) {
    return { active, offlinePartitions: 0, globalTopics: 0, globalPartitions: 0, preferredReplicaImbalance: 0, topicsToDelete: 0, replicasToDelete: 0 };
  }
  const beingDeleted = (topic: string) => ctx.isTopicQueuedUpForDeletion(topic);
  let imbalance = 0;
  for (const tp of ctx.partitionsWithLeaders()) {
    const preferred = ctx.partitionReplicaAssignment(tp)[0];
    if (ctx.leadershipInfo(tp)?.state.leader !== preferred) imbalance++;
  }
  let replicasToDelete = 0;
  for (const topic of ctx.topicsToBeDeleted) {
    replicasToDelete += ctx.replicasForTopic(topic).filter((r) => ctx.replicaState(r) !== 'ReplicaDeletionSuccessful').length;
  }
  return {
    active,
    offlinePartitions: ctx.partitionsInStates(OFFLINE).filter((tp) => !beingDeleted(tp.topic)).length,
    globalTopics: ctx.allTopics.size,
    globalPartitions: ctx.allPartitions().length,
    preferredReplicaImbalance: imbalance,
    topicsToDelete: ctx.topicsToBeDeleted.size,
    replicasToDelete,
  };
}
