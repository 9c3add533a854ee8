/**
 * `gregor local-cluster` (what `npm start` runs): ZooKeeper + N brokers on 127.0.0.1, each broker a child
 * process running `gregor broker start`, for people who want a cluster to point clients at and watch.
 *
 * - ZooKeeper: the real Apache ZooKeeper on --zk-port with its data in <data-dir>/zookeeper, run as a child
 *   `gregor zookeeper start` (which installs the Debian package when it is missing and we are root).
 * - Every child runs in a process group of its own, so the terminal's Ctrl-C reaches only this supervisor,
 *   which stops them in Kafka's order: brokers first (while ZooKeeper is still there for their controlled
 *   shutdown), then ZooKeeper. If this process is SIGKILLed the children keep running (their PIDs are printed).
 * - Broker i: `config/broker-<i>.properties` when there are 3 brokers (the committed local-cluster files),
 *   else `config/server.properties`; overrides set log.dirs=<data-dir>/broker-<i> and zookeeper.connect, and
 *   for other port layouts or counts broker.id, listeners and the internal topics' replication factors.
 * - Broker log lines are forwarded prefixed with the broker id, in a compact form (or raw with --json-logs).
 * - Ready = every broker registered under /brokers/ids; then the bootstrap servers, the controller and some
 *   commands to try are printed.
 * - SIGINT/SIGTERM: SIGTERM to every broker (controlled shutdown), SIGKILL by PID after a timeout, then
 *   ZooKeeper is stopped; exit 0. Nothing but the PIDs started here is ever signalled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { portIsFree } from '../network/ports.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KafkaZkClient } from '../zk/kafka-zk-client.js';
import { fourLetterWord } from '../zk/server-process.js';
import { formatLogLine, lineSplitter } from './log-format.js';

export interface LocalClusterOptions {
  brokers: number;
  dataDir: string;
  zkPort: number;
  basePort: number;
  /** broker i serves /metrics and the web view on httpBasePort + i (http.listener) */
  httpBasePort?: number;
  /** extra `key=value` for every broker, applied last */
  overrides: readonly string[];
  jsonLogs: boolean;
  /** how long brokers get to finish a controlled shutdown before SIGKILL; default 30 s */
  shutdownTimeoutMs?: number;
  /** how long to wait for every broker to register; default 120 s */
  startTimeoutMs?: number;
}

const HOST = '127.0.0.1';
export const DEFAULT_HTTP_BASE_PORT = 8080;
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CONFIG_DIR = path.join(PACKAGE_ROOT, 'config');

interface Child {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  exitCode: number | null | undefined;
}

interface BrokerChild extends Child {
  id: number;
  port: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** The properties file and overrides broker `i` of `n` is started with. */
export function brokerLaunchArgs(
  i: number,
  o: Pick<LocalClusterOptions, 'brokers' | 'dataDir' | 'zkPort' | 'basePort' | 'overrides' | 'httpBasePort'>,
): { propsPath: string; overrides: string[] } {
  const port = o.basePort + i;
  const dedicated = path.join(CONFIG_DIR, `broker-${i}.properties`);
  const useDedicated = o.brokers === 3 && existsSync(dedicated);
  const overrides = [
    `log.dirs=${path.join(path.resolve(o.dataDir), `broker-${i}`)}`,
    `zookeeper.connect=${HOST}:${o.zkPort}`,
    `http.listener=${HOST}:${(o.httpBasePort ?? DEFAULT_HTTP_BASE_PORT) + i}`,
  ];
  if (!useDedicated) {
    const rf = Math.min(3, o.brokers);
    overrides.push(
      `broker.id=${i}`,
      `offsets.topic.replication.factor=${rf}`,
      `transaction.state.log.replication.factor=${rf}`,
      `transaction.state.log.min.isr=${Math.min(2, rf)}`,
      `default.replication.factor=${rf}`,
      'group.initial.rebalance.delay.ms=0',
    );
  }
  if (!useDedicated || o.basePort !== 9092) {
    overrides.push(`listeners=PLAINTEXT://${HOST}:${port}`, `advertised.listeners=PLAINTEXT://${HOST}:${port}`);
  }
  overrides.push(...o.overrides);
  return { propsPath: useDedicated ? dedicated : path.join(CONFIG_DIR, 'server.properties'), overrides };
}

const COLORS = [36, 33, 35, 32, 34, 31];
function prefixFor(id: number): string {
  const text = `[broker-${id}]`;
  return process.stdout.isTTY ? `\x1b[${COLORS[id % COLORS.length]}m${text}\x1b[0m` : text;
}

/** Runs `gregor <args>` (same node, same loader flags, same entry script) in its own process group. */
function spawnGregor(name: string, prefix: string, args: readonly string[], jsonLogs: boolean): Child {
  // tsx when run from source; never a debugger port twice.
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--inspect'));
  const script = process.argv[1] ?? path.join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');
  const child = spawn(process.execPath, [...execArgv, script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
    detached: true,
  });
  const forward = (line: string) => say(jsonLogs ? `${prefix} ${line}` : formatLogLine(prefix, line));
  const out = lineSplitter(forward);
  const err = lineSplitter(forward);
  child.stdout?.on('data', (c: Buffer) => out.push(c));
  child.stderr?.on('data', (c: Buffer) => err.push(c));
  const c: Child = { name, child, exitCode: undefined, exited: Promise.resolve(null) };
  c.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      out.end();
      err.end();
      c.exitCode = code ?? (signal ? 128 : null);
      resolve(c.exitCode);
    });
  });
  return c;
}

