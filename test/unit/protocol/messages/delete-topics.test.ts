/**
 * DeleteTopics (key 20) table: kafkajs 2.2.4 oracle (v0–v1), round trip and truncation for every
 * 2.7 version (v0–v5; v4+ flexible).
 */
import { describe, expect, it } from 'vitest';
import { DeleteTopicsRequest, DeleteTopicsResponse } from '../../../../src/protocol/messages/delete-topics.js';
import { checkAllVersions, decode, encode, kafkajsDecodeResponse, kafkajsRequestBody } from './codec-kit.js';

const KAFKAJS_VERSIONS = [0, 1];

describe('delete-topics - kafkajs requests decode', () => {
  for (const v of KAFKAJS_VERSIONS) {
    it(`v${v}`, async () => {
      const body = await kafkajsRequestBody('deleteTopics', v, { topics: ['orders', 'payments'], timeout: 9000 });
      expect(decode(DeleteTopicsRequest, v, body)).toEqual({ topicNames: ['orders', 'payments'], timeoutMs: 9000 });
    });
  }
});

describe('delete-topics - kafkajs reads our responses', () => {
  for (const v of KAFKAJS_VERSIONS) {
    it(`v${v}`, async () => {
      const body = encode(DeleteTopicsResponse, v, {
        throttleTimeMs: 25,
        responses: [
          { name: 'orders', errorCode: 0 },
          { name: 'missing', errorCode: 3 },
        ],
      });
      const res = (await kafkajsDecodeResponse('deleteTopics', v, body)) as { topicErrors: Array<Record<string, unknown>>; clientSideThrottleTime?: number };
      expect(res.topicErrors).toEqual([
        { topic: 'missing', errorCode: 3 },
        { topic: 'orders', errorCode: 0 },
      ]);
      if (v >= 1) expect(res.clientSideThrottleTime).toBe(25);
    });
  }
});

describe('delete-topics - every 2.7 version round-trips and rejects truncation', () => {
  it('request v0–v5', () => {
    checkAllVersions(DeleteTopicsRequest, () => ({ topicNames: ['a', 'bb', 'ccc'], timeoutMs: 100 }));
  });
  it('response v0–v5', () => {
    checkAllVersions(DeleteTopicsResponse, () => ({
      throttleTimeMs: 3,
      responses: [
        { name: 'a', errorCode: 0, errorMessage: null },
        { name: 'b', errorCode: 73, errorMessage: 'Topic deletion is disabled.' },
      ],
    }));
  });
});
