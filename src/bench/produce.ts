/**
 * Produce/consume throughput of one real gregor broker, driven by kcat (librdkafka 2.0.2), beside
 * librdkafka's mock cluster in the same run (reference/performance.md §2.7, §3.3 W1/W5, §3.4, §3.5).
 *
 * Topology (one box): a real ZooKeeper (free port, temp data dir), ONE gregor broker as a child process
 * (`config/single-broker.properties` + overrides for log.dirs, listeners, zookeeper.connect), and kcat as the
 * client. With 2+ CPUs the server side (broker, or the mock holder) is pinned to CPU 1 and kcat to CPU 0.
 * The mock cluster is served by a separate "holder" kcat (see kcat.ts), so both servers are reached the
 * same way: another process over loopback.
 *
 * Workloads: N records of exactly 100 bytes of varied JSON (a file generated once, seeded), acks=1,
 * linger 5 ms, batches of up to 10k records, no compression:
 * - produce, 1 partition (`-p 0`) and 6 partitions (librdkafka's partitioner); a fresh topic per run;
 * - consume each produced topic from the beginning to its end (`kcat -C -e`), counting the records; gregor
 *   must return exactly N (checked). The consume rate is timed from kcat's first output to its exit (the
 *   connect/metadata/ListOffsets start-up is left out, for both servers; wall-time rates are in the raw lines).
 * Gregor topics are created with CreateTopics first. The mock cannot create topics: its auto-created ones
 * have 4 partitions, and it keeps only the last few MB per partition, so its consume figures cover a
 * smaller count (printed), as performance.md §2.7 warns.
 *
 * Each cell is the median of RUNS runs after one discarded warm-up; runs alternate gregor / mock.
 * Anchor of the 100 B workloads: Redis Streams XADD throughput (redis.ts; skipped with a note without redis-server).
 * The 1 KB workload (the 1 KB throughput path) produces GREGOR_BENCH_RECORDS_1K records of 1000 B (default a quarter of N).
 * Environment: GREGOR_BENCH_RECORDS (default 1000000), GREGOR_BENCH_RECORDS_1K, GREGOR_BENCH_RUNS (3), GREGOR_BENCH_PIN=0
 * (no taskset), GREGOR_BENCH_WORKLOADS (names, comma-separated: "1 partition", "6 partitions", "1 partition 1 KB"),
 * GREGOR_BENCH_CONSUME=0 (produce only, e.g. for a CPU profile of the produce path).
 * Run: `npm run bench -- produce` (built) or `node --import tsx src/bench/main.ts produce`.
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
import { kcatConsume, kcatProduce, startMockHolder, type KcatResult, type MockHolder } from './kcat.js';
import { haveRedisBenchmark, startRedis, xaddPerSecond, type RedisServer } from './redis.js';

/** Records of the 1 KB workload: GREGOR_BENCH_RECORDS_1K, default a quarter of the 100 B count. */
const records1k = (n: number): number => Number(process.env.GREGOR_BENCH_RECORDS_1K ?? Math.round(n / 4));

export const SERVER_CPU = 1;
export const CLIENT_CPU = 0;
export const KCAT_TIMEOUT_MS = 120_000;

export interface Workload {
  name: string;
  partitions: number;
  /** produce/consume with `-p 0` (single-partition workload; also pins the mock's 4-partition topic) */
  partition: number | undefined;
  recordBytes: number;
}

export const WORKLOADS: readonly Workload[] = [
  { name: '1 partition', partitions: 1, partition: 0, recordBytes: RECORD_BYTES },
  { name: '6 partitions', partitions: 6, partition: undefined, recordBytes: RECORD_BYTES },
  { name: '1 partition 1 KB', partitions: 1, partition: 0, recordBytes: 1000 },
];

interface Cell {
  recordsPerSec: number[];
  records: number[];
  cpuPerGB: number[];
}
const newCell = (): Cell => ({ recordsPerSec: [], records: [], cpuPerGB: [] });

