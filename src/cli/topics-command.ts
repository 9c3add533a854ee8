/**
 * `gregor topics`: Kafka 2.7's kafka-topics.sh (TopicCommand), over `--bootstrap-server` (the admin
 * API) or the pre-2.8 `--zookeeper` (writes the znodes itself, as ZookeeperTopicService does).
 *
 * Output, byte for byte as 2.7 prints it:
 * - create: `Created topic <t>.` (plus the metric-name collision WARNING for names with '.' or '_');
 * - list: the names sorted, one per line (admin: joined with "\n" and println'd, so an empty cluster
 *   prints one empty line; ZooKeeper: ` - marked for deletion` appended to topics being deleted);
 * - describe: `Topic: <t>\tPartitionCount: <n>\tReplicationFactor: <rf>\tConfigs: <k=v,...>` (only
 *   non-default entries) and one `\tTopic: <t>\tPartition: <p>\tLeader: <id|none>\tReplicas: <ids>\tIsr: <ids>`
 *   line per partition (`\tAdding Replicas: …\tRemoving Replicas: …` during a reassignment,
 *   `\tMarkedForDeletion: true` in ZooKeeper mode for a topic being deleted); with the admin client the
 *   topics come in java.util.HashMap order, as Kafka prints them;
 * - alter/delete with --bootstrap-server print nothing; with --zookeeper Kafka's notices;
 * - errors: `Error while executing topic command : <message>` (on stderr here), exit 1.
 */
import { createPartitions, createTopic, deleteTopics, describeConfigs, describeTopics, isDefaultConfig, listReassignments, listTopics, ConfigResourceType, type PartitionReassignment } from '../client/admin.js';
import type { KafkaClient, MetadataTopic } from '../client/kafka-client.js';
import { INTERNAL_TOPICS, validateTopicName } from '../common/topic-partition.js';
import { isTopicConfigName, validateTopicConfigs } from '../config/topic-config.js';
import { assignNewPartitions, assignReplicasToBrokers } from '../controller/replica-assignment.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { KafkaZkClient } from '../zk/kafka-zk-client.js';
import { replicaAssignment, type TopicAssignment } from '../zk/znodes.js';
import { adminClient, includeList, javaHashMapOrder, parseKeyValues, runTool, UsageError, zookeeperClient, type ToolIo } from './tool-runtime.js';

export interface TopicsOptions {
  bootstrapServer?: string;
  /** --command-config: client properties (security.protocol, ssl.*, sasl.*) for --bootstrap-server */
  commandConfig?: string;
  zookeeper?: string;
  create?: boolean;
  list?: boolean;
  describe?: boolean;
  alter?: boolean;
  delete?: boolean;
  topic?: string;
  partitions?: number;
  replicationFactor?: number;
  replicaAssignment?: string;
  config?: string[];
  deleteConfig?: string[];
  ifExists?: boolean;
  ifNotExists?: boolean;
  excludeInternal?: boolean;
  underReplicatedPartitions?: boolean;
  unavailablePartitions?: boolean;
  underMinIsrPartitions?: boolean;
  atMinIsrPartitions?: boolean;
  topicsWithOverrides?: boolean;
  timeoutMs?: number;
}

const COLLISION_WARNING =
  "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.";

/** TopicCommand.parseReplicaAssignment: `1:2,2:3` → partition i → brokers. */
export function parseReplicaAssignment(spec: string): Map<number, number[]> {
  const out = new Map<number, number[]>();
  spec.split(',').forEach((part, i) => {
    const brokers = part.split(':').map((s) => {
      const n = Number(s.trim());
      if (s.trim() === '' || !Number.isInteger(n)) throw new Error(`For input string: "${s.trim()}"`);
      return n;
    });
    const dupes = [...new Set(brokers.filter((b, j) => brokers.indexOf(b) !== j))];
    if (dupes.length > 0) throw new Error(`Partition replica lists may not contain duplicate entries: ${dupes.join(',')}`);
    out.set(i, brokers);
    if (brokers.length !== out.get(0)?.length) throw new Error(`Partition ${i} has different replication factor: [I@${brokers.join(',')}`);
  });
  return out;
}

function topicConfigsToAdd(o: TopicsOptions): Map<string, string> {
  const configs = parseKeyValues(o.config, 'topic config');
  const problems = validateTopicConfigs(Object.fromEntries(configs));
  if (problems[0]) throw new Error(problems[0].message);
  return configs;
}

interface PartitionRow {
  partition: number;
  leader: number; // -1 = none
  replicas: number[];
  isr: number[];
  reassignment?: PartitionReassignment;
}

