/**
 * KafkaController: every broker runs one; the one elected through /controller is *active* (Kafka 2.7's
 * KafkaController, zk-and-controller.md §4–§5, §10–§12).
 *
 * Event model: ZooKeeper watches, API calls, broker responses and timers only enqueue a `ControllerEvent`;
 * ONE serial loop processes them (aesthetics rule 6). `clearAndPut` (session expiry, shutdown) drops the
 * queued events, rejecting their callers. Any `ControllerMovedError` (a fenced write met a moved
 * /controller_epoch) → `maybeResign`: this controller resigns; if /controller still names it, it deletes its
 * own /controller so that a proper election follows (Kafka would keep believing it is active in that case).
 * Any other error during failover → resign and delete /controller (fenced), as Kafka's triggerControllerMove.
 *
 * Session expiry: the broker calls `onSessionExpired()` from its ZooKeeper `beforeInitializingSession`
 * (Expire: resign, watches forgotten) and, after re-registering /brokers/ids/<id> in the new session,
 * `onNewSession()` (re-arm the /controller watch and run the election).
 *
 * Partition reassignment (§10.3: API, /admin/reassign_partitions, resumption at failover and broker start,
 * completion on ISR changes) lives in partition-reassignment.ts; this class wires its events and watches.
 *
 * Logs: `component: 'controller'`; state-machine transitions additionally carry `log: 'state-change'`
 * (Kafka's controller.log / state-change.log as structured records).
 */
import { SystemClock, type Clock, type Timer } from '../common/clock.js';
import { KafkaError } from '../common/errors.js';
import { childLogger, type Logger } from '../common/logger.js';
import { tpKey, type TopicPartition } from '../common/topic-partition.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { ClientClosedError, SessionExpiredError, type ZkWatchEvent, type ZkWatcher } from '../zk/client.js';
import type { BrokerAndEpoch } from '../zk/broker-registration.js';
import { deleteAllLogDirEventNotifications, deletePreferredReplicaElection, getPreferredReplicaElection } from '../zk/controller-store.js';
import { ControllerMovedError, type KafkaZkClient, type PartitionStateAndVersion } from '../zk/kafka-zk-client.js';
import { watchPartitionReassignment } from '../zk/reassignment-store.js';
import { ControllerChannelManager, ControllerRequestBatch } from './controller-channel.js';
import { ControllerContext, type PartitionReplica } from './controller-context.js';
import {
  ACTIVE_ONLY_EVENTS,
  ElectionType,
  isReplyingEvent,
  type ControllerEvent,
  type PartitionElectionResult,
} from './events.js';
import {
  PartitionReassignmentManager,
  REASSIGNMENT_ERROR_MESSAGES,
  targetReplicas,
  type OngoingReassignment,
  type PartitionReassignmentResult,
  type ReassignmentRequest,
} from './partition-reassignment.js';
import { PartitionStateMachine, PartitionStateName, StateChangeFailedError, type PartitionResult } from './partition-state-machine.js';
import { ReplicaStateMachine, ReplicaStateName } from './replica-state-machine.js';
import { TopicDeletionManager } from './topic-deletion-manager.js';

export interface KafkaControllerOptions {
  brokerId: number;
  zkClient: KafkaZkClient;
  log: Logger;
  clock?: Clock;
  /** inter.broker.listener.name; default PLAINTEXT */
  interBrokerListenerName?: string;
  /** delete.topic.enable; default true */
  deleteTopicEnable?: boolean;
  /** unclean.leader.election.enable (broker default, topic configs override); default false */
  uncleanLeaderElectionEnable?: boolean;
  /** auto.leader.rebalance.enable; default true */
  autoLeaderRebalanceEnable?: boolean;
  /** leader.imbalance.check.interval.seconds; default 300 */
  leaderImbalanceCheckIntervalSeconds?: number;
  /** leader.imbalance.per.broker.percentage; default 10 */
  leaderImbalancePerBrokerPercentage?: number;
  /** controller.socket.timeout.ms (connect timeout of the controller channels); default 30000 */
  controllerSocketTimeoutMs?: number;
  /** request.timeout.ms for controller requests; default 30000 */
  requestTimeoutMs?: number;
  /** delay of the first auto-rebalance check after failover; Kafka hard-codes 5000 */
  autoRebalanceInitialDelayMs?: number;
}

/** Broker change classification (BrokerChange, §5): new, dead, and bounced (czxid grew). */
export function classifyBrokerChange(
  cached: ReadonlyMap<number, number>,
  current: ReadonlyMap<number, number>,
): { newBrokerIds: number[]; deadBrokerIds: number[]; bouncedBrokerIds: number[] } {
  const sort = (a: number[]): number[] => a.sort((x, y) => x - y);
  return {
    newBrokerIds: sort([...current.keys()].filter((id) => !cached.has(id))),
    deadBrokerIds: sort([...cached.keys()].filter((id) => !current.has(id))),
    bouncedBrokerIds: sort([...current.entries()].filter(([id, epoch]) => cached.has(id) && epoch > cached.get(id)!).map(([id]) => id)),
  };
}

type ElectionTrigger = 'admin' | 'zk' | 'auto';

interface QueuedEvent {
  event: ControllerEvent;
  onProcessed?: () => void;
}

const CONTROLLER_WATCH = 'controller';
const reassignIsrWatchKey = (tp: TopicPartition): string => `reassign-isr:${tpKey(tp)}`;

export class KafkaController {
  readonly brokerId: number;
  private readonly zk: KafkaZkClient;
  private readonly log: Logger;
  private readonly stateLog: Logger;
  private readonly clock: Clock;
  private readonly listenerName: string;
  private readonly deleteTopicEnable: boolean;
  private readonly autoRebalance: boolean;
  private readonly imbalanceIntervalMs: number;
  private readonly imbalancePercentage: number;
  private readonly autoRebalanceInitialDelayMs: number;

