/**
 * One cleaning pass over one log (Kafka's Cleaner.clean / doClean; reference
 * transactions-and-compaction.md §3.5–3.7). It only reads the log's files and writes `.cleaned`
 * segments beside them, so it can run on a worker thread; the owner of the log swaps each
 * cleaned segment in (the `swap` callback) before the next group is written, as Kafka does.
 *
 * 1. Delete horizon = mtime of the last segment below firstDirtyOffset − delete.retention.ms
 *    (0 if none).
 * 2. Offset map over [firstDirtyOffset, firstUncleanableOffset): per batch, control batches feed
 *    the transaction tracker, aborted batches are skipped, otherwise every keyed record at or past
 *    firstDirtyOffset is mapped (key hash → offset). A full map ends the pass there;
 *    endOffset = latest mapped offset + 1 becomes the next firstDirtyOffset.
 * 3. Every segment from the start of the log below endOffset, grouped greedily so that a group's
 *    log fits segment.bytes, its indexes segment.index.bytes and its offsets 32-bit deltas.
 * 4. Each group is filtered (batch-filter.ts) into `<first base>.log.cleaned` (+ indexes): a
 *    record stays if it is past the map's end, or is the latest of its key and has a value or its
 *    segment is newer than the horizon; keyless records go; aborted transactional data goes; a
 *    marker goes once its transaction's data is gone and its segment is past the horizon; the
 *    last batch of every live producer stays, emptied if need be. The cleaned segment is flushed
 *    and takes the mtime of the group's last segment, then `swap` replaces the group with it.
 */
import { closeSync, fstatSync, openSync, rmSync } from 'node:fs';
import { SystemClock } from '../../common/clock.js';
import { KafkaError } from '../../common/errors.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { BatchHeader, recordsOf } from '../../protocol/records/batch-header.js';
import { decompressionLimit } from '../../protocol/records/compression/index.js';
import { RecordScanner, RecordSink } from '../../protocol/records/record-scanner.js';
import { readFully } from '../batch-cursor.js';
import { FileHandlePool } from '../file-handle-pool.js';
import { logConfig } from '../log-config.js';
import { CLEANED_SUFFIX, LOG_SUFFIX, SEGMENT_FILE_SUFFIXES, segmentFile } from '../log-file-names.js';
import { LogSegment } from '../segment.js';
import { BatchFilter, BatchRetention, batchSizeAt, wholeBatchAt, type RecordFilter } from './batch-filter.js';
import type { AbortedTxn } from '../transaction-index.js';
import { CleanedTransactionMetadata } from './cleaned-transaction-metadata.js';
import { SkimpyOffsetMap } from './offset-map.js';

const INT32_MAX = 0x7fffffff;

/** A segment as the pass sees it (sizes taken when the pass was planned; these segments are not appended to). */
export interface CleanerSegment {
  readonly baseOffset: number;
  readonly size: number;
  readonly offsetIndexBytes: number;
  readonly timeIndexBytes: number;
}

/** A producer's last entry in the log (Kafka's LastRecord): its last data batch's last offset, or null when it is a marker. */
export interface LastRecord {
  readonly lastDataOffset: number | null;
  readonly producerEpoch: number;
}

export interface CleanerLogConfig {
  readonly segmentBytes: number;
  readonly segmentIndexBytes: number;
  readonly indexIntervalBytes: number;
  readonly maxMessageBytes: number;
  readonly deleteRetentionMs: number;
}

export interface CleanJob {
  readonly dir: string;
  /** `<topic>-<partition>`, for messages */
  readonly name: string;
  /** the log's segments below firstUncleanableOffset (never the active one), oldest first */
  readonly segments: readonly CleanerSegment[];
  readonly firstDirtyOffset: number;
  /** a segment base offset (or the active segment's) */
  readonly firstUncleanableOffset: number;
  /** byte position in the segment holding firstDirtyOffset where the map starts (offset index) */
  readonly dirtyStartPosition: number;
  readonly config: CleanerLogConfig;
  readonly activeProducers: ReadonlyArray<readonly [number, LastRecord]>;
  /** aborted transactions whose ABORT marker is at or after the first segment's base, by marker */
  readonly abortedTransactions: readonly AbortedTxn[];
}

