/**
 * Transactions across crashes, on 3 brokers as child processes (kill -9 is real), internal topics RF 3 with
 * min ISR 2, data topic RF 3 with min ISR 2; a confluent-kafka-python transactional producer driven step by
 * step over stdin (transactions-and-compaction.md §5.3 T11/T12, ARCHITECTURE §13):
 * 1. the transaction coordinator is killed while a transaction is open: the producer finds the new
 *    coordinator (the new leader of the id's `__transaction_state` partition, which loaded the Ongoing
 *    transaction) and commits; the next transaction of the same id works;
 * 2. the coordinator is killed right after EndTxn was answered while one marker cannot be written (its
 *    partition's min.insync.replicas raised above the replication factor: NOT_ENOUGH_REPLICAS, retried):
 *    the new coordinator loads PrepareCommit and, once the partition accepts markers again, completes it;
 * 3. a data partition's leader is killed between AddPartitionsToTxn and EndTxn: the markers go to the new
 *    leader;
 * 4. the group coordinator is killed between TxnOffsetCommit and the commit: the pending offsets are in
 *    ZooKeeper, so the new leader of the group's `__consumer_offsets` partition commits them on the marker.
 * Every time `__transaction_state` ends in CompleteCommit and the transaction is committed on every
 * partition: read_committed readers then see each of its records exactly once (markers are written per
 * partition, so before CompleteCommit a reader may see some partitions' records and not yet others').
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { TRANSACTION_STATE_TOPIC } from '../../../src/cluster/auto-topic-creation.js';
import { partitionFor } from '../../../src/coordinator/coordinator-placement.js';
import { decodeTxnKey, decodeTxnValue } from '../../../src/coordinator/transaction/transaction-log.js';
import { TxnState } from '../../../src/coordinator/transaction/transaction-state.js';
import { ElectLeadersRequest, ElectLeadersResponse } from '../../../src/protocol/messages/elect-leaders.js';
import { FetchRequest, FetchResponse } from '../../../src/protocol/messages/fetch.js';
import { readRecords, splitBatches } from '../../../src/protocol/records/index.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, PYTHON, type KafkaClients } from '../../harness/clients.js';
import { waitForMetadataReady } from '../../harness/verifiable.js';
import { rawClient } from '../eos/eos-kit.js';
import { pythonReadAll } from './txn-kit.js';

const TOPIC = 'fo-data';
/** a partition whose marker the second scenario holds back */
const BLOCKED = 'fo-blocked';
const PARTITIONS = 3;
const TXN_PARTITIONS = 3;
const OFFSETS_PARTITIONS = 3;

let cluster: Cluster;
let clients: KafkaClients;
let admin: Admin;
const producers: TxnProducer[] = [];

