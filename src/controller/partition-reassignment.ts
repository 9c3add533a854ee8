/**
 * Partition reassignment on the controller (Kafka 2.4+ / KIP-455 model, zk-and-controller.md §10.3).
 *
 * Notation: RS = the replicas in /brokers/topics/<t>, ORS = original, TRS = target,
 * AR = adding = TRS − ORS, RR = removing = ORS − TRS. While a reassignment runs, RS = TRS followed by the
 * ORS members not in TRS, and the topic znode carries AR and RR (`adding_replicas`/`removing_replicas`).
 *
 * `onPartitionReassignment(tp, reassignment)`:
 * - U: write RS/AR/RR to the topic znode (fenced) and memory if they changed; replicas dropped by a
 *   replacing reassignment are stopped; arm the data watch on the state znode (classic ISR mode:
 *   PartitionReassignmentIsrChange); the topic becomes ineligible for deletion.
 * - not complete (TRS ⊄ ISR, read from ZooKeeper): leader epoch + 1 (fenced, retried on BADVERSION),
 *   LeaderAndIsr to ORS (isNew=false) and AR (isNew=true), AR → NewReplica.
 * - complete: AR → OnlineReplica; RS = TRS in memory; Reassign election when the leader is not in TRS or
 *   is not alive, otherwise an epoch bump with LeaderAndIsr to RS; RR → Offline (ISR shrink,
 *   StopReplica(false)) → DeletionStarted (StopReplica(delete=true)) → DeletionSuccessful → NonExistent;
 *   the final assignment (no AR/RR) written (fenced); the partition removed from /admin/reassign_partitions
 *   (the znode deleted when empty); UpdateMetadata to all; deletion of its topic resumed.
 *
 * Completion is re-checked on ISR-change notifications and on the state-znode watch. Sources of
 * reassignments: the AlterPartitionReassignments API (validated: non-empty, no duplicates, no negative ids,
 * new replicas on live brokers), /admin/reassign_partitions (takes precedence at failover; failed or
 * unknown partitions are dropped from the znode), and resumption of assignments that still carry AR/RR
 * (failover; a broker start that hosts target replicas).
 *
 * Deviation: Kafka does not validate znode-submitted target lists at all (an empty list would leave a
 * partition with no replicas); we refuse empty, duplicated or negative lists there too
 * (INVALID_REPLICA_ASSIGNMENT, dropped from the znode).
 */
import type { Logger } from '../common/logger.js';
import { tpKey, type TopicPartition } from '../common/topic-partition.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { ControllerMovedError, type KafkaZkClient, type PartitionStateAndVersion } from '../zk/kafka-zk-client.js';
import {
  deletePartitionReassignment,
  getPartitionReassignment,
  setOrCreatePartitionReassignment,
  type PartitionReassignment,
} from '../zk/reassignment-store.js';
import type { ReplicaAssignment, TopicAssignment } from '../zk/znodes.js';
import type { ControllerRequestBatch } from './controller-channel.js';
import type { ControllerContext, LeadershipInfo, PartitionReplica } from './controller-context.js';
import { PartitionStateName, StateChangeFailedError, type PartitionStateMachine } from './partition-state-machine.js';
import { ReplicaStateName, type ReplicaStateMachine } from './replica-state-machine.js';
import type { TopicDeletionManager } from './topic-deletion-manager.js';

// ---------------------------------------------------------------------------------------------- assignment algebra

/** ORS: the replicas minus those being added. */
export function originReplicas(a: ReplicaAssignment): number[] {
  return a.replicas.filter((r) => !a.addingReplicas.includes(r));
}

/** TRS: the replicas minus those being removed. */
export function targetReplicas(a: ReplicaAssignment): number[] {
  return a.replicas.filter((r) => !a.removingReplicas.includes(r));
}

export function isBeingReassigned(a: ReplicaAssignment): boolean {
  return a.addingReplicas.length > 0 || a.removingReplicas.length > 0;
}

/** Kafka's ReplicaAssignment.reassignTo: RS = (TRS ++ ORS).distinct, AR = RS − ORS, RR = RS − TRS. */
export function reassignTo(current: ReplicaAssignment, target: readonly number[]): ReplicaAssignment {
  const origin = originReplicas(current);
  const full = [...new Set([...target, ...origin])];
  return {
    replicas: full,
    addingReplicas: full.filter((r) => !origin.includes(r)),
    removingReplicas: full.filter((r) => !target.includes(r)),
  };
}

