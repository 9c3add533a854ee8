/**
 * The fault catalogue's round (reliability.md §6.5): a fresh topic (3 partitions, RF 3, min.insync.replicas 2 unless
 * the row says otherwise) with a recording producer writing to every partition (test/harness/verifiable.ts), one
 * injection, heal, liveness within the row's bound, then the checker:
 * - lost = 0: every record acknowledged with acks=all is read back;
 * - inconsistent = 0: no offset holds two values (every acknowledged record is at the offset its ack named);
 * - order kept per partition; no record of a definitely failed send is read (aborted reads);
 * - duplicates = 0 where the row uses the idempotent producer (counted otherwise);
 * - the replicas are byte-identical once the cluster is idle again;
 * - the round's topic is then deleted (gone from ZooKeeper), so that a soak's cluster serves one round's partitions,
 *   not every earlier round's too (hundreds of idle partitions per broker would load the machine, not the fault);
 * - liveness: every broker registered, every partition led with its full ISR, new sends acknowledged, within the
 *   row's bound B (multiplied by GREGOR_FAULT_SLACK, default 3, for a loaded 2-core machine; measured times are
 *   printed).
 * K rounds per row: 3 by default, 50 with GREGOR_SOAK=1, GREGOR_FAULT_ROUNDS overrides. Every round's figures go to
 * the row summary printed at the end of the file and, one JSON line per row, to GREGOR_FAULT_RESULTS (default
 * <tmp>/gregor-fault-results.jsonl) for the soak report.
 */
import { appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ProducerConfig } from 'kafkajs';
import type { TopicPartition } from '../../../src/common/topic-partition.js';
import type { Cluster } from '../../harness/cluster.js';
import type { KafkaClients } from '../../harness/clients.js';
import { mulberry32, type Rng } from '../../harness/fuzz.js';
import { checkHistory, partitionLogBytes, startVerifiableProducer, type CheckReport, type VerifiableProducer } from '../../harness/verifiable.js';

export const SOAK = process.env.GREGOR_SOAK === '1';
export const ROUNDS = Number(process.env.GREGOR_FAULT_ROUNDS ?? (SOAK ? 50 : 3));
const SLACK = Number(process.env.GREGOR_FAULT_SLACK ?? 3);
const RESULTS = process.env.GREGOR_FAULT_RESULTS ?? path.join(os.tmpdir(), 'gregor-fault-results.jsonl');
export const PARTITIONS = 3;

export interface RoundContext {
  cluster: Cluster;
  clients: KafkaClients;
  topic: string;
  tps: TopicPartition[];
  workload: VerifiableProducer;
  /** this round's number (1..K) and its seeded randomness (seed printed with the row) */
  round: number;
  rng: Rng;
  /** notes for the round's line (what was done, extra timings) */
  note(text: string): void;
}

/** What an injection hands back: how to heal (or nothing, when the fault heals itself or is over). */
export type Heal = (() => Promise<void>) | void;

export interface FaultRow {
  id: string;
  title: string;
  /** the liveness bound B after healing, as the catalogue states it (ms) */
  boundMs: number;
  /** topic configs over RF 3, min.insync.replicas 2 */
  topicConfig?: Record<string, string>;
  /** the recording producer's kafkajs settings (e.g. idempotence) */
  producer?: ProducerConfig;
  /**
   * 'must-find-loss': the checker must report loss in ≥ 1 round (F9d's unsafe settings prove the checker);
   * 'loss-allowed': loss and offsets holding other values than acknowledged are reported, not failed (a power cut
   * of every replica with Kafka's default flush settings, F15b); every other invariant still holds
   */
  expect?: 'no-loss' | 'must-find-loss' | 'loss-allowed';
  /** duplicates must be 0 (idempotent producer) */
  noDuplicates?: boolean;
  inject(ctx: RoundContext): Promise<Heal>;
}

export interface RoundResult {
  round: number;
  acked: number;
  read: number;
  lost: number;
  inconsistent: number;
  orderViolations: number;
  abortedReads: number;
  duplicates: number;
  converged: boolean;
  recoverMs: number;
  problems: string[];
  notes: string[];
}

