/**
 * One partition hosted by this broker (Kafka's Partition): its role (leader or follower), the
 * leader epoch and ZooKeeper version the controller gave it, the assignment and ISR, the high
 * watermark, and — on the leader — each follower's fetch state (zk-and-controller.md §8.5, §9.1).
 *
 * Leader side:
 * - makeLeader: takes assignment/ISR/zkVersion/controllerEpoch from the LeaderAndIsr state,
 *   records (epoch, LEO) in the leader-epoch cache, resets follower states (lastCaughtUpTime =
 *   now for ISR members, 0 otherwise) and tries to advance the high watermark;
 * - the high watermark = min LEO over the leader and each follower that is in the ISR or caught
 *   up within replica.lag.time.max.ms; it only moves forward (ISR = [leader] → HW = LEO);
 * - appendAsLeader checks min.insync.replicas for acks = -1 before appending (NOT_ENOUGH_REPLICAS);
 * - updateFollowerFetchState records a follower's fetch offset (its LEO) and lastCaughtUpTime.
 * Both roles: every high-watermark move is passed to the log (completed transactions whose marker it
 * passed become stable); the last stable offset is the log's first unstable offset when that is below
 * the HW, else the HW (transactions-and-compaction.md §2.13).
 * Follower side: makeFollower records the leader and epoch and clears the local ISR (followers
 * keep none); fetching and truncation belong to the replication fetcher, told through the
 * replica manager's listeners.
 * ISR expansion/shrink written through ZooKeeper is the replication work's (isr-manager).
 */
import { KafkaError } from '../common/errors.js';
import { tpKey, type TopicPartition } from '../common/topic-partition.js';
import type { LogAppendInfo } from '../log/log-append-info.js';
import { nextOffsetAfter } from '../log/batch-cursor.js';
import type { Log } from '../log/log.js';
import type { AppendOrigin } from '../log/producer-append-info.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { PartitionTopicConfig } from './topic-log-config.js';

export const NO_EPOCH = -1;

/** The controller's view of the partition, as LeaderAndIsr carries it. */
export interface LeaderAndIsrState {
  controllerEpoch: number;
  leader: number;
  leaderEpoch: number;
  isr: readonly number[];
  zkVersion: number;
  replicas: readonly number[];
  addingReplicas?: readonly number[];
  removingReplicas?: readonly number[];
  isNew?: boolean;
}

/** The leader's record of one follower (Kafka's Replica). */
export interface FollowerState {
  readonly brokerId: number;
  /** the follower's fetch offset; -1 until it fetches */
  logEndOffset: number;
  logStartOffset: number;
  lastCaughtUpTimeMs: number;
  lastFetchLeaderLogEndOffset: number;
  lastFetchTimeMs: number;
  /** the high watermark last sent to this follower in a fetch answer */
  lastSentHighWatermark: number;
}

/** How far a fetch may read (Kafka's FetchIsolation). */
export const FetchIsolation = { LogEnd: 0, HighWatermark: 1, TxnCommitted: 2 } as const;
export type FetchIsolation = (typeof FetchIsolation)[keyof typeof FetchIsolation];

export interface AbortedTransaction {
  producerId: number;
  firstOffset: number;
}

export interface ReadResult {
  records: Buffer;
  /** read_committed only: the aborted transactions overlapping the records, by first offset; else null */
  abortedTransactions: AbortedTransaction[] | null;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  logEndOffset: number;
}

export interface PartitionOptions {
  readonly tp: TopicPartition;
  readonly localBrokerId: number;
  readonly replicaLagTimeMaxMs: number;
  /** creates (or opens) the log with the topic's config */
  readonly createLog: (tp: TopicPartition, isNew: boolean) => Log;
  /** the topic's current config (min.insync.replicas etc.) */
  readonly topicConfig: () => PartitionTopicConfig;
  /** checkpointed high watermark, applied when the log is first attached */
  readonly checkpointedHighWatermark?: number;
}

export class Partition {
  readonly tp: TopicPartition;
  readonly key: string;
  private _log: Log | null = null;
  private _leaderId = -1;
  private _leaderEpoch = NO_EPOCH;
  private _leaderEpochStartOffset = -1;
  private _isr: readonly number[] = [];
  private _assignment: readonly number[] = [];
  private _zkVersion = -1;
  private _controllerEpoch = -1;
  private _highWatermark = 0;
  private readonly followers = new Map<number, FollowerState>();

