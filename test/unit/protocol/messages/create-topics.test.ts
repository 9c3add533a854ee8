/**
 * CreateTopics (key 19) table: kafkajs 2.2.4 oracle (v0–v3), round trip and truncation for every
 * 2.7 version (v0–v6; v5+ flexible, with the tagged topicConfigErrorCode).
 */
import { describe, expect, it } from 'vitest';
import { CreateTopicsRequest, CreateTopicsResponse } from '../../../../src/protocol/messages/create-topics.js';
import { Writer } from '../../../../src/protocol/primitives.js';
import { checkAllVersions, decode, encode, kafkajsDecodeResponse, kafkajsRequestBody } from './codec-kit.js';

const KAFKAJS_VERSIONS = [0, 1, 2, 3];

describe('create-topics - kafkajs requests decode', () => {
  for (const v of KAFKAJS_VERSIONS) {
    it(`v${v}`, async () => {
      const body = await kafkajsRequestBody('createTopics', v, {
        topics: [
          { topic: 'orders', numPartitions: 3, replicationFactor: 2, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
          { topic: 'placed', replicaAssignment: [{ partition: 0, replicas: [1, 2] }, { partition: 1, replicas: [2, 3] }] },
        ],
        validateOnly: true,
        timeout: 7000,
      });
      const req = decode(CreateTopicsRequest, v, body);
      expect(req.topics).toEqual([
        { name: 'orders', numPartitions: 3, replicationFactor: 2, assignments: [], configs: [{ name: 'cleanup.policy', value: 'compact' }] },
        {
          name: 'placed',
          numPartitions: -1,
          replicationFactor: -1,
          assignments: [
            { partitionIndex: 0, brokerIds: [1, 2] },
            { partitionIndex: 1, brokerIds: [2, 3] },
          ],
          configs: [],
        },
      ]);
      expect(req.timeoutMs).toBe(7000);
      expect(req.validateOnly).toBe(v >= 1);
    });
  }
});

describe('create-topics - kafkajs reads our responses', () => {
  for (const v of KAFKAJS_VERSIONS) {
    it(`v${v}`, async () => {
      const body = encode(CreateTopicsResponse, v, {
        throttleTimeMs: 0,
        topics: [
          { name: 'orders', errorCode: 36, errorMessage: "Topic 'orders' already exists." },
          { name: 'a-new', errorCode: 0, errorMessage: null },
        ],
      });
      const res = (await kafkajsDecodeResponse('createTopics', v, body)) as { topicErrors: Array<Record<string, unknown>>; throttleTime?: number };
      // kafkajs sorts by topic name
      expect(res.topicErrors.map((t) => [t.topic, t.errorCode])).toEqual([
        ['a-new', 0],
        ['orders', 36],
      ]);
      if (v >= 1) expect(res.topicErrors.map((t) => t.errorMessage)).toEqual([null, "Topic 'orders' already exists."]);
      if (v >= 2) expect(res.throttleTime).toBe(0);
    });
  }
});

describe('create-topics - every 2.7 version round-trips and rejects truncation', () => {
  it('request v0–v6', () => {
    checkAllVersions(CreateTopicsRequest, () => ({
      topics: [
        {
          name: 'orders',
          numPartitions: -1,
          replicationFactor: -1,
          assignments: [{ partitionIndex: 0, brokerIds: [1, 2, 3] }],
          configs: [
            { name: 'retention.ms', value: '1000' },
            { name: 'x', value: null },
          ],
        },
      ],
      timeoutMs: 30000,
      validateOnly: true,
    }));
  });
  it('response v0–v6', () => {
    checkAllVersions(CreateTopicsResponse, () => ({
      throttleTimeMs: 5,
      topics: [
        {
          name: 'orders',
          errorCode: 0,
          errorMessage: null,
          numPartitions: 3,
          replicationFactor: 2,
          configs: [{ name: 'cleanup.policy', value: 'delete', readOnly: false, configSource: 5, isSensitive: false }],
        },
        { name: 'bad', errorCode: 40, errorMessage: 'Invalid config', numPartitions: -1, replicationFactor: -1, configs: null },
      ],
    }));
  });
  it('request - timeoutMs defaults to 60000 in the table', () => {
    expect(CreateTopicsRequest.defaults().timeoutMs).toBe(60000);
  });
  it('response v5 - tagged topicConfigErrorCode (tag 0) is read', () => {
    const w = new Writer();
    w.int32(0).uvarint(2).compactNullableString('t').int16(0).compactNullableString(null);
    w.int32(1).int16(1).uvarint(0); // numPartitions, replicationFactor, configs null
    w.uvarint(1).uvarint(0).uvarint(2).int16(29); // topic tags: topicConfigErrorCode = 29
    w.uvarint(0);
    const res = decode(CreateTopicsResponse, 5, w.toBuffer());
    expect(res.topics[0]).toEqual({ name: 't', errorCode: 0, errorMessage: null, topicConfigErrorCode: 29, numPartitions: 1, replicationFactor: 1, configs: null });
  });
});
