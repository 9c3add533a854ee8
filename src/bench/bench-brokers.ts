/**
 * What the multi-broker benchmarks (replication, latency, soak) share: gregor brokers as child processes with ids,
 * optionally pinned to one CPU, started/killed/stopped by their own PIDs; polling with a deadline that prints the
 * brokers' log tails on failure; Metadata and CreateTopics through our own BrokerClient.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { BrokerClient } from '../network/client.js';
import { CreateTopicsRequest, CreateTopicsResponse } from '../protocol/messages/create-topics.js';
import { DeleteTopicsRequest, DeleteTopicsResponse } from '../protocol/messages/delete-topics.js';
import { FindCoordinatorRequest, FindCoordinatorResponse } from '../protocol/messages/find-coordinator.js';
import { MetadataRequest, MetadataResponse } from '../protocol/messages/metadata.js';
import { freePort } from '../zk/server-process.js';
import { brokerOverrides, sleep, spawnBroker, tail } from './bench-cluster.js';
import { canPin } from './kcat.js';

export interface BenchBrokerOptions {
  /** zookeeper.session.timeout.ms (default 6000: quick failover in the replication bench; Kafka's 18000 rides out load spikes) */
  sessionMs?: number;
  /** taskset CPU (or list, "0,1") for the broker process */
  cpu?: number | string;
  /** more `key=value` overrides */
  overrides?: readonly string[];
  /** extra node flags (e.g. --cpu-prof) */
  nodeArgs?: readonly string[];
  /** load the runtime probe, sampling every this many ms into `probePath` */
  probeIntervalMs?: number;
}

