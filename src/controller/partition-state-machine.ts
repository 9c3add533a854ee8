/**
 * The partition state machine (Kafka's ZkPartitionStateMachine, zk-and-controller.md §6.1, §7).
 *
 * | state                | valid previous states                              |
 * |----------------------|----------------------------------------------------|
 * | NewPartition         | NonExistentPartition                               |
 * | OnlinePartition      | NewPartition, OnlinePartition, OfflinePartition    |
 * | OfflinePartition     | NewPartition, OnlinePartition, OfflinePartition    |
 * | NonExistentPartition | OfflinePartition                                   |
 *
 * New → Online creates the state znode (leader = first live replica, ISR = live replicas, epoch 0; fenced)
 * and sends LeaderAndIsr(isNew) to the ISR. Online/Offline → Online re-reads the state znode, aborts when a
 * newer controller wrote it, elects with the given strategy, writes epoch+1 (fenced, conditional on the
 * zkVersion just read, retried on BADVERSION) and sends LeaderAndIsr to the strategy's recipients.
 * Every other transition only changes memory. Requests are accumulated in the batch and sent per call.
 */
import { LogEvent, tpFields } from '../common/log-events.js';
import { tpKey, type TopicPartition } from '../common/topic-partition.js';
import type { PartitionState } from '../zk/znodes.js';
import type { LeadershipInfo } from './controller-context.js';
import type { ControllerMetricsSink } from './controller-metrics.js';
import {
  controlledShutdownLeader,
  offlinePartitionLeader,
  preferredReplicaLeader,
  reassignPartitionLeader,
  type ElectionResult,
} from './election.js';
import { inRequestBatch, writePartitionStates, type StateMachineDeps } from './state-machine.js';

export const PartitionStateName = {
  NewPartition: 'NewPartition',
  OnlinePartition: 'OnlinePartition',
  OfflinePartition: 'OfflinePartition',
  NonExistentPartition: 'NonExistentPartition',
} as const;
export type PartitionStateName = (typeof PartitionStateName)[keyof typeof PartitionStateName];

const P = PartitionStateName;

export const VALID_PREVIOUS_PARTITION_STATES: Readonly<Record<PartitionStateName, ReadonlySet<PartitionStateName>>> = {
  NewPartition: new Set([P.NonExistentPartition]),
  OnlinePartition: new Set([P.NewPartition, P.OnlinePartition, P.OfflinePartition]),
  OfflinePartition: new Set([P.NewPartition, P.OnlinePartition, P.OfflinePartition]),
  NonExistentPartition: new Set([P.OfflinePartition]),
};

export function isValidPartitionTransition(from: PartitionStateName, to: PartitionStateName): boolean {
  return VALID_PREVIOUS_PARTITION_STATES[to].has(from);
}

export type ElectionStrategy =
  | { kind: 'offline'; allowUnclean: boolean }
  | { kind: 'reassign' }
  | { kind: 'preferred' }
  | { kind: 'controlled-shutdown' };

/** A state change that could not be made (Kafka's StateChangeFailedException). */
export class StateChangeFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateChangeFailedError';
  }
}

export type PartitionResult = { tp: TopicPartition; ok: true; info: LeadershipInfo } | { tp: TopicPartition; ok: false; error: Error };

export interface PartitionStateMachineDeps extends StateMachineDeps {
  controllerId: number;
  /** unclean.leader.election.enable of the broker (merged under each topic's config) */
  uncleanLeaderElectionEnable: boolean;
  metrics?: ControllerMetricsSink;
}

export class PartitionStateMachine {
  constructor(private readonly d: PartitionStateMachineDeps) {}

  /** The broker default changed dynamically (topic configs still override it). */
  setUncleanLeaderElectionEnable(enabled: boolean): void {
    this.d.uncleanLeaderElectionEnable = enabled;
  }

  /** Failover: states from the cached leadership, then elect every New/Offline partition. */
  async startup(): Promise<void> {
    this.initializePartitionState();
    await this.triggerOnlinePartitionStateChange();
  }

  shutdown(): void {
    this.d.ctx.clearPartitionStates();
  }

  private initializePartitionState(): void {
    const { ctx } = this.d;
    for (const tp of ctx.allPartitions()) {
      const info = ctx.leadershipInfo(tp);
      if (!info) ctx.putPartitionState(tp, P.NewPartition);
      else ctx.putPartitionState(tp, ctx.isReplicaOnline(info.state.leader) ? P.OnlinePartition : P.OfflinePartition);
    }
  }

