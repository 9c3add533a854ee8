/**
 * JoinGroup (key 11), v0–v7; v6+ flexible (Kafka 2.7 JoinGroup{Request,Response}.json).
 *
 * Sent by: kafkajs v5 (GroupInstanceId null), librdkafka v5, kafka-python v2.
 *
 * Traps:
 * - v0 has no RebalanceTimeoutMs: the coordinator then uses the session timeout (default −1
 *   marks "absent").
 * - v4+ with an empty MemberId and no GroupInstanceId is answered MEMBER_ID_REQUIRED (79) with
 *   a generated MemberId; kafkajs and librdkafka re-join at once with it.
 * - ProtocolName is nullable only from v7; in v0–v6 an error response must carry "" there, or
 *   encoding fails. ProtocolType exists in the response only from v7 (KIP-559).
 * - Members carry metadata only in the leader's response; followers get an empty list.
 * - Protocol metadata is the opaque ConsumerProtocol subscription (see ../consumer-protocol.ts).
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const JoinGroupRequest = message(
  { apiKey: ApiKey.JoinGroup, name: 'JoinGroupRequest', versions: [0, 7], flexibleSince: 6 },
  {
    groupId: t.string(),
    sessionTimeoutMs: t.int32(),
    rebalanceTimeoutMs: t.int32({ since: 1, default: -1 }),
    memberId: t.string(),
    groupInstanceId: t.string({ since: 5, nullableSince: 5, default: null }),
    protocolType: t.string(),
    protocols: t.structs({
      name: t.string(),
      metadata: t.bytes(),
    }),
  },
);

export const JoinGroupResponse = message(
  { apiKey: ApiKey.JoinGroup, name: 'JoinGroupResponse', versions: [0, 7], flexibleSince: 6 },
  {
    throttleTimeMs: t.int32({ since: 2 }),
    errorCode: t.int16(),
    generationId: t.int32({ default: -1 }),
    protocolType: t.string({ since: 7, nullableSince: 7, default: null }),
    protocolName: t.string({ nullableSince: 7 }),
    leader: t.string(),
    memberId: t.string(),
    members: t.structs({
      memberId: t.string(),
      groupInstanceId: t.string({ since: 5, nullableSince: 5, default: null }),
      metadata: t.bytes(),
    }),
  },
);
