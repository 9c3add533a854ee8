/**
 * kafkajs 2.2.4 transactional producers on a 3-broker in-process cluster (internal topics RF 3,
 * `__transaction_state` with 5 partitions), transactions-and-compaction.md §5.3:
 * - T1: a committed and an aborted transaction over 3 partitions: kafkajs and kcat read_committed see
 *   exactly the committed records; kafka-python 2.0.2 (read_uncommitted only) sees all records and the
 *   control records, without crashing; each partition holds its records and two markers;
 * - the `__transaction_state` records of the id, decoded: Empty → Ongoing → PrepareCommit →
 *   CompleteCommit → Ongoing → PrepareAbort → CompleteAbort;
 * - T7: consume-transform-produce with `sendOffsets` (TxnOffsetCommit v1): during the transaction the
 *   offsets are pending znodes under `/consumers/<g>/txn_offsets/<pid>/…` and the committed znode is
 *   unchanged; after commit `/consumers/<g>/offsets/<t>/<p>` holds the new offset (also through
 *   `admin.fetchOffsets`), the pending children are gone; after an abort nothing moved, the pid znode stays;
 * - T4: a zombie: producer B with A's transactional id fences A (A's open transaction is aborted, B gets
 *   A's epoch + 2); A's next send and its commit fail with INVALID_PRODUCER_EPOCH; readers never see A's
 *   records;
 * - T14: back-to-back transactions in a loop all commit, nothing lost or duplicated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Producer } from 'kafkajs';
import { TRANSACTION_STATE_TOPIC } from '../../../src/cluster/auto-topic-creation.js';
import { partitionFor } from '../../../src/coordinator/coordinator-placement.js';
import { decodeTxnKey, decodeTxnValue } from '../../../src/coordinator/transaction/transaction-log.js';
import { TxnState } from '../../../src/coordinator/transaction/transaction-state.js';
import { readRecords, splitBatches } from '../../../src/protocol/records/index.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, kcatConsume, pythonJson, type KafkaClients } from '../../harness/clients.js';

let cluster: Cluster;
let clients: KafkaClients;
let admin: Admin;

const TXN_PARTITIONS = 5;

async function createTopic(topic: string, partitions: number): Promise<void> {
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 3 }] });
}

function transactionalProducer(transactionalId: string, extra: Record<string, unknown> = {}): Promise<Producer> {
  return clients.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, ...extra });
}

/** kafkajs consumer from the beginning until `count` values (read_committed by default), plus a quiet second. */
async function kafkajsValues(topic: string, count: number, readUncommitted = false): Promise<string[]> {
  const consumer = await clients.consumer({ groupId: `reader-${topic}-${Math.random()}`, readUncommitted });
  const got: string[] = [];
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void got.push(message.value?.toString() ?? '') });
  await cluster.waitFor(() => got.length >= count, `kafkajs read ${count} values of ${topic}`);
  await new Promise((r) => setTimeout(r, 1000));
  await consumer.disconnect();
  return got.sort();
}

/** Every record of the topic's partitions as kafka-python 2.0.2 delivers them (read_uncommitted, control records included). */
function kafkaPythonRecords(topic: string, partitions: number): Promise<Array<{ partition: number; offset: number; key: string | null }>> {
  return pythonJson(
    `
import json, sys
from kafka import KafkaConsumer, TopicPartition
c = KafkaConsumer(bootstrap_servers=sys.argv[1], enable_auto_commit=False, consumer_timeout_ms=4000, api_version_auto_timeout_ms=10000)
tps = [TopicPartition(sys.argv[2], p) for p in range(int(sys.argv[3]))]
c.assign(tps); c.seek_to_beginning(*tps)
out = [{'partition': m.partition, 'offset': m.offset, 'key': m.key.hex() if m.key is not None else None} for m in c]
c.close()
print(json.dumps(out))
`,
    [cluster.bootstrapServers, topic, String(partitions)],
  );
}

