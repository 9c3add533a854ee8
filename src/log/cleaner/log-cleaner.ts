/**
 * The log cleaner (Kafka's LogCleaner): log.cleaner.threads loops, each owning one worker thread
 * (cleaner-thread.ts). A loop takes the filthiest compacted log (LogCleanerManager), has its
 * worker clean it while the broker keeps serving, swaps each cleaned group in on the broker thread
 * (Log.replaceSegments) and records the pass's end in cleaner-offset-checkpoint; then it runs
 * retention for every compacted log not being cleaned (Kafka's cleaner threads own that too),
 * and sleeps log.cleaner.backoff.ms when there was nothing to clean.
 *
 * A pass is abandoned — its `.cleaned` files removed, its checkpoint untouched — when the log is
 * truncated or deleted meanwhile, or on shutdown. A pass that fails otherwise marks the partition
 * uncleanable until restart (logged as an error), as Kafka does.
 *
 * The log.cleaner.* keys Kafka 2.7 reconfigures at runtime (threads, dedupe and io buffers, load factor,
 * io rate, backoff) restart the threads with the new values, as Kafka's LogCleaner.reconfigure does:
 * passes in progress are abandoned and taken up again by the new threads; the checkpoints and the
 * uncleanable set live on in the manager. Topic configs (cleanup.policy,
 * min.cleanable.dirty.ratio, delete.retention.ms, min/max.compaction.lag.ms, segment.*) are read
 * from each log's current config at every round, so changes through /config/changes apply at the
 * next round.
 */
import type { Clock, Timer } from '../../common/clock.js';
import type { Logger } from '../../common/logger.js';
import { tpKey, type TopicPartition } from '../../common/topic-partition.js';
import type { Log } from '../log.js';
import { BYTES_PER_ENTRY } from './offset-map.js';
import { CleaningAbortedError, type CleanedGroup, type CleanerStats } from './cleaner.js';
import { CleanerThread } from './cleaner-thread.js';
import { crashPoint } from './crash-points.js';
import { LogCleanerManager, type LogCleanerManagerOptions } from './log-cleaner-manager.js';
import { cleanJobFor, transactionViewOf } from './log-to-clean.js';

export interface CleanerConfig {
  /** log.cleaner.enable */
  readonly enable: boolean;
  /** log.cleaner.threads */
  readonly threads: number;
  /** log.cleaner.dedupe.buffer.size (all threads) */
  readonly dedupeBufferSize: number;
  /** log.cleaner.io.buffer.size (all threads) */
  readonly ioBufferSize: number;
  /** log.cleaner.io.buffer.load.factor */
  readonly loadFactor: number;
  /** log.cleaner.backoff.ms */
  readonly backoffMs: number;
  /** log.cleaner.io.max.bytes.per.second */
  readonly maxIoBytesPerSecond: number;
}

export const DEFAULT_CLEANER_CONFIG: CleanerConfig = Object.freeze({
  enable: true,
  threads: 1,
  dedupeBufferSize: 128 * 1024 * 1024,
  ioBufferSize: 512 * 1024,
  loadFactor: 0.9,
  backoffMs: 15_000,
  maxIoBytesPerSecond: Number.POSITIVE_INFINITY,
});

const INT_MAX = 0x7fffffff;
const MB = 1024 * 1024;

export interface LogCleanerOptions extends Omit<LogCleanerManagerOptions, 'transactionView'> {
  readonly config: CleanerConfig;
  readonly clock: Clock;
  readonly transactionView?: LogCleanerManagerOptions['transactionView'];
}

/**
 * Kafka's LogCleaner.validateReconfiguration: the thread count may at most halve or double in one
 * change, and the dedupe buffer must hold at least one entry per thread. Null when `next` is valid.
 */
export function cleanerReconfigurationError(current: CleanerConfig, next: CleanerConfig): string | null {
  if (next.threads < 1) return 'Log cleaner threads should be at least 1';
  if (next.threads < current.threads / 2) return `Log cleaner threads cannot be reduced to less than half the current value ${current.threads}`;
  if (next.threads > current.threads * 2) return `Log cleaner threads cannot be increased to more than double the current value ${current.threads}`;
  return dedupeBufferError(next);
}

function mapMemoryOf(config: CleanerConfig): number {
  return Math.min(Math.floor(config.dedupeBufferSize / Math.max(1, config.threads)), INT_MAX);
}

