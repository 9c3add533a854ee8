/**
 * Loading one partition directory at startup (Kafka 2.7's Log.loadSegments / recoverLog).
 *
 * 1. Left-over temporary files (Log.removeTempFilesAndCollectSwapFiles): `.deleted` (a delete
 *    that had not finished) and `.tmp` files are removed; `.cleaned` files (a cleaned segment not
 *    yet swapped in: the originals are intact) are removed; a `.swap` index file removes the
 *    ordinary index files of its base offset (they are rebuilt). A `.swap` log file is a cleaned
 *    segment whose swap was interrupted: if its base offset is at or above the smallest `.cleaned`
 *    base offset it belongs to an unfinished rename sequence and is removed (KAFKA-6264), else
 *    the swap is completed (Log.completeSwapOperations): the segments the swap segment replaces
 *    (base offsets in [swap base, swap next offset)) are renamed `.deleted`,
 *    the swap files take their final names, and the `.deleted` files are removed. Each step is a
 *    rename, so a crash during recovery leaves a state this same procedure finishes.
 *    Index files (`.index`, `.timeindex`, `.txnindex`) with no `.log` beside them are removed.
 * 2. Every segment is opened; a missing or insane index makes that segment recover (rebuild).
 *    Recovering a segment is the log's `recoverSegment` (Kafka's Log.recoverSegment): producer state
 *    up to the segment first, then the segment's batches, which also rebuild its `.txnindex`.
 * 3. Without a clean shutdown, every segment from the one holding the recovery point on is
 *    recovered; the first one that loses bytes to a torn or corrupt tail ends the log there (all
 *    later segments are deleted). Segments fully below the recovery point are trusted, as in Kafka.
 * 4. If the log ends below the log start offset (files were lost), it is restarted there.
 */
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../common/logger.js';
import {
  CLEANED_SUFFIX,
  DELETED_SUFFIX,
  INDEX_SUFFIX,
  LOG_SUFFIX,
  SEGMENT_FILE_SUFFIXES,
  SWAP_SUFFIX,
  TIME_INDEX_SUFFIX,
  TMP_SUFFIX,
  parseSegmentFileName,
  segmentFile,
} from './log-file-names.js';
import { LogSegment, type SegmentContext } from './segment.js';

export interface LoadOptions {
  readonly recoveryPoint: number;
  readonly logStartOffset: number;
  readonly hadCleanShutdown: boolean;
  /** Recovers `segment` (whose predecessors are `earlier`); returns the bytes truncated. */
  readonly recoverSegment: (segment: LogSegment, earlier: readonly LogSegment[]) => number;
  readonly logger: Logger | undefined;
}

export interface LoadedSegments {
  readonly segments: LogSegment[];
  readonly recoveryPoint: number;
}

export function loadSegments(dir: string, ctx: SegmentContext, opts: LoadOptions): LoadedSegments {
  const bases = removeTempFilesAndCompleteSwaps(dir, ctx, opts.logger);
  const segments: LogSegment[] = [];
  const recovered = new Set<LogSegment>();
  for (const [base, indexesExist] of bases) {
    const { segment, indexProblem } = LogSegment.open(dir, base, ctx, indexesExist);
    if (indexProblem) {
      opts.logger?.warn({ segment: segment.file, problem: indexProblem }, 'rebuilding the indexes of a segment');
      opts.recoverSegment(segment, segments);
      recovered.add(segment);
    }
    segments.push(segment);
  }
  let recoveryPoint = opts.recoveryPoint;
  if (!opts.hadCleanShutdown) recoverUnflushed(segments, recovered, recoveryPoint, opts);
  const last = segments[segments.length - 1];
  const logEndOffset = last ? last.nextOffset : opts.logStartOffset;
  if (segments.length > 0 && logEndOffset < opts.logStartOffset) {
    opts.logger?.warn({ logEndOffset, logStartOffset: opts.logStartOffset }, 'log ends below its start offset; deleting all segments');
    for (const segment of segments.splice(0)) segment.deleteFiles();
  }
  if (segments.length === 0) segments.push(LogSegment.create(dir, opts.logStartOffset, ctx));
  const active = segments[segments.length - 1] as LogSegment;
  active.resizeIndexes();
  recoveryPoint = opts.hadCleanShutdown ? active.nextOffset : Math.min(recoveryPoint, active.nextOffset);
  return { segments, recoveryPoint };
}

