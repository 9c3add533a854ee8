/**
 * ListOffsets (key 2; Kafka's JSON calls it ListOffset), v0–v5; no flexible version in 2.7
 * (flexible v6 is Kafka 2.8).
 *
 * Who sends what (protocol.md §2.4): kafkajs v3, librdkafka v2, kafka-python v1; followers may
 * send v5 with replicaId = broker id.
 *
 * Traps:
 * - v0 is the legacy shape: the request has `maxNumOffsets` and the response answers with a list
 *   `oldStyleOffsets` instead of `timestamp`/`offset` (v1+).
 * - Timestamp -1 = latest (HW, or LSO for read_committed from v2), -2 = earliest (§8.1).
 * - `isolationLevel` (v2+) decodes as 0 (read_uncommitted) for v0/v1, which is how Kafka treats
 *   those versions.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const ListOffsetsRequest = message(
  { apiKey: ApiKey.ListOffsets, name: 'ListOffsetsRequest', versions: [0, 5] },
  {
    replicaId: t.int32(),
    isolationLevel: t.int8({ since: 2, default: 0 }),
    topics: t.structs({
      name: t.string(),
      partitions: t.structs({
        partitionIndex: t.int32(),
        currentLeaderEpoch: t.int32({ since: 4, default: -1 }),
        timestamp: t.int64(),
        maxNumOffsets: t.int32({ until: 0, default: 1 }),
      }),
    }),
  },
);

export const ListOffsetsResponse = message(
  { apiKey: ApiKey.ListOffsets, name: 'ListOffsetsResponse', versions: [0, 5] },
  {
    throttleTimeMs: t.int32({ since: 2 }),
    topics: t.structs({
      name: t.string(),
      partitions: t.structs({
        partitionIndex: t.int32(),
        errorCode: t.int16(),
        oldStyleOffsets: t.array(t.int64(), { until: 0 }),
        timestamp: t.int64({ since: 1, default: -1 }),
        offset: t.int64({ since: 1, default: -1 }),
        leaderEpoch: t.int32({ since: 4, default: -1 }),
      }),
    }),
  },
);
