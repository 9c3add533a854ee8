/**
 * DescribeConfigs (key 32) table: kafkajs 2.2.4 oracle (v0–v2), round trip and truncation for
 * every 2.7 version (v0–v3).
 */
import { describe, expect, it } from 'vitest';
import { DescribeConfigsRequest, DescribeConfigsResponse } from '../../../../src/protocol/messages/describe-configs.js';
import { checkAllVersions, decode, encode, kafkajsDecodeResponse, kafkajsRequestBody } from './codec-kit.js';

const KAFKAJS_VERSIONS = [0, 1, 2];

describe('describe-configs - kafkajs requests decode', () => {
  for (const v of KAFKAJS_VERSIONS) {
    it(`v${v}`, async () => {
      const body = await kafkajsRequestBody('describeConfigs', v, {
        resources: [
          { type: 2, name: 'orders', configNames: ['cleanup.policy', 'retention.ms'] },
          { type: 4, name: '1' },
        ],
        includeSynonyms: true,
      });
      expect(decode(DescribeConfigsRequest, v, body)).toEqual({
        resources: [
          { resourceType: 2, resourceName: 'orders', configurationKeys: ['cleanup.policy', 'retention.ms'] },
          // kafkajs writes "no names" as null = all keys
          { resourceType: 4, resourceName: '1', configurationKeys: null },
        ],
        includeSynonyms: v >= 1,
        includeDocumentation: false,
      });
    });
  }
});

describe('describe-configs - kafkajs reads our responses', () => {
  for (const v of KAFKAJS_VERSIONS) {
    it(`v${v}`, async () => {
      const body = encode(DescribeConfigsResponse, v, {
        throttleTimeMs: 0,
        results: [
          {
            errorCode: 0,
            errorMessage: null,
            resourceType: 2,
            resourceName: 'orders',
            configs: [
              {
                name: 'cleanup.policy',
                value: 'compact',
                readOnly: false,
                isDefault: false,
                configSource: 1,
                isSensitive: false,
                synonyms: [{ name: 'cleanup.policy', value: 'compact', source: 1 }, { name: 'log.cleanup.policy', value: 'delete', source: 5 }],
              },
              { name: 'sasl.jaas.config', value: null, readOnly: true, isDefault: true, configSource: 5, isSensitive: true, synonyms: [] },
            ],
          },
        ],
      });
      const res = (await kafkajsDecodeResponse('describeConfigs', v, body)) as {
        resources: Array<Record<string, unknown> & { configEntries: Array<Record<string, unknown>> }>;
      };
      expect(res.resources[0]!.resourceName).toBe('orders');
      expect(res.resources[0]!.resourceType).toBe(2);
      expect(res.resources[0]!.errorMessage).toBeNull();
      const [a, b] = res.resources[0]!.configEntries;
      expect([a!.configName, a!.configValue, a!.readOnly, a!.isSensitive]).toEqual(['cleanup.policy', 'compact', false, false]);
      expect([b!.configName, b!.configValue, b!.readOnly, b!.isSensitive, b!.isDefault]).toEqual(['sasl.jaas.config', null, true, true, true]);
      // v0 has no configSource: kafkajs rebuilds it from isDefault and the resource type.
      expect(a!.configSource).toBe(1);
      expect(b!.configSource).toBe(5);
      if (v >= 1) {
        expect(a!.configSynonyms).toEqual([
          { configName: 'cleanup.policy', configValue: 'compact', configSource: 1 },
          { configName: 'log.cleanup.policy', configValue: 'delete', configSource: 5 },
        ]);
      }
    });
  }
});

describe('describe-configs - every 2.7 version round-trips and rejects truncation', () => {
  it('request v0–v3', () => {
    checkAllVersions(DescribeConfigsRequest, () => ({
      resources: [
        { resourceType: 2, resourceName: 't', configurationKeys: ['a', 'b'] },
        { resourceType: 8, resourceName: '2', configurationKeys: null },
      ],
      includeSynonyms: true,
      includeDocumentation: true,
    }));
  });
  it('response v0–v3', () => {
    checkAllVersions(DescribeConfigsResponse, () => ({
      throttleTimeMs: 4,
      results: [
        {
          errorCode: 0,
          errorMessage: null,
          resourceType: 4,
          resourceName: '1',
          configs: [
            {
              name: 'log.retention.ms',
              value: '604800000',
              readOnly: false,
              isDefault: true,
              configSource: 5,
              isSensitive: false,
              synonyms: [{ name: 'log.retention.hours', value: null, source: 5 }],
              configType: 5,
              documentation: 'The number of milliseconds to keep a log file before deleting it',
            },
          ],
        },
        { errorCode: 3, errorMessage: 'Topic missing', resourceType: 2, resourceName: 'missing', configs: [] },
      ],
    }));
  });
});
