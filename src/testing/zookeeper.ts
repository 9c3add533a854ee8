/**
 * The cluster's ZooKeeper: the real Apache ZooKeeper (Debian's jar on the machine's Java, QuorumPeerMain), one
 * standalone server or an ensemble of N members on loopback (the zk/zoo1–3.cfg shape with generated ports and
 * data dirs), or an external server the harness only connects to (`zookeeperConnect`).
 *
 * - Ports: ZooKeeper binds the ports its zoo.cfg names, so they are picked by the harness below the kernel's
 *   ephemeral range (ports.ts): nothing of ours or other tests' can take them between the probe and the JVM's
 *   bind, nor while a member is down; a failed start is still retried with new ports.
 * - Members talk to each other through the harness's proxies (one link per pair of members): member i's zoo.cfg
 *   names, for every other member j, a proxy port that forwards to j's real quorum / election port. That is how
 *   `cut(i, j)` and `isolate(i)` partition the ensemble; untouched links pass bytes through.
 * - Member control: kill (SIGKILL), stop (SIGTERM), start, restart (same ports, same data dir: its sessions and
 *   data survive, reliability.md §6.1), pause / resume (SIGSTOP / SIGCONT); `leader()` asks each member `srvr`;
 *   `killQuorum()` / `pauseQuorum()` take a majority (the leader first) away and `restoreQuorum()` brings back
 *   every member that is not running.
 * - Every JVM is registered with the janitor; its output goes to `<dir>/zookeeper-<id>.log`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  ensureZooKeeperInstalled,
  fourLetterWord,
  renderZooCfg,
  zooKeeperCommand,
  type QuorumServer,
  type Runtime,
} from '../zk/server-process.js';
import { parseConnectString } from '../zk/connect-string.js';
import { Janitor } from './janitor.js';
import { LinkPairs, type CutOptions, type Link } from './link.js';
import { pickFixedPort } from './ports.js';
import { LinkProxy, type Upstream } from './proxy.js';

const HOST = '127.0.0.1';
const JVM_OPTIONS = ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Dzookeeper.forceSync=no'];
/** Debian's slf4j-simple binding, when there: the members' logs (info, with times) go to their log files. */
const SLF4J_SIMPLE = '/usr/share/java/slf4j-simple.jar';
const LOG_OPTIONS = ['-Dorg.slf4j.simpleLogger.showDateTime=true', '-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS'];
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export type ZooKeeperMode = 'leader' | 'follower' | 'standalone';

export interface ZooKeeperOptions {
  /** members to start: 1 = standalone (default), 3 = an ensemble */
  size?: number;
  /** directory for data dirs, configs and logs (the cluster's temp dir) */
  dir: string;
  tickTimeMs?: number;
  minSessionTimeoutMs?: number;
  maxSessionTimeoutMs?: number;
  startTimeoutMs?: number;
}

export class ZooKeeperMember {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private paused = false;

