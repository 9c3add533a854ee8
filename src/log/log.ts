/**
 * One partition's log (Kafka's Log): an ordered list of segments in `<logDir>/<topic>-<partition>`,
 * plus logStartOffset, logEndOffset, recoveryPoint and the leader-epoch cache.
 *
 * Behavior:
 * - append (leader) assigns offsets by rewriting each batch header in place and writes the
 *   caller's Buffer as is; appendAsFollower keeps the offsets, which must increase;
 * - the active segment rolls on segment.bytes, segment.ms (injected clock, from its first
 *   append), a full index, or a relative offset that would not fit in an int32; the rolled
 *   segment is fsynced in the background and then the recovery point moves past it;
 * - read returns whole batches of one segment, OFFSET_OUT_OF_RANGE outside
 *   [logStartOffset, logEndOffset];
 * - retention deletes whole segments (never the active one): rename to `.deleted`, remove after
 *   file.delete.delay.ms; the log cleaner swaps a cleaned segment in for a group of old ones
 *   (replaceSegments: `.cleaned` → `.swap`, old → `.deleted`, `.swap` → final name);
 * - truncation is reported (onTruncate) and counted (truncations), so a cleaning pass that
 *   started before it is abandoned.
 * - producer state (producer-state-manager.ts): batches with a producer id are checked against it
 *   before they are written (leader: duplicates answered with the original offsets and not written,
 *   epoch/sequence errors), and applied after; followers apply without checks; a snapshot is taken
 *   at every roll and at close, and loaded (plus a replay of the batches after it) at open and after
 *   a truncation. Aborted transactions go to the `.txnindex` of the segment holding their marker.
 * - any I/O failure marks the log offline; from then on every call fails with
 *   KAFKA_STORAGE_ERROR (KIP-112), and the owner is told through onStorageError.
 * Deviations from Kafka:
 * - offsetForTimestamp answers at batch granularity (the batch's base offset and maxTimestamp);
 *   a caller that needs the exact record decodes that one batch.
 * - the high watermark is not kept here (cluster/partition owns it); retention takes it as an
 *   argument.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../common/clock.js';
import { KafkaError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { TopicPartition } from '../common/topic-partition.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { CheckpointFile, LeaderEpochCheckpointFormat, type EpochEntry } from './checkpoint.js';
import type { FileHandlePool } from './file-handle-pool.js';
import { analyzeBatches, duplicateAppendInfo, type AnalyzedBatches, type AppendMode, type LogAppendInfo } from './log-append-info.js';
import type { AppendOrigin } from './producer-append-info.js';
import { rebuildProducerState, recoverSegmentWithProducerState } from './producer-state-loader.js';
import { ProducerStateManager, type ProducerAppendAnalysis } from './producer-state-manager.js';
import type { AbortedTxn } from './transaction-index.js';
import { CleanupPolicy, TimestampType, type LogConfig } from './log-config.js';
import { CLEANED_SUFFIX, DELETED_SUFFIX, LEADER_EPOCH_CHECKPOINT, SWAP_SUFFIX } from './log-file-names.js';
import { loadSegments } from './log-loader.js';
import { LeaderEpochFileCache, type EpochEndOffset } from './leader-epoch-cache.js';
import { LogSegment, type SegmentContext, type TimestampLookup } from './segment.js';

export const EARLIEST_TIMESTAMP = -2;
/** transactional.id.expiration.ms default */
export const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 604_800_000;
export const LATEST_TIMESTAMP = -1;
const EMPTY = Buffer.alloc(0);

export interface LogOptions {
  readonly dir: string;
  readonly tp: TopicPartition;
  readonly config: LogConfig;
  readonly clock: Clock;
  readonly pool: FileHandlePool;
  readonly logger?: Logger;
  readonly recoveryPoint?: number;
  readonly logStartOffset?: number;
  readonly hadCleanShutdown?: boolean;
  /** transactional.id.expiration.ms: idle producer ids are forgotten after this long */
  readonly maxProducerIdExpirationMs?: number;
  readonly onStorageError?: (log: Log, err: unknown) => void;
  /** After truncateTo / truncateFullyAndStartAt, with the new log end offset. */
  readonly onTruncate?: (log: Log, logEndOffset: number) => void;
}

/** The renames of a segment swap, in order; the cleaner's test-only crash points hook in after each. */
export type SwapStep = 'swap' | 'deleted' | 'renamed';

