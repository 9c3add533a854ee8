/**
 * A recording producer and a history checker for fault tests (reliability.md §6.3–6.4).
 *
 *   const workload = startVerifiableProducer(clients, { topic, partitions: 3 });
 *   ... inject faults, `await workload.waitForAcks(n)` ...
 *   await workload.stop();
 *   const report = await checkHistory(cluster.bootstrapServers, workload.history());
 *   expect(report.problems).toEqual([]);
 *
 * Producer: kafkajs, `acks: -1`, idempotence off, `maxInFlightRequests: 1`, retries on. Sends are sequential:
 * one small batch at a time to an explicit partition (round robin), so each partition is one ordered stream.
 * Values are `<runId>:<partition>:<seq>` (seq per partition, increasing). Every send is recorded: `ok` with the
 * offset of each record (baseOffset + index), `fail` for definite broker refusals (NOT_ENOUGH_REPLICAS, ...), and
 * `info` (indeterminate) for everything else (timeouts, disconnects, retries exhausted).
 *
 * Checker: reads every partition from the beginning to the end offset it sees when it starts (kcat, a fresh consumer
 * without a group; bounded while the producer keeps writing; every ack recorded before the read is below it) and checks
 * 1. lost: every acknowledged value is read back;
 * 2. misplaced: every acknowledged value sits at the offset its ack named (never at two different offsets,
 *    and no offset holds two different values between the acks and the read);
 * 3. order: per partition, the first occurrences of acknowledged values keep their seq order;
 * 4. aborted reads: no value whose send failed definitely is read.
 * Duplicates (a value at more than one offset; possible without idempotence after an indeterminate retry) are
 * counted, not failed.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Producer, ProducerConfig } from 'kafkajs';
import type { KafkaClients } from './clients.js';
import { startCluster, type StartClusterOptions, type Cluster } from './cluster.js';
import { KCAT, kafkaClients, kcatMetadata, run } from './clients.js';

export type SendOutcome = 'ok' | 'fail' | 'info';

export interface SendRecord {
  partition: number;
  values: string[];
  outcome: SendOutcome;
  /** offsets of `values` (outcome ok) */
  offsets?: number[];
  error?: string;
  at: number;
}

export interface VerifiableOptions {
  topic: string;
  partitions: number;
  /** records per send; default 5 */
  batchSize?: number;
  /** pause between sends, ms; default 20 */
  intervalMs?: number;
  /** stop by itself after this many sends; default unbounded (until stop()) */
  maxSends?: number;
  /** kafkajs produce timeout, ms; default 10000 */
  timeoutMs?: number;
  runId?: string;
  /** kafkajs producer settings over the defaults here (e.g. a short `metadataMaxAge` for zombie tests) */
  producerConfig?: ProducerConfig;
}

/** Error types that mean "the broker refused and wrote nothing". */
const DEFINITE = new Set([
  'NOT_ENOUGH_REPLICAS',
  'CORRUPT_MESSAGE',
  'INVALID_RECORD',
  'MESSAGE_TOO_LARGE',
  'INVALID_REQUIRED_ACKS',
  'TOPIC_AUTHORIZATION_FAILED',
]);

