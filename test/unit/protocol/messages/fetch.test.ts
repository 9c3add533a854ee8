/**
 * Fetch (key 1) table: kafkajs 2.2.4 oracle (requests v0–v11 decode; our responses v0–v11 read by
 * kafkajs, records included), round trip / truncation for v0–v12, and v12 tagged fields.
 */
import { describe, expect, it } from 'vitest';
import { FetchRequest, FetchResponse } from '../../../../src/protocol/messages/fetch.js';
import { ProduceRequest } from '../../../../src/protocol/messages/produce.js';
import { Writer } from '../../../../src/protocol/primitives.js';
import { checkAllVersions, decode, encode, kafkajsDecodeResponse, kafkajsRequestBody } from './codec-kit.js';

const KAFKAJS_VERSIONS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

/** Real record bytes written by kafkajs's own producer encoder (magic 0 for v0, 2 for v3). */
async function kafkajsRecords(produceVersion: 0 | 3): Promise<Buffer> {
  const body = await kafkajsRequestBody('produce', produceVersion, {
    acks: 1,
    timeout: 1000,
    topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: 'key-1', value: 'value-1' }, { key: 'key-2', value: 'value-2' }] }] }],
  });
  const req = decode(ProduceRequest, produceVersion, body) as {
    topics: Array<{ partitions: Array<{ records: Buffer }> }>;
  };
  return req.topics[0]!.partitions[0]!.records;
}

describe('fetch - kafkajs requests decode', () => {
  for (const v of KAFKAJS_VERSIONS) {
    it(`v${v}`, async () => {
      const body = await kafkajsRequestBody('fetch', v, {
        replicaId: -1,
        maxWaitTime: 5000,
        minBytes: 1,
        maxBytes: 10485760,
        isolationLevel: 1,
        rackId: 'rack-a',
        topics: [
          {
            topic: 'orders',
            partitions: [
              { partition: 0, fetchOffset: '9007199254740991', maxBytes: 1048576 },
              { partition: 3, fetchOffset: '42', maxBytes: 65536 },
            ],
          },
        ],
      });
      const req = decode(FetchRequest, v, body);
      expect(req.replicaId).toBe(-1);
      expect(req.maxWaitMs).toBe(5000);
      expect(req.minBytes).toBe(1);
      expect(req.maxBytes).toBe(v >= 3 ? 10485760 : 0x7fffffff);
      expect(req.isolationLevel).toBe(v >= 4 ? 1 : 0);
      expect(req.sessionId).toBe(0);
      expect(req.sessionEpoch).toBe(-1);
      expect(req.topics).toEqual([
        {
          topic: 'orders',
          partitions: [
            { partition: 0, currentLeaderEpoch: -1, fetchOffset: Number.MAX_SAFE_INTEGER, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1048576 },
            { partition: 3, currentLeaderEpoch: -1, fetchOffset: 42, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 65536 },
          ],
        },
      ]);
      expect(req.forgottenTopicsData).toEqual([]);
      expect(req.rackId).toBe(v >= 11 ? 'rack-a' : '');
    });
  }
});

describe('fetch - kafkajs reads our responses', () => {
  for (const v of KAFKAJS_VERSIONS) {
    it(`v${v}`, async () => {
      const records = await kafkajsRecords(v >= 4 ? 3 : 0);
      const body = encode(FetchResponse, v, {
        throttleTimeMs: 0,
        errorCode: 0,
        sessionId: 0,
        responses: [
          {
            topic: 'orders',
            partitionResponses: [
              {
                partition: 1,
                errorCode: 0,
                highWatermark: 2,
                lastStableOffset: 2,
                logStartOffset: 0,
                abortedTransactions: [{ producerId: 4000, firstOffset: 0 }],
                preferredReadReplica: -1,
                recordSet: records,
              },
              { partition: 2, errorCode: 0, highWatermark: 0, abortedTransactions: null, recordSet: Buffer.alloc(0) },
            ],
          },
        ],
      });
      const res = (await kafkajsDecodeResponse('fetch', v, body)) as {
        responses: Array<{ topicName: string; partitions: Array<Record<string, unknown>> }>;
        errorCode?: number;
        sessionId?: number;
      };
      expect(res.responses[0]!.topicName).toBe('orders');
      const [p1, p2] = res.responses[0]!.partitions;
      expect(p1!.partition).toBe(1);
      expect(p1!.errorCode).toBe(0);
      expect(p1!.highWatermark).toBe('2');
      const messages = p1!.messages as Array<{ key: Buffer; value: Buffer }>;
      expect(messages.map((m) => m.value.toString())).toEqual(['value-1', 'value-2']);
      expect(messages.map((m) => m.key.toString())).toEqual(['key-1', 'key-2']);
      if (v >= 4) {
        expect(p1!.lastStableOffset).toBe('2');
        expect(p1!.abortedTransactions).toEqual([{ producerId: '4000', firstOffset: '0' }]);
        expect(p2!.abortedTransactions).toEqual([]);
      }
      if (v >= 5) expect(p1!.lastStartOffset).toBe('0');
      if (v >= 7) {
        expect(res.errorCode).toBe(0);
        expect(res.sessionId).toBe(0);
      }
      if (v >= 11) expect(p1!.preferredReadReplica).toBe(-1);
      expect(p2!.partition).toBe(2);
      expect(p2!.messages).toEqual([]);
    });
  }
});

