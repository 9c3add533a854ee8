/**
 * Produce (key 0), v0–v8; no flexible version in 2.7 (flexible v9 is Kafka 2.8).
 *
 * Who sends what (protocol.md §2.4): kafkajs v7, librdkafka v7 (v3+ once MsgVer2 is enabled),
 * kafka-python v7. kafkajs v0–v2 carry legacy MessageSets (magic 0/1); v3+ carry exactly one
 * RecordBatch (magic 2) per partition.
 *
 * Traps:
 * - `records` is an opaque byte range (ARCHITECTURE §7): the codec never parses it; Produce
 *   validates and rewrites the batch header elsewhere, in place.
 * - `transactionalId` is v3+ and nullable; a non-transactional producer sends null.
 * - Acks 0 gets no response at all (§3.5): that is the handler's business, not the table's.
 * - librdkafka requires the response to hold exactly one topic and one partition (§2.2).
 * - `recordErrors`/`errorMessage` are v8 only (KIP-467); `logAppendTimeMs` -1 means CreateTime.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const ProduceRequest = message(
  { apiKey: ApiKey.Produce, name: 'ProduceRequest', versions: [0, 8] },
  {
    transactionalId: t.string({ since: 3, nullable: true }),
    acks: t.int16(),
    timeoutMs: t.int32(),
    topics: t.structs({
      name: t.string(),
      partitions: t.structs({
        partitionIndex: t.int32(),
        records: t.records({ nullable: true }),
      }),
    }),
  },
);

export const ProduceResponse = message(
  { apiKey: ApiKey.Produce, name: 'ProduceResponse', versions: [0, 8] },
  {
    responses: t.structs({
      name: t.string(),
      partitions: t.structs({
        partitionIndex: t.int32(),
        errorCode: t.int16(),
        baseOffset: t.int64(),
        logAppendTimeMs: t.int64({ since: 2, default: -1 }),
        logStartOffset: t.int64({ since: 5, default: -1 }),
        recordErrors: t.structs(
          {
            batchIndex: t.int32(),
            batchIndexErrorMessage: t.string({ nullable: true }),
          },
          { since: 8 },
        ),
        errorMessage: t.string({ since: 8, nullable: true }),
      }),
    }),
    throttleTimeMs: t.int32({ since: 1 }),
  },
);
