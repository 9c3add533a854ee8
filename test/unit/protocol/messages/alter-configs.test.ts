/**
 * AlterConfigs (key 33) table: kafkajs 2.2.4 oracle (v0–v1, every 2.7 version), round trip and
 * truncation.
 */
import { describe, expect, it } from 'vitest';
import { AlterConfigsRequest, AlterConfigsResponse } from '../../../../src/protocol/messages/alter-configs.js';
import { checkAllVersions, decode, encode, kafkajsDecodeResponse, kafkajsRequestBody } from './codec-kit.js';

const KAFKAJS_VERSIONS = [0, 1];

describe('alter-configs - kafkajs requests decode', () => {
  for (const v of KAFKAJS_VERSIONS) {
    it(`v${v}`, async () => {
      const body = await kafkajsRequestBody('alterConfigs', v, {
        resources: [{ type: 2, name: 'orders', configEntries: [{ name: 'retention.ms', value: '1000' }, { name: 'cleanup.policy', value: 'compact' }] }],
        validateOnly: true,
      });
      expect(decode(AlterConfigsRequest, v, body)).toEqual({
        resources: [
          {
            resourceType: 2,
            resourceName: 'orders',
            configs: [
              { name: 'retention.ms', value: '1000' },
              { name: 'cleanup.policy', value: 'compact' },
            ],
          },
        ],
        validateOnly: true,
      });
    });
  }
});

describe('alter-configs - kafkajs reads our responses', () => {
  for (const v of KAFKAJS_VERSIONS) {
    it(`v${v}`, async () => {
      const body = encode(AlterConfigsResponse, v, {
        throttleTimeMs: 0,
        responses: [
          { errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 'orders' },
          { errorCode: 40, errorMessage: 'Invalid value x', resourceType: 4, resourceName: '1' },
        ],
      });
      const res = (await kafkajsDecodeResponse('alterConfigs', v, body)) as { resources: Array<Record<string, unknown>> };
      expect(res.resources).toEqual([
        { errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 'orders' },
        { errorCode: 40, errorMessage: 'Invalid value x', resourceType: 4, resourceName: '1' },
      ]);
    });
  }
});

describe('alter-configs - every 2.7 version round-trips and rejects truncation', () => {
  it('request v0–v1', () => {
    checkAllVersions(AlterConfigsRequest, () => ({
      resources: [{ resourceType: 2, resourceName: 't', configs: [{ name: 'a', value: null }, { name: 'b', value: 'x' }] }],
      validateOnly: false,
    }));
  });
  it('response v0–v1', () => {
    checkAllVersions(AlterConfigsResponse, () => ({
      throttleTimeMs: 9,
      responses: [{ errorCode: 42, errorMessage: 'bad', resourceType: 2, resourceName: 't' }],
    }));
  });
});
