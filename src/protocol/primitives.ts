/**
 * Kafka wire primitives: a bounds-checked Reader over one Buffer and a chunked Writer.
 *
 * Reader: every read checks the remaining length first and throws ProtocolError, so no
 * untrusted length ever sizes an allocation (byte strings are zero-copy subarrays).
 * Writer: small fields go into a growable scratch buffer; large byte ranges (record batches)
 * are appended by reference as separate chunks, so Fetch never copies stored records.
 */
import { ProtocolError } from './errors.js';

const TWO_32 = 0x1_0000_0000;
const MAX_SAFE_HI = 0x1f_ffff; // high 32 bits of 2^53 - 1

export class Reader {
  offset: number;
  readonly end: number;

  constructor(readonly buf: Buffer, offset = 0, end = buf.length) {
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private need(n: number, what: string): void {
    if (n < 0 || this.offset + n > this.end) {
      throw new ProtocolError(`truncated input reading ${what}: need ${n} bytes, have ${this.remaining}`);
    }
  }

  int8(): number {
    this.need(1, 'int8');
    return this.buf.readInt8(this.offset++);
  }

  uint8(): number {
    this.need(1, 'uint8');
    return this.buf[this.offset++]!;
  }

  int16(): number {
    this.need(2, 'int16');
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  uint16(): number {
    this.need(2, 'uint16');
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    this.need(4, 'int32');
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  uint32(): number {
    this.need(4, 'uint32');
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  /** int64 as a JS number; values beyond ±(2^53 - 1) are a protocol error (ARCHITECTURE §8). */
  int64(): number {
    this.need(8, 'int64');
    const v = readInt64(this.buf, this.offset);
    this.offset += 8;
    return v;
  }

  float64(): number {
    this.need(8, 'float64');
    const v = this.buf.readDoubleBE(this.offset);
    this.offset += 8;
    return v;
  }

  bool(): boolean {
    return this.uint8() !== 0;
  }

  uuid(): Buffer {
    return this.raw(16);
  }

  /** A zero-copy view of the next n bytes. */
  raw(n: number): Buffer {
    this.need(n, 'bytes');
    const v = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  uvarint(): number {
    let value = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.uint8();
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (value > 0xffff_ffff) throw new ProtocolError('unsigned varint overflows 32 bits');
        return value;
      }
      shift += 7;
    }
    throw new ProtocolError('unsigned varint longer than 5 bytes');
  }

  /** zig-zag varint (int32) */
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** zig-zag varlong (int64), bounded to the safe-integer range */
  varlong(): number {
    let value = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      const b = this.uint8();
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (value > Number.MAX_SAFE_INTEGER) throw new ProtocolError('varlong beyond 2^53');
        return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
      }
      shift += 7;
    }
    throw new ProtocolError('varlong longer than 10 bytes');
  }

  string(): string {
    const n = this.int16();
    if (n < 0) throw new ProtocolError('null where a string is required');
    return this.utf8(n);
  }

  nullableString(): string | null {
    const n = this.int16();
    if (n === -1) return null;
    if (n < 0) throw new ProtocolError(`invalid string length ${n}`);
    return this.utf8(n);
  }

  compactNullableString(): string | null {
    const n = this.uvarint();
    return n === 0 ? null : this.utf8(n - 1);
  }

  compactString(): string {
    const s = this.compactNullableString();
    if (s === null) throw new ProtocolError('null where a compact string is required');
    return s;
  }

  nullableBytes(): Buffer | null {
    const n = this.int32();
    if (n === -1) return null;
    if (n < 0) throw new ProtocolError(`invalid bytes length ${n}`);
    return this.raw(n);
  }

  compactNullableBytes(): Buffer | null {
    const n = this.uvarint();
    return n === 0 ? null : this.raw(n - 1);
  }

  /** Array length (int32, -1 = null); checked against what is left, never trusted. */
  arrayLength(): number {
    const n = this.int32();
    if (n < -1) throw new ProtocolError(`invalid array length ${n}`);
    if (n > this.remaining) throw new ProtocolError(`array length ${n} exceeds remaining ${this.remaining} bytes`);
    return n;
  }

  compactArrayLength(): number {
    const n = this.uvarint() - 1;
    if (n > this.remaining) throw new ProtocolError(`array length ${n} exceeds remaining ${this.remaining} bytes`);
    return n;
  }

  private utf8(n: number): string {
    this.need(n, 'string');
    const s = this.buf.toString('utf8', this.offset, this.offset + n);
    this.offset += n;
    return s;
  }
}

export function readInt64(buf: Buffer, offset: number): number {
  const hi = buf.readInt32BE(offset);
  const lo = buf.readUInt32BE(offset + 4);
  if (hi > MAX_SAFE_HI || hi < -MAX_SAFE_HI - 1 || (hi === -MAX_SAFE_HI - 1 && lo === 0)) {
    throw new ProtocolError('int64 outside the safe-integer range (2^53)');
  }
  return hi * TWO_32 + lo;
}

export function writeInt64(buf: Buffer, offset: number, value: number): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`int64 value ${value} is not a safe integer`);
  const hi = Math.floor(value / TWO_32);
  buf.writeInt32BE(hi, offset);
  buf.writeUInt32BE(value - hi * TWO_32, offset + 4);
}

