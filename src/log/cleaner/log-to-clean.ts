/**
 * How dirty a compacted log is and what one pass over it would cover (Kafka's
 * LogCleanerManager.cleanableOffsets / calculateCleanableBytes / maxCompactionDelay and
 * LogToClean; reference transactions-and-compaction.md §3.4).
 *
 * - firstDirtyOffset: the log's entry in cleaner-offset-checkpoint, else the log start offset;
 *   reset to the log start when below it or beyond the log end.
 * - first uncleanable offset: the smallest of the first unstable offset (an open transaction),
 *   the active segment's base, and with min.compaction.lag.ms > 0 the base of the first dirty
 *   segment holding a record younger than the lag; then rounded down to its segment's base.
 * - ratio = dirty bytes / (clean + dirty bytes); needCompactionNow when the earliest first-batch
 *   timestamp of the dirty segments is older than max.compaction.lag.ms.
 */
import type { TopicPartition } from '../../common/topic-partition.js';
import type { Log } from '../log.js';
import type { LogSegment } from '../segment.js';
import { segmentsOverlapping, type CleanJob, type CleanerSegment, type LastRecord } from './cleaner.js';
import type { AbortedTxn } from '../transaction-index.js';

/** What the cleaner needs of a log's transactional state (producer state, `.txnindex` files, LSO). */
export interface CleanerTransactionView {
  /** the first offset of the earliest open transaction, or null */
  firstUnstableOffset(): number | null;
  lastRecordsOfActiveProducers(): ReadonlyArray<readonly [number, LastRecord]>;
  /** aborted transactions overlapping [startOffset, upperBoundOffset), from the segment holding startOffset on */
  collectAbortedTransactions(startOffset: number, upperBoundOffset: number): AbortedTxn[];
}

/** A log without transactions (tests of the plain cleaner). */
export const NO_TRANSACTIONS: CleanerTransactionView = {
  firstUnstableOffset: () => null,
  lastRecordsOfActiveProducers: () => [],
  collectAbortedTransactions: () => [],
};

/** The view from the log's producer state and `.txnindex` files (Kafka's Log methods of the same names). */
export function transactionViewOf(log: Log): CleanerTransactionView {
  return {
    firstUnstableOffset: () => (log.firstUnstableOffset < 0 ? null : log.firstUnstableOffset),
    lastRecordsOfActiveProducers: () =>
      [...log.producerState.activeProducers].map(
        ([producerId, entry]) => [producerId, { lastDataOffset: entry.lastDataOffset >= 0 ? entry.lastDataOffset : null, producerEpoch: entry.producerEpoch }] as const,
      ),
    collectAbortedTransactions: (start, end) => log.collectAbortedTransactions(start, end),
  };
}

export interface LogToClean {
  readonly log: Log;
  readonly tp: TopicPartition;
  readonly firstDirtyOffset: number;
  /** a segment base offset */
  readonly firstUncleanableOffset: number;
  readonly cleanBytes: number;
  readonly cleanableBytes: number;
  readonly totalBytes: number;
  readonly cleanableRatio: number;
  readonly needCompactionNow: boolean;
  /** the checkpointed offset was out of range and firstDirtyOffset was reset to the log start */
  readonly checkpointReset: boolean;
}

export function logToClean(log: Log, checkpointed: number | undefined, now: number, txn: CleanerTransactionView): LogToClean {
  const segments = log.logSegments;
  const { firstDirtyOffset, uncleanableOffset, checkpointReset } = cleanableOffsets(log, segments, checkpointed, now, txn);
  const cleanBytes = sumSizes(segments.filter((s) => s.baseOffset < firstDirtyOffset));
  const active = segments[segments.length - 1]!;
  const firstUncleanableSegment = nonActiveSegmentsFrom(segments, uncleanableOffset)[0] ?? active;
  const firstUncleanableOffset = firstUncleanableSegment.baseOffset;
  const cleanableBytes = sumSizes(segmentsOverlapping(segments, firstDirtyOffset, Math.max(firstDirtyOffset, firstUncleanableOffset)));
  const totalBytes = cleanBytes + cleanableBytes;
  return {
    log,
    tp: log.tp,
    firstDirtyOffset,
    firstUncleanableOffset,
    cleanBytes,
    cleanableBytes,
    totalBytes,
    cleanableRatio: totalBytes === 0 ? 0 : cleanableBytes / totalBytes,
    needCompactionNow: maxCompactionDelay(log, segments, firstDirtyOffset, now) > 0,
    checkpointReset,
  };
}