export class Log {
  readonly dir: string;
  readonly tp: TopicPartition;
  readonly leaderEpochCache: LeaderEpochFileCache;
  readonly producerState: ProducerStateManager;
  /** Batches replayed into the producer state since open (loads, recoveries, truncations): snapshots keep it small. */
  producerBatchesReplayed = 0;
  private segments: LogSegment[] = [];
  private ctx: SegmentContext;
  private _logStartOffset: number;
  private _recoveryPoint = 0;
  private lastFlushMs: number;
  /** Bumped by truncation: a background flush that started before must not move the recovery point. */
  private generation = 0;
  private offline = false;

  private constructor(private readonly opts: LogOptions) {
    this.dir = opts.dir;
    this.tp = opts.tp;
    this.ctx = { config: opts.config, pool: opts.pool, clock: opts.clock };
    this._logStartOffset = opts.logStartOffset ?? 0;
    this.lastFlushMs = opts.clock.now();
    const checkpoint = new CheckpointFile(join(opts.dir, LEADER_EPOCH_CHECKPOINT), LeaderEpochCheckpointFormat);
    this.leaderEpochCache = new LeaderEpochFileCache(checkpoint, readEpochCheckpoint(checkpoint, opts.logger));
    this.producerState = this.newProducerStateManager();
  }

  private newProducerStateManager(): ProducerStateManager {
    return new ProducerStateManager({
      dir: this.opts.dir,
      tpKey: `${this.opts.tp.topic}-${this.opts.tp.partition}`,
      maxProducerIdExpirationMs: this.opts.maxProducerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS,
      ...(this.opts.logger ? { log: this.opts.logger } : {}),
    });
  }

  /** Open (and if needed recover) the partition directory, which must exist. */
  static open(opts: LogOptions): Log {
    const log = new Log(opts);
    const cache = log.leaderEpochCache;
    const rebuildEpochs = cache.entries.length === 0;
    const loaded = loadSegments(opts.dir, log.ctx, {
      recoveryPoint: opts.recoveryPoint ?? 0,
      logStartOffset: log._logStartOffset,
      hadCleanShutdown: opts.hadCleanShutdown ?? false,
      logger: opts.logger,
      recoverSegment: (segment, earlier) => log.recoverSegment(segment, earlier),
    });
    log.segments = loaded.segments;
    log._recoveryPoint = loaded.recoveryPoint;
    log._logStartOffset = Math.max(log._logStartOffset, log.firstSegment.baseOffset);
    if (rebuildEpochs) {
      // No (or an unreadable) checkpoint: the batch headers still carry every epoch.
      for (const s of log.segments) s.forEachBatch((b) => maybeAssignEpoch(cache, b.partitionLeaderEpoch, b.baseOffset));
    }
    cache.truncateFromEnd(log.logEndOffset);
    cache.truncateFromStart(log._logStartOffset);
    log.loadProducerState(log.logEndOffset, opts.hadCleanShutdown ?? false);
    if (log.producerBatchesReplayed > 0 || log.producerState.activeProducers.size > 0) {
      opts.logger?.info(
        { producers: log.producerState.activeProducers.size, replayedBatches: log.producerBatchesReplayed, snapshot: log.producerState.latestSnapshotOffset },
        'loaded producer state',
      );
    }
    return log;
  }

  /** Kafka's Log.recoverSegment: producer state up to the segment (its own manager), then the segment's batches. */
  private recoverSegment(segment: LogSegment, earlier: readonly LogSegment[]): number {
    const cache = this.leaderEpochCache;
    const { truncated, replayed } = recoverSegmentWithProducerState(segment, earlier, {
      state: this.newProducerStateManager(),
      logStartOffset: this._logStartOffset,
      nowMs: this.ctx.clock.now(),
      onBatch: (cursor) => maybeAssignEpoch(cache, cursor.partitionLeaderEpoch, cursor.baseOffset),
    });
    this.producerBatchesReplayed += replayed;
    return truncated;
  }

  /** Kafka's Log.loadProducerState: snapshot + replay up to `lastOffset`. */
  private loadProducerState(lastOffset: number, reloadFromCleanShutdown: boolean): void {
    this.producerBatchesReplayed += rebuildProducerState(this.producerState, this.segments, {
      lastOffset,
      logStartOffset: this._logStartOffset,
      reloadFromCleanShutdown,
      nowMs: this.ctx.clock.now(),
    });
  }

