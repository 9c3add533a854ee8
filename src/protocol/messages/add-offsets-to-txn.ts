/**
 * AddOffsetsToTxn (key 25), v0–v2; never flexible in 2.7 (Kafka 2.7
 * AddOffsetsToTxn{Request,Response}.json).
 *
 * Sent by: kafkajs v1 (`sendOffsets`), librdkafka v0, to the *transaction* coordinator; the
 * client then sends TxnOffsetCommit to the group coordinator.
 *
 * Traps:
 * - The coordinator adds `__consumer_offsets-<abs(javaStringHashCode(GroupId)) % 50>` to the
 *   transaction; it never talks to the group coordinator itself.
 * - PRODUCER_FENCED (90) only for v2; v0–v1 get INVALID_PRODUCER_EPOCH (47). kafkajs does not
 *   retry CONCURRENT_TRANSACTIONS (51) here: it throws.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const AddOffsetsToTxnRequest = message(
  { apiKey: ApiKey.AddOffsetsToTxn, name: 'AddOffsetsToTxnRequest', versions: [0, 2] },
  {
    transactionalId: t.string(),
    producerId: t.int64(),
    producerEpoch: t.int16(),
    groupId: t.string(),
  },
);

export const AddOffsetsToTxnResponse = message(
  { apiKey: ApiKey.AddOffsetsToTxn, name: 'AddOffsetsToTxnResponse', versions: [0, 2] },
  {
    throttleTimeMs: t.int32(),
    errorCode: t.int16(),
  },
);
