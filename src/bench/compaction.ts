/**
 * Log compaction benchmark (`npm run bench -- compaction`): figures printed, never asserted.
 *
 * 1. Cleaner throughput, in this process: a log of 1 KiB records whose keys are drawn from a key
 *    space of 10% of the record count (so ~90% of the records are superseded), uncompressed and
 *    lz4, 16 records per batch; one Cleaner pass (the worker's code, run here) over everything
 *    below the active segment, swaps included. MB/s = log bytes before the pass / pass time.
 * 2. Produce latency while a broker cleans a large log vs idle, same run: one gregor broker (child
 *    process, log.cleaner.backoff.ms=200), a compacted topic loaded with the same kind of data
 *    while its min.cleanable.dirty.ratio is 1 (nothing cleanable), then a probe — one 100-byte
 *    record per Produce v8 (acks=1) to another topic, one request at a time, 2 ms apart — for a
 *    fixed time idle, then from the AlterConfigs that lets the cleaner start until the broker's
 *    cleaner-offset-checkpoint shows the pass done. The broker's own pass figures come from its
 *    "log cleaner cleaned a log" line.
 * Each figure is the median of GREGOR_BENCH_RUNS runs (default 3). GREGOR_BENCH_MB sets the log
 * size (default 128). The machine may be shared: the load averages are printed beside the figures.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SystemClock } from '../common/clock.js';
import { Cleaner } from '../log/cleaner/cleaner.js';
import { cleanJobFor, logToClean, NO_TRANSACTIONS } from '../log/cleaner/log-to-clean.js';
import { FileHandlePool } from '../log/file-handle-pool.js';
import { logConfig } from '../log/log-config.js';
import { Log } from '../log/log.js';
import { BrokerClient } from '../network/client.js';
import { AlterConfigsRequest, AlterConfigsResponse } from '../protocol/messages/alter-configs.js';
import { ProduceRequest, ProduceResponse } from '../protocol/messages/produce.js';
import { Compression } from '../protocol/records/batch-layout.js';
import { initCompression } from '../protocol/records/compression/index.js';
import { buildRecordBatch, type RecordInput } from '../protocol/records/record-batch-builder.js';
import {
  createTopics,
  inBenchScratch,
  liveBrokers,
  loadAverages,
  median,
  printTable,
  printTotal,
  prng,
  sleep,
  startReadyBroker,
  tail,
  type SingleBroker,
} from './bench-cluster.js';

const RECORD_BYTES = 1024;
const RECORDS_PER_BATCH = 16;
const LIVE_KEY_SHARE = 0.1;
const IDLE_PROBE_MS = 8000;
const MB = 1024 * 1024;
/** About 8 segments per log, so the pass has groups to swap and the active segment is small. */
const segmentBytes = (mb: number): number => Math.max(MB, Math.floor((mb * MB) / 8));
const PASS_TIMEOUT_MS = 300_000;

/** Batches of 1 KiB records with keys from a space of 10% of the record count; about `mb` MiB in all. */
function* workload(mb: number, codec: Compression, seed: number): Generator<Buffer> {
  const records = Math.floor((mb * MB) / RECORD_BYTES);
  const keys = Math.max(1, Math.floor(records * LIVE_KEY_SHARE));
  const rnd = prng(seed);
  const letters = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const now = Date.now();
  for (let i = 0; i < records; i += RECORDS_PER_BATCH) {
    const batch: RecordInput[] = [];
    for (let j = 0; j < RECORDS_PER_BATCH; j++) {
      let value = `{"seq":${i + j},"payload":"`;
      while (value.length < RECORD_BYTES - 40) value += letters[Math.floor(rnd() * letters.length)];
      batch.push({ key: Buffer.from(`key-${Math.floor(rnd() * keys)}`), value: Buffer.from(`${value}"}`), timestamp: now });
    }
    yield buildRecordBatch(batch, { compression: codec });
  }
}

interface ThroughputRun {
  mbPerSec: number;
  logMb: number;
  afterMb: number;
  seconds: number;
}

