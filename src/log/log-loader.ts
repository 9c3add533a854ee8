/**
 * Loading one partition directory at startup (Kafka 2.7's Log.loadSegments / recoverLog).
 *
 * 1. Left-over temporary files are removed: `.deleted` (a delete that had not finished),
 *    `.cleaned` and `.swap` (an interrupted cleaner swap: no cleaner writes them yet, so the
 *    originals are intact), and index files (`.index`, `.timeindex`, `.txnindex`) with no `.log`
 *    beside them.
 * 2. Every segment is opened; a missing or insane index makes that segment recover (rebuild).
 *    Recovering a segment is the log's `recoverSegment` (Kafka's Log.recoverSegment): producer state
 *    up to the segment first, then the segment's batches, which also rebuild its `.txnindex`.
 * 3. Without a clean shutdown, every segment from the one holding the recovery point on is
 *    recovered; the first one that loses bytes to a torn or corrupt tail ends the log there (all
 *    later segments are deleted). Segments fully below the recovery point are trusted, as in Kafka.
 * 4. If the log ends below the log start offset (files were lost), it is restarted there.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../common/logger.js';
import {
  CLEANED_SUFFIX,
  DELETED_SUFFIX,
  INDEX_SUFFIX,
  LOG_SUFFIX,
  SWAP_SUFFIX,
  TIME_INDEX_SUFFIX,
  TMP_SUFFIX,
  TXN_INDEX_SUFFIX,
  offsetFromFileName,
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
  const bases = removeTempFilesAndListSegments(dir);
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

/** Remove temporary and orphan files; return segment base offsets (sorted) with whether both indexes exist. */
function removeTempFilesAndListSegments(dir: string): Map<number, boolean> {
  const names = readdirSync(dir);
  const logs = new Set<number>();
  const indexes = new Map<number, number>();
  for (const name of names) {
    if ([DELETED_SUFFIX, CLEANED_SUFFIX, SWAP_SUFFIX, TMP_SUFFIX].some((s) => name.endsWith(s))) {
      rmSync(join(dir, name), { force: true });
      continue;
    }
    const base = offsetFromFileName(name);
    if (base === null) continue;
    if (name.endsWith(LOG_SUFFIX)) logs.add(base);
    else if (name.endsWith(INDEX_SUFFIX) || name.endsWith(TIME_INDEX_SUFFIX)) indexes.set(base, (indexes.get(base) ?? 0) + 1);
  }
  for (const name of names) {
    const base = offsetFromFileName(name);
    const isIndex = name.endsWith(INDEX_SUFFIX) || name.endsWith(TIME_INDEX_SUFFIX) || name.endsWith(TXN_INDEX_SUFFIX);
    if (base !== null && isIndex && !logs.has(base)) rmSync(join(dir, name), { force: true });
  }
  const sorted = [...logs].sort((a, b) => a - b);
  return new Map(sorted.map((base) => [base, indexes.get(base) === 2]));
}
