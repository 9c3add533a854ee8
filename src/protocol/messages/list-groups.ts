/**
 * ListGroups (key 16), v0–v4; v3+ flexible (Kafka 2.7 ListGroups{Request,Response}.json).
 *
 * Sent by: kafkajs v2, librdkafka v0 (legacy list_groups, confluent-kafka-python 1.7) or v4
 * flexible (newer admin API), kafka-python v2 (admin, to every broker).
 *
 * Traps:
 * - Each broker lists only the groups it coordinates; clients ask every broker and merge.
 * - StatesFilter (v4, KIP-518) empty = all states; GroupState is returned only in v4.
 * - The request body of v0–v2 is empty (zero bytes).
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const ListGroupsRequest = message(
  { apiKey: ApiKey.ListGroups, name: 'ListGroupsRequest', versions: [0, 4], flexibleSince: 3 },
  {
    statesFilter: t.array(t.string(), { since: 4 }),
  },
);

export const ListGroupsResponse = message(
  { apiKey: ApiKey.ListGroups, name: 'ListGroupsResponse', versions: [0, 4], flexibleSince: 3 },
  {
    throttleTimeMs: t.int32({ since: 1 }),
    errorCode: t.int16(),
    groups: t.structs({
      groupId: t.string(),
      protocolType: t.string(),
      groupState: t.string({ since: 4 }),
    }),
  },
);
