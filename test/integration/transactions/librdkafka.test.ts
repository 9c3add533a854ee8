/**
 * confluent-kafka-python 1.7.0 (librdkafka 2.0.2) transactional producers on a 3-broker in-process cluster,
 * transactions-and-compaction.md §5.3:
 * - commit and abort: a read_committed confluent consumer sees exactly the committed records;
 * - T7 with `send_offsets_to_transaction` (TxnOffsetCommit v3 with the consumer's generation and member id):
 *   a read_committed consumer in group G consumes the input, the producer writes the output and the
 *   consumer's positions in one transaction; after the commit the group's committed offsets (read back by the
 *   client with `committed()`, and the `/consumers/G/offsets/...` znodes) are the positions, the pending znodes
 *   are gone; an aborted second round leaves them unchanged;
 * - T4: zombie fencing — producer B initialises the same transactional id while A has a transaction open:
 *   A's commit fails as fenced (fatal), only B's records are visible;
 * - T6: transaction.timeout.ms above transaction.max.timeout.ms → init_transactions fails with
 *   INVALID_TRANSACTION_TIMEOUT;
 * - T5: a transaction left open past its transaction.timeout.ms is aborted by the coordinator (the sweep runs
 *   every 500 ms here): the producer's commit fails as fenced, read_committed consumers see nothing of it
 *   (and reach the partition end: the LSO moved past it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, kcatConsume, kcatProduce, pythonJson, type KafkaClients } from '../../harness/clients.js';
import { PY_READ_ALL } from './txn-kit.js';

let cluster: Cluster;
let clients: KafkaClients;
let admin: Admin;

async function createTopic(topic: string, partitions: number): Promise<void> {
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 3 }] });
}

/** Shared Python: read_all (txn-kit.ts) and a transactional producer factory. */
const READ_ALL = `${PY_READ_ALL}
def txn_producer(bootstrap, txn_id, **extra):
    conf = {'bootstrap.servers': bootstrap, 'transactional.id': txn_id}
    conf.update(extra)
    return Producer(conf)
`;
beforeAll(async () => {
  cluster = await startCluster({
    brokers: 3,
    inProcess: true,
    brokerConfig: { 'auto.leader.rebalance.enable': false, 'transaction.abort.timed.out.transaction.cleanup.interval.ms': 500 },
  });
  clients = kafkaClients(cluster.bootstrapServers);
  admin = await clients.admin();
});

afterAll(async () => {
  await clients?.disconnectAll();
  await cluster?.close();
});

