/**
 * The harness's network faults (src/testing/network.ts) observed through what the brokers do, on a 3-broker
 * cluster with an RF=3 topic and replica.lag.time.max.ms = 2 s (kafkajs as the client):
 * - cut(follower, leader): the follower's fetches stop reaching the leader; after the lag time the leader takes
 *   it out of the ISR (its isr-shrink record explains the ZooKeeper change in the timeline); heal → back in.
 * - one way: only what the follower sends is dropped → the same; only what the leader sends is dropped → the
 *   leader still sees the fetches (the follower stays registered as fetching) but the follower's log end offset
 *   does not move, so with new writes it falls out too; heal → back in.
 * - delay(controller → broker): a new topic's LeaderAndIsr reaches that broker no earlier than the delay, the
 *   others at once.
 * - isolate(id): the broker leaves every ISR it was in; heal(id) brings it back.
 * - cutZk(id) for longer than the session timeout: ZooKeeper expires the session and drops the registration,
 *   the controller elects other leaders; healZk → the broker registers again with a new epoch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TopicPartition } from '../../../src/common/topic-partition.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, type KafkaClients } from '../../harness/clients.js';

const TOPIC = 'net';
const tp: TopicPartition = { topic: TOPIC, partition: 0 };

describe('harness network faults - observed through the brokers', () => {
  let cluster: Cluster;
  let clients: KafkaClients;

  beforeAll(async () => {
    cluster = await startCluster({
      brokers: 3,
      inProcess: true,
      brokerConfig: { 'replica.lag.time.max.ms': 2000, 'zookeeper.session.timeout.ms': 4000, 'auto.leader.rebalance.enable': false },
    });
    clients = kafkaClients(cluster.bootstrapServers);
    const admin = await clients.admin();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 3 }], waitForLeaders: true });
    await cluster.waitForIsr(tp, [0, 1, 2]);
  });

  afterAll(async () => {
    await clients?.disconnectAll();
    await cluster?.close();
  });

  async function produce(n: number): Promise<void> {
    const producer = await clients.producer();
    await producer.send({ topic: TOPIC, acks: 1, messages: Array.from({ length: n }, (_, i) => ({ partition: 0, value: `v${i}` })) });
  }

  async function roles(): Promise<{ leader: number; followers: number[] }> {
    const leader = await cluster.waitForLeader(tp);
    return { leader, followers: cluster.ids.filter((id) => id !== leader) };
  }

  async function isrWithout(id: number) {
    const since = Date.now() - 1000;
    return cluster.timeline.waitFor((e) => e.type === 'isr-changed' && e.topic === TOPIC && e.time >= since && !(e.isr ?? []).includes(id), {
      timeoutMs: 20_000,
    });
  }

  it('network - cut(follower, leader) shrinks the ISR (the leader says why in the timeline); heal expands it again', async () => {
    const { leader, followers } = await roles();
    const f = followers[0]!;
    await cluster.cut(f, leader);
    expect(cluster.links()).toEqual([expect.objectContaining({ a: `broker ${Math.min(f, leader)}`, b: `broker ${Math.max(f, leader)}` })]);
    await produce(5);
    const shrink = await isrWithout(f);
    await cluster.waitForIsr(tp, [leader, followers[1]!]);
    // the ZooKeeper write is paired with the leader's log record (whichever arrived first)
    const cause = await cluster.waitFor(() => shrink.cause, 'a cause for the ISR shrink', 10_000);
    expect(cause).toMatch(new RegExp(`^isr-shrink by leader ${leader} \\(lagging: ${f}\\)`));
    await cluster.heal(f, leader);
    expect(cluster.links()).toEqual([]);
    await cluster.waitForIsr(tp, [0, 1, 2], { timeoutMs: 20_000 });
  });

  it('network - a one-way cut of what the follower sends takes it out of the ISR; healed, it returns', async () => {
    const { leader, followers } = await roles();
    const f = followers[1]!;
    await cluster.cut(f, leader, { oneWay: true });
    const state = cluster.links()[0]!;
    expect(f < leader ? state.aToB.blocked && !state.bToA.blocked : state.bToA.blocked && !state.aToB.blocked).toBe(true);
    await produce(5);
    await isrWithout(f);
    await cluster.heal(f, leader);
    await cluster.waitForIsr(tp, [0, 1, 2], { timeoutMs: 20_000 });
  });

  it('network - a one-way cut of what the leader sends to a follower: fetches still arrive, the follower falls behind and out', async () => {
    const { leader, followers } = await roles();
    const f = followers[0]!;
    await cluster.cut(leader, f, { oneWay: true });
    await produce(5);
    await isrWithout(f);
    // the leader saw the follower's fetches all along: it knows the follower, at an offset behind its own end
    const p = cluster.broker(leader).replicaManager.getPartition(tp);
    expect(p?.followerState(f)).toBeDefined();
    await cluster.heal();
    await cluster.waitForIsr(tp, [0, 1, 2], { timeoutMs: 20_000 });
  });

  it('network - delay(controller, broker) holds the LeaderAndIsr of a new topic for that broker only', async () => {
    const controller = await cluster.controllerId();
    const slow = cluster.ids.find((id) => id !== controller)!;
    const topic = 'net-delayed';
    await cluster.delay(controller, slow, 1500, { oneWay: true });
    try {
      const admin = await clients.admin();
      const asked = Date.now();
      await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3 }] });
      const applied = async (id: number) =>
        cluster.timeline.waitFor((e) => (e.type === 'become-leader' || e.type === 'become-follower') && e.topic === topic && e.broker === id, {
          timeoutMs: 20_000,
        });
      const slowEvent = await applied(slow);
      const created = cluster.timeline.find((e) => e.type === 'partition-created' && e.topic === topic)!;
      expect(created).toBeDefined();
      expect(slowEvent.time - Math.max(asked, created.time - 50)).toBeGreaterThanOrEqual(1400);
      for (const id of cluster.ids.filter((x) => x !== slow)) expect((await applied(id)).time).toBeLessThan(slowEvent.time);
    } finally {
      await cluster.heal();
    }
  });

  it('network - isolate(id) takes the broker out of every ISR; heal(id) brings it back', async () => {
    const { leader, followers } = await roles();
    const f = followers[0]!;
    await cluster.isolate(f);
    expect(cluster.links().map((l) => [l.a, l.b].sort().join(' '))).toHaveLength(2);
    await produce(5);
    await isrWithout(f);
    await cluster.heal(f);
    await cluster.waitForIsr(tp, [0, 1, 2], { timeoutMs: 20_000 });
    expect(await cluster.waitForLeader(tp)).toBe(leader);
  });

  it('network - cutZk(id) past the session timeout: ZooKeeper drops the broker and the controller moves its leadership; healZk → it registers again', async () => {
    const { leader } = await roles();
    const controller = await cluster.controllerId();
    // a broker that is not the controller keeps this about one broker's ZooKeeper link (the leader if it can be)
    const victim = leader !== controller ? leader : cluster.ids.find((id) => id !== controller)!;
    const before = await cluster.brokerEpoch(victim);
    const since = Date.now();
    await cluster.cutZk(victim);
    await cluster.timeline.waitFor((e) => e.type === 'broker-deregistered' && e.broker === victim && e.time >= since, { timeoutMs: 20_000 });
    if (victim === leader) {
      const elected = await cluster.timeline.waitFor((e) => e.type === 'leader-elected' && e.topic === TOPIC && e.time >= since && e.leader !== victim, {
        timeoutMs: 20_000,
      });
      expect(elected.leader).not.toBe(victim);
    }
    await cluster.healZk(victim);
    const after = await cluster.waitForBrokerEpochChange(victim, before, { timeoutMs: 30_000 });
    expect(after).toBeGreaterThan(before ?? 0);
    await cluster.waitForIsr(tp, [0, 1, 2], { timeoutMs: 30_000 });
  });
});
