/**
 * Real clients for integration tests, each bounded in time and returning parsed output:
 * - kcat (librdkafka 2.0.2): `kcatProduce`, `kcatConsume` (JSON envelopes, -J), `kcatMetadata` (-L -J).
 * - Python (/usr/bin/python3 with the Debian kafka-python 2.0.2 and confluent-kafka 1.7.0): `python`,
 *   `pythonJson` (script on stdin, arguments after it).
 * - kafkajs 2.2.4: `kafkaClients(bootstrap)` with quiet logging and test-tuned retries; tracks what it creates
 *   and disconnects everything in `disconnectAll()`.
 * Every spawned client is SIGKILLed (by its own PID) when its timeout passes.
 */
import { spawn } from 'node:child_process';
import { Kafka, logLevel, type Admin, type Consumer, type ConsumerConfig, type KafkaConfig, type Producer, type ProducerConfig } from 'kafkajs';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a command with an optional stdin and a hard timeout (SIGKILL of that PID only). */
export function run(
  command: string,
  args: readonly string[],
  opts: { input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
      cwd: opts.cwd,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }, opts.timeoutMs ?? 30_000);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
      });
    });
    child.stdin.on('error', () => {}); // the client may exit before reading everything
    child.stdin.end(opts.input ?? '');
  });
}

function describeRun(what: string, r: RunResult): string {
  const how = r.timedOut ? 'timed out' : `exited with ${r.code ?? r.signal}`;
  return `${what} ${how}\nstderr: ${r.stderr.trim().slice(-2000)}\nstdout: ${r.stdout.trim().slice(-1000)}`;
}

// ---------------------------------------------------------------------------------------------- kcat

export const KCAT = process.env.GREGOR_KCAT ?? 'kcat';

export type Codec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface KcatProduceOptions {
  codec?: Codec;
  /** one key for every line (overridden by `{ key }` entries) */
  key?: string;
  /** default: librdkafka's partitioner */
  partition?: number;
  /** 'all' | 1 | 0 (default 'all') */
  acks?: 'all' | 0 | 1 | -1;
  /** extra librdkafka properties (`-X k=v`) */
  props?: Readonly<Record<string, string | number | boolean>>;
  timeoutMs?: number;
}

export type ProduceLine = string | { key: string | null; value: string };

const KEY_DELIM = '\x1f';

/**
 * Produces one message per entry with `kcat -P`; resolves once kcat has flushed and exited 0, rejects on any
 * delivery failure (with kcat's stderr). Values must not contain newlines.
 */
export async function kcatProduce(
  bootstrap: string,
  topic: string,
  lines: readonly ProduceLine[],
  opts: KcatProduceOptions = {},
): Promise<void> {
  const keyed = opts.key !== undefined || lines.some((l) => typeof l !== 'string');
  const body = lines
    .map((l) => {
      const key = typeof l === 'string' ? (opts.key ?? null) : l.key;
      const value = typeof l === 'string' ? l : l.value;
      if (value.includes('\n') || (key ?? '').includes('\n')) throw new Error('kcatProduce: values cannot contain newlines');
      // kcat -K: a line without the delimiter is produced with a null key
      return keyed && key !== null ? `${key}${KEY_DELIM}${value}` : value;
    })
    .join('\n');
  const args = ['-P', '-b', bootstrap, '-t', topic, '-X', `acks=${opts.acks ?? 'all'}`, '-X', 'message.timeout.ms=20000'];
  if (opts.codec) args.push('-X', `compression.codec=${opts.codec}`);
  if (opts.partition !== undefined) args.push('-p', String(opts.partition));
  if (keyed) args.push('-K', '\\x1f');
  for (const [k, v] of Object.entries(opts.props ?? {})) args.push('-X', `${k}=${String(v)}`);
  const r = await run(KCAT, args, { input: `${body}\n`, timeoutMs: opts.timeoutMs ?? 30_000 });
  if (r.code !== 0 || r.timedOut || /Delivery failed/.test(r.stderr)) {
    throw new Error(describeRun(`kcat produce to ${topic}`, r));
  }
}

