/**
 * FindCoordinator (key 10), v0–v3; v3 is flexible (Kafka 2.7 FindCoordinator{Request,Response}.json).
 *
 * Sent by: kafkajs v2 (KeyType 0 for groups, 1 for transactional ids), librdkafka v2,
 * kafka-python v0 (groups only; it has no KeyType field).
 *
 * Traps:
 * - v0 carries no KeyType, so a v0 request always asks for a *group* coordinator (default 0).
 * - ErrorMessage (v1+) is null on success. While the coordinator is unknown Kafka answers
 *   COORDINATOR_NOT_AVAILABLE with NodeId −1, Host "" and Port −1 (clients retry); Host must
 *   stay a non-null string in every version.
 * - kafkajs v2 decodes ThrottleTimeMs as client-side throttling: always send 0 unless throttling.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

/** KeyType values (v1+). */
export const CoordinatorType = { Group: 0, Transaction: 1 } as const;
export type CoordinatorType = (typeof CoordinatorType)[keyof typeof CoordinatorType];

export const FindCoordinatorRequest = message(
  { apiKey: ApiKey.FindCoordinator, name: 'FindCoordinatorRequest', versions: [0, 3], flexibleSince: 3 },
  {
    key: t.string(),
    keyType: t.int8({ since: 1, default: 0 }),
  },
);

export const FindCoordinatorResponse = message(
  { apiKey: ApiKey.FindCoordinator, name: 'FindCoordinatorResponse', versions: [0, 3], flexibleSince: 3 },
  {
    throttleTimeMs: t.int32({ since: 1 }),
    errorCode: t.int16(),
    errorMessage: t.string({ since: 1, nullableSince: 1 }),
    nodeId: t.int32(),
    host: t.string(),
    port: t.int32(),
  },
);
