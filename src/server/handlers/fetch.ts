/**
 * Fetch (key 1), versions 0–12 (aesthetics §7.4; protocol.md §6).
 * Behavior:
 * - sessionless only (§6.5): SessionEpoch -1 or 0 is a full fetch, served and answered with
 *   SessionId 0 (a nonzero SessionId there only names a session to close, which we never have);
 *   SessionEpoch > 0 names an incremental session we do not have → top-level
 *   FETCH_SESSION_ID_NOT_FOUND (70), no partitions; the client restarts with a full fetch;
 * - replicaId < 0 = consumer (-2 is Kafka's debugging consumer, the same): read_uncommitted reads below
 *   the high watermark, read_committed (v4+) below the last stable offset; ≥ 0 = follower (reads to
 *   the log end, its fetch offset recorded on the leader);
 * - fetch from the closest replica (KIP-392): a consumer's v11+ fetch carries its rack id and may be
 *   served by a follower (up to the follower's high watermark); before v11 only the leader serves
 *   (NOT_LEADER_OR_FOLLOWER elsewhere). A leader with `replica.selector.class` set answers a partition
 *   that a replica in the client's rack should serve with no records and preferredReadReplica = that
 *   broker (cluster/replica-selector.ts); otherwise preferredReadReplica is -1;
 * - MaxBytes (v3+) capped by `fetch.max.bytes`, MinBytes by MaxBytes; partitions read in request
 *   order, each up to min(PartitionMaxBytes, bytes left); v3+ the first non-empty partition's first
 *   batch is returned whole (KIP-74); v0–v2 limits are hard;
 * - long poll: answered at once when MaxWaitMs ≤ 0, nothing is asked, MinBytes are there, or a
 *   partition failed; otherwise a DelayedFetch waits for appends / HW moves or the deadline;
 * - per partition: highWatermark, lastStableOffset, logStartOffset (all -1 on error),
 *   abortedTransactions null for read_uncommitted, for read_committed (v4+) the aborted
 *   transactions overlapping the returned batches sorted by first offset ([] when none; clients drop
 *   those producers' records up to the ABORT marker and never deliver control records),
 *   preferredReadReplica (above), records = the stored bytes as the log returned them;
 *   UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER, OFFSET_OUT_OF_RANGE, FENCED_LEADER_EPOCH /
 *   UNKNOWN_LEADER_EPOCH (v9+ CurrentLeaderEpoch), KAFKA_STORAGE_ERROR (NOT_LEADER_OR_FOLLOWER ≤ v5).
 * - authorization (KafkaApis 2.7): a follower (replicaId ≥ 0) needs CLUSTER_ACTION on the cluster,
 *   a consumer READ on each topic; denied partitions answer TOPIC_AUTHORIZATION_FAILED and are
 *   not read.
 * Deviation: no down-conversion. A consumer Fetch below v4 cannot read magic-2 batches, so a
 * partition with data answers UNSUPPORTED_VERSION, which is what Kafka answers when
 * down-conversion is needed but `message.downconversion.enable` is false. Followers get v2 data.
 */
import { READ_COMMITTED, type FetchParams, type FetchResult, type ReplicaManager } from '../../cluster/replica-manager.js';
import { AclOperation, AclResourceType, CLUSTER_NAME } from '../../common/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { FetchRequest, FetchResponse } from '../../protocol/messages/fetch.js';
import type { BrokerDeps } from '../broker-deps.js';
import type { FetchPartitionRequest } from '../../purgatory/delayed-fetch.js';
import { defineHandler, type Handler } from '../handler.js';

const EMPTY = Buffer.alloc(0);

type PartitionResponse = {
  partition: number;
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  abortedTransactions: { producerId: number; firstOffset: number }[] | null;
  preferredReadReplica: number;
  recordSet: Buffer;
};
type TopicResponse = { topic: string; partitionResponses: PartitionResponse[] };

function failedPartition(partition: number, errorCode: number): PartitionResponse {
  return {
    partition,
    errorCode,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    abortedTransactions: null,
    preferredReadReplica: -1,
    recordSet: EMPTY,
  };
}

