/**
 * The admin operations the gregor tools share (a small slice of Kafka's AdminClient): each sends
 * one request to the node Kafka's admin client would choose (controller for topic changes, any
 * node for metadata and configs, the broker itself for broker resources) and turns error codes
 * into ApiError.
 */
import { INTERNAL_TOPICS } from '../common/topic-partition.js';
import { ConfigSource } from '../config/config-def.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { CreatePartitionsRequest, CreatePartitionsResponse } from '../protocol/messages/create-partitions.js';
import { CreateTopicsRequest, CreateTopicsResponse } from '../protocol/messages/create-topics.js';
import { DeleteTopicsRequest, DeleteTopicsResponse } from '../protocol/messages/delete-topics.js';
import { DescribeConfigsRequest, DescribeConfigsResponse } from '../protocol/messages/describe-configs.js';
import { ListOffsetsRequest, ListOffsetsResponse } from '../protocol/messages/list-offsets.js';
import {
  ListPartitionReassignmentsRequest,
  ListPartitionReassignmentsResponse,
} from '../protocol/messages/list-partition-reassignments.js';
import type { MessageValue } from '../protocol/schema.js';
import { ApiError, throwIfError } from './errors.js';
import type { KafkaClient, MetadataTopic, Target } from './kafka-client.js';

export const ConfigResourceType = { Topic: 2, Broker: 4, BrokerLogger: 8 } as const;

export type DescribedConfigEntry = MessageValue<typeof DescribeConfigsResponse>['results'][number]['configs'][number];

/** Java's ConfigEntry.isDefault(): the value comes from no override at all. */
export function isDefaultConfig(e: DescribedConfigEntry): boolean {
  return e.configSource === ConfigSource.DefaultConfig;
}

/** Topic names (internal ones included unless asked), sorted. */
export async function listTopics(client: KafkaClient, opts: { excludeInternal?: boolean } = {}): Promise<string[]> {
  const md = await client.metadata(null, 'listTopics');
  return md.topics
    .filter((t) => t.errorCode === ErrorCode.None && !(opts.excludeInternal && (t.isInternal || INTERNAL_TOPICS.has(t.name))))
    .map((t) => t.name)
    .sort();
}

/** Metadata of existing topics; a missing one is UNKNOWN_TOPIC_OR_PARTITION. */
export async function describeTopics(client: KafkaClient, topics: readonly string[]): Promise<Map<string, MetadataTopic>> {
  if (topics.length === 0) return new Map();
  const md = await client.metadata(topics, 'describeTopics');
  const out = new Map<string, MetadataTopic>();
  for (const t of md.topics) {
    throwIfError(t.errorCode, t.errorCode === ErrorCode.UnknownTopicOrPartition ? `This server does not host this topic-partition.` : null);
    out.set(t.name, t);
  }
  return out;
}

/** DescribeConfigs of resources sent to `target`; results keyed by resource name. */
export async function describeConfigs(
  client: KafkaClient,
  resourceType: number,
  names: readonly string[],
  target: Target,
  opts: { includeSynonyms?: boolean; keys?: string[] | null } = {},
): Promise<Map<string, DescribedConfigEntry[]>> {
  const res = await client.send({ request: DescribeConfigsRequest, response: DescribeConfigsResponse }, target, {
    resources: names.map((resourceName) => ({ resourceType, resourceName, configurationKeys: opts.keys ?? null })),
    includeSynonyms: opts.includeSynonyms ?? false,
    includeDocumentation: false,
  }, { call: 'describeConfigs' });
  const out = new Map<string, DescribedConfigEntry[]>();
  for (const r of res.results) {
    throwIfError(r.errorCode, r.errorMessage);
    out.set(r.resourceName, r.configs);
  }
  return out;
}

export interface NewTopic {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  /** partition → replicas, when given explicitly */
  assignments?: Map<number, number[]>;
  configs: Map<string, string>;
}

