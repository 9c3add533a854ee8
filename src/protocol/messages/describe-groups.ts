/**
 * DescribeGroups (key 15), v0–v5; v5 is flexible (Kafka 2.7 DescribeGroups{Request,Response}.json).
 *
 * Sent by: kafkajs v2, librdkafka v0 (legacy list_groups; v4 from its newer admin API),
 * kafka-python v3 (admin).
 *
 * Traps:
 * - An unknown group is not an error: ErrorCode 0, GroupState "Dead", empty ProtocolType and
 *   ProtocolData, no members. kafkajs `resetOffsets` relies on "Empty"/"Dead".
 * - ProtocolData is the chosen protocol *name* (e.g. "RoundRobinAssigner"), a string.
 * - AuthorizedOperations (v3+) is INT32_MIN unless IncludeAuthorizedOperations was asked for.
 * - MemberMetadata/MemberAssignment are the opaque ConsumerProtocol bytes, and empty (not
 *   null) while a rebalance is under way.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const DescribeGroupsRequest = message(
  { apiKey: ApiKey.DescribeGroups, name: 'DescribeGroupsRequest', versions: [0, 5], flexibleSince: 5 },
  {
    groups: t.array(t.string()),
    includeAuthorizedOperations: t.bool({ since: 3 }),
  },
);

export const DescribeGroupsResponse = message(
  { apiKey: ApiKey.DescribeGroups, name: 'DescribeGroupsResponse', versions: [0, 5], flexibleSince: 5 },
  {
    throttleTimeMs: t.int32({ since: 1 }),
    groups: t.structs({
      errorCode: t.int16(),
      groupId: t.string(),
      groupState: t.string(),
      protocolType: t.string(),
      protocolData: t.string(),
      members: t.structs({
        memberId: t.string(),
        groupInstanceId: t.string({ since: 4, nullableSince: 4, default: null }),
        clientId: t.string(),
        clientHost: t.string(),
        memberMetadata: t.bytes(),
        memberAssignment: t.bytes(),
      }),
      authorizedOperations: t.int32({ since: 3, default: -2147483648 }),
    }),
  },
);
