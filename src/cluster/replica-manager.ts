/**
 * The partitions this broker hosts (Kafka's ReplicaManager): LeaderAndIsr / StopReplica handling
 * (zk-and-controller.md §8.5), produce appends with acks = -1 waiting in the Produce purgatory,
 * fetches with long polling in the Fetch purgatory, ListOffsets, DeleteRecords, and the
 * high-watermark checkpoint (`replication-offset-checkpoint`, every
 * replica.high.watermark.checkpoint.interval.ms and at shutdown; restored on startup).
 *
 * Control requests (all three):
 * - broker epoch in the request ≠ -1 and below ours → STALE_BROKER_EPOCH (KIP-380; newer is fine);
 * - controller epoch below the highest seen → STALE_CONTROLLER_EPOCH (top level); else adopted.
 * LeaderAndIsr per partition: epoch > local → accepted if this broker is in the replicas (else
 * UNKNOWN_TOPIC_OR_PARTITION), epoch ≤ local → STALE_CONTROLLER_EPOCH; an offline log dir →
 * KAFKA_STORAGE_ERROR. makeFollowers only runs for partitions whose leader is a live broker in
 * the metadata cache (else only the log is created), as Kafka does.
 * StopReplica per partition: leader epoch -2, -1 or > local → stopped (delete → log deleted, the
 * partition forgotten); otherwise FENCED_LEADER_EPOCH. Unknown partitions answer NONE.
 *
 * Replication (when `fetcherManager` / `isrStore` are given, as the broker does):
 * - makeLeaders removes the partitions' fetchers; makeFollowers removes them and adds a fetcher
 *   at the local HW with the new leader epoch (truncating first) towards the leader's
 *   inter.broker.listener.name endpoint from the metadata cache, else the request's LiveLeaders
 *   (a leader found in neither is not followed); StopReplica removes them; shutdownFetchers()
 *   stops them all (first step of the broker's shutdown).
 * - follower fetches (replicaId ≥ 0) record the follower's LEO / lastCaughtUpTime, may advance
 *   the HW and may expand the ISR; the IsrManager (isr-manager.ts) shrinks it every
 *   replica.lag.time.max.ms / 2 and writes every change to ZooKeeper (classic mechanism).
 *
 * Listeners (`addListener`) hear role changes after each request (the coordinators: load/unload
 * of __consumer_offsets / __transaction_state partitions). A TxnMarkerListener per topic
 * (`setTxnMarkerListener`) hears transaction markers written there (txn-markers.ts).
 */
import { LogEvent, tpFields } from '../common/log-events.js';
import type { Clock, Timer } from '../common/clock.js';
import { KafkaError, toErrorCode } from '../common/errors.js';
import { childLogger, type Logger } from '../common/logger.js';
import { tpKey, type TopicPartition } from '../common/topic-partition.js';
import type { LogManager } from '../log/log-manager.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, type Log } from '../log/log.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { readRecords, splitBatches } from '../protocol/records/index.js';
import { DelayedFetch, type FetchPartitionRequest } from '../purgatory/delayed-fetch.js';
import { DelayedProduce, type ProducePartitionStatus } from '../purgatory/delayed-produce.js';
import type { MetadataCache } from '../metadata/metadata-cache.js';
import { Purgatory } from '../purgatory/purgatory.js';
import type { FollowerFetchTarget, ReplicaFetcherManager } from '../replication/fetcher-manager.js';
import { LogFollowerPartition } from '../replication/log-follower-partition.js';
import { IsrManager, type IsrZkStore } from './isr-manager.js';
import { preferredReadReplica, type ClientMetadata, type ReplicaSelector } from './replica-selector.js';
import { alterReplicaLogDirs, ReplicaAlterLogDirsManager } from './replica-alter-log-dirs.js';
import { FetchIsolation, NO_EPOCH, Partition, type AbortedTransaction, type LeaderAndIsrState } from './partition.js';
import type { AppendOrigin } from '../log/producer-append-info.js';
import type { TxnMarkerListener } from './txn-markers.js';
import type { PartitionTopicConfig, TopicConfigCache } from './topic-log-config.js';

export const CONSUMER_REPLICA_ID = -1;
export const DEBUG_REPLICA_ID = -2;
const EPOCH_DURING_DELETE = -2;

export interface ReplicaManagerOptions {
  readonly brokerId: number;
  readonly logManager: LogManager;
  readonly metadataCache: MetadataCache;
  readonly topicConfigs: TopicConfigCache;
  readonly clock: Clock;
  readonly log: Logger;
  /** this broker's current epoch (czxid of its registration) */
  readonly brokerEpoch: () => number;
  /** replica.lag.time.max.ms */
  readonly replicaLagTimeMaxMs: number;
  /** replica.high.watermark.checkpoint.interval.ms */
  readonly highWatermarkCheckpointIntervalMs: number;
  /** leader-side ISR writes (classic mechanism, isr-manager.ts); none → the ISR only changes by LeaderAndIsr */
  readonly isrStore?: IsrZkStore;
  /** follower fetchers; none → followers do not fetch (unit tests) */
  readonly fetcherManager?: ReplicaFetcherManager;
  /** inter.broker.listener.name: the leader endpoint fetchers connect to */
  readonly interBrokerListenerName?: string;
  /** replica.selector.class (KIP-392); none → consumers are never sent elsewhere */
  readonly replicaSelector?: ReplicaSelector | null;
  /** metric hooks (src/metrics), called per partition append and per ISR change, never per record */
  readonly metrics?: ReplicaMetricsSink;
}

export interface ReplicaMetricsSink {
  messagesAppended(topic: string, messages: number, bytes: number): void;
  replicationBytesAppended(bytes: number): void;
  isrShrunk(): void;
  isrExpanded(): void;
}

/** ReplicaManager's gauges (Kafka's PartitionCount, LeaderCount, UnderReplicatedPartitions, ...). */
export interface ReplicaCountsSnapshot {
  partitions: number;
  leaders: number;
  underReplicated: number;
  underMinIsr: number;
  atMinIsr: number;
  offlineReplicas: number;
  /** largest follower lag (messages) of the partitions this broker follows */
  maxFollowerLag: number;
}