  private readonly ctx = new ControllerContext();
  private channel: ControllerChannelManager | null = null;
  private readonly batch: ControllerRequestBatch;
  private readonly partitionStateMachine: PartitionStateMachine;
  private readonly replicaStateMachine: ReplicaStateMachine;
  private readonly topicDeletionManager: TopicDeletionManager;
  private readonly reassignment: PartitionReassignmentManager;

  private active = false;
  private activeControllerId = -1;
  private readonly queue: QueuedEvent[] = [];
  private running = false;
  private stopped = false;
  private rebalanceTimer: Timer | null = null;
  /** watch key → token of the armed watcher; controller-only keys are dropped at resignation */
  private readonly armed = new Map<string, number>();
  private nextWatchToken = 1;
  private watchGeneration = 0;
  private sessionGeneration = 0;

  constructor(private readonly opts: KafkaControllerOptions) {
    this.brokerId = opts.brokerId;
    this.zk = opts.zkClient;
    this.log = childLogger(opts.log, 'controller');
    this.stateLog = this.log.child({ log: 'state-change' });
    this.clock = opts.clock ?? new SystemClock();
    this.listenerName = (opts.interBrokerListenerName ?? 'PLAINTEXT').toUpperCase();
    this.deleteTopicEnable = opts.deleteTopicEnable ?? true;
    this.autoRebalance = opts.autoLeaderRebalanceEnable ?? true;
    this.imbalanceIntervalMs = (opts.leaderImbalanceCheckIntervalSeconds ?? 300) * 1000;
    this.imbalancePercentage = opts.leaderImbalancePerBrokerPercentage ?? 10;
    this.autoRebalanceInitialDelayMs = opts.autoRebalanceInitialDelayMs ?? 5000;

    this.batch = new ControllerRequestBatch(
      this.brokerId,
      this.ctx,
      { sendRequest: (id, req) => this.channel?.sendRequest(id, req) },
      this.listenerName,
      {
        onLeaderAndIsrResponse: (brokerId, response) => this.put({ type: 'leader-and-isr-response', brokerId, response }),
        onTopicDeletionStopReplicaResponse: (brokerId, requestErrorCode, partitionErrors) =>
          this.put({ type: 'topic-deletion-stop-replica-response', brokerId, requestErrorCode, partitionErrors }),
      },
      this.log,
    );
    const common = { ctx: this.ctx, zk: this.zk, batch: this.batch, log: this.log, stateLog: this.stateLog };
    this.partitionStateMachine = new PartitionStateMachine({
      ...common,
      controllerId: this.brokerId,
      uncleanLeaderElectionEnable: opts.uncleanLeaderElectionEnable ?? false,
    });
    this.replicaStateMachine = new ReplicaStateMachine(common);
    this.topicDeletionManager = new TopicDeletionManager({
      ctx: this.ctx,
      zk: this.zk,
      batch: this.batch,
      partitionStateMachine: this.partitionStateMachine,
      replicaStateMachine: this.replicaStateMachine,
      deleteTopicEnable: this.deleteTopicEnable,
      log: this.log,
      onTopicDeleted: (topic) => this.armed.delete(`topic:${topic}`),
    });
    this.reassignment = new PartitionReassignmentManager({
      ...common,
      partitionStateMachine: this.partitionStateMachine,
      replicaStateMachine: this.replicaStateMachine,
      topicDeletionManager: this.topicDeletionManager,
      readPartitionStateWatched: (tp) => this.readPartitionStateWatched(tp),
      forgetPartitionStateWatch: (tp) => this.armed.delete(reassignIsrWatchKey(tp)),
      sendUpdateMetadata: (brokerIds, partitions) => this.sendUpdateMetadata(brokerIds, partitions),
    });
  }

  // ------------------------------------------------------------------------------------------ public API

  /** Whether this broker is the active controller. */
  get isActive(): boolean {
    return this.active;
  }

  /** The controller epoch this controller won (0 when it never was active). */
  get epoch(): number {
    return this.ctx.epoch;
  }

  /** The active controller's broker id as last seen (-1 = none known). */
  get controllerId(): number {
    return this.activeControllerId;
  }

  /** Arms the /controller watch and runs the election; resolves once that has been processed. */
  startup(): Promise<void> {
    return new Promise((resolve) => this.put({ type: 'startup' }, resolve));
  }

  /** Drops queued events, resigns if active and stops the loop. The ZooKeeper session is the caller's. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    await this.clearAndPut({ type: 'shutdown' });
  }

  /** From the broker's `beforeInitializingSession`: resign (clear-and-put Expire) and wait for it. */
  onSessionExpired(): Promise<void> {
    return this.clearAndPut({ type: 'expire' });
  }

  /** After the broker re-registered in a new session: re-arm the /controller watch and re-elect. */
  onNewSession(): Promise<void> {
    return new Promise((resolve) => this.put({ type: 'register-and-reelect' }, resolve));
  }

  /**
   * ControlledShutdown (controller side, §12): resolves with the partitions the broker still leads.
   * Rejects with KafkaError STALE_CONTROLLER_EPOCH (not the controller), STALE_BROKER_EPOCH, BROKER_NOT_AVAILABLE.
   */
  controlledShutdown(brokerId: number, brokerEpoch: number): Promise<TopicPartition[]> {
    return new Promise((resolve, reject) =>
      this.put({ type: 'controlled-shutdown', brokerId, brokerEpoch, reply: { resolve, reject } }),
    );
  }

  /**
   * ElectLeaders (PREFERRED = 0, UNCLEAN = 1). `partitions` null = every partition. Per-partition results:
   * NONE with the new leader, ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE, ELIGIBLE_LEADERS_NOT_AVAILABLE,
   * UNKNOWN_TOPIC_OR_PARTITION, INVALID_TOPIC_EXCEPTION (being deleted), NOT_CONTROLLER.
   */
  electLeaders(electionType: ElectionType, partitions: TopicPartition[] | null): Promise<PartitionElectionResult[]> {
    return new Promise((resolve, reject) =>
      this.put({ type: 'elect-leaders', electionType, partitions, reply: { resolve, reject } }),
    );
  }

