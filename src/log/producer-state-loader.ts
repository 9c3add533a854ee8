/**
 * Rebuilding a partition's producer state from its snapshot files and segments (Kafka 2.7
 * Log.rebuildProducerState / loadProducersFromLog / LogSegment.recover; transactions-and-compaction.md
 * §1.7). Used at log load (up to the log end), after a truncation (up to the new end) and for each
 * segment recovered after an unclean shutdown (up to its base offset).
 *
 * - No snapshot at all after a clean shutdown (a log written before producer state existed, or one
 *   never written by an idempotent producer): no scan; empty snapshots are written at the base offsets
 *   of the last two segments and at the end, so the next load starts from them.
 * - Otherwise the newest snapshot at or below the end is loaded (bad ones deleted) and only the
 *   batches after it are replayed, as replication-origin appends; snapshots are taken at the base
 *   offsets of the last two segments on the way and at the end.
 * - A state that was empty and already ends at or past the target (truncating a log no producer id
 *   ever wrote to) is left alone: plain topics never rescan.
 * Replay reads batch headers only (data batches) or the one control record (markers).
 */
import { ATTR_CONTROL, ATTRIBUTES, PRODUCER_ID } from '../protocol/records/batch-layout.js';
import { readSafeInt64, type BatchCursor } from './batch-cursor.js';
import { ProducerAppendAnalysis, type ProducerStateManager } from './producer-state-manager.js';
import type { AbortedTxn } from './transaction-index.js';
import type { LogSegment } from './segment.js';

export interface RebuildTarget {
  /** the offset the state must end at */
  readonly lastOffset: number;
  readonly logStartOffset: number;
  readonly reloadFromCleanShutdown: boolean;
  readonly nowMs: number;
}

/** Returns how many batches were replayed from the segments. */
export function rebuildProducerState(manager: ProducerStateManager, segments: readonly LogSegment[], target: RebuildTarget): number {
  const { lastOffset, logStartOffset } = target;
  const last = segments[segments.length - 1];
  const offsetsToSnapshot = new Set<number>([lastOffset]);
  if (last) offsetsToSnapshot.add(last.baseOffset);
  const secondLast = segments[segments.length - 2];
  if (secondLast) offsetsToSnapshot.add(secondLast.baseOffset);

  if (manager.latestSnapshotOffset === undefined && target.reloadFromCleanShutdown) {
    for (const offset of [...offsetsToSnapshot].sort((a, b) => a - b)) {
      manager.updateMapEndOffset(offset);
      manager.takeSnapshot();
    }
    return 0;
  }
  const isEmptyBeforeTruncation = manager.isEmpty && manager.mapEndOffset >= lastOffset;
  manager.truncateAndReload(logStartOffset, lastOffset, target.nowMs);
  let replayed = 0;
  if (lastOffset > manager.mapEndOffset && !isEmptyBeforeTruncation) {
    for (const segment of segments) {
      if (segment.nextOffset <= manager.mapEndOffset || segment.baseOffset >= lastOffset) continue;
      const startOffset = Math.max(segment.baseOffset, manager.mapEndOffset, logStartOffset);
      manager.updateMapEndOffset(startOffset);
      if (offsetsToSnapshot.has(segment.baseOffset)) manager.takeSnapshot();
      replayed += replaySegment(manager, segment, startOffset, lastOffset);
    }
  }
  manager.updateMapEndOffset(lastOffset);
  manager.takeSnapshot();
  return replayed;
}

/** Replays the batches of `segment` with offsets in [startOffset, endOffset) into the state. */
function replaySegment(manager: ProducerStateManager, segment: LogSegment, startOffset: number, endOffset: number): number {
  const analysis = new ProducerAppendAnalysis();
  let replayed = 0;
  segment.forEachBatch((cursor) => {
    if (cursor.lastOffset < startOffset || cursor.lastOffset >= endOffset) return;
    replayed++;
    stageFromCursor(manager, analysis, cursor);
  }, startOffset);
  manager.applyAppend(analysis);
  return replayed;
}

export interface SegmentRecovery {
  /** a fresh manager for this recovery (Kafka builds one per recovered segment) */
  readonly state: ProducerStateManager;
  readonly logStartOffset: number;
  readonly nowMs: number;
  /** also shown every batch recovery keeps (the leader-epoch cache) */
  readonly onBatch: (cursor: BatchCursor) => void;
}

/**
 * Recovers `segment` (whose predecessors are `earlier`): the state is rebuilt up to its base, then every batch
 * the recovery keeps is applied at once, aborted transactions going to the segment's `.txnindex`; a snapshot at
 * its end spares the next segment's recovery (or the load after) a replay.
 */
export function recoverSegmentWithProducerState(segment: LogSegment, earlier: readonly LogSegment[], r: SegmentRecovery): { truncated: number; replayed: number } {
  const state = r.state;
  const replayed = rebuildProducerState(state, earlier, { lastOffset: segment.baseOffset, logStartOffset: r.logStartOffset, reloadFromCleanShutdown: false, nowMs: r.nowMs });
  const indexAbort = (txn: AbortedTxn) => segment.appendAbortedTxn(txn);
  const truncated = segment.recover((cursor) => {
    r.onBatch(cursor);
    const analysis = new ProducerAppendAnalysis();
    if (stageFromCursor(state, analysis, cursor)) state.applyAppend(analysis, indexAbort);
    state.updateMapEndOffset(cursor.lastOffset + 1);
  });
  state.takeSnapshot();
  return { truncated, replayed };
}

function stageFromCursor(manager: ProducerStateManager, analysis: ProducerAppendAnalysis, cursor: BatchCursor): boolean {
  const header = cursor.header();
  if (!(readSafeInt64(header, PRODUCER_ID) >= 0)) return false;
  const bytes = (header.readInt16BE(ATTRIBUTES) & ATTR_CONTROL) !== 0 ? cursor.batchBytes() : header;
  return manager.stageBatch(analysis, bytes, 0, cursor.size, 'replication');
}