/** One pass of the Cleaner over a freshly written log in `dir`. */
async function cleanerPass(dir: string, mb: number, codec: Compression, seed: number): Promise<ThroughputRun> {
  mkdirSync(dir, { recursive: true });
  const log = Log.open({
    dir,
    tp: { topic: 'bench', partition: 0 },
    config: logConfig({ cleanupPolicy: ['compact'], segmentBytes: segmentBytes(mb), retentionMs: -1 }),
    clock: new SystemClock(),
    pool: new FileHandlePool(64),
  });
  try {
    for (const batch of workload(mb, codec, seed)) log.append(batch, 0);
    log.roll();
    const before = log.size;
    const ltc = logToClean(log, undefined, Date.now(), NO_TRANSACTIONS);
    const cleaner = new Cleaner({ mapMemory: 128 * MB, loadFactor: 0.9, ioBufferSize: 512 * 1024 });
    const t0 = process.hrtime.bigint();
    await cleaner.clean(cleanJobFor(ltc, NO_TRANSACTIONS), (group) => {
      log.replaceSegments(
        group.baseOffset,
        log.logSegments.filter((s) => group.sources.includes(s.baseOffset)),
      );
      return true;
    });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return { mbPerSec: before / MB / seconds, logMb: before / MB, afterMb: log.size / MB, seconds };
  } finally {
    log.delete();
  }
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function clientFor(broker: SingleBroker): BrokerClient {
  const [host, port] = broker.brokers.split(':');
  return new BrokerClient({ host: host!, port: Number(port), clientId: 'gregor-bench-compaction', requestTimeoutMs: 60_000 });
}

async function alterTopic(client: BrokerClient, name: string, configs: Record<string, string>): Promise<void> {
  const res = await client.send({ request: AlterConfigsRequest, response: AlterConfigsResponse }, 1, {
    resources: [{ resourceType: 2, resourceName: name, configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
    validateOnly: false,
  });
  const r = res.responses[0]!;
  if (r.errorCode !== 0) throw new Error(`AlterConfigs ${name}: ${r.errorCode} ${r.errorMessage ?? ''}`);
}

async function produceOnce(client: BrokerClient, topic: string, records: Buffer): Promise<number> {
  for (;;) {
    const res = await client.send({ request: ProduceRequest, response: ProduceResponse }, 8, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 30_000,
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, records }] }],
    });
    const code = res.responses[0]!.partitions[0]!.errorCode;
    if (code === 0) return code;
    if (code !== 6 && code !== 3) throw new Error(`produce to ${topic}: error ${code}`);
    await sleep(100); // the leader is not there yet
  }
}

/** Probe latencies (ms) until `until()` says stop; one request at a time, `gapMs` apart. */
async function probe(client: BrokerClient, until: () => boolean, gapMs = 2): Promise<number[]> {
  const latencies: number[] = [];
  while (!until()) {
    const records = buildRecordBatch([{ key: null, value: Buffer.alloc(100, 0x70), timestamp: Date.now() }]);
    const t0 = process.hrtime.bigint();
    await produceOnce(client, 'probe', records);
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    await sleep(gapMs);
  }
  return latencies.sort((a, b) => a - b);
}

