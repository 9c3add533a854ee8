/**
 * Replication costs and failover times on a 3-broker cluster (reference/performance.md §3.3 W2, W3, W10).
 *
 * Topology (one box): a real ZooKeeper (free port, temp data dir) and three gregor brokers as child processes
 * (`config/single-broker.properties` + overrides; session timeout GREGOR_BENCH_SESSION_MS, default 6000 ms; automatic
 * leader rebalance off), pinned together to GREGOR_BENCH_BROKER_CPUS (default "1": the brokers share one core; "" = no
 * pinning), kcat to GREGOR_BENCH_CLIENT_CPUS (default "0").
 *
 * 1. Produce throughput with kcat (librdkafka), N records of 100 B varied JSON, 6 partitions, linger 5 ms, batches
 *    up to 10k records, no compression, a fresh topic per run; the three cases alternate within each run:
 *    RF=1 acks=1 (baseline), RF=3 acks=1, RF=3 acks=all (min.insync.replicas=2). Median of RUNS after a warm-up;
 *    ratios against the RF=1 median (goal: RF=3 acks=all ≥ 0.5×; the anchor: Kafka's own ratio in Kreps' 2014 runs,
 *    421,823 ÷ 821,557 = 0.51×), and the brokers' CPU-seconds per GB produced (all three together, from /proc).
 * 2. Failover (W10): a 1-partition RF=3 topic (min.insync.replicas=2); raw acks=all Produce requests go to the two
 *    other brokers every ~20 ms (one in flight per broker). The figure is the time from the fault to the first
 *    NONE answer: for `kill -9` of the leader (bounded below by the session timeout) and for a controlled shutdown
 *    (SIGTERM; goal < 1 s). The killed/stopped broker is restarted and rejoins the ISR between repetitions.
 * Environment: GREGOR_BENCH_RECORDS (default 1000000), GREGOR_BENCH_RUNS (3), GREGOR_BENCH_FAILOVERS (3; 0 skips part 2),
 * GREGOR_BENCH_SESSION_MS (6000), GREGOR_BENCH_SHORT=1 (200000 records, 2 runs, 1 failover). Run: `npm run bench -- replication` (built) or
 * `node --import tsx src/bench/main.ts replication`.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BrokerClient } from '../network/client.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { ProduceRequest, ProduceResponse } from '../protocol/messages/produce.js';
import { buildRecordBatch } from '../protocol/records/index.js';
import { KafkaZkClient } from '../zk/kafka-zk-client.js';
import { freePort } from '../zk/server-process.js';
import { BenchBroker, benchPinning, brokersScratch, createTopic, metadata, waitUntil } from './bench-brokers.js';
import { cpuSeconds, inBenchScratch, loadAverages, median, printTable, printTotal, RECORD_BYTES, sleep, writeRecords } from './bench-cluster.js';
import { killKcats, PRODUCER_SETTINGS, requireKcat, runKcat } from './kcat.js';

const BROKERS = 3;
const PARTITIONS = 6;
const KCAT_TIMEOUT_MS = 300_000;

/** Seconds for `kcat -P -l file` with the §3.4 settings and the given acks. */
async function produce(bootstrap: string, topic: string, file: string, acks: '1' | 'all', cpu: string | undefined): Promise<number> {
  const settings = PRODUCER_SETTINGS.map((s) => (s.startsWith('acks=') ? `acks=${acks}` : s));
  const args = ['-P', '-q', '-b', bootstrap, '-t', topic, ...settings.flatMap((s) => ['-X', s]), '-l', file];
  return (await runKcat(args, { timeoutMs: KCAT_TIMEOUT_MS, cpu })).seconds;
}

/**
 * Sends acks=all Produce requests for partition 0 to each of `targets` (one in flight per target, ~20 ms apart)
 * until one answers NONE; resolves with that moment (ms since epoch) and the broker that answered.
 */
