/**
 * CreateTopics (key 19), v0–v6; v5+ is flexible (Kafka 2.7 CreateTopicsRequest/Response.json).
 *
 * Who sends what (protocol.md §2.4): kafkajs v3, librdkafka v4, kafka-python v3; always to the
 * controller (§8.4), NOT_CONTROLLER otherwise.
 *
 * Traps:
 * - numPartitions / replicationFactor -1 mean "broker default" (v4+, or when assignments are
 *   given); kafkajs sends -1 whenever the caller leaves them out.
 * - The request field is `timeoutMs` (JSON "timeoutMs", default 60000); ≤ 0 answers at once.
 * - v5+ responses describe the created topic (numPartitions, replicationFactor, configs); the
 *   `topicConfigErrorCode` is tagged (tag 0) and never written by us.
 * - `configs` in the response is nullable (v5+): null when describing configs failed.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const CreateTopicsRequest = message(
  { apiKey: ApiKey.CreateTopics, name: 'CreateTopicsRequest', versions: [0, 6], flexibleSince: 5 },
  {
    topics: t.structs({
      name: t.string(),
      numPartitions: t.int32(),
      replicationFactor: t.int16(),
      assignments: t.structs({
        partitionIndex: t.int32(),
        brokerIds: t.array(t.int32()),
      }),
      configs: t.structs({
        name: t.string(),
        value: t.string({ nullable: true }),
      }),
    }),
    timeoutMs: t.int32({ default: 60000 }),
    validateOnly: t.bool({ since: 1, default: false }),
  },
);

export const CreateTopicsResponse = message(
  { apiKey: ApiKey.CreateTopics, name: 'CreateTopicsResponse', versions: [0, 6], flexibleSince: 5 },
  {
    throttleTimeMs: t.int32({ since: 2 }),
    topics: t.structs({
      name: t.string(),
      errorCode: t.int16(),
      errorMessage: t.string({ since: 1, nullable: true }),
      topicConfigErrorCode: t.int16({ since: 5, tag: 0 }),
      numPartitions: t.int32({ since: 5, default: -1 }),
      replicationFactor: t.int16({ since: 5, default: -1 }),
      configs: t.structs(
        {
          name: t.string(),
          value: t.string({ nullable: true }),
          readOnly: t.bool(),
          configSource: t.int8({ default: -1 }),
          isSensitive: t.bool(),
        },
        { since: 5, nullableSince: 5 },
      ),
    }),
  },
);