/** kafkajs error `type`s and names along the cause chain. */
export function errorTypes(err: unknown): string[] {
  const out: string[] = [];
  let e: unknown = err;
  for (let i = 0; e && i < 6; i++) {
    const o = e as { type?: string; name?: string; originalError?: unknown; cause?: unknown; errors?: unknown[] };
    if (o.type) out.push(o.type);
    if (o.name) out.push(o.name);
    e = o.originalError ?? o.cause ?? (Array.isArray(o.errors) ? o.errors[0] : undefined);
  }
  return out;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class VerifiableProducer {
  private readonly sends: SendRecord[] = [];
  private readonly seq: number[];
  private stopping = false;
  private readonly loop: Promise<void>;
  private waiters: Array<() => void> = [];
  readonly runId: string;

  constructor(
    private readonly producer: Producer,
    private readonly opts: VerifiableOptions,
    private readonly release: () => Promise<void> = async () => {},
  ) {
    this.runId = opts.runId ?? Math.random().toString(36).slice(2, 8);
    this.seq = Array.from({ length: opts.partitions }, () => 0);
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const batch = this.opts.batchSize ?? 5;
    let n = 0;
    while (!this.stopping && (this.opts.maxSends === undefined || n < this.opts.maxSends)) {
      const partition = n % this.opts.partitions;
      n++;
      const values = Array.from({ length: batch }, () => `${this.runId}:${partition}:${this.seq[partition]!++}`);
      const at = Date.now();
      try {
        const res = await this.producer.send({
          topic: this.opts.topic,
          acks: -1,
          timeout: this.opts.timeoutMs ?? 10_000,
          messages: values.map((value) => ({ partition, value })),
        });
        const meta = res.find((r) => r.partition === partition);
        const base = Number(meta?.baseOffset ?? -1);
        if (!meta || meta.errorCode !== 0 || base < 0) {
          this.sends.push({ partition, values, outcome: 'info', error: `odd metadata ${JSON.stringify(res)}`, at });
        } else {
          this.sends.push({ partition, values, outcome: 'ok', offsets: values.map((_, i) => base + i), at });
        }
      } catch (err) {
        const types = errorTypes(err);
        const definite = types.some((t) => DEFINITE.has(t)) && !types.some((t) => /Retries|Timeout|Connection/i.test(t));
        this.sends.push({ partition, values, outcome: definite ? 'fail' : 'info', error: types.join('<') || String(err), at });
      }
      const ws = this.waiters;
      this.waiters = [];
      for (const w of ws) w();
      await sleep(this.opts.intervalMs ?? 20);
    }
  }

  /** Acknowledged records so far. */
  get acked(): number {
    return this.sends.reduce((s, r) => s + (r.outcome === 'ok' ? r.values.length : 0), 0);
  }

  /** Resolves once at least `total` records are acknowledged in all. */
  async waitForAcks(total: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.acked < total) {
      if (Date.now() > deadline) {
        const last = this.sends.slice(-3).map((s) => `${s.outcome}${s.error ? ` ${s.error}` : ''}`);
        throw new Error(`only ${this.acked}/${total} records acknowledged after ${timeoutMs} ms; last sends: ${last.join(' | ')}`);
      }
      if (this.stopping) throw new Error('producer stopped');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 500);
      });
    }
  }

  /** Waits for `more` acknowledged records beyond the current count. */
  async waitForMoreAcks(more: number, timeoutMs = 60_000): Promise<void> {
    await this.waitForAcks(this.acked + more, timeoutMs);
  }

  /** Ends the sends and disconnects the producer (its history stays). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    await this.release();
  }

  /** Waits until the loop ends by itself (maxSends). */
  done(): Promise<void> {
    return this.loop;
  }

  history(): VerifiableHistory {
    return { topic: this.opts.topic, partitions: this.opts.partitions, runId: this.runId, sends: [...this.sends] };
  }
}

export interface VerifiableHistory {
  topic: string;
  partitions: number;
  runId: string;
  sends: SendRecord[];
}

/** Starts the recording producer (kafkajs: acks=-1, no idempotence, one request in flight, retries on). */
export async function startVerifiableProducer(clients: KafkaClients, opts: VerifiableOptions): Promise<VerifiableProducer> {
  const producer = await clients.producer({
    idempotent: false,
    maxInFlightRequests: 1,
    retry: { initialRetryTime: 200, maxRetryTime: 1000, retries: 8 },
    ...opts.producerConfig,
  });
  return new VerifiableProducer(producer, opts, () => clients.close(producer));
}

export interface CheckReport {
  acked: number;
  read: number;
  sends: { ok: number; fail: number; info: number };
  lost: string[];
  misplaced: string[];
  orderViolations: string[];
  abortedReads: string[];
  duplicates: number;
  /** human-readable failures; empty when every invariant holds */
  problems: string[];
}

/** Reads every partition of the topic back (kcat, from the beginning to the end) and checks the history. */
export async function checkHistory(bootstrap: string, h: VerifiableHistory, opts: { timeoutMs?: number } = {}): Promise<CheckReport> {
  const reads = new Map<number, Array<{ offset: number; value: string }>>();
  for (let p = 0; p < h.partitions; p++) reads.set(p, await readPartition(bootstrap, h.topic, p, opts.timeoutMs ?? 60_000));
  return checkReads(h, reads);
}

/**
 * Retries a read a few times: a broker that has just (re)started answers Metadata before the controller's first
 * UpdateMetadata reaches it (UNKNOWN_TOPIC_OR_PARTITION, as in Kafka), and kcat gives up on that at once.
 */
async function withRetries<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw err;
      await sleep(1000);
    }
  }
}

