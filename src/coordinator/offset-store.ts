/**
 * Where committed offsets live (ARCHITECTURE §6): ZooKeeper, at
 * `/consumers/<group>/offsets/<topic>/<partition>` as decimal text. The ZooKeeper
 * implementation belongs to src/zk/; the coordinator sees only this interface.
 *
 * Contract:
 * - `commit` is one batched write per OffsetCommit request (never a write per partition
 *   round trip); it resolves once every entry is durable, or rejects and nothing should be
 *   considered committed. A rejection with a KafkaError answers that code; anything else
 *   answers COORDINATOR_NOT_AVAILABLE (retriable).
 * - `fetch(group, null)` returns every committed partition of the group; with a list, only
 *   those that have an offset (absent partitions are simply missing from the answer).
 * - `commitTimestamp` must come back as it was committed (or, if the store cannot keep it,
 *   the time of the write, e.g. the znode's mtime): offset expiry is judged by it.
 * - `listGroupsWithOffsets` is read once per `__consumer_offsets` partition election, never on
 *   a request path. The coordinator keeps a per-group cache loaded on first use, so reads do
 *   not touch the store after that.
 */
import type { TopicPartition } from '../common/topic-partition.js';

export interface CommittedOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** −1 when unknown */
  readonly leaderEpoch: number;
  /** "" when the client sent none */
  readonly metadata: string;
  /** ms since the epoch */
  readonly commitTimestamp: number;
}

export interface OffsetStore {
  commit(groupId: string, entries: readonly CommittedOffset[]): Promise<void>;
  fetch(groupId: string, partitions: readonly TopicPartition[] | null): Promise<CommittedOffset[]>;
  /** every committed offset of the group, and the group's node */
  deleteGroup(groupId: string): Promise<void>;
  deleteOffsets(groupId: string, partitions: readonly TopicPartition[]): Promise<void>;
  listGroupsWithOffsets(): Promise<string[]>;
}
