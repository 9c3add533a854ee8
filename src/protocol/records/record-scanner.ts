/**
 * Allocation-free walking and re-encoding of the records inside a v2 batch (layout in record.ts),
 * for the paths that must look at every record but must not build an object per record: the
 * produce-side record policies (keys on compacted topics, timestamp bounds, recompression) and the
 * log cleaner (keys to hash, records to keep).
 *
 * RecordScanner exposes the current record's fields as numbers (positions into the caller's
 * Buffer); keys and values are never copied. Structural faults are INVALID_RECORD, as Kafka's
 * DefaultRecord.readFrom reports them.
 *
 * RecordSink is a growable output buffer reused across batches; appendRecord re-encodes one
 * scanned record with new timestamp and offset deltas and copies its key, value and headers
 * verbatim (Kafka's MemoryRecordsBuilder.appendWithOffset produces the same bytes).
 */
import { ProtocolError } from '../errors.js';
import { ErrorCode } from '../error-codes.js';
import { uvarintSize } from '../primitives.js';

function invalid(reason: string): ProtocolError {
  return new ProtocolError(`Found invalid record structure: ${reason}`, ErrorCode.InvalidRecord);
}

export class RecordScanner {
  /** Position of the current record's length prefix, and just after the record. */
  start = 0;
  end = 0;
  attributes = 0;
  timestampDelta = 0;
  offsetDelta = 0;
  /** -1 = null key / null value (a tombstone). */
  keyLength = -1;
  keyStart = 0;
  valueLength = -1;
  valueStart = 0;
  /** Index of the current record in the batch (Kafka's "batch index"). */
  index = -1;
  /** Start of the key-length varint: everything from here to `end` is copied when rewriting. */
  tailStart = 0;

  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private limit = 0;
  private remainingCount = 0;

  /** Walk `count` records filling `buf[start, end)` exactly. */
  reset(buf: Buffer, start: number, end: number, count: number): this {
    this.buf = buf;
    this.pos = start;
    this.limit = end;
    this.remainingCount = count;
    this.index = -1;
    return this;
  }

  /** Advance to the next record; false after the last. Throws INVALID_RECORD on malformed bytes. */
  next(): boolean {
    if (this.remainingCount === 0) {
      if (this.pos !== this.limit) throw invalid('Incorrect declared batch size, records still remaining');
      return false;
    }
    if (this.pos >= this.limit) throw invalid('Incorrect declared batch size, premature EOF reached');
    this.remainingCount--;
    this.index++;
    this.start = this.pos;
    const length = this.varint();
    if (length < 0 || length > this.limit - this.pos) throw invalid(`invalid record size ${length}`);
    const end = this.pos + length;
    const outerLimit = this.limit;
    this.limit = end;
    this.attributes = this.byte();
    this.timestampDelta = this.varlong();
    this.offsetDelta = this.varint();
    this.tailStart = this.pos;
    this.keyLength = this.lengthPrefixed();
    this.keyStart = this.pos - Math.max(0, this.keyLength);
    this.valueLength = this.lengthPrefixed();
    this.valueStart = this.pos - Math.max(0, this.valueLength);
    const headers = this.varint();
    if (headers < 0) throw invalid(`Found invalid number of record headers ${headers}`);
    for (let i = 0; i < headers; i++) {
      if (this.lengthPrefixed() < 0) throw invalid('Invalid negative header key size');
      this.lengthPrefixed();
    }
    if (this.pos !== end) throw invalid(`${end - this.pos} bytes left over in a record`);
    this.limit = outerLimit;
    this.end = end;
    return true;
  }

  get hasKey(): boolean {
    return this.keyLength >= 0;
  }

  get hasValue(): boolean {
    return this.valueLength >= 0;
  }

  private byte(): number {
    if (this.pos >= this.limit) throw invalid('premature end of a record');
    return this.buf[this.pos++]!;
  }

  /** A length varint (-1 = null) followed by that many bytes, which are skipped. */
  private lengthPrefixed(): number {
    const n = this.varint();
    if (n < -1) throw invalid(`invalid length ${n}`);
    if (n > 0) {
      if (n > this.limit - this.pos) throw invalid('a field runs past its record');
      this.pos += n;
    }
    return n;
  }

  private varint(): number {
    let value = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.byte();
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (value > 0xffff_ffff) throw invalid('varint overflows 32 bits');
        return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
      }
      shift += 7;
    }
    throw invalid('varint longer than 5 bytes');
  }

  private varlong(): number {
    let value = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (value > Number.MAX_SAFE_INTEGER) throw invalid('varlong beyond 2^53');
        return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
      }
      shift += 7;
    }
    throw invalid('varlong longer than 10 bytes');
  }
}

function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

/** A reusable, growable output buffer (positions only move forward until reset). */
export class RecordSink {
  buf: Buffer;
  length = 0;

  constructor(initial = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  reset(): void {
    this.length = 0;
  }

  ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }

  /** The bytes written since the last reset (a view, valid until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  uvarint(v: number): void {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.length++] = v;
  }

  copy(src: Buffer, from: number, to: number): void {
    this.ensure(to - from);
    this.length += src.copy(this.buf, this.length, from, to);
  }
}

/**
 * Append the scanner's current record (from `src`) to `sink` with new deltas; attributes, key,
 * value and headers are copied as they are.
 */
export function appendRecord(sink: RecordSink, src: Buffer, scanner: RecordScanner, timestampDelta: number, offsetDelta: number): void {
  const tailLength = scanner.end - scanner.tailStart;
  const tsz = zigzag(timestampDelta);
  const osz = zigzag(offsetDelta);
  const bodyLength = 1 + uvarintSize(tsz) + uvarintSize(osz) + tailLength;
  sink.uvarint(zigzag(bodyLength));
  sink.ensure(1);
  sink.buf[sink.length++] = scanner.attributes;
  sink.uvarint(tsz);
  sink.uvarint(osz);
  sink.copy(src, scanner.tailStart, scanner.end);
}
