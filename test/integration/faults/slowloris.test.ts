/**
 * Slow and oversized senders against one broker (a child process, so its RSS can be read), while a healthy kafkajs
 * producer keeps sending (reliability.md §6.7):
 * - slowloris: 1,000 connections each writing a valid Metadata request one byte per second (CI: 10 s, so the frames
 *   stay incomplete; GREGOR_SOAK=1: 90 s, so they complete and each must be answered correctly);
 * - oversized frames: 200 connections declaring a frame above socket.request.max.bytes (closed at once, nothing
 *   allocated), and 100 declaring 64 MiB, sending 256 KiB and stalling (the broker holds what arrived, never the
 *   declared size).
 * Memory stays bounded (RSS growth under 256 MiB, printed); the healthy producer is served throughout (every send
 * acknowledged). Its latencies before and under each attack are printed, not asserted.
 */
import net from 'node:net';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { MetadataRequest } from '../../../src/protocol/messages/metadata.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, type KafkaClients } from '../../harness/clients.js';
import { encodeRequest } from '../../harness/fuzz.js';
import { frameWithSize, mib, rssBytes } from '../../harness/raw-kafka.js';

const SOAK = process.env.GREGOR_SOAK === '1';
const SLOW_CONNECTIONS = 1000;
const SLOW_SECONDS = SOAK ? 90 : 10;
const MAX_REQUEST_BYTES = 100 * 1024 * 1024;
const RSS_CAP = 256 * 1048576;
const TOPIC = 'healthy';

let cluster: Cluster;
let clients: KafkaClients;
let producer: Producer;
let pid: number;
const report: string[] = [];

beforeAll(async () => {
  cluster = await startCluster({ brokers: 1, brokerConfig: { 'offsets.topic.replication.factor': 1, 'socket.request.max.bytes': MAX_REQUEST_BYTES } });
  pid = cluster.process(0).pid;
  clients = kafkaClients(cluster.bootstrapServers);
  const admin = await clients.admin();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  producer = await clients.producer();
});

afterAll(async () => {
  await clients?.disconnectAll();
  await cluster?.close();
  if (report.length) console.log(`slow and oversized senders:\n  ${report.join('\n  ')}`);
});

/** Sends one record at a time for `ms`; every send must be acknowledged. Returns the latencies. */
async function healthyTraffic(ms: number): Promise<number[]> {
  const latencies: number[] = [];
  const end = Date.now() + ms;
  let i = 0;
  while (Date.now() < end) {
    const t0 = performance.now();
    await producer.send({ topic: TOPIC, acks: -1, messages: [{ value: `healthy-${i++}` }] });
    latencies.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 20));
  }
  return latencies;
}

function percentiles(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(1);
  return `${s.length} sends, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${s.at(-1)!.toFixed(1)} ms`;
}

function openSockets(n: number): Promise<net.Socket[]> {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect(cluster.port(0), '127.0.0.1', () => resolve(s));
          s.on('error', reject);
        }),
    ),
  );
}

describe('slow and oversized senders', () => {
  it(`slowloris: ${SLOW_CONNECTIONS} connections at one byte a second for ${SLOW_SECONDS} s; memory bounded, the healthy producer served`, { timeout: (SLOW_SECONDS + 120) * 1000 }, async () => {
    const baseline = await healthyTraffic(3000);
    report.push(`healthy producer alone: ${percentiles(baseline)}`);
    const rss0 = rssBytes(pid);
    const frame = frameWithSize(encodeRequest(MetadataRequest, 1, { topics: [{ name: TOPIC }] }, 7, 'slowloris'));
    const sockets = await openSockets(SLOW_CONNECTIONS);
    const answers = new Array<Buffer>(sockets.length).fill(Buffer.alloc(0));
    const closed = new Set<number>();
    sockets.forEach((s, i) => {
      s.on('data', (c: Buffer) => void (answers[i] = Buffer.concat([answers[i]!, c])));
      s.on('close', () => closed.add(i));
      s.on('error', () => closed.add(i));
    });
    let sent = 0;
    const drip = setInterval(() => {
      if (sent >= frame.length) return;
      for (const s of sockets) if (!s.destroyed) s.write(frame.subarray(sent, sent + 1));
      sent++;
    }, 1000);
    const rss: number[] = [];
    const sampler = setInterval(() => rss.push(rssBytes(pid)), 1000);
    let under: number[];
    try {
      under = await healthyTraffic(SLOW_SECONDS * 1000);
    } finally {
      clearInterval(drip);
      clearInterval(sampler);
    }
    if (sent >= frame.length) {
      // the soak's frames completed: each slow connection gets its Metadata answer (correlation id 7)
      await cluster.waitFor(() => answers.every((a) => a.length >= 8 && a.readInt32BE(4) === 7), 'every slow request answered', 30_000);
    }
    for (const s of sockets) s.destroy();
    const peak = Math.max(rss0, ...rss);
    report.push(
      `slowloris (${SLOW_CONNECTIONS} connections, ${sent}/${frame.length} bytes each sent, ${closed.size} closed by the broker): ${percentiles(under)}; RSS ${mib(rss0)} → peak ${mib(peak)}`,
    );
    expect(cluster.isRunning(0)).toBe(true);
    expect(under.length).toBeGreaterThan(0);
    expect(peak - rss0).toBeLessThan(RSS_CAP);
  });

  it('oversized frames: declared sizes past the limit are refused before allocating; big declared frames hold only what arrived', { timeout: 180_000 }, async () => {
    const rss0 = rssBytes(pid);
    // past socket.request.max.bytes (and a 2 GiB one): closed at once
    const tooBig = await openSockets(200);
    const closedAt = await Promise.all(
      tooBig.map(
        (s, i) =>
          new Promise<number>((resolve) => {
            const t0 = Date.now();
            s.on('close', () => resolve(Date.now() - t0));
            s.on('error', () => {});
            const size = Buffer.alloc(4);
            size.writeInt32BE(i % 2 === 0 ? MAX_REQUEST_BYTES + 1 : 0x7fffffff);
            s.write(Buffer.concat([size, Buffer.alloc(64, 1)]));
          }),
      ),
    );
    report.push(`oversized declarations: 200 connections closed by the broker (slowest after ${Math.max(...closedAt)} ms)`);
    // under the limit, declared 64 MiB, 256 KiB sent, then nothing: held while the healthy producer runs
    const stalled = await openSockets(100);
    const chunk = Buffer.alloc(256 * 1024, 7);
    for (const s of stalled) {
      s.on('error', () => {});
      const head = Buffer.alloc(8);
      head.writeInt32BE(64 * 1024 * 1024, 0);
      head.writeInt16BE(ApiKey.Produce, 4);
      s.write(Buffer.concat([head, chunk]));
    }
    const rss: number[] = [];
    const sampler = setInterval(() => rss.push(rssBytes(pid)), 500);
    let under: number[];
    try {
      under = await healthyTraffic(5000);
    } finally {
      clearInterval(sampler);
    }
    for (const s of stalled) s.destroy();
    const peak = Math.max(rss0, ...rss);
    report.push(`100 stalled 64 MiB frames (256 KiB each sent): ${percentiles(under)}; RSS ${mib(rss0)} → peak ${mib(peak)} (declared total 6400 MiB)`);
    expect(cluster.isRunning(0)).toBe(true);
    expect(peak - rss0).toBeLessThan(RSS_CAP);
  });
});
