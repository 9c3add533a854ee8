/**
 * Fetch (key 1), v0–v12; v12 is flexible (Kafka 2.7 FetchRequest/Response.json).
 *
 * Who sends what (protocol.md §2.4): kafkajs v11, librdkafka v11, kafka-python v4; followers
 * (replicaId = broker id) use whatever the inter-broker protocol picks, up to v12.
 *
 * Traps:
 * - Field names follow 2.7's JSON (`topic`, `partition`, `partitionResponses`, `recordSet`);
 *   Kafka 2.8 renamed them, the wire is the same.
 * - `recordSet` is opaque (ARCHITECTURE §7: Fetch returns stored bytes). An empty partition is a
 *   zero-length buffer, never null (§6.3: librdkafka cannot parse a null record set).
 * - `abortedTransactions` (v4+) is null for read_uncommitted and sorted by firstOffset otherwise.
 * - Sessionless clients send sessionId 0 / sessionEpoch -1; answer sessionId 0 (§6.5).
 * - `preferredReadReplica` (v11+) must stay -1: kafkajs and librdkafka follow it (§6.6).
 * - v12 tagged fields: request `clusterId` (tag 0); response per partition `divergingEpoch`
 *   (tag 0) and `currentLeader` (tag 1). They are read when present and never written.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const FetchRequest = message(
  { apiKey: ApiKey.Fetch, name: 'FetchRequest', versions: [0, 12], flexibleSince: 12 },
  {
    clusterId: t.string({ since: 12, tag: 0, nullable: true }),
    replicaId: t.int32(),
    maxWaitMs: t.int32(),
    minBytes: t.int32(),
    maxBytes: t.int32({ since: 3, default: 0x7fffffff }),
    isolationLevel: t.int8({ since: 4, default: 0 }),
    sessionId: t.int32({ since: 7, default: 0 }),
    sessionEpoch: t.int32({ since: 7, default: -1 }),
    topics: t.structs({
      topic: t.string(),
      partitions: t.structs({
        partition: t.int32(),
        currentLeaderEpoch: t.int32({ since: 9, default: -1 }),
        fetchOffset: t.int64(),
        lastFetchedEpoch: t.int32({ since: 12, default: -1 }),
        logStartOffset: t.int64({ since: 5, default: -1 }),
        partitionMaxBytes: t.int32(),
      }),
    }),
    forgottenTopicsData: t.structs({ topic: t.string(), partitions: t.array(t.int32()) }, { since: 7 }),
    rackId: t.string({ since: 11, default: '' }),
  },
);

export const FetchResponse = message(
  { apiKey: ApiKey.Fetch, name: 'FetchResponse', versions: [0, 12], flexibleSince: 12 },
  {
    throttleTimeMs: t.int32({ since: 1 }),
    errorCode: t.int16({ since: 7 }),
    sessionId: t.int32({ since: 7, default: 0 }),
    responses: t.structs({
      topic: t.string(),
      partitionResponses: t.structs({
        partition: t.int32(),
        errorCode: t.int16(),
        highWatermark: t.int64(),
        lastStableOffset: t.int64({ since: 4, default: -1 }),
        logStartOffset: t.int64({ since: 5, default: -1 }),
        divergingEpoch: t.struct(
          { epoch: t.int32({ default: -1 }), endOffset: t.int64({ default: -1 }) },
          { since: 12, tag: 0 },
        ),
        currentLeader: t.struct(
          { leaderId: t.int32({ default: -1 }), leaderEpoch: t.int32({ default: -1 }) },
          { since: 12, tag: 1 },
        ),
        abortedTransactions: t.structs(
          { producerId: t.int64(), firstOffset: t.int64() },
          { since: 4, nullable: true },
        ),
        preferredReadReplica: t.int32({ since: 11, default: -1 }),
        recordSet: t.records({ nullable: true }),
      }),
    }),
  },
);