function spawnBroker(id: number, port: number, args: { propsPath: string; overrides: string[] }, jsonLogs: boolean): BrokerChild {
  const argv = ['broker', 'start', args.propsPath, ...args.overrides.flatMap((o) => ['--override', o])];
  // the exit handler updates the Child object itself, so extend it rather than copy it
  return Object.assign(spawnGregor(`broker ${id}`, prefixFor(id), argv, jsonLogs), { id, port });
}

function signalPid(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

async function stopChild(c: Child, timeoutMs: number): Promise<void> {
  if (c.exitCode !== undefined) return;
  signalPid(c.child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    say(`gregor local-cluster: ${c.name} did not stop within ${timeoutMs} ms; sending SIGKILL to pid ${c.child.pid}`);
    signalPid(c.child.pid, 'SIGKILL');
  }, timeoutMs);
  await c.exited;
  clearTimeout(timer);
}

/** Waits until ZooKeeper answers imok and serves (srvr shows a Mode), or its process exits. */
async function waitForZooKeeper(zk: Child, port: number, stopped: () => boolean): Promise<'ready' | 'stopped' | string> {
  const deadline = Date.now() + 10 * 60_000; // long enough for an apt-get install
  while (Date.now() < deadline) {
    if (stopped()) return 'stopped';
    if (zk.exitCode !== undefined) return `ZooKeeper exited with code ${zk.exitCode} (see its output above)`;
    if ((await fourLetterWord(HOST, port, 'ruok', 1000).catch(() => '')) === 'imok') {
      if (/^Mode: /m.test(await fourLetterWord(HOST, port, 'srvr', 1000).catch(() => ''))) return 'ready';
    }
    await sleep(250);
  }
  return 'ZooKeeper did not answer in time';
}

export async function runLocalCluster(o: LocalClusterOptions): Promise<number> {
  const dataDir = path.resolve(o.dataDir);
  const ids = Array.from({ length: o.brokers }, (_, i) => i);
  const shutdownTimeoutMs = o.shutdownTimeoutMs ?? 30_000;

  const busy: string[] = [];
  if (!(await portIsFree(o.zkPort))) busy.push(`ZooKeeper port ${o.zkPort} (use --zk-port)`);
  for (const i of ids) if (!(await portIsFree(o.basePort + i))) busy.push(`broker port ${o.basePort + i} (use --base-port)`);
  const httpBase = o.httpBasePort ?? DEFAULT_HTTP_BASE_PORT;
  for (const i of ids) if (!(await portIsFree(httpBase + i))) busy.push(`HTTP port ${httpBase + i} (use --http-base-port)`);
  if (busy.length > 0) {
    process.stderr.write(`gregor local-cluster: already in use on ${HOST}: ${busy.join(', ')}\n`);
    return 1;
  }

  let stopRequested = false;
  let wake: () => void = () => {};
  const stopSignal = new Promise<void>((resolve) => (wake = resolve));
  const brokers: BrokerChild[] = [];
  const children: Child[] = [];
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopRequested) {
      say(`gregor local-cluster: second ${signal}; killing everything now`);
      process.exit(1); // the exit hook below SIGKILLs every child
    }
    stopRequested = true;
    say(`gregor local-cluster: ${signal} received; stopping brokers, then ZooKeeper`);
    wake();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const killAllOnExit = () => {
    // SIGKILL would orphan ZooKeeper's JVM; SIGTERM lets `gregor zookeeper start` stop it.
    for (const c of children) if (c.exitCode === undefined) signalPid(c.child.pid, c === children[0] ? 'SIGTERM' : 'SIGKILL');
  };
  process.once('exit', killAllOnExit);

  await mkdir(dataDir, { recursive: true });
  const zkChild = spawnGregor(
    'ZooKeeper',
    '[zookeeper]',
    ['zookeeper', 'start', '--port', String(o.zkPort), '--host', HOST, '--data-dir', path.join(dataDir, 'zookeeper')],
    o.jsonLogs,
  );
  children.push(zkChild);
  const zkConnect = `${HOST}:${o.zkPort}`;
  let zk: KafkaZkClient | undefined;
  let code = 0;
  try {
    const zkReady = await waitForZooKeeper(zkChild, o.zkPort, () => stopRequested);
    if (zkReady !== 'ready') {
      if (zkReady === 'stopped') return 0;
      process.stderr.write(`gregor local-cluster: ${zkReady}\n`);
      code = 1;
      return code;
    }
    for (const i of ids) {
      const b = spawnBroker(i, o.basePort + i, brokerLaunchArgs(i, { ...o, dataDir }), o.jsonLogs);
      brokers.push(b);
      children.push(b);
    }
    zk = await KafkaZkClient.connect({ connectString: zkConnect, sessionTimeoutMs: 30_000 });

    const ready = await waitUntilRegistered(zk, brokers, o.startTimeoutMs ?? 120_000, () => stopRequested);
    if (ready !== 'ready') {
      if (ready !== 'stopped') {
        process.stderr.write(`gregor local-cluster: ${ready}\n`);
        code = 1;
      }
    } else {
      let controller = await zk.getControllerId();
      for (let waited = 0; controller < 0 && waited < 15_000 && !stopRequested; waited += 200) {
        await sleep(200);
        controller = await zk.getControllerId();
      }
      printBanner(o, dataDir, zkConnect, zkChild, brokers, controller);
      for (const b of brokers) {
        void b.exited.then((c) => {
          if (!stopRequested) say(`${prefixFor(b.id)} exited with code ${c}; the others keep running (Ctrl-C stops all)`);
        });
      }
      await Promise.race([
        stopSignal,
        zkChild.exited.then((c) => {
          if (!stopRequested) {
            process.stderr.write(`gregor local-cluster: ZooKeeper exited on its own (code ${c}); stopping brokers\n`);
            code = 1;
          }
        }),
      ]);
    }
  } finally {
    await zk?.close().catch(() => {});
    await Promise.all(brokers.map((b) => stopChild(b, shutdownTimeoutMs)));
    for (const b of brokers) say(`${prefixFor(b.id)} stopped (exit code ${b.exitCode})`);
    await stopChild(zkChild, 15_000);
    say(`[zookeeper] stopped (exit code ${zkChild.exitCode})`);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', killAllOnExit);
  }
  return code;
}