export interface ReplicaListener {
  onBecomeLeader?(partition: Partition): void;
  /** replication starts fetching from `leaderId` (truncating first, KIP-101/279) */
  onBecomeFollower?(tp: TopicPartition, leaderId: number, leaderEpoch: number): void;
  onStopReplica?(tp: TopicPartition, deleted: boolean): void;
}

export interface LeaderAndIsrPartition extends LeaderAndIsrState {
  topic: string;
  partition: number;
}

export interface ControlRequest {
  controllerId: number;
  controllerEpoch: number;
  brokerEpoch: number;
  /** LeaderAndIsr: the leaders' endpoints on the inter-broker listener (used when the cache lacks a leader) */
  liveLeaders?: ReadonlyArray<{ brokerId: number; hostName: string; port: number }>;
}

export type PartitionError = {
  topicName: string;
  partitionIndex: number;
  errorCode: number;
};

export type ControlResult = {
  errorCode: number;
  partitionErrors: PartitionError[];
};

export interface StopReplicaPartition {
  topic: string;
  partition: number;
  leaderEpoch: number;
  deletePartition: boolean;
}

export interface AppendEntry {
  readonly tp: TopicPartition;
  readonly records: Buffer;
}

export interface ProduceResult {
  readonly tp: TopicPartition;
  errorCode: ErrorCode;
  baseOffset: number;
  logAppendTime: number;
  logStartOffset: number;
  errorMessage: string | null;
}

export interface FetchParams {
  replicaId: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  /** v0–v2: limits are strict, no first-batch exception */
  hardMaxBytesLimit: boolean;
  isolationLevel: number;
  partitions: readonly FetchPartitionRequest[];
  /** consumers' Fetch v11+: rack, client id, address, listener (KIP-392); null before v11 and for followers */
  clientMetadata: ClientMetadata | null;
}

export interface FetchResult {
  readonly tp: TopicPartition;
  errorCode: ErrorCode;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  /** read_committed consumers: aborted transactions overlapping `records`; else null */
  abortedTransactions: AbortedTransaction[] | null;
  records: Buffer;
  /** KIP-392: the broker the consumer should read this partition from; −1 = this one */
  preferredReadReplica: number;
}

export const READ_COMMITTED = 1;

export interface OffsetResult {
  offset: number;
  timestamp: number;
  leaderEpoch: number;
}

const EMPTY = Buffer.alloc(0);

export class ReplicaManager {
  readonly producePurgatory: Purgatory<DelayedProduce>;
  readonly fetchPurgatory: Purgatory<DelayedFetch>;
  private readonly partitions = new Map<string, Partition>();
  private readonly listeners: ReplicaListener[] = [];
  private readonly txnMarkerListeners = new Map<string, TxnMarkerListener>();
  private readonly log: Logger;
  private readonly clock: Clock;
  private restoredHighWatermarks = new Map<string, number>();
  private _controllerEpoch = 0;
  private checkpointTimer: Timer | null = null;
  private stateChange: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private fetchersStopped = false;
  /** partitions whose waiting fetches are re-checked at the end of this turn (completeDelayed) */
  private readonly fetchWakeups = new Set<string>();
  private fetchWakeupScheduled = false;
  private readonly consumerBytesOut = new Map<string, number>();
  private preferredReplicaRedirects = 0;
  /** leader-side ISR expansion/shrink (present when `isrStore` is given) */
  readonly isrManager: IsrManager | null;
  /** replica moves between this broker's log dirs (AlterReplicaLogDirs) */
  readonly logDirMover: ReplicaAlterLogDirsManager;

  constructor(private readonly opts: ReplicaManagerOptions) {
    this.clock = opts.clock;
    this.log = childLogger(opts.log, 'replica-manager');
    this.producePurgatory = new Purgatory({ name: 'Produce', clock: opts.clock, log: this.log });
    this.fetchPurgatory = new Purgatory({ name: 'Fetch', clock: opts.clock, log: this.log });
    this.logDirMover = new ReplicaAlterLogDirsManager({ logManager: opts.logManager, clock: opts.clock, log: opts.log });
    this.isrManager = opts.isrStore
      ? new IsrManager({
          brokerId: opts.brokerId,
          clock: opts.clock,
          log: opts.log,
          zk: opts.isrStore,
          replicaLagTimeMaxMs: opts.replicaLagTimeMaxMs,
          partitions: () => this.partitions.values(),
          onIsrChanged: (p) => this.completeDelayed(p.key, true),
          ...(opts.metrics ? { metrics: opts.metrics } : {}),
        })
      : null;
  }

  get brokerId(): number {
    return this.opts.brokerId;
  }

  /** The highest controller epoch seen (in memory only, starts at 0). */
  get controllerEpoch(): number {
    return this._controllerEpoch;
  }

  /** Restores high watermarks from the checkpoint files and starts the periodic checkpoint. */
  startup(): void {
    this.restoredHighWatermarks = this.opts.logManager.readHighWatermarks();
    const interval = this.opts.highWatermarkCheckpointIntervalMs;
    const run = (): void => {
      try {
        this.checkpointHighWatermarks();
      } catch (err) {
        this.log.error({ err }, 'high watermark checkpoint failed');
      } finally {
        if (!this.stopped) this.checkpointTimer = this.clock.setTimeout(run, interval);
      }
    };
    this.checkpointTimer = this.clock.setTimeout(run, interval);
    this.isrManager?.startup();
  }

  /** Stops every follower fetcher (first step of the broker's shutdown); no fetcher is added after. */
  async shutdownFetchers(): Promise<void> {
    if (this.fetchersStopped) return;
    this.fetchersStopped = true;
    await this.opts.fetcherManager?.shutdown();
  }

