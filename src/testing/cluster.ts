/**
 * A ZooKeeper-mode gregor cluster for tests (`gregor/testing`, issue 14): a real ZooKeeper (standalone or an
 * ensemble) and N brokers on free loopback ports, in this process or as child processes, with faults as
 * one-line calls and a coordination timeline.
 *
 *   const cluster = await startCluster({ brokers: 3 });
 *   try { ... cluster.bootstrapServers ... await cluster.kill(1) ... cluster.timeline ... }
 *   finally { await cluster.close(); }
 *
 * - Every cluster has its own temp dir (`<tmp>/gregor-cluster-*`: log dirs, property files, broker and
 *   ZooKeeper logs; kept with GREGOR_KEEP_TEST_DIRS=1) and its own chroot (`/gregor-cluster-<random>`), so
 *   clusters run side by side in one test run. `zookeeperConnect` uses an existing ZooKeeper instead of
 *   starting one (a connect string that names a chroot is used as is).
 * - kill = crash (SIGKILL; in process: stop without controlled shutdown, ZooKeeper session closed at once);
 *   stop = controlled shutdown (SIGTERM, exit 0 required; in process: stop({ controlled: true }));
 *   pause/resume = SIGSTOP/SIGCONT (child processes only); expireSession = the broker's ZooKeeper session
 *   ended by the server while the broker is held off ZooKeeper at its proxy, then let back (it is told
 *   SESSION_EXPIRED and registers again with a new broker epoch).
 * - Network (network.ts): cut / delay / heal between two brokers, isolate a broker, cutZk / delayZk / healZk
 *   between a broker and ZooKeeper. ZooKeeper itself: `cluster.zookeeper` (zookeeper.ts).
 * - Disks: with `smallDisks`, each broker's log dir is a tmpfs of that size and `fillDisk(id)` fills it.
 * - Cleanup: close() stops everything and removes the dir; the janitor (janitor.ts) does the same if the test
 *   process dies without closing.
 * - Test settings for 2 cores (reliability.md §6.2): session timeout 6 s, replica.lag.time.max.ms 5 s, fetch
 *   wait 200 ms, group.initial.rebalance.delay.ms 0, internal topics with 5 partitions and RF min(3, brokers).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Broker } from '../broker.js';
import { ZkClient, expireSession as expireZkSession } from '../zk/client.js';
import { parseConnectString } from '../zk/connect-string.js';
import { KafkaZkClient } from '../zk/kafka-zk-client.js';
import { BrokerNode, HARNESS_KEYS, type ListenerSecurityOptions, type Props, type PropValue } from './broker-node.js';
import type { BrokerProcess } from './broker-process.js';
import { ClusterViews, type WaitOptions } from './cluster-views.js';
import { SmallDisk } from './disk.js';
import { Janitor } from './janitor.js';
import type { CutOptions, DelayOptions, LinkState } from './link.js';
import { ClusterNetwork, type ZkLinkOptions } from './network.js';
import { Timeline } from './timeline.js';
import { TimelineRecorder } from './timeline-events.js';
import { ZnodeWatcher } from './znode-watcher.js';
import { ZooKeeper } from './zookeeper.js';

export interface StartClusterOptions {
  /** number of brokers; default 3 */
  brokers?: number;
  /** ZooKeeper servers to start: 1 = standalone (default), 3 = a 3-node ensemble (`true` = 3) */
  ensemble?: number | boolean;
  /** use this ZooKeeper (`host:port[,...][/chroot]`) instead of starting one */
  zookeeperConnect?: string;
  /** broker properties (Kafka 2.7 names) over the harness defaults: for every broker, or per broker id */
  brokerConfig?: Props | ((id: number) => Props);
  /** run the brokers in this process instead of child processes (faster; no pause/resume, kill is not SIGKILL) */
  inProcess?: boolean;
  /** id of the first broker; default 0 */
  firstBrokerId?: number;
  /** give every broker's log dir a tmpfs of this many bytes (`true` = 4 MiB) so that `fillDisk` works */
  smallDisks?: boolean | number;
  /** record the coordination timeline (a ZooKeeper watcher and log parsing); default true */
  timeline?: boolean;
  /** clients reach each broker through a proxy too, so that cutClients / delayClients work; default false */
  clientProxies?: boolean;
  /** wait for every broker to register; default 60 s */
  startTimeoutMs?: number;
  /** also wait until a controller is elected; default true */
  awaitController?: boolean;
  /** TLS / SASL listeners: the REPLICATION listener's protocol and extra listeners (broker-node.ts) */
  listenerSecurity?: ListenerSecurityOptions;
  /** environment of every broker (e.g. `KAFKA_OPTS=-Djava.security.auth.login.config=<jaas file>`) */
  env?: NodeJS.ProcessEnv;
  /**
   * `user:password` the harness's own ZooKeeper clients authenticate with (digest), for clusters with
   * `zookeeper.set.acl=true` whose znodes only the brokers' identity may change (or read: /config/users);
   * `cluster.zk` then creates znodes with the same ACLs as the brokers
   */
  zookeeperDigest?: string;
}

