/**
 * DescribeConfigs (key 32), v0–v3; no flexible version in 2.7 (flexible v4 is Kafka 2.8).
 *
 * Who sends what (protocol.md §2.4): kafkajs v2, librdkafka v1, kafka-python v2; to the
 * controller, or to the broker a BROKER resource names.
 *
 * Traps:
 * - Resource types: 2 TOPIC, 4 BROKER (name = broker id as text), 8 BROKER_LOGGER (§8.4).
 * - `configurationKeys` null = all keys. kafkajs sends an empty key list as null.
 * - `isDefault` exists only in v0; v1+ say the same with `configSource` (5 = DEFAULT_CONFIG),
 *   and kafkajs v0 rebuilds configSource from isDefault and the resource type.
 * - `synonyms` (v1+) are filled only when `includeSynonyms` is set; `configType` and
 *   `documentation` are v3 (KIP-569).
 * - `value` is null for sensitive configs.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const DescribeConfigsRequest = message(
  { apiKey: ApiKey.DescribeConfigs, name: 'DescribeConfigsRequest', versions: [0, 3] },
  {
    resources: t.structs({
      resourceType: t.int8(),
      resourceName: t.string(),
      configurationKeys: t.array(t.string(), { nullable: true }),
    }),
    includeSynonyms: t.bool({ since: 1, default: false }),
    includeDocumentation: t.bool({ since: 3, default: false }),
  },
);

export const DescribeConfigsResponse = message(
  { apiKey: ApiKey.DescribeConfigs, name: 'DescribeConfigsResponse', versions: [0, 3] },
  {
    throttleTimeMs: t.int32(),
    results: t.structs({
      errorCode: t.int16(),
      errorMessage: t.string({ nullable: true }),
      resourceType: t.int8(),
      resourceName: t.string(),
      configs: t.structs({
        name: t.string(),
        value: t.string({ nullable: true }),
        readOnly: t.bool(),
        isDefault: t.bool({ until: 0, default: false }),
        configSource: t.int8({ since: 1, default: -1 }),
        isSensitive: t.bool(),
        synonyms: t.structs(
          {
            name: t.string(),
            value: t.string({ nullable: true }),
            source: t.int8(),
          },
          { since: 1 },
        ),
        configType: t.int8({ since: 3, default: 0 }),
        // Kafka's generated default for a nullable string without an explicit default is "".
        documentation: t.string({ since: 3, nullable: true, default: '' }),
      }),
    }),
  },
);
