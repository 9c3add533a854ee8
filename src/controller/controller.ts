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
 * Split (Kafka's KafkaController is one class): this file keeps the event loop, election and resignation;
 * the event handlers live in modules named after the Kafka concept and take `ControllerServices`
 * (controller-services.ts): broker-change.ts, topic-change.ts, controller-failover.ts,
 * preferred-election.ts, controlled-shutdown.ts, isr-change-notification.ts, reassignment-events.ts;
 * watch bookkeeping in controller-watches.ts. They all run on the one serial loop below.
 *
 * Logs: `component: 'controller'`; state-machine transitions additionally carry `log: 'state-change'`
 * (Kafka's controller.log / state-change.log as structured records).
 */
import type { ClientSecurity } from '../network/client.js';
import { LogEvent } from '../common/log-events.js';
import { SystemClock, type Clock, type Timer } from '../common/clock.js';
import { KafkaError } from '../common/errors.js';
import { childLogger, type Logger } from '../common/logger.js';
import { tpKey, type TopicPartition } from '../common/topic-partition.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { ClientClosedError, SessionExpiredError } from '../zk/client.js';
import { ControllerMovedError, type KafkaZkClient } from '../zk/kafka-zk-client.js';
import { processBrokerChange, processBrokerModification } from './broker-change.js';
import { ControllerChannelManager, ControllerRequestBatch } from './controller-channel.js';
import { ControllerContext } from './controller-context.js';
import { controllerGauges, type ControllerGauges, type ControllerMetricsSink } from './controller-metrics.js';
import { onControllerFailover } from './controller-failover.js';
import type { ControllerServices } from './controller-services.js';
import { CONTROLLER_WATCH, ControllerWatches, reassignIsrWatchKey } from './controller-watches.js';
import { doControlledShutdown } from './controlled-shutdown.js';
import {
  ACTIVE_ONLY_EVENTS,
  ElectionType,
  eventSubject,
  isReplyingEvent,
  type ControllerEvent,
  type PartitionElectionResult,
} from './events.js';
import { processIsrChangeNotification, processLeaderAndIsrResponse } from './isr-change-notification.js';
import {
  PartitionReassignmentManager,
  REASSIGNMENT_ERROR_MESSAGES,
  type OngoingReassignment,
  type PartitionReassignmentResult,
  type ReassignmentRequest,
} from './partition-reassignment.js';
import { PartitionStateMachine } from './partition-state-machine.js';
import { checkAndTriggerAutoLeaderRebalance, processReplicaLeaderElection, processZkPreferredReplicaElection } from './preferred-election.js';
import { processZkPartitionReassignment, readPartitionStateWatched } from './reassignment-events.js';
import { ReplicaStateMachine } from './replica-state-machine.js';
import { TopicDeletionManager } from './topic-deletion-manager.js';
import {
  processPartitionModifications,
  processTopicChange,
  processTopicDeletion,
  processTopicDeletionStopReplicaResponse,
} from './topic-change.js';

export { classifyBrokerChange } from './broker-change.js';

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
  /** TLS / SASL towards the inter-broker listener */
  clientSecurity?: ClientSecurity;
  metrics?: ControllerMetricsSink;
}

interface QueuedEvent {
  event: ControllerEvent;
  onProcessed?: () => void;
}

/** Events handled by the loop itself (lifecycle and election); the rest go to `dispatchControllerEvent`. */
type LifecycleEvent = Extract<ControllerEvent, { type: 'startup' | 'shutdown' | 'expire' | 'register-and-reelect' | 'reelect' | 'controller-change' }>;

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
  private readonly watches = new ControllerWatches((event) => this.put(event));
  private readonly services: ControllerServices;

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
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
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
      onTopicDeleted: (topic) => this.watches.forget(`topic:${topic}`),
    });
    this.reassignment = new PartitionReassignmentManager({
      ...common,
      partitionStateMachine: this.partitionStateMachine,
      replicaStateMachine: this.replicaStateMachine,
      topicDeletionManager: this.topicDeletionManager,
      readPartitionStateWatched: (tp) => readPartitionStateWatched(this.services, tp),
      forgetPartitionStateWatch: (tp) => this.watches.forget(reassignIsrWatchKey(tp)),
      sendUpdateMetadata: (brokerIds, partitions) => this.sendUpdateMetadata(brokerIds, partitions),
    });
    this.services = this.buildServices();
  }

  /** The view of this controller that the event handler modules get (controller-services.ts). */
  private buildServices(): ControllerServices {
    const self = this;
    return {
      brokerId: this.brokerId,
      ctx: this.ctx,
      zk: this.zk,
      log: this.log,
      watches: this.watches,
      partitionStateMachine: this.partitionStateMachine,
      replicaStateMachine: this.replicaStateMachine,
      topicDeletionManager: this.topicDeletionManager,
      reassignment: this.reassignment,
      deleteTopicEnable: this.deleteTopicEnable,
      get isActive() {
        return self.active;
      },
      get channel() {
        return self.channel;
      },
      sendUpdateMetadata: (brokerIds, partitions) => this.sendUpdateMetadata(brokerIds, partitions),
    };
  }

  // ------------------------------------------------------------------------------------------ public API

  /** Whether this broker is the active controller. */
  get isActive(): boolean {
    return this.active;
  }

  /**
   * Dynamic `unclean.leader.election.enable` (DynamicLogConfig → KafkaController.enableDefaultUncleanLeaderElection):
   * the new default applies to later elections, and turning it on elects the offline partitions now.
   */
  setUncleanLeaderElectionEnable(enabled: boolean): void {
    this.partitionStateMachine.setUncleanLeaderElectionEnable(enabled);
    if (enabled) this.put({ type: 'unclean-leader-election-enable' });
  }

  /** Kafka's KafkaController gauges (all zero unless this controller is active). */
  gauges(): ControllerGauges {
    return controllerGauges(this.ctx, this.active);
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
    this.log.info({ event: LogEvent.ControllerEvent, controllerEvent: event.type, ...eventSubject(event) }, 'processing controller event');
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
        this.log.info({ controllerEvent: event.type }, 'controller moved to another broker while processing an event; resigning');
        await this.safely(() => this.maybeResign(true));
      } else if (err instanceof SessionExpiredError || err instanceof ClientClosedError) {
        this.log.warn({ controllerEvent: event.type, err: err.message }, 'ZooKeeper session lost while processing a controller event');
      } else {
        this.log.error({ controllerEvent: event.type, err }, 'error processing controller event');
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
        this.watches.forgetAllWatches();
        if (this.active) await this.onControllerResignation();
        this.activeControllerId = -1;
        return;
      case 'register-and-reelect':
        this.watches.forgetAllWatches();
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
      default:
        return this.dispatchControllerEvent(event);
    }
  }

  /** The controller's work: ZooKeeper changes, broker answers, timers and API calls (handler modules). */
  private async dispatchControllerEvent(event: Exclude<ControllerEvent, LifecycleEvent>): Promise<void> {
    const s = this.services;
    switch (event.type) {
      case 'broker-change':
        return processBrokerChange(s);
      case 'broker-modification':
        return processBrokerModification(s, event.brokerId);
      case 'topic-change':
        return processTopicChange(s);
      case 'partition-modifications':
        return processPartitionModifications(s, event.topic);
      case 'topic-deletion':
        return processTopicDeletion(s);
      case 'isr-change-notification':
        return processIsrChangeNotification(s);
      case 'preferred-replica-election-zk':
        return processZkPreferredReplicaElection(s);
      case 'zk-partition-reassignment':
        await processZkPartitionReassignment(s, event.rearmOnly);
        return;
      case 'partition-reassignment-isr-change':
        if (!this.ctx.partitionsBeingReassigned.has(tpKey(event.tp))) return;
        return this.reassignment.maybeCompleteReassignment(event.tp);
      case 'auto-preferred-leader-election':
        try {
          await checkAndTriggerAutoLeaderRebalance(s, this.imbalancePercentage);
        } finally {
          this.scheduleAutoLeaderRebalance(this.imbalanceIntervalMs);
        }
        return;
      case 'unclean-leader-election-enable':
        await this.partitionStateMachine.triggerOnlinePartitionStateChange();
        return;
      case 'leader-and-isr-response':
        return processLeaderAndIsrResponse(s, event.brokerId, event.response);
      case 'topic-deletion-stop-replica-response':
        return processTopicDeletionStopReplicaResponse(s, event.brokerId, event.requestErrorCode, event.partitionErrors);
      case 'controlled-shutdown':
        event.reply.resolve(await doControlledShutdown(s, event.brokerId, event.brokerEpoch));
        return;
      default:
        return this.dispatchApiEvent(event);
    }
  }

  /** ElectLeaders and the reassignment APIs (the caller waits on `event.reply`). */
  private async dispatchApiEvent(
    event: Extract<ControllerEvent, { type: 'elect-leaders' | 'alter-partition-reassignments' | 'list-partition-reassignments' }>,
  ): Promise<void> {
    switch (event.type) {
      case 'elect-leaders': {
        if (!this.active) {
          if (event.partitions === null) throw new KafkaError(ErrorCode.NotController, 'this broker is not the controller');
          event.reply.resolve(
            event.partitions.map((tp) => ({ tp, errorCode: ErrorCode.NotController, errorMessage: 'not the controller' })),
          );
          return;
        }
        const tps = event.partitions ?? this.ctx.allPartitions();
        event.reply.resolve(await processReplicaLeaderElection(this.services, tps, event.electionType, 'admin'));
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

  // ------------------------------------------------------------------------------------------ /controller (§4.2–4.4)

  private async readControllerId(): Promise<number> {
    const id = await this.watches.watched(
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
    this.log.info({ event: LogEvent.ControllerElected, epoch: r.epoch, epochZkVersion: r.epochZkVersion }, 'elected as the controller');
    try {
      await this.readControllerId();
      await onControllerFailover(this.services, {
        openChannel: () => this.openChannel(),
        startAutoRebalance: () => {
          if (this.autoRebalance) this.scheduleAutoLeaderRebalance(this.autoRebalanceInitialDelayMs);
        },
      });
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
    this.log.info({ event: LogEvent.ControllerResigned, epoch: this.ctx.epoch }, 'resigning as the controller');
    this.active = false;
    this.watches.forgetControllerWatches();
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

  /** Failover (§4.5 step 4): the channels to the brokers, held until resignation. */
  private openChannel(): ControllerChannelManager {
    this.channel = new ControllerChannelManager({
      log: this.log,
      clock: this.clock,
      listenerName: this.listenerName,
      connectTimeoutMs: this.opts.controllerSocketTimeoutMs ?? 30_000,
      requestTimeoutMs: this.opts.requestTimeoutMs ?? 30_000,
      clientId: `controller-${this.brokerId}`,
      ...(this.opts.clientSecurity ? { clientSecurity: this.opts.clientSecurity } : {}),
    });
    return this.channel;
  }

  private sendUpdateMetadata(brokerIds: readonly number[], partitions: readonly TopicPartition[]): void {
    this.batch.newBatch();
    this.batch.addUpdateMetadata(brokerIds, partitions);
    this.batch.send();
  }

  // ------------------------------------------------------------------------------------------ timers

  private scheduleAutoLeaderRebalance(delayMs: number): void {
    if (!this.active || !this.autoRebalance) return;
    this.rebalanceTimer?.cancel();
    this.rebalanceTimer = this.clock.setTimeout(() => {
      this.rebalanceTimer = null;
      this.put({ type: 'auto-preferred-leader-election' });
    }, delayMs);
  }
}
