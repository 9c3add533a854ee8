/**
 * The replica state machine (Kafka's ZkReplicaStateMachine, zk-and-controller.md §6.2).
 *
 * | state                     | valid previous states                                                  |
 * |---------------------------|------------------------------------------------------------------------|
 * | NewReplica                | NonExistentReplica                                                     |
 * | OnlineReplica             | NewReplica, OnlineReplica, OfflineReplica, ReplicaDeletionIneligible   |
 * | OfflineReplica            | NewReplica, OnlineReplica, OfflineReplica, ReplicaDeletionIneligible   |
 * | ReplicaDeletionStarted    | OfflineReplica                                                         |
 * | ReplicaDeletionSuccessful | ReplicaDeletionStarted                                                 |
 * | ReplicaDeletionIneligible | OfflineReplica, ReplicaDeletionStarted                                 |
 * | NonExistentReplica        | ReplicaDeletionSuccessful                                              |
 *
 * Actions: NewReplica → LeaderAndIsr(isNew) when the partition has a leader (refused for the leader itself);
 * OnlineReplica (not from New) → LeaderAndIsr with the current state; OfflineReplica → StopReplica(delete=false),
 * removal from the ISR in ZooKeeper (fenced, epoch+1, leader -1 when it led, never removing the last ISR
 * member, retried on BADVERSION) and LeaderAndIsr to the other replicas; ReplicaDeletionStarted →
 * StopReplica(delete=true); NonExistentReplica → dropped from the assignment.
 */
import { LogEvent, tpFields } from '../common/log-events.js';
import { tpKey, type TopicPartition } from '../common/topic-partition.js';
import type { PartitionState } from '../zk/znodes.js';
import type { LeadershipInfo, PartitionReplica } from './controller-context.js';
import { inRequestBatch, writePartitionStates, type StateMachineDeps } from './state-machine.js';

export const ReplicaStateName = {
  NewReplica: 'NewReplica',
  OnlineReplica: 'OnlineReplica',
  OfflineReplica: 'OfflineReplica',
  ReplicaDeletionStarted: 'ReplicaDeletionStarted',
  ReplicaDeletionSuccessful: 'ReplicaDeletionSuccessful',
  ReplicaDeletionIneligible: 'ReplicaDeletionIneligible',
  NonExistentReplica: 'NonExistentReplica',
} as const;
export type ReplicaStateName = (typeof ReplicaStateName)[keyof typeof ReplicaStateName];

const R = ReplicaStateName;

export const VALID_PREVIOUS_REPLICA_STATES: Readonly<Record<ReplicaStateName, ReadonlySet<ReplicaStateName>>> = {
  NewReplica: new Set([R.NonExistentReplica]),
  OnlineReplica: new Set([R.NewReplica, R.OnlineReplica, R.OfflineReplica, R.ReplicaDeletionIneligible]),
  OfflineReplica: new Set([R.NewReplica, R.OnlineReplica, R.OfflineReplica, R.ReplicaDeletionIneligible]),
  ReplicaDeletionStarted: new Set([R.OfflineReplica]),
  ReplicaDeletionSuccessful: new Set([R.ReplicaDeletionStarted]),
  ReplicaDeletionIneligible: new Set([R.OfflineReplica, R.ReplicaDeletionStarted]),
  NonExistentReplica: new Set([R.ReplicaDeletionSuccessful]),
};

export function isValidReplicaTransition(from: ReplicaStateName, to: ReplicaStateName): boolean {
  return VALID_PREVIOUS_REPLICA_STATES[to].has(from);
}

/**
 * The ISR after removing `replica` (OfflineReplica): leader -1 if it led; the ISR minus it unless it is the
 * only member (the last ISR member is never removed); leader epoch + 1; this controller's epoch.
 */
export function removeReplicaFromIsr(state: PartitionState, replica: number, controllerEpoch: number): PartitionState {
  return {
    leader: state.leader === replica ? -1 : state.leader,
    isr: state.isr.length === 1 ? [...state.isr] : state.isr.filter((r) => r !== replica),
    leaderEpoch: state.leaderEpoch + 1,
    controllerEpoch,
  };
}

export type ReplicaStateMachineDeps = StateMachineDeps;

export class ReplicaStateMachine {
  constructor(private readonly d: ReplicaStateMachineDeps) {}