describe('librdkafka transactions (confluent-kafka-python)', () => {
  it('commit and abort: read_committed sees the commit only', async () => {
    const topic = 'rdk-commit-abort';
    await createTopic(topic, 2);
    const out = await pythonJson<{ committed: string[]; uncommitted: string[] }>(
      `${READ_ALL}
p = txn_producer(sys.argv[1], 'rdk-1')
p.init_transactions(30)
p.begin_transaction()
for i in range(6): p.produce(sys.argv[2], value=('commit-%d' % i).encode(), partition=i % 2)
p.commit_transaction(30)
p.begin_transaction()
for i in range(6): p.produce(sys.argv[2], value=('abort-%d' % i).encode(), partition=i % 2)
p.flush(30)
p.abort_transaction(30)
print(json.dumps({'committed': read_all(sys.argv[1], sys.argv[2], 2), 'uncommitted': read_all(sys.argv[1], sys.argv[2], 2, 'read_uncommitted')}))
`,
      [cluster.bootstrapServers, topic],
      { timeoutMs: 90_000 },
    );
    expect(out.committed).toEqual(['commit-0', 'commit-1', 'commit-2', 'commit-3', 'commit-4', 'commit-5']);
    expect(out.uncommitted).toHaveLength(12);
  });

  it('T7: send_offsets_to_transaction commits the consumer positions atomically with the output', async () => {
    const input = 'rdk-t7-in';
    const output = 'rdk-t7-out';
    const group = 'rdk-t7-group';
    await createTopic(input, 2);
    await createTopic(output, 1);
    const producer = await clients.producer();
    await producer.send({ topic: input, messages: Array.from({ length: 10 }, (_, i) => ({ value: `in-${i}`, partition: i % 2 })) });

    const out = await pythonJson<{ committedByClient: Record<string, number>; afterAbort: Record<string, number>; output: string[] }>(
      `${READ_ALL}
bootstrap, inp, outp, group = sys.argv[1:5]
c = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'isolation.level': 'read_committed', 'enable.auto.commit': False,
              'auto.offset.reset': 'earliest', 'session.timeout.ms': 10000})
c.subscribe([inp])
p = txn_producer(bootstrap, 'rdk-t7')
p.init_transactions(30)
seen, deadline = [], time.time() + 60
while len(seen) < 10 and time.time() < deadline:
    m = c.poll(1)
    if m is None or m.error(): continue
    seen.append(m)
p.begin_transaction()
for m in seen: p.produce(outp, value=b'out-' + m.value())
p.send_offsets_to_transaction(c.position(c.assignment()), c.consumer_group_metadata(), 30)
p.commit_transaction(30)
def committed():
    return {str(tp.partition): tp.offset for tp in c.committed([TopicPartition(inp, 0), TopicPartition(inp, 1)], 30)}
first = committed()
# a second round that is aborted: offsets and output unchanged
p.begin_transaction()
p.produce(outp, value=b'never')
p.send_offsets_to_transaction([TopicPartition(inp, 0, 999), TopicPartition(inp, 1, 999)], c.consumer_group_metadata(), 30)
p.abort_transaction(30)
second = committed()
c.close()
print(json.dumps({'committedByClient': first, 'afterAbort': second, 'output': read_all(bootstrap, outp, 1)}))
`,
      [cluster.bootstrapServers, input, output, group],
      { timeoutMs: 120_000 },
    );
    expect(out.committedByClient).toEqual({ '0': 5, '1': 5 });
    expect(out.afterAbort).toEqual({ '0': 5, '1': 5 });
    expect(out.output).toEqual(Array.from({ length: 10 }, (_, i) => `out-in-${i}`).sort());
    const zkText = async (path: string) => (await cluster.zk.zk.tryGetData(path))?.data?.toString('utf8') ?? null;
    expect(await zkText(`/consumers/${group}/offsets/${input}/0`)).toBe('5');
    expect(await zkText(`/consumers/${group}/offsets/${input}/1`)).toBe('5');
    const [pid] = await cluster.zk.zk.getChildren(`/consumers/${group}/txn_offsets`);
    expect(await cluster.zk.zk.getChildren(`/consumers/${group}/txn_offsets/${pid}`)).toEqual([]);
    const fetched = await admin.fetchOffsets({ groupId: group, topics: [input] });
    expect(fetched[0]!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([
      [0, '5'],
      [1, '5'],
    ]);
  });

  it('T4: a second producer with the same transactional id fences the first (fatal for it)', async () => {
    const topic = 'rdk-t4';
    await createTopic(topic, 1);
    const out = await pythonJson<{ error: string; fatal: boolean; visible: string[] }>(
      `${READ_ALL}
a = txn_producer(sys.argv[1], 'rdk-t4')
a.init_transactions(30)
a.begin_transaction()
a.produce(sys.argv[2], value=b'zombie')
a.flush(30)
b = txn_producer(sys.argv[1], 'rdk-t4')
b.init_transactions(60)
b.begin_transaction()
b.produce(sys.argv[2], value=b'fresh')
b.commit_transaction(30)
err, fatal = '', False
try:
    a.produce(sys.argv[2], value=b'zombie-2')
    a.commit_transaction(30)
except KafkaException as e:
    err, fatal = e.args[0].name(), e.args[0].fatal()
print(json.dumps({'error': err, 'fatal': fatal, 'visible': read_all(sys.argv[1], sys.argv[2], 1)}))
`,
      [cluster.bootstrapServers, topic],
      { timeoutMs: 120_000 },
    );
    expect(out.fatal).toBe(true);
    // librdkafka turns INVALID_PRODUCER_EPOCH from its EndTxn v1 into its fatal _FENCED error
    expect(out.error).toBe('_FENCED');
    expect(out.visible).toEqual(['fresh']);
  });

  it('T6: transaction.timeout.ms above transaction.max.timeout.ms → INVALID_TRANSACTION_TIMEOUT', async () => {
    const out = await pythonJson<{ error: string }>(
      `${READ_ALL}
p = txn_producer(sys.argv[1], 'rdk-t6', **{'transaction.timeout.ms': 900001})
err = ''
try:
    p.init_transactions(30)
except KafkaException as e:
    err = e.args[0].name()
print(json.dumps({'error': err}))
`,
      [cluster.bootstrapServers],
      { timeoutMs: 60_000 },
    );
    expect(out.error).toBe('INVALID_TRANSACTION_TIMEOUT');
  });

  it('T5: a transaction open past transaction.timeout.ms is aborted by the coordinator', async () => {
    const topic = 'rdk-t5';
    await createTopic(topic, 1);
    const out = await pythonJson<{ commitError: string; visible: string[]; all: string[] }>(
      `${READ_ALL}
p = txn_producer(sys.argv[1], 'rdk-t5', **{'transaction.timeout.ms': 2000})
p.init_transactions(30)
p.begin_transaction()
p.produce(sys.argv[2], value=b'too-slow')
p.flush(30)
time.sleep(5)
err = ''
try:
    p.commit_transaction(30)
except KafkaException as e:
    err = e.args[0].name()
print(json.dumps({'commitError': err, 'visible': read_all(sys.argv[1], sys.argv[2], 1), 'all': read_all(sys.argv[1], sys.argv[2], 1, 'read_uncommitted')}))
`,
      [cluster.bootstrapServers, topic],
      { timeoutMs: 90_000 },
    );
    // 2.7 fences a producer whose transaction timed out for good: librdkafka reports it fenced
    expect(out.commitError).toBe('_FENCED');
    expect(out.visible).toEqual([]);
    expect(out.all).toEqual(['too-slow']);
  });

  it('T16: kcat -P -X transactional.id produces its whole input in one committed transaction', async () => {
    const topic = 'rdk-kcat';
    await createTopic(topic, 1);
    const lines = Array.from({ length: 20 }, (_, i) => `kcat-${i}`);
    await kcatProduce(cluster.bootstrapServers, topic, lines, { props: { 'transactional.id': 'kcat-txn' } });
    const read = await kcatConsume(cluster.bootstrapServers, topic);
    expect(read.map((m) => m.value).sort()).toEqual([...lines].sort());
    // the COMMIT marker takes one offset after the 20 records
    const [offsets] = await admin.fetchTopicOffsets(topic);
    expect(offsets!.high).toBe('21');
  });
});
