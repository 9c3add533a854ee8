/**
 * Real clients against a 3-broker in-process cluster (replication factor 1: followers do not fetch yet):
 * - kcat (librdkafka 2.0.2): produce and consume with every codec, exact keys and values back;
 * - kafka-python 2.0.2: keyed KafkaProducer, then KafkaConsumer.assign (no group) reads exact offsets;
 * - kafkajs 2.2.4: admin createTopics / fetchTopicMetadata / fetchTopicOffsets, producer acks 1 and -1,
 *   fetchTopicOffsetsByTimestamp;
 * - a 6-partition topic led by more than one broker: every client produces to every partition
 *   explicitly and reads every partition back (so each client reaches each leader).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, kcatConsume, kcatProduce, pythonJson, type Codec } from '../../harness/clients.js';

let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 3,
    inProcess: true,
    brokerConfig: {
      'default.replication.factor': 1,
      'offsets.topic.replication.factor': 1,
      'transaction.state.log.replication.factor': 1,
      'transaction.state.log.min.isr': 1,
      'auto.create.topics.enable': false,
    },
  });
});

afterAll(async () => {
  await cluster?.close();
});

async function createTopic(topic: string, numPartitions: number): Promise<void> {
  const clients = kafkaClients(cluster.bootstrapServers);
  try {
    const admin = await clients.admin();
    await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await clients.disconnectAll();
  }
  for (let p = 0; p < numPartitions; p++) await cluster.waitForLeader({ topic, partition: p });
}

const PY_PRODUCE_CONSUME = `
import json, sys
from kafka import KafkaProducer, KafkaConsumer, TopicPartition
bootstrap, topic, parts = sys.argv[1], sys.argv[2], int(sys.argv[3])
p = KafkaProducer(bootstrap_servers=bootstrap, acks='all', api_version_auto_timeout_ms=5000, retries=3)
sent = []
for part in range(parts):
    for i in range(3):
        key = ('k-%d-%d' % (part, i)).encode()
        val = ('v-%d-%d' % (part, i)).encode()
        md = p.send(topic, key=key, value=val, partition=part).get(timeout=20)
        sent.append([md.partition, md.offset, key.decode(), val.decode()])
p.flush()
p.close()
c = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=8000, api_version_auto_timeout_ms=5000)
tps = [TopicPartition(topic, part) for part in range(parts)]
c.assign(tps)
c.seek_to_beginning(*tps)
got = []
for m in c:
    got.append([m.partition, m.offset, m.key.decode() if m.key is not None else None, m.value.decode()])
    if len(got) >= len(sent) + int(sys.argv[4]):
        break
c.close()
print(json.dumps({"sent": sorted(sent), "got": sorted(got)}))
`;

describe('broker clients - kcat (librdkafka)', () => {
  it('produces and consumes with none/gzip/snappy/lz4/zstd, keys and values exact', async () => {
    await createTopic('kcat-codecs', 1);
    const codecs: Codec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
    const expected: Array<[number, string | null, string]> = [];
    let offset = 0;
    for (const codec of codecs) {
      const lines = [
        { key: `${codec}-k1`, value: `${codec} value one` },
        { key: `${codec}-k2`, value: `${codec} ${'x'.repeat(300)}` },
        { key: null, value: `${codec} keyless` },
      ];
      await kcatProduce(cluster.bootstrapServers, 'kcat-codecs', lines, { codec, partition: 0 });
      for (const l of lines) expected.push([offset++, l.key, l.value]);
    }
    // check.crcs: librdkafka verifies the CRC-32C of every stored batch (the broker rewrote offsets and epochs)
    const got = await kcatConsume(cluster.bootstrapServers, 'kcat-codecs', { partition: 0, props: { 'check.crcs': true } });
    expect(got.map((m) => [m.offset, m.key, m.value])).toEqual(expected);
  });
});

describe('broker clients - kafka-python', () => {
  it('produces keyed records and reads them back with KafkaConsumer.assign, exact offsets', async () => {
    await createTopic('py-keyed', 2);
    const r = await pythonJson<{ sent: Array<[number, number, string, string]>; got: Array<[number, number, string, string]> }>(
      PY_PRODUCE_CONSUME,
      [cluster.bootstrapServers, 'py-keyed', '2', '0'],
      { timeoutMs: 60_000 },
    );
    expect(r.sent).toEqual([
      [0, 0, 'k-0-0', 'v-0-0'],
      [0, 1, 'k-0-1', 'v-0-1'],
      [0, 2, 'k-0-2', 'v-0-2'],
      [1, 0, 'k-1-0', 'v-1-0'],
      [1, 1, 'k-1-1', 'v-1-1'],
      [1, 2, 'k-1-2', 'v-1-2'],
    ]);
    expect(r.got).toEqual(r.sent);
  });
});

describe('broker clients - kafkajs', () => {
  it('admin creates a topic and reads metadata and offsets; producer acks 1 and -1; offsets by timestamp', async () => {
    const clients = kafkaClients(cluster.bootstrapServers);
    try {
      const admin = await clients.admin();
      expect(await admin.createTopics({ topics: [{ topic: 'js-topic', numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true })).toBe(true);
      const md = await admin.fetchTopicMetadata({ topics: ['js-topic'] });
      const t = md.topics[0]!;
      expect(t.name).toBe('js-topic');
      expect(t.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1]);
      for (const p of t.partitions) {
        expect(p.replicas).toHaveLength(1);
        expect(p.isr).toEqual(p.replicas);
        expect(p.leader).toBe(p.replicas[0]);
        expect(await cluster.partitionState({ topic: 'js-topic', partition: p.partitionId })).toMatchObject({ leader: p.leader });
      }

      const producer = await clients.producer();
      const t0 = Date.now() - 60_000;
      const r1 = await producer.send({
        topic: 'js-topic',
        acks: 1,
        messages: [
          { key: 'a', value: 'A', partition: 0, timestamp: String(t0) },
          { key: 'b', value: 'B', partition: 0, timestamp: String(t0 + 1000) },
        ],
      });
      expect(r1.map((r) => [r.partition, r.errorCode, r.baseOffset])).toEqual([[0, 0, '0']]);
      const r2 = await producer.send({
        topic: 'js-topic',
        acks: -1,
        messages: [
          { key: 'c', value: 'C', partition: 0, timestamp: String(t0 + 2000) },
          { key: 'd', value: 'D', partition: 1, timestamp: String(t0 + 3000) },
        ],
      });
      expect(r2.map((r) => [r.partition, r.errorCode, r.baseOffset]).sort()).toEqual([
        [0, 0, '2'],
        [1, 0, '0'],
      ]);

      const offsets = await admin.fetchTopicOffsets('js-topic');
      expect(offsets.map((o) => [o.partition, o.low, o.high]).sort()).toEqual([
        [0, '0', '3'],
        [1, '0', '1'],
      ]);
      // the first offset whose timestamp >= the one asked; past the last record the broker answers -1,
      // which kafkajs replaces with the partition's high offset
      const byTs = async (ts: number) =>
        (await admin.fetchTopicOffsetsByTimestamp('js-topic', ts)).map((o) => [o.partition, o.offset]).sort();
      expect(await byTs(t0 + 500)).toEqual([
        [0, '1'],
        [1, '0'],
      ]);
      expect(await byTs(t0 + 2000)).toEqual([
        [0, '2'],
        [1, '0'],
      ]);
      expect(await byTs(t0 + 2500)).toEqual([
        [0, '3'],
        [1, '0'],
      ]);
      expect(await byTs(Date.now() + 3_600_000)).toEqual([
        [0, '3'],
        [1, '1'],
      ]);
      const got = await kcatConsume(cluster.bootstrapServers, 'js-topic', { partition: 0 });
      expect(got.map((m) => [m.offset, m.key, m.value, m.timestamp])).toEqual([
        [0, 'a', 'A', t0],
        [1, 'b', 'B', t0 + 1000],
        [2, 'c', 'C', t0 + 2000],
      ]);
    } finally {
      await clients.disconnectAll();
    }
  });
});

describe('broker clients - a 6-partition topic led by several brokers', () => {
  const TOPIC = 'six';
  const PARTS = 6;

  beforeAll(async () => {
    await createTopic(TOPIC, PARTS);
  });

  it('has partitions led by more than one broker', async () => {
    const leaders = new Set<number>();
    for (let p = 0; p < PARTS; p++) leaders.add(await cluster.waitForLeader({ topic: TOPIC, partition: p }));
    expect(leaders.size).toBeGreaterThan(1);
  });

  it('kcat produces to and consumes from every partition', async () => {
    for (let p = 0; p < PARTS; p++) await kcatProduce(cluster.bootstrapServers, TOPIC, [{ key: `kc${p}`, value: `kcat-${p}` }], { partition: p, codec: 'lz4' });
    for (let p = 0; p < PARTS; p++) {
      const got = await kcatConsume(cluster.bootstrapServers, TOPIC, { partition: p });
      expect(got.map((m) => [m.partition, m.offset, m.key, m.value])).toEqual([[p, 0, `kc${p}`, `kcat-${p}`]]);
      expect(got[0]!.broker).toBe(await cluster.waitForLeader({ topic: TOPIC, partition: p }));
    }
  });

  it('kafka-python produces to and consumes from every partition', async () => {
    const r = await pythonJson<{ sent: Array<[number, number, string, string]>; got: Array<[number, number, string | null, string]> }>(
      PY_PRODUCE_CONSUME,
      [cluster.bootstrapServers, TOPIC, String(PARTS), String(PARTS)],
      { timeoutMs: 60_000 },
    );
    // each partition already holds kcat's record at offset 0
    expect(r.sent.map(([p, o]) => [p, o])).toEqual([...Array(PARTS).keys()].flatMap((p) => [1, 2, 3].map((o) => [p, o])));
    const kcatRecords = [...Array(PARTS).keys()].map((p) => [p, 0, `kc${p}`, `kcat-${p}`]);
    expect(r.got).toEqual([...kcatRecords, ...r.sent].sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number)));
  });

  it('kafkajs produces to every partition and a group consumer reads every partition back', async () => {
    const clients = kafkaClients(cluster.bootstrapServers);
    try {
      const producer = await clients.producer();
      const res = await producer.send({
        topic: TOPIC,
        acks: -1,
        messages: [...Array(PARTS).keys()].map((p) => ({ key: `js${p}`, value: `kafkajs-${p}`, partition: p })),
      });
      expect(res.map((r) => [r.partition, r.errorCode, r.baseOffset]).sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual(
        [...Array(PARTS).keys()].map((p) => [p, 0, '4']),
      );
      const consumer = await clients.consumer({ groupId: 'six-readers' });
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      const seen = new Map<string, string>();
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          seen.set(`${partition}/${message.offset}`, `${message.key?.toString()}=${message.value?.toString()}`);
        },
      });
      const deadline = Date.now() + 45_000;
      while (seen.size < PARTS * 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      for (let p = 0; p < PARTS; p++) {
        expect(seen.get(`${p}/0`)).toBe(`kc${p}=kcat-${p}`);
        expect(seen.get(`${p}/1`)).toBe(`k-${p}-0=v-${p}-0`);
        expect(seen.get(`${p}/4`)).toBe(`js${p}=kafkajs-${p}`);
      }
      expect(seen.size).toBe(PARTS * 5);
    } finally {
      await clients.disconnectAll();
    }
  });
});
