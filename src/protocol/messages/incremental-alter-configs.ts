/**
 * IncrementalAlterConfigs (key 44), v0–v1; v1 is flexible (Kafka 2.7
 * IncrementalAlterConfigsRequest/Response.json, KIP-339).
 *
 * Who sends it: none of kafkajs 2.2.4, librdkafka 2.0.2 (as reachable from kcat and
 * confluent-kafka-python 1.7) or kafka-python 2.0.2 (protocol.md §2.4); the Java admin client
 * and Kafka's own tools do. Kept because 2.7 advertises it.
 *
 * Traps:
 * - `configOperation`: 0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT (the last two for list configs).
 * - `value` is nullable; DELETE ignores it.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

/** AlterConfigOp.OpType ids. */
export const ConfigOperation = { Set: 0, Delete: 1, Append: 2, Subtract: 3 } as const;
export type ConfigOperation = (typeof ConfigOperation)[keyof typeof ConfigOperation];

export const IncrementalAlterConfigsRequest = message(
  {
    apiKey: ApiKey.IncrementalAlterConfigs,
    name: 'IncrementalAlterConfigsRequest',
    versions: [0, 1],
    flexibleSince: 1,
  },
  {
    resources: t.structs({
      resourceType: t.int8(),
      resourceName: t.string(),
      configs: t.structs({
        name: t.string(),
        configOperation: t.int8(),
        value: t.string({ nullable: true }),
      }),
    }),
    validateOnly: t.bool(),
  },
);

export const IncrementalAlterConfigsResponse = message(
  {
    apiKey: ApiKey.IncrementalAlterConfigs,
    name: 'IncrementalAlterConfigsResponse',
    versions: [0, 1],
    flexibleSince: 1,
  },
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
