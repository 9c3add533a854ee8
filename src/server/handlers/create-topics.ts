/**
 * CreateTopics (key 19), versions 0–6.
 * Behaviour (Kafka 2.7 KafkaApis.handleCreateTopicsRequest + AdminManager.createTopics), per topic,
 * in request order, one topic after the other (so two topics of one request that collide see
 * each other):
 * 1. a name given twice in the request → INVALID_REQUEST on every entry of it;
 * 2. already in the metadata cache → TOPIC_ALREADY_EXISTS;
 * 3. a config with a null value → INVALID_REQUEST; numPartitions/replicationFactor set together
 *    with assignments → INVALID_REQUEST;
 * 4. -1 counts take `num.partitions` / `default.replication.factor`; without assignments replicas
 *    are placed over the metadata cache's live brokers (INVALID_PARTITIONS for a count ≤ 0,
 *    INVALID_REPLICATION_FACTOR for 0 or more than the live brokers);
 * 5. name (INVALID_TOPIC_EXCEPTION), existence in ZooKeeper (TOPIC_ALREADY_EXISTS), `.`/`_`
 *    collision with an existing topic (INVALID_TOPIC_EXCEPTION), assignment shape
 *    (INVALID_REPLICA_ASSIGNMENT: empty or inconsistent replication factor, a broker twice in a
 *    partition, partition ids not 0..n-1, unknown brokers), topic configs (INVALID_CONFIG);
 * 6. validateOnly stops here; otherwise `/config/topics/<t>` then `/brokers/topics/<t>` are written;
 * 7. the answer waits (DelayedCreatePartitions) until every new partition has a live leader in
 *    the metadata cache, or timeoutMs → REQUEST_TIMED_OUT (the topic stays). timeoutMs ≤ 0 answers
 *    at once, and topics created get REQUEST_TIMED_OUT, as in Kafka.
 * - v5+: a successful (or validated) topic carries numPartitions, replicationFactor and its
 *   configs (source, readOnly, sensitive as DescribeConfigs); failures carry -1, -1 and no configs.
 * - authorization (KafkaApis 2.7): CREATE on the cluster allows every topic, else CREATE on each
 *   topic (TOPIC_AUTHORIZATION_FAILED "Authorization failed."); the v5+ description needs
 *   DESCRIBE_CONFIGS on the topic (else -1, -1, no configs).
 * Deviations from Kafka:
 * - any broker answers (the ZooKeeper writes are the same wherever they are made); Kafka 2.7
 *   answers NOT_CONTROLLER on a broker that is not the controller. Clients send it to the
 *   controller anyway, so they see no difference.
 * - explicit assignments naming brokers that are not alive are refused with
 *   INVALID_REPLICA_ASSIGNMENT (Kafka accepts them and the request times out waiting for leaders).
 * - no CreateTopicPolicy, no controller mutation quota (throttleTimeMs 0); the tagged
 *   TopicConfigErrorCode (v5+) is never written (no non-empty tag sections, ARCHITECTURE §9).
 */
import { KafkaError } from '../../common/errors.js';
import { AclOperation, AclResourceType, CLUSTER_NAME } from '../../common/acl.js';
import { topicCollisionKey, validateTopicName } from '../../common/topic-partition.js';
import { describeTopicConfig, validateTopicConfigs } from '../../config/topic-config.js';
import { assignReplicasToBrokers, type Assignment } from '../../controller/replica-assignment.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { CreateTopicsRequest, CreateTopicsResponse } from '../../protocol/messages/create-topics.js';
import type { MessageInput, MessageValue } from '../../protocol/schema.js';
import { replicaAssignment, type TopicAssignment } from '../../zk/znodes.js';
import type { BrokerDeps } from '../broker-deps.js';
import { API_ERROR_NONE, apiError, toApiError, type ApiError, type PendingCreation } from '../delayed-admin.js';
import { defineHandler, type Handler } from '../handler.js';
import { awaitCreations } from './create-partitions.js';

