/**
 * A records blob — one partition's `records` in Produce, or stored/fetched log bytes — is a
 * plain concatenation of batches (Kafka MemoryRecords). splitBatches cuts it into zero-copy
 * RecordBatch views, checking only the framing:
 *
 * 1. fewer bytes than a batch needs to show its magic, or a batchLength reaching past the end
 *    → CORRUPT_MESSAGE (truncated);
 * 2. magic 0/1 (legacy message sets, see legacy-message-set.ts) → INVALID_RECORD, other magics
 *    → CORRUPT_MESSAGE ("Invalid magic found in record");
 * 3. batchLength smaller than the v2 header (or negative) → CORRUPT_MESSAGE.
 *
 * Deviation: Kafka's ByteBufferLogInputStream silently drops a truncated trailing batch (and the
 * log trims it); we reject the blob, since no client sends partial batches.
 */
import { ProtocolError } from '../errors.js';
import { ErrorCode } from '../error-codes.js';
import * as L from './batch-layout.js';
import { RecordBatch } from './record-batch.js';

/** Magic of the first batch or message in `records` (every format keeps it at byte 16). */
export function peekMagic(records: Buffer): number {
  if (records.length <= L.MAGIC) throw corrupt(`records of ${records.length} bytes hold no batch header`);
  return records.readInt8(L.MAGIC);
}

/**
 * Kafka's ProduceRequest.hasTransactionalRecords / hasIdempotentRecords for one partition's
 * records: like Kafka's setFlags, only the first batch counts (transactional bit, producer id);
 * legacy formats are neither.
 */
export function producerFlags(records: Buffer | null): { transactional: boolean; idempotent: boolean } {
  if (records === null || records.length < L.RECORDS || records.readInt8(L.MAGIC) !== 2) return { transactional: false, idempotent: false };
  return {
    transactional: (records.readInt16BE(L.ATTRIBUTES) & L.ATTR_TRANSACTIONAL) !== 0,
    idempotent: records.readBigInt64BE(L.PRODUCER_ID) >= 0n,
  };
}

/**
 * Whether the first batch of a partition's records is transactional (Kafka's
 * ProduceRequest.hasTransactionalRecords looks at the first batch only; legacy formats never are).
 */
export function firstBatchIsTransactional(records: Buffer | null): boolean {
  if (records === null || records.length < L.HEADER_SIZE || records.readInt8(L.MAGIC) !== 2) return false;
  return (records.readInt16BE(L.ATTRIBUTES) & L.ATTR_TRANSACTIONAL) !== 0;
}

function corrupt(reason: string): ProtocolError {
  return new ProtocolError(reason, ErrorCode.CorruptMessage);
}

export function splitBatches(records: Buffer): RecordBatch[] {
  const batches: RecordBatch[] = [];
  let position = 0;
  while (position < records.length) {
    const remaining = records.length - position;
    if (remaining <= L.MAGIC) throw corrupt(`truncated record batch: ${remaining} trailing bytes`);
    const magic = records.readInt8(position + L.MAGIC);
    if (magic !== 2) {
      const legacy = magic === 0 || magic === 1;
      throw new ProtocolError(
        legacy ? `legacy message format (magic ${magic}) where a v2 record batch is required` : `Invalid magic found in record: ${magic}`,
        legacy ? ErrorCode.InvalidRecord : ErrorCode.CorruptMessage,
      );
    }
    const batchLength = records.readInt32BE(position + L.BATCH_LENGTH);
    if (batchLength < L.HEADER_SIZE - L.LOG_OVERHEAD) {
      throw corrupt(`record batch length ${batchLength} is smaller than the minimum ${L.HEADER_SIZE - L.LOG_OVERHEAD}`);
    }
    const size = L.LOG_OVERHEAD + batchLength;
    if (size > remaining) throw corrupt(`truncated record batch: length ${size} but ${remaining} bytes remain`);
    batches.push(new RecordBatch(records.subarray(position, position + size)));
    position += size;
  }
  return batches;
}
