/**
 * `gregor reassign-partitions`: Kafka 2.7's kafka-reassign-partitions.sh (ReassignPartitionsCommand after
 * KIP-455) over the admin API, with Kafka's JSON files:
 *
 * - `--generate --topics-to-move-json-file f --broker-list 0,1`: `Current partition replica assignment`
 *   and `Proposed partition reassignment configuration`, each followed by its JSON (Kafka's rack-aware
 *   placement over the given brokers);
 * - `--execute --reassignment-json-file f [--additional] [--throttle B] [--timeout ms]`: prints the current
 *   assignment (`Save this to use as the --reassignment-json-file option during rollback`), starts the
 *   reassignment with AlterPartitionReassignments (`Successfully started partition reassignment(s) for …`),
 *   then the `log_dirs` moves with AlterReplicaLogDirs (`Successfully started log directory move(s) for: …`),
 *   retried until the replica exists on its new broker or the timeout passes. `--throttle` stores Kafka's
 *   throttle configs (leader/follower.replication.throttled.rate on the brokers,
 *   *.replication.throttled.replicas on the topics); gregor does not enforce replication throttles;
 * - `--verify --reassignment-json-file f`: `Status of partition reassignment:` with one line per partition
 *   (complete / still in progress / replica set differs) and, for `log_dirs`, one per replica (moved /
 *   being moved from dir to dir); when everything is done the throttles are cleared (unless
 *   `--preserve-throttles`).
 */
import { readFile } from 'node:fs/promises';
import { listReassignments } from '../client/admin.js';
import { throwIfError } from '../client/errors.js';
import type { KafkaClient } from '../client/kafka-client.js';
import { assignReplicasToBrokers } from '../controller/replica-assignment.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse } from '../protocol/messages/alter-partition-reassignments.js';
import { AlterReplicaLogDirsRequest, AlterReplicaLogDirsResponse } from '../protocol/messages/alter-replica-log-dirs.js';
import { ConfigOperation, IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../protocol/messages/incremental-alter-configs.js';
import { describeLogDirs } from './log-dirs-command.js';
import { adminClient, runTool, UsageError, type ToolIo } from './tool-runtime.js';

export interface ReassignOptions {
  bootstrapServer?: string;
  /** --command-config: client properties (security.protocol, ssl.*, sasl.*) for --bootstrap-server */
  commandConfig?: string;
  generate?: boolean;
  execute?: boolean;
  verify?: boolean;
  topicsToMoveJsonFile?: string;
  reassignmentJsonFile?: string;
  brokerList?: string;
  additional?: boolean;
  throttle?: number;
  replicaAlterLogDirsThrottle?: number;
  timeout?: number;
  preserveThrottles?: boolean;
  disableRackAware?: boolean;
}

export interface PartitionMove {
  topic: string;
  partition: number;
  replicas: number[];
  /** 'any' or an absolute log dir, per replica */
  logDirs: string[];
}

const ANY = 'any';
const sortMoves = <T extends { topic: string; partition: number }>(xs: T[]) =>
  xs.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));

/** Kafka's formatAsReassignmentJson. */
export function reassignmentJson(moves: readonly PartitionMove[]): string {
  return JSON.stringify({
    version: 1,
    partitions: sortMoves([...moves]).map((m) => ({ topic: m.topic, partition: m.partition, replicas: m.replicas, log_dirs: m.logDirs })),
  });
}

