/**
 * kcat (librdkafka) as the benchmark load generator (reference/performance.md §2.7, §3.4).
 *
 * - Every kcat is a child process we track; `killKcats()` SIGKILLs the ones still running (cleanup on
 *   failure or Ctrl-C). Each run has a hard time limit, after which it is killed and reported as failed.
 * - `cpu` pins the child with `taskset -c` (the broker gets the other core).
 * - Producer timing is the wall time of `kcat -P -l file`: kcat flushes and waits for every delivery report
 *   before it exits, so the clock covers acknowledged records only.
 * - Consumer timing: wall time of `kcat -C -e -o beginning`, plus the time of its first output byte, so a
 *   rate without the connect/metadata/ListOffsets start-up can be computed as well.
 * - The mock cluster (`-X test.mock.num.brokers=N`) lives inside the kcat process that asks for it. A
 *   "holder" kcat (an idle consumer) keeps one alive so that other kcat processes reach it over loopback,
 *   as they would reach a real broker (§2.7 did the same for KafkaJS). librdkafka 2.0.2's mock answers
 *   neither CreateTopics nor CreatePartitions: its topics are auto-created with 4 partitions and it keeps
 *   only the last few MB of each partition.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export const KCAT = process.env.KCAT ?? 'kcat';

/** Producer settings of §3.4 (acks=1, linger 5 ms, up to 10k records per batch, no compression). */
export const PRODUCER_SETTINGS: readonly string[] = [
  'acks=1',
  'linger.ms=5',
  'batch.num.messages=10000',
  'batch.size=1000000',
  'queue.buffering.max.messages=1000000',
  'queue.buffering.max.kbytes=1048576',
  'compression.codec=none',
];

/** Consumer settings of §3.4. */
export const CONSUMER_SETTINGS: readonly string[] = ['fetch.wait.max.ms=100', 'fetch.max.bytes=52428800', 'queued.min.messages=1000000'];

const live = new Set<ChildProcess>();

/** SIGKILLs every kcat this module started that has not exited yet. */
export function killKcats(): void {
  for (const child of live) if (child.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
}

/** `kcat -V` first line, or null when kcat cannot be run. */
export function kcatVersion(): string | null {
  const r = spawnSync(KCAT, ['-V'], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const kcat = /Version (\S+)/.exec(r.stdout)?.[1];
  const librdkafka = /librdkafka (\S+)/.exec(r.stdout)?.[1];
  return kcat ? `kcat ${kcat}, librdkafka ${librdkafka ?? '?'}` : r.stdout.trim().slice(0, 80);
}

/** `kcatVersion()`, or an error saying how to install kcat. */
export function requireKcat(): string {
  const version = kcatVersion();
  if (!version) throw new Error('kcat not found (apt-get install kcat; or set KCAT=/path/to/kcat)');
  return version;
}

/** Whether `taskset` works here (pinning is skipped silently otherwise). */
export function canPin(): boolean {
  return spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' }).status === 0;
}

/** The command line, prefixed with `taskset -c <cpus>` when a CPU (or a CPU list such as "0,1") is given. */
export function pinned(cpu: number | string | undefined, command: string, args: readonly string[]): [string, string[]] {
  return cpu === undefined ? [command, [...args]] : ['taskset', ['-c', String(cpu), command, ...args]];
}

function xArgs(settings: readonly string[]): string[] {
  return settings.flatMap((s) => ['-X', s]);
}

export interface KcatResult {
  /** spawn → exit */
  seconds: number;
  /** spawn → first stdout byte (undefined when nothing was printed) */
  firstOutputSeconds: number | undefined;
  /** newline count of stdout */
  lines: number;
}

/** Runs one kcat to completion; rejects on a non-zero exit or after `timeoutMs` (the child is killed). */
export function runKcat(args: readonly string[], opts: { cpu?: number | string | undefined; timeoutMs: number }): Promise<KcatResult> {
  const [cmd, argv] = pinned(opts.cpu, KCAT, args);
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const elapsed = (): number => Number(process.hrtime.bigint() - start) / 1e9;
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let firstOutputSeconds: number | undefined;
    let lines = 0;
    const stderr: string[] = [];
    child.stdout?.on('data', (chunk: Buffer) => {
      if (firstOutputSeconds === undefined) firstOutputSeconds = elapsed();
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr.push(chunk.toString('utf8'));
      if (stderr.length > 50) stderr.splice(0, stderr.length - 50);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      live.delete(child);
      reject(err);
    });
    child.once('close', (code, signal) => {
      const seconds = elapsed();
      clearTimeout(timer);
      live.delete(child);
      if (timedOut) reject(new Error(`kcat ${args.join(' ')}: killed after ${opts.timeoutMs} ms\n${stderr.join('').slice(-2000)}`));
      else if (code !== 0) reject(new Error(`kcat ${args.join(' ')}: exit ${code ?? signal}\n${stderr.join('').slice(-2000)}`));
      else resolve({ seconds, firstOutputSeconds, lines });
    });
  });
}