export interface CleanedGroup {
  readonly baseOffset: number;
  /** base offsets of the segments it replaces */
  readonly sources: readonly number[];
  readonly sizeInBytes: number;
}

export interface CleanerStats {
  mapBytesRead: number;
  mapMessagesRead: number;
  bytesRead: number;
  bytesWritten: number;
  messagesRead: number;
  messagesWritten: number;
  invalidMessages: number;
  groups: number;
  bufferUtilization: number;
  startMs: number;
  mapDoneMs: number;
  endMs: number;
}

export interface CleanResult {
  /** the next firstDirtyOffset */
  readonly endOffset: number;
  readonly stats: CleanerStats;
}

/** The pass was abandoned (truncation, deletion, shutdown); its `.cleaned` files are removed. */
export class CleaningAbortedError extends Error {
  constructor(message = 'log cleaning aborted') {
    super(message);
    this.name = 'CleaningAbortedError';
  }
}

export interface CleanerOptions {
  /** the offset map's memory ceiling (log.cleaner.dedupe.buffer.size / threads) */
  readonly mapMemory: number;
  /** log.cleaner.io.buffer.load.factor */
  readonly loadFactor: number;
  /** log.cleaner.io.buffer.size / threads; half for reading, half for writing */
  readonly ioBufferSize: number;
  /** throws CleaningAbortedError when the pass must stop (Kafka's checkDone) */
  readonly checkDone?: () => void;
  /** called with bytes read or written (log.cleaner.io.max.bytes.per.second) */
  readonly throttle?: (bytes: number) => void;
}

/** Swap the group in; false when the pass was abandoned meanwhile. */
export type SwapCallback = (group: CleanedGroup) => boolean | Promise<boolean>;

export class Cleaner {
  readonly offsetMap: SkimpyOffsetMap;
  private readonly ioChunk: number;
  private readBuffer: Buffer;
  private readonly out = new RecordSink();
  private readonly header = new BatchHeader();
  private readonly scanner = new RecordScanner();
  private readonly clock = new SystemClock();

  constructor(private readonly opts: CleanerOptions) {
    this.offsetMap = new SkimpyOffsetMap(opts.mapMemory, opts.loadFactor);
    this.ioChunk = Math.max(4096, Math.floor(opts.ioBufferSize / 2));
    this.readBuffer = Buffer.allocUnsafe(this.ioChunk);
  }

  async clean(job: CleanJob, swap: SwapCallback): Promise<CleanResult> {
    const stats = newStats(this.clock.now());
    const below = job.segments.filter((s) => s.baseOffset < job.firstDirtyOffset);
    const lastClean = below[below.length - 1];
    const deleteHorizonMs = lastClean ? this.mtime(job, lastClean) - job.config.deleteRetentionMs : 0;
    this.buildOffsetMap(job, stats);
    const endOffset = this.offsetMap.latestOffset + 1;
    stats.mapDoneMs = this.clock.now();
    const txn = new CleanedTransactionMetadata();
    const toClean = job.segments.filter((s) => s.baseOffset < endOffset);
    for (const group of groupSegmentsBySize(toClean, job.config.segmentBytes, job.config.segmentIndexBytes, job.firstUncleanableOffset)) {
      const cleaned = this.cleanSegments(job, group, deleteHorizonMs, txn, stats);
      let swapped = false;
      try {
        swapped = await swap(cleaned);
      } finally {
        if (!swapped) removeCleanedFiles(job.dir, cleaned.baseOffset);
      }
      if (!swapped) throw new CleaningAbortedError();
      stats.groups++;
    }
    stats.bufferUtilization = this.offsetMap.utilization;
    stats.endMs = this.clock.now();
    return { endOffset, stats };
  }

