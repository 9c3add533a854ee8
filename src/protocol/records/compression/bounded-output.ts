/**
 * A growable output buffer with a hard ceiling, used by the decompressors whose output size is
 * not known up front. It starts small and doubles, so a bogus size claim in the input never sizes
 * an allocation, and it refuses to pass `limit` (the zip-bomb guard) with CORRUPT_MESSAGE.
 */
import { ProtocolError } from '../../errors.js';
import { ErrorCode } from '../../error-codes.js';

const INITIAL_CAPACITY = 64 * 1024;

export function decompressedTooLarge(limit: number): ProtocolError {
  return new ProtocolError(`decompressed records exceed the limit of ${limit} bytes`, ErrorCode.CorruptMessage);
}

export class BoundedOutput {
  buf: Buffer;
  length = 0;

  constructor(
    readonly limit: number,
    sizeHint = INITIAL_CAPACITY,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(16, Math.min(limit, sizeHint)));
  }

  /** Make room for n more bytes, growing by doubling but never beyond the limit. */
  ensure(n: number): void {
    const needed = this.length + n;
    if (needed <= this.buf.length) return;
    if (needed > this.limit) throw decompressedTooLarge(this.limit);
    const grown = Buffer.allocUnsafe(Math.min(this.limit, Math.max(needed, this.buf.length * 2)));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }

  append(src: Buffer): void {
    this.ensure(src.length);
    src.copy(this.buf, this.length);
    this.length += src.length;
  }

  /** The bytes written so far (a view, not a copy). */
  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}