/** How long the start took, ms from startCluster's call: ZooKeeper serving, every broker started, a controller. */
export interface StartupTimings {
  zookeeperMs: number;
  brokersMs: number;
  controllerMs: number;
}

export interface BrokerHandle {
  id: number;
  running: boolean;
  /** the child process's PID (null in process or while stopped) */
  pid: number | null;
  /** PLAINTEXT port clients use */
  port: number;
  dataDir: string;
  logFile: string;
}

const SMALL_DISK_BYTES = 4 * 1024 * 1024;

function harnessDefaults(id: number, brokers: number): Record<string, PropValue> {
  const rf = Math.min(3, brokers);
  return {
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
    'broker.id': id,
  };
}

export class Cluster extends ClusterViews {
  /** every znode change, controller event, ISR change and injected fault, in time order (timeline.ts) */
  readonly timeline = new Timeline();
  private readonly recorder = new TimelineRecorder(this.timeline);
  private readonly nodes = new Map<number, BrokerNode>();
  private readonly disks: SmallDisk[] = [];
  private watcher: ZnodeWatcher | null = null;
  private closing: Promise<void> | null = null;
  private _zk: KafkaZkClient | null = null;
  /** digest credentials of the harness's ZooKeeper clients (zookeeperDigest) */
  private zookeeperDigest: string | null = null;
  private _zookeeper: ZooKeeper | null = null;
  readonly network: ClusterNetwork;
  /** what the start-up cost (see `npm run bench -- cluster-start`) */
  readonly startup: StartupTimings = { zookeeperMs: 0, brokersMs: 0, controllerMs: 0 };

  private constructor(
    /** children processes or this process */
    readonly inProcess: boolean,
    /** temp dir holding log dirs, property files and logs */
    readonly dir: string,
    /** the cluster's chroot, e.g. `/gregor-cluster-1a2b3c4d5e` */
    readonly chroot: string,
    private readonly ownsChroot: boolean,
  ) {
    super();
    this.network = new ClusterNetwork(
      (id) => this.node(id),
      () => this.ids,
    );
  }

  static async start(opts: StartClusterOptions = {}): Promise<Cluster> {
    const n = opts.brokers ?? 3;
    if (!Number.isInteger(n) || n < 1) throw new Error(`a cluster has at least one broker (got ${n})`);
    const given = opts.zookeeperConnect ? parseConnectString(opts.zookeeperConnect) : null;
    const ownsChroot = !given?.chroot;
    const chroot = given?.chroot || `/gregor-cluster-${randomBytes(5).toString('hex')}`;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gregor-cluster-'));
    Janitor.trackPath(dir);
    const cluster = new Cluster(opts.inProcess ?? false, dir, chroot, ownsChroot);
    try {
      await cluster.boot(opts, n, given?.servers);
      return cluster;
    } catch (err) {
      await cluster.close().catch(() => {});
      throw err;
    }
  }

