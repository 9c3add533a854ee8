/**
 * Produce (key 0), versions 0–8 (aesthetics §7.3; protocol.md §3.5, §4.5; reliability.md §4.3).
 * Behavior:
 * - transactional data (any partition's first batch) without a TransactionalId →
 *   TRANSACTIONAL_ID_AUTHORIZATION_FAILED for the whole request (2.7 requires the id to authorize
 *   it, authorizer or not); idempotent data needs nothing more (no authorizer, and 2.7 checks no
 *   acks: the clients force acks = -1 themselves);
 * - acks ∉ {-1, 0, 1} → INVALID_REQUIRED_ACKS on every partition;
 * - per partition, in order: internal topic from a client other than `__admin_client` →
 *   INVALID_TOPIC_EXCEPTION; topic unknown to the metadata cache and not hosted here →
 *   UNKNOWN_TOPIC_OR_PARTITION (Produce never auto-creates);
 * - records: exactly one magic-2 batch (INVALID_RECORD), zstd before v7
 *   (UNSUPPORTED_COMPRESSION_TYPE), then the batch checks of protocol/records (CORRUPT_MESSAGE,
 *   INVALID_RECORD, MESSAGE_TOO_LARGE against the topic's max.message.bytes). v0–v2 legacy
 *   message sets (magic 0/1) are up-converted to one v2 batch (Kafka does the same); magic-2 data
 *   in v0–v2 is accepted, as Kafka does;
 * - the topic's record policies (log/log-validator.ts): keys on compacted topics, timestamp
 *   bounds, compression.type recompression (LogAppendTime is stamped by the log's append); a
 *   record-level refusal carries RecordErrors and an ErrorMessage (v8), and nothing of the
 *   partition is appended;
 * - append through the ReplicaManager (NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS for acks = -1
 *   with a short ISR, RECORD_LIST_TOO_LARGE above segment.bytes, KAFKA_STORAGE_ERROR; for batches
 *   with a producer id the log's producer checks: OUT_OF_ORDER_SEQUENCE_NUMBER,
 *   INVALID_PRODUCER_EPOCH, INVALID_TXN_STATE, and a retried batch answered NONE with its original
 *   base offset and, as LogAppendTimeMs, its original max timestamp); acks = -1
 *   waits in the Produce purgatory until the HW passes the append (REQUEST_TIMED_OUT after
 *   timeoutMs, NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR shrank);
 * - acks = 0: no response (NO_RESPONSE); if any partition failed the connection is closed instead
 *   (CloseConnection) so the client refreshes its metadata;
 * - the appends are made synchronously in `handle`; an acks = -1 request then returns
 *   `answerLater` (its answer waits in the purgatory), so the connection reads and appends its next
 *   Produce meanwhile — one connection's appends keep their request order, answers leave in order;
 * - response per partition: baseOffset, logAppendTimeMs (-1 unless LogAppendTime, v2+),
 *   logStartOffset (v5+), recordErrors [] and errorMessage (v8).
 * - authorization (KafkaApis 2.7, only with an authorizer): transactional batches need WRITE on
 *   the request's transactional id, else TRANSACTIONAL_ID_AUTHORIZATION_FAILED everywhere;
 *   idempotent ones IDEMPOTENT_WRITE on the cluster, else CLUSTER_AUTHORIZATION_FAILED
 *   everywhere; each topic needs WRITE, else TOPIC_AUTHORIZATION_FAILED (before any other check).
 */
