/**
 * Replication and failover on a 3-broker in-process cluster (zk-and-controller.md §8.5, §9.1–9.2;
 * reliability.md §1.1), one topic with RF = 3 and min.insync.replicas = 2,
 * replica.lag.time.max.ms = 2000. The steps run in order on one cluster:
 * 1. acks=all records reach every replica (same bytes in each broker's log); ISR in ZooKeeper = all three.
 * 2. A follower stops fetching (its fetchers shut down, still registered): the leader shrinks the ISR in
 *    ZooKeeper after the lag time, acks=all goes on with two; the controller learns of it through
 *    /isr_change_notification and clients see the new ISR in Metadata.
 * 3. A second follower crashes: ISR = [leader] → acks=all gets NOT_ENOUGH_REPLICAS, acks=1 still works.
 * 4. Both come back: they truncate / catch up and rejoin the ISR (seen in ZooKeeper), same bytes again.
 * 5. The leader crashes: the controller elects a new leader from the ISR (leader epoch + 1) and every
 *    acknowledged record is read back from it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TopicPartition } from '../../../src/common/topic-partition.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, kcatConsume, kcatMetadata, kcatProduce, type KafkaClients } from '../../harness/clients.js';

const topic = 'replicated';
const tp: TopicPartition = { topic, partition: 0 };

describe('replication - acks=all, ISR shrink/expand, failover', () => {
  let cluster: Cluster;
  let clients: KafkaClients;
  let leader: number;
  let stuck: number; // follower whose fetchers stop (step 2)
  let crashed: number; // follower that crashes (step 3)
  const acked: string[] = [];

  const logOf = (id: number) => cluster.broker(id).replicaManager.getPartition(tp)?.log ?? null;
  const leo = (id: number) => logOf(id)?.logEndOffset ?? -1;
  const bytes = (id: number) => {
    const log = logOf(id)!;
    return log.read(log.logStartOffset, 64 << 20, log.logEndOffset, true);
  };
  const liveBootstrap = (ids: number[]) => cluster.bootstrapFor(ids);

  async function expectSameLogs(ids: number[]): Promise<void> {
    const target = leo(leader);
    await cluster.waitFor(() => ids.every((id) => leo(id) === target), `LEO ${target} on brokers ${ids.join(',')}`, 20_000);
    const ref = bytes(leader);
    for (const id of ids) expect(bytes(id).equals(ref), `log bytes of broker ${id}`).toBe(true);
  }

  async function produce(values: string[], acks: 'all' | 1, ids: number[]): Promise<void> {
    await kcatProduce(liveBootstrap(ids), topic, values, { acks, partition: 0 });
    acked.push(...values);
  }

  beforeAll(async () => {
    cluster = await startCluster({
      brokers: 3,
      inProcess: true,
      brokerConfig: { 'replica.lag.time.max.ms': 2000, 'auto.leader.rebalance.enable': false },
    });
    clients = kafkaClients(cluster.bootstrapServers);
    const controller = await cluster.controllerId();
    // the leader is not the controller; the others follow
    const others = cluster.ids.filter((id) => id !== controller);
    leader = others[0]!;
    stuck = cluster.ids.filter((id) => id !== leader)[0]!;
    crashed = cluster.ids.filter((id) => id !== leader && id !== stuck)[0]!;
    const admin = await clients.admin();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          replicaAssignment: [{ partition: 0, replicas: [leader, stuck, crashed] }],
          configEntries: [{ name: 'min.insync.replicas', value: '2' }],
        },
      ],
    });
  });

  afterAll(async () => {
    await clients?.disconnectAll();
    await cluster?.close();
  });

  it('replication - acks=all records reach every replica; the ISR in ZooKeeper is all three', async () => {
    expect(await cluster.waitForLeader(tp)).toBe(leader);
    const state = await cluster.waitForIsr(tp, cluster.ids);
    expect(state.leaderEpoch).toBe(0);
    await produce(Array.from({ length: 20 }, (_, i) => `r${i}`), 'all', cluster.ids);
    expect(leo(leader)).toBe(20);
    await expectSameLogs(cluster.ids);
    // followers learn the HW from their next fetch: HW = min(leader HW, local LEO)
    await cluster.waitFor(
      () => cluster.ids.every((id) => cluster.broker(id).replicaManager.getPartition(tp)!.highWatermark === 20),
      'HW 20 everywhere',
      10_000,
    );
    const consumed = await kcatConsume(cluster.bootstrapServers, topic, { partition: 0, count: 20 });
    expect(consumed.map((m) => m.value)).toEqual(acked);
  });

  it('replication - a follower that stops fetching leaves the ISR after replica.lag.time.max.ms; acks=all goes on with 2', async () => {
    await cluster.broker(stuck).replicaManager.shutdownFetchers();
    const started = Date.now();
    // blocks until the leader drops the stuck follower (2–3 s), then completes with ISR = 2
    await produce(['s0', 's1', 's2'], 'all', cluster.ids);
    const state = await cluster.waitForIsr(tp, [leader, crashed]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    expect(state.leader).toBe(leader);
    expect(state.leaderEpoch).toBe(0); // the leader never bumps the epoch
    expect(cluster.broker(leader).replicaManager.getPartition(tp)!.isr).toEqual([leader, crashed]);
    expect(leo(stuck)).toBe(20);
    await expectSameLogs([leader, crashed]);
    // /isr_change_notification → controller → UpdateMetadata: clients see the new ISR (≤ ~10 s)
    await cluster.waitFor(
      async () => {
        const md = await kcatMetadata(liveBootstrap([leader]), { topic });
        const isr = (md.topics.find((t) => t.topic === topic)?.partitions.find((p) => p.partition === 0)?.isrs ?? []).map((r) => r.id);
        return isr.length === 2 && !isr.includes(stuck);
      },
      'the ISR shrink propagated to the metadata',
      20_000,
    );
  });

  it('replication - with the ISR below min.insync.replicas acks=all gets NOT_ENOUGH_REPLICAS, acks=1 works', async () => {
    await cluster.kill(crashed);
    await cluster.waitForIsr(tp, [leader], { timeoutMs: 20_000 });
    await cluster.waitFor(() => cluster.broker(leader).replicaManager.getPartition(tp)!.isr.length === 1, 'leader ISR = [leader]', 20_000);
    const producer = await clients.producer({ retry: { retries: 0 } });
    let error: unknown = null;
    try {
      await producer.send({ topic, acks: -1, messages: [{ value: 'lost', partition: 0 }] });
    } catch (err) {
      error = err;
    }
    expect(errorTypes(error)).toContain('NOT_ENOUGH_REPLICAS');
    const before = leo(leader);
    await produce(['one0', 'one1'], 1, [leader, stuck]);
    expect(leo(leader)).toBe(before + 2);
  });

  it('replication - restarted followers truncate, catch up and rejoin the ISR', async () => {
    await cluster.restart(stuck, { how: 'kill' });
    await cluster.start(crashed);
    await cluster.waitForIsr(tp, cluster.ids, { timeoutMs: 40_000 });
    await expectSameLogs(cluster.ids);
    await produce(['back0', 'back1'], 'all', cluster.ids);
    await expectSameLogs(cluster.ids);
  });

  it('replication - the leader crashes: a new leader from the ISR (epoch + 1) serves every acknowledged record', async () => {
    await cluster.waitForIsr(tp, cluster.ids);
    const before = (await cluster.partitionState(tp))!;
    // The restarts above may have moved the controller onto the leader. A live controller elects at
    // once (epoch + 1); a new controller first takes the dead broker's replicas offline (leader -1,
    // epoch + 1), then elects (epoch + 1) — Kafka's onControllerFailover order.
    const leaderWasController = (await cluster.controllerId()) === leader;
    await cluster.kill(leader);
    const next = await cluster.waitForLeader(tp, { not: leader, timeoutMs: 30_000 });
    expect([stuck, crashed]).toContain(next);
    const after = (await cluster.partitionState(tp))!;
    expect(after.leaderEpoch).toBe(before.leaderEpoch + (leaderWasController ? 2 : 1));
    expect(after.isr).not.toContain(leader);
    const survivors = [stuck, crashed];
    await cluster.waitFor(() => cluster.broker(next).replicaManager.isLeader(tp), `broker ${next} acting as leader`, 20_000);
    const consumed = await kcatConsume(liveBootstrap(survivors), topic, { partition: 0, count: acked.length, timeoutMs: 30_000 });
    const values = consumed.map((m) => m.value);
    expect(values).toEqual(acked);
    // and the new leader takes acks=all writes with the 2 survivors in the ISR
    await cluster.waitForIsr(tp, survivors, { timeoutMs: 20_000 });
    await kcatProduce(liveBootstrap(survivors), topic, ['after-failover'], { acks: 'all', partition: 0 });
  });
});

/** kafkajs error `type`s along the error's cause chain. */
function errorTypes(err: unknown): string[] {
  const out: string[] = [];
  let e: unknown = err;
  for (let i = 0; e && i < 5; i++) {
    const o = e as { type?: string; name?: string; originalError?: unknown; cause?: unknown };
    if (o.type) out.push(o.type);
    if (o.name) out.push(o.name);
    e = o.originalError ?? o.cause;
  }
  return out;
}