/** The partition's end offset (high watermark) by `kcat -Q` (ListOffsets latest, from the leader). */
export async function endOffset(bootstrap: string, topic: string, partition: number, timeoutMs = 30_000): Promise<number> {
  const r = await run(KCAT, ['-Q', '-b', bootstrap, '-t', `${topic}:${partition}:-1`], { timeoutMs });
  const m = /\[(\d+)\]\s+offset\s+(-?\d+)/.exec(r.stdout);
  if (r.code !== 0 || !m) throw new Error(`kcat -Q ${topic}:${partition}:-1 failed (${r.timedOut ? 'timed out' : r.code}): ${r.stdout.slice(-300)} ${r.stderr.slice(-1000)}`);
  return Number(m[2]);
}

/**
 * Every record of one partition from offset 0 up to its end offset when the read starts (kcat -C, `offset<TAB>value`
 * lines); a fresh consumer without a group, bounded even while producers keep writing. Values must not contain
 * tabs or newlines. Assumes no offset gaps below the end (no compaction/transactions) and log start 0.
 */
export function readPartition(bootstrap: string, topic: string, partition: number, timeoutMs = 60_000): Promise<Array<{ offset: number; value: string }>> {
  return withRetries(() => readPartitionOnce(bootstrap, topic, partition, timeoutMs));
}

async function readPartitionOnce(bootstrap: string, topic: string, partition: number, timeoutMs: number): Promise<Array<{ offset: number; value: string }>> {
  const end = await endOffset(bootstrap, topic, partition);
  if (end <= 0) return [];
  const args = ['-C', '-q', '-b', bootstrap, '-t', topic, '-p', String(partition), '-o', 'beginning', '-c', String(end), '-f', '%o\t%s\n'];
  const r = await run(KCAT, args, { timeoutMs });
  if (r.code !== 0 || r.timedOut) {
    throw new Error(`kcat read of ${topic}-${partition} (end ${end}) ${r.timedOut ? 'timed out' : `exited ${r.code}`}: ${r.stderr.slice(-1500)}`);
  }
  const out: Array<{ offset: number; value: string }> = [];
  for (const line of r.stdout.split('\n')) {
    if (line === '') continue;
    const tab = line.indexOf('\t');
    if (tab < 0 || !/^\d+$/.test(line.slice(0, tab))) throw new Error(`kcat read of ${topic}-${partition}: odd line ${JSON.stringify(line.slice(0, 200))}`);
    const offset = Number(line.slice(0, tab));
    if (offset < end) out.push({ offset, value: line.slice(tab + 1) });
  }
  if (out.length < end) throw new Error(`kcat read of ${topic}-${partition}: ${out.length} records below end offset ${end}`);
  return out;
}

/** The checker on already-read partitions (partition → records in offset order). */
export function checkReads(h: VerifiableHistory, reads: ReadonlyMap<number, ReadonlyArray<{ offset: number; value: string }>>): CheckReport {
  const report: CheckReport = {
    acked: 0,
    read: 0,
    sends: { ok: 0, fail: 0, info: 0 },
    lost: [],
    misplaced: [],
    orderViolations: [],
    abortedReads: [],
    duplicates: 0,
    problems: [],
  };
  const prefix = `${h.runId}:`;
  const valueAt = new Map<string, string>(); // `${p}@${offset}` → value
  const firstOffset = new Map<string, number>();
  const occurrences = new Map<string, number>();
  for (const [p, msgs] of reads) {
    for (const m of msgs) {
      if (!m.value.startsWith(prefix)) continue;
      report.read++;
      valueAt.set(`${p}@${m.offset}`, m.value);
      if (!firstOffset.has(m.value)) firstOffset.set(m.value, m.offset);
      occurrences.set(m.value, (occurrences.get(m.value) ?? 0) + 1);
    }
  }
  for (const n of occurrences.values()) if (n > 1) report.duplicates += n - 1;
  const failed = new Set<string>();
  for (const s of h.sends) {
    report.sends[s.outcome]++;
    if (s.outcome === 'fail') for (const v of s.values) failed.add(v);
    if (s.outcome !== 'ok') continue;
    for (const [i, v] of s.values.entries()) {
      report.acked++;
      if (!firstOffset.has(v)) {
        report.lost.push(`${v} (acked at ${s.partition}@${s.offsets![i]})`);
        continue;
      }
      const at = valueAt.get(`${s.partition}@${s.offsets![i]}`);
      if (at !== v) report.misplaced.push(`${v} acked at ${s.partition}@${s.offsets![i]} but that offset holds ${at ?? 'nothing'}`);
    }
  }
  for (const v of failed) if (firstOffset.has(v)) report.abortedReads.push(v);
  // order: per partition, acknowledged seqs by first offset
  for (let p = 0; p < h.partitions; p++) {
    const acked = h.sends
      .filter((s) => s.outcome === 'ok' && s.partition === p)
      .flatMap((s) => s.values)
      .filter((v) => firstOffset.has(v))
      .map((v) => ({ seq: Number(v.split(':')[2]), offset: firstOffset.get(v)! }))
      .sort((a, b) => a.seq - b.seq);
    for (let i = 1; i < acked.length; i++) {
      if (acked[i]!.offset <= acked[i - 1]!.offset) {
        report.orderViolations.push(`partition ${p}: seq ${acked[i]!.seq} at ${acked[i]!.offset} not after seq ${acked[i - 1]!.seq} at ${acked[i - 1]!.offset}`);
      }
    }
  }
  const few = (xs: string[]) => xs.slice(0, 5).join('; ') + (xs.length > 5 ? `; … (${xs.length})` : '');
  if (report.lost.length) report.problems.push(`${report.lost.length} acknowledged records lost: ${few(report.lost)}`);
  if (report.misplaced.length) report.problems.push(`${report.misplaced.length} records not at their acknowledged offset: ${few(report.misplaced)}`);
  if (report.orderViolations.length) report.problems.push(`order violations: ${few(report.orderViolations)}`);
  if (report.abortedReads.length) report.problems.push(`records of definitely failed sends were read: ${few(report.abortedReads)}`);
  return report;
}