function dedupeBufferError(config: CleanerConfig): string | null {
  if (config.threads > 0 && Math.floor(mapMemoryOf(config) / BYTES_PER_ENTRY) * config.loadFactor <= 1) {
    return (
      'log.cleaner.dedupe.buffer.size is too small to fit in even a single message, so log cleaning will never make progress; ' +
      'increase log.cleaner.dedupe.buffer.size or decrease log.cleaner.threads'
    );
  }
  return null;
}

function cleanerThreads(config: CleanerConfig): CleanerThread[] {
  const mapMemory = mapMemoryOf(config);
  const ioBufferSize = Math.floor(config.ioBufferSize / Math.max(1, config.threads));
  return Array.from(
    { length: config.threads },
    (_, id) => new CleanerThread(id, { mapMemory, loadFactor: config.loadFactor, ioBufferSize, maxIoBytesPerSecond: config.maxIoBytesPerSecond }),
  );
}

export class LogCleaner {
  readonly manager: LogCleanerManager;
  private config: CleanerConfig;
  private threads: CleanerThread[];
  private readonly busy = new Map<string, { tp: TopicPartition; thread: CleanerThread }>();
  private readonly sleeping = new Set<{ timer: Timer; wake: () => void }>();
  private readonly loops: Promise<void>[] = [];
  private running = false;
  private stopped = false;
  private reconfiguring: Promise<void> = Promise.resolve();

  constructor(private readonly opts: LogCleanerOptions) {
    this.config = opts.config;
    this.manager = new LogCleanerManager({ ...opts, transactionView: opts.transactionView ?? transactionViewOf });
    const error = dedupeBufferError(this.config);
    if (error) throw new Error(error);
    this.threads = cleanerThreads(this.config);
  }

  /** The configuration the threads run with now. */
  get currentConfig(): CleanerConfig {
    return this.config;
  }

  startup(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    for (const thread of this.threads) this.loops.push(this.loop(thread));
    this.opts.logger?.info({ threads: this.threads.length }, 'log cleaner started');
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.stopThreads();
  }

  /**
   * Apply new log.cleaner.* values: stop the threads (abandoning passes in progress) and start new
   * ones. Throws, changing nothing, when cleanerReconfigurationError refuses `config`.
   */
  reconfigure(config: CleanerConfig): Promise<void> {
    // one at a time: two overlapping restarts would each start threads and leave one set running
    const next = this.reconfiguring.then(async () => {
      const error = cleanerReconfigurationError(this.config, config);
      if (error) throw new Error(error);
      const wasRunning = this.running;
      await this.stopThreads();
      this.config = config;
      this.threads = cleanerThreads(config);
      this.opts.logger?.info({ threads: config.threads, dedupeBufferSize: config.dedupeBufferSize, backoffMs: config.backoffMs }, 'log cleaner reconfigured');
      if (wasRunning) this.startup();
    });
    this.reconfiguring = next.catch(() => undefined);
    return next;
  }

  private async stopThreads(): Promise<void> {
    this.running = false;
    for (const s of this.sleeping) {
      s.timer.cancel();
      s.wake();
    }
    for (const { tp } of this.busy.values()) this.manager.abortCleaning(tp);
    await Promise.all(this.threads.map((t) => t.shutdown()));
    await Promise.all(this.loops.splice(0));
  }

  /** Whether a pass or the cleaner's retention is working on this partition now. */
  isCleaning(tp: TopicPartition): boolean {
    return this.manager.isInProgress(tp);
  }

  /** Abandon a pass in progress on `tp` (deletion, truncation). */
  abortCleaning(tp: TopicPartition): void {
    if (this.manager.abortCleaning(tp)) this.busy.get(tpKey(tp))?.thread.abort();
  }

  /** Truncation: abandon the pass and lower the checkpoint if it is past the new end (Kafka's truncateTo). */
  onTruncate(log: Log, logEndOffset: number): void {
    this.abortCleaning(log.tp);
    this.manager.maybeTruncateCheckpoint(this.opts.logDirOf(log), log.tp, logEndOffset);
  }

  /** Deletion: abandon the pass and drop the partition's checkpoint entry. */
  onDelete(log: Log, dir: string): void {
    this.abortCleaning(log.tp);
    this.manager.removePartition(dir, log.tp);
  }

