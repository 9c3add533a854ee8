/**
 * DeleteRecords (key 21) table: kafkajs 2.2.4 oracle (v0–v1), round trip and truncation for every
 * 2.7 version (v0–v2; v2 flexible).
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { DeleteRecordsRequest, DeleteRecordsResponse } from '../../../../src/protocol/messages/delete-records.js';
import { checkAllVersions, decode, encode, kafkajsRequestBody } from './codec-kit.js';

const KAFKAJS_VERSIONS = [0, 1];
const require = createRequire(import.meta.url);

/** kafkajs's DeleteRecords response module is a factory taking the request's topics. */
async function kafkajsDecode(v: number, body: Buffer): Promise<Record<string, unknown>> {
  const factory = require(`kafkajs/src/protocol/requests/deleteRecords/v${v}/response.js`) as (a: unknown) => {
    decode(b: Buffer): Promise<Record<string, unknown>>;
  };
  return factory({ topics: [] }).decode(body);
}

describe('delete-records - kafkajs requests decode', () => {
  for (const v of KAFKAJS_VERSIONS) {
    it(`v${v}`, async () => {
      const body = await kafkajsRequestBody('deleteRecords', v, {
        topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: '7' }, { partition: 1, offset: '-1' }] }],
        timeout: 3000,
      });
      expect(decode(DeleteRecordsRequest, v, body)).toEqual({
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 0, offset: 7 },
              { partitionIndex: 1, offset: -1 },
            ],
          },
        ],
        timeoutMs: 3000,
      });
    });
  }
});

describe('delete-records - kafkajs reads our responses', () => {
  for (const v of KAFKAJS_VERSIONS) {
    it(`v${v}`, async () => {
      const body = encode(DeleteRecordsResponse, v, {
        throttleTimeMs: 0,
        topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, lowWatermark: 7, errorCode: 0 }] }],
      });
      const res = (await kafkajsDecode(v, body)) as { topics: Array<{ topic: string; partitions: Array<Record<string, unknown>> }> };
      expect(res.topics[0]!.topic).toBe('orders');
      const p = res.topics[0]!.partitions[0]!;
      expect(p.partition).toBe(0);
      expect(String(p.lowWatermark)).toBe('7');
      expect(p.errorCode).toBe(0);
    });
  }
});

describe('delete-records - every 2.7 version round-trips and rejects truncation', () => {
  it('request v0–v2', () => {
    checkAllVersions(DeleteRecordsRequest, () => ({
      topics: [{ name: 'a', partitions: [{ partitionIndex: 2, offset: 2 ** 40 }] }],
      timeoutMs: 30000,
    }));
  });
  it('response v0–v2', () => {
    checkAllVersions(DeleteRecordsResponse, () => ({
      throttleTimeMs: 0,
      topics: [
        { name: 'a', partitions: [{ partitionIndex: 2, lowWatermark: 2 ** 40, errorCode: 0 }, { partitionIndex: 3, lowWatermark: -1, errorCode: 1 }] },
      ],
    }));
  });
});
