/**
 * The harness's lifecycle guarantees:
 * - a test process SIGKILLed with a cluster running (brokers as child processes, its own ZooKeeper — standalone
 *   and an ensemble —, small tmpfs disks) leaves no process, no directory and no mount behind: the janitor
 *   (src/testing/janitor.ts) sees the pipe from the dead process close and cleans up;
 * - clusters run side by side in one test process: separate chroots, ports, brokers and topics, on the run's
 *   shared ZooKeeper and on one of their own;
 * - a broker restarted after a crash gets its client port back (clients keep their bootstrap list), waiting for
 *   it while something else holds it; the port is below the kernel's ephemeral range, so that nothing takes it
 *   meanwhile;
 * - a crash point reached before the broker reports started: `start` with `expectExit` resolves
 *   once it has exited, without it `start` fails saying the broker exited before it started;
 * - a full disk: `fillDisk` fills a broker's tmpfs log dir, appends then fail with KAFKA_STORAGE_ERROR, and the
 *   broker posts a log dir failure; where tmpfs cannot be mounted the test is skipped, saying why.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tmpfsUnavailable } from '../../../src/testing/index.js';
import { PACKAGE_ROOT } from '../../../src/testing/node-entry.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients } from '../../harness/clients.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cannotMount = await tmpfsUnavailable();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function mounted(dir: string): boolean {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[1] === dir);
}

interface RunnerReport {
  pids: number[];
  janitor: number;
  dir: string;
  dataDirs: string[];
}

/** Starts the fixture runner, waits for its report, SIGKILLs it, and waits until everything it made is gone. */
async function killRunner(members: number, smallDisks: boolean): Promise<RunnerReport> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/testing/cluster-runner.ts', String(members), smallDisks ? 'yes' : 'no'], {
    cwd: PACKAGE_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const report = await new Promise<RunnerReport>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`runner did not report within 90 s: ${out}`)), 90_000);
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as RunnerReport);
      }
    });
    child.once('exit', (code) => reject(new Error(`runner exited with ${code} before reporting: ${out}`)));
  });
  const mounts = smallDisks ? report.dataDirs.map((d) => path.dirname(d)) : [];
  expect(report.pids.length).toBe(2 + members);
  for (const pid of [...report.pids, report.janitor]) expect(alive(pid)).toBe(true);
  expect(existsSync(report.dir)).toBe(true);
  for (const m of mounts) expect(mounted(m)).toBe(true);

  child.kill('SIGKILL');
  const deadline = Date.now() + 30_000;
  const left = () => [
    ...report.pids.filter(alive).map((p) => `pid ${p}`),
    ...(alive(report.janitor) ? [`janitor ${report.janitor}`] : []),
    ...(existsSync(report.dir) ? [report.dir] : []),
    ...mounts.filter(mounted).map((m) => `mount ${m}`),
  ];
  while (left().length > 0) {
    if (Date.now() > deadline) throw new Error(`left behind 30 s after the runner's SIGKILL: ${left().join(', ')}`);
    await sleep(100);
  }
  return report;
}

describe('harness lifecycle - nothing outlives a SIGKILLed test process', () => {
  it('lifecycle - standalone ZooKeeper and broker processes are killed and the cluster dir removed', async () => {
    await killRunner(1, false);
  });

  it.skipIf(cannotMount)(`lifecycle - a 3-node ensemble and tmpfs disks: processes killed, disks unmounted, dirs removed${cannotMount ? ` (skipped: ${cannotMount})` : ''}`, async () => {
    await killRunner(3, true);
  });
});

