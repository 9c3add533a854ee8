/**
 * StopReplica (key 5), v0–v3; v2+ are flexible (Kafka 2.7 StopReplicaRequest/Response.json).
 *
 * Sent by the controller to a replica that must stop fetching or leading, and optionally delete
 * its log (zk-and-controller.md §8.2–8.3): a 2.7 controller sends v3 when inter.broker.protocol
 * ≥ 2.6-IV0, v2 for ≥ 2.4-IV1, v1 for ≥ 2.2, v0 below. Cluster action: brokers only.
 *
 * Traps:
 * - Three request shapes. v0: `deletePartitions` + flat `ungroupedPartitions` (topic, partition).
 *   v1–v2: `deletePartitions` + `topics[].partitionIndexes`. v3: no request-wide flag; instead
 *   `topicStates[].partitionStates[]` each with its own `leaderEpoch` and `deletePartition`
 *   (KIP-570), so one v3 request may mix deletes and plain stops.
 * - v3 `leaderEpoch` is -2 for a topic being deleted (skip the epoch check) and -1 when unknown.
 * - v2 is flexible although its shape equals v1's: compact encodings are the only difference.
 * - `brokerEpoch` v1+, default -1.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const StopReplicaRequest = message(
  { apiKey: ApiKey.StopReplica, name: 'StopReplicaRequest', versions: [0, 3], flexibleSince: 2 },
  {
    controllerId: t.int32(),
    controllerEpoch: t.int32(),
    brokerEpoch: t.int64({ since: 1, default: -1 }),
    deletePartitions: t.bool({ until: 2 }),
    ungroupedPartitions: t.structs(
      {
        topicName: t.string(),
        partitionIndex: t.int32(),
      },
      { until: 0 },
    ),
    topics: t.structs(
      {
        name: t.string(),
        partitionIndexes: t.array(t.int32()),
      },
      { since: 1, until: 2 },
    ),
    topicStates: t.structs(
      {
        topicName: t.string(),
        partitionStates: t.structs({
          partitionIndex: t.int32(),
          leaderEpoch: t.int32({ default: -1 }),
          deletePartition: t.bool(),
        }),
      },
      { since: 3 },
    ),
  },
);

export const StopReplicaResponse = message(
  { apiKey: ApiKey.StopReplica, name: 'StopReplicaResponse', versions: [0, 3], flexibleSince: 2 },
  {
    errorCode: t.int16(),
    partitionErrors: t.structs({
      topicName: t.string(),
      partitionIndex: t.int32(),
      errorCode: t.int16(),
    }),
  },
);
