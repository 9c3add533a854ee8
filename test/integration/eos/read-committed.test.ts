/**
 * Transaction markers, the last stable offset and read_committed on a 3-broker in-process cluster (RF 3,
 * min.insync.replicas 2), with markers written by a raw client through WriteTxnMarkers v0
 * (transactions-and-compaction.md §2.9–2.14, protocol.md §6.7, §8.1):
 * - an open transaction holds the LSO at its first offset: read_committed Fetch returns nothing beyond it and
 *   reports it as LastStableOffset; ListOffsets latest read_committed = LSO, read_uncommitted = HW;
 * - after COMMIT/ABORT markers (answered once replicated): read_committed Fetch returns the aborted transactions
 *   sorted by first offset; kafkajs (`readUncommitted: false`), confluent-kafka-python
 *   (`isolation.level=read_committed`) and kcat (its default) deliver exactly the committed and plain records;
 *   read_uncommitted readers get every data record; no reader delivers a marker as a record;
 * - a read_committed long poll parked at the LSO wakes when the marker lands;
 * - bad markers: an older coordinator epoch → TRANSACTION_COORDINATOR_FENCED, an older producer epoch →
 *   INVALID_PRODUCER_EPOCH, a follower → NOT_LEADER_OR_FOLLOWER, an unknown partition →
 *   UNKNOWN_TOPIC_OR_PARTITION; nothing written for any of them;
 * - the TxnMarkerListener of a topic hears each replicated marker and its answer is the partition's result;
 * - expiry: an idle producer is forgotten after transactional.id.expiration.ms (then any sequence is accepted),
 *   never while its transaction is open (the LSO stays pinned).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import type { BrokerClient } from '../../../src/network/client.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import type { TxnMarkerEvent } from '../../../src/cluster/txn-markers.js';
import type { Cluster } from '../../harness/cluster.js';
import { kcatConsume, pythonJson, type KafkaClients } from '../../harness/clients.js';
import { createTopicAndWait, fetch, initProducerId, latestOffset, produce, producerBatch, rawClient, RawClients, startEosCluster, writeMarkers, type EosCluster } from './eos-kit.js';

let cluster: Cluster;
let clients: KafkaClients;
let admin: Admin;
let raw: RawClients;
const client = (id: number): BrokerClient => raw.get(id);
const createTopic = (topic: string): Promise<number> => createTopicAndWait(cluster, admin, topic);

/** kafkajs consumer (read_committed unless told) from the beginning until `count` messages or `idleMs` of silence. */
async function kafkajsRead(topic: string, opts: { readUncommitted?: boolean; count: number }): Promise<Array<{ key: string | null; value: string }>> {
  const consumer = await clients.consumer({ groupId: `g-${topic}-${Math.random()}`, readUncommitted: opts.readUncommitted ?? false });
  const got: Array<{ key: string | null; value: string }> = [];
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void got.push({ key: message.key?.toString('hex') ?? null, value: message.value?.toString() ?? '' }) });
  await cluster.waitFor(() => got.length >= opts.count, `kafkajs read ${opts.count} messages of ${topic}`);
  // a little longer: anything beyond `count` (an aborted record, a marker) would show up now
  const seen = got.length;
  await new Promise((r) => setTimeout(r, 1500));
  expect(got.length).toBe(seen);
  await consumer.disconnect();
  return got;
}

/** confluent-kafka-python: assign partition 0 from offset 0, read to the partition end. */
function confluentRead(topic: string, isolation: 'read_committed' | 'read_uncommitted'): Promise<Array<{ key: string | null; value: string }>> {
  return pythonJson(
    `
import json, sys
from confluent_kafka import Consumer, TopicPartition, KafkaError
c = Consumer({'bootstrap.servers': sys.argv[1], 'group.id': 'ck-' + sys.argv[2] + sys.argv[3], 'isolation.level': sys.argv[3],
              'enable.partition.eof': True, 'enable.auto.commit': False})
c.assign([TopicPartition(sys.argv[2], 0, 0)])
out = []
while True:
    m = c.poll(10)
    if m is None: break
    if m.error():
        if m.error().code() == KafkaError._PARTITION_EOF: break
        raise Exception(str(m.error()))
    out.append({'key': m.key().hex() if m.key() is not None else None, 'value': m.value().decode()})
c.close()
print(json.dumps(out))
`,
    [cluster.bootstrapServers, topic, isolation],
  );
}

let eos: EosCluster;

beforeAll(async () => {
  // producer state of idle producers goes after 6 s here (checked every 0.5 s); the tests below are quicker
  eos = await startEosCluster({ 'transactional.id.expiration.ms': 6000, 'producer.id.expiration.check.interval.ms': 500 });
  ({ cluster, clients, admin, raw } = eos);
});