export interface KcatMessage {
  topic: string;
  partition: number;
  offset: number;
  /** ms since epoch */
  timestamp: number;
  timestampType: 'create' | 'logappend' | 'unknown';
  broker: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export interface KcatConsumeOptions {
  partition?: number;
  /** stop after this many messages */
  count?: number;
  /** default true: from the beginning (else from `offset`, else the end) */
  fromBeginning?: boolean;
  offset?: number;
  /** exit at the end of the partition(s) when no count is given; default true */
  exitAtEnd?: boolean;
  props?: Readonly<Record<string, string | number | boolean>>;
  /** default 30 s; on timeout the call rejects unless `allowPartial` */
  timeoutMs?: number;
  allowPartial?: boolean;
}

interface KcatEnvelope {
  topic: string;
  partition: number;
  offset: number;
  tstype?: string;
  ts?: number;
  broker?: number;
  headers?: Record<string, string> | string[];
  key?: string | null;
  payload?: string | null;
}

function headersOf(h: KcatEnvelope['headers']): Record<string, string> {
  if (!h) return {};
  if (!Array.isArray(h)) return h;
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < h.length; i += 2) out[h[i] as string] = h[i + 1] as string;
  return out;
}

/** Consumes with `kcat -C -J` and returns the messages in the order kcat printed them. */
export async function kcatConsume(bootstrap: string, topic: string, opts: KcatConsumeOptions = {}): Promise<KcatMessage[]> {
  const start = opts.offset !== undefined ? String(opts.offset) : (opts.fromBeginning ?? true) ? 'beginning' : 'end';
  const args = ['-C', '-J', '-q', '-b', bootstrap, '-t', topic, '-o', start];
  if (opts.partition !== undefined) args.push('-p', String(opts.partition));
  if (opts.count !== undefined) args.push('-c', String(opts.count));
  else if (opts.exitAtEnd ?? true) args.push('-e');
  for (const [k, v] of Object.entries(opts.props ?? {})) args.push('-X', `${k}=${String(v)}`);
  const r = await run(KCAT, args, { timeoutMs: opts.timeoutMs ?? 30_000 });
  const messages: KcatMessage[] = [];
  for (const line of r.stdout.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    const e = JSON.parse(line) as KcatEnvelope;
    messages.push({
      topic: e.topic,
      partition: e.partition,
      offset: e.offset,
      timestamp: e.ts ?? -1,
      timestampType: e.tstype === 'create' || e.tstype === 'logappend' ? e.tstype : 'unknown',
      broker: e.broker ?? -1,
      key: e.key ?? null,
      value: e.payload ?? null,
      headers: headersOf(e.headers),
    });
  }
  const complete = opts.count === undefined ? r.code === 0 : messages.length >= opts.count;
  if ((!complete || r.timedOut) && !opts.allowPartial) {
    throw new Error(describeRun(`kcat consume from ${topic} (got ${messages.length}${opts.count ? `/${opts.count}` : ''})`, r));
  }
  return messages;
}

export interface KcatMetadata {
  originating_broker: { id: number; name: string };
  query: { topic: string };
  controllerid?: number;
  brokers: Array<{ id: number; name: string }>;
  topics: Array<{
    topic: string;
    error?: string;
    partitions: Array<{
      partition: number;
      leader: number;
      error?: string;
      replicas: Array<{ id: number }>;
      isrs: Array<{ id: number }>;
    }>;
  }>;
}

