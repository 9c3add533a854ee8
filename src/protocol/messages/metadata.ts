/**
 * Metadata (key 3), v0–v9; v9 is flexible (Kafka 2.7 MetadataRequest/Response.json).
 *
 * Who sends what against a 2.7-level broker (protocol.md §2.4): kafkajs v6, librdkafka v4,
 * kafka-python v0 (its version probe, pipelined behind ApiVersions v0), v1 (clients) and v5
 * (admin). Nobody we test against sends v7+, but every version decodes and encodes.
 *
 * Traps:
 * - `topics`: v0 empty array = all topics; v1+ null = all topics and empty = none (§7.1).
 *   kafkajs turns an empty list into null, librdkafka uses [] for "brokers only".
 * - `allowAutoTopicCreation` is v4+ and defaults to true, so older versions always allow it.
 * - `rack` (v1+) and `clusterId` (v2+) are nullable; `controllerId` (v1+) is -1 when unknown.
 * - The authorized-operations fields (v8+) default to INT32_MIN ("not requested").
 * - Topic ids and nullable topic names are v10 (Kafka 2.8); not here.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

/** Kafka's "authorized operations were not requested" sentinel (Integer.MIN_VALUE). */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

export const MetadataRequest = message(
  { apiKey: ApiKey.Metadata, name: 'MetadataRequest', versions: [0, 9], flexibleSince: 9 },
  {
    topics: t.structs({ name: t.string() }, { nullableSince: 1 }),
    allowAutoTopicCreation: t.bool({ since: 4, default: true }),
    includeClusterAuthorizedOperations: t.bool({ since: 8, default: false }),
    includeTopicAuthorizedOperations: t.bool({ since: 8, default: false }),
  },
);

export const MetadataResponse = message(
  { apiKey: ApiKey.Metadata, name: 'MetadataResponse', versions: [0, 9], flexibleSince: 9 },
  {
    throttleTimeMs: t.int32({ since: 3 }),
    brokers: t.structs({
      nodeId: t.int32(),
      host: t.string(),
      port: t.int32(),
      rack: t.string({ since: 1, nullable: true }),
    }),
    clusterId: t.string({ since: 2, nullable: true }),
    controllerId: t.int32({ since: 1, default: -1 }),
    topics: t.structs({
      errorCode: t.int16(),
      name: t.string(),
      isInternal: t.bool({ since: 1, default: false }),
      partitions: t.structs({
        errorCode: t.int16(),
        partitionIndex: t.int32(),
        leaderId: t.int32(),
        leaderEpoch: t.int32({ since: 7, default: -1 }),
        replicaNodes: t.array(t.int32()),
        isrNodes: t.array(t.int32()),
        offlineReplicas: t.array(t.int32(), { since: 5 }),
      }),
      topicAuthorizedOperations: t.int32({ since: 8, default: AUTHORIZED_OPERATIONS_OMITTED }),
    }),
    clusterAuthorizedOperations: t.int32({ since: 8, default: AUTHORIZED_OPERATIONS_OMITTED }),
  },
);
