/**
 * The header walk done before an append (Kafka's Log.analyzeAndValidateRecords plus the in-place
 * offset assignment of LogValidator for the leader).
 *
 * Per batch, header fields only (no record is decoded): the length must be sane and fit the
 * buffer, magic must be 2, the batch must not exceed max.message.bytes. As leader, baseOffset and
 * partitionLeaderEpoch are rewritten in place; both lie outside the CRC-32C range, so the CRC
 * stays valid. Under LogAppendTime the leader also stamps each batch (timestamp-type bit and
 * MaxTimestamp = the append time, CRC recomputed), as Kafka's LogValidator does. As follower, offsets must increase and the CRC is verified: replicated bytes come
 * from another broker's disk and must not be trusted blindly.
 */
import { KafkaError } from '../common/errors.js';
import { ErrorCode } from '../protocol/error-codes.js';
import {
  ATTRIBUTES,
  BATCH_LENGTH,
  CRC,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
  PRODUCER_ID,
} from '../protocol/records/batch-layout.js';
import { crc32c } from '../protocol/records/crc.js';
import { RecordBatch } from '../protocol/records/record-batch.js';
import { writeInt64 } from '../protocol/primitives.js';
import { CURRENT_MAGIC, MIN_BATCH_LENGTH, readSafeInt64 } from './batch-cursor.js';
import type { BatchMetadata } from './producer-state-entry.js';
import { NO_TIMESTAMP } from './time-index.js';

export interface LogAppendInfo {
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly maxTimestamp: number;
  readonly offsetOfMaxTimestamp: number;
  /** The broker time stamped on the batches under LogAppendTime, else -1 (Kafka's NO_TIMESTAMP). */
  readonly logAppendTime: number;
  readonly logStartOffset: number;
  readonly batchCount: number;
  readonly validBytes: number;
  /** A client batch already in the log (idempotent retry): nothing was written, the offsets are the original's. */
  readonly duplicate?: boolean;
}

export interface AnalyzedBatches {
  firstOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  offsetOfMaxTimestamp: number;
  batchCount: number;
  /** Batches with a producer id (idempotent or transactional): only these touch the producer state. */
  producerBatches: number;
  /** (partitionLeaderEpoch, baseOffset) of each batch that starts a new epoch. */
  epochStarts: Array<readonly [number, number]>;
}

export type AppendMode =
  | { readonly role: 'leader'; readonly nextOffset: number; readonly leaderEpoch: number; readonly logAppendTime: number }
  | { readonly role: 'follower'; readonly logEndOffset: number };

function corrupt(message: string): KafkaError {
  return new KafkaError(ErrorCode.CorruptMessage, message);
}

export function analyzeBatches(records: Buffer, mode: AppendMode, maxMessageBytes: number): AnalyzedBatches {
  const info: AnalyzedBatches = {
    firstOffset: -1,
    lastOffset: -1,
    maxTimestamp: NO_TIMESTAMP,
    offsetOfMaxTimestamp: -1,
    batchCount: 0,
    producerBatches: 0,
    epochStarts: [],
  };
  let nextOffset = mode.role === 'leader' ? mode.nextOffset : mode.logEndOffset;
  let epoch = Number.NaN;
  for (let pos = 0; pos < records.length; ) {
    if (records.length - pos < LOG_OVERHEAD) throw corrupt(`${records.length - pos} trailing bytes after the last batch`);
    const batchLength = records.readInt32BE(pos + BATCH_LENGTH);
    if (batchLength < MIN_BATCH_LENGTH || batchLength > records.length - pos - LOG_OVERHEAD) {
      throw corrupt(`batch length ${batchLength} is invalid at position ${pos}`);
    }
    const size = batchLength + LOG_OVERHEAD;
    if (size > maxMessageBytes) {
      throw new KafkaError(ErrorCode.MessageTooLarge, `batch of ${size} bytes exceeds max.message.bytes ${maxMessageBytes}`);
    }
    if (records.readInt8(pos + MAGIC) !== CURRENT_MAGIC) throw corrupt(`unsupported magic ${records.readInt8(pos + MAGIC)}`);
    const lastOffsetDelta = records.readInt32BE(pos + LAST_OFFSET_DELTA);
    let maxTimestamp = readSafeInt64(records, pos + MAX_TIMESTAMP);
    if (lastOffsetDelta < 0 || Number.isNaN(maxTimestamp)) throw corrupt('lastOffsetDelta or maxTimestamp out of range');
    let baseOffset: number;
    if (mode.role === 'leader') {
      baseOffset = nextOffset;
      writeInt64(records, pos, baseOffset);
      records.writeInt32BE(mode.leaderEpoch, pos + PARTITION_LEADER_EPOCH);
      if (mode.logAppendTime >= 0) {
        maxTimestamp = mode.logAppendTime;
        new RecordBatch(records.subarray(pos, pos + size)).setLogAppendTime(maxTimestamp);
      }
    } else {
      baseOffset = readSafeInt64(records, pos);
      if (!(baseOffset >= nextOffset)) {
        throw new KafkaError(ErrorCode.UnknownServerError, `out of order offsets: batch at ${baseOffset}, expected ≥ ${nextOffset}`);
      }
      if (crc32c(records.subarray(pos + ATTRIBUTES, pos + size)) !== records.readUInt32BE(pos + CRC)) {
        throw corrupt(`CRC-32C mismatch in the batch at offset ${baseOffset}`);
      }
    }
    const lastOffset = baseOffset + lastOffsetDelta;
    // Producer id ≥ 0 ⇔ its high word ≥ 0 (no producer = -1): one int32 read, no int64 decode.
    if (records.readInt32BE(pos + PRODUCER_ID) >= 0) info.producerBatches++;
    if (info.batchCount === 0) info.firstOffset = baseOffset;
    info.lastOffset = lastOffset;
    info.batchCount++;
    if (maxTimestamp > info.maxTimestamp) {
      info.maxTimestamp = maxTimestamp;
      info.offsetOfMaxTimestamp = lastOffset;
    }
    const batchEpoch = records.readInt32BE(pos + PARTITION_LEADER_EPOCH);
    if (batchEpoch !== epoch) info.epochStarts.push([batchEpoch, baseOffset]);
    epoch = batchEpoch;
    nextOffset = lastOffset + 1;
    pos += size;
  }
  return info;
}

/** What a retried batch is answered: the original's offsets and max timestamp (a 2.7 quirk, even under CreateTime). */
export function duplicateAppendInfo(d: BatchMetadata, logStartOffset: number): LogAppendInfo {
  return {
    firstOffset: d.firstOffset,
    lastOffset: d.lastOffset,
    maxTimestamp: d.timestamp,
    offsetOfMaxTimestamp: d.lastOffset,
    logAppendTime: d.timestamp,
    logStartOffset,
    batchCount: 0,
    validBytes: 0,
    duplicate: true,
  };
}