async function waitUntilRegistered(
  zk: KafkaZkClient,
  brokers: readonly BrokerChild[],
  timeoutMs: number,
  stopped: () => boolean,
): Promise<'ready' | 'stopped' | string> {
  const deadline = Date.now() + timeoutMs;
  const want = brokers.map((b) => b.id);
  let registered: number[] = [];
  while (Date.now() < deadline) {
    if (stopped()) return 'stopped';
    const dead = brokers.find((b) => b.exitCode !== undefined);
    if (dead) return `broker ${dead.id} exited with code ${dead.exitCode} before registering (see its log lines above)`;
    registered = await zk.getBrokerIds().catch(() => registered);
    if (want.every((id) => registered.includes(id))) return 'ready';
    await sleep(250);
  }
  return `brokers not registered within ${timeoutMs} ms: registered [${registered.join(',')}], expected [${want.join(',')}]`;
}

function printBanner(
  o: LocalClusterOptions,
  dataDir: string,
  zkConnect: string,
  zkChild: Child,
  brokers: readonly BrokerChild[],
  controller: number,
): void {
  const bootstrap = brokers.map((b) => `${HOST}:${b.port}`).join(',');
  const first = `${HOST}:${brokers[0]?.port ?? o.basePort}`;
  const lines = [
    '',
    `gregor local cluster is up: ${brokers.length} broker${brokers.length === 1 ? '' : 's'}, data in ${dataDir}`,
    `  zookeeper:         ${zkConnect} (pid ${zkChild.child.pid})`,
    `  bootstrap servers: ${bootstrap}`,
    `  controller:        ${controller >= 0 ? `broker ${controller}` : 'none elected yet'}`,
    `  brokers:           ${brokers.map((b) => `${b.id}=${HOST}:${b.port} (pid ${b.child.pid})`).join('  ')}`,
    `  web view:          ${brokers.map((b) => `http://${HOST}:${(o.httpBasePort ?? DEFAULT_HTTP_BASE_PORT) + b.id}/`).join('  ')}`,
    `  metrics:           ${brokers.map((b) => `http://${HOST}:${(o.httpBasePort ?? DEFAULT_HTTP_BASE_PORT) + b.id}/metrics`).join('  ')}`,
    '  try:',
    `    kcat -L -b ${first}`,
    `    echo hello | kcat -P -b ${bootstrap} -t demo && kcat -C -b ${first} -t demo -e`,
    `    npx gregor topics --bootstrap-server ${first} --describe`,
    `    npx gregor zk-tree --zookeeper ${zkConnect}`,
    `    kill -9 <pid of the controller's broker>   # then watch the new controller in zk-tree`,
    '  Ctrl-C stops the brokers (controlled shutdown), then ZooKeeper.',
    '',
  ];
  say(lines.join('\n'));
}
