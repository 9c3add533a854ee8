/**
 * UpdateMetadata (key 6), v0–v6; v6 is flexible (Kafka 2.7 UpdateMetadataRequest/Response.json).
 *
 * Sent by the controller to all live and shutting-down brokers so each metadata cache matches
 * the controller's view (zk-and-controller.md §8.2–8.3): a 2.7 controller sends v6 when
 * inter.broker.protocol ≥ 2.4-IV1, v5 for ≥ 2.2, v4 for ≥ 1.0, v3 for ≥ 0.10.2, v2 for
 * ≥ 0.10.0-IV1, v1 for ≥ 0.9, v0 below. Cluster action: brokers only.
 *
 * Traps:
 * - Partition states are flat (`ungroupedPartitionStates`, each naming its topic) in v0–v4 and
 *   grouped by topic (`topicStates`) from v5; the per-state `topicName` is absent (decodes as '')
 *   in the grouped form. Both lists share one partition-state table.
 * - Broker addresses: v0 has a single `v0Host`/`v0Port`; v1+ an `endpoints` list whose wire
 *   order is port *before* host; `listener` (the listener name) from v3. `rack` is v2+ and
 *   nullable (absent racks decode as null).
 * - Leader and leaderEpoch -2 mark a topic queued for deletion: the receiver drops it.
 * - `offlineReplicas` v4+, `brokerEpoch` v5+ (default -1). The response is a bare error code.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

/** UpdateMetadataPartitionState, shared by the ungrouped (v0–v4) and grouped (v5+) lists. */
const partitionState = {
  topicName: t.string({ until: 4 }),
  partitionIndex: t.int32(),
  controllerEpoch: t.int32(),
  leader: t.int32(),
  leaderEpoch: t.int32(),
  isr: t.array(t.int32()),
  zkVersion: t.int32(),
  replicas: t.array(t.int32()),
  offlineReplicas: t.array(t.int32(), { since: 4 }),
} as const;

export const UpdateMetadataRequest = message(
  { apiKey: ApiKey.UpdateMetadata, name: 'UpdateMetadataRequest', versions: [0, 6], flexibleSince: 6 },
  {
    controllerId: t.int32(),
    controllerEpoch: t.int32(),
    brokerEpoch: t.int64({ since: 5, default: -1 }),
    ungroupedPartitionStates: t.structs(partitionState, { until: 4 }),
    topicStates: t.structs(
      {
        topicName: t.string(),
        partitionStates: t.structs(partitionState),
      },
      { since: 5 },
    ),
    liveBrokers: t.structs({
      id: t.int32(),
      v0Host: t.string({ until: 0 }),
      v0Port: t.int32({ until: 0 }),
      endpoints: t.structs(
        {
          port: t.int32(),
          host: t.string(),
          listener: t.string({ since: 3 }),
          /** SecurityProtocol id: 0 PLAINTEXT, 1 SSL, 2 SASL_PLAINTEXT, 3 SASL_SSL */
          securityProtocol: t.int16(),
        },
        { since: 1 },
      ),
      rack: t.string({ since: 2, nullable: true }),
    }),
  },
);

export const UpdateMetadataResponse = message(
  { apiKey: ApiKey.UpdateMetadata, name: 'UpdateMetadataResponse', versions: [0, 6], flexibleSince: 6 },
  {
    errorCode: t.int16(),
  },
);