import { KafkaError } from '../../common/errors.js';
import { INTERNAL_TOPICS, type TopicPartition } from '../../common/topic-partition.js';
import type { AppendEntry, ProduceResult, ReplicaManager } from '../../cluster/replica-manager.js';
import type { PartitionTopicConfig } from '../../cluster/topic-log-config.js';
import { applyRecordPolicies, RecordErrorsException } from '../../log/log-validator.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { ProtocolError } from '../../protocol/errors.js';
import { ProduceRequest, ProduceResponse } from '../../protocol/messages/produce.js';
import { convertLegacyMessageSet, decompressionLimit, firstBatchIsTransactional, peekMagic, producerFlags, validateProduceRecords } from '../../protocol/records/index.js';
import { AclOperation, AclResourceType, CLUSTER_NAME } from '../../common/acl.js';
import type { BrokerDeps } from '../broker-deps.js';
import { answerLater, CloseConnection, NO_RESPONSE, defineHandler, type Handler } from '../handler.js';
import type { RequestContext } from '../request-context.js';

const EMPTY = Buffer.alloc(0);
const ADMIN_CLIENT_ID = '__admin_client';

type PartitionResponse = {
  partitionIndex: number;
  errorCode: number;
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
  recordErrors: { batchIndex: number; batchIndexErrorMessage: string | null }[];
  errorMessage: string | null;
};

function failed(partitionIndex: number, errorCode: number, errorMessage: string | null = null): PartitionResponse {
  return { partitionIndex, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage };
}

/**
 * Checks (and for legacy formats converts) one partition's records, then applies the topic's
 * record policies; returns the bytes to append. Throws ProtocolError / KafkaError.
 */
export function prepareProduceRecords(records: Buffer, apiVersion: number, config: PartitionTopicConfig, tp: TopicPartition, now: number): Buffer {
  const maxBatchSize = config.log.maxMessageBytes;
  if (apiVersion < 3 && records.length > 0 && peekMagic(records) < 2) {
    const converted = convertLegacyMessageSet(records, { maxUncompressedBytes: decompressionLimit(maxBatchSize) });
    if (converted.length > maxBatchSize) {
      throw new ProtocolError(`message set of ${converted.length} bytes exceeds max.message.bytes ${maxBatchSize}`, ErrorCode.MessageTooLarge);
    }
    return applyRecordPolicies(converted, config.log, now, tp);
  }
  validateProduceRecords(records, apiVersion, { maxBatchSize });
  return applyRecordPolicies(records, config.log, now, tp);
}

type ProduceRequestValue = { transactionalId: string | null; topics: ReadonlyArray<{ name: string; partitions: ReadonlyArray<{ records: Buffer | null }> }> };

/** Whole-request checks (transactional id, idempotence), then the topics the principal may write. */
function authorizeProduce(req: ProduceRequestValue, ctx: RequestContext): Set<string> {
  let transactional = false;
  let idempotent = false;
  for (const t of req.topics) {
    for (const p of t.partitions) {
      if (!p.records) continue;
      const f = producerFlags(p.records);
      transactional ||= f.transactional;
      idempotent ||= f.idempotent;
    }
  }
  if (transactional) {
    if (req.transactionalId === null || !ctx.authorize(AclOperation.Write, AclResourceType.TransactionalId, req.transactionalId)) {
      throw new KafkaError(ErrorCode.TransactionalIdAuthorizationFailed);
    }
  } else if (idempotent && !ctx.authorize(AclOperation.IdempotentWrite, AclResourceType.Cluster, CLUSTER_NAME)) {
    throw new KafkaError(ErrorCode.ClusterAuthorizationFailed);
  }
  return ctx.authorizedNames(AclOperation.Write, AclResourceType.Topic, req.topics.map((t) => t.name));
}