  get config(): LogConfig {
    return this.ctx.config;
  }

  /** New topic config (AlterConfigs); takes effect from the next append or retention pass. */
  updateConfig(config: LogConfig): void {
    this.ctx = { ...this.ctx, config };
    for (const s of this.segments) s.updateContext(this.ctx);
  }

  get logStartOffset(): number {
    return this._logStartOffset;
  }

  get logEndOffset(): number {
    return this.activeSegment.nextOffset;
  }

  get recoveryPoint(): number {
    return this._recoveryPoint;
  }

  get size(): number {
    return this.segments.reduce((sum, s) => sum + s.sizeInBytes, 0);
  }

  get numberOfSegments(): number {
    return this.segments.length;
  }

  get segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  /** The segments, oldest first; the last is the active one. A snapshot: the log may change it later. */
  get logSegments(): readonly LogSegment[] {
    return this.segments.slice();
  }

  /** How many truncations this log has seen (a cleaning pass started before one is void). */
  get truncations(): number {
    return this.generation;
  }

  get isOffline(): boolean {
    return this.offline;
  }

  private get activeSegment(): LogSegment {
    return this.segments[this.segments.length - 1] as LogSegment;
  }

  private get firstSegment(): LogSegment {
    return this.segments[0] as LogSegment;
  }

  /**
   * Append as leader: assign offsets from logEndOffset and stamp `leaderEpoch`, in place. `origin`
   * 'client' (Produce) gets the full producer checks, 'coordinator' (transaction markers) the epoch
   * checks only.
   */
  append(records: Buffer, leaderEpoch: number, origin: AppendOrigin = 'client'): LogAppendInfo {
    // The hot path: the guard's checks inlined (no closure per append).
    if (this.offline) throw this.offlineError();
    try {
      const logAppendTime = this.ctx.config.messageTimestampType === TimestampType.LogAppendTime ? this.ctx.clock.now() : -1;
      const mode: AppendMode = { role: 'leader', nextOffset: this.logEndOffset, leaderEpoch, logAppendTime };
      const info = analyzeBatches(records, mode, this.ctx.config.maxMessageBytes);
      let producers: ProducerAppendAnalysis | null = null;
      if (info.producerBatches > 0) {
        producers = this.producerState.analyzeAppend(records, origin);
        if (producers.duplicate) return duplicateAppendInfo(producers.duplicate, this._logStartOffset);
      }
      return this.appendAnalyzed(records, info, producers, logAppendTime);
    } catch (err) {
      throw this.failure(err);
    }
  }

  /** Append replicated batches with their offsets (which must be ≥ logEndOffset and increasing). */
  appendAsFollower(records: Buffer): LogAppendInfo {
    if (this.offline) throw this.offlineError();
    try {
      const mode: AppendMode = { role: 'follower', logEndOffset: this.logEndOffset };
      const info = analyzeBatches(records, mode, this.ctx.config.maxMessageBytes);
      const producers = info.producerBatches > 0 ? this.producerState.analyzeAppend(records, 'replication') : null;
      return this.appendAnalyzed(records, info, producers, -1);
    } catch (err) {
      throw this.failure(err);
    }
  }

  /** `logAppendTime`: the time stamped on the batches under LogAppendTime, else -1. */
  private appendAnalyzed(records: Buffer, info: AnalyzedBatches, producers: ProducerAppendAnalysis | null, logAppendTime: number): LogAppendInfo {
    const config = this.ctx.config;
    if (info.batchCount === 0) {
      const next = this.logEndOffset;
      return { ...info, firstOffset: next, lastOffset: next - 1, logAppendTime, logStartOffset: this._logStartOffset, validBytes: 0 };
    }
    if (records.length > config.segmentBytes) {
      throw new KafkaError(ErrorCode.RecordListTooLarge, `${records.length} bytes exceed segment.bytes ${config.segmentBytes}`);
    }
    let segment = this.activeSegment;
    if (segment.shouldRoll(records.length, info.lastOffset)) segment = this.roll(info.firstOffset);
    else if (segment.sizeInBytes === 0 && info.firstOffset > segment.baseOffset) segment = this.roll(info.firstOffset);
    segment.append(records, info.lastOffset, info.maxTimestamp, info.offsetOfMaxTimestamp);
    if (producers) this.producerState.applyAppend(producers, (txn) => segment.appendAbortedTxn(txn));
    this.producerState.updateMapEndOffset(info.lastOffset + 1);
    // As Kafka's Log.append: every batch's epoch goes through assign() (a no-op unless it changes).
    const epochStarts = info.epochStarts;
    for (let i = 0; i < epochStarts.length; i++) {
      const start = epochStarts[i]!;
      if (start[0] >= 0) this.leaderEpochCache.assign(start[0], start[1]);
    }
    if (segment.nextOffset - this._recoveryPoint >= config.flushMessages) this.flush();
    return {
      firstOffset: info.firstOffset,
      lastOffset: info.lastOffset,
      maxTimestamp: info.maxTimestamp,
      offsetOfMaxTimestamp: info.offsetOfMaxTimestamp,
      logAppendTime,
      logStartOffset: this._logStartOffset,
      batchCount: info.batchCount,
      validBytes: records.length,
    };
  }

