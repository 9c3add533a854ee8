/**
 * Committed offsets live in ZooKeeper (ARCHITECTURE §6), so ZooKeeper going away is where gregor differs from Kafka
 * (whose offsets live in `__consumer_offsets`). While the broker cannot reach ZooKeeper:
 * - OffsetCommit fails at once with COORDINATOR_NOT_AVAILABLE (retriable in every 2.7 client) and writes nothing;
 * - the group keeps its members: heartbeats are coordinator memory, so a kafkajs consumer goes on consuming for
 *   longer than its session timeout without a rebalance;
 * - when ZooKeeper is back, commits succeed again and OffsetFetch returns them.
 * ZooKeeper is killed (SIGKILL) and restarted on the same data (sessions survive that, reliability.md §6.1); the
 * quorum-loss rows of the fault catalogue run the same checks against a 3-node ensemble.
 */
import type { Consumer } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ConsumerOffsetZNode } from '../../../src/zk/znodes.js';
import { startZooKeeper, type ZooKeeperServer } from '../../../src/zk/server-process.js';
import { startCluster, type TestCluster } from '../../harness/cluster.js';
import { kafkaClients, type KafkaClients } from '../../harness/clients.js';
import { errorTypes, waitForMetadataReady } from '../../harness/verifiable.js';

const TOPIC = 'oz';
const GROUP = 'oz-group';
const ZK_OPTS = { tickTimeMs: 500, minSessionTimeoutMs: 1000, maxSessionTimeoutMs: 60000 } as const;

let zk: ZooKeeperServer;
let cluster: TestCluster;
let clients: KafkaClients;

beforeAll(async () => {
  zk = await startZooKeeper(ZK_OPTS);
  cluster = await startCluster({
    brokers: 1,
    zkConnect: `${zk.connectString}/offsets-zk-loss`,
    // a session that outlives the outage: this test is about the connection, not about expiry
    config: { 'zookeeper.session.timeout.ms': 30_000, 'offsets.commit.timeout.ms': 3000 },
  });
  clients = kafkaClients(cluster.bootstrap);
  await waitForMetadataReady(cluster);
});

afterAll(async () => {
  await clients?.disconnectAll();
  await cluster?.shutdown();
  await zk?.stop({ removeData: true });
});

async function committedInZk(partition: number): Promise<string | null> {
  const read = await cluster.zk.zk.tryGetData(ConsumerOffsetZNode.path(GROUP, { topic: TOPIC, partition }));
  return read?.data?.toString() ?? null;
}

/** The kafkajs protocol error of `type` along the cause chain (kafkajs wraps it once retries are exhausted). */
function protocolError(err: unknown, type: string): { retriable?: boolean } | undefined {
  let e = err as { type?: string; retriable?: boolean; originalError?: unknown; cause?: unknown } | undefined;
  for (let i = 0; e && i < 6; i++) {
    if (e.type === type) return e;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return undefined;
}

const commit = (c: Consumer, offset: number) => c.commitOffsets([{ topic: TOPIC, partition: 0, offset: String(offset) }]);

it('ZooKeeper gone: OffsetCommit fails with a retriable error and writes nothing, the group keeps its member, commits work again once it is back', async () => {
  const admin = await clients.admin();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: TOPIC, numPartitions: 2, replicationFactor: 1 }] });
  const producer = await clients.producer();
  await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `v${i}` })) });

  const consumer = await clients.consumer({ groupId: GROUP, maxWaitTimeInMs: 200 });
  let joins = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => void joins++);
  const seen: string[] = [];
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({ autoCommit: false, eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
  await cluster.waitFor(() => seen.length >= 10, 'the consumer read the first 10 records');
  await commit(consumer, 5);
  expect(await committedInZk(0)).toBe('5');
  const membersBefore = (await admin.describeGroups([GROUP])).groups[0]!.members.map((m) => m.memberId);
  const joinsBefore = joins;

  // ZooKeeper gone
  process.kill(zk.pid, 'SIGKILL');
  await zk.exited;
  const outageStart = Date.now();
  const failure = await commit(consumer, 7).then(
    () => null,
    (err: unknown) => err,
  );
  expect(failure).not.toBeNull();
  expect(errorTypes(failure)).toContain('GROUP_COORDINATOR_NOT_AVAILABLE');
  expect(protocolError(failure, 'GROUP_COORDINATOR_NOT_AVAILABLE')?.retriable).toBe(true);

  // the group lives on for longer than the consumer's session timeout (10 s): heartbeats, fetches, no rebalance
  await producer.send({ topic: TOPIC, acks: -1, messages: [{ partition: 1, value: 'during-outage' }] });
  await cluster.waitFor(() => seen.includes('during-outage'), 'the consumer read a record produced during the outage');
  await new Promise((r) => setTimeout(r, Math.max(0, outageStart + 12_000 - Date.now())));
  expect(joins).toBe(joinsBefore);
  const during = (await admin.describeGroups([GROUP])).groups[0]!;
  expect(during.state).toBe('Stable');
  expect(during.members.map((m) => m.memberId)).toEqual(membersBefore);
  const stillFailing = await commit(consumer, 8).then(() => null, (err: unknown) => err);
  expect(errorTypes(stillFailing)).toContain('GROUP_COORDINATOR_NOT_AVAILABLE');

  // ZooKeeper back on the same data: nothing of the failed commits was written; commits succeed again
  const { port, dataDir } = zk;
  await zk.stop({ removeData: false });
  zk = await startZooKeeper({ ...ZK_OPTS, port, dataDir });
  const outageMs = Date.now() - outageStart;
  expect(await committedInZk(0)).toBe('5');
  await cluster.waitFor(async () => (await commit(consumer, 9).then(() => true, () => false)) || null, 'a commit accepted after ZooKeeper came back', 30_000);
  expect(await committedInZk(0)).toBe('9');
  const fetched = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
  expect(fetched[0]!.partitions.find((p) => p.partition === 0)!.offset).toBe('9');
  expect(joins).toBe(joinsBefore);

  // ZooKeeper hung (SIGSTOP): the connection looks alive, the write is sent and never answered — the commit ends
  // after offsets.commit.timeout.ms with REQUEST_TIMED_OUT (indeterminate, as Kafka's), or with
  // COORDINATOR_NOT_AVAILABLE if the client noticed the dead connection first; both retriable
  zk.pause();
  let hungFailure: unknown;
  try {
    hungFailure = await commit(consumer, 10).then(() => null, (err: unknown) => err);
  } finally {
    zk.resume();
  }
  const hungType = ['REQUEST_TIMED_OUT', 'GROUP_COORDINATOR_NOT_AVAILABLE'].find((t) => protocolError(hungFailure, t));
  expect(hungType, `error chain: ${errorTypes(hungFailure).join(' < ')}`).toBeDefined();
  expect(protocolError(hungFailure, hungType!)?.retriable).toBe(true);
  await cluster.waitFor(async () => (await commit(consumer, 11).then(() => true, () => false)) || null, 'a commit accepted after ZooKeeper resumed', 30_000);
  expect(await committedInZk(0)).toBe('11');
  console.log(`offset commit with ZooKeeper hung: ${hungType}`);
  console.log(`offset commits with ZooKeeper gone: failed with COORDINATOR_NOT_AVAILABLE; group kept its member through a ${outageMs} ms outage`);
});
