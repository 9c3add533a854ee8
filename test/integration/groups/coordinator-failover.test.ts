/**
 * Group coordinator failover (ARCHITECTURE §6), on a 3-broker cluster of child processes with
 * offsets.topic.replication.factor = 3 and 3 `__consumer_offsets` partitions. The coordinator of a group is the
 * leader of `__consumer_offsets` partition `Utils.abs(group.hashCode) % 3`; committed offsets live in ZooKeeper, so
 * a new coordinator has them at once, while membership (coordinator memory) is rebuilt by the members rejoining.
 *
 * The group name is chosen so that its coordinator is not the controller (a plain coordinator crash, no
 * controller failover mixed in). Two kafkajs consumers (eachMessage, a few ms per record, small fetches, kafkajs's
 * default of a commit after each batch) read a 3-partition RF 3 topic. The steps run in order on one cluster:
 * 1. the group is Stable with 2 members, reads what was produced; the offsets in ZooKeeper reach the log end and
 *    equal `admin.fetchOffsets`;
 * 2. a large round is being consumed when the coordinator is SIGKILLed; records are produced while the cluster
 *    fails over. A new leader of the group's partition (≠ the killed broker) loads the group; the consumers rejoin
 *    it (new member ids, Stable with 2 members again) and resume exactly at the offsets committed before the kill:
 *    every produced record is delivered, and the only records delivered twice are in the uncommitted tail at kill
 *    time (offset ≥ the committed offset then). The committed offsets keep advancing to the log end, equal in
 *    ZooKeeper and `admin.fetchOffsets`; the ZooKeeper membership mirror shows only the new members.
 */
import { readFile } from 'node:fs/promises';
import { AssignerProtocol, type Admin, type Consumer, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TopicPartition } from '../../../src/common/topic-partition.js';
import { GROUP_METADATA_TOPIC_NAME, partitionFor } from '../../../src/coordinator/coordinator-placement.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, type KafkaClients } from '../../harness/clients.js';
import { waitForMetadataReady } from '../../harness/verifiable.js';
import { waitFor } from '../../harness/wait-for.js';

const TOPIC = 'coord-failover';
const PARTITIONS = 3;
const OFFSETS_PARTITIONS = 3;
const PER_RECORD_MS = 3; // consumer "work" per record, so that a batch is still being processed at kill time

interface Delivery {
  consumer: string;
  /** how many GROUP_JOINs this consumer had seen when the record was delivered */
  joins: number;
  partition: number;
  offset: number;
  value: string;
  at: number;
}

let cluster: Cluster;
let clients: KafkaClients;
let admin: Admin;
let producer: Producer;
let group = '';
let offsetsTp: TopicPartition;
const deliveries: Delivery[] = [];
const produced: string[] = [];
const consumers = new Map<string, Consumer>();
/** per consumer: times of its GROUP_JOIN events */
const joins = new Map<string, number[]>();
const crashes: string[] = [];
let seq = 0;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function batch(perPartition: number): Array<{ partition: number; value: string }> {
  const out = [];
  for (let i = 0; i < perPartition; i++) for (let p = 0; p < PARTITIONS; p++) out.push({ partition: p, value: `p${p}-${seq++}` });
  return out;
}

/** One acks=all send; the values count as produced once acknowledged. */
async function send(messages: Array<{ partition: number; value: string }>): Promise<void> {
  await producer.send({ topic: TOPIC, acks: -1, messages });
  produced.push(...messages.map((m) => m.value));
}

/** Sends until acknowledged (a failed attempt may still have written some of it: deliveries are keyed by offset). */
async function sendRetrying(messages: Array<{ partition: number; value: string }>, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await send(messages);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(250);
    }
  }
}

