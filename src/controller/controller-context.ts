/**
 * What the active controller knows (Kafka's ControllerContext): live brokers with their epochs (czxid of
 * /brokers/ids/<id>) and endpoints, the shutting-down set, every topic and its assignment, the cached
 * leadership of every partition (leader, epoch, ISR, controller epoch, zkVersion), the partition and replica
 * states of the two state machines, and the topic-deletion bookkeeping.
 *
 * Only the event loop touches it. Vocabulary as in Kafka:
 * - live broker ids = registered brokers minus the shutting-down set;
 * - live-or-shutting-down = every registered broker (they still receive requests);
 * - a replica is online when its broker is live (shutting-down brokers only when asked).
 */
import { tpKey, type TopicPartition } from '../common/topic-partition.js';
import type { BrokerAndEpoch } from '../zk/broker-registration.js';
import type { ControllerFence } from '../zk/controller-election.js';
import type { PartitionState, ReplicaAssignment } from '../zk/znodes.js';
import type { PartitionStateName } from './partition-state-machine.js';
import type { ReplicaStateName } from './replica-state-machine.js';

/** Cached leadership of one partition: the state znode content and its zkVersion. */
export interface LeadershipInfo {
  state: PartitionState;
  zkVersion: number;
}

/** One replica of one partition (Kafka's PartitionAndReplica). */
export interface PartitionReplica {
  tp: TopicPartition;
  replica: number;
}

export const replicaKey = (r: PartitionReplica): string => `${tpKey(r.tp)}@${r.replica}`;

export class ControllerContext {
  epoch = 0;
  epochZkVersion = 0;

  private readonly brokers = new Map<number, BrokerAndEpoch>();
  readonly shuttingDownBrokerIds = new Set<number>();
  readonly allTopics = new Set<string>();
  private readonly assignments = new Map<string, Map<number, ReplicaAssignment>>();
  private readonly leadership = new Map<string, { tp: TopicPartition; info: LeadershipInfo }>();
  private readonly partitionStates = new Map<string, { tp: TopicPartition; state: PartitionStateName }>();
  private readonly replicaStates = new Map<string, { replica: PartitionReplica; state: ReplicaStateName }>();
  readonly topicsToBeDeleted = new Set<string>();
  readonly topicsWithDeletionStarted = new Set<string>();
  readonly topicsIneligibleForDeletion = new Set<string>();
  /**
   * tpKeys of partitions with a reassignment in progress: added when an assignment with adding/removing
   * replicas is recorded or a reassignment starts, removed when it completes (partition-reassignment.ts)
   */
  readonly partitionsBeingReassigned = new Set<string>();

  fence(): ControllerFence {
    return { epoch: this.epoch, epochZkVersion: this.epochZkVersion };
  }

  reset(): void {
    this.epoch = 0;
    this.epochZkVersion = 0;
    this.brokers.clear();
    this.shuttingDownBrokerIds.clear();
    this.allTopics.clear();
    this.assignments.clear();
    this.leadership.clear();
    this.partitionStates.clear();
    this.replicaStates.clear();
    this.topicsToBeDeleted.clear();
    this.topicsWithDeletionStarted.clear();
    this.topicsIneligibleForDeletion.clear();
    this.partitionsBeingReassigned.clear();
  }

  // ------------------------------------------------------------------------------------------ brokers

  addLiveBrokers(brokers: readonly BrokerAndEpoch[]): void {
    for (const b of brokers) this.brokers.set(b.id, b);
  }

  removeLiveBrokers(ids: Iterable<number>): void {
    for (const id of ids) {
      this.brokers.delete(id);
      this.shuttingDownBrokerIds.delete(id);
    }
  }

  /** Registration with epoch of a live or shutting-down broker. */
  broker(id: number): BrokerAndEpoch | undefined {
    return this.brokers.get(id);
  }

  brokerEpoch(id: number): number | undefined {
    return this.brokers.get(id)?.epoch;
  }

