/**
 * Metadata (key 3) table: kafkajs 2.2.4 oracle (requests and responses v0–v6), round trip and
 * truncation for every 2.7 version (v0–v9, v9 flexible), and the null/empty topic-list forms.
 */
import { describe, expect, it } from 'vitest';
import { MetadataRequest, MetadataResponse } from '../../../../src/protocol/messages/metadata.js';
import { Writer } from '../../../../src/protocol/primitives.js';
import { checkAllVersions, decode, encode, kafkajsDecodeResponse, kafkajsRequestBody } from './codec-kit.js';

const KAFKAJS_VERSIONS = [0, 1, 2, 3, 4, 5, 6];

describe('metadata - kafkajs requests decode', () => {
  for (const v of KAFKAJS_VERSIONS) {
    it(`v${v}`, async () => {
      const body = await kafkajsRequestBody('metadata', v, { topics: ['orders', 'payments'], allowAutoTopicCreation: false });
      const req = decode(MetadataRequest, v, body);
      expect(req.topics).toEqual([{ name: 'orders' }, { name: 'payments' }]);
      // v0–v3 have no flag: Kafka always allows auto-creation there.
      expect(req.allowAutoTopicCreation).toBe(v >= 4 ? false : true);
    });
  }
  it('v1+ empty topic list from kafkajs arrives as null (= all topics)', async () => {
    const body = await kafkajsRequestBody('metadata', 6, { topics: [] });
    const req = decode(MetadataRequest, 6, body);
    expect(req.topics).toBeNull();
    expect(req.allowAutoTopicCreation).toBe(true);
  });
  it('v0 rejects a null topic list (nullable only from v1)', () => {
    const body = new Writer().int32(-1).toBuffer();
    expect(() => decode(MetadataRequest, 0, body)).toThrow(/null/);
    expect(decode(MetadataRequest, 1, body).topics).toBeNull();
  });
});

const RESPONSE = {
  throttleTimeMs: 0,
  brokers: [
    { nodeId: 1, host: '127.0.0.1', port: 9092, rack: 'r1' },
    { nodeId: 2, host: 'broker-2.local', port: 9093, rack: null },
  ],
  clusterId: 'gregor-cluster',
  controllerId: 2,
  topics: [
    {
      errorCode: 0,
      name: 'orders',
      isInternal: false,
      partitions: [
        { errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 4, replicaNodes: [1, 2], isrNodes: [1, 2], offlineReplicas: [] },
        { errorCode: 0, partitionIndex: 1, leaderId: 2, leaderEpoch: 3, replicaNodes: [2, 1], isrNodes: [2], offlineReplicas: [1] },
      ],
      topicAuthorizedOperations: 0x0f,
    },
    { errorCode: 0, name: '__consumer_offsets', isInternal: true, partitions: [] },
  ],
  clusterAuthorizedOperations: 0x10,
};

describe('metadata - kafkajs reads our responses', () => {
  for (const v of KAFKAJS_VERSIONS) {
    it(`v${v}`, async () => {
      const res = (await kafkajsDecodeResponse('metadata', v, encode(MetadataResponse, v, RESPONSE))) as Record<string, unknown> & {
        brokers: Array<Record<string, unknown>>;
        topicMetadata: Array<Record<string, unknown> & { partitionMetadata: Array<Record<string, unknown>> }>;
      };
      expect(res.brokers.map((b) => [b.nodeId, b.host, b.port])).toEqual([
        [1, '127.0.0.1', 9092],
        [2, 'broker-2.local', 9093],
      ]);
      if (v >= 1) {
        expect(res.brokers.map((b) => b.rack)).toEqual(['r1', null]);
        expect(res.controllerId).toBe(2);
        expect(res.topicMetadata.map((t) => t.isInternal)).toEqual([false, true]);
      }
      if (v >= 2) expect(res.clusterId).toBe('gregor-cluster');
      expect(res.topicMetadata.map((t) => t.topic)).toEqual(['orders', '__consumer_offsets']);
      const parts = res.topicMetadata[0]!.partitionMetadata;
      expect(parts.map((p) => [p.partitionErrorCode, p.partitionId, p.leader])).toEqual([
        [0, 0, 1],
        [0, 1, 2],
      ]);
      expect(parts[1]!.replicas).toEqual([2, 1]);
      expect(parts[1]!.isr).toEqual([2]);
      if (v >= 5) expect(parts[1]!.offlineReplicas).toEqual([1]);
    });
  }
});

describe('metadata - every 2.7 version round-trips and rejects truncation', () => {
  it('request v0–v9', () => {
    checkAllVersions(MetadataRequest, () => ({
      topics: [{ name: 'orders' }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: true,
      includeTopicAuthorizedOperations: true,
    }));
    checkAllVersions(MetadataRequest, (v) => ({ topics: v >= 1 ? null : [] }));
  });
  it('response v0–v9', () => {
    checkAllVersions(MetadataResponse, () => RESPONSE);
  });
  it('response - absent fields decode as Kafka defaults (v0)', () => {
    const decoded = decode(MetadataResponse, 0, encode(MetadataResponse, 0, RESPONSE));
    expect(decoded.controllerId).toBe(-1);
    expect(decoded.clusterId).toBeNull();
    expect(decoded.clusterAuthorizedOperations).toBe(-2147483648);
    const t = (decoded.topics as Array<Record<string, unknown> & { partitions: Array<Record<string, unknown>> }>)[0]!;
    expect(t.topicAuthorizedOperations).toBe(-2147483648);
    expect(t.partitions[0]!.leaderEpoch).toBe(-1);
    expect((decoded.brokers as Array<Record<string, unknown>>)[0]!.rack).toBeNull();
  });
  it('v9 uses compact encodings', () => {
    const body = encode(MetadataRequest, 9, { topics: [{ name: 'ab' }] });
    // compact array (2 = one element), compact string (3 = two bytes), element tags, 3 bools, tags
    expect([...body]).toEqual([2, 3, 0x61, 0x62, 0, 1, 0, 0, 0]);
  });
});