function firstAckedProduce(targets: readonly BenchBroker[], topic: string, timeoutMs: number): { done: Promise<{ at: number; by: number }>; cancel(): void } {
  let stopped = false;
  const clients: BrokerClient[] = [];
  const done = new Promise<{ at: number; by: number }>((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    for (const b of targets) {
      const client = new BrokerClient({ host: '127.0.0.1', port: b.port, clientId: 'gregor-bench-probe', requestTimeoutMs: 3000, connectTimeoutMs: 1000 });
      clients.push(client);
      void (async () => {
        let i = 0;
        while (!stopped) {
          if (Date.now() > deadline) {
            stopped = true;
            reject(new Error(`no acks=all produce succeeded within ${timeoutMs} ms`));
            return;
          }
          try {
            const res = await client.send(
              { request: ProduceRequest, response: ProduceResponse },
              7,
              {
                transactionalId: null,
                acks: -1,
                timeoutMs: 2000,
                topics: [{ name: topic, partitions: [{ partitionIndex: 0, records: buildRecordBatch([{ key: null, value: Buffer.from(`probe-${b.id}-${i++}`), timestamp: Date.now() }]) }] }],
              },
              { timeoutMs: 3000 },
            );
            if (res.responses[0]?.partitions[0]?.errorCode === ErrorCode.None && !stopped) {
              stopped = true;
              resolve({ at: Date.now(), by: b.id });
              return;
            }
          } catch {
            // not reachable / timed out: try again
          }
          await sleep(20);
        }
      })();
    }
  });
  return {
    done: done.finally(() => Promise.all(clients.map((c) => c.close().catch(() => {})))),
    cancel: () => {
      stopped = true;
    },
  };
}

