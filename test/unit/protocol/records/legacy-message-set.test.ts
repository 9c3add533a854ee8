import { beforeAll, describe, expect, it } from 'vitest';
import {
  Compression,
  RecordBatch,
  convertLegacyMessageSet,
  initCompression,
  readLegacyMessageSet,
  readRecords,
} from '../../../../src/protocol/records/index.js';
import { ErrorCode } from '../../../../src/protocol/error-codes.js';
import { ProtocolError } from '../../../../src/protocol/errors.js';
import { fixtureBytes } from './fixtures.js';
import { legacyEntry as entry, legacyInnerSet as innerSet, legacyMessage as message, legacyWrapper as wrapper } from '../../../harness/legacy-message-set.js';

const OPTIONS = { maxUncompressedBytes: 1 << 20 };

function codeOf(fn: () => unknown): ErrorCode {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    return (err as ProtocolError).code;
  }
  throw new Error('expected a ProtocolError');
}

beforeAll(async () => {
  await initCompression();
});

describe('legacy-message-set - reading', () => {
  it('magic 1 inner offsets are relative to the wrapper, which carries the last absolute offset', () => {
    const set = readLegacyMessageSet(wrapper(1, Compression.Gzip, 104, innerSet(1, 5)), OPTIONS);
    expect(set.messages.map((m) => [m.offset, m.timestamp, m.key?.toString()])).toEqual([
      [100, 5000, 'k0'],
      [101, 5001, 'k1'],
      [102, 5002, 'k2'],
      [103, 5003, 'k3'],
      [104, 5004, 'k4'],
    ]);
  });

  it('magic 1 LogAppendTime wrappers give every inner message the wrapper timestamp', () => {
    const set = readLegacyMessageSet(wrapper(1, Compression.Snappy, 2, innerSet(1, 3), 0x08, 777), OPTIONS);
    expect(set.messages.map((m) => m.timestamp)).toEqual([777, 777, 777]);
  });

  it('magic 0 inner offsets are absolute and timestamps are NO_TIMESTAMP', () => {
    const set = readLegacyMessageSet(wrapper(0, Compression.Lz4, 52, innerSet(0, 3, 50)), OPTIONS);
    expect(set.messages.map((m) => [m.offset, m.timestamp])).toEqual([
      [50, -1],
      [51, -1],
      [52, -1],
    ]);
  });

  it('a CRC mismatch, outer or inner, is CORRUPT_MESSAGE', () => {
    const outer = fixtureBytes('v1-none');
    outer[30] = outer[30]! ^ 0x10; // inside the first message's key
    expect(codeOf(() => readLegacyMessageSet(outer, OPTIONS))).toBe(ErrorCode.CorruptMessage);
    const inner = innerSet(1, 2);
    inner[inner.length - 1] = inner[inner.length - 1]! ^ 0x10;
    expect(codeOf(() => readLegacyMessageSet(wrapper(1, Compression.Gzip, 1, inner), OPTIONS))).toBe(ErrorCode.CorruptMessage);
  });

  it.each(['v0-none', 'v1-none', 'v1-gzip', 'v0-snappy'])('%s truncated at every byte boundary is CORRUPT_MESSAGE', (name) => {
    const bytes = fixtureBytes(name);
    const boundaries = new Set<number>();
    for (let pos = 0; pos < bytes.length; pos += 12 + bytes.readInt32BE(pos + 8)) boundaries.add(pos);
    for (let cut = 1; cut < bytes.length; cut++) {
      if (boundaries.has(cut)) continue; // whole messages
      expect(codeOf(() => readLegacyMessageSet(bytes.subarray(0, cut), OPTIONS)), `cut ${cut}`).toBe(ErrorCode.CorruptMessage);
    }
  });

  it.each([-1, 0, 13, 2 ** 31 - 1])('message size %i is CORRUPT_MESSAGE', (size) => {
    const bytes = Buffer.from(fixtureBytes('v1-none'));
    bytes.writeInt32BE(size, 8);
    expect(codeOf(() => readLegacyMessageSet(bytes, OPTIONS))).toBe(ErrorCode.CorruptMessage);
  });

  it('rejects wrapper structures Kafka rejects', () => {
    const cases: [string, Buffer, ErrorCode][] = [
      ['nested compression', wrapper(1, Compression.Gzip, 0, wrapper(1, Compression.Gzip, 1, innerSet(1, 2))), ErrorCode.InvalidRecord],
      ['inner magic differs', wrapper(1, Compression.Gzip, 1, innerSet(0, 2)), ErrorCode.InvalidRecord],
      ['wrapper plus another entry', Buffer.concat([wrapper(1, Compression.Gzip, 1, innerSet(1, 2)), innerSet(1, 1)]), ErrorCode.InvalidRecord],
      ['empty wrapper', wrapper(1, Compression.Gzip, 0, Buffer.alloc(0)), ErrorCode.InvalidRecord],
      ['null wrapper value', entry(0, message(1, Compression.Gzip, 0, null, null)), ErrorCode.InvalidRecord],
      ['zstd in a legacy message', entry(0, message(1, Compression.Zstd, 0, null, Buffer.from('x'))), ErrorCode.UnsupportedCompressionType],
      ['codec 6', entry(0, message(1, 6, 0, null, Buffer.from('x'))), ErrorCode.CorruptMessage],
      ['magic 2 entry', entry(0, Buffer.from(message(1, 0, 0, null, null)).fill(2, 4, 5)), ErrorCode.CorruptMessage],
      ['garbage compressed value', entry(0, message(1, Compression.Gzip, 0, null, Buffer.from('garbage'))), ErrorCode.CorruptMessage],
      ['bytes after the value', entry(0, Buffer.concat([message(1, 0, 0, null, null), Buffer.alloc(2)])), ErrorCode.CorruptMessage],
    ];
    for (const [name, bytes, code] of cases) expect(codeOf(() => readLegacyMessageSet(bytes, OPTIONS)), name).toBe(code);
  });

  it('a compressed wrapper inflating beyond the limit is CORRUPT_MESSAGE', () => {
    const big = innerSet(1, 1);
    const bomb = wrapper(1, Compression.Gzip, 0, Buffer.concat([big, entry(1, message(1, 0, 0, null, Buffer.alloc(2 << 20)))]));
    expect(codeOf(() => readLegacyMessageSet(bomb, OPTIONS))).toBe(ErrorCode.CorruptMessage);
  });
});

