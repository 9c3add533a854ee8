/**
 * AlterConfigs (key 33), v0–v1; no flexible version in 2.7 (Kafka 2.7 AlterConfigsRequest/
 * Response.json).
 *
 * Who sends what (protocol.md §2.4): kafkajs v1, librdkafka v0, kafka-python v1; to the
 * controller, or to the broker a BROKER resource names.
 *
 * Traps:
 * - Full replacement: the resource's dynamic configs become exactly `configs` (§8.4); partial
 *   updates are IncrementalAlterConfigs (key 44).
 * - v1 differs from v0 only in throttling behaviour (KIP-219), not on the wire.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const AlterConfigsRequest = message(
  { apiKey: ApiKey.AlterConfigs, name: 'AlterConfigsRequest', versions: [0, 1] },
  {
    resources: t.structs({
      resourceType: t.int8(),
      resourceName: t.string(),
      configs: t.structs({
        name: t.string(),
        value: t.string({ nullable: true }),
      }),
    }),
    validateOnly: t.bool(),
  },
);

export const AlterConfigsResponse = message(
  { apiKey: ApiKey.AlterConfigs, name: 'AlterConfigsResponse', versions: [0, 1] },
  {
    throttleTimeMs: t.int32(),
    responses: t.structs({
      errorCode: t.int16(),
      errorMessage: t.string({ nullable: true }),
      resourceType: t.int8(),
      resourceName: t.string(),
    }),
  },
);
