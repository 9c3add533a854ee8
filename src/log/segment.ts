/**
 * One log segment (Kafka's LogSegment): `<base>.log` plus its `.index` and `.timeindex`, and the
 * `.txnindex` of the aborted transactions whose marker it holds (created on the first one).
 *
 * - append writes the already-validated batch bytes with one positional writeSync, then adds an
 *   offset-index entry (and a time-index entry) when more than index.interval.bytes were written
 *   since the last entry, exactly where Kafka adds them;
 * - read returns whole batches only, found by the offset index then a header scan; a read at the
 *   end of the file (followers and consumers at the log end) is served from the recent appends kept
 *   in memory (recent-appends.ts); the bytes are the file's, as written;
 * - recover re-validates every batch (length sanity, magic 2, CRC-32C, increasing offsets),
 *   rebuilds the indexes (the caller rebuilds `.txnindex` from the batches it is shown) and
 *   truncates the file at the first invalid byte.
 */
import { fstatSync, ftruncateSync, fsyncSync, renameSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { crashDue, crashNow, crashPoint, journalSync } from './test-hooks.js';
import { open } from 'node:fs/promises';
import type { Clock } from '../common/clock.js';
import { ATTRIBUTES, CRC, LAST_OFFSET_DELTA, BATCH_LENGTH, LOG_OVERHEAD } from '../protocol/records/batch-layout.js';
import { crc32c } from '../protocol/records/crc.js';
import { BatchCursor, MIN_BATCH_LENGTH, readFully, readSafeInt64 } from './batch-cursor.js';
import type { FileHandlePool } from './file-handle-pool.js';
import type { LogConfig } from './log-config.js';
import { INDEX_SUFFIX, LOG_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX, segmentFile } from './log-file-names.js';
import { OffsetIndex } from './offset-index.js';
import { RecentAppends } from './recent-appends.js';
import { NO_TIMESTAMP, TimeIndex } from './time-index.js';
import { TransactionIndex, type AbortedTxn, type TxnIndexSearchResult } from './transaction-index.js';

const INT32_MAX = 0x7fffffff;
const EMPTY = Buffer.alloc(0);
/** Header scans (lookups, timestamp searches) share one window: every caller is synchronous. */
const SCAN_WINDOW = Buffer.allocUnsafe(32 * 1024);
const RECOVERY_WINDOW_BYTES = 1024 * 1024;
export interface SegmentContext {
  readonly config: LogConfig;
  readonly pool: FileHandlePool;
  readonly clock: Clock;
}

/** Where a batch sits in the segment file. */
export interface BatchPosition {
  readonly position: number;
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly size: number;
}

export interface TimestampLookup {
  readonly timestamp: number;
  readonly offset: number;
  readonly leaderEpoch: number;
}

/** Called for each batch recovery keeps (the log rebuilds the leader-epoch cache and producer state from them). */
export type RecoveredBatch = (cursor: BatchCursor) => void;

export class LogSegment {
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
  readonly txnIndex: TransactionIndex;
  /** The offset after the last batch in this segment. */
  nextOffset: number;
  maxTimestampSoFar = NO_TIMESTAMP;
  offsetOfMaxTimestampSoFar: number;
  private logPath: string;
  private size = 0;
  private bytesSinceLastIndexEntry = 0;
  /** Clock time of the first append, for segment.ms (null while empty). */
  private rollingStartMs: number | null = null;
  private readonly recent = new RecentAppends();
  /** MaxTimestamp of the first batch, once read (Kafka's rollingBasedTimestamp). */
  private firstBatchMaxTimestamp: number | null = null;

  private constructor(
    dir: string,
    readonly baseOffset: number,
    private ctx: SegmentContext,
    suffix: string,
  ) {
    this.logPath = segmentFile(dir, baseOffset, LOG_SUFFIX) + suffix;
    const maxIndex = ctx.config.segmentIndexBytes;
    this.offsetIndex = new OffsetIndex(segmentFile(dir, baseOffset, INDEX_SUFFIX) + suffix, baseOffset, maxIndex, ctx.pool);
    this.timeIndex = new TimeIndex(segmentFile(dir, baseOffset, TIME_INDEX_SUFFIX) + suffix, baseOffset, maxIndex, ctx.pool);
    this.txnIndex = new TransactionIndex(segmentFile(dir, baseOffset, TXN_INDEX_SUFFIX) + suffix, baseOffset, ctx.pool);
    this.nextOffset = baseOffset;
    this.offsetOfMaxTimestampSoFar = baseOffset;
  }

  /**
   * A new, empty segment (any leftover files of that base offset are emptied). `suffix` names
   * files being built aside (the cleaner's `.cleaned`).
   */
  static create(dir: string, baseOffset: number, ctx: SegmentContext, suffix = ''): LogSegment {
    const segment = new LogSegment(dir, baseOffset, ctx, suffix);
    ftruncateSync(ctx.pool.fdCreate(segment.logPath), 0);
    crashPoint('roll:after-log-create');
    for (const index of [segment.offsetIndex, segment.timeIndex]) {
      ftruncateSync(ctx.pool.fdCreate(index.file), 0);
      index.resize(ctx.config.segmentIndexBytes);
    }
    segment.txnIndex.reset();
    crashPoint('roll:after-index-create');
    return segment;
  }

  /**
   * An existing segment. Returns the segment and, when an index is missing or fails its sanity
   * check, why: the caller must then recover() it (which rebuilds the indexes).
   */
  static open(
    dir: string,
    baseOffset: number,
    ctx: SegmentContext,
    indexesExist: boolean,
    suffix = '',
  ): {
    segment: LogSegment;
    indexProblem: string | null;
  } {
    const segment = new LogSegment(dir, baseOffset, ctx, suffix);
    segment.size = fstatSync(ctx.pool.fd(segment.logPath)).size;
    let indexProblem = indexesExist ? segment.offsetIndex.load(segment.size) : 'index file missing';
    if (!segment.loadTail() && !indexProblem) indexProblem = 'the log does not parse from the last index entry';
    if (!indexProblem && indexesExist) indexProblem = segment.timeIndex.load(segment.nextOffset - 1);
    if (!indexProblem) indexProblem = segment.txnIndex.sanityCheck();
    if (!indexProblem) segment.maxTimestampSoFar = Math.max(segment.maxTimestampSoFar, segment.timeIndex.lastEntry.timestamp);
    return { segment, indexProblem };
  }

  /** A new config (AlterConfigs) applies from the next append, roll or resize. */
  updateContext(ctx: SegmentContext): void {
    this.ctx = ctx;
  }

  get sizeInBytes(): number {
    return this.size;
  }

  get file(): string {
    return this.logPath;
  }

  /** Retention's notion of age: the largest timestamp, or the file's mtime without timestamps. */
  get largestTimestamp(): number {
    if (this.maxTimestampSoFar >= 0) return this.maxTimestampSoFar;
    return this.lastModified;
  }

  /** MaxTimestamp of the first batch (Kafka's getFirstBatchTimestamp), −1 when empty. */
  get firstBatchTimestamp(): number {
    if (this.size === 0) return NO_TIMESTAMP;
    if (this.firstBatchMaxTimestamp === null) {
      const cursor = new BatchCursor(this.ctx.pool.fd(this.logPath), 0, this.size, SCAN_WINDOW);
      this.firstBatchMaxTimestamp = cursor.next() ? cursor.maxTimestamp : NO_TIMESTAMP;
    }
    return this.firstBatchMaxTimestamp;
  }

  /** The log file's mtime (the cleaner's delete horizon is judged by it, as in Kafka 2.7). */
  get lastModified(): number {
    return Math.floor(statSync(this.logPath).mtimeMs);
  }

  /** A cleaned segment keeps the mtime of the last segment it replaces. */
  setLastModified(ms: number): void {
    utimesSync(this.logPath, ms / 1000, ms / 1000);
  }

  append(records: Buffer, largestOffset: number, largestTimestamp: number, offsetOfMaxTimestamp: number): void {
    if (records.length === 0) return;
    const physicalPosition = this.size;
    if (physicalPosition === 0) this.rollingStartMs = this.ctx.clock.now();
    const fd = this.ctx.pool.fd(this.logPath);
    let written = 0;
    if (crashDue('append:torn')) {
      writeSync(fd, records, 0, records.length >> 1, physicalPosition);
      crashNow();
    }
    while (written < records.length) {
      written += writeSync(fd, records, written, records.length - written, physicalPosition + written);
    }
    this.size += records.length;
    this.nextOffset = largestOffset + 1;
    this.recent.append(records, physicalPosition, readSafeInt64(records, 0));
    if (largestTimestamp > this.maxTimestampSoFar) {
      this.maxTimestampSoFar = largestTimestamp;
      this.offsetOfMaxTimestampSoFar = offsetOfMaxTimestamp;
    }
    // Same rule as Kafka: the entry points at the start of this append, keyed by its last offset.
    if (this.bytesSinceLastIndexEntry > this.ctx.config.indexIntervalBytes) {
      this.offsetIndex.append(largestOffset, physicalPosition);
      this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += records.length;
  }

  /** Kafka's LogSegment.shouldRoll, with segment.ms judged by the injected clock. */
  shouldRoll(incomingBytes: number, maxOffsetInMessages: number): boolean {
    if (this.size === 0) return false;
    const { segmentBytes, segmentMs } = this.ctx.config;
    const age = this.rollingStartMs === null ? 0 : this.ctx.clock.now() - this.rollingStartMs;
    return (
      this.size > segmentBytes - incomingBytes ||
      age > segmentMs ||
      this.offsetIndex.isFull ||
      this.timeIndex.isFull ||
      maxOffsetInMessages - this.baseOffset > INT32_MAX
    );
  }

  /** The first batch whose last offset ≥ `offset`, or null if there is none in this segment. */
  translateOffset(offset: number): BatchPosition | null {
    if (offset >= this.nextOffset) return null;
    const start = this.offsetIndex.lookup(offset).position;
    const cursor = new BatchCursor(this.ctx.pool.fd(this.logPath), start, this.size, SCAN_WINDOW);
    while (cursor.next()) {
      if (cursor.lastOffset >= offset) {
        return { position: cursor.position, baseOffset: cursor.baseOffset, lastOffset: cursor.lastOffset, size: cursor.size };
      }
    }
    return null;
  }

  /**
   * Whole batches from the one holding `offset`: at most `maxBytes` (but the first batch whole
   * when `minOneBatch`), and only batches whose last offset is below `upperBound`. Null when the
   * offset is past this segment.
   */
  read(offset: number, maxBytes: number, upperBound: number, minOneBatch: boolean): Buffer | null {
    if (offset >= this.nextOffset) return null;
    const recent = this.recent.read(offset, maxBytes, upperBound, minOneBatch);
    if (recent) return recent;
    const first = this.translateOffset(offset);
    if (!first) return null;
    if (first.lastOffset >= upperBound) return EMPTY;
    if (first.size > maxBytes && !minOneBatch) return EMPTY;
    const length = Math.min(this.size - first.position, Math.max(maxBytes, first.size));
    const buf = Buffer.allocUnsafe(length);
    const n = readFully(this.ctx.pool.fd(this.logPath), buf, 0, length, first.position);
    return buf.subarray(0, wholeBatchesEnd(buf, n, upperBound));
  }

  /** First batch with maxTimestamp ≥ `timestamp` and last offset ≥ `startingOffset`. */
  findOffsetByTimestamp(timestamp: number, startingOffset: number): TimestampLookup | null {
    const hint = this.timeIndex.lookup(timestamp);
    const start = this.offsetIndex.lookup(Math.max(hint.offset, startingOffset)).position;
    const cursor = new BatchCursor(this.ctx.pool.fd(this.logPath), start, this.size, SCAN_WINDOW);
    while (cursor.next()) {
      if (cursor.maxTimestamp >= timestamp && cursor.lastOffset >= startingOffset) {
        const offset = Math.max(cursor.baseOffset, startingOffset);
        return { timestamp: cursor.maxTimestamp, offset, leaderEpoch: cursor.partitionLeaderEpoch };
      }
    }
    return null;
  }

  /** Records an aborted transaction whose marker this segment holds. */
  appendAbortedTxn(txn: AbortedTxn): void {
    this.txnIndex.append(txn);
  }

  /** Aborted transactions overlapping [fetchOffset, upperBoundOffset) (read_committed fetches). */
  collectAbortedTxns(fetchOffset: number, upperBoundOffset: number): TxnIndexSearchResult {
    if (this.txnIndex.sizeInBytes === 0) return { abortedTransactions: [], isComplete: false };
    return this.txnIndex.collectAbortedTxns(fetchOffset, upperBoundOffset);
  }

  /** Visit every batch header from `startOffset` on (epoch-cache rebuilds, tests, tools). */
  forEachBatch(visit: (cursor: BatchCursor) => void, startOffset = this.baseOffset): void {
    const start = this.offsetIndex.lookup(startOffset).position;
    const cursor = new BatchCursor(this.ctx.pool.fd(this.logPath), start, this.size, SCAN_WINDOW);
    while (cursor.next()) visit(cursor);
  }

  /**
   * Re-validate every batch, rebuild the indexes, and cut the file at the first invalid byte.
   * Returns the number of bytes truncated.
   */
  recover(onBatch?: RecoveredBatch): number {
    this.recent.clear();
    this.offsetIndex.reset();
    this.timeIndex.reset();
    this.txnIndex.reset();
    this.maxTimestampSoFar = NO_TIMESTAMP;
    this.offsetOfMaxTimestampSoFar = this.baseOffset;
    const cursor = new BatchCursor(this.ctx.pool.fd(this.logPath), 0, this.size, Buffer.allocUnsafe(RECOVERY_WINDOW_BYTES));
    let validBytes = 0;
    let lastIndexEntry = 0;
    let nextOffset = this.baseOffset;
    while (cursor.next()) {
      if (cursor.baseOffset < nextOffset || cursor.lastOffset - this.baseOffset > INT32_MAX) break;
      const batch = cursor.batchBytes();
      if (batch.length !== cursor.size || crc32c(batch.subarray(ATTRIBUTES)) !== batch.readUInt32BE(CRC)) break;
      if (cursor.maxTimestamp > this.maxTimestampSoFar) {
        this.maxTimestampSoFar = cursor.maxTimestamp;
        this.offsetOfMaxTimestampSoFar = cursor.lastOffset;
      }
      if (validBytes - lastIndexEntry > this.ctx.config.indexIntervalBytes) {
        this.offsetIndex.append(cursor.lastOffset, validBytes);
        this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
        lastIndexEntry = validBytes;
      }
      validBytes += cursor.size;
      nextOffset = cursor.lastOffset + 1;
      onBatch?.(cursor);
    }
    const truncated = this.size - validBytes;
    if (truncated > 0) this.truncateFile(validBytes);
    this.nextOffset = nextOffset;
    this.bytesSinceLastIndexEntry = validBytes - lastIndexEntry;
    this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
    this.offsetIndex.trimToValidSize();
    this.timeIndex.trimToValidSize();
    return truncated;
  }

  /** Remove batches from the one holding `offset` on; returns the bytes removed. */
  truncateTo(offset: number): number {
    const mapping = this.translateOffset(offset);
    this.offsetIndex.truncateTo(offset);
    this.timeIndex.truncateTo(offset);
    this.txnIndex.truncateTo(offset);
    if (!mapping) return 0;
    const removed = this.size - mapping.position;
    this.truncateFile(mapping.position);
    this.bytesSinceLastIndexEntry = 0;
    this.maxTimestampSoFar = this.timeIndex.lastEntry.timestamp;
    this.offsetOfMaxTimestampSoFar = this.timeIndex.lastEntry.offset;
    this.loadTail();
    if (this.size === 0) this.rollingStartMs = null;
    return removed;
  }

  /** The segment is no longer the active one: record its final largest timestamp, trim indexes. */
  onBecomeInactive(): void {
    this.recent.clear();
    this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
    this.offsetIndex.trimToValidSize();
    this.timeIndex.trimToValidSize();
  }

  /** Preallocate the indexes again (this segment is, or became again, the active one). */
  resizeIndexes(): void {
    this.offsetIndex.resize(this.ctx.config.segmentIndexBytes);
    this.timeIndex.resize(this.ctx.config.segmentIndexBytes);
  }

  flush(): void {
    const durable = this.size;
    fsyncSync(this.ctx.pool.fd(this.logPath));
    journalSync(this.logPath, durable);
    for (const index of [this.offsetIndex, this.timeIndex]) {
      index.writeOut();
      fsyncSync(this.ctx.pool.fdCreate(index.file));
    }
    this.txnIndex.flush();
  }

  /** fsync on the libuv pool, with private descriptors (the shared pool may close its own). */
  async flushAsync(): Promise<void> {
    this.offsetIndex.writeOut();
    this.timeIndex.writeOut();
    const paths = [this.logPath, this.offsetIndex.file, this.timeIndex.file];
    if (this.txnIndex.sizeInBytes > 0) paths.push(this.txnIndex.file);
    const durable = this.size;
    for (const path of paths) {
      const handle = await open(path, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    journalSync(this.logPath, durable);
  }

  close(): void {
    this.onBecomeInactive();
    this.ctx.pool.close(this.logPath);
    this.offsetIndex.close();
    this.timeIndex.close();
    this.txnIndex.close();
  }

  /**
   * Rename every file from `<name><oldSuffix>` to `<name><newSuffix>` (`''` → `.deleted`,
   * `.cleaned` → `.swap` → `''`); deleted files stay until deleteFiles(). The log file goes first,
   * as in Kafka: recovery judges an interrupted swap by it.
   */
  changeFileSuffixes(oldSuffix: string, newSuffix: string): void {
    this.recent.clear();
    this.logPath = renameFile(this.logPath, oldSuffix, newSuffix, this.ctx.pool);
    for (const index of [this.offsetIndex, this.timeIndex, this.txnIndex]) index.renameTo(replaceSuffix(index.file, oldSuffix, newSuffix));
  }

  deleteFiles(): void {
    this.recent.clear();
    this.ctx.pool.close(this.logPath);
    rmSync(this.logPath, { force: true });
    this.offsetIndex.deleteFile();
    this.timeIndex.deleteFile();
    this.txnIndex.deleteFile();
  }

  /**
   * Compute nextOffset (and the tail's largest timestamp) by scanning after the last index entry.
   * False when the scan stopped on bytes that are not a batch.
   */
  private loadTail(): boolean {
    const last = this.offsetIndex.lastEntry;
    this.nextOffset = this.baseOffset;
    const cursor = new BatchCursor(this.ctx.pool.fd(this.logPath), last.position, this.size, SCAN_WINDOW);
    while (cursor.next()) {
      this.nextOffset = cursor.lastOffset + 1;
      if (cursor.maxTimestamp > this.maxTimestampSoFar) {
        this.maxTimestampSoFar = cursor.maxTimestamp;
        this.offsetOfMaxTimestampSoFar = cursor.lastOffset;
      }
    }
    if (this.size > 0 && this.rollingStartMs === null) this.rollingStartMs = this.ctx.clock.now();
    return cursor.invalid === null;
  }

  private truncateFile(size: number): void {
    this.recent.clear();
    this.firstBatchMaxTimestamp = null;
    ftruncateSync(this.ctx.pool.fd(this.logPath), size);
    this.size = size;
  }
}

export function replaceSuffix(path: string, oldSuffix: string, newSuffix: string): string {
  if (!path.endsWith(oldSuffix)) throw new Error(`${path} does not end with "${oldSuffix}"`);
  return path.slice(0, path.length - oldSuffix.length) + newSuffix;
}

function renameFile(path: string, oldSuffix: string, newSuffix: string, pool: FileHandlePool): string {
  const target = replaceSuffix(path, oldSuffix, newSuffix);
  pool.close(path);
  renameSync(path, target);
  return target;
}

/** End of the last whole batch in buf[0, n) whose last offset is below `upperBound`. */
function wholeBatchesEnd(buf: Buffer, n: number, upperBound: number): number {
  let end = 0;
  while (end + LOG_OVERHEAD <= n) {
    const batchLength = buf.readInt32BE(end + BATCH_LENGTH);
    if (batchLength < MIN_BATCH_LENGTH || end + LOG_OVERHEAD + batchLength > n) break;
    const lastOffset = readSafeInt64(buf, end) + buf.readInt32BE(end + LAST_OFFSET_DELTA);
    if (!(lastOffset < upperBound)) break;
    end += LOG_OVERHEAD + batchLength;
  }
  return end;
}
