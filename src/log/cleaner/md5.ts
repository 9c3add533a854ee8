/**
 * MD5 (RFC 1321) of a byte range, written into a caller's buffer: the key hash of Kafka's
 * SkimpyOffsetMap. node:crypto would allocate a Hash object and a digest Buffer per key; the
 * cleaner hashes every key of the dirty log, so this one works on preallocated state only.
 */

const SHIFTS = new Uint8Array([
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23,
  4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
]);
const K = new Int32Array(64);
for (let i = 0; i < 64; i++) K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0;

export const MD5_BYTES = 16;

export class Md5 {
  private readonly words = new Int32Array(16);
  private readonly tail = Buffer.alloc(128);
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  /** MD5 of src[start, start + length) into out[outOffset, outOffset + 16). */
  digestInto(src: Buffer, start: number, length: number, out: Buffer, outOffset: number): void {
    this.a = 0x67452301;
    this.b = 0xefcdab89 | 0;
    this.c = 0x98badcfe | 0;
    this.d = 0x10325476;
    const fullEnd = start + (length - (length % 64));
    for (let p = start; p < fullEnd; p += 64) this.block(src, p);
    const rest = length % 64;
    const tail = this.tail;
    src.copy(tail, 0, fullEnd, fullEnd + rest);
    tail[rest] = 0x80;
    const blocks = rest < 56 ? 1 : 2;
    tail.fill(0, rest + 1, blocks * 64);
    const bits = length * 8;
    tail.writeUInt32LE(bits >>> 0, blocks * 64 - 8);
    tail.writeUInt32LE(Math.floor(bits / 2 ** 32) >>> 0, blocks * 64 - 4);
    this.block(tail, 0);
    if (blocks === 2) this.block(tail, 64);
    out.writeInt32LE(this.a, outOffset);
    out.writeInt32LE(this.b, outOffset + 4);
    out.writeInt32LE(this.c, outOffset + 8);
    out.writeInt32LE(this.d, outOffset + 12);
  }

  private block(src: Buffer, p: number): void {
    const w = this.words;
    for (let i = 0; i < 16; i++) {
      const o = p + i * 4;
      w[i] = src[o]! | (src[o + 1]! << 8) | (src[o + 2]! << 16) | (src[o + 3]! << 24);
    }
    let a = this.a;
    let b = this.b;
    let c = this.c;
    let d = this.d;
    // The four rounds differ only in f and the message-word order.
    for (let i = 0; i < 16; i++) {
      const t = d;
      d = c;
      c = b;
      b = step(b, a + ((b & d) | (~b & t)) + K[i]! + w[i]!, SHIFTS[i]!);
      a = t;
    }
    for (let i = 16; i < 32; i++) {
      const t = d;
      d = c;
      c = b;
      b = step(b, a + ((t & b) | (~t & d)) + K[i]! + w[(5 * i + 1) & 15]!, SHIFTS[i]!);
      a = t;
    }
    for (let i = 32; i < 48; i++) {
      const t = d;
      d = c;
      c = b;
      b = step(b, a + (b ^ d ^ t) + K[i]! + w[(3 * i + 5) & 15]!, SHIFTS[i]!);
      a = t;
    }
    for (let i = 48; i < 64; i++) {
      const t = d;
      d = c;
      c = b;
      b = step(b, a + (d ^ (b | ~t)) + K[i]! + w[(7 * i) & 15]!, SHIFTS[i]!);
      a = t;
    }
    this.a = (this.a + a) | 0;
    this.b = (this.b + b) | 0;
    this.c = (this.c + c) | 0;
    this.d = (this.d + d) | 0;
  }
}

function step(b: number, sum: number, s: number): number {
  const x = sum | 0;
  return (b + ((x << s) | (x >>> (32 - s)))) | 0;
}
