/**
 * RecordBatch v2 (magic 2): a zero-copy view over the bytes of exactly one batch. Layout in
 * batch-layout.ts; the CRC-32C covers ATTRIBUTES..end, so baseOffset and partitionLeaderEpoch
 * are rewritten in place with the CRC still valid (ARCHITECTURE §7: the hot path never
 * re-encodes). Getters read straight from the buffer; nothing is decoded up front.
 */
import { ProtocolError } from '../errors.js';
import { ErrorCode } from '../error-codes.js';
import { readInt64, writeInt64 } from '../primitives.js';
import * as L from './batch-layout.js';
import { crc32c } from './crc.js';

export const TimestampType = { CreateTime: 0, LogAppendTime: 1 } as const;
export type TimestampType = (typeof TimestampType)[keyof typeof TimestampType];

/** "No producer" / "no sequence" / "no timestamp" sentinels of the v2 format. */
export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_TIMESTAMP = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;

export class RecordBatch {
  /** `buffer` must hold exactly one batch (splitBatches hands out such subarrays). */
  constructor(readonly buffer: Buffer) {
    if (buffer.length < L.HEADER_SIZE) {
      throw new ProtocolError(`record batch of ${buffer.length} bytes is shorter than its ${L.HEADER_SIZE}-byte header`, ErrorCode.CorruptMessage);
    }
    if (buffer.readInt32BE(L.BATCH_LENGTH) !== buffer.length - L.LOG_OVERHEAD) {
      throw new ProtocolError(`record batch length field disagrees with its ${buffer.length} bytes`, ErrorCode.CorruptMessage);
    }
  }

  get baseOffset(): number {
    return readInt64(this.buffer, L.BASE_OFFSET);
  }
  get batchLength(): number {
    return this.buffer.readInt32BE(L.BATCH_LENGTH);
  }
  get partitionLeaderEpoch(): number {
    return this.buffer.readInt32BE(L.PARTITION_LEADER_EPOCH);
  }
  get magic(): number {
    return this.buffer.readInt8(L.MAGIC);
  }
  get crc(): number {
    return this.buffer.readUInt32BE(L.CRC);
  }
  get attributes(): number {
    return this.buffer.readInt16BE(L.ATTRIBUTES);
  }
  /** Codec id, bits 0–2 (5–7 are invalid; the validator rejects them). */
  get compression(): number {
    return this.attributes & L.ATTR_COMPRESSION_MASK;
  }
  get timestampType(): TimestampType {
    return this.attributes & L.ATTR_TIMESTAMP_TYPE ? TimestampType.LogAppendTime : TimestampType.CreateTime;
  }
  get isTransactional(): boolean {
    return (this.attributes & L.ATTR_TRANSACTIONAL) !== 0;
  }
  get isControl(): boolean {
    return (this.attributes & L.ATTR_CONTROL) !== 0;
  }
  get lastOffsetDelta(): number {
    return this.buffer.readInt32BE(L.LAST_OFFSET_DELTA);
  }
  get lastOffset(): number {
    return this.baseOffset + this.lastOffsetDelta;
  }
  /** The first record's timestamp (Kafka's "firstTimestamp"). */
  get baseTimestamp(): number {
    return readInt64(this.buffer, L.BASE_TIMESTAMP);
  }
  get maxTimestamp(): number {
    return readInt64(this.buffer, L.MAX_TIMESTAMP);
  }
  get producerId(): number {
    return readInt64(this.buffer, L.PRODUCER_ID);
  }
  get hasProducerId(): boolean {
    return this.producerId > NO_PRODUCER_ID;
  }
  get producerEpoch(): number {
    return this.buffer.readInt16BE(L.PRODUCER_EPOCH);
  }
  get baseSequence(): number {
    return this.buffer.readInt32BE(L.BASE_SEQUENCE);
  }
  /** Sequence of the last record; sequences wrap from Int32.MAX to 0 (Kafka DefaultRecordBatch). */
  get lastSequence(): number {
    const base = this.baseSequence;
    if (base === NO_SEQUENCE) return NO_SEQUENCE;
    return (base + this.lastOffsetDelta) % 0x8000_0000;
  }
  get recordCount(): number {
    return this.buffer.readInt32BE(L.RECORD_COUNT);
  }
  get sizeInBytes(): number {
    return this.buffer.length;
  }
  /** The record bytes after the header: plain records, or one compressed blob of them. */
  get recordsPayload(): Buffer {
    return this.buffer.subarray(L.RECORDS);
  }

  computeCrc(): number {
    return crc32c(this.buffer.subarray(L.ATTRIBUTES));
  }

  isCrcValid(): boolean {
    return this.computeCrc() === this.crc;
  }

  /** In place; outside the CRC, so the batch stays valid. */
  setBaseOffset(baseOffset: number): void {
    writeInt64(this.buffer, L.BASE_OFFSET, baseOffset);
  }

  /** In place; outside the CRC, so the batch stays valid. */
  setPartitionLeaderEpoch(leaderEpoch: number): void {
    this.buffer.writeInt32BE(leaderEpoch, L.PARTITION_LEADER_EPOCH);
  }

  /**
   * LogAppendTime topics: mark the batch and stamp maxTimestamp with the broker's time, as Kafka's
   * LogValidator does. Both fields are inside the CRC, so it is recomputed.
   */
  setLogAppendTime(timestamp: number): void {
    this.buffer.writeInt16BE(this.attributes | L.ATTR_TIMESTAMP_TYPE, L.ATTRIBUTES);
    writeInt64(this.buffer, L.MAX_TIMESTAMP, timestamp);
    this.buffer.writeUInt32BE(this.computeCrc(), L.CRC);
  }
}
