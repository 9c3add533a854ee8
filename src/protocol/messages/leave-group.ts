/**
 * LeaveGroup (key 13), v0–v4; v4 is flexible (Kafka 2.7 LeaveGroup{Request,Response}.json).
 *
 * Sent by: kafkajs v3 (a one-member batch), librdkafka v1, kafka-python v1.
 *
 * Traps:
 * - v0–v2 name one MemberId; v3+ (KIP-345) replace it by a Members batch, each with an optional
 *   GroupInstanceId, and the response gains per-member errors. A handler must read whichever
 *   the version carries: `memberId` is "" from v3 on and `members` is [] before v3.
 * - The top-level ErrorCode covers group-level failures (NOT_COORDINATOR, …); per-member
 *   failures (UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID) go into Members.
 * - Fields inside Members carry no version range of their own: the array exists only in v3+.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const LeaveGroupRequest = message(
  { apiKey: ApiKey.LeaveGroup, name: 'LeaveGroupRequest', versions: [0, 4], flexibleSince: 4 },
  {
    groupId: t.string(),
    memberId: t.string({ until: 2 }),
    members: t.structs(
      {
        memberId: t.string(),
        groupInstanceId: t.string({ nullableSince: 3, default: null }),
      },
      { since: 3 },
    ),
  },
);

export const LeaveGroupResponse = message(
  { apiKey: ApiKey.LeaveGroup, name: 'LeaveGroupResponse', versions: [0, 4], flexibleSince: 4 },
  {
    throttleTimeMs: t.int32({ since: 1 }),
    errorCode: t.int16(),
    members: t.structs(
      {
        memberId: t.string(),
        groupInstanceId: t.string({ nullableSince: 3 }),
        errorCode: t.int16(),
      },
      { since: 3 },
    ),
  },
);
