/**
 * A real Apache ZooKeeper server as a child process: the Debian package's jar run on the machine's Java
 * through `QuorumPeerMain` with a generated standalone zoo.cfg (ARCHITECTURE decision 11).
 *
 * Used by the integration-test globalSetup (one server per test run) and by `gregor zookeeper start`
 * (`runZooKeeperForeground`). Readiness = `ruok` answers `imok` and `srvr` reports a Mode (ZooKeeper answers
 * imok a little before it serves requests).
 *
 * - Missing jar or java: when running as root with apt-get available, `apt-get install -y zookeeper` is run
 *   (and logged); otherwise `ZooKeeperNotInstalledError` says exactly what to install.
 * - stop(): SIGTERM to the PID we started, SIGKILL after `killTimeoutMs`; the generated config directory is
 *   always removed, the data directory only when it was a temp dir we made or when asked (`removeData`).
 * - pause()/resume(): SIGSTOP/SIGCONT, the cheap way to expire every session at once (reliability.md §6.1).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';

export interface ZkServerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface StartZooKeeperOptions {
  /** Client port; 0 or undefined picks a free port on `host`. */
  port?: number;
  /** Address the client port binds to. Default 127.0.0.1. */
  host?: string;
  /** Data directory; default a fresh temp dir (removed on stop). */
  dataDir?: string;
  tickTimeMs?: number; // default 500
  minSessionTimeoutMs?: number; // default 1000
  maxSessionTimeoutMs?: number; // default 60000
  /** 'ignore' (default) drops the server's output, 'inherit' passes it to our stdout/stderr. */
  stdio?: 'ignore' | 'inherit';
  /** How long to wait for `imok`. Default 30000 ms. */
  startTimeoutMs?: number;
  /** Install the Debian package when missing (root + apt-get only). Default true. */
  allowInstall?: boolean;
  log?: ZkServerLogger;
}