  /**
   * AlterPartitionReassignments (§10.3): start, replace or (targetReplicas null) cancel reassignments.
   * Per-partition results: NONE, UNKNOWN_TOPIC_OR_PARTITION, INVALID_REPLICA_ASSIGNMENT,
   * NO_REASSIGNMENT_IN_PROGRESS, UNKNOWN_SERVER_ERROR. Rejects with KafkaError NOT_CONTROLLER when this broker
   * is not (or stops being) the controller. Resolves once the reassignment has been started (or completed).
   */
  alterPartitionReassignments(reassignments: ReassignmentRequest[]): Promise<PartitionReassignmentResult[]> {
    return new Promise((resolve, reject) =>
      this.put({ type: 'alter-partition-reassignments', reassignments, reply: { resolve, reject } }),
    );
  }

  /**
   * ListPartitionReassignments: the ongoing reassignments among `partitions` (null = all), with the full
   * replica set and the adding/removing replicas. Rejects with KafkaError NOT_CONTROLLER off the controller.
   */
  listPartitionReassignments(partitions: TopicPartition[] | null): Promise<OngoingReassignment[]> {
    return new Promise((resolve, reject) => this.put({ type: 'list-partition-reassignments', partitions, reply: { resolve, reject } }));
  }

  // ------------------------------------------------------------------------------------------ event loop

  private put(event: ControllerEvent, onProcessed?: () => void): void {
    if (this.stopped) {
      this.rejectDropped(event);
      onProcessed?.();
      return;
    }
    this.queue.push({ event, onProcessed });
    if (!this.running) {
      this.running = true;
      void this.loop();
    }
  }

  private clearAndPut(event: ControllerEvent): Promise<void> {
    for (const dropped of this.queue.splice(0)) {
      this.rejectDropped(dropped.event);
      dropped.onProcessed?.();
    }
    return new Promise((resolve) => this.put(event, resolve));
  }

  private rejectDropped(event: ControllerEvent): void {
    if (isReplyingEvent(event)) {
      event.reply.reject(new KafkaError(ErrorCode.NotController, 'controller event dropped: controller moved or shutting down'));
    }
  }

