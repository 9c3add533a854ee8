/**
 * AddPartitionsToTxn (key 24), v0–v2; never flexible in 2.7 (Kafka 2.7
 * AddPartitionsToTxn{Request,Response}.json).
 *
 * Sent by: kafkajs v1, librdkafka v0, to the transaction coordinator before the first Produce
 * to each partition of a transaction.
 *
 * Traps:
 * - One unknown partition fails the whole request: it gets UNKNOWN_TOPIC_OR_PARTITION and every
 *   other partition OPERATION_NOT_ATTEMPTED (55); otherwise the single coordinator result is
 *   copied to every partition.
 * - PRODUCER_FENCED (90) only for v2; v0–v1 get INVALID_PRODUCER_EPOCH (47).
 * - The response nests "Results" twice (topic results, then partition results), as in Kafka.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const AddPartitionsToTxnRequest = message(
  { apiKey: ApiKey.AddPartitionsToTxn, name: 'AddPartitionsToTxnRequest', versions: [0, 2] },
  {
    transactionalId: t.string(),
    producerId: t.int64(),
    producerEpoch: t.int16(),
    topics: t.structs({
      name: t.string(),
      partitions: t.array(t.int32()),
    }),
  },
);

export const AddPartitionsToTxnResponse = message(
  { apiKey: ApiKey.AddPartitionsToTxn, name: 'AddPartitionsToTxnResponse', versions: [0, 2] },
  {
    throttleTimeMs: t.int32(),
    results: t.structs({
      name: t.string(),
      results: t.structs({
        partitionIndex: t.int32(),
        errorCode: t.int16(),
      }),
    }),
  },
);