/** Recover from the segment holding the recovery point on; a truncated segment ends the log. */
function recoverUnflushed(segments: LogSegment[], recovered: Set<LogSegment>, recoveryPoint: number, opts: LoadOptions): void {
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as LogSegment;
    const next = segments[i + 1];
    const isUnflushed = next === undefined || next.baseOffset > recoveryPoint;
    if (!isUnflushed) continue;
    const truncated = recovered.has(segment) ? 0 : opts.recoverSegment(segment, segments.slice(0, i));
    if (truncated > 0) {
      opts.logger?.warn({ segment: segment.file, truncatedBytes: truncated }, 'truncated a corrupt or torn log tail');
      for (const later of segments.splice(i + 1)) later.deleteFiles();
      return;
    }
  }
}

/**
 * Step 1 of the header. Returns the segment base offsets (sorted) with whether both of their
 * indexes exist.
 */
function removeTempFilesAndCompleteSwaps(dir: string, ctx: SegmentContext, logger: Logger | undefined): Map<number, boolean> {
  const remove = (name: string): void => rmSync(join(dir, name), { force: true });
  const logs = new Set<number>();
  const swapLogs: number[] = [];
  let minCleaned = Number.POSITIVE_INFINITY;
  for (const name of readdirSync(dir)) {
    if (name.endsWith(TMP_SUFFIX)) {
      remove(name);
      continue;
    }
    const file = parseSegmentFileName(name);
    if (file === null) continue;
    if (file.suffix === DELETED_SUFFIX) {
      remove(name);
    } else if (file.suffix === CLEANED_SUFFIX) {
      minCleaned = Math.min(minCleaned, file.baseOffset);
      remove(name);
    } else if (file.suffix === SWAP_SUFFIX) {
      logger?.info({ file: name }, 'found a file of an interrupted swap');
      removeIndexFiles(dir, file.baseOffset, '');
      if (file.kind === LOG_SUFFIX) swapLogs.push(file.baseOffset);
    } else if (file.kind === LOG_SUFFIX) {
      logs.add(file.baseOffset);
    }
  }
  for (const base of swapLogs.sort((a, b) => a - b)) {
    if (base >= minCleaned) {
      logger?.info({ baseOffset: base, minCleaned }, 'removing a swap file of an unfinished rename sequence');
      removeSegmentFiles(dir, base, SWAP_SUFFIX);
      continue;
    }
    completeSwap(dir, base, ctx, logs, logger);
  }
  const indexCounts = new Map<number, number>();
  for (const name of readdirSync(dir)) {
    const file = parseSegmentFileName(name);
    if (file === null || file.kind === LOG_SUFFIX) continue;
    // Index files of interrupted swaps (their log already renamed or gone) and orphans.
    if (file.suffix !== '' || !logs.has(file.baseOffset)) {
      remove(name);
      continue;
    }
    if (file.kind === INDEX_SUFFIX || file.kind === TIME_INDEX_SUFFIX) indexCounts.set(file.baseOffset, (indexCounts.get(file.baseOffset) ?? 0) + 1);
  }
  const sorted = [...logs].sort((a, b) => a - b);
  return new Map(sorted.map((base) => [base, indexCounts.get(base) === 2]));
}

/**
 * Finish Kafka's replaceSegments for a `.swap` log found at startup (steps 3–4, then the delete).
 * The swap segment was flushed before it was renamed `.swap`, so its files are whole; if its
 * indexes fail their checks they are removed and rebuilt when the log opens it (with its
 * `.txnindex`, from the log's own recovery).
 */
function completeSwap(dir: string, base: number, ctx: SegmentContext, logs: Set<number>, logger: Logger | undefined): void {
  const { segment, indexProblem } = LogSegment.open(dir, base, ctx, true, SWAP_SUFFIX);
  const end = Math.max(segment.nextOffset, base + 1);
  const replaced = [...logs].filter((b) => b >= base && b < end).sort((a, b) => a - b);
  for (const old of replaced) {
    for (const kind of SEGMENT_FILE_SUFFIXES) renameIfExists(segmentFile(dir, old, kind), segmentFile(dir, old, kind) + DELETED_SUFFIX);
  }
  segment.changeFileSuffixes(SWAP_SUFFIX, '');
  segment.close();
  if (indexProblem) removeIndexFiles(dir, base, '');
  for (const old of replaced) {
    removeSegmentFiles(dir, old, DELETED_SUFFIX);
    logs.delete(old);
  }
  logs.add(base);
  logger?.info({ baseOffset: base, nextOffset: segment.nextOffset, replaced, indexProblem }, 'completed an interrupted swap');
}

function removeIndexFiles(dir: string, base: number, suffix: string): void {
  for (const kind of SEGMENT_FILE_SUFFIXES) if (kind !== LOG_SUFFIX) rmSync(segmentFile(dir, base, kind) + suffix, { force: true });
}

function removeSegmentFiles(dir: string, base: number, suffix: string): void {
  for (const kind of SEGMENT_FILE_SUFFIXES) rmSync(segmentFile(dir, base, kind) + suffix, { force: true });
}

function renameIfExists(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