  /**
   * Roll to a new active segment at max(expectedNextOffset, logEndOffset). The old one is trimmed
   * now and fsynced in the background, after which the recovery point moves to the new base.
   */
  roll(expectedNextOffset = 0): LogSegment {
    return this.guard(() => {
      const newOffset = Math.max(expectedNextOffset, this.logEndOffset);
      const active = this.activeSegment;
      // The snapshot's offset is the new segment's base, so recovering that segment starts from it.
      this.producerState.updateMapEndOffset(newOffset);
      this.producerState.takeSnapshot();
      if (active.sizeInBytes === 0) {
        if (active.baseOffset === newOffset) return active;
        // An empty active segment below a follower's gap is replaced rather than kept empty.
        this.segments.pop();
        active.deleteFiles();
      } else {
        active.onBecomeInactive();
      }
      const segment = LogSegment.create(this.dir, newOffset, this.ctx);
      this.segments.push(segment);
      this.flushInBackground(newOffset);
      return segment;
    });
  }

  /**
   * Whole batches starting with the one that holds `offset`, from a single segment: up to
   * `maxBytes` (the first batch whole regardless when `minOneBatch`), only batches whose last
   * offset is below `upperBound` (the high watermark for consumers).
   */
  read(offset: number, maxBytes: number, upperBound = this.logEndOffset, minOneBatch = true): Buffer {
    return this.guard(() => {
      const logEndOffset = this.logEndOffset;
      if (offset < this._logStartOffset || offset > logEndOffset) {
        throw new KafkaError(
          ErrorCode.OffsetOutOfRange,
          `offset ${offset} is outside [${this._logStartOffset}, ${logEndOffset}] of ${this.tp.topic}-${this.tp.partition}`,
        );
      }
      const limit = Math.min(upperBound, logEndOffset);
      if (offset >= limit) return EMPTY;
      for (let i = Math.max(0, this.floorSegmentIndex(offset)); i < this.segments.length; i++) {
        const records = (this.segments[i] as LogSegment).read(offset, maxBytes, limit, minOneBatch);
        if (records) return records;
      }
      return EMPTY;
    });
  }

  /** First batch (at or after logStartOffset) whose maxTimestamp ≥ `timestamp`, or null. */
  offsetForTimestamp(timestamp: number): TimestampLookup | null {
    return this.guard(() => {
      for (const segment of this.segments) {
        if (segment.nextOffset <= this._logStartOffset || segment.largestTimestamp < timestamp) continue;
        const found = segment.findOffsetByTimestamp(timestamp, this._logStartOffset);
        if (found) return found;
      }
      return null;
    });
  }

  /** ListOffsets: -2 = earliest, -1 = latest, else by timestamp (Kafka's fetchOffsetByTimestamp). */
  fetchOffsetByTimestamp(timestamp: number): TimestampLookup | null {
    if (timestamp === EARLIEST_TIMESTAMP) {
      const epoch = this.leaderEpochCache.epochForOffset(this._logStartOffset) ?? -1;
      return { timestamp: -1, offset: this._logStartOffset, leaderEpoch: epoch };
    }
    if (timestamp === LATEST_TIMESTAMP) {
      return { timestamp: -1, offset: this.logEndOffset, leaderEpoch: this.leaderEpochCache.latestEpoch ?? -1 };
    }
    return this.offsetForTimestamp(timestamp);
  }

