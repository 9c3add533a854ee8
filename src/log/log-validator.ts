/**
 * The per-topic record policies of a client append (Kafka 2.7's LogValidator, the parts beyond
 * the header checks of protocol/records/batch-validator.ts; reference protocol.md §4.5,
 * transactions-and-compaction.md §3.3).
 *
 * The fast path: when the topic is not compacted, keeps its producer's codec, uses CreateTime and
 * has no message.timestamp.difference.max.ms bound, a batch is looked at through its header only
 * and stored as sent. Otherwise:
 * - a batch marked LogAppendTime by the client → INVALID_TIMESTAMP for each record;
 * - compacted topic: every record needs a key → INVALID_RECORD, one RecordErrors entry per
 *   keyless record ("Compacted topic cannot accept message without key in topic partition
 *   <tp>."), nothing appended;
 * - message.timestamp.difference.max.ms (CreateTime): a record whose timestamp is further than
 *   that from the broker's clock → INVALID_TIMESTAMP with its RecordErrors entry;
 * - a compressed batch whose records' offset deltas are not 0..n−1 → INVALID_RECORD;
 * - compression.type other than `producer` and different from the batch's codec: the batch is
 *   rebuilt in that codec (the one place the broker re-encodes records, as Kafka does), keeping
 *   producer id, epoch, base sequence and the transactional flag, offset deltas 0..n−1, and the
 *   records' timestamps; max.message.bytes applies to the rebuilt batch (MESSAGE_TOO_LARGE);
 * - message.timestamp.type=LogAppendTime: the leader's append stamps the batch (Log.append).
 * Records are walked with the allocation-free scanner; compressed batches are decompressed under
 * the same bound the cleaner uses.
 */
import { KafkaError } from '../common/errors.js';
import type { TopicPartition } from '../common/topic-partition.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { appendBatch, BatchHeader, recordsOf } from '../protocol/records/batch-header.js';
import { ATTR_COMPRESSION_MASK, Compression, MAGIC } from '../protocol/records/batch-layout.js';
import { compress, decompressionLimit } from '../protocol/records/compression/index.js';
import { appendRecord, RecordScanner, RecordSink } from '../protocol/records/record-scanner.js';
import { CompressionType, isCompacted, LONG_MAX, TimestampType, type LogConfig } from './log-config.js';

export interface RecordError {
  readonly batchIndex: number;
  readonly message: string | null;
}

/** A record-level refusal: Produce v8 answers it with RecordErrors and the error message. */
export class RecordErrorsException extends KafkaError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly recordErrors: readonly RecordError[],
  ) {
    super(code, message);
    this.name = 'RecordErrorsException';
  }
}

const TARGET_CODECS: Readonly<Record<string, number>> = {
  [CompressionType.Uncompressed]: Compression.None,
  [CompressionType.Gzip]: Compression.Gzip,
  [CompressionType.Snappy]: Compression.Snappy,
  [CompressionType.Lz4]: Compression.Lz4,
  [CompressionType.Zstd]: Compression.Zstd,
};

const header = new BatchHeader();
const scanner = new RecordScanner();
const plain = new RecordSink();
const rebuilt = new RecordSink();

/**
 * Apply the topic's record policies to a client's records for one partition (already through
 * validateProduceRecords). Returns the bytes to append: `records` itself, or a copy with the
 * batches that needed it rebuilt. Throws KafkaError / RecordErrorsException.
 */
export function applyRecordPolicies(records: Buffer, config: LogConfig, now: number, tp: TopicPartition): Buffer {
  const logAppendTime = config.messageTimestampType === TimestampType.LogAppendTime;
  const checkTimestamps = !logAppendTime && config.messageTimestampDifferenceMaxMs < LONG_MAX;
  const compacted = isCompacted(config);
  const target = TARGET_CODECS[config.compressionType];
  let out: RecordSink | null = null;
  for (let pos = 0; pos < records.length; ) {
    if (records.readInt8(pos + MAGIC) !== 2) return records; // legacy data is converted before this
    const h = header.read(records, pos);
    const end = pos + h.size;
    if (h.isLogAppendTime) throw clientLogAppendTime(h.recordCount);
    const rebuild = target !== undefined && target !== h.compression;
    const checked = compacted || checkTimestamps || rebuild ? validateRecords(records, h, { compacted, checkTimestamps, config, now, tp }) : null;
    if (rebuild && checked) {
      out ??= startRebuild(records, pos);
      rebuildBatch(checked.data, h, target, checked.maxTimestamp, config, tp, out);
    } else if (out) {
      out.copy(records, pos, end);
    }
    pos = end;
  }
  return out ? Buffer.from(out.view()) : records;
}

