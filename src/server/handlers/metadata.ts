/**
 * Metadata (key 3), versions 0–9 (protocol.md §7).
 * Behavior:
 * - brokers: the live brokers of the metadata cache that have an endpoint on the listener the
 *   request arrived on, with that endpoint's host/port; rack from v1; cluster id v2+; controller
 *   id v1+ (-1 when unknown);
 * - topics: all cached topics when the list is null (v1+) or empty (v0); otherwise the listed
 *   ones, in request order, duplicates once;
 * - a listed topic not in the cache: invalid name → INVALID_TOPIC_EXCEPTION; auto-creation
 *   allowed (v0–v3 always, v4+ AllowAutoTopicCreation) and `auto.create.topics.enable` → created
 *   in ZooKeeper (cluster/auto-topic-creation.ts), answered LEADER_NOT_AVAILABLE with no
 *   partitions (internal topics with too few brokers: INVALID_REPLICATION_FACTOR); otherwise
 *   UNKNOWN_TOPIC_OR_PARTITION;
 * - isInternal for `__consumer_offsets` and `__transaction_state`; partition entries and their
 *   errors come from MetadataCache.partitionMetadata (v0 filters dead replicas);
 * - authorization (KafkaApis 2.7): a topic the principal may not DESCRIBE is left out of an
 *   all-topics answer and answered TOPIC_AUTHORIZATION_FAILED (not a word on whether it exists)
 *   when listed; a missing topic that would be auto-created needs CREATE on the cluster or on the
 *   topic, else TOPIC_AUTHORIZATION_FAILED;
 * - authorized operations (v8+): INT32_MIN unless asked for; the cluster's when asked and the
 *   principal may DESCRIBE the cluster (0 otherwise); each answered topic's when asked — the
 *   operations the principal holds, all of them when no authorizer is configured.
 */
import { childLogger } from '../../common/logger.js';
import { INTERNAL_TOPICS, validateTopicName } from '../../common/topic-partition.js';
import { AclOperation, AclResourceType, CLUSTER_NAME } from '../../common/acl.js';
import { autoCreateTopic } from '../../cluster/auto-topic-creation.js';
import { KafkaError } from '../../common/errors.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { AUTHORIZED_OPERATIONS_OMITTED, MetadataRequest, MetadataResponse } from '../../protocol/messages/metadata.js';
import type { MessageInput } from '../../protocol/schema.js';
import type { BrokerDeps } from '../broker-deps.js';
import { defineHandler, type Handler } from '../handler.js';

type TopicEntry = MessageInput<typeof MetadataResponse>['topics'][number];

export interface MetadataHandlerOptions {
  /** injected randomness for replica placement of auto-created topics */
  random?: () => number;
}

export function createMetadataHandler(deps: BrokerDeps, opts: MetadataHandlerOptions = {}): Handler {
  const log = childLogger(deps.log, 'metadata');
  const autoCreateEnabled = deps.config.values['auto.create.topics.enable'];
  const autoDeps = { zk: deps.zk, config: deps.config, log, ...(opts.random ? { random: opts.random } : {}) };

  const topicEntry = (name: string, errorCode: number, version: number, listener: string): TopicEntry => ({
    errorCode,
    name,
    isInternal: INTERNAL_TOPICS.has(name),
    partitions: errorCode === ErrorCode.None ? deps.metadataCache.partitionMetadata(name, listener, version) : [],
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  });

  return defineHandler({
    request: MetadataRequest,
    response: MetadataResponse,
    versions: { min: 0, max: 9 },
    async handle(req, ctx) {
      const version = ctx.apiVersion;
      const listener = ctx.connection.listenerName;
      const cache = deps.metadataCache;
      const allTopics = req.topics === null || (version === 0 && req.topics.length === 0);
      const allowAutoCreate = (version < 4 || req.allowAutoTopicCreation) && autoCreateEnabled;
      let topics: TopicEntry[];
      const denied = (name: string, internal = false): TopicEntry => ({ ...topicEntry(name, ErrorCode.TopicAuthorizationFailed, version, listener), isInternal: internal });
      if (allTopics) {
        const all = cache.topicNames();
        const describable = ctx.authorizedNames(AclOperation.Describe, AclResourceType.Topic, all, { logIfDenied: false });
        topics = all.filter((n) => describable.has(n)).map((name) => topicEntry(name, ErrorCode.None, version, listener));
      } else {
        const names = [...new Set((req.topics ?? []).map((t) => t.name))];
        const describable = ctx.authorizedNames(AclOperation.Describe, AclResourceType.Topic, names);
        let mayCreateAny: boolean | undefined;
        const mayCreate = (name: string): boolean => {
          mayCreateAny ??= ctx.authorize(AclOperation.Create, AclResourceType.Cluster, CLUSTER_NAME, { logIfDenied: false });
          return mayCreateAny || ctx.authorize(AclOperation.Create, AclResourceType.Topic, name);
        };
        topics = await Promise.all(
          names.map(async (name): Promise<TopicEntry> => {
            if (!describable.has(name)) return denied(name);
            if (cache.hasTopic(name)) return topicEntry(name, ErrorCode.None, version, listener);
            try {
              validateTopicName(name);
            } catch (err) {
              return topicEntry(name, err instanceof KafkaError ? err.code : ErrorCode.InvalidTopicException, version, listener);
            }
            if (!allowAutoCreate) return topicEntry(name, ErrorCode.UnknownTopicOrPartition, version, listener);
            if (!mayCreate(name)) return denied(name, INTERNAL_TOPICS.has(name));
            let code = await autoCreateTopic(autoDeps, name);
            if (code === ErrorCode.CoordinatorNotAvailable) code = ErrorCode.InvalidReplicationFactor;
            return topicEntry(name, code, version, listener);
          }),
        );
      }
      const brokers = cache.liveBrokers().flatMap((b) => {
        const ep = b.endpoints.find((e) => e.listenerName === listener);
        return ep ? [{ nodeId: b.id, host: ep.host, port: ep.port, rack: b.rack }] : [];
      });
      if (version >= 8 && req.includeTopicAuthorizedOperations) {
        for (const t of topics) if (t.errorCode !== ErrorCode.TopicAuthorizationFailed) t.topicAuthorizedOperations = ctx.authorizedOperations(AclResourceType.Topic, t.name as string);
      }
      let clusterAuthorizedOperations = AUTHORIZED_OPERATIONS_OMITTED;
      if (version >= 8 && req.includeClusterAuthorizedOperations) {
        clusterAuthorizedOperations = ctx.authorize(AclOperation.Describe, AclResourceType.Cluster, CLUSTER_NAME)
          ? ctx.authorizedOperations(AclResourceType.Cluster, CLUSTER_NAME)
          : 0;
      }
      return {
        throttleTimeMs: 0,
        brokers,
        clusterId: deps.clusterId,
        controllerId: cache.controllerId,
        topics,
        clusterAuthorizedOperations,
      };
    },
  });
}
