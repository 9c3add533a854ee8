/**
 * The reusable cluster harness for integration tests (aesthetics.md §7.7, reliability.md §6.2).
 *
 *   const cluster = await startCluster({ brokers: 3, mode: 'process' });
 *   try { ... cluster.bootstrap ... await cluster.kill(await cluster.controllerId()) ... }
 *   finally { await cluster.shutdown(); }
 *
 * - Each cluster lives in its own ZooKeeper chroot on the run's server (`inject('zkConnect')`, or
 *   `zkConnect` given; a connect string that already names a chroot is used as is) and its own temp dir
 *   (`<tmp>/gregor-cluster-*`, removed by shutdown() unless GREGOR_KEEP_TEST_DIRS=1).
 * - Broker i (ids 0..n-1 by default) listens on PLAINTEXT://127.0.0.1:<free port>, keeps the port and its log
 *   dir across restarts, and writes its pino log to `<dir>/broker-<id>.log`.
 * - Modes. 'in-process': `new Broker(config)` in the test process (fast, debuggable). 'process': a child
 *   process per broker (test/harness/broker-process.ts) for real crashes (SIGKILL) and pauses (SIGSTOP).
 * - Every broker reaches ZooKeeper through a small TCP proxy of its own that forwards bytes untouched and
 *   reads the session id and password out of each ConnectResponse. That is how `expireSession(id)` works in
 *   both modes: the proxy holds the broker off ZooKeeper (cuts its connection, refuses new ones) while a second
 *   client joins the broker's session with those credentials and closes it (src/zk/client.ts `expireSession`),
 *   exactly as Kafka's tests expire a session; released, the broker reconnects, is told SESSION_EXPIRED, and
 *   registers again with a new broker epoch, which `expireSession(id)` waits for.
 * - What kill/stop mean: process mode kill = SIGKILL (the znode lingers until the session times out, as with
 *   a crashed JVM), stop = SIGTERM → controlled shutdown, exit 0 required. In-process mode kill =
 *   `broker.stop({ controlled: false })` (no controlled shutdown; the ZooKeeper session is closed at once),
 *   stop = `broker.stop({ controlled: true })`. pause/resume need process mode.
 * - Fast test settings (2 cores): session timeout 6 s, replica.lag.time.max.ms 5 s, fetch wait 200 ms,
 *   group.initial.rebalance.delay.ms 0, internal topics with 5 partitions and RF min(3, brokers).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Broker } from '../../src/broker.js';
import { createLogger } from '../../src/common/logger.js';
import type { TopicPartition } from '../../src/common/topic-partition.js';
import { BrokerConfig } from '../../src/config/broker-config.js';
import { expireSession as expireZkSession, parseConnectString, type SessionCredentials } from '../../src/zk/client.js';
import { KafkaZkClient } from '../../src/zk/kafka-zk-client.js';
import { freePort } from '../../src/zk/server-process.js';
import type { PartitionState } from '../../src/zk/znodes.js';
import { readZkTree, renderZkTree } from '../../src/cli/zk-tree.js';
import { BrokerProcess, writeProperties } from './broker-process.js';
import { removeChroot, zkServers } from './zookeeper.js';

export type ClusterMode = 'in-process' | 'process';
type PropValue = string | number | boolean;

export interface StartClusterOptions {
  /** number of brokers; default 3 */
  brokers?: number;
  /** default 'in-process' */
  mode?: ClusterMode;
  /** properties for every broker, over the harness defaults */
  config?: Readonly<Record<string, PropValue>>;
  /** properties for one broker id, over `config` */
  brokerConfig?: Readonly<Record<number, Readonly<Record<string, PropValue>>>>;
  /** `host:port[,...][/chroot]`; default the run's ZooKeeper with a fresh chroot */
  zkConnect?: string;
  /** id of the first broker; default 0 */
  firstBrokerId?: number;
  /** wait for every broker to register; default 60 s */
  startTimeoutMs?: number;
  /** also wait until a controller is elected; default true */
  awaitController?: boolean;
  /** environment of the brokers (e.g. KAFKA_OPTS naming a JAAS file); in-process brokers read it through BrokerOptions.env */
  env?: NodeJS.ProcessEnv;
  /** `user:password` the harness's own ZooKeeper client authenticates with; it then creates znodes with secure ACLs too (zookeeper.set.acl clusters) */
  zkDigestAuth?: string;
}

