/**
 * capture-fixtures: records the raw request frames real clients send, as byte fixtures for
 * test/unit/protocol/fixtures.test.ts. Run with `npx tsx scripts/capture-fixtures.ts`.
 *
 * A tiny Kafka-speaking listener on 127.0.0.1 (an ephemeral port) answers just enough for a
 * client to produce: ApiVersions (Kafka 2.7's ranges, protocol.md §1; a version above 3 gets the
 * v0-layout UNSUPPORTED_VERSION reply, §3.4), Metadata (one broker = this listener, topic
 * `fixtures` with one partition it leads) and Produce (success, offsets 0, 1, …; no reply for
 * acks=0). Any other request closes the connection. Every request frame, size prefix included,
 * is written to test/fixtures/protocol/<client>/<api>-v<N>[-variant].hex (the first frame of
 * each name wins).
 *
 * Clients (protocol.md §2.4): kcat 1.7.1 / librdkafka 2.0.2 (`-L`, and `-P` with each codec) and
 * kafka-python 2.0.2 (/usr/bin/python3, version probe then a producer with each codec). Each
 * client process is started here, bounded by a timeout, and killed by its own pid; the listener
 * is closed at the end.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiKey } from '../src/protocol/api-keys.js';
import { decodeRequestHeader, encodeResponseHeader } from '../src/protocol/header.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../src/protocol/messages/api-versions.js';
import { MetadataRequest, MetadataResponse } from '../src/protocol/messages/metadata.js';
import { ProduceRequest, ProduceResponse } from '../src/protocol/messages/produce.js';
import { Reader, Writer } from '../src/protocol/primitives.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'test/fixtures/protocol');
const TOPIC = 'fixtures';
const NODE_ID = 1;
const CLIENT_TIMEOUT_MS = 20_000;

/** Kafka 2.7's advertised table (protocol.md §1): keys 0–51, 56, 57, every min version 0. */
const KAFKA_27_MAX: ReadonlyArray<readonly [number, number]> = [
  [0, 8], [1, 12], [2, 5], [3, 9], [4, 4], [5, 3], [6, 6], [7, 3], [8, 8], [9, 7], [10, 3], [11, 7],
  [12, 4], [13, 4], [14, 5], [15, 5], [16, 4], [17, 1], [18, 3], [19, 6], [20, 5], [21, 2], [22, 4],
  [23, 3], [24, 2], [25, 2], [26, 2], [27, 0], [28, 3], [29, 2], [30, 2], [31, 2], [32, 3], [33, 1],
  [34, 1], [35, 2], [36, 2], [37, 3], [38, 2], [39, 2], [40, 2], [41, 2], [42, 2], [43, 2], [44, 1],
  [45, 0], [46, 0], [47, 0], [48, 0], [49, 0], [50, 0], [51, 0], [56, 0], [57, 0],
];

const TABLES = new Map<number, { name: string; isFlexible(v: number): boolean }>([
  [ApiKey.ApiVersions, { name: 'api-versions', isFlexible: (v) => ApiVersionsRequest.isFlexible(v) }],
  [ApiKey.Metadata, { name: 'metadata', isFlexible: (v) => MetadataRequest.isFlexible(v) }],
  [ApiKey.Produce, { name: 'produce', isFlexible: (v) => ProduceRequest.isFlexible(v) }],
]);

const isFlexible = (apiKey: number, v: number): boolean => TABLES.get(apiKey)?.isFlexible(v) ?? false;

/** What the current client run is called, and how its frames are named. */
interface Run {
  client: string;
  /** variant suffix per API (e.g. the codec for Produce); no entry = no suffix */
  variants: Partial<Record<string, string>>;
}

let current: Run | null = null;
const written = new Set<string>();

function record(frame: Buffer, apiKey: number, apiVersion: number): void {
  const table = TABLES.get(apiKey);
  if (!current || !table) return;
  const variant = current.variants[table.name];
  const file = join(OUT, current.client, `${table.name}-v${apiVersion}${variant ? `-${variant}` : ''}.hex`);
  if (written.has(file)) return;
  written.add(file);
  mkdirSync(dirname(file), { recursive: true });
  const hex = frame.toString('hex').replace(/(.{64})/g, '$1\n').trimEnd();
  writeFileSync(file, `${hex}\n`);
  console.log(`captured ${file.slice(ROOT.length + 1)} (${frame.length} bytes)`);
}

function respond(socket: net.Socket, apiKey: number, correlationId: number, flexible: boolean, body: (w: Writer) => void): void {
  const w = new Writer();
  encodeResponseHeader(w, apiKey, correlationId, flexible);
  body(w);
  const payload = w.toBuffer();
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  socket.write(Buffer.concat([size, payload]));
}