export async function createTopic(client: KafkaClient, t: NewTopic, timeoutMs: number): Promise<void> {
  const res = await client.send({ request: CreateTopicsRequest, response: CreateTopicsResponse }, 'controller', {
    topics: [
      {
        name: t.name,
        numPartitions: t.assignments ? -1 : t.numPartitions,
        replicationFactor: t.assignments ? -1 : t.replicationFactor,
        assignments: [...(t.assignments ?? new Map<number, number[]>())].map(([partitionIndex, brokerIds]) => ({ partitionIndex, brokerIds })),
        configs: [...t.configs].map(([name, value]) => ({ name, value })),
      },
    ],
    timeoutMs,
    validateOnly: false,
  }, { call: 'createTopics' });
  for (const r of res.topics) throwIfError(r.errorCode, r.errorMessage);
}

export async function deleteTopics(client: KafkaClient, topics: readonly string[], timeoutMs: number): Promise<void> {
  const res = await client.send({ request: DeleteTopicsRequest, response: DeleteTopicsResponse }, 'controller', {
    topicNames: [...topics],
    timeoutMs,
  }, { call: 'deleteTopics' });
  for (const r of res.responses) throwIfError(r.errorCode, r.errorMessage ?? null);
}

export async function createPartitions(
  client: KafkaClient,
  topic: string,
  count: number,
  assignments: number[][] | null,
  timeoutMs: number,
): Promise<void> {
  const res = await client.send({ request: CreatePartitionsRequest, response: CreatePartitionsResponse }, 'controller', {
    topics: [{ name: topic, count, assignments: assignments === null ? null : assignments.map((brokerIds) => ({ brokerIds })) }],
    timeoutMs,
    validateOnly: false,
  }, { call: 'createPartitions' });
  for (const r of res.results) throwIfError(r.errorCode, r.errorMessage);
}

export interface PartitionReassignment {
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}

/** Ongoing reassignments (`topic-partition` → state); an old broker without the API gives none. */
export async function listReassignments(client: KafkaClient): Promise<Map<string, PartitionReassignment>> {
  const out = new Map<string, PartitionReassignment>();
  let res;
  try {
    res = await client.send({ request: ListPartitionReassignmentsRequest, response: ListPartitionReassignmentsResponse }, 'controller', {
      timeoutMs: client.timeoutMs,
      topics: null,
    }, { call: 'listPartitionReassignments' });
  } catch (err) {
    if (err instanceof Error && err.name === 'UnsupportedVersionError') return out;
    throw err;
  }
  throwIfError(res.errorCode, res.errorMessage);
  for (const t of res.topics) {
    for (const p of t.partitions) out.set(`${t.name}-${p.partitionIndex}`, p);
  }
  return out;
}

/** ListOffsets timestamps: -1 latest (high watermark), -2 earliest. */
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;

/**
 * Offsets of partitions at `timestamp` (or latest/earliest), each asked of its leader. The result
 * maps `topic-partition` → offset (-1 when no offset matches a timestamp).
 */
export async function listOffsets(
  client: KafkaClient,
  partitions: ReadonlyArray<{ topic: string; partition: number; leader: number }>,
  timestamp: number | ((tp: { topic: string; partition: number }) => number),
  isolationLevel = 0,
): Promise<Map<string, number>> {
  const byLeader = new Map<number, Array<{ topic: string; partition: number }>>();
  for (const p of partitions) {
    if (p.leader < 0) throw new ApiError(ErrorCode.LeaderNotAvailable);
    byLeader.set(p.leader, [...(byLeader.get(p.leader) ?? []), p]);
  }
  const out = new Map<string, number>();
  await Promise.all(
    [...byLeader].map(async ([leader, tps]) => {
      const topics = new Map<string, number[]>();
      for (const tp of tps) topics.set(tp.topic, [...(topics.get(tp.topic) ?? []), tp.partition]);
      const res = await client.send({ request: ListOffsetsRequest, response: ListOffsetsResponse }, leader, {
        replicaId: -1,
        isolationLevel,
        topics: [...topics].map(([name, ps]) => ({
          name,
          partitions: ps.map((partitionIndex) => ({
            partitionIndex,
            currentLeaderEpoch: -1,
            timestamp: typeof timestamp === 'number' ? timestamp : timestamp({ topic: name, partition: partitionIndex }),
            maxNumOffsets: 1,
          })),
        })),
      }, { call: 'listOffsets', minVersion: 1 });
      for (const t of res.topics) {
        for (const p of t.partitions) {
          throwIfError(p.errorCode);
          out.set(`${t.name}-${p.partitionIndex}`, p.offset);
        }
      }
    }),
  );
  return out;
}
