/**
 * The Redis Streams anchor of the benches (reference/performance.md §2.6): Debian's redis-server on a free port with
 * AOF `everysec` and no RDB snapshots (what a user would pick instead of a log broker), pinned like the brokers.
 * The latency bench reads it with its Python client (XADD→XREAD); the produce bench drives XADD throughput with
 * redis-benchmark, §2.6's method: `-c 50 -P 100`, 100 B values, a fresh stream per run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../zk/server-process.js';
import { sleep } from './bench-cluster.js';
import { pinned } from './kcat.js';

export interface RedisServer {
  readonly address: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

/** redis-server on a free port under `root`/redis, or null when it is not installed. */
export async function startRedis(root: string, cpus: string | number | undefined): Promise<RedisServer | null> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) return null;
  const port = await freePort();
  const dir = join(root, 'redis');
  mkdirSync(dir, { recursive: true });
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', dir, '--daemonize', 'no'];
  const [cmd, argv] = pinned(cpus, 'redis-server', args);
  const child = spawn(cmd, argv, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pong = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => s.write('PING\r\n'));
      s.once('data', (d) => (s.destroy(), resolve(d.toString().startsWith('+PONG'))));
      s.once('error', () => resolve(false));
    });
    if (pong) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('redis-server did not answer PING within 10 s');
    }
    await sleep(100);
  }
  return {
    address: `127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * XADD commands per second into the fresh stream `key`: redis-benchmark with 50 connections of 100 pipelined
 * commands, `n` entries of a `valueBytes` value; the stream is deleted afterwards (Redis holds it in memory).
 * Throws when redis-benchmark fails or prints no rate.
 */
export function xaddPerSecond(redis: RedisServer, key: string, n: number, valueBytes: number, cpu: number | string | undefined, timeoutMs: number): number {
  const [cmd, argv] = pinned(cpu, 'redis-benchmark', [
    ...['-h', '127.0.0.1', '-p', String(redis.port), '-c', '50', '-P', '100', '-n', String(n), '--csv'],
    ...['XADD', key, '*', 'f', 'x'.repeat(valueBytes)],
  ]);
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: timeoutMs });
  spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(redis.port), 'DEL', key], { stdio: 'ignore', timeout: timeoutMs });
  // --csv: a header line, then "command","rps",...
  const rps = Number(/^"XADD[^"]*","([0-9.]+)"/m.exec(r.stdout ?? '')?.[1]);
  if (r.status !== 0 || !(rps > 0)) throw new Error(`redis-benchmark failed (status ${r.status}): ${(r.stderr || r.stdout || '').slice(-500)}`);
  return rps;
}

/** Whether redis-benchmark and redis-cli (Debian redis-tools) are installed. */
export function haveRedisBenchmark(): boolean {
  return ['redis-benchmark', 'redis-cli'].every((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);
}