  private async boot(opts: StartClusterOptions, n: number, externalServers: string | undefined): Promise<void> {
    const size = externalServers ? externalServers.split(',').length : opts.ensemble === true ? 3 : opts.ensemble === false ? 1 : (opts.ensemble ?? 1);
    const smallDisk = opts.smallDisks === true ? SMALL_DISK_BYTES : opts.smallDisks || 0;
    const timeoutMs = opts.startTimeoutMs ?? 60_000;
    const record = opts.timeline ?? true;
    const t0 = Date.now();
    this.timeline.origin = t0;
    const zookeeper = externalServers
      ? Promise.resolve(ZooKeeper.external(externalServers))
      : ZooKeeper.start({ size, dir: this.dir, startTimeoutMs: timeoutMs });
    zookeeper.catch(() => {});
    const first = opts.firstBrokerId ?? 0;
    const ids = Array.from({ length: n }, (_, i) => first + i);
    const disks = new Map<number, SmallDisk>();
    if (smallDisk > 0) {
      for (const id of ids) {
        const disk = await SmallDisk.mount(path.join(this.dir, `broker-${id}`, 'disk'), smallDisk);
        this.disks.push(disk);
        disks.set(id, disk);
      }
    }
    // the brokers' ZooKeeper proxies hold their connections until ZooKeeper serves
    const servers = Array.from({ length: size }, (_, i) => ({
      name: `zookeeper ${i + 1}`,
      address: () => zookeeper.then((z) => z.servers[i] ?? null, () => null),
    }));
    for (const id of ids) {
      const overrides = typeof opts.brokerConfig === 'function' ? opts.brokerConfig(id) : (opts.brokerConfig ?? {});
      const owned = HARNESS_KEYS.filter((k) => k in overrides);
      if (owned.length > 0) throw new Error(`the harness sets ${owned.join(', ')} itself (brokerConfig for broker ${id})`);
      this.nodes.set(
        id,
        await BrokerNode.create({
          id,
          dir: this.dir,
          inProcess: this.inProcess,
          props: { ...harnessDefaults(id, n), ...overrides },
          chroot: this.chroot,
          zookeeper: servers,
          peerLink: (a, b) => this.network.peerLink(a, b),
          isBroker: (x) => this.nodes.has(x),
          onLogLine: record ? (line) => this.recorder.logLine(line, id) : () => {},
          ...(disks.has(id) ? { disk: disks.get(id)! } : {}),
          clientProxy: opts.clientProxies ?? false,
          ...(opts.listenerSecurity ? { listenerSecurity: opts.listenerSecurity } : {}),
          ...(opts.env ? { env: opts.env } : {}),
        }),
      );
    }
    // A standalone server serves within a second or two: broker processes boot meanwhile (their ZooKeeper
    // connections wait at the proxies). An ensemble takes longer than a broker's zookeeper.connection.timeout.ms
    // might allow on a loaded machine, so its brokers start once it has a quorum.
    const startBrokers = () => Promise.all(ids.map((id) => this.node(id).start(timeoutMs)));
    const early = size === 1 && !this.inProcess ? startBrokers() : null;
    early?.catch(() => {});
    try {
      this._zookeeper = await zookeeper;
    } finally {
      if (!this._zookeeper) await early?.catch(() => {});
    }
    this.startup.zookeeperMs = Date.now() - t0;
    this._zookeeper.onFault = (action, member, peer) => void this.recorder.fault(action, { member, peer });
    this.zookeeperDigest = opts.zookeeperDigest ?? null;
    this._zk = await KafkaZkClient.connect({
      connectString: this.zookeeperConnect,
      sessionTimeoutMs: 30_000,
      connectionTimeoutMs: 15_000,
      // what a ZooKeeper tool with zookeeper.set.acl does: it creates znodes with the brokers' ACLs
      ...(this.zookeeperDigest ? { digestAuth: this.zookeeperDigest, secureAcls: true } : {}),
    });
    if (record) {
      this.watcher = new ZnodeWatcher(this._zk.zk, (c) => this.recorder.znode(c), (err) => this.recorder.fault('timeline-error', { detail: { error: String(err) } }));
      // the chroot is the cluster's own: whatever is in it already was created by its brokers since the start
      await this.watcher.start({ reportExisting: this.ownsChroot });
    }
    await (early ?? startBrokers());
    this.startup.brokersMs = Date.now() - t0;
    if (opts.awaitController ?? true) await this.waitForController({ timeoutMs });
    this.startup.controllerMs = Date.now() - t0;
  }