interface TopicRow {
  topic: string;
  configs: Array<[string, string]>;
  /** min.insync.replicas, when known (admin mode) */
  minIsr: number | null;
  markedForDeletion: boolean;
  partitions: PartitionRow[];
}

function replicationFactor(p: PartitionRow): number {
  const r = p.reassignment;
  if (r && p.replicas.some((id) => r.addingReplicas.includes(id) || r.removingReplicas.includes(id))) {
    return r.replicas.filter((id) => !r.addingReplicas.includes(id)).length;
  }
  return p.replicas.length;
}

/** The describe lines of topics (TopicCommand.DescribeOptions and the two printDescription methods). */
export function renderDescribe(rows: readonly TopicRow[], o: TopicsOptions, liveBrokers: ReadonlySet<number>): string {
  const describeConfigs = !o.unavailablePartitions && !o.underReplicatedPartitions && !o.underMinIsrPartitions && !o.atMinIsrPartitions;
  const describePartitions = !o.topicsWithOverrides;
  const out: string[] = [];
  for (const t of rows) {
    const sorted = [...t.partitions].sort((a, b) => a.partition - b.partition);
    const first = sorted[0];
    if (describeConfigs && (!o.topicsWithOverrides || t.configs.length > 0)) {
      const rf = first ? replicationFactor(first) : 0;
      out.push(
        `Topic: ${t.topic}\tPartitionCount: ${sorted.length}\tReplicationFactor: ${rf}\tConfigs: ${t.configs.map(([k, v]) => `${k}=${v}`).join(',')}` +
          (t.markedForDeletion ? '\tMarkedForDeletion: true' : ''),
      );
    }
    if (!describePartitions) continue;
    for (const p of sorted) {
      const hasLeader = p.leader >= 0;
      const underReplicated = replicationFactor(p) - p.isr.length > 0;
      const underMinIsr = !hasLeader || (t.minIsr !== null && p.isr.length < t.minIsr);
      const atMinIsr = t.minIsr !== null && p.isr.length === t.minIsr;
      const unavailable = !hasLeader || !liveBrokers.has(p.leader);
      const show =
        describeConfigs ||
        (o.underReplicatedPartitions && underReplicated) ||
        (o.unavailablePartitions && unavailable) ||
        (o.underMinIsrPartitions && underMinIsr) ||
        (o.atMinIsrPartitions && atMinIsr);
      if (!show) continue;
      let line = `\tTopic: ${t.topic}\tPartition: ${p.partition}\tLeader: ${hasLeader ? p.leader : 'none'}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}`;
      if (p.reassignment) line += `\tAdding Replicas: ${p.reassignment.addingReplicas.join(',')}\tRemoving Replicas: ${p.reassignment.removingReplicas.join(',')}`;
      if (t.markedForDeletion) line += '\tMarkedForDeletion: true';
      out.push(line);
    }
  }
  return out.map((l) => `${l}\n`).join('');
}

function checkArgs(o: TopicsOptions): void {
  const actions = [o.create, o.list, o.alter, o.describe, o.delete].filter(Boolean).length;
  if (actions !== 1) throw new UsageError('Command must include exactly one action: --list, --describe, --create, --alter or --delete');
  if (!o.bootstrapServer && !o.zookeeper) throw new UsageError('Only one of --bootstrap-server or --zookeeper must be specified');
  if (o.bootstrapServer && o.zookeeper) throw new UsageError('Only one of --bootstrap-server or --zookeeper must be specified');
  if ((o.create || o.alter || o.delete) && !o.topic) throw new UsageError(`Missing required argument "[topic]"`);
  if (o.alter && o.bootstrapServer && (o.config || o.deleteConfig)) {
    throw new UsageError('Option "[config]" can\'t be used with option "[bootstrap-server]"');
  }
  if (o.alter && !o.partitions && !o.config && !o.deleteConfig) throw new UsageError('Missing required argument "[partitions]"');
  if (o.ifNotExists && !o.create) throw new UsageError('Option "[if-not-exists]" can\'t be used with option "[alter]", "[delete]", "[describe]" or "[list]"');
  if (o.replicaAssignment && (o.partitions !== undefined || o.replicationFactor !== undefined) && o.create) {
    throw new UsageError('Option "[replica-assignment]" can\'t be used with option "[partitions]" or "[replication-factor]"');
  }
}

export async function runTopics(o: TopicsOptions, io: ToolIo): Promise<number> {
  return runTool(io, 'Error while executing topic command : ', async () => {
    checkArgs(o);
    if (o.zookeeper) {
      const zk = await zookeeperClient(o.zookeeper, o.timeoutMs);
      try {
        await zkTopicCommand(zk, o, io);
      } finally {
        await zk.close();
      }
    } else {
      const client = adminClient(o);
      try {
        await adminTopicCommand(client, o, io);
      } finally {
        await client.close();
      }
    }
  });
}

