import { describe, expect, it } from 'vitest';
import { FrameBufferPool } from '../../../src/network/frame-buffers.js';
import { FrameDecoder, sizePrefix } from '../../../src/network/frame-decoder.js';

describe('frame buffer pool', () => {
  it('hands out exact-size views of power-of-two memory and reuses it once released', () => {
    const pool = new FrameBufferPool();
    const a = pool.acquire(100_000)!;
    expect(a.length).toBe(100_000);
    expect(a.buffer.byteLength).toBe(131_072);
    const b = pool.acquire(100_000)!;
    expect(b.buffer).not.toBe(a.buffer); // a is still out
    pool.release(a);
    expect(pool.idleBytes).toBe(131_072);
    const c = pool.acquire(70_000)!;
    expect(c.buffer).toBe(a.buffer);
    expect(pool.idleBytes).toBe(0);
  });

  it('small frames get the smallest class, frames above 16 MiB get nothing', () => {
    const pool = new FrameBufferPool();
    expect(pool.acquire(10)!.buffer.byteLength).toBe(65_536);
    expect(pool.acquire(16 * 1024 * 1024)!.buffer.byteLength).toBe(16 * 1024 * 1024);
    expect(pool.acquire(16 * 1024 * 1024 + 1)).toBeNull();
  });

  it('ignores buffers it did not hand out, and double releases', () => {
    const pool = new FrameBufferPool();
    pool.release(Buffer.alloc(65_536));
    expect(pool.idleBytes).toBe(0);
    const a = pool.acquire(1000)!;
    pool.release(a);
    pool.release(a);
    expect(pool.idleBytes).toBe(65_536);
    expect(pool.acquire(1000)!.buffer).toBe(a.buffer);
    expect(pool.acquire(1000)!.buffer).not.toBe(a.buffer);
  });

  it('keeps at most maxFreeBytes for reuse', () => {
    const pool = new FrameBufferPool(200_000);
    const bufs = [pool.acquire(65_536)!, pool.acquire(65_536)!, pool.acquire(65_536)!, pool.acquire(65_536)!];
    for (const b of bufs) pool.release(b);
    expect(pool.idleBytes).toBe(3 * 65_536);
  });

  it('the decoder assembles a split frame in the memory `assemble` offers, and only there', () => {
    const pool = new FrameBufferPool();
    const payload = Buffer.alloc(200_000, 7);
    payload.writeInt16BE(0, 0);
    const stream = Buffer.concat([sizePrefix([payload]), payload]);
    const seen: Array<{ size: number; head: number }> = [];
    const d = new FrameDecoder(1 << 20, (size, head) => {
      seen.push({ size, head: head.length });
      return pool.acquire(size);
    });
    const frames: Buffer[] = [];
    for (let i = 0; i < stream.length; i += 65_536) d.push(stream.subarray(i, i + 65_536), (f) => void frames.push(f));
    expect(frames).toHaveLength(1);
    expect(frames[0]!.equals(payload)).toBe(true);
    expect(frames[0]!.buffer.byteLength).toBe(262_144);
    expect(seen).toEqual([{ size: 200_000, head: 65_532 }]);
    // a frame inside one chunk is still a view of the chunk, without asking
    d.push(stream, (f) => void frames.push(f));
    expect(frames[1]!.buffer).toBe(stream.buffer);
    expect(seen).toHaveLength(1);
  });
});
