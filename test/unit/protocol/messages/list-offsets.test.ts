/**
 * ListOffsets (key 2) table: kafkajs 2.2.4 oracle (requests and responses v0–v3), round trip and
 * truncation for every 2.7 version (v0–v5).
 */
import { describe, expect, it } from 'vitest';
import { ListOffsetsRequest, ListOffsetsResponse } from '../../../../src/protocol/messages/list-offsets.js';
import { checkAllVersions, decode, encode, kafkajsDecodeResponse, kafkajsRequestBody } from './codec-kit.js';

const KAFKAJS_VERSIONS = [0, 1, 2, 3];

describe('list-offsets - kafkajs requests decode', () => {
  for (const v of KAFKAJS_VERSIONS) {
    it(`v${v}`, async () => {
      const body = await kafkajsRequestBody('listOffsets', v, {
        replicaId: -1,
        isolationLevel: 1,
        topics: [{ topic: 'orders', partitions: [{ partition: 0, timestamp: -2 }, { partition: 4, timestamp: 1_600_000_000_000 }] }],
      });
      const req = decode(ListOffsetsRequest, v, body);
      expect(req.replicaId).toBe(-1);
      expect(req.isolationLevel).toBe(v >= 2 ? 1 : 0);
      expect(req.topics).toEqual([
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2, maxNumOffsets: 1 },
            { partitionIndex: 4, currentLeaderEpoch: -1, timestamp: 1_600_000_000_000, maxNumOffsets: 1 },
          ],
        },
      ]);
    });
  }
});

describe('list-offsets - kafkajs reads our responses', () => {
  for (const v of KAFKAJS_VERSIONS) {
    it(`v${v}`, async () => {
      const body = encode(ListOffsetsResponse, v, {
        throttleTimeMs: 0,
        topics: [
          {
            name: 'orders',
            partitions: [{ partitionIndex: 4, errorCode: 0, oldStyleOffsets: [120, 0], timestamp: 1_600_000_000_005, offset: 120 }],
          },
        ],
      });
      const res = (await kafkajsDecodeResponse('listOffsets', v, body)) as {
        responses: Array<{ topic: string; partitions: Array<Record<string, unknown>> }>;
        throttleTime?: number;
      };
      expect(res.responses[0]!.topic).toBe('orders');
      const p = res.responses[0]!.partitions[0]!;
      expect(p.partition).toBe(4);
      expect(p.errorCode).toBe(0);
      if (v === 0) expect(p.offsets).toEqual(['120', '0']);
      else {
        expect(p.offset).toBe('120');
        expect(p.timestamp).toBe('1600000000005');
      }
      if (v >= 2) expect(res.throttleTime).toBe(0);
    });
  }
});

describe('list-offsets - every 2.7 version round-trips and rejects truncation', () => {
  it('request v0–v5', () => {
    checkAllVersions(ListOffsetsRequest, () => ({
      replicaId: 3,
      isolationLevel: 1,
      topics: [{ name: 't', partitions: [{ partitionIndex: 1, currentLeaderEpoch: 7, timestamp: -1, maxNumOffsets: 5 }] }],
    }));
  });
  it('response v0–v5', () => {
    checkAllVersions(ListOffsetsResponse, () => ({
      throttleTimeMs: 1,
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 1, errorCode: 0, oldStyleOffsets: [9, 4, 0], timestamp: -1, offset: 9, leaderEpoch: 7 },
            { partitionIndex: 2, errorCode: 78, oldStyleOffsets: [], timestamp: -1, offset: -1, leaderEpoch: -1 },
          ],
        },
      ],
    }));
  });
  it('v0 carries maxNumOffsets and oldStyleOffsets only', () => {
    const v0 = encode(ListOffsetsRequest, 0, { replicaId: -1, topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: -1, maxNumOffsets: 3 }] }] });
    const v1 = encode(ListOffsetsRequest, 1, { replicaId: -1, topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: -1, maxNumOffsets: 3 }] }] });
    expect(v0.length - v1.length).toBe(4);
    const decoded = decode(ListOffsetsResponse, 1, encode(ListOffsetsResponse, 1, {
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0, oldStyleOffsets: [5], offset: 5 }] }],
    }));
    expect(decoded.topics).toEqual([{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0, oldStyleOffsets: [], timestamp: -1, offset: 5, leaderEpoch: -1 }] }]);
  });
});