  constructor(
    readonly id: number,
    readonly clientPort: number,
    readonly quorumPort: number,
    readonly electionPort: number,
    readonly dataDir: string,
    readonly configPath: string,
    readonly logFile: string,
    private readonly runtime: Runtime,
  ) {}

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get running(): boolean {
    return this.child !== null;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get address(): Upstream {
    return { host: HOST, port: this.clientPort };
  }

  /** Spawns the JVM (it serves once `mode()` answers). */
  start(): void {
    if (this.child) throw new Error(`ZooKeeper ${this.id} is already running (pid ${this.child.pid})`);
    const logging = existsSync(SLF4J_SIMPLE) && !process.env.GREGOR_ZK_CLASSPATH;
    const runtime = logging ? { ...this.runtime, classpath: `${this.runtime.classpath}:${SLF4J_SIMPLE}` } : this.runtime;
    const cmd = zooKeeperCommand(runtime, this.configPath, logging ? [...JVM_OPTIONS, ...LOG_OPTIONS] : JVM_OPTIONS);
    const fd = openSync(this.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(cmd.command, cmd.args, { stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not spawn ${cmd.command}`);
    Janitor.trackPid(pid);
    this.child = child;
    this.paused = false;
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        Janitor.untrackPid(pid);
        if (this.child === child) this.child = null;
        resolve();
      }),
    );
  }

  private signal(sig: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(pid, sig);
    } catch {
      // exited meanwhile
    }
  }

  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (SIGKILL after `timeoutMs`). */
  async stop(timeoutMs = 5000): Promise<void> {
    if (!this.child) return;
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  pause(): void {
    if (!this.child) throw new Error(`ZooKeeper ${this.id} is not running`);
    this.signal('SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    this.signal('SIGCONT');
    this.paused = false;
  }

  /** What `srvr` says the member is, or null when it does not serve (down, paused, no quorum). */
  async mode(timeoutMs = 1000): Promise<ZooKeeperMode | null> {
    if (!this.child || this.paused) return null;
    const reply = await fourLetterWord(HOST, this.clientPort, 'srvr', timeoutMs).catch(() => '');
    const m = /^Mode: (\w+)/m.exec(reply);
    return m && (m[1] === 'leader' || m[1] === 'follower' || m[1] === 'standalone') ? m[1] : null;
  }

  logTail(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

/** Standalone server, ensemble, or external servers: what the cluster's brokers and harness connect to. */
export class ZooKeeper {
  private readonly quorumLinks = new LinkPairs('zookeeper');
  private readonly quorumProxies: LinkProxy[] = [];
  private _members: ZooKeeperMember[] = [];
  /** told of every fault injected through this object (the cluster records them in its timeline) */
  onFault: (action: string, member?: number, peer?: number) => void = () => {};

  private constructor(
    /** the servers' real client addresses (brokers reach them through their own proxies) */
    readonly servers: readonly Upstream[],
    /** true when the harness did not start these servers and cannot kill them */
    readonly external: boolean,
  ) {}

  /** The members the harness started (none for an external ZooKeeper), by id 1..N. */
  get members(): readonly ZooKeeperMember[] {
    return this._members;
  }

  /** `host:port,...` of the real servers, without chroot. */
  get connectString(): string {
    return this.servers.map((s) => `${s.host}:${s.port}`).join(',');
  }

  static external(connect: string): ZooKeeper {
    const servers = parseConnectString(connect)
      .servers.split(',')
      .map((hp) => {
        const i = hp.lastIndexOf(':');
        return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
      });
    return new ZooKeeper(servers, true);
  }

  static async start(opts: ZooKeeperOptions): Promise<ZooKeeper> {
    const runtime = ensureZooKeeperInstalled({ info: () => {}, warn: (o, m) => console.warn(m, o) });
    let lastErr: unknown;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const zk = await ZooKeeper.launch(runtime, opts, attempt);
      try {
        await zk.waitForQuorum(opts.startTimeoutMs ?? 30_000);
        return zk;
      } catch (err) {
        lastErr = err;
        await zk.close();
      }
    }
    throw lastErr;
  }

  private static async launch(runtime: Runtime, opts: ZooKeeperOptions, attempt: number): Promise<ZooKeeper> {
    const size = opts.size ?? 1;
    if (!Number.isInteger(size) || size < 1) throw new Error(`a ZooKeeper ensemble has at least 1 member (got ${size})`);
    const taken = new Set<number>();
    const real: Array<QuorumServer & { clientPort: number }> = [];
    for (let id = 1; id <= size; id++) {
      real.push({ id, host: HOST, clientPort: await pickFixedPort(HOST, taken), quorumPort: await pickFixedPort(HOST, taken), electionPort: await pickFixedPort(HOST, taken) });
    }
    const zk = new ZooKeeper(real.map((r) => ({ host: HOST, port: r.clientPort })), false);
    const members: ZooKeeperMember[] = [];
    for (const me of real) {
      const dataDir = path.join(opts.dir, `zookeeper-${me.id}${attempt > 1 ? `-${attempt}` : ''}`);
      await mkdir(dataDir, { recursive: true });
      const servers: QuorumServer[] = [];
      if (size > 1) {
        writeFileSync(path.join(dataDir, 'myid'), `${me.id}\n`);
        for (const other of real) servers.push(other.id === me.id ? me : await zk.quorumProxy(me.id, other));
      }
      const configPath = path.join(dataDir, 'zoo.cfg');
      writeFileSync(
        configPath,
        renderZooCfg({
          dataDir,
          port: me.clientPort,
          host: HOST,
          tickTimeMs: opts.tickTimeMs ?? 500,
          minSessionTimeoutMs: opts.minSessionTimeoutMs ?? 1000,
          maxSessionTimeoutMs: opts.maxSessionTimeoutMs ?? 60_000,
          ...(size > 1 ? { servers, initLimit: 20, syncLimit: 10 } : {}),
        }),
      );
      members.push(new ZooKeeperMember(me.id, me.clientPort, me.quorumPort, me.electionPort, dataDir, configPath, `${dataDir}.log`, runtime));
    }
    zk._members = members;
    for (const m of members) m.start();
    return zk;
  }

  /** The link between members `i` and `j` (i ≠ j). */
  quorumLink(i: number, j: number): Link {
    return this.quorumLinks.get(i, j);
  }

  /** Proxies through which member `from` reaches `to`'s quorum and election ports, as a zoo.cfg server line. */
  private async quorumProxy(from: number, to: QuorumServer): Promise<QuorumServer> {
    const link = this.quorumLink(from, to.id);
    const route = () => ({ link, clientIsA: from < to.id });
    // a follower gives up on a reset connection to its new leader, but retries a refused one (see LinkProxy)
    const q = await LinkProxy.start({ target: () => ({ host: HOST, port: to.quorumPort }), route, refusedRetryMs: 3000 });
    const e = await LinkProxy.start({ target: () => ({ host: HOST, port: to.electionPort }), route });
    this.quorumProxies.push(q, e);
    return { id: to.id, host: HOST, quorumPort: q.port, electionPort: e.port };
  }

  member(id: number): ZooKeeperMember {
    if (this.external) {
      throw new Error('this cluster uses an external ZooKeeper (zookeeperConnect); start the cluster with `ensemble` to control ZooKeeper');
    }
    const m = this.members.find((x) => x.id === id);
    if (!m) throw new Error(`no ZooKeeper member ${id} (members ${this.members.map((x) => x.id).join(',')})`);
    return m;
  }

  /** Resolves once a majority of members serve (standalone: the server answers `srvr`). */
  async waitForQuorum(timeoutMs = 30_000): Promise<void> {
    if (this.external) return;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const modes = await Promise.all(this.members.map((m) => m.mode()));
      const serving = modes.filter((m) => m !== null).length;
      if (serving > this.members.length / 2 && (this.members.length === 1 || modes.includes('leader'))) return;
      const dead = this.members.find((m) => !m.running);
      if (Date.now() > deadline || (dead && this.members.length === 1)) {
        const tails = this.members.map((m) => `--- zookeeper ${m.id} (${m.running ? `pid ${m.pid}` : 'not running'}):\n${m.logTail()}`);
        throw new Error(`ZooKeeper did not form a quorum within ${timeoutMs} ms (modes ${JSON.stringify(modes)})\n${tails.join('\n')}`);
      }
      await sleep(50);
    }
  }

  /** The member that is the ensemble's leader now (standalone: the server), or null when there is none. */
  async leader(): Promise<number | null> {
    const modes = await Promise.all(this.members.map(async (m) => [m.id, await m.mode()] as const));
    return modes.find(([, mode]) => mode === 'leader' || mode === 'standalone')?.[0] ?? null;
  }

  async kill(id: number): Promise<void> {
    this.onFault('zookeeper-kill', this.member(id).id);
    await this.member(id).kill();
  }

  async stop(id: number): Promise<void> {
    this.onFault('zookeeper-stop', this.member(id).id);
    await this.member(id).stop();
  }

  /** Starts a killed/stopped member again (same ports and data); resolves once it serves when a quorum exists. */
  async start(id: number, opts: { waitMs?: number } = {}): Promise<void> {
    const m = this.member(id);
    this.onFault('zookeeper-start', id);
    m.start();
    const deadline = Date.now() + (opts.waitMs ?? 30_000);
    while ((await m.mode()) === null) {
      if (!m.running) throw new Error(`ZooKeeper ${id} exited right after its restart\n${m.logTail()}`);
      // a member alone cannot serve: done once it runs, when no quorum could include it yet
      if (this.members.filter((x) => x.running && !x.isPaused).length <= this.members.length / 2) return;
      if (Date.now() > deadline) throw new Error(`ZooKeeper ${id} did not serve within ${opts.waitMs ?? 30_000} ms after its restart\n${m.logTail()}`);
      await sleep(50);
    }
  }

  async restart(id: number): Promise<void> {
    await this.stop(id);
    await this.start(id);
  }

  async pause(id: number): Promise<void> {
    this.onFault('zookeeper-pause', this.member(id).id);
    this.member(id).pause();
  }

  async resume(id: number): Promise<void> {
    this.onFault('zookeeper-resume', this.member(id).id);
    this.member(id).resume();
  }

  /** Members that would make up a lost quorum: the leader first, then the others, a majority in all. */
  private async majority(): Promise<ZooKeeperMember[]> {
    const leader = await this.leader();
    const ordered = [...this.members].sort((a, b) => (a.id === leader ? -1 : b.id === leader ? 1 : a.id - b.id));
    return ordered.slice(0, Math.floor(this.members.length / 2) + 1);
  }

  /** SIGKILLs a majority of the members (the leader among them); returns their ids. */
  async killQuorum(): Promise<number[]> {
    const victims = await this.majority();
    for (const m of victims) this.onFault('zookeeper-kill', m.id);
    await Promise.all(victims.map((m) => m.kill()));
    return victims.map((m) => m.id);
  }

  /** SIGSTOPs a majority of the members (the leader among them); returns their ids. */
  async pauseQuorum(): Promise<number[]> {
    const victims = await this.majority();
    for (const m of victims) {
      this.onFault('zookeeper-pause', m.id);
      m.pause();
    }
    return victims.map((m) => m.id);
  }

  /** Resumes paused members and starts stopped ones; resolves once the quorum serves again. */
  async restoreQuorum(timeoutMs = 30_000): Promise<void> {
    for (const m of this.members) {
      if (m.isPaused) {
        this.onFault('zookeeper-resume', m.id);
        m.resume();
      } else if (!m.running) {
        this.onFault('zookeeper-start', m.id);
        m.start();
      }
    }
    await this.waitForQuorum(timeoutMs);
  }

  /** Cuts the link between members `i` and `j` (`oneWay`: only what `i` sends to `j`). */
  cut(i: number, j: number, opts?: CutOptions): void {
    this.member(i);
    this.member(j);
    this.onFault('zookeeper-cut', i, j);
    this.quorumLink(i, j).cut(opts, i < j);
  }

  /** Cuts member `id` from every other member (its clients still reach it; it loses the quorum). */
  isolate(id: number, opts?: CutOptions): void {
    for (const m of this.members) if (m.id !== id) this.cut(id, m.id, opts);
  }

  /** Heals the link between `i` and `j`, or every quorum link. */
  heal(i?: number, j?: number): void {
    this.onFault('zookeeper-heal', i, j);
    if (i !== undefined && j !== undefined) this.quorumLink(i, j).heal();
    else for (const l of this.quorumLinks.all()) l.heal();
  }

  /** Stops every member (SIGKILL: the data dirs are thrown away) and the quorum proxies. */
  async close(): Promise<void> {
    await Promise.all(this.members.map((m) => m.kill()));
    await Promise.all(this.quorumProxies.map((p) => p.close()));
  }
}
