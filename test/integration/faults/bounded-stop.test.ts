/**
 * Bounded stop: a broker asked to stop (SIGTERM) exits, with code 0, within a bound derived from its configuration,
 * whatever state the cluster is in — ZooKeeper killed, ZooKeeper hung (SIGSTOP), the controller hung, a follower's
 * fetch stuck on a hung leader, a client holding a long poll — and still flushes its logs and writes the
 * clean-shutdown marker. The last broker of a cluster stops without sleeping through the controlled-shutdown
 * backoffs when no peer is left to take its leaderships.
 *
 * Bound (the test's, generous on purpose: bounded time is the property, not speed), from the brokers' settings:
 *   controlled shutdown: retries × (2 × controller.socket.timeout.ms + request.timeout.ms) + (retries − 1) × backoff
 *   + ZooKeeper given up after zookeeper.connection.timeout.ms + 3 s closing it + 15 s slack for a loaded machine.
 * Measured stop times are printed.
 *
 * Every cluster here runs child processes on a ZooKeeper of its own (this file kills or pauses it).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CLEAN_SHUTDOWN_FILE } from '../../../src/log/log-file-names.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { KCAT, kafkaClients, type KafkaClients } from '../../harness/clients.js';
import { waitForMetadataReady } from '../../harness/verifiable.js';

const CONFIG = {
  'controlled.shutdown.max.retries': 3,
  'controlled.shutdown.retry.backoff.ms': 1000,
  'controller.socket.timeout.ms': 3000,
  'request.timeout.ms': 5000,
  'zookeeper.connection.timeout.ms': 5000,
  'zookeeper.session.timeout.ms': 6000,
  'replica.socket.timeout.ms': 30000,
  'auto.leader.rebalance.enable': false,
} as const;

const c = CONFIG;
const controlledMs = c['controlled.shutdown.max.retries'] * (2 * c['controller.socket.timeout.ms'] + c['request.timeout.ms']) + (c['controlled.shutdown.max.retries'] - 1) * c['controlled.shutdown.retry.backoff.ms'];
const STOP_BOUND_MS = controlledMs + c['zookeeper.connection.timeout.ms'] + 3000 + 15_000;

const measured: string[] = [];
let cluster: Cluster | undefined;
let clients: KafkaClients | undefined;

afterEach(async () => {
  await clients?.disconnectAll();
  clients = undefined;
  await cluster?.close();
  cluster = undefined;
});

afterAll(() => {
  console.log(`bounded stop (bound ${STOP_BOUND_MS} ms):\n  ${measured.join('\n  ')}`);
});

/** 3 brokers as processes on a ZooKeeper of their own (this file kills it), one RF=3 topic with a complete ISR. */
async function startOn(topic: string): Promise<Cluster> {
  cluster = await startCluster({ brokers: 3, ensemble: 1, brokerConfig: CONFIG });
  clients = kafkaClients(cluster.bootstrapServers);
  await waitForMetadataReady(cluster);
  const admin = await clients.admin();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3, replicationFactor: 3 }] });
  for (let partition = 0; partition < 3; partition++) await cluster.waitForIsr({ topic, partition }, cluster.ids);
  const producer = await clients.producer();
  await producer.send({ topic, acks: -1, messages: [0, 1, 2].map((partition) => ({ partition, value: `before-stop-${partition}` })) });
  return cluster;
}

/** The id of the cluster's (standalone) ZooKeeper server. */
const zkMember = (cl: Cluster): number => cl.zookeeper.members[0]!.id;

/** SIGTERM, exit code 0 within the bound, clean-shutdown marker written; returns the stop time. */
async function stopWithinBound(cl: Cluster, id: number, what: string): Promise<number> {
  const t0 = Date.now();
  await cl.stop(id, { timeoutMs: STOP_BOUND_MS });
  const ms = Date.now() - t0;
  measured.push(`${what}: broker ${id} stopped in ${ms} ms`);
  expect(existsSync(path.join(cl.dataDir(id), CLEAN_SHUTDOWN_FILE))).toBe(true);
  return ms;
}

describe('bounded stop - every broker exits on SIGTERM within a bound derived from its config', () => {
  it('ZooKeeper killed first: every broker, stopped at once, stops in bounded time, flushing its logs', async () => {
    const cl = await startOn('zk-killed');
    await cl.zookeeper.kill(zkMember(cl));
    await Promise.all(cl.ids.map((id) => stopWithinBound(cl, id, 'ZooKeeper killed')));
  });

  it('ZooKeeper hung (SIGSTOP): every broker, stopped at once, stops in bounded time', async () => {
    const cl = await startOn('zk-hung');
    await cl.zookeeper.pause(zkMember(cl));
    try {
      await Promise.all(cl.ids.map((id) => stopWithinBound(cl, id, 'ZooKeeper hung')));
    } finally {
      await cl.zookeeper.resume(zkMember(cl));
    }
  });

  it('controller hung (SIGSTOP): another broker stops in bounded time', async () => {
    const cl = await startOn('controller-hung');
    const controller = await cl.controllerId();
    const victim = cl.ids.find((id) => id !== controller)!;
    await cl.pause(controller);
    try {
      await stopWithinBound(cl, victim, 'controller hung');
    } finally {
      await cl.resume(controller);
    }
  });

  it('a follower whose fetch is stuck on a hung leader stops in bounded time', async () => {
    const cl = await startOn('fetch-stuck');
    const controller = await cl.controllerId();
    // a leader that is not the controller (so the stop is about the fetch, not the controller), and its follower
    let leader = -1;
    for (let p = 0; p < 3 && leader < 0; p++) {
      const s = await cl.partitionState({ topic: 'fetch-stuck', partition: p });
      if (s && s.leader !== controller) leader = s.leader;
    }
    expect(leader).toBeGreaterThanOrEqual(0);
    const follower = cl.ids.find((id) => id !== leader && id !== controller)!;
    await cl.pause(leader);
    try {
      await new Promise((r) => setTimeout(r, 1000)); // the follower's next fetch is now in flight to the hung leader
      await stopWithinBound(cl, follower, 'follower fetch stuck');
    } finally {
      await cl.resume(leader);
    }
  });

  it('a client holding a long poll does not hold the stop up', async () => {
    const cl = await startOn('long-poll');
    const leader = (await cl.partitionState({ topic: 'long-poll', partition: 0 }))!.leader;
    // kcat (librdkafka) polling at the end of the log: each fetch waits up to 60 s for 1 MB that never comes
    const poller = spawn(KCAT, ['-C', '-q', '-b', cl.bootstrapFor([leader]), '-t', 'long-poll', '-p', '0', '-o', 'end', '-X', 'fetch.wait.max.ms=60000', '-X', 'fetch.min.bytes=1000000'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 3000)); // connected, its fetch parked in the broker's purgatory
      expect(poller.exitCode).toBeNull();
      await stopWithinBound(cl, leader, 'long poll held');
    } finally {
      if (poller.pid !== undefined && poller.exitCode === null) process.kill(poller.pid, 'SIGKILL');
    }
  });

  it('a whole cluster stopping: the last broker does not wait out the backoffs when no peer can lead', async () => {
    const cl = await startOn('last-broker');
    const times: number[] = [];
    for (const id of cl.ids) times.push(await stopWithinBound(cl, id, 'whole cluster, in turn'));
    const log = await import('node:fs/promises').then((fs) => fs.readFile(cl.logFile(cl.ids.at(-1)!), 'utf8'));
    expect(log).toContain('no other live replica can lead the partitions this broker still leads');
    expect(log).not.toContain('proceeding with an unclean shutdown');
  });
});