  /** Final checkpoint, stop timers and purgatories. The LogManager is shut down by the broker after. */
  shutdown(): void {
    this.stopped = true;
    this.fetchersStopped = true;
    this.isrManager?.shutdown();
    this.logDirMover.shutdown();
    this.checkpointTimer?.cancel();
    this.checkpointTimer = null;
    this.producePurgatory.shutdown();
    this.fetchPurgatory.shutdown();
    try {
      this.checkpointHighWatermarks();
    } catch (err) {
      this.log.error({ err }, 'final high watermark checkpoint failed');
    }
  }

  addListener(l: ReplicaListener): void {
    this.listeners.push(l);
  }

  removeListener(l: ReplicaListener): void {
    const i = this.listeners.indexOf(l);
    if (i >= 0) this.listeners.splice(i, 1);
  }

  /** The gauges' view of the hosted partitions, computed at scrape time. */
  countsSnapshot(): ReplicaCountsSnapshot {
    const c: ReplicaCountsSnapshot = { partitions: 0, leaders: 0, underReplicated: 0, underMinIsr: 0, atMinIsr: 0, offlineReplicas: 0, maxFollowerLag: 0 };
    for (const p of this.partitions.values()) {
      c.partitions++;
      if (!p.log) c.offlineReplicas++;
      if (p.isLeader) {
        c.leaders++;
        const minIsr = this.topicConfig(p.tp.topic).minInsyncReplicas;
        if (p.isr.length < p.assignment.length) c.underReplicated++;
        if (p.isr.length < minIsr) c.underMinIsr++;
        else if (p.isr.length === minIsr) c.atMinIsr++;
      } else {
        const lag = this.opts.fetcherManager?.fetchState(p.tp)?.lag ?? 0;
        if (lag > c.maxFollowerLag) c.maxFollowerLag = lag;
      }
    }
    return c;
  }

  /** The group coordinator registers for `__consumer_offsets`: it is told every marker written there. */
  setTxnMarkerListener(topic: string, listener: TxnMarkerListener | null): void {
    if (listener) this.txnMarkerListeners.set(topic, listener);
    else this.txnMarkerListeners.delete(topic);
  }

  txnMarkerListener(topic: string): TxnMarkerListener | undefined {
    return this.txnMarkerListeners.get(topic);
  }

  checkpointHighWatermarks(): void {
    this.opts.logManager.checkpointHighWatermarks((tp) => {
      const key = tpKey(tp);
      return this.partitions.get(key)?.highWatermark ?? this.restoredHighWatermarks.get(key);
    });
  }

  getPartition(tp: TopicPartition): Partition | undefined {
    return this.partitions.get(tpKey(tp));
  }

  get hostedPartitions(): Partition[] {
    return [...this.partitions.values()];
  }

  isLeader(tp: TopicPartition): boolean {
    return this.partitions.get(tpKey(tp))?.isLeader ?? false;
  }

  topicConfig(topic: string): PartitionTopicConfig {
    return this.opts.topicConfigs.get(topic);
  }

  /** KIP-380: a request carrying an epoch older than ours was meant for a previous incarnation. */
  isBrokerEpochStale(requestBrokerEpoch: number): boolean {
    return requestBrokerEpoch !== -1 && requestBrokerEpoch < this.opts.brokerEpoch();
  }

  /**
   * UpdateMetadata's epoch rule: throws STALE_CONTROLLER_EPOCH for an older controller, else adopts
   * the epoch after `apply` ran.
   */
  checkAndAdoptControllerEpoch(controllerEpoch: number): void {
    if (controllerEpoch < this._controllerEpoch) {
      throw new KafkaError(ErrorCode.StaleControllerEpoch, `controller epoch ${controllerEpoch} is older than ${this._controllerEpoch}`);
    }
    this._controllerEpoch = controllerEpoch;
  }

  // ------------------------------------------------------------------------------- LeaderAndIsr

  becomeLeaderOrFollower(req: ControlRequest, states: readonly LeaderAndIsrPartition[]): Promise<ControlResult> {
    return this.serialized(() => this.doBecomeLeaderOrFollower(req, states));
  }