  /** OnlinePartition (offline strategy, no forced unclean) for every New/Offline partition not being deleted. */
  async triggerOnlinePartitionStateChange(topic?: string): Promise<Map<string, PartitionResult>> {
    const { ctx } = this.d;
    const partitions = ctx
      .partitionsInStates(new Set([P.OfflinePartition, P.NewPartition]))
      .filter((tp) => !ctx.isTopicQueuedUpForDeletion(tp.topic) && (topic === undefined || tp.topic === topic));
    return this.handleStateChanges(partitions, P.OnlinePartition, { kind: 'offline', allowUnclean: false });
  }

  async handleStateChanges(
    partitions: readonly TopicPartition[],
    target: PartitionStateName,
    strategy?: ElectionStrategy,
  ): Promise<Map<string, PartitionResult>> {
    if (partitions.length === 0) return new Map();
    return inRequestBatch(
      this.d.batch,
      () => this.doHandleStateChanges(partitions, target, strategy),
      (err) => {
        this.d.log.error({ err, target, partitions: partitions.map(tpKey) }, 'error while moving partitions to a new state');
        return new Map(partitions.map((tp) => [tpKey(tp), { tp, ok: false, error: err as Error }]));
      },
    );
  }

  private async doHandleStateChanges(
    partitions: readonly TopicPartition[],
    target: PartitionStateName,
    strategy?: ElectionStrategy,
  ): Promise<Map<string, PartitionResult>> {
    const { ctx, stateLog } = this.d;
    const valid: TopicPartition[] = [];
    for (const tp of partitions) {
      const from = ctx.partitionState(tp) ?? P.NonExistentPartition;
      if (isValidPartitionTransition(from, target)) valid.push(tp);
      else stateLog.error({ tp: tpKey(tp), from, to: target }, 'invalid partition state transition');
    }
    switch (target) {
      case P.NewPartition:
      case P.OfflinePartition:
      case P.NonExistentPartition:
        for (const tp of valid) {
          stateLog.info(
            { event: LogEvent.PartitionStateChange, tp: tpKey(tp), ...tpFields(tp), from: ctx.partitionState(tp) ?? P.NonExistentPartition, to: target },
            'partition state change',
          );
          ctx.putPartitionState(tp, target);
        }
        return new Map();
      case P.OnlinePartition: {
        const uninitialized = valid.filter((tp) => ctx.partitionState(tp) === P.NewPartition);
        const toElect = valid.filter((tp) => ctx.partitionState(tp) !== P.NewPartition);
        const results = new Map<string, PartitionResult>();
        if (uninitialized.length > 0) {
          for (const r of await this.initializeLeaderAndIsr(uninitialized)) {
            results.set(tpKey(r.tp), r);
            if (r.ok) {
              stateLog.info(
                {
                  event: LogEvent.PartitionStateChange,
                  tp: tpKey(r.tp),
                  ...tpFields(r.tp),
                  from: P.NewPartition,
                  to: P.OnlinePartition,
                  leader: r.info.state.leader,
                  leaderEpoch: r.info.state.leaderEpoch,
                  isr: r.info.state.isr,
                },
                'partition state change',
              );
              ctx.putPartitionState(r.tp, P.OnlinePartition);
            }
          }
        }
        if (toElect.length > 0) {
          if (!strategy) throw new Error('OnlinePartition election without a leader election strategy');
          for (const r of await this.electLeaderForPartitions(toElect, strategy)) {
            results.set(tpKey(r.tp), r);
            if (r.ok) {
              stateLog.info(
                {
                  event: LogEvent.PartitionStateChange,
                  tp: tpKey(r.tp),
                  ...tpFields(r.tp),
                  from: ctx.partitionState(r.tp),
                  to: P.OnlinePartition,
                  strategy: strategy.kind,
                  leader: r.info.state.leader,
                  leaderEpoch: r.info.state.leaderEpoch,
                  isr: r.info.state.isr,
                },
                'partition state change',
              );
              ctx.putPartitionState(r.tp, P.OnlinePartition);
            } else {
              stateLog.error(
                { tp: tpKey(r.tp), from: ctx.partitionState(r.tp), to: P.OnlinePartition, strategy: strategy.kind, err: r.error.message },
                'failed partition state change',
              );
            }
          }
        }
        return results;
      }
    }
  }