  // ---------------------------------------------------------------------------------------------- addressing

  get zk(): KafkaZkClient {
    if (!this._zk) throw new Error('the cluster is not started');
    return this._zk;
  }

  /** The cluster's ZooKeeper: members, leader, kill / pause / restart of a member or the quorum. */
  get zookeeper(): ZooKeeper {
    if (!this._zookeeper) throw new Error('the cluster is not started');
    return this._zookeeper;
  }

  /** `host:port,...` of the real ZooKeeper servers plus the cluster's chroot (what a tool connects to). */
  get zookeeperConnect(): string {
    return `${this.zookeeper.connectString}${this.chroot}`;
  }

  /** Configured broker ids (running or not), ascending. */
  get ids(): number[] {
    return [...this.nodes.keys()].sort((a, b) => a - b);
  }

  /** `127.0.0.1:p0,127.0.0.1:p1,...` of every configured broker: what clients bootstrap from. */
  get bootstrapServers(): string {
    return this.bootstrapFor(this.ids);
  }

  bootstrapFor(ids: readonly number[]): string {
    return ids.map((id) => `127.0.0.1:${this.node(id).clientPort}`).join(',');
  }

  /** Handles to every broker (and `zookeeper.members` for the ZooKeeper processes). */
  get brokers(): BrokerHandle[] {
    return this.ids.map((id) => {
      const n = this.node(id);
      return { id, running: n.running, pid: n.proc?.running ? n.proc.pid : null, port: n.clientPort, dataDir: n.dataDir, logFile: n.logFile };
    });
  }

  /** The port clients use (the broker's client proxy with `clientProxies`). */
  port(id: number): number {
    return this.node(id).clientPort;
  }

  /** The port the broker itself listens on for clients, bypassing its client proxy. */
  directPort(id: number): number {
    return this.node(id).directPort;
  }

  logFile(id: number): string {
    return this.node(id).logFile;
  }

  dataDir(id: number): string {
    return this.node(id).dataDir;
  }

  /** The in-process Broker (inProcess clusters, while running). */
  broker(id: number): Broker {
    const b = this.node(id).broker;
    if (!b) throw new Error(`broker ${id} is not running in this process (inProcess: ${this.inProcess})`);
    return b;
  }

  /** The child process (child-process clusters). */
  process(id: number): BrokerProcess {
    const p = this.node(id).proc;
    if (!p) throw new Error(`broker ${id} has no process (inProcess: ${this.inProcess})`);
    return p;
  }

  isRunning(id: number): boolean {
    return this.node(id).running;
  }

