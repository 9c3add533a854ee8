/**
 * The sizes of the batches Kafka 2.7 would append to `__consumer_offsets` — when the leader's
 * SyncGroup stores the group (GroupMetadataManager.storeGroup) and when offsets are committed
 * (storeOffsets, below) — so that gregor, which keeps membership in memory and offsets in
 * ZooKeeper (ARCHITECTURE §6), refuses what Kafka refuses.
 *
 * Kafka: the batch is one record (key GroupMetadataKey v2, value GroupMetadataValue v3 for
 * inter.broker.protocol.version ≥ 2.3) in a magic-2 batch, uncompressed by default
 * (offsets.topic.compression.codec 0). Log.append rejects a batch larger than the topic's
 * max.message.bytes (= message.max.bytes) with MESSAGE_TOO_LARGE, which storeGroup turns into
 * UNKNOWN_SERVER_ERROR for every member's SyncGroup; the group then prepares a new rebalance.
 *
 * Layout counted here:
 * - key: int16 version, string group;
 * - value v3: int16 version, string protocol_type, int32 generation, nullable string protocol,
 *   nullable string leader, int64 current_state_timestamp, array of members [string member_id,
 *   nullable string group_instance_id, string client_id, string client_host, int32
 *   rebalance_timeout, int32 session_timeout, bytes subscription (the metadata of the group's
 *   protocol), bytes assignment (empty for members the leader left out)];
 * - record: varint length, int8 attributes, varlong timestamp delta (0), varint offset delta (0),
 *   varint key length, key, varint value length, value, varint header count (0);
 * - batch header: 61 bytes.
 * Strings count their UTF-8 bytes, as Java writes them.
 */
import type { GroupMetadata } from './group-metadata.js';

const RECORD_BATCH_OVERHEAD = 61;

function str(s: string | null): number {
  return 2 + (s === null ? 0 : Buffer.byteLength(s, 'utf8'));
}

/** Bytes of a zig-zag varint holding `n` (n ≥ 0). */
function varintSize(n: number): number {
  let v = n * 2;
  let bytes = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    bytes++;
  }
  return bytes;
}

/** The size in bytes of the batch Kafka's storeGroup would append for `group` with `assignments`. */
export function groupMetadataRecordSize(group: GroupMetadata, assignments: ReadonlyMap<string, Buffer>): number {
  const key = 2 + str(group.groupId);
  let value = 2 + str(group.protocolType ?? '') + 4 + str(group.protocolName) + str(group.leaderId) + 8 + 4;
  for (const m of group.allMembers()) {
    const subscription = group.protocolName !== null && m.protocolNames().includes(group.protocolName) ? m.metadata(group.protocolName).length : 0;
    value += str(m.memberId) + str(m.groupInstanceId) + str(m.clientId) + str(m.clientHost) + 4 + 4;
    value += 4 + subscription + 4 + (assignments.get(m.memberId)?.length ?? 0);
  }
  const body = 1 + 1 + 1 + varintSize(key) + key + varintSize(value) + value + 1;
  return RECORD_BATCH_OVERHEAD + varintSize(body) + body;
}

/**
 * The size of the batch Kafka 2.7's storeOffsets appends for one OffsetCommit: one record per
 * partition, key OffsetKey v1 (int16 version, string group, string topic, int32 partition), value
 * OffsetCommitValue v3 (int16 version, int64 offset, int32 leader_epoch, string metadata, int64
 * commit_timestamp), or v1 when an explicit retention gives an expire timestamp (int16 version,
 * int64 offset, string metadata, int64 commit_timestamp, int64 expire_timestamp). Above
 * max.message.bytes Kafka answers INVALID_COMMIT_OFFSET_SIZE for every partition of the batch.
 */
export function offsetCommitRecordsSize(
  groupId: string,
  entries: ReadonlyArray<{ topic: string; metadata: string; expireTimestamp: number | null }>,
): number {
  let size = RECORD_BATCH_OVERHEAD;
  entries.forEach((e, i) => {
    const key = 2 + str(groupId) + str(e.topic) + 4;
    const value = e.expireTimestamp === null ? 2 + 8 + 4 + str(e.metadata) + 8 : 2 + 8 + str(e.metadata) + 8 + 8;
    const body = 1 + 1 + varintSize(i) + varintSize(key) + key + varintSize(value) + value + 1;
    size += varintSize(body) + body;
  });
  return size;
}