afterAll(async () => {
  await eos?.close();
});

describe('transactions on a partition, read by every client', () => {
  const topic = 'txn-data';
  let leader: number;
  let pidA: number;
  let pidB: number;
  const tp = [{ topic, partition: 0 }];

  beforeAll(async () => {
    leader = await createTopic(topic);
    pidA = (await initProducerId(client(leader))).producerId;
    pidB = (await initProducerId(client(leader))).producerId;
  });

  it('an open transaction holds the LSO at its first offset: nothing beyond it for read_committed; ListOffsets agrees', async () => {
    const c = client(leader);
    const opts = { transactionalId: 'any' };
    expect((await produce(c, topic, 0, producerBatch({ pid: -1, seq: -1, values: ['plain-0'] }))).errorCode).toBe(0); // 0
    expect((await produce(c, topic, 0, producerBatch({ pid: pidA, seq: 0, values: ['a-0', 'a-1'], txn: true }), opts)).baseOffset).toBe(1); // 1-2
    expect((await produce(c, topic, 0, producerBatch({ pid: pidB, seq: 0, values: ['b-0', 'b-1'], txn: true }), opts)).baseOffset).toBe(3); // 3-4
    expect((await produce(c, topic, 0, producerBatch({ pid: -1, seq: -1, values: ['plain-1'] }))).baseOffset).toBe(5); // 5
    const committed = await fetch(c, topic, 0, 0, { readCommitted: true });
    expect(committed).toMatchObject({ errorCode: 0, highWatermark: 6, lastStableOffset: 1, abortedTransactions: [] });
    expect(committed.batches.map((b) => b.values)).toEqual([['plain-0']]);
    expect((await fetch(c, topic, 0, 1, { readCommitted: true })).batches).toEqual([]);
    expect((await fetch(c, topic, 0, 0)).abortedTransactions).toBeNull();
    expect(await latestOffset(c, topic, 0, true)).toEqual({ errorCode: 0, offset: 1 });
    expect(await latestOffset(c, topic, 0, false)).toEqual({ errorCode: 0, offset: 6 });
  });

  it('WriteTxnMarkers commits A and aborts B once replicated; read_committed gets the aborted list, LSO = HW', async () => {
    const c = client(leader);
    const codes = await writeMarkers(c, [
      { pid: pidA, commit: true, coordinatorEpoch: 3, partitions: tp },
      { pid: pidB, commit: false, coordinatorEpoch: 3, partitions: tp },
    ]);
    expect(codes).toEqual([[0], [0]]);
    const f = await fetch(c, topic, 0, 0, { readCommitted: true });
    expect(f).toMatchObject({ highWatermark: 8, lastStableOffset: 8, abortedTransactions: [{ producerId: pidB, firstOffset: 3 }] });
    expect(f.batches.filter((b) => b.isControl).map((b) => [b.baseOffset, b.producerId])).toEqual([[6, pidA], [7, pidB]]);
    expect(await latestOffset(c, topic, 0, true)).toEqual({ errorCode: 0, offset: 8 });
    // every replica holds the markers and the .txnindex entry
    for (const id of cluster.ids) {
      await cluster.waitFor(() => cluster.broker(id).replicaManager.getPartition({ topic, partition: 0 })?.log?.logEndOffset === 8, `replica ${id} caught up`);
      expect(cluster.broker(id).replicaManager.getPartition({ topic, partition: 0 })!.log!.collectAbortedTransactions(0, 8)).toEqual([
        { producerId: pidB, firstOffset: 3, lastOffset: 7, lastStableOffset: 8 },
      ]);
    }
  });

  const committedValues = ['plain-0', 'a-0', 'a-1', 'plain-1'];
  const allDataValues = ['plain-0', 'a-0', 'a-1', 'b-0', 'b-1', 'plain-1'];

  it('kafkajs: read_committed delivers only committed and plain records, read_uncommitted all data records, never a marker', async () => {
    expect((await kafkajsRead(topic, { count: 4 })).map((m) => m.value)).toEqual(committedValues);
    const all = await kafkajsRead(topic, { count: 6, readUncommitted: true });
    expect(all.map((m) => m.value)).toEqual(allDataValues);
    expect(all.every((m) => m.key === '6b')).toBe(true); // key "k": no 4-byte control key among them
  });

  it('confluent-kafka-python: read_committed vs read_uncommitted', async () => {
    expect((await confluentRead(topic, 'read_committed')).map((m) => m.value)).toEqual(committedValues);
    const all = await confluentRead(topic, 'read_uncommitted');
    expect(all.map((m) => m.value)).toEqual(allDataValues);
    expect(all.every((m) => m.key === '6b')).toBe(true);
  });

  it('kcat: read_committed by default, read_uncommitted on request', async () => {
    expect((await kcatConsume(cluster.bootstrapServers, topic, { partition: 0 })).map((m) => m.value)).toEqual(committedValues);
    const all = await kcatConsume(cluster.bootstrapServers, topic, { partition: 0, props: { 'isolation.level': 'read_uncommitted' } });
    expect(all.map((m) => m.value)).toEqual(allDataValues);
  });

  it('interleaved transactions of two producers, one aborted: kafkajs and librdkafka skip exactly its records', async () => {
    const c = client(leader);
    const opts = { transactionalId: 'any' };
    const pidC = (await initProducerId(c)).producerId;
    const pidD = (await initProducerId(c)).producerId;
    await produce(c, topic, 0, producerBatch({ pid: pidD, seq: 0, values: ['d-0'], txn: true }), opts);
    await produce(c, topic, 0, producerBatch({ pid: pidC, seq: 0, values: ['c-0'], txn: true }), opts);
    await produce(c, topic, 0, producerBatch({ pid: pidD, seq: 1, values: ['d-1'], txn: true }), opts);
    await produce(c, topic, 0, producerBatch({ pid: pidC, seq: 1, values: ['c-1'], txn: true }), opts);
    expect(await writeMarkers(c, [{ pid: pidC, commit: true, partitions: tp }])).toEqual([[0]]);
    expect(await writeMarkers(c, [{ pid: pidD, commit: false, partitions: tp }])).toEqual([[0]]);
    const f = await fetch(c, topic, 0, 0, { readCommitted: true });
    expect(f.abortedTransactions).toEqual([
      { producerId: pidB, firstOffset: 3 },
      { producerId: pidD, firstOffset: 8 },
    ]);
    const expected = [...committedValues, 'c-0', 'c-1'];
    expect((await kafkajsRead(topic, { count: expected.length })).map((m) => m.value)).toEqual(expected);
    expect((await confluentRead(topic, 'read_committed')).map((m) => m.value)).toEqual(expected);
  });

  it('a read_committed long poll parked at the LSO wakes when the marker lands', async () => {
    const c = client(leader);
    const pid = (await initProducerId(c)).producerId;
    const { baseOffset } = await produce(c, topic, 0, producerBatch({ pid, seq: 0, values: ['late'], txn: true }), { transactionalId: 'any' });
    expect((await fetch(c, topic, 0, 0, { readCommitted: true })).lastStableOffset).toBe(baseOffset);
    const poller = rawClient(cluster.port(leader));
    try {
      const parked = fetch(poller, topic, 0, baseOffset, { readCommitted: true, maxWaitMs: 60_000, minBytes: 1 });
      await new Promise((r) => setTimeout(r, 300));
      expect(await writeMarkers(c, [{ pid, commit: true, partitions: tp }])).toEqual([[0]]);
      const woken = await Promise.race([parked, new Promise<'still parked'>((r) => setTimeout(() => r('still parked'), 30_000))]);
      expect(woken).not.toBe('still parked');
      expect((woken as Awaited<typeof parked>).batches.flatMap((b) => b.values)).toEqual(['late']);
    } finally {
      await poller.close();
    }
  });
});

