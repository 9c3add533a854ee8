/**
 * The zombie leader (reliability.md §2.6, §6.5 F4), on a 3-broker cluster of child processes with a 4 s ZooKeeper
 * session timeout. Topic: 3 partitions, RF 3, min.insync.replicas = 2; partition 0 is led by a broker that is not
 * the controller. A recording producer writes throughout.
 * 1. SIGSTOP the leader of partition 0 for longer than the session timeout: its registration lapses and the
 *    controller elects a new leader from the ISR (leader epoch up) while it sleeps; acks=all writes go on there.
 * 2. Raw acks=all Produce requests go straight to the zombie: one queued while it is stopped, then more right after
 *    SIGCONT. None may succeed unless its record is on the new leader at the answered offset; the expected answers
 *    are NOT_LEADER_OR_FOLLOWER / NOT_ENOUGH_REPLICAS(_AFTER_APPEND) / REQUEST_TIMED_OUT or no answer in time.
 * 3. The zombie re-registers (new broker epoch), becomes a follower of the new leader, truncates what it appended
 *    on its own, and rejoins the ISR; the replicas' log files end up byte-identical; no refused probe is readable;
 *    the checker passes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TopicPartition } from '../../../src/common/topic-partition.js';
import { BrokerClient } from '../../../src/network/client.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ProduceRequest, ProduceResponse } from '../../../src/protocol/messages/produce.js';
import { buildRecordBatch } from '../../../src/protocol/records/index.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, kcatProduce, type KafkaClients } from '../../harness/clients.js';
import { checkHistory, partitionLogBytes, readPartition, startVerifiableProducer, summarize, waitForMetadataReady, type VerifiableProducer } from '../../harness/verifiable.js';

const topic = 'fenced';
const PARTITIONS = 3;
const tp0: TopicPartition = { topic, partition: 0 };
const tps: TopicPartition[] = Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition }));
const SESSION_MS = 4000;

interface Probe {
  value: string;
  sentAt: number;
  /** Kafka error code, or 'no-answer' (client-side timeout / connection closed) */
  result: number | 'no-answer';
  baseOffset?: number;
}

