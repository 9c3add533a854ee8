/**
 * ControlledShutdown (key 7), v0–v3; v3 is flexible (Kafka 2.7 ControlledShutdownRequest/
 * Response.json).
 *
 * Sent by a stopping broker to the controller, which moves leadership away and answers with the
 * partitions it could not yet move (zk-and-controller.md §12). A 2.7 broker sends v3 when
 * inter.broker.protocol ≥ 2.4-IV1, v2 for ≥ 2.2, v1 for ≥ 0.9, v0 below. Cluster action.
 *
 * Traps:
 * - v0 uses request header v0 (no client id); header.ts handles that, not this table.
 * - `brokerEpoch` (v2+, default -1) lets the controller reject a request from a previous
 *   incarnation of the broker with STALE_BROKER_EPOCH.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const ControlledShutdownRequest = message(
  { apiKey: ApiKey.ControlledShutdown, name: 'ControlledShutdownRequest', versions: [0, 3], flexibleSince: 3 },
  {
    brokerId: t.int32(),
    brokerEpoch: t.int64({ since: 2, default: -1 }),
  },
);

export const ControlledShutdownResponse = message(
  { apiKey: ApiKey.ControlledShutdown, name: 'ControlledShutdownResponse', versions: [0, 3], flexibleSince: 3 },
  {
    errorCode: t.int16(),
    remainingPartitions: t.structs({
      topicName: t.string(),
      partitionIndex: t.int32(),
    }),
  },
);
