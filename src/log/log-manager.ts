/**
 * The broker's logs across its log dirs (Kafka's LogManager).
 *
 * Behavior:
 * - startup: per log dir, remove `-delete` leftovers, read recovery-point-offset-checkpoint and
 *   log-start-offset-checkpoint, open every `<topic>-<partition>` directory (recovering it unless
 *   `.kafka_cleanshutdown` is present), then remove the marker;
 * - new partitions go to the online dir with the fewest partitions;
 * - scheduled on the injected clock: retention (log.retention.check.interval.ms), recovery-point
 *   and log-start checkpoints (log.flush.offset.checkpoint.interval.ms,
 *   log.flush.start.offset.checkpoint.interval.ms; after the recovery-point one, producer snapshots
 *   no recovery can need are deleted), flush.ms checks (log.flush.scheduler.interval.ms), producer-id
 *   expiry (producer.id.expiration.check.interval.ms, transactional.id.expiration.ms);
 * - shutdown: flush, close, write checkpoints, write the clean-shutdown marker;
 * - an I/O error in a log marks its whole dir offline (KIP-112), reported via onLogDirFailure;
 * - replica moves between log dirs (AlterReplicaLogDirs, KIP-113): a *future* log
 *   `<topic>-<partition>.<uuid>-future` in the destination dir is filled by the caller and, once
 *   caught up, swapped in: the current dir is renamed `-delete` (removed later), the future dir
 *   renamed `<topic>-<partition>` and reopened as the log. A preferred dir recorded for a partition
 *   without a log here is where its log is created. Future dirs found at startup (a move cut short
 *   by a shutdown) are removed: the move has to be asked for again (Kafka would resume it).
 * - every open file of every log goes through one bounded FileHandlePool;
 * - with log.cleaner.enable the LogCleaner (cleaner/) compacts the logs whose cleanup.policy has
 *   `compact` and runs their retention; the retention task then skips them (with the cleaner
 *   disabled they are never retention-deleted either, as in Kafka). Truncation and deletion of a
 *   log abandon its cleaning pass and adjust cleaner-offset-checkpoint.
 * replication-offset-checkpoint (high watermarks) is owned by the partition layer, which calls
 * checkpointHighWatermarks / readHighWatermarks.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Clock, Timer } from '../common/clock.js';
import { childLogger, type Logger } from '../common/logger.js';
import { tpKey, type TopicPartition } from '../common/topic-partition.js';
import { CheckpointFile, OffsetCheckpointFormat, type TopicPartitionOffset } from './checkpoint.js';
import { FileHandlePool } from './file-handle-pool.js';
import { LogCleaner, type CleanerConfig } from './cleaner/log-cleaner.js';
import { DEFAULT_LOG_CONFIG, LONG_MAX, isCompacted, type LogConfig } from './log-config.js';
import {
  CLEAN_SHUTDOWN_FILE,
  DELETE_DIR_SUFFIX,
  FUTURE_DIR_SUFFIX,
  LOG_START_OFFSET_CHECKPOINT,
  RECOVERY_POINT_CHECKPOINT,
  REPLICATION_OFFSET_CHECKPOINT,
  parsePartitionDirName,
  partitionDirName,
} from './log-file-names.js';
import { Log } from './log.js';

const INITIAL_TASK_DELAY_MS = 30_000;

export interface LogManagerOptions {
  readonly logDirs: readonly string[];
  readonly clock: Clock;
  readonly defaultConfig?: LogConfig;
  /** Topic-level overrides resolved by the config layer (default: defaultConfig for all). */
  readonly topicConfig?: (topic: string) => LogConfig;
  readonly logger?: Logger;
  readonly maxOpenFiles?: number;
  /** log.retention.check.interval.ms */
  readonly retentionCheckIntervalMs?: number;
  /** log.flush.offset.checkpoint.interval.ms */
  readonly recoveryPointCheckpointIntervalMs?: number;
  /** log.flush.start.offset.checkpoint.interval.ms */
  readonly logStartOffsetCheckpointIntervalMs?: number;
  /** log.flush.scheduler.interval.ms (Long.MAX: flush.ms is never checked, as in Kafka) */
  readonly flushCheckIntervalMs?: number;
  /** transactional.id.expiration.ms: producer state idle this long is forgotten */
  readonly producerIdExpirationMs?: number;
  /** producer.id.expiration.check.interval.ms (a constant 600000 in Kafka 2.7) */
  readonly producerIdExpirationCheckIntervalMs?: number;
  readonly onLogDirFailure?: (dir: string) => void;
  /** log.cleaner.*; absent = no cleaner (compacted logs are neither cleaned nor retention-deleted) */
  readonly cleaner?: CleanerConfig;
}