/** One line for test output. */
export function summarize(r: CheckReport): string {
  return `acked ${r.acked}, read ${r.read}, sends ok/fail/info ${r.sends.ok}/${r.sends.fail}/${r.sends.info}, duplicates ${r.duplicates}, problems ${r.problems.length}`;
}

/** The bytes of every `.log` segment of a partition in a broker's log dir, in offset order (for convergence). */
export async function partitionLogBytes(dataDir: string, topic: string, partition: number): Promise<Buffer> {
  const dir = path.join(dataDir, `${topic}-${partition}`);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.log')).sort();
  return Buffer.concat(await Promise.all(files.map((f) => readFile(path.join(dir, f)))));
}

/**
 * Waits until every running broker's metadata names the controller and all running brokers (a broker knows the
 * controller only once its first UpdateMetadata has arrived; kafkajs admin calls fail before that).
 */
export async function waitForMetadataReady(cluster: Cluster, timeoutMs = 30_000): Promise<void> {
  const running = cluster.ids.filter((id) => cluster.isRunning(id));
  await cluster.waitFor(
    async () => {
      for (const id of running) {
        const md = await kcatMetadata(cluster.bootstrapFor([id]), { timeoutMs: 5000 });
        if ((md.controllerid ?? -1) < 0 || md.brokers.length < running.length) return false;
      }
      return true;
    },
    'every broker knows the controller and the live brokers',
    timeoutMs,
  );
}

export interface VerifiedCluster {
  cluster: Cluster;
  clients: KafkaClients;
  workload: VerifiableProducer;
}

/**
 * The fault tests' common start: 3 brokers as child processes, one topic with RF = 3 and
 * min.insync.replicas = 2 whose ISR is complete, and a recording producer writing to it.
 */
export async function startVerifiedCluster(opts: { topic: string; partitions: number; config: StartClusterOptions['brokerConfig'] }): Promise<VerifiedCluster> {
  const cluster = await startCluster({ brokers: 3, brokerConfig: opts.config ?? {} });
  const clients = kafkaClients(cluster.bootstrapServers);
  await waitForMetadataReady(cluster);
  const admin = await clients.admin();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic: opts.topic, numPartitions: opts.partitions, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
  });
  for (let partition = 0; partition < opts.partitions; partition++) await cluster.waitForIsr({ topic: opts.topic, partition }, cluster.ids);
  const workload = await startVerifiableProducer(clients, { topic: opts.topic, partitions: opts.partitions });
  return { cluster, clients, workload };
}

/** Stops whatever of a VerifiedCluster was started (safe after a failed start). */
export async function stopVerifiedCluster(v: Partial<VerifiedCluster>): Promise<void> {
  await v.workload?.stop();
  await v.clients?.disconnectAll();
  await v.cluster?.close();
}
