/**
 * Moving a replica between this broker's log dirs (Kafka's ReplicaAlterLogDirsManager and
 * ReplicaAlterLogDirsThread, KIP-113), for AlterReplicaLogDirs:
 *
 * - a future log `<topic>-<partition>.<uuid>-future` is created in the destination dir, starting at
 *   the current log's start offset;
 * - in rounds (every `intervalMs`, at most `maxBytesPerRound` per partition) the batches the current
 *   log has past the future log's end are appended to it as a follower appends them (leader epochs
 *   come with the batches); a current log that was truncated (follower truncation) or whose start
 *   moved past the future's end (retention) is followed;
 * - once the future log has caught up with the current one, it is swapped in synchronously (no
 *   append can land between the check and the swap): the partition reads and writes the new log,
 *   the old directory is deleted asynchronously;
 * - a new request for another destination replaces the move; deleting the partition cancels it.
 */
import { resolve } from 'node:path';
import type { Clock, Timer } from '../common/clock.js';
import { childLogger, type Logger } from '../common/logger.js';
import { tpKey } from '../common/topic-partition.js';
import type { Log } from '../log/log.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { LogManager } from '../log/log-manager.js';
import type { Partition } from './partition.js';

export interface ReplicaAlterLogDirsOptions {
  logManager: LogManager;
  clock: Clock;
  log: Logger;
  intervalMs?: number;
  maxBytesPerRound?: number;
}

interface Move {
  partition: Partition;
  future: Log;
  destination: string;
}

export class ReplicaAlterLogDirsManager {
  private readonly moves = new Map<string, Move>();
  private timer: Timer | null = null;
  private readonly log: Logger;
  private stopped = false;

  constructor(private readonly opts: ReplicaAlterLogDirsOptions) {
    this.log = childLogger(opts.log, 'replica-alter-log-dirs');
  }

  isMoving(key: string): boolean {
    return this.moves.has(key);
  }

  /** Starts (or redirects) the move of `partition`'s log to `destination`; no-op when it is already there. */
  move(partition: Partition, destination: string): void {
    const current = partition.log;
    if (!current) throw new Error(`no log for ${partition.key}`);
    const lm = this.opts.logManager;
    const existing = this.moves.get(partition.key);
    if (existing && existing.destination !== destination) this.cancel(partition.key);
    else if (existing) return;
    if (lm.logDirOf(current) === destination) return;
    const future = lm.createFutureLog(partition.tp, destination, current.config, current.logStartOffset);
    this.moves.set(partition.key, { partition, future, destination });
    this.log.info({ tp: partition.key, from: lm.logDirOf(current), to: destination }, 'moving replica to another log dir');
    this.schedule();
  }

  cancel(key: string): void {
    const m = this.moves.get(key);
    if (!m) return;
    this.moves.delete(key);
    this.opts.logManager.abortFutureLog(m.partition.tp);
  }

  shutdown(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer || this.stopped || this.moves.size === 0) return;
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = null;
      this.round();
      this.schedule();
    }, this.opts.intervalMs ?? 20);
  }

  private round(): void {
    for (const [key, m] of [...this.moves]) {
      try {
        if (this.copy(m)) {
          this.moves.delete(key);
          const log = this.opts.logManager.replaceCurrentWithFutureLog(m.partition.tp);
          m.partition.replaceLog(log);
          this.log.info({ tp: key, dir: m.destination, logEndOffset: log.logEndOffset }, 'replica moved: the future log replaced the current one');
        }
      } catch (err) {
        this.log.error({ err, tp: key }, 'moving the replica failed; the move is cancelled');
        this.cancel(key);
      }
    }
  }

  /** Copies one round; true when the future log has caught up. */
  private copy(m: Move): boolean {
    const current = m.partition.log;
    if (!current) throw new Error(`the log of ${tpKey(m.partition.tp)} is gone`);
    const future = m.future;
    if (current.logEndOffset < future.logEndOffset) future.truncateTo(current.logEndOffset);
    if (current.logStartOffset > future.logEndOffset) future.truncateFullyAndStartAt(current.logStartOffset);
    if (future.logEndOffset < current.logEndOffset) {
      const bytes = current.read(future.logEndOffset, this.opts.maxBytesPerRound ?? 1 << 20, current.logEndOffset, true);
      if (bytes.length > 0) future.appendAsFollower(bytes);
    }
    return future.logEndOffset === current.logEndOffset;
  }
}

/**
 * ReplicaManager.alterReplicaLogDirs for each (partition, destination dir), in order: the destination must be a
 * configured log dir (LOG_DIR_NOT_FOUND) and online (KAFKA_STORAGE_ERROR, also while any dir is offline, as
 * Kafka refuses to create future logs then); a partition without a log here gets the dir remembered for its
 * creation and NOT_LEADER_OR_FOLLOWER; otherwise the move starts (or is already done) and NONE is answered.
 */
export function alterReplicaLogDirs(
  logManager: LogManager,
  mover: ReplicaAlterLogDirsManager,
  partitionOf: (tp: { topic: string; partition: number }) => Partition | undefined,
  requests: ReadonlyArray<{ tp: { topic: string; partition: number }; dir: string }>,
): ErrorCode[] {
  return requests.map(({ tp, dir }) => {
    const destination = resolve(dir);
    if (logManager.offlineLogDirs.includes(destination)) return ErrorCode.KafkaStorageError;
    if (!logManager.liveLogDirs.includes(destination)) return ErrorCode.LogDirNotFound;
    const partition = partitionOf(tp);
    if (!partition?.log) {
      logManager.setPreferredLogDir(tp, destination);
      return ErrorCode.NotLeaderOrFollower;
    }
    if (partition.log.isOffline || logManager.offlineLogDirs.length > 0) return ErrorCode.KafkaStorageError;
    mover.move(partition, destination);
    return ErrorCode.None;
  });
}