  constructor(private readonly opts: PartitionOptions) {
    this.tp = opts.tp;
    this.key = tpKey(opts.tp);
  }

  get log(): Log | null {
    return this._log;
  }
  get leaderId(): number {
    return this._leaderId;
  }
  get leaderEpoch(): number {
    return this._leaderEpoch;
  }
  get leaderEpochStartOffset(): number {
    return this._leaderEpochStartOffset;
  }
  get isr(): readonly number[] {
    return this._isr;
  }
  get assignment(): readonly number[] {
    return this._assignment;
  }
  get zkVersion(): number {
    return this._zkVersion;
  }
  get controllerEpoch(): number {
    return this._controllerEpoch;
  }
  get highWatermark(): number {
    return this._highWatermark;
  }
  /** The LSO: read_committed consumers read below it; equal to the HW when no transaction is unstable. */
  get lastStableOffset(): number {
    const f = this._log ? this._log.firstUnstableOffset : -1;
    return f >= 0 && f < this._highWatermark ? f : this._highWatermark;
  }
  get isLeader(): boolean {
    return this._leaderId === this.opts.localBrokerId;
  }
  get topicConfig(): PartitionTopicConfig {
    return this.opts.topicConfig();
  }
  followerState(brokerId: number): Readonly<FollowerState> | undefined {
    return this.followers.get(brokerId);
  }
  /** The follower's state for the replica manager's fetch bookkeeping (lastSentHighWatermark). */
  followerStateForUpdate(brokerId: number): FollowerState | undefined {
    return this.followers.get(brokerId);
  }
  get followerStates(): readonly Readonly<FollowerState>[] {
    return [...this.followers.values()];
  }

  /** AlterReplicaLogDirs finished: the moved copy (same offsets and epochs) is now this replica's log. */
  replaceLog(log: Log): void {
    this._log = log;
  }

  /** Opens or creates the log; the checkpointed HW is applied (bounded by the LEO) the first time. */
  createLogIfNotExists(isNew: boolean): Log {
    if (this._log) return this._log;
    const log = this.opts.createLog(this.tp, isNew);
    this._log = log;
    const hw = this.opts.checkpointedHighWatermark ?? 0;
    this._highWatermark = Math.min(Math.max(hw, log.logStartOffset), log.logEndOffset);
    log.producerState.onHighWatermarkUpdated(this._highWatermark);
    return log;
  }

  /** LeaderAndIsr made us leader. Returns whether the HW moved (delayed requests to re-check). */
  makeLeader(state: LeaderAndIsrState, nowMs: number): { isNewLeader: boolean; highWatermarkChanged: boolean } {
    this._controllerEpoch = state.controllerEpoch;
    this.updateAssignmentAndIsr(state.replicas, state.isr);
    const log = this.createLogIfNotExists(state.isNew ?? false);
    const startOffset = log.logEndOffset;
    this._leaderEpochStartOffset = startOffset;
    for (const f of this.followers.values()) {
      f.lastFetchLeaderLogEndOffset = startOffset;
      f.lastFetchTimeMs = nowMs;
      f.lastCaughtUpTimeMs = state.isr.includes(f.brokerId) ? nowMs : 0;
    }
    const isNewLeader = !this.isLeader;
    this._leaderEpoch = state.leaderEpoch;
    this._zkVersion = state.zkVersion;
    if (state.leaderEpoch >= 0) log.leaderEpochCache.assign(state.leaderEpoch, startOffset);
    this._leaderId = this.opts.localBrokerId;
    return { isNewLeader, highWatermarkChanged: this.maybeIncrementHighWatermark(nowMs) };
  }

  /** LeaderAndIsr made us follower. Returns false when leader and epoch were unchanged. */
  makeFollower(state: LeaderAndIsrState): boolean {
    this._controllerEpoch = state.controllerEpoch;
    this.updateAssignmentAndIsr(state.replicas, []);
    this.createLogIfNotExists(state.isNew ?? false);
    const unchanged = this._leaderId === state.leader && this._leaderEpoch === state.leaderEpoch;
    this._leaderEpoch = state.leaderEpoch;
    this._leaderEpochStartOffset = -1;
    this._zkVersion = state.zkVersion;
    this._leaderId = state.leader;
    return !unchanged;
  }