/** A librdkafka transactional producer in a child process, one command per stdin line, one JSON answer per line. */
class TxnProducer {
  private readonly answers: Array<Record<string, unknown>> = [];
  private readonly waiters: Array<() => void> = [];
  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      this.answers.push(JSON.parse(line) as Record<string, unknown>);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static start(transactionalId: string): TxnProducer {
    const script = `
import json, sys
from confluent_kafka import Producer, Consumer, TopicPartition, KafkaException
bootstrap, topic, txn_id, partitions = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
p = Producer({'bootstrap.servers': bootstrap, 'transactional.id': txn_id, 'acks': 'all', 'transaction.timeout.ms': 120000})
def out(o): print(json.dumps(o), flush=True)
def run(cmd):
    if cmd[0] == 'init': p.init_transactions(60)
    elif cmd[0] == 'begin': p.begin_transaction()
    elif cmd[0] == 'send':
        for i in range(int(cmd[2])): p.produce(topic, value=('%s-%d' % (cmd[1], i)).encode(), partition=i % partitions)
        left = p.flush(60)
        if left: raise Exception('%d messages not delivered' % left)
    elif cmd[0] == 'send-to':
        p.produce(cmd[1], value=cmd[2].encode(), partition=0)
        left = p.flush(60)
        if left: raise Exception('%d messages not delivered' % left)
    elif cmd[0] == 'offsets':
        c = Consumer({'bootstrap.servers': bootstrap, 'group.id': cmd[1]})
        p.send_offsets_to_transaction([TopicPartition(cmd[2], int(cmd[3]), int(cmd[4]))], c.consumer_group_metadata(), 60)
        c.close()
    elif cmd[0] == 'commit': p.commit_transaction(60)
for line in sys.stdin:
    cmd = line.split()
    if not cmd or cmd[0] == 'quit': break
    try:
        run(cmd)
        out({'ok': cmd[0]})
    except KafkaException as e:
        err = e.args[0]
        out({'error': err.name(), 'fatal': err.fatal(), 'retriable': err.retriable(), 'abortable': err.txn_requires_abort()})
    except Exception as e:
        out({'error': str(e)})
`;
    const child = spawn(PYTHON, ['-c', script, cluster.bootstrapServers, TOPIC, transactionalId, String(PARTITIONS)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const p = new TxnProducer(child);
    producers.push(p);
    return p;
  }

  /** Sends one command and waits for its answer. */
  async do(command: string, timeoutMs = 90_000): Promise<Record<string, unknown>> {
    const index = this.answers.length;
    this.child.stdin.write(`${command}\n`);
    const deadline = Date.now() + timeoutMs;
    while (this.answers.length <= index) {
      if (Date.now() > deadline || this.child.exitCode !== null) throw new Error(`no answer to ${command}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
    return this.answers[index]!;
  }

  /** A command that must succeed; retriable errors (a coordinator moving) are retried as a client would. */
  async must(command: string): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const a = await this.do(command);
      if (a.ok) return;
      if (!a.retriable) throw new Error(`${command} failed: ${JSON.stringify(a)}`);
    }
    throw new Error(`${command} kept failing`);
  }

  stop(): void {
    this.child.stdin.end('quit\n');
    if (this.child.pid !== undefined && this.child.exitCode === null) setTimeout(() => this.child.kill('SIGKILL'), 5000).unref();
  }
}

/** Every value of the topic as a read_committed librdkafka consumer delivers it, to the end of each partition. */
function committedValues(topic = TOPIC, partitions = PARTITIONS): Promise<string[]> {
  return pythonReadAll(cluster.bootstrapServers, topic, partitions);
}

const values = (tag: string, n: number) => Array.from({ length: n }, (_, i) => `${tag}-${i}`);

/** The last `__transaction_state` record of `transactionalId`, read from the partition leader with a Fetch. */
async function lastTxnState(transactionalId: string): Promise<{ state: number; epoch: number } | null> {
  const tp = { topic: TRANSACTION_STATE_TOPIC, partition: partitionFor(transactionalId, TXN_PARTITIONS) };
  const leader = await cluster.waitForLeader(tp);
  const c = rawClient(cluster.port(leader));
  try {
    let last: { state: number; epoch: number } | null = null;
    for (let offset = 0; ; ) {
      const res = await c.send({ request: FetchRequest, response: FetchResponse }, 11, {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        topics: [{ topic: tp.topic, partitions: [{ partition: tp.partition, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] }],
        forgottenTopicsData: [],
      });
      const batches = splitBatches(res.responses[0]!.partitionResponses[0]!.recordSet ?? Buffer.alloc(0));
      if (batches.length === 0) return last;
      for (const b of batches) {
        for (const r of readRecords(b, { maxUncompressedBytes: 1 << 24 })) {
          if (decodeTxnKey(r.key!) !== transactionalId) continue;
          const v = decodeTxnValue(r.value);
          last = v && { state: v.state, epoch: v.producerEpoch };
        }
        offset = b.lastOffset + 1;
      }
    }
  } finally {
    await c.close();
  }
}

async function coordinatorOf(transactionalId: string): Promise<number> {
  return cluster.waitForLeader({ topic: TRANSACTION_STATE_TOPIC, partition: partitionFor(transactionalId, TXN_PARTITIONS) });
}

/**
 * Restarts a killed broker, waits until it is back in every ISR, then moves every leadership back to its
 * preferred replica (ElectLeaders), so the next scenario starts from spread-out leaders.
 */
async function restore(id: number): Promise<void> {
  await cluster.start(id);
  const all = [
    ...Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition })),
    ...Array.from({ length: TXN_PARTITIONS }, (_, partition) => ({ topic: TRANSACTION_STATE_TOPIC, partition })),
  ];
  for (const tp of all) await cluster.waitForIsr(tp, cluster.ids, { timeoutMs: 60_000 });
  const controller = rawClient(cluster.port(await cluster.controllerId()));
  try {
    await controller.send({ request: ElectLeadersRequest, response: ElectLeadersResponse }, 1, { electionType: 0, topicPartitions: null, timeoutMs: 30_000 });
  } finally {
    await controller.close();
  }
  for (const tp of all) {
    const preferred = (await cluster.zk.getTopicAssignment(tp.topic))!.assignment.get(tp.partition)!.replicas[0]!;
    await cluster.waitFor(async () => (await cluster.partitionState(tp))?.leader === preferred, `${tp.topic}-${tp.partition} led by its preferred replica`);
  }
  await waitForMetadataReady(cluster);
}

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 3,
    brokerConfig: {
      'transaction.state.log.num.partitions': TXN_PARTITIONS,
      'transaction.state.log.replication.factor': 3,
      'transaction.state.log.min.isr': 2,
      'offsets.topic.replication.factor': 3,
      'offsets.topic.num.partitions': OFFSETS_PARTITIONS,
      'zookeeper.session.timeout.ms': 4000,
      'auto.leader.rebalance.enable': false,
    },
  });
  clients = kafkaClients(cluster.bootstrapServers);
  await waitForMetadataReady(cluster);
  admin = await clients.admin();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] },
      { topic: BLOCKED, numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] },
    ],
  });
  for (let partition = 0; partition < PARTITIONS; partition++) await cluster.waitForIsr({ topic: TOPIC, partition }, cluster.ids);
});

afterAll(async () => {
  for (const p of producers) p.stop();
  await clients?.disconnectAll();
  await cluster?.close();
});

describe('transactions across kill -9', () => {
  const expected: string[] = [];

  it('the coordinator dies while the transaction is open: the producer commits through the new coordinator', async () => {
    const producer = TxnProducer.start('fo-coordinator');
    await producer.must('init');
    const coordinator = await coordinatorOf('fo-coordinator');
    await producer.must('begin');
    await producer.must('send a 30');
    await cluster.kill(coordinator);
    const next = await cluster.waitForLeader({ topic: TRANSACTION_STATE_TOPIC, partition: partitionFor('fo-coordinator', TXN_PARTITIONS) }, { not: coordinator });
    expect(next).not.toBe(coordinator);
    await producer.must('commit');
    expected.push(...values('a', 30));
    await producer.must('begin');
    await producer.must('send b 9');
    await producer.must('commit');
    expected.push(...values('b', 9));
    await cluster.waitFor(async () => (await lastTxnState('fo-coordinator'))?.state === TxnState.CompleteCommit, 'CompleteCommit written');
    expect(await committedValues()).toEqual([...expected].sort());
    producer.stop();
    await restore(coordinator);
  });

  it('the coordinator dies after answering EndTxn while a marker cannot be written: the new coordinator completes the commit', async () => {
    const producer = TxnProducer.start('fo-markers');
    await producer.must('init');
    const coordinator = await coordinatorOf('fo-markers');
    await producer.must('begin');
    await producer.must('send c 30');
    await producer.must(`send-to ${BLOCKED} blocked-0`);
    // min.insync.replicas above the replication factor: the COMMIT marker of BLOCKED is refused
    // (NOT_ENOUGH_REPLICAS) and retried, so the transaction stays in PrepareCommit
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: BLOCKED, configEntries: [{ name: 'min.insync.replicas', value: '4' }] }] });
    // the leader applies the change when its config-change watcher fires: probe with an acks=all send
    const probe = await clients.producer({ retry: { retries: 0 } });
    await cluster.waitFor(
      () =>
        probe.send({ topic: BLOCKED, acks: -1, messages: [{ value: 'probe' }] }).then(
          () => false,
          // NOT_ENOUGH_REPLICAS, as kafkajs words it once its retries are spent
          (err: Error) => /fewer in-sync replicas than required/.test(err.message),
        ),
      'the leader of the blocked partition refuses acks=all appends',
    );
    await producer.must('commit');
    await cluster.waitFor(async () => (await lastTxnState('fo-markers'))?.state === TxnState.PrepareCommit, 'PrepareCommit written');
    await new Promise((r) => setTimeout(r, 1000));
    expect((await lastTxnState('fo-markers'))?.state).toBe(TxnState.PrepareCommit);
    await cluster.kill(coordinator);
    const successor = await cluster.waitForLeader({ topic: TRANSACTION_STATE_TOPIC, partition: partitionFor('fo-markers', TXN_PARTITIONS) }, { not: coordinator });
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: BLOCKED, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }] });
    expected.push(...values('c', 30));
    // markers are per partition: read once the new coordinator has written them all
    await cluster.waitFor(async () => (await lastTxnState('fo-markers'))?.state === TxnState.CompleteCommit, 'CompleteCommit written by the new coordinator', 60_000);
    // the new coordinator found the transaction in PrepareCommit when it loaded the partition
    const loaded = (await readFile(cluster.logFile(successor), 'utf8'))
      .split('\n')
      .filter((l) => l.includes('loaded __transaction_state partition'))
      .map((l) => JSON.parse(l) as { partition: number; toComplete: number });
    expect(loaded.filter((l) => l.partition === partitionFor('fo-markers', TXN_PARTITIONS) && l.toComplete >= 1)).not.toEqual([]);
    expect(await committedValues()).toEqual([...expected].sort());
    // every probe before the change took effect is a plain record (read_committed shows it too)
    expect((await committedValues(BLOCKED, 1)).filter((v) => v !== 'probe')).toEqual(['blocked-0']);
    producer.stop();
    await restore(coordinator);
  });

  it('a data partition leader dies between AddPartitionsToTxn and EndTxn: the markers reach its successor', async () => {
    const producer = TxnProducer.start('fo-leader');
    await producer.must('init');
    const coordinator = await coordinatorOf('fo-leader');
    await producer.must('begin');
    await producer.must('send d 30');
    let victim = -1;
    let victimPartition = -1;
    for (let p = 0; p < PARTITIONS && victim < 0; p++) {
      const leader = await cluster.waitForLeader({ topic: TOPIC, partition: p });
      if (leader !== coordinator) [victim, victimPartition] = [leader, p];
    }
    await cluster.kill(victim);
    await cluster.waitForLeader({ topic: TOPIC, partition: victimPartition }, { not: victim });
    await producer.must('commit');
    expected.push(...values('d', 30));
    await cluster.waitFor(async () => (await lastTxnState('fo-leader'))?.state === TxnState.CompleteCommit, 'CompleteCommit written');
    expect(await committedValues()).toEqual([...expected].sort());
    producer.stop();
    await restore(victim);
  });

  it('the group coordinator dies between TxnOffsetCommit and the commit: its successor commits the pending offsets from ZooKeeper', async () => {
    const group = 'fo-group';
    const producer = TxnProducer.start('fo-offsets');
    await producer.must('init');
    await producer.must('begin');
    await producer.must('send e 3');
    await producer.must(`offsets ${group} ${TOPIC} 0 42`);
    const [pid] = await cluster.zk.zk.getChildren(`/consumers/${group}/txn_offsets`);
    expect(JSON.parse((await cluster.zk.zk.getData(`/consumers/${group}/txn_offsets/${pid}/${TOPIC}/0`)).data!.toString())).toMatchObject({ offset: 42 });
    const offsetsTp = { topic: '__consumer_offsets', partition: partitionFor(group, OFFSETS_PARTITIONS) };
    const groupCoordinator = await cluster.waitForLeader(offsetsTp);
    await cluster.kill(groupCoordinator);
    await cluster.waitForLeader(offsetsTp, { not: groupCoordinator });
    await producer.must('commit');
    expected.push(...values('e', 3));
    await cluster.waitFor(async () => (await cluster.zk.zk.tryGetData(`/consumers/${group}/offsets/${TOPIC}/0`))?.data?.toString() === '42', 'the offset committed by the new group coordinator');
    expect(await cluster.zk.zk.getChildren(`/consumers/${group}/txn_offsets/${pid}`)).toEqual([]);
    await cluster.waitFor(async () => (await lastTxnState('fo-offsets'))?.state === TxnState.CompleteCommit, 'CompleteCommit written');
    expect(await committedValues()).toEqual([...expected].sort());
    producer.stop();
    await restore(groupCoordinator);
  });
});
