/**
 * Consumer groups through kafkajs 2.2.4 on a 3-broker in-process cluster (real ZooKeeper), committed offsets in
 * ZooKeeper (ARCHITECTURE §6). One cluster for the whole file; the tests run in order and share one group story:
 *
 * 1. three consumers (eachMessage) over a 6-partition topic, group Stable before anything is produced; they read
 *    exactly what was produced, per-partition in order; the ZooKeeper mirror shows the members under
 *    `/consumers/<g>/ids` and the owners under `/consumers/<g>/owners/<t>/<p>` as the group's assignment says;
 *    DescribeGroups / ListGroups agree; DeleteGroups answers NON_EMPTY_GROUP while members are active;
 * 2. one consumer disconnects: the two others take its partitions and keep consuming new records, with no
 *    record delivered twice;
 * 3. everyone stops: the committed offsets are the log end offsets, are in ZooKeeper as decimal text and equal
 *    `admin.fetchOffsets`; a restarted consumer of the same group (eachBatch) receives only what was produced
 *    after the commit;
 * 4. with the group Empty, DeleteGroups removes it: its offset znodes are gone and DescribeGroups says Dead.
 *
 * offsets.topic.replication.factor = 1 (followers are not implemented yet); topics RF 1, spread over 3 brokers.
 */
import { AssignerProtocol, type Admin, type Consumer, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, type KafkaClients } from '../../harness/clients.js';
import { waitFor } from '../../harness/wait-for.js';

const TOPIC = 'groups-kjs';
const GROUP = 'kjs-group';
const PARTITIONS = 6;

interface Delivery {
  consumer: string;
  partition: number;
  offset: number;
  value: string;
}

let cluster: Cluster;
let clients: KafkaClients;
let admin: Admin;
let producer: Producer;
const deliveries: Delivery[] = [];
const produced: string[] = [];
const consumers = new Map<string, Consumer>();
let produceSeq = 0;

/** `perPartition` records to every partition; value `p<partition>-<seq>`. */
async function produceRound(perPartition: number): Promise<string[]> {
  const values: string[] = [];
  const messages = [];
  for (let i = 0; i < perPartition; i++) {
    for (let p = 0; p < PARTITIONS; p++) {
      const value = `p${p}-${produceSeq++}`;
      values.push(value);
      messages.push({ partition: p, key: `k${p}`, value });
    }
  }
  await producer.send({ topic: TOPIC, messages, acks: -1 });
  produced.push(...values);
  return values;
}

async function startConsumer(name: string, mode: 'eachMessage' | 'eachBatch' = 'eachMessage'): Promise<Consumer> {
  const c = await clients.consumer({ groupId: GROUP, maxWaitTimeInMs: 300 });
  await c.subscribe({ topic: TOPIC, fromBeginning: true });
  const record = (partition: number, offset: string, value: Buffer | null) =>
    deliveries.push({ consumer: name, partition, offset: Number(offset), value: value?.toString() ?? '' });
  if (mode === 'eachMessage') {
    await c.run({ eachMessage: async ({ partition, message }) => void record(partition, message.offset, message.value) });
  } else {
    await c.run({
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) record(batch.partition, m.offset, m.value);
      },
    });
  }
  consumers.set(name, c);
  return c;
}

interface MemberView {
  memberId: string;
  clientId: string;
  partitions: number[];
}

/** DescribeGroups, with each member's assignment of TOPIC decoded. */
async function describe1(): Promise<{ state: string; protocol: string; protocolType: string; members: MemberView[] }> {
  const { groups } = await admin.describeGroups([GROUP]);
  const g = groups[0]!;
  return {
    state: g.state,
    protocol: g.protocol,
    protocolType: g.protocolType,
    members: g.members.map((m) => {
      const a = m.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment) : null;
      return { memberId: m.memberId, clientId: m.clientId, partitions: [...(a?.assignment[TOPIC] ?? [])].sort((x, y) => x - y) };
    }),
  };
}

/** Waits for a Stable group of `n` members whose assignments cover every partition exactly once. */
async function waitStable(n: number): Promise<MemberView[]> {
  return waitFor(
    async () => {
      const d = await describe1();
      if (d.state !== 'Stable' || d.members.length !== n) return null;
      const all = d.members.flatMap((m) => m.partitions).sort((a, b) => a - b);
      return all.join(',') === [...Array(PARTITIONS).keys()].join(',') ? d.members : null;
    },
    { what: `group ${GROUP} Stable with ${n} members covering ${PARTITIONS} partitions`, timeoutMs: 60_000, intervalMs: 200 },
  );
}

