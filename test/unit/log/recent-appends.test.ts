import { afterEach, describe, expect, it } from 'vitest';
import { RecentAppends, TOTAL_BYTES } from '../../../src/log/recent-appends.js';
import { buildRecordBatch, splitBatches } from '../../../src/protocol/records/index.js';
import { prng } from './log-test-kit.js';

function batchAt(baseOffset: number, records: number, valueBytes: number): Buffer {
  return buildRecordBatch(
    Array.from({ length: records }, (_, i) => ({ key: null, value: Buffer.alloc(valueBytes, 97 + (i % 26)), timestamp: 1000 + i })),
    { baseOffset },
  );
}

/** The file's answer (segment.read semantics) over every byte appended so far. */
function fileRead(file: Buffer, offset: number, maxBytes: number, upperBound: number, minOneBatch: boolean): Buffer | null {
  const batches = splitBatches(file);
  let pos = 0;
  for (let i = 0; i < batches.length; i++) {
    const b = batches[i]!;
    if (b.lastOffset >= offset) {
      if (b.lastOffset >= upperBound) return Buffer.alloc(0);
      if (b.sizeInBytes > maxBytes && !minOneBatch) return Buffer.alloc(0);
      const limit = pos + Math.max(maxBytes, b.sizeInBytes);
      let end = pos;
      for (let j = i; j < batches.length; j++) {
        const c = batches[j]!;
        if (end + c.sizeInBytes > limit || c.lastOffset >= upperBound) break;
        end += c.sizeInBytes;
      }
      return file.subarray(pos, end);
    }
    pos += b.sizeInBytes;
  }
  return null;
}

const live: RecentAppends[] = [];
function recent(): RecentAppends {
  const r = new RecentAppends();
  live.push(r);
  return r;
}
afterEach(() => {
  for (const r of live.splice(0)) r.clear();
});

describe('recent appends', () => {
  it('answers reads at the log end exactly as the file does, across windows', () => {
    const rnd = prng(7);
    const r = recent();
    const parts: Buffer[] = [];
    let next = 0;
    let position = 0;
    for (let step = 0; step < 600; step++) {
      // mostly small appends, some big ones (up to ~240 KB)
      const big = rnd() < 0.05;
      const batches = 1 + Math.floor(rnd() * 3);
      const appended: Buffer[] = [];
      for (let b = 0; b < batches; b++) {
        const count = 1 + Math.floor(rnd() * (big ? 30 : 4));
        const batch = batchAt(next, count, big ? 2000 : 20 + Math.floor(rnd() * 200));
        appended.push(batch);
        next += count;
      }
      const records = Buffer.concat(appended);
      r.append(records, position, Number(records.readBigInt64BE(0)));
      position += records.length;
      parts.push(records);
      const file = Buffer.concat(parts);
      for (let q = 0; q < 4; q++) {
        const offset = Math.max(0, next - 1 - Math.floor(rnd() * 400));
        const maxBytes = 1 + Math.floor(rnd() * 5000);
        const upperBound = rnd() < 0.3 ? next - Math.floor(rnd() * 50) : next;
        const minOne = rnd() < 0.7;
        const got = r.read(offset, maxBytes, upperBound, minOne);
        const want = fileRead(file, offset, maxBytes, upperBound, minOne)!;
        if (got === null) continue; // before the bytes kept: the file answers
        expect(got.equals(want)).toBe(true);
      }
    }
    // the newest bytes are always kept
    expect(r.read(next - 1, 1 << 20, next, true)).not.toBeNull();
  });

  it('null before the kept bytes; a non-contiguous append starts over', () => {
    const r = recent();
    const a = batchAt(0, 2, 10);
    const b = batchAt(2, 2, 10);
    r.append(a, 0, 0);
    r.append(b, a.length, 2);
    expect(r.read(0, 1 << 20, 4, true)!.equals(Buffer.concat([a, b]))).toBe(true);
    const c = batchAt(10, 1, 10);
    r.append(c, 5000, 10); // not where the last append ended: the file changed
    expect(r.read(2, 1 << 20, 11, true)).toBeNull();
    expect(r.read(10, 1 << 20, 11, true)!.equals(c)).toBe(true);
    r.clear();
    expect(r.read(10, 1 << 20, 11, true)).toBeNull();
  });

  it('copies appends (the caller may reuse its buffer); an append above 256 KiB is not kept', () => {
    const r = recent();
    const small = batchAt(0, 1, 10);
    const copy = Buffer.from(small);
    r.append(small, 0, 0);
    small.fill(0);
    expect(r.read(0, 1 << 20, 1, true)!.equals(copy)).toBe(true);
    const big = batchAt(1, 200, 2000);
    r.append(big, copy.length, 1);
    expect(r.read(0, 1 << 20, 201, true)).toBeNull();
    expect(r.read(1, 1 << 20, 201, true)).toBeNull();
    const after = batchAt(201, 1, 10);
    r.append(after, copy.length + big.length, 201);
    expect(r.read(201, 1 << 20, 202, true)!.equals(after)).toBe(true);
  });

  it('keeps at most a bounded number of entries per segment and a bounded total', () => {
    const r = recent();
    let position = 0;
    let next = 0;
    for (let i = 0; i < 150; i++) {
      const big = batchAt(next, 40, 2000); // 80 KB: windows fill after a dozen appends, the oldest go
      r.append(big, position, next);
      position += big.length;
      next += 40;
    }
    expect(r.read(0, 1 << 20, next, true)).toBeNull(); // the oldest entries were dropped
    expect(r.read(next - 40, 1 << 20, next, true)).not.toBeNull();
    expect(RecentAppends.totalHeld).toBeLessThanOrEqual(TOTAL_BYTES);
    // many segments: the least recently appended lose their entries first
    const many: RecentAppends[] = [];
    const oneMiB = batchAt(0, 1, 200 * 1024);
    for (let i = 0; i < Math.ceil(TOTAL_BYTES / oneMiB.length) + 4; i++) {
      const s = recent();
      s.append(Buffer.from(oneMiB), 0, 0);
      many.push(s);
    }
    expect(RecentAppends.totalHeld).toBeLessThanOrEqual(TOTAL_BYTES);
    expect(many[0]!.read(0, 1 << 20, 1, true)).toBeNull();
    expect(many[many.length - 1]!.read(0, 1 << 20, 1, true)).not.toBeNull();
  });

  it('windows follow the write rate: twice as big when one filled within a second, half when it took over ten', () => {
    let now = 0;
    const r = new RecentAppends(() => now);
    live.push(r);
    let position = 0;
    let next = 0;
    const append = (): void => {
      const b = batchAt(next, 1, 900); // ~1 KB
      r.append(b, position, next);
      position += b.length;
      next += 1;
    };
    for (let i = 0; i < 4; i++) append(); // fills the first 4 KiB window
    expect(r.heldBytes).toBe(4096);
    for (let i = 0; i < 200; i++) append(); // all within the same millisecond: windows keep doubling
    expect(r.heldBytes).toBeGreaterThan(100_000);
    const busy = r.heldBytes;
    for (let i = 0; i < 400; i++) {
      now += 20_000; // a quiet partition: every window takes long to fill, they shrink back
      append();
    }
    expect(r.heldBytes).toBeLessThan(busy);
    expect(r.heldBytes).toBeLessThanOrEqual(3 * 4096 + 2048);
    expect(r.read(next - 1, 1 << 20, next, true)).not.toBeNull();
  });
});