/** Kafka's parsePartitionReassignmentData with its validations. */
export function parseReassignmentJson(text: string): PartitionMove[] {
  let parsed: { version?: unknown; partitions?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch (err) {
    throw new Error(`Unable to parse the reassignment JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed.partitions)) throw new Error('Partition reassignment data is missing "partitions" field');
  const moves = parsed.partitions.map((p: { topic?: unknown; partition?: unknown; replicas?: unknown; log_dirs?: unknown }) => {
    if (typeof p.topic !== 'string' || !Number.isInteger(p.partition) || !Array.isArray(p.replicas)) throw new Error(`Invalid partition reassignment entry ${JSON.stringify(p)}`);
    const replicas = p.replicas as number[];
    const logDirs = Array.isArray(p.log_dirs) ? (p.log_dirs as string[]) : replicas.map(() => ANY);
    if (logDirs.length !== replicas.length) {
      throw new Error(`Size of replicas list ${JSON.stringify(replicas)} is different from size of log dirs list ${JSON.stringify(logDirs)} for partition ${p.topic}-${p.partition as number}`);
    }
    return { topic: p.topic, partition: p.partition as number, replicas, logDirs };
  });
  if (moves.length === 0) throw new Error('Partition reassignment list cannot be empty');
  const keys = moves.map((m) => `${m.topic}-${m.partition}`);
  if (new Set(keys).size !== keys.length) throw new Error(`Reassignment JSON file contains duplicate topic partitions: ${[...new Set(keys.filter((k, i) => keys.indexOf(k) !== i))].join(',')}`);
  for (const m of moves) {
    if (new Set(m.replicas).size !== m.replicas.length) throw new Error(`Reassignment JSON file contains duplicate replicas: ${m.topic}-${m.partition}`);
    if (m.replicas.length === 0) throw new Error(`Partition replica list cannot be empty for ${m.topic}-${m.partition}`);
  }
  return moves;
}

export async function runReassignPartitions(o: ReassignOptions, io: ToolIo): Promise<number> {
  return runTool(io, 'Error: ', async () => {
    if ([o.generate, o.execute, o.verify].filter(Boolean).length !== 1) throw new UsageError('Command must include exactly one action: --generate, --execute, --verify, --cancel, --list');
    const client = adminClient({ ...o, timeoutMs: 30_000 }, 'gregor-reassign-partitions');
    try {
      if (o.generate) return await generate(client, o, io);
      if (!o.reassignmentJsonFile) throw new UsageError('Missing required argument "[reassignment-json-file]"');
      const moves = parseReassignmentJson(await readFile(o.reassignmentJsonFile, 'utf8'));
      if (o.execute) return await execute(client, moves, o, io);
      return await verify(client, moves, o, io);
    } finally {
      await client.close();
    }
  });
}

async function currentAssignment(client: KafkaClient, topics: readonly string[]): Promise<Map<string, number[]>> {
  const md = await client.metadata(topics, 'describeTopics');
  const out = new Map<string, number[]>();
  for (const t of md.topics) {
    throwIfError(t.errorCode, t.errorCode === ErrorCode.UnknownTopicOrPartition ? `Topic ${t.name} not found.` : null);
    for (const p of t.partitions) out.set(`${t.name}-${p.partitionIndex}`, p.replicaNodes);
  }
  return out;
}

async function generate(client: KafkaClient, o: ReassignOptions, io: ToolIo): Promise<number> {
  if (!o.topicsToMoveJsonFile || !o.brokerList) throw new UsageError('Missing required argument "[topics-to-move-json-file], [broker-list]"');
  const spec = JSON.parse(await readFile(o.topicsToMoveJsonFile, 'utf8')) as { topics?: Array<{ topic?: string }> };
  const topics = (spec.topics ?? []).map((t) => t.topic).filter((t): t is string => typeof t === 'string');
  if (topics.length === 0) throw new Error('List of topics to reassign contains no topics');
  const brokerIds = o.brokerList.split(',').map((s) => Number(s.trim()));
  if (new Set(brokerIds).size !== brokerIds.length) throw new Error(`Broker list contains duplicate entries: ${o.brokerList}`);
  const md = await client.metadata(topics, 'describeTopics');
  const racks = new Map(md.brokers.map((b) => [b.id, b.rack]));
  const current: PartitionMove[] = [];
  const proposed: PartitionMove[] = [];
  for (const t of md.topics) {
    throwIfError(t.errorCode);
    const parts = [...t.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex);
    for (const p of parts) current.push({ topic: t.name, partition: p.partitionIndex, replicas: p.replicaNodes, logDirs: p.replicaNodes.map(() => ANY) });
    const rf = parts[0]?.replicaNodes.length ?? 1;
    const placement = brokerIds.map((id) => ({ id, rack: o.disableRackAware ? null : (racks.get(id) ?? null) }));
    for (const [partition, replicas] of assignReplicasToBrokers(placement, parts.length, rf)) {
      proposed.push({ topic: t.name, partition, replicas, logDirs: replicas.map(() => ANY) });
    }
  }
  io.out(`Current partition replica assignment\n${reassignmentJson(current)}\n\n`);
  io.out(`Proposed partition reassignment configuration\n${reassignmentJson(proposed)}\n`);
  return 0;
}

async function setThrottles(client: KafkaClient, moves: readonly PartitionMove[], current: Map<string, number[]>, o: ReassignOptions, io: ToolIo): Promise<void> {
  const brokers = [...new Set(moves.flatMap((m) => [...m.replicas, ...(current.get(`${m.topic}-${m.partition}`) ?? [])]))].sort((a, b) => a - b);
  const rate = String(o.throttle);
  for (const id of brokers) {
    await alterConfigs(client, 4, String(id), id, [
      ['leader.replication.throttled.rate', rate],
      ['follower.replication.throttled.rate', rate],
      ...(o.replicaAlterLogDirsThrottle !== undefined ? [['replica.alter.log.dirs.io.max.bytes.per.second', String(o.replicaAlterLogDirsThrottle)] as [string, string]] : []),
    ]);
  }
  const byTopic = new Map<string, { leaders: string[]; followers: string[] }>();
  for (const m of moves) {
    const cur = current.get(`${m.topic}-${m.partition}`) ?? [];
    const t = byTopic.get(m.topic) ?? { leaders: [], followers: [] };
    t.leaders.push(...cur.map((b) => `${m.partition}:${b}`));
    t.followers.push(...m.replicas.filter((b) => !cur.includes(b)).map((b) => `${m.partition}:${b}`));
    byTopic.set(m.topic, t);
  }
  for (const [topic, t] of byTopic) {
    await alterConfigs(client, 2, topic, 'any', [
      ['leader.replication.throttled.replicas', t.leaders.join(',')],
      ['follower.replication.throttled.replicas', t.followers.join(',')],
    ]);
  }
  io.out('Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.\n');
  io.out(`The inter-broker throttle limit was set to ${rate} B/s\n`);
}

async function alterConfigs(client: KafkaClient, resourceType: number, resourceName: string, target: number | 'any', set: Array<[string, string]>, remove: string[] = []): Promise<void> {
  const res = await client.send({ request: IncrementalAlterConfigsRequest, response: IncrementalAlterConfigsResponse }, target, {
    resources: [
      {
        resourceType,
        resourceName,
        configs: [
          ...set.map(([name, value]) => ({ name, configOperation: ConfigOperation.Set, value })),
          ...remove.map((name) => ({ name, configOperation: ConfigOperation.Delete, value: null })),
        ],
      },
    ],
    validateOnly: false,
  }, { call: 'incrementalAlterConfigs' });
  for (const r of res.responses) throwIfError(r.errorCode, r.errorMessage);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function execute(client: KafkaClient, moves: PartitionMove[], o: ReassignOptions, io: ToolIo): Promise<number> {
  const current = await currentAssignment(client, [...new Set(moves.map((m) => m.topic))]);
  for (const m of moves) if (!current.has(`${m.topic}-${m.partition}`)) throw new Error(`Topic ${m.topic} not found.`);
  const brokers = new Set((await client.metadata([], 'describeCluster')).brokers.map((b) => b.id));
  const unknown = [...new Set(moves.flatMap((m) => m.replicas).filter((b) => !brokers.has(b)))];
  if (unknown.length > 0) throw new Error(`Unknown broker id(s) ${unknown.join(',')}`);
  if (!o.additional && (await listReassignments(client)).size > 0) {
    throw new Error('Cannot execute because there is an existing partition assignment.  Use --additional to override this and create a new partition assignment in addition to the existing one.');
  }
  const rollback = moves.map((m) => {
    const replicas = current.get(`${m.topic}-${m.partition}`) ?? [];
    return { topic: m.topic, partition: m.partition, replicas, logDirs: replicas.map(() => ANY) };
  });
  io.out(`Current partition replica assignment\n\n${reassignmentJson(rollback)}\n\nSave this to use as the --reassignment-json-file option during rollback\n`);
  if (o.throttle !== undefined && o.throttle >= 0) await setThrottles(client, moves, current, o, io);
  const byTopic = new Map<string, PartitionMove[]>();
  for (const m of moves) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), m]);
  const res = await client.send({ request: AlterPartitionReassignmentsRequest, response: AlterPartitionReassignmentsResponse }, 'controller', {
    timeoutMs: 60_000,
    topics: [...byTopic].map(([name, ms]) => ({ name, partitions: ms.map((m) => ({ partitionIndex: m.partition, replicas: m.replicas })) })),
  }, { call: 'alterPartitionReassignments' });
  throwIfError(res.errorCode, res.errorMessage);
  const failures = res.responses.flatMap((t) => t.partitions.filter((p) => p.errorCode !== ErrorCode.None).map((p) => `${t.name}-${p.partitionIndex}: ${p.errorMessage ?? p.errorCode}`));
  if (failures.length > 0) throw new Error(`Error reassigning partition(s):\n${failures.join('\n')}`);
  const tps = sortMoves([...moves]).map((m) => `${m.topic}-${m.partition}`);
  io.out(`Successfully started partition reassignment${tps.length === 1 ? '' : 's'} for ${tps.join(',')}\n`);
  const dirMoves = sortMoves(moves.flatMap((m) => m.replicas.map((broker, i) => ({ topic: m.topic, partition: m.partition, broker, dir: m.logDirs[i] as string })).filter((r) => r.dir !== ANY)));
  if (dirMoves.length > 0) {
    await startLogDirMoves(client, dirMoves, o.timeout ?? 10_000);
    io.out(`Successfully started log directory move${dirMoves.length === 1 ? '' : 's'} for: ${dirMoves.map((r) => `${r.topic}-${r.partition}-${r.broker}`).join(',')}\n`);
  }
  return 0;
}

/** ReassignPartitionsCommand.executeMoves: AlterReplicaLogDirs per broker until every replica exists there. */
async function startLogDirMoves(client: KafkaClient, moves: Array<{ topic: string; partition: number; broker: number; dir: string }>, timeoutMs: number): Promise<void> {
  let pending = moves;
  const deadline = Date.now() + timeoutMs;
  while (pending.length > 0) {
    const retry: typeof moves = [];
    for (const broker of new Set(pending.map((m) => m.broker))) {
      const mine = pending.filter((m) => m.broker === broker);
      const byDir = new Map<string, Map<string, number[]>>();
      for (const m of mine) {
        const topics = byDir.get(m.dir) ?? new Map<string, number[]>();
        topics.set(m.topic, [...(topics.get(m.topic) ?? []), m.partition]);
        byDir.set(m.dir, topics);
      }
      const res = await client.send({ request: AlterReplicaLogDirsRequest, response: AlterReplicaLogDirsResponse }, broker, {
        dirs: [...byDir].map(([path, topics]) => ({ path, topics: [...topics].map(([name, partitions]) => ({ name, partitions })) })),
      }, { call: 'alterReplicaLogDirs' });
      for (const t of res.results) {
        for (const p of t.partitions) {
          const m = mine.find((x) => x.topic === t.topicName && x.partition === p.partitionIndex) as (typeof moves)[number];
          if (p.errorCode === ErrorCode.NotLeaderOrFollower || p.errorCode === ErrorCode.ReplicaNotAvailable) retry.push(m);
          else throwIfError(p.errorCode, `Failed to move ${t.topicName}-${p.partitionIndex} on broker ${broker} to ${m.dir}: ${ErrorCode.LogDirNotFound === p.errorCode ? 'The user-specified log directory is not found in the broker config.' : `error code ${p.errorCode}`}`);
        }
      }
    }
    pending = retry;
    if (pending.length === 0) break;
    if (Date.now() > deadline) throw new Error(`Timed out before log directory moves could be started for ${pending.map((m) => `${m.topic}-${m.partition}-${m.broker}`).join(',')}`);
    await sleep(100);
  }
}

async function verify(client: KafkaClient, moves: PartitionMove[], o: ReassignOptions, io: ToolIo): Promise<number> {
  const ongoing = await listReassignments(client);
  const current = await currentAssignment(client, [...new Set(moves.map((m) => m.topic))]);
  const lines = ['Status of partition reassignment:'];
  let done = true;
  for (const m of sortMoves([...moves])) {
    const tp = `${m.topic}-${m.partition}`;
    const cur = current.get(tp) ?? [];
    if (ongoing.has(tp)) {
      done = false;
      lines.push(`Reassignment of partition ${tp} is still in progress.`);
    } else if (cur.join(',') === m.replicas.join(',')) lines.push(`Reassignment of partition ${tp} is complete.`);
    else lines.push(`There is no active reassignment of partition ${tp}, but replica set is ${cur.join(',')} rather than ${m.replicas.join(',')}.`);
  }
  io.out(`${lines.join('\n')}\n`);
  const dirMoves = sortMoves(moves.flatMap((m) => m.replicas.map((broker, i) => ({ topic: m.topic, partition: m.partition, broker, dir: m.logDirs[i] as string })).filter((r) => r.dir !== ANY)));
  if (dirMoves.length > 0) {
    const info = await describeLogDirs(client, [...new Set(dirMoves.map((r) => r.broker))]);
    const out = ['', 'Reassignment of replica log directories:'];
    for (const r of dirMoves) {
      const dirs = info.get(r.broker) ?? new Map();
      let currentDir: string | null = null;
      let futureDir: string | null = null;
      for (const [dir, d] of dirs) {
        for (const x of d.replicas) {
          if (x.topic !== r.topic || x.partition !== r.partition) continue;
          if (x.isFuture) futureDir = dir;
          else currentDir = dir;
        }
      }
      const name = `${r.topic}-${r.partition}`;
      if (currentDir === null) {
        done = false;
        out.push(`Partition ${name} is not found in any live log dir on broker ${r.broker}. There is likely an offline log directory on the broker.`);
      } else if (futureDir !== null) {
        done = false;
        out.push(futureDir === r.dir
          ? `Partition ${name} is being moved from log dir ${currentDir} to ${r.dir} on broker ${r.broker}.`
          : `Partition ${name} on broker ${r.broker} is being moved to log dir ${futureDir} instead of ${r.dir}.`);
      } else if (currentDir === r.dir) out.push(`Reassignment of replica ${name}-${r.broker} completed successfully.`);
      else {
        done = false;
        out.push(`Partition ${name} on broker ${r.broker} is not being moved from log dir ${currentDir} to ${r.dir}.`);
      }
    }
    io.out(`${out.join('\n')}\n`);
  }
  if (done && !o.preserveThrottles) {
    const brokers = (await client.metadata([], 'describeCluster')).brokers.map((b) => b.id).sort((a, b) => a - b);
    for (const id of brokers) {
      await alterConfigs(client, 4, String(id), id, [], ['leader.replication.throttled.rate', 'follower.replication.throttled.rate', 'replica.alter.log.dirs.io.max.bytes.per.second']);
    }
    io.out(`Clearing broker-level throttles on broker${brokers.length === 1 ? '' : 's'} ${brokers.join(',')}\n`);
    const topics = [...new Set(moves.map((m) => m.topic))].sort();
    for (const t of topics) await alterConfigs(client, 2, t, 'any', [], ['leader.replication.throttled.replicas', 'follower.replication.throttled.replicas']);
    io.out(`Clearing topic-level throttles on topic${topics.length === 1 ? '' : 's'} ${topics.join(',')}\n`);
  }
  return 0;
}