  private async doBecomeLeaderOrFollower(req: ControlRequest, states: readonly LeaderAndIsrPartition[]): Promise<ControlResult> {
    const all = (code: ErrorCode): ControlResult => ({
      errorCode: code,
      partitionErrors: states.map((s) => ({ topicName: s.topic, partitionIndex: s.partition, errorCode: code })),
    });
    if (this.isBrokerEpochStale(req.brokerEpoch)) return all(ErrorCode.StaleBrokerEpoch);
    if (req.controllerEpoch < this._controllerEpoch) {
      this.log.warn({ controllerId: req.controllerId, controllerEpoch: req.controllerEpoch, current: this._controllerEpoch }, 'LeaderAndIsr from a stale controller');
      return all(ErrorCode.StaleControllerEpoch);
    }
    this._controllerEpoch = req.controllerEpoch;
    const me = this.opts.brokerId;
    await this.opts.topicConfigs.load(
      states.map((s) => s.topic),
      (topic, err) => this.log.warn({ err, topic }, 'invalid topic config overrides; using the defaults'),
    );
    const errors = new Map<LeaderAndIsrPartition, ErrorCode>();
    const accepted: Array<{ partition: Partition; state: LeaderAndIsrPartition }> = [];
    for (const s of states) {
      const tp = { topic: s.topic, partition: s.partition };
      const existing = this.partitions.get(tpKey(tp));
      if (existing?.log?.isOffline) {
        errors.set(s, ErrorCode.KafkaStorageError);
        continue;
      }
      const partition = existing ?? this.newPartition(tp);
      if (s.leaderEpoch > partition.leaderEpoch) {
        if (s.replicas.includes(me)) {
          if (!existing) this.partitions.set(partition.key, partition);
          accepted.push({ partition, state: s });
        } else {
          this.log.warn({ tp: partition.key, replicas: s.replicas }, 'LeaderAndIsr for a partition this broker is not a replica of');
          errors.set(s, ErrorCode.UnknownTopicOrPartition);
        }
      } else {
        this.log.info({ tp: partition.key, requestEpoch: s.leaderEpoch, localEpoch: partition.leaderEpoch }, 'LeaderAndIsr ignored: leader epoch not newer');
        errors.set(s, ErrorCode.StaleControllerEpoch);
      }
    }
    const now = this.clock.now();
    const newLeaders: Partition[] = [];
    const newFollowers: Partition[] = [];
    for (const { partition, state } of accepted) {
      try {
        if (state.leader === me) {
          const { highWatermarkChanged } = partition.makeLeader(state, now);
          this.log.info(
            { event: LogEvent.BecomeLeader, tp: partition.key, ...tpFields(partition.tp), leader: me, leaderEpoch: state.leaderEpoch, isr: state.isr, controllerEpoch: req.controllerEpoch },
            'became leader',
          );
          newLeaders.push(partition);
          if (highWatermarkChanged) this.completeDelayed(partition.key, true);
        } else if (this.opts.metadataCache.isBrokerAlive(state.leader) || req.liveLeaders?.some((l) => l.brokerId === state.leader)) {
          if (partition.makeFollower(state)) {
            this.log.info(
              { event: LogEvent.BecomeFollower, tp: partition.key, ...tpFields(partition.tp), leader: state.leader, leaderEpoch: state.leaderEpoch, controllerEpoch: req.controllerEpoch },
              'became follower',
            );
            newFollowers.push(partition);
            this.completeDelayed(partition.key, true);
          }
        } else {
          this.log.warn({ tp: partition.key, leader: state.leader }, 'leader is not a live broker; creating the log only');
          partition.createLogIfNotExists(state.isNew ?? false);
        }
        errors.set(state, ErrorCode.None);
      } catch (err) {
        errors.set(state, storageErrorCode(err, this.log));
      }
    }
    this.updateFetchers(newLeaders, newFollowers, req);
    for (const p of newLeaders) for (const l of this.listeners) this.notify(() => l.onBecomeLeader?.(p));
    for (const p of newFollowers) for (const l of this.listeners) this.notify(() => l.onBecomeFollower?.(p.tp, p.leaderId, p.leaderEpoch));
    return {
      errorCode: ErrorCode.None,
      partitionErrors: states.map((s) => ({ topicName: s.topic, partitionIndex: s.partition, errorCode: errors.get(s) ?? ErrorCode.None })),
    };
  }

  /**
   * makeLeaders: stop fetching the partitions we now lead. makeFollowers: remove the old fetcher
   * and fetch from the new leader's inter-broker endpoint (metadata cache, else the request's
   * LiveLeaders) from the local high watermark with the new leader epoch, truncating first.
   */
  private updateFetchers(newLeaders: readonly Partition[], newFollowers: readonly Partition[], req: ControlRequest): void {
    const fetchers = this.opts.fetcherManager;
    if (!fetchers) return;
    if (newLeaders.length > 0) fetchers.removeFetcherForPartitions(newLeaders.map((p) => p.tp));
    if (newFollowers.length === 0) return;
    fetchers.removeFetcherForPartitions(newFollowers.map((p) => p.tp));
    if (this.fetchersStopped) return;
    const listenerName = this.opts.interBrokerListenerName ?? 'PLAINTEXT';
    const targets: FollowerFetchTarget[] = [];
    for (const p of newFollowers) {
      const cached = this.opts.metadataCache.endpoint(p.leaderId, listenerName);
      const live = req.liveLeaders?.find((l) => l.brokerId === p.leaderId);
      const endpoint = cached ? { host: cached.host, port: cached.port } : live ? { host: live.hostName, port: live.port } : null;
      if (!endpoint) {
        this.log.error({ tp: p.key, leader: p.leaderId, listenerName }, 'no endpoint for the leader on the inter-broker listener; not fetching');
        continue;
      }
      targets.push({
        tp: p.tp,
        leaderId: p.leaderId,
        leaderEndpoint: endpoint,
        initOffset: p.highWatermark,
        currentLeaderEpoch: p.leaderEpoch,
        partition: new LogFollowerPartition(p, {
          onStorageError: (err) => this.log.error({ err, tp: p.key }, 'storage error while following; fetching stopped'),
          // consumers reading from this follower (KIP-392) wait for its high watermark
          onHighWatermarkChanged: () => this.completeDelayed(p.key, false),
          ...(this.opts.metrics ? { onAppended: (bytes: number) => this.opts.metrics?.replicationBytesAppended(bytes) } : {}),
        }),
      });
    }
    try {
      if (targets.length > 0) fetchers.addFetcherForPartitions(targets);
    } catch (err) {
      this.log.error({ err }, 'adding fetchers failed');
    }
    void fetchers.shutdownIdleFetcherThreads().catch((err: unknown) => this.log.warn({ err }, 'stopping idle fetchers failed'));
  }

  private newPartition(tp: TopicPartition): Partition {
    const key = tpKey(tp);
    const restored = this.restoredHighWatermarks.get(key);
    return new Partition({
      tp,
      localBrokerId: this.opts.brokerId,
      replicaLagTimeMaxMs: this.opts.replicaLagTimeMaxMs,
      createLog: (t) => this.opts.logManager.getOrCreateLog(t, this.opts.topicConfigs.get(t.topic).log),
      topicConfig: () => this.opts.topicConfigs.get(tp.topic),
      ...(restored !== undefined ? { checkpointedHighWatermark: restored } : {}),
    });
  }

  // ------------------------------------------------------------------------------- StopReplica

  stopReplicas(req: ControlRequest, states: readonly StopReplicaPartition[]): Promise<ControlResult> {
    return this.serialized(async () => this.doStopReplicas(req, states));
  }