  /** New → Online: leader = first live replica, ISR = live replicas, epoch 0; fenced create. */
  private async initializeLeaderAndIsr(partitions: readonly TopicPartition[]): Promise<PartitionResult[]> {
    const { ctx, zk, batch, stateLog } = this.d;
    const out: PartitionResult[] = [];
    const toCreate: Array<{ tp: TopicPartition; state: PartitionState }> = [];
    for (const tp of partitions) {
      const live = ctx.partitionReplicaAssignment(tp).filter((r) => ctx.isReplicaOnline(r));
      const leader = live[0];
      if (leader === undefined) {
        const error = new StateChangeFailedError(
          `Encountered error during state change of partition ${tpKey(tp)} from New to Online, assigned replicas are ` +
            `[${ctx.partitionReplicaAssignment(tp).join(',')}], live brokers are [${ctx.liveBrokerIds().join(',')}]. No assigned replica is alive.`,
        );
        stateLog.error({ tp: tpKey(tp), from: P.NewPartition, to: P.OnlinePartition, err: error.message }, 'failed partition state change');
        out.push({ tp, ok: false, error });
        continue;
      }
      toCreate.push({ tp, state: { leader, leaderEpoch: 0, isr: live, controllerEpoch: ctx.epoch } });
    }
    if (toCreate.length === 0) return out;
    const created = await zk.createPartitionStates(ctx.fence(), toCreate);
    created.forEach((c, i) => {
      const state = toCreate[i]!.state;
      if (c.outcome === 'ok') {
        const info: LeadershipInfo = { state, zkVersion: c.zkVersion };
        ctx.putLeadershipInfo(c.tp, info);
        batch.addLeaderAndIsr(state.isr, c.tp, info, ctx.fullReplicaAssignment(c.tp), true);
        out.push({ tp: c.tp, ok: true, info });
      } else {
        const error = new StateChangeFailedError(`state znode of ${tpKey(c.tp)} already exists: initialized by another controller?`);
        stateLog.error({ tp: tpKey(c.tp), from: P.NewPartition, to: P.OnlinePartition, err: error.message }, 'failed partition state change');
        out.push({ tp: c.tp, ok: false, error });
      }
    });
    return out;
  }

  /** Read-elect-write, retrying the partitions whose conditional write met BADVERSION. */
  private async electLeaderForPartitions(partitions: readonly TopicPartition[], strategy: ElectionStrategy): Promise<PartitionResult[]> {
    const out: PartitionResult[] = [];
    const started = Date.now();
    let remaining = [...partitions];
    let unclean = 0;
    while (remaining.length > 0) {
      const { finished, retry, uncleanCount } = await this.doElectLeaderForPartitions(remaining, strategy);
      out.push(...finished);
      unclean += uncleanCount;
      remaining = retry;
    }
    if (out.some((r) => r.ok)) this.d.metrics?.leaderElection(Date.now() - started, unclean);
    return out;
  }

