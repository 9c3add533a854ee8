/**
 * Records inside a v2 batch (Kafka DefaultRecord), all varints zig-zag:
 *
 *   length varint (bytes after this field) | attributes int8 (unused) | timestampDelta varlong
 *   | offsetDelta varint | keyLength varint (-1 = null) | key | valueLength varint (-1 = null)
 *   | value | headerCount varint | headers: keyLength varint (>= 0) | key utf8
 *                                         | valueLength varint (-1 = null) | value
 *
 * Decoding works on the plain (decompressed) record bytes with the bounds-checked Reader, and
 * never sizes anything by the declared record count. Structural faults inside a batch whose CRC
 * matched are INVALID_RECORD, as Kafka 2.7's InvalidRecordException ("premature EOF", "records
 * still remaining", "invalid record size").
 */
import { ProtocolError } from '../errors.js';
import { ErrorCode } from '../error-codes.js';
import { Reader, Writer, uvarintSize } from '../primitives.js';
import { decompress } from './compression/index.js';
import { TimestampType, type RecordBatch } from './record-batch.js';

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** One decoded record, with absolute offset and timestamp. */
export interface KafkaRecord {
  offset: number;
  offsetDelta: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** What the writer needs for one record; deltas are relative to the batch's base values. */
export interface RecordFields {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: readonly RecordHeader[];
}

export interface RecordContext {
  baseOffset: number;
  baseTimestamp: number;
  /** LogAppendTime batches: every record's timestamp is the batch maxTimestamp. */
  logAppendTime: number | null;
}

export interface ReadRecordsOptions {
  /** Ceiling on decompressed bytes (zip-bomb guard), e.g. a multiple of max.message.bytes. */
  maxUncompressedBytes: number;
}

function invalidRecord(reason: string): ProtocolError {
  return new ProtocolError(reason, ErrorCode.InvalidRecord);
}

/** Decodes all records of a batch, decompressing first when needed. */
export function readRecords(batch: RecordBatch, options: ReadRecordsOptions): KafkaRecord[] {
  const count = batch.recordCount;
  if (count < 0) throw invalidRecord(`invalid record count ${count}`);
  const plain = decompress(batch.compression, batch.recordsPayload, options.maxUncompressedBytes);
  const logAppendTime = batch.timestampType === TimestampType.LogAppendTime ? batch.maxTimestamp : null;
  return decodeRecords(plain, count, { baseOffset: batch.baseOffset, baseTimestamp: batch.baseTimestamp, logAppendTime });
}

/** Decodes exactly `count` records that must fill `data` completely. */
export function decodeRecords(data: Buffer, count: number, context: RecordContext): KafkaRecord[] {
  const reader = new Reader(data);
  const records: KafkaRecord[] = [];
  for (let i = 0; i < count; i++) {
    if (reader.remaining === 0) throw invalidRecord('Incorrect declared batch size, premature EOF reached');
    records.push(decodeRecord(reader, context));
  }
  if (count > 0 && reader.remaining > 0) throw invalidRecord('Incorrect declared batch size, records still remaining');
  return records;
}

function decodeRecord(outer: Reader, context: RecordContext): KafkaRecord {
  try {
    const length = outer.varint();
    if (length < 0 || length > outer.remaining) {
      throw invalidRecord(`invalid record size ${length} with ${outer.remaining} bytes remaining`);
    }
    const reader = new Reader(outer.buf, outer.offset, outer.offset + length);
    outer.offset += length;
    reader.int8(); // attributes: unused in v2
    const timestampDelta = reader.varlong();
    const offsetDelta = reader.varint();
    const key = varintBytes(reader);
    const value = varintBytes(reader);
    const headers = decodeHeaders(reader);
    if (reader.remaining !== 0) throw invalidRecord(`invalid record size: ${reader.remaining} bytes left over`);
    return {
      offset: context.baseOffset + offsetDelta,
      offsetDelta,
      timestamp: context.logAppendTime ?? context.baseTimestamp + timestampDelta,
      key,
      value,
      headers,
    };
  } catch (err) {
    if (err instanceof ProtocolError && err.code === ErrorCode.CorruptMessage) {
      throw invalidRecord(`Found invalid record structure: ${err.message}`);
    }
    throw err;
  }
}

function decodeHeaders(reader: Reader): RecordHeader[] {
  const count = reader.varint();
  if (count < 0) throw invalidRecord(`Found invalid number of record headers ${count}`);
  const headers: RecordHeader[] = [];
  for (let i = 0; i < count; i++) {
    const keyLength = reader.varint();
    if (keyLength < 0) throw invalidRecord(`Invalid negative header key size ${keyLength}`);
    const key = reader.raw(keyLength).toString('utf8');
    headers.push({ key, value: varintBytes(reader) });
  }
  return headers;
}

function varintBytes(reader: Reader): Buffer | null {
  const n = reader.varint();
  if (n === -1) return null;
  if (n < -1) throw invalidRecord(`invalid length ${n}`);
  return reader.raw(n);
}

function zigzagSize(v: number): number {
  return uvarintSize(v >= 0 ? v * 2 : -v * 2 - 1);
}

function bytesSize(b: Buffer | null): number {
  return b === null ? 1 : zigzagSize(b.length) + b.length;
}

/** Appends one record (length prefix included) to `writer`. */
export function writeRecord(writer: Writer, record: RecordFields): void {
  const headerKeys = record.headers.map((h) => Buffer.from(h.key, 'utf8'));
  let bodySize = 1 + zigzagSize(record.timestampDelta) + zigzagSize(record.offsetDelta);
  bodySize += bytesSize(record.key) + bytesSize(record.value) + zigzagSize(record.headers.length);
  record.headers.forEach((h, i) => {
    bodySize += bytesSize(headerKeys[i]!) + bytesSize(h.value);
  });
  writer.varint(bodySize).int8(0).varlong(record.timestampDelta).varint(record.offsetDelta);
  writeVarintBytes(writer, record.key);
  writeVarintBytes(writer, record.value);
  writer.varint(record.headers.length);
  record.headers.forEach((h, i) => {
    writeVarintBytes(writer, headerKeys[i]!);
    writeVarintBytes(writer, h.value);
  });
}

function writeVarintBytes(writer: Writer, b: Buffer | null): void {
  if (b === null) writer.varint(-1);
  else writer.varint(b.length).raw(b);
}