  /**
   * Failover: every replica Online if its broker is live, else ReplicaDeletionIneligible; then OnlineReplica
   * for the online ones (LeaderAndIsr for every partition to its live replicas) and OfflineReplica for the rest.
   */
  async startup(): Promise<void> {
    const { ctx } = this.d;
    const online: PartitionReplica[] = [];
    const offline: PartitionReplica[] = [];
    for (const r of ctx.replicasForPartitions(ctx.allPartitions())) {
      if (ctx.isReplicaOnline(r.replica, true)) {
        ctx.putReplicaState(r, R.OnlineReplica);
        online.push(r);
      } else {
        ctx.putReplicaState(r, R.ReplicaDeletionIneligible);
        offline.push(r);
      }
    }
    await this.handleStateChanges(online, R.OnlineReplica);
    await this.handleStateChanges(offline, R.OfflineReplica);
  }

  shutdown(): void {
    this.d.ctx.clearReplicaStates();
  }

  async handleStateChanges(replicas: readonly PartitionReplica[], target: ReplicaStateName): Promise<void> {
    if (replicas.length === 0) return;
    await inRequestBatch(
      this.d.batch,
      async () => {
        const byBroker = new Map<number, PartitionReplica[]>();
        for (const r of replicas) {
          const l = byBroker.get(r.replica);
          if (l) l.push(r);
          else byBroker.set(r.replica, [r]);
        }
        for (const [replicaId, list] of byBroker) await this.doHandleStateChanges(replicaId, list, target);
      },
      (err) => {
        this.d.log.error({ err, target, count: replicas.length }, 'error while moving replicas to a new state');
      },
    );
  }

  private transition(r: PartitionReplica, to: ReplicaStateName, extra: Record<string, unknown> = {}): void {
    const from = this.d.ctx.replicaState(r) ?? R.NonExistentReplica;
    this.d.stateLog.info({ event: LogEvent.ReplicaStateChange, tp: tpKey(r.tp), ...tpFields(r.tp), replica: r.replica, from, to, ...extra }, 'replica state change');
    this.d.ctx.putReplicaState(r, to);
  }

  private async doHandleStateChanges(replicaId: number, replicas: readonly PartitionReplica[], target: ReplicaStateName): Promise<void> {
    const { ctx, batch, stateLog } = this.d;
    const valid: PartitionReplica[] = [];
    for (const r of replicas) {
      const from = ctx.replicaState(r) ?? R.NonExistentReplica;
      if (ctx.replicaState(r) === undefined) ctx.putReplicaState(r, R.NonExistentReplica);
      if (isValidReplicaTransition(from, target)) valid.push(r);
      else stateLog.error({ tp: tpKey(r.tp), replica: r.replica, from, to: target }, 'invalid replica state transition');
    }
    switch (target) {
      case R.NewReplica:
        for (const r of valid) {
          const info = ctx.leadershipInfo(r.tp);
          if (info && info.state.leader === replicaId) {
            stateLog.error(
              { tp: tpKey(r.tp), replica: replicaId, to: target },
              'replica cannot be moved to NewReplica as it is being requested to become leader',
            );
            continue;
          }
          if (info) batch.addLeaderAndIsr([replicaId], r.tp, info, ctx.fullReplicaAssignment(r.tp), true);
          this.transition(r, R.NewReplica);
        }
        return;
      case R.OnlineReplica:
        for (const r of valid) {
          if (ctx.replicaState(r) === R.NewReplica) {
            const a = ctx.fullReplicaAssignment(r.tp);
            if (!a.replicas.includes(replicaId)) {
              this.d.log.error({ tp: tpKey(r.tp), replica: replicaId }, 'adding a replica that is not part of the assignment');
              ctx.updatePartitionAssignment(r.tp, { ...a, replicas: [...a.replicas, replicaId] });
            }
          } else {
            const info = ctx.leadershipInfo(r.tp);
            if (info) batch.addLeaderAndIsr([replicaId], r.tp, info, ctx.fullReplicaAssignment(r.tp), false);
          }
          this.transition(r, R.OnlineReplica);
        }
        return;
      case R.OfflineReplica: {
        for (const r of valid) batch.addStopReplica([replicaId], r.tp, false);
        const withLeadership = valid.filter((r) => ctx.leadershipInfo(r.tp) !== undefined);
        const without = valid.filter((r) => ctx.leadershipInfo(r.tp) === undefined);
        const updated = await this.removeReplicasFromIsr(replicaId, withLeadership.map((r) => r.tp));
        for (const [key, { tp, info }] of updated) {
          if (!ctx.isTopicQueuedUpForDeletion(tp.topic)) {
            const recipients = ctx.partitionReplicaAssignment(tp).filter((x) => x !== replicaId && ctx.isLiveOrShuttingDown(x));
            batch.addLeaderAndIsr(recipients, tp, info, ctx.fullReplicaAssignment(tp), false);
          }
          const r = withLeadership.find((x) => tpKey(x.tp) === key);
          if (r) this.transition(r, R.OfflineReplica, { leader: info.state.leader, isr: info.state.isr, leaderEpoch: info.state.leaderEpoch });
        }
        for (const r of without) {
          batch.addUpdateMetadata(ctx.liveOrShuttingDownBrokerIds(), [r.tp]);
          this.transition(r, R.OfflineReplica);
        }
        return;
      }
      case R.ReplicaDeletionStarted:
        for (const r of valid) {
          this.transition(r, R.ReplicaDeletionStarted);
          batch.addStopReplica([replicaId], r.tp, true);
        }
        return;
      case R.ReplicaDeletionIneligible:
      case R.ReplicaDeletionSuccessful:
        for (const r of valid) this.transition(r, target);
        return;
      case R.NonExistentReplica:
        for (const r of valid) {
          const a = ctx.fullReplicaAssignment(r.tp);
          ctx.updatePartitionAssignment(r.tp, {
            replicas: a.replicas.filter((x) => x !== replicaId),
            addingReplicas: a.addingReplicas.filter((x) => x !== replicaId),
            removingReplicas: a.removingReplicas.filter((x) => x !== replicaId),
          });
          stateLog.info(
            { event: LogEvent.ReplicaStateChange, tp: tpKey(r.tp), ...tpFields(r.tp), replica: replicaId, from: ctx.replicaState(r), to: target },
            'replica state change',
          );
          ctx.removeReplicaState(r);
        }
        return;
    }
  }