  private async doElectLeaderForPartitions(
    partitions: readonly TopicPartition[],
    strategy: ElectionStrategy,
  ): Promise<{ finished: PartitionResult[]; retry: TopicPartition[]; uncleanCount: number }> {
    const { ctx, zk, batch, controllerId } = this.d;
    const finished: PartitionResult[] = [];
    const valid: Array<{ tp: TopicPartition; current: PartitionState; zkVersion: number }> = [];
    for (const { tp, current } of await zk.getPartitionStates(partitions)) {
      if (!current) {
        finished.push({ tp, ok: false, error: new StateChangeFailedError(`LeaderAndIsr information doesn't exist for partition ${tpKey(tp)}`) });
      } else if (current.state.controllerEpoch > ctx.epoch) {
        finished.push({
          tp,
          ok: false,
          error: new StateChangeFailedError(
            `Aborted leader election for partition ${tpKey(tp)} since the LeaderAndIsr path was already written by another ` +
              `controller. This probably means that the current controller ${controllerId} went through a soft failure and ` +
              `another controller was elected with epoch ${current.state.controllerEpoch}.`,
          ),
        });
      } else {
        valid.push({ tp, current: current.state, zkVersion: current.zkVersion });
      }
    }
    if (valid.length === 0) return { finished, retry: [], uncleanCount: 0 };

    const uncleanTopics = strategy.kind === 'offline' && !strategy.allowUnclean ? await this.uncleanEnabledTopics(valid) : new Set<string>();
    const updates: Array<{ tp: TopicPartition; state: PartitionState; expectedZkVersion: number; recipients: number[]; unclean: boolean }> = [];
    for (const { tp, current, zkVersion } of valid) {
      const assignment = ctx.partitionReplicaAssignment(tp);
      const elected = this.elect(tp, assignment, current.isr, strategy, uncleanTopics.has(tp.topic));
      if (!elected) {
        finished.push({
          tp,
          ok: false,
          error: new StateChangeFailedError(
            `Failed to elect leader for partition ${tpKey(tp)} under strategy ${strategy.kind}: assignment [${assignment.join(',')}], ` +
              `isr [${current.isr.join(',')}], live brokers [${ctx.liveBrokerIds().join(',')}]`,
          ),
        });
        continue;
      }
      updates.push({
        tp,
        state: { leader: elected.result.leader, isr: elected.result.isr, leaderEpoch: current.leaderEpoch + 1, controllerEpoch: ctx.epoch },
        expectedZkVersion: zkVersion,
        recipients: elected.recipients,
        unclean: elected.result.unclean,
      });
    }
    if (updates.length === 0) return { finished, retry: [], uncleanCount: 0 };
    let uncleanCount = 0;

    const retry = await writePartitionStates(
      this.d,
      updates,
      (u, info) => {
        if (u.unclean) {
          uncleanCount++;
          this.d.log.warn({ tp: tpKey(u.tp), leader: u.state.leader }, 'unclean leader election');
        }
        batch.addLeaderAndIsr(u.recipients.filter((r) => ctx.isLiveOrShuttingDown(r)), u.tp, info, ctx.fullReplicaAssignment(u.tp), false);
        finished.push({ tp: u.tp, ok: true, info });
      },
      (u) => finished.push({ tp: u.tp, ok: false, error: new StateChangeFailedError(`state znode of ${tpKey(u.tp)} vanished`) }),
    );
    return { finished, retry, uncleanCount };
  }

  private elect(
    tp: TopicPartition,
    assignment: readonly number[],
    isr: readonly number[],
    strategy: ElectionStrategy,
    topicAllowsUnclean: boolean,
  ): { result: ElectionResult; recipients: number[] } | null {
    const { ctx } = this.d;
    const online = (r: number): boolean => ctx.isReplicaOnline(r);
    switch (strategy.kind) {
      case 'offline': {
        const result = offlinePartitionLeader(assignment, isr, online, strategy.allowUnclean || topicAllowsUnclean);
        return result && { result, recipients: assignment.filter(online) };
      }
      case 'reassign': {
        const target = ctx.fullReplicaAssignment(tp);
        const targetReplicas = target.replicas.filter((r) => !target.removingReplicas.includes(r));
        const result = reassignPartitionLeader(targetReplicas, isr, online);
        return result && { result, recipients: targetReplicas };
      }
      case 'preferred': {
        const result = preferredReplicaLeader(assignment, isr, online);
        return result && { result, recipients: [...assignment] };
      }
      case 'controlled-shutdown': {
        const liveOrShuttingDown = (r: number): boolean => ctx.isReplicaOnline(r, true);
        const result = controlledShutdownLeader(assignment, isr, liveOrShuttingDown, ctx.shuttingDownBrokerIds);
        return result && { result, recipients: assignment.filter(liveOrShuttingDown) };
      }
    }
  }

  /**
   * Topics (among partitions with no live ISR member) whose `unclean.leader.election.enable`, read from
   * /config/topics/<t> over the broker default, allows an unclean election.
   */
  private async uncleanEnabledTopics(partitions: ReadonlyArray<{ tp: TopicPartition; current: PartitionState }>): Promise<Set<string>> {
    const { ctx, zk } = this.d;
    const topics = new Set(
      partitions.filter((p) => !p.current.isr.some((r) => ctx.isReplicaOnline(r))).map((p) => p.tp.topic),
    );
    const out = new Set<string>();
    for (const topic of topics) {
      const cfg = await zk.getTopicConfig(topic);
      const v = cfg['unclean.leader.election.enable'];
      const enabled = v === undefined ? this.d.uncleanLeaderElectionEnable : v.trim().toLowerCase() === 'true';
      if (enabled) out.add(topic);
    }
    return out;
  }
}