/** The `__transaction_state` records of `transactionalId` on its partition's leader, in log order. */
async function txnLog(transactionalId: string): Promise<Array<{ state: number; epoch: number; partitions: number } | null>> {
  const tp = { topic: TRANSACTION_STATE_TOPIC, partition: partitionFor(transactionalId, TXN_PARTITIONS) };
  const leader = await cluster.waitForLeader(tp);
  const log = cluster.broker(leader).replicaManager.getPartition(tp)!.log!;
  const out: Array<{ state: number; epoch: number; partitions: number } | null> = [];
  for (const batch of splitBatches(log.read(log.logStartOffset, 10 << 20, log.logEndOffset))) {
    for (const r of readRecords(batch, { maxUncompressedBytes: 10 << 20 })) {
      if (decodeTxnKey(r.key!) !== transactionalId) continue;
      const v = decodeTxnValue(r.value);
      out.push(v && { state: v.state, epoch: v.producerEpoch, partitions: v.topicPartitions.length });
    }
  }
  return out;
}

const zkText = async (path: string) => (await cluster.zk.zk.tryGetData(path))?.data?.toString('utf8') ?? null;

beforeAll(async () => {
  cluster = await startCluster({ brokers: 3, inProcess: true, brokerConfig: { 'auto.leader.rebalance.enable': false } });
  clients = kafkaClients(cluster.bootstrapServers);
  admin = await clients.admin();
});

afterAll(async () => {
  await clients?.disconnectAll();
  await cluster?.close();
});

