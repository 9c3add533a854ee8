/**
 * `<offset>.snapshot` files: the producer state of a partition after every batch below `offset`
 * (Kafka 2.7 ProducerStateManager.writeSnapshot/readSnapshot, version 1;
 * transactions-and-compaction.md §1.6), byte for byte:
 *
 *   int16 version = 1 · uint32 CRC-32C of bytes 6..end · int32 n · n × 46-byte entries
 *   entry: int64 producer_id · int16 epoch · int32 last_sequence · int64 last_offset ·
 *          int32 offset_delta · int64 timestamp · int32 coordinator_epoch ·
 *          int64 current_txn_first_offset (-1 = none)
 *
 * Only the newest batch of each producer is stored; a producer whose last write was a marker has
 * last_sequence -1, last_offset -1, offset_delta 0. A wrong version, a short or overlong file or a
 * CRC mismatch is a CorruptSnapshotError (the caller deletes the file and tries an older one).
 */
import { readInt64, writeInt64 } from '../protocol/primitives.js';
import { crc32c } from '../protocol/records/crc.js';
import { filenamePrefixFromOffset } from './log-file-names.js';
import { NO_OPEN_TXN, ProducerStateEntry } from './producer-state-entry.js';

const PRODUCER_SNAPSHOT_SUFFIX = '.snapshot';
export const PRODUCER_SNAPSHOT_VERSION = 1;
const CRC_OFFSET = 2;
const ENTRIES_OFFSET = 6;
const HEADER_SIZE = 10;
const ENTRY_SIZE = 46;

export class CorruptSnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptSnapshotError';
  }
}

export function snapshotFileName(offset: number): string {
  return filenamePrefixFromOffset(offset) + PRODUCER_SNAPSHOT_SUFFIX;
}

/** The offset in `00000000000000001234.snapshot`, or null for any other name. */
export function snapshotOffsetFromName(name: string): number | null {
  const match = /^(\d{20})\.snapshot$/.exec(name);
  if (!match?.[1]) return null;
  const offset = Number(match[1]);
  return Number.isSafeInteger(offset) ? offset : null;
}

export function encodeProducerSnapshot(entries: Iterable<ProducerStateEntry>): Buffer {
  const list = [...entries];
  const buf = Buffer.alloc(HEADER_SIZE + list.length * ENTRY_SIZE);
  buf.writeInt16BE(PRODUCER_SNAPSHOT_VERSION, 0);
  buf.writeInt32BE(list.length, ENTRIES_OFFSET);
  let pos = HEADER_SIZE;
  for (const e of list) {
    writeInt64(buf, pos, e.producerId);
    buf.writeInt16BE(e.producerEpoch, pos + 8);
    buf.writeInt32BE(e.lastSeq, pos + 10);
    writeInt64(buf, pos + 14, e.lastDataOffset);
    buf.writeInt32BE(e.lastOffsetDelta, pos + 22);
    writeInt64(buf, pos + 26, e.lastTimestamp);
    buf.writeInt32BE(e.coordinatorEpoch, pos + 34);
    writeInt64(buf, pos + 38, e.currentTxnFirstOffset);
    pos += ENTRY_SIZE;
  }
  buf.writeUInt32BE(crc32c(buf.subarray(ENTRIES_OFFSET)), CRC_OFFSET);
  return buf;
}

export function decodeProducerSnapshot(buf: Buffer): ProducerStateEntry[] {
  if (buf.length < HEADER_SIZE) throw new CorruptSnapshotError(`snapshot of ${buf.length} bytes is shorter than its header`);
  const version = buf.readInt16BE(0);
  if (version !== PRODUCER_SNAPSHOT_VERSION) throw new CorruptSnapshotError(`Snapshot contained an unknown file version ${version}`);
  const stored = buf.readUInt32BE(CRC_OFFSET);
  const computed = crc32c(buf.subarray(ENTRIES_OFFSET));
  if (stored !== computed) {
    throw new CorruptSnapshotError(`Snapshot is corrupt (CRC is no longer valid). Stored crc: ${stored}. Computed crc: ${computed}`);
  }
  const n = buf.readInt32BE(ENTRIES_OFFSET);
  if (n < 0 || buf.length !== HEADER_SIZE + n * ENTRY_SIZE) throw new CorruptSnapshotError(`snapshot of ${buf.length} bytes cannot hold ${n} entries`);
  const entries: ProducerStateEntry[] = [];
  let pos = HEADER_SIZE;
  try {
    for (let i = 0; i < n; i++, pos += ENTRY_SIZE) {
      const entry = new ProducerStateEntry(readInt64(buf, pos));
      const epoch = buf.readInt16BE(pos + 8);
      const lastSeq = buf.readInt32BE(pos + 10);
      const lastOffset = readInt64(buf, pos + 14);
      const offsetDelta = buf.readInt32BE(pos + 22);
      const timestamp = readInt64(buf, pos + 26);
      entry.producerEpoch = epoch;
      if (lastOffset >= 0) entry.addBatch(epoch, lastSeq, lastOffset, offsetDelta, timestamp);
      entry.lastTimestamp = timestamp;
      entry.coordinatorEpoch = buf.readInt32BE(pos + 34);
      const txnFirstOffset = readInt64(buf, pos + 38);
      entry.currentTxnFirstOffset = txnFirstOffset >= 0 ? txnFirstOffset : NO_OPEN_TXN;
      entries.push(entry);
    }
  } catch (err) {
    throw new CorruptSnapshotError(`Snapshot failed schema validation: ${(err as Error).message}`);
  }
  return entries;
}
