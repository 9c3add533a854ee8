/**
 * Exactly-once figures of one real gregor broker, driven by kcat (librdkafka 2.0.2), every case beside its
 * baseline in the same run (issue 8; reference/performance.md §3.4 settings):
 * - produce plain vs idempotent: N records of 100 bytes to a fresh 1-partition topic, acks=all and at most 5
 *   requests in flight for both (what `enable.idempotence=true` forces), so the difference is the broker's
 *   producer-state work (duplicate/sequence checks, one entry update per batch). The client's start-up
 *   (connect, metadata, and for librdkafka's idempotent producer the InitProducerId it waits for, a fixed
 *   ~0.2 s) is measured by producing one record to a calibration topic just before, with the same settings,
 *   and subtracted: rate = (N − 1) / (T(N) − T(1));
 * - consume read_uncommitted vs read_committed of the idempotent topic (`kcat -C -e`, timed from the first
 *   record): read_committed reads up to the LSO and looks up aborted transactions (none here).
 * Cases run interleaved (the order alternates per run) and each figure is the median of RUNS runs after a
 * discarded warm-up: the machine may be shared, so compare figures of the same run only.
 *
 * - transactions/s with 10 and with 1,000 records per transaction (eos-transactions.ts: a confluent-kafka-python
 *   transactional producer in a loop).
 * To add a case: append an EosCase to CASES with its `baseline` name; `run` gets the run number and returns the
 * records and seconds it measured (and the transactions, for a txn/s column).
 * Environment: GREGOR_BENCH_RECORDS (default 1000000), GREGOR_BENCH_RUNS (3), GREGOR_BENCH_PIN=0 (no taskset).
 * Run: `npm run bench -- eos` (built) or `node --import tsx src/bench/main.ts eos`.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  cpuSeconds,
  createTopics,
  formatRate,
  inBenchScratch,
  kcatBenchSetup,
  kcatBrokerScratch,
  median,
  printTable,
  printTotal,
  RECORD_BYTES,
  startReadyBroker,
  writeRecords,
  type SingleBroker,
} from './bench-cluster.js';
import { TRANSACTION_CASES } from './eos-transactions.js';
import { kcatConsume, kcatProduce } from './kcat.js';

const SERVER_CPU = 1;
const CLIENT_CPU = 0;
const KCAT_TIMEOUT_MS = 180_000;

export interface EosBenchContext {
  readonly broker: SingleBroker;
  /** the record file (N lines of RECORD_BYTES) */
  readonly file: string;
  /** its first line alone (client start-up calibration) */
  readonly oneRecordFile: string;
  readonly records: number;
  readonly clientCpu: number | undefined;
}

export interface EosCase {
  readonly name: string;
  /** the case this one is compared with (ratio column) */
  readonly baseline?: string;
  /** topics this case needs, created once before the runs (a fresh one per run: suffix `-r<run>`) */
  readonly topics: readonly string[];
  run(ctx: EosBenchContext, run: number): Promise<{ records: number; seconds: number; note?: string; transactions?: number }>;
}

const topicFor = (base: string, run: number): string => `${base}-r${run}`;
const PLAIN = ['acks=all', 'max.in.flight.requests.per.connection=5'];

function produceCase(name: string, topic: string, settings: readonly string[], baseline?: string): EosCase {
  const calibration = `${topic}-startup`;
  return {
    name,
    ...(baseline ? { baseline } : {}),
    topics: [topic, calibration],
    async run(ctx, run) {
      const produce = (t: string, file: string) =>
        kcatProduce({ brokers: ctx.broker.brokers, topic: topicFor(t, run), file, partition: 0, settings, cpu: ctx.clientCpu, timeoutMs: KCAT_TIMEOUT_MS });
      const startup = await produce(calibration, ctx.oneRecordFile);
      const seconds = await produce(topic, ctx.file);
      return { records: ctx.records - 1, seconds: seconds - startup, note: `start-up ${startup.toFixed(3)} s subtracted` };
    },
  };
}

function consumeCase(name: string, topic: string, isolation: 'read_committed' | 'read_uncommitted', baseline?: string): EosCase {
  return {
    name,
    ...(baseline ? { baseline } : {}),
    topics: [],
    async run(ctx, run) {
      const r = await kcatConsume({
        brokers: ctx.broker.brokers,
        topic: topicFor(topic, run),
        partition: 0,
        settings: [`isolation.level=${isolation}`],
        cpu: ctx.clientCpu,
        timeoutMs: KCAT_TIMEOUT_MS,
      });
      if (r.lines !== ctx.records) throw new Error(`${name}: read ${r.lines} records of ${topicFor(topic, run)}, expected ${ctx.records}`);
      return { records: r.lines, seconds: r.seconds - (r.firstOutputSeconds ?? 0) };
    },
  };
}

