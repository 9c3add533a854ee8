/**
 * Consumer groups through librdkafka (confluent-kafka-python 1.7 `Consumer`, `kcat -G`) and kafka-python 2.0.2
 * (`KafkaConsumer(group_id=...)`: JoinGroup v2, SyncGroup/Heartbeat/LeaveGroup v1, OffsetCommit v2, OffsetFetch v1)
 * on one in-process broker with a real ZooKeeper. Each client reads a 6-partition topic in its own group with
 * auto commit, closes (committing), and then:
 * - what it read is exactly the produced set (kcat: two balanced consumers together, at least once each record);
 * - `/consumers/<group>/offsets/<topic>/<p>` holds the log end offset as decimal text, equal to kafkajs
 *   `admin.fetchOffsets`;
 * - a second run of the same client in the same group reads only what was produced after the commit.
 * A mixed group (confluent-kafka-python and kafka-python, `range`) splits the partitions 3 + 3 and reads all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssignerProtocol, type Admin, type Producer } from 'kafkajs';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { KCAT, kafkaClients, pythonJson, run, type KafkaClients } from '../../harness/clients.js';
import { waitFor } from '../../harness/wait-for.js';

const PARTITIONS = 6;

let cluster: Cluster;
let clients: KafkaClients;
let admin: Admin;
let producer: Producer;
let seq = 0;

interface Read {
  p: number;
  o: number;
  v: string;
}

async function createTopic(topic: string): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
}

async function produce(topic: string, perPartition: number): Promise<string[]> {
  const values: string[] = [];
  const messages = [];
  for (let i = 0; i < perPartition; i++) {
    for (let p = 0; p < PARTITIONS; p++) {
      const v = `p${p}-${seq++}`;
      values.push(v);
      messages.push({ partition: p, value: v });
    }
  }
  await producer.send({ topic, messages, acks: -1 });
  return values;
}

/** The committed offsets: ZooKeeper text must be decimal and equal to fetchOffsets and to the log end. */
async function expectCommittedAtEnd(group: string, topic: string): Promise<void> {
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  const fetched = new Map((t?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  expect(fetched).toEqual(ends);
  for (let p = 0; p < PARTITIONS; p++) {
    const r = await cluster.zk.zk.tryGetData(`/consumers/${group}/offsets/${topic}/${p}`);
    const text = r?.data?.toString('utf8');
    expect(text).toMatch(/^\d+$/);
    expect(Number(text)).toBe(ends.get(p));
  }
}

function expectInOrder(reads: readonly Read[]): void {
  for (let p = 0; p < PARTITIONS; p++) {
    const offs = reads.filter((r) => r.p === p).map((r) => r.o);
    expect(offs).toEqual([...offs].sort((a, b) => a - b));
  }
}

const CONFLUENT = `
import sys, json, time
from confluent_kafka import Consumer
bootstrap, topic, group, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
c = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'auto.offset.reset': 'earliest',
              'enable.auto.commit': True, 'auto.commit.interval.ms': 500, 'session.timeout.ms': 10000,
              'client.id': 'ckp-' + group})
c.subscribe([topic])
out, errors = [], []
deadline = time.time() + 45
while len(out) < n and time.time() < deadline:
    m = c.poll(0.3)
    if m is None:
        continue
    if m.error():
        errors.append(str(m.error()))
        continue
    out.append({'p': m.partition(), 'o': m.offset(), 'v': m.value().decode()})
c.close()
print(json.dumps({'reads': out, 'errors': errors}))
`;

const KAFKA_PYTHON = `
import sys, json, time
from kafka import KafkaConsumer
bootstrap, topic, group, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
c = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, client_id='kp-' + group,
                  auto_offset_reset='earliest', enable_auto_commit=True, auto_commit_interval_ms=500,
                  session_timeout_ms=10000, heartbeat_interval_ms=1000)
out = []
deadline = time.time() + 45
while len(out) < n and time.time() < deadline:
    for tp, msgs in c.poll(timeout_ms=300).items():
        for m in msgs:
            out.append({'p': m.partition, 'o': m.offset, 'v': m.value.decode()})
c.commit()
c.close()
print(json.dumps({'reads': out, 'errors': []}))
`;

/**
 * One member of a mixed group (argv: lib = ckp | kp): consumes until it holds 3 partitions, has read something
 * and has seen nothing new for 2 s (at most 45 s), commits, closes; prints what it read and its last assignment.
 */
const MIXED_MEMBER = `
import sys, json, time
bootstrap, topic, group, lib = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
out, assigned = [], []
if lib == 'ckp':
    from confluent_kafka import Consumer
    c = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'auto.offset.reset': 'earliest',
                  'enable.auto.commit': True, 'auto.commit.interval.ms': 500, 'session.timeout.ms': 10000,
                  'partition.assignment.strategy': 'range', 'client.id': 'mixed-ckp'})
    def on_assign(consumer, parts):
        assigned[:] = sorted(p.partition for p in parts)
    c.subscribe([topic], on_assign=on_assign)
    def poll():
        m = c.poll(0.3)
        return [] if m is None or m.error() else [{'p': m.partition(), 'o': m.offset(), 'v': m.value().decode()}]
    def finish():
        c.close()
else:
    from kafka import KafkaConsumer
    c = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, client_id='mixed-kp',
                      auto_offset_reset='earliest', enable_auto_commit=True, auto_commit_interval_ms=500,
                      session_timeout_ms=10000, heartbeat_interval_ms=500)
    def poll():
        got = []
        for tp, msgs in c.poll(timeout_ms=300).items():
            got += [{'p': m.partition, 'o': m.offset, 'v': m.value.decode()} for m in msgs]
        assigned[:] = sorted(tp.partition for tp in c.assignment())
        return got
    def finish():
        c.commit()
        c.close()
start = time.time()
last = time.time()
while time.time() - start < 45:
    got = poll()
    if got:
        out += got
        last = time.time()
    if len(assigned) == 3 and out and time.time() - last > 2:
        break
finish()
print(json.dumps({'reads': out, 'assigned': assigned}))
`;

async function runPython(script: string, topic: string, group: string, n: number): Promise<Read[]> {
  const r = await pythonJson<{ reads: Read[]; errors: string[] }>(script, [cluster.bootstrapServers, topic, group, String(n)], { timeoutMs: 90_000 });
  return r.reads;
}

/** One `kcat -G <group> <topic>` balanced consumer, exiting at the end of its partitions (-e). */
async function kcatGroup(topic: string, group: string): Promise<Read[]> {
  const args = ['-b', cluster.bootstrapServers, '-G', group, '-J', '-q', '-e', '-X', 'auto.offset.reset=earliest', '-X', 'session.timeout.ms=10000', topic];
  const r = await run(KCAT, args, { timeoutMs: 60_000 });
  if (r.code !== 0 || r.timedOut) throw new Error(`kcat -G exited with ${r.code} (timed out: ${r.timedOut})\n${r.stderr.slice(-2000)}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as { partition: number; offset: number; payload: string })
    .map((e) => ({ p: e.partition, o: e.offset, v: e.payload }));
}

beforeAll(async () => {
  cluster = await startCluster({ brokers: 1, inProcess: true, brokerConfig: { 'offsets.topic.replication.factor': 1 } });
  clients = kafkaClients(cluster.bootstrapServers);
  admin = await clients.admin();
  producer = await clients.producer();
});

afterAll(async () => {
  await clients?.disconnectAll();
  await cluster?.close();
});

describe('groups - librdkafka and kafka-python', () => {
  it('groups - confluent-kafka-python Consumer with auto commit reads everything, commits to ZooKeeper, resumes', async () => {
    const topic = 'groups-ckp';
    const group = 'ckp-group';
    await createTopic(topic);
    const first = await produce(topic, 8);
    const reads = await runPython(CONFLUENT, topic, group, first.length);
    expect(reads.map((r) => r.v).sort()).toEqual([...first].sort());
    expectInOrder(reads);
    await expectCommittedAtEnd(group, topic);

    const second = await produce(topic, 3);
    const again = await runPython(CONFLUENT, topic, group, second.length);
    expect(again.map((r) => r.v).sort()).toEqual([...second].sort());
    await expectCommittedAtEnd(group, topic);
  });

  it('groups - kafka-python KafkaConsumer(group_id) reads everything, commits to ZooKeeper, resumes', async () => {
    const topic = 'groups-kp';
    const group = 'kp-group';
    await createTopic(topic);
    const first = await produce(topic, 8);
    const reads = await runPython(KAFKA_PYTHON, topic, group, first.length);
    expect(reads.map((r) => r.v).sort()).toEqual([...first].sort());
    expectInOrder(reads);
    await expectCommittedAtEnd(group, topic);

    const second = await produce(topic, 3);
    const again = await runPython(KAFKA_PYTHON, topic, group, second.length);
    expect(again.map((r) => r.v).sort()).toEqual([...second].sort());
    await expectCommittedAtEnd(group, topic);
  });

  it('groups - a mixed group (confluent-kafka-python JoinGroup v5 + kafka-python JoinGroup v2, range) shares the partitions', async () => {
    const topic = 'groups-mixed';
    const group = 'mixed-group';
    await createTopic(topic);
    type Out = { reads: Read[]; assigned: number[] };
    const members = ['ckp', 'kp'].map((lib) => pythonJson<Out>(MIXED_MEMBER, [cluster.bootstrapServers, topic, group, lib], { timeoutMs: 90_000 }));
    members.forEach((m) => m.catch(() => {})); // awaited below
    // produce only once the group is Stable with both members holding 3 partitions each (range: 0-2 and 3-5)
    const stable = await waitFor(
      async () => {
        const g = (await admin.describeGroups([group])).groups[0]!;
        if (g.state !== 'Stable' || g.members.length !== 2 || g.protocol !== 'range') return null;
        const parts = g.members.map((m) => (m.memberAssignment.length > 0 ? (AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic] ?? []) : []));
        return parts.every((p) => p.length === 3) ? g : null;
      },
      { what: 'the mixed group Stable with 3 + 3 partitions', timeoutMs: 45_000, intervalMs: 100 },
    );
    expect(stable.members.map((m) => m.clientId).sort()).toEqual(['mixed-ckp', 'mixed-kp']);
    // the ZooKeeper mirror: both members, six owners
    await waitFor(
      async () => {
        const ids = await cluster.zk.zk.getChildren(`/consumers/${group}/ids`).catch(() => []);
        const owners = await cluster.zk.zk.getChildren(`/consumers/${group}/owners/${topic}`).catch(() => []);
        return ids.sort().join(',') === stable.members.map((m) => m.memberId).sort().join(',') && owners.length === PARTITIONS;
      },
      { what: 'the mixed group in /consumers/<g>/ids and owners', timeoutMs: 15_000, intervalMs: 100 },
    );
    const values = await produce(topic, 8);
    const [a, b] = await Promise.all(members);
    // range over 6 partitions and 2 members: 0-2 and 3-5
    expect([a!.assigned, b!.assigned].map((x) => x.join(',')).sort()).toEqual(['0,1,2', '3,4,5']);
    const all = [...a!.reads, ...b!.reads];
    expect(new Set(all.map((r) => r.v))).toEqual(new Set(values));
    expectInOrder(a!.reads);
    expectInOrder(b!.reads);
    await expectCommittedAtEnd(group, topic);
  });

  it('groups - two kcat -G balanced consumers together read everything and commit to ZooKeeper', async () => {
    const topic = 'groups-kcat';
    const group = 'kcat-group';
    await createTopic(topic);
    const first = await produce(topic, 8);
    const [a, b] = await Promise.all([kcatGroup(topic, group), kcatGroup(topic, group)]);
    const all = [...a!, ...b!];
    expect(new Set(all.map((r) => r.v))).toEqual(new Set(first));
    expectInOrder(a!);
    expectInOrder(b!);
    await expectCommittedAtEnd(group, topic);

    const second = await produce(topic, 3);
    const again = await kcatGroup(topic, group);
    expect(again.map((r) => r.v).sort()).toEqual([...second].sort());
    await expectCommittedAtEnd(group, topic);
  });
});
