/**
 * EndTxn (key 26), versions 0–2 (kafkajs v1, librdkafka v1; Kafka 2.7 KafkaApis.handleEndTxnRequest;
 * transactions-and-compaction.md §2.7).
 * Behavior: the transaction coordinator writes PrepareCommit / PrepareAbort and answers NONE once it
 * is replicated, before the markers are written (the records are not yet visible to read_committed
 * consumers when the client's commit returns); CONCURRENT_TRANSACTIONS until the previous end is
 * complete; INVALID_TXN_STATE for an end that does not match the state; PRODUCER_FENCED only from
 * v2 (INVALID_PRODUCER_EPOCH before). WRITE on the transactional id is required first
 * (TRANSACTIONAL_ID_AUTHORIZATION_FAILED).
 */
import type { TxnCoordinator } from '../../coordinator/transaction/txn-coordinator.js';
import { AclOperation, AclResourceType } from '../../common/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { EndTxnRequest, EndTxnResponse } from '../../protocol/messages/end-txn.js';
import { defineHandler, type Handler } from '../handler.js';
import { fencedForVersion } from './txn-errors.js';

export function createEndTxnHandler(transactions: TxnCoordinator): Handler {
  return defineHandler({
    request: EndTxnRequest,
    response: EndTxnResponse,
    versions: { min: 0, max: 2 },
    async handle(req, ctx) {
      if (!ctx.authorize(AclOperation.Write, AclResourceType.TransactionalId, req.transactionalId)) {
        return { throttleTimeMs: 0, errorCode: ErrorCode.TransactionalIdAuthorizationFailed };
      }
      const code = await transactions.handleEndTransaction(req.transactionalId, req.producerId, req.producerEpoch, req.committed);
      return { throttleTimeMs: 0, errorCode: fencedForVersion(code, ctx.apiVersion, 2) };
    },
    errorResponse: (_req, code) => ({ throttleTimeMs: 0, errorCode: code }),
  });
}
