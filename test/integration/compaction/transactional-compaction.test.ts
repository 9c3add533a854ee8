/**
 * Compaction meets idempotence and transactions (transactions-and-compaction.md §3.6, §5.4 C4/C5),
 * one in-process broker:
 * - C4: on a compacted topic, a committed and an aborted transaction (raw client: InitProducerId,
 *   Produce, WriteTxnMarkers); after a pass the aborted data is gone even for read_uncommitted
 *   readers, the committed record is the latest of its key, read_committed readers (kcat, kafkajs)
 *   are unaffected, and the ABORT marker is still listed for read_committed fetches;
 * - C5: a librdkafka idempotent producer (confluent-kafka-python) keeps overwriting the same keys
 *   while the cleaner runs and the broker restarts: no OUT_OF_ORDER_SEQUENCE_NUMBER, no fatal
 *   error, every delivery at its offset, every key's latest value kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { pythonJson } from '../../harness/clients.js';
import { waitFor } from '../../harness/wait-for.js';
import { buildRecordBatch } from '../../../src/protocol/records/record-batch-builder.js';
import { allValues, fetch, initProducerId, produce, rawClient, writeMarkers } from '../eos/eos-kit.js';
import { CLEANER_TEST_CONFIG, cleanerCheckpoint, createTopic, latestByKey, readWithKafkajs, readWithKcat } from './compaction-kit.js';

let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster({ brokers: 1, inProcess: true, brokerConfig: CLEANER_TEST_CONFIG });
});

afterAll(async () => {
  await cluster?.close();
});

const batchOf = (kvs: Array<[string, string]>, opts: { pid?: number; seq?: number; txn?: boolean } = {}) =>
  buildRecordBatch(
    kvs.map(([k, v]) => ({ key: Buffer.from(k), value: Buffer.from(v), timestamp: Date.now() })),
    opts.pid === undefined ? {} : { producerId: opts.pid, producerEpoch: 0, baseSequence: opts.seq ?? 0, isTransactional: opts.txn ?? false },
  );

describe('compaction with transactions (C4)', () => {
  it('aborted data goes in the first pass; read_committed readers are unaffected; the ABORT marker stays listed', async () => {
    const topic = 'txn-compacted';
    await createTopic(cluster, topic, { 'cleanup.policy': 'compact', 'segment.ms': 1000, 'min.cleanable.dirty.ratio': 0.01 });
    const c = rawClient(cluster.port(0));
    try {
      const { producerId: a } = await initProducerId(c);
      const { producerId: b } = await initProducerId(c);
      expect((await produce(c, topic, 0, batchOf([['x', 'before']]))).errorCode).toBe(0); // 0
      const txnProduce = (records: Buffer, transactionalId: string) => produce(c, topic, 0, records, { transactionalId });
      expect((await txnProduce(batchOf([['x', 'committed']], { pid: a, txn: true }), 'txn-a')).errorCode).toBe(0); // 1
      expect((await txnProduce(batchOf([['x', 'aborted'], ['y', 'aborted']], { pid: b, txn: true }), 'txn-b')).errorCode).toBe(0); // 2-3
      const tp = [{ topic, partition: 0 }];
      expect(await writeMarkers(c, [{ pid: a, commit: true, partitions: tp }, { pid: b, commit: false, partitions: tp }])).toEqual([[0], [0]]); // 4, 5
      await new Promise((r) => setTimeout(r, 1100));
      expect((await produce(c, topic, 0, batchOf([['roll', 'r']]))).errorCode).toBe(0); // 6: a new active segment
      await waitFor(() => cleanerCheckpoint(cluster.dataDir(0), topic) === 6, { what: 'a pass below the roll record', timeoutMs: 60_000 });

      // read_uncommitted (raw fetch, control batches left out): no aborted record any more.
      expect(await allValues(c, topic, 0)).toEqual(['committed', 'r']);
      const committedView = (await fetch(c, topic, 0, 0, { readCommitted: true }));
      expect(committedView.abortedTransactions).toEqual([{ producerId: b, firstOffset: 2 }]);
      expect(committedView.batches.filter((x) => x.isControl).map((x) => x.baseOffset)).toEqual([4, 5]);
    } finally {
      await c.close();
    }
    // librdkafka and kafkajs read_committed, across the gaps.
    const expected = [
      [1, 'x', 'committed'],
      [6, 'roll', 'r'],
    ];
    expect((await readWithKcat(cluster.bootstrapServers, topic)).map((r) => [r.offset, r.key, r.value])).toEqual(expected);
    expect((await readWithKafkajs(cluster.bootstrapServers, topic, 6)).map((r) => [r.offset, r.key, r.value])).toEqual(expected);
  });
});

const IDEMPOTENT_PRODUCER = `
import json, sys, time
from confluent_kafka import Producer
bootstrap, topic, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
delivered, errors, fatal = [], [], []
def on_delivery(err, msg):
    if err: errors.append(str(err))
    else: delivered.append([msg.offset(), msg.key().decode(), msg.value().decode()])
def on_error(e):
    if e.fatal(): fatal.append(str(e))
p = Producer({'bootstrap.servers': bootstrap, 'enable.idempotence': True, 'acks': 'all', 'linger.ms': 5,
              'message.timeout.ms': 120000, 'error_cb': on_error})
for i in range(n):
    p.produce(topic, key=('k%d' % (i % 10)).encode(), value=('v%d-%s' % (i, 'x' * 100)).encode(), partition=0, on_delivery=on_delivery)
    p.poll(0)
    time.sleep(0.02)
left = p.flush(100)
print(json.dumps({'delivered': delivered, 'errors': errors, 'fatal': fatal, 'unflushed': left}))
`;

describe('compaction with an idempotent producer (C5)', () => {
  it('librdkafka keeps producing across cleaning passes and a broker restart: no sequence error, every key latest kept', async () => {
    const topic = 'idem-compacted';
    await createTopic(cluster, topic, { 'cleanup.policy': 'compact', 'segment.bytes': 4096, 'min.cleanable.dirty.ratio': 0.01 });
    const n = 800;
    const producing = pythonJson<{ delivered: Array<[number, string, string]>; errors: string[]; fatal: string[]; unflushed: number }>(
      IDEMPOTENT_PRODUCER,
      [cluster.bootstrapServers, topic, String(n)],
      { timeoutMs: 180_000 },
    );
    await waitFor(() => (cleanerCheckpoint(cluster.dataDir(0), topic) ?? 0) > 100, { what: 'cleaning while the producer runs', timeoutMs: 60_000 });
    await cluster.restart(0);
    const result = await producing;
    expect(result.fatal).toEqual([]);
    expect(result.errors).toEqual([]);
    expect(result.unflushed).toBe(0);
    expect(result.delivered).toHaveLength(n);
    const got = await readWithKcat(cluster.bootstrapServers, topic);
    const offsets = got.map((r) => r.offset);
    expect(new Set(offsets).size).toBe(offsets.length);
    const at = new Map(result.delivered.map(([offset, key, value]) => [offset, [key, value]]));
    for (const r of got) expect([r.key, r.value]).toEqual(at.get(r.offset));
    const lastDelivered = new Map<string, string>();
    for (const [, key, value] of [...result.delivered].sort((x, y) => x[0] - y[0])) lastDelivered.set(key, value);
    expect(new Map([...latestByKey(got)].map(([k, [, v]]) => [k, v]))).toEqual(lastDelivered);
  });
});
