/**
 * Soak (`npm run bench -- soak`; reference/performance.md §3.3 W11): mixed load for an hour on three brokers hosting
 * 1,000 partitions each, with every broker's memory and event-loop delay sampled every minute.
 *
 * Topology: a real ZooKeeper and three gregor brokers as child processes with the runtime probe (runtime-probe.ts),
 * pinned together to GREGOR_BENCH_BROKER_CPUS (default "1"); the load on GREGOR_BENCH_CLIENT_CPUS (default "0").
 * Load, for GREGOR_BENCH_SOAK_MINUTES (60; GREGOR_BENCH_SHORT=1: 5):
 * - topic `soak`: GREGOR_BENCH_SOAK_PARTITIONS (1000) partitions, RF=3, min.insync.replicas=2 — every broker hosts
 *   all of them, leading a third;
 * - an open-loop librdkafka producer (latency-client.py, acks=all, linger.ms=0) at GREGOR_BENCH_SOAK_RATE (500)
 *   records/s of 200 B over all partitions (2,000/s overloads three brokers on one core: without incremental fetch
 *   sessions every follower fetch names the leader's 333 partitions);
 * - a consumer group member (librdkafka subscribe, offsets committed every 10 s, i.e. to ZooKeeper);
 * - churn every minute: a 3-partition RF=3 topic created, written by kcat, deleted; a metadata-only kcat connection.
 * Samples every GREGOR_BENCH_SOAK_SAMPLE_S (60; short: 15) seconds, per broker: RSS, V8 heap used, external memory,
 * and the event-loop delay p99 / max since the last sample.
 * Figures per broker: RSS at the first sample (the warm-up ends there) and at the last, the growth rate of a
 * least-squares line through the samples (MB per hour), the highest RSS, the worst loop delay. Goal: < 200 MB and
 * flat; anchor: the broker before this work grew 77 → 155 MB over a long run (×2.0). Also printed: the producer's ack
 * latency and the consumer's end-to-end latency over the whole soak, and the records each saw.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { benchPinning, brokersScratch, createTopic, deleteTopic, ensureOffsetsTopic, startBenchBrokers, type BenchBroker } from './bench-brokers.js';
import { inBenchScratch, loadAverages, printTable, printTotal, sleep } from './bench-cluster.js';
import { kcatMetadata, killKcats, runKcat, KCAT } from './kcat.js';
import { killPythonClients, spawnPythonClient } from './python-client.js';

const BROKERS = 3;
const GROUP = 'gregor-soak';

interface Sample {
  t: number;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  elP99: number;
  elMax: number;
}

function samples(probePath: string): Sample[] {
  try {
    return readFileSync(probePath, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Sample);
  } catch {
    return [];
  }
}

/** Least-squares slope of y over x. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const mb = (bytes: number): string => (bytes / 1e6).toFixed(0);

export async function runSoakBench(): Promise<void> {
  const short = process.env.GREGOR_BENCH_SHORT === '1';
  const minutes = Number(process.env.GREGOR_BENCH_SOAK_MINUTES ?? (short ? 5 : 60));
  const sampleS = Number(process.env.GREGOR_BENCH_SOAK_SAMPLE_S ?? (short ? 15 : 60));
  const partitions = Number(process.env.GREGOR_BENCH_SOAK_PARTITIONS ?? 1000);
  const rate = Number(process.env.GREGOR_BENCH_SOAK_RATE ?? 500);
  const pin = benchPinning();
  const started = Date.now();
  console.log(
    `soak bench: ${minutes} min, ${BROKERS} brokers, topic of ${partitions} partitions RF=3, ${rate} rec/s × 200 B acks=all, ` +
      `a consumer group committing every 10 s, topic churn every minute; samples every ${sampleS} s`,
  );
  console.log(`${pin.describe()}; load before: ${loadAverages()}`);

  const brokers: BenchBroker[] = [];
  await inBenchScratch(
    brokersScratch('soak', brokers, 'the brokers, ZooKeeper and the clients', () => {
      killPythonClients();
      killKcats();
    }),
    async ({ root, startZooKeeper }) => {
      const zk = await startZooKeeper();
      await startBenchBrokers(brokers, BROKERS, root, zk.connectString, { cpu: pin.brokers, probeIntervalMs: sampleS * 1000, sessionMs: 18_000 });
      await ensureOffsetsTopic(brokers, GROUP);
      await createTopic(brokers, 'soak', partitions, 3, { 'min.insync.replicas': '2' });
      const bootstrap = brokers.map((b) => b.address).join(',');
      console.log(`setup ${((Date.now() - started) / 1000).toFixed(1)} s (brokers ${bootstrap}, pids ${brokers.map((b) => b.pid).join(' ')})`);

      const seconds = minutes * 60;
      const start = process.hrtime.bigint() + 10_000_000_000n;
      const measureFrom = start + BigInt(sampleS * 1e9);
      const common = ['--bootstrap', bootstrap, '--topic', 'soak', '--rate', String(rate), '--seconds', String(seconds), '--size', '200'];
      const timing = ['--start', String(start), '--measure-from', String(measureFrom), '--drain', '30'];
      const cpus = pin.clients;
      const consumer = spawnPythonClient(['kafka-consume', ...common, ...timing, '--group', GROUP], cpus);
      await Promise.race([consumer.ready, sleep(60_000)]);
      const producer = spawnPythonClient(['kafka-produce', ...common, ...timing, '--acks', 'all'], cpus);
      const t0 = Date.now();
      const end = t0 + 10_000 + seconds * 1000;

      // churn and progress, until the producer's schedule is over
      let churn = 0;
      let printed = 0;
      const churnErrors: string[] = [];
      while (Date.now() < end) {
        const topic = `soak-churn-${churn++}`;
        try {
          await createTopic(brokers, topic, 3, 3);
          await runKcat(['-P', '-q', '-b', bootstrap, '-t', topic, '-X', 'acks=all', '-l', '/etc/hostname'], { timeoutMs: 30_000, cpu: cpus });
          kcatMetadata(bootstrap);
          await deleteTopic(brokers, topic);
        } catch (err) {
          churnErrors.push(`${topic}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
        }
        const rows = brokers.map((b) => samples(b.probePath));
        for (; printed < Math.min(...rows.map((r) => r.length)); printed++) {
          const line = rows.map((r, i) => `b${i} ${mb(r[printed]!.rss)} MB, loop p99 ${r[printed]!.elP99.toFixed(1)} ms`).join(' | ');
          console.log(`  ${((r0(rows, printed) - t0) / 60_000).toFixed(1)} min: ${line}`);
        }
        await sleep(Math.min(60_000, Math.max(0, end - Date.now())));
      }
      const ack = (await producer.result) as { count: number; sent: number; errors: number; p50: number | null; p99: number | null; p999: number | null };
      const e2e = (await consumer.result) as { seen: number; p50: number | null; p99: number | null; p999: number | null };

      const table: string[][] = [['broker', 'RSS first', 'RSS last', 'RSS max', 'growth MB/h', 'heap total/used last', 'external last', 'loop p99 worst', 'loop max worst']];
      for (const b of brokers) {
        const s = samples(b.probePath).filter((x) => x.t >= t0);
        if (s.length === 0) continue;
        const first = s[0]!;
        const last = s[s.length - 1]!;
        const growth = slope(
          s.map((x) => (x.t - first.t) / 3_600_000),
          s.map((x) => x.rss / 1e6),
        );
        table.push([
          String(b.id),
          `${mb(first.rss)} MB`,
          `${mb(last.rss)} MB`,
          `${mb(Math.max(...s.map((x) => x.rss)))} MB`,
          growth.toFixed(1),
          `${mb(last.heapTotal)}/${mb(last.heapUsed)} MB`,
          `${mb(last.external)} MB`,
          `${Math.max(...s.map((x) => x.elP99)).toFixed(1)} ms`,
          `${Math.max(...s.map((x) => x.elMax)).toFixed(0)} ms`,
        ]);
      }
      printTable(table);
      console.log('');
      console.log('goal: RSS < 200 MB and flat; anchor: the broker before this work grew 77 → 155 MB (×2.0) over a long run.');
      const ms = (us: number | null): string => (us === null ? '–' : (us / 1000).toFixed(2));
      console.log(
        `producer: ${ack.sent} sent, ${ack.count} acknowledged after the first sample, ${ack.errors} errors; ack p50/p99/p99.9 ${ms(ack.p50)}/${ms(ack.p99)}/${ms(ack.p999)} ms`,
      );
      console.log(`consumer group member: ${e2e.seen} records; produce→consume p50/p99/p99.9 ${ms(e2e.p50)}/${ms(e2e.p99)}/${ms(e2e.p999)} ms`);
      console.log(`churn: ${churn} topics created, written and deleted; ${churnErrors.length} failed${churnErrors.length ? `: ${churnErrors.slice(0, 3).join('; ')}` : ''}`);
      console.log(`(${KCAT} for churn; samples from the runtime probe in each broker)`);
      printTotal(started);
    },
  );
}

/** The time of sample `i` (the first broker's). */
function r0(rows: readonly Sample[][], i: number): number {
  return rows[0]![i]!.t;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runSoakBench();
}