  private doStopReplicas(req: ControlRequest, states: readonly StopReplicaPartition[]): ControlResult {
    if (this.isBrokerEpochStale(req.brokerEpoch)) return { errorCode: ErrorCode.StaleBrokerEpoch, partitionErrors: [] };
    if (req.controllerEpoch < this._controllerEpoch) return { errorCode: ErrorCode.StaleControllerEpoch, partitionErrors: [] };
    this._controllerEpoch = req.controllerEpoch;
    const partitionErrors: PartitionError[] = [];
    for (const s of states) {
      const tp = { topic: s.topic, partition: s.partition };
      const key = tpKey(tp);
      const partition = this.partitions.get(key);
      let code: ErrorCode = ErrorCode.None;
      try {
        if (partition) {
          const e = s.leaderEpoch;
          if (e === EPOCH_DURING_DELETE || e === NO_EPOCH || e > partition.leaderEpoch) {
            if (s.deletePartition) {
              this.partitions.delete(key);
              this.logDirMover.cancel(key);
              this.opts.logManager.deleteLog(tp);
              this.restoredHighWatermarks.delete(key);
            } else {
              partition.markStopped();
            }
          } else {
            code = ErrorCode.FencedLeaderEpoch;
          }
        } else if (s.deletePartition) {
          this.opts.logManager.deleteLog(tp);
          this.restoredHighWatermarks.delete(key);
        }
      } catch (err) {
        code = storageErrorCode(err, this.log);
      }
      partitionErrors.push({ topicName: s.topic, partitionIndex: s.partition, errorCode: code });
      if (code === ErrorCode.None) {
        this.opts.fetcherManager?.removeFetcherForPartitions([tp]);
        this.completeDelayed(key, true);
        for (const l of this.listeners) this.notify(() => l.onStopReplica?.(tp, s.deletePartition));
      }
    }
    // A deleted topic's cached config must not outlive it: a topic re-created under the same name reads
    // its own overrides when it gets partitions here again (Kafka reads them afresh at log creation).
    const deletedTopics = new Set(states.filter((s) => s.deletePartition).map((s) => s.topic));
    for (const p of this.partitions.values()) deletedTopics.delete(p.tp.topic);
    for (const topic of deletedTopics) this.opts.topicConfigs.delete(topic);
    return { errorCode: ErrorCode.None, partitionErrors };
  }

  /** AlterReplicaLogDirs: one error code per (partition, destination dir), in request order. */
  alterReplicaLogDirs(requests: ReadonlyArray<{ tp: TopicPartition; dir: string }>): ErrorCode[] {
    return alterReplicaLogDirs(this.opts.logManager, this.logDirMover, (tp) => this.partitions.get(tpKey(tp)), requests);
  }

  // ------------------------------------------------------------------------------- produce

  /**
   * Appends each entry to the partition this broker leads. With acks = -1 the promise resolves
   * once every appended partition is replicated to the ISR or `timeoutMs` passed. A duplicate of an
   * idempotent batch is answered with the original's offsets (and, with acks = -1, once the original
   * is replicated). `origin` 'coordinator' is for transaction markers.
   */
  appendRecords(
    entries: readonly AppendEntry[],
    requiredAcks: number,
    timeoutMs: number,
    origin: AppendOrigin = 'client',
  ): ProduceResult[] | Promise<ProduceResult[]> {
    const now = this.clock.now();
    const results: ProduceResult[] = new Array(entries.length);
    const required: number[] = requiredAcks === -1 ? new Array(entries.length) : [];
    // Waiting fetches are woken once every partition of the request is appended, so a follower
    // fetching several of them gets all the new data in one response, not one partition per round trip.
    const appended: Array<{ key: string; highWatermarkChanged: boolean }> = [];
    let anyAppended = false;
    for (let i = 0; i < entries.length; i++) {
      const { tp, records } = entries[i]!;
      try {
        const partition = this.partitionOrThrow(tp, true);
        const { info, highWatermarkChanged } = partition.appendAsLeader(records, requiredAcks, now, origin);
        results[i] = {
          tp,
          errorCode: ErrorCode.None,
          baseOffset: info.firstOffset,
          logAppendTime: info.logAppendTime,
          logStartOffset: info.logStartOffset,
          errorMessage: null,
        };
        anyAppended = true;
        this.opts.metrics?.messagesAppended(tp.topic, info.lastOffset - info.firstOffset + 1, records.length);
        if (requiredAcks === -1) required[i] = info.lastOffset + 1;
        if (!info.duplicate) appended.push({ key: partition.key, highWatermarkChanged });
      } catch (err) {
        results[i] = { tp, errorCode: toErrorCode(err, this.log), baseOffset: -1, logAppendTime: -1, logStartOffset: -1, errorMessage: null };
        if (err instanceof KafkaError) results[i]!.errorMessage = err.message;
      }
    }
    for (const a of appended) this.completeDelayed(a.key, a.highWatermarkChanged);
    if (requiredAcks !== -1 || !anyAppended) return results;
    const statuses: ProducePartitionStatus[] = [];
    for (let i = 0; i < entries.length; i++) {
      const r = results[i]!;
      if (r.errorCode !== ErrorCode.None) continue;
      statuses.push({ tp: r.tp, requiredOffset: required[i]!, acksPending: true, errorCode: ErrorCode.None });
    }
    return new Promise((resolve) => {
      const op = new DelayedProduce(
        now + timeoutMs,
        statuses,
        (tp, required) => {
          const partition = this.partitions.get(tpKey(tp));
          return partition ? partition.checkEnoughReplicasReachOffset(required) : ErrorCode.UnknownTopicOrPartition;
        },
        (done) => {
          let j = 0;
          for (const r of results) {
            if (r.errorCode !== ErrorCode.None) continue;
            const s = done[j++]!;
            if (s.errorCode !== ErrorCode.None) {
              r.errorCode = s.errorCode;
              r.baseOffset = -1;
              r.logAppendTime = -1;
              r.logStartOffset = -1;
            }
          }
          resolve(results);
        },
      );
      this.producePurgatory.tryCompleteElseWatch(op, statuses.map((s) => tpKey(s.tp)));
    });
  }

  // ------------------------------------------------------------------------------- fetch

