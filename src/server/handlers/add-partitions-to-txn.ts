/**
 * AddPartitionsToTxn (key 24), versions 0–2 (kafkajs v1, librdkafka v0; Kafka 2.7
 * KafkaApis.handleAddPartitionToTxnRequest; transactions-and-compaction.md §2.6).
 * Behavior:
 * - WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED on every partition);
 * - every topic needs WRITE (TOPIC_AUTHORIZATION_FAILED), every partition must be known to the
 *   metadata cache, and internal topics cannot be added this way (Kafka leaves them out of the
 *   authorized set: TOPIC_AUTHORIZATION_FAILED); one failing
 *   partition fails the request: it gets its error and every other partition
 *   OPERATION_NOT_ATTEMPTED, nothing is changed;
 * - otherwise the transaction coordinator's single answer is copied to every partition;
 *   PRODUCER_FENCED exists from v2, older versions get INVALID_PRODUCER_EPOCH.
 */
import { INTERNAL_TOPICS, tpKey, type TopicPartition } from '../../common/topic-partition.js';
import type { TxnCoordinator } from '../../coordinator/transaction/txn-coordinator.js';
import type { MetadataCache } from '../../metadata/metadata-cache.js';
import { AclOperation, AclResourceType } from '../../common/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from '../../protocol/messages/add-partitions-to-txn.js';
import type { MessageInput, MessageValue } from '../../protocol/schema.js';
import { defineHandler, type Handler } from '../handler.js';
import { fencedForVersion } from './txn-errors.js';

type Req = MessageValue<typeof AddPartitionsToTxnRequest>;
type Res = MessageInput<typeof AddPartitionsToTxnResponse>;

/** One result per distinct partition, grouped by topic in request order. */
function response(req: Req, codeFor: (tp: TopicPartition) => ErrorCode): Res {
  const topics = new Map<string, Map<number, ErrorCode>>();
  for (const t of req.topics) {
    let parts = topics.get(t.name);
    if (!parts) topics.set(t.name, (parts = new Map()));
    for (const partition of t.partitions) parts.set(partition, codeFor({ topic: t.name, partition }));
  }
  return {
    throttleTimeMs: 0,
    results: [...topics].map(([name, parts]) => ({ name, results: [...parts].map(([partitionIndex, errorCode]) => ({ partitionIndex, errorCode })) })),
  };
}

export function createAddPartitionsToTxnHandler(transactions: TxnCoordinator, metadataCache: MetadataCache): Handler {
  return defineHandler({
    request: AddPartitionsToTxnRequest,
    response: AddPartitionsToTxnResponse,
    versions: { min: 0, max: 2 },
    async handle(req, ctx) {
      if (!ctx.authorize(AclOperation.Write, AclResourceType.TransactionalId, req.transactionalId)) {
        return response(req, () => ErrorCode.TransactionalIdAuthorizationFailed);
      }
      const writable = ctx.authorizedNames(AclOperation.Write, AclResourceType.Topic, req.topics.map((t) => t.name).filter((n) => !INTERNAL_TOPICS.has(n)));
      const rejected = new Map<string, ErrorCode>();
      const partitions: TopicPartition[] = [];
      for (const t of req.topics) {
        for (const partition of t.partitions) {
          const tp = { topic: t.name, partition };
          if (INTERNAL_TOPICS.has(t.name) || !writable.has(t.name)) rejected.set(tpKey(tp), ErrorCode.TopicAuthorizationFailed);
          else if (!metadataCache.partition(tp)) rejected.set(tpKey(tp), ErrorCode.UnknownTopicOrPartition);
          else partitions.push(tp);
        }
      }
      if (rejected.size > 0) return response(req, (tp) => rejected.get(tpKey(tp)) ?? ErrorCode.OperationNotAttempted);
      const code = await transactions.handleAddPartitionsToTransaction(req.transactionalId, req.producerId, req.producerEpoch, partitions);
      return response(req, () => fencedForVersion(code, ctx.apiVersion, 2));
    },
    errorResponse: (req, code) => response(req, () => code),
  });
}