async function waitDelivered(values: readonly string[], what: string): Promise<void> {
  await waitFor(
    () => {
      const seen = new Set(deliveries.map((d) => d.value));
      return values.every((v) => seen.has(v));
    },
    { what, timeoutMs: 60_000, intervalMs: 100 },
  );
}

/** Every delivery at most once, and per partition in offset order with the values in production order. */
function expectOrderedNoDuplicates(): void {
  const values = deliveries.map((d) => d.value);
  expect(new Set(values).size).toBe(values.length);
  for (let p = 0; p < PARTITIONS; p++) {
    const mine = deliveries.filter((d) => d.partition === p);
    const offsets = mine.map((d) => d.offset);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    const seqs = mine.map((d) => Number(d.value.split('-')[1]));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(mine.every((d) => d.value.startsWith(`p${p}-`))).toBe(true);
  }
}

async function zkText(path: string): Promise<string | null> {
  const r = await cluster.zk.zk.tryGetData(path);
  return r?.data?.toString('utf8') ?? null;
}

async function zkChildren(path: string): Promise<string[]> {
  return cluster.zk.zk.getChildren(path).catch(() => []);
}

async function endOffsets(): Promise<Map<number, number>> {
  const offs = await admin.fetchTopicOffsets(TOPIC);
  return new Map(offs.map((o) => [o.partition, Number(o.high)]));
}

