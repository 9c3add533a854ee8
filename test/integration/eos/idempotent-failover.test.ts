/**
 * librdkafka's idempotent producer across a kill -9 of the partition leader (transactions-and-compaction.md
 * §5.2 I5; reliability.md §6), on 3 brokers as child processes: one topic, 2 partitions, RF 3,
 * min.insync.replicas 2. confluent-kafka-python (`enable.idempotence=true`, up to 5 requests in flight per
 * connection, a long message.timeout.ms) writes `<partition>:<seq>` values to both partitions while the leader of
 * partition 0 is SIGKILLed; requests in flight at the kill are retried on the new leader, which already holds
 * the producer state it replicated as a follower. Then, reading every partition back:
 * - every delivery report is a value at exactly its reported offset (nothing acknowledged lost);
 * - no value appears twice (the retries of batches the old leader had replicated were deduplicated);
 * - each partition holds its sequence in order; no fatal producer error (no spurious OUT_OF_ORDER_SEQUENCE_NUMBER).
 * Then librdkafka's own epoch bump: the leader of another topic is paused (SIGSTOP) long enough for in-flight
 * messages to time out locally (message.timeout.ms); librdkafka drains and bumps its epoch by itself (same
 * producer id, epoch + 1, sequence 0), and after SIGCONT the partition accepts the new epoch: later messages are
 * delivered, stored under epoch ≥ 1, and there is no fatal error.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, pythonJson, type KafkaClients } from '../../harness/clients.js';
import { endOffset, readPartition, waitForMetadataReady } from '../../harness/verifiable.js';
import { fetch, PY_PRODUCER, rawClient, type PyProducerResult } from './eos-kit.js';

const topic = 'idem-failover';
const PARTITIONS = 2;
const MESSAGES = 4000;

let cluster: Cluster;
let clients: KafkaClients;

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
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
  });
  for (let partition = 0; partition < PARTITIONS; partition++) await cluster.waitForIsr({ topic, partition }, cluster.ids);
});

afterAll(async () => {
  await clients?.disconnectAll();
  await cluster?.close();
});

const PRODUCER = `${PY_PRODUCER}
bootstrap, topic, n, parts = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
p = Producer({'bootstrap.servers': bootstrap, 'enable.idempotence': True, 'acks': 'all', 'linger.ms': 5,
              'message.timeout.ms': 120000, 'error_cb': on_error})
for i in range(n):
    part = i % parts
    p.produce(topic, value=('%d:%d' % (part, i // parts)).encode(), partition=part, on_delivery=on_delivery)
    p.poll(0)
    time.sleep(0.004)
result(unflushed=p.flush(150))
`;

describe('idempotent producer - kill -9 of the leader (process mode)', () => {
  it('librdkafka: no duplicate, nothing acknowledged lost, order kept, no fatal error', async () => {
    const before = (await cluster.partitionState({ topic, partition: 0 }))!;
    const producing = pythonJson<PyProducerResult & { unflushed: number }>(
      PRODUCER,
      [cluster.bootstrapServers, topic, String(MESSAGES), String(PARTITIONS)],
      { timeoutMs: 200_000 },
    );
    await cluster.waitFor(async () => (await endOffset(cluster.bootstrapServers, topic, 0).catch(() => 0)) >= 300, 'the producer is under way', 60_000);
    await cluster.kill(before.leader);
    const next = await cluster.waitForLeader({ topic, partition: 0 }, { not: before.leader, timeoutMs: 30_000 });
    expect(before.isr).toContain(next);
    const result = await producing;
    await cluster.restart(before.leader, { how: 'kill' });
    for (let partition = 0; partition < PARTITIONS; partition++) await cluster.waitForIsr({ topic, partition }, cluster.ids, { timeoutMs: 60_000 });

    expect(result.fatal).toEqual([]);
    expect(result.errors).toEqual([]);
    expect(result.unflushed).toBe(0);
    expect(result.delivered.length).toBe(MESSAGES);
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const read = await readPartition(cluster.bootstrapServers, topic, partition);
      const values = read.map((r) => r.value);
      expect(new Set(values).size).toBe(values.length);
      expect(values).toEqual(Array.from({ length: MESSAGES / PARTITIONS }, (_, seq) => `${partition}:${seq}`));
      const at = new Map(read.map((r) => [r.offset, r.value]));
      for (const [p, offset, value] of result.delivered) if (p === partition) expect(at.get(offset)).toBe(value);
    }
  });

  it('librdkafka bumps its epoch by itself after local timeouts; the partition accepts epoch + 1 from sequence 0', async () => {
    const bumpTopic = 'idem-bump';
    const admin = await clients.admin();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: bumpTopic, numPartitions: 1, replicationFactor: 3 }] });
    await cluster.waitForIsr({ topic: bumpTopic, partition: 0 }, cluster.ids);
    const leader = (await cluster.partitionState({ topic: bumpTopic, partition: 0 }))!.leader;
    const resumed = join(cluster.dir, 'bump-resumed');
    const producing = pythonJson<PyProducerResult>(
      `${PY_PRODUCER}
p = Producer({'bootstrap.servers': sys.argv[1], 'enable.idempotence': True, 'message.timeout.ms': 1000,
              'linger.ms': 5, 'error_cb': on_error})
i = 0
while not os.path.exists(sys.argv[3]):
    p.produce(sys.argv[2], value=('before-%d' % i).encode(), partition=0, on_delivery=on_delivery)
    p.poll(0.01)
    i += 1
p.flush(10)
# message.timeout.ms is short on purpose; on a slow machine a later message may time out too: send it again
for j in range(50):
    for attempt in range(5):
        p.produce(sys.argv[2], value=('after-%d' % j).encode(), partition=0, on_delivery=on_delivery)
        p.flush(30)
        if delivered and delivered[-1][2] == 'after-%d' % j: break
result()
`,
      [cluster.bootstrapServers, bumpTopic, resumed],
      { timeoutMs: 120_000 },
    );
    await cluster.waitFor(async () => (await endOffset(cluster.bootstrapServers, bumpTopic, 0).catch(() => 0)) >= 50, 'the producer is under way', 60_000);
    cluster.pause(leader);
    // the fault: long enough for message.timeout.ms (1 s) to expire, short of the ZooKeeper session timeout (4 s)
    await new Promise((r) => setTimeout(r, 2500));
    cluster.resume(leader);
    writeFileSync(resumed, '');
    const result = await producing;
    expect(existsSync(resumed)).toBe(true);
    expect(result.fatal).toEqual([]);
    expect(result.errors.some((e) => /timed out/i.test(e))).toBe(true);
    const after = result.delivered.filter(([, , v]) => v.startsWith('after-'));
    expect(after.map(([, , v]) => v)).toEqual(Array.from({ length: 50 }, (_, j) => `after-${j}`));
    const client = rawClient(cluster.port(leader));
    try {
      const f = await fetch(client, bumpTopic, 0, after[0]![1]);
      const batch = f.batches.find((b) => b.values.includes('after-0'))!;
      expect(batch.producerEpoch).toBeGreaterThanOrEqual(1);
      const first = await fetch(client, bumpTopic, 0, 0);
      expect(batch.producerId).toBe(first.batches[0]!.producerId);
    } finally {
      await client.close();
    }
  });
});
