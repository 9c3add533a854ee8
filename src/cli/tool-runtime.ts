/**
 * What every Kafka-style tool of gregor shares: how it connects (`--bootstrap-server`, or
 * `--zookeeper` for the pre-2.8 modes) and how it fails. A failure is ONE line on stderr —
 * Kafka's prefix for the tool (e.g. `Error while executing topic command : `) and the message —
 * and exit code 1; set GREGOR_DEBUG=1 for the stack.
 */
import { KafkaClient } from '../client/kafka-client.js';
import { readPropertiesFile } from '../config/properties.js';
import { clientSecurityFromProperties } from '../security/client-security.js';
import { javaStringHashCode } from '../coordinator/coordinator-placement.js';
import { ZkClient } from '../zk/client.js';
import { KafkaZkClient } from '../zk/kafka-zk-client.js';

/** A wrong combination of options (Kafka's printUsageAndDie); printed without the tool's prefix. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Output sinks, replaceable so tests can run a tool in-process. */
export interface ToolIo {
  out(text: string | Buffer): void;
  err(text: string): void;
  /** lines or chunks of standard input (console-producer) */
  stdin?: AsyncIterable<string | Buffer>;
  /** calls `stop` on Ctrl-C / SIGTERM (console-consumer); returns the unregistration */
  onInterrupt?(stop: () => void): () => void;
}

export const processIo: ToolIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  stdin: process.stdin,
  onInterrupt(stop) {
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    return () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    };
  },
};

/** Splits a stream of chunks into lines (without the line terminator; a last unterminated line included). */
export async function* readLines(input: AsyncIterable<string | Buffer>): AsyncGenerator<string> {
  let pending = '';
  for await (const chunk of input) {
    pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      yield pending.slice(0, nl).replace(/\r$/, '');
      pending = pending.slice(nl + 1);
    }
  }
  if (pending !== '') yield pending;
}

/** Runs a tool body; returns its exit code (0 unless it returns one), or 1 after one stderr line. */
export async function runTool(io: ToolIo, errorPrefix: string, body: () => Promise<number | void>): Promise<number> {
  try {
    return (await body()) ?? 0;
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const line = e instanceof UsageError ? e.message : `${errorPrefix}${e.message}`;
    io.err(`${line.replace(/\n/g, ' ')}\n`);
    if (process.env.GREGOR_DEBUG) io.err(`${e.stack ?? ''}\n`);
    return 1;
  }
}

export interface ConnectOptions {
  bootstrapServer?: string;
  zookeeper?: string;
  /** --timeout / request deadline in ms */
  timeoutMs?: number;
  /**
   * --command-config (--admin.config, --producer.config, --consumer.config): a client properties
   * file whose security.protocol, ssl.* and sasl.* keys say how to connect
   */
  commandConfig?: string;
  /** client properties from the command line (--producer-property, --consumer-property), over the file's */
  clientProperties?: ReadonlyMap<string, string>;
}

/** The admin client of `--bootstrap-server`; closed by the caller. */
export function adminClient(o: ConnectOptions, clientId = 'gregor-admin'): KafkaClient {
  if (!o.bootstrapServer) throw new UsageError('--bootstrap-server must be specified');
  const props = new Map(o.commandConfig ? readPropertiesFile(o.commandConfig) : []);
  for (const [k, v] of o.clientProperties ?? []) props.set(k, v);
  const security = clientSecurityFromProperties(props, o.commandConfig ?? 'client properties');
  return new KafkaClient({ bootstrapServers: o.bootstrapServer, clientId, timeoutMs: o.timeoutMs ?? 30_000, ...(security ? { security } : {}) });
}

/**
 * The ZooKeeper client of `--zookeeper host:port[/chroot]`. A chroot that does not exist is an
 * error (the tools must not create it, unlike a broker).
 */
export async function zookeeperClient(connect: string, timeoutMs = 30_000): Promise<KafkaZkClient> {
  const slash = connect.indexOf('/');
  if (slash >= 0 && slash < connect.length - 1) {
    const root = await ZkClient.connect({ connectString: connect.slice(0, slash), connectionTimeoutMs: timeoutMs, reinitializeOnExpiry: false });
    const exists = await root.exists(connect.slice(slash)).finally(() => root.close());
    if (!exists) throw new Error(`ZooKeeper path ${connect.slice(slash)} does not exist on ${connect.slice(0, slash)}`);
  }
  return new KafkaZkClient(await ZkClient.connect({ connectString: connect, connectionTimeoutMs: timeoutMs, reinitializeOnExpiry: false }));
}

/** Kafka's IncludeList: a regex where ',' also separates alternatives; the whole name must match. */
export function includeListRegExp(spec: string): RegExp {
  const source = spec.trim().replace(/,/g, '|').replace(/^["']|["']$/g, '');
  try {
    return new RegExp(`^(?:${source})$`);
  } catch {
    throw new Error(`${spec} is an invalid regex.`);
  }
}

export function includeList(spec: string): (name: string) => boolean {
  const re = includeListRegExp(spec);
  return (name) => re.test(name);
}

/** `k=v` strings (repeatable option) → map; Kafka splits at `=` with optional spaces around it. */
export function parseKeyValues(items: readonly string[] | undefined, what: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of items ?? []) {
    const parts = item.split(/\s*=\s*/);
    if (parts.length !== 2) throw new Error(`Invalid ${what}: all configs to be added must be in the format "key=val".`);
    out.set((parts[0] as string).trim(), (parts[1] as string).trim());
  }
  return out;
}

/**
 * The iteration order of a java.util.HashMap built by inserting `keys` in order into
 * `new HashMap<>(initialCapacity)`, `hash` being the key's hashCode: tools that print a map (topic
 * descriptions, log dirs) print in this order, and a byte-for-byte copy of their output has to as well.
 */
export function javaHashMapOrder<K>(keys: readonly K[], initialCapacity: number = keys.length, hash: (k: K) => number = (k) => javaStringHashCode(String(k))): K[] {
  let cap = 1;
  while (cap < initialCapacity) cap *= 2;
  let threshold = Math.floor(cap * 0.75);
  for (let size = 1; size <= keys.length; size++) {
    if (size > threshold) {
      cap *= 2;
      threshold = Math.floor(cap * 0.75);
    }
  }
  const bucket = (k: K): number => {
    const h = hash(k);
    return (h ^ (h >>> 16)) & (cap - 1);
  };
  return keys
    .map((k, i) => ({ k, i, b: bucket(k) }))
    .sort((x, y) => x.b - y.b || x.i - y.i)
    .map((e) => e.k);
}

/** Java's TopicPartition.hashCode. */
export function topicPartitionHash(tp: { topic: string; partition: number }): number {
  return (Math.imul(31, 31 + tp.partition) + javaStringHashCode(tp.topic)) | 0;
}
