/**
 * Open-loop produce→ack and produce→consume latency (reference/performance.md §3.3 W7, §3.1 rule 7).
 *
 * Topology (one box): a real ZooKeeper, three gregor brokers as child processes pinned together to
 * GREGOR_BENCH_BROKER_CPUS (default "1": the three brokers share one core), the load on GREGOR_BENCH_CLIENT_CPUS
 * (default "0"). Load: latency-client.py under /usr/bin/python3 — confluent-kafka-python (librdkafka 2.0.2) with
 * linger.ms=0 and Nagle off, one producer and one consumer process. Record i is scheduled at start + i/rate and its
 * latency is measured from that scheduled time (the ack from the delivery callback, the consume from the consumer's
 * receipt), so a broker that falls behind shows its queue instead of slowing the sender (no coordinated omission).
 * Records of the first GREGOR_BENCH_WARMUP seconds are sent but not counted.
 *
 * Cases per rate (GREGOR_BENCH_RATES, default 10000,50000), interleaved, a fresh topic of GREGOR_BENCH_PARTITIONS
 * (6) each: gregor RF=1 acks=1; gregor RF=3 acks=all (min.insync.replicas=2); the anchors gregor RF=3 acks=1 and
 * Redis Streams XADD→XREAD (redis-server from Debian, AOF everysec, pinned like the brokers; skipped with a note if
 * it is not installed). Each row prints p50/p99/p99.9 of both latencies, the ratio of its p99 to the anchor's, and
 * the servers' CPU share. GREGOR_BENCH_CASES picks cases (rf1-acks1, rf3-acksall, rf3-acks1, redis).
 *
 * Environment: GREGOR_BENCH_SECONDS (30 measured per case), GREGOR_BENCH_WARMUP (5), GREGOR_BENCH_SHORT=1 (8 s + 2 s,
 * 10k only), GREGOR_BENCH_PROFILE=<dir> and GREGOR_BENCH_NODE_ARGS (bench-cluster.ts benchNodeArgs). The brokers carry
 * the runtime probe (one sample a second) for the event-loop delay column.
 * Run: `npm run bench -- latency` (built) or `node --import tsx src/bench/main.ts latency`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchPinning, brokersScratch, createTopic, ensureOffsetsTopic, startBenchBrokers, type BenchBroker } from './bench-brokers.js';
import { cpuSeconds, inBenchScratch, loadAverages, printTable, printTotal, sleep } from './bench-cluster.js';
import { killPythonClients, spawnPythonClient } from './python-client.js';
import { startRedis, type RedisServer } from './redis.js';

const BROKERS = 3;
/** the consumer's group.id (librdkafka needs one even for assign(); it makes the group's coordinator exist) */
const CONSUMER_GROUP = 'gregor-bench-latency';

type CaseId = 'rf1-acks1' | 'rf3-acksall' | 'rf3-acks1' | 'redis';
interface Case {
  readonly id: CaseId;
  readonly label: string;
  /** the anchor this row is compared with */
  readonly anchor: CaseId | null;
}
const CASES: readonly Case[] = [
  { id: 'rf1-acks1', label: 'gregor RF=1 acks=1', anchor: 'redis' },
  { id: 'rf3-acksall', label: 'gregor RF=3 acks=all', anchor: 'rf3-acks1' },
  { id: 'rf3-acks1', label: 'anchor: gregor RF=3 acks=1', anchor: null },
  { id: 'redis', label: 'anchor: Redis XADD→XREAD', anchor: null },
];

interface Percentiles {
  count: number;
  p50: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
}
interface ProducerResult extends Percentiles {
  sent: number;
  errors: number;
  unflushed: number;
}
interface ConsumerResult extends Percentiles {
  seen: number;
}
interface Row {
  c: Case;
  rate: number;
  ack: ProducerResult;
  e2e: ConsumerResult;
  serverCpuPct: number;
  /** the highest per-second event-loop delay p99 of any broker during the case, ms */
  loopDelay: number;
}

/** The highest `elP99` of a broker's probe samples taken in [from, to] (ms since epoch). */
function maxLoopDelayP99(probePath: string, from: number, to: number): number {
  let max = 0;
  for (const line of readFileSync(probePath, 'utf8').split('\n')) {
    if (!line) continue;
    const sample = JSON.parse(line) as { t: number; elP99: number };
    if (sample.t >= from && sample.t <= to) max = Math.max(max, sample.elP99);
  }
  return max;
}

const ms = (us: number | null): string => (us === null ? '–' : us >= 10_000 ? (us / 1000).toFixed(0) : (us / 1000).toFixed(2));