  /**
   * Reads every partition in request order within the byte limits; answers at once when nothing
   * needs waiting for (maxWait ≤ 0, no partitions, enough bytes, any error, or — with a replica
   * selector — a follower that has not yet been sent the current high watermark), otherwise parks a
   * DelayedFetch and re-reads on completion. Follower fetches (replicaId ≥ 0) read up to the LEO
   * and update the follower's state on the leader; their answer carries the high watermark as it
   * is after that update. Consumers (replicaId < 0) read up to the high watermark, from the leader
   * only unless the request carries client metadata (Fetch v11+, KIP-392): then a follower serves
   * them too, and a leader with a replica selector may name a preferred read replica instead of
   * answering with data.
   */
  fetchMessages(params: FetchParams): FetchResult[] | Promise<FetchResult[]> {
    const now = this.clock.now();
    const first = this.readFromLocalLog(params, now);
    let bytes = 0;
    let error = false;
    for (const r of first.results) {
      bytes += r.records.length;
      if (r.errorCode !== ErrorCode.None) error = true;
    }
    let followerNeedsHighWatermark = false;
    if (params.replicaId >= 0) {
      this.updateFollowerFetchState(params, first.leaderEndOffsets, now);
      followerNeedsHighWatermark = this.refreshHighWatermarks(params, first.results);
    }
    if (params.maxWaitMs <= 0 || params.partitions.length === 0 || bytes >= params.minBytes || error || followerNeedsHighWatermark) {
      return this.answered(params, first.results);
    }
    return new Promise((resolve) => {
      const op = new DelayedFetch(
        now + params.maxWaitMs,
        params.minBytes,
        params.partitions,
        (p) => this.probeFetch(params, p),
        () => resolve(this.answered(params, this.readFromLocalLog(params, this.clock.now()).results)),
      );
      this.fetchPurgatory.tryCompleteElseWatch(op, params.partitions.map((p) => tpKey(p.tp)));
    });
  }

  /** Bytes served to consumers per topic (Kafka's BytesOutPerSec) and preferred-replica redirects (KIP-392). */
  get fetchStats(): { readonly consumerBytesOut: ReadonlyMap<string, number>; readonly preferredReplicaRedirects: number } {
    return { consumerBytesOut: this.consumerBytesOut, preferredReplicaRedirects: this.preferredReplicaRedirects };
  }

  /** Bookkeeping of an answer about to leave: what each follower was told, what consumers were sent. */
  private answered(params: FetchParams, results: FetchResult[]): FetchResult[] {
    if (params.replicaId >= 0) {
      for (const r of results) {
        if (r.errorCode !== ErrorCode.None) continue;
        const f = this.partitions.get(tpKey(r.tp))?.followerStateForUpdate(params.replicaId);
        if (f) f.lastSentHighWatermark = r.highWatermark;
      }
    } else {
      for (const r of results) {
        if (r.preferredReadReplica >= 0) this.preferredReplicaRedirects++;
        if (r.records.length > 0) this.consumerBytesOut.set(r.tp.topic, (this.consumerBytesOut.get(r.tp.topic) ?? 0) + r.records.length);
      }
    }
    return results;
  }

  /**
   * A follower's answer carries the high watermark its own fetch may just have moved. Returns whether some
   * follower must learn a newer one now (only with a replica selector: followers serve consumers up to it,
   * Kafka 2.7's followerNeedsHwUpdate).
   */
  private refreshHighWatermarks(params: FetchParams, results: FetchResult[]): boolean {
    let needed = false;
    for (const r of results) {
      if (r.errorCode !== ErrorCode.None) continue;
      const partition = this.partitions.get(tpKey(r.tp));
      if (!partition) continue;
      r.highWatermark = partition.highWatermark;
      r.lastStableOffset = partition.lastStableOffset;
      if (this.opts.replicaSelector && (partition.followerState(params.replicaId)?.lastSentHighWatermark ?? Infinity) < r.highWatermark) needed = true;
    }
    return needed;
  }

  private readFromLocalLog(params: FetchParams, now: number): { results: FetchResult[]; leaderEndOffsets: number[] } {
    const fromFollower = params.replicaId >= 0;
    const fetchOnlyFromLeader = fromFollower || !params.clientMetadata;
    const selector = !fromFollower && params.clientMetadata ? (this.opts.replicaSelector ?? null) : null;
    const isolation = fetchIsolation(params);
    let limitBytes = params.maxBytes;
    let minOneBatch = !params.hardMaxBytesLimit;
    const results: FetchResult[] = new Array(params.partitions.length);
    const leaderEndOffsets: number[] = fromFollower ? new Array(params.partitions.length) : [];
    for (let i = 0; i < params.partitions.length; i++) {
      const p = params.partitions[i]!;
      try {
        const partition = this.partitionOrThrow(p.tp, fetchOnlyFromLeader);
        partition.checkLeaderEpoch(p.currentLeaderEpoch);
        const preferred = selector ? preferredReadReplica(selector, partition, params.clientMetadata!, p.fetchOffset, now, this.opts.metadataCache, this.opts.brokerId) : -1;
        if (preferred >= 0) {
          // The consumer reads this partition elsewhere: no data, the leader's offsets.
          results[i] = {
            tp: p.tp,
            errorCode: ErrorCode.None,
            highWatermark: partition.highWatermark,
            lastStableOffset: partition.lastStableOffset,
            logStartOffset: partition.log!.logStartOffset,
            abortedTransactions: isolation === FetchIsolation.TxnCommitted ? [] : null,
            records: EMPTY,
            preferredReadReplica: preferred,
          };
          this.log.debug({ tp: partition.key, preferredReadReplica: preferred, rackId: params.clientMetadata!.rackId, clientId: params.clientMetadata!.clientId }, 'preferred read replica');
          continue;
        }
        const maxBytes = Math.min(p.partitionMaxBytes, limitBytes);
        const read = partition.read(p.fetchOffset, maxBytes, isolation, minOneBatch);
        if (read.records.length > 0) minOneBatch = false;
        limitBytes = Math.max(0, limitBytes - read.records.length);
        if (fromFollower) leaderEndOffsets[i] = read.logEndOffset;
        results[i] = {
          tp: p.tp,
          errorCode: ErrorCode.None,
          highWatermark: read.highWatermark,
          lastStableOffset: read.lastStableOffset,
          logStartOffset: read.logStartOffset,
          abortedTransactions: read.abortedTransactions,
          records: read.records,
          preferredReadReplica: -1,
        };
      } catch (err) {
        if (fromFollower) leaderEndOffsets[i] = -1;
        results[i] = {
          tp: p.tp,
          errorCode: toErrorCode(err, this.log),
          highWatermark: -1,
          lastStableOffset: -1,
          logStartOffset: -1,
          abortedTransactions: null,
          records: EMPTY,
          preferredReadReplica: -1,
        };
      }
    }
    return { results, leaderEndOffsets };
  }

