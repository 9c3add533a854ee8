/**
 * DelayedFetch: a long-polling Fetch (protocol.md §6.2; Kafka's DelayedFetch). Watched under
 * `tpKey(tp)` of every partition it reads; the replica manager calls checkAndComplete on an
 * append (followers wait for the log end) and on a high-watermark move (consumers wait for it).
 *
 * tryComplete sums, over the partitions, what `probe` reports:
 * - 'complete' (leadership lost, partition gone, leader epoch fenced, log truncated below the
 *   fetch offset) completes the fetch at once, so the client learns the error;
 * - otherwise the bytes readable now from the fetch offset (bounded by the partition's max);
 * and completes once the sum reaches minBytes. On completion (or expiry) `respond` re-reads
 * every partition and answers with whatever is there.
 */
import type { TopicPartition } from '../common/topic-partition.js';
import type { DelayedOperation } from './purgatory.js';

export interface FetchPartitionRequest {
  readonly tp: TopicPartition;
  readonly fetchOffset: number;
  readonly partitionMaxBytes: number;
  readonly currentLeaderEpoch: number;
  readonly followerLogStartOffset: number;
}

export type FetchProbe = (p: FetchPartitionRequest) => number | 'complete';

export class DelayedFetch implements DelayedOperation {
  constructor(
    readonly deadline: number,
    private readonly minBytes: number,
    readonly partitions: readonly FetchPartitionRequest[],
    private readonly probe: FetchProbe,
    private readonly respond: () => void,
  ) {}

  tryComplete(): boolean {
    let accumulated = 0;
    for (const p of this.partitions) {
      const r = this.probe(p);
      if (r === 'complete') return true;
      accumulated += r;
      if (accumulated >= this.minBytes) return true;
    }
    return false;
  }

  onComplete(): void {
    this.respond();
  }
}
