import { describe, expect, it } from 'vitest';
import { FrameDecoder, FrameSizeError, sizePrefix } from '../../../src/network/frame-decoder.js';

function frame(payload: Buffer): Buffer {
  return Buffer.concat([sizePrefix([payload]), payload]);
}

const payloads = [Buffer.from('first request'), Buffer.from([1]), Buffer.alloc(300, 7), Buffer.from('last')];
const stream = Buffer.concat(payloads.map(frame));

function decodeAll(chunks: Buffer[], max = 1 << 20): string[] {
  const d = new FrameDecoder(max);
  const out: string[] = [];
  for (const c of chunks) d.push(c, (f) => void out.push(f.toString('hex')));
  expect(d.bufferedBytes).toBe(0);
  return out;
}

const expected = payloads.map((p) => p.toString('hex'));

describe('frame decoder', () => {
  it('framing - one byte at a time yields the same frames', () => {
    const chunks = [...stream].map((b) => Buffer.from([b]));
    expect(decodeAll(chunks)).toEqual(expected);
  });

  it('framing - several frames coalesced in one chunk', () => {
    expect(decodeAll([stream])).toEqual(expected);
  });

  it('framing - a stream split at every position yields the same frames', () => {
    for (let i = 0; i <= stream.length; i++) {
      expect(decodeAll([stream.subarray(0, i), stream.subarray(i)])).toEqual(expected);
    }
  });

  it('framing - three-way splits around the size prefixes', () => {
    for (let i = 0; i < 12; i++) {
      for (let j = i; j < 24; j++) {
        expect(decodeAll([stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)])).toEqual(expected);
      }
    }
  });

  it('framing - a frame inside one chunk is a zero-copy view; a split frame is copied once', () => {
    const d = new FrameDecoder(1024);
    const got: Buffer[] = [];
    d.push(stream, (f) => void got.push(f));
    expect(got[2]!.buffer).toBe(stream.buffer);
    const split: Buffer[] = [];
    const d2 = new FrameDecoder(1024);
    const big = frame(Buffer.alloc(100, 3));
    d2.push(big.subarray(0, 50), (f) => void split.push(f));
    expect(d2.bufferedBytes).toBe(50);
    d2.push(big.subarray(50), (f) => void split.push(f));
    expect(split[0]!.equals(Buffer.alloc(100, 3))).toBe(true);
  });

  it.each([
    ['zero', 0],
    ['negative', -1],
    ['min int', -0x80000000],
    ['above the limit', 1025],
    ['TLS ClientHello', 0x16030100],
    ['HTTP GET', 0x47455420],
    ['max int', 0x7fffffff],
  ])('framing - a %s size is rejected from the size bytes alone', (_name, size) => {
    const d = new FrameDecoder(1024);
    const head = Buffer.alloc(4);
    head.writeInt32BE(size, 0);
    // Only the 4 size bytes are fed: the decision cannot depend on (or allocate) the body.
    expect(() => d.push(head, () => {})).toThrow(FrameSizeError);
    expect(d.bufferedBytes).toBe(0);
  });

  it('framing - the limit itself is accepted', () => {
    expect(decodeAll([frame(Buffer.alloc(1024))], 1024)).toHaveLength(1);
  });

  it('framing - onFrame returning false stops the rest of the chunk', () => {
    const d = new FrameDecoder(1024);
    const got: Buffer[] = [];
    d.push(stream, (f) => {
      got.push(f);
      return false;
    });
    expect(got).toHaveLength(1);
  });
});
