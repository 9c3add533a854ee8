/**
 * A cluster on a 3-node ZooKeeper ensemble started by the harness (src/testing/zookeeper.ts), each broker on a
 * multi-host connect string with the cluster's chroot:
 * - the ensemble has one leader and two followers (`srvr`), each member a process the cluster lists;
 * - kill the ZooKeeper leader: the others elect a new one, the brokers keep (or regain) their registrations and
 *   topics can be created; the member restarts (same ports and data) as a follower;
 * - pause a follower and resume it; isolate a member from the other two (quorum links cut): it stops serving,
 *   the rest keep the quorum; healed, it serves again;
 * - lose the quorum (kill a majority, leader first): ZooKeeper serves nothing, the brokers keep running; the
 *   quorum restored, the cluster serves again; the same with SIGSTOP (pauseQuorum);
 * - cutZk(id, { member }) cuts a broker from one member only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, type KafkaClients } from '../../harness/clients.js';

describe('harness ZooKeeper ensemble', () => {
  let cluster: Cluster;
  let clients: KafkaClients;
  let topics = 0;

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 2, ensemble: 3, inProcess: true, brokerConfig: { 'offsets.topic.replication.factor': 2 } });
    clients = kafkaClients(cluster.bootstrapServers);
  });

  afterAll(async () => {
    await clients?.disconnectAll();
    await cluster?.close();
  });

  /** Creates a topic and waits for its leader: the cluster (controller, ZooKeeper writes) works. */
  async function works(): Promise<void> {
    const topic = `ens-${topics++}`;
    const admin = await clients.admin();
    await cluster.waitFor(
      async () => admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 2 }] }).then(() => true),
      `topic ${topic} created`,
      30_000,
    );
    await cluster.waitForLeader({ topic, partition: 0 }, { timeoutMs: 30_000 });
  }

  async function modes(): Promise<Array<string | null>> {
    return Promise.all(cluster.zookeeper.members.map((m) => m.mode()));
  }

  async function fullEnsemble(): Promise<void> {
    await cluster.waitFor(
      async () => {
        const m = await modes();
        return m.filter((x) => x === 'leader').length === 1 && m.filter((x) => x === 'follower').length === 2;
      },
      'one ZooKeeper leader and two followers',
      30_000,
    );
  }

  it('ensemble - three members, one leader; brokers connect to all three through their proxies with the chroot', async () => {
    const zk = cluster.zookeeper;
    expect(zk.members.map((m) => m.id)).toEqual([1, 2, 3]);
    expect(zk.members.every((m) => typeof m.pid === 'number')).toBe(true);
    await fullEnsemble();
    expect(cluster.zookeeperConnect).toMatch(/^127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+\/gregor-cluster-[0-9a-f]+$/);
    const connect = cluster.broker(0).config.zookeeper.connect;
    expect(connect.split('/')[0]!.split(',')).toHaveLength(3);
    expect(connect.endsWith(cluster.chroot)).toBe(true);
    expect(await cluster.brokerIds()).toEqual([0, 1]);
    await works();
  });

  it('ensemble - killing the ZooKeeper leader: the others elect one, the brokers stay; the member restarts as a follower', async () => {
    const old = (await cluster.zookeeper.leader())!;
    await cluster.zookeeper.kill(old);
    expect(cluster.zookeeper.member(old).running).toBe(false);
    const next = await cluster.waitFor(async () => {
      const l = await cluster.zookeeper.leader();
      return l !== null && l !== old ? l : null;
    }, 'a new ZooKeeper leader', 30_000);
    expect(next).not.toBe(old);
    await cluster.waitForBrokers([0, 1]);
    await works();
    await cluster.zookeeper.start(old);
    expect(await cluster.zookeeper.member(old).mode()).toBe('follower');
    expect(cluster.timeline.filter((e) => e.type === 'fault' && e.member === old).map((e) => e.action)).toEqual(['zookeeper-kill', 'zookeeper-start']);
  });

  it('ensemble - a paused follower stops answering; resumed, it serves again', async () => {
    const leader = (await cluster.zookeeper.leader())!;
    const follower = cluster.zookeeper.members.find((m) => m.id !== leader)!;
    await cluster.zookeeper.pause(follower.id);
    try {
      expect(await follower.mode()).toBeNull();
      // brokers whose session was on the paused member move to another one (ZkClient's read timeout)
      await works();
    } finally {
      await cluster.zookeeper.resume(follower.id);
    }
    await fullEnsemble();
  });

  it('ensemble - a member isolated from the others stops serving; healed, it rejoins', async () => {
    const leader = (await cluster.zookeeper.leader())!;
    const lonely = cluster.zookeeper.members.find((m) => m.id !== leader)!.id;
    cluster.zookeeper.isolate(lonely);
    try {
      await cluster.waitFor(async () => (await cluster.zookeeper.member(lonely).mode()) === null, `member ${lonely} without a quorum`, 30_000);
      expect(await cluster.zookeeper.leader()).toBe(leader);
      await works();
    } finally {
      cluster.zookeeper.heal();
    }
    await fullEnsemble();
  });

  it('ensemble - quorum lost (a majority killed, leader first) and restored: brokers ride it out, the cluster serves again', async () => {
    const leader = await cluster.zookeeper.leader();
    const killed = await cluster.zookeeper.killQuorum();
    try {
      expect(killed).toHaveLength(2);
      expect(killed[0]).toBe(leader);
      await cluster.waitFor(async () => (await modes()).every((m) => m === null), 'no ZooKeeper member serving', 30_000);
      expect(cluster.ids.every((id) => cluster.isRunning(id))).toBe(true);
    } finally {
      await cluster.zookeeper.restoreQuorum();
    }
    await fullEnsemble();
    await cluster.waitForBrokers([0, 1], { timeoutMs: 30_000 });
    await cluster.waitForController({ timeoutMs: 30_000 });
    await works();
  });

  it('ensemble - quorum paused (SIGSTOP) and resumed', async () => {
    const paused = await cluster.zookeeper.pauseQuorum();
    try {
      expect(paused).toHaveLength(2);
      // the member left running notices within syncLimit that it has no quorum
      await cluster.waitFor(async () => (await modes()).every((m) => m === null), 'no ZooKeeper member serving', 30_000);
    } finally {
      await cluster.zookeeper.restoreQuorum();
    }
    await fullEnsemble();
    await cluster.waitForBrokers([0, 1], { timeoutMs: 30_000 });
    await works();
  });

  it('ensemble - cutZk(id, { member }) cuts a broker from one ZooKeeper member only', async () => {
    await cluster.cutZk(0, { member: 2 });
    expect(cluster.links()).toEqual([expect.objectContaining({ a: 'broker 0', b: 'zookeeper 2' })]);
    await works();
    await cluster.healZk();
    expect(cluster.links()).toEqual([]);
  });
});
