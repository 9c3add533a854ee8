/**
 * DeleteGroups (key 42), v0–v2; v2 is flexible (Kafka 2.7 DeleteGroups{Request,Response}.json).
 *
 * Sent by: kafkajs v1, librdkafka v1 (admin), kafka-python v1 (admin).
 *
 * Traps:
 * - Sent to each group's coordinator; per-group errors NON_EMPTY_GROUP (68),
 *   GROUP_ID_NOT_FOUND (69), NOT_COORDINATOR (16).
 * - ThrottleTimeMs comes first and exists in every version, unlike most group APIs.
 * - The request field really is "GroupsNames" in Kafka's JSON.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const DeleteGroupsRequest = message(
  { apiKey: ApiKey.DeleteGroups, name: 'DeleteGroupsRequest', versions: [0, 2], flexibleSince: 2 },
  {
    groupsNames: t.array(t.string()),
  },
);

export const DeleteGroupsResponse = message(
  { apiKey: ApiKey.DeleteGroups, name: 'DeleteGroupsResponse', versions: [0, 2], flexibleSince: 2 },
  {
    throttleTimeMs: t.int32(),
    results: t.structs({
      groupId: t.string(),
      errorCode: t.int16(),
    }),
  },
);