export interface ZooKeeperServer {
  readonly connectString: string;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  readonly dataDir: string;
  readonly configPath: string;
  /** Resolves with the exit code (or null when killed by a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
  stop(opts?: { removeData?: boolean; killTimeoutMs?: number }): Promise<void>;
  pause(): void;
  resume(): void;
}

export class ZooKeeperNotInstalledError extends Error {
  constructor(missing: string) {
    super(
      `Apache ZooKeeper cannot be started: ${missing}. Install the Debian/Ubuntu package "zookeeper" ` +
        `(apt-get install -y zookeeper; it brings a Java runtime via default-jre-headless), ` +
        `or set GREGOR_ZK_CLASSPATH to a classpath holding zookeeper.jar and its dependencies and ` +
        `GREGOR_JAVA to a java binary.`,
    );
    this.name = 'ZooKeeperNotInstalledError';
  }
}

const DEBIAN_CONF_DIR = '/etc/zookeeper/conf';
const DEBIAN_JAR = '/usr/share/java/zookeeper.jar';
const MAIN_CLASS = 'org.apache.zookeeper.server.quorum.QuorumPeerMain';

/** Every child we started and have not seen exit; killed on process exit so a crashed run leaks nothing. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of liveChildren) if (c.pid !== undefined) safeKill(c.pid, 'SIGKILL');
    });
  }
}

function safeKill(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

function defaultLogger(): ZkServerLogger {
  return pino({ name: 'zookeeper-server' }, pino.destination(2));
}

export interface Runtime {
  java: string;
  classpath: string;
}

function javaWorks(java: string): boolean {
  const r = spawnSync(java, ['-version'], { stdio: 'ignore' });
  return r.status === 0;
}

function locateRuntime(): { runtime?: Runtime; missing?: string } {
  const java = process.env.GREGOR_JAVA ?? 'java';
  const classpath = process.env.GREGOR_ZK_CLASSPATH ?? `${DEBIAN_CONF_DIR}:${DEBIAN_JAR}`;
  if (!process.env.GREGOR_ZK_CLASSPATH && !existsSync(DEBIAN_JAR)) return { missing: `${DEBIAN_JAR} not found` };
  if (!javaWorks(java)) return { missing: `no working "${java}" on PATH` };
  return { runtime: { java, classpath } };
}

/** Finds java + the ZooKeeper jar, installing the Debian package first when allowed and possible. */
export function ensureZooKeeperInstalled(log: ZkServerLogger = defaultLogger(), allowInstall = true): Runtime {
  const found = locateRuntime();
  if (found.runtime) return found.runtime;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (!allowInstall || !isRoot || !hasApt) throw new ZooKeeperNotInstalledError(found.missing ?? 'unknown');
  log.warn({ missing: found.missing }, 'ZooKeeper not found; running apt-get update && apt-get install -y zookeeper');
  const r = spawnSync('sh', ['-c', 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y zookeeper'], {
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new ZooKeeperNotInstalledError(`apt-get install zookeeper failed (exit ${r.status})`);
  const again = locateRuntime();
  if (!again.runtime) throw new ZooKeeperNotInstalledError(again.missing ?? 'still missing after install');
  return again.runtime;
}

/** Binds port 0 on `host` and returns the port the kernel chose. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Sends a four-letter word (ruok, stat, srvr, ...) and returns the whole reply. */
export function fourLetterWord(host: string, port: number, word: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`four-letter word "${word}" to ${host}:${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('connect', () => sock.write(word));
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** A member of an ensemble as the `server.<id>=host:quorumPort:electionPort` line of a zoo.cfg names it. */
export interface QuorumServer {
  id: number;
  host: string;
  quorumPort: number;
  electionPort: number;
}

/** A zoo.cfg: standalone, or (with `servers`) one member of an ensemble, whose dataDir must hold its myid. */
export function renderZooCfg(o: {
  dataDir: string;
  port: number;
  host: string;
  tickTimeMs: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  servers?: readonly QuorumServer[];
  initLimit?: number;
  syncLimit?: number;
}): string {
  const quorum = o.servers
    ? [
        `initLimit=${o.initLimit ?? 10}`,
        `syncLimit=${o.syncLimit ?? 5}`,
        'reconfigEnabled=false',
        ...o.servers.map((m) => `server.${m.id}=${m.host}:${m.quorumPort}:${m.electionPort}`),
      ]
    : [];
  return [
    '# generated by gregor (src/zk/server-process.ts)',
    `tickTime=${o.tickTimeMs}`,
    `dataDir=${o.dataDir}`,
    `clientPort=${o.port}`,
    `clientPortAddress=${o.host}`,
    'admin.enableServer=false',
    `minSessionTimeout=${o.minSessionTimeoutMs}`,
    `maxSessionTimeout=${o.maxSessionTimeoutMs}`,
    '4lw.commands.whitelist=*',
    'maxClientCnxns=0',
    'autopurge.purgeInterval=0',
    ...quorum,
    '',
  ].join('\n');
}

/** The JVM command line of one ZooKeeper server (QuorumPeerMain on `configPath`). */
export function zooKeeperCommand(runtime: { java: string; classpath: string }, configPath: string, jvmOptions: readonly string[] = []): { command: string; args: string[] } {
  return { command: runtime.java, args: ['-Xmx256m', ...jvmOptions, '-cp', runtime.classpath, MAIN_CLASS, configPath] };
}

const TAIL_LINES = 40;

/** Starts one standalone ZooKeeper and resolves once it answers `imok`. */
export async function startZooKeeper(opts: StartZooKeeperOptions = {}): Promise<ZooKeeperServer> {
  const log = opts.log ?? defaultLogger();
  const runtime = ensureZooKeeperInstalled(log, opts.allowInstall ?? true);
  const host = opts.host ?? '127.0.0.1';
  const ownDataDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'gregor-zk-data-')));
  await mkdir(dataDir, { recursive: true });
  // A port we picked can be taken between probe and bind; retry with a new one. A given port is used as is.
  const attempts = opts.port ? 1 : 3;
  let lastErr: unknown;
  for (let i = 0; i < attempts; i++) {
    const port = opts.port ? opts.port : await freePort(host);
    try {
      return await launch(runtime, { ...opts, host, port, dataDir, ownDataDir, log });
    } catch (err) {
      lastErr = err;
    }
  }
  if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
  throw lastErr;
}

async function launch(
  runtime: Runtime,
  o: StartZooKeeperOptions & { host: string; port: number; dataDir: string; ownDataDir: boolean; log: ZkServerLogger },
): Promise<ZooKeeperServer> {
  const confDir = await mkdtemp(path.join(os.tmpdir(), 'gregor-zk-conf-'));
  const configPath = path.join(confDir, 'zoo.cfg');
  await writeFile(
    configPath,
    renderZooCfg({
      dataDir: o.dataDir,
      port: o.port,
      host: o.host,
      tickTimeMs: o.tickTimeMs ?? 500,
      minSessionTimeoutMs: o.minSessionTimeoutMs ?? 1000,
      maxSessionTimeoutMs: o.maxSessionTimeoutMs ?? 60000,
    }),
  );
  const cmd = zooKeeperCommand(runtime, configPath);
  const child = spawn(cmd.command, cmd.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) {
    await rm(confDir, { recursive: true, force: true });
    throw new Error(`could not spawn ${runtime.java}`);
  }
  const pid = child.pid;
  trackChild(child);
  const tail: string[] = [];
  const onOutput = (target: NodeJS.WriteStream) => (chunk: Buffer) => {
    if (o.stdio === 'inherit') target.write(chunk);
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) tail.push(line);
    tail.splice(0, Math.max(0, tail.length - TAIL_LINES));
  };
  child.stdout?.on('data', onOutput(process.stdout));
  child.stderr?.on('data', onOutput(process.stderr));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    });
  });

  let stopped = false;
  const stop = async (s: { removeData?: boolean; killTimeoutMs?: number } = {}): Promise<void> => {
    if (!stopped) {
      stopped = true;
      if (exitCode === undefined) {
        safeKill(pid, 'SIGCONT'); // a paused JVM cannot act on SIGTERM
        safeKill(pid, 'SIGTERM');
        const timer = setTimeout(() => safeKill(pid, 'SIGKILL'), s.killTimeoutMs ?? 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(confDir, { recursive: true, force: true });
    }
    if (s.removeData ?? o.ownDataDir) await rm(o.dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (o.startTimeoutMs ?? 30000);
  for (;;) {
    if (exitCode !== undefined) {
      await stop({ removeData: false });
      throw new Error(
        `ZooKeeper exited with code ${exitCode} before answering ruok on ${o.host}:${o.port}\n${tail.join('\n')}`,
      );
    }
    // `imok` only means the process is up; `srvr` tells whether it serves requests yet.
    const reply = await fourLetterWord(o.host, o.port, 'ruok', 1000).catch(() => '');
    if (reply === 'imok') {
      const srvr = await fourLetterWord(o.host, o.port, 'srvr', 1000).catch(() => '');
      if (/^Mode: /m.test(srvr)) break;
    }
    if (Date.now() > deadline) {
      await stop({ removeData: false });
      throw new Error(`ZooKeeper on ${o.host}:${o.port} did not answer imok in time\n${tail.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  o.log.info({ pid, port: o.port, dataDir: o.dataDir }, 'ZooKeeper started');
  return {
    connectString: `${o.host}:${o.port}`,
    host: o.host,
    port: o.port,
    pid,
    dataDir: o.dataDir,
    configPath,
    exited,
    stop,
    pause: () => void safeKill(pid, 'SIGSTOP'),
    resume: () => void safeKill(pid, 'SIGCONT'),
  };
}

/**
 * `gregor zookeeper start [--port 2181] [--data-dir DIR]`: start ZooKeeper with its output on our terminal,
 * run until SIGINT/SIGTERM (or until the server dies), then stop it. Resolves with a process exit code.
 */
export async function runZooKeeperForeground(
  opts: { port?: number; dataDir?: string; host?: string; log?: ZkServerLogger } = {},
): Promise<number> {
  const log = opts.log ?? defaultLogger();
  const server = await startZooKeeper({
    port: opts.port ?? 2181,
    host: opts.host ?? '127.0.0.1',
    dataDir: opts.dataDir,
    tickTimeMs: 2000,
    minSessionTimeoutMs: 4000,
    maxSessionTimeoutMs: 40000,
    stdio: 'inherit',
    log,
  });
  log.info({ connect: server.connectString, pid: server.pid }, 'ZooKeeper running; Ctrl-C to stop');
  let onSignal: (signal: NodeJS.Signals) => void = () => {};
  const outcome = await new Promise<{ signal?: NodeJS.Signals; code?: number | null }>((resolve) => {
    onSignal = (signal) => resolve({ signal });
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    void server.exited.then((code) => resolve({ code }));
  });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  // Keep the data directory when the user named one; a temp one is removed.
  await server.stop();
  if (outcome.signal) {
    log.info({ signal: outcome.signal }, 'ZooKeeper stopped');
    return 0;
  }
  log.warn({ code: outcome.code }, 'ZooKeeper exited on its own');
  return 1;
}