async function committed(): Promise<Map<number, number>> {
  const [t] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
  return new Map((t?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
}

beforeAll(async () => {
  cluster = await startCluster({ brokers: 3, inProcess: true, brokerConfig: { 'offsets.topic.replication.factor': 1 } });
  clients = kafkaClients(cluster.bootstrapServers);
  admin = await clients.admin();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
  producer = await clients.producer();
});

afterAll(async () => {
  await clients?.disconnectAll();
  await cluster?.close();
});

describe('groups - kafkajs', () => {
  it('groups - three consumers read exactly what was produced, in order per partition; ZooKeeper mirrors the group', async () => {
    await Promise.all(['a', 'b', 'c'].map((n) => startConsumer(n)));
    const members = await waitStable(3);
    expect(members.every((m) => m.partitions.length === 2)).toBe(true);

    const round1 = await produceRound(10);
    await waitDelivered(round1, 'the first 60 records');
    expect([...deliveries.map((d) => d.value)].sort()).toEqual([...produced].sort());
    expectOrderedNoDuplicates();
    // each consumer got the records of the partitions it owns
    const byMember = new Map(members.map((m) => [m.memberId, m.partitions]));
    expect(new Set(deliveries.map((d) => d.consumer)).size).toBe(3);
    expect([...byMember.values()].flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);

    // ZooKeeper: one ephemeral id znode per member, one owner znode per partition naming its member
    const groupPath = `/consumers/${GROUP}`;
    await waitFor(
      async () => {
        const ids = (await zkChildren(`${groupPath}/ids`)).sort();
        if (ids.join(',') !== members.map((m) => m.memberId).sort().join(',')) return false;
        for (const m of members) {
          for (const p of m.partitions) if ((await zkText(`${groupPath}/owners/${TOPIC}/${p}`)) !== m.memberId) return false;
        }
        return (await zkChildren(`${groupPath}/owners/${TOPIC}`)).length === PARTITIONS;
      },
      { what: 'the ZooKeeper mirror of members and owners', timeoutMs: 15_000, intervalMs: 100 },
    );
    const one = members[0]!;
    const reg = JSON.parse((await zkText(`${groupPath}/ids/${one.memberId}`))!) as Record<string, unknown>;
    expect(reg).toMatchObject({ version: 1, subscription: { [TOPIC]: 1 }, pattern: 'static', clientId: 'gregor-test' });
    const stat = await cluster.zk.zk.exists(`${groupPath}/ids/${one.memberId}`);
    expect(stat?.ephemeralOwner).not.toBe(0n);

    // DescribeGroups / ListGroups
    const d = await describe1();
    expect(d).toMatchObject({ state: 'Stable', protocolType: 'consumer', protocol: 'RoundRobinAssigner' });
    const listed = await admin.listGroups();
    expect(listed.groups).toContainEqual({ groupId: GROUP, protocolType: 'consumer' });

    // DeleteGroups while members are active: NON_EMPTY_GROUP (68), nothing deleted
    const err = await admin.deleteGroups([GROUP]).then(
      () => null,
      (e: unknown) => e as { name: string; groups?: Array<{ groupId: string; errorCode: number }> },
    );
    expect(err?.name).toBe('KafkaJSDeleteGroupsError');
    expect(err?.groups).toEqual([expect.objectContaining({ groupId: GROUP, errorCode: 68 })]);
    expect((await describe1()).state).toBe('Stable');
  });

  it('groups - a consumer leaves; the others take its partitions and keep consuming', async () => {
    const before = await describe1();
    const leaving = consumers.get('c')!;
    consumers.delete('c');
    await leaving.disconnect();
    const members = await waitStable(2);
    expect(members.map((m) => m.partitions.length)).toEqual([3, 3]);
    expect(new Set(members.map((m) => m.memberId))).not.toEqual(new Set(before.members.map((m) => m.memberId)));

    const fromC = deliveries.filter((d) => d.consumer === 'c').length;
    const round2 = await produceRound(10);
    await waitDelivered(round2, 'the 60 records produced after the leave');
    const late = deliveries.filter((d) => round2.includes(d.value));
    expect(new Set(late.map((d) => d.consumer))).toEqual(new Set(['a', 'b']));
    expect(new Set(late.map((d) => d.partition)).size).toBe(PARTITIONS);
    expect(deliveries.filter((d) => d.consumer === 'c').length).toBe(fromC);
    expect([...deliveries.map((d) => d.value)].sort()).toEqual([...produced].sort());
    expectOrderedNoDuplicates();
    // the departed member's id znode is gone; the owners follow the new assignment
    await waitFor(
      async () => (await zkChildren(`/consumers/${GROUP}/ids`)).sort().join(',') === members.map((m) => m.memberId).sort().join(','),
      { what: 'ids znodes of the two remaining members', timeoutMs: 15_000, intervalMs: 100 },
    );
  });

  it('groups - committed offsets are decimal text in ZooKeeper, equal fetchOffsets; a restarted consumer resumes there', async () => {
    for (const [name, c] of [...consumers]) {
      consumers.delete(name);
      await c.disconnect();
    }
    await waitFor(async () => (await describe1()).state === 'Empty', { what: 'group Empty', timeoutMs: 30_000, intervalMs: 200 });

    const ends = await endOffsets();
    const fetched = await committed();
    expect(fetched).toEqual(ends); // everything consumed was committed
    for (let p = 0; p < PARTITIONS; p++) {
      const text = await zkText(`/consumers/${GROUP}/offsets/${TOPIC}/${p}`);
      expect(text).toMatch(/^\d+$/);
      expect(Number(text)).toBe(fetched.get(p));
    }
    // no members, no owners mirrored once the group is Empty
    await waitFor(async () => (await zkChildren(`/consumers/${GROUP}/ids`)).length === 0 && (await zkChildren(`/consumers/${GROUP}/owners/${TOPIC}`)).length === 0, {
      what: 'ids and owners cleared',
      timeoutMs: 15_000,
      intervalMs: 100,
    });

    const before = deliveries.length;
    const round3 = await produceRound(5);
    await startConsumer('d', 'eachBatch');
    await waitStable(1);
    await waitDelivered(round3, 'the records produced while the group was Empty');
    const fresh = deliveries.slice(before);
    expect(fresh.map((d) => d.value).sort()).toEqual([...round3].sort()); // no re-delivery of committed records
    for (let p = 0; p < PARTITIONS; p++) {
      const first = fresh.filter((d) => d.partition === p)[0];
      expect(first?.offset).toBe(fetched.get(p));
    }
    expectOrderedNoDuplicates();
    // its commits move the ZooKeeper offsets to the new end
    const newEnds = await endOffsets();
    await waitFor(
      async () => {
        for (let p = 0; p < PARTITIONS; p++) if (Number(await zkText(`/consumers/${GROUP}/offsets/${TOPIC}/${p}`)) !== newEnds.get(p)) return false;
        return true;
      },
      { what: 'ZooKeeper offsets at the new log end', timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(await committed()).toEqual(newEnds);
  });

  it('groups - DeleteGroups of the Empty group removes its offsets from ZooKeeper', async () => {
    const d = consumers.get('d')!;
    consumers.delete('d');
    await d.disconnect();
    await waitFor(async () => (await describe1()).state === 'Empty', { what: 'group Empty', timeoutMs: 30_000, intervalMs: 200 });
    const res = await admin.deleteGroups([GROUP]);
    expect(res).toEqual([expect.objectContaining({ groupId: GROUP, errorCode: 0 })]);
    expect(await cluster.zk.zk.exists(`/consumers/${GROUP}/offsets`)).toBeNull();
    expect((await describe1()).state).toBe('Dead');
    expect([...(await committed()).values()].every((o) => o === -1)).toBe(true);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain(GROUP);
  });
});
