/**
 * The open-loop load processes of the latency and soak benchmarks: latency-client.py under /usr/bin/python3
 * (confluent-kafka-python = librdkafka 2.0.2, redis-py), optionally pinned with taskset. Each prints "ready" on stderr
 * once it can start and one JSON line of results on stdout at its end; `killPythonClients()` SIGKILLs the ones still
 * running (cleanup on failure or Ctrl-C).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pinned } from './kcat.js';

const PYTHON = process.env.GREGOR_PYTHON ?? '/usr/bin/python3';
const CLIENT = fileURLToPath(new URL('../../src/bench/latency-client.py', import.meta.url));

const live = new Set<ChildProcess>();

export interface PythonClient {
  readonly child: ChildProcess;
  /** resolves at "ready" (or when the process ends) */
  readonly ready: Promise<void>;
  /** the JSON result line; rejects on a non-zero exit */
  readonly result: Promise<unknown>;
}

export function spawnPythonClient(args: readonly string[], cpus: string | undefined): PythonClient {
  const [cmd, argv] = pinned(cpus, PYTHON, [CLIENT, ...args]);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  let err = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.includes('ready')) onReady();
    if (err.length > 20_000) err = err.slice(-5000);
  });
  const result = new Promise<unknown>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      live.delete(child);
      onReady();
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line));
      else reject(new Error(`latency client ${args[0]} exited ${code}:\n${err.slice(-2000)}\n${out.slice(-500)}`));
    });
  });
  // Handled here too, so a client killed during cleanup is not an unhandled rejection before anyone awaits it.
  result.catch(() => {});
  return { child, ready, result };
}

export function killPythonClients(): void {
  for (const c of live) if (c.exitCode === null) c.kill('SIGKILL');
}
