/**
 * LeaderAndIsr (key 4), v0–v4; v4 is flexible (Kafka 2.7 LeaderAndIsrRequest/Response.json).
 *
 * Sent by the controller to every replica of the partitions whose leadership or ISR it changed
 * (zk-and-controller.md §8.2): a 2.7 controller sends v4 when inter.broker.protocol.version ≥
 * 2.4-IV1, v3 for 2.4-IV0, v2 for ≥ 2.2-IV0, v1 for ≥ 1.0-IV0, v0 below. It is a cluster action:
 * only brokers send it, no client ever does.
 *
 * Traps:
 * - v0–v1 carry a flat `ungroupedPartitionStates` list, each state naming its topic; v2+ group
 *   the same states under `topicStates[].partitionStates` and the per-state `topicName` is absent
 *   (it decodes as ''). Both lists share one partition-state table, as in Kafka's JSON.
 * - `brokerEpoch` (v2+, KIP-380) defaults to -1, which a receiving broker treats as "not checked".
 * - `addingReplicas`/`removingReplicas` exist from v3 (KIP-455), `isNew` from v1.
 * - `type` and `topicId` are v5 (Kafka 2.8); not here. The response has a flat `partitionErrors`
 *   list at every 2.7 version (grouped `topics` is also 2.8's v5).
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

/** LeaderAndIsrPartitionState, shared by the ungrouped (v0–v1) and grouped (v2+) lists. */
const partitionState = {
  topicName: t.string({ until: 1 }),
  partitionIndex: t.int32(),
  controllerEpoch: t.int32(),
  leader: t.int32(),
  leaderEpoch: t.int32(),
  isr: t.array(t.int32()),
  /** version of /brokers/topics/<t>/partitions/<p>/state the leader must write against */
  zkVersion: t.int32(),
  replicas: t.array(t.int32()),
  addingReplicas: t.array(t.int32(), { since: 3 }),
  removingReplicas: t.array(t.int32(), { since: 3 }),
  isNew: t.bool({ since: 1, default: false }),
} as const;

export const LeaderAndIsrRequest = message(
  { apiKey: ApiKey.LeaderAndIsr, name: 'LeaderAndIsrRequest', versions: [0, 4], flexibleSince: 4 },
  {
    controllerId: t.int32(),
    controllerEpoch: t.int32(),
    brokerEpoch: t.int64({ since: 2, default: -1 }),
    ungroupedPartitionStates: t.structs(partitionState, { until: 1 }),
    topicStates: t.structs(
      {
        topicName: t.string(),
        partitionStates: t.structs(partitionState),
      },
      { since: 2 },
    ),
    liveLeaders: t.structs({
      brokerId: t.int32(),
      hostName: t.string(),
      port: t.int32(),
    }),
  },
);

export const LeaderAndIsrResponse = message(
  { apiKey: ApiKey.LeaderAndIsr, name: 'LeaderAndIsrResponse', versions: [0, 4], flexibleSince: 4 },
  {
    errorCode: t.int16(),
    partitionErrors: t.structs({
      topicName: t.string(),
      partitionIndex: t.int32(),
      errorCode: t.int16(),
    }),
  },
);