/** `kcat -L -J` (optionally for one topic), parsed. */
export async function kcatMetadata(
  bootstrap: string,
  opts: { topic?: string; timeoutMs?: number; props?: Readonly<Record<string, string | number | boolean>> } = {},
): Promise<KcatMetadata> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const args = ['-L', '-J', '-b', bootstrap, '-m', String(Math.max(1, Math.floor(timeoutMs / 2000)))];
  if (opts.topic) args.push('-t', opts.topic);
  for (const [k, v] of Object.entries(opts.props ?? {})) args.push('-X', `${k}=${String(v)}`);
  const r = await run(KCAT, args, { timeoutMs });
  const line = r.stdout.split('\n').find((l) => l.trim().startsWith('{'));
  if (r.code !== 0 || !line) throw new Error(describeRun('kcat -L -J', r));
  return JSON.parse(line) as KcatMetadata;
}

// ---------------------------------------------------------------------------------------------- python

export const PYTHON = process.env.GREGOR_PYTHON ?? '/usr/bin/python3';

/** Runs a Python script (given as source, fed on stdin) with `args` as sys.argv[1:]. */
export function python(script: string, args: readonly string[] = [], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return run(PYTHON, ['-', ...args], { input: script, timeoutMs: opts.timeoutMs ?? 60_000, env: { PYTHONUNBUFFERED: '1', ...opts.env } });
}

/** Runs a script that prints one JSON document as its last stdout line; rejects on a non-zero exit. */
export async function pythonJson<T = unknown>(script: string, args: readonly string[] = [], opts: { timeoutMs?: number } = {}): Promise<T> {
  const r = await python(script, args, opts);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || r.timedOut || !last) throw new Error(describeRun('python script', r));
  return JSON.parse(last) as T;
}

// ---------------------------------------------------------------------------------------------- kafkajs

/** A kafkajs Kafka with quiet logs (GREGOR_KAFKAJS_LOG=debug|info|warn|error to see them) and fast retries. */
export function kafkaClient(bootstrap: string, config: Partial<KafkaConfig> = {}): Kafka {
  const levels: Record<string, logLevel> = { debug: logLevel.DEBUG, info: logLevel.INFO, warn: logLevel.WARN, error: logLevel.ERROR };
  return new Kafka({
    clientId: 'gregor-test',
    brokers: bootstrap.split(','),
    logLevel: levels[process.env.GREGOR_KAFKAJS_LOG ?? ''] ?? logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 15_000,
    retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 10 },
    ...config,
  });
}

/** kafkajs clients created through here are disconnected by `disconnectAll()` (call it in afterEach/finally). */
export class KafkaClients {
  readonly kafka: Kafka;
  private readonly open = new Set<Producer | Consumer | Admin>();

  constructor(bootstrap: string, config: Partial<KafkaConfig> = {}) {
    this.kafka = kafkaClient(bootstrap, config);
  }

  async producer(config: ProducerConfig = {}): Promise<Producer> {
    const p = this.kafka.producer({ allowAutoTopicCreation: false, ...config });
    this.open.add(p);
    await p.connect();
    return p;
  }

  async consumer(config: ConsumerConfig): Promise<Consumer> {
    const c = this.kafka.consumer({ sessionTimeout: 10_000, heartbeatInterval: 500, rebalanceTimeout: 10_000, ...config });
    this.open.add(c);
    await c.connect();
    return c;
  }

  async admin(): Promise<Admin> {
    const a = this.kafka.admin();
    this.open.add(a);
    await a.connect();
    return a;
  }

  /** Disconnects one client now (one that a long test no longer needs: an idle kafkajs client left connected keeps
   * its topics' metadata, and refreshes it, long after the topics are gone). */
  async close(client: Producer | Consumer | Admin): Promise<void> {
    this.open.delete(client);
    await client.disconnect().catch(() => {});
  }

  async disconnectAll(): Promise<void> {
    const all = [...this.open];
    this.open.clear();
    await Promise.all(all.map((c) => c.disconnect().catch(() => {})));
  }
}

export function kafkaClients(bootstrap: string, config: Partial<KafkaConfig> = {}): KafkaClients {
  return new KafkaClients(bootstrap, config);
}
