/**
 * The v2 batch header as plain numbers (layout in batch-layout.ts), read from and written to a
 * caller's buffer without building a RecordBatch per batch: the cleaner walks every batch of the
 * log with one reused BatchHeader, and rebuilds a batch around new record bytes with
 * appendBatch (the header of the original with the new count, timestamps and CRC-32C).
 */
import { readInt64, writeInt64 } from '../primitives.js';
import * as L from './batch-layout.js';
import { decompress } from './compression/index.js';
import { crc32c } from './crc.js';
import type { RecordSink } from './record-scanner.js';

export interface BatchHeaderFields {
  baseOffset: number;
  partitionLeaderEpoch: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

export class BatchHeader implements BatchHeaderFields {
  /** where the batch starts in the buffer it was read from, and its whole size */
  position = 0;
  size = 0;
  baseOffset = 0;
  partitionLeaderEpoch = -1;
  attributes = 0;
  lastOffsetDelta = 0;
  baseTimestamp = -1;
  maxTimestamp = -1;
  producerId = -1;
  producerEpoch = -1;
  baseSequence = -1;
  recordCount = 0;

  /** Read the header at `pos`; the caller has checked that the whole batch is in `buf`. */
  read(buf: Buffer, pos: number): this {
    this.position = pos;
    this.size = buf.readInt32BE(pos + L.BATCH_LENGTH) + L.LOG_OVERHEAD;
    this.baseOffset = readInt64(buf, pos + L.BASE_OFFSET);
    this.partitionLeaderEpoch = buf.readInt32BE(pos + L.PARTITION_LEADER_EPOCH);
    this.attributes = buf.readInt16BE(pos + L.ATTRIBUTES);
    this.lastOffsetDelta = buf.readInt32BE(pos + L.LAST_OFFSET_DELTA);
    this.baseTimestamp = readInt64(buf, pos + L.BASE_TIMESTAMP);
    this.maxTimestamp = readInt64(buf, pos + L.MAX_TIMESTAMP);
    this.producerId = readInt64(buf, pos + L.PRODUCER_ID);
    this.producerEpoch = buf.readInt16BE(pos + L.PRODUCER_EPOCH);
    this.baseSequence = buf.readInt32BE(pos + L.BASE_SEQUENCE);
    this.recordCount = buf.readInt32BE(pos + L.RECORD_COUNT);
    return this;
  }

  get lastOffset(): number {
    return this.baseOffset + this.lastOffsetDelta;
  }
  get compression(): number {
    return this.attributes & L.ATTR_COMPRESSION_MASK;
  }
  get isControl(): boolean {
    return (this.attributes & L.ATTR_CONTROL) !== 0;
  }
  get isTransactional(): boolean {
    return (this.attributes & L.ATTR_TRANSACTIONAL) !== 0;
  }
  get isLogAppendTime(): boolean {
    return (this.attributes & L.ATTR_TIMESTAMP_TYPE) !== 0;
  }
  get hasProducerId(): boolean {
    return this.producerId >= 0;
  }
}

/**
 * Append one batch to `sink`: the header `h` (its recordCount, timestamps and attributes as
 * given) and `payload` (the record bytes, already compressed when the codec says so); the length
 * and CRC-32C are computed.
 */
export function appendBatch(sink: RecordSink, h: BatchHeaderFields, payload: Buffer): void {
  const size = L.HEADER_SIZE + payload.length;
  sink.ensure(size);
  const buf = sink.buf;
  const at = sink.length;
  writeInt64(buf, at + L.BASE_OFFSET, h.baseOffset);
  buf.writeInt32BE(size - L.LOG_OVERHEAD, at + L.BATCH_LENGTH);
  buf.writeInt32BE(h.partitionLeaderEpoch, at + L.PARTITION_LEADER_EPOCH);
  buf.writeInt8(2, at + L.MAGIC);
  buf.writeInt16BE(h.attributes, at + L.ATTRIBUTES);
  buf.writeInt32BE(h.lastOffsetDelta, at + L.LAST_OFFSET_DELTA);
  writeInt64(buf, at + L.BASE_TIMESTAMP, h.baseTimestamp);
  writeInt64(buf, at + L.MAX_TIMESTAMP, h.maxTimestamp);
  writeInt64(buf, at + L.PRODUCER_ID, h.producerId);
  buf.writeInt16BE(h.producerEpoch, at + L.PRODUCER_EPOCH);
  buf.writeInt32BE(h.baseSequence, at + L.BASE_SEQUENCE);
  buf.writeInt32BE(h.recordCount, at + L.RECORD_COUNT);
  payload.copy(buf, at + L.RECORDS);
  buf.writeUInt32BE(crc32c(buf.subarray(at + L.ATTRIBUTES, at + size)), at + L.CRC);
  sink.length = at + size;
}

/**
 * The plain record bytes of the batch `h` read from `buf`: a view when uncompressed, else the
 * payload decompressed (more than `limit` bytes is CORRUPT_MESSAGE: the zip-bomb guard).
 */
export function recordsOf(buf: Buffer, h: BatchHeader, limit: number): Buffer {
  const payload = buf.subarray(h.position + L.RECORDS, h.position + h.size);
  return decompress(h.compression, payload, limit);
}