function checkpointOf(dataDir: string, topic: string): number | null {
  try {
    const line = readFileSync(join(dataDir, 'cleaner-offset-checkpoint'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${topic} 0 `));
    return line === undefined ? null : Number(line.split(' ')[2]);
  } catch {
    return null;
  }
}

function passLine(logPath: string, topic: string): { mbPerSec: number; mbProcessed: number; seconds: number } | null {
  for (const line of readFileSync(logPath, 'utf8').split('\n')) {
    if (!line.includes('log cleaner cleaned a log') || !line.includes(`"${topic}-0"`)) continue;
    return JSON.parse(line) as { mbPerSec: number; mbProcessed: number; seconds: number };
  }
  return null;
}

interface LatencyRun {
  idleP50: number;
  idleP99: number;
  cleaningP50: number;
  cleaningP99: number;
  cleaningMax: number;
  idleMax: number;
  idleSamples: number;
  samples: number;
  brokerMbPerSec: number;
  passSeconds: number;
}

async function latencyRun(client: BrokerClient, broker: SingleBroker, dataDir: string, run: number, mb: number): Promise<LatencyRun> {
  const topic = `big-${run}`;
  const configs = { 'cleanup.policy': 'compact', 'segment.bytes': String(segmentBytes(mb)), 'min.cleanable.dirty.ratio': '1' };
  await createTopics(broker.brokers, [{ name: topic, partitions: 1, configs }]);
  for (const batch of workload(mb, Compression.None, 1000 + run)) await produceOnce(client, topic, batch);
  const idleEnd = Date.now() + IDLE_PROBE_MS;
  const idle = await probe(client, () => Date.now() > idleEnd);
  await alterTopic(client, topic, { ...configs, 'min.cleanable.dirty.ratio': '0.01' });
  const started = Date.now();
  const cleaning = await probe(client, () => checkpointOf(dataDir, topic) !== null || Date.now() - started > PASS_TIMEOUT_MS);
  if (checkpointOf(dataDir, topic) === null) throw new Error(`the broker did not finish a pass over ${topic} within ${PASS_TIMEOUT_MS / 1000} s`);
  // The broker's log is written asynchronously: its line may lag the checkpoint a little.
  let pass = passLine(broker.logPath, topic);
  for (let i = 0; pass === null && i < 50; i++) {
    await sleep(100);
    pass = passLine(broker.logPath, topic);
  }
  return {
    idleP50: percentile(idle, 50),
    idleP99: percentile(idle, 99),
    idleMax: idle[idle.length - 1] ?? Number.NaN,
    idleSamples: idle.length,
    cleaningP50: percentile(cleaning, 50),
    cleaningP99: percentile(cleaning, 99),
    cleaningMax: cleaning[cleaning.length - 1] ?? Number.NaN,
    samples: cleaning.length,
    brokerMbPerSec: pass?.mbPerSec ?? Number.NaN,
    passSeconds: pass?.seconds ?? Number.NaN,
  };
}

const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '–');
const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '–');

export async function runCompactionBench(): Promise<void> {
  const mb = Number(process.env.GREGOR_BENCH_MB ?? 128);
  const runs = Number(process.env.GREGOR_BENCH_RUNS ?? 3);
  const started = Date.now();
  await initCompression();
  console.log(`compaction bench: ${mb} MiB logs of ${RECORD_BYTES} B records, ${LIVE_KEY_SHARE * 100}% live keys; median of ${runs} runs`);
  console.log(`load before: ${loadAverages()} (a shared machine: figures vary with the neighbours' load)`);

  let broker: SingleBroker | undefined;
  await inBenchScratch(
    {
      name: 'compaction',
      stopping: 'the broker and ZooKeeper',
      teardown: async () => {
        for (const stop of [...liveBrokers]) await stop();
      },
      onError: () => {
        if (broker) console.error(tail(broker.logPath));
      },
    },
    async (scratch) => {
      // 1. the Cleaner alone
      const rows: string[][] = [['cleaner pass (in process)', 'log MiB', 'after MiB', 's', 'MB/s']];
      for (const [name, codec] of [['uncompressed', Compression.None], ['lz4', Compression.Lz4]] as const) {
        const results: ThroughputRun[] = [];
        for (let r = 0; r < runs; r++) results.push(await cleanerPass(join(scratch.root, `cleaner-${name}-${r}`), mb, codec, r + 1));
        rows.push([
          name,
          f1(median(results.map((x) => x.logMb))),
          f1(median(results.map((x) => x.afterMb))),
          f2(median(results.map((x) => x.seconds))),
          f1(median(results.map((x) => x.mbPerSec))),
        ]);
      }
      printTable(rows);

      // 2. produce latency on a broker, idle vs cleaning
      const zk = await scratch.startZooKeeper();
      process.env.GREGOR_LOG_LEVEL ??= 'info';
      broker = await startReadyBroker(scratch.root, zk, undefined, ['log.cleaner.backoff.ms=200']);
      await createTopics(broker.brokers, [{ name: 'probe', partitions: 1 }]);
      const client = clientFor(broker);
      try {
        const results: LatencyRun[] = [];
        for (let r = 0; r < runs; r++) results.push(await latencyRun(client, broker, join(scratch.root, 'broker-data'), r, mb));
        const m = (pick: (x: LatencyRun) => number): string => f2(median(results.map(pick)));
        printTable([
          ['produce latency (ms, acks=1, one at a time)', 'p50', 'p99', 'max', 'samples'],
          ['idle', m((x) => x.idleP50), m((x) => x.idleP99), m((x) => x.idleMax), f1(median(results.map((x) => x.idleSamples)))],
          ['while the cleaner runs', m((x) => x.cleaningP50), m((x) => x.cleaningP99), m((x) => x.cleaningMax), f1(median(results.map((x) => x.samples)))],
        ]);
        const passSeconds = median(results.map((x) => x.passSeconds));
        console.log(
          `\nbroker's cleaning pass (worker thread): ${f2(passSeconds)} s per ${mb} MiB log = ${f1(mb / passSeconds)} MiB of log/s ` +
            `(${f1(median(results.map((x) => x.brokerMbPerSec)))} MB/s read: the map pass and the cleaning pass each read the log)`,
        );
      } finally {
        await client.close();
        await broker.stop();
      }
    },
  );
  printTotal(started);
}
