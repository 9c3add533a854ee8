/**
 * Copy the batches of a chunk of log that a filter keeps (Kafka's MemoryRecords.filterTo).
 *
 * Per batch the filter first decides the batch's fate (checkBatchRetention): DELETE drops it
 * unread; otherwise every record is offered to shouldRetainRecord, and then
 * - all records kept → the original bytes, untouched;
 * - some kept → a new batch with the same BaseOffset, LastOffsetDelta (so the last sequence
 *   survives), codec (recompressed), timestamp type, producer id/epoch, BaseSequence, flags and
 *   partition leader epoch; kept records keep their offset deltas (gaps are normal), their
 *   timestamp deltas are taken from the first kept record, FirstTimestamp/MaxTimestamp and the
 *   CRC are recomputed (a LogAppendTime batch keeps its MaxTimestamp, the append time);
 * - none kept → dropped, unless RETAIN_EMPTY: then a 61-byte header with no records, codec none,
 *   FirstTimestamp −1 and the original MaxTimestamp (Kafka's writeEmptyHeader).
 * Only whole batches are consumed; a batch cut by the end of the chunk is left for the next one.
 */
import { KafkaError } from '../../common/errors.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { appendBatch, BatchHeader, recordsOf } from '../../protocol/records/batch-header.js';
import { ATTR_COMPRESSION_MASK, Compression, LOG_OVERHEAD, MAGIC } from '../../protocol/records/batch-layout.js';
import { compress } from '../../protocol/records/compression/index.js';
import { appendRecord, RecordScanner, RecordSink } from '../../protocol/records/record-scanner.js';
import { MIN_BATCH_LENGTH } from '../batch-cursor.js';

export const BatchRetention = { Delete: 0, DeleteEmpty: 1, RetainEmpty: 2 } as const;
export type BatchRetention = (typeof BatchRetention)[keyof typeof BatchRetention];

export interface RecordFilter {
  checkBatchRetention(batch: BatchHeader, chunk: Buffer): BatchRetention;
  /** `records` holds the batch's plain records; the scanner is on the record being decided. */
  shouldRetainRecord(batch: BatchHeader, records: Buffer, record: RecordScanner, offset: number): boolean;
}

export interface FilterResult {
  /** bytes of whole batches consumed from the chunk */
  bytesRead: number;
  messagesRead: number;
  messagesRetained: number;
  bytesRetained: number;
  /** the largest last offset among the batches written, −1 if none */
  maxOffset: number;
  maxTimestamp: number;
  shallowOffsetOfMaxTimestamp: number;
}

const EMPTY = Buffer.alloc(0);

export class BatchFilter {
  private readonly header = new BatchHeader();
  private readonly scanner = new RecordScanner();
  private readonly kept = new RecordSink();

  constructor(
    /** ceiling on one batch's decompressed records */
    private readonly decompressLimit: number,
  ) {}

  /** Filter the batches of chunk[0, length) into `out`. */
  filterTo(chunk: Buffer, length: number, filter: RecordFilter, out: RecordSink): FilterResult {
    const result: FilterResult = {
      bytesRead: 0,
      messagesRead: 0,
      messagesRetained: 0,
      bytesRetained: 0,
      maxOffset: -1,
      maxTimestamp: -1,
      shallowOffsetOfMaxTimestamp: -1,
    };
    const h = this.header;
    let pos = 0;
    while (wholeBatchAt(chunk, pos, length)) {
      h.read(chunk, pos);
      pos += h.size;
      result.bytesRead = pos;
      const retention = filter.checkBatchRetention(h, chunk);
      if (retention === BatchRetention.Delete) continue;
      const before = out.length;
      const batchMaxTimestamp = this.filterBatch(chunk, filter, out, result);
      if (out.length === before && retention === BatchRetention.RetainEmpty) {
        appendBatch(out, { ...h, attributes: h.attributes & ~ATTR_COMPRESSION_MASK, baseTimestamp: -1, recordCount: 0 }, EMPTY);
      }
      if (out.length === before) continue;
      result.bytesRetained += out.length - before;
      result.maxOffset = Math.max(result.maxOffset, h.lastOffset);
      const maxTimestamp = batchMaxTimestamp ?? h.maxTimestamp;
      if (maxTimestamp > result.maxTimestamp) {
        result.maxTimestamp = maxTimestamp;
        result.shallowOffsetOfMaxTimestamp = h.lastOffset;
      }
    }
    return result;
  }

  /** Write the kept records of the current batch; returns the rebuilt batch's MaxTimestamp, else null. */
  private filterBatch(chunk: Buffer, filter: RecordFilter, out: RecordSink, result: FilterResult): number | null {
    const h = this.header;
    const records = recordsOf(chunk, h, Math.max(this.decompressLimit, h.size));
    const scanner = this.scanner.reset(records, 0, records.length, h.recordCount);
    const kept = this.kept;
    kept.reset();
    let retained = 0;
    let firstTimestamp = 0;
    let maxTimestamp = -1;
    while (scanner.next()) {
      result.messagesRead++;
      const offset = h.baseOffset + scanner.offsetDelta;
      if (!filter.shouldRetainRecord(h, records, scanner, offset)) continue;
      const timestamp = h.isLogAppendTime ? h.maxTimestamp : h.baseTimestamp + scanner.timestampDelta;
      if (retained === 0) firstTimestamp = timestamp;
      appendRecord(kept, records, scanner, timestamp - firstTimestamp, scanner.offsetDelta);
      maxTimestamp = Math.max(maxTimestamp, timestamp);
      retained++;
    }
    result.messagesRetained += retained;
    if (retained === 0) return null;
    if (retained === h.recordCount) {
      out.copy(chunk, h.position, h.position + h.size);
      return null;
    }
    const payload = h.compression === Compression.None ? kept.view() : compress(h.compression, kept.view());
    const batchMaxTimestamp = h.isLogAppendTime ? h.maxTimestamp : maxTimestamp;
    appendBatch(out, { ...h, baseTimestamp: firstTimestamp, maxTimestamp: batchMaxTimestamp, recordCount: retained }, payload);
    return batchMaxTimestamp;
  }
}

/** Whether a whole batch starts at `pos` within `length` bytes (a corrupt length throws). */
export function wholeBatchAt(chunk: Buffer, pos: number, length: number): boolean {
  if (length - pos < LOG_OVERHEAD) return false;
  const batchLength = chunk.readInt32BE(pos + 8);
  if (batchLength < MIN_BATCH_LENGTH) throw corrupt(`batch length ${batchLength} at position ${pos}`);
  if (pos + LOG_OVERHEAD + batchLength > length) return false;
  if (chunk.readInt8(pos + MAGIC) !== 2) throw corrupt(`magic ${chunk.readInt8(pos + MAGIC)} at position ${pos}`);
  return true;
}

/** The size of the batch at `pos` (it may not fit the chunk), or null if its header is cut off. */
export function batchSizeAt(chunk: Buffer, pos: number, length: number): number | null {
  if (length - pos < LOG_OVERHEAD) return null;
  return chunk.readInt32BE(pos + 8) + LOG_OVERHEAD;
}

function corrupt(what: string): KafkaError {
  return new KafkaError(ErrorCode.CorruptMessage, `the log holds an invalid batch: ${what}`);
}