export interface WaitOptions {
  timeoutMs?: number;
}

// ------------------------------------------------------------------------------------ ZooKeeper proxy

/** Parses a ZooKeeper ConnectResponse frame (len, protocolVersion, timeOut, sessionId, passwd). */
function parseConnectResponse(buf: Buffer): SessionCredentials | 'incomplete' | null {
  if (buf.length < 4) return 'incomplete';
  const len = buf.readInt32BE(0);
  if (buf.length < 4 + len) return 'incomplete';
  if (len < 20) return null;
  const sessionId = buf.subarray(12, 20);
  const pwLen = buf.readInt32BE(20);
  if (pwLen < 0 || 24 + pwLen > 4 + len) return null;
  if (sessionId.readBigUInt64BE(0) === 0n) return null; // "session expired" answer
  return { sessionId: Buffer.from(sessionId), sessionPassword: Buffer.from(buf.subarray(24, 24 + pwLen)) };
}

/**
 * Byte-for-byte TCP proxy in front of ZooKeeper that remembers the sessions it saw established, and can hold its
 * client off ZooKeeper (`hold()`) — the child-process counterpart of `ZkClient.holdReconnectsForTesting`.
 */
export class ZkSessionProxy {
  private readonly sockets = new Set<net.Socket>();
  private readonly sessionBySocket = new Map<net.Socket, SessionCredentials>();
  private last: SessionCredentials | undefined;
  private next = 0;
  private holds = 0;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(targets: ReadonlyArray<{ host: string; port: number }>): Promise<ZkSessionProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    const proxy = new ZkSessionProxy(server, typeof addr === 'object' && addr ? addr.port : 0);
    server.on('connection', (client) => proxy.accept(client, targets));
    return proxy;
  }

  private accept(client: net.Socket, targets: ReadonlyArray<{ host: string; port: number }>): void {
    if (this.holds > 0) return void client.destroy(); // held: the client's reconnect is cut off at once
    const target = targets[this.next++ % targets.length];
    if (!target) return void client.destroy();
    const upstream = net.connect(target.port, target.host);
    this.sockets.add(client).add(upstream);
    let head: Buffer | null = Buffer.alloc(0);
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
      this.sessionBySocket.delete(client);
    };
    client.on('error', closeBoth).on('close', closeBoth);
    upstream.on('error', closeBoth).on('close', closeBoth);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (head !== null) {
        head = Buffer.concat([head, chunk]);
        const parsed = parseConnectResponse(head);
        if (parsed !== 'incomplete') {
          head = null;
          if (parsed) {
            this.sessionBySocket.set(client, parsed);
            this.last = parsed;
          }
        }
      }
      client.write(chunk);
    });
  }

  /**
   * Holds the client off ZooKeeper until the returned function is called: cuts every connection open through the
   * proxy now (both sides) and destroys each new incoming one as soon as it is accepted. node-zookeeper-client
   * reconnects on the next tick when its connection drops; held, those reconnects never reach ZooKeeper, so the
   * client cannot take its session back while `expireSession` ends it. Read `sessions()` before holding.
   */
  hold(): () => void {
    this.holds++;
    for (const s of this.sockets) s.destroy();
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.holds--;
    };
  }

  /** Distinct sessions open through the proxy now (the last one seen when none is connected). */
  sessions(): SessionCredentials[] {
    const byId = new Map<string, SessionCredentials>();
    for (const c of this.sessionBySocket.values()) byId.set(c.sessionId.toString('hex'), c);
    if (byId.size === 0 && this.last) byId.set(this.last.sessionId.toString('hex'), this.last);
    return [...byId.values()];
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// ------------------------------------------------------------------------------------ cluster

interface BrokerNode {
  id: number;
  port: number;
  dataDir: string;
  logFile: string;
  propsPath: string;
  proxy: ZkSessionProxy;
  props: Record<string, string>;
  proc?: BrokerProcess;
  /** set by kill/stop/shutdown: an exit without it is reported with the broker's log tail */
  exitExpected?: boolean;
  broker?: Broker;
  logStream?: WriteStream;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class TestCluster {
  private constructor(
    readonly mode: ClusterMode,
    /** the cluster's chroot on the real servers: `host:port/gregor-cluster-…` */
    readonly zkConnect: string,
    /** temp dir holding log dirs, property files and broker logs */
    readonly dir: string,
    /** harness reads (not through the proxies) */
    readonly zk: KafkaZkClient,
    private readonly nodes: Map<number, BrokerNode>,
    private readonly ownsChroot: boolean,
    private readonly env: NodeJS.ProcessEnv | undefined,
    private readonly zkDigestAuth: string | undefined,
  ) {}

  static async start(opts: StartClusterOptions = {}): Promise<TestCluster> {
    const n = opts.brokers ?? 3;
    const mode = opts.mode ?? 'in-process';
    const given = opts.zkConnect ?? zkServers();
    const ownsChroot = !given.includes('/');
    const zkConnect = ownsChroot ? `${given}/gregor-cluster-${randomBytes(5).toString('hex')}` : given;
    const { servers, chroot } = parseConnectString(zkConnect);
    const targets = servers.split(',').map((hp) => {
      const i = hp.lastIndexOf(':');
      return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
    });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gregor-cluster-'));
    const zk = await KafkaZkClient.connect({ connectString: zkConnect, sessionTimeoutMs: 15_000, connectionTimeoutMs: 15_000, digestAuth: opts.zkDigestAuth ?? null, secureAcls: opts.zkDigestAuth !== undefined });
    const nodes = new Map<number, BrokerNode>();
    const cluster = new TestCluster(mode, zkConnect, dir, zk, nodes, ownsChroot, opts.env, opts.zkDigestAuth);
    try {
      const rf = Math.min(3, n);
      const first = opts.firstBrokerId ?? 0;
      for (let id = first; id < first + n; id++) {
        const port = await freePort();
        const proxy = await ZkSessionProxy.start(targets);
        const dataDir = path.join(dir, `broker-${id}`, 'data');
        await mkdir(dataDir, { recursive: true });
        const props: Record<string, string> = {};
        const defaults: Record<string, PropValue> = {
          'broker.id': id,
          listeners: `PLAINTEXT://127.0.0.1:${port}`,
          'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
          'log.dirs': dataDir,
          'zookeeper.connect': `127.0.0.1:${proxy.port}${chroot}`,
          'zookeeper.session.timeout.ms': 6000,
          'zookeeper.connection.timeout.ms': 10000,
          'replica.lag.time.max.ms': 5000,
          'replica.fetch.wait.max.ms': 200,
          'controller.socket.timeout.ms': 5000,
          'controlled.shutdown.retry.backoff.ms': 500,
          'group.initial.rebalance.delay.ms': 0,
          'offsets.topic.replication.factor': rf,
          'offsets.topic.num.partitions': 5,
          'transaction.state.log.replication.factor': rf,
          'transaction.state.log.min.isr': Math.min(2, rf),
          'transaction.state.log.num.partitions': 5,
        };
        for (const [k, v] of Object.entries({ ...defaults, ...opts.config, ...opts.brokerConfig?.[id] })) props[k] = String(v);
        const propsPath = writeProperties(path.join(dir, `broker-${id}.properties`), props);
        nodes.set(id, { id, port, dataDir, logFile: path.join(dir, `broker-${id}.log`), propsPath, proxy, props });
      }
      await Promise.all([...nodes.keys()].map((id) => cluster.launch(id)));
      await cluster.waitForBrokers([...nodes.keys()], { timeoutMs: opts.startTimeoutMs ?? 60_000 });
      if (opts.awaitController ?? true) await cluster.waitForController({ timeoutMs: opts.startTimeoutMs ?? 60_000 });
      return cluster;
    } catch (err) {
      await cluster.shutdown().catch(() => {});
      throw err;
    }
  }

  // ---------------------------------------------------------------------------------- addressing

  /** Configured broker ids (registered or not), ascending. */
  get ids(): number[] {
    return [...this.nodes.keys()].sort((a, b) => a - b);
  }

  /** `127.0.0.1:p0,127.0.0.1:p1,...` for every configured broker. */
  get bootstrap(): string {
    return this.bootstrapFor(this.ids);
  }

  bootstrapFor(ids: readonly number[]): string {
    return ids.map((id) => `127.0.0.1:${this.node(id).port}`).join(',');
  }

  port(id: number): number {
    return this.node(id).port;
  }

  logFile(id: number): string {
    return this.node(id).logFile;
  }

  dataDir(id: number): string {
    return this.node(id).dataDir;
  }

  /** The in-process Broker (mode 'in-process', while running). */
  broker(id: number): Broker {
    const b = this.node(id).broker;
    if (!b) throw new Error(`broker ${id} is not running in this process (mode ${this.mode})`);
    return b;
  }

  /** The child process (mode 'process'). */
  process(id: number): BrokerProcess {
    const p = this.node(id).proc;
    if (!p) throw new Error(`broker ${id} has no process (mode ${this.mode})`);
    return p;
  }

  isRunning(id: number): boolean {
    const n = this.node(id);
    return this.mode === 'process' ? (n.proc?.running ?? false) : n.broker !== undefined;
  }

  private node(id: number): BrokerNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no broker ${id} in this cluster (ids ${this.ids.join(',')})`);
    return n;
  }

  // ---------------------------------------------------------------------------------- lifecycle

  private async launch(id: number, env?: NodeJS.ProcessEnv): Promise<void> {
    const n = this.node(id);
    if (this.isRunning(id)) throw new Error(`broker ${id} is already running`);
    if (this.mode === 'process') {
      const merged = this.env || env ? { ...this.env, ...env } : undefined;
      const proc = BrokerProcess.start({ propsPath: n.propsPath, logFile: n.logFile, ...(merged ? { env: merged } : {}) });
      n.proc = proc;
      n.exitExpected = false;
      void proc.exited.then((status) => {
        if (n.proc === proc && !n.exitExpected) {
          console.warn(
            `gregor test cluster: broker ${id} (pid ${proc.pid}) exited unexpectedly with ${status.code ?? status.signal}\n${proc.logTail()}`,
          );
        }
      });
      return;
    }
    const { Broker: BrokerClass } = await import('../../src/broker.js');
    n.logStream = createWriteStream(n.logFile, { flags: 'a' });
    const logger = createLogger({ brokerId: id, destination: n.logStream });
    const broker = new BrokerClass(BrokerConfig.parse(n.props), { logger, ...(this.env ? { env: { ...process.env, ...this.env } } : {}) });
    n.broker = broker;
    try {
      await broker.start();
    } catch (err) {
      n.broker = undefined;
      await broker.stop({ controlled: false }).catch(() => {});
      await this.closeLog(n);
      throw new Error(`broker ${id} failed to start: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async closeLog(n: BrokerNode): Promise<void> {
    const s = n.logStream;
    n.logStream = undefined;
    if (s) await new Promise<void>((resolve) => s.end(() => resolve()));
  }

  /**
   * Starts a stopped/killed broker again (same id, port and log dir) and waits until it is registered.
   * `env` adds environment variables to a process-mode broker (test-only hooks such as crash points).
   */
  async start(id: number, opts: WaitOptions & { env?: NodeJS.ProcessEnv } = {}): Promise<void> {
    if (opts.env && this.mode !== 'process') throw new Error('env applies to process-mode brokers only');
    await this.launch(id, opts.env);
    await this.waitForBrokers([id], { timeoutMs: opts.timeoutMs ?? 60_000, exact: false });
  }

  /** Crash: SIGKILL (process) or an uncontrolled stop (in-process). */
  async kill(id: number): Promise<void> {
    const n = this.node(id);
    if (this.mode === 'process') {
      n.exitExpected = true;
      await n.proc?.kill();
      return;
    }
    const b = n.broker;
    n.broker = undefined;
    await b?.stop({ controlled: false });
    await this.closeLog(n);
  }

  /** Orderly stop with controlled shutdown: SIGTERM and exit 0 (process) or stop({ controlled: true }). */
  async stop(id: number, opts: WaitOptions = {}): Promise<void> {
    const n = this.node(id);
    if (this.mode === 'process') {
      n.exitExpected = true;
      await n.proc?.stop(opts.timeoutMs ?? 60_000);
      return;
    }
    const b = n.broker;
    n.broker = undefined;
    await b?.stop({ controlled: true });
    await this.closeLog(n);
  }

  /**
   * Stops the broker (`how`: 'stop' = controlled, default; 'kill' = crash), waits until its registration is
   * gone, and starts it again with the same id and log dir; resolves once it has registered again.
   */
  async restart(id: number, opts: { how?: 'stop' | 'kill'; timeoutMs?: number } = {}): Promise<void> {
    if (this.isRunning(id)) {
      if (opts.how === 'kill') await this.kill(id);
      else await this.stop(id);
    }
    // A killed process's znode outlives it until its session times out; a new one could not register meanwhile
    // (well, it could after KAFKA-7165 handling, but waiting keeps the test's story simple).
    await this.waitFor(async () => !(await this.zk.getBrokerIds()).includes(id), `broker ${id} deregistered`, opts.timeoutMs ?? 30_000);
    await this.start(id, opts);
  }

  /** The next exit of this process-mode broker is intended (a test-only crash point): no "exited unexpectedly" warning. */
  expectExit(id: number): void {
    this.node(id).exitExpected = true;
  }

  /** SIGSTOP (process mode only). */
  pause(id: number): void {
    this.process(id).pause();
  }

  /** SIGCONT (process mode only). */
  resume(id: number): void {
    this.process(id).resume();
  }

  /**
   * Expires broker `id`'s ZooKeeper session(s) now (the sessions its proxy saw established) and resolves once the
   * broker has registered again with a new broker epoch (`timeoutMs`, default 30 s, bounds the whole).
   * The broker's proxy holds it off ZooKeeper while the sessions are closed (so its client cannot reconnect and
   * take a session back in between); released, it reconnects, is told SESSION_EXPIRED and starts a new session.
   */
  async expireSession(id: number, opts: WaitOptions = {}): Promise<void> {
    const n = this.node(id);
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    const before = await this.brokerEpoch(id);
    const sessions = n.proxy.sessions();
    if (sessions.length === 0) throw new Error(`broker ${id} has no ZooKeeper session to expire`);
    const { servers } = parseConnectString(this.zkConnect);
    const release = n.proxy.hold();
    try {
      for (const creds of sessions) await expireZkSession(servers, creds, Math.max(1000, Math.min(15_000, deadline - Date.now())));
    } finally {
      release();
    }
    await this.waitForBrokerEpochChange(id, before, { timeoutMs: Math.max(1000, deadline - Date.now()) });
  }

  /** Stops every broker (SIGKILL in process mode, uncontrolled stop in-process), the proxies, and removes all. */
  async shutdown(): Promise<void> {
    const errors: unknown[] = [];
    await Promise.all(
      [...this.nodes.values()].map(async (n) => {
        try {
          n.exitExpected = true;
          if (n.proc?.running) {
            n.proc.resume();
            await n.proc.kill();
          }
          const b = n.broker;
          n.broker = undefined;
          if (b) await withTimeout(b.stop({ controlled: false }), 20_000, `broker ${n.id} stop`);
        } catch (err) {
          errors.push(err);
        }
        await this.closeLog(n).catch(() => {});
        await n.proxy.close().catch(() => {});
      }),
    );
    await this.zk.close().catch(() => {});
    if (this.ownsChroot) await removeChroot(this.zkConnect, this.zkDigestAuth).catch((err: unknown) => errors.push(err));
    if (process.env.GREGOR_KEEP_TEST_DIRS === '1') console.warn(`gregor test cluster files kept in ${this.dir}`);
    else await rm(this.dir, { recursive: true, force: true });
    if (errors.length > 0) throw new AggregateError(errors, 'errors during cluster shutdown');
  }

  // ---------------------------------------------------------------------------------- ZooKeeper views

  /** Registered broker ids (children of /brokers/ids), ascending. */
  brokerIds(): Promise<number[]> {
    return this.zk.getBrokerIds();
  }

  /** The broker epoch (czxid of /brokers/ids/<id>), or null when not registered. */
  async brokerEpoch(id: number): Promise<number | null> {
    return (await this.zk.getBroker(id))?.epoch ?? null;
  }

  /** Current controller id, -1 when none. */
  controllerId(): Promise<number> {
    return this.zk.getControllerId();
  }

  async controllerEpoch(): Promise<number | null> {
    return (await this.zk.getControllerEpoch())?.epoch ?? null;
  }

  /** The partition's state znode (leader, leader epoch, ISR, controller epoch), or null when absent. */
  async partitionState(tp: TopicPartition): Promise<PartitionState | null> {
    return (await this.zk.getPartitionState(tp))?.state ?? null;
  }

  /** The text `gregor zk-tree` prints, for failure messages. */
  async describe(): Promise<string> {
    return renderZkTree(await readZkTree(this.zk, this.zkConnect));
  }

  // ---------------------------------------------------------------------------------- waits

  /**
   * Polls `fn` until it returns a value other than false/null/undefined. Fails at once when a broker process
   * exits without being asked to (its log tail is in the message), and on timeout with the zk-tree.
   */
  async waitFor<T>(fn: () => Promise<T> | T, what: string, timeoutMs = 30_000): Promise<Exclude<T, false | null | undefined>> {
    const deadline = Date.now() + timeoutMs;
    let last = 'never called';
    for (;;) {
      try {
        const v = await fn();
        if (v !== false && v !== null && v !== undefined) return v as Exclude<T, false | null | undefined>;
        last = `last value: ${JSON.stringify(v)}`;
      } catch (err) {
        last = `last error: ${err instanceof Error ? err.message : String(err)}`;
      }
      for (const n of this.nodes.values()) {
        const status = n.proc?.exitStatus;
        if (n.proc && status && !n.proc.running && (status.code ?? 0) !== 0 && status.signal === null) {
          throw new Error(
            `broker ${n.id} exited with code ${status.code} while waiting for ${what}\n${n.proc.logTail()}`,
          );
        }
      }
      if (Date.now() >= deadline) {
        const tree = await this.describe().catch((e: unknown) => `(zk-tree failed: ${String(e)})`);
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${last})\n${tree}`);
      }
      await sleep(100);
    }
  }

  /** Waits until `ids` are registered (`exact`: and no other broker is; default false). */
  async waitForBrokers(ids: readonly number[], opts: WaitOptions & { exact?: boolean } = {}): Promise<number[]> {
    const want = [...ids].sort((a, b) => a - b);
    const exact = opts.exact ?? false;
    return this.waitFor(
      async () => {
        const have = await this.zk.getBrokerIds();
        const ok = want.every((id) => have.includes(id)) && (!exact || have.length === want.length);
        return ok ? have : null;
      },
      `brokers [${want.join(',')}] registered`,
      opts.timeoutMs ?? 30_000,
    );
  }

  /** Waits until broker `id` is registered with an epoch other than `previous` (after a session expiry). */
  async waitForBrokerEpochChange(id: number, previous: number | null, opts: WaitOptions = {}): Promise<number> {
    return this.waitFor(
      async () => {
        const e = await this.brokerEpoch(id);
        return e !== null && e !== previous ? e : null;
      },
      `broker ${id} registered with a new epoch (was ${previous})`,
      opts.timeoutMs ?? 30_000,
    );
  }

  /** Waits for a controller (other than `not`) that is a registered broker; resolves with its id. */
  async waitForController(opts: WaitOptions & { not?: number } = {}): Promise<number> {
    return this.waitFor(
      async () => {
        const c = await this.zk.getControllerId();
        if (c < 0 || c === opts.not) return null;
        return (await this.zk.getBrokerIds()).includes(c) ? c : null;
      },
      `a controller${opts.not !== undefined ? ` other than ${opts.not}` : ''}`,
      opts.timeoutMs ?? 30_000,
    );
  }

  /** Waits until the partition has a leader (other than `not`); resolves with the leader id. */
  async waitForLeader(tp: TopicPartition, opts: WaitOptions & { not?: number } = {}): Promise<number> {
    return this.waitFor(
      async () => {
        const s = await this.partitionState(tp);
        if (!s || s.leader < 0 || s.leader === opts.not) return null;
        return s.leader;
      },
      `a leader for ${tp.topic}-${tp.partition}${opts.not !== undefined ? ` other than ${opts.not}` : ''}`,
      opts.timeoutMs ?? 30_000,
    );
  }

  /** Waits until the partition's ISR is exactly `ids` (any order); resolves with the state. */
  async waitForIsr(tp: TopicPartition, ids: readonly number[], opts: WaitOptions = {}): Promise<PartitionState> {
    const want = [...ids].sort((a, b) => a - b).join(',');
    return this.waitFor(
      async () => {
        const s = await this.partitionState(tp);
        return s && [...s.isr].sort((a, b) => a - b).join(',') === want ? s : null;
      },
      `ISR of ${tp.topic}-${tp.partition} = [${want}]`,
      opts.timeoutMs ?? 30_000,
    );
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** `startCluster({ brokers: 3, mode: 'process' })` — see TestCluster. */
export function startCluster(opts: StartClusterOptions = {}): Promise<TestCluster> {
  return TestCluster.start(opts);
}