export class LogManager {
  private readonly logs = new Map<string, Log>();
  private readonly futureLogs = new Map<string, Log>();
  private readonly preferredLogDirs = new Map<string, string>();
  private readonly offlineDirs = new Set<string>();
  private readonly timers = new Map<string, Timer>();
  private readonly logDirs: readonly string[];
  private readonly pool: FileHandlePool;
  private readonly clock: Clock;
  readonly cleaner: LogCleaner | null;

  constructor(private readonly opts: LogManagerOptions) {
    this.clock = opts.clock;
    this.pool = new FileHandlePool(opts.maxOpenFiles);
    this.logDirs = opts.logDirs.map((d) => resolve(d));
    this.cleaner = opts.cleaner?.enable
      ? new LogCleaner({
          config: opts.cleaner,
          clock: opts.clock,
          logs: () => this.onlineLogs(),
          logDirOf: (log) => this.logDirOf(log),
          ...(opts.logger ? { logger: childLogger(opts.logger, 'log-cleaner') } : {}),
          onDirFailure: (dir, err) => this.markDirOffline(dir, err),
        })
      : null;
  }

  get liveLogDirs(): string[] {
    return this.logDirs.filter((d) => !this.offlineDirs.has(d));
  }

  get offlineLogDirs(): string[] {
    return [...this.offlineDirs];
  }

  get allLogs(): Log[] {
    return [...this.logs.values()];
  }

  get openFileCount(): number {
    return this.pool.openCount;
  }

  /** Load every log, then start the background tasks. */
  startup(): void {
    for (const dir of this.logDirs) this.loadLogDir(dir);
    const o = this.opts;
    this.schedule('retention', o.retentionCheckIntervalMs ?? 300_000, () => this.cleanupLogs());
    this.schedule('recovery-point', o.recoveryPointCheckpointIntervalMs ?? 60_000, () => this.checkpointRecoveryPoints());
    this.schedule('log-start-offset', o.logStartOffsetCheckpointIntervalMs ?? 60_000, () => this.checkpointLogStartOffsets());
    this.schedule('flush', o.flushCheckIntervalMs ?? LONG_MAX, () => this.flushDirtyLogs());
    this.schedule('producer-id-expiration', o.producerIdExpirationCheckIntervalMs ?? 600_000, () => this.removeExpiredProducers());
    this.cleaner?.startup();
  }

  getLog(tp: TopicPartition): Log | undefined {
    return this.logs.get(tpKey(tp));
  }

  getOrCreateLog(tp: TopicPartition, config?: LogConfig): Log {
    const existing = this.getLog(tp);
    if (existing) return existing;
    const counts = new Map(this.liveLogDirs.map((d) => [d, 0]));
    for (const log of this.logs.values()) {
      const d = this.logDirOf(log);
      if (counts.has(d)) counts.set(d, (counts.get(d) ?? 0) + 1);
    }
    const preferred = this.preferredLogDirs.get(tpKey(tp));
    this.preferredLogDirs.delete(tpKey(tp));
    const dir = preferred !== undefined && counts.has(preferred) ? preferred : [...counts].sort((a, b) => a[1] - b[1])[0]?.[0];
    if (dir === undefined) throw new Error('no online log directory to create a log in');
    const partitionDir = join(dir, partitionDirName(tp));
    mkdirSync(partitionDir, { recursive: true });
    const log = this.openLog(partitionDir, tp, config ?? this.configFor(tp.topic), {});
    this.logs.set(tpKey(tp), log);
    return log;
  }

