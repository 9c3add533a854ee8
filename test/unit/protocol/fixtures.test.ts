/**
 * Real-client request frames (captured by scripts/capture-fixtures.ts from kcat 1.7.1 /
 * librdkafka 2.0.2 and kafka-python 2.0.2) decode with our header and message tables: the
 * size prefix, header, API and version match the file name, the fields are what the client was
 * told to send, nothing is left over, and re-encoding the decoded value gives the same bytes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { decodeRequestHeader, encodeRequestHeader } from '../../../src/protocol/header.js';
import { ApiVersionsRequest } from '../../../src/protocol/messages/api-versions.js';
import { MetadataRequest } from '../../../src/protocol/messages/metadata.js';
import { ProduceRequest } from '../../../src/protocol/messages/produce.js';
import { Reader, Writer } from '../../../src/protocol/primitives.js';
import { decode, encode } from './messages/codec-kit.js';

const DIR = fileURLToPath(new URL('../../fixtures/protocol/', import.meta.url));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const TABLES: Record<string, { key: number; spec: any }> = {
  'api-versions': { key: ApiKey.ApiVersions, spec: ApiVersionsRequest },
  metadata: { key: ApiKey.Metadata, spec: MetadataRequest },
  produce: { key: ApiKey.Produce, spec: ProduceRequest },
};

const isFlexible = (apiKey: number, v: number): boolean =>
  Object.values(TABLES).find((t) => t.key === apiKey)?.spec.isFlexible(v) ?? false;

/** Compression codec id in RecordBatch attributes (bits 0–2). */
const CODEC_ID = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;

interface Expectation {
  clientId: string;
  fields: (api: string, version: number, variant: string | undefined, body: Record<string, unknown>) => void;
}

function checkProduce(acks: number, variant: string | undefined, body: Record<string, unknown>): void {
  expect(body.transactionalId).toBeNull();
  expect(body.acks).toBe(acks);
  expect(body.timeoutMs).toBeGreaterThan(0);
  const topics = body.topics as Array<{ name: string; partitions: Array<{ partitionIndex: number; records: Buffer }> }>;
  // librdkafka sends exactly one topic and one partition per request (protocol.md §2.2)
  expect(topics.map((t) => t.name)).toEqual(['fixtures']);
  expect(topics[0]!.partitions.map((p) => p.partitionIndex)).toEqual([0]);
  const records = topics[0]!.partitions[0]!.records;
  expect(records.readInt32BE(8) + 12, 'batchLength covers the blob').toBe(records.length);
  expect(records[16], 'magic').toBe(2);
  expect(records.readInt16BE(21) & 7, 'codec').toBe(CODEC_ID[variant as keyof typeof CODEC_ID]);
  expect(records.readInt32BE(57), 'record count').toBe(2);
  expect(records.readBigInt64BE(43), 'producer id').toBe(-1n);
  if (variant === 'none') expect(records.includes(Buffer.from('fixture-message-2 compressible-'))).toBe(true);
}

const CLIENTS: Record<string, Expectation> = {
  kcat: {
    clientId: 'rdkafka',
    fields(api, version, variant, body) {
      if (api === 'api-versions') {
        expect(version).toBe(3);
        expect(body).toEqual({ clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' });
      } else if (api === 'metadata') {
        // The first Metadata of a `-L` run is librdkafka's brokers-only refresh: an empty list (v1+
        // empty = no topics, protocol.md §7.1). The producer asks for its topic, auto-create allowed.
        expect(version).toBe(4);
        expect(body.topics).toEqual(variant === 'list' ? [] : [{ name: 'fixtures' }]);
        if (variant === 'producer') expect(body.allowAutoTopicCreation).toBe(true);
      } else {
        checkProduce(-1, variant, body);
      }
    },
  },
  'kafka-python': {
    clientId: 'kafka-python-producer-1',
    fields(api, version, variant, body) {
      if (api === 'api-versions') {
        // v0 has no body; the v3 fields decode as their defaults
        expect(version).toBe(0);
        expect(body).toEqual({ clientSoftwareName: '', clientSoftwareVersion: '' });
      } else if (api === 'metadata') {
        // v0 version probe: an empty list (= all topics in v0); then the client's bootstrap
        // refresh, v1 with a null list (= all topics in v1+)
        expect(body.topics).toEqual(version === 0 ? [] : null);
        expect(body.allowAutoTopicCreation).toBe(true);
      } else {
        checkProduce(1, variant, body);
      }
    },
  },
};

function fixtures(): Array<{ client: string; file: string }> {
  return Object.keys(CLIENTS).flatMap((client) =>
    readdirSync(join(DIR, client))
      .filter((f) => f.endsWith('.hex'))
      .sort()
      .map((file) => ({ client, file })),
  );
}

describe('fixtures - real client request frames', () => {
  it('every capture the script makes is present', () => {
    const names = fixtures().map((f) => `${f.client}/${f.file}`);
    for (const codec of Object.keys(CODEC_ID)) {
      expect(names).toContain(`kcat/produce-v7-${codec}.hex`);
      expect(names).toContain(`kafka-python/produce-v7-${codec}.hex`);
    }
    expect(names).toEqual(
      expect.arrayContaining([
        'kcat/api-versions-v3.hex',
        'kcat/metadata-v4-list.hex',
        'kcat/metadata-v4-producer.hex',
        'kafka-python/api-versions-v0.hex',
        'kafka-python/metadata-v0.hex',
        'kafka-python/metadata-v1.hex',
      ]),
    );
  });

  for (const { client, file } of fixtures()) {
    it(`${client} - ${file}`, () => {
      const m = /^([a-z-]+)-v(\d+)(?:-([a-z0-9]+))?\.hex$/.exec(file);
      expect(m, 'file name').not.toBeNull();
      const [, api, version, variant] = m!;
      const table = TABLES[api!]!;
      const frame = Buffer.from(readFileSync(join(DIR, client, file), 'utf8').replace(/\s+/g, ''), 'hex');

      expect(frame.readInt32BE(0), 'size prefix').toBe(frame.length - 4);
      const r = new Reader(frame, 4);
      const header = decodeRequestHeader(r, isFlexible);
      expect(header.apiKey).toBe(table.key);
      expect(header.apiVersion).toBe(Number(version));
      expect(header.clientId).toBe(CLIENTS[client]!.clientId);
      // the body is the rest of the frame, read to the last byte
      const body = decode(table.spec, header.apiVersion, frame.subarray(r.offset)) as Record<string, unknown>;
      CLIENTS[client]!.fields(api!, header.apiVersion, variant, body);

      const w = new Writer();
      encodeRequestHeader(w, header, isFlexible(header.apiKey, header.apiVersion));
      const reencoded = Buffer.concat([w.toBuffer(), encode(table.spec, header.apiVersion, body)]);
      expect(reencoded.equals(frame.subarray(4)), 're-encoding reproduces the frame').toBe(true);
    });
  }
});