const sameList = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

export function sameAssignment(a: ReplicaAssignment, b: ReplicaAssignment): boolean {
  return sameList(a.replicas, b.replicas) && sameList(a.addingReplicas, b.addingReplicas) && sameList(a.removingReplicas, b.removingReplicas);
}

/** Why a target list is structurally invalid (empty, duplicates, negative ids), or null. */
export function structuralProblem(target: readonly number[]): string | null {
  if (target.length === 0) return 'the replica list is empty';
  if (new Set(target).size !== target.length) return `the replica list [${target.join(',')}] contains duplicates`;
  if (target.some((r) => !Number.isInteger(r) || r < 0)) return `the replica list [${target.join(',')}] contains negative broker ids`;
  return null;
}

/**
 * Kafka's replicasAreValid for API reassignments: structurally valid, and every replica it adds is on a
 * live broker. Returns the reason it is not, or null.
 */
export function targetReplicasProblem(current: ReplicaAssignment, target: readonly number[], liveBrokerIds: ReadonlySet<number>): string | null {
  const structural = structuralProblem(target);
  if (structural) return structural;
  const notLive = reassignTo(current, target).addingReplicas.filter((r) => !liveBrokerIds.has(r));
  return notLive.length > 0 ? `the new replicas [${notLive.join(',')}] are not on live brokers` : null;
}

// ---------------------------------------------------------------------------------------------- results

/** Per-partition answer of AlterPartitionReassignments. */
export interface PartitionReassignmentResult {
  tp: TopicPartition;
  errorCode: number;
  errorMessage: string | null;
}

/** One ongoing reassignment as ListPartitionReassignments reports it (replicas = the full RS). */
export interface OngoingReassignment {
  tp: TopicPartition;
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}

/** A reassignment request: the target replicas, or null to cancel. */
export interface ReassignmentRequest {
  tp: TopicPartition;
  targetReplicas: number[] | null;
}

/** Default messages of the errors answered here (Kafka's ApiError(error) carries error.message()). */
export const REASSIGNMENT_ERROR_MESSAGES = {
  partitionDoesNotExist: 'The partition does not exist.',
  invalidReplicaAssignment: 'Replica assignment is invalid.',
  noReassignmentInProgress: 'No partition reassignment is in progress.',
  notController: 'This is not the correct controller for this cluster.',
} as const;

const ok = (tp: TopicPartition): PartitionReassignmentResult => ({ tp, errorCode: ErrorCode.None, errorMessage: null });

// ---------------------------------------------------------------------------------------------- the manager

export interface PartitionReassignmentDeps {
  ctx: ControllerContext;
  zk: KafkaZkClient;
  batch: ControllerRequestBatch;
  partitionStateMachine: PartitionStateMachine;
  replicaStateMachine: ReplicaStateMachine;
  topicDeletionManager: TopicDeletionManager;
  log: Logger;
  stateLog: Logger;
  /** reads the state znode, arming its one-shot data watch (PartitionReassignmentIsrChange) if none is armed */
  readPartitionStateWatched(tp: TopicPartition): Promise<PartitionStateAndVersion | null>;
  /** forgets the state-znode watch of a partition whose reassignment is over (its firing is then ignored) */
  forgetPartitionStateWatch(tp: TopicPartition): void;
  /** UpdateMetadata for `partitions` to `brokerIds` (its own batch) */
  sendUpdateMetadata(brokerIds: readonly number[], partitions: readonly TopicPartition[]): void;
}

export class PartitionReassignmentManager {
  constructor(private readonly d: PartitionReassignmentDeps) {}

