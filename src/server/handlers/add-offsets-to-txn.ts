/**
 * AddOffsetsToTxn (key 25), versions 0–2 (kafkajs v1, librdkafka v0; Kafka 2.7
 * KafkaApis.handleAddOffsetsToTxnRequest; transactions-and-compaction.md §2.6).
 * Behavior: adds `__consumer_offsets-<abs(javaStringHashCode(GroupId)) % offsets.topic.num.partitions>`
 * to the transaction through the transaction coordinator (the group coordinator is not contacted;
 * the client sends TxnOffsetCommit to it next). Errors are the coordinator's, with PRODUCER_FENCED
 * only from v2 (INVALID_PRODUCER_EPOCH before). Authorization first: WRITE on the transactional id
 * (TRANSACTIONAL_ID_AUTHORIZATION_FAILED), then READ on the group (GROUP_AUTHORIZATION_FAILED).
 */
import { GROUP_METADATA_TOPIC } from '../../cluster/auto-topic-creation.js';
import type { TxnCoordinator } from '../../coordinator/transaction/txn-coordinator.js';
import { AclOperation, AclResourceType } from '../../common/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from '../../protocol/messages/add-offsets-to-txn.js';
import { defineHandler, type Handler } from '../handler.js';
import { fencedForVersion } from './txn-errors.js';

export function createAddOffsetsToTxnHandler(transactions: TxnCoordinator, groupPartitionFor: (groupId: string) => number): Handler {
  return defineHandler({
    request: AddOffsetsToTxnRequest,
    response: AddOffsetsToTxnResponse,
    versions: { min: 0, max: 2 },
    async handle(req, ctx) {
      if (!ctx.authorize(AclOperation.Write, AclResourceType.TransactionalId, req.transactionalId)) {
        return { throttleTimeMs: 0, errorCode: ErrorCode.TransactionalIdAuthorizationFailed };
      }
      if (!ctx.authorize(AclOperation.Read, AclResourceType.Group, req.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GroupAuthorizationFailed };
      const offsetsPartition = { topic: GROUP_METADATA_TOPIC, partition: groupPartitionFor(req.groupId) };
      const code = await transactions.handleAddPartitionsToTransaction(req.transactionalId, req.producerId, req.producerEpoch, [offsetsPartition]);
      return { throttleTimeMs: 0, errorCode: fencedForVersion(code, ctx.apiVersion, 2) };
    },
    errorResponse: (_req, code) => ({ throttleTimeMs: 0, errorCode: code }),
  });
}