  private node(id: number): BrokerNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no broker ${id} in this cluster (ids ${this.ids.join(',')})`);
    return n;
  }

  protected checkExits(what: string): void {
    for (const n of this.nodes.values()) {
      const status = n.proc?.exitStatus;
      if (n.proc && status && !n.exitExpected && (status.code ?? 0) !== 0 && status.signal === null) {
        throw new Error(`broker ${n.id} exited with code ${status.code} while waiting for ${what}\n${n.logTail()}`);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------- brokers

  /**
   * Starts a stopped or killed broker again (same id, client port and log dir); resolves once it serves. `env` adds
   * environment variables to a child-process broker (test-only hooks such as crash points). `expectExit`: the broker
   * is meant to kill itself (a crash point), maybe before it has started; start then resolves once it has exited.
   */
  async start(id: number, opts: WaitOptions & { env?: NodeJS.ProcessEnv; expectExit?: boolean } = {}): Promise<void> {
    this.recorder.fault('start', { broker: id });
    await this.node(id).start(opts.timeoutMs ?? 60_000, opts.env, opts.expectExit);
  }

  /** The next exit of this child-process broker is intended (a test-only crash point): no "exited unexpectedly" warning. */
  expectExit(id: number): void {
    this.node(id).exitExpected = true;
  }

  /** Crash: SIGKILL (child process) or an uncontrolled stop (in process). */
  async kill(id: number): Promise<void> {
    this.recorder.fault('kill', { broker: id });
    await this.node(id).kill();
  }

  /** Orderly stop with controlled shutdown: SIGTERM and exit 0 (child process) or stop({ controlled: true }). */
  async stop(id: number, opts: WaitOptions = {}): Promise<void> {
    this.recorder.fault('stop', { broker: id });
    await this.node(id).stop(opts.timeoutMs ?? 60_000);
  }

  /**
   * Stops the broker (`how`: 'stop' = controlled, default; 'kill' = crash), waits until its registration is
   * gone (a killed broker's znode lives until its session times out), and starts it again.
   */
  async restart(id: number, opts: { how?: 'stop' | 'kill'; timeoutMs?: number } = {}): Promise<void> {
    if (this.isRunning(id)) {
      if (opts.how === 'kill') await this.kill(id);
      else await this.stop(id);
    }
    await this.waitFor(async () => !(await this.zk.getBrokerIds()).includes(id), `broker ${id} deregistered`, opts.timeoutMs ?? 30_000);
    await this.start(id, opts);
  }

  /** SIGSTOP (child processes only). */
  async pause(id: number): Promise<void> {
    this.recorder.fault('pause', { broker: id });
    this.node(id).pause();
  }

  /** SIGCONT (child processes only). */
  async resume(id: number): Promise<void> {
    this.recorder.fault('resume', { broker: id });
    this.node(id).resume();
  }

  /**
   * Expires broker `id`'s ZooKeeper session(s) now and resolves once it has registered again with a new broker
   * epoch (`timeoutMs`, default 30 s, bounds the whole). The broker is held off ZooKeeper at its proxies while
   * ZooKeeper closes the sessions (so its client cannot reconnect and take a session back in between).
   */
  async expireSession(id: number, opts: WaitOptions = {}): Promise<void> {
    const node = this.node(id);
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    const before = await this.brokerEpoch(id);
    const sessions = node.zkSessions();
    if (sessions.length === 0) throw new Error(`broker ${id} has no ZooKeeper session to expire`);
    this.recorder.fault('expire-session', { broker: id });
    const release = this.network.holdZk(id);
    try {
      for (const creds of sessions) await expireZkSession(this.zookeeper.connectString, creds, Math.max(1000, Math.min(15_000, deadline - Date.now())));
    } finally {
      release();
    }
    await this.waitForBrokerEpochChange(id, before, { timeoutMs: Math.max(1000, deadline - Date.now()) });
  }

  // ---------------------------------------------------------------------------------------------- network

  /** Cuts the link between brokers `a` and `b` (`oneWay`: only what `a` sends to `b`; `mode: 'reset'`). */
  async cut(a: number, b: number, opts: CutOptions = {}): Promise<void> {
    this.recorder.fault('cut', { broker: a, peer: b, detail: { ...opts } });
    this.network.cut(a, b, opts);
  }

  /** Delays what crosses the link between `a` and `b` by `ms` (`oneWay`: only what `a` sends to `b`). */
  async delay(a: number, b: number, ms: number, opts: DelayOptions = {}): Promise<void> {
    this.recorder.fault('delay', { broker: a, peer: b, detail: { ms, ...opts } });
    this.network.delay(a, b, ms, opts);
  }

  /** Cuts broker `id` from every other broker (its ZooKeeper links stay up). */
  async isolate(id: number, opts: CutOptions = {}): Promise<void> {
    this.recorder.fault('isolate', { broker: id, detail: { ...opts } });
    this.network.isolate(id, opts);
  }

  /** Heals the link between `a` and `b`; with one id every peer link of that broker; with none every link (ZooKeeper's too). */
  async heal(a?: number, b?: number): Promise<void> {
    this.recorder.fault('heal', { broker: a, peer: b });
    if (a === undefined) this.network.healAll();
    else this.network.heal(a, b);
  }

  /** Cuts broker `id` from ZooKeeper (every server, or `member`). */
  async cutZk(id: number, opts: CutOptions & ZkLinkOptions = {}): Promise<void> {
    this.recorder.fault('cut-zk', { broker: id, member: opts.member, detail: { ...opts } });
    this.network.cutZk(id, opts);
  }

  async delayZk(id: number, ms: number, opts: DelayOptions & ZkLinkOptions = {}): Promise<void> {
    this.recorder.fault('delay-zk', { broker: id, member: opts.member, detail: { ms, ...opts } });
    this.network.delayZk(id, ms, opts);
  }

  async healZk(id?: number): Promise<void> {
    this.recorder.fault('heal-zk', { broker: id });
    this.network.healZk(id);
  }

  /** Cuts broker `id` from its clients (`clientProxies`); `oneWay`: only its responses are dropped. */
  async cutClients(id: number, opts: CutOptions = {}): Promise<void> {
    this.recorder.fault('cut-clients', { broker: id, detail: { ...opts } });
    this.network.cutClients(id, opts);
  }

  async delayClients(id: number, ms: number, opts: DelayOptions = {}): Promise<void> {
    this.recorder.fault('delay-clients', { broker: id, detail: { ms, ...opts } });
    this.network.delayClients(id, ms, opts);
  }

  async healClients(id?: number): Promise<void> {
    this.recorder.fault('heal-clients', { broker: id });
    this.network.healClients(id);
  }

  /** The links that carry a fault now (`all`: every link), for failure messages. */
  links(opts: { all?: boolean } = {}): LinkState[] {
    return this.network.links(opts);
  }

  // ---------------------------------------------------------------------------------------------- disks

  private disk(id: number): SmallDisk {
    const n = this.node(id);
    const disk = this.disks.find((d) => n.dataDir.startsWith(d.dir + path.sep));
    if (!disk) throw new Error(`broker ${id} has no small disk: start the cluster with smallDisks (tmpfs) to fill it`);
    return disk;
  }

  /** Fills broker `id`'s log dir (a tmpfs; `smallDisks`) to the last byte; returns the bytes written. */
  async fillDisk(id: number): Promise<number> {
    const disk = this.disk(id);
    this.recorder.fault('fill-disk', { broker: id });
    return disk.fill();
  }

  /** Frees what `fillDisk` wrote. */
  async freeDisk(id: number): Promise<void> {
    const disk = this.disk(id);
    this.recorder.fault('free-disk', { broker: id });
    await disk.free();
  }

  // ---------------------------------------------------------------------------------------------- the rest

  /** Runs `fn`; if it throws, the error's message gets the coordination timeline (for any test runner). */
  async withTimeline<T>(fn: () => Promise<T> | T): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof Error) err.message += `\n\ncoordination timeline:\n${this.timeline.format()}`;
      throw err;
    }
  }

  /** Stops every broker (crash-stop), ZooKeeper (when started here), every proxy, and removes the files. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    const errors: unknown[] = [];
    const attempt = async (fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (err) {
        errors.push(err);
      }
    };
    await Promise.all([...this.nodes.values()].map((n) => attempt(() => n.close())));
    this.watcher?.close();
    if (this._zk) await attempt(() => this._zk!.close());
    if (this.ownsChroot && this._zookeeper?.external) await attempt(() => removeChroot(this._zookeeper!.connectString, this.chroot, this.zookeeperDigest));
    if (this._zookeeper) await attempt(() => this._zookeeper!.close());
    for (const d of this.disks) await attempt(() => d.unmount());
    this.timeline.close();
    if (process.env.GREGOR_KEEP_TEST_DIRS === '1') console.warn(`gregor test cluster files kept in ${this.dir}`);
    else await attempt(() => rm(this.dir, { recursive: true, force: true }));
    Janitor.untrackPath(this.dir);
    if (errors.length > 0) throw new AggregateError(errors, 'errors while closing the cluster');
  }
}

/** Deletes a chroot from an external ZooKeeper. */
async function removeChroot(servers: string, chroot: string, digestAuth: string | null): Promise<void> {
  const root = await ZkClient.connect({ connectString: servers, connectionTimeoutMs: 10_000, ...(digestAuth ? { digestAuth } : {}) });
  try {
    await root.delete(chroot, { recursive: true }).catch(() => {});
  } finally {
    await root.close();
  }
}

/** Starts a cluster: see `Cluster` and `StartClusterOptions`. */
export function startCluster(opts: StartClusterOptions = {}): Promise<Cluster> {
  return Cluster.start(opts);
}
