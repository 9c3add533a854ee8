/**
 * What the replica fetcher needs from a partition this broker follows (the slice of Kafka's
 * Partition + Log that ReplicaFetcherThread touches). The broker's partition layer implements it
 * (log-follower-partition.ts adapts a partition that owns a `Log` and a high watermark).
 *
 * Contract:
 * - every member is synchronous and called only from the fetcher's loop;
 * - a failing disk surfaces as KafkaError(KAFKA_STORAGE_ERROR) thrown by any log member; the
 *   fetcher then stops fetching the partition and calls `onStorageError` (KIP-112);
 * - truncation never happens while records are being appended: the fetcher owns the log of a
 *   partition it follows until `removeFetcherForPartitions` returns.
 */
import type { TopicPartition } from '../common/topic-partition.js';

/** (epoch, end offset) as OffsetsForLeaderEpoch answers it; endOffset -1 = unknown epoch. */
export interface EpochEndOffset {
  readonly leaderEpoch: number;
  readonly endOffset: number;
}

/** What appendAsFollower reports (a subset of the log's LogAppendInfo). */
export interface FollowerAppendInfo {
  /** offset of the last appended record (-1 when nothing was appended) */
  readonly lastOffset: number;
  /** bytes appended; 0 when the record set held no batch */
  readonly validBytes: number;
}

export interface FollowerPartition {
  readonly tp: TopicPartition;
  /** the next offset the local log will hold (LEO) */
  readonly logEndOffset: number;
  /** the earliest offset the local log still holds */
  readonly logStartOffset: number;
  /** the follower's high watermark (only read to warn about truncation below it) */
  readonly highWatermark: number;
  /** latest epoch in the local leader-epoch cache; undefined when the cache is empty */
  latestEpoch(): number | undefined;
  /**
   * The local answer to OffsetsForLeaderEpoch(epoch) (Kafka's LeaderEpochFileCache.endOffsetFor):
   * the largest known epoch ≤ `epoch` and where it ends; (-1, -1) when unknown.
   */
  endOffsetForEpoch(epoch: number): EpochEndOffset;
  /** Removes everything from `offset` on (whole batches) and lowers the high watermark to the new LEO if above it. */
  truncateTo(offset: number): void;
  /** Drops the whole log and restarts it empty at `offset` (log start = LEO = HW = offset). */
  truncateFullyAndStartAt(offset: number): void;
  /** Appends replicated batches keeping their offsets and epochs; they must start at the LEO. */
  appendAsFollower(records: Buffer): FollowerAppendInfo;
  /** Follower HW = min(leader HW, local LEO). */
  updateFollowerHighWatermark(leaderHighWatermark: number): void;
  /** Moves the local log start up to the leader's (retention / DeleteRecords on the leader); never beyond the HW. */
  maybeUpdateLogStartOffset(leaderLogStartOffset: number): void;
  /** The local log failed (KAFKA_STORAGE_ERROR): the partition layer takes it offline. */
  onStorageError(err: unknown): void;
}