describe('fetch - every 2.7 version round-trips and rejects truncation', () => {
  it('request v0–v12', () => {
    checkAllVersions(FetchRequest, () => ({
      clusterId: 'ignored-unless-tagged',
      replicaId: 2,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 52428800,
      isolationLevel: 1,
      sessionId: 77,
      sessionEpoch: 3,
      topics: [
        {
          topic: 'orders',
          partitions: [{ partition: 0, currentLeaderEpoch: 5, fetchOffset: 123456789012, lastFetchedEpoch: 4, logStartOffset: 10, partitionMaxBytes: 1048576 }],
        },
      ],
      forgottenTopicsData: [{ topic: 'old', partitions: [1, 2, 3] }],
      rackId: 'rack-b',
    }));
  });
  it('response v0–v12', () => {
    checkAllVersions(FetchResponse, () => ({
      throttleTimeMs: 7,
      errorCode: 0,
      sessionId: 0,
      responses: [
        {
          topic: 'orders',
          partitionResponses: [
            {
              partition: 0,
              errorCode: 0,
              highWatermark: 100,
              lastStableOffset: 90,
              logStartOffset: 3,
              abortedTransactions: [{ producerId: 9, firstOffset: 80 }],
              preferredReadReplica: -1,
              recordSet: Buffer.from('stored-batches'),
            },
            { partition: 1, errorCode: 1, highWatermark: -1, abortedTransactions: null, recordSet: null },
          ],
        },
      ],
    }));
  });
});

describe('fetch - v12 tagged fields', () => {
  it('request clusterId (tag 0) is read, unknown tags are skipped', () => {
    const w = new Writer();
    w.int32(-1).int32(500).int32(1).int32(1000).int8(0).int32(0).int32(-1);
    w.uvarint(1); // topics: compact array of 0 elements
    w.uvarint(1); // forgottenTopicsData: empty
    w.uvarint(1); // rackId ''
    const cluster = new Writer().compactNullableString('cluster-xyz').toBuffer();
    w.uvarint(2).uvarint(0).uvarint(cluster.length).raw(cluster).uvarint(42).uvarint(1).uint8(7);
    const req = decode(FetchRequest, 12, w.toBuffer());
    expect(req.clusterId).toBe('cluster-xyz');
    expect(req.maxBytes).toBe(1000);
    expect(req.sessionEpoch).toBe(-1);
  });
  it('response divergingEpoch (tag 0) and currentLeader (tag 1) are read inside a partition', () => {
    const w = new Writer();
    w.int32(0).int16(0).int32(0);
    w.uvarint(2).compactNullableString('orders');
    w.uvarint(2).int32(4).int16(74).int64(-1).int64(-1).int64(-1);
    w.uvarint(0); // abortedTransactions null
    w.int32(-1); // preferredReadReplica
    w.uvarint(1); // recordSet: empty
    w.uvarint(2);
    w.uvarint(0).uvarint(13).int32(6).int64(1234).uvarint(0);
    w.uvarint(1).uvarint(9).int32(3).int32(8).uvarint(0);
    w.uvarint(0); // topic tags
    w.uvarint(0); // top-level tags
    const res = decode(FetchResponse, 12, w.toBuffer());
    const p = res.responses[0]!.partitionResponses[0]!;
    expect(p.errorCode).toBe(74);
    expect(p.divergingEpoch).toEqual({ epoch: 6, endOffset: 1234 });
    expect(p.currentLeader).toEqual({ leaderId: 3, leaderEpoch: 8 });
    expect(p.abortedTransactions).toBeNull();
    expect(p.recordSet).toEqual(Buffer.alloc(0));
  });
  it('we never write the tagged fields (librdkafka 2.0.2 mis-parses them)', () => {
    const value = {
      responses: [
        {
          topic: 't',
          partitionResponses: [
            { partition: 0, errorCode: 0, highWatermark: 0, divergingEpoch: { epoch: 1, endOffset: 2 }, currentLeader: { leaderId: 1, leaderEpoch: 1 }, recordSet: Buffer.alloc(0) },
          ],
        },
      ],
    };
    const withTags = encode(FetchResponse, 12, value);
    const decoded = decode(FetchResponse, 12, withTags);
    expect(decoded.responses).toEqual([
      {
        topic: 't',
        partitionResponses: [
          expect.objectContaining({ divergingEpoch: { epoch: -1, endOffset: -1 }, currentLeader: { leaderId: -1, leaderEpoch: -1 } }),
        ],
      },
    ]);
  });
});