describe('kafkajs transactions', () => {
  it('T1: commit and abort over 3 partitions; read_committed readers see only the commit, kafka-python sees everything', async () => {
    const topic = 'txn-t1';
    await createTopic(topic, 3);
    const producer = await transactionalProducer('t1-producer');
    const committed = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `commit-${i}`, partition: i % 3 }));
    const aborted = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `abort-${i}`, partition: i % 3 }));

    let txn = await producer.transaction();
    await txn.send({ topic, messages: committed });
    await txn.commit();
    txn = await producer.transaction();
    await txn.send({ topic, messages: aborted });
    await txn.abort();

    expect(await kafkajsValues(topic, 10)).toEqual(committed.map((m) => m.value).sort());
    // kcat (librdkafka, read_committed by default) to the end of every partition
    const kcat = await kcatConsume(cluster.bootstrapServers, topic);
    expect(kcat.map((m) => m.value).sort()).toEqual(committed.map((m) => m.value).sort());

    const all = await kafkaPythonRecords(topic, 3);
    for (let p = 0; p < 3; p++) {
      const records = all.filter((r) => r.partition === p);
      const mine = [...committed, ...aborted].filter((m) => m.partition === p).length;
      // every data record plus a COMMIT and an ABORT marker (4-byte keys: version 0, type 1 / 0)
      expect(records).toHaveLength(mine + 2);
      expect(records.filter((r) => r.key === '00000001' || r.key === '00000000').map((r) => r.key)).toEqual(['00000001', '00000000']);
    }

    // kafkajs adds partitions per leader broker: one Ongoing record per AddPartitionsToTxn, the set growing
    const states = await txnLog('t1-producer');
    const collapsed = states.filter((r, i) => !(r?.state === TxnState.Ongoing && states[i + 1]?.state === TxnState.Ongoing));
    expect(collapsed).toEqual([
      { state: TxnState.Empty, epoch: 0, partitions: 0 },
      { state: TxnState.Ongoing, epoch: 0, partitions: 3 },
      { state: TxnState.PrepareCommit, epoch: 0, partitions: 3 },
      { state: TxnState.CompleteCommit, epoch: 0, partitions: 0 },
      { state: TxnState.Ongoing, epoch: 0, partitions: 3 },
      { state: TxnState.PrepareAbort, epoch: 0, partitions: 3 },
      { state: TxnState.CompleteAbort, epoch: 0, partitions: 0 },
    ]);
  });

  it('T7: sendOffsets parks the offsets under txn_offsets until the commit moves them to offsets/; an abort drops them', async () => {
    const input = 'txn-t7-in';
    const output = 'txn-t7-out';
    const group = 't7-group';
    await createTopic(input, 1);
    await createTopic(output, 1);
    await admin.setOffsets({ groupId: group, topic: input, partitions: [{ partition: 0, offset: '3' }] });
    expect(await zkText(`/consumers/${group}/offsets/${input}/0`)).toBe('3');

    const producer = await transactionalProducer('t7-producer');
    const txn = await producer.transaction();
    await txn.send({ topic: output, messages: [{ value: 'transformed-3' }] });
    await txn.sendOffsets({ consumerGroupId: group, topics: [{ topic: input, partitions: [{ partition: 0, offset: '4' }] }] });
    const pids = await cluster.zk.zk.getChildren(`/consumers/${group}/txn_offsets`);
    expect(pids).toHaveLength(1);
    const pending = JSON.parse((await zkText(`/consumers/${group}/txn_offsets/${pids[0]}/${input}/0`))!) as { offset: number; producer_epoch: number };
    expect(pending).toMatchObject({ version: 1, offset: 4, producer_epoch: 0 });
    expect(await zkText(`/consumers/${group}/offsets/${input}/0`)).toBe('3');
    await txn.commit();

    await cluster.waitFor(async () => (await zkText(`/consumers/${group}/offsets/${input}/0`)) === '4', 'the commit marker moved the offset');
    expect(await cluster.zk.zk.getChildren(`/consumers/${group}/txn_offsets/${pids[0]}`)).toEqual([]);
    const fetched = await admin.fetchOffsets({ groupId: group, topics: [input] });
    expect(fetched[0]!.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '4' })]);

    const again = await producer.transaction();
    await again.send({ topic: output, messages: [{ value: 'transformed-4' }] });
    await again.sendOffsets({ consumerGroupId: group, topics: [{ topic: input, partitions: [{ partition: 0, offset: '5' }] }] });
    await again.abort();
    await cluster.waitFor(async () => (await cluster.zk.zk.getChildren(`/consumers/${group}/txn_offsets/${pids[0]}`)).length === 0, 'the abort marker dropped the pending offset');
    expect(await zkText(`/consumers/${group}/offsets/${input}/0`)).toBe('4');
    expect(JSON.parse((await zkText(`/consumers/${group}/txn_offsets/${pids[0]}`))!)).toMatchObject({ version: 1, producer_epoch: 0 });
    expect(await kafkajsValues(output, 1)).toEqual(['transformed-3']);
  });

  it('T4: a second producer with the same transactional id fences the first; its open transaction is aborted', async () => {
    const topic = 'txn-t4';
    await createTopic(topic, 1);
    const a = await transactionalProducer('t4-producer');
    const txnA = await a.transaction();
    await txnA.send({ topic, messages: [{ value: 'zombie-1' }] });

    const b = await transactionalProducer('t4-producer');
    const txnB = await b.transaction();
    await txnB.send({ topic, messages: [{ value: 'fresh-1' }] });
    await txnB.commit();

    await expect(txnA.send({ topic, messages: [{ value: 'zombie-2' }] })).rejects.toMatchObject({ type: 'INVALID_PRODUCER_EPOCH' });
    await expect(txnA.commit()).rejects.toMatchObject({ type: 'INVALID_PRODUCER_EPOCH' });
    const states = await txnLog('t4-producer');
    // A: Empty(0), Ongoing(0); B's init fenced it: PrepareAbort(1), CompleteAbort(1); B's retry: Empty(2)
    expect(states.slice(0, 5)).toEqual([
      { state: TxnState.Empty, epoch: 0, partitions: 0 },
      { state: TxnState.Ongoing, epoch: 0, partitions: 1 },
      { state: TxnState.PrepareAbort, epoch: 1, partitions: 1 },
      { state: TxnState.CompleteAbort, epoch: 1, partitions: 0 },
      { state: TxnState.Empty, epoch: 2, partitions: 0 },
    ]);
    expect(await kafkajsValues(topic, 1)).toEqual(['fresh-1']);
  });

  it('T14: back-to-back transactions all commit, nothing lost or duplicated', async () => {
    const topic = 'txn-t14';
    await createTopic(topic, 2);
    const producer = await transactionalProducer('t14-producer');
    const sent: string[] = [];
    for (let i = 0; i < 15; i++) {
      const txn = await producer.transaction();
      const values = [`r${i}-a`, `r${i}-b`];
      await txn.send({ topic, messages: values.map((value, j) => ({ value, partition: j })) });
      await txn.commit();
      sent.push(...values);
    }
    expect(await kafkajsValues(topic, sent.length)).toEqual(sent.sort());
  });
});