export interface RowResult {
  id: string;
  title: string;
  seed: number;
  rounds: RoundResult[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Creates the round's topic and waits until every partition has its full ISR. */
async function createTopic(cluster: Cluster, clients: KafkaClients, topic: string, configs: Record<string, string>): Promise<void> {
  const admin = await clients.admin();
  const configEntries = Object.entries({ 'min.insync.replicas': '2', ...configs }).map(([name, value]) => ({ name, value }));
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 3, configEntries }] });
  } finally {
    await clients.close(admin);
  }
  const all = cluster.ids;
  for (let partition = 0; partition < PARTITIONS; partition++) await cluster.waitForIsr({ topic, partition }, all, { timeoutMs: 60_000 });
}

/** Liveness: every broker registered, every partition led with its full ISR, new sends acknowledged. */
async function waitForLiveness(ctx: RoundContext, timeoutMs: number): Promise<void> {
  const { cluster } = ctx;
  const all = cluster.ids;
  await cluster.waitForBrokers(all, { timeoutMs });
  for (const tp of ctx.tps) await cluster.waitForIsr(tp, all, { timeoutMs });
  await ctx.workload.waitForMoreAcks(3 * PARTITIONS * 5, timeoutMs);
}

/** Deletes the round's topic and waits until the controller has removed it from ZooKeeper; null or what failed. */
async function deleteTopic(ctx: RoundContext): Promise<string | null> {
  const { cluster, topic } = ctx;
  let state = 'not asked yet';
  try {
    const admin = await ctx.clients.admin();
    try {
      await admin.deleteTopics({ topics: [topic], timeout: 30_000 });
    } finally {
      await ctx.clients.close(admin);
    }
    await cluster.waitFor(
      async () => {
        const [node, marker] = await Promise.all([cluster.zk.zk.exists(`/brokers/topics/${topic}`), cluster.zk.zk.exists(`/admin/delete_topics/${topic}`)]);
        state = `/brokers/topics/${topic} ${node ? `present (czxid ${node.czxid})` : 'gone'}, deletion marker ${marker ? 'present' : 'gone'}`;
        return !node && !marker;
      },
      `${topic} deleted`,
      60_000,
    );
    return null;
  } catch (err) {
    return `${err instanceof Error ? err.message.split('\n')[0]! : String(err)} (${state})`;
  }
}

/** Byte-identical replicas of every partition (waits for the followers to catch up). */
async function replicasConverge(ctx: RoundContext): Promise<boolean> {
  try {
    for (const tp of ctx.tps) {
      await ctx.cluster.waitFor(
        async () => {
          const logs = await Promise.all(ctx.cluster.ids.map((id) => partitionLogBytes(ctx.cluster.dataDir(id), tp.topic, tp.partition)));
          return logs.every((b) => b.equals(logs[0]!));
        },
        `identical replicas of ${tp.topic}-${tp.partition}`,
        30_000,
      );
    }
    return true;
  } catch {
    return false;
  }
}

function judge(row: FaultRow, report: CheckReport, converged: boolean): string[] {
  const problems: string[] = [];
  if (row.expect === undefined || row.expect === 'no-loss') problems.push(...report.problems);
  else problems.push(...report.problems.filter((p) => !/acknowledged records lost|not at their acknowledged offset/.test(p)));
  if (row.noDuplicates && report.duplicates > 0) problems.push(`${report.duplicates} duplicates with the idempotent producer`);
  if (!converged) problems.push('replicas not byte-identical after healing');
  return problems;
}

/** One round of `row` on `cluster`. */
export async function runRound(cluster: Cluster, clients: KafkaClients, row: FaultRow, round: number, seed: number): Promise<RoundResult> {
  const topic = `${row.id.toLowerCase()}-r${round}-${Math.floor(Math.random() * 1e6)}`;
  await createTopic(cluster, clients, topic, row.topicConfig ?? {});
  const workload = await startVerifiableProducer(clients, { topic, partitions: PARTITIONS, producerConfig: row.producer ?? {} });
  const notes: string[] = [];
  const ctx: RoundContext = {
    cluster,
    clients,
    topic,
    tps: Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })),
    workload,
    round,
    rng: mulberry32(seed + round),
    note: (t) => notes.push(t),
  };
  let recoverMs = -1;
  try {
    await workload.waitForAcks(30);
    const heal = await row.inject(ctx);
    const healedAt = Date.now();
    if (heal) await heal();
    await waitForLiveness(ctx, Math.max(row.boundMs * SLACK, 60_000));
    recoverMs = Date.now() - healedAt;
  } catch (err) {
    // what the round did before it failed, to reproduce it (GREGOR_FAULT_SEED) and to read the brokers' logs by
    if (err instanceof Error) err.message = `${row.id} round ${round} (seed ${seed}; ${notes.join('; ') || 'no notes'}): ${err.message}`;
    throw err;
  } finally {
    await workload.stop();
  }
  const report = await checkHistory(cluster.bootstrapServers, workload.history());
  const converged = await replicasConverge(ctx);
  const problems = judge(row, report, converged);
  const notDeleted = await deleteTopic(ctx);
  if (notDeleted !== null) problems.push(`the round's topic ${topic} was not deleted: ${notDeleted}`);
  if (recoverMs > row.boundMs) notes.push(`recovery ${recoverMs} ms over B = ${row.boundMs} ms (within the slack ×${SLACK})`);
  return {
    round,
    acked: report.acked,
    read: report.read,
    lost: report.lost.length,
    inconsistent: report.misplaced.length,
    orderViolations: report.orderViolations.length,
    abortedReads: report.abortedReads.length,
    duplicates: report.duplicates,
    converged,
    recoverMs,
    problems,
    notes,
  };
}

