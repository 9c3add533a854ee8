/**
 * The `gregor` command line, run from source (`node --import tsx src/cli/main.ts`) against the run's real
 * ZooKeeper: help, config errors, a broker's lifecycle (register → SIGTERM → exit 0 → deregistered), zk-tree,
 * `zookeeper start`, and (when 2181 and 9092–9094 are free) a `local-cluster` smoke test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerLaunchArgs } from '../../../src/cli/local-cluster.js';
import { portIsFree } from '../../../src/network/ports.js';
import type { ZkTree } from '../../../src/cli/zk-tree.js';
import { KafkaZkClient } from '../../../src/zk/kafka-zk-client.js';
import { fourLetterWord, freePort } from '../../../src/zk/server-process.js';
import { BrokerProcess, gregorCommand, writeProperties } from '../../../src/testing/broker-process.js';
import { kcatMetadata, run } from '../../harness/clients.js';
import { waitFor } from '../../harness/wait-for.js';
import { closeAllZk, connectZk, removeChroot, zkConnectForTest } from '../../harness/zookeeper.js';

function gregor(args: readonly string[], timeoutMs = 30_000, input?: string) {
  const c = gregorCommand(args);
  return run(c.command, c.args, { cwd: c.cwd, timeoutMs, ...(input !== undefined ? { input } : {}) });
}

/** A long-running gregor command with its output collected; `exited` resolves with the exit code. */
function spawnGregor(args: readonly string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const c = gregorCommand(args);
  const child = spawn(c.command, c.args, { cwd: c.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

function killIfRunning(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

const fixedPorts = [2181, 9092, 9093, 9094, 8080, 8081, 8082];
const fixedPortsFree = (await Promise.all(fixedPorts.map((p) => portIsFree(p)))).every(Boolean);
if (!fixedPortsFree) console.warn(`local-cluster smoke test skipped: one of ports ${fixedPorts.join(', ')} is in use`);

let tmp: string;
const chroots: string[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'gregor-cli-test-'));
});

afterAll(async () => {
  await closeAllZk();
  for (const c of chroots) await removeChroot(c);
  await rm(tmp, { recursive: true, force: true });
});

describe('gregor cli', () => {
  it('cli - --help lists the commands and broker start documents --override', async () => {
    const top = await gregor(['--help']);
    expect(top.code).toBe(0);
    for (const cmd of ['broker', 'zookeeper', 'local-cluster', 'zk-tree']) expect(top.stdout).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
    const start = await gregor(['broker', 'start', '--help']);
    expect(start.code).toBe(0);
    expect(start.stdout).toContain('<server.properties>');
    expect(start.stdout).toContain('--override <key=value>');
  });

  it('cli - broker start with an invalid value exits 1 and names the key', async () => {
    const props = writeProperties(path.join(tmp, 'bad.properties'), {
      'broker.id': 0,
      'zookeeper.connect': '127.0.0.1:1',
      'log.dirs': path.join(tmp, 'bad-logs'),
      'num.partitions': 'three',
    });
    const r = await gregor(['broker', 'start', props, '--override', 'replica.lag.time.max.ms=soon']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('num.partitions');
    expect(r.stderr).toContain('replica.lag.time.max.ms');
    expect(r.stdout).toBe(''); // nothing was started, nothing logged
  });

  it('cli - broker start without a properties file or with a missing one exits 1 with usage', async () => {
    const none = await gregor(['broker', 'start']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("missing required argument 'server.properties'");
    const missing = await gregor(['broker', 'start', path.join(tmp, 'nope.properties')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.properties');
    expect(missing.stderr).toContain('USAGE: gregor broker start server.properties');
  });

  it('cli - broker start registers /brokers/ids/<id>, zk-tree shows it, SIGTERM exits 0 and deregisters', async () => {
    const connect = zkConnectForTest();
    chroots.push(connect);
    const zk = new KafkaZkClient(await connectZk(connect));
    const port = await freePort();
    const props = writeProperties(path.join(tmp, 'broker-7.properties'), {
      'broker.id': 7,
      listeners: `PLAINTEXT://127.0.0.1:${port}`,
      'log.dirs': path.join(tmp, 'broker-7-logs'),
      'zookeeper.connect': connect,
      'zookeeper.session.timeout.ms': 6000,
      'controlled.shutdown.retry.backoff.ms': 500,
      'offsets.topic.replication.factor': 1,
      'transaction.state.log.replication.factor': 1,
      'transaction.state.log.min.isr': 1,
    });
    const broker = BrokerProcess.start({ propsPath: props, logFile: path.join(tmp, 'broker-7.log') });
    try {
      const reg = await waitFor(() => zk.getBroker(7), { what: 'broker 7 registered', timeoutMs: 60_000, intervalMs: 200 }).catch(
        (err: Error) => {
          throw new Error(`${err.message}\nbroker log:\n${broker.logTail()}`);
        },
      );
      expect(reg.endpoints).toEqual([{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port }]);

      const tree = await gregor(['zk-tree', '--zookeeper', connect, '--json']);
      expect(tree.code).toBe(0);
      const parsed = JSON.parse(tree.stdout) as ZkTree;
      expect(parsed.brokers.map((b) => [b.id, b.endpoints, b.epoch])).toEqual([[7, [`PLAINTEXT://127.0.0.1:${port}`], reg.epoch]]);
      expect(parsed.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      const text = await gregor(['zk-tree', '--zookeeper', connect]);
      expect(text.stdout).toContain(`PLAINTEXT://127.0.0.1:${port}`);

      // JSON log lines on stdout, with the broker id bound
      const firstLine = broker.logTail(1000).split('\n').find((l) => l.startsWith('{'));
      expect(JSON.parse(firstLine ?? '{}')).toMatchObject({ brokerId: 7 });

      await broker.stop(60_000); // rejects unless the exit code is 0
      await waitFor(async () => (await zk.getBroker(7)) === null, { what: 'broker 7 deregistered', timeoutMs: 10_000 });
    } finally {
      await broker.kill();
    }
  });

  it('cli - the Kafka tools as processes: one stderr line and exit 1 when no broker answers; stdin to console-producer; --help', async () => {
    const dead = await gregor(['topics', '--bootstrap-server', '127.0.0.1:1', '--list', '--timeout-ms', '1000']);
    expect({ code: dead.code, stdout: dead.stdout, stderr: dead.stderr }).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error while executing topic command : Timed out waiting for a node assignment. Call: listTopics\n',
    });
    const noKey = await gregor(['console-producer', '--bootstrap-server', '127.0.0.1:1', '--topic', 't', '--property', 'parse.key=true'], 30_000, 'no-separator\n');
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toBe('No key found on line 1: no-separator\n');
    const help = await gregor(['--help']);
    for (const cmd of ['topics', 'console-producer', 'console-consumer', 'consumer-groups', 'configs', 'reassign-partitions', 'leader-election', 'log-dirs', 'dump-log', 'zookeeper-shell']) {
      expect(help.stdout).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
    }
  });

  it('cli - local-cluster uses config/broker-<i>.properties for 3 brokers and server.properties otherwise', () => {
    const three = brokerLaunchArgs(1, { brokers: 3, dataDir: '/d', zkPort: 2181, basePort: 9092, overrides: ['num.partitions=4'] });
    expect(path.basename(three.propsPath)).toBe('broker-1.properties');
    expect(three.overrides).toEqual(['log.dirs=/d/broker-1', 'zookeeper.connect=127.0.0.1:2181', 'http.listener=127.0.0.1:8081', 'num.partitions=4']);
    const one = brokerLaunchArgs(0, { brokers: 1, dataDir: '/d', zkPort: 2200, basePort: 19092, overrides: [] });
    expect(path.basename(one.propsPath)).toBe('server.properties');
    expect(one.overrides).toEqual(
      expect.arrayContaining([
        'broker.id=0',
        'listeners=PLAINTEXT://127.0.0.1:19092',
        'advertised.listeners=PLAINTEXT://127.0.0.1:19092',
        'offsets.topic.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'zookeeper.connect=127.0.0.1:2200',
      ]),
    );
  });

  it('cli - zookeeper start answers ruok with imok and stops on SIGTERM with exit 0', async () => {
    const port = await freePort();
    const zk = spawnGregor(['zookeeper', 'start', '--port', String(port)]);
    try {
      const answer = await waitFor(
        async () => ((await fourLetterWord('127.0.0.1', port, 'ruok', 1000).catch(() => '')) === 'imok' ? 'imok' : null),
        { what: `imok on port ${port}`, timeoutMs: 45_000, intervalMs: 250 },
      );
      expect(answer).toBe('imok');
      zk.child.kill('SIGTERM');
      expect(await zk.exited).toBe(0);
      expect(zk.output()).toContain('ZooKeeper stopped');
      await expect(fourLetterWord('127.0.0.1', port, 'ruok', 1000)).rejects.toThrow();
    } finally {
      killIfRunning(zk.child);
    }
  });

  it.skipIf(!fixedPortsFree)('cli - local-cluster starts ZooKeeper and 3 brokers, prints the bootstrap, stops on SIGINT', async () => {
    const dataDir = path.join(tmp, 'local-cluster');
    const lc = spawnGregor(['local-cluster', '--data-dir', dataDir]);
    try {
      await waitFor(() => lc.output().includes('bootstrap servers:') || lc.child.exitCode !== null, {
        what: 'the local-cluster banner',
        timeoutMs: 90_000,
        intervalMs: 250,
      }).catch((err: Error) => {
        throw new Error(`${err.message}\noutput:\n${lc.output().split('\n').slice(-40).join('\n')}`);
      });
      const out = lc.output();
      expect(out).toContain('bootstrap servers: 127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094');
      expect(out).toMatch(/controller: +broker [0-2]/);
      expect(out).toContain('kcat -L -b 127.0.0.1:9092');
      expect(out).toContain('web view:          http://127.0.0.1:8080/  http://127.0.0.1:8081/  http://127.0.0.1:8082/');
      expect(out).toContain('metrics:           http://127.0.0.1:8080/metrics');
      expect((await fetch('http://127.0.0.1:8081/metrics')).status).toBe(200);
      expect(out).toMatch(/^\d\d:\d\d:\d\d\.\d{3} \[broker-[0-2]\] INFO /m); // compact forwarded log lines
      const md = await kcatMetadata('127.0.0.1:9092');
      expect(md.brokers.map((b) => b.id).sort()).toEqual([0, 1, 2]);
      lc.child.kill('SIGINT');
      expect(await lc.exited).toBe(0);
      for (const id of [0, 1, 2]) expect(lc.output()).toContain(`[broker-${id}] stopped (exit code 0)`);
      expect(lc.output()).toContain('[zookeeper] stopped (exit code 0)');
      for (const p of fixedPorts) expect(await portIsFree(p)).toBe(true);
    } finally {
      if (lc.child.exitCode === null && lc.child.signalCode === null) {
        lc.child.kill('SIGTERM'); // orderly: brokers, then ZooKeeper
        await Promise.race([lc.exited, new Promise((r) => setTimeout(r, 60_000))]);
      }
      killIfRunning(lc.child);
      // Its children run in their own process groups: if it could not stop them, kill them by the PIDs it printed.
      for (const m of lc.output().matchAll(/\(pid (\d+)\)/g)) {
        try {
          process.kill(Number(m[1]), 'SIGKILL');
        } catch {
          // already gone (the normal case)
        }
      }
    }
  });
});
