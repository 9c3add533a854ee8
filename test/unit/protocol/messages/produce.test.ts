/**
 * Produce (key 0) table: kafkajs 2.2.4 oracle (requests v0–v7 decode, responses v0–v7 read by
 * kafkajs), and round trip / truncation for every 2.7 version (v0–v8).
 */
import { describe, expect, it } from 'vitest';
import { ProduceRequest, ProduceResponse } from '../../../../src/protocol/messages/produce.js';
import { checkAllVersions, decode, encode, kafkajsDecodeResponse, kafkajsRequestBody } from './codec-kit.js';

const KAFKAJS_VERSIONS = [0, 1, 2, 3, 4, 5, 6, 7];

/** The magic byte kafkajs writes per request version (message format 0, 1, then RecordBatch 2). */
const magicFor = (v: number): number => (v < 2 ? 0 : v === 2 ? 1 : 2);

describe('produce - kafkajs requests decode', () => {
  for (const v of KAFKAJS_VERSIONS) {
    it(`v${v}`, async () => {
      const body = await kafkajsRequestBody('produce', v, {
        acks: -1,
        timeout: 30000,
        transactionalId: v >= 3 ? 'txn-orders' : undefined,
        producerEpoch: 3,
        topicData: [
          {
            topic: 'orders',
            partitions: [
              { partition: 2, messages: [{ key: 'k1', value: 'hello-produce', timestamp: 1_600_000_000_000 }] },
              { partition: 5, messages: [{ key: 'k2', value: 'second' }, { key: 'k3', value: 'third' }] },
            ],
          },
        ],
      });
      const req = decode(ProduceRequest, v, body);
      expect(req.transactionalId).toBe(v >= 3 ? 'txn-orders' : null);
      expect(req.acks).toBe(-1);
      expect(req.timeoutMs).toBe(30000);
      const [topic] = req.topics as Array<{ name: string; partitions: Array<{ partitionIndex: number; records: Buffer }> }>;
      expect(topic!.name).toBe('orders');
      expect(topic!.partitions.map((p) => p.partitionIndex)).toEqual([2, 5]);
      const records = topic!.partitions[0]!.records;
      expect(records[16]).toBe(magicFor(v));
      expect(records.includes(Buffer.from('hello-produce'))).toBe(true);
      if (v >= 3) {
        // RecordBatch v2: batchLength (bytes 8..11) covers the rest of the blob exactly.
        expect(records.readInt32BE(8) + 12).toBe(records.length);
        expect(records.readInt16BE(51)).toBe(3); // producerEpoch (RecordBatch offset 51)
      }
    });
  }
});

describe('produce - kafkajs reads our responses', () => {
  for (const v of KAFKAJS_VERSIONS) {
    it(`v${v}`, async () => {
      const body = encode(ProduceResponse, v, {
        responses: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 2, errorCode: 0, baseOffset: 4_294_967_301, logAppendTimeMs: 1_600_000_000_123, logStartOffset: 17 },
            ],
          },
        ],
        throttleTimeMs: 0,
      });
      const res = (await kafkajsDecodeResponse('produce', v, body)) as {
        topics: Array<{ topicName: string; partitions: Array<Record<string, unknown>> }>;
        throttleTime?: number;
      };
      expect(res.topics).toHaveLength(1);
      expect(res.topics[0]!.topicName).toBe('orders');
      const p = res.topics[0]!.partitions[0]!;
      expect(p.partition).toBe(2);
      expect(p.errorCode).toBe(0);
      expect(p.offset ?? p.baseOffset).toBe('4294967301');
      if (v >= 2) expect(p.timestamp ?? p.logAppendTime).toBe('1600000000123');
      if (v >= 5) expect(p.logStartOffset).toBe('17');
      if (v >= 1) expect(res.throttleTime).toBe(0);
    });
  }
});

describe('produce - every 2.7 version round-trips and rejects truncation', () => {
  it('request v0–v8', () => {
    checkAllVersions(ProduceRequest, () => ({
      transactionalId: 'txn-1',
      acks: 1,
      timeoutMs: 1500,
      topics: [
        { name: 'a', partitions: [{ partitionIndex: 0, records: Buffer.from('batch-bytes') }, { partitionIndex: 1, records: null }] },
        { name: 'b', partitions: [] },
      ],
    }));
  });
  it('request - a null transactionalId survives v3+', () => {
    const body = encode(ProduceRequest, 7, { transactionalId: null, acks: 0, timeoutMs: 1, topics: [] });
    expect(decode(ProduceRequest, 7, body).transactionalId).toBeNull();
  });
  it('response v0–v8', () => {
    checkAllVersions(ProduceResponse, () => ({
      responses: [
        {
          name: 'a',
          partitions: [
            {
              partitionIndex: 3,
              errorCode: 87,
              baseOffset: -1,
              logAppendTimeMs: 99,
              logStartOffset: 5,
              recordErrors: [{ batchIndex: 0, batchIndexErrorMessage: 'bad record' }, { batchIndex: 4, batchIndexErrorMessage: null }],
              errorMessage: 'invalid record',
            },
          ],
        },
      ],
      throttleTimeMs: 12,
    }));
  });
  it('response - absent fields decode as Kafka defaults', () => {
    const body = encode(ProduceResponse, 1, {
      responses: [{ name: 'a', partitions: [{ partitionIndex: 0, errorCode: 0, baseOffset: 7 }] }],
      throttleTimeMs: 0,
    });
    const p = (decode(ProduceResponse, 1, body).responses as Array<{ partitions: Array<Record<string, unknown>> }>)[0]!.partitions[0]!;
    expect(p).toEqual({
      partitionIndex: 0,
      errorCode: 0,
      baseOffset: 7,
      logAppendTimeMs: -1,
      logStartOffset: -1,
      recordErrors: [],
      errorMessage: null,
    });
  });
});