  /** Kafka's buildOffsetMap: map the dirty range, stopping early when the map is full. */
  private buildOffsetMap(job: CleanJob, stats: CleanerStats): void {
    const start = job.firstDirtyOffset;
    const end = job.firstUncleanableOffset;
    this.offsetMap.prepare(end - start);
    const dirty = segmentsOverlapping(job.segments, start, end);
    const txn = new CleanedTransactionMetadata();
    txn.addAbortedTransactions(collectAborted(job, dirty[0]?.baseOffset ?? start, end));
    for (let i = 0; i < dirty.length; i++) {
      const segment = dirty[i]!;
      const nextStart = dirty[i + 1]?.baseOffset ?? end;
      const position = segment.baseOffset <= start ? job.dirtyStartPosition : 0;
      if (this.mapSegment(job, segment, position, start, nextStart, txn, stats)) return;
    }
  }

  /** Returns true when the map filled up inside this segment. */
  private mapSegment(
    job: CleanJob,
    segment: CleanerSegment,
    startPosition: number,
    startOffset: number,
    nextSegmentStart: number,
    txn: CleanedTransactionMetadata,
    stats: CleanerStats,
  ): boolean {
    const map = this.offsetMap;
    const h = this.header;
    const scanner = this.scanner;
    const limit = decompressionLimit(job.config.maxMessageBytes);
    const full = this.readSegment(job, segment, startPosition, (chunk, length) => {
      let pos = 0;
      while (wholeBatchAt(chunk, pos, length)) {
        h.read(chunk, pos);
        if (h.isControl) {
          txn.onControlBatchRead(h, this.controlType(chunk, h, limit));
          stats.mapMessagesRead++;
        } else if (txn.onBatchRead(h)) {
          stats.mapMessagesRead += h.recordCount;
        } else {
          const records = recordsOf(chunk, h, Math.max(limit, h.size));
          scanner.reset(records, 0, records.length, h.recordCount);
          while (scanner.next()) {
            const offset = h.baseOffset + scanner.offsetDelta;
            if (scanner.hasKey && offset >= startOffset) {
              if (map.size >= map.maxDesiredSize) return { consumed: pos, stop: true };
              map.put(records, scanner.keyStart, scanner.keyLength, offset);
            }
            stats.mapMessagesRead++;
          }
        }
        if (h.lastOffset >= startOffset) map.updateLatestOffset(h.lastOffset);
        pos += h.size;
        stats.mapBytesRead += h.size;
      }
      return { consumed: pos, stop: false };
    });
    if (full) return true;
    // Offsets may have gaps (an earlier pass): the map covers the segment up to the next one.
    map.updateLatestOffset(nextSegmentStart - 1);
    return false;
  }

  /** Kafka's cleanSegments up to (not including) the swap: write the group's `.cleaned` segment. */
  private cleanSegments(
    job: CleanJob,
    group: readonly CleanerSegment[],
    deleteHorizonMs: number,
    txn: CleanedTransactionMetadata,
    stats: CleanerStats,
  ): CleanedGroup {
    const first = group[0]!;
    const ctx = {
      config: logConfig({ segmentIndexBytes: job.config.segmentIndexBytes, indexIntervalBytes: job.config.indexIntervalBytes }),
      pool: new FileHandlePool(8),
      clock: this.clock,
    };
    const dest = LogSegment.create(job.dir, first.baseOffset, ctx, CLEANED_SUFFIX);
    txn.onRetainedAbort = (entry) => dest.appendAbortedTxn(entry);
    let lastModified = 0;
    try {
      for (let i = 0; i < group.length; i++) {
        const segment = group[i]!;
        const upperBound = group[i + 1]?.baseOffset ?? this.offsetMap.latestOffset + 1;
        txn.addAbortedTransactions(collectAborted(job, segment.baseOffset, upperBound));
        lastModified = this.mtime(job, segment);
        this.cleanInto(job, segment, dest, lastModified > deleteHorizonMs, txn, stats);
      }
      dest.onBecomeInactive();
      dest.flush();
      dest.setLastModified(lastModified);
    } catch (err) {
      dest.close();
      ctx.pool.closeAll();
      removeCleanedFiles(job.dir, first.baseOffset);
      throw err;
    } finally {
      txn.onRetainedAbort = null;
    }
    dest.close();
    ctx.pool.closeAll();
    return { baseOffset: first.baseOffset, sources: group.map((s) => s.baseOffset), sizeInBytes: dest.sizeInBytes };
  }

