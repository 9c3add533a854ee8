/**
 * Which compacted log to clean next, and the cleaner's state per partition (Kafka's
 * LogCleanerManager; reference transactions-and-compaction.md §3.4, §3.8).
 *
 * - grabFilthiestCompactedLog: among the compacted, online logs not being cleaned and not marked
 *   uncleanable, with bytes: those whose dirty ratio is above min.cleanable.dirty.ratio (strictly)
 *   or that are overdue per max.compaction.lag.ms with dirty bytes; the highest ratio wins and is
 *   marked in progress.
 * - cleaner-offset-checkpoint, one per log dir, in Kafka's checkpoint format (`0`, count,
 *   `topic partition offset` lines; temp file, fsync, rename): the first dirty offset of each
 *   compacted partition. Written after each successful pass; lowered when a partition is
 *   truncated below it; an entry is dropped when its partition is deleted.
 * - A pass that fails (not one that is abandoned) marks the partition uncleanable until the
 *   broker restarts: no more cleaning and no more retention for it, as in Kafka.
 * - Deletion (retention) of compacted logs is the cleaner's too; a log being cleaned is never
 *   retention-deleted at the same time.
 */
import { join } from 'node:path';
import type { Logger } from '../../common/logger.js';
import { tpKey, type TopicPartition } from '../../common/topic-partition.js';
import { CheckpointFile, OffsetCheckpointFormat, type TopicPartitionOffset } from '../checkpoint.js';
import { isCompacted } from '../log-config.js';
import { CLEANER_OFFSET_CHECKPOINT } from '../log-file-names.js';
import type { Log } from '../log.js';
import { logToClean, type CleanerTransactionView, type LogToClean } from './log-to-clean.js';

type CleaningState = 'cleaning' | 'aborted' | 'deleting';

export interface LogCleanerManagerOptions {
  /** the online logs */
  readonly logs: () => readonly Log[];
  readonly logDirOf: (log: Log) => string;
  readonly transactionView: (log: Log) => CleanerTransactionView;
  readonly logger?: Logger;
  /** a checkpoint file could not be written: the dir is failing */
  readonly onDirFailure?: (dir: string, err: unknown) => void;
}

export class LogCleanerManager {
  private readonly inProgress = new Map<string, CleaningState>();
  private readonly uncleanable = new Set<string>();
  /** log dir → tpKey → first dirty offset */
  private readonly checkpoints = new Map<string, Map<string, TopicPartitionOffset>>();

  constructor(private readonly opts: LogCleanerManagerOptions) {}

  /** The filthiest cleanable log, now marked in progress; null when none is worth a pass. */
  grabFilthiestCompactedLog(now: number): LogToClean | null {
    let best: LogToClean | null = null;
    for (const log of this.opts.logs()) {
      const key = tpKey(log.tp);
      if (!isCompacted(log.config) || log.isOffline || this.inProgress.has(key) || this.uncleanable.has(key)) continue;
      const dir = this.opts.logDirOf(log);
      const ltc = logToClean(log, this.checkpointsOf(dir).get(key)?.offset, now, this.opts.transactionView(log));
      if (ltc.checkpointReset && !log.config.cleanupPolicy.includes('delete')) {
        this.opts.logger?.warn({ tp: key, logStartOffset: log.logStartOffset }, 'resetting the first dirty offset to the log start offset');
      }
      if (ltc.totalBytes === 0) continue;
      const cleanable = (ltc.needCompactionNow && ltc.cleanableBytes > 0) || ltc.cleanableRatio > log.config.minCleanableDirtyRatio;
      if (cleanable && (best === null || ltc.cleanableRatio > best.cleanableRatio)) best = ltc;
    }
    if (best) this.inProgress.set(tpKey(best.tp), 'cleaning');
    return best;
  }

  isInProgress(tp: TopicPartition): boolean {
    return this.inProgress.has(tpKey(tp));
  }

  isAborted(tp: TopicPartition): boolean {
    return this.inProgress.get(tpKey(tp)) === 'aborted';
  }