export class BenchBroker {
  child: ChildProcess | undefined;
  exited: Promise<void> = Promise.resolve();
  constructor(
    readonly id: number,
    readonly port: number,
    private readonly root: string,
    private readonly zkConnect: string,
    private readonly opts: BenchBrokerOptions = {},
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }
  get logPath(): string {
    return join(this.root, `broker-${this.id}.log`);
  }
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }
  /** JSON lines of the runtime probe (when enabled) */
  get probePath(): string {
    return join(this.root, `broker-${this.id}.probe.jsonl`);
  }
  get pid(): number {
    return this.child?.pid ?? -1;
  }

  start(): void {
    const dataDir = join(this.root, `broker-${this.id}-data`);
    mkdirSync(dataDir, { recursive: true });
    const overrides = [
      ...brokerOverrides({ id: this.id, dataDir, port: this.port, zkConnect: this.zkConnect }),
      `zookeeper.session.timeout.ms=${this.opts.sessionMs ?? 6000}`,
      'auto.leader.rebalance.enable=false',
      'offsets.topic.replication.factor=3',
      'default.replication.factor=3',
      ...(this.opts.overrides ?? []),
    ];
    const child = spawnBroker(overrides, this.logPath, {
      append: true,
      cpu: this.opts.cpu,
      nodeArgs: this.opts.nodeArgs,
      ...(this.opts.probeIntervalMs === undefined ? {} : { probeFile: this.probePath, probeIntervalMs: this.opts.probeIntervalMs }),
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  async kill(): Promise<void> {
    if (this.running) this.child!.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (controlled shutdown); SIGKILL after 30 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Polls `fn` every 100 ms until it returns a value; throws with the brokers' log tails after `timeoutMs`. */
export async function waitUntil<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs: number, brokers: readonly BenchBroker[]): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${brokers.map((b) => `broker ${b.id}:\n${tail(b.logPath, 20)}`).join('\n')}`);
    }
    await sleep(100);
  }
}

/** Metadata v1 from one broker: controller id, broker count and partition leaders of `topics`. */
export async function metadata(address: string, topics: readonly string[] | null): Promise<{ controllerId: number; brokers: number; leaders: Map<string, number[]> }> {
  const [host, port] = address.split(':');
  const client = new BrokerClient({ host: host!, port: Number(port), clientId: 'gregor-bench', requestTimeoutMs: 5000, connectTimeoutMs: 2000 });
  try {
    const res = await client.send({ request: MetadataRequest, response: MetadataResponse }, 1, { topics: topics === null ? null : topics.map((name) => ({ name })) });
    const leaders = new Map<string, number[]>();
    for (const t of res.topics) leaders.set(t.name ?? '', t.partitions.map((p) => (p.errorCode === 0 ? p.leaderId : -1)));
    return { controllerId: res.controllerId, brokers: res.brokers.length, leaders };
  } finally {
    await client.close();
  }
}

/** Waits until every running broker knows all running brokers and a controller. */
export async function waitForBrokers(brokers: readonly BenchBroker[], timeoutMs = 90_000): Promise<void> {
  const ready = async (): Promise<boolean> => {
    const live = brokers.filter((x) => x.running);
    for (const b of live) {
      const md = await metadata(b.address, []);
      if (md.controllerId < 0 || md.brokers !== live.length) return false;
    }
    return true;
  };
  await waitUntil(`${brokers.length} brokers and a controller`, ready, timeoutMs, brokers);
}

/**
 * CreateTopics v2 through the controller, then waits until every running broker's metadata names a leader for each
 * partition. `assignments` (partition → replicas) places replicas explicitly.
 */
export async function createTopic(
  brokers: readonly BenchBroker[],
  name: string,
  partitions: number,
  rf: number,
  configs: Record<string, string> = {},
  assignments?: readonly (readonly number[])[],
): Promise<void> {
  const live = brokers.filter((b) => b.running);
  const { controllerId } = await metadata(live[0]!.address, []);
  const controller = live.find((b) => b.id === controllerId) ?? live[0]!;
  const client = new BrokerClient({ host: '127.0.0.1', port: controller.port, clientId: 'gregor-bench' });
  try {
    const res = await client.send({ request: CreateTopicsRequest, response: CreateTopicsResponse }, 2, {
      topics: [
        {
          name,
          numPartitions: assignments ? -1 : partitions,
          replicationFactor: assignments ? -1 : rf,
          assignments: (assignments ?? []).map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds: [...brokerIds] })),
          configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })),
        },
      ],
      timeoutMs: 30_000,
      validateOnly: false,
    });
    const t = res.topics[0];
    if (!t || t.errorCode !== 0) throw new Error(`CreateTopics ${name}: ${t?.errorCode} ${t?.errorMessage ?? ''}`);
  } finally {
    await client.close();
  }
  await waitUntil(
    `leaders for ${name} on every broker`,
    async () => {
      for (const b of live) {
        const l = (await metadata(b.address, [name])).leaders.get(name);
        if (!l || l.length !== partitions || l.some((x) => x < 0)) return false;
      }
      return true;
    },
    30_000,
    brokers,
  );
}

/**
 * Has `__consumer_offsets` created (FindCoordinator auto-creates it) and waits until the group's coordinator answers,
 * so its 50 partitions are not being created while a benchmark measures.
 */
export async function ensureOffsetsTopic(brokers: readonly BenchBroker[], group: string): Promise<void> {
  const live = brokers.filter((b) => b.running);
  await waitUntil(
    `a coordinator for group ${group}`,
    async () => {
      const client = new BrokerClient({ host: '127.0.0.1', port: live[0]!.port, clientId: 'gregor-bench', requestTimeoutMs: 10_000 });
      try {
        const res = await client.send({ request: FindCoordinatorRequest, response: FindCoordinatorResponse }, 1, { key: group, keyType: 0 });
        return res.errorCode === 0;
      } finally {
        await client.close();
      }
    },
    60_000,
    brokers,
  );
}

/** DeleteTopics v1 through the controller; resolves once no running broker's metadata lists the topic. */
export async function deleteTopic(brokers: readonly BenchBroker[], name: string): Promise<void> {
  const live = brokers.filter((b) => b.running);
  const { controllerId } = await metadata(live[0]!.address, []);
  const controller = live.find((b) => b.id === controllerId) ?? live[0]!;
  const client = new BrokerClient({ host: '127.0.0.1', port: controller.port, clientId: 'gregor-bench' });
  try {
    const res = await client.send({ request: DeleteTopicsRequest, response: DeleteTopicsResponse }, 1, { topicNames: [name], timeoutMs: 30_000 });
    const r = res.responses[0];
    if (!r || r.errorCode !== 0) throw new Error(`DeleteTopics ${name}: ${r?.errorCode}`);
  } finally {
    await client.close();
  }
  await waitUntil(
    `${name} gone from every broker's metadata`,
    async () => {
      for (const b of live) if ((await metadata(b.address, [name])).leaders.get(name)?.length) return false;
      return true;
    },
    30_000,
    brokers,
  );
}

/**
 * Where the multi-broker benchmarks pin their processes: the brokers together on GREGOR_BENCH_BROKER_CPUS (default
 * "1", so three brokers share one core) and the load on GREGOR_BENCH_CLIENT_CPUS (default "0"), when taskset works
 * on a machine of 2+ CPUs; GREGOR_BENCH_BROKER_CPUS="" turns pinning off. Undefined = not pinned.
 */
export function benchPinning(): { brokers: string | undefined; clients: string | undefined; describe(): string } {
  const brokers = process.env.GREGOR_BENCH_BROKER_CPUS ?? '1';
  const on = brokers !== '' && cpus().length >= 2 && canPin();
  const clients = process.env.GREGOR_BENCH_CLIENT_CPUS ?? '0';
  return {
    brokers: on ? brokers : undefined,
    clients: on ? clients : undefined,
    describe: () => (on ? `brokers pinned to CPU ${brokers}, load to CPU ${clients}` : 'no CPU pinning'),
  };
}

/**
 * Brokers 0..n-1 as child processes on free ports, pushed into `into` as they are created (so a teardown sees them
 * even when the start fails half-way), started, and registered with a controller.
 */
export async function startBenchBrokers(into: BenchBroker[], n: number, root: string, zkConnect: string, opts: BenchBrokerOptions): Promise<void> {
  for (let id = 0; id < n; id++) into.push(new BenchBroker(id, await freePort(), root, zkConnect, opts));
  for (const b of into) b.start();
  await waitForBrokers(into);
}

/** The inBenchScratch hooks of a multi-broker benchmark: `teardown`, then every broker stopped; log tails on an error. */
export function brokersScratch(name: string, brokers: readonly BenchBroker[], stopping: string, teardown: () => void | Promise<void>) {
  return {
    name,
    stopping,
    teardown: async () => {
      await teardown();
      // SIGTERM first (a --cpu-prof profile is written at a normal exit), SIGKILL after 30 s
      await Promise.all(brokers.map((b) => b.stop().catch(() => b.kill())));
    },
    onError: () => {
      for (const b of brokers) console.error(`broker ${b.id} log tail (${b.logPath}):\n${tail(b.logPath, 20)}`);
    },
  };
}
