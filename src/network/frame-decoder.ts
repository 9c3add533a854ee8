/**
 * Size-prefixed framing (protocol.md §3.1): `int32 size` + `size` bytes, for requests and
 * responses alike. Shared by the inbound connection and the outbound client.
 *
 * - A size ≤ 0 or above `maxFrameBytes` is rejected from the 4 size bytes alone, before anything
 *   is allocated (reliability.md §4.1: a TLS ClientHello reads as ~369 MB, `GET ` as ~1.2 GB).
 * - A frame lying inside one socket chunk is returned as a zero-copy view of it; a frame spread
 *   over chunks is gathered as a list of views and copied once, when its last byte arrives (no
 *   quadratic re-copying, performance.md §2.5), into memory from `assemble` when it offers some
 *   (reused buffers, frame-buffers.ts), else into a new buffer.
 */

export class FrameSizeError extends Error {
  constructor(readonly size: number, readonly max: number) {
    super(size <= 0 ? `invalid frame size ${size}` : `frame size ${size} exceeds the limit of ${max} bytes`);
    this.name = 'FrameSizeError';
  }
}

export class FrameDecoder {
  private readonly sizeBytes = Buffer.alloc(4);
  private sizeHave = 0;
  /** size of the frame being gathered, or -1 while reading its size */
  private frameSize = -1;
  private parts: Buffer[] = [];
  private partsBytes = 0;

  /**
   * `maxFrameBytes` may be a function: the limit is then read at every frame's size prefix.
   * `assemble(size, head)` may supply the memory for a frame of `size` bytes spread over chunks (`head` is its first
   * part, at least one byte); null means a new buffer.
   */
  constructor(
    private readonly maxFrameBytes: number | (() => number),
    private readonly assemble?: (size: number, head: Buffer) => Buffer | null,
  ) {}

  /** Bytes of an unfinished frame (size prefix included) held right now. */
  get bufferedBytes(): number {
    return this.frameSize >= 0 ? 4 + this.partsBytes : this.sizeHave;
  }

  /**
   * Feeds one chunk; calls `onFrame` for every frame it completes, in order. Throws
   * FrameSizeError on a bad size. `onFrame` returning false stops decoding the rest of the chunk
   * (the connection was closed).
   */
  push(chunk: Buffer, onFrame: (frame: Buffer) => boolean | void): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.frameSize < 0) {
        let size: number;
        if (this.sizeHave === 0 && chunk.length - off >= 4) {
          size = chunk.readInt32BE(off);
          off += 4;
        } else {
          const n = Math.min(4 - this.sizeHave, chunk.length - off);
          chunk.copy(this.sizeBytes, this.sizeHave, off, off + n);
          this.sizeHave += n;
          off += n;
          if (this.sizeHave < 4) return;
          this.sizeHave = 0;
          size = this.sizeBytes.readInt32BE(0);
        }
        const max = typeof this.maxFrameBytes === 'number' ? this.maxFrameBytes : this.maxFrameBytes();
        if (size <= 0 || size > max) throw new FrameSizeError(size, max);
        this.frameSize = size;
      }
      const need = this.frameSize - this.partsBytes;
      const take = Math.min(need, chunk.length - off);
      let frame: Buffer | undefined;
      if (this.partsBytes === 0 && take === need) {
        frame = chunk.subarray(off, off + take);
      } else {
        this.parts.push(chunk.subarray(off, off + take));
        this.partsBytes += take;
        if (this.partsBytes === this.frameSize) {
          frame = this.assemble?.(this.frameSize, this.parts[0]!) ?? Buffer.allocUnsafe(this.frameSize);
          let at = 0;
          for (const part of this.parts) at += part.copy(frame, at);
          this.parts = [];
          this.partsBytes = 0;
        }
      }
      off += take;
      if (frame) {
        this.frameSize = -1;
        if (onFrame(frame) === false) return;
      }
    }
  }
}

/** The 4-byte size prefix for a frame made of `chunks`. */
export function sizePrefix(chunks: readonly Buffer[]): Buffer {
  let n = 0;
  for (const c of chunks) n += c.length;
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(n, 0);
  return b;
}