export function createProduceHandler(deps: BrokerDeps, replicaManager: ReplicaManager): Handler {
  return defineHandler({
    request: ProduceRequest,
    response: ProduceResponse,
    versions: { min: 0, max: 8 },
    handle(req, ctx) {
      const acks = req.acks;
      const version = ctx.apiVersion;
      const responses = req.topics.map((t) => ({ name: t.name, partitions: new Array<PartitionResponse>(t.partitions.length) }));
      const entries: AppendEntry[] = [];
      const slots: PartitionResponse[][] = [];
      const slotIndex: number[] = [];
      const validAcks = acks === -1 || acks === 0 || acks === 1;
      const now = deps.clock.now();
      if (req.transactionalId === null && req.topics.some((t) => t.partitions.some((p) => firstBatchIsTransactional(p.records)))) {
        if (acks === 0) throw new CloseConnection('transactional records without a transactional id (acks=0)');
        return {
          responses: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => failed(p.partitionIndex, ErrorCode.TransactionalIdAuthorizationFailed)) })),
          throttleTimeMs: 0,
        };
      }
      const writable = ctx.authorizer ? authorizeProduce(req, ctx) : null;
      for (let ti = 0; ti < req.topics.length; ti++) {
        const topic = req.topics[ti]!;
        const out = responses[ti]!.partitions;
        const internalDenied = INTERNAL_TOPICS.has(topic.name) && ctx.clientId !== ADMIN_CLIENT_ID;
        const writeDenied = writable !== null && !writable.has(topic.name);
        for (let pi = 0; pi < topic.partitions.length; pi++) {
          const p = topic.partitions[pi]!;
          const tp = { topic: topic.name, partition: p.partitionIndex };
          if (writeDenied) {
            out[pi] = failed(p.partitionIndex, ErrorCode.TopicAuthorizationFailed);
          } else if (!validAcks) {
            out[pi] = failed(p.partitionIndex, ErrorCode.InvalidRequiredAcks);
          } else if (internalDenied) {
            out[pi] = failed(p.partitionIndex, ErrorCode.InvalidTopicException, `Cannot append to internal topic ${topic.name}`);
          } else if (!deps.metadataCache.partition(tp) && !replicaManager.getPartition(tp)) {
            out[pi] = failed(p.partitionIndex, ErrorCode.UnknownTopicOrPartition);
          } else {
            try {
              const records = prepareProduceRecords(p.records ?? EMPTY, version, replicaManager.topicConfig(topic.name), tp, now);
              entries.push({ tp, records });
              slots.push(out);
              slotIndex.push(pi);
            } catch (err) {
              if (!(err instanceof ProtocolError) && !(err instanceof KafkaError)) throw err;
              out[pi] = failed(p.partitionIndex, err.code, version >= 8 ? err.message : null);
              if (err instanceof RecordErrorsException && version >= 8) {
                out[pi]!.recordErrors = err.recordErrors.map((e) => ({ batchIndex: e.batchIndex, batchIndexErrorMessage: e.message }));
              }
            }
          }
        }
      }
      const answer = (results: readonly ProduceResult[]): { responses: typeof responses; throttleTimeMs: number } | typeof NO_RESPONSE => {
        for (let i = 0; i < results.length; i++) {
          const r = results[i]!;
          slots[i]![slotIndex[i]!] = {
            partitionIndex: r.tp.partition,
            errorCode: r.errorCode,
            baseOffset: r.baseOffset,
            logAppendTimeMs: r.logAppendTime,
            logStartOffset: r.logStartOffset,
            recordErrors: [],
            errorMessage: null,
          };
        }
        if (acks === 0) {
          const failure = responses.find((t) => t.partitions.some((p) => p.errorCode !== ErrorCode.None));
          if (failure) throw new CloseConnection(`acks=0 produce to ${failure.name} failed; closing so the client refreshes metadata`);
          return NO_RESPONSE;
        }
        return { responses, throttleTimeMs: 0 };
      };
      if (entries.length === 0) return answer([]);
      // The appends happen here, synchronously; an acks = -1 answer then waits in the purgatory while the
      // connection goes on with its next request (the next appends come after these).
      const results = replicaManager.appendRecords(entries, acks, req.timeoutMs);
      return results instanceof Promise ? answerLater(results.then(answer)) : answer(results);
    },
    errorResponse: (req, code) => ({
      responses: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => failed(p.partitionIndex, code)) })),
      throttleTimeMs: 0,
    }),
  });
}
