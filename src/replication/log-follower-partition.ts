/**
 * FollowerPartition over a real `Log` plus a high watermark kept by its owner (cluster/partition
 * keeps the HW outside the log). `Partition` fits `FollowerLogHost` as it is:
 *
 *   new LogFollowerPartition(partition, { onStorageError: (err) => replicaManager.markOffline(partition, err) })
 *
 * HW rules (Kafka 2.7 Log.truncateTo / truncateFullyAndStartAt / updateHighWatermark):
 * - after truncateTo the HW is lowered to the new LEO when it was above it;
 * - after truncateFullyAndStartAt(o) the HW is o;
 * - the log start follows the leader's only up to the local HW (Kafka throws beyond it).
 */
import { KafkaError } from '../common/errors.js';
import { tpKey, type TopicPartition } from '../common/topic-partition.js';
import type { Log } from '../log/log.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { EpochEndOffset, FollowerAppendInfo, FollowerPartition } from './follower-partition.js';

export interface FollowerLogHost {
  readonly tp: TopicPartition;
  /** null until the log exists (then the fetcher's calls fail with NOT_LEADER_OR_FOLLOWER) */
  readonly log: Log | null;
  readonly highWatermark: number;
  /** sets HW = min(value, LEO); true when it changed */
  updateFollowerHighWatermark(leaderHighWatermark: number): boolean;
}

export interface LogFollowerPartitionOptions {
  onStorageError?(err: unknown): void;
  /** the follower high watermark moved (consumers may read from followers, KIP-392) */
  onHighWatermarkChanged?(): void;
  /** after each append, with the bytes appended (ReplicationBytesInPerSec) */
  onAppended?(bytes: number): void;
}

export class LogFollowerPartition implements FollowerPartition {
  readonly tp: TopicPartition;

  constructor(
    private readonly host: FollowerLogHost,
    private readonly opts: LogFollowerPartitionOptions = {},
  ) {
    this.tp = host.tp;
  }

  get logEndOffset(): number {
    return this.logOrThrow().logEndOffset;
  }

  get logStartOffset(): number {
    return this.logOrThrow().logStartOffset;
  }

  get highWatermark(): number {
    return this.host.highWatermark;
  }

  latestEpoch(): number | undefined {
    return this.logOrThrow().leaderEpochCache.latestEpoch;
  }

  endOffsetForEpoch(epoch: number): EpochEndOffset {
    return this.logOrThrow().endOffsetForEpoch(epoch);
  }

  truncateTo(offset: number): void {
    this.logOrThrow().truncateTo(offset);
    if (this.host.highWatermark > this.logEndOffset) this.setHighWatermark(this.host.highWatermark);
  }

  truncateFullyAndStartAt(offset: number): void {
    this.logOrThrow().truncateFullyAndStartAt(offset);
    this.setHighWatermark(offset);
  }

  appendAsFollower(records: Buffer): FollowerAppendInfo {
    const info = this.logOrThrow().appendAsFollower(records);
    this.opts.onAppended?.(info.validBytes);
    return { lastOffset: info.lastOffset, validBytes: info.validBytes };
  }

  updateFollowerHighWatermark(leaderHighWatermark: number): void {
    this.setHighWatermark(leaderHighWatermark);
  }

  private setHighWatermark(value: number): void {
    if (this.host.updateFollowerHighWatermark(value)) this.opts.onHighWatermarkChanged?.();
  }

  maybeUpdateLogStartOffset(leaderLogStartOffset: number): void {
    const log = this.logOrThrow();
    if (leaderLogStartOffset > log.logStartOffset && leaderLogStartOffset <= this.host.highWatermark) {
      log.maybeIncrementLogStartOffset(leaderLogStartOffset);
    }
  }

  onStorageError(err: unknown): void {
    this.opts.onStorageError?.(err);
  }

  private logOrThrow(): Log {
    const log = this.host.log;
    if (!log) throw new KafkaError(ErrorCode.NotLeaderOrFollower, `no local log for ${tpKey(this.tp)}`);
    return log;
  }
}