describe('bad markers: Kafka\'s error, nothing written', () => {
  const topic = 'bad-markers';
  let leader: number;
  const tp = [{ topic, partition: 0 }];

  beforeAll(async () => {
    leader = await createTopic(topic);
  });

  async function unchanged<T>(fn: () => Promise<T>): Promise<T> {
    const before = await latestOffset(client(leader), topic, 0, false);
    const r = await fn();
    expect(await latestOffset(client(leader), topic, 0, false)).toEqual(before);
    return r;
  }

  it('an older coordinator epoch → TRANSACTION_COORDINATOR_FENCED; an older producer epoch → INVALID_PRODUCER_EPOCH', async () => {
    const c = client(leader);
    const pid = (await initProducerId(c)).producerId;
    await produce(c, topic, 0, producerBatch({ pid, epoch: 2, seq: 0, values: ['x'], txn: true }), { transactionalId: 't' });
    expect(await writeMarkers(c, [{ pid, epoch: 2, commit: false, coordinatorEpoch: 5, partitions: tp }])).toEqual([[0]]);
    expect(await unchanged(() => writeMarkers(c, [{ pid, epoch: 2, commit: true, coordinatorEpoch: 4, partitions: tp }]))).toEqual([[ErrorCode.TransactionCoordinatorFenced]]);
    expect(await unchanged(() => writeMarkers(c, [{ pid, epoch: 1, commit: true, coordinatorEpoch: 6, partitions: tp }]))).toEqual([[ErrorCode.InvalidProducerEpoch]]);
    // a zombie's data after a fencing abort with a bumped epoch is refused too
    expect(await writeMarkers(c, [{ pid, epoch: 3, commit: false, coordinatorEpoch: 6, partitions: tp }])).toEqual([[0]]);
    const zombie = await unchanged(() => produce(c, topic, 0, producerBatch({ pid, epoch: 2, seq: 1, values: ['z'], txn: true }), { transactionalId: 't' }));
    expect(zombie.errorCode).toBe(ErrorCode.InvalidProducerEpoch);
  });

  it('a follower answers NOT_LEADER_OR_FOLLOWER, an unknown partition UNKNOWN_TOPIC_OR_PARTITION; per partition in one marker', async () => {
    const follower = cluster.ids.find((id) => id !== leader)!;
    const pid = (await initProducerId(client(follower))).producerId;
    expect(await unchanged(() => writeMarkers(client(follower), [{ pid, commit: true, partitions: tp }]))).toEqual([[ErrorCode.NotLeaderOrFollower]]);
    const mixed = await writeMarkers(client(leader), [{ pid, commit: true, partitions: [...tp, { topic: 'no-such-topic', partition: 0 }, { topic, partition: 9 }] }]);
    expect(mixed).toEqual([[0, ErrorCode.UnknownTopicOrPartition, ErrorCode.UnknownTopicOrPartition]]);
  });

  it('the topic\'s TxnMarkerListener hears the replicated marker; its answer is the partition\'s result', async () => {
    const rm = cluster.broker(leader).replicaManager;
    const events: TxnMarkerEvent[] = [];
    rm.setTxnMarkerListener(topic, {
      onTxnMarker: (e) => {
        events.push(e);
        expect(rm.getPartition(e.tp)!.highWatermark).toBe(rm.getPartition(e.tp)!.log!.logEndOffset);
        return events.length === 1 ? ErrorCode.RequestTimedOut : ErrorCode.None;
      },
    });
    try {
      const pid = (await initProducerId(client(leader))).producerId;
      expect(await writeMarkers(client(leader), [{ pid, epoch: 0, commit: true, coordinatorEpoch: 9, partitions: tp }])).toEqual([[ErrorCode.RequestTimedOut]]);
      expect(await writeMarkers(client(leader), [{ pid, epoch: 0, commit: true, coordinatorEpoch: 9, partitions: tp }])).toEqual([[0]]);
      expect(events).toEqual([
        { tp: { topic, partition: 0 }, producerId: pid, producerEpoch: 0, coordinatorEpoch: 9, committed: true },
        { tp: { topic, partition: 0 }, producerId: pid, producerEpoch: 0, coordinatorEpoch: 9, committed: true },
      ]);
    } finally {
      rm.setTxnMarkerListener(topic, null);
    }
  });
});

