/**
 * OffsetCommit (key 8), v0–v8; v8 is flexible (Kafka 2.7 OffsetCommit{Request,Response}.json).
 *
 * Sent by: kafkajs v5, librdkafka v7, kafka-python v2 (RetentionTimeMs −1).
 *
 * Traps:
 * - Version-dependent shape: v1 adds GenerationId/MemberId and a per-partition CommitTimestamp
 *   that exists in v1 *only*; RetentionTimeMs exists in v2–v4 only (−1 = broker default);
 *   CommittedLeaderEpoch from v6; GroupInstanceId from v7.
 * - GenerationId −1 with an empty MemberId is a "simple" commit, valid only for a group that
 *   does not use group management (ARCHITECTURE §6: the offset lands in ZooKeeper as text).
 * - CommittedMetadata is nullable in every version; kafkajs writes null when none is given, and
 *   OffsetFetch answers such an offset with "" like Kafka.
 * - kafkajs v1 sends CommitTimestamp = Date.now(): an int64 that fits 2^53.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const OffsetCommitRequest = message(
  { apiKey: ApiKey.OffsetCommit, name: 'OffsetCommitRequest', versions: [0, 8], flexibleSince: 8 },
  {
    groupId: t.string(),
    generationId: t.int32({ since: 1, default: -1 }),
    memberId: t.string({ since: 1 }),
    groupInstanceId: t.string({ since: 7, nullableSince: 7, default: null }),
    retentionTimeMs: t.int64({ since: 2, until: 4, default: -1 }),
    topics: t.structs({
      name: t.string(),
      partitions: t.structs({
        partitionIndex: t.int32(),
        committedOffset: t.int64(),
        committedLeaderEpoch: t.int32({ since: 6, default: -1 }),
        commitTimestamp: t.int64({ since: 1, until: 1, default: -1 }),
        committedMetadata: t.string({ nullable: true }),
      }),
    }),
  },
);

export const OffsetCommitResponse = message(
  { apiKey: ApiKey.OffsetCommit, name: 'OffsetCommitResponse', versions: [0, 8], flexibleSince: 8 },
  {
    throttleTimeMs: t.int32({ since: 3 }),
    topics: t.structs({
      name: t.string(),
      partitions: t.structs({
        partitionIndex: t.int32(),
        errorCode: t.int16(),
      }),
    }),
  },
);