export function createFetchHandler(deps: BrokerDeps, replicaManager: ReplicaManager): Handler {
  const fetchMaxBytes = deps.config.values['fetch.max.bytes'];

  const partitionResponse = (r: FetchResult, version: number, consumer: boolean, readCommitted: boolean): PartitionResponse => {
    let errorCode: number = r.errorCode;
    let records = r.records;
    if (errorCode === ErrorCode.KafkaStorageError && version <= 5) errorCode = ErrorCode.NotLeaderOrFollower;
    if (consumer && version < 4 && records.length > 0) {
      errorCode = ErrorCode.UnsupportedVersion;
      records = EMPTY;
    }
    const ok = errorCode === ErrorCode.None;
    return {
      partition: r.tp.partition,
      errorCode,
      highWatermark: ok ? r.highWatermark : -1,
      lastStableOffset: ok ? r.lastStableOffset : -1,
      logStartOffset: ok ? r.logStartOffset : -1,
      abortedTransactions: readCommitted ? (ok ? (r.abortedTransactions ?? []) : []) : null,
      preferredReadReplica: ok ? r.preferredReadReplica : -1,
      recordSet: records,
    };
  };

  return defineHandler({
    request: FetchRequest,
    response: FetchResponse,
    versions: { min: 0, max: 12 },
    async handle(req, ctx) {
      const version = ctx.apiVersion;
      if (version >= 7 && req.sessionEpoch > 0) {
        return { throttleTimeMs: 0, errorCode: ErrorCode.FetchSessionIdNotFound, sessionId: 0, responses: [] };
      }
      const partitions: FetchPartitionRequest[] = [];
      let readable: ((topic: string) => boolean) | null = null;
      if (ctx.authorizer) {
        if (req.replicaId >= 0) {
          const clusterAction = ctx.authorize(AclOperation.ClusterAction, AclResourceType.Cluster, CLUSTER_NAME);
          readable = () => clusterAction;
        } else {
          const topics = ctx.authorizedNames(AclOperation.Read, AclResourceType.Topic, req.topics.map((t) => t.topic));
          readable = (topic) => topics.has(topic);
        }
      }
      for (const t of req.topics) {
        if (readable && !readable(t.topic)) continue;
        for (const p of t.partitions) {
          partitions.push({
            tp: { topic: t.topic, partition: p.partition },
            fetchOffset: p.fetchOffset,
            partitionMaxBytes: p.partitionMaxBytes,
            currentLeaderEpoch: p.currentLeaderEpoch,
            followerLogStartOffset: p.logStartOffset,
          });
        }
      }
      const maxBytes = version >= 3 ? Math.min(req.maxBytes, fetchMaxBytes) : 0x7fffffff;
      const params: FetchParams = {
        replicaId: req.replicaId,
        maxWaitMs: req.maxWaitMs,
        minBytes: Math.min(req.minBytes, maxBytes),
        maxBytes,
        hardMaxBytesLimit: version <= 2,
        isolationLevel: req.isolationLevel,
        partitions,
        // KIP-392: a consumer's v11+ fetch may be served by a follower, or sent to one
        clientMetadata:
          version >= 11 && req.replicaId < 0
            ? { rackId: req.rackId, clientId: ctx.clientId, clientAddress: ctx.connection.clientAddress, listenerName: ctx.connection.listenerName }
            : null,
      };
      const results = await replicaManager.fetchMessages(params);
      const consumer = req.replicaId < 0;
      const readCommitted = version >= 4 && req.isolationLevel === READ_COMMITTED;
      const responses: TopicResponse[] = [];
      let i = 0;
      for (const t of req.topics) {
        const out: PartitionResponse[] = new Array(t.partitions.length);
        if (readable && !readable(t.topic)) {
          for (let j = 0; j < t.partitions.length; j++) out[j] = failedPartition(t.partitions[j]!.partition, ErrorCode.TopicAuthorizationFailed);
        } else {
          for (let j = 0; j < t.partitions.length; j++) out[j] = partitionResponse(results[i++]!, version, consumer, readCommitted);
        }
        responses.push({ topic: t.topic, partitionResponses: out });
      }
      return { throttleTimeMs: 0, errorCode: ErrorCode.None, sessionId: 0, responses };
    },
    errorResponse: (req, code) => ({
      throttleTimeMs: 0,
      errorCode: code,
      sessionId: 0,
      responses: req.topics.map((t) => ({ topic: t.topic, partitionResponses: t.partitions.map((p) => failedPartition(p.partition, code)) })),
    }),
  });
}