  /** OffsetsForLeaderEpoch (KIP-101/279). */
  endOffsetForEpoch(leaderEpoch: number): EpochEndOffset {
    return this.leaderEpochCache.endOffsetFor(leaderEpoch, this.logEndOffset);
  }

  /** Follower truncation: remove everything from the batch holding `targetOffset` on. */
  truncateTo(targetOffset: number): boolean {
    return this.guard(() => {
      if (targetOffset < 0) throw new RangeError(`cannot truncate to a negative offset ${targetOffset}`);
      if (targetOffset >= this.logEndOffset) return false;
      if (this.firstSegment.baseOffset > targetOffset) {
        this.truncateFullyAndStartAt(targetOffset);
        return true;
      }
      this.generation++;
      const later = this.segments.filter((s) => s.baseOffset > targetOffset);
      this.segments = this.segments.filter((s) => s.baseOffset <= targetOffset);
      this.deleteSegmentFiles(later);
      this.activeSegment.truncateTo(targetOffset);
      this.activeSegment.resizeIndexes();
      this._logStartOffset = Math.min(this._logStartOffset, this.logEndOffset);
      this._recoveryPoint = Math.min(this._recoveryPoint, this.logEndOffset);
      this.leaderEpochCache.truncateFromEnd(this.logEndOffset);
      this.loadProducerState(this.logEndOffset, false);
      this.opts.onTruncate?.(this, this.logEndOffset);
      return true;
    });
  }

  /** Drop everything and restart the log at `newOffset` (a follower far behind the leader's start). */
  truncateFullyAndStartAt(newOffset: number): void {
    this.guard(() => {
      this.generation++;
      this.deleteSegmentFiles(this.segments.splice(0));
      this.segments.push(LogSegment.create(this.dir, newOffset, this.ctx));
      this._logStartOffset = newOffset;
      this._recoveryPoint = newOffset;
      this.leaderEpochCache.clearAndFlush();
      this.producerState.truncateFullyAndStartAt(newOffset);
      this.opts.onTruncate?.(this, newOffset);
    });
  }

  /** DeleteRecords / leader's log start: move logStartOffset up; segments below go at the next retention pass. */
  maybeIncrementLogStartOffset(newLogStartOffset: number): boolean {
    if (newLogStartOffset > this.logEndOffset) {
      throw new KafkaError(ErrorCode.OffsetOutOfRange, `log start ${newLogStartOffset} beyond the log end ${this.logEndOffset}`);
    }
    if (newLogStartOffset <= this._logStartOffset) return false;
    this._logStartOffset = newLogStartOffset;
    this.guard(() => {
      this.leaderEpochCache.truncateFromStart(newLogStartOffset);
      this.producerState.truncateHead(newLogStartOffset);
    });
    return true;
  }

  /**
   * Retention: delete old segments by log start offset, and with cleanup.policy=delete by
   * retention.bytes and retention.ms. Only segments entirely below `highWatermark`, never the
   * active one. Returns how many were deleted.
   */
  deleteOldSegments(highWatermark = this.logEndOffset): number {
    return this.guard(() => {
      let deleted = this.deleteSegmentsWhile(highWatermark, (_, next) => next.baseOffset <= this._logStartOffset);
      if (!this.config.cleanupPolicy.includes(CleanupPolicy.Delete)) return deleted;
      const { retentionBytes, retentionMs } = this.config;
      if (retentionBytes >= 0) {
        let excess = this.size - retentionBytes;
        deleted += this.deleteSegmentsWhile(highWatermark, (s) => {
          if (excess - s.sizeInBytes < 0) return false;
          excess -= s.sizeInBytes;
          return true;
        });
      }
      if (retentionMs >= 0) {
        const now = this.ctx.clock.now();
        deleted += this.deleteSegmentsWhile(highWatermark, (s) => now - s.largestTimestamp > retentionMs);
      }
      return deleted;
    });
  }

  private deleteSegmentsWhile(highWatermark: number, predicate: (s: LogSegment, next: LogSegment) => boolean): number {
    let n = 0;
    while (n < this.segments.length - 1) {
      const segment = this.segments[n] as LogSegment;
      const next = this.segments[n + 1] as LogSegment;
      if (highWatermark < next.baseOffset || !predicate(segment, next)) break;
      n++;
    }
    if (n === 0) return 0;
    const doomed = this.segments.splice(0, n);
    this.deleteSegmentFiles(doomed);
    if (this.firstSegment.baseOffset > this._logStartOffset) {
      this._logStartOffset = this.firstSegment.baseOffset;
      this.leaderEpochCache.truncateFromStart(this._logStartOffset);
      this.producerState.truncateHead(this._logStartOffset);
    }
    return n;
  }

