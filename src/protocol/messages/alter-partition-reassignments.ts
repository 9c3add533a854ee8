/**
 * AlterPartitionReassignments (key 45), v0 only, flexible from v0 (KIP-455; Kafka 2.7
 * AlterPartitionReassignmentsRequest/Response.json).
 *
 * Sent by admin clients (kafkajs `admin.alterPartitionReassignments`, kafka-reassign-partitions)
 * to the controller, which starts or cancels reassignments.
 *
 * Traps:
 * - Flexible from v0, so the request uses header v2 and the response header v1 (kafkajs writes
 *   and reads those header tag sections itself, as the first byte of what it calls the body).
 * - A null `replicas` cancels the partition's pending reassignment; an empty array is invalid
 *   (INVALID_REPLICA_ASSIGNMENT), not a cancel. `replicas` defaults to null.
 * - `timeoutMs` defaults to 60000.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const AlterPartitionReassignmentsRequest = message(
  {
    apiKey: ApiKey.AlterPartitionReassignments,
    name: 'AlterPartitionReassignmentsRequest',
    versions: [0, 0],
    flexibleSince: 0,
  },
  {
    timeoutMs: t.int32({ default: 60000 }),
    topics: t.structs({
      name: t.string(),
      partitions: t.structs({
        partitionIndex: t.int32(),
        replicas: t.array(t.int32(), { nullable: true, default: null }),
      }),
    }),
  },
);

export const AlterPartitionReassignmentsResponse = message(
  {
    apiKey: ApiKey.AlterPartitionReassignments,
    name: 'AlterPartitionReassignmentsResponse',
    versions: [0, 0],
    flexibleSince: 0,
  },
  {
    throttleTimeMs: t.int32(),
    errorCode: t.int16(),
    errorMessage: t.string({ nullable: true }),
    responses: t.structs({
      name: t.string(),
      partitions: t.structs({
        partitionIndex: t.int32(),
        errorCode: t.int16(),
        errorMessage: t.string({ nullable: true }),
      }),
    }),
  },
);