  /** id → epoch of every registered broker (Kafka's liveBrokerIdAndEpochs). */
  liveBrokerIdAndEpochs(): Map<number, number> {
    return new Map([...this.brokers.values()].map((b) => [b.id, b.epoch]));
  }

  liveOrShuttingDownBrokers(): BrokerAndEpoch[] {
    return [...this.brokers.values()].sort((a, b) => a.id - b.id);
  }

  liveOrShuttingDownBrokerIds(): number[] {
    return [...this.brokers.keys()].sort((a, b) => a - b);
  }

  liveBrokerIds(): number[] {
    return this.liveOrShuttingDownBrokerIds().filter((id) => !this.shuttingDownBrokerIds.has(id));
  }

  isLiveOrShuttingDown(id: number): boolean {
    return this.brokers.has(id);
  }

  isReplicaOnline(brokerId: number, includeShuttingDown = false): boolean {
    if (!this.brokers.has(brokerId)) return false;
    return includeShuttingDown || !this.shuttingDownBrokerIds.has(brokerId);
  }

  // ------------------------------------------------------------------------------------------ topics and assignments

  setAllTopics(topics: Iterable<string>): void {
    this.allTopics.clear();
    for (const t of topics) this.allTopics.add(t);
  }

  updatePartitionAssignment(tp: TopicPartition, assignment: ReplicaAssignment): void {
    let m = this.assignments.get(tp.topic);
    if (!m) {
      m = new Map();
      this.assignments.set(tp.topic, m);
    }
    m.set(tp.partition, assignment);
    // an assignment read with adding/removing replicas marks the partition as being reassigned; only the
    // reassignment's completion (or the topic's removal) unmarks it, as in Kafka
    if (assignment.addingReplicas.length > 0 || assignment.removingReplicas.length > 0) this.partitionsBeingReassigned.add(tpKey(tp));
  }

  /** Replicas in ZooKeeper order (element 0 = preferred); [] for an unknown partition. */
  partitionReplicaAssignment(tp: TopicPartition): number[] {
    return this.assignments.get(tp.topic)?.get(tp.partition)?.replicas ?? [];
  }

  fullReplicaAssignment(tp: TopicPartition): ReplicaAssignment {
    return this.assignments.get(tp.topic)?.get(tp.partition) ?? { replicas: [], addingReplicas: [], removingReplicas: [] };
  }

  hasPartition(tp: TopicPartition): boolean {
    return this.assignments.get(tp.topic)?.has(tp.partition) ?? false;
  }

  partitionsForTopic(topic: string): TopicPartition[] {
    const m = this.assignments.get(topic);
    if (!m) return [];
    return [...m.keys()].sort((a, b) => a - b).map((partition) => ({ topic, partition }));
  }

  allPartitions(): TopicPartition[] {
    return [...this.assignments.keys()].sort().flatMap((t) => this.partitionsForTopic(t));
  }

  partitionsOnBroker(brokerId: number): TopicPartition[] {
    return this.allPartitions().filter((tp) => this.partitionReplicaAssignment(tp).includes(brokerId));
  }

  replicasForPartitions(tps: readonly TopicPartition[]): PartitionReplica[] {
    return tps.flatMap((tp) => this.partitionReplicaAssignment(tp).map((replica) => ({ tp, replica })));
  }

  replicasForTopic(topic: string): PartitionReplica[] {
    return this.replicasForPartitions(this.partitionsForTopic(topic));
  }

  replicasOnBrokers(brokerIds: ReadonlySet<number>): PartitionReplica[] {
    return this.replicasForPartitions(this.allPartitions()).filter((r) => brokerIds.has(r.replica));
  }