  /** Truncation, deletion or shutdown: a pass in progress must not be swapped in. True if one was. */
  abortCleaning(tp: TopicPartition): boolean {
    const key = tpKey(tp);
    if (this.inProgress.get(key) !== 'cleaning') return false;
    this.inProgress.set(key, 'aborted');
    return true;
  }

  /** A pass ended: record its end offset unless it was abandoned. */
  doneCleaning(log: Log, endOffset: number | null): void {
    const key = tpKey(log.tp);
    const state = this.inProgress.get(key);
    this.inProgress.delete(key);
    if (state === 'cleaning' && endOffset !== null) this.updateCheckpoint(this.opts.logDirOf(log), log.tp, endOffset);
  }

  markUncleanable(log: Log): void {
    this.uncleanable.add(tpKey(log.tp));
    this.inProgress.delete(tpKey(log.tp));
  }

  isUncleanable(tp: TopicPartition): boolean {
    return this.uncleanable.has(tpKey(tp));
  }

  /** Compacted logs the cleaner may run retention on now; they are marked until doneDeleting. */
  deletableLogs(): Log[] {
    const logs = this.opts.logs().filter((l) => {
      const key = tpKey(l.tp);
      return isCompacted(l.config) && !l.isOffline && !this.inProgress.has(key) && !this.uncleanable.has(key);
    });
    for (const l of logs) this.inProgress.set(tpKey(l.tp), 'deleting');
    return logs;
  }

  doneDeleting(logs: readonly Log[]): void {
    for (const l of logs) if (this.inProgress.get(tpKey(l.tp)) === 'deleting') this.inProgress.delete(tpKey(l.tp));
  }

  /** The checkpointed first dirty offset (tests, tools). */
  checkpointOf(dir: string, tp: TopicPartition): number | undefined {
    return this.checkpointsOf(dir).get(tpKey(tp))?.offset;
  }

  /** Kafka's maybeTruncateCheckpoint: a partition truncated below its entry gets the new end. */
  maybeTruncateCheckpoint(dir: string, tp: TopicPartition, offset: number): void {
    const current = this.checkpointsOf(dir).get(tpKey(tp));
    if (current && current.offset > offset) this.updateCheckpoint(dir, tp, offset);
  }

  /** The partition left this dir (deleted): drop its entry and forget its state. */
  removePartition(dir: string, tp: TopicPartition): void {
    const key = tpKey(tp);
    this.uncleanable.delete(key);
    const entries = this.checkpointsOf(dir);
    if (entries.delete(key)) this.writeCheckpoint(dir, entries);
  }

  private updateCheckpoint(dir: string, tp: TopicPartition, offset: number): void {
    const entries = this.checkpointsOf(dir);
    entries.set(tpKey(tp), { topic: tp.topic, partition: tp.partition, offset });
    this.writeCheckpoint(dir, entries);
  }

  private writeCheckpoint(dir: string, entries: Map<string, TopicPartitionOffset>): void {
    // Entries of partitions no longer in this dir go (Kafka filters on the dir's current logs).
    const here = new Set(this.opts.logs().filter((l) => this.opts.logDirOf(l) === dir).map((l) => tpKey(l.tp)));
    for (const key of [...entries.keys()]) if (!here.has(key)) entries.delete(key);
    try {
      new CheckpointFile(join(dir, CLEANER_OFFSET_CHECKPOINT), OffsetCheckpointFormat).write([...entries.values()]);
    } catch (err) {
      this.opts.onDirFailure?.(dir, err);
    }
  }

  private checkpointsOf(dir: string): Map<string, TopicPartitionOffset> {
    let entries = this.checkpoints.get(dir);
    if (!entries) {
      entries = new Map();
      try {
        for (const e of new CheckpointFile(join(dir, CLEANER_OFFSET_CHECKPOINT), OffsetCheckpointFormat).read()) entries.set(tpKey(e), e);
      } catch (err) {
        this.opts.logger?.warn({ err, dir }, 'unreadable cleaner-offset-checkpoint; every compacted log is dirty from its start');
      }
      this.checkpoints.set(dir, entries);
    }
    return entries;
  }
}
