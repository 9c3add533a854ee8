import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { compressSync as snappyRaw } from 'snappy';
import { compressFrameSync } from 'lz4-napi';
import { beforeAll, describe, expect, it } from 'vitest';
import { Compression, compress, decompress, initCompression, isXerialFramed } from '../../../../src/protocol/records/index.js';
import { zstdFrameContentSize } from '../../../../src/protocol/records/compression/zstd.js';
import { ErrorCode } from '../../../../src/protocol/error-codes.js';
import { ProtocolError } from '../../../../src/protocol/errors.js';
import { fixture, fixtureBytes } from './fixtures.js';

const CODECS = [Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd] as const;
const MiB = 1 << 20;

function sample(size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + (i >> 7)) % 251;
  return out;
}

function errorOf(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    return err as ProtocolError;
  }
  throw new Error('expected a ProtocolError');
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

it('compression - zstd before initCompression fails with a clear error', () => {
  expect(() => decompress(Compression.Zstd, Buffer.from('28b52ffd0000', 'hex'), MiB)).toThrow(/initCompression/);
});

describe('compression - initialised', () => {
  beforeAll(async () => {
    await initCompression();
  });

  it.each(CODECS)('codec %i round-trips empty, small and multi-block data', (codec) => {
    for (const plain of [Buffer.alloc(0), Buffer.from('hello kafka'), sample(300_000)]) {
      const packed = compress(codec, plain);
      // Buffer.equals: vitest's deep equality walks large buffers byte by byte, slowly.
      expect(decompress(codec, packed, MiB).equals(plain)).toBe(true);
    }
  });

  it('none passes bytes through, bounded by the limit', () => {
    const plain = Buffer.from('abc');
    expect(decompress(Compression.None, plain, 3)).toBe(plain);
    expect(errorOf(() => decompress(Compression.None, plain, 2)).code).toBe(ErrorCode.CorruptMessage);
  });

  it('snappy writes xerial framing and reads raw snappy too (librdkafka, kafkajs-snappy)', () => {
    const plain = sample(100_000);
    const framed = compress(Compression.Snappy, plain);
    expect(isXerialFramed(framed)).toBe(true);
    expect(framed.subarray(0, 16).toString('hex')).toBe('82534e415050590000000001' + '00000001');
    const raw = snappyRaw(plain);
    expect(isXerialFramed(raw)).toBe(false);
    expect(decompress(Compression.Snappy, raw, MiB).equals(plain)).toBe(true);
    // Clients only recognise xerial streams longer than the 16-byte header.
    expect(isXerialFramed(compress(Compression.Snappy, Buffer.alloc(0)))).toBe(false);
  });

  it('lz4 reads frames without content size (lz4-napi, as Java writes them) and stored blocks', () => {
    const plain = sample(200_000);
    const frame = compressFrameSync(plain);
    expect(frame[4]! & 0x08).toBe(0); // FLG: no content size
    expect(decompress(Compression.Lz4, frame, MiB).equals(plain)).toBe(true);
    // Hand-made frame: FLG (v01, independent), BD (64 KiB), HC, one stored block, end mark.
    const stored = Buffer.concat([Buffer.from('04224d18604000', 'hex'), Buffer.from([5, 0, 0, 0x80]), Buffer.from('hello'), Buffer.alloc(4)]);
    expect(decompress(Compression.Lz4, stored, MiB).toString()).toBe('hello');
  });

  it('lz4 reads linked blocks with block and content checksums (python-lz4 fixture)', () => {
    const f = fixture('lz4-linked-checksummed');
    const out = decompress(Compression.Lz4, fixtureBytes(f.name), MiB);
    expect({ length: out.length, sha256: sha256(out) }).toEqual(f.plain);
  });

  it('zstd decodes a frame without content size (python zstandard fixture)', () => {
    const f = fixture('zstd-no-content-size');
    const stream = fixtureBytes(f.name);
    expect(zstdFrameContentSize(stream)).toBe(-1);
    const out = decompress(Compression.Zstd, stream, MiB);
    expect({ length: out.length, sha256: sha256(out) }).toEqual(f.plain);
    // Larger than the starting capacity: the output buffer must grow by doubling.
    expect(decompress(Compression.Zstd, stream, 200_000).length).toBe(f.plain!.length);
  });

  describe('zip bombs stop at the limit with CORRUPT_MESSAGE', () => {
    const bomb = Buffer.alloc(4 * MiB); // zeros: ratios of 100x to 1000x
    it.each(CODECS)('codec %i', (codec) => {
      const packed = compress(codec, bomb);
      expect(packed.length).toBeLessThan(MiB / 4);
      const err = errorOf(() => decompress(codec, packed, MiB));
      expect(err.code).toBe(ErrorCode.CorruptMessage);
      expect(err.message).toMatch(/exceed/);
    });

    it('zstd frame without content size', () => {
      const f = fixture('zstd-no-content-size');
      expect(errorOf(() => decompress(Compression.Zstd, fixtureBytes(f.name), 10_000)).message).toMatch(/exceed/);
    });

    it('lz4 frame whose declared content size is a lie is still bounded', () => {
      const plain = Buffer.alloc(300_000);
      const frame = compress(Compression.Lz4, plain);
      expect(errorOf(() => decompress(Compression.Lz4, frame, 100_000)).message).toMatch(/exceed/);
    });
  });

  describe('garbage inside the payload is CORRUPT_MESSAGE', () => {
    it.each(CODECS)('codec %i: random bytes, truncation and bit flips', (codec) => {
      const packed = compress(codec, sample(50_000));
      const candidates = [
        Buffer.from('not compressed at all, just text'),
        Buffer.alloc(0),
        packed.subarray(0, packed.length >> 1),
        packed.subarray(0, 3),
      ];
      for (const bad of candidates) {
        const err = errorOf(() => decompress(codec, bad, MiB));
        expect(err.code).toBe(ErrorCode.CorruptMessage);
      }
    });

    it('every single-byte corruption of each codec either decodes or fails as ProtocolError', () => {
      for (const codec of CODECS) {
        const packed = compress(codec, sample(5_000));
        for (let i = 0; i < packed.length; i += 7) {
          const bad = Buffer.from(packed);
          bad[i] = bad[i]! ^ 0xa5;
          try {
            decompress(codec, bad, 64 * 1024);
          } catch (err) {
            expect(err, `codec ${codec} byte ${i}`).toBeInstanceOf(ProtocolError);
          }
        }
      }
    });

    it('snappy: a raw block whose length preamble exceeds the limit is refused before decoding', () => {
      const block = Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), Buffer.alloc(10)]);
      expect(errorOf(() => decompress(Compression.Snappy, block, MiB)).message).toMatch(/exceed/);
    });

    it('zstd: a declared content size above the limit is refused before decoding', () => {
      const packed = compress(Compression.Zstd, Buffer.alloc(50_000));
      expect(zstdFrameContentSize(packed)).toBe(50_000);
      expect(errorOf(() => decompress(Compression.Zstd, packed, 49_999)).message).toMatch(/exceed/);
    });

    it('gzip stream of concatenated members decodes fully (Java GZIPInputStream semantics)', () => {
      const two = Buffer.concat([gzipSync(Buffer.from('ab')), gzipSync(Buffer.from('cd'))]);
      expect(decompress(Compression.Gzip, two, MiB).toString()).toBe('abcd');
    });
  });

  it.each([5, 6, 7])('unknown codec %i is CORRUPT_MESSAGE', (codec) => {
    expect(errorOf(() => decompress(codec, Buffer.from('x'), MiB)).code).toBe(ErrorCode.CorruptMessage);
    expect(errorOf(() => compress(codec, Buffer.from('x'))).code).toBe(ErrorCode.CorruptMessage);
  });
});