describe('harness lifecycle - clusters side by side', () => {
  const clusters: Cluster[] = [];
  afterAll(async () => {
    await Promise.all(clusters.map((c) => c.close()));
  });

  it('parallel - three clusters at once (two on the shared ZooKeeper, one on its own) are separate in ports, chroots, brokers and topics', async () => {
    clusters.push(
      ...(await Promise.all([
        startCluster({ brokers: 2, inProcess: true }),
        startCluster({ brokers: 2 }),
        startCluster({ brokers: 1, ensemble: 1, inProcess: true, brokerConfig: { 'offsets.topic.replication.factor': 1 } }),
      ])),
    );
    const [a, b, c] = clusters as [Cluster, Cluster, Cluster];
    expect(new Set(clusters.map((x) => x.chroot)).size).toBe(3);
    expect(new Set(clusters.map((x) => x.dir)).size).toBe(3);
    const ports = clusters.flatMap((x) => x.ids.map((id) => x.port(id)));
    expect(new Set(ports).size).toBe(ports.length);
    expect(a.zookeeper.connectString).toBe(b.zookeeper.connectString);
    expect(c.zookeeper.connectString).not.toBe(a.zookeeper.connectString);
    for (const x of clusters) expect(await x.brokerIds()).toEqual(x.ids);

    const topics = ['in-a', 'in-b', 'in-c'];
    await Promise.all(
      clusters.map(async (x, i) => {
        const clients = kafkaClients(x.bootstrapServers);
        try {
          const admin = await clients.admin();
          await admin.createTopics({ topics: [{ topic: topics[i]!, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
        } finally {
          await clients.disconnectAll();
        }
      }),
    );
    for (const [i, x] of clusters.entries()) expect((await x.zk.getAllTopics()).filter((t) => !t.startsWith('__'))).toEqual([topics[i]]);
    // each timeline saw only its own cluster
    for (const [i, x] of clusters.entries()) {
      expect(x.timeline.filter((e) => e.type === 'topic-created').map((e) => e.topic)).toEqual([topics[i]]);
    }
  });
});

describe('harness lifecycle - restarts keep the client port', () => {
  let cluster: Cluster;
  afterAll(async () => {
    await cluster?.close();
  });

  it('ports - a killed broker comes back on the port it had, so the bootstrap list stays valid', async () => {
    cluster = await startCluster({ brokers: 2, brokerConfig: { 'zookeeper.session.timeout.ms': 3000 } });
    const before = cluster.bootstrapServers;
    const port = cluster.port(1);
    // below the kernel's ephemeral range: no outgoing connection or listen(0) can take it while the broker is down
    const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    for (const id of cluster.ids) expect(cluster.port(id)).toBeLessThan(ephemeralLow);
    // a crashed broker's znode lives until its session times out; restart waits for that, as Kafka must
    await cluster.restart(1, { how: 'kill' });
    expect(cluster.port(1)).toBe(port);
    expect(cluster.bootstrapServers).toBe(before);
    await cluster.waitForBrokers([0, 1]);
  });
});

describe('harness lifecycle - a crash point reached while starting', () => {
  let cluster: Cluster;
  afterAll(async () => {
    await cluster?.close();
  });

  // Stands for a crash point reached during startup (a roll or checkpoint while the broker catches up), which no
  // test can time: the process kills itself before the broker has started.
  const crashAtStart = { NODE_OPTIONS: `--import ${path.join(PACKAGE_ROOT, 'test/fixtures/testing/die-at-start.mjs')}` };

  it('crash - start with expectExit resolves once the broker killed itself; without it, start fails saying so', async () => {
    cluster = await startCluster({ brokers: 1, brokerConfig: { 'offsets.topic.replication.factor': 1 } });
    await cluster.stop(0);
    await cluster.start(0, { env: crashAtStart, expectExit: true });
    expect(cluster.isRunning(0)).toBe(false);
    expect(cluster.process(0).exitStatus).toEqual({ code: null, signal: 'SIGKILL' });
    await expect(cluster.start(0, { env: crashAtStart })).rejects.toThrow(/broker 0 \(pid \d+\) exited with SIGKILL before it started/);
    expect(cluster.isRunning(0)).toBe(false);
    await cluster.start(0);
    await cluster.waitForBrokers([0]);
  });
});

describe('harness lifecycle - a restart waits for its port', () => {
  it('ports - a broker whose client port is taken when it restarts retries until it is free again', async () => {
    const cluster = await startCluster({ brokers: 1, inProcess: true, brokerConfig: { 'offsets.topic.replication.factor': 1 } });
    try {
      const port = cluster.port(0);
      await cluster.stop(0);
      const squatter = net.createServer();
      await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
      const restarted = cluster.start(0);
      await sleep(700);
      expect(await cluster.brokerIds()).toEqual([]); // still trying: a broker registers only once it is bound
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
      await restarted;
      expect(cluster.port(0)).toBe(port);
      await cluster.waitForBrokers([0]);
    } finally {
      await cluster.close();
    }
  });
});

describe('harness lifecycle - full disk', () => {
  let cluster: Cluster | undefined;
  afterAll(async () => {
    await cluster?.close();
  });

  it.skipIf(cannotMount)(`disk - fillDisk fills a broker's tmpfs log dir: produce fails with KAFKA_STORAGE_ERROR${cannotMount ? ` (skipped: ${cannotMount})` : ''}`, async () => {
    cluster = await startCluster({ brokers: 1, inProcess: true, smallDisks: 2 << 20, brokerConfig: { 'offsets.topic.replication.factor': 1 } });
    expect(mounted(path.dirname(cluster.dataDir(0)))).toBe(true);
    const clients = kafkaClients(cluster.bootstrapServers, { retry: { retries: 0 } });
    try {
      const admin = await clients.admin();
      await admin.createTopics({ topics: [{ topic: 'full', numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
      const producer = await clients.producer();
      await producer.send({ topic: 'full', messages: [{ value: 'fits' }] });
      const written = await cluster.fillDisk(0);
      expect(written).toBeGreaterThan(0);
      const value = 'x'.repeat(64 * 1024); // bigger than what is left of the last page
      // The broker halts once its only log dir has failed (Kafka's LogManager.handleLogDirFailure): the send meets
      // KAFKA_STORAGE_ERROR, or the closed connection of the halted broker when a write of its own met the full
      // disk first.
      const failure = await producer.send({ topic: 'full', messages: [{ value }] }).then(
        () => null,
        (err: { type?: string; name?: string; cause?: { type?: string; name?: string } }) => err.cause?.type ?? err.type ?? err.cause?.name,
      );
      expect(['KAFKA_STORAGE_ERROR', 'KafkaJSConnectionClosedError']).toContain(failure);
      expect(cluster.timeline.some((e) => e.type === 'fault' && e.action === 'fill-disk' && e.broker === 0)).toBe(true);
      await cluster.freeDisk(0);
    } finally {
      await clients.disconnectAll();
    }
  });

  it('disk - fillDisk on a cluster without small disks says how to get one', async () => {
    const plain = await startCluster({ brokers: 1, inProcess: true, brokerConfig: { 'offsets.topic.replication.factor': 1 } });
    try {
      await expect(plain.fillDisk(0)).rejects.toThrow(/start the cluster with smallDisks/);
    } finally {
      await plain.close();
    }
  });
});
