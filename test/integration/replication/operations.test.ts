/**
 * Operations on a replicated cluster (zk-and-controller.md §10–§12; reliability.md §6.5 F3), 3 brokers as child
 * processes, automatic preferred-leader rebalance off so leadership moves only when the test asks.
 * 1. Controlled shutdown (SIGTERM) of a partition leader: while its process is still alive, ZooKeeper already shows
 *    every partition it led with another leader and without it in the ISR (polled every few ms and ordered against
 *    the process exit); a recording acks=all producer loses nothing.
 * 2. After its restart the broker leads nothing; a preferred election (the `/admin/preferred_replica_election`
 *    znode, as `kafka-preferred-replica-election.sh --zookeeper` writes it, and a raw ElectLeaders request) gives
 *    every partition back to its preferred replica, and the znode is removed.
 * 3. kafkajs `alterPartitionReassignments` moves a partition from replicas [0,1] to [1,2]: the listing becomes empty,
 *    `/brokers/topics/<t>` shows [1,2] without adding/removing replicas, broker 0's partition directory is gone,
 *    and every record is still there. A reorder [0,1,2] → [1,2,0] changes the preferred leader.
 * 4. kafkajs `deleteTopics`: the topic is gone from ZooKeeper (topic, partitions, config, deletion marker) and its
 *    directories from every broker's log dir.
 */
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TopicPartition } from '../../../src/common/topic-partition.js';
import { BrokerClient } from '../../../src/network/client.js';
import { ElectLeadersRequest, ElectLeadersResponse } from '../../../src/protocol/messages/elect-leaders.js';
import { PreferredReplicaElectionZNode } from '../../../src/zk/znodes.js';
import type { Cluster } from '../../harness/cluster.js';
import { kcatProduce, type KafkaClients } from '../../harness/clients.js';
import {
  checkHistory,
  readPartition,
  startVerifiedCluster,
  stopVerifiedCluster,
  summarize,
  type VerifiableProducer,
} from '../../harness/verifiable.js';

