/**
 * Topic auto-creation as Kafka 2.7's KafkaApis.createTopic / createInternalTopic do it for
 * Metadata (and FindCoordinator for the internal topics):
 * - ordinary topics: `num.partitions` × `default.replication.factor`;
 * - `__consumer_offsets`: offsets.topic.num.partitions × offsets.topic.replication.factor,
 *   compacted, segment.bytes = offsets.topic.segment.bytes, compression.type = producer;
 * - `__transaction_state`: transaction.state.log.* (compacted, min.insync.replicas =
 *   transaction.state.log.min.isr, unclean election off, uncompressed);
 * - an internal topic with fewer live brokers than its replication factor is not created:
 *   COORDINATOR_NOT_AVAILABLE (Metadata answers it as INVALID_REPLICATION_FACTOR);
 * - placement: AdminUtils over the registered brokers read from ZooKeeper, sorted by id (Kafka
 *   reads ZooKeeper here, not the metadata cache), rack-aware only when every broker has a rack
 *   (RackAwareMode.Safe);
 * - success, or a topic created concurrently, answers LEADER_NOT_AVAILABLE: the client retries
 *   until the controller has elected leaders.
 */
import { KafkaError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { validateTopicName } from '../common/topic-partition.js';
import type { BrokerConfig } from '../config/broker-config.js';
import { assignReplicasToBrokers } from '../controller/replica-assignment.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { KafkaZkClient } from '../zk/kafka-zk-client.js';
import { replicaAssignment, type TopicAssignment } from '../zk/znodes.js';

export const GROUP_METADATA_TOPIC = '__consumer_offsets';
export const TRANSACTION_STATE_TOPIC = '__transaction_state';

export interface AutoCreateDeps {
  readonly zk: KafkaZkClient;
  readonly config: BrokerConfig;
  readonly log: Logger;
  readonly random?: () => number;
}

interface TopicPlan {
  partitions: number;
  replicationFactor: number;
  config: Record<string, string>;
  internal: boolean;
}

function planFor(topic: string, config: BrokerConfig): TopicPlan {
  const v = config.values;
  if (topic === GROUP_METADATA_TOPIC) {
    return {
      partitions: v['offsets.topic.num.partitions'],
      replicationFactor: v['offsets.topic.replication.factor'],
      config: { 'cleanup.policy': 'compact', 'segment.bytes': String(v['offsets.topic.segment.bytes']), 'compression.type': 'producer' },
      internal: true,
    };
  }
  if (topic === TRANSACTION_STATE_TOPIC) {
    return {
      partitions: v['transaction.state.log.num.partitions'],
      replicationFactor: v['transaction.state.log.replication.factor'],
      config: {
        'cleanup.policy': 'compact',
        'min.insync.replicas': String(v['transaction.state.log.min.isr']),
        'segment.bytes': String(v['transaction.state.log.segment.bytes']),
        'unclean.leader.election.enable': 'false',
        'compression.type': 'uncompressed',
      },
      internal: true,
    };
  }
  return { partitions: v['num.partitions'], replicationFactor: v['default.replication.factor'], config: {}, internal: false };
}

/** Creates `topic` in ZooKeeper; resolves to the code the requester should see. */
export async function autoCreateTopic(deps: AutoCreateDeps, topic: string): Promise<ErrorCode> {
  try {
    validateTopicName(topic);
    const plan = planFor(topic, deps.config);
    const brokers = (await deps.zk.getAllBrokers()).sort((a, b) => a.id - b.id);
    if (plan.internal && brokers.length < plan.replicationFactor) {
      deps.log.info({ topic, liveBrokers: brokers.length, replicationFactor: plan.replicationFactor }, 'too few brokers to create an internal topic');
      return ErrorCode.CoordinatorNotAvailable;
    }
    const placement = assignReplicasToBrokers(
      brokers.map((b) => ({ id: b.id, rack: b.rack })),
      plan.partitions,
      plan.replicationFactor,
      deps.random ? { random: deps.random } : {},
    );
    const assignment: TopicAssignment = new Map();
    for (const [p, replicas] of placement) assignment.set(p, replicaAssignment(replicas));
    await deps.zk.createTopicAssignment(topic, assignment, plan.config);
    deps.log.info({ topic, partitions: plan.partitions, replicationFactor: plan.replicationFactor }, 'auto-created topic');
    return ErrorCode.LeaderNotAvailable;
  } catch (err) {
    if (err instanceof KafkaError) {
      if (err.code === ErrorCode.TopicAlreadyExists) return ErrorCode.LeaderNotAvailable;
      deps.log.info({ topic, code: err.code, msg: err.message }, 'topic auto-creation failed');
      return err.code;
    }
    deps.log.error({ err, topic }, 'topic auto-creation failed');
    return ErrorCode.UnknownServerError;
  }
}
