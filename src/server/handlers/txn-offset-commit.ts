/**
 * TxnOffsetCommit (key 28), versions 0–3, flexible v3 (kafkajs v1, librdkafka v3; Kafka 2.7
 * KafkaApis.handleTxnOffsetCommitRequest; transactions-and-compaction.md §2.15–§2.16).
 * Behavior:
 * - sent to the *group* coordinator, which parks the offsets as pending under
 *   `/consumers/<group>/txn_offsets/<producerId>/…` and answers only after that write; they become
 *   the committed offsets when the transaction's COMMIT marker reaches the group's partition;
 * - per partition: UNKNOWN_TOPIC_OR_PARTITION, OFFSET_METADATA_TOO_LARGE, INVALID_PRODUCER_EPOCH
 *   (a fenced producer), the group errors (INVALID_GROUP_ID, NOT_COORDINATOR, …) and, from v3, the member
 *   checks (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_INSTANCE_ID);
 * - COORDINATOR_LOAD_IN_PROGRESS is answered COORDINATOR_NOT_AVAILABLE below v2 (pre-KAFKA-7296
 *   clients did not expect it);
 * - a partition named twice is answered once (the last offset given is the one stored);
 * - authorization first: WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED on
 *   every partition), READ on the group (GROUP_AUTHORIZATION_FAILED on every partition), READ on
 *   each topic (TOPIC_AUTHORIZATION_FAILED for its partitions; the others are committed).
 */
import type { GroupCoordinator } from '../../coordinator/group-coordinator.js';
import { tpKey } from '../../common/topic-partition.js';
import { AclOperation, AclResourceType } from '../../common/acl.js';
import { KafkaError } from '../../common/errors.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../../protocol/messages/txn-offset-commit.js';
import type { MessageInput, MessageValue } from '../../protocol/schema.js';
import { defineHandler, type Handler } from '../handler.js';

type Req = MessageValue<typeof TxnOffsetCommitRequest>;
type Res = MessageInput<typeof TxnOffsetCommitResponse>;

interface Entry {
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
}

/** The distinct partitions of the request, the last occurrence of each winning, grouped by topic in request order. */
function distinctPartitions(req: Req): Entry[] {
  const byTp = new Map<string, Entry>();
  for (const t of req.topics) {
    for (const p of t.partitions) {
      const e = { topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata };
      byTp.delete(tpKey(e));
      byTp.set(tpKey(e), e);
    }
  }
  const order = [...new Set(req.topics.map((t) => t.name))];
  return [...byTp.values()].sort((a, b) => order.indexOf(a.topic) - order.indexOf(b.topic));
}

function response(entries: readonly Entry[], codes: readonly ErrorCode[]): Res {
  const topics = new Map<string, Array<{ partitionIndex: number; errorCode: ErrorCode }>>();
  entries.forEach((e, i) => {
    let parts = topics.get(e.topic);
    if (!parts) topics.set(e.topic, (parts = []));
    parts.push({ partitionIndex: e.partition, errorCode: codes[i]! });
  });
  return { throttleTimeMs: 0, topics: [...topics].map(([name, partitions]) => ({ name, partitions })) };
}

export function createTxnOffsetCommitHandler(coordinator: GroupCoordinator): Handler {
  return defineHandler({
    request: TxnOffsetCommitRequest,
    response: TxnOffsetCommitResponse,
    versions: { min: 0, max: 3 },
    async handle(req, ctx) {
      if (!ctx.authorize(AclOperation.Write, AclResourceType.TransactionalId, req.transactionalId)) throw new KafkaError(ErrorCode.TransactionalIdAuthorizationFailed);
      if (!ctx.authorize(AclOperation.Read, AclResourceType.Group, req.groupId)) throw new KafkaError(ErrorCode.GroupAuthorizationFailed);
      const all = distinctPartitions(req);
      const readable = ctx.authorizedNames(AclOperation.Read, AclResourceType.Topic, all.map((e) => e.topic));
      const entries = all.filter((e) => readable.has(e.topic));
      const committed = entries.length === 0 ? [] : await coordinator.handleTxnCommitOffsets({
        groupId: req.groupId,
        producerId: req.producerId,
        producerEpoch: req.producerEpoch,
        memberId: req.memberId,
        groupInstanceId: req.groupInstanceId,
        generationId: req.generationId,
        partitions: entries,
      });
      let next = 0;
      const codes = all.map((e) => (readable.has(e.topic) ? committed[next++]! : ErrorCode.TopicAuthorizationFailed));
      const answered = ctx.apiVersion < 2 ? codes.map((c) => (c === ErrorCode.CoordinatorLoadInProgress ? ErrorCode.CoordinatorNotAvailable : c)) : codes;
      return response(all, answered);
    },
    errorResponse: (req, code) => {
      const entries = distinctPartitions(req);
      return response(entries, entries.map(() => code));
    },
  });
}