describe('producer expiry (transactional.id.expiration.ms, producer.id.expiration.check.interval.ms)', () => {
  it('an idle producer is forgotten, then accepted at any sequence; one with an open transaction is kept', async () => {
    const topic = 'expiry';
    const leader = await createTopic(topic);
    const c = client(leader);
    const idle = (await initProducerId(c)).producerId;
    const open = (await initProducerId(c)).producerId;
    expect((await produce(c, topic, 0, producerBatch({ pid: idle, seq: 0, values: ['i0'] }))).errorCode).toBe(0);
    const txn = await produce(c, topic, 0, producerBatch({ pid: open, seq: 0, values: ['o0'], txn: true }), { transactionalId: 'keep' });
    expect(txn.errorCode).toBe(0);
    expect((await produce(c, topic, 0, producerBatch({ pid: idle, seq: 5, values: ['gap'] }))).errorCode).toBe(ErrorCode.OutOfOrderSequenceNumber);
    const state = () => cluster.broker(leader).replicaManager.getPartition({ topic, partition: 0 })!.log!.producerState;
    await cluster.waitFor(() => state().lastEntry(idle) === undefined, 'the idle producer expired', 30_000);
    expect(state().lastEntry(open)).toBeDefined();
    expect((await fetch(c, topic, 0, 0, { readCommitted: true })).lastStableOffset).toBe(txn.baseOffset);
    expect((await produce(c, topic, 0, producerBatch({ pid: idle, seq: 5, values: ['i5'] }))).errorCode).toBe(0);
    expect(await writeMarkers(c, [{ pid: open, commit: true, partitions: [{ topic, partition: 0 }] }])).toEqual([[0]]);
  });
});
