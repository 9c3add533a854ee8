/**
 * Fetch from the closest replica (KIP-392) on a 3-broker in-process cluster with racks r0, r1, r2 and
 * replica.selector.class = RackAwareReplicaSelector: a consumer whose rack holds a follower reads the partition
 * from that follower. Checked on the broker side — the bytes each broker served to consumers
 * (ReplicaManager.fetchStats, Kafka's BytesOutPerSec) and the leader's preferred-replica redirects — not by timing;
 * kcat's JSON envelope (the broker each message came from) agrees.
 * Clients: librdkafka 2.0.2 through kcat (`client.rack`) and kafkajs 2.2.4 (`rackId`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RACK_AWARE_REPLICA_SELECTOR } from '../../../src/cluster/replica-selector.js';
import type { TopicPartition } from '../../../src/common/topic-partition.js';
import { kafkaClients, kcatConsume, kcatProduce, type KafkaClients } from '../../harness/clients.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';

const topic = 'near';
const tp: TopicPartition = { topic, partition: 0 };
const rackOf = (id: number): string => `r${id}`;
const RECORDS = 200;

describe('fetch from the closest replica (KIP-392)', () => {
  let cluster: Cluster;
  let clients: KafkaClients;
  let leader: number;
  let followers: number[];

  const served = (id: number): number => cluster.broker(id).replicaManager.fetchStats.consumerBytesOut.get(topic) ?? 0;
  const redirects = (id: number): number => cluster.broker(id).replicaManager.fetchStats.preferredReplicaRedirects;
  const highWatermark = (id: number): number => cluster.broker(id).replicaManager.getPartition(tp)?.highWatermark ?? -1;

  beforeAll(async () => {
    cluster = await startCluster({
      brokers: 3,
      inProcess: true,
      brokerConfig: (id) => ({ 'broker.rack': rackOf(id), 'replica.selector.class': RACK_AWARE_REPLICA_SELECTOR, 'auto.leader.rebalance.enable': false }),
    });
    clients = kafkaClients(cluster.bootstrapServers);
    const admin = await clients.admin();
    await admin.createTopics({ topics: [{ topic, replicaAssignment: [{ partition: 0, replicas: [0, 1, 2] }] }], waitForLeaders: true });
    leader = await cluster.waitForLeader(tp);
    followers = cluster.ids.filter((id) => id !== leader);
    await cluster.waitForIsr(tp, cluster.ids);
    await kcatProduce(
      cluster.bootstrapServers,
      topic,
      Array.from({ length: RECORDS }, (_, i) => `record-${i}`),
      { acks: 'all', partition: 0 },
    );
    // every replica knows the whole log is committed (the leader tells followers their high watermark at once)
    await cluster.waitFor(() => cluster.ids.every((id) => highWatermark(id) === RECORDS), `HW ${RECORDS} on every replica`, 20_000);
  }, 120_000);

  afterAll(async () => {
    await clients?.disconnectAll();
    await cluster?.close();
  });

  it('librdkafka (kcat, client.rack of a follower) reads every record from that follower; the leader only redirects', async () => {
    const near = followers[0]!;
    const before = cluster.ids.map(served);
    const redirectsBefore = redirects(leader);
    const messages = await kcatConsume(cluster.bootstrapServers, topic, { partition: 0, props: { 'client.rack': rackOf(near) }, timeoutMs: 60_000 });
    expect(messages.map((m) => m.value)).toEqual(Array.from({ length: RECORDS }, (_, i) => `record-${i}`));
    expect(new Set(messages.map((m) => m.broker))).toEqual(new Set([near]));
    const after = cluster.ids.map(served);
    expect(after[near]! - before[near]!).toBeGreaterThan(RECORDS * 'record-0'.length);
    expect(after[leader]! - before[leader]!).toBe(0);
    for (const other of followers.filter((id) => id !== near)) expect(after[other]! - before[other]!).toBe(0);
    expect(redirects(leader)).toBeGreaterThan(redirectsBefore);
  }, 90_000);

  it('librdkafka in the leader rack, or without a rack, reads from the leader', async () => {
    for (const props of [{ 'client.rack': rackOf(leader) }, {}] as Array<Record<string, string>>) {
      const before = cluster.ids.map(served);
      const messages = await kcatConsume(cluster.bootstrapServers, topic, { partition: 0, props, timeoutMs: 60_000 });
      expect(messages).toHaveLength(RECORDS);
      const after = cluster.ids.map(served);
      expect(after[leader]! - before[leader]!).toBeGreaterThan(0);
      for (const f of followers) expect(after[f]! - before[f]!).toBe(0);
    }
  }, 90_000);

  it('kafkajs (rackId of the other follower) reads every record from that follower', async () => {
    const near = followers[1]!;
    const before = cluster.ids.map(served);
    const consumer = await clients.consumer({ groupId: 'kip-392-kafkajs', rackId: rackOf(near), maxWaitTimeInMs: 200 });
    const seen: string[] = [];
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await cluster.waitFor(() => seen.length >= RECORDS, `kafkajs consumed ${RECORDS} records`, 60_000);
    await consumer.disconnect();
    expect(seen).toEqual(Array.from({ length: RECORDS }, (_, i) => `record-${i}`));
    const after = cluster.ids.map(served);
    expect(after[near]! - before[near]!).toBeGreaterThan(RECORDS * 'record-0'.length);
    expect(after[leader]! - before[leader]!).toBe(0);
  }, 90_000);

  it('a consumer on a follower gets new records as the follower high watermark follows the leader', async () => {
    const near = followers[0]!;
    const before = served(near);
    const consumer = await clients.consumer({ groupId: 'kip-392-tail', rackId: rackOf(near), maxWaitTimeInMs: 5000 });
    const seen: string[] = [];
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await cluster.waitFor(() => seen.length >= RECORDS, 'the existing records', 60_000);
    await kcatProduce(cluster.bootstrapServers, topic, ['late-1', 'late-2'], { acks: 'all', partition: 0 });
    await cluster.waitFor(() => seen.length >= RECORDS + 2, 'the new records', 30_000);
    await consumer.disconnect();
    expect(seen.slice(-2)).toEqual(['late-1', 'late-2']);
    expect(served(near) - before).toBeGreaterThan(0);
  }, 90_000);
});
