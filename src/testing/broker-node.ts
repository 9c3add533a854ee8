/**
 * One broker of a test cluster: its configuration, its proxies, and the broker itself — in this process
 * (`new Broker(config)`) or as a child process (broker-process.ts).
 *
 * Listeners (the harness owns these keys):
 *   listeners            = PLAINTEXT://127.0.0.1:<client port>,REPLICATION://127.0.0.1:0
 *   advertised.listeners = PLAINTEXT://127.0.0.1:<client port>,REPLICATION://127.0.0.1:<inter-broker proxy port>
 *   inter.broker.listener.name = REPLICATION
 * Clients bootstrap from, and are told in Metadata about, the PLAINTEXT endpoints: they connect directly — or,
 * with `clientProxies`, through a harness proxy advertised instead (one link per broker: `broker <id> <-> clients`).
 * Brokers (follower fetchers, the controller's channel, controlled shutdown) use REPLICATION, advertised at a
 * harness proxy that tells callers apart by their Kafka client id, so each broker pair has its own link
 * (proxy.ts). `zookeeper.connect` lists one proxy per ZooKeeper server (the broker's links to ZooKeeper) plus the
 * cluster's chroot; those proxies also read the session credentials `expireSession` needs.
 *
 * Secure listeners (`listenerSecurity`): REPLICATION may use another security protocol (its TLS/SASL keys are the
 * test's, e.g. `listener.name.replication.scram-sha-512.sasl.jaas.config`); over TLS the proxy cannot read client
 * ids, so inter-broker connections then pass it on no link (no inter-broker faults). Extra listeners (SSL,
 * SASL_SSL, ...) listen and are advertised at fixed ports the test chose, the same at every start.
 *
 * Ports: the client port is picked below the kernel's ephemeral range (ports.ts) so that nothing can take it while
 * the broker is down; every start asks for it (clients keep their bootstrap list) and a restart retries while it
 * is still in use (a first start that finds it taken picks another). The bound ports are learnt from the broker's
 * `broker-listening` log record (src/common/log-events.ts). The REPLICATION port is 0 at every start: only the
 * proxy's is advertised.
 */
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Broker } from '../broker.js';
import { LogEvent } from '../common/log-events.js';
import { createLogger } from '../common/logger.js';
import { BrokerConfig } from '../config/broker-config.js';
import type { SessionCredentials } from '../zk/session-expiry.js';
import { BrokerProcess, writeProperties } from './broker-process.js';
import type { SmallDisk } from './disk.js';
import { Link } from './link.js';
import { pickFixedPort } from './ports.js';
import { LinkProxy, type Upstream } from './proxy.js';

export type PropValue = string | number | boolean;
export type Props = Readonly<Record<string, PropValue>>;
export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';

/** Listener security of a test cluster's brokers (StartClusterOptions.listenerSecurity). */
export interface ListenerSecurityOptions {
  /** security protocol of the inter-broker REPLICATION listener; default PLAINTEXT */
  replication?: SecurityProtocol;
  /** more listeners of broker `id`, by name (not PLAINTEXT or REPLICATION): protocol and a fixed port */
  extraListeners?: (id: number) => Readonly<Record<string, { protocol: SecurityProtocol; port: number }>>;
}

/** Keys the harness sets itself; a test that sets them would silently bypass the proxies. */
export const HARNESS_KEYS = [
  'broker.id',
  'listeners',
  'advertised.listeners',
  'listener.security.protocol.map',
  'inter.broker.listener.name',
  'security.inter.broker.protocol',
  'zookeeper.connect',
  'log.dirs',
  'log.dir',
] as const;