  private updateFollowerFetchState(params: FetchParams, leaderEndOffsets: readonly number[], now: number): void {
    for (let i = 0; i < params.partitions.length; i++) {
      const leo = leaderEndOffsets[i]!;
      if (leo < 0) continue;
      const p = params.partitions[i]!;
      const partition = this.partitions.get(tpKey(p.tp));
      if (!partition) continue;
      if (partition.updateFollowerFetchState(params.replicaId, p.fetchOffset, p.followerLogStartOffset, now, leo)) {
        this.completeDelayed(partition.key, true);
      }
      this.isrManager?.maybeExpandIsr(partition, params.replicaId);
    }
  }

  /** DelayedFetch's per-partition check (Kafka DelayedFetch.tryComplete cases). */
  private probeFetch(params: FetchParams, p: FetchPartitionRequest): number | 'complete' {
    const partition = this.partitions.get(tpKey(p.tp));
    if (!partition || !partition.log) return 'complete';
    const fromFollower = params.replicaId >= 0;
    if ((fromFollower || !params.clientMetadata) && !partition.isLeader) return 'complete';
    if (p.currentLeaderEpoch !== NO_EPOCH && p.currentLeaderEpoch !== partition.leaderEpoch) return 'complete';
    const log = partition.log;
    if (p.fetchOffset > log.logEndOffset || p.fetchOffset < log.logStartOffset) return 'complete';
    if (fromFollower && this.opts.replicaSelector && (partition.followerState(params.replicaId)?.lastSentHighWatermark ?? Infinity) < partition.highWatermark) {
      return 'complete';
    }
    // consumers wait for the HW (read_committed: the LSO, which the HW and markers move), followers for the log end
    const isolation = fetchIsolation(params);
    if (partition.fetchUpperBound(isolation) <= p.fetchOffset) return 0;
    if (params.minBytes <= 1) return 1;
    try {
      return log.read(p.fetchOffset, p.partitionMaxBytes, partition.fetchUpperBound(isolation), true).length;
    } catch {
      return 'complete';
    }
  }

  /**
   * After an append (LEO moved) and/or a HW move: release waiting produces now, and waiting fetches once the current
   * turn is done — the rest of the socket read that brought this request (librdkafka pipelines Produce requests) or
   * the other partitions of this follower fetch — so one fetch answer carries all of it, not one request each.
   */
  private completeDelayed(key: string, highWatermarkChanged: boolean): void {
    if (highWatermarkChanged) this.producePurgatory.checkAndComplete(key);
    this.fetchWakeups.add(key);
    if (!this.fetchWakeupScheduled) {
      this.fetchWakeupScheduled = true;
      process.nextTick(this.wakeFetches);
    }
  }

  private readonly wakeFetches = (): void => {
    this.fetchWakeupScheduled = false;
    const keys = [...this.fetchWakeups];
    this.fetchWakeups.clear();
    for (const key of keys) this.fetchPurgatory.checkAndComplete(key);
  };

  // ------------------------------------------------------------------------------- offsets

  /**
   * ListOffsets v1+ (Kafka's fetchOffsetForTimestamp): -1 → HW (consumers; LSO = HW for
   * read_committed) or LEO (replicas), -2 → log start, else the first record with timestamp ≥ target
   * below that end; none → offset -1. OFFSET_NOT_AVAILABLE while the HW lags the epoch start.
   */
  fetchOffsetForTimestamp(tp: TopicPartition, timestamp: number, currentLeaderEpoch: number, replicaId: number, isolationLevel = 0): OffsetResult {
    const partition = this.partitionOrThrow(tp, replicaId !== DEBUG_REPLICA_ID);
    partition.checkLeaderEpoch(currentLeaderEpoch);
    const log = partition.log;
    if (!log) throw new KafkaError(ErrorCode.NotLeaderOrFollower);
    const fromConsumer = replicaId === CONSUMER_REPLICA_ID;
    const lastFetchable = fromConsumer ? (isolationLevel === READ_COMMITTED ? partition.lastStableOffset : partition.highWatermark) : log.logEndOffset;
    const notAvailable = fromConsumer && partition.isLeader && partition.leaderEpochStartOffset > partition.highWatermark;
    if (timestamp === LATEST_TIMESTAMP) {
      if (notAvailable) throw new KafkaError(ErrorCode.OffsetNotAvailable, `the high watermark of ${partition.key} lags the epoch start`);
      return { offset: lastFetchable, timestamp: -1, leaderEpoch: partition.leaderEpoch };
    }
    if (timestamp === EARLIEST_TIMESTAMP) {
      const r = log.fetchOffsetByTimestamp(EARLIEST_TIMESTAMP);
      return { offset: r?.offset ?? log.logStartOffset, timestamp: -1, leaderEpoch: r?.leaderEpoch ?? -1 };
    }
    const found = exactOffsetForTimestamp(log, timestamp, partition.topicConfig.log.maxMessageBytes);
    if (found && found.offset < lastFetchable) return found;
    if (notAvailable) throw new KafkaError(ErrorCode.OffsetNotAvailable, `the high watermark of ${partition.key} lags the epoch start`);
    return { offset: -1, timestamp: -1, leaderEpoch: -1 };
  }

