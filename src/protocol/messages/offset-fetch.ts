/**
 * OffsetFetch (key 9), v0–v7; v6+ flexible (Kafka 2.7 OffsetFetch{Request,Response}.json).
 *
 * Sent by: kafkajs v4 (v1–v4 implemented), librdkafka **v7 flexible** (RequireStable = true
 * under read_committed, its default), kafka-python v1 (consumer) and v3 (admin, Topics null).
 *
 * Traps:
 * - Topics is nullable from v2: null means "every partition the group has committed". In v0/v1
 *   an empty list is just empty.
 * - Partitions without a committed offset answer CommittedOffset −1, Metadata "" and error 0.
 * - The top-level ErrorCode exists from v2; v0/v1 carry group/coordinator errors on every
 *   partition instead.
 * - RequireStable (v7) + a pending transactional offset → UNSTABLE_OFFSET_COMMIT (88).
 * - kafkajs reads CommittedOffset with Long and hands it on as a decimal string.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const OffsetFetchRequest = message(
  { apiKey: ApiKey.OffsetFetch, name: 'OffsetFetchRequest', versions: [0, 7], flexibleSince: 6 },
  {
    groupId: t.string(),
    topics: t.structs(
      {
        name: t.string(),
        partitionIndexes: t.array(t.int32()),
      },
      { nullableSince: 2 },
    ),
    requireStable: t.bool({ since: 7, default: false }),
  },
);

export const OffsetFetchResponse = message(
  { apiKey: ApiKey.OffsetFetch, name: 'OffsetFetchResponse', versions: [0, 7], flexibleSince: 6 },
  {
    throttleTimeMs: t.int32({ since: 3 }),
    topics: t.structs({
      name: t.string(),
      partitions: t.structs({
        partitionIndex: t.int32(),
        committedOffset: t.int64(),
        committedLeaderEpoch: t.int32({ since: 5, default: -1 }),
        metadata: t.string({ nullable: true }),
        errorCode: t.int16(),
      }),
    }),
    errorCode: t.int16({ since: 2, default: 0 }),
  },
);
