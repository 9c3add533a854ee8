/**
 * Validation of v2 record batches on append (Kafka 2.7 Log.analyzeAndValidateRecords and
 * LogValidator.validateBatch / validateRecord), in two tiers:
 *
 * validateBatch — the hot path: header fields and one CRC-32C pass, no per-record work.
 *   1. client append with baseOffset != 0                        → INVALID_RECORD
 *   2. batch larger than max.message.bytes                        → MESSAGE_TOO_LARGE
 *   3. CRC-32C over attributes..end mismatch                      → CORRUPT_MESSAGE
 *   4. compression codec 5–7                                      → CORRUPT_MESSAGE
 *   client appends only (AppendOrigin.Client):
 *   5. lastOffsetDelta < 0, recordCount <= 0, or
 *      lastOffsetDelta + 1 != recordCount                         → INVALID_RECORD
 *   6. control batch                                              → INVALID_RECORD
 *   7. producerId >= 0 with baseSequence < 0                      → INVALID_RECORD
 *   8. uncompressed records that cannot fit recordCount records   → INVALID_RECORD
 *      (Kafka finds this while iterating records; 7 bytes is the smallest record, so the check
 *      is O(1) here.)
 *
 * validateBatchRecords — the deep tier, only when the broker must look inside (compacted topics,
 * recompression, format conversion): decodes every record (decompressing under a limit) and
 * checks the count against the records present; compacted topics reject key-less records with a
 * per-record error (Produce v8 RecordErrors).
 *
 * validateProduceRecords applies Produce's own rule first (ProduceRequest.validateRecords):
 * v3+ carries exactly one magic-2 batch (else INVALID_RECORD), zstd needs v7+ (else
 * UNSUPPORTED_COMPRESSION_TYPE). Magic-2 data in v0–v2 must be one batch too (LogValidator's
 * getFirstBatchAndMaybeValidateNoMoreBatches: "Compressed outer record has more than one batch"), so
 * a producer's batch is always alone in its append. Legacy magic 0/1 data (Produce v0–v2) goes
 * through legacy-message-set.ts instead; peekMagic tells which.
 */
import { ProtocolError } from '../errors.js';
import { ErrorCode } from '../error-codes.js';
import * as L from './batch-layout.js';
import { splitBatches } from './memory-records.js';
import { readRecords, type KafkaRecord, type ReadRecordsOptions } from './record.js';
import type { RecordBatch } from './record-batch.js';

const MIN_RECORD_SIZE = 7;
const MAX_CODEC = L.Compression.Zstd;

export interface BatchValidationOptions {
  /** Producer appends get the client-only checks; replication and internal appends do not. */
  fromClient: boolean;
  /** The topic's max.message.bytes; larger batches are MESSAGE_TOO_LARGE. */
  maxBatchSize?: number;
}

/** A record-level failure; `recordIndex` feeds Produce v8's RecordErrors. */
export class RecordValidationError extends ProtocolError {
  constructor(
    message: string,
    readonly recordIndex: number,
  ) {
    super(message, ErrorCode.InvalidRecord);
    this.name = 'RecordValidationError';
  }
}

function invalidRecord(reason: string): ProtocolError {
  return new ProtocolError(reason, ErrorCode.InvalidRecord);
}

export function validateBatch(batch: RecordBatch, options: BatchValidationOptions): void {
  if (options.fromClient && batch.baseOffset !== 0) {
    throw invalidRecord(`The baseOffset of the record batch should be 0, but it is ${batch.baseOffset}`);
  }
  if (options.maxBatchSize !== undefined && batch.sizeInBytes > options.maxBatchSize) {
    throw new ProtocolError(
      `record batch of ${batch.sizeInBytes} bytes exceeds max.message.bytes ${options.maxBatchSize}`,
      ErrorCode.MessageTooLarge,
    );
  }
  if (!batch.isCrcValid()) {
    throw new ProtocolError(`Record batch is corrupt (stored crc = ${batch.crc}, computed crc = ${batch.computeCrc()})`, ErrorCode.CorruptMessage);
  }
  if (batch.compression > MAX_CODEC) {
    throw new ProtocolError(`unknown compression codec ${batch.compression}`, ErrorCode.CorruptMessage);
  }
  if (options.fromClient) validateClientBatch(batch);
}

function validateClientBatch(batch: RecordBatch): void {
  const lastOffsetDelta = batch.lastOffsetDelta;
  const count = batch.recordCount;
  if (lastOffsetDelta < 0) throw invalidRecord(`Batch has an invalid offset range: lastOffsetDelta ${lastOffsetDelta}`);
  if (count <= 0) throw invalidRecord(`Invalid reported count for record batch: ${count}`);
  if (lastOffsetDelta + 1 !== count) {
    throw invalidRecord(`Inconsistent batch offset range (lastOffsetDelta ${lastOffsetDelta}) and count of records (${count})`);
  }
  if (batch.isControl) throw invalidRecord('Clients are not allowed to write control records');
  if (batch.hasProducerId && batch.baseSequence < 0) {
    throw invalidRecord(`Invalid sequence number ${batch.baseSequence} in record batch with producerId ${batch.producerId}`);
  }
  if (batch.compression === L.Compression.None && count * MIN_RECORD_SIZE > batch.sizeInBytes - L.HEADER_SIZE) {
    throw invalidRecord('Incorrect declared batch size, premature EOF reached');
  }
}

/** Produce's `records` for one partition, v2 format: split, check Produce's rules, validate. */
export function validateProduceRecords(records: Buffer, apiVersion: number, options: Omit<BatchValidationOptions, 'fromClient'>): RecordBatch[] {
  if (apiVersion >= 3 && records.length === 0) {
    throw invalidRecord(`Produce requests with version ${apiVersion} must have at least one record batch`);
  }
  const batches = splitBatches(records);
  if (batches.length > 1 && apiVersion < 3) throw invalidRecord('Compressed outer record has more than one batch');
  if (apiVersion >= 3) {
    if (batches.length !== 1) {
      throw invalidRecord(`Produce requests with version ${apiVersion} are only allowed to contain exactly one record batch`);
    }
    if (apiVersion < 7 && batches[0]!.compression === L.Compression.Zstd) {
      throw new ProtocolError(`Produce requests with version ${apiVersion} cannot carry zstd`, ErrorCode.UnsupportedCompressionType);
    }
  }
  for (const batch of batches) validateBatch(batch, { ...options, fromClient: true });
  return batches;
}

export interface DeepValidationOptions extends ReadRecordsOptions {
  /** cleanup.policy includes compact: every record needs a key */
  compacted?: boolean;
}

export interface DeepValidationResult {
  records: KafkaRecord[];
  /**
   * offsetDeltas are exactly 0..n-1. Kafka rebuilds compressed batches that break this (old
   * clients) instead of rejecting them; the caller decides likewise.
   */
  offsetsSequential: boolean;
}

export function validateBatchRecords(batch: RecordBatch, options: DeepValidationOptions): DeepValidationResult {
  const records = readRecords(batch, options);
  let offsetsSequential = true;
  records.forEach((record, i) => {
    if (options.compacted && record.key === null) {
      throw new RecordValidationError('Compacted topic cannot accept message without key', i);
    }
    if (record.offsetDelta !== i) offsetsSequential = false;
  });
  return { records, offsetsSequential };
}
