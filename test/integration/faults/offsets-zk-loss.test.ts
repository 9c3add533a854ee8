/**
 * Committed offsets live in ZooKeeper (ARCHITECTURE §6), so ZooKeeper going away is where gregor differs from Kafka
 * (whose offsets live in `__consumer_offsets`). While the broker cannot reach ZooKeeper:
 * - OffsetCommit fails at once with COORDINATOR_NOT_AVAILABLE (retriable in every 2.7 client) and writes nothing;
 * - the group keeps its members: heartbeats are coordinator memory, so a kafkajs consumer goes on consuming for
 *   longer than its session timeout without a rebalance;
 * - when ZooKeeper is back, commits succeed again and OffsetFetch returns them.
 * Two ways of losing it: the standalone server killed (SIGKILL) and restarted on its data (sessions survive that,
 * reliability.md §6.1) — then hung (SIGSTOP: the write is sent and never answered → REQUEST_TIMED_OUT after
 * offsets.commit.timeout.ms, as Kafka answers an unreplicated commit); and the quorum of a 3-node ensemble lost and
 * restored. The broker's session timeout (30 s) outlives the outages: this is about the connection, not expiry.
 */
import type { Admin, Consumer, Producer } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsumerOffsetZNode } from '../../../src/zk/znodes.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, type KafkaClients } from '../../harness/clients.js';
import { errorTypes, waitForMetadataReady } from '../../harness/verifiable.js';

const TOPIC = 'oz';
const GROUP = 'oz-group';
const CONSUMER_SESSION_MS = 10_000; // the harness's kafkajs consumers

let cluster: Cluster | undefined;
let clients: KafkaClients | undefined;

afterEach(async () => {
  await clients?.disconnectAll();
  await cluster?.close();
  clients = undefined;
  cluster = undefined;
});