export async function runReplicationBench(): Promise<void> {
  const version = requireKcat();
  const short = process.env.GREGOR_BENCH_SHORT === '1';
  const n = Number(process.env.GREGOR_BENCH_RECORDS ?? (short ? 200_000 : 1_000_000));
  const runs = Number(process.env.GREGOR_BENCH_RUNS ?? (short ? 2 : 3));
  const failovers = Number(process.env.GREGOR_BENCH_FAILOVERS ?? (short ? 1 : 3));
  const sessionMs = Number(process.env.GREGOR_BENCH_SESSION_MS ?? 6000);
  const pin = benchPinning();
  const started = Date.now();
  console.log(`replication bench: ${BROKERS} brokers (child processes), ${n} records × ${RECORD_BYTES} B, ${PARTITIONS} partitions, linger 5 ms, no compression; median of ${runs} runs after 1 warm-up`);
  console.log(`${version}; ${pin.describe()}; zookeeper.session.timeout.ms=${sessionMs}; load before: ${loadAverages()}`);

  let zkc: KafkaZkClient | undefined;
  const brokers: BenchBroker[] = [];
  await inBenchScratch(
    brokersScratch('replication', brokers, 'the brokers, ZooKeeper and kcat', async () => {
      killKcats();
      await zkc?.close().catch(() => {});
    }),
    async ({ root, startZooKeeper }) => {
      const file = join(root, 'records-100B.txt');
      writeRecords(file, n, 7);
      const zk = await startZooKeeper();
      zkc = await KafkaZkClient.connect({ connectString: zk.connectString, sessionTimeoutMs: 15_000, connectionTimeoutMs: 15_000 });
      for (let id = 0; id < BROKERS; id++) {
        brokers.push(new BenchBroker(id, await freePort(), root, zk.connectString, { sessionMs, cpu: pin.brokers }));
      }
      for (const b of brokers) b.start();
      const bootstrap = brokers.map((b) => b.address).join(',');
      const ready = async (): Promise<boolean> => {
        for (const b of brokers.filter((x) => x.running)) {
          const md = await metadata(b.address, []);
          if (md.controllerId < 0 || md.brokers !== brokers.filter((x) => x.running).length) return false;
        }
        return true;
      };
      await waitUntil('3 brokers and a controller', ready, 90_000, brokers);
      console.log(`setup ${((Date.now() - started) / 1000).toFixed(1)} s (brokers ${bootstrap})`);

      // ---------------------------------------------------------------------------------------- throughput
      const cases = [
        { name: 'RF=1 acks=1', rf: 1, acks: '1' as const },
        { name: 'RF=3 acks=1', rf: 3, acks: '1' as const },
        { name: 'RF=3 acks=all', rf: 3, acks: 'all' as const },
      ];
      const rates = cases.map(() => [] as number[]);
      const cpuPerGB = cases.map(() => [] as number[]);
      const raw: string[] = [];
      const brokerCpu = (): number => brokers.reduce((sum, b) => sum + cpuSeconds(b.pid), 0);
      for (let run = 0; run <= runs; run++) {
        for (const [ci, c] of cases.entries()) {
          const topic = `bench-rf${c.rf}-acks${c.acks}-r${run}`;
          await createTopic(brokers, topic, PARTITIONS, c.rf, c.rf === 3 ? { 'min.insync.replicas': '2' } : {});
          const cpu0 = brokerCpu();
          const seconds = await produce(bootstrap, topic, file, c.acks, pin.clients);
          const cpu = brokerCpu() - cpu0;
          raw.push(`${c.name} run ${run}${run === 0 ? ' (warm-up)' : ''}: ${seconds.toFixed(3)} s, ${(n / seconds).toFixed(0)} rec/s, brokers ${cpu.toFixed(2)} CPU-s`);
          if (run > 0) {
            rates[ci]!.push(n / seconds);
            cpuPerGB[ci]!.push(cpu / ((n * RECORD_BYTES) / 1e9));
          }
        }
      }
      const base = median(rates[0]!);
      const fmt = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(1)} k`);
      const rows = [['case', 'rec/s (median [min–max])', 'MB/s', 'vs RF=1 acks=1', 'brokers CPU-s/GB']];
      for (const [ci, c] of cases.entries()) {
        const xs = rates[ci]!;
        const m = median(xs);
        rows.push([c.name, `${fmt(m)} [${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}]`, ((m * RECORD_BYTES) / 1e6).toFixed(1), `${(m / base).toFixed(2)}×`, median(cpuPerGB[ci]!).toFixed(1)]);
      }
      printTable(rows);
      console.log('anchor: Kafka (Kreps 2014, 3 machines) RF=3 acks=all ÷ RF=1 acks=1 = 421,823 ÷ 821,557 = 0.51×; goal ≥ 0.5× with the brokers on one core');
      if (failovers <= 0) {
        console.log('raw runs:');
        for (const line of raw) console.log(`  ${line}`);
        printTotal(started);
        return;
      }

      // ---------------------------------------------------------------------------------------- failover
      const ftopic = 'bench-failover';
      await createTopic(brokers, ftopic, 1, 3, { 'min.insync.replicas': '2' });
      const isrFull = async (): Promise<boolean> => {
        const s = (await zkc!.getPartitionState({ topic: ftopic, partition: 0 }))?.state;
        return s !== undefined && s.isr.length === BROKERS && s.leader >= 0;
      };
      const results: Record<'kill' | 'stop', number[]> = { kill: [], stop: [] };
      for (let i = 0; i < failovers; i++) {
        for (const how of ['kill', 'stop'] as const) {
          await waitUntil('full ISR of the failover topic', isrFull, 60_000, brokers);
          await waitUntil('every broker registered', ready, 60_000, brokers);
          const leader = (await zkc.getPartitionState({ topic: ftopic, partition: 0 }))!.state.leader;
          const victim = brokers.find((b) => b.id === leader)!;
          const others = brokers.filter((b) => b !== victim);
          const t0 = Date.now();
          const probe = firstAckedProduce(others, ftopic, 60_000);
          // probes start before the fault; a success before it does not count, so start them, then fault at once
          if (how === 'kill') victim.child!.kill('SIGKILL');
          else victim.child!.kill('SIGTERM');
          let first: { at: number; by: number };
          try {
            first = await probe.done;
          } finally {
            probe.cancel();
          }
          const ms = first.at - t0;
          results[how].push(ms);
          raw.push(`${how === 'kill' ? 'kill -9' : 'SIGTERM'} of leader ${victim.id}: first acks=all produce acknowledged by broker ${first.by} after ${ms} ms`);
          if (how === 'kill') await victim.exited;
          else await victim.stop();
          // wait for the znode to go (a killed broker's session must expire first), then restart
          await waitUntil(`broker ${victim.id} deregistered`, async () => !(await zkc!.getBrokerIds()).includes(victim.id), 60_000, brokers);
          victim.start();
        }
      }
      await waitUntil('full ISR of the failover topic', isrFull, 60_000, brokers);
      console.log('');
      console.log('fault on the leader (1 partition, RF=3, min.insync.replicas=2) → first acks=all produce acknowledged (median [min–max]):');
      const ms = (xs: number[]): string => `${median(xs)} ms [${Math.min(...xs)}–${Math.max(...xs)}]`;
      console.log(`  kill -9             ${ms(results.kill)}   (session timeout ${sessionMs} ms)`);
      console.log(`  controlled shutdown ${ms(results.stop)}   (goal < 1000 ms)`);
      console.log('raw runs:');
      for (const line of raw) console.log(`  ${line}`);
      printTotal(started);
    },
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runReplicationBench();
}