  /**
   * ListOffsets v0 (Kafka's fetchOffsetsBefore): latest → [LEO, segment bases descending...],
   * earliest → [log start]; consumers see the HW instead of offsets above it. By timestamp the
   * answer is the offset found by timestamp (Kafka used segment mtimes, which we do not keep).
   */
  legacyOffsets(tp: TopicPartition, timestamp: number, maxNumOffsets: number, replicaId: number): number[] {
    const partition = this.partitionOrThrow(tp, replicaId !== DEBUG_REPLICA_ID);
    const log = partition.log;
    if (!log) throw new KafkaError(ErrorCode.NotLeaderOrFollower);
    let offsets: number[];
    if (timestamp === LATEST_TIMESTAMP) {
      offsets = [log.logEndOffset, ...log.segmentBaseOffsets.filter((o) => o < log.logEndOffset).reverse()];
    } else if (timestamp === EARLIEST_TIMESTAMP) {
      offsets = [log.logStartOffset];
    } else {
      const found = exactOffsetForTimestamp(log, timestamp, partition.topicConfig.log.maxMessageBytes);
      offsets = found ? [found.offset] : [];
    }
    offsets = offsets.slice(0, Math.max(0, maxNumOffsets));
    if (replicaId === CONSUMER_REPLICA_ID) {
      const hw = partition.highWatermark;
      if (offsets.some((o) => o > hw)) offsets = [hw, ...offsets.filter((o) => o <= hw)].slice(0, Math.max(1, maxNumOffsets));
    }
    return offsets;
  }

  /**
   * OffsetForLeaderEpoch (Kafka's Partition.lastOffsetForLeaderEpoch): after the currentLeaderEpoch
   * check, the largest epoch ≤ `leaderEpoch` in the local epoch cache and its end offset; (-1, -1)
   * when unknown. Only the leader answers unless `fetchOnlyFromLeader` is false (replicaId -2).
   */
  lastOffsetForLeaderEpoch(tp: TopicPartition, currentLeaderEpoch: number, leaderEpoch: number, fetchOnlyFromLeader: boolean): { leaderEpoch: number; endOffset: number } {
    const partition = this.partitionOrThrow(tp, fetchOnlyFromLeader);
    partition.checkLeaderEpoch(currentLeaderEpoch);
    const log = partition.log;
    if (!log) throw new KafkaError(ErrorCode.NotLeaderOrFollower, `no log for ${partition.key}`);
    const r = log.endOffsetForEpoch(leaderEpoch);
    return { leaderEpoch: r.leaderEpoch, endOffset: r.endOffset };
  }

  async deleteRecords(tp: TopicPartition, offset: number): Promise<number> {
    const partition = this.partitionOrThrow(tp, true);
    const lowWatermark = partition.deleteRecordsOnLeader(offset);
    this.fetchPurgatory.checkAndComplete(partition.key);
    return lowWatermark;
  }

  // ------------------------------------------------------------------------------- helpers

  /** Kafka's getPartitionOrException: unknown here but known to the cluster → NOT_LEADER_OR_FOLLOWER. */
  partitionOrThrow(tp: TopicPartition, expectLeader: boolean): Partition {
    const partition = this.partitions.get(tpKey(tp));
    if (!partition) {
      if (this.opts.metadataCache.partition(tp)) {
        throw new KafkaError(ErrorCode.NotLeaderOrFollower, `broker ${this.opts.brokerId} does not host ${tpKey(tp)}`);
      }
      throw new KafkaError(ErrorCode.UnknownTopicOrPartition, `unknown partition ${tpKey(tp)}`);
    }
    if (partition.log?.isOffline) throw new KafkaError(ErrorCode.KafkaStorageError, `the log of ${partition.key} is offline`);
    if (expectLeader && !partition.isLeader) {
      throw new KafkaError(ErrorCode.NotLeaderOrFollower, `broker ${this.opts.brokerId} is not the leader of ${partition.key}`);
    }
    if (!partition.log) throw new KafkaError(ErrorCode.NotLeaderOrFollower, `no log for ${partition.key}`);
    return partition;
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.stateChange.then(fn, fn);
    this.stateChange = next.catch(() => undefined);
    return next;
  }

  private notify(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err }, 'replica listener failed');
    }
  }
}

/** Followers read to the log end, consumers to the HW (read_uncommitted) or the LSO (read_committed). */
/** Kafka 2.7: followers read to the log end; every other replica id (−1, the −2 debugger) is a consumer. */
function fetchIsolation(params: FetchParams): FetchIsolation {
  if (params.replicaId >= 0) return FetchIsolation.LogEnd;
  return params.isolationLevel === READ_COMMITTED ? FetchIsolation.TxnCommitted : FetchIsolation.HighWatermark;
}

function storageErrorCode(err: unknown, log: Logger): ErrorCode {
  if (err instanceof KafkaError) return err.code;
  log.error({ err }, 'creating or opening a log failed');
  return ErrorCode.KafkaStorageError;
}

/** The first record with timestamp ≥ `timestamp`: the log finds the batch, we find the record in it. */
function exactOffsetForTimestamp(log: Log, timestamp: number, maxMessageBytes: number): OffsetResult | null {
  const found = log.offsetForTimestamp(timestamp);
  if (!found) return null;
  const bytes = log.read(found.offset, 1, log.logEndOffset, true);
  for (const batch of splitBatches(bytes)) {
    if (batch.lastOffset < found.offset) continue;
    for (const r of readRecords(batch, { maxUncompressedBytes: Math.max(maxMessageBytes, 1 << 20) * 4 })) {
      if (r.offset >= log.logStartOffset && r.timestamp >= timestamp) {
        return { offset: r.offset, timestamp: r.timestamp, leaderEpoch: batch.partitionLeaderEpoch };
      }
    }
  }
  return { offset: found.offset, timestamp: found.timestamp, leaderEpoch: found.leaderEpoch };
}
