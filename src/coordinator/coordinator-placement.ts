/**
 * Coordinator placement (ARCHITECTURE §6): the coordinator of group G is the leader of partition
 * `Utils.abs(G.hashCode()) % offsets.topic.num.partitions` of `__consumer_offsets`, exactly as
 * Kafka 2.7's GroupMetadataManager.partitionFor computes it, so coordinator failover follows
 * partition leadership. The same rule places transactional ids on `__transaction_state`.
 *
 * Traps:
 * - Java's String.hashCode runs over UTF-16 code units (not code points, not UTF-8 bytes) with
 *   int32 overflow: `h = 31 * h + c`.
 * - Kafka's Utils.abs is `n == Integer.MIN_VALUE ? 0 : Math.abs(n)`. It is *not* the
 *   partitioner's `toPositive` (`n & 0x7fffffff`): for a negative hash the two differ
 *   ("my-group": hash −1906497762 → partition 12 of 50, where masking would give 36).
 */

export const GROUP_METADATA_TOPIC_NAME = '__consumer_offsets';

/** Java's `String.hashCode()`. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's `Utils.abs`: Math.abs, except that Integer.MIN_VALUE maps to 0. */
export function kafkaAbs(n: number): number {
  const v = n | 0;
  return v === -2147483648 ? 0 : Math.abs(v);
}

/** The `__consumer_offsets` (or `__transaction_state`) partition that owns `key`. */
export function partitionFor(key: string, numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions < 1) throw new RangeError(`numPartitions must be a positive integer, got ${numPartitions}`);
  return kafkaAbs(javaStringHashCode(key)) % numPartitions;
}