/** Produce cases first: the consume cases read what the idempotent producer wrote in the same run. */
export const CASES: readonly EosCase[] = [
  produceCase('produce plain (acks=all, ≤5 in flight)', 'eos-plain', PLAIN),
  produceCase('produce idempotent', 'eos-idem', [...PLAIN, 'enable.idempotence=true'], 'produce plain (acks=all, ≤5 in flight)'),
  consumeCase('consume read_uncommitted', 'eos-idem', 'read_uncommitted'),
  consumeCase('consume read_committed', 'eos-idem', 'read_committed', 'consume read_uncommitted'),
  ...TRANSACTION_CASES,
];

interface Figures {
  recordsPerSec: number[];
  transactionsPerSec: number[];
  cpuPerGB: number[];
}

export async function runEosBench(cases: readonly EosCase[] = CASES): Promise<void> {
  const { records: n, runs, serverCpu, clientCpu, started } = kcatBenchSetup(
    (records, runs) => `eos bench: ${records} records × ${RECORD_BYTES} B, 1 partition, no compression; median of ${runs} runs after 1 warm-up, cases interleaved`,
    { server: SERVER_CPU, client: CLIENT_CPU },
  );
  let broker: SingleBroker | undefined;
  await inBenchScratch(kcatBrokerScratch('eos', () => broker), async ({ root, startZooKeeper }) => {
      const file = join(root, 'records-100B.txt');
      writeRecords(file, n, 42);
      const oneRecordFile = join(root, 'one-record.txt');
      writeRecords(oneRecordFile, 1, 42);
      broker = await startReadyBroker(root, await startZooKeeper(), serverCpu);
      const topics = cases.flatMap((c) => c.topics.flatMap((t) => Array.from({ length: runs + 1 }, (_, run) => ({ name: topicFor(t, run), partitions: 1 }))));
      await createTopics(broker.brokers, topics);
      const ctx: EosBenchContext = { broker, file, oneRecordFile, records: n, clientCpu };
      const figures = new Map<string, Figures>(cases.map((c) => [c.name, { recordsPerSec: [], transactionsPerSec: [], cpuPerGB: [] }]));
      const raw: string[] = [];
      const producers = cases.filter((c) => c.topics.length > 0);
      const readers = cases.filter((c) => c.topics.length === 0);
      for (let run = 0; run <= runs; run++) {
        // alternate the order inside each group per run, so neither side always runs first
        for (const group of [producers, readers]) {
          const ordered = run % 2 === 0 ? group : [...group].reverse();
          for (const c of ordered) {
            const cpu0 = cpuSeconds(broker.pid);
            const r = await c.run(ctx, run);
            const cpu = cpuSeconds(broker.pid) - cpu0;
            const rate = r.records / r.seconds;
            const note = r.note ? ` (${r.note})` : '';
            raw.push(`${c.name} run ${run}${run === 0 ? ' (warm-up)' : ''}: ${r.records} records in ${r.seconds.toFixed(3)} s${note}, ${rate.toFixed(0)} rec/s, broker ${cpu.toFixed(2)} CPU-s`);
            if (run === 0) continue;
            const f = figures.get(c.name)!;
            f.recordsPerSec.push(rate);
            if (r.transactions !== undefined) f.transactionsPerSec.push(r.transactions / r.seconds);
            f.cpuPerGB.push(cpu / ((r.records * RECORD_BYTES) / 1e9));
          }
        }
      }
      const fmt = formatRate;
      const rows: string[][] = [['case', 'rec/s [min–max]', 'MB/s', 'broker CPU-s/GB', 'txn/s', 'vs baseline']];
      for (const c of cases) {
        const f = figures.get(c.name)!;
        const rate = median(f.recordsPerSec);
        const base = c.baseline ? median(figures.get(c.baseline)?.recordsPerSec ?? []) : Number.NaN;
        const range = `[${fmt(Math.min(...f.recordsPerSec)).replace(' ', '')}–${fmt(Math.max(...f.recordsPerSec)).replace(' ', '')}]`;
        const txns = f.transactionsPerSec.length > 0 ? median(f.transactionsPerSec).toFixed(0) : '';
        rows.push([c.name, `${fmt(rate)} ${range}`, ((rate * RECORD_BYTES) / 1e6).toFixed(1), median(f.cpuPerGB).toFixed(1), txns, c.baseline ? `${(rate / base).toFixed(2)}× ${c.baseline.split(' (')[0]}` : '']);
      }
      printTable(rows);
      console.log('');
      console.log('Rates: produce = kcat wall time to the last delivery report minus its start-up (a 1-record run); consume = from kcat\'s first record to its exit.');
      console.log('Transactions: confluent-kafka-python, begin/produce/commit in a loop, from after init_transactions to the last commit.');
      console.log('The machine may be shared: compare figures of the same run; the raw runs show the spread.');
      console.log('raw runs:');
      for (const line of raw) console.log(`  ${line}`);
      printTotal(started);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runEosBench();
}
