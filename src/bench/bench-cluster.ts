/**
 * What the cluster benchmarks (produce, replication, groups, eos) share: gregor brokers as child processes (one
 * waited for until it answers Metadata, topics created and led), a scratch directory with a real ZooKeeper in it
 * that is cleaned up on exit and on Ctrl-C, the seeded record file of performance.md §3.4, and the small figures
 * helpers (median, tables, load averages, a process's CPU seconds).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BrokerClient } from '../network/client.js';
import { CreateTopicsRequest, CreateTopicsResponse } from '../protocol/messages/create-topics.js';
import { freePort, startZooKeeper, type ZooKeeperServer } from '../zk/server-process.js';
import { canPin, kcatMetadata, killKcats, pinned, requireKcat } from './kcat.js';
import { mulberry32 as prng } from '../common/prng.js';

/** Every record of the record file is exactly this long (performance.md §3.4). */
export const RECORD_BYTES = 100;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** The 1-, 5- and 15-minute load averages. */
export function loadAverages(): string {
  return loadavg().map((l) => l.toFixed(2)).join(' ');
}

/** The closing line of a benchmark: the load after it and its total time. */
export function printTotal(started: number): void {
  console.log(`load after: ${loadAverages()}; total ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** The last lines of a log file. */
export function tail(path: string, lines = 30): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A blank line, then `rows` as a table: the first row a header underlined, the first column left-aligned. */
export function printTable(rows: readonly (readonly string[])[]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  console.log('');
  for (const [i, r] of rows.entries()) {
    console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
    if (i === 0) console.log(widths.map((wd) => '-'.repeat(wd)).join('  '));
  }
}

export { prng };

/** N lines of exactly `recordBytes` (default 100) bytes of varied JSON (the §3.4 generator, seeded). */
export function writeRecords(path: string, n: number, seed: number, recordBytes = RECORD_BYTES): void {
  const types = ['page_view', 'click', 'add_to_cart', 'purchase', 'login', 'search'];
  const regions = ['eu-west', 'us-east', 'ap-south'];
  const letters = 'abcdefghij';
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const fd = openSync(path, 'w');
  try {
    let chunk = '';
    const ts = 1_732_150_000_000;
    for (let i = 0; i < n; i++) {
      let r = `{"id":${i},"ts":${ts + i},"u":"u${Math.floor(rnd() * 1e5)}","t":"${pick(types)}","ms":${Math.floor(rnd() * 500)},"r":"${pick(regions)}","p":"`;
      while (r.length < recordBytes - 2) r += letters[Math.floor(rnd() * letters.length)];
      chunk += `${r}"}\n`;
      if (chunk.length > 4_000_000) {
        writeFileSync(fd, chunk);
        chunk = '';
      }
    }
    writeFileSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

/** The overrides that place a broker: its data dir, one PLAINTEXT listener on `port`, its ZooKeeper (and its id). */
export function brokerOverrides(o: { id?: number; dataDir: string; port: number; zkConnect: string }): string[] {
  const listener = `PLAINTEXT://127.0.0.1:${o.port}`;
  return [
    ...(o.id === undefined ? [] : [`broker.id=${o.id}`]),
    `log.dirs=${o.dataDir}`,
    `listeners=${listener}`,
    `advertised.listeners=${listener}`,
    `zookeeper.connect=${o.zkConnect}`,
  ];
}

/**
 * Node flags for every benchmarked broker, from the environment: GREGOR_BENCH_PROFILE=<dir> (a V8 CPU profile per
 * broker, written when it stops; summarise with scripts/cpuprofile-top.mjs) and GREGOR_BENCH_NODE_ARGS (e.g.
 * "--trace-gc"; the output goes to the broker's log).
 */
export function benchNodeArgs(): string[] {
  const profile = process.env.GREGOR_BENCH_PROFILE;
  return [...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []), ...(process.env.GREGOR_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)];
}

/**
 * Spawns `gregor broker start config/single-broker.properties --override …`, stdout and stderr to `logPath`
 * (truncated, or appended to with `append`), pinned to `cpu` when given. It runs the broker the way this benchmark
 * runs: dist/ when we are built code, the sources through tsx otherwise (a stale dist/ would measure old code).
 * `probeFile` loads the runtime probe (runtime-probe.ts) into the broker, writing a sample there every
 * `probeIntervalMs`; `nodeArgs` go to node before everything else (e.g. `--cpu-prof`).
 */
export function spawnBroker(
  overrides: readonly string[],
  logPath: string,
  opts: { append?: boolean; cpu?: number | string; nodeArgs?: readonly string[]; probeFile?: string; probeIntervalMs?: number } = {},
): ChildProcess {
  const repo = fileURLToPath(new URL('../../', import.meta.url));
  const fromDist = import.meta.url.endsWith('.js') && existsSync(join(repo, 'dist/cli/main.js'));
  const loader = fromDist ? [] : ['--import', 'tsx'];
  const probe = opts.probeFile === undefined ? [] : ['--import', pathToFileURL(join(repo, fromDist ? 'dist/bench/runtime-probe.js' : 'src/bench/runtime-probe.ts')).href];
  const main = join(repo, fromDist ? 'dist/cli/main.js' : 'src/cli/main.ts');
  // GREGOR_BENCH_BROKER_OVERRIDES="k=v k2=v2": extra broker properties (e.g. http.listener=127.0.0.1:0 to
  // measure with the metrics hooks on)
  const extra = (process.env.GREGOR_BENCH_BROKER_OVERRIDES ?? '').split(/\s+/).filter((o) => o !== '');
  const args = [
    ...benchNodeArgs(),
    ...(opts.nodeArgs ?? []),
    ...loader,
    ...probe,
    main,
    'broker',
    'start',
    join(repo, 'config/single-broker.properties'),
    ...[...overrides, ...extra].flatMap((o) => ['--override', o]),
  ];
  const fd = openSync(logPath, opts.append ? 'a' : 'w');
  const [command, commandArgs] = pinned(opts.cpu, process.execPath, args);
  const child = spawn(command, commandArgs, {
    cwd: repo,
    stdio: ['ignore', fd, fd],
    env: {
      ...process.env,
      GREGOR_LOG_LEVEL: process.env.GREGOR_LOG_LEVEL ?? 'warn',
      ...(opts.probeFile === undefined ? {} : { GREGOR_PROBE_FILE: opts.probeFile, GREGOR_PROBE_INTERVAL_MS: String(opts.probeIntervalMs ?? 60_000) }),
    },
  });
  closeSync(fd);
  return child;
}

/** stop() of every single broker started and not yet exited, so a Ctrl-C during start-up stops it too. */
export const liveBrokers = new Set<() => Promise<void>>();

export interface SingleBroker {
  /** host:port of its listener (as kcat's -b and MockHolder name a server) */
  readonly brokers: string;
  readonly pid: number;
  readonly logPath: string;
  /** undefined while it runs; its exit code (-1 when killed by a signal) once it exited */
  readonly exitCode: number | null | undefined;
  /** SIGTERM, SIGKILL after 15 s; resolves when it exited (at once when it had) */
  stop(): Promise<void>;
}

/** One broker on a free port, data and log (`broker.log`) under `root`, plus `overrides`; it is not waited for. */
export async function startSingleBroker(
  root: string,
  zk: ZooKeeperServer,
  opts: { cpu?: number; reportStop?: boolean; port?: number; overrides?: readonly string[] } = {},
): Promise<SingleBroker> {
  const port = opts.port ?? (await freePort());
  const logPath = join(root, 'broker.log');
  const overrides = [...brokerOverrides({ dataDir: join(root, 'broker-data'), port, zkConnect: zk.connectString }), ...(opts.overrides ?? [])];
  const child = spawnBroker(overrides, logPath, { cpu: opts.cpu });
  if (child.pid === undefined) throw new Error('could not spawn the broker');
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      liveBrokers.delete(stop);
      resolve();
    }),
  );
  const stop = async (): Promise<void> => {
    if (exitCode !== undefined) return;
    const t0 = Date.now();
    child.kill('SIGTERM');
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, 15_000);
    await exited;
    clearTimeout(timer);
    if (opts.reportStop) {
      console.log(`broker stopped ${killed ? 'by SIGKILL after SIGTERM was ignored for 15 s' : `on SIGTERM in ${((Date.now() - t0) / 1000).toFixed(1)} s`} (exit ${exitCode})`);
    }
  };
  liveBrokers.add(stop);
  return {
    brokers: `127.0.0.1:${port}`,
    pid: child.pid,
    logPath,
    get exitCode() {
      return exitCode;
    },
    stop,
  };
}