  /** AlterPartitionReassignments on the active controller (Kafka's processApiPartitionReassignment). */
  async alter(requests: readonly ReassignmentRequest[]): Promise<PartitionReassignmentResult[]> {
    const { ctx } = this.d;
    const byKey = new Map<string, ReassignmentRequest>();
    for (const r of requests) byKey.set(tpKey(r.tp), r); // the last entry for a partition wins
    const results = new Map<string, PartitionReassignmentResult>();
    const toReassign = new Map<string, { tp: TopicPartition; assignment: ReplicaAssignment }>();
    const live = new Set(ctx.liveBrokerIds());
    for (const [key, { tp, targetReplicas: target }] of byKey) {
      const current = ctx.fullReplicaAssignment(tp);
      const problem = target === null ? null : targetReplicasProblem(current, target, live);
      if (problem) {
        this.d.log.info({ tp: key, target, problem }, 'refusing partition reassignment');
        results.set(key, { tp, errorCode: ErrorCode.InvalidReplicaAssignment, errorMessage: `${REASSIGNMENT_ERROR_MESSAGES.invalidReplicaAssignment} ${capitalize(problem)}.` });
        continue;
      }
      const built = buildReassignment(current, target);
      if (built) toReassign.set(key, { tp, assignment: built });
      else results.set(key, { tp, errorCode: ErrorCode.NoReassignmentInProgress, errorMessage: REASSIGNMENT_ERROR_MESSAGES.noReassignmentInProgress });
    }
    // the latest reassignment, by API or through the znode, takes precedence
    await this.maybeRemoveFromZkReassignment((tp) => toReassign.has(tpKey(tp)));
    for (const [key, r] of await this.triggerReassignments(toReassign)) results.set(key, r);
    return [...byKey.keys()].map((key) => results.get(key)!);
  }

  /** ListPartitionReassignments: the given partitions (null = all) that are being reassigned. */
  list(partitions: readonly TopicPartition[] | null): OngoingReassignment[] {
    const { ctx } = this.d;
    const candidates = partitions ?? ctx.allPartitions().filter((tp) => ctx.partitionsBeingReassigned.has(tpKey(tp)));
    const seen = new Set<string>();
    const out: OngoingReassignment[] = [];
    for (const tp of candidates) {
      const key = tpKey(tp);
      if (seen.has(key) || !ctx.hasPartition(tp)) continue;
      seen.add(key);
      const a = ctx.fullReplicaAssignment(tp);
      if (!isBeingReassigned(a)) continue;
      out.push({ tp, replicas: [...a.replicas], addingReplicas: [...a.addingReplicas], removingReplicas: [...a.removingReplicas] });
    }
    return out;
  }

  /**
   * /admin/reassign_partitions exists (created, or found at failover): start what it lists. Partitions that
   * fail (unknown, being deleted, invalid, nothing to cancel) are dropped from the znode. Returns the keys
   * of the partitions started.
   */
  async onZkReassignment(): Promise<Set<string>> {
    const read = await getPartitionReassignment(this.d.zk.zk);
    if (read.status === 'absent') return new Set();
    if (read.status === 'invalid') {
      this.d.log.warn({ reason: read.reason }, 'ignoring /admin/reassign_partitions: invalid JSON');
      return new Set();
    }
    const { ctx } = this.d;
    const results = new Map<string, PartitionReassignmentResult>();
    const toReassign = new Map<string, { tp: TopicPartition; assignment: ReplicaAssignment }>();
    for (const { tp, replicas } of read.reassignments) {
      const key = tpKey(tp);
      const problem = structuralProblem(replicas);
      if (problem) {
        results.set(key, { tp, errorCode: ErrorCode.InvalidReplicaAssignment, errorMessage: problem });
        continue;
      }
      const built = buildReassignment(ctx.fullReplicaAssignment(tp), replicas);
      if (built) toReassign.set(key, { tp, assignment: built });
      else results.set(key, { tp, errorCode: ErrorCode.NoReassignmentInProgress, errorMessage: null });
    }
    for (const [key, r] of await this.triggerReassignments(toReassign)) results.set(key, r);
    const failed = new Map([...results].filter(([, r]) => r.errorCode !== ErrorCode.None));
    if (failed.size > 0) {
      this.d.log.warn(
        { failed: [...failed.values()].map((r) => ({ tp: tpKey(r.tp), errorCode: r.errorCode, errorMessage: r.errorMessage })) },
        'failed reassignments through /admin/reassign_partitions; dropping them from the znode',
      );
      await this.maybeRemoveFromZkReassignment((tp) => failed.has(tpKey(tp)));
    }
    return new Set([...results].filter(([, r]) => r.errorCode === ErrorCode.None).map(([key]) => key));
  }

  /** Restarts reassignments recorded in the assignments (AR/RR non-empty) that `shouldResume` selects. */
  async resumeReassignments(shouldResume: (tp: TopicPartition, assignment: ReplicaAssignment) => boolean): Promise<void> {
    const { ctx } = this.d;
    const tps = ctx.allPartitions().filter((tp) => ctx.partitionsBeingReassigned.has(tpKey(tp)));
    for (const tp of tps) {
      const a = ctx.fullReplicaAssignment(tp);
      if (!shouldResume(tp, a)) continue;
      this.d.log.info({ tp: tpKey(tp), replicas: a.replicas, adding: a.addingReplicas, removing: a.removingReplicas }, 'resuming partition reassignment');
      await this.guarded(tp, () => this.onPartitionReassignment(tp, a));
    }
  }

