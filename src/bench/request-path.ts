/**
 * The broker's cost per request on its hot paths, in one process without sockets (`npm run bench -- path`): whole
 * request frames go through the router (header and body decode, handler, replica manager, log, purgatory, response
 * encode) exactly as a connection hands them over, on a real log in a scratch directory. The machine is shared, so
 * the figure is CPU time (process.cpuUsage) per request, median of RUNS rounds, not wall time.
 *
 * Workloads (Produce v7, Fetch v11, one partition):
 * - produce 100 B: acks=1, one record per request (librdkafka with linger.ms=0 sends these);
 * - produce 16 KiB: acks=1, a batch of 16 records of 1 KiB (the 1 KB throughput path);
 * - acks=all round: acks=-1 Produce of one record on a partition with a follower, then that follower's Fetch at
 *   the new log end (moving the high watermark, which completes the Produce) and its answer;
 * - consumer fetch: a consumer Fetch of the record just produced.
 * Anchor (reference/performance.md §2.5, the minimal produce path): per request, CRC-32C of the batch, one
 * positional writeSync of it, an 8-byte answer. The ratio gregor ÷ anchor is the broker's own overhead.
 * Environment: GREGOR_BENCH_REQUESTS (requests per round, default 20000), GREGOR_BENCH_RUNS (5), GREGOR_BENCH_CASES
 * (produce, produce-1k, acks-all, consumer-fetch).
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SystemClock } from '../common/clock.js';
import { silentLogger } from '../common/logger.js';
import { ReplicaManager } from '../cluster/replica-manager.js';
import { TopicConfigCache } from '../cluster/topic-log-config.js';
import { BrokerConfig } from '../config/broker-config.js';
import { LogManager } from '../log/log-manager.js';
import { MetadataCache } from '../metadata/metadata-cache.js';
import type { ConnectionInfo, FinalOutcome, RequestOutcome } from '../network/connection.js';
import { encodeRequestHeader } from '../protocol/header.js';
import { FetchRequest } from '../protocol/messages/fetch.js';
import { ProduceRequest } from '../protocol/messages/produce.js';
import { Writer } from '../protocol/primitives.js';
import { buildRecordBatch, crc32c } from '../protocol/records/index.js';
import type { BrokerDeps } from '../server/broker-deps.js';
import { createFetchHandler } from '../server/handlers/fetch.js';
import { createProduceHandler } from '../server/handlers/produce.js';
import { createRouter, type Router } from '../server/router.js';
import { median, printTable } from './bench-cluster.js';

const ME = 1;
const FOLLOWER = 2;
const CONN: ConnectionInfo = { connectionId: 'bench', clientAddress: '127.0.0.1', clientPort: 1, listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT' };

function frame(spec: typeof ProduceRequest | typeof FetchRequest, version: number, body: unknown): Buffer {
  const w = new Writer();
  encodeRequestHeader(w, { apiKey: spec.apiKey, apiVersion: version, correlationId: 7, clientId: 'rdkafka' }, false);
  spec.encode(w, version, body as never);
  return w.toBuffer();
}

function produceFrame(topic: string, records: Buffer, acks: number): Buffer {
  return frame(ProduceRequest, 7, { transactionalId: null, acks, timeoutMs: 30_000, topics: [{ name: topic, partitions: [{ partitionIndex: 0, records }] }] });
}

function fetchFrame(topic: string, replicaId: number, fetchOffset: number): Buffer {
  return frame(FetchRequest, 11, {
    replicaId,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 10 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: 0, fetchOffset, logStartOffset: 0, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
}

async function settle(o: RequestOutcome | Promise<RequestOutcome>): Promise<FinalOutcome> {
  const r = await o;
  return r.type === 'deferred' ? r.answer : r;
}

interface Fixture {
  router: Router;
  rm: ReplicaManager;
  close(): void;
}

async function fixture(dir: string): Promise<Fixture> {
  const clock = new SystemClock();
  const config = BrokerConfig.parse({ 'broker.id': String(ME), 'zookeeper.connect': 'localhost:2181', 'log.dirs': dir });
  const topicConfigs = new TopicConfigCache(config, async () => ({}));
  const logManager = new LogManager({ logDirs: [dir], clock, topicConfig: (t) => topicConfigs.get(t).log });
  logManager.startup();
  const metadataCache = new MetadataCache();
  const log = silentLogger();
  const rm = new ReplicaManager({
    brokerId: ME,
    logManager,
    metadataCache,
    topicConfigs,
    clock,
    log,
    brokerEpoch: () => 1,
    replicaLagTimeMaxMs: 30_000,
    highWatermarkCheckpointIntervalMs: 3_600_000,
  });
  rm.startup();
  const topics = [
    { topic: 'solo', replicas: [ME] },
    { topic: 'replicated', replicas: [ME, FOLLOWER] },
  ];
  metadataCache.update({
    controllerId: ME,
    controllerEpoch: 1,
    liveBrokers: [ME, FOLLOWER].map((id) => ({ id, rack: null, endpoints: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + id, securityProtocol: 0 }] })),
    partitions: topics.map((t) => ({ topic: t.topic, partition: 0, controllerEpoch: 1, leader: ME, leaderEpoch: 0, isr: t.replicas, zkVersion: 0, replicas: t.replicas, offlineReplicas: [] })),
  });
  await rm.becomeLeaderOrFollower(
    { controllerId: ME, controllerEpoch: 1, brokerEpoch: 1 },
    topics.map((t) => ({ topic: t.topic, partition: 0, controllerEpoch: 1, leader: ME, leaderEpoch: 0, isr: t.replicas, zkVersion: 0, replicas: t.replicas, isNew: true })),
  );
  const deps = { brokerId: ME, clusterId: 'bench', config, clock, log, metadataCache, logManager, partitions: rm } as unknown as BrokerDeps;
  const router = createRouter([createProduceHandler(deps, rm), createFetchHandler(deps, rm)], { log });
  return {
    router,
    rm,
    close: () => {
      rm.shutdown();
      logManager.shutdown();
    },
  };
}

/** CPU µs per request of `step` run `n` times (each step may await). */
async function measure(n: number, step: (i: number) => Promise<void> | void): Promise<number> {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await step(i);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}