/** K rounds of `row`; returns the row's result (assertions are the caller's: `rowProblems`). */
export async function runRow(cluster: Cluster, clients: KafkaClients, row: FaultRow, rounds = ROUNDS): Promise<RowResult> {
  const seed = Number(process.env.GREGOR_FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const result: RowResult = { id: row.id, title: row.title, seed, rounds: [] };
  for (let k = 1; k <= rounds; k++) {
    const r = await runRound(cluster, clients, row, k, seed);
    result.rounds.push(r);
    if (process.env.GREGOR_VERBOSE === '1') console.log(`${row.id} round ${k}: ${roundLine(r)}`);
    await sleep(200);
  }
  appendFileSync(RESULTS, `${JSON.stringify({ at: new Date().toISOString(), soak: SOAK, ...summarize(result) })}\n`);
  return result;
}

function roundLine(r: RoundResult): string {
  return (
    `acked ${r.acked}, read ${r.read}, lost ${r.lost}, inconsistent ${r.inconsistent}, order ${r.orderViolations}, ` +
    `aborted ${r.abortedReads}, dup ${r.duplicates}, converged ${r.converged}, recovered in ${r.recoverMs} ms` +
    (r.notes.length ? ` (${r.notes.join('; ')})` : '') +
    (r.problems.length ? ` PROBLEMS: ${r.problems.join(' | ')}` : '')
  );
}

export function summarize(r: RowResult) {
  const rec = r.rounds.map((x) => x.recoverMs).sort((a, b) => a - b);
  const sum = (f: (x: RoundResult) => number) => r.rounds.reduce((s, x) => s + f(x), 0);
  return {
    id: r.id,
    title: r.title,
    seed: r.seed,
    rounds: r.rounds.length,
    acked: sum((x) => x.acked),
    read: sum((x) => x.read),
    lost: sum((x) => x.lost),
    roundsWithLoss: r.rounds.filter((x) => x.lost > 0).length,
    inconsistent: sum((x) => x.inconsistent),
    duplicates: sum((x) => x.duplicates),
    notConverged: r.rounds.filter((x) => !x.converged).length,
    recoverMs: { min: rec[0] ?? -1, median: rec[Math.floor(rec.length / 2)] ?? -1, max: rec.at(-1) ?? -1 },
    failedRounds: r.rounds.filter((x) => x.problems.length > 0).length,
  };
}

/** The row's line for the file summary, with every round under it. */
export function rowReport(r: RowResult): string {
  const s = summarize(r);
  const head =
    `${s.id} ${s.title}: ${s.rounds} rounds (seed ${s.seed}), ${s.acked} acked / ${s.read} read, lost ${s.lost} (${s.roundsWithLoss} rounds), ` +
    `inconsistent ${s.inconsistent}, duplicates ${s.duplicates}, not converged ${s.notConverged}, recovery min/median/max ${s.recoverMs.min}/${s.recoverMs.median}/${s.recoverMs.max} ms`;
  return [head, ...r.rounds.map((x) => `    round ${x.round}: ${roundLine(x)}`)].join('\n');
}

/** What fails the row: any round's problems; for 'must-find-loss', no loss in any round. */
export function rowProblems(row: FaultRow, r: RowResult): string[] {
  const out = r.rounds.flatMap((x) => x.problems.map((p) => `round ${x.round}: ${p}`));
  if (row.expect === 'must-find-loss' && !r.rounds.some((x) => x.lost > 0 || x.inconsistent > 0)) {
    out.push(`the checker found no loss in ${r.rounds.length} rounds with the unsafe settings (it should)`);
  }
  return out;
}