  /** ISR changed (notification or state-znode watch): finish the reassignment once TRS ⊆ ISR. */
  async maybeCompleteReassignment(tp: TopicPartition): Promise<void> {
    const { ctx } = this.d;
    if (!ctx.partitionsBeingReassigned.has(tpKey(tp)) || !ctx.hasPartition(tp)) return;
    const a = ctx.fullReplicaAssignment(tp);
    if (await this.isReassignmentComplete(tp, a)) {
      this.d.log.info({ tp: tpKey(tp), target: targetReplicas(a) }, 'target replicas have all caught up with the leader; completing reassignment');
      await this.guarded(tp, () => this.onPartitionReassignment(tp, a));
    }
  }

  // -------------------------------------------------------------------------------------------- internals

  private async guarded(tp: TopicPartition, fn: () => Promise<void>): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (err) {
      if (err instanceof ControllerMovedError) throw err;
      this.d.log.error({ tp: tpKey(tp), err }, 'error during partition reassignment');
      return false;
    }
  }

  /** Kafka's maybeTriggerPartitionReassignment. */
  private async triggerReassignments(
    reassignments: ReadonlyMap<string, { tp: TopicPartition; assignment: ReplicaAssignment }>,
  ): Promise<Map<string, PartitionReassignmentResult>> {
    const { ctx } = this.d;
    const out = new Map<string, PartitionReassignmentResult>();
    for (const [key, { tp, assignment }] of reassignments) {
      if (ctx.isTopicQueuedUpForDeletion(tp.topic)) {
        this.d.log.info({ tp: key }, 'skipping reassignment: the topic is being deleted');
        out.set(key, { tp, errorCode: ErrorCode.UnknownTopicOrPartition, errorMessage: REASSIGNMENT_ERROR_MESSAGES.partitionDoesNotExist });
      } else if (!ctx.hasPartition(tp) || ctx.partitionReplicaAssignment(tp).length === 0) {
        out.set(key, { tp, errorCode: ErrorCode.UnknownTopicOrPartition, errorMessage: REASSIGNMENT_ERROR_MESSAGES.partitionDoesNotExist });
      } else if (await this.guarded(tp, () => this.onPartitionReassignment(tp, assignment))) {
        out.set(key, ok(tp));
      } else {
        out.set(key, { tp, errorCode: ErrorCode.UnknownServerError, errorMessage: null });
      }
    }
    return out;
  }

  private async onPartitionReassignment(tp: TopicPartition, reassignment: ReplicaAssignment): Promise<void> {
    const { ctx, replicaStateMachine, topicDeletionManager, stateLog } = this.d;
    topicDeletionManager.markTopicIneligibleForDeletion([tp.topic], 'topic reassignment in progress');
    await this.updateCurrentReassignment(tp, reassignment);
    const adding = reassignment.addingReplicas;
    const removing = reassignment.removingReplicas;
    stateLog.info(
      { tp: tpKey(tp), replicas: reassignment.replicas, adding, removing },
      'partition reassignment step',
    );
    if (!(await this.isReassignmentComplete(tp, reassignment))) {
      // A1: LeaderAndIsr (epoch + 1) to ORS and AR; A2: AR → NewReplica
      await this.updateLeaderEpochAndSendRequest(tp, reassignment);
      for (const replica of adding) await replicaStateMachine.handleStateChanges([{ tp, replica }], ReplicaStateName.NewReplica);
      return;
    }
    // B1: AR → OnlineReplica; B2: RS = TRS in memory
    await replicaStateMachine.handleStateChanges(adding.map((replica) => ({ tp, replica })), ReplicaStateName.OnlineReplica);
    const completed: ReplicaAssignment = { replicas: targetReplicas(reassignment), addingReplicas: [], removingReplicas: [] };
    ctx.updatePartitionAssignment(tp, completed);
    // B3: a leader from TRS if needed, LeaderAndIsr with the new RS
    await this.moveReassignedPartitionLeaderIfRequired(tp, completed);
    // B4/B5: RR → Offline → NonExistent (StopReplica(false), then StopReplica(delete=true))
    await this.stopRemovedReplicas(tp, removing);
    // B6: the final assignment in ZooKeeper
    await this.writeAssignment(tp, completed);
    // B7: drop the ISR watch and the /admin/reassign_partitions entry
    await this.removePartitionFromReassigningPartitions(tp, completed);
    // B8: everyone learns the new replica set
    this.d.sendUpdateMetadata(ctx.liveOrShuttingDownBrokerIds(), [tp]);
    await topicDeletionManager.resumeDeletionForTopics(new Set([tp.topic]));
    this.d.log.info({ tp: tpKey(tp), replicas: completed.replicas }, 'partition reassignment completed');
  }

  private async updateCurrentReassignment(tp: TopicPartition, reassignment: ReplicaAssignment): Promise<void> {
    const { ctx } = this.d;
    const current = ctx.fullReplicaAssignment(tp);
    if (!sameAssignment(current, reassignment)) {
      this.d.log.info(
        { tp: tpKey(tp), from: current, to: reassignment },
        'updating the replica assignment of a partition being reassigned',
      );
      await this.writeAssignment(tp, reassignment);
      ctx.updatePartitionAssignment(tp, reassignment);
      // a replaced reassignment may leave replicas that are no longer needed at all
      const unneeded = current.replicas.filter((r) => !reassignment.replicas.includes(r));
      if (unneeded.length > 0) await this.stopRemovedReplicas(tp, unneeded);
    }
    ctx.partitionsBeingReassigned.add(tpKey(tp));
    await this.d.readPartitionStateWatched(tp);
  }

  /** Complete when nothing is being reassigned, or when TRS ⊆ the ISR read from ZooKeeper. */
  private async isReassignmentComplete(tp: TopicPartition, a: ReplicaAssignment): Promise<boolean> {
    if (!isBeingReassigned(a)) return true;
    const read = this.d.ctx.partitionsBeingReassigned.has(tpKey(tp))
      ? await this.d.readPartitionStateWatched(tp)
      : await this.d.zk.getPartitionState(tp);
    if (!read) return false;
    const isr = new Set(read.state.isr);
    return targetReplicas(a).every((r) => isr.has(r));
  }

  private async moveReassignedPartitionLeaderIfRequired(tp: TopicPartition, completed: ReplicaAssignment): Promise<void> {
    const { ctx, partitionStateMachine, log } = this.d;
    const leader = ctx.leadershipInfo(tp)?.state.leader ?? -1;
    if (!completed.replicas.includes(leader) || !ctx.isReplicaOnline(leader)) {
      log.info(
        { tp: tpKey(tp), leader, replicas: completed.replicas },
        'leader of a reassigned partition is not in the new replica set or is not alive; electing a new one',
      );
      const r = await partitionStateMachine.handleStateChanges([tp], PartitionStateName.OnlinePartition, { kind: 'reassign' });
      const res = r.get(tpKey(tp));
      if (res && !res.ok) log.warn({ tp: tpKey(tp), err: res.error.message }, 'reassign election failed');
    } else {
      await this.updateLeaderEpochAndSendRequest(tp, completed);
    }
  }

  private async stopRemovedReplicas(tp: TopicPartition, removed: readonly number[]): Promise<void> {
    if (removed.length === 0) return;
    const rsm = this.d.replicaStateMachine;
    const replicas: PartitionReplica[] = removed.map((replica) => ({ tp, replica }));
    await rsm.handleStateChanges(replicas, ReplicaStateName.OfflineReplica);
    await rsm.handleStateChanges(replicas, ReplicaStateName.ReplicaDeletionStarted);
    await rsm.handleStateChanges(replicas, ReplicaStateName.ReplicaDeletionSuccessful);
    await rsm.handleStateChanges(replicas, ReplicaStateName.NonExistentReplica);
  }

  /** /brokers/topics/<t> with this partition's assignment replaced (fenced). */
  private async writeAssignment(tp: TopicPartition, assignment: ReplicaAssignment): Promise<void> {
    const { ctx, zk } = this.d;
    const topicAssignment: TopicAssignment = new Map();
    for (const p of ctx.partitionsForTopic(tp.topic)) topicAssignment.set(p.partition, ctx.fullReplicaAssignment(p));
    topicAssignment.set(tp.partition, assignment);
    const version = await zk.setTopicAssignment(ctx.fence(), tp.topic, topicAssignment);
    if (version === null) throw new Error(`failed to update the assignment of ${tpKey(tp)}: the topic has no assignment znode`);
  }

  /** Leader epoch + 1 (same leader and ISR), then LeaderAndIsr to ORS (isNew=false) and AR (isNew=true). */
  private async updateLeaderEpochAndSendRequest(tp: TopicPartition, assignment: ReplicaAssignment): Promise<void> {
    const { ctx, batch, stateLog } = this.d;
    const info = await this.updateLeaderEpoch(tp);
    const sendTo = (ids: readonly number[]): number[] => ids.filter((r) => ctx.isLiveOrShuttingDown(r));
    batch.newBatch();
    try {
      batch.addLeaderAndIsr(sendTo(assignment.replicas.filter((r) => !assignment.addingReplicas.includes(r))), tp, info, assignment, false);
      batch.addLeaderAndIsr(sendTo(assignment.addingReplicas), tp, info, assignment, true);
      batch.send();
    } catch (err) {
      batch.clear();
      throw err;
    }
    stateLog.info(
      { tp: tpKey(tp), leader: info.state.leader, leaderEpoch: info.state.leaderEpoch, isr: info.state.isr, replicas: assignment.replicas },
      'sent LeaderAndIsr with the new replica assignment for a partition being reassigned',
    );
  }

  private async updateLeaderEpoch(tp: TopicPartition): Promise<LeadershipInfo> {
    const { ctx, zk } = this.d;
    for (;;) {
      const cur = await zk.getPartitionState(tp);
      if (!cur) throw new Error(`cannot update the leader epoch of ${tpKey(tp)}: its state znode is missing`);
      if (cur.state.controllerEpoch > ctx.epoch) {
        throw new StateChangeFailedError(
          `Leader and isr path of ${tpKey(tp)} written by another controller (epoch ${cur.state.controllerEpoch} > ${ctx.epoch}); aborting`,
        );
      }
      const state = { ...cur.state, isr: [...cur.state.isr], leaderEpoch: cur.state.leaderEpoch + 1, controllerEpoch: ctx.epoch };
      const [w] = await zk.updatePartitionStates(ctx.fence(), [{ tp, state, expectedZkVersion: cur.zkVersion }]);
      if (w?.outcome === 'ok') {
        const info: LeadershipInfo = { state, zkVersion: w.zkVersion };
        ctx.putLeadershipInfo(tp, info);
        return info;
      }
      if (w?.outcome === 'no-node') throw new Error(`cannot update the leader epoch of ${tpKey(tp)}: its state znode vanished`);
      // bad-version: the leader changed the ISR meanwhile; read again
    }
  }

  private async removePartitionFromReassigningPartitions(tp: TopicPartition, assignment: ReplicaAssignment): Promise<void> {
    const { ctx } = this.d;
    const key = tpKey(tp);
    if (!ctx.partitionsBeingReassigned.has(key)) return;
    this.d.forgetPartitionStateWatch(tp);
    await this.maybeRemoveFromZkReassignment((p, replicas) => tpKey(p) === key && sameList(replicas, assignment.replicas));
    ctx.partitionsBeingReassigned.delete(key);
  }

  /** Drops the entries `shouldRemove` selects from /admin/reassign_partitions; deletes it when empty. */
  private async maybeRemoveFromZkReassignment(shouldRemove: (tp: TopicPartition, replicas: readonly number[]) => boolean): Promise<void> {
    const { zk, ctx, log } = this.d;
    const read = await getPartitionReassignment(zk.zk);
    if (read.status === 'absent') return;
    const listed: PartitionReassignment[] = read.status === 'ok' ? read.reassignments : [];
    const remaining = listed.filter((r) => !shouldRemove(r.tp, r.replicas));
    if (remaining.length === listed.length && remaining.length > 0) return;
    if (remaining.length === 0) {
      log.info({ path: '/admin/reassign_partitions' }, 'no more partitions need to be reassigned; deleting the znode');
      await deletePartitionReassignment(zk.zk, ctx.fence());
    } else {
      log.info({ removed: listed.filter((r) => !remaining.includes(r)).map((r) => tpKey(r.tp)) }, 'removing partitions from /admin/reassign_partitions');
      await setOrCreatePartitionReassignment(zk.zk, ctx.fence(), remaining);
    }
  }
}

/**
 * Kafka's maybeBuildReassignment: a partition being reassigned moves to the target (or back to ORS on
 * cancel); one that is not gets the target, and a cancel has nothing to do (null).
 */
export function buildReassignment(current: ReplicaAssignment, target: readonly number[] | null): ReplicaAssignment | null {
  if (isBeingReassigned(current)) return reassignTo(current, target ?? originReplicas(current));
  return target === null ? null : reassignTo(current, target);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
