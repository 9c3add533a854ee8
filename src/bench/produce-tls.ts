/**
 * `npm run bench -- produce --tls`: what TLS costs. One gregor broker with a PLAINTEXT and an SSL
 * listener (PEM keystore from a throw-away PKI made by the openssl CLI), driven by kcat (librdkafka
 * 2.0.2, `-X security.protocol=ssl` with the test CA) — the same workloads as the produce bench
 * (100-byte records, acks=1, no compression, 1 and 6 partitions), plaintext and TLS runs alternating
 * in the same process, so both see the same machine load.
 *
 * Each cell is the median of RUNS runs after one discarded warm-up; consume rates are timed from
 * kcat's first record. CPU-s/GB counts the broker process only. Environment as the produce bench:
 * GREGOR_BENCH_RECORDS (default 1000000), GREGOR_BENCH_RUNS (3), GREGOR_BENCH_PIN=0.
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../zk/server-process.js';
import {
  cpuSeconds,
  createTopics,
  formatRate,
  inBenchScratch,
  liveBrokers,
  loadAverages,
  median,
  printTable,
  printTotal,
  RECORD_BYTES,
  startReadyBroker,
  tail,
  writeRecords,
  type SingleBroker,
} from './bench-cluster.js';
import { canPin, kcatConsume, kcatProduce, killKcats, requireKcat } from './kcat.js';
import { createTestPki } from './pki.js';
import { CLIENT_CPU, KCAT_TIMEOUT_MS, SERVER_CPU, WORKLOADS as PRODUCE_WORKLOADS } from './produce.js';

/** the produce bench's 100 B workloads (its 1 KB one is not part of the TLS comparison) */
const WORKLOADS = PRODUCE_WORKLOADS.filter((w) => w.recordBytes === RECORD_BYTES);

type Side = 'plaintext' | 'tls';
const SIDES: readonly Side[] = ['plaintext', 'tls'];

interface Cell {
  recordsPerSec: number[];
  cpuPerGB: number[];
}