  /**
   * Kafka's Log.replaceSegments for the cleaner: the `.cleaned` segment at `baseOffset` (written
   * and flushed by the cleaner) replaces `oldSegments`, which must all still be in this log. Each
   * step is a rename that startup recovery completes or undoes (log-loader.ts): `.cleaned` →
   * `.swap`, old files → `.deleted` (removed after file.delete.delay.ms), `.swap` → final names.
   */
  replaceSegments(baseOffset: number, oldSegments: readonly LogSegment[], afterStep?: (step: SwapStep) => void): LogSegment {
    return this.guard(() => {
      if (oldSegments.length === 0 || oldSegments.some((s) => !this.segments.includes(s) || s === this.activeSegment)) {
        throw new Error(`segments to replace at ${baseOffset} are not all inactive segments of ${this.dir}`);
      }
      const { segment, indexProblem } = LogSegment.open(this.dir, baseOffset, this.ctx, true, CLEANED_SUFFIX);
      if (indexProblem) throw new Error(`cleaned segment ${segment.file}: ${indexProblem}`);
      segment.changeFileSuffixes(CLEANED_SUFFIX, SWAP_SUFFIX);
      afterStep?.('swap');
      for (const old of oldSegments) old.changeFileSuffixes('', DELETED_SUFFIX);
      afterStep?.('deleted');
      segment.changeFileSuffixes(SWAP_SUFFIX, '');
      afterStep?.('renamed');
      const at = this.segments.indexOf(oldSegments[0]!);
      this.segments = this.segments.filter((s) => !oldSegments.includes(s));
      this.segments.splice(at, 0, segment);
      this.deleteRenamedLater(oldSegments);
      return segment;
    });
  }

  /** Kafka's asynchronous delete: rename to `.deleted` now, remove after file.delete.delay.ms. */
  private deleteSegmentFiles(doomed: LogSegment[]): void {
    for (const segment of doomed) segment.changeFileSuffixes('', DELETED_SUFFIX);
    this.deleteRenamedLater(doomed);
  }

  private deleteRenamedLater(doomed: readonly LogSegment[]): void {
    if (doomed.length === 0) return;
    this.ctx.clock.setTimeout(() => {
      for (const segment of doomed) segment.deleteFiles();
    }, this.config.fileDeleteDelayMs);
  }

  /** fsync everything below `offset` (default: all) and move the recovery point there. */
  flush(offset = this.logEndOffset): void {
    this.guard(() => {
      if (offset <= this._recoveryPoint) return;
      for (const s of this.segments) if (s.nextOffset > this._recoveryPoint && s.baseOffset < offset) s.flush();
      this._recoveryPoint = offset;
      this.lastFlushMs = this.ctx.clock.now();
    });
  }

  /** flush.ms: flush when the last flush is older than the configured interval. */
  maybeFlushByTime(): boolean {
    if (this.ctx.clock.now() - this.lastFlushMs < this.config.flushMs || this._recoveryPoint >= this.logEndOffset) return false;
    this.flush();
    return true;
  }

  private flushInBackground(upTo: number): void {
    const generation = this.generation;
    const pending = this.segments.filter((s) => s.baseOffset < upTo && s.nextOffset > this._recoveryPoint);
    void Promise.all(pending.map((s) => s.flushAsync())).then(
      () => {
        if (generation === this.generation && upTo > this._recoveryPoint && upTo <= this.logEndOffset) {
          this._recoveryPoint = upTo;
          this.lastFlushMs = this.ctx.clock.now();
        }
      },
      (err: NodeJS.ErrnoException) => {
        // A segment deleted meanwhile (retention, truncation) has nothing left to flush.
        if (err.code !== 'ENOENT') this.markOffline(err);
      },
    );
  }

  /** Close every file (after a flush, for a clean shutdown), with a producer snapshot at the log end first. */
  close(): void {
    if (!this.offline) {
      try {
        this.producerState.takeSnapshot();
      } catch (err) {
        this.opts.logger?.warn({ err, dir: this.dir }, 'could not write the producer snapshot at close');
      }
    }
    for (const s of this.segments) s.close();
  }