  /** StopReplica without delete: no longer leader or follower of anyone. */
  markStopped(): void {
    this._leaderId = -1;
  }

  private updateAssignmentAndIsr(replicas: readonly number[], isr: readonly number[]): void {
    const remote = replicas.filter((r) => r !== this.opts.localBrokerId);
    for (const id of [...this.followers.keys()]) if (!remote.includes(id)) this.followers.delete(id);
    for (const id of remote) {
      if (!this.followers.has(id)) {
        this.followers.set(id, {
          brokerId: id,
          logEndOffset: -1,
          logStartOffset: -1,
          lastCaughtUpTimeMs: 0,
          lastFetchLeaderLogEndOffset: -1,
          lastFetchTimeMs: 0,
          lastSentHighWatermark: 0,
        });
      }
    }
    this._assignment = [...replicas];
    this._isr = [...isr];
  }

  /** Replication (leader side) moving the ISR after a successful ZooKeeper write. */
  updateIsr(isr: readonly number[], zkVersion: number, nowMs: number): boolean {
    this._isr = [...isr];
    this._zkVersion = zkVersion;
    return this.maybeIncrementHighWatermark(nowMs);
  }

  /** The leader's log, or NOT_LEADER_OR_FOLLOWER. */
  leaderLogOrThrow(): Log {
    if (!this.isLeader || !this._log) {
      throw new KafkaError(ErrorCode.NotLeaderOrFollower, `broker ${this.opts.localBrokerId} is not the leader of ${this.key}`);
    }
    return this._log;
  }

  /** FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH for a client epoch (-1 = no check). */
  checkLeaderEpoch(currentLeaderEpoch: number): void {
    if (currentLeaderEpoch === NO_EPOCH) return;
    if (currentLeaderEpoch < this._leaderEpoch) {
      throw new KafkaError(ErrorCode.FencedLeaderEpoch, `epoch ${currentLeaderEpoch} is older than ${this._leaderEpoch} of ${this.key}`);
    }
    if (currentLeaderEpoch > this._leaderEpoch) {
      throw new KafkaError(ErrorCode.UnknownLeaderEpoch, `epoch ${currentLeaderEpoch} is newer than ${this._leaderEpoch} of ${this.key}`);
    }
  }

  /** Append a validated batch as leader (offsets and epoch rewritten in place by the log). */
  appendAsLeader(
    records: Buffer,
    requiredAcks: number,
    nowMs: number,
    origin: AppendOrigin = 'client',
  ): { info: LogAppendInfo; highWatermarkChanged: boolean } {
    const log = this.leaderLogOrThrow();
    const minIsr = this.topicConfig.minInsyncReplicas;
    if (requiredAcks === -1 && this._isr.length < minIsr) {
      throw new KafkaError(
        ErrorCode.NotEnoughReplicas,
        `the ISR of ${this.key} has ${this._isr.length} members, below min.insync.replicas ${minIsr}`,
      );
    }
    const info = log.append(records, this._leaderEpoch, origin);
    return { info, highWatermarkChanged: this.maybeIncrementHighWatermark(nowMs) };
  }

  /**
   * Whether an acks = -1 append up to `requiredOffset` is replicated: null while waiting, else the
   * final code (Kafka's checkEnoughReplicasReachOffset).
   */
  checkEnoughReplicasReachOffset(requiredOffset: number): ErrorCode | null {
    if (!this.isLeader) return ErrorCode.NotLeaderOrFollower;
    if (this._highWatermark < requiredOffset) return null;
    return this._isr.length < this.topicConfig.minInsyncReplicas ? ErrorCode.NotEnoughReplicasAfterAppend : ErrorCode.None;
  }

