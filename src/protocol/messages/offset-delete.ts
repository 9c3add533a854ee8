/**
 * OffsetDelete (key 47), v0 only; never flexible in 2.7 (Kafka 2.7 OffsetDelete{Request,Response}.json).
 *
 * Sent by: librdkafka v0 (admin DeleteConsumerGroupOffsets); kafkajs and kafka-python never.
 *
 * Traps:
 * - The response puts ErrorCode *before* ThrottleTimeMs, unlike every other response here.
 * - Partitions still consumed by a subscribed, Stable group fail with
 *   GROUP_SUBSCRIBED_TO_TOPIC (86); the top-level ErrorCode is for group-level failures.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const OffsetDeleteRequest = message(
  { apiKey: ApiKey.OffsetDelete, name: 'OffsetDeleteRequest', versions: [0, 0] },
  {
    groupId: t.string(),
    topics: t.structs({
      name: t.string(),
      partitions: t.structs({
        partitionIndex: t.int32(),
      }),
    }),
  },
);

export const OffsetDeleteResponse = message(
  { apiKey: ApiKey.OffsetDelete, name: 'OffsetDeleteResponse', versions: [0, 0] },
  {
    errorCode: t.int16(),
    throttleTimeMs: t.int32(),
    topics: t.structs({
      name: t.string(),
      partitions: t.structs({
        partitionIndex: t.int32(),
        errorCode: t.int16(),
      }),
    }),
  },
);
