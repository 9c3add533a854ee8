/**
 * kafkajs 2.2.4's own record-batch encoder and decoder (pinned internals) against ours, both
 * ways. kafkajs ships only gzip; for snappy, lz4 and zstd our codecs are registered in its codec
 * table, the way applications plug in kafkajs-snappy and friends.
 */
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Compression,
  buildRecordBatch,
  compress,
  decompress,
  initCompression,
  readLegacyMessageSet,
  readRecords,
  splitBatches,
  validateBatch,
} from '../../../../src/protocol/records/index.js';

const require = createRequire(import.meta.url);
type Encoder = { buffer: Buffer };
const Long = require('kafkajs/src/utils/long') as { fromValue(v: number): unknown };
const Decoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => unknown;
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (r: object) => Encoder;
const { RecordBatch: KafkajsRecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch(args: object): Promise<Encoder>;
};
const decodeMessages = require('kafkajs/src/protocol/requests/fetch/v4/decodeMessages') as (d: unknown) => Promise<KafkajsRecord[]>;
const MessageSet = require('kafkajs/src/protocol/messageSet') as (args: object) => Encoder;
const { Codecs } = require('kafkajs/src/protocol/message/compression') as { Codecs: Record<number, () => object> };

interface KafkajsRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]>;
  isControlRecord: boolean;
}

const LIMIT = 1 << 22;
const CODECS = [Compression.None, Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd];

const messages = Array.from({ length: 25 }, (_, i) => ({
  key: i % 6 === 0 ? null : Buffer.from(`key-${i}`),
  value: Buffer.from(`value ${i} `.repeat(i * 3 + 1)),
  headers: i % 4 === 0 ? { trace: Buffer.from(`t${i}`), multi: [Buffer.from('a'), Buffer.from('b')] } : {},
  timestamp: 1_650_000_000_000 + i * 17,
}));

beforeAll(async () => {
  await initCompression();
  for (const codec of [Compression.Snappy, Compression.Lz4, Compression.Zstd]) {
    Codecs[codec] = () => ({
      compress: async (encoder: Encoder) => compress(codec, encoder.buffer),
      decompress: async (buffer: Buffer) => decompress(codec, buffer, LIMIT),
    });
  }
});

async function kafkajsBatch(compression: number): Promise<Buffer> {
  const first = messages[0]!.timestamp;
  const encoder = await KafkajsRecordBatch({
    compression,
    records: messages.map((m, i) => Record({ ...m, offsetDelta: i, timestampDelta: m.timestamp - first })),
    firstTimestamp: first,
    maxTimestamp: messages.at(-1)!.timestamp,
    producerId: Long.fromValue(4000),
    producerEpoch: 2,
    firstSequence: 100,
    transactional: true,
    lastOffsetDelta: messages.length - 1,
  });
  return encoder.buffer;
}

describe('kafkajs interop - kafkajs encodes, we decode', () => {
  it.each(CODECS)('codec %i', async (codec) => {
    const [batch, ...rest] = splitBatches(await kafkajsBatch(codec));
    expect(rest).toHaveLength(0);
    expect(() => validateBatch(batch!, { fromClient: true })).not.toThrow();
    expect(batch!.compression).toBe(codec);
    expect([batch!.producerId, batch!.producerEpoch, batch!.baseSequence, batch!.isTransactional]).toEqual([4000, 2, 100, true]);
    const records = readRecords(batch!, { maxUncompressedBytes: LIMIT });
    expect(records).toEqual(
      messages.map((m, i) => ({
        offset: i,
        offsetDelta: i,
        timestamp: m.timestamp,
        key: m.key,
        value: m.value,
        headers: Object.entries(m.headers).flatMap(([key, v]) => (Array.isArray(v) ? v : [v]).map((value) => ({ key, value }))),
      })),
    );
  });
});

describe('kafkajs interop - we encode, kafkajs decodes', () => {
  it.each(CODECS)('codec %i, two batches in one fetch blob', async (codec) => {
    const input = messages.map((m) => ({
      key: m.key,
      value: m.value,
      timestamp: m.timestamp,
      headers: Object.entries(m.headers).flatMap(([key, v]) => (Array.isArray(v) ? v : [v]).map((value) => ({ key, value }))),
    }));
    const blob = Buffer.concat([
      buildRecordBatch(input.slice(0, 10), { compression: codec, baseOffset: 500 }),
      buildRecordBatch(input.slice(10), { compression: codec, baseOffset: 510 }),
    ]);
    const sized = Buffer.concat([Buffer.alloc(4), blob]);
    sized.writeInt32BE(blob.length, 0);
    const decoded = await decodeMessages(new Decoder(sized));
    expect(decoded.map((r) => ({ offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers }))).toEqual(
      messages.map((m, i) => ({ offset: String(500 + i), timestamp: String(m.timestamp), key: m.key, value: m.value, headers: m.headers })),
    );
  });
});

describe('kafkajs interop - legacy message sets', () => {
  it.each([0, 1])('reads kafkajs MessageSet v%i', (messageVersion) => {
    const entries = messages.slice(0, 5).map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp }));
    const set = MessageSet({ messageVersion, compression: Compression.None, entries }).buffer;
    const read = readLegacyMessageSet(set, { maxUncompressedBytes: LIMIT });
    expect(read.compression).toBe(Compression.None);
    expect(read.messages.map((m) => [m.magic, m.timestamp, m.key, m.value])).toEqual(
      entries.map((e) => [messageVersion, messageVersion === 0 ? -1 : e.timestamp, e.key, e.value]),
    );
  });
});