  /**
   * A follower fetched from `fetchOffset` when our LEO was `leaderEndOffset`. Returns whether the
   * high watermark moved. Unknown replica ids are ignored (false).
   */
  updateFollowerFetchState(followerId: number, fetchOffset: number, followerLogStartOffset: number, fetchTimeMs: number, leaderEndOffset: number): boolean {
    const f = this.followers.get(followerId);
    if (!f) return false;
    if (fetchOffset >= leaderEndOffset) f.lastCaughtUpTimeMs = Math.max(f.lastCaughtUpTimeMs, fetchTimeMs);
    else if (fetchOffset >= f.lastFetchLeaderLogEndOffset) f.lastCaughtUpTimeMs = Math.max(f.lastCaughtUpTimeMs, f.lastFetchTimeMs);
    f.logStartOffset = followerLogStartOffset;
    f.logEndOffset = fetchOffset;
    f.lastFetchLeaderLogEndOffset = leaderEndOffset;
    f.lastFetchTimeMs = fetchTimeMs;
    return this.isLeader ? this.maybeIncrementHighWatermark(fetchTimeMs) : false;
  }

  /** HW = min LEO over the leader and the followers in the ISR or caught up recently; forward only. */
  maybeIncrementHighWatermark(nowMs: number): boolean {
    const log = this._log;
    if (!log || !this.isLeader) return false;
    let hw = log.logEndOffset;
    for (const f of this.followers.values()) {
      if (f.logEndOffset < hw && (this._isr.includes(f.brokerId) || nowMs - f.lastCaughtUpTimeMs <= this.opts.replicaLagTimeMaxMs)) {
        hw = f.logEndOffset;
      }
    }
    if (hw > this._highWatermark) {
      this._highWatermark = hw;
      log.producerState.onHighWatermarkUpdated(hw);
      return true;
    }
    return false;
  }

  /** Follower side: the leader's HW from a fetch response, bounded by our LEO. */
  updateFollowerHighWatermark(leaderHighWatermark: number): boolean {
    const log = this._log;
    if (!log) return false;
    const hw = Math.min(leaderHighWatermark, log.logEndOffset);
    if (hw === this._highWatermark) return false;
    this._highWatermark = hw;
    log.producerState.onHighWatermarkUpdated(hw);
    return true;
  }

  /** Where a fetch with `isolation` must stop: the LEO, the HW or the LSO. */
  fetchUpperBound(isolation: FetchIsolation): number {
    if (isolation === FetchIsolation.HighWatermark) return this._highWatermark;
    if (isolation === FetchIsolation.TxnCommitted) return this.lastStableOffset;
    return this._log ? this._log.logEndOffset : this._highWatermark;
  }

  /**
   * Reads whole batches from `fetchOffset` up to the isolation's bound (the LSO is always a batch
   * boundary or the HW, so bounding by offset is bounding by its byte position). read_committed
   * also gets the aborted transactions overlapping what was read (none when nothing was).
   * OFFSET_OUT_OF_RANGE outside [logStartOffset, LEO].
   */
  read(fetchOffset: number, maxBytes: number, isolation: FetchIsolation, minOneBatch: boolean): ReadResult {
    const log = this._log;
    if (!log) throw new KafkaError(ErrorCode.NotLeaderOrFollower, `no log for ${this.key}`);
    const lastStableOffset = this.lastStableOffset;
    const records = log.read(fetchOffset, maxBytes, this.fetchUpperBound(isolation), minOneBatch);
    let abortedTransactions: AbortedTransaction[] | null = null;
    if (isolation === FetchIsolation.TxnCommitted) {
      const upperBound = nextOffsetAfter(records);
      abortedTransactions =
        upperBound < 0
          ? []
          : log.collectAbortedTransactions(fetchOffset, upperBound).map((t) => ({ producerId: t.producerId, firstOffset: t.firstOffset }));
    }
    return {
      records,
      abortedTransactions,
      highWatermark: this._highWatermark,
      lastStableOffset,
      logStartOffset: log.logStartOffset,
      logEndOffset: log.logEndOffset,
    };
  }

  /** DeleteRecords: -1 = the HW; above the HW → OFFSET_OUT_OF_RANGE; returns the new log start. */
  deleteRecordsOnLeader(offset: number): number {
    const log = this.leaderLogOrThrow();
    const target = offset === -1 ? this._highWatermark : offset;
    if (target < 0 || target > this._highWatermark) {
      throw new KafkaError(ErrorCode.OffsetOutOfRange, `cannot delete ${this.key} below ${target}: the high watermark is ${this._highWatermark}`);
    }
    log.maybeIncrementLogStartOffset(target);
    return log.logStartOffset;
  }
}