/** user+system CPU seconds of a process so far (Linux procfs), or NaN. */
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime (fields 14 and 15)
  } catch {
    return Number.NaN;
  }
}

/**
 * Starts `gregor broker start config/single-broker.properties --override …` and waits for Metadata
 * on its PLAINTEXT port (`port`: that port, when the overrides name it in extra listeners).
 */
export async function startReadyBroker(
  root: string,
  zk: ZooKeeperServer,
  cpu: number | undefined,
  overrides: readonly string[] = [],
  port?: number,
): Promise<SingleBroker> {
  const broker = await startSingleBroker(root, zk, { cpu, reportStop: true, overrides, ...(port === undefined ? {} : { port }) });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (broker.exitCode !== undefined) throw new Error(`broker exited (${broker.exitCode}) during start-up:\n${tail(broker.logPath)}`);
    if (kcatMetadata(broker.brokers, 2000)) break;
    if (Date.now() > deadline) {
      await broker.stop();
      throw new Error(`broker did not answer Metadata on ${broker.brokers} within 60 s:\n${tail(broker.logPath)}`);
    }
    await sleep(250);
  }
  return broker;
}

/** CreateTopics v2 (RF 1, optional topic configs) to the single broker, then waits until every partition has a leader. */
export async function createTopics(
  brokers: string,
  topics: ReadonlyArray<{ name: string; partitions: number; configs?: Readonly<Record<string, string>> }>,
): Promise<void> {
  const [host, port] = brokers.split(':');
  const client = new BrokerClient({ host: host as string, port: Number(port), clientId: 'gregor-bench' });
  try {
    const res = await client.send({ request: CreateTopicsRequest, response: CreateTopicsResponse }, 2, {
      topics: topics.map((t) => ({
        name: t.name,
        numPartitions: t.partitions,
        replicationFactor: 1,
        assignments: [],
        configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
      timeoutMs: 30_000,
      validateOnly: false,
    });
    const failed = res.topics.filter((t) => t.errorCode !== 0);
    if (failed.length > 0) throw new Error(`CreateTopics failed: ${failed.map((t) => `${t.name}: ${t.errorCode} ${t.errorMessage ?? ''}`).join('; ')}`);
  } finally {
    await client.close();
  }
  const deadline = Date.now() + 30_000;
  for (;;) {
    const md = kcatMetadata(brokers);
    if (md && topics.every((t) => md.get(t.name)?.leaders === t.partitions)) return;
    if (Date.now() > deadline) throw new Error(`topics not ready after 30 s: ${JSON.stringify(md ? [...md] : null)}`);
    await sleep(200);
  }
}

/** "1.23 M" / "456 k" / "873" per second. */
export function formatRate(x: number): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e4 ? `${(x / 1e3).toFixed(0)} k` : x.toFixed(0);
}

export interface KcatBenchSetup {
  readonly records: number;
  readonly runs: number;
  /** the CPUs broker and kcat are pinned to (undefined: not pinned) */
  readonly serverCpu: number | undefined;
  readonly clientCpu: number | undefined;
  readonly started: number;
}

/**
 * A kcat-driven bench's settings from the environment (GREGOR_BENCH_RECORDS default 1000000, GREGOR_BENCH_RUNS 3,
 * GREGOR_BENCH_PIN=0 for no taskset; pinning needs 2+ CPUs), printed under `title` with kcat's version and the load.
 */
export function kcatBenchSetup(title: (records: number, runs: number) => string, cpu: { server: number; client: number }): KcatBenchSetup {
  const version = requireKcat();
  const records = Number(process.env.GREGOR_BENCH_RECORDS ?? 1_000_000);
  const runs = Number(process.env.GREGOR_BENCH_RUNS ?? 3);
  const pin = process.env.GREGOR_BENCH_PIN !== '0' && cpus().length >= 2 && canPin();
  console.log(title(records, runs));
  console.log(`${version}; ${pin ? `servers pinned to CPU ${cpu.server}, kcat to CPU ${cpu.client}` : 'no CPU pinning'}; load before: ${loadAverages()}`);
  return { records, runs, serverCpu: pin ? cpu.server : undefined, clientCpu: pin ? cpu.client : undefined, started: Date.now() };
}

/** inBenchScratch options of a kcat-driven bench: kcats killed and brokers stopped (then `teardown`), the broker log tail on an error. */
export function kcatBrokerScratch(name: string, broker: () => SingleBroker | undefined, teardown: () => Promise<void> = async () => {}) {
  return {
    name,
    stopping: 'the broker, ZooKeeper and kcat',
    teardown: async () => {
      killKcats();
      await Promise.all([...liveBrokers].map((stop) => stop().catch(() => {})));
      await teardown();
    },
    onError: () => {
      const b = broker();
      if (b) console.error(`broker log tail (${b.logPath}):\n${tail(b.logPath)}`);
    },
  };
}

export interface BenchScratch {
  /** the scratch directory */
  readonly root: string;
  /** starts a ZooKeeper with its data under `root` (stopped and removed by the cleanup) */
  startZooKeeper(): Promise<ZooKeeperServer>;
}

/**
 * Runs `body` in a fresh scratch directory (`gregor-bench-<name>-…`). Afterwards, or on SIGINT/SIGTERM (then exiting
 * 130), `teardown` runs, the ZooKeeper is stopped and the directory removed, once. On an error `onError` prints what
 * helps (log tails) before it is rethrown. `stopping` names what a signal stops, for its message.
 */
export async function inBenchScratch(
  o: { name: string; stopping: string; teardown: () => Promise<void>; onError: () => void },
  body: (scratch: BenchScratch) => Promise<void>,
): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), `gregor-bench-${o.name}-`));
  let zk: ZooKeeperServer | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      await o.teardown();
      await zk?.stop({ removeData: true }).catch(() => {});
      if (process.env.GREGOR_BENCH_KEEP === '1') console.log(`scratch directory kept (GREGOR_BENCH_KEEP=1): ${root}`);
      else rmSync(root, { recursive: true, force: true });
    })());
  const onSignal = (signal: NodeJS.Signals): void => {
    console.error(`\n${signal}: stopping ${o.stopping}, removing ${root}`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const quiet = { info: () => {}, warn: (obj: object, m: string) => console.error(m, obj) };
    await body({ root, startZooKeeper: async () => (zk = await startZooKeeper({ dataDir: join(root, 'zk-data'), log: quiet })) });
  } catch (err) {
    o.onError();
    throw err;
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