  /** Forgets a topic entirely (deleted in ZooKeeper, or deletion complete). */
  removeTopic(topic: string): void {
    for (const tp of this.partitionsForTopic(topic)) {
      const key = tpKey(tp);
      this.leadership.delete(key);
      this.partitionStates.delete(key);
      this.partitionsBeingReassigned.delete(key);
    }
    for (const [k, v] of this.replicaStates) if (v.replica.tp.topic === topic) this.replicaStates.delete(k);
    this.assignments.delete(topic);
    this.allTopics.delete(topic);
    this.topicsToBeDeleted.delete(topic);
    this.topicsWithDeletionStarted.delete(topic);
    this.topicsIneligibleForDeletion.delete(topic);
  }

  // ------------------------------------------------------------------------------------------ leadership

  leadershipInfo(tp: TopicPartition): LeadershipInfo | undefined {
    return this.leadership.get(tpKey(tp))?.info;
  }

  putLeadershipInfo(tp: TopicPartition, info: LeadershipInfo): void {
    this.leadership.set(tpKey(tp), { tp, info });
  }

  /** Partitions with leadership info, of topics not queued for deletion. */
  partitionsWithLeaders(): TopicPartition[] {
    return [...this.leadership.values()]
      .filter((e) => this.hasPartition(e.tp) && !this.isTopicQueuedUpForDeletion(e.tp.topic))
      .map((e) => e.tp);
  }

  /** Partitions (of topics not being deleted) whose cached leader is not an online replica. */
  partitionsWithOfflineLeader(): TopicPartition[] {
    return [...this.leadership.values()]
      .filter((e) => this.hasPartition(e.tp) && !this.isTopicQueuedUpForDeletion(e.tp.topic))
      .filter((e) => !this.isReplicaOnline(e.info.state.leader))
      .map((e) => e.tp);
  }

  // ------------------------------------------------------------------------------------------ state-machine states

  partitionState(tp: TopicPartition): PartitionStateName | undefined {
    return this.partitionStates.get(tpKey(tp))?.state;
  }

  putPartitionState(tp: TopicPartition, state: PartitionStateName): void {
    this.partitionStates.set(tpKey(tp), { tp, state });
  }

  partitionsInStates(states: ReadonlySet<PartitionStateName>): TopicPartition[] {
    return [...this.partitionStates.values()].filter((e) => states.has(e.state)).map((e) => e.tp);
  }

  clearPartitionStates(): void {
    this.partitionStates.clear();
  }

  replicaState(r: PartitionReplica): ReplicaStateName | undefined {
    return this.replicaStates.get(replicaKey(r))?.state;
  }

  putReplicaState(r: PartitionReplica, state: ReplicaStateName): void {
    this.replicaStates.set(replicaKey(r), { replica: r, state });
  }

  removeReplicaState(r: PartitionReplica): void {
    this.replicaStates.delete(replicaKey(r));
  }

  clearReplicaStates(): void {
    this.replicaStates.clear();
  }

  replicasInState(topic: string, state: ReplicaStateName): PartitionReplica[] {
    return [...this.replicaStates.values()].filter((e) => e.replica.tp.topic === topic && e.state === state).map((e) => e.replica);
  }

  isAnyReplicaInState(topic: string, state: ReplicaStateName): boolean {
    return this.replicasInState(topic, state).length > 0;
  }

  areAllReplicasInState(topic: string, state: ReplicaStateName): boolean {
    return this.replicasForTopic(topic).every((r) => this.replicaState(r) === state);
  }

  // ------------------------------------------------------------------------------------------ deletion bookkeeping

  isTopicQueuedUpForDeletion(topic: string): boolean {
    return this.topicsToBeDeleted.has(topic);
  }

  isTopicDeletionInProgress(topic: string): boolean {
    return this.topicsWithDeletionStarted.has(topic);
  }

  queueTopicDeletion(topics: Iterable<string>): void {
    for (const t of topics) this.topicsToBeDeleted.add(t);
  }

  beginTopicDeletion(topics: Iterable<string>): void {
    for (const t of topics) this.topicsWithDeletionStarted.add(t);
  }
}