export interface ProduceOptions {
  brokers: string;
  topic: string;
  file: string;
  /** explicit partition (-p); default: librdkafka's partitioner */
  partition?: number;
  /** run the in-process mock cluster instead of talking to `brokers` */
  inProcessMock?: boolean;
  /** librdkafka settings after (so over) the §3.4 ones, e.g. `enable.idempotence=true`, `security.protocol=ssl` */
  settings?: readonly string[];
  cpu?: number;
  timeoutMs: number;
}

/** `kcat -P -l file` with the §3.4 producer settings; resolves with the wall time. */
export async function kcatProduce(o: ProduceOptions): Promise<number> {
  const args = ['-P', '-q', '-b', o.brokers, '-t', o.topic, ...(o.partition === undefined ? [] : ['-p', String(o.partition)])];
  if (o.inProcessMock) args.push('-X', 'test.mock.num.brokers=1');
  args.push(...xArgs(PRODUCER_SETTINGS), ...xArgs(o.settings ?? []), '-l', o.file);
  return (await runKcat(args, { cpu: o.cpu, timeoutMs: o.timeoutMs })).seconds;
}

export interface ConsumeOptions {
  brokers: string;
  topic: string;
  partition?: number;
  /** librdkafka settings after the §3.4 ones, e.g. `isolation.level=read_uncommitted` */
  settings?: readonly string[];
  cpu?: number;
  timeoutMs: number;
}

/** `kcat -C -e -o beginning`, printing each value's size (`%S`) so stdout stays small; counts the lines. */
export async function kcatConsume(o: ConsumeOptions): Promise<KcatResult> {
  const args = ['-C', '-q', '-b', o.brokers, '-t', o.topic, ...(o.partition === undefined ? [] : ['-p', String(o.partition)])];
  args.push('-o', 'beginning', '-e', '-f', '%S\\n', ...xArgs(CONSUMER_SETTINGS), ...xArgs(o.settings ?? []));
  return runKcat(args, { cpu: o.cpu, timeoutMs: o.timeoutMs });
}

/** Partitions and partitions-with-a-leader per topic from `kcat -L`, or null when the broker did not answer. */
export function kcatMetadata(brokers: string, timeoutMs = 5000): Map<string, { partitions: number; leaders: number }> | null {
  const r = spawnSync(KCAT, ['-L', '-b', brokers, '-m', String(Math.ceil(timeoutMs / 1000))], { encoding: 'utf8', timeout: timeoutMs + 2000 });
  if (r.status !== 0 || !/ brokers?:/.test(r.stdout)) return null;
  const topics = new Map<string, { partitions: number; leaders: number }>();
  let current: { partitions: number; leaders: number } | undefined;
  for (const line of r.stdout.split('\n')) {
    const t = /^\s*topic "([^"]+)" with (\d+) partitions/.exec(line);
    if (t) {
      current = { partitions: Number(t[2]), leaders: 0 };
      topics.set(t[1] as string, current);
    } else if (current && /^\s*partition \d+, leader \d+/.test(line)) {
      current.leaders++;
    }
  }
  return topics;
}

export interface MockHolder {
  /** bootstrap address of the mock broker */
  readonly brokers: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Starts a kcat whose in-process mock cluster (one broker) serves other clients over loopback until
 * stop(). The holder itself only waits on an idle topic.
 */
export function startMockHolder(opts: { cpu?: number; timeoutMs?: number } = {}): Promise<MockHolder> {
  const [cmd, argv] = pinned(opts.cpu, KCAT, ['-C', '-q', '-b', '127.0.0.1:1', '-X', 'test.mock.num.brokers=1', '-t', '__mock_holder', '-o', 'end']);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('close', () => (live.delete(child), resolve())));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`mock cluster did not announce its address:\n${text.slice(-1000)}`));
    }, opts.timeoutMs ?? 10_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      // "%5|…|MOCK|…: Mock cluster enabled: original bootstrap.servers … replaced with 127.0.0.1:NNNNN"
      const m = /replaced with (\S+)/.exec(text);
      if (m && child.pid !== undefined) {
        clearTimeout(timer);
        resolve({ brokers: m[1] as string, pid: child.pid, stop });
      }
      if (text.length > 10_000) text = text.slice(-2000);
    });
  });
}
