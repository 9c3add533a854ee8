import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Md5 } from '../../../../src/log/cleaner/md5.js';
import { BYTES_PER_ENTRY, SkimpyOffsetMap } from '../../../../src/log/cleaner/offset-map.js';

const key = (s: string): Buffer => Buffer.from(s);

describe('MD5 (allocation-free)', () => {
  it('matches node:crypto for every length around the block boundaries, at any offset in a buffer', () => {
    const md5 = new Md5();
    const out = Buffer.alloc(20);
    const src = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7 + 3) & 0xff));
    for (let len = 0; len < 200; len++) {
      md5.digestInto(src, 5, len, out, 2);
      expect(out.subarray(2, 18).toString('hex')).toBe(createHash('md5').update(src.subarray(5, 5 + len)).digest('hex'));
    }
  });
});

describe('SkimpyOffsetMap', () => {
  it('keeps the latest offset per key and answers -1 for unknown keys', () => {
    const map = new SkimpyOffsetMap(1024);
    map.prepare(10);
    map.put(key('a'), 0, 1, 5);
    map.put(key('b'), 0, 1, 6);
    map.put(key('xa'), 1, 1, 9); // the same key bytes at another position
    expect(map.get(key('a'), 0, 1)).toBe(9);
    expect(map.get(key('b'), 0, 1)).toBe(6);
    expect(map.get(key('c'), 0, 1)).toBe(-1);
    expect(map.size).toBe(2);
    expect(map.latestOffset).toBe(9);
  });

  it('resolves slot collisions by probing: a nearly full table still finds every key', () => {
    const slots = 50;
    const map = new SkimpyOffsetMap(slots * BYTES_PER_ENTRY, 1);
    map.prepare(10_000);
    expect(map.slots).toBe(slots);
    for (let i = 0; i < slots; i++) map.put(key(`key-${i}`), 0, `key-${i}`.length, 1000 + i);
    expect(map.size).toBe(slots);
    for (let i = 0; i < slots; i++) expect(map.get(key(`key-${i}`), 0, `key-${i}`.length)).toBe(1000 + i);
    // Full: a missing key is looked for in every slot, then reported absent.
    expect(map.get(key('missing'), 0, 7)).toBe(-1);
    expect(() => map.put(key('one-more'), 0, 8, 1)).toThrow(/full offset map/);
  });

  it('is bounded by its memory ceiling and sized for the pass (slots × load factor keys)', () => {
    const map = new SkimpyOffsetMap(240 * BYTES_PER_ENTRY, 0.9);
    map.prepare(1_000_000);
    expect(map.slots).toBe(240);
    expect(map.maxDesiredSize).toBe(216);
    expect(map.allocatedBytes).toBe(240 * BYTES_PER_ENTRY);
    map.prepare(9);
    expect(map.slots).toBe(12);
    expect(map.allocatedBytes).toBe(240 * BYTES_PER_ENTRY); // the larger buffer is reused, not shrunk
    expect(map.size).toBe(0);
    expect(map.latestOffset).toBe(-1);
    // prepare() clears what the previous pass left.
    map.put(key('a'), 0, 1, 3);
    map.prepare(9);
    expect(map.get(key('a'), 0, 1)).toBe(-1);
    expect(() => new SkimpyOffsetMap(10)).toThrow(RangeError);
  });

  it('stores offsets above 2^32', () => {
    const map = new SkimpyOffsetMap(1024);
    map.prepare(4);
    map.put(key('big'), 0, 3, 2 ** 40 + 17);
    expect(map.get(key('big'), 0, 3)).toBe(2 ** 40 + 17);
  });
});