function ensureTopicExists(found: readonly string[], o: TopicsOptions): void {
  if (o.topic !== undefined && !o.ifExists && found.length === 0) throw new Error(`Topic '${o.topic}' does not exist as expected`);
}

function filterTopics(all: readonly string[], o: TopicsOptions): string[] {
  const allowed = o.topic === undefined ? () => true : includeList(o.topic);
  return all.filter((t) => allowed(t) && !(o.excludeInternal && INTERNAL_TOPICS.has(t)));
}

async function adminTopicCommand(client: KafkaClient, o: TopicsOptions, io: ToolIo): Promise<void> {
  const timeoutMs = o.timeoutMs ?? 30_000;
  if (o.create) {
    const topic = o.topic as string;
    if (o.replicationFactor !== undefined && (o.replicationFactor > 32767 || o.replicationFactor < 1)) {
      throw new Error('The replication factor must be between 1 and 32767 inclusive');
    }
    if (o.partitions !== undefined && o.partitions < 1) throw new Error('The partitions must be greater than 0');
    const configs = topicConfigsToAdd(o);
    if (/[._]/.test(topic)) io.out(`${COLLISION_WARNING}\n`);
    try {
      await createTopic(client, {
        name: topic,
        numPartitions: o.partitions ?? -1,
        replicationFactor: o.replicationFactor ?? -1,
        ...(o.replicaAssignment ? { assignments: parseReplicaAssignment(o.replicaAssignment) } : {}),
        configs,
      }, timeoutMs);
      io.out(`Created topic ${topic}.\n`);
    } catch (err) {
      if (!(o.ifNotExists && err instanceof Error && err.name === 'TOPIC_ALREADY_EXISTS')) throw err;
    }
    return;
  }
  const topics = filterTopics(await listTopics(client), o);
  if (o.list) {
    io.out(`${topics.join('\n')}\n`);
    return;
  }
  ensureTopicExists(topics, o);
  if (o.delete) {
    if (topics.length > 0) await deleteTopics(client, topics, timeoutMs);
    return;
  }
  if (o.alter) {
    const described = await describeTopics(client, topics);
    for (const topic of topics) {
      const count = o.partitions as number;
      let assignments: number[][] | null = null;
      if (o.replicaAssignment) {
        const start = described.get(topic)?.partitions.length ?? 0;
        assignments = [...parseReplicaAssignment(o.replicaAssignment)].filter(([p]) => p >= start).map(([, r]) => r);
      }
      await createPartitions(client, topic, count, assignments, timeoutMs);
    }
    return;
  }
  // describe
  const described = await describeTopics(client, topics);
  const order = javaHashMapOrder(javaHashMapOrder(topics));
  const configs = await describeConfigs(client, ConfigResourceType.Topic, order, 'any');
  const live = new Set(client.brokers.map((b) => b.id));
  const reassignments = await listReassignments(client);
  const rows: TopicRow[] = order.map((topic) => {
    const md = described.get(topic) as MetadataTopic;
    const entries = configs.get(topic) ?? [];
    const minIsr = entries.find((e) => e.name === 'min.insync.replicas')?.value;
    return {
      topic,
      configs: entries.filter((e) => !isDefaultConfig(e)).map((e) => [e.name, e.value ?? 'null'] as [string, string]),
      minIsr: minIsr === undefined || minIsr === null ? null : Number(minIsr),
      markedForDeletion: false,
      partitions: md.partitions.map((p) => {
        const r = reassignments.get(`${topic}-${p.partitionIndex}`);
        return { partition: p.partitionIndex, leader: p.leaderId, replicas: p.replicaNodes, isr: p.isrNodes, ...(r ? { reassignment: r } : {}) };
      }),
    };
  });
  io.out(renderDescribe(rows, o, live));
}

