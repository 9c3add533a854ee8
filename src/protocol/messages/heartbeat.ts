/**
 * Heartbeat (key 12), v0–v4; v4 is flexible (Kafka 2.7 Heartbeat{Request,Response}.json).
 *
 * Sent by: kafkajs v3, librdkafka v3, kafka-python v1.
 *
 * Traps:
 * - The answer, not the request, drives rebalances: REBALANCE_IN_PROGRESS (27) while the group
 *   prepares a rebalance, NONE while it completes one, UNKNOWN_MEMBER_ID for an Empty group.
 * - kafkajs v3 writes GroupInstanceId with its classic nullable string (usually null).
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const HeartbeatRequest = message(
  { apiKey: ApiKey.Heartbeat, name: 'HeartbeatRequest', versions: [0, 4], flexibleSince: 4 },
  {
    groupId: t.string(),
    generationId: t.int32(),
    memberId: t.string(),
    groupInstanceId: t.string({ since: 3, nullableSince: 3, default: null }),
  },
);

export const HeartbeatResponse = message(
  { apiKey: ApiKey.Heartbeat, name: 'HeartbeatResponse', versions: [0, 4], flexibleSince: 4 },
  {
    throttleTimeMs: t.int32({ since: 1 }),
    errorCode: t.int16(),
  },
);