function handle(socket: net.Socket, port: number, frame: Buffer): void {
  const body = new Reader(frame, 4);
  const apiKey = frame.readInt16BE(4);
  const apiVersion = frame.readInt16BE(6);
  if (apiKey === ApiKey.ApiVersions && apiVersion > ApiVersionsRequest.maxVersion) {
    // KIP-511: an ApiVersions version we do not know is answered in the v0 layout.
    respond(socket, apiKey, frame.readInt32BE(8), false, (w) => {
      ApiVersionsResponse.encode(w, 0, { errorCode: 35, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }] });
    });
    return;
  }
  const header = decodeRequestHeader(body, isFlexible);
  record(frame, apiKey, apiVersion);
  const flexible = isFlexible(apiKey, apiVersion);
  switch (apiKey) {
    case ApiKey.ApiVersions:
      ApiVersionsRequest.decode(body, apiVersion);
      respond(socket, apiKey, header.correlationId, flexible, (w) =>
        ApiVersionsResponse.encode(w, apiVersion, {
          errorCode: 0,
          apiKeys: KAFKA_27_MAX.map(([key, max]) => ({ apiKey: key, minVersion: 0, maxVersion: max })),
          throttleTimeMs: 0,
        }),
      );
      return;
    case ApiKey.Metadata:
      MetadataRequest.decode(body, apiVersion);
      respond(socket, apiKey, header.correlationId, flexible, (w) =>
        MetadataResponse.encode(w, apiVersion, {
          throttleTimeMs: 0,
          brokers: [{ nodeId: NODE_ID, host: '127.0.0.1', port, rack: null }],
          clusterId: 'gregor-fixtures',
          controllerId: NODE_ID,
          topics: [
            {
              errorCode: 0,
              name: TOPIC,
              isInternal: false,
              partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: NODE_ID, leaderEpoch: 0, replicaNodes: [NODE_ID], isrNodes: [NODE_ID], offlineReplicas: [] }],
            },
          ],
        }),
      );
      return;
    case ApiKey.Produce: {
      const req = ProduceRequest.decode(body, apiVersion);
      if (req.acks === 0) return;
      respond(socket, apiKey, header.correlationId, flexible, (w) =>
        ProduceResponse.encode(w, apiVersion, {
          responses: req.topics.map((t) => ({
            name: t.name,
            partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0, baseOffset: nextOffset++, logStartOffset: 0 })),
          })),
          throttleTimeMs: 0,
        }),
      );
      return;
    }
    default:
      console.log(`closing on unhandled api ${apiKey} v${apiVersion}`);
      socket.destroy();
  }
}

let nextOffset = 0;

const sockets = new Set<net.Socket>();

function serve(server: net.Server): void {
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 4) {
        const size = buf.readInt32BE(0);
        if (size < 8 || size > 64 * 1024 * 1024) {
          socket.destroy();
          return;
        }
        if (buf.length < 4 + size) break;
        const frame = buf.subarray(0, 4 + size);
        buf = buf.subarray(4 + size);
        try {
          handle(socket, (server.address() as net.AddressInfo).port, frame);
        } catch (e) {
          console.error('cannot handle a frame:', e);
          socket.destroy();
          return;
        }
      }
    });
    socket.on('error', () => socket.destroy());
  });
}

/** Runs one client process to completion, killing it (by its pid) if it overruns. */
function runClient(cmd: string, args: string[], input?: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'inherit', 'inherit'] });
    const timer = setTimeout(() => {
      console.error(`${cmd} overran ${CLIENT_TIMEOUT_MS} ms; killing pid ${child.pid}`);
      child.kill('SIGKILL');
    }, CLIENT_TIMEOUT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.stdin.end(input ?? '');
  });
}

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

/**
 * Two compressible messages, sent in one batch (a linger of 200 ms): both clients fall back to
 * an uncompressed batch when compression does not shrink it, so tiny values would defeat the
 * point of the codec variants.
 */
const MESSAGES = [1, 2].map((i) => `fixture-message-${i} ${'compressible-'.repeat(20)}`);

function kafkaPythonProducer(port: number, codec: (typeof CODECS)[number]): string {
  return [
    'from kafka import KafkaProducer',
    `p = KafkaProducer(bootstrap_servers='127.0.0.1:${port}', compression_type=${codec === 'none' ? 'None' : `'${codec}'`},`,
    '                  request_timeout_ms=10000, max_block_ms=10000, linger_ms=200)',
    `p.send('${TOPIC}', key=b'key-1', value=b'${MESSAGES[0]}')`,
    `p.send('${TOPIC}', key=b'key-2', value=b'${MESSAGES[1]}')`,
    'p.flush(10)',
    'p.close(5)',
  ].join('\n');
}

async function main(): Promise<void> {
  const server = net.createServer();
  serve(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const broker = `127.0.0.1:${port}`;
  const messages = MESSAGES.map((m) => `${m}\n`).join('');
  try {
    current = { client: 'kcat', variants: { metadata: 'list' } };
    await runClient('kcat', ['-b', broker, '-L', '-m', '10']);
    for (const codec of CODECS) {
      current = { client: 'kcat', variants: { metadata: 'producer', produce: codec } };
      await runClient('kcat', ['-b', broker, '-P', '-t', TOPIC, '-p', '0', '-z', codec, '-X', 'linger.ms=200'], messages);
    }
    for (const codec of CODECS) {
      current = { client: 'kafka-python', variants: { produce: codec } };
      await runClient('/usr/bin/python3', ['-c', kafkaPythonProducer(port, codec)]);
    }
  } finally {
    current = null;
    // connections the clients left open must not keep the listener alive
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