const topic = 'ops';
const PARTITIONS = 3;
const tps: TopicPartition[] = Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition }));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('replication - controlled shutdown, preferred election, reassignment, deletion (process mode)', () => {
  let cluster: Cluster;
  let clients: KafkaClients;
  let workload: VerifiableProducer;
  let stopped: number;
  const notes: string[] = [];

  beforeAll(async () => {
    ({ cluster, clients, workload } = await startVerifiedCluster({ topic, partitions: PARTITIONS, config: { 'auto.leader.rebalance.enable': false, 'log.segment.delete.delay.ms': 200 } }));
  });

  afterAll(async () => {
    await stopVerifiedCluster({ cluster, clients, workload });
    if (notes.length) console.log(`operations:\n  ${notes.join('\n  ')}`);
  });

  const leaders = async () => Promise.all(tps.map(async (tp) => (await cluster.partitionState(tp))!.leader));
  const preferred = async (t: string, p: number) => (await cluster.zk.getTopicAssignment(t))!.assignment.get(p)!.replicas;

  it('operations - controlled shutdown moves leadership off the broker before its process exits; nothing acknowledged is lost', async () => {
    await workload.waitForMoreAcks(30);
    const controller = await cluster.controllerId();
    const before = await leaders();
    // a leader that is not the controller (the controller's own shutdown is a controller failover as well)
    stopped = before.find((l) => l !== controller) ?? before[0]!;
    const led = tps.filter((_, i) => before[i] === stopped);
    const proc = cluster.process(stopped);
    let exitedAt = 0;
    void proc.exited.then(() => (exitedAt = Date.now()));
    const movedAt = new Map<number, number>();
    const t0 = Date.now();
    const stopping = cluster.stop(stopped);
    // poll ZooKeeper as fast as it answers until the process is gone
    while (exitedAt === 0) {
      for (const tp of led) {
        if (movedAt.has(tp.partition)) continue;
        const s = await cluster.partitionState(tp);
        if (s && s.leader !== stopped && s.leader >= 0 && !s.isr.includes(stopped) && exitedAt === 0) movedAt.set(tp.partition, Date.now());
      }
      await sleep(5);
    }
    await stopping;
    notes.push(
      `controlled shutdown of ${stopped} (led ${led.map((tp) => tp.partition).join(',')}): ` +
        `${[...movedAt].map(([p, at]) => `p${p} moved +${at - t0} ms`).join(', ')}; process exited +${exitedAt - t0} ms`,
    );
    expect(led.length).toBeGreaterThan(0);
    for (const tp of led) {
      expect(movedAt.get(tp.partition), `partition ${tp.partition} moved before the exit`).toBeDefined();
      expect(movedAt.get(tp.partition)!).toBeLessThan(exitedAt);
    }
    // Partitions it only followed drop it from the ISR too. The controller's controlled-shutdown
    // shrink can race a last in-flight follower fetch that lets the leader re-add it (Kafka 2.7
    // has the same window, closed only by KIP-841 in 3.3); once the broker is gone, the
    // controller's broker-failure handling removes it for good.
    await cluster.waitFor(
      async () => (await Promise.all(tps.map((tp) => cluster.partitionState(tp)))).every((s) => !s!.isr.includes(stopped)),
      `broker ${stopped} out of every ISR`,
      15_000,
    );
    await workload.waitForMoreAcks(30, 60_000);
    const report = await checkHistory(cluster.bootstrapServers, workload.history());
    notes.push(summarize(report));
    expect(report.problems).toEqual([]);
  });

  it('operations - a preferred election (znode, then ElectLeaders) gives every partition back to its preferred replica', async () => {
    await cluster.start(stopped);
    for (const tp of tps) await cluster.waitForIsr(tp, cluster.ids, { timeoutMs: 60_000 });
    const now = await leaders();
    expect(now).not.toContain(stopped);
    const misplaced: TopicPartition[] = [];
    for (const tp of tps) if ((await cluster.partitionState(tp))!.leader !== (await preferred(tp.topic, tp.partition))[0]) misplaced.push(tp);
    expect(misplaced.length).toBeGreaterThan(0);
    // the first by the znode (what kafka-preferred-replica-election.sh --zookeeper writes)
    const [first, ...rest] = misplaced;
    await cluster.zk.zk.create(PreferredReplicaElectionZNode.path, PreferredReplicaElectionZNode.encode([first!]), { parents: true });
    await cluster.waitFor(async () => (await cluster.partitionState(first!))!.leader === (await preferred(first!.topic, first!.partition))[0], `preferred leader of ${first!.partition} (znode)`, 30_000);
    await cluster.waitFor(async () => !(await cluster.zk.zk.exists(PreferredReplicaElectionZNode.path)), 'the election znode removed', 30_000);
    // the rest by ElectLeaders (type 0 = preferred) sent to the controller, as kafka-leader-election.sh does
    if (rest.length > 0) {
      const controller = await cluster.controllerId();
      const client = new BrokerClient({ host: '127.0.0.1', port: cluster.port(controller), clientId: 'ops-elect' });
      try {
        const res = await client.send({ request: ElectLeadersRequest, response: ElectLeadersResponse }, 1, {
          electionType: 0,
          topicPartitions: [{ topic, partitions: rest.map((tp) => tp.partition) }],
          timeoutMs: 30_000,
        });
        expect(res.errorCode).toBe(0);
        for (const r of res.replicaElectionResults.flatMap((t) => t.partitionResult)) expect(r.errorCode, `partition ${r.partitionId}: ${r.errorMessage}`).toBe(0);
      } finally {
        await client.close();
      }
    }
    for (const tp of tps) {
      await cluster.waitFor(async () => (await cluster.partitionState(tp))!.leader === (await preferred(tp.topic, tp.partition))[0], `preferred leader of ${tp.partition}`, 30_000);
    }
    await workload.waitForMoreAcks(30, 60_000);
    await workload.stop();
    const report = await checkHistory(cluster.bootstrapServers, workload.history());
    notes.push(`after preferred election: ${summarize(report)}`);
    expect(report.problems).toEqual([]);
  });

  it('operations - alterPartitionReassignments moves [0,1] → [1,2]: listing empty, ZooKeeper shows the target, the removed replica is deleted', async () => {
    const moved = 'ops-move';
    const admin = await clients.admin();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: moved, replicaAssignment: [{ partition: 0, replicas: [0, 1] }] }] });
    const tp = { topic: moved, partition: 0 };
    await cluster.waitForIsr(tp, [0, 1]);
    const values = Array.from({ length: 50 }, (_, i) => `m${i}`);
    await kcatProduce(cluster.bootstrapServers, moved, values, { acks: 'all', partition: 0 });
    await cluster.waitFor(async () => (await readdir(cluster.dataDir(0))).includes(`${moved}-0`), 'broker 0 has the partition directory', 10_000);

    await admin.alterPartitionReassignments({ topics: [{ topic: moved, partitionAssignment: [{ partition: 0, replicas: [1, 2] }] }] });
    await cluster.waitFor(
      async () => {
        const listed = await admin.listPartitionReassignments({});
        return listed.topics.length === 0 || listed.topics.every((t) => t.partitions.length === 0);
      },
      'listPartitionReassignments empty',
      60_000,
    );
    const assignment = (await cluster.zk.getTopicAssignment(moved))!.assignment.get(0)!;
    expect(assignment).toEqual({ replicas: [1, 2], addingReplicas: [], removingReplicas: [] });
    const state = (await cluster.partitionState(tp))!;
    expect([1, 2]).toContain(state.leader);
    expect(state.isr.every((id) => id === 1 || id === 2)).toBe(true);
    await cluster.waitFor(async () => !(await readdir(cluster.dataDir(0))).some((d) => d.startsWith(`${moved}-0`)), `broker 0's ${moved}-0 directory removed`, 20_000);
    expect((await readdir(cluster.dataDir(2))).includes(`${moved}-0`)).toBe(true);
    expect((await readPartition(cluster.bootstrapServers, moved, 0)).map((r) => r.value)).toEqual(values);

    // reorder [0,1,2] → [1,2,0]: same replicas, new preferred leader (then a preferred election moves it)
    const ptp = tps[0]!;
    const old = await preferred(topic, 0);
    const reordered = [...old.slice(1), old[0]!];
    await admin.alterPartitionReassignments({ topics: [{ topic, partitionAssignment: [{ partition: 0, replicas: reordered }] }] });
    await cluster.waitFor(async () => JSON.stringify(await preferred(topic, 0)) === JSON.stringify(reordered), 'reordered assignment in ZooKeeper', 30_000);
    await cluster.zk.zk.create(PreferredReplicaElectionZNode.path, PreferredReplicaElectionZNode.encode([ptp]), { parents: true });
    await cluster.waitFor(async () => (await cluster.partitionState(ptp))!.leader === reordered[0], `leader ${reordered[0]} after the reorder`, 30_000);
    notes.push(`reassigned ${moved}-0 [0,1] → [1,2]; ${topic}-0 [${old.join(',')}] → [${reordered.join(',')}]`);
  });

  it('operations - deleteTopics removes the topic from ZooKeeper and from every broker log dir', async () => {
    const doomed = 'ops-doomed';
    const admin = await clients.admin();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: doomed, numPartitions: 3, replicationFactor: 3 }] });
    await kcatProduce(cluster.bootstrapServers, doomed, ['a', 'b', 'c', 'd', 'e', 'f']);
    for (const id of cluster.ids) {
      await cluster.waitFor(async () => (await readdir(cluster.dataDir(id))).filter((d) => d.startsWith(`${doomed}-`)).length === 3, `broker ${id} holds 3 partition dirs`, 10_000);
    }
    await admin.deleteTopics({ topics: [doomed], timeout: 30_000 });
    const zk = cluster.zk.zk;
    await cluster.waitFor(
      async () =>
        !(await zk.exists(`/brokers/topics/${doomed}`)) && !(await zk.exists(`/admin/delete_topics/${doomed}`)) && !(await zk.exists(`/config/topics/${doomed}`)),
      `${doomed} gone from ZooKeeper`,
      30_000,
    );
    for (const id of cluster.ids) {
      await cluster.waitFor(async () => !(await readdir(cluster.dataDir(id))).some((d) => d.startsWith(`${doomed}-`)), `${doomed} dirs gone from broker ${id}`, 20_000);
    }
    expect(await cluster.zk.getAllTopics()).not.toContain(doomed);
  });
});
