/**
 * Reusable memory for frames that arrive over several socket reads (a librdkafka Produce of ~1 MB comes in 64 KiB
 * reads and must be made contiguous; so does a follower's fetch answer): allocating a fresh buffer for each such
 * frame costs a fresh mapping and, above all, a V8 major GC every few dozen MB of external memory (performance.md
 * §2.2; the 1 KB produce path spent a fifth of its time in GC). Two users, whose bytes are written to the log and
 * copied or dropped by everything that keeps them (recent-appends.ts): Produce request frames (free once answered,
 * connection.ts) and the follower fetcher's Fetch answers (free once applied, BrokerClient.sendThen).
 *
 * - Buffers come in power-of-two sizes from 64 KiB to 16 MiB; larger frames are allocated as before.
 * - A buffer is handed out once until it is released; releasing a buffer that is not out is ignored.
 * - At most `maxFreeBytes` of released buffers are kept for reuse; the rest are left to the GC.
 */
const MIN_SHIFT = 16;
const MAX_SHIFT = 24;

export class FrameBufferPool {
  private readonly free: ArrayBuffer[][] = Array.from({ length: MAX_SHIFT + 1 }, () => []);
  private readonly out = new WeakSet<ArrayBuffer>();
  private freeBytes = 0;

  constructor(private readonly maxFreeBytes = 16 * 1024 * 1024) {}

  /** Bytes kept for reuse (tests). */
  get idleBytes(): number {
    return this.freeBytes;
  }

  /** A buffer of exactly `size` bytes backed by pooled memory, or null when `size` is outside the pooled sizes. */
  acquire(size: number): Buffer | null {
    if (size > 1 << MAX_SHIFT) return null;
    const shift = Math.max(MIN_SHIFT, 32 - Math.clz32(size - 1));
    let ab = this.free[shift]!.pop();
    if (ab) this.freeBytes -= ab.byteLength;
    else ab = new ArrayBuffer(1 << shift);
    this.out.add(ab);
    return Buffer.from(ab, 0, size);
  }

  /** Gives back the memory under `buf` (a buffer from acquire(), or a view of one); other buffers are ignored. */
  release(buf: Buffer): void {
    const ab = buf.buffer;
    if (!(ab instanceof ArrayBuffer) || !this.out.has(ab)) return;
    this.out.delete(ab);
    if (this.freeBytes + ab.byteLength > this.maxFreeBytes) return;
    this.free[31 - Math.clz32(ab.byteLength)]!.push(ab);
    this.freeBytes += ab.byteLength;
  }
}

/** The process-wide pool (inbound Produce frames, the fetchers' Fetch answers). */
export const framePool = new FrameBufferPool();
