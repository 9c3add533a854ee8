/**
 * The idempotent producer on a 3-broker in-process cluster with a real ZooKeeper
 * (transactions-and-compaction.md §1, §5.2):
 * - producer ids: every broker claimed its own block of 1000 in `/latest_producer_id_block` (Kafka's JSON);
 *   InitProducerId at every version from any broker gives fresh ids of that broker's block, epoch 0;
 * - the raw protocol (our codec over a socket): a retried batch → NONE with its original offset and nothing
 *   written; a gap, an old sequence → OUT_OF_ORDER_SEQUENCE_NUMBER; an older epoch → INVALID_PRODUCER_EPOCH; a
 *   higher epoch not at 0 → 45; the local epoch bump librdkafka does (epoch + 1, seq 0) → accepted; an unknown
 *   producer id at any sequence → accepted; transactional data without a TransactionalId → 53 for the whole
 *   request; after every refusal the log end is unchanged;
 * - real clients: kcat and confluent-kafka-python with `enable.idempotence=true`, kafkajs with `idempotent: true`
 *   (InitProducerId v1 to the controller): everything arrives once, in order, in batches carrying the producer id;
 * - followers build the same state: after the leader is stopped the new leader answers a retry of an acknowledged
 *   batch with its original offset;
 * - a broker restarted cleanly loads its snapshot (no batch replayed) and still dedupes the last batch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import type { BrokerClient } from '../../../src/network/client.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import type { Cluster } from '../../harness/cluster.js';
import { kcatProduce, pythonJson, type KafkaClients } from '../../harness/clients.js';
import {
  allValues,
  createTopicAndWait,
  fetch,
  initProducerId,
  latestOffset,
  produce,
  producerBatch,
  PY_PRODUCER,
  RawClients,
  startEosCluster,
  type EosCluster,
  waitForLeaderActing,
  type PyProducerResult,
} from './eos-kit.js';

let cluster: Cluster;
let clients: KafkaClients;
let admin: Admin;
let raw: RawClients;
const client = (id: number): BrokerClient => raw.get(id);
const createTopic = (topic: string, opts: { partitions?: number; assignment?: number[][] } = {}) => createTopicAndWait(cluster, admin, topic, opts);
const leaderOf = (topic: string, partition = 0) => waitForLeaderActing(cluster, topic, partition);

let eos: EosCluster;

beforeAll(async () => {
  eos = await startEosCluster();
  ({ cluster, clients, admin, raw } = eos);
});

afterAll(async () => {
  await eos?.close();
});

describe('producer ids', () => {
  it('each of the three brokers claimed its own block of 1000 in /latest_producer_id_block, as Kafka writes it', async () => {
    const node = await cluster.zk.zk.tryGetData('/latest_producer_id_block');
    const text = node?.data?.toString('utf8') ?? '';
    // three claims: [0, 999], [1000, 1999], [2000, 2999], the last by whichever broker came third
    expect(text).toMatch(/^\{"version":1,"broker":[012],"block_start":"2000","block_end":"2999"\}$/);
  });

  it('InitProducerId v0–v4 without a transactional id: any broker, a new id of its own block each time, epoch 0', async () => {
    const seen = new Set<number>();
    for (const id of cluster.ids) {
      for (let v = 0; v <= 4; v++) {
        const r = await initProducerId(client(id), v);
        expect(r).toMatchObject({ errorCode: 0, producerEpoch: 0 });
        expect(seen.has(r.producerId)).toBe(false);
        seen.add(r.producerId);
      }
    }
    const blocks = new Set([...seen].map((pid) => Math.floor(pid / 1000)));
    expect(blocks.size).toBe(3);
  });

  it('a transactional id goes to the transaction coordinator (timeout −1 → INVALID_TRANSACTION_TIMEOUT), ids -1/-1; "" → INVALID_REQUEST', async () => {
    expect(await initProducerId(client(0), 4, 'txn-1')).toMatchObject({ errorCode: ErrorCode.InvalidTransactionTimeout, producerId: -1, producerEpoch: -1 });
    expect(await initProducerId(client(0), 1, '')).toMatchObject({ errorCode: ErrorCode.InvalidRequest, producerId: -1, producerEpoch: -1 });
  });
});

describe('produce checks over the raw protocol', () => {
  const topic = 'raw-idem';
  let leader: number;
  let pid: number;

  beforeAll(async () => {
    await createTopic(topic);
    leader = await leaderOf(topic);
    pid = (await initProducerId(client(leader))).producerId;
  });

  async function refused(batch: Buffer, code: number, opts: { transactionalId?: string | null } = {}): Promise<void> {
    const before = await latestOffset(client(leader), topic, 0, false);
    expect((await produce(client(leader), topic, 0, batch, opts)).errorCode).toBe(code);
    expect(await latestOffset(client(leader), topic, 0, false)).toEqual(before);
  }

  it('a retry gets NONE with the original offset and is not written; gaps, old sequences and older epochs are refused', async () => {
    const first = await produce(client(leader), topic, 0, producerBatch({ pid, seq: 0, values: ['v0', 'v1'] }));
    const second = await produce(client(leader), topic, 0, producerBatch({ pid, seq: 2, values: ['v2'] }));
    expect([first.errorCode, first.baseOffset, second.errorCode, second.baseOffset]).toEqual([0, 0, 0, 2]);
    const retry = await produce(client(leader), topic, 0, producerBatch({ pid, seq: 0, values: ['v0', 'v1'] }));
    expect(retry).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(retry.logAppendTimeMs).toBeGreaterThan(0); // 2.7 answers a duplicate with the original's max timestamp
    await refused(producerBatch({ pid, seq: 5, values: ['gap'] }), ErrorCode.OutOfOrderSequenceNumber);
    await refused(producerBatch({ pid, seq: 1, values: ['old'] }), ErrorCode.OutOfOrderSequenceNumber);
    expect(await allValues(client(leader), topic, 0)).toEqual(['v0', 'v1', 'v2']);
  });

  it('epochs: a higher epoch must start at 0 (librdkafka\'s local bump is accepted), then the old epoch is fenced', async () => {
    await refused(producerBatch({ pid, epoch: 1, seq: 3, values: ['x'] }), ErrorCode.OutOfOrderSequenceNumber);
    expect((await produce(client(leader), topic, 0, producerBatch({ pid, epoch: 1, seq: 0, values: ['e1'] }))).errorCode).toBe(0);
    await refused(producerBatch({ pid, epoch: 0, seq: 3, values: ['zombie'] }), ErrorCode.InvalidProducerEpoch);
  });

  it('an unknown producer id may start at any sequence (KIP-360)', async () => {
    const stranger = 4_000_000 + Math.floor(Math.random() * 1000);
    expect((await produce(client(leader), topic, 0, producerBatch({ pid: stranger, seq: 777, values: ['s'] }))).errorCode).toBe(0);
    await refused(producerBatch({ pid: stranger, seq: 779, values: ['s2'] }), ErrorCode.OutOfOrderSequenceNumber);
  });

  it('transactional data without a TransactionalId → TRANSACTIONAL_ID_AUTHORIZATION_FAILED for the request; with one it is accepted', async () => {
    const txnPid = (await initProducerId(client(leader))).producerId;
    await refused(producerBatch({ pid: txnPid, seq: 0, values: ['t'], txn: true }), ErrorCode.TransactionalIdAuthorizationFailed);
    // 2.7 does not check AddPartitionsToTxn at the partition: the batch opens a transaction here
    expect((await produce(client(leader), topic, 0, producerBatch({ pid: txnPid, seq: 0, values: ['t'], txn: true }), { transactionalId: 'tx' })).errorCode).toBe(0);
    await refused(producerBatch({ pid: txnPid, seq: 1, values: ['plain'] }), ErrorCode.InvalidTxnState);
  });

  it('a control batch from a client, or a producer batch with a negative sequence → INVALID_RECORD', async () => {
    const b = producerBatch({ pid, epoch: 1, seq: 1, values: ['neg'] });
    const neg = producerBatch({ pid, epoch: 1, seq: -1, values: ['neg'] });
    await refused(neg, ErrorCode.InvalidRecord);
    expect((await produce(client(leader), topic, 0, b)).errorCode).toBe(0);
  });
});

describe('idempotent producers of the real clients', () => {
  it('kcat -X enable.idempotence=true: every line once, in order, in batches with a producer id', async () => {
    const topic = 'kcat-idem';
    await createTopic(topic);
    const lines = Array.from({ length: 300 }, (_, i) => `kcat-${i}`);
    await kcatProduce(cluster.bootstrapServers, topic, lines, { partition: 0, props: { 'enable.idempotence': true, 'linger.ms': 5 } });
    const leader = await leaderOf(topic);
    expect(await allValues(client(leader), topic, 0)).toEqual(lines);
    const f = await fetch(client(leader), topic, 0, 0);
    expect(f.batches.every((b) => b.producerId >= 0)).toBe(true);
  });

  it('confluent-kafka-python enable.idempotence=true: delivery reports with contiguous offsets, no duplicate', async () => {
    const topic = 'ck-idem';
    await createTopic(topic, { partitions: 2 });
    const result = await pythonJson<PyProducerResult>(
      `${PY_PRODUCER}
p = Producer({'bootstrap.servers': sys.argv[1], 'enable.idempotence': True, 'linger.ms': 2, 'error_cb': on_error})
for i in range(400):
    p.produce(sys.argv[2], value=('ck-%d' % i).encode(), partition=i % 2, on_delivery=on_delivery)
    if i % 50 == 0: p.poll(0)
p.flush(30)
result()
`,
      [cluster.bootstrapServers, topic],
    );
    expect(result.errors).toEqual([]);
    expect(result.fatal).toEqual([]);
    expect(result.delivered.length).toBe(400);
    for (const partition of [0, 1]) {
      const mine = result.delivered.filter((d) => d[0] === partition).sort((a, b) => a[1] - b[1]);
      expect(mine.map((d) => d[1])).toEqual(mine.map((_, i) => i));
      const leader = await leaderOf(topic, partition);
      expect(await allValues(client(leader), topic, partition)).toEqual(mine.map((d) => d[2]));
    }
  });

  it('kafkajs idempotent: true (InitProducerId v1 to the controller), sequential sends: once each, in order', async () => {
    const topic = 'kafkajs-idem';
    await createTopic(topic);
    const producer = await clients.producer({ idempotent: true, maxInFlightRequests: 1 });
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) {
      const messages = Array.from({ length: 5 }, (_, j) => ({ value: `kjs-${i * 5 + j}`, partition: 0 }));
      await producer.send({ topic, messages, acks: -1 });
      sent.push(...messages.map((m) => m.value));
    }
    const leader = await leaderOf(topic);
    expect(await allValues(client(leader), topic, 0)).toEqual(sent);
    const f = await fetch(client(leader), topic, 0, 0);
    expect(new Set(f.batches.map((b) => b.producerId)).size).toBe(1);
    expect(f.batches[0]!.producerId).toBeGreaterThanOrEqual(0);
  });
});

describe('producer state on followers and across restarts', () => {
  it('the new leader after a leader stop answers a retry of an acknowledged batch with its original offset', async () => {
    const topic = 'failover-idem';
    await createTopic(topic);
    const leader = await leaderOf(topic);
    const pid = (await initProducerId(client(leader))).producerId;
    for (let seq = 0; seq < 10; seq += 2) {
      expect((await produce(client(leader), topic, 0, producerBatch({ pid, seq, values: [`f${seq}`, `f${seq + 1}`] }))).errorCode).toBe(0);
    }
    await cluster.waitForIsr({ topic, partition: 0 }, cluster.ids);
    await cluster.kill(leader);
    await raw.drop(leader);
    try {
      const next = await cluster.waitForLeader({ topic, partition: 0 }, { not: leader });
      await cluster.waitFor(() => cluster.broker(next).replicaManager.isLeader({ topic, partition: 0 }), 'new leader applied');
      const retry = await produce(client(next), topic, 0, producerBatch({ pid, seq: 8, values: ['f8', 'f9'] }));
      expect(retry).toMatchObject({ errorCode: 0, baseOffset: 8 });
      await expect(produce(client(next), topic, 0, producerBatch({ pid, seq: 6, values: ['f6', 'f7'] }))).resolves.toMatchObject({ errorCode: 0, baseOffset: 6 });
      expect((await produce(client(next), topic, 0, producerBatch({ pid, seq: 12, values: ['gap'] }))).errorCode).toBe(ErrorCode.OutOfOrderSequenceNumber);
      expect((await produce(client(next), topic, 0, producerBatch({ pid, seq: 10, values: ['f10'] }))).baseOffset).toBe(10);
    } finally {
      await cluster.start(leader);
    }
  });

  it('a clean restart loads the producer snapshot (no batch replayed) and the last batch is still a duplicate', async () => {
    const topic = 'restart-idem';
    await createTopic(topic, { assignment: [[1]] });
    const pid = (await initProducerId(client(1))).producerId;
    for (let seq = 0; seq < 40; seq++) expect((await produce(client(1), topic, 0, producerBatch({ pid, seq, values: [`r${seq}`] }))).errorCode).toBe(0);
    await cluster.restart(1, { how: 'stop' });
    await raw.drop(1);
    await leaderOf(topic);
    const log = cluster.broker(1).replicaManager.getPartition({ topic, partition: 0 })!.log!;
    expect(log.producerBatchesReplayed).toBe(0);
    expect(log.producerState.lastEntry(pid)?.lastSeq).toBe(39);
    expect(await produce(client(1), topic, 0, producerBatch({ pid, seq: 39, values: ['r39'] }))).toMatchObject({ errorCode: 0, baseOffset: 39 });
    expect((await produce(client(1), topic, 0, producerBatch({ pid, seq: 38, values: ['r38'] }))).errorCode).toBe(ErrorCode.OutOfOrderSequenceNumber);
    expect((await produce(client(1), topic, 0, producerBatch({ pid, seq: 40, values: ['r40'] }))).baseOffset).toBe(40);
  });
});
