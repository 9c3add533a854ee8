/**
 * InitProducerId (key 22), v0–v4; v2+ flexible (Kafka 2.7 InitProducerId{Request,Response}.json).
 *
 * Sent by: kafkajs v1 (idempotent producers to the controller, transactional ones to the txn
 * coordinator), librdkafka **v4 flexible**. kafka-python never (no idempotence).
 *
 * Traps:
 * - TransactionalId null = idempotent-only: any broker answers with a brand-new ProducerId and
 *   epoch 0 (librdkafka sends TransactionTimeoutMs −1 there); "" is INVALID_REQUEST.
 * - v3+ ProducerId/ProducerEpoch (KIP-360) default to −1/−1 ("no existing producer"); a
 *   transactional client sets both to bump its epoch after an abortable error.
 * - PRODUCER_FENCED (90) only for v4+; v0–v3 get INVALID_PRODUCER_EPOCH (47).
 * - kafkajs turns the int64 ProducerId into a decimal string.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const InitProducerIdRequest = message(
  { apiKey: ApiKey.InitProducerId, name: 'InitProducerIdRequest', versions: [0, 4], flexibleSince: 2 },
  {
    transactionalId: t.string({ nullable: true }),
    transactionTimeoutMs: t.int32(),
    producerId: t.int64({ since: 3, default: -1 }),
    producerEpoch: t.int16({ since: 3, default: -1 }),
  },
);

export const InitProducerIdResponse = message(
  { apiKey: ApiKey.InitProducerId, name: 'InitProducerIdResponse', versions: [0, 4], flexibleSince: 2 },
  {
    throttleTimeMs: t.int32(),
    errorCode: t.int16(),
    producerId: t.int64({ default: -1 }),
    producerEpoch: t.int16(),
  },
);