const CLIENT_ID_OF_BROKER = /^(?:controller|broker)-(\d+)(?:-|$)/;
const PORT_RETRY_MS = 15_000;
/** An in-process crash-stop that hangs (a broker waiting for a lost ZooKeeper) must not hang the test. */
const IN_PROCESS_STOP_MS = 20_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function bounded(p: Promise<void>, ms: number, message: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export interface BrokerNodeOptions {
  id: number;
  dir: string;
  inProcess: boolean;
  /** every other property (harness defaults, then the test's) */
  props: Props;
  chroot: string;
  /** the ZooKeeper servers: the name of each as a link end ('zookeeper 1', ...) and its address once it serves */
  zookeeper: ReadonlyArray<{ name: string; address: () => Promise<Upstream | null> }>;
  /** the link between two brokers (created on first use) */
  peerLink: (a: number, b: number) => Link;
  isBroker: (id: number) => boolean;
  /** every line the broker logs */
  onLogLine: (line: string) => void;
  disk?: SmallDisk;
  /** advertise the client listener at a proxy too (client-side faults) */
  clientProxy?: boolean;
  listenerSecurity?: ListenerSecurityOptions;
  /** environment of every start (child process; BrokerOptions.env in process), e.g. KAFKA_OPTS naming a JAAS file */
  env?: NodeJS.ProcessEnv;
}

interface Launch {
  ready: Promise<void>;
  settle: (err?: Error) => void;
  /** listener name → the port the broker bound, once its `broker-listening` record says */
  ports: Promise<Record<string, number>>;
  setPorts: (ports: Record<string, number>) => void;
}

export class BrokerNode {
  readonly id: number;
  readonly dataDir: string;
  readonly logFile: string;
  readonly zkLinks: readonly Link[];
  /** the link between the broker and its clients (with `clientProxy`) */
  readonly clientLink: Link | null;
  /** the PLAINTEXT port the broker binds (picked by `create`) */
  private boundClientPort = 0;
  /** a start has bound `boundClientPort`: from then on it is the broker's for good */
  private clientPortBound = false;
  broker: Broker | undefined;
  proc: BrokerProcess | undefined;
  /** set by kill/stop/close: an exit without it is reported */
  exitExpected = false;
  private launch: Launch | undefined;
  private logStream: WriteStream | undefined;
  private readonly sessions = new Map<object, SessionCredentials>();
  private lastSession: SessionCredentials | undefined;

  private constructor(
    private readonly opts: BrokerNodeOptions,
    readonly interBrokerProxy: LinkProxy,
    readonly zkProxies: readonly LinkProxy[],
    zkLinks: Link[],
    private readonly clientProxy: LinkProxy | null,
  ) {
    this.id = opts.id;
    this.clientLink = clientProxy ? new Link(`broker ${opts.id}`, 'clients') : null;
    this.dataDir = opts.disk ? path.join(opts.disk.dir, 'logs') : path.join(opts.dir, `broker-${opts.id}`, 'data');
    this.logFile = path.join(opts.dir, `broker-${opts.id}.log`);
    this.zkLinks = zkLinks;
  }

  static async create(opts: BrokerNodeOptions): Promise<BrokerNode> {
    let node: BrokerNode | undefined;
    const replication = opts.listenerSecurity?.replication ?? 'PLAINTEXT';
    const interBrokerProxy = await LinkProxy.start({
      // TLS hides the client id: such connections are forwarded on no link
      classify: replication === 'SSL' || replication === 'SASL_SSL' ? 'none' : 'kafka-client-id',
      target: () => node?.listenerTarget('REPLICATION') ?? null,
      route: (clientId) => {
        const m = clientId ? CLIENT_ID_OF_BROKER.exec(clientId) : null;
        const from = m ? Number(m[1]) : NaN;
        if (!opts.isBroker(from) || from === opts.id) return null; // a broker's controller calling itself: no link
        return { link: opts.peerLink(from, opts.id), clientIsA: from < opts.id };
      },
    });
    const zkLinks = opts.zookeeper.map((z) => new Link(`broker ${opts.id}`, z.name));
    const zkProxies = await Promise.all(
      opts.zookeeper.map((z, i) =>
        LinkProxy.start({
          target: () => z.address(),
          route: () => ({ link: zkLinks[i]!, clientIsA: true }),
          observeUpstream: (client, chunk) => node?.sniffSession(client, chunk),
        }),
      ),
    );
    const clientProxy = opts.clientProxy
      ? await LinkProxy.start({
          target: () => node?.listenerTarget('PLAINTEXT') ?? null,
          route: () => (node?.clientLink ? { link: node.clientLink, clientIsA: false } : null),
        })
      : null;
    node = new BrokerNode(opts, interBrokerProxy, zkProxies, zkLinks, clientProxy);
    node.boundClientPort = await pickFixedPort('127.0.0.1');
    await mkdir(node.dataDir, { recursive: true });
    return node;
  }

  /** The PLAINTEXT port the broker itself listens on (the same as `clientPort` without a client proxy). */
  get directPort(): number {
    return this.boundClientPort;
  }

  /** The port clients use: the broker's own, or its client proxy's. */
  get clientPort(): number {
    return this.clientProxy?.port ?? this.boundClientPort;
  }

  get running(): boolean {
    return this.opts.inProcess ? this.broker !== undefined : (this.proc?.running ?? false);
  }

  /** The properties the broker is started with now. */
  properties(): Record<string, string> {
    const client = `PLAINTEXT://127.0.0.1:${this.boundClientPort}`;
    const security = this.opts.listenerSecurity;
    const extra = Object.entries(security?.extraListeners?.(this.id) ?? {});
    const extraListeners = extra.map(([name, l]) => `,${name}://127.0.0.1:${l.port}`).join('');
    const harness: Record<string, PropValue> = {
      'broker.id': this.id,
      listeners: `${client},REPLICATION://127.0.0.1:0${extraListeners}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${this.clientPort},REPLICATION://127.0.0.1:${this.interBrokerProxy.port}${extraListeners}`,
      'listener.security.protocol.map': [
        'PLAINTEXT:PLAINTEXT',
        `REPLICATION:${security?.replication ?? 'PLAINTEXT'}`,
        ...extra.map(([name, l]) => `${name}:${l.protocol}`),
      ].join(','),
      'inter.broker.listener.name': 'REPLICATION',
      'zookeeper.connect': `${this.zkProxies.map((p) => p.address).join(',')}${this.opts.chroot}`,
      'log.dirs': this.dataDir,
    };
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...this.opts.props, ...harness })) out[k] = String(v);
    return out;
  }

  // ---------------------------------------------------------------------------------------------- start

  /**
   * Starts the broker and resolves once it has registered and serves (`broker-started`). `env` adds environment
   * variables to a child-process broker (test-only hooks such as crash points). `expectExit`: the broker is meant to
   * kill itself (a crash point), which may come before it has started: then start resolves once it has exited.
   */
  async start(timeoutMs = 60_000, startEnv?: NodeJS.ProcessEnv, expectExit = false): Promise<void> {
    if ((startEnv || expectExit) && this.opts.inProcess) throw new Error('env and expectExit apply to brokers in child processes only');
    const env = this.opts.env || startEnv ? { ...this.opts.env, ...startEnv } : undefined;
    if (this.running) throw new Error(`broker ${this.id} is already running`);
    const deadline = Date.now() + timeoutMs;
    const retryUntil = Math.min(deadline, Date.now() + PORT_RETRY_MS);
    for (;;) {
      try {
        return await this.startOnce(deadline, env, expectExit);
      } catch (err) {
        // a restart asks for its previous client port; something may hold it a little longer
        const inUse = err instanceof Error && /EADDRINUSE/.test(err.message);
        if (!inUse || Date.now() > retryUntil) throw err;
        if (!this.clientPortBound) this.boundClientPort = await pickFixedPort('127.0.0.1');
        else await sleep(250);
      }
    }
  }

  private newLaunch(): Launch {
    let settle!: (err?: Error) => void;
    let setPorts!: (ports: Record<string, number>) => void;
    const ready = new Promise<void>((resolve, reject) => (settle = (err) => (err ? reject(err) : resolve())));
    ready.catch(() => {});
    const ports = new Promise<Record<string, number>>((resolve) => (setPorts = resolve));
    return { ready, settle, ports, setPorts };
  }

  private async startOnce(deadline: number, env: NodeJS.ProcessEnv | undefined, expectExit: boolean): Promise<void> {
    const launch = this.newLaunch();
    this.launch = launch;
    this.exitExpected = expectExit;
    const props = this.properties();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`broker ${this.id} did not start within the deadline\n${this.logTail()}`)), Math.max(1, deadline - Date.now()));
    });
    try {
      if (this.opts.inProcess) await Promise.race([this.startInProcess(props), timeout]);
      else {
        const propsPath = writeProperties(path.join(this.opts.dir, `broker-${this.id}.properties`), props);
        const proc = BrokerProcess.start({ propsPath, logFile: this.logFile, onLine: (line) => this.onLine(line), ...(env ? { env } : {}) });
        this.proc = proc;
        void proc.exited.then((status) => {
          if (this.proc !== proc) return;
          if (this.exitExpected) return launch.settle();
          launch.settle(new Error(`broker ${this.id} (pid ${proc.pid}) exited with ${status.code ?? status.signal} before it started\n${proc.logTail()}`));
          console.warn(`gregor test cluster: broker ${this.id} (pid ${proc.pid}) exited unexpectedly with ${status.code ?? status.signal}\n${proc.logTail()}`);
        });
        await Promise.race([launch.ready, timeout]);
      }
    } catch (err) {
      await this.kill();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private async startInProcess(props: Record<string, string>): Promise<void> {
    const { Broker: BrokerClass } = await import('../broker.js');
    const stream = createWriteStream(this.logFile, { flags: 'a' });
    this.logStream = stream;
    const destination = {
      write: (line: string) => {
        stream.write(line);
        this.onLine(line.endsWith('\n') ? line.slice(0, -1) : line);
      },
    };
    const broker = new BrokerClass(BrokerConfig.parse(props), {
      logger: createLogger({ brokerId: this.id, destination }),
      ...(this.opts.env ? { env: { ...process.env, ...this.opts.env } } : {}),
    });
    this.broker = broker;
    try {
      await broker.start();
    } catch (err) {
      this.broker = undefined;
      await broker.stop({ controlled: false }).catch(() => {});
      await this.closeLog();
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(`broker ${this.id} failed to start: ${code ? `${code} ` : ''}${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private onLine(line: string): void {
    if (line.includes(`"event":"${LogEvent.BrokerListening}"`) || line.includes(`"event":"${LogEvent.BrokerStarted}"`) || line.includes(`"event":"${LogEvent.BrokerStartFailed}"`)) {
      this.onLifecycle(line);
    }
    this.opts.onLogLine(line);
  }

  private onLifecycle(line: string): void {
    let rec: { event?: string; ports?: Record<string, number>; err?: { message?: string; code?: string } };
    try {
      rec = JSON.parse(line) as typeof rec;
    } catch {
      return;
    }
    const launch = this.launch;
    if (!launch) return;
    if (rec.event === LogEvent.BrokerListening && rec.ports) {
      if (rec.ports.PLAINTEXT) {
        this.boundClientPort = rec.ports.PLAINTEXT;
        this.clientPortBound = true;
      }
      launch.setPorts(rec.ports);
    } else if (rec.event === LogEvent.BrokerStarted) launch.settle();
    else if (rec.event === LogEvent.BrokerStartFailed) {
      launch.settle(new Error(`broker ${this.id} failed to start: ${rec.err?.code ?? ''} ${rec.err?.message ?? ''}\n${this.logTail()}`));
    }
  }

  /** Where a proxy of this broker forwards to: the port the broker bound for `listener`, once it has. */
  private async listenerTarget(listener: string): Promise<Upstream | null> {
    const launch = this.launch;
    if (!launch || !this.running) return null;
    let timer: NodeJS.Timeout | undefined;
    const ports = await Promise.race([launch.ports, new Promise<null>((r) => (timer = setTimeout(() => r(null), 10_000)))]);
    clearTimeout(timer);
    const port = ports?.[listener];
    return port === undefined || this.launch !== launch ? null : { host: '127.0.0.1', port };
  }

  // ---------------------------------------------------------------------------------------------- stop

  /** Crash: SIGKILL (child process) or a stop without controlled shutdown (in process). */
  async kill(): Promise<void> {
    this.exitExpected = true;
    if (this.proc) {
      await this.proc.kill();
      this.proc = undefined;
    }
    const b = this.broker;
    this.broker = undefined;
    if (b) await bounded(b.stop({ controlled: false }), IN_PROCESS_STOP_MS, `broker ${this.id} did not stop within ${IN_PROCESS_STOP_MS} ms`);
    await this.closeLog();
  }

  /** Controlled shutdown: SIGTERM and exit 0 (child process) or stop({ controlled: true }). */
  async stop(timeoutMs = 60_000): Promise<void> {
    this.exitExpected = true;
    if (this.proc) {
      const proc = this.proc;
      try {
        await proc.stop(timeoutMs);
      } finally {
        this.proc = undefined;
      }
    }
    const b = this.broker;
    this.broker = undefined;
    await b?.stop({ controlled: true });
    await this.closeLog();
  }

  private requireProcess(what: string): BrokerProcess {
    if (this.opts.inProcess) throw new Error(`${what} needs brokers in child processes (startCluster without inProcess: true)`);
    if (!this.proc?.running) throw new Error(`broker ${this.id} is not running`);
    return this.proc;
  }

  pause(): void {
    this.requireProcess('pause').pause();
  }

  resume(): void {
    this.requireProcess('resume').resume();
  }

  private async closeLog(): Promise<void> {
    const s = this.logStream;
    this.logStream = undefined;
    if (s) await new Promise<void>((resolve) => s.end(() => resolve()));
  }

  /** Kills the broker (if running) and closes its proxies. */
  async close(): Promise<void> {
    this.exitExpected = true;
    this.proc?.resume();
    await this.kill();
    await Promise.all([this.interBrokerProxy.close(), this.clientProxy?.close(), ...this.zkProxies.map((p) => p.close())]);
  }

  logTail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  // ---------------------------------------------------------------------------------------------- ZooKeeper sessions

  private readonly heads = new WeakMap<object, Buffer>();

  /** Reads the ConnectResponse (len, protocolVersion, timeOut, sessionId, passwd) of each ZooKeeper connection. */
  private sniffSession(client: object, chunk: Buffer): void {
    if (this.sessions.has(client)) return;
    const head = Buffer.concat([this.heads.get(client) ?? Buffer.alloc(0), chunk]);
    if (head.length < 4 || head.length < 4 + head.readInt32BE(0)) {
      if (head.length < 4096) this.heads.set(client, head);
      return;
    }
    this.heads.delete(client);
    const len = head.readInt32BE(0);
    if (len < 20) return;
    const sessionId = head.subarray(12, 20);
    const pwLen = head.readInt32BE(20);
    if (pwLen < 0 || 24 + pwLen > 4 + len || sessionId.readBigUInt64BE(0) === 0n) return; // "expired" answer
    const creds = { sessionId: Buffer.from(sessionId), sessionPassword: Buffer.from(head.subarray(24, 24 + pwLen)) };
    this.sessions.set(client, creds);
    this.lastSession = creds;
    (client as { once(e: 'close', f: () => void): void }).once('close', () => this.sessions.delete(client));
  }

  /** Distinct sessions open through the broker's ZooKeeper proxies (the last one seen when none is connected). */
  zkSessions(): SessionCredentials[] {
    const byId = new Map<string, SessionCredentials>();
    for (const c of this.sessions.values()) byId.set(c.sessionId.toString('hex'), c);
    if (byId.size === 0 && this.lastSession) byId.set(this.lastSession.sessionId.toString('hex'), this.lastSession);
    return [...byId.values()];
  }
}