  /** Kafka's asyncDelete: rename to `<tp>.<uuid>-delete`, remove after file.delete.delay.ms. */
  deleteLog(tp: TopicPartition): boolean {
    this.abortFutureLog(tp);
    const log = this.getLog(tp);
    if (!log) return false;
    this.logs.delete(tpKey(tp));
    this.asyncDelete(log);
    return true;
  }

  private asyncDelete(log: Log): void {
    this.cleaner?.onDelete(log, this.logDirOf(log));
    log.close();
    const doomed = join(this.logDirOf(log), `${partitionDirName(log.tp)}.${randomUUID().replace(/-/g, '')}${DELETE_DIR_SUFFIX}`);
    renameSync(log.dir, doomed);
    this.clock.setTimeout(() => rmSync(doomed, { recursive: true, force: true }), log.config.fileDeleteDelayMs);
  }

  /** The log dir (absolute) a log lives in. */
  logDirOf(log: Log): string {
    return join(log.dir, '..');
  }

  /** AlterReplicaLogDirs for a partition without a log here yet: create it in `dir` when it comes. */
  setPreferredLogDir(tp: TopicPartition, dir: string): void {
    this.preferredLogDirs.set(tpKey(tp), resolve(dir));
  }

  getFutureLog(tp: TopicPartition): Log | undefined {
    return this.futureLogs.get(tpKey(tp));
  }

  get allFutureLogs(): Log[] {
    return [...this.futureLogs.values()];
  }

  /** The future log of `tp` in `dir` (created empty, starting at the current log's start offset). */
  createFutureLog(tp: TopicPartition, dir: string, config: LogConfig, logStartOffset: number): Log {
    const existing = this.getFutureLog(tp);
    if (existing) return existing;
    const futureDir = join(resolve(dir), `${partitionDirName(tp)}.${randomUUID().replace(/-/g, '')}${FUTURE_DIR_SUFFIX}`);
    mkdirSync(futureDir, { recursive: true });
    const log = this.openLog(futureDir, tp, config, { logStartOffset });
    if (logStartOffset > 0) log.truncateFullyAndStartAt(logStartOffset);
    this.futureLogs.set(tpKey(tp), log);
    return log;
  }

  /** Drops a future log and its files (move cancelled, partition deleted). */
  abortFutureLog(tp: TopicPartition): boolean {
    const future = this.getFutureLog(tp);
    if (!future) return false;
    this.futureLogs.delete(tpKey(tp));
    future.close();
    rmSync(future.dir, { recursive: true, force: true });
    return true;
  }

  /**
   * Kafka's replaceCurrentWithFutureLog: the caught-up future log becomes the log of `tp`; the old
   * directory is deleted asynchronously. Synchronous, so no append can land in between.
   */
  replaceCurrentWithFutureLog(tp: TopicPartition): Log {
    const future = this.getFutureLog(tp);
    const current = this.getLog(tp);
    if (!future || !current) throw new Error(`no current and future log of ${tpKey(tp)} to swap`);
    future.flush();
    future.close();
    const recoveryPoint = future.logEndOffset;
    const logStartOffset = future.logStartOffset;
    const target = join(this.logDirOf(future), partitionDirName(tp));
    renameSync(future.dir, target);
    this.futureLogs.delete(tpKey(tp));
    this.logs.delete(tpKey(tp));
    current.flush();
    this.asyncDelete(current);
    const log = this.openLog(target, tp, current.config, { recoveryPoint, logStartOffset, hadCleanShutdown: true });
    this.logs.set(tpKey(tp), log);
    return log;
  }

  /**
   * Run retention on every log the cleaner does not own (compacted ones, Kafka's rule);
   * `highWatermarkOf` bounds deletion (default: the log end).
   */
  cleanupLogs(highWatermarkOf?: (tp: TopicPartition) => number | undefined): number {
    let deleted = 0;
    for (const log of this.onlineLogs()) {
      if (isCompacted(log.config) || this.cleaner?.isCleaning(log.tp)) continue;
      deleted += this.tryLog(log, () => log.deleteOldSegments(highWatermarkOf?.(log.tp) ?? log.logEndOffset)) ?? 0;
    }
    return deleted;
  }

