/**
 * The per-partition state a follower fetcher keeps (Kafka's PartitionFetchState /
 * InitialFetchState), the source broker it fetches from, and small helpers on fetched data.
 */
import type { BrokerClient } from '../network/client.js';
import type { TopicPartition } from '../common/topic-partition.js';
import { BATCH_LENGTH, LOG_OVERHEAD } from '../protocol/records/batch-layout.js';
import type { FollowerPartition } from './follower-partition.js';

export type ReplicaState = 'truncating' | 'fetching';

/** How a partition joins a fetcher (Kafka's InitialFetchState). */
export interface InitialFetchState {
  readonly tp: TopicPartition;
  /** where to start: the local high watermark (also the truncation fallback) */
  readonly initOffset: number;
  readonly currentLeaderEpoch: number;
  readonly partition: FollowerPartition;
}

/** A read-only view of one partition's fetch state. */
export interface PartitionFetchStateView {
  readonly tp: TopicPartition;
  readonly fetchOffset: number;
  readonly currentLeaderEpoch: number;
  readonly state: ReplicaState;
  /** clock time until which the partition waits; 0 = not delayed */
  readonly delayedUntil: number;
  /** leader HW − our fetch offset at the last fetch; null before the first */
  readonly lag: number | null;
}

/** The fetcher's mutable record of one partition (Kafka's PartitionFetchState). */
export interface PartitionFetchState {
  readonly tp: TopicPartition;
  readonly key: string;
  readonly partition: FollowerPartition;
  readonly currentLeaderEpoch: number;
  fetchOffset: number;
  state: ReplicaState;
  delayedUntil: number;
  lag: number | null;
}

export interface SourceBroker {
  readonly id: number;
  readonly host: string;
  readonly port: number;
}

/** The connection a fetcher sends through (BrokerClient; replaceable in tests). */
export type LeaderClient = Pick<BrokerClient, 'send' | 'sendThen' | 'close'>;

export function view(s: PartitionFetchState): PartitionFetchStateView {
  return { tp: s.tp, fetchOffset: s.fetchOffset, currentLeaderEpoch: s.currentLeaderEpoch, state: s.state, delayedUntil: s.delayedUntil, lag: s.lag };
}

/** The whole batches at the front of a fetched record set (a leader may end it mid-batch). */
export function completeBatches(records: Buffer | null): Buffer {
  if (!records) return Buffer.alloc(0);
  let pos = 0;
  while (pos < records.length) {
    if (records.length - pos < LOG_OVERHEAD) break;
    const batchLength = records.readInt32BE(pos + BATCH_LENGTH);
    // A nonsensical length is left for the log to reject as corrupt; only a cut-off tail is dropped.
    if (batchLength < 0) return records;
    if (LOG_OVERHEAD + batchLength > records.length - pos) break;
    pos += LOG_OVERHEAD + batchLength;
  }
  return pos === records.length ? records : records.subarray(0, pos);
}
