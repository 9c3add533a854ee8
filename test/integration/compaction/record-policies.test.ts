/**
 * Per-topic record policies end to end (Kafka's LogValidator; transactions-and-compaction.md §3.3,
 * protocol.md §4.5) on a real ZooKeeper and one in-process broker:
 * - C3: a keyless record to a compacted topic is refused — kafkajs INVALID_RECORD, librdkafka
 *   (kcat) "Broker failed to validate record", kafka-python UnknownError (2.0.2 does not know code 87), Produce v8
 *   RecordErrors and ErrorMessage — and nothing is appended;
 * - compression.type=gzip: uncompressed batches from kcat, kafkajs and kafka-python are stored as
 *   gzip (the attributes on disk) and read back by all three;
 * - message.timestamp.type=LogAppendTime: the broker's time, seen by all three readers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerClient } from '../../../src/network/client.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ProduceRequest, ProduceResponse } from '../../../src/protocol/messages/produce.js';
import { Compression } from '../../../src/protocol/records/batch-layout.js';
import { buildRecordBatch } from '../../../src/protocol/records/record-batch-builder.js';
import { TimestampType } from '../../../src/protocol/records/record-batch.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, kcatProduce, pythonJson } from '../../harness/clients.js';
import { CLEANER_TEST_CONFIG, createTopic, readWithKafkaPython, readWithKafkajs, readWithKcat, storedBatches } from './compaction-kit.js';

let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster({ brokers: 1, inProcess: true, brokerConfig: CLEANER_TEST_CONFIG });
});

afterAll(async () => {
  await cluster?.close();
});

const PY_PRODUCE = `
import json, sys
from kafka import KafkaProducer
bootstrap, topic = sys.argv[1], sys.argv[2]
records = json.loads(sys.argv[3])
p = KafkaProducer(bootstrap_servers=bootstrap, acks=1, retries=0, api_version_auto_timeout_ms=10000)
out = []
for key, value, ts in records:
    try:
        md = p.send(topic, key=None if key is None else key.encode(), value=value.encode(), partition=0, timestamp_ms=ts).get(timeout=20)
        out.append(['ok', md.offset])
    except Exception as e:
        out.append(['error', type(e).__name__])
p.close()
print(json.dumps(out))
`;

async function pyProduce(topic: string, records: Array<[string | null, string, number | null]>): Promise<Array<[string, number | string]>> {
  return pythonJson(PY_PRODUCE, [cluster.bootstrapServers, topic, JSON.stringify(records)], { timeoutMs: 60_000 });
}

async function endOffset(topic: string): Promise<number> {
  const clients = kafkaClients(cluster.bootstrapServers);
  try {
    const [p] = await (await clients.admin()).fetchTopicOffsets(topic);
    return Number(p!.high);
  } finally {
    await clients.disconnectAll();
  }
}

describe('record policies - keyless records on a compacted topic (C3)', () => {
  const topic = 'compacted-keys';

  beforeAll(async () => {
    await createTopic(cluster, topic, { 'cleanup.policy': 'compact' });
  });

  it('kafkajs: INVALID_RECORD, not retried; nothing appended', async () => {
    const clients = kafkaClients(cluster.bootstrapServers, { retry: { retries: 0 } });
    try {
      const producer = await clients.producer();
      await producer.send({ topic, acks: 1, messages: [{ key: 'ok', value: 'keyed', partition: 0 }] });
      const err = await producer.send({ topic, acks: 1, messages: [{ key: 'k', value: 'a', partition: 0 }, { value: 'no key', partition: 0 }] }).then(
        () => null,
        (e: unknown) => e as Error & { type?: string; retriable?: boolean },
      );
      expect(err).not.toBeNull();
      expect(`${err!.name} ${err!.message}`).toMatch(/failed the validation on broker/);
      expect(err!.retriable).toBe(false);
    } finally {
      await clients.disconnectAll();
    }
    expect(await endOffset(topic)).toBe(1);
  });

  it('kcat (librdkafka): the delivery fails with INVALID_RECORD; nothing appended', async () => {
    const err = await kcatProduce(cluster.bootstrapServers, topic, [{ key: null, value: 'no key from kcat' }], { partition: 0, props: { 'message.send.max.retries': 0 } }).then(
      () => null,
      (e: Error) => e.message,
    );
    // librdkafka's text for INVALID_RECORD (87)
    expect(err).toMatch(/Delivery failed for message: Broker: Broker failed to validate record/);
    expect(await endOffset(topic)).toBe(1);
  });

  it('kafka-python 2.0.2: the future fails with UnknownError (it does not know code 87); a keyed record goes through', async () => {
    const results = await pyProduce(topic, [
      [null, 'no key from python', null],
      ['py', 'keyed from python', null],
    ]);
    expect(results).toEqual([
      ['error', 'UnknownError'],
      ['ok', 1],
    ]);
    expect(await endOffset(topic)).toBe(2);
  });

  it('Produce v8: RecordErrors name every keyless record, with the ErrorMessage of 2.7', async () => {
    const client = new BrokerClient({ host: '127.0.0.1', port: cluster.port(0), clientId: 'policies' });
    try {
      const records = buildRecordBatch(
        [
          { key: null, value: Buffer.from('a'), timestamp: Date.now() },
          { key: Buffer.from('b'), value: Buffer.from('b'), timestamp: Date.now() },
          { key: null, value: Buffer.from('c'), timestamp: Date.now() },
        ],
        { compression: Compression.Gzip },
      );
      const res = await client.send({ request: ProduceRequest, response: ProduceResponse }, 8, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5000,
        topics: [{ name: topic, partitions: [{ partitionIndex: 0, records }] }],
      });
      const p = res.responses[0]!.partitions[0]!;
      expect(p.errorCode).toBe(ErrorCode.InvalidRecord);
      expect(p.errorMessage).toBe('One or more records have been rejected');
      expect(p.recordErrors).toEqual([
        { batchIndex: 0, batchIndexErrorMessage: `Compacted topic cannot accept message without key in topic partition ${topic}-0.` },
        { batchIndex: 2, batchIndexErrorMessage: `Compacted topic cannot accept message without key in topic partition ${topic}-0.` },
      ]);
      expect(p.baseOffset).toBe(-1);
    } finally {
      await client.close();
    }
    expect(await endOffset(topic)).toBe(2);
  });
});

describe('record policies - compression.type=gzip', () => {
  it('uncompressed batches from kcat, kafkajs and kafka-python are stored as gzip and read back by all three', async () => {
    const topic = 'stored-gzip';
    await createTopic(cluster, topic, { 'compression.type': 'gzip' });
    await kcatProduce(cluster.bootstrapServers, topic, [{ key: 'kcat', value: 'from kcat' }], { partition: 0, codec: 'none' });
    const clients = kafkaClients(cluster.bootstrapServers);
    try {
      const producer = await clients.producer();
      await producer.send({ topic, acks: 1, messages: [{ key: 'kafkajs', value: 'from kafkajs', partition: 0 }] });
    } finally {
      await clients.disconnectAll();
    }
    expect(await pyProduce(topic, [['python', 'from kafka-python', null]])).toEqual([['ok', 2]]);
    const batches = storedBatches(cluster.dataDir(0), topic);
    expect(batches.map((b) => [b.baseOffset, b.compression, b.isCrcValid()])).toEqual([
      [0, Compression.Gzip, true],
      [1, Compression.Gzip, true],
      [2, Compression.Gzip, true],
    ]);
    const expected = [
      [0, 'kcat', 'from kcat'],
      [1, 'kafkajs', 'from kafkajs'],
      [2, 'python', 'from kafka-python'],
    ];
    const view = (rs: Array<{ offset: number; key: string | null; value: string | null }>) => rs.map((r) => [r.offset, r.key, r.value]);
    expect(view(await readWithKcat(cluster.bootstrapServers, topic))).toEqual(expected);
    expect(view(await readWithKafkajs(cluster.bootstrapServers, topic, 2))).toEqual(expected);
    expect(view(await readWithKafkaPython(cluster.bootstrapServers, topic))).toEqual(expected);
  });
});

describe('record policies - message.timestamp.type=LogAppendTime', () => {
  it("the broker's append time replaces the producers' timestamps, for kcat, kafkajs and kafka-python", async () => {
    const topic = 'log-append-time';
    await createTopic(cluster, topic, { 'message.timestamp.type': 'LogAppendTime' });
    const old = Date.now() - 3_600_000;
    const before = Date.now();
    const clients = kafkaClients(cluster.bootstrapServers);
    try {
      const producer = await clients.producer();
      const [res] = await producer.send({ topic, acks: 1, messages: [{ key: 'a', value: 'old create time', partition: 0, timestamp: String(old) }] });
      expect(Number(res!.logAppendTime)).toBeGreaterThanOrEqual(before);
    } finally {
      await clients.disconnectAll();
    }
    expect(await pyProduce(topic, [['b', 'old from python', old]])).toEqual([['ok', 1]]);
    await kcatProduce(cluster.bootstrapServers, topic, [{ key: 'c', value: 'from kcat' }], { partition: 0 });
    const after = Date.now();
    const stored = storedBatches(cluster.dataDir(0), topic);
    expect(stored.every((b) => b.timestampType === TimestampType.LogAppendTime && b.isCrcValid())).toBe(true);
    const appendTimes = stored.map((b) => b.maxTimestamp);
    for (const t of appendTimes) expect(t >= before && t <= after).toBe(true);

    const kcat = await readWithKcat(cluster.bootstrapServers, topic);
    expect(kcat.map((r) => [r.offset, r.timestamp, r.logAppendTime])).toEqual(appendTimes.map((t, i) => [i, t, true]));
    const py = await readWithKafkaPython(cluster.bootstrapServers, topic);
    expect(py.map((r) => [r.offset, r.timestamp, r.logAppendTime])).toEqual(appendTimes.map((t, i) => [i, t, true]));
    // kafkajs does not expose the timestamp type; it reports the batch's append time.
    const js = await readWithKafkajs(cluster.bootstrapServers, topic, 2);
    expect(js.map((r) => [r.offset, r.timestamp])).toEqual(appendTimes.map((t, i) => [i, t]));
  });
});