describe('replication - zombie leader fencing (SIGSTOP, process mode)', () => {
  let cluster: Cluster;
  let clients: KafkaClients;
  let workload: VerifiableProducer;
  let zombie: number;
  let newLeader: number;
  const probes: Probe[] = [];
  const duringPause = ['paused-0', 'paused-1', 'paused-2'];
  const notes: string[] = [];

  beforeAll(async () => {
    cluster = await startCluster({
      brokers: 3,
      brokerConfig: { 'zookeeper.session.timeout.ms': SESSION_MS, 'auto.leader.rebalance.enable': false },
    });
    // A stopped broker keeps its TCP connections: kafkajs waits out requestTimeout and keeps its metadata for
    // metadataMaxAge, so both are short here or the workload would sit on the zombie for minutes.
    clients = kafkaClients(cluster.bootstrapServers, { requestTimeout: 5000 });
    await waitForMetadataReady(cluster);
    const controller = await cluster.controllerId();
    zombie = cluster.ids.find((id) => id !== controller)!;
    const others = cluster.ids.filter((id) => id !== zombie);
    const admin = await clients.admin();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          replicaAssignment: [
            { partition: 0, replicas: [zombie, ...others] },
            { partition: 1, replicas: [...others, zombie] },
            { partition: 2, replicas: [others[1]!, zombie, others[0]!] },
          ],
          configEntries: [{ name: 'min.insync.replicas', value: '2' }],
        },
      ],
    });
    for (const tp of tps) await cluster.waitForIsr(tp, cluster.ids);
    workload = await startVerifiableProducer(clients, { topic, partitions: PARTITIONS, timeoutMs: 4000, producerConfig: { metadataMaxAge: 2000 } });
  });

  afterAll(async () => {
    await workload?.stop();
    await clients?.disconnectAll();
    await cluster?.close();
    if (notes.length) console.log(`fencing:\n  ${notes.join('\n  ')}`);
  });

  function probe(client: BrokerClient, value: string): Promise<Probe> {
    const sentAt = Date.now();
    return client
      .send(
        { request: ProduceRequest, response: ProduceResponse },
        7,
        {
          transactionalId: null,
          acks: -1,
          timeoutMs: 3000,
          topics: [{ name: topic, partitions: [{ partitionIndex: 0, records: buildRecordBatch([{ key: null, value: Buffer.from(value), timestamp: Date.now() }]) }] }],
        },
        { timeoutMs: 8000 },
      )
      .then((res): Probe => {
        const p = res.responses[0]?.partitions[0];
        return { value, sentAt, result: p?.errorCode ?? -1, baseOffset: Number(p?.baseOffset ?? -1) };
      })
      .catch((): Probe => ({ value, sentAt, result: 'no-answer' }));
  }

  it('fencing - a leader stopped past its session timeout is replaced; acks=all writes go on at the new leader', async () => {
    expect(await cluster.waitForLeader(tp0)).toBe(zombie);
    await workload.waitForMoreAcks(30);
    const before = (await cluster.partitionState(tp0))!;
    const epochBefore = await cluster.brokerEpoch(zombie);
    const t0 = Date.now();
    await cluster.pause(zombie);
    try {
      newLeader = await cluster.waitForLeader(tp0, { not: zombie, timeoutMs: 30_000 });
      const after = (await cluster.partitionState(tp0))!;
      notes.push(`paused ${zombie}; new leader ${newLeader} after ${Date.now() - t0} ms (epoch ${before.leaderEpoch} → ${after.leaderEpoch})`);
      expect(before.isr).toContain(newLeader);
      expect(after.leaderEpoch).toBeGreaterThan(before.leaderEpoch);
      expect(after.isr).not.toContain(zombie);
      expect(await cluster.brokerEpoch(zombie)).toBeNull();
      expect(epochBefore).not.toBeNull();
      // the survivors take acks=all writes for partition 0 (librdkafka bootstrapped on them only)
      const survivors = cluster.ids.filter((id) => id !== zombie);
      await kcatProduce(cluster.bootstrapFor(survivors), topic, duringPause, { acks: 'all', partition: 0 });
    } catch (err) {
      await cluster.resume(zombie);
      throw err;
    }
  });

  it('fencing - after SIGCONT the zombie acknowledges no acks=all write that the new leader lacks', async () => {
    const client = new BrokerClient({ host: '127.0.0.1', port: cluster.port(zombie), clientId: 'fencing-probe', requestTimeoutMs: 8000, connectTimeoutMs: 3000 });
    try {
      // queued in the socket while the process is stopped: the first thing it may serve when it wakes
      const first = probe(client, 'probe-0');
      await new Promise((r) => setTimeout(r, 200));
      await cluster.resume(zombie);
      const rest: Promise<Probe>[] = [];
      for (let i = 1; i <= 12; i++) {
        rest.push(probe(client, `probe-${i}`));
        await new Promise((r) => setTimeout(r, 250));
      }
      probes.push(await first, ...(await Promise.all(rest)));
    } finally {
      await client.close();
    }
    notes.push(`probes to the zombie: ${probes.map((p) => `${p.value}=${p.result}${p.result === 0 ? `@${p.baseOffset}` : ''}`).join(' ')}`);
    const allowed = new Set<number | 'no-answer'>([
      0,
      ErrorCode.NotLeaderOrFollower,
      ErrorCode.NotEnoughReplicas,
      ErrorCode.NotEnoughReplicasAfterAppend,
      ErrorCode.RequestTimedOut,
      'no-answer',
    ]);
    for (const p of probes) expect(allowed.has(p.result), `${p.value} answered ${p.result}`).toBe(true);
    // Any success must be durable on the new leader at the answered offset.
    const succeeded = probes.filter((p) => p.result === 0);
    if (succeeded.length > 0) {
      const leader = (await cluster.partitionState(tp0))!.leader;
      const read = await readPartition(cluster.bootstrapFor([leader]), topic, 0);
      for (const p of succeeded) expect(read.find((r) => r.offset === p.baseOffset)?.value, `${p.value} acked at ${p.baseOffset}`).toBe(p.value);
    }
  });

  it('fencing - the zombie re-registers, follows the new leader, truncates and rejoins the ISR; the checker passes', async () => {
    await cluster.waitFor(async () => (await cluster.brokerEpoch(zombie)) !== null, `broker ${zombie} registered again`, 30_000);
    for (const tp of tps) await cluster.waitForIsr(tp, cluster.ids, { timeoutMs: 60_000 });
    const state = (await cluster.partitionState(tp0))!;
    expect(state.leader).not.toBe(zombie);
    await workload.waitForMoreAcks(30, 60_000);
    await workload.stop();
    const report = await checkHistory(cluster.bootstrapServers, workload.history());
    notes.push(summarize(report));
    expect(report.problems).toEqual([]);
    // refused probes were truncated away on the zombie: not readable, and every replica holds the same bytes
    const read = await readPartition(cluster.bootstrapServers, topic, 0);
    for (const v of duringPause) expect(read.filter((r) => r.value === v)).toHaveLength(1);
    for (const p of probes.filter((x) => x.result !== 0 && x.result !== 'no-answer')) {
      expect(read.some((r) => r.value === p.value), `refused ${p.value} (code ${p.result}) is readable`).toBe(false);
    }
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