  // ------------------------------------------------------------------------ transactions

  /**
   * First offset of the earliest transaction not yet stable (open, or decided with its marker at or
   * above the HW), never below the log start; -1 when there is none (then LSO = HW).
   */
  get firstUnstableOffset(): number {
    const f = this.producerState.firstUnstableOffset;
    return f < 0 ? -1 : Math.max(f, this._logStartOffset);
  }

  /**
   * Aborted transactions overlapping [startOffset, upperBoundOffset), sorted by first offset (kafkajs
   * walks them in that order): from the segment holding `startOffset` on, until an entry's LSO shows
   * no later segment can add one (Kafka's collectAbortedTransactions).
   */
  collectAbortedTransactions(startOffset: number, upperBoundOffset: number): AbortedTxn[] {
    return this.guard(() => {
      const found: AbortedTxn[] = [];
      for (let i = Math.max(0, this.floorSegmentIndex(startOffset)); i < this.segments.length; i++) {
        const result = (this.segments[i] as LogSegment).collectAbortedTxns(startOffset, upperBoundOffset);
        for (const t of result.abortedTransactions) found.push(t);
        if (result.isComplete) break;
      }
      return found.sort((a, b) => a.firstOffset - b.firstOffset);
    });
  }

  /**
   * After the recovery-point checkpoint: snapshots below both the segment before the active one and
   * the segment below the recovery point are no longer needed for a recovery (Kafka's
   * deleteSnapshotsAfterRecoveryPointCheckpoint).
   */
  deleteSnapshotsAfterRecoveryPointCheckpoint(): number {
    return this.guard(() => {
      const active = this.activeSegment.baseOffset;
      const twoSegmentsMin = this.lowerSegmentBase(active) ?? active;
      const recovery = this.lowerSegmentBase(this._recoveryPoint) ?? this._recoveryPoint;
      const minToRetain = Math.min(twoSegmentsMin, recovery);
      this.producerState.deleteSnapshotsBefore(minToRetain);
      return minToRetain;
    });
  }

  /** Base offset of the last segment starting strictly below `offset`. */
  private lowerSegmentBase(offset: number): number | undefined {
    return this.segments[this.floorSegmentIndex(offset - 1)]?.baseOffset;
  }

  /** Remove the partition directory and everything in it. */
  delete(): void {
    for (const s of this.segments) s.close();
    this.segments = [];
    rmSync(this.dir, { recursive: true, force: true });
  }

  private floorSegmentIndex(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.segments[mid] as LogSegment).baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** Kafka errors pass through; anything else is an I/O failure that takes the log offline. */
  private guard<T>(fn: () => T): T {
    if (this.offline) throw this.offlineError();
    try {
      return fn();
    } catch (err) {
      throw this.failure(err);
    }
  }

  private offlineError(): KafkaError {
    return new KafkaError(ErrorCode.KafkaStorageError, `log ${this.dir} is offline`);
  }

  /** What guard() rethrows for `err`: Kafka errors as they are, anything else takes the log offline. */
  private failure(err: unknown): unknown {
    if (err instanceof KafkaError || err instanceof RangeError) return err;
    return this.markOffline(err);
  }

  private markOffline(err: unknown): KafkaError {
    this.offline = true;
    this.opts.logger?.error({ err, dir: this.dir }, 'I/O error; the log is offline');
    this.opts.onStorageError?.(this, err);
    return new KafkaError(ErrorCode.KafkaStorageError, `I/O error in log ${this.dir}`, { cause: err });
  }
}

/** Kafka's rule while appending or recovering: a batch with a higher epoch starts that epoch. */
function maybeAssignEpoch(cache: LeaderEpochFileCache, epoch: number, baseOffset: number): void {
  if (epoch >= 0 && (cache.latestEpoch === undefined || epoch > cache.latestEpoch)) cache.assign(epoch, baseOffset);
}

function readEpochCheckpoint(checkpoint: CheckpointFile<EpochEntry>, logger?: Logger): EpochEntry[] {
  try {
    return checkpoint.read();
  } catch (err) {
    logger?.warn({ err, file: checkpoint.path }, 'unreadable leader-epoch-checkpoint; rebuilding it from the log');
    return [];
  }
}