async function startConsumer(name: string): Promise<void> {
  const c = await clients.consumer({ groupId: group, maxWaitTimeInMs: 200, maxBytesPerPartition: 512 });
  joins.set(name, []);
  c.on(c.events.GROUP_JOIN, () => joins.get(name)!.push(Date.now()));
  c.on(c.events.CRASH, (e) => crashes.push(`${name}: ${String(e.payload.error)} (restart ${String(e.payload.restart)})`));
  await c.subscribe({ topic: TOPIC, fromBeginning: true });
  await c.run({
    eachMessage: async ({ partition, message }) => {
      deliveries.push({
        consumer: name,
        joins: joins.get(name)!.length,
        partition,
        offset: Number(message.offset),
        value: message.value?.toString() ?? '',
        at: Date.now(),
      });
      await sleep(PER_RECORD_MS);
    },
  });
  consumers.set(name, c);
}

interface MemberView {
  memberId: string;
  partitions: number[];
}

/** Waits for a Stable group of `n` members whose assignments cover every partition exactly once. */
async function waitStable(n: number, timeoutMs = 45_000): Promise<MemberView[]> {
  return waitFor(
    async () => {
      const { groups } = await admin.describeGroups([group]);
      const g = groups[0]!;
      if (g.state !== 'Stable' || g.members.length !== n) return null;
      const members = g.members.map((m) => ({
        memberId: m.memberId,
        partitions: [...(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[TOPIC] ?? [])],
      }));
      const all = members.flatMap((m) => m.partitions).sort((a, b) => a - b);
      return all.join(',') === [...Array(PARTITIONS).keys()].join(',') ? members : null;
    },
    { what: `group ${group} Stable with ${n} members covering ${PARTITIONS} partitions`, timeoutMs, intervalMs: 200 },
  );
}

async function waitDelivered(values: readonly string[], what: string, timeoutMs = 45_000): Promise<void> {
  let missing: readonly string[] = values;
  await waitFor(
    () => {
      const seen = new Set(deliveries.map((d) => d.value));
      missing = values.filter((v) => !seen.has(v));
      return missing.length === 0;
    },
    { what, timeoutMs, intervalMs: 100 },
  ).catch((err: unknown) => {
    const which = `${missing.length} missing, e.g. ${missing.slice(0, 3).join(',')}`;
    throw new Error(`${String(err)}: ${which}; consumer crashes: ${crashes.join(' | ') || 'none'}`);
  });
}

async function zkOffsets(): Promise<Map<number, number | null>> {
  const out = new Map<number, number | null>();
  for (let p = 0; p < PARTITIONS; p++) {
    const r = await cluster.zk.zk.tryGetData(`/consumers/${group}/offsets/${TOPIC}/${p}`);
    out.set(p, r ? Number(r.data?.toString('utf8')) : null);
  }
  return out;
}

async function endOffsets(): Promise<Map<number, number>> {
  const offs = await admin.fetchTopicOffsets(TOPIC);
  return new Map(offs.map((o) => [o.partition, Number(o.high)]));
}

async function fetchedOffsets(): Promise<Map<number, number>> {
  const [t] = await admin.fetchOffsets({ groupId: group, topics: [TOPIC] });
  return new Map((t?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
}

/** Waits until ZooKeeper holds the log end offsets as the group's committed offsets; checks fetchOffsets agrees. */
async function expectCommittedAtLogEnd(what: string): Promise<Map<number, number>> {
  const ends = await endOffsets();
  await waitFor(
    async () => {
      const zk = await zkOffsets();
      return [...ends].every(([p, end]) => zk.get(p) === end);
    },
    { what: `${what}: ZooKeeper offsets at the log end ${JSON.stringify([...ends])}`, timeoutMs: 30_000, intervalMs: 100 },
  );
  expect(await fetchedOffsets()).toEqual(ends);
  return ends;
}

/** Whether a broker's pino log says it loaded the groups of `__consumer_offsets` partition `partition`. */
async function loadedGroupsOf(id: number, partition: number): Promise<boolean> {
  const text = await readFile(cluster.logFile(id), 'utf8').catch(() => '');
  return text.split('\n').some((line) => {
    if (!line.includes('groups of __consumer_offsets partition loaded')) return false;
    try {
      return (JSON.parse(line) as { partition?: number }).partition === partition;
    } catch {
      return false;
    }
  });
}

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 3,
    brokerConfig: {
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
    topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
  });
  for (let p = 0; p < PARTITIONS; p++) await cluster.waitForIsr({ topic: TOPIC, partition: p }, cluster.ids);
  // The first FindCoordinator creates __consumer_offsets (RF 3); wait until every partition has its full ISR.
  await waitFor(async () => (await admin.describeGroups(['probe'])).groups.length === 1, {
    what: 'a coordinator for a probe group',
    timeoutMs: 30_000,
    intervalMs: 200,
  });
  for (let p = 0; p < OFFSETS_PARTITIONS; p++) await cluster.waitForIsr({ topic: GROUP_METADATA_TOPIC_NAME, partition: p }, cluster.ids);
  // A group whose coordinator is not the controller.
  const controller = await cluster.controllerId();
  for (let i = 0; ; i++) {
    const name = `failover-group-${i}`;
    const partition = partitionFor(name, OFFSETS_PARTITIONS);
    const leader = (await cluster.partitionState({ topic: GROUP_METADATA_TOPIC_NAME, partition }))!.leader;
    if (leader !== controller || i >= 50) {
      group = name;
      offsetsTp = { topic: GROUP_METADATA_TOPIC_NAME, partition };
      break;
    }
  }
  producer = await clients.producer();
});

