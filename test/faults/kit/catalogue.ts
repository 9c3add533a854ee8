/**
 * What the catalogue's test files share: the cluster they run on, the `it` per row, the summary printed at the end,
 * and the small moves rows are made of (who leads, kill and bring back, probe a zombie).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TopicPartition } from '../../../src/common/topic-partition.js';
import { BrokerClient } from '../../../src/network/client.js';
import { ProduceRequest, ProduceResponse } from '../../../src/protocol/messages/produce.js';
import { buildRecordBatch } from '../../../src/protocol/records/index.js';
import { startCluster, type Cluster, type StartClusterOptions } from '../../harness/cluster.js';
import { kafkaClients, type KafkaClients } from '../../harness/clients.js';
import { waitForMetadataReady } from '../../harness/verifiable.js';
import { ROUNDS, rowProblems, rowReport, runRow, type FaultRow, type RoundContext, type RowResult } from './round.js';

/** Timing for 2 cores (reliability.md §6.2). */
export const SESSION_MS = 6000;
export const CATALOGUE_CONFIG = {
  'zookeeper.session.timeout.ms': SESSION_MS,
  'replica.lag.time.max.ms': 5000,
  'auto.leader.rebalance.enable': false,
  'unclean.leader.election.enable': false,
  'controlled.shutdown.retry.backoff.ms': 500,
  'request.timeout.ms': 10_000,
  // rounds create their topics and delete them when checked: a client still holding a deleted topic's metadata
  // must not bring it back (Kafka's advice when topics are deleted)
  'auto.create.topics.enable': false,
} as const;

export interface CatalogueEnv {
  readonly cluster: Cluster;
  readonly clients: KafkaClients;
}

/**
 * Registers one `it` per row on a cluster started once for the file (3 brokers as child processes over
 * CATALOGUE_CONFIG plus `opts`), and prints every row's report when the file is done.
 */
export function catalogue(rows: readonly FaultRow[], opts: StartClusterOptions = {}): CatalogueEnv {
  const env = { cluster: undefined as unknown as Cluster, clients: undefined as unknown as KafkaClients };
  const results: RowResult[] = [];
  beforeAll(async () => {
    const brokerConfig = typeof opts.brokerConfig === 'function' ? opts.brokerConfig : { ...CATALOGUE_CONFIG, ...opts.brokerConfig };
    env.cluster = await startCluster({ brokers: 3, ...opts, brokerConfig });
    env.clients = kafkaClients(env.cluster.bootstrapServers);
    await waitForMetadataReady(env.cluster);
  }, 180_000);
  afterAll(async () => {
    await env.clients?.disconnectAll();
    await env.cluster?.close();
    if (results.length) console.log(`fault catalogue:\n${results.map(rowReport).join('\n')}`);
  }, 120_000);
  for (const row of rows) {
    it(`${row.id} ${row.title}`, { timeout: ROUNDS * 240_000 }, async () => {
      await restoreBrokers(env.cluster);
      const r = await runRow(env.cluster, env.clients, row);
      results.push(r);
      expect(rowProblems(row, r), rowReport(r)).toEqual([]);
    });
  }
  return env;
}

/** A row that failed half-way may leave a broker down; the next row starts on the whole cluster again. */
async function restoreBrokers(cluster: Cluster): Promise<void> {
  for (const id of cluster.ids) {
    if (cluster.isRunning(id)) continue;
    await waitDeregistered(cluster, id);
    await cluster.start(id);
  }
  await cluster.waitForBrokers(cluster.ids, { timeoutMs: 60_000 });
}

export const tp0 = (ctx: RoundContext): TopicPartition => ctx.tps[0]!;

/** The current leader of partition `p` of the round's topic. */
export async function leaderOf(ctx: RoundContext, p = 0): Promise<number> {
  return ctx.cluster.waitForLeader(ctx.tps[p]!);
}

/** Waits until `id`'s registration is gone (its session expired or closed). */
export async function waitDeregistered(cluster: Cluster, id: number, timeoutMs = 4 * SESSION_MS): Promise<void> {
  await cluster.waitFor(async () => !(await cluster.brokerIds()).includes(id), `broker ${id} deregistered`, timeoutMs);
}

/** Waits until every partition of the round's topic has its full ISR again. */
export async function waitIsrFull(ctx: RoundContext, timeoutMs = 90_000): Promise<void> {
  for (const tp of ctx.tps) await ctx.cluster.waitForIsr(tp, ctx.cluster.ids, { timeoutMs });
}

/** Polls `fn` until it returns true, without the harness's check for exits (for rows where a broker is meant to die). */
export async function until(fn: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Sends one acks=all Produce of `value` straight to broker `id` (not through the client's metadata), e.g. to a
 * paused leader: its answer arrives when the broker runs again. Resolves with the partition's error code, or
 * 'no-answer' when the connection or the request timed out.
 */
export function probeAcksAll(cluster: Cluster, id: number, tp: TopicPartition, value: string, timeoutMs: number): { answer: Promise<number | 'no-answer'>; close: () => Promise<void> } {
  const client = new BrokerClient({ host: '127.0.0.1', port: cluster.port(id), clientId: 'catalogue-probe', requestTimeoutMs: timeoutMs, connectTimeoutMs: timeoutMs });
  const records = buildRecordBatch([{ value: Buffer.from(value), timestamp: Date.now() }]);
  const answer = client
    .send({ request: ProduceRequest, response: ProduceResponse }, 7, {
      transactionalId: null,
      acks: -1,
      timeoutMs,
      topics: [{ name: tp.topic, partitions: [{ partitionIndex: tp.partition, records }] }],
    })
    .then(
      (res) => res.responses[0]?.partitions[0]?.errorCode ?? -1,
      (): 'no-answer' => 'no-answer',
    );
  return { answer, close: () => client.close() };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
