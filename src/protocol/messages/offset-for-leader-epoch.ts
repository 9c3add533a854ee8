/**
 * OffsetForLeaderEpoch (key 23; Kafka's JSON calls it OffsetsForLeaderEpoch), v0–v3, never
 * flexible in 2.7 (flexible v4 arrives with 2.8).
 *
 * Sent by followers to the partition leader before fetching, to learn where their log diverges
 * (KIP-101/KIP-279, ARCHITECTURE §5), and by Java consumers (KIP-320) to validate positions after
 * a leader change. kafkajs, librdkafka 2.0.2 and kafka-python never send it. A 2.7 follower sends
 * v3 when inter.broker.protocol ≥ 2.3-IV1.
 *
 * Traps:
 * - `replicaId` is v3+ and defaults to -2 (DEBUGGING_REPLICA_ID: "not a follower, skip replica
 *   checks"); consumers send -1, followers their broker id.
 * - `currentLeaderEpoch` (v2+, default -1 = unknown) fences a requester with a stale leader
 *   epoch (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH); `leaderEpoch` is the epoch asked about.
 * - Response partitions put `errorCode` *before* `partitionIndex`. `leaderEpoch` in the response
 *   is v1+ (default -1), `throttleTimeMs` v2+.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const OffsetForLeaderEpochRequest = message(
  { apiKey: ApiKey.OffsetForLeaderEpoch, name: 'OffsetForLeaderEpochRequest', versions: [0, 3] },
  {
    replicaId: t.int32({ since: 3, default: -2 }),
    topics: t.structs({
      name: t.string(),
      partitions: t.structs({
        partitionIndex: t.int32(),
        currentLeaderEpoch: t.int32({ since: 2, default: -1 }),
        leaderEpoch: t.int32(),
      }),
    }),
  },
);

export const OffsetForLeaderEpochResponse = message(
  { apiKey: ApiKey.OffsetForLeaderEpoch, name: 'OffsetForLeaderEpochResponse', versions: [0, 3] },
  {
    throttleTimeMs: t.int32({ since: 2 }),
    topics: t.structs({
      name: t.string(),
      partitions: t.structs({
        errorCode: t.int16(),
        partitionIndex: t.int32(),
        leaderEpoch: t.int32({ since: 1, default: -1 }),
        endOffset: t.int64(),
      }),
    }),
  },
);