  /** Removes `replicaId` from the ISR of each partition in ZooKeeper; returns the resulting leadership. */
  private async removeReplicasFromIsr(
    replicaId: number,
    partitions: readonly TopicPartition[],
  ): Promise<Map<string, { tp: TopicPartition; info: LeadershipInfo }>> {
    const { ctx, zk, stateLog } = this.d;
    const results = new Map<string, { tp: TopicPartition; info: LeadershipInfo }>();
    let remaining = [...partitions];
    while (remaining.length > 0) {
      const read = await zk.getPartitionStates(remaining);
      const updates: Array<{ tp: TopicPartition; state: PartitionState; expectedZkVersion: number }> = [];
      for (const { tp, current } of read) {
        if (!current) {
          if (!ctx.isTopicQueuedUpForDeletion(tp.topic)) {
            stateLog.error({ tp: tpKey(tp), replica: replicaId }, 'failed to remove replica from ISR: no LeaderAndIsr in ZooKeeper');
          }
          continue;
        }
        if (current.state.controllerEpoch > ctx.epoch) {
          stateLog.error(
            { tp: tpKey(tp), replica: replicaId, writtenBy: current.state.controllerEpoch, epoch: ctx.epoch },
            'failed to remove replica from ISR: state written by a newer controller',
          );
          continue;
        }
        if (!current.state.isr.includes(replicaId)) {
          const info: LeadershipInfo = { state: { ...current.state }, zkVersion: current.zkVersion };
          ctx.putLeadershipInfo(tp, info);
          results.set(tpKey(tp), { tp, info });
          continue;
        }
        updates.push({ tp, state: removeReplicaFromIsr(current.state, replicaId, ctx.epoch), expectedZkVersion: current.zkVersion });
      }
      remaining = [];
      if (updates.length === 0) break;
      remaining = await writePartitionStates(
        this.d,
        updates,
        (u, info) => results.set(tpKey(u.tp), { tp: u.tp, info }),
        (u) => stateLog.error({ tp: tpKey(u.tp), replica: replicaId }, 'failed to remove replica from ISR: state znode vanished'),
      );
    }
    return results;
  }
}
