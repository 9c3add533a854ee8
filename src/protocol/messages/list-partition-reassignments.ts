/**
 * ListPartitionReassignments (key 46), v0 only, flexible from v0 (KIP-455; Kafka 2.7
 * ListPartitionReassignmentsRequest/Response.json).
 *
 * Sent by admin clients (kafkajs `admin.listPartitionReassignments`) to the controller to list
 * ongoing reassignments.
 *
 * Traps:
 * - A null `topics` means "every ongoing reassignment"; an empty list means "none". Default null.
 * - Flexible from v0: request header v2, response header v1 (kafkajs handles those header tag
 *   sections inside what it calls the body).
 * - Each ongoing partition reports the full target `replicas` plus the `addingReplicas` and
 *   `removingReplicas` still in flight.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const ListPartitionReassignmentsRequest = message(
  {
    apiKey: ApiKey.ListPartitionReassignments,
    name: 'ListPartitionReassignmentsRequest',
    versions: [0, 0],
    flexibleSince: 0,
  },
  {
    timeoutMs: t.int32({ default: 60000 }),
    topics: t.structs(
      {
        name: t.string(),
        partitionIndexes: t.array(t.int32()),
      },
      { nullable: true, default: null },
    ),
  },
);

export const ListPartitionReassignmentsResponse = message(
  {
    apiKey: ApiKey.ListPartitionReassignments,
    name: 'ListPartitionReassignmentsResponse',
    versions: [0, 0],
    flexibleSince: 0,
  },
  {
    throttleTimeMs: t.int32(),
    errorCode: t.int16(),
    errorMessage: t.string({ nullable: true }),
    topics: t.structs({
      name: t.string(),
      partitions: t.structs({
        partitionIndex: t.int32(),
        replicas: t.array(t.int32()),
        addingReplicas: t.array(t.int32()),
        removingReplicas: t.array(t.int32()),
      }),
    }),
  },
);