interface ValidationContext {
  compacted: boolean;
  checkTimestamps: boolean;
  config: LogConfig;
  now: number;
  tp: TopicPartition;
}

/** Walk the records of batch `h` and collect Kafka's record errors; returns the plain records and their largest timestamp. */
function validateRecords(records: Buffer, h: BatchHeader, ctx: ValidationContext): { data: Buffer; maxTimestamp: number } {
  const data = recordsOf(records, h, Math.max(decompressionLimit(ctx.config.maxMessageBytes), h.size));
  scanner.reset(data, 0, data.length, h.recordCount);
  const errors: RecordError[] = [];
  let invalidTimestamp = false;
  let maxTimestamp = -1;
  const maxDiff = ctx.config.messageTimestampDifferenceMaxMs;
  while (scanner.next()) {
    const i = scanner.index;
    const timestamp = h.baseTimestamp + scanner.timestampDelta;
    maxTimestamp = Math.max(maxTimestamp, timestamp);
    if (h.compression !== Compression.None && scanner.offsetDelta !== i) {
      throw new RecordErrorsException(
        ErrorCode.InvalidRecord,
        `Inner record inside the compressed record batch does not have incremental offsets, expected offset is ${i} in topic partition ${tpName(ctx.tp)}.`,
        [{ batchIndex: i, message: null }],
      );
    }
    if (ctx.compacted && !scanner.hasKey) {
      errors.push({ batchIndex: i, message: `Compacted topic cannot accept message without key in topic partition ${tpName(ctx.tp)}.` });
    } else if (ctx.checkTimestamps && timestamp !== -1 && Math.abs(timestamp - ctx.now) > maxDiff) {
      invalidTimestamp = true;
      errors.push({
        batchIndex: i,
        message:
          `Timestamp ${timestamp} of message with offset ${i} is out of range. ` +
          `The timestamp should be within [${ctx.now - maxDiff}, ${ctx.now + maxDiff}]`,
      });
    }
  }
  if (errors.length > 0) {
    throw invalidTimestamp
      ? new RecordErrorsException(ErrorCode.InvalidTimestamp, 'One or more records have been rejected due to invalid timestamp', errors)
      : new RecordErrorsException(ErrorCode.InvalidRecord, 'One or more records have been rejected', errors);
  }
  return { data, maxTimestamp };
}

function startRebuild(records: Buffer, upTo: number): RecordSink {
  rebuilt.reset();
  rebuilt.copy(records, 0, upTo);
  return rebuilt;
}

/** Kafka's buildRecordsAndAssignOffsets: the batch's records in the target codec, offsets 0..n−1. */
function rebuildBatch(
  data: Buffer,
  h: BatchHeader,
  codec: number,
  maxTimestamp: number,
  config: LogConfig,
  tp: TopicPartition,
  out: RecordSink,
): void {
  scanner.reset(data, 0, data.length, h.recordCount);
  plain.reset();
  let firstTimestamp = 0;
  while (scanner.next()) {
    const timestamp = h.baseTimestamp + scanner.timestampDelta;
    if (scanner.index === 0) firstTimestamp = timestamp;
    appendRecord(plain, data, scanner, timestamp - firstTimestamp, scanner.index);
  }
  const payload = codec === Compression.None ? plain.view() : compress(codec, plain.view());
  const before = out.length;
  const attributes = (h.attributes & ~ATTR_COMPRESSION_MASK) | codec;
  appendBatch(out, { ...h, attributes, lastOffsetDelta: h.recordCount - 1, baseTimestamp: firstTimestamp, maxTimestamp }, payload);
  const size = out.length - before;
  if (size > config.maxMessageBytes) {
    throw new KafkaError(
      ErrorCode.MessageTooLarge,
      `Message batch size is ${size} bytes in append to partition ${tpName(tp)} which exceeds the maximum configured size of ${config.maxMessageBytes}.`,
    );
  }
}

function clientLogAppendTime(count: number): RecordErrorsException {
  const errors = Array.from({ length: Math.max(0, count) }, (_, i) => ({
    batchIndex: i,
    message: 'Invalid timestamp type in message. Producer should not set timestamp type to LogAppendTime.',
  }));
  return new RecordErrorsException(ErrorCode.InvalidTimestamp, 'One or more records have been rejected due to invalid timestamp', errors);
}

function tpName(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}
