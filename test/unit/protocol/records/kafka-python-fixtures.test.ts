/**
 * Batches and message sets built by kafka-python 2.0.2's own builders, one per codec and format
 * (test/fixtures/records/make-fixtures.py). We must read exactly the records it wrote; compressed
 * bytes are never compared, only decoded content.
 */
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Compression,
  RecordBatch,
  buildRecordBatch,
  convertLegacyMessageSet,
  initCompression,
  isXerialFramed,
  readLegacyMessageSet,
  readRecords,
  validateBatch,
  validateProduceRecords,
} from '../../../../src/protocol/records/index.js';
import { describeBytes, fixtureBytes, manifest, type Fixture } from './fixtures.js';

const LIMIT = 1 << 22;
const batches = manifest.filter((f) => f.magic === 2);
const legacy = manifest.filter((f) => f.magic === 0 || f.magic === 1);

beforeAll(async () => {
  await initCompression();
});

function expectRecords(f: Fixture, actual: { offset: number; timestamp: number; key: Buffer | null; value: Buffer | null; headers?: { key: string; value: Buffer | null }[] }[]): void {
  expect(actual).toHaveLength(f.records!.length);
  actual.forEach((r, i) => {
    const want = f.records![i]!;
    expect(
      { offset: r.offset, timestamp: r.timestamp, key: r.key?.toString() ?? null, value: describeBytes(r.value, want.value), headers: (r.headers ?? []).map((h) => [h.key, h.value?.toString() ?? null]) },
      `${f.name} record ${i}`,
    ).toEqual(want);
  });
}

describe('kafka-python fixtures - v2 record batches', () => {
  it('cover every codec', () => {
    expect(new Set(batches.map((f) => f.codec))).toEqual(new Set([0, 1, 2, 3, 4]));
  });

  it.each(batches.map((f) => [f.name, f] as const))('%s', (_name, f) => {
    const [batch] = validateProduceRecords(fixtureBytes(f.name), 8, {});
    expect(batch!.compression).toBe(f.codec);
    expect([batch!.producerId, batch!.producerEpoch, batch!.baseSequence, batch!.isTransactional]).toEqual([
      f.producerId,
      f.producerEpoch,
      f.baseSequence,
      f.transactional,
    ]);
    if (f.codec === Compression.Snappy) expect(isXerialFramed(batch!.recordsPayload)).toBe(true);
    expectRecords(f, readRecords(batch!, { maxUncompressedBytes: LIMIT }));
  });
});

describe('kafka-python fixtures - legacy message sets', () => {
  it('cover magic 0 and 1 with none, gzip, snappy and lz4 (magic 0 lz4 has the broken header checksum)', () => {
    expect(legacy.map((f) => `${f.magic}/${f.codec}`).sort()).toEqual(['0/0', '0/1', '0/2', '0/3', '1/0', '1/1', '1/2', '1/3']);
  });

  it.each(legacy.map((f) => [f.name, f] as const))('%s reads, then converts to a valid v2 batch', (_name, f) => {
    const bytes = fixtureBytes(f.name);
    const set = readLegacyMessageSet(bytes, { maxUncompressedBytes: LIMIT });
    expect(set.compression).toBe(f.codec);
    expect(set.messages.every((m) => m.magic === f.magic)).toBe(true);
    // Magic-1 inner offsets are relative to the wrapper's, which is the last inner offset (Kafka's
    // DeepRecordsIterator); kafka-python leaves the wrapper at 0, so absolute offsets go negative.
    const shift = f.magic === 1 && f.codec !== Compression.None ? Number(bytes.readBigInt64BE(0)) - (f.records!.length - 1) : 0;
    expectRecords(f, set.messages.map((m) => ({ ...m, offset: m.offset - shift })));

    const converted = new RecordBatch(convertLegacyMessageSet(fixtureBytes(f.name), { maxUncompressedBytes: LIMIT }));
    expect(() => validateBatch(converted, { fromClient: true })).not.toThrow();
    expect(converted.compression).toBe(f.codec);
    expect(converted.hasProducerId).toBe(false);
    expectRecords(f, readRecords(converted, { maxUncompressedBytes: LIMIT }));
  });
});

describe('kafka-python reads the batches we build', () => {
  // kafka-python's DefaultRecordBatch decodes one hex batch per line and prints its records.
  const READER = [
    'import sys, json',
    'from kafka.record.default_records import DefaultRecordBatch',
    'for line in sys.stdin:',
    '    batch = DefaultRecordBatch(bytearray.fromhex(line.strip()))',
    '    assert batch.validate_crc()',
    '    print(json.dumps([[r.offset, r.timestamp, r.key.decode() if r.key is not None else None,',
    '                       r.value.decode() if r.value is not None else None,',
    '                       [[k, v.decode() if v is not None else None] for k, v in r.headers]] for r in batch]))',
  ].join('\n');

  it('for every codec', () => {
    const input = Array.from({ length: 300 }, (_, i) => ({
      key: i % 9 === 0 ? null : Buffer.from(`key-${i}`),
      value: Buffer.from(`value ${i} `.repeat(i % 40)),
      headers: i % 10 === 0 ? [{ key: 'h', value: Buffer.from(String(i)) }] : [],
      timestamp: 1_700_000_000_000 + i,
    }));
    const codecs = [Compression.None, Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd];
    const hex = codecs.map((compression) => buildRecordBatch(input, { compression, baseOffset: 40 }).toString('hex')).join('\n');
    const out = execFileSync('/usr/bin/python3', ['-c', READER], { input: hex + '\n', timeout: 30_000, encoding: 'utf8' });
    const expected = input.map((r, i) => [40 + i, r.timestamp, r.key?.toString() ?? null, r.value.toString(), r.headers.map((h) => [h.key, h.value.toString()])]);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(codecs.length);
    for (const line of lines) expect(JSON.parse(line)).toEqual(expected);
  });
});
