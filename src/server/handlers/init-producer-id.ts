/**
 * InitProducerId (key 22), versions 0–4, flexible from v2 (Kafka 2.7 KafkaApis.handleInitProducerIdRequest;
 * transactions-and-compaction.md §1.1, protocol.md §8.5).
 * Behavior:
 * - v3+: exactly one of ProducerId / ProducerEpoch is -1 → INVALID_REQUEST; both -1 = no existing producer;
 * - then the transaction coordinator service answers: TransactionalId null → a new producer id from this
 *   broker's block, epoch 0, on any broker; "" → INVALID_REQUEST; a real transactional id → the
 *   transactional path (COORDINATOR_NOT_AVAILABLE while there is none);
 * - PRODUCER_FENCED is only understood from v4: older versions get INVALID_PRODUCER_EPOCH instead;
 * - on error ProducerId -1 and ProducerEpoch -1;
 * - authorization first (with an authorizer): a transactional id needs WRITE on it
 *   (TRANSACTIONAL_ID_AUTHORIZATION_FAILED), no transactional id IDEMPOTENT_WRITE on the cluster
 *   (CLUSTER_AUTHORIZATION_FAILED).
 */
import { AclOperation, AclResourceType, CLUSTER_NAME } from '../../common/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { InitProducerIdRequest, InitProducerIdResponse } from '../../protocol/messages/init-producer-id.js';
import {
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  initProducerIdError,
  type InitProducerIdResult,
  type TransactionCoordinator,
} from '../../coordinator/transaction-coordinator.js';
import { defineHandler, type Handler } from '../handler.js';
import { fencedForVersion } from './txn-errors.js';

const PRODUCER_FENCED_SINCE = 4;

export function createInitProducerIdHandler(coordinator: TransactionCoordinator): Handler {
  return defineHandler({
    request: InitProducerIdRequest,
    response: InitProducerIdResponse,
    versions: { min: 0, max: 4 },
    async handle(req, ctx) {
      if (req.transactionalId !== null) {
        if (!ctx.authorize(AclOperation.Write, AclResourceType.TransactionalId, req.transactionalId)) {
          return { throttleTimeMs: 0, errorCode: ErrorCode.TransactionalIdAuthorizationFailed, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
        }
      } else if (!ctx.authorize(AclOperation.IdempotentWrite, AclResourceType.Cluster, CLUSTER_NAME)) {
        return { throttleTimeMs: 0, errorCode: ErrorCode.ClusterAuthorizationFailed, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
      }
      const pidSet = req.producerId !== NO_PRODUCER_ID;
      const epochSet = req.producerEpoch !== NO_PRODUCER_EPOCH;
      let result: InitProducerIdResult;
      if (pidSet !== epochSet) {
        result = initProducerIdError(ErrorCode.InvalidRequest);
      } else {
        const expected = pidSet ? { producerId: req.producerId, producerEpoch: req.producerEpoch } : null;
        result = await coordinator.handleInitProducerId(req.transactionalId, req.transactionTimeoutMs, expected);
      }
      const errorCode = fencedForVersion(result.errorCode, ctx.apiVersion, PRODUCER_FENCED_SINCE);
      return { throttleTimeMs: 0, errorCode, producerId: result.producerId, producerEpoch: result.producerEpoch };
    },
    errorResponse: (_req, code) => ({ throttleTimeMs: 0, errorCode: code, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH }),
  });
}
