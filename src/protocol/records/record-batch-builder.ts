/**
 * Builds RecordBatch v2 bytes (layout in batch-layout.ts) from records: for tests, for the
 * up-conversion of legacy message sets, for rebuilding batches (compaction, recompression) and
 * for the transaction markers the partition leader writes.
 *
 * baseTimestamp is the first record's timestamp and maxTimestamp the largest (Kafka's
 * MemoryRecordsBuilder); offsetDeltas default to 0..n-1.
 */
import { Writer, writeInt64 } from '../primitives.js';
import * as L from './batch-layout.js';
import { compress } from './compression/index.js';
import { ControlRecordType, encodeControlKey, encodeMarkerValue } from './control-record.js';
import { crc32c } from './crc.js';
import { writeRecord, type RecordHeader } from './record.js';
import { NO_PARTITION_LEADER_EPOCH, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE, NO_TIMESTAMP } from './record-batch.js';

export interface RecordInput {
  key?: Buffer | null;
  value: Buffer | null;
  headers?: readonly RecordHeader[];
  timestamp: number;
  /** defaults to the record's index */
  offsetDelta?: number;
}

export interface BatchOptions {
  compression?: L.Compression;
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  isTransactional?: boolean;
  isControl?: boolean;
  /** LogAppendTime batches: set the timestamp-type bit and stamp maxTimestamp with this time. */
  logAppendTime?: number;
  /** Keeps an emptied or thinned batch's offset range (compaction); defaults to the last offsetDelta. */
  lastOffsetDelta?: number;
}

export function buildRecordBatch(records: readonly RecordInput[], options: BatchOptions = {}): Buffer {
  const codec = options.compression ?? L.Compression.None;
  const baseTimestamp = records[0]?.timestamp ?? NO_TIMESTAMP;
  const writer = new Writer();
  let maxTimestamp = NO_TIMESTAMP;
  let lastOffsetDelta = -1;
  records.forEach((r, i) => {
    const offsetDelta = r.offsetDelta ?? i;
    lastOffsetDelta = Math.max(lastOffsetDelta, offsetDelta);
    maxTimestamp = Math.max(maxTimestamp, r.timestamp);
    writeRecord(writer, {
      offsetDelta,
      timestampDelta: r.timestamp - baseTimestamp,
      key: r.key ?? null,
      value: r.value,
      headers: r.headers ?? [],
    });
  });
  const payload = compress(codec, writer.toBuffer());
  const batch = Buffer.alloc(L.HEADER_SIZE + payload.length);
  writeInt64(batch, L.BASE_OFFSET, options.baseOffset ?? 0);
  batch.writeInt32BE(batch.length - L.LOG_OVERHEAD, L.BATCH_LENGTH);
  batch.writeInt32BE(options.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, L.PARTITION_LEADER_EPOCH);
  batch.writeInt8(2, L.MAGIC);
  batch.writeInt16BE(attributes(codec, options), L.ATTRIBUTES);
  batch.writeInt32BE(options.lastOffsetDelta ?? lastOffsetDelta, L.LAST_OFFSET_DELTA);
  writeInt64(batch, L.BASE_TIMESTAMP, baseTimestamp);
  writeInt64(batch, L.MAX_TIMESTAMP, options.logAppendTime ?? maxTimestamp);
  writeInt64(batch, L.PRODUCER_ID, options.producerId ?? NO_PRODUCER_ID);
  batch.writeInt16BE(options.producerEpoch ?? NO_PRODUCER_EPOCH, L.PRODUCER_EPOCH);
  batch.writeInt32BE(options.baseSequence ?? NO_SEQUENCE, L.BASE_SEQUENCE);
  batch.writeInt32BE(records.length, L.RECORD_COUNT);
  payload.copy(batch, L.RECORDS);
  batch.writeUInt32BE(crc32c(batch.subarray(L.ATTRIBUTES)), L.CRC);
  return batch;
}

function attributes(codec: L.Compression, options: BatchOptions): number {
  let attrs: number = codec;
  if (options.logAppendTime !== undefined) attrs |= L.ATTR_TIMESTAMP_TYPE;
  if (options.isTransactional) attrs |= L.ATTR_TRANSACTIONAL;
  if (options.isControl) attrs |= L.ATTR_CONTROL;
  return attrs;
}

export interface ControlBatchOptions {
  type: ControlRecordType;
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  /** the partition leader's clock when writing the marker */
  timestamp: number;
  baseOffset?: number;
  partitionLeaderEpoch?: number;
}

/** A transaction marker batch: 78 bytes, transactional + control, baseSequence -1, one record. */
export function buildControlBatch(options: ControlBatchOptions): Buffer {
  const marker: RecordInput = {
    key: encodeControlKey(options.type),
    value: encodeMarkerValue(options.coordinatorEpoch),
    timestamp: options.timestamp,
  };
  return buildRecordBatch([marker], {
    baseOffset: options.baseOffset,
    partitionLeaderEpoch: options.partitionLeaderEpoch,
    producerId: options.producerId,
    producerEpoch: options.producerEpoch,
    baseSequence: NO_SEQUENCE,
    isTransactional: true,
    isControl: true,
  });
}