  private async loop(thread: CleanerThread): Promise<void> {
    while (this.running) {
      let cleaned = false;
      try {
        cleaned = await this.tryCleanFilthiestLog(thread);
        this.deleteOldSegments();
      } catch (err) {
        this.opts.logger?.error({ err, thread: thread.id }, 'log cleaner round failed');
      }
      if (!cleaned && this.running) await this.sleep(this.config.backoffMs);
    }
  }

  /** One pass on the filthiest log, if any; true when a log was taken. */
  private async tryCleanFilthiestLog(thread: CleanerThread): Promise<boolean> {
    const ltc = this.manager.grabFilthiestCompactedLog(this.opts.clock.now());
    if (!ltc) return false;
    const { log } = ltc;
    const key = tpKey(log.tp);
    const truncations = log.truncations;
    const transactions = (this.opts.transactionView ?? transactionViewOf)(log);
    this.busy.set(key, { tp: log.tp, thread });
    try {
      const result = await thread.run(cleanJobFor(ltc, transactions), (group) => this.swap(log, truncations, group));
      this.manager.doneCleaning(log, result.endOffset);
      this.logStats(log, ltc.firstDirtyOffset, result.endOffset, result.stats);
    } catch (err) {
      if (err instanceof CleaningAbortedError || this.manager.isAborted(log.tp) || log.truncations !== truncations || !this.running) {
        this.opts.logger?.info({ tp: key }, 'log cleaning aborted');
        this.manager.doneCleaning(log, null);
      } else {
        this.opts.logger?.error({ err, tp: key }, 'unexpected error while cleaning; the partition is uncleanable until restart');
        this.manager.markUncleanable(log);
      }
    } finally {
      this.busy.delete(key);
    }
    return true;
  }

  /** Swap a cleaned group in, on the broker thread; false abandons the pass. */
  private swap(log: Log, truncations: number, group: CleanedGroup): boolean {
    if (!this.running || log.isOffline || log.truncations !== truncations || this.manager.isAborted(log.tp)) return false;
    const old = log.logSegments.filter((s) => group.sources.includes(s.baseOffset));
    if (old.length !== group.sources.length || old.some((s) => s.baseOffset === log.logSegments.at(-1)?.baseOffset)) return false;
    const topic = log.tp.topic;
    try {
      crashPoint('cleaned', topic);
      log.replaceSegments(group.baseOffset, old, (step) => crashPoint(step, topic));
      return true;
    } catch (err) {
      this.opts.logger?.error({ err, tp: tpKey(log.tp) }, 'swapping a cleaned segment in failed');
      return false;
    }
  }

  /** Retention of compacted logs (Kafka's cleaner threads run it after every attempt). */
  private deleteOldSegments(): void {
    const deletable = this.manager.deletableLogs();
    try {
      for (const log of deletable) {
        try {
          log.deleteOldSegments();
        } catch (err) {
          this.opts.logger?.error({ err, tp: tpKey(log.tp) }, 'retention of a compacted log failed');
        }
      }
    } finally {
      this.manager.doneDeleting(deletable);
    }
  }

  private logStats(log: Log, from: number, to: number, s: CleanerStats): void {
    const seconds = Math.max(s.endMs - s.startMs, 1) / 1000;
    const mapSeconds = Math.max(s.mapDoneMs - s.startMs, 1) / 1000;
    this.opts.logger?.info(
      {
        tp: tpKey(log.tp),
        dirtySection: [from, to],
        mbProcessed: +((s.mapBytesRead + s.bytesRead) / MB).toFixed(3),
        seconds,
        mbPerSec: +((s.mapBytesRead + s.bytesRead) / MB / seconds).toFixed(2),
        indexedMb: +(s.mapBytesRead / MB).toFixed(3),
        indexSeconds: mapSeconds,
        bytesRead: s.bytesRead,
        bytesWritten: s.bytesWritten,
        messagesRead: s.messagesRead,
        messagesWritten: s.messagesWritten,
        invalidMessages: s.invalidMessages,
        groups: s.groups,
        bufferUtilization: +s.bufferUtilization.toFixed(4),
      },
      'log cleaner cleaned a log',
    );
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: this.opts.clock.setTimeout(() => {
          this.sleeping.delete(entry);
          resolve();
        }, ms),
        wake: resolve,
      };
      this.sleeping.add(entry);
    });
  }
}
