/**
 * CreatePartitions (key 37) table: kafkajs 2.2.4 oracle (v0–v1), round trip and truncation for
 * every 2.7 version (v0–v3; v2+ flexible).
 */
import { describe, expect, it } from 'vitest';
import { CreatePartitionsRequest, CreatePartitionsResponse } from '../../../../src/protocol/messages/create-partitions.js';
import { checkAllVersions, decode, encode, kafkajsDecodeResponse, kafkajsRequestBody } from './codec-kit.js';

const KAFKAJS_VERSIONS = [0, 1];

describe('create-partitions - kafkajs requests decode', () => {
  for (const v of KAFKAJS_VERSIONS) {
    it(`v${v}`, async () => {
      const body = await kafkajsRequestBody('createPartitions', v, {
        topicPartitions: [
          { topic: 'orders', count: 6 },
          { topic: 'placed', count: 3, assignments: [[1, 2], [2, 3]] },
        ],
        validateOnly: true,
        timeout: 4000,
      });
      expect(decode(CreatePartitionsRequest, v, body)).toEqual({
        topics: [
          // kafkajs writes an empty assignment list as null
          { name: 'orders', count: 6, assignments: null },
          { name: 'placed', count: 3, assignments: [{ brokerIds: [1, 2] }, { brokerIds: [2, 3] }] },
        ],
        timeoutMs: 4000,
        validateOnly: true,
      });
    });
  }
});

describe('create-partitions - kafkajs reads our responses', () => {
  for (const v of KAFKAJS_VERSIONS) {
    it(`v${v}`, async () => {
      const body = encode(CreatePartitionsResponse, v, {
        throttleTimeMs: 0,
        results: [
          { name: 'orders', errorCode: 0, errorMessage: null },
          { name: 'placed', errorCode: 37, errorMessage: 'Topic currently has 3 partitions, 3 would not be an increase.' },
        ],
      });
      const res = (await kafkajsDecodeResponse('createPartitions', v, body)) as { topicErrors: Array<Record<string, unknown>> };
      expect(res.topicErrors).toEqual([
        { topic: 'orders', errorCode: 0, errorMessage: null },
        { topic: 'placed', errorCode: 37, errorMessage: 'Topic currently has 3 partitions, 3 would not be an increase.' },
      ]);
    });
  }
});

describe('create-partitions - every 2.7 version round-trips and rejects truncation', () => {
  it('request v0–v3', () => {
    checkAllVersions(CreatePartitionsRequest, () => ({
      topics: [
        { name: 'a', count: 4, assignments: [{ brokerIds: [1] }, { brokerIds: [2, 3] }] },
        { name: 'b', count: 2, assignments: null },
      ],
      timeoutMs: 1000,
      validateOnly: false,
    }));
  });
  it('response v0–v3', () => {
    checkAllVersions(CreatePartitionsResponse, () => ({
      throttleTimeMs: 2,
      results: [
        { name: 'a', errorCode: 0, errorMessage: null },
        { name: 'b', errorCode: 41, errorMessage: 'not controller' },
      ],
    }));
  });
});