  flushDirtyLogs(): void {
    for (const log of this.onlineLogs()) this.tryLog(log, () => log.maybeFlushByTime());
  }

  removeExpiredProducers(): void {
    const now = this.clock.now();
    for (const log of this.onlineLogs()) this.tryLog(log, () => log.producerState.removeExpiredProducers(now));
  }

  checkpointRecoveryPoints(): void {
    this.writeOffsetCheckpoints(RECOVERY_POINT_CHECKPOINT, (log) => log.recoveryPoint);
    for (const log of this.onlineLogs()) this.tryLog(log, () => log.deleteSnapshotsAfterRecoveryPointCheckpoint());
  }

  checkpointLogStartOffsets(): void {
    // Kafka writes only logs whose start moved past their first segment; writing all is equivalent.
    this.writeOffsetCheckpoints(LOG_START_OFFSET_CHECKPOINT, (log) => log.logStartOffset);
  }

  checkpointHighWatermarks(highWatermarkOf: (tp: TopicPartition) => number | undefined): void {
    this.writeOffsetCheckpoints(REPLICATION_OFFSET_CHECKPOINT, (log) => highWatermarkOf(log.tp));
  }

  /** High watermarks from every online dir's replication-offset-checkpoint, by tpKey. */
  readHighWatermarks(): Map<string, number> {
    const result = new Map<string, number>();
    for (const dir of this.liveLogDirs) {
      for (const e of this.readOffsetCheckpoint(dir, REPLICATION_OFFSET_CHECKPOINT)) result.set(tpKey(e), e.offset);
    }
    return result;
  }

  /**
   * New dynamic log.cleaner.* values: the cleaner restarts its threads with them (none running when
   * log.cleaner.enable=false, which is not dynamic). Rejects, changing nothing, on values Kafka refuses.
   */
  async reconfigureCleaner(config: CleanerConfig): Promise<void> {
    await this.cleaner?.reconfigure(config);
  }

  /** Stop the cleaner and wait for its workers to exit (a pass in progress is abandoned). */
  async shutdownCleaner(): Promise<void> {
    await this.cleaner?.shutdown();
  }

  /**
   * Orderly stop: stop the cleaner (see shutdownCleaner; here without waiting for its workers),
   * flush and close every log, write checkpoints, leave the clean-shutdown marker.
   */
  shutdown(): void {
    void this.cleaner?.shutdown();
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    for (const log of this.onlineLogs()) this.tryLog(log, () => log.flush());
    this.checkpointRecoveryPoints();
    this.checkpointLogStartOffsets();
    for (const log of this.logs.values()) this.tryLog(log, () => log.close());
    for (const log of this.futureLogs.values()) this.tryLog(log, () => log.close());
    this.futureLogs.clear();
    for (const dir of this.liveLogDirs) {
      try {
        writeFileSync(join(dir, CLEAN_SHUTDOWN_FILE), '');
      } catch (err) {
        this.markDirOffline(dir, err);
      }
    }
    this.logs.clear();
    this.pool.closeAll();
  }

