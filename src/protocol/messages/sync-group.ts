/**
 * SyncGroup (key 14), v0–v5; v4+ flexible (Kafka 2.7 SyncGroup{Request,Response}.json).
 *
 * Sent by: kafkajs v3, librdkafka v3, kafka-python v1.
 *
 * Traps:
 * - Only the leader sends Assignments; followers send an empty list and wait.
 * - Every member receives its own Assignment, which may be an empty byte string (no
 *   assignment); kafkajs decodes empty bytes as "no assignment", never null bytes.
 * - ProtocolType/ProtocolName (v5+, KIP-559) are nullable and default to null; the coordinator
 *   checks them against the group's when present (INCONSISTENT_GROUP_PROTOCOL).
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const SyncGroupRequest = message(
  { apiKey: ApiKey.SyncGroup, name: 'SyncGroupRequest', versions: [0, 5], flexibleSince: 4 },
  {
    groupId: t.string(),
    generationId: t.int32(),
    memberId: t.string(),
    groupInstanceId: t.string({ since: 3, nullableSince: 3, default: null }),
    protocolType: t.string({ since: 5, nullableSince: 5, default: null }),
    protocolName: t.string({ since: 5, nullableSince: 5, default: null }),
    assignments: t.structs({
      memberId: t.string(),
      assignment: t.bytes(),
    }),
  },
);

export const SyncGroupResponse = message(
  { apiKey: ApiKey.SyncGroup, name: 'SyncGroupResponse', versions: [0, 5], flexibleSince: 4 },
  {
    throttleTimeMs: t.int32({ since: 1 }),
    errorCode: t.int16(),
    protocolType: t.string({ since: 5, nullableSince: 5, default: null }),
    protocolName: t.string({ since: 5, nullableSince: 5, default: null }),
    assignment: t.bytes(),
  },
);