describe('legacy-message-set - up-conversion to v2', () => {
  it('keeps keys, values and timestamps, with relative offsets and the source codec by default', () => {
    const batch = new RecordBatch(convertLegacyMessageSet(wrapper(1, Compression.Gzip, 104, innerSet(1, 3)), OPTIONS));
    expect([batch.baseOffset, batch.lastOffsetDelta, batch.recordCount, batch.compression]).toEqual([0, 2, 3, Compression.Gzip]);
    expect([batch.baseTimestamp, batch.maxTimestamp, batch.isCrcValid()]).toEqual([5000, 5002, true]);
    expect(readRecords(batch, OPTIONS).map((r) => [r.offset, r.timestamp, r.key?.toString(), r.value?.toString()])).toEqual([
      [0, 5000, 'k0', 'v0'],
      [1, 5001, 'k1', 'v1'],
      [2, 5002, 'k2', 'v2'],
    ]);
  });

  it('honours a target codec and gives magic-0 records NO_TIMESTAMP', () => {
    const batch = new RecordBatch(convertLegacyMessageSet(innerSet(0, 2), { ...OPTIONS, compression: Compression.Zstd }));
    expect(batch.compression).toBe(Compression.Zstd);
    expect([batch.baseTimestamp, batch.maxTimestamp]).toEqual([-1, -1]);
    expect(readRecords(batch, OPTIONS).map((r) => r.timestamp)).toEqual([-1, -1]);
  });

  it('an empty message set is INVALID_RECORD', () => {
    expect(codeOf(() => convertLegacyMessageSet(Buffer.alloc(0), OPTIONS))).toBe(ErrorCode.InvalidRecord);
  });
});
