/**
 * Controller failover (reliability.md §6.5 F2; zk-and-controller.md onControllerFailover), on a 3-broker cluster
 * of child processes with a 4 s ZooKeeper session timeout. Two topics (6 partitions RF 3 with
 * min.insync.replicas = 2, and 3 partitions RF 2) so the controller leads some partitions; a recording producer
 * writes to the first topic throughout.
 * A round: SIGKILL the controller → another broker wins `/controller`, `/controller_epoch` is exactly one higher,
 * and every partition has a live leader both in ZooKeeper and in `kcat -L -J` (asked of each live broker) →
 * restart the old controller → ISRs full again. Then the checker passes. GREGOR_SOAK=1 → 5 rounds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TopicPartition } from '../../../src/common/topic-partition.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, kcatMetadata, type KafkaClients } from '../../harness/clients.js';
import { checkHistory, startVerifiableProducer, summarize, waitForMetadataReady, type VerifiableProducer } from '../../harness/verifiable.js';

const SOAK = process.env.GREGOR_SOAK === '1';
const ROUNDS = SOAK ? 5 : 2;
const topics = [
  { topic: 'cf-rf3', partitions: 6, rf: 3 },
  { topic: 'cf-rf2', partitions: 3, rf: 2 },
];
const allTps: TopicPartition[] = topics.flatMap((t) => Array.from({ length: t.partitions }, (_, partition) => ({ topic: t.topic, partition })));

describe('replication - controller failover (kill -9, process mode)', () => {
  let cluster: Cluster;
  let clients: KafkaClients;
  let workload: VerifiableProducer;
  const notes: string[] = [];

  beforeAll(async () => {
    cluster = await startCluster({
      brokers: 3,
      brokerConfig: { 'zookeeper.session.timeout.ms': 4000, 'auto.leader.rebalance.enable': false },
    });
    clients = kafkaClients(cluster.bootstrapServers);
    await waitForMetadataReady(cluster);
    const admin = await clients.admin();
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((t) => ({
        topic: t.topic,
        numPartitions: t.partitions,
        replicationFactor: t.rf,
        configEntries: t.rf === 3 ? [{ name: 'min.insync.replicas', value: '2' }] : [],
      })),
    });
    workload = await startVerifiableProducer(clients, { topic: 'cf-rf3', partitions: 6, batchSize: 3 });
  });

  afterAll(async () => {
    await workload?.stop();
    await clients?.disconnectAll();
    await cluster?.close();
    if (notes.length) console.log(`controller failover:\n  ${notes.join('\n  ')}`);
  });

  /** Every partition led by a live broker, in ZooKeeper and in every live broker's metadata. */
  async function allLed(live: number[]): Promise<boolean> {
    for (const tp of allTps) {
      const s = await cluster.partitionState(tp);
      if (!s || !live.includes(s.leader)) return false;
    }
    for (const id of live) {
      const md = await kcatMetadata(cluster.bootstrapFor([id]), { timeoutMs: 10_000 });
      for (const tp of allTps) {
        const p = md.topics.find((t) => t.topic === tp.topic)?.partitions.find((x) => x.partition === tp.partition);
        if (!p || !live.includes(p.leader)) return false;
      }
    }
    return true;
  }

  it(`controller failover - kill -9 of the controller: a new controller, /controller_epoch + 1, every partition stays led (${ROUNDS} round${ROUNDS > 1 ? 's' : ''})`, { timeout: SOAK ? 900_000 : 120_000 }, async () => {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const tp of allTps) await cluster.waitForIsr(tp, (await cluster.zk.getTopicAssignment(tp.topic))!.assignment.get(tp.partition)!.replicas, { timeoutMs: 60_000 });
      await workload.waitForMoreAcks(30);
      const old = await cluster.controllerId();
      const epoch = (await cluster.controllerEpoch())!;
      const ledByOld = (await Promise.all(allTps.map((tp) => cluster.partitionState(tp)))).filter((s) => s?.leader === old).length;
      const t0 = Date.now();
      await cluster.kill(old);
      const next = await cluster.waitForController({ not: old, timeoutMs: 30_000 });
      const tController = Date.now() - t0;
      expect(await cluster.controllerEpoch()).toBe(epoch + 1);
      const live = cluster.ids.filter((id) => id !== old);
      await cluster.waitFor(() => allLed(live), 'every partition led by a live broker (ZooKeeper and kcat -L)', 30_000);
      const tLed = Date.now() - t0;
      // the epoch moved exactly once: no second election raced in
      expect(await cluster.controllerEpoch()).toBe(epoch + 1);
      expect(await cluster.controllerId()).toBe(next);
      await workload.waitForMoreAcks(30, 60_000);
      notes.push(`round ${round}: controller ${old} (led ${ledByOld} partitions) → ${next}, epoch ${epoch} → ${epoch + 1}; new controller after ${tController} ms, all led after ${tLed} ms`);
      await cluster.restart(old, { how: 'kill' });
    }
    for (const tp of allTps) await cluster.waitForIsr(tp, (await cluster.zk.getTopicAssignment(tp.topic))!.assignment.get(tp.partition)!.replicas, { timeoutMs: 60_000 });
    const report = await checkHistory(cluster.bootstrapServers, workload.history());
    notes.push(summarize(report));
    expect(report.problems).toEqual([]);
    expect(report.acked).toBeGreaterThan(0);
  });
});