/** The kafkajs protocol error of `type` along the cause chain (kafkajs wraps it once retries are exhausted). */
function protocolError(err: unknown, type: string): { retriable?: boolean } | undefined {
  let e = err as { type?: string; retriable?: boolean; originalError?: unknown; cause?: unknown } | undefined;
  for (let i = 0; e && i < 6; i++) {
    if (e.type === type) return e;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return undefined;
}

interface Group {
  cl: Cluster;
  admin: Admin;
  producer: Producer;
  consumer: Consumer;
  seen: string[];
  joins: () => number;
  members: () => Promise<string[]>;
  committedInZk: () => Promise<string | null>;
  commit: (offset: number) => Promise<unknown>;
}

/** One broker on a ZooKeeper of its own (`ensemble` members), a topic, and a kafkajs consumer group member. */
async function startGroup(ensemble: number): Promise<Group> {
  const cl = await startCluster({ brokers: 1, ensemble, brokerConfig: { 'zookeeper.session.timeout.ms': 30_000, 'offsets.commit.timeout.ms': 3000 } });
  cluster = cl;
  clients = kafkaClients(cl.bootstrapServers);
  await waitForMetadataReady(cl);
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
  await cl.waitFor(() => seen.length >= 10, 'the consumer read the first 10 records');
  return {
    cl,
    admin,
    producer,
    consumer,
    seen,
    joins: () => joins,
    members: async () => (await admin.describeGroups([GROUP])).groups[0]!.members.map((m) => m.memberId),
    committedInZk: async () => (await cl.zk.zk.tryGetData(ConsumerOffsetZNode.path(GROUP, { topic: TOPIC, partition: 0 })))?.data?.toString() ?? null,
    commit: (offset) => consumer.commitOffsets([{ topic: TOPIC, partition: 0, offset: String(offset) }]).then(() => null, (err: unknown) => err),
  };
}

/**
 * The common story: a commit before, `takeAway()`, failing commits and a live group for longer than the consumer's
 * session timeout, `bringBack()`, nothing of the failed commits written, commits accepted again. Returns the outage.
 */
async function commitsAcrossOutage(g: Group, takeAway: () => Promise<void>, bringBack: () => Promise<void>): Promise<number> {
  expect(await g.commit(5)).toBeNull();
  expect(await g.committedInZk()).toBe('5');
  const membersBefore = await g.members();
  const joinsBefore = g.joins();

  await takeAway();
  const outageStart = Date.now();
  const failure = await g.commit(7);
  expect(errorTypes(failure)).toContain('GROUP_COORDINATOR_NOT_AVAILABLE');
  expect(protocolError(failure, 'GROUP_COORDINATOR_NOT_AVAILABLE')?.retriable).toBe(true);
  // the group lives on past the consumer's session timeout: heartbeats, fetches, no rebalance
  await g.producer.send({ topic: TOPIC, acks: -1, messages: [{ partition: 1, value: 'during-outage' }] });
  await g.cl.waitFor(() => g.seen.includes('during-outage'), 'the consumer read a record produced during the outage');
  await new Promise((r) => setTimeout(r, Math.max(0, outageStart + CONSUMER_SESSION_MS + 2000 - Date.now())));
  expect(g.joins()).toBe(joinsBefore);
  const during = (await g.admin.describeGroups([GROUP])).groups[0]!;
  expect(during.state).toBe('Stable');
  expect(during.members.map((m) => m.memberId)).toEqual(membersBefore);
  expect(errorTypes(await g.commit(8))).toContain('GROUP_COORDINATOR_NOT_AVAILABLE');

  await bringBack();
  const outageMs = Date.now() - outageStart;
  expect(await g.committedInZk()).toBe('5');
  await g.cl.waitFor(async () => (await g.commit(9)) === null || null, 'a commit accepted after ZooKeeper came back', 30_000);
  expect(await g.committedInZk()).toBe('9');
  const fetched = await g.admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
  expect(fetched[0]!.partitions.find((p) => p.partition === 0)!.offset).toBe('9');
  expect(g.joins()).toBe(joinsBefore);
  return outageMs;
}

describe('offset commits while ZooKeeper is away', () => {
  it('standalone ZooKeeper killed, restarted, then hung: retriable errors, nothing written meanwhile, the group keeps its member', async () => {
    const g = await startGroup(1);
    const zk = g.cl.zookeeper;
    const member = zk.members[0]!.id;
    const outageMs = await commitsAcrossOutage(
      g,
      () => zk.kill(member),
      () => zk.start(member),
    );
    // hung: the connection looks alive, the write is sent and never answered — REQUEST_TIMED_OUT after
    // offsets.commit.timeout.ms (indeterminate, as Kafka's), or COORDINATOR_NOT_AVAILABLE if the client noticed the
    // dead connection first; both retriable
    await zk.pause(member);
    let hung: unknown;
    try {
      hung = await g.commit(10);
    } finally {
      await zk.resume(member);
    }
    const hungType = ['REQUEST_TIMED_OUT', 'GROUP_COORDINATOR_NOT_AVAILABLE'].find((t) => protocolError(hung, t));
    expect(hungType, `error chain: ${errorTypes(hung).join(' < ')}`).toBeDefined();
    expect(protocolError(hung, hungType!)?.retriable).toBe(true);
    await g.cl.waitFor(async () => (await g.commit(11)) === null || null, 'a commit accepted after ZooKeeper resumed', 30_000);
    expect(await g.committedInZk()).toBe('11');
    console.log(`offset commits, standalone ZooKeeper: killed → COORDINATOR_NOT_AVAILABLE, member kept through a ${outageMs} ms outage; hung → ${hungType}`);
  });

  it('quorum of a 3-node ensemble lost and restored: retriable errors, nothing written meanwhile, the group keeps its member', async () => {
    const g = await startGroup(3);
    const zk = g.cl.zookeeper;
    let victims: number[] = [];
    const outageMs = await commitsAcrossOutage(
      g,
      async () => void (victims = await zk.killQuorum()),
      () => zk.restoreQuorum(),
    );
    console.log(`offset commits, ensemble quorum lost (members ${victims.join(',')} killed): COORDINATOR_NOT_AVAILABLE, member kept through a ${outageMs} ms outage`);
  });
});