  private cleanInto(
    job: CleanJob,
    segment: CleanerSegment,
    dest: LogSegment,
    retainDeletesAndTxnMarkers: boolean,
    txn: CleanedTransactionMetadata,
    stats: CleanerStats,
  ): void {
    const map = this.offsetMap;
    const limit = decompressionLimit(job.config.maxMessageBytes);
    const producers = new Map(job.activeProducers);
    let discardBatchRecords = false;
    const filter: RecordFilter = {
      checkBatchRetention: (batch, chunk) => {
        discardBatchRecords = batch.isControl
          ? txn.onControlBatchRead(batch, this.controlType(chunk, batch, limit)) && !retainDeletesAndTxnMarkers
          : txn.onBatchRead(batch);
        const last = batch.hasProducerId ? producers.get(batch.producerId) : undefined;
        const isLastOfProducer =
          last !== undefined &&
          (last.lastDataOffset !== null ? batch.lastOffset === last.lastDataOffset : batch.isControl && batch.producerEpoch === last.producerEpoch);
        if (isLastOfProducer) return BatchRetention.RetainEmpty;
        return discardBatchRecords ? BatchRetention.Delete : BatchRetention.DeleteEmpty;
      },
      shouldRetainRecord: (_batch, records, record, offset) => {
        if (discardBatchRecords) return false;
        if (offset > map.latestOffset) return true;
        if (!record.hasKey) {
          stats.invalidMessages++;
          return false;
        }
        const found = map.get(records, record.keyStart, record.keyLength);
        return offset >= found && (record.hasValue || retainDeletesAndTxnMarkers);
      },
    };
    const batchFilter = new BatchFilter(limit);
    const out = this.out;
    this.readSegment(job, segment, 0, (chunk, length) => {
      out.reset();
      const result = batchFilter.filterTo(chunk, length, filter, out);
      stats.bytesRead += result.bytesRead;
      stats.messagesRead += result.messagesRead;
      stats.messagesWritten += result.messagesRetained;
      if (out.length > 0) {
        dest.append(out.view(), result.maxOffset, result.maxTimestamp, result.shallowOffsetOfMaxTimestamp);
        stats.bytesWritten += out.length;
        this.opts.throttle?.(out.length);
      }
      return { consumed: result.bytesRead, stop: false };
    });
  }

  /**
   * Feed `segment` from `position` to `visit` in chunks of whole batches. A chunk that holds no
   * whole batch grows the read buffer to that batch's size (Kafka's growBuffersOrFail).
   * Returns true if `visit` asked to stop.
   */
  private readSegment(
    job: CleanJob,
    segment: CleanerSegment,
    position: number,
    visit: (chunk: Buffer, length: number) => { consumed: number; stop: boolean },
  ): boolean {
    const path = segmentFile(job.dir, segment.baseOffset, LOG_SUFFIX);
    const fd = openSync(path, 'r');
    try {
      while (position < segment.size) {
        this.opts.checkDone?.();
        const want = Math.min(this.readBuffer.length, segment.size - position);
        const length = readFully(fd, this.readBuffer, 0, want, position);
        if (length < want) throw new KafkaError(ErrorCode.KafkaStorageError, `${path} is shorter than the ${segment.size} bytes planned`);
        this.opts.throttle?.(length);
        const { consumed, stop } = visit(this.readBuffer, length);
        if (stop) return true;
        position += consumed;
        if (consumed === 0) this.growReadBuffer(path, position, this.readBuffer, length, segment.size);
      }
      return false;
    } finally {
      closeSync(fd);
      if (this.readBuffer.length > this.ioChunk) this.readBuffer = Buffer.allocUnsafe(this.ioChunk);
    }
  }