export async function runRequestPathBench(): Promise<void> {
  const n = Number(process.env.GREGOR_BENCH_REQUESTS ?? 20_000);
  const runs = Number(process.env.GREGOR_BENCH_RUNS ?? 5);
  const dir = mkdtempSync(join(tmpdir(), 'gregor-bench-path-'));
  console.log(`request path bench: ${n} requests per round, median of ${runs} rounds after a warm-up; CPU µs per request (user+sys), in-process, no sockets`);
  const small = buildRecordBatch([{ key: null, value: Buffer.alloc(100, 0x61), timestamp: Date.now() }]);
  const big = buildRecordBatch(Array.from({ length: 16 }, (_, i) => ({ key: null, value: Buffer.alloc(1024, 0x61 + i), timestamp: Date.now() })));
  const f = await fixture(dir);
  const anchorFd = openSync(join(dir, 'anchor.log'), 'w');
  let anchorPos = 0;
  const anchor = (batch: Buffer): void => {
    if (crc32c(batch.subarray(21)) === 1) throw new Error('unreachable');
    anchorPos += writeSync(anchorFd, batch, 0, batch.length, anchorPos);
    Buffer.alloc(8).writeInt32BE(4, 0);
  };
  // Fresh frames for every request: the log rewrites offsets in place and may keep the bytes.
  const frames = (make: () => Buffer): Buffer[] => Array.from({ length: n }, make);
  const leo = (topic: string): number => f.rm.getPartition({ topic, partition: 0 })!.log!.logEndOffset;

  type Workload = { id: string; name: string; bytes: number; gregor: () => Promise<number>; anchor: (() => Promise<number>) | null };
  /** acks=1 Produce of `batch` through the router, beside the anchor writing the same batch. */
  const produceWorkload = (id: string, name: string, batch: Buffer): Workload => ({
    id,
    name,
    bytes: batch.length,
    gregor: async () => {
      const fs = frames(() => produceFrame('solo', Buffer.from(batch), 1));
      return measure(n, async (i) => void (await settle(f.router.process(fs[i]!, CONN, 0))));
    },
    anchor: async () => {
      const bs = frames(() => Buffer.from(batch));
      return measure(n, (i) => anchor(bs[i]!));
    },
  });
  const workloads: Workload[] = [
    produceWorkload('produce', 'produce 100 B, acks=1', small),
    produceWorkload('produce-1k', 'produce 16 × 1 KiB, acks=1', big),
    {
      id: 'acks-all',
      name: 'acks=all round (produce + follower fetch)',
      bytes: small.length,
      gregor: async () => {
        const fs = frames(() => produceFrame('replicated', Buffer.from(small), -1));
        let fetchOffset = leo('replicated');
        return measure(n, async (i) => {
          const produced = f.router.process(fs[i]!, CONN, 0);
          // the follower fetches what was appended, then comes back at the new end: that moves the HW
          await settle(f.router.process(fetchFrame('replicated', FOLLOWER, fetchOffset), CONN, 0));
          fetchOffset = leo('replicated');
          await settle(f.router.process(fetchFrame('replicated', FOLLOWER, fetchOffset), CONN, 0));
          await settle(produced);
        });
      },
      anchor: null,
    },
    {
      id: 'consumer-fetch',
      name: 'consumer fetch of 1 record',
      bytes: small.length,
      gregor: async () => {
        const end = leo('solo');
        return measure(n, async (i) => void (await settle(f.router.process(fetchFrame('solo', -1, end - 1 - (i % 100)), CONN, 0))));
      },
      anchor: null,
    },
  ];
  const rows: string[][] = [['workload', 'gregor µs/req', 'MB/s', 'anchor µs/req', 'gregor ÷ anchor']];
  try {
    const selected = new Set((process.env.GREGOR_BENCH_CASES ?? workloads.map((w) => w.id).join(',')).split(','));
    for (const w of workloads) {
      if (!selected.has(w.id)) continue;
      const g: number[] = [];
      const a: number[] = [];
      for (let run = 0; run <= runs; run++) {
        const gv = await w.gregor();
        const av = w.anchor ? await w.anchor() : Number.NaN;
        if (run === 0) continue;
        g.push(gv);
        a.push(av);
      }
      const gm = median(g);
      const am = median(a);
      rows.push([w.name, gm.toFixed(2), ((w.bytes / gm) * 1e6 / 1e6).toFixed(0), Number.isNaN(am) ? '–' : am.toFixed(2), Number.isNaN(am) ? '–' : `${(gm / am).toFixed(2)}×`]);
    }
  } finally {
    closeSync(anchorFd);
    f.close();
    rmSync(dir, { recursive: true, force: true });
  }
  printTable(rows);
  console.log('');
  console.log('µs of CPU per request; MB/s = batch bytes ÷ that time on one core. The anchor: CRC-32C + writeSync + an 8-byte answer.');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runRequestPathBench();
}
