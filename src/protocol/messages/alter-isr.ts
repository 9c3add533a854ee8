/**
 * AlterIsr (key 56), v0 only, flexible from v0 (KIP-497; Kafka 2.7 AlterIsrRequest/
 * Response.json).
 *
 * Sent by a partition leader to the controller to shrink or expand the ISR, instead of writing
 * the partition-state znode itself; a 2.7 broker uses it only when inter.broker.protocol ≥
 * 2.7-IV2. gregor uses the classic znode mechanism (ARCHITECTURE §4), so this table exists to
 * decode and encode the API faithfully, not because our leaders send it. Cluster action.
 *
 * Traps:
 * - `currentIsrVersion` is the zkVersion of the partition-state znode the leader last saw; the
 *   controller rejects a stale one with INVALID_UPDATE_VERSION.
 * - The response returns the ISR and version the controller actually wrote, which the leader
 *   adopts; `leaderId`/`leaderEpoch` let it notice it is no longer leader.
 * - `brokerEpoch` defaults to -1 (unchecked), as in the JSON.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const AlterIsrRequest = message(
  { apiKey: ApiKey.AlterIsr, name: 'AlterIsrRequest', versions: [0, 0], flexibleSince: 0 },
  {
    brokerId: t.int32(),
    brokerEpoch: t.int64({ default: -1 }),
    topics: t.structs({
      name: t.string(),
      partitions: t.structs({
        partitionIndex: t.int32(),
        leaderEpoch: t.int32(),
        newIsr: t.array(t.int32()),
        currentIsrVersion: t.int32(),
      }),
    }),
  },
);

export const AlterIsrResponse = message(
  { apiKey: ApiKey.AlterIsr, name: 'AlterIsrResponse', versions: [0, 0], flexibleSince: 0 },
  {
    throttleTimeMs: t.int32(),
    errorCode: t.int16(),
    topics: t.structs({
      name: t.string(),
      partitions: t.structs({
        partitionIndex: t.int32(),
        errorCode: t.int16(),
        leaderId: t.int32(),
        leaderEpoch: t.int32(),
        isr: t.array(t.int32()),
        currentIsrVersion: t.int32(),
      }),
    }),
  },
);