  private loadLogDir(dir: string): void {
    try {
      mkdirSync(dir, { recursive: true });
      const marker = join(dir, CLEAN_SHUTDOWN_FILE);
      const hadCleanShutdown = existsSync(marker);
      const recoveryPoints = offsetsByKey(this.readOffsetCheckpoint(dir, RECOVERY_POINT_CHECKPOINT));
      const logStartOffsets = offsetsByKey(this.readOffsetCheckpoint(dir, LOG_START_OFFSET_CHECKPOINT));
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (!statSync(path).isDirectory()) continue;
        if (name.endsWith(DELETE_DIR_SUFFIX) || name.endsWith(FUTURE_DIR_SUFFIX)) {
          rmSync(path, { recursive: true, force: true });
          continue;
        }
        const tp = parsePartitionDirName(name);
        if (!tp) continue;
        if (this.logs.has(tpKey(tp))) throw new Error(`duplicate log directories for ${tpKey(tp)}`);
        const key = tpKey(tp);
        const log = this.openLog(path, tp, this.configFor(tp.topic), {
          recoveryPoint: recoveryPoints.get(key) ?? 0,
          logStartOffset: logStartOffsets.get(key) ?? 0,
          hadCleanShutdown,
        });
        this.logs.set(key, log);
      }
      rmSync(marker, { force: true });
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('duplicate log directories')) throw err;
      this.markDirOffline(dir, err);
    }
  }

  private openLog(
    dir: string,
    tp: TopicPartition,
    config: LogConfig,
    state: { recoveryPoint?: number; logStartOffset?: number; hadCleanShutdown?: boolean },
  ): Log {
    const logger = this.opts.logger?.child({ tp: tpKey(tp) });
    return Log.open({
      dir,
      tp,
      config,
      clock: this.clock,
      pool: this.pool,
      ...(logger ? { logger } : {}),
      ...state,
      ...(this.opts.producerIdExpirationMs !== undefined ? { maxProducerIdExpirationMs: this.opts.producerIdExpirationMs } : {}),
      onStorageError: (log, err) => this.markDirOffline(this.logDirOf(log), err),
      onTruncate: (log, logEndOffset) => this.cleaner?.onTruncate(log, logEndOffset),
    });
  }

  private configFor(topic: string): LogConfig {
    return this.opts.topicConfig?.(topic) ?? this.opts.defaultConfig ?? DEFAULT_LOG_CONFIG;
  }

  private onlineLogs(): Log[] {
    return this.allLogs.filter((l) => !l.isOffline && !this.offlineDirs.has(this.logDirOf(l)));
  }

  private tryLog<T>(log: Log, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      this.opts.logger?.error({ err, tp: tpKey(log.tp) }, 'log operation failed');
      return undefined;
    }
  }

  private markDirOffline(dir: string, err: unknown): void {
    if (this.offlineDirs.has(dir)) return;
    this.offlineDirs.add(dir);
    this.opts.logger?.error({ err, dir }, 'log directory is offline');
    this.opts.onLogDirFailure?.(dir);
  }

  private readOffsetCheckpoint(dir: string, name: string): TopicPartitionOffset[] {
    try {
      return new CheckpointFile(join(dir, name), OffsetCheckpointFormat).read();
    } catch (err) {
      // Unreadable: recover everything (recovery point 0), keep log starts at their first segment.
      this.opts.logger?.warn({ err, dir, file: name }, 'unreadable checkpoint file; ignoring it');
      return [];
    }
  }

  private writeOffsetCheckpoints(name: string, offsetOf: (log: Log) => number | undefined): void {
    for (const dir of this.liveLogDirs) {
      const entries: TopicPartitionOffset[] = [];
      for (const log of this.logs.values()) {
        const offset = this.logDirOf(log) === dir ? offsetOf(log) : undefined;
        if (offset !== undefined) entries.push({ topic: log.tp.topic, partition: log.tp.partition, offset });
      }
      try {
        new CheckpointFile(join(dir, name), OffsetCheckpointFormat).write(entries);
      } catch (err) {
        this.markDirOffline(dir, err);
      }
    }
  }

  /** A periodic task on the injected clock (Kafka's KafkaScheduler.schedule with a period). */
  private schedule(name: string, intervalMs: number, task: () => void): void {
    if (intervalMs >= LONG_MAX) return;
    const run = (): void => {
      try {
        task();
      } finally {
        this.timers.set(name, this.clock.setTimeout(run, intervalMs));
      }
    };
    this.timers.set(name, this.clock.setTimeout(run, Math.min(INITIAL_TASK_DELAY_MS, intervalMs)));
  }
}

function offsetsByKey(entries: readonly TopicPartitionOffset[]): Map<string, number> {
  return new Map(entries.map((e) => [tpKey(e), e.offset]));
}
