/**
 * EndTxn (key 26), v0–v2; never flexible in 2.7 (Kafka 2.7 EndTxn{Request,Response}.json).
 *
 * Sent by: kafkajs v1, librdkafka v1, to the transaction coordinator.
 *
 * Traps:
 * - Committed true = COMMIT, false = ABORT (kafkajs calls it `transactionResult`).
 * - NONE is answered once PrepareCommit/PrepareAbort is durable, before the markers land: the
 *   data is not yet visible to read_committed consumers when the client's commit returns.
 * - PRODUCER_FENCED (90) only for v2; v0–v1 get INVALID_PRODUCER_EPOCH (47).
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const EndTxnRequest = message(
  { apiKey: ApiKey.EndTxn, name: 'EndTxnRequest', versions: [0, 2] },
  {
    transactionalId: t.string(),
    producerId: t.int64(),
    producerEpoch: t.int16(),
    committed: t.bool(),
  },
);

export const EndTxnResponse = message(
  { apiKey: ApiKey.EndTxn, name: 'EndTxnResponse', versions: [0, 2] },
  {
    throttleTimeMs: t.int32(),
    errorCode: t.int16(),
  },
);
