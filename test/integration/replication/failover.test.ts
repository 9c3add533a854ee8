/**
 * Leader failover under load (reliability.md §6.5 F1), on a 3-broker cluster of child processes.
 * One topic, 3 partitions, RF = 3, min.insync.replicas = 2; a recording kafkajs producer (acks=-1, one request in
 * flight, retries on) writes to every partition the whole time (test/harness/verifiable.ts).
 * A round: wait for acks → SIGKILL the leader of partition 0 → a new leader from the previous ISR (leader epoch
 * up) → more acks → restart the killed broker → it catches up and every partition's ISR in ZooKeeper is all three
 * again → the checker passes on everything acknowledged so far (nothing lost, every record at its acked offset,
 * order kept). The first test is one round; the second runs 3 more in a row (GREGOR_SOAK=1 → 20). At the end the
 * replicas' log files are byte-identical.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TopicPartition } from '../../../src/common/topic-partition.js';
import type { Cluster } from '../../harness/cluster.js';
import type { KafkaClients } from '../../harness/clients.js';
import {
  checkHistory,
  partitionLogBytes,
  startVerifiedCluster,
  stopVerifiedCluster,
  summarize,
  type VerifiableProducer,
} from '../../harness/verifiable.js';

const topic = 'failover';
const PARTITIONS = 3;
const tp0: TopicPartition = { topic, partition: 0 };
const tps: TopicPartition[] = Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition }));
const SOAK = process.env.GREGOR_SOAK === '1';
const ROUNDS = SOAK ? 20 : 3;

describe('replication - leader failover (kill -9, process mode)', () => {
  let cluster: Cluster;
  let clients: KafkaClients;
  let workload: VerifiableProducer;
  const timings: string[] = [];

  beforeAll(async () => {
    ({ cluster, clients, workload } = await startVerifiedCluster({ topic, partitions: PARTITIONS, config: { 'zookeeper.session.timeout.ms': 4000, 'auto.leader.rebalance.enable': false } }));
  });

  afterAll(async () => {
    await stopVerifiedCluster({ cluster, clients, workload });
    if (timings.length) console.log(`failover rounds:\n  ${timings.join('\n  ')}`);
  });

  /** One kill-the-leader round; returns the killed and the new leader. */
  async function round(n: number): Promise<{ killed: number; next: number }> {
    await workload.waitForMoreAcks(30);
    const before = (await cluster.partitionState(tp0))!;
    const killed = before.leader;
    const t0 = Date.now();
    await cluster.kill(killed);
    const next = await cluster.waitForLeader(tp0, { not: killed, timeoutMs: 30_000 });
    const tLeader = Date.now() - t0;
    expect(before.isr).toContain(next);
    const after = (await cluster.partitionState(tp0))!;
    expect(after.leaderEpoch).toBeGreaterThan(before.leaderEpoch);
    expect(after.isr).not.toContain(killed);
    // acks=all goes on with the two survivors (min.insync.replicas = 2)
    await workload.waitForMoreAcks(30, 60_000);
    const tAck = Date.now() - t0;
    await cluster.restart(killed, { how: 'kill' });
    for (const tp of tps) await cluster.waitForIsr(tp, cluster.ids, { timeoutMs: 60_000 });
    const tIsr = Date.now() - t0;
    const report = await checkHistory(cluster.bootstrapServers, workload.history());
    timings.push(
      `round ${n}: killed ${killed} → leader ${next}; new leader ${tLeader} ms, acks again ${tAck} ms, ISR full ${tIsr} ms, checked ${Date.now() - t0} ms; ${summarize(report)}`,
    );
    if (process.env.GREGOR_VERBOSE === '1') console.log(timings.at(-1));
    expect(report.problems).toEqual([]);
    expect(report.lost).toEqual([]);
    return { killed, next };
  }

  it('failover - kill -9 of the leader mid-stream: a new leader from the ISR, no acknowledged write lost; the restarted broker rejoins the ISR', async () => {
    const { killed } = await round(1);
    const state = (await cluster.partitionState(tp0))!;
    expect(state.isr).toContain(killed);
  });

  it(`failover - ${ROUNDS} kill-the-leader rounds in a row never lose an acknowledged write; the replicas converge`, { timeout: SOAK ? 1_800_000 : 240_000 }, async () => {
    for (let i = 0; i < ROUNDS; i++) await round(i + 2);
    await workload.stop();
    const report = await checkHistory(cluster.bootstrapServers, workload.history());
    expect(report.problems).toEqual([]);
    expect(report.acked).toBeGreaterThan(0);
    // idle now: every replica of every partition holds the same bytes
    for (const tp of tps) {
      await cluster.waitFor(
        async () => {
          const logs = await Promise.all(cluster.ids.map((id) => partitionLogBytes(cluster.dataDir(id), tp.topic, tp.partition)));
          return logs.every((b) => b.equals(logs[0]!));
        },
        `identical logs for ${tp.topic}-${tp.partition}`,
        20_000,
      );
    }
  });
});