export function uvarintSize(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

export class Writer {
  private scratch: Buffer;
  private pos = 0;
  private readonly chunks: Buffer[] = [];
  private chunkBytes = 0;

  constructor(initial = 256) {
    this.scratch = Buffer.allocUnsafe(initial);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.scratch.length) return;
    if (this.pos > 0 && n <= 4096) {
      this.flushScratch();
      if (n <= this.scratch.length) return;
    }
    const grown = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, this.pos + n, 256));
    this.scratch.copy(grown, 0, 0, this.pos);
    this.scratch = grown;
  }

  private flushScratch(): void {
    if (this.pos === 0) return;
    this.chunks.push(this.scratch.subarray(0, this.pos));
    this.chunkBytes += this.pos;
    this.scratch = Buffer.allocUnsafe(Math.max(256, this.scratch.length));
    this.pos = 0;
  }

  get length(): number {
    return this.chunkBytes + this.pos;
  }

  int8(v: number): this {
    this.ensure(1);
    this.pos = this.scratch.writeInt8(v, this.pos);
    return this;
  }

  uint8(v: number): this {
    this.ensure(1);
    this.scratch[this.pos++] = v;
    return this;
  }

  int16(v: number): this {
    this.ensure(2);
    this.pos = this.scratch.writeInt16BE(v, this.pos);
    return this;
  }

  uint16(v: number): this {
    this.ensure(2);
    this.pos = this.scratch.writeUInt16BE(v, this.pos);
    return this;
  }

  int32(v: number): this {
    this.ensure(4);
    this.pos = this.scratch.writeInt32BE(v, this.pos);
    return this;
  }

  uint32(v: number): this {
    this.ensure(4);
    this.pos = this.scratch.writeUInt32BE(v, this.pos);
    return this;
  }

  int64(v: number): this {
    this.ensure(8);
    writeInt64(this.scratch, this.pos, v);
    this.pos += 8;
    return this;
  }

  float64(v: number): this {
    this.ensure(8);
    this.pos = this.scratch.writeDoubleBE(v, this.pos);
    return this;
  }

  bool(v: boolean): this {
    return this.uint8(v ? 1 : 0);
  }

  uvarint(v: number): this {
    this.ensure(5);
    while (v >= 0x80) {
      this.scratch[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.scratch[this.pos++] = v;
    return this;
  }

  varint(v: number): this {
    return this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  varlong(v: number): this {
    this.ensure(10);
    let u = v >= 0 ? v * 2 : -v * 2 - 1;
    while (u >= 0x80) {
      this.scratch[this.pos++] = (u % 128) | 0x80;
      u = Math.floor(u / 128);
    }
    this.scratch[this.pos++] = u;
    return this;
  }

  /** Copies small byte strings; appends large ones (≥ 1 KiB) by reference. */
  raw(b: Buffer): this {
    if (b.length >= 1024) {
      this.flushScratch();
      this.chunks.push(b);
      this.chunkBytes += b.length;
      return this;
    }
    this.ensure(b.length);
    b.copy(this.scratch, this.pos);
    this.pos += b.length;
    return this;
  }

  string(s: string): this {
    const n = Buffer.byteLength(s);
    if (n > 0x7fff) throw new RangeError('string longer than 32767 bytes');
    this.int16(n);
    this.ensure(n);
    this.pos += this.scratch.write(s, this.pos, 'utf8');
    return this;
  }

  nullableString(s: string | null): this {
    return s === null ? this.int16(-1) : this.string(s);
  }

  compactNullableString(s: string | null): this {
    if (s === null) return this.uvarint(0);
    const n = Buffer.byteLength(s);
    this.uvarint(n + 1);
    this.ensure(n);
    this.pos += this.scratch.write(s, this.pos, 'utf8');
    return this;
  }

  nullableBytes(b: Buffer | null): this {
    return b === null ? this.int32(-1) : this.int32(b.length).raw(b);
  }

  compactNullableBytes(b: Buffer | null): this {
    return b === null ? this.uvarint(0) : this.uvarint(b.length + 1).raw(b);
  }

  /** The written bytes as a list of chunks (for writev-style socket writes). */
  chunksOut(): Buffer[] {
    this.flushScratch();
    return this.chunks;
  }

  /** The written bytes as one Buffer (copies when there is more than one chunk). */
  toBuffer(): Buffer {
    const chunks = this.chunksOut();
    if (chunks.length === 1) return chunks[0]!;
    return Buffer.concat(chunks, this.chunkBytes);
  }
}
