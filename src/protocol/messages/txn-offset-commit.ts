/**
 * TxnOffsetCommit (key 28), v0–v3; v3 is flexible (Kafka 2.7 TxnOffsetCommit{Request,Response}.json).
 *
 * Sent by: kafkajs v1, librdkafka **v3 flexible** (with GenerationId/MemberId/GroupInstanceId,
 * KIP-447), to the *group* coordinator after AddOffsetsToTxn.
 *
 * Traps:
 * - v0–v2 carry no member data: GenerationId −1, MemberId "" and GroupInstanceId null by
 *   default, so the member checks pass for them.
 * - CommittedLeaderEpoch exists from v2 (−1 = unknown); CommittedMetadata is nullable.
 * - kafkajs fails a response carrying 14/15/16 (its error names do not match its own retry
 *   checks); COORDINATOR_LOAD_IN_PROGRESS is rewritten to COORDINATOR_NOT_AVAILABLE for v0–v1.
 * - Pending offsets are parked under `/consumers/<group>/txn_offsets/<pid>/…` until the marker
 *   (ARCHITECTURE §13); this table only carries them.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const TxnOffsetCommitRequest = message(
  { apiKey: ApiKey.TxnOffsetCommit, name: 'TxnOffsetCommitRequest', versions: [0, 3], flexibleSince: 3 },
  {
    transactionalId: t.string(),
    groupId: t.string(),
    producerId: t.int64(),
    producerEpoch: t.int16(),
    generationId: t.int32({ since: 3, default: -1 }),
    memberId: t.string({ since: 3 }),
    groupInstanceId: t.string({ since: 3, nullableSince: 3, default: null }),
    topics: t.structs({
      name: t.string(),
      partitions: t.structs({
        partitionIndex: t.int32(),
        committedOffset: t.int64(),
        committedLeaderEpoch: t.int32({ since: 2, default: -1 }),
        committedMetadata: t.string({ nullable: true }),
      }),
    }),
  },
);

export const TxnOffsetCommitResponse = message(
  { apiKey: ApiKey.TxnOffsetCommit, name: 'TxnOffsetCommitResponse', versions: [0, 3], flexibleSince: 3 },
  {
    throttleTimeMs: t.int32(),
    topics: t.structs({
      name: t.string(),
      partitions: t.structs({
        partitionIndex: t.int32(),
        errorCode: t.int16(),
      }),
    }),
  },
);