export async function runLatencyBench(): Promise<void> {
  const short = process.env.GREGOR_BENCH_SHORT === '1';
  const seconds = Number(process.env.GREGOR_BENCH_SECONDS ?? (short ? 8 : 30));
  const warmup = Number(process.env.GREGOR_BENCH_WARMUP ?? (short ? 2 : 5));
  const rates = (process.env.GREGOR_BENCH_RATES ?? (short ? '10000' : '10000,50000')).split(',').map(Number);
  const partitions = Number(process.env.GREGOR_BENCH_PARTITIONS ?? 6);
  const pin = benchPinning();
  const selected = new Set((process.env.GREGOR_BENCH_CASES ?? CASES.map((c) => c.id).join(',')).split(','));
  const profileDir = process.env.GREGOR_BENCH_PROFILE;
  const started = Date.now();
  console.log(
    `latency bench: open loop, ${seconds} s measured after ${warmup} s warm-up per case, ${partitions} partitions, 100 B values, ` +
      `confluent-kafka-python (librdkafka) linger.ms=0, Nagle off; rates ${rates.join(', ')} rec/s`,
  );
  console.log(
    `${pin.describe()} (redis with the brokers); load before: ${loadAverages()}` +
      (profileDir ? `; CPU profiles → ${profileDir}` : ''),
  );

  const brokers: BenchBroker[] = [];
  let redis: RedisServer | null = null;
  await inBenchScratch(
    brokersScratch('latency', brokers, 'the brokers, redis, ZooKeeper and the clients', async () => {
      killPythonClients();
      await redis?.stop().catch(() => {});
    }),
    async ({ root, startZooKeeper }) => {
      const zk = await startZooKeeper();
      await startBenchBrokers(brokers, BROKERS, root, zk.connectString, { cpu: pin.brokers, probeIntervalMs: 1000, sessionMs: 18_000 });
      await ensureOffsetsTopic(brokers, CONSUMER_GROUP);
      if (selected.has('redis')) {
        redis = await startRedis(root, pin.brokers);
        if (!redis) console.log('redis-server not installed (apt-get install redis-server python3-redis): the Redis anchor is skipped');
      }
      const bootstrap = brokers.map((b) => b.address).join(',');
      console.log(`setup ${((Date.now() - started) / 1000).toFixed(1)} s (brokers ${bootstrap}${redis ? `; redis ${redis.address}` : ''})`);

      const rows: Row[] = [];
      let n = 0;
      for (const rate of rates) {
        for (const c of CASES) {
          if (!selected.has(c.id) || (c.id === 'redis' && !redis)) continue;
          const topic = `latency-${c.id}-${rate}-${n++}`;
          let address = bootstrap;
          let serverPids = brokers.map((b) => b.pid);
          if (c.id === 'redis') {
            address = redis!.address;
            serverPids = [redis!.pid];
          } else {
            const rf = c.id === 'rf1-acks1' ? 1 : 3;
            await createTopic(brokers, topic, partitions, rf, rf === 3 ? { 'min.insync.replicas': '2' } : {});
          }
          const mode = c.id === 'redis' ? 'redis' : 'kafka';
          const acks = c.id === 'rf3-acksall' ? 'all' : '1';
          // The consumer needs its assignment before the schedule starts; the producer connects during the lead time.
          const start = process.hrtime.bigint() + 4_000_000_000n;
          const measureFrom = start + BigInt(warmup * 1e9);
          const common = ['--bootstrap', address, '--topic', topic, '--rate', String(rate), '--seconds', String(seconds + warmup), '--start', String(start), '--measure-from', String(measureFrom)];
          const consumer = spawnPythonClient([`${mode}-consume`, ...common], pin.clients);
          await Promise.race([consumer.ready, sleep(30_000)]);
          if (process.hrtime.bigint() > start - 500_000_000n) throw new Error(`the ${mode} consumer took more than 3.5 s to get ready`);
          const producer = spawnPythonClient([`${mode}-produce`, ...common, '--acks', acks], pin.clients);
          await sleep(Number(measureFrom - process.hrtime.bigint()) / 1e6);
          const cpu0 = serverPids.reduce((s, pid) => s + cpuSeconds(pid), 0);
          const t0 = Date.now();
          const ack = (await producer.result) as ProducerResult;
          const cpu = serverPids.reduce((s, pid) => s + cpuSeconds(pid), 0) - cpu0;
          const wall = (Date.now() - t0) / 1000;
          const e2e = (await consumer.result) as ConsumerResult;
          const loopDelay = c.id === 'redis' ? Number.NaN : Math.max(...brokers.map((b) => maxLoopDelayP99(b.probePath, t0, Date.now())));
          rows.push({ c, rate, ack, e2e, serverCpuPct: (100 * cpu) / wall, loopDelay });
          console.log(
            `  ${c.label} @ ${rate}/s: sent ${ack.sent}, acked ${ack.count} measured (${ack.errors} errors, ${ack.unflushed} unflushed), ` +
              `consumed ${e2e.seen}; ack p99 ${ms(ack.p99)} ms, e2e p99 ${ms(e2e.p99)} ms; servers ${((100 * cpu) / wall).toFixed(0)}% CPU`,
          );
        }
      }

      const table: string[][] = [['case', 'rate/s', 'ack p50', 'p99', 'p99.9', 'e2e p50', 'p99', 'p99.9', 'anchor', 'e2e p99 ÷ anchor', 'servers CPU', 'loop delay']];
      for (const r of rows) {
        const anchor = rows.find((a) => a.rate === r.rate && a.c.id === r.c.anchor);
        const ratio = anchor && r.e2e.p99 !== null && anchor.e2e.p99 ? `${(r.e2e.p99 / anchor.e2e.p99).toFixed(2)}×` : '–';
        table.push([
          r.c.label,
          String(r.rate),
          ms(r.ack.p50),
          ms(r.ack.p99),
          ms(r.ack.p999),
          ms(r.e2e.p50),
          ms(r.e2e.p99),
          ms(r.e2e.p999),
          anchor ? anchor.c.label.replace('anchor: ', '') : '',
          ratio,
          `${r.serverCpuPct.toFixed(0)}%`,
          Number.isNaN(r.loopDelay) ? '–' : `${r.loopDelay.toFixed(1)} ms`,
        ]);
      }
      printTable(table);
      console.log('');
      console.log('latencies in ms from the scheduled send time; ack = delivery report, e2e = consumer receipt; ratio < 1 = gregor faster.');
      console.log('servers CPU = the three brokers (or redis) together, % of one core over the case.');
      console.log('loop delay = the worst per-second event-loop delay p99 of any broker during the case (monitorEventLoopDelay).');
      printTotal(started);
    },
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runLatencyBench();
}
