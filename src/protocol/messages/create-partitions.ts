/**
 * CreatePartitions (key 37), v0–v3; v2+ is flexible (Kafka 2.7 CreatePartitionsRequest/
 * Response.json).
 *
 * Who sends what (protocol.md §2.4): kafkajs v1, librdkafka v0, kafka-python v1; to the
 * controller.
 *
 * Traps:
 * - `count` is the new *total* number of partitions; not larger than now → INVALID_PARTITIONS.
 * - `assignments` is nullable (null = let the controller place replicas). kafkajs writes an
 *   empty assignment list as null (its writeNullableArray).
 * - `throttleTimeMs` comes first in the response at every version.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const CreatePartitionsRequest = message(
  { apiKey: ApiKey.CreatePartitions, name: 'CreatePartitionsRequest', versions: [0, 3], flexibleSince: 2 },
  {
    topics: t.structs({
      name: t.string(),
      count: t.int32(),
      assignments: t.structs({ brokerIds: t.array(t.int32()) }, { nullable: true }),
    }),
    timeoutMs: t.int32(),
    validateOnly: t.bool(),
  },
);

export const CreatePartitionsResponse = message(
  { apiKey: ApiKey.CreatePartitions, name: 'CreatePartitionsResponse', versions: [0, 3], flexibleSince: 2 },
  {
    throttleTimeMs: t.int32(),
    results: t.structs({
      name: t.string(),
      errorCode: t.int16(),
      errorMessage: t.string({ nullable: true }),
    }),
  },
);
