/**
 * DeleteTopics (key 20), v0–v5; v4+ is flexible (Kafka 2.7 DeleteTopicsRequest/Response.json).
 *
 * Who sends what (protocol.md §2.4): kafkajs v1, librdkafka v1, kafka-python v3; to the
 * controller.
 *
 * Traps:
 * - kafkajs retries UNKNOWN_TOPIC_OR_PARTITION as well as NOT_CONTROLLER (§2.1), so deleting a
 *   missing topic from kafkajs spins until its retrier gives up: answer exactly like Kafka.
 * - TOPIC_DELETION_DISABLED (73) only for v3+; older versions get INVALID_REQUEST (§8.4).
 * - `errorMessage` is v5+ (nullable, default null).
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const DeleteTopicsRequest = message(
  { apiKey: ApiKey.DeleteTopics, name: 'DeleteTopicsRequest', versions: [0, 5], flexibleSince: 4 },
  {
    topicNames: t.array(t.string()),
    timeoutMs: t.int32(),
  },
);

export const DeleteTopicsResponse = message(
  { apiKey: ApiKey.DeleteTopics, name: 'DeleteTopicsResponse', versions: [0, 5], flexibleSince: 4 },
  {
    throttleTimeMs: t.int32({ since: 1 }),
    responses: t.structs({
      name: t.string(),
      errorCode: t.int16(),
      errorMessage: t.string({ since: 5, nullable: true }),
    }),
  },
);