export async function runProduceTlsBench(): Promise<void> {
  const version = requireKcat();
  const n = Number(process.env.GREGOR_BENCH_RECORDS ?? 1_000_000);
  const runs = Number(process.env.GREGOR_BENCH_RUNS ?? 3);
  const pin = process.env.GREGOR_BENCH_PIN !== '0' && cpus().length >= 2 && canPin();
  const serverCpu = pin ? SERVER_CPU : undefined;
  const clientCpu = pin ? CLIENT_CPU : undefined;
  const started = Date.now();
  console.log(`produce --tls bench: ${n} records × ${RECORD_BYTES} B, acks=1, no compression; PLAINTEXT vs SSL on one broker; median of ${runs} runs after 1 warm-up`);
  console.log(`${version}; ${pin ? `broker pinned to CPU ${SERVER_CPU}, kcat to CPU ${CLIENT_CPU}` : 'no CPU pinning'}; load before: ${loadAverages()}`);
  let broker: SingleBroker | undefined;
  await inBenchScratch(
    {
      name: 'produce-tls',
      stopping: 'the broker, ZooKeeper and kcat',
      teardown: async () => {
        killKcats();
        await Promise.all([...liveBrokers].map((stop) => stop().catch(() => {})));
      },
      onError: () => {
        if (broker) console.error(`broker log tail (${broker.logPath}):\n${tail(broker.logPath)}`);
      },
    },
    async ({ root, startZooKeeper }) => {
      const file = join(root, 'records-100B.txt');
      writeRecords(file, n, 42);
      const pki = await createTestPki(root);
      const [plainPort, sslPort] = [await freePort(), await freePort()];
      const listeners = `PLAINTEXT://127.0.0.1:${plainPort},SSL://127.0.0.1:${sslPort}`;
      const overrides = [
        `listeners=${listeners}`,
        `advertised.listeners=${listeners}`,
        'ssl.keystore.type=PEM',
        `ssl.keystore.location=${pki.broker.pemKeystore}`,
        `ssl.key.password=${pki.password}`,
      ];
      broker = await startReadyBroker(root, await startZooKeeper(), serverCpu, overrides, plainPort);
      const address: Record<Side, string> = { plaintext: `127.0.0.1:${plainPort}`, tls: `127.0.0.1:${sslPort}` };
      const props: Record<Side, string[]> = { plaintext: [], tls: ['security.protocol=ssl', `ssl.ca.location=${pki.caPem}`] };
      const topic = (side: Side, partitions: number, run: number): string => `bench-${side}-p${partitions}-r${run}`;
      await createTopics(
        broker.brokers,
        SIDES.flatMap((side) => WORKLOADS.flatMap((w) => Array.from({ length: runs + 1 }, (_, run) => ({ name: topic(side, w.partitions, run), partitions: w.partitions })))),
      );
      console.log(`setup ${((Date.now() - started) / 1000).toFixed(1)} s (broker pid ${broker.pid}, ${address.plaintext} plaintext, ${address.tls} TLS)`);

      const gb = (records: number): number => (records * RECORD_BYTES) / 1e9;
      const cells = (): Record<Side, Cell[]> => ({ plaintext: WORKLOADS.map(() => ({ recordsPerSec: [], cpuPerGB: [] })), tls: WORKLOADS.map(() => ({ recordsPerSec: [], cpuPerGB: [] })) });
      const produce = cells();
      const consume = cells();
      const raw: string[] = [];
      const server = broker;
      for (let run = 0; run <= runs; run++) {
        for (const [wi, w] of WORKLOADS.entries()) {
          for (const side of SIDES) {
            const cpu0 = cpuSeconds(server.pid);
            const seconds = await kcatProduce({ brokers: address[side], topic: topic(side, w.partitions, run), file, partition: w.partition, settings: props[side], cpu: clientCpu, timeoutMs: KCAT_TIMEOUT_MS });
            const cpu = cpuSeconds(server.pid) - cpu0;
            raw.push(`produce ${w.name} ${side} run ${run}${run === 0 ? ' (warm-up)' : ''}: ${seconds.toFixed(3)} s, ${(n / seconds).toFixed(0)} rec/s, broker ${cpu.toFixed(2)} CPU-s`);
            if (run === 0) continue;
            produce[side][wi]!.recordsPerSec.push(n / seconds);
            produce[side][wi]!.cpuPerGB.push(cpu / gb(n));
          }
        }
      }
      for (let run = 0; run <= runs; run++) {
        for (const [wi, w] of WORKLOADS.entries()) {
          for (const side of SIDES) {
            const cpu0 = cpuSeconds(server.pid);
            const r = await kcatConsume({ brokers: address[side], topic: topic(side, w.partitions, run), partition: w.partition, settings: props[side], cpu: clientCpu, timeoutMs: KCAT_TIMEOUT_MS });
            const cpu = cpuSeconds(server.pid) - cpu0;
            if (r.lines !== n) throw new Error(`${side} consume of ${topic(side, w.partitions, run)} returned ${r.lines} records, expected ${n}`);
            const dataSeconds = r.seconds - (r.firstOutputSeconds ?? 0);
            raw.push(`consume ${w.name} ${side} run ${run}${run === 0 ? ' (warm-up)' : ''}: wall ${r.seconds.toFixed(3)} s, ${(r.lines / dataSeconds).toFixed(0)} rec/s after the first record, broker ${cpu.toFixed(2)} CPU-s`);
            if (run === 0) continue;
            consume[side][wi]!.recordsPerSec.push(r.lines / dataSeconds);
            consume[side][wi]!.cpuPerGB.push(cpu / gb(r.lines));
          }
        }
      }

      const mbps = (recPerSec: number): string => ((recPerSec * RECORD_BYTES) / 1e6).toFixed(1);
      const rows: string[][] = [['workload', 'plaintext rec/s', 'MB/s', 'CPU-s/GB', 'TLS rec/s', 'MB/s', 'CPU-s/GB', 'TLS/plaintext']];
      for (const [kind, table] of [['produce', produce], ['consume', consume]] as const) {
        for (const [wi, w] of WORKLOADS.entries()) {
          const p = table.plaintext[wi]!;
          const t = table.tls[wi]!;
          const pr = median(p.recordsPerSec);
          const tr = median(t.recordsPerSec);
          rows.push([`${kind} ${w.name}`, formatRate(pr), mbps(pr), median(p.cpuPerGB).toFixed(1), formatRate(tr), mbps(tr), median(t.cpuPerGB).toFixed(1), `${(tr / pr).toFixed(2)}×`]);
        }
      }
      printTable(rows);
      console.log('');
      console.log('TLS: Kafka defaults (ssl.enabled.protocols=TLSv1.2,TLSv1.3, no ssl.cipher.suites), EC P-256 certificate; kcat verifies it against the test CA.');
      console.log('raw runs:');
      for (const line of raw) console.log(`  ${line}`);
      printTotal(started);
    },
  );
}