afterAll(async () => {
  await Promise.all([...consumers.values()].map((c) => c.stop().catch(() => {})));
  await clients?.disconnectAll();
  await cluster?.close();
});

describe('groups - coordinator failover (kill -9, process mode)', () => {
  let before: MemberView[] = [];

  it('groups - two consumers read and commit; offsets in ZooKeeper at the log end and equal to fetchOffsets', async () => {
    await Promise.all(['a', 'b'].map((n) => startConsumer(n)));
    before = await waitStable(2);
    const round1 = batch(20);
    await send(round1);
    await waitDelivered(
      round1.map((m) => m.value),
      'the first round',
    );
    await expectCommittedAtLogEnd('after the first round');
    // the coordinator is the leader of the group's __consumer_offsets partition, and loaded it
    const coordinator = (await cluster.partitionState(offsetsTp))!.leader;
    expect(await loadedGroupsOf(coordinator, offsetsTp.partition)).toBe(true);
    expect(coordinator).not.toBe(await cluster.controllerId());
  });

  it('groups - the coordinator is killed mid-stream; the group resumes on the new leader at its committed offsets', async () => {
    const killed = (await cluster.partitionState(offsetsTp))!.leader;
    const survivors = cluster.ids.filter((id) => id !== killed);

    // A large round in small record batches: the consumers fetch a few at a time (maxBytesPerPartition) and commit
    // after each, so offsets are committed mid-round and the kill lands with an uncommitted tail being processed.
    const startDeliveries = deliveries.length;
    const committedBefore = await zkOffsets();
    for (let i = 0; i < 30; i++) await send(batch(10));
    await waitFor(() => deliveries.length - startDeliveries >= 300, { what: '300 records of the large round delivered', timeoutMs: 30_000 });
    const killAt = Date.now();
    await cluster.kill(killed);
    await sleep(300); // a commit written to the socket just before the kill lands (or not) by now
    const committedAtKill = await zkOffsets();
    const deliveredAtKill = deliveries.length;
    // the old coordinator took commits of the large round before it died
    expect([...committedAtKill].some(([p, o]) => o! > committedBefore.get(p)!), JSON.stringify([...committedAtKill])).toBe(true);

    // Produce while the cluster fails over (the producer's requests to the dead broker fail and are retried).
    const producing = (async () => {
      for (let i = 0; i < 10; i++) {
        await sendRetrying(batch(5));
        await sleep(200);
      }
    })();

    const next = await cluster.waitForLeader(offsetsTp, { not: killed, timeoutMs: 30_000 });
    expect(survivors).toContain(next);
    // no coordinator between the kill and the election: nothing could commit meanwhile
    expect(await zkOffsets()).toEqual(committedAtKill);
    await cluster.waitFor(() => loadedGroupsOf(next, offsetsTp.partition), `broker ${next} loaded __consumer_offsets-${offsetsTp.partition}`, 30_000);

    // the members rejoin the new coordinator: new member ids, both members, all partitions assigned
    const after = await waitStable(2);
    const oldIds = new Set(before.map((m) => m.memberId));
    expect(after.every((m) => !oldIds.has(m.memberId))).toBe(true);
    await producing;

    // more records once the group is back
    const round4 = batch(20);
    await sendRetrying(round4);
    await waitDelivered(produced, 'every acknowledged record, across the failover');

    // Exactly once except for the uncommitted tail: a record delivered twice is at or past the offset committed
    // when the coordinator died (C[p]); nothing below C[p] came again.
    const count = new Map<string, Delivery[]>();
    for (const d of deliveries) {
      const k = `${d.partition}:${d.offset}`;
      count.set(k, [...(count.get(k) ?? []), d]);
    }
    const dups = [...count.values()].filter((ds) => ds.length > 1);
    for (const ds of dups) {
      const d = ds[0]!;
      expect(d.offset, `re-delivered ${d.partition}:${d.offset}`).toBeGreaterThanOrEqual(committedAtKill.get(d.partition)!);
      expect(ds.length).toBe(2);
      // the first delivery was before the consumers rejoined, the second after
      expect(ds[0]!.joins).toBeLessThan(ds[1]!.joins);
    }
    // After their first join past the kill, the consumers start each partition exactly at C[p].
    const rejoinedAt = new Map([...joins].map(([name, ts]) => [name, ts.findIndex((t) => t > killAt) + 1]));
    const fresh = deliveries.filter((d) => {
      const j = rejoinedAt.get(d.consumer)!;
      return j > 0 && d.joins >= j;
    });
    for (let p = 0; p < PARTITIONS; p++) {
      const first = fresh.filter((d) => d.partition === p).sort((x, y) => x.at - y.at)[0];
      expect(first?.offset, `first offset of partition ${p} after the failover`).toBe(committedAtKill.get(p));
    }
    // per partition, the deliveries after the rejoin are in order and contiguous up to the log end
    const ends = await endOffsets();
    for (let p = 0; p < PARTITIONS; p++) {
      const offsets = fresh.filter((d) => d.partition === p).map((d) => d.offset);
      const from = committedAtKill.get(p)!;
      expect(new Set(offsets).size).toBe(offsets.length);
      expect([...offsets].sort((a, b) => a - b)).toEqual(Array.from({ length: ends.get(p)! - from }, (_, i) => from + i));
    }

    // committed offsets advanced past C[p] to the log end, in ZooKeeper and through OffsetFetch
    const committedNow = await expectCommittedAtLogEnd('after the failover');
    for (let p = 0; p < PARTITIONS; p++) expect(committedNow.get(p)!).toBeGreaterThan(committedAtKill.get(p)!);

    // the mirror: only the new members under ids (the dead coordinator's ephemerals went with its session)
    await waitFor(
      async () => {
        const ids = await cluster.zk.zk.getChildren(`/consumers/${group}/ids`).catch(() => []);
        return ids.sort().join(',') === after.map((m) => m.memberId).sort().join(',');
      },
      { what: 'ids znodes of the rejoined members only', timeoutMs: 15_000, intervalMs: 100 },
    );

    const tail = dups.length;
    const uncommittedAtKill = [...Array(PARTITIONS).keys()].map((p) => {
      const seen = deliveries.slice(0, deliveredAtKill).filter((d) => d.partition === p);
      return Math.max(0, Math.max(-1, ...seen.map((d) => d.offset)) + 1 - committedAtKill.get(p)!);
    });
    console.log(
      `coordinator ${killed} → ${next} (__consumer_offsets-${offsetsTp.partition}); committed at kill ${JSON.stringify([...committedAtKill])}; ` +
        `delivered-but-uncommitted at kill ${JSON.stringify(uncommittedAtKill)}; re-delivered ${tail}; consumer crashes (kafkajs restarts them): ${crashes.join(" | ") || "none"}`,
    );
  });
});