type Topic = MessageValue<typeof CreateTopicsRequest>['topics'][number];
type TopicResult = MessageInput<typeof CreateTopicsResponse>['topics'][number];

/** What a topic came to before the wait: its error, and for v5+ what describes it. */
interface Prepared {
  error: ApiError;
  partitions: number[];
  result: Omit<TopicResult, 'name' | 'errorCode' | 'errorMessage'>;
}

const FAILED = { numPartitions: -1, replicationFactor: -1, configs: [] };

export function createCreateTopicsHandler(deps: BrokerDeps): Handler {
  const defaults = () => ({
    numPartitions: deps.config.values['num.partitions'],
    replicationFactor: deps.config.values['default.replication.factor'],
  });

  /** Validates one topic and, unless validateOnly, writes it; never throws. */
  async function prepare(topic: Topic, validateOnly: boolean): Promise<Prepared> {
    try {
      const assignment = placeOrThrow(topic);
      await validateOrThrow(topic.name, assignment);
      const configs = Object.fromEntries(topic.configs.map((c) => [c.name, c.value as string]));
      const problems = validateTopicConfigs(configs);
      if (problems.length > 0) throw new KafkaError(ErrorCode.InvalidConfig, problems.map((p) => p.message).join('; '));
      const result = {
        numPartitions: assignment.size,
        replicationFactor: assignment.get(0)?.length ?? -1,
        configs: describeTopicConfig(deps.config, configs).map((c) => ({
          name: c.name,
          value: c.value,
          readOnly: c.readOnly,
          configSource: c.configSource,
          isSensitive: c.isSensitive,
        })),
      };
      if (!validateOnly) {
        const zkAssignment: TopicAssignment = new Map([...assignment].map(([p, replicas]) => [p, replicaAssignment(replicas)]));
        await deps.zk.createTopicAssignment(topic.name, zkAssignment, configs);
        deps.log.info({ topic: topic.name, partitions: assignment.size }, 'topic created');
      }
      return { error: API_ERROR_NONE, partitions: [...assignment.keys()], result };
    } catch (err) {
      return { error: toApiError(err, deps.log, `creating topic ${topic.name}`), partitions: [], result: FAILED };
    }
  }

  function placeOrThrow(topic: Topic): Assignment {
    if (deps.metadataCache.hasTopic(topic.name)) {
      throw new KafkaError(ErrorCode.TopicAlreadyExists, `Topic '${topic.name}' already exists.`);
    }
    const nullConfigs = topic.configs.filter((c) => c.value === null).map((c) => c.name);
    if (nullConfigs.length > 0) {
      throw new KafkaError(ErrorCode.InvalidRequest, `Null value not supported for topic configs : ${nullConfigs.join(',')}`);
    }
    if (topic.assignments.length > 0) {
      if (topic.numPartitions !== -1 || topic.replicationFactor !== -1) {
        throw new KafkaError(
          ErrorCode.InvalidRequest,
          'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.',
        );
      }
      const explicit: Assignment = new Map();
      for (const a of topic.assignments) {
        if (explicit.has(a.partitionIndex)) {
          throw new KafkaError(ErrorCode.InvalidReplicaAssignment, `Partition ${a.partitionIndex} is assigned more than once.`);
        }
        explicit.set(a.partitionIndex, a.brokerIds);
      }
      return explicit;
    }
    const d = defaults();
    const brokers = deps.metadataCache.liveBrokers().map((b) => ({ id: b.id, rack: b.rack }));
    return assignReplicasToBrokers(
      brokers,
      topic.numPartitions === -1 ? d.numPartitions : topic.numPartitions,
      topic.replicationFactor === -1 ? d.replicationFactor : topic.replicationFactor,
    );
  }

  /** AdminZkClient.validateTopicCreate, plus the live-broker check (see Deviations). */
  async function validateOrThrow(name: string, assignment: Assignment): Promise<void> {
    validateTopicName(name);
    if (await deps.zk.topicExists(name)) throw new KafkaError(ErrorCode.TopicAlreadyExists, `Topic '${name}' already exists.`);
    if (name.includes('.') || name.includes('_')) {
      const all = await deps.zk.getAllTopics();
      if (all.includes(name)) throw new KafkaError(ErrorCode.TopicAlreadyExists, `Topic '${name}' already exists.`);
      const colliding = all.find((t) => topicCollisionKey(t) === topicCollisionKey(name));
      if (colliding !== undefined) {
        throw new KafkaError(ErrorCode.InvalidTopicException, `Topic '${name}' collides with existing topic: ${colliding}`);
      }
    }
    const invalid = (message: string) => new KafkaError(ErrorCode.InvalidReplicaAssignment, message);
    const lists = [...assignment.values()];
    if (new Set(lists.map((r) => r.length)).size !== 1 || lists.some((r) => r.length === 0)) {
      throw invalid('All partitions should have the same number of replicas');
    }
    for (const [p, replicas] of assignment) {
      if (new Set(replicas).size !== replicas.length) {
        throw invalid(`Duplicate replica assignment found: partition ${p} has replicas ${replicas.join(', ')}`);
      }
    }
    const ids = [...assignment.keys()].sort((a, b) => a - b);
    if (ids.some((p, i) => p !== i)) throw invalid('partitions should be a consecutive 0-based integer sequence');
    const unknown = [...new Set(lists.flat())].filter((b) => !deps.metadataCache.isBrokerAlive(b)).sort((a, b) => a - b);
    if (unknown.length > 0) throw invalid(`Unknown broker(s) in replica assignment: ${unknown.join(', ')}.`);
  }

  return defineHandler({
    request: CreateTopicsRequest,
    response: CreateTopicsResponse,
    versions: { min: 0, max: 6 },
    async handle(req, ctx) {
      const counts = new Map<string, number>();
      for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
      const names = req.topics.map((t) => t.name);
      const creatable = ctx.authorize(AclOperation.Create, AclResourceType.Cluster, CLUSTER_NAME, { logIfDenied: false })
        ? null
        : ctx.authorizedNames(AclOperation.Create, AclResourceType.Topic, names);
      const describable = ctx.authorizedNames(AclOperation.DescribeConfigs, AclResourceType.Topic, names, { logIfDenied: false });
      const prepared: Prepared[] = [];
      for (const topic of req.topics) {
        let p: Prepared;
        if ((counts.get(topic.name) ?? 0) > 1) p = { error: apiError(ErrorCode.InvalidRequest, 'Found multiple entries for this topic.'), partitions: [], result: FAILED };
        else if (creatable && !creatable.has(topic.name)) p = { error: apiError(ErrorCode.TopicAuthorizationFailed, 'Authorization failed.'), partitions: [], result: FAILED };
        else p = await prepare(topic, req.validateOnly);
        prepared.push(describable.has(topic.name) ? p : { ...p, result: FAILED });
      }
      const items: PendingCreation[] = req.topics.map((t, i) => ({
        topic: t.name,
        partitions: prepared[i]?.partitions ?? [],
        error: prepared[i]?.error ?? API_ERROR_NONE,
      }));
      const final = await awaitCreations(deps, req, items);
      return {
        throttleTimeMs: 0,
        topics: req.topics.map((t, i): TopicResult => {
          const error = final[i] ?? API_ERROR_NONE;
          const result = error.code === ErrorCode.None ? (prepared[i]?.result ?? FAILED) : FAILED;
          return { name: t.name, errorCode: error.code, errorMessage: error.message, ...result };
        }),
      };
    },
    errorResponse: (req, code) => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({ name: t.name, errorCode: code, errorMessage: null, ...FAILED })),
    }),
  });
}