function cleanableOffsets(
  log: Log,
  segments: readonly LogSegment[],
  checkpointed: number | undefined,
  now: number,
  txn: CleanerTransactionView,
): { firstDirtyOffset: number; uncleanableOffset: number; checkpointReset: boolean } {
  const start = log.logStartOffset;
  const dirty = checkpointed ?? start;
  const checkpointReset = dirty < start || dirty > log.logEndOffset;
  const firstDirtyOffset = checkpointReset ? start : dirty;
  const active = segments[segments.length - 1]!;
  let uncleanable = active.baseOffset;
  const unstable = txn.firstUnstableOffset();
  if (unstable !== null) uncleanable = Math.min(uncleanable, unstable);
  const minLag = Math.max(log.config.minCompactionLagMs, 0);
  if (minLag > 0) {
    const young = nonActiveSegmentsFrom(segments, firstDirtyOffset).find((s) => s.largestTimestamp > now - minLag);
    if (young) uncleanable = Math.min(uncleanable, young.baseOffset);
  }
  return { firstDirtyOffset, uncleanableOffset: Math.max(firstDirtyOffset, uncleanable), checkpointReset };
}

/** How far past max.compaction.lag.ms the oldest dirty segment is (0 = not overdue). */
function maxCompactionDelay(log: Log, segments: readonly LogSegment[], firstDirtyOffset: number, now: number): number {
  const maxLag = Math.max(log.config.maxCompactionLagMs, 0);
  const cleanUntil = now - maxLag;
  if (!Number.isSafeInteger(cleanUntil) || cleanUntil <= 0) return 0;
  let earliest = Number.POSITIVE_INFINITY;
  for (const s of nonActiveSegmentsFrom(segments, firstDirtyOffset)) {
    const ts = s.firstBatchTimestamp;
    if (ts > 0) earliest = Math.min(earliest, ts);
  }
  return earliest < cleanUntil ? cleanUntil - earliest : 0;
}

/** The pass over `ltc` as the worker runs it. */
export function cleanJobFor(ltc: LogToClean, txn: CleanerTransactionView): CleanJob {
  const { log } = ltc;
  const segments = log.logSegments.filter((s) => s.baseOffset < ltc.firstUncleanableOffset);
  const holder = segmentsOverlapping(segments, ltc.firstDirtyOffset, ltc.firstDirtyOffset + 1)[0];
  const config = log.config;
  return {
    dir: log.dir,
    name: `${log.tp.topic}-${log.tp.partition}`,
    segments: segments.map(cleanerSegment),
    firstDirtyOffset: ltc.firstDirtyOffset,
    firstUncleanableOffset: ltc.firstUncleanableOffset,
    dirtyStartPosition: holder ? holder.offsetIndex.lookup(ltc.firstDirtyOffset).position : 0,
    config: {
      segmentBytes: config.segmentBytes,
      segmentIndexBytes: config.segmentIndexBytes,
      indexIntervalBytes: config.indexIntervalBytes,
      maxMessageBytes: config.maxMessageBytes,
      deleteRetentionMs: config.deleteRetentionMs,
    },
    activeProducers: txn.lastRecordsOfActiveProducers(),
    abortedTransactions: segments.length === 0 ? [] : txn.collectAbortedTransactions(segments[0]!.baseOffset, ltc.firstUncleanableOffset),
  };
}

export function cleanerSegment(s: LogSegment): CleanerSegment {
  return { baseOffset: s.baseOffset, size: s.sizeInBytes, offsetIndexBytes: s.offsetIndex.sizeInBytes, timeIndexBytes: s.timeIndex.sizeInBytes };
}

/** Kafka's nonActiveLogSegmentsFrom: from the segment holding `offset` on, without the active one. */
function nonActiveSegmentsFrom(segments: readonly LogSegment[], offset: number): LogSegment[] {
  return segmentsOverlapping(segments, offset, segments[segments.length - 1]!.baseOffset);
}

function sumSizes(segments: readonly LogSegment[]): number {
  return segments.reduce((sum, s) => sum + s.sizeInBytes, 0);
}