async function zkTopicCommand(zk: KafkaZkClient, o: TopicsOptions, io: ToolIo): Promise<void> {
  if (o.create) {
    const topic = o.topic as string;
    validateTopicName(topic);
    const configs = topicConfigsToAdd(o);
    if (/[._]/.test(topic)) io.out(`${COLLISION_WARNING}\n`);
    let assignment: Map<number, number[]>;
    if (o.replicaAssignment) {
      assignment = parseReplicaAssignment(o.replicaAssignment);
    } else {
      if (o.partitions === undefined) throw new UsageError('Missing required argument "[partitions]"');
      if (o.replicationFactor === undefined) throw new UsageError('Missing required argument "[replication-factor]"');
      const brokers = (await zk.getAllBrokers()).map((b) => ({ id: b.id, rack: b.rack }));
      assignment = assignReplicasToBrokers(brokers, o.partitions, o.replicationFactor);
    }
    try {
      await zk.createTopicAssignment(topic, toZkAssignment(assignment), Object.fromEntries(configs));
      io.out(`Created topic ${topic}.\n`);
    } catch (err) {
      if (!(o.ifNotExists && (err as { code?: number }).code === ErrorCode.TopicAlreadyExists)) throw err;
    }
    return;
  }
  const all = filterTopics((await zk.getAllTopics()).sort(), o);
  const deleting = new Set(await zk.getTopicDeletions());
  if (o.list) {
    for (const t of all) io.out(deleting.has(t) ? `${t} - marked for deletion\n` : `${t}\n`);
    return;
  }
  ensureTopicExists(all, o);
  if (o.delete) {
    for (const t of all) {
      if (INTERNAL_TOPICS.has(t)) throw new Error(`Topic ${t} is a kafka internal topic and is not allowed to be marked for deletion.`);
      if (deleting.has(t)) {
        io.out(`Topic ${t} is already marked for deletion.\n`);
        continue;
      }
      await zk.markTopicForDeletion(t);
      io.out(`Topic ${t} is marked for deletion.\nNote: This will have no impact if delete.topic.enable is not set to true.\n`);
    }
    return;
  }
  if (o.alter) {
    for (const t of all) {
      if (o.config || o.deleteConfig) {
        io.out('WARNING: Altering topic configuration from this script has been deprecated and may be removed in future releases.\n');
        io.out('         Going forward, please use kafka-configs.sh for this functionality\n');
        const configs = await zk.getTopicConfig(t);
        for (const [k, v] of topicConfigsToAdd(o)) configs[k] = v;
        for (const k of o.deleteConfig ?? []) {
          if (!isTopicConfigName(k.trim())) throw new Error(`Unknown topic config name: ${k.trim()}`);
          delete configs[k.trim()];
        }
        await zk.changeTopicConfig(t, configs);
        io.out(`Updated config for topic ${t}.\n`);
      }
      if (o.partitions !== undefined) {
        if (t === '__consumer_offsets') throw new Error('The number of partitions for the offsets topic cannot be changed.');
        io.out('WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the messages will be affected\n');
        const current = await zk.getTopicAssignment(t);
        if (!current) throw new Error(`The topic '${t}' does not exist.`);
        const existing = new Map([...current.assignment].map(([p, a]) => [p, a.replicas]));
        let added: Map<number, number[]>;
        if (o.replicaAssignment) {
          added = new Map([...parseReplicaAssignment(o.replicaAssignment)].filter(([p]) => p >= existing.size));
          if (existing.size + added.size !== o.partitions) throw new Error(`Increasing the number of partitions by ${o.partitions - existing.size} but ${added.size} assignments provided.`);
        } else {
          const brokers = (await zk.getAllBrokers()).map((b) => ({ id: b.id, rack: b.rack }));
          added = assignNewPartitions(brokers, existing, o.partitions);
        }
        const next = new Map(current.assignment);
        for (const [p, r] of added) next.set(p, replicaAssignment(r));
        if ((await zk.setTopicAssignment(null, t, next, current.zkVersion)) === null) throw new Error(`Topic ${t} was changed concurrently; retry.`);
        io.out('Adding partitions succeeded!\n');
      }
    }
    return;
  }
  // describe
  const live = new Set(await zk.getBrokerIds());
  const rows: TopicRow[] = [];
  for (const topic of all) {
    const a = await zk.getTopicAssignment(topic);
    if (!a) continue;
    const config = await zk.getTopicConfig(topic);
    const parts = [...a.assignment].sort((x, y) => x[0] - y[0]);
    const states = await zk.getPartitionStates(parts.map(([partition]) => ({ topic, partition })));
    rows.push({
      topic,
      configs: Object.entries(config),
      minIsr: null,
      markedForDeletion: deleting.has(topic),
      partitions: parts.map(([partition, ra], i) => {
        const s = states[i]?.current?.state;
        const leader = s && live.has(s.leader) ? s.leader : -1;
        return { partition, leader, replicas: ra.replicas, isr: s?.isr ?? [] };
      }),
    });
  }
  io.out(renderDescribe(rows, o, live));
}

function toZkAssignment(a: Map<number, number[]>): TopicAssignment {
  return new Map([...a].map(([p, r]) => [p, replicaAssignment(r)]));
}