  private growReadBuffer(path: string, position: number, chunk: Buffer, length: number, fileSize: number): void {
    const size = batchSizeAt(chunk, 0, length);
    if (size === null || size <= this.readBuffer.length || size > fileSize - position) {
      throw new KafkaError(ErrorCode.CorruptMessage, `${path} may be corrupt: a batch of ${size} bytes at position ${position}`);
    }
    this.readBuffer = Buffer.allocUnsafe(size);
  }

  /** The marker type of the control batch `h` (read from `chunk`), or null if it has no record left. */
  private controlType(chunk: Buffer, h: BatchHeader, limit: number): number | null {
    if (h.recordCount === 0) return null;
    const records = recordsOf(chunk, h, Math.max(limit, h.size));
    const scanner = this.scanner.reset(records, 0, records.length, h.recordCount);
    if (!scanner.next() || scanner.keyLength < 4) return null;
    return records.readInt16BE(scanner.keyStart + 2);
  }

  private mtime(job: CleanJob, segment: CleanerSegment): number {
    const fd = openSync(segmentFile(job.dir, segment.baseOffset, LOG_SUFFIX), 'r');
    try {
      return Math.floor(fstatSync(fd).mtimeMs);
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * Kafka's groupSegmentsBySize: consecutive segments while the group's log stays within
 * `maxSize`, each index within `maxIndexSize`, and its offsets within 32-bit deltas of its first.
 */
export function groupSegmentsBySize(
  segments: readonly CleanerSegment[],
  maxSize: number,
  maxIndexSize: number,
  firstUncleanableOffset: number,
): CleanerSegment[][] {
  const groups: CleanerSegment[][] = [];
  let i = 0;
  while (i < segments.length) {
    const first = segments[i]!;
    const group = [first];
    let logSize = first.size;
    let indexSize = first.offsetIndexBytes;
    let timeIndexSize = first.timeIndexBytes;
    i++;
    while (i < segments.length) {
      const s = segments[i]!;
      const lastOffset = (segments[i + 1]?.baseOffset ?? firstUncleanableOffset) - 1;
      const fits =
        logSize + s.size <= maxSize &&
        indexSize + s.offsetIndexBytes <= maxIndexSize &&
        timeIndexSize + s.timeIndexBytes <= maxIndexSize &&
        (s.size === 0 || lastOffset - first.baseOffset <= INT32_MAX);
      if (!fits) break;
      group.push(s);
      logSize += s.size;
      indexSize += s.offsetIndexBytes;
      timeIndexSize += s.timeIndexBytes;
      i++;
    }
    groups.push(group);
  }
  return groups;
}

/** Kafka's Log.logSegments(from, to): the segment holding `from` and every later one below `to`. */
export function segmentsOverlapping<S extends { readonly baseOffset: number }>(segments: readonly S[], from: number, to: number): S[] {
  if (from >= to) return [];
  let first = 0;
  for (let i = 0; i < segments.length; i++) if (segments[i]!.baseOffset <= from) first = i;
  return segments.slice(first).filter((s) => s.baseOffset < to);
}

/** Kafka's collectAbortedTransactions(start, end) over indexes from the segment at `segmentBase` on. */
function collectAborted(job: CleanJob, segmentBase: number, upperBound: number): AbortedTxn[] {
  return job.abortedTransactions.filter((t) => t.lastOffset >= segmentBase && t.firstOffset < upperBound);
}

export function removeCleanedFiles(dir: string, baseOffset: number): void {
  for (const kind of SEGMENT_FILE_SUFFIXES) rmSync(segmentFile(dir, baseOffset, kind) + CLEANED_SUFFIX, { force: true });
}

function newStats(now: number): CleanerStats {
  return {
    mapBytesRead: 0,
    mapMessagesRead: 0,
    bytesRead: 0,
    bytesWritten: 0,
    messagesRead: 0,
    messagesWritten: 0,
    invalidMessages: 0,
    groups: 0,
    bufferUtilization: 0,
    startMs: now,
    mapDoneMs: now,
    endMs: now,
  };
}
