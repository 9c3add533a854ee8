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
import type { ErrorCode } from '../protocol/error-codes.js';

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

/** A transaction marker as the group coordinator applies it to pending offsets. */
export interface TxnMarker {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  readonly commit: boolean;
}

/**
 * Pending transactional offsets (ARCHITECTURE §13): TxnOffsetCommit parks them per group and producer
 * id; the COMMIT marker moves them to the committed offsets, ABORT drops them.
 *
 * Contract:
 * - `storePending` is one write; it rejects with KafkaError(INVALID_PRODUCER_EPOCH) when the store knows a
 *   newer epoch of the producer in this group, and resolves only once the offsets are durable.
 * - `complete` answers INVALID_PRODUCER_EPOCH / TRANSACTION_COORDINATOR_FENCED for a marker older than
 *   what the store knows (nothing changed), else NONE with the offsets it committed; a partition that got
 *   a plain commit after the TxnOffsetCommit keeps the plain one. A repeated marker finds nothing.
 * - `loadPending` and `listGroupsWithPending` are read at a `__consumer_offsets` partition election only.
 */
export interface TxnOffsetStore {
  storePending(groupId: string, producerId: number, producerEpoch: number, offsets: readonly CommittedOffset[], now: number): Promise<void>;
  complete(groupId: string, marker: TxnMarker, now: number): Promise<{ errorCode: ErrorCode; committed: readonly CommittedOffset[] }>;
  loadPending(groupId: string): Promise<Map<number, { producerEpoch: number; offsets: CommittedOffset[] }>>;
  listGroupsWithPending(): Promise<string[]>;
  /** the group's pending offsets of every producer (DeleteGroups) */
  deleteGroup(groupId: string): Promise<void>;
  /** the pending offsets of these partitions, of every producer (OffsetDelete) */
  deletePending(groupId: string, partitions: readonly TopicPartition[]): Promise<void>;
}