  private async loop(): Promise<void> {
    try {
      for (let item = this.queue.shift(); item; item = this.queue.shift()) {
        try {
          await this.process(item.event);
        } finally {
          item.onProcessed?.();
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async process(event: ControllerEvent): Promise<void> {
    if (ACTIVE_ONLY_EVENTS.has(event.type) && !this.active) return;
    try {
      await this.dispatch(event);
    } catch (err) {
      if (isReplyingEvent(event)) {
        // ControlledShutdown/ElectLeaders: Kafka's ControllerMovedException (STALE_CONTROLLER_EPOCH); the
        // reassignment APIs answer NOT_CONTROLLER, as their preempted callbacks do
        const movedCode =
          event.type === 'controlled-shutdown' || event.type === 'elect-leaders' ? ErrorCode.StaleControllerEpoch : ErrorCode.NotController;
        event.reply.reject(err instanceof ControllerMovedError ? new KafkaError(movedCode, err.message) : (err as Error));
      }
      if (err instanceof ControllerMovedError) {
        this.log.info({ event: event.type }, 'controller moved to another broker while processing an event; resigning');
        await this.safely(() => this.maybeResign(true));
      } else if (err instanceof SessionExpiredError || err instanceof ClientClosedError) {
        this.log.warn({ event: event.type, err: err.message }, 'ZooKeeper session lost while processing a controller event');
      } else {
        this.log.error({ event: event.type, err }, 'error processing controller event');
      }
    }
  }

  private async safely(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'error during controller resignation');
    }
  }

  private async dispatch(event: ControllerEvent): Promise<void> {
    switch (event.type) {
      case 'startup':
        await this.readControllerId();
        await this.elect();
        return;
      case 'shutdown':
        this.stopped = true;
        if (this.active) await this.onControllerResignation();
        this.activeControllerId = -1;
        return;
      case 'expire':
        this.forgetAllWatches();
        if (this.active) await this.onControllerResignation();
        this.activeControllerId = -1;
        return;
      case 'register-and-reelect':
        this.forgetAllWatches();
        await this.readControllerId();
        await this.elect();
        return;
      case 'reelect':
        await this.maybeResign(false);
        await this.elect();
        return;
      case 'controller-change':
        await this.maybeResign(false);
        return;
      case 'broker-change':
        return this.processBrokerChange();
      case 'broker-modification':
        return this.processBrokerModification(event.brokerId);
      case 'topic-change':
        return this.processTopicChange();
      case 'partition-modifications':
        return this.processPartitionModifications(event.topic);
      case 'topic-deletion':
        return this.processTopicDeletion();
      case 'isr-change-notification':
        return this.processIsrChangeNotification();
      case 'preferred-replica-election-zk':
        return this.processZkPreferredReplicaElection();
      case 'zk-partition-reassignment':
        await this.processZkPartitionReassignment(event.rearmOnly);
        return;
      case 'partition-reassignment-isr-change':
        if (!this.ctx.partitionsBeingReassigned.has(tpKey(event.tp))) return;
        return this.reassignment.maybeCompleteReassignment(event.tp);
      case 'auto-preferred-leader-election':
        try {
          await this.checkAndTriggerAutoLeaderRebalance();
        } finally {
          this.scheduleAutoLeaderRebalance(this.imbalanceIntervalMs);
        }
        return;
      case 'leader-and-isr-response':
        return this.processLeaderAndIsrResponse(event.brokerId, event.response);
      case 'topic-deletion-stop-replica-response':
        return this.processTopicDeletionStopReplicaResponse(event.brokerId, event.requestErrorCode, event.partitionErrors);
      case 'controlled-shutdown':
        event.reply.resolve(await this.doControlledShutdown(event.brokerId, event.brokerEpoch));
        return;
      case 'elect-leaders': {
        if (!this.active) {
          if (event.partitions === null) throw new KafkaError(ErrorCode.NotController, 'this broker is not the controller');
          event.reply.resolve(
            event.partitions.map((tp) => ({ tp, errorCode: ErrorCode.NotController, errorMessage: 'not the controller' })),
          );
          return;
        }
        const tps = event.partitions ?? this.ctx.allPartitions();
        event.reply.resolve(await this.processReplicaLeaderElection(tps, event.electionType, 'admin'));
        return;
      }
      case 'alter-partition-reassignments':
        if (!this.active) throw new KafkaError(ErrorCode.NotController, REASSIGNMENT_ERROR_MESSAGES.notController);
        event.reply.resolve(await this.reassignment.alter(event.reassignments));
        return;
      case 'list-partition-reassignments':
        if (!this.active) throw new KafkaError(ErrorCode.NotController, REASSIGNMENT_ERROR_MESSAGES.notController);
        event.reply.resolve(this.reassignment.list(event.partitions));
        return;
    }
  }

  // ------------------------------------------------------------------------------------------ watches

  /**
   * Runs a read that can arm a one-shot watch under `key`; the watch is passed only when none is armed for
   * that key (so re-reads do not stack watchers). The watcher only enqueues `toEvent(e)`.
   */
  private async watched<T>(
    key: string,
    toEvent: (e: ZkWatchEvent) => ControllerEvent | null,
    read: (watch?: ZkWatcher) => Promise<T>,
  ): Promise<T> {
    if (this.armed.has(key)) return read();
    const token = this.nextWatchToken++;
    const generation = key === CONTROLLER_WATCH ? this.sessionGeneration : this.watchGeneration;
    const watcher: ZkWatcher = (e) => {
      const current = key === CONTROLLER_WATCH ? this.sessionGeneration : this.watchGeneration;
      if (generation !== current) return;
      if (this.armed.get(key) === token) this.armed.delete(key);
      const ev = toEvent(e);
      if (ev) this.put(ev);
    };
    this.armed.set(key, token);
    try {
      return await read(watcher);
    } catch (err) {
      if (this.armed.get(key) === token) this.armed.delete(key);
      throw err;
    }
  }

  /** Drops controller-only watch bookkeeping (resignation): their later firings are ignored. */
  private forgetControllerWatches(): void {
    this.watchGeneration++;
    for (const key of [...this.armed.keys()]) if (key !== CONTROLLER_WATCH) this.armed.delete(key);
  }

  /** New ZooKeeper session: every watch is gone. */
  private forgetAllWatches(): void {
    this.sessionGeneration++;
    this.watchGeneration++;
    this.armed.clear();
  }

  private async readControllerId(): Promise<number> {
    const id = await this.watched(
      CONTROLLER_WATCH,
      (e) => (e.type === 'deleted' ? { type: 'reelect' } : { type: 'controller-change' }),
      (w) => this.zk.watchController(w!),
    );
    this.activeControllerId = id;
    return id;
  }

  // ------------------------------------------------------------------------------------------ election (§4.2–4.4)

  private async elect(): Promise<void> {
    if (this.active) return;
    const r = await this.zk.tryElectController(this.brokerId);
    if (!r.elected) {
      this.activeControllerId = r.controllerId;
      if (r.controllerId !== -1) this.log.debug({ activeControllerId: r.controllerId }, 'another broker is the controller');
      // -1: the winner vanished meanwhile; the /controller watch brings us back here
      await this.readControllerId();
      return;
    }
    this.ctx.epoch = r.epoch;
    this.ctx.epochZkVersion = r.epochZkVersion;
    this.activeControllerId = this.brokerId;
    this.active = true;
    this.log.info({ epoch: r.epoch, epochZkVersion: r.epochZkVersion }, 'elected as the controller');
    try {
      await this.readControllerId();
      await this.onControllerFailover();
    } catch (err) {
      if (err instanceof ControllerMovedError) throw err;
      this.log.error({ err }, 'error during controller failover; resigning and deleting /controller');
      await this.triggerControllerMove();
    }
  }

  /**
   * Re-reads /controller (re-arming its watch); resigns when this broker was active and no longer is, or
   * unconditionally after a fenced write failed (`fenced`).
   */
  private async maybeResign(fenced: boolean): Promise<void> {
    const wasActive = this.active;
    const id = await this.readControllerId();
    if (wasActive && (fenced || id !== this.brokerId)) {
      const fence = this.ctx.fence();
      await this.onControllerResignation();
      if (fenced && id === this.brokerId) {
        this.log.warn({ staleEpoch: fence.epoch }, 'fenced out while /controller still names this broker; deleting it to force an election');
        this.activeControllerId = -1;
        await this.zk.resignController(this.brokerId);
      }
    }
  }

  /** Kafka's triggerControllerMove: resign and delete /controller (fenced) so that another broker can win. */
  private async triggerControllerMove(): Promise<void> {
    const fence = this.ctx.fence();
    await this.onControllerResignation();
    this.activeControllerId = -1;
    try {
      await this.zk.deleteControllerFenced(fence);
    } catch (err) {
      if (!(err instanceof ControllerMovedError)) throw err;
    }
  }

  private async onControllerResignation(): Promise<void> {
    this.log.info({ epoch: this.ctx.epoch }, 'resigning as the controller');
    this.active = false;
    this.forgetControllerWatches();
    this.rebalanceTimer?.cancel();
    this.rebalanceTimer = null;
    this.partitionStateMachine.shutdown();
    this.replicaStateMachine.shutdown();
    this.batch.clear();
    const channel = this.channel;
    this.channel = null;
    await channel?.shutdown();
    this.ctx.reset();
  }

  // ------------------------------------------------------------------------------------------ failover (§4.5)

  private async onControllerFailover(): Promise<void> {
    const { ctx, zk } = this;
    const fence = ctx.fence();
    // 2–3. watches first; stale notifications are deleted (their content is re-derived from ZooKeeper state)
    const isrNotifications = await this.watched('isr-change', () => ({ type: 'isr-change-notification' }), (w) =>
      zk.watchIsrChangeNotifications(w!),
    );
    await zk.deleteIsrChangeNotifications(fence, isrNotifications);
    await deleteAllLogDirEventNotifications(zk.zk, fence);

    // 4. the controller context
    const brokerIds = await this.watched('brokers', () => ({ type: 'broker-change' }), (w) => zk.watchBrokers(w!));
    const brokers: BrokerAndEpoch[] = [];
    for (const id of brokerIds) {
      const b = await this.watchBroker(id);
      if (b) brokers.push(b);
    }
    ctx.addLiveBrokers(brokers);
    const topics = await this.watched('topics', () => ({ type: 'topic-change' }), (w) => zk.watchTopics(w!));
    ctx.setAllTopics(topics);
    for (const topic of topics) await this.readTopicAssignment(topic);
    for (const { tp, current } of await zk.getPartitionStates(ctx.allPartitions())) {
      if (current) ctx.putLeadershipInfo(tp, { state: current.state, zkVersion: current.zkVersion });
    }
    this.channel = new ControllerChannelManager({
      log: this.log,
      clock: this.clock,
      listenerName: this.listenerName,
      connectTimeoutMs: this.opts.controllerSocketTimeoutMs ?? 30_000,
      requestTimeoutMs: this.opts.requestTimeoutMs ?? 30_000,
      clientId: `controller-${this.brokerId}`,
    });
    for (const b of ctx.liveOrShuttingDownBrokers()) this.channel.addBroker(b);
    this.log.info(
      { liveBrokers: ctx.liveBrokerIds(), topics: topics.length, partitions: ctx.allPartitions().length },
      'initialized controller context',
    );

    // 5. pending deletions
    const toDelete = new Set(await this.watched('deletions', () => ({ type: 'topic-deletion' }), (w) => zk.watchTopicDeletions(w!)));
    const ineligible = new Set<string>();
    for (const topic of ctx.allTopics) {
      if (ctx.replicasForTopic(topic).some((r) => !ctx.isReplicaOnline(r.replica, true))) ineligible.add(topic);
      if (ctx.partitionsForTopic(topic).some((tp) => ctx.partitionsBeingReassigned.has(tpKey(tp)))) ineligible.add(topic);
    }
    await this.topicDeletionManager.init(toDelete, ineligible);

    // 6. brokers learn each other's endpoints before any LeaderAndIsr
    this.sendUpdateMetadata(ctx.liveOrShuttingDownBrokerIds(), []);

    // 7–8. state machines: LeaderAndIsr for every partition, then elections for New/Offline partitions
    await this.replicaStateMachine.startup();
    await this.partitionStateMachine.startup();

    // 9. reassignments: /admin/reassign_partitions first (it takes precedence), then those recorded in the
    // assignments (AR/RR non-empty) that it does not list
    const fromZk = await this.processZkPartitionReassignment(false);
    await this.reassignment.resumeReassignments((tp) => !fromZk.has(tpKey(tp)));

    // 10. deletions
    await this.topicDeletionManager.tryTopicDeletion();

    // 11. pending preferred elections from /admin/preferred_replica_election
    await this.processZkPreferredReplicaElection();

    // 12. auto rebalance
    if (this.autoRebalance) this.scheduleAutoLeaderRebalance(this.autoRebalanceInitialDelayMs);
    this.log.info({ epoch: ctx.epoch }, 'controller failover complete');
  }

  private watchBroker(id: number): Promise<BrokerAndEpoch | null> {
    return this.watched(`broker:${id}`, () => ({ type: 'broker-modification', brokerId: id }), (w) => this.zk.getBroker(id, w));
  }

  /** Reads /brokers/topics/<t> (arming PartitionModifications) into the context; returns the partitions read. */
  private async readTopicAssignment(topic: string): Promise<TopicPartition[]> {
    const r = await this.watched(
      `topic:${topic}`,
      () => ({ type: 'partition-modifications', topic }),
      (w) => this.zk.getTopicAssignment(topic, w),
    );
    if (!r) return [];
    const out: TopicPartition[] = [];
    for (const [partition, assignment] of r.assignment) {
      const tp = { topic, partition };
      this.ctx.updatePartitionAssignment(tp, assignment);
      out.push(tp);
    }
    return out;
  }

  private sendUpdateMetadata(brokerIds: readonly number[], partitions: readonly TopicPartition[]): void {
    this.batch.newBatch();
    this.batch.addUpdateMetadata(brokerIds, partitions);
    this.batch.send();
  }

  // ------------------------------------------------------------------------------------------ brokers (§5)

  private async processBrokerChange(): Promise<void> {
    const { ctx } = this;
    const ids = await this.watched('brokers', () => ({ type: 'broker-change' }), (w) => this.zk.watchBrokers(w!));
    const current = (await Promise.all(ids.map((id) => this.zk.getBroker(id)))).filter((b): b is BrokerAndEpoch => b !== null);
    const byId = new Map(current.map((b) => [b.id, b]));
    const { newBrokerIds, deadBrokerIds, bouncedBrokerIds } = classifyBrokerChange(
      ctx.liveBrokerIdAndEpochs(),
      new Map(current.map((b) => [b.id, b.epoch])),
    );
    this.log.info(
      { newBrokerIds, deadBrokerIds, bouncedBrokerIds, liveBrokers: ids },
      'broker change: newly added, dead and bounced brokers',
    );
    const channel = this.channel;
    for (const id of newBrokerIds) channel?.addBroker(byId.get(id)!);
    for (const id of bouncedBrokerIds) {
      channel?.removeBroker(id);
      channel?.addBroker(byId.get(id)!);
    }
    for (const id of deadBrokerIds) channel?.removeBroker(id);
    if (newBrokerIds.length > 0) {
      ctx.addLiveBrokers(newBrokerIds.map((id) => byId.get(id)!));
      await this.onBrokerStartup(newBrokerIds);
    }
    if (bouncedBrokerIds.length > 0) {
      ctx.removeLiveBrokers(bouncedBrokerIds);
      await this.onBrokerFailure(bouncedBrokerIds);
      ctx.addLiveBrokers(bouncedBrokerIds.map((id) => byId.get(id)!));
      await this.onBrokerStartup(bouncedBrokerIds);
    }
    if (deadBrokerIds.length > 0) {
      ctx.removeLiveBrokers(deadBrokerIds);
      await this.onBrokerFailure(deadBrokerIds);
    }
  }

  private async onBrokerStartup(newBrokerIds: readonly number[]): Promise<void> {
    const { ctx } = this;
    this.log.info({ newBrokerIds }, 'new broker startup callback');
    const newSet = new Set(newBrokerIds);
    this.sendUpdateMetadata(ctx.liveOrShuttingDownBrokerIds().filter((id) => !newSet.has(id)), []);
    this.sendUpdateMetadata(newBrokerIds, ctx.partitionsWithLeaders());
    const replicasOnNew = ctx.replicasOnBrokers(newSet);
    await this.replicaStateMachine.handleStateChanges(replicasOnNew, ReplicaStateName.OnlineReplica);
    await this.partitionStateMachine.triggerOnlinePartitionStateChange();
    await this.reassignment.resumeReassignments((_tp, a) => targetReplicas(a).some((r) => newSet.has(r)));
    const deletionTopics = new Set(replicasOnNew.map((r) => r.tp.topic).filter((t) => ctx.isTopicQueuedUpForDeletion(t)));
    if (deletionTopics.size > 0) await this.topicDeletionManager.resumeDeletionForTopics(deletionTopics);
    for (const id of newBrokerIds) await this.watchBroker(id);
  }

  private async onBrokerFailure(deadBrokerIds: readonly number[]): Promise<void> {
    this.log.info({ deadBrokerIds }, 'broker failure callback');
    for (const id of deadBrokerIds) this.ctx.shuttingDownBrokerIds.delete(id);
    await this.onReplicasBecomeOffline(this.ctx.replicasOnBrokers(new Set(deadBrokerIds)));
    for (const id of deadBrokerIds) this.armed.delete(`broker:${id}`);
  }

  private async onReplicasBecomeOffline(replicas: readonly PartitionReplica[]): Promise<void> {
    const { ctx } = this;
    const forDeletion = replicas.filter((r) => ctx.isTopicQueuedUpForDeletion(r.tp.topic));
    const notForDeletion = replicas.filter((r) => !ctx.isTopicQueuedUpForDeletion(r.tp.topic));
    const offlineLeader = ctx.partitionsWithOfflineLeader();
    await this.partitionStateMachine.handleStateChanges(offlineLeader, PartitionStateName.OfflinePartition);
    await this.partitionStateMachine.triggerOnlinePartitionStateChange();
    await this.replicaStateMachine.handleStateChanges(notForDeletion, ReplicaStateName.OfflineReplica);
    if (forDeletion.length > 0) await this.topicDeletionManager.failReplicaDeletion(forDeletion);
    if (offlineLeader.length === 0) this.sendUpdateMetadata(ctx.liveOrShuttingDownBrokerIds(), []);
  }

  private async processBrokerModification(brokerId: number): Promise<void> {
    const cached = this.ctx.broker(brokerId);
    if (!cached) return;
    const b = await this.watchBroker(brokerId);
    if (!b || b.epoch !== cached.epoch) return; // gone or bounced: BrokerChange handles it
    const same =
      JSON.stringify(b.endpoints) === JSON.stringify(cached.endpoints) &&
      JSON.stringify(b.features) === JSON.stringify(cached.features) &&
      b.rack === cached.rack;
    if (same) return;
    this.log.info({ brokerId, endpoints: b.endpoints }, 'broker registration changed; updating endpoints');
    this.ctx.addLiveBrokers([b]);
    this.sendUpdateMetadata(this.ctx.liveOrShuttingDownBrokerIds(), []);
  }

  // ------------------------------------------------------------------------------------------ topics (§5, §10.1)

  private async processTopicChange(): Promise<void> {
    const { ctx } = this;
    const topics = await this.watched('topics', () => ({ type: 'topic-change' }), (w) => this.zk.watchTopics(w!));
    const present = new Set(topics);
    const newTopics = topics.filter((t) => !ctx.allTopics.has(t));
    const deletedTopics = [...ctx.allTopics].filter((t) => !present.has(t));
    ctx.setAllTopics(topics);
    for (const t of deletedTopics) {
      ctx.removeTopic(t);
      this.armed.delete(`topic:${t}`);
    }
    const added: TopicPartition[] = [];
    for (const t of newTopics) added.push(...(await this.readTopicAssignment(t)));
    if (newTopics.length > 0 || deletedTopics.length > 0) this.log.info({ newTopics, deletedTopics }, 'topic change');
    if (added.length > 0) await this.onNewPartitionCreation(added);
  }

  private async processPartitionModifications(topic: string): Promise<void> {
    const { ctx } = this;
    if (!ctx.allTopics.has(topic)) return;
    const r = await this.watched(
      `topic:${topic}`,
      () => ({ type: 'partition-modifications', topic }),
      (w) => this.zk.getTopicAssignment(topic, w),
    );
    if (!r) return;
    const toAdd = [...r.assignment.entries()].filter(([p]) => !ctx.hasPartition({ topic, partition: p }));
    if (toAdd.length === 0) return;
    if (ctx.isTopicQueuedUpForDeletion(topic)) {
      this.log.info({ topic, partitions: toAdd.map(([p]) => p) }, 'skipping partition addition to a topic queued for deletion; restoring its assignment');
      const existing = new Map([...r.assignment.entries()].filter(([p]) => ctx.hasPartition({ topic, partition: p })));
      await this.zk.setTopicAssignment(ctx.fence(), topic, existing, -1);
      return;
    }
    const tps = toAdd.map(([partition, a]) => {
      const tp = { topic, partition };
      ctx.updatePartitionAssignment(tp, a);
      return tp;
    });
    this.log.info({ topic, partitions: tps.map((tp) => tp.partition) }, 'new partitions added to an existing topic');
    await this.onNewPartitionCreation(tps);
  }

  private async onNewPartitionCreation(partitions: readonly TopicPartition[]): Promise<void> {
    this.log.info({ partitions: partitions.map(tpKey) }, 'new partition creation callback');
    const replicas = (): PartitionReplica[] => this.ctx.replicasForPartitions(partitions);
    await this.partitionStateMachine.handleStateChanges(partitions, PartitionStateName.NewPartition);
    await this.replicaStateMachine.handleStateChanges(replicas(), ReplicaStateName.NewReplica);
    await this.partitionStateMachine.handleStateChanges(partitions, PartitionStateName.OnlinePartition, {
      kind: 'offline',
      allowUnclean: false,
    });
    await this.replicaStateMachine.handleStateChanges(replicas(), ReplicaStateName.OnlineReplica);
  }

  private async processTopicDeletion(): Promise<void> {
    const { ctx, zk } = this;
    const marked = await this.watched('deletions', () => ({ type: 'topic-deletion' }), (w) => zk.watchTopicDeletions(w!));
    const nonExistent = marked.filter((t) => !ctx.allTopics.has(t));
    if (nonExistent.length > 0) {
      this.log.info({ topics: nonExistent }, 'ignoring deletion requests for topics that do not exist');
      await zk.deleteTopicDeletionMarkers(ctx.fence(), nonExistent);
    }
    const topics = new Set(marked.filter((t) => ctx.allTopics.has(t)));
    if (topics.size === 0) return;
    if (!this.deleteTopicEnable) {
      this.log.info({ topics: [...topics] }, 'delete.topic.enable=false: removing deletion markers');
      await zk.deleteTopicDeletionMarkers(ctx.fence(), [...topics]);
      return;
    }
    this.log.info({ topics: [...topics] }, 'starting topic deletion');
    // queued first, so that marking a topic with a reassignment in flight ineligible takes (Kafka 2.7 marks
    // before queueing, which only halts topics queued earlier)
    ctx.queueTopicDeletion(topics);
    for (const t of topics) {
      if (ctx.partitionsForTopic(t).some((tp) => ctx.partitionsBeingReassigned.has(tpKey(tp)))) {
        this.topicDeletionManager.markTopicIneligibleForDeletion([t], 'topic reassignment in progress');
      }
    }
    await this.topicDeletionManager.enqueueTopicsForDeletion(topics);
  }

  private async processTopicDeletionStopReplicaResponse(
    brokerId: number,
    requestErrorCode: number,
    partitionErrors: ReadonlyArray<{ tp: TopicPartition; errorCode: number }>,
  ): Promise<void> {
    const inError = partitionErrors.filter((pe) => requestErrorCode !== ErrorCode.None || pe.errorCode !== ErrorCode.None);
    const ok = partitionErrors.filter((pe) => !inError.includes(pe));
    if (inError.length > 0) {
      this.log.warn({ brokerId, requestErrorCode, partitions: inError.map((pe) => tpKey(pe.tp)) }, 'replica deletion failed');
      await this.topicDeletionManager.failReplicaDeletion(inError.map((pe) => ({ tp: pe.tp, replica: brokerId })));
    }
    if (ok.length > 0) await this.topicDeletionManager.completeReplicaDeletion(ok.map((pe) => ({ tp: pe.tp, replica: brokerId })));
  }

  private processLeaderAndIsrResponse(
    brokerId: number,
    response: { errorCode: number; partitionErrors: Array<{ topicName: string; partitionIndex: number; errorCode: number }> },
  ): Promise<void> {
    if (response.errorCode !== ErrorCode.None) {
      this.log.warn({ brokerId, errorCode: response.errorCode }, 'LeaderAndIsr answered with an error');
      return Promise.resolve();
    }
    // per-partition STALE_CONTROLLER_EPOCH ("leader epoch matches") is normal after failover; others are logged
    const errors = response.partitionErrors.filter((pe) => pe.errorCode !== ErrorCode.None && pe.errorCode !== ErrorCode.StaleControllerEpoch);
    if (errors.length > 0) {
      this.log.warn(
        { brokerId, partitions: errors.map((pe) => ({ tp: `${pe.topicName}-${pe.partitionIndex}`, errorCode: pe.errorCode })) },
        'LeaderAndIsr partition errors',
      );
    }
    return Promise.resolve();
  }

  // ------------------------------------------------------------------------------------------ ISR notifications (§5)

  private async processIsrChangeNotification(): Promise<void> {
    const { ctx, zk } = this;
    const names = await this.watched('isr-change', () => ({ type: 'isr-change-notification' }), (w) => zk.watchIsrChangeNotifications(w!));
    if (names.length === 0) return;
    try {
      const seen = new Map<string, TopicPartition>();
      for (const n of await zk.getIsrChangeNotifications(names)) for (const tp of n.partitions) seen.set(tpKey(tp), tp);
      const tps = [...seen.values()].filter((tp) => ctx.hasPartition(tp));
      if (tps.length > 0) {
        for (const { tp, current } of await zk.getPartitionStates(tps)) {
          if (current) ctx.putLeadershipInfo(tp, { state: current.state, zkVersion: current.zkVersion });
        }
        this.log.debug({ partitions: tps.map(tpKey) }, 'ISR change notification: sending UpdateMetadata');
        this.sendUpdateMetadata(ctx.liveOrShuttingDownBrokerIds(), tps);
        for (const tp of tps.filter((x) => ctx.partitionsBeingReassigned.has(tpKey(x)))) {
          await this.reassignment.maybeCompleteReassignment(tp);
        }
      }
    } finally {
      await zk.deleteIsrChangeNotifications(ctx.fence(), names);
    }
  }

  // ------------------------------------------------------------------------------------------ reassignments (§10.3)

  /**
   * Re-arms the existence watch on /admin/reassign_partitions and, unless only re-arming (a data change,
   * which Kafka ignores), starts what the znode lists. Returns the keys of the partitions started.
   */
  private async processZkPartitionReassignment(rearmOnly: boolean): Promise<Set<string>> {
    const exists = await this.watched(
      'reassign',
      (e) => ({ type: 'zk-partition-reassignment', rearmOnly: e.type === 'data-changed' }),
      (w) => watchPartitionReassignment(this.zk.zk, w!),
    );
    if (!exists || rearmOnly) return new Set();
    return this.reassignment.onZkReassignment();
  }

  /** Reads a state znode with the PartitionReassignmentIsrChange data watch armed (classic ISR mode). */
  private readPartitionStateWatched(tp: TopicPartition): Promise<PartitionStateAndVersion | null> {
    return this.watched(
      reassignIsrWatchKey(tp),
      () => ({ type: 'partition-reassignment-isr-change', tp }),
      (w) => this.zk.getPartitionState(tp, w),
    );
  }

  // ------------------------------------------------------------------------------------------ elections (§7, §11)

  private async processZkPreferredReplicaElection(): Promise<void> {
    const tps = await this.watched('preferred', () => ({ type: 'preferred-replica-election-zk' }), (w) =>
      getPreferredReplicaElection(this.zk.zk, w),
    );
    if (tps === null) return;
    try {
      const results = await this.processReplicaLeaderElection(tps, ElectionType.Preferred, 'zk');
      this.log.info({ results: results.map((r) => ({ tp: tpKey(r.tp), errorCode: r.errorCode })) }, 'preferred replica election (zk)');
    } finally {
      await deletePreferredReplicaElection(this.zk.zk, this.ctx.fence());
    }
  }

  private async processReplicaLeaderElection(
    partitions: readonly TopicPartition[],
    electionType: ElectionType,
    trigger: ElectionTrigger,
  ): Promise<PartitionElectionResult[]> {
    const { ctx } = this;
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
    const elected = await this.onReplicaLeaderElection(electable, electionType, trigger);
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

  private async onReplicaLeaderElection(
    partitions: readonly TopicPartition[],
    electionType: ElectionType,
    trigger: ElectionTrigger,
  ): Promise<Map<string, PartitionResult>> {
    if (partitions.length === 0) return new Map();
    this.log.info({ partitions: partitions.map(tpKey), electionType, trigger }, 'starting replica leader election');
    return this.partitionStateMachine.handleStateChanges(
      partitions,
      PartitionStateName.OnlinePartition,
      electionType === ElectionType.Preferred ? { kind: 'preferred' } : { kind: 'offline', allowUnclean: trigger === 'admin' },
    );
  }

  private scheduleAutoLeaderRebalance(delayMs: number): void {
    if (!this.active || !this.autoRebalance) return;
    this.rebalanceTimer?.cancel();
    this.rebalanceTimer = this.clock.setTimeout(() => {
      this.rebalanceTimer = null;
      this.put({ type: 'auto-preferred-leader-election' });
    }, delayMs);
  }

  /** §11: per preferred broker, elect preferred leaders when its imbalance ratio exceeds the threshold. */
  private async checkAndTriggerAutoLeaderRebalance(): Promise<void> {
    const { ctx } = this;
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
      this.log.debug({ broker, imbalanceRatio: ratio }, 'leader imbalance ratio');
      if (ratio <= this.imbalancePercentage / 100) continue;
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
      await this.onReplicaLeaderElection(candidates, ElectionType.Preferred, 'auto');
    }
  }

  // ------------------------------------------------------------------------------------------ controlled shutdown (§12)

  private async doControlledShutdown(brokerId: number, brokerEpoch: number): Promise<TopicPartition[]> {
    const { ctx } = this;
    if (!this.active) throw new KafkaError(ErrorCode.StaleControllerEpoch, 'this broker is not the controller');
    const cachedEpoch = ctx.brokerEpoch(brokerId);
    if (brokerEpoch !== -1 && cachedEpoch !== undefined && brokerEpoch < cachedEpoch) {
      throw new KafkaError(
        ErrorCode.StaleBrokerEpoch,
        `Received controlled shutdown request from an old broker epoch ${brokerEpoch} for broker ${brokerId}. Current broker epoch is ${cachedEpoch}.`,
      );
    }
    if (!ctx.isLiveOrShuttingDown(brokerId)) {
      throw new KafkaError(ErrorCode.BrokerNotAvailable, `Broker id ${brokerId} does not exist.`);
    }
    ctx.shuttingDownBrokerIds.add(brokerId);
    this.log.info({ brokerId, shuttingDown: [...ctx.shuttingDownBrokerIds] }, 'shutting down broker');
    const toActOn = ctx
      .partitionsOnBroker(brokerId)
      .filter((tp) => ctx.partitionReplicaAssignment(tp).length > 1 && ctx.leadershipInfo(tp) && !ctx.isTopicQueuedUpForDeletion(tp.topic));
    const led = toActOn.filter((tp) => ctx.leadershipInfo(tp)!.state.leader === brokerId);
    const followed = toActOn.filter((tp) => ctx.leadershipInfo(tp)!.state.leader !== brokerId);
    await this.partitionStateMachine.handleStateChanges(led, PartitionStateName.OnlinePartition, { kind: 'controlled-shutdown' });
    // followers: StopReplica(delete=false) and removal from the ISR (OfflineReplica does both)
    await this.replicaStateMachine.handleStateChanges(
      followed.map((tp) => ({ tp, replica: brokerId })),
      ReplicaStateName.OfflineReplica,
    );
    const remaining = ctx
      .allPartitions()
      .filter(
        (tp) =>
          !ctx.isTopicQueuedUpForDeletion(tp.topic) &&
          ctx.leadershipInfo(tp)?.state.leader === brokerId &&
          ctx.partitionReplicaAssignment(tp).length > 1,
      );
    this.log.info({ brokerId, remaining: remaining.map(tpKey) }, 'controlled shutdown: partitions still led by the broker');
    return remaining;
  }
}