export async function runProduceBench(): Promise<void> {
  const { records: n, runs, serverCpu, clientCpu, started } = kcatBenchSetup(
    (records, runs) =>
      `produce bench: ${records} records × ${RECORD_BYTES} B and ${records1k(records)} × 1 KB, acks=1, no compression; median of ${runs} runs after 1 warm-up`,
    { server: SERVER_CPU, client: CLIENT_CPU },
  );
  const n1k = records1k(n);
  const count = (w: Workload): number => (w.recordBytes === RECORD_BYTES ? n : n1k);
  const selected = WORKLOADS.filter((w) => (process.env.GREGOR_BENCH_WORKLOADS ?? WORKLOADS.map((x) => x.name).join(',')).split(',').includes(w.name));
  let broker: SingleBroker | undefined;
  let mock: MockHolder | undefined;
  let redis: RedisServer | null = null;
  await inBenchScratch(
    kcatBrokerScratch('produce', () => broker, async () => {
      await mock?.stop().catch(() => {});
      await redis?.stop().catch(() => {});
    }),
    async ({ root, startZooKeeper }) => {
      const files = new Map<number, string>();
      for (const w of selected) {
        if (files.has(w.recordBytes)) continue;
        const file = join(root, `records-${w.recordBytes}B.txt`);
        writeRecords(file, count(w), 42, w.recordBytes);
        files.set(w.recordBytes, file);
      }
      broker = await startReadyBroker(root, await startZooKeeper(), serverCpu);
      mock = await startMockHolder({ cpu: serverCpu });
      // The Redis Streams anchor (§2.6) of the 100 B workloads: XADD throughput on the same core as the broker.
      if (files.has(RECORD_BYTES)) {
        redis = haveRedisBenchmark() ? await startRedis(root, serverCpu) : null;
        if (!redis) console.log('redis-server / redis-benchmark not installed (apt-get install redis-server): the Redis XADD anchor is skipped');
      }
      const topic = (w: Workload, run: number): string => `bench-p${w.partitions}-${w.recordBytes}B-r${run}`;
      await createTopics(
        broker.brokers,
        selected.flatMap((w) => Array.from({ length: runs + 1 }, (_, run) => ({ name: topic(w, run), partitions: w.partitions }))),
      );
      console.log(`setup ${((Date.now() - started) / 1000).toFixed(1)} s (broker pid ${broker.pid}, ${broker.brokers}; mock ${mock.brokers})`);

      const gb = (w: Workload, records: number): number => (records * w.recordBytes) / 1e9;
      const produce = { gregor: selected.map(newCell), mock: selected.map(newCell) };
      const consume = { gregor: selected.map(newCell), mock: selected.map(newCell) };
      const raw: string[] = [];
      const xadd: number[] = [];

      // Produce: run 0 is the warm-up; gregor, the mock and Redis alternate.
      for (let run = 0; run <= runs; run++) {
        if (redis) {
          const rps = xaddPerSecond(redis, `stream-r${run}`, n, RECORD_BYTES, clientCpu, KCAT_TIMEOUT_MS);
          raw.push(`produce Redis XADD ${RECORD_BYTES} B run ${run}${run === 0 ? ' (warm-up)' : ''}: ${rps.toFixed(0)} XADD/s`);
          if (run > 0) xadd.push(rps);
        }
        for (const [wi, w] of selected.entries()) {
          for (const side of ['gregor', 'mock'] as const) {
            const server = side === 'gregor' ? broker : mock;
            const cpu0 = cpuSeconds(server.pid);
            const seconds = await kcatProduce({ brokers: server.brokers, topic: topic(w, run), file: files.get(w.recordBytes)!, partition: w.partition, cpu: clientCpu, timeoutMs: KCAT_TIMEOUT_MS });
            const cpu = cpuSeconds(server.pid) - cpu0;
            const records = count(w);
            raw.push(`produce ${w.name} ${side} run ${run}${run === 0 ? ' (warm-up)' : ''}: ${seconds.toFixed(3)} s, ${(records / seconds).toFixed(0)} rec/s, server ${cpu.toFixed(2)} CPU-s`);
            if (run === 0) continue;
            const cell = produce[side][wi] as Cell;
            cell.recordsPerSec.push(records / seconds);
            cell.records.push(records);
            cell.cpuPerGB.push(cpu / gb(w, records));
          }
        }
      }

      // Consume each produced topic once (run 0 again as warm-up).
      const consumeRuns = process.env.GREGOR_BENCH_CONSUME === '0' ? -1 : runs;
      for (let run = 0; run <= consumeRuns; run++) {
        for (const [wi, w] of selected.entries()) {
          for (const side of ['gregor', 'mock'] as const) {
            const server = side === 'gregor' ? broker : mock;
            const cpu0 = cpuSeconds(server.pid);
            const r: KcatResult = await kcatConsume({ brokers: server.brokers, topic: topic(w, run), partition: w.partition, cpu: clientCpu, timeoutMs: KCAT_TIMEOUT_MS });
            const cpu = cpuSeconds(server.pid) - cpu0;
            const dataSeconds = r.seconds - (r.firstOutputSeconds ?? 0);
            raw.push(
              `consume ${w.name} ${side} run ${run}${run === 0 ? ' (warm-up)' : ''}: ${r.lines} records, wall ${r.seconds.toFixed(3)} s (${(r.lines / r.seconds).toFixed(0)} rec/s), ` +
                `first record at ${(r.firstOutputSeconds ?? Number.NaN).toFixed(3)} s → ${(r.lines / dataSeconds).toFixed(0)} rec/s, server ${cpu.toFixed(2)} CPU-s`,
            );
            if (side === 'gregor' && r.lines !== count(w)) throw new Error(`gregor returned ${r.lines} records of ${topic(w, run)}, expected ${count(w)}`);
            if (run === 0) continue;
            const cell = consume[side][wi] as Cell;
            cell.recordsPerSec.push(r.lines / dataSeconds);
            cell.records.push(r.lines);
            cell.cpuPerGB.push(cpu / gb(w, r.lines));
          }
        }
      }

      // The client-only ceiling (§3.4): kcat producing into its own in-process mock, unpinned.
      const ceiling: number[] = [];
      const ceilingBytes = files.has(RECORD_BYTES) ? RECORD_BYTES : 1000;
      const ceilingRecords = ceilingBytes === RECORD_BYTES ? n : n1k;
      for (let run = 0; run <= runs; run++) {
        const seconds = await kcatProduce({ brokers: '127.0.0.1:1', topic: 'ceiling', file: files.get(ceilingBytes)!, partition: 0, inProcessMock: true, timeoutMs: KCAT_TIMEOUT_MS });
        if (run > 0) ceiling.push(ceilingRecords / seconds);
      }

      const fmtRate = formatRate;
      const range = (xs: readonly number[]): string => (xs.length > 1 ? ` [${fmtRate(Math.min(...xs)).replace(' ', '')}–${fmtRate(Math.max(...xs)).replace(' ', '')}]` : '');
      const mbps = (recPerSec: number, bytes = RECORD_BYTES): string => ((recPerSec * bytes) / 1e6).toFixed(1);
      const rows: string[][] = [['workload', 'gregor rec/s [min–max]', 'MB/s', 'CPU-s/GB', 'mock rec/s [min–max]', 'MB/s', 'gregor/mock']];
      const addRows = (kind: string, table: { gregor: Cell[]; mock: Cell[] }): void => {
        for (const [wi, w] of selected.entries()) {
          const g = table.gregor[wi] as Cell;
          const m = table.mock[wi] as Cell;
          const gr = median(g.recordsPerSec);
          const mr = median(m.recordsPerSec);
          const mockNote = kind === 'consume' ? ` (${median(m.records)} rec)` : w.partitions === 6 ? ' (4 part.)' : '';
          // The mock is no consumer reference (§2.7): no ratio for consume rows.
          const ratio = kind === 'consume' ? 'n/a*' : `${(gr / mr).toFixed(2)}×`;
          rows.push([
            `${kind} ${w.name}`,
            fmtRate(gr) + range(g.recordsPerSec),
            mbps(gr, w.recordBytes),
            median(g.cpuPerGB).toFixed(1),
            fmtRate(mr) + range(m.recordsPerSec) + mockNote,
            mbps(mr, w.recordBytes),
            ratio,
          ]);
        }
      };
      addRows('produce', produce);
      if (consumeRuns >= 0) addRows('consume', consume);
      printTable(rows);
      console.log('');
      const w100 = selected.findIndex((w) => w.name === '1 partition');
      if (xadd.length > 0) {
        const g = w100 >= 0 ? median((produce.gregor[w100] as Cell).recordsPerSec) : Number.NaN;
        console.log(
          `anchor Redis Streams XADD (AOF everysec, redis-benchmark -c 50 -P 100, ${RECORD_BYTES} B, same core as the broker): ` +
            `${fmtRate(median(xadd))}${range(xadd)} XADD/s, ${mbps(median(xadd))} MB/s; gregor 1 partition ÷ Redis = ${(g / median(xadd)).toFixed(2)}× (goal ≥ 2×)`,
        );
      }
      console.log(`kcat → in-process mock (client ceiling, unpinned, ${ceilingBytes} B): ${fmtRate(median(ceiling))} rec/s, ${mbps(median(ceiling), ceilingBytes)} MB/s`);
      console.log('CPU-s/GB: the gregor broker process only (user+sys from /proc, 10 ms ticks). Consume rates are timed from kcat\'s first record.');
      console.log('* the mock keeps only ~4.4 MB per partition and its Fetch serves one batch per partition per request:');
      console.log('  not a consumer-throughput reference (performance.md §2.7); shown for completeness, no ratio.');
      console.log('  Its auto-created topics have 4 partitions (librdkafka 2.0.2\'s mock has no CreateTopics).');
      console.log('raw runs:');
      for (const line of raw) console.log(`  ${line}`);
      printTotal(started);
    },
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runProduceBench();
}
