/**
 * Consumer-group figures of one real gregor broker, driven by kafkajs 2.2.4 (`npm run bench -- groups`).
 *
 * Topology (one box): a real ZooKeeper (free port, temp data dir) and ONE gregor broker as a child process
 * (`config/single-broker.properties`: offsets.topic.replication.factor 1, group.initial.rebalance.delay.ms 0,
 * plus overrides for log.dirs, listeners, zookeeper.connect). Committed offsets go to ZooKeeper
 * (`/consumers/<group>/offsets/<topic>/<partition>`, one multi per OffsetCommit).
 *
 * Measured (median of RUNS runs after one discarded warm-up; a fresh group per run):
 * - stabilise: three kafkajs consumers of a 6-partition topic are started together; time from the first
 *   `connect()` until each has received (GROUP_JOIN) an assignment of 2 partitions and the three cover all 6;
 * - rebalance on leave: one of the three disconnects (commit + LeaveGroup); time from `disconnect()` until the
 *   other two both hold 3 partitions of a new generation;
 * - rebalance on join: a new member joins that stable pair; time from its start until the three hold 2 each
 *   (the pair learns of the rebalance from its next heartbeat, so this and the leave figure are bounded below by
 *   about the heartbeat interval; three members started together join one generation and stabilise at once);
 * - OffsetCommit throughput: `consumer.commitOffsets` (OffsetCommit v5 with member id and generation), one
 *   partition per commit, the offset increasing: one committer awaiting each commit; 4 members of one group
 *   committing at once (each its own partitions; a group's commits are written to ZooKeeper in order, one
 *   after the other); 4 single-member groups committing at once. Beside them, the same commit sent with our
 *   own BrokerClient (OffsetCommit v2, generation −1 on an Empty group), to show the client's share.
 * Client settings that keep the client from hiding the broker: heartbeatInterval 300 ms (members learn of a
 * rebalance on their next heartbeat), maxWaitTimeInMs 100 (kafkajs heartbeats between fetches), sessionTimeout
 * 10 s, rebalanceTimeout 10 s; the topic is empty.
 *
 * Environment: GREGOR_BENCH_RUNS (default 5), GREGOR_BENCH_COMMITS (commits per committer per run, default 500).
 * Run: `npm run bench -- groups` (built) or `node --import tsx src/bench/main.ts groups`.
 */
import { pathToFileURL } from 'node:url';
import { Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';
import { BrokerClient } from '../network/client.js';
import { OffsetCommitRequest, OffsetCommitResponse } from '../protocol/messages/offset-commit.js';
import { inBenchScratch, loadAverages, median, printTable, printTotal, sleep, startSingleBroker, tail, type SingleBroker } from './bench-cluster.js';

const TOPIC = 'bench-groups';
const PARTITIONS = 6;
const COMMITTERS = 4;

function kafka(bootstrap: string): Kafka {
  return new Kafka({
    clientId: 'gregor-bench',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 20 },
  });
}

async function waitUntil(cond: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(2);
  }
}

/** A running kafkajs member and the last assignment (of TOPIC) kafkajs reported for it. */
interface Member {
  readonly consumer: Consumer;
  memberId: string;
  partitions: number[];
  joins: number;
}

async function startMember(k: Kafka, groupId: string): Promise<Member> {
  const consumer = k.consumer({ groupId, heartbeatInterval: 300, maxWaitTimeInMs: 100, sessionTimeout: 10_000, rebalanceTimeout: 10_000 });
  const m: Member = { consumer, memberId: '', partitions: [], joins: 0 };
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    m.memberId = payload.memberId;
    m.partitions = [...(payload.memberAssignment[TOPIC] ?? [])].sort((a, b) => a - b);
    m.joins++;
  });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({ autoCommit: false, eachMessage: async () => {} });
  return m;
}

/** Every member holds `each` partitions and together they cover all of them. */
function balanced(members: readonly Member[], each: number): boolean {
  const all = members.flatMap((m) => m.partitions);
  return members.every((m) => m.partitions.length === each) && new Set(all).size === PARTITIONS && all.length === PARTITIONS;
}

async function commitLoop(m: Member, topicPartitions: readonly number[], n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const partition = topicPartitions[i % topicPartitions.length] as number;
    await m.consumer.commitOffsets([{ topic: TOPIC, partition, offset: String(i + 1) }]);
  }
  return performance.now() - t0;
}

async function rawCommitLoop(client: BrokerClient, groupId: string, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const r = await client.send({ request: OffsetCommitRequest, response: OffsetCommitResponse }, 2, {
      groupId,
      generationId: -1,
      memberId: '',
      retentionTimeMs: -1,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: i % PARTITIONS, committedOffset: i + 1, committedMetadata: '' }] }],
    });
    const code = r.topics[0]?.partitions[0]?.errorCode;
    if (code !== 0) throw new Error(`OffsetCommit answered ${code}`);
  }
  return performance.now() - t0;
}

interface Figures {
  stabiliseMs: number[];
  rebalanceMs: number[];
  joinMs: number[];
  sequential: number[];
  sameGroup: number[];
  separateGroups: number[];
  raw: number[];
}

async function oneRun(k: Kafka, bootstrap: string, run: number, commits: number, f: Figures | null): Promise<void> {
  // 1. three members stabilise
  const group = `bench-group-r${run}`;
  const t0 = performance.now();
  const members = await Promise.all([0, 1, 2].map(() => startMember(k, group)));
  await waitUntil(() => balanced(members, 2), '3 members with 2 partitions each');
  const stabilise = performance.now() - t0;

  // 2. one leaves
  const [leaver, ...rest] = members as [Member, Member, Member];
  const joinsBefore = rest.map((m) => m.joins);
  const t1 = performance.now();
  await leaver.consumer.disconnect();
  await waitUntil(() => rest.every((m, i) => m.joins > (joinsBefore[i] ?? 0)) && balanced(rest, 3), '2 members with 3 partitions each');
  const rebalance = performance.now() - t1;

  // 2b. a third member joins the stable pair
  const pairJoins = rest.map((m) => m.joins);
  const t2 = performance.now();
  const joiner = await startMember(k, group);
  const three = [...rest, joiner];
  await waitUntil(() => rest.every((m, i) => m.joins > (pairJoins[i] ?? 0)) && balanced(three, 2), '3 members with 2 partitions each again');
  const join = performance.now() - t2;

  // 3a. sequential commits by one member
  const seqMs = await commitLoop(rest[0], rest[0].partitions, commits);
  await Promise.all(three.map((m) => m.consumer.disconnect()));

  // 3b. four members of one group commit at once, each its own partitions
  const same = `bench-commit-same-r${run}`;
  const four = await Promise.all(Array.from({ length: COMMITTERS }, () => startMember(k, same)));
  await waitUntil(() => four.every((m) => m.partitions.length > 0) && new Set(four.flatMap((m) => m.partitions)).size === PARTITIONS, '4 members assigned');
  const sameMs = Math.max(...(await Promise.all(four.map((m) => commitLoop(m, m.partitions, commits)))));
  await Promise.all(four.map((m) => m.consumer.disconnect()));

  // 3c. four single-member groups commit at once
  const solo = await Promise.all(Array.from({ length: COMMITTERS }, (_, i) => startMember(k, `bench-commit-solo-r${run}-${i}`)));
  await waitUntil(() => solo.every((m) => m.partitions.length === PARTITIONS), '4 single-member groups assigned');
  const soloMs = Math.max(...(await Promise.all(solo.map((m) => commitLoop(m, m.partitions, commits)))));
  await Promise.all(solo.map((m) => m.consumer.disconnect()));

  // 3d. the same commit from our own client (no kafkajs in the loop)
  const [host, port] = bootstrap.split(':');
  const client = new BrokerClient({ host: host as string, port: Number(port), clientId: 'gregor-bench' });
  let rawMs: number;
  try {
    rawMs = await rawCommitLoop(client, `bench-commit-raw-r${run}`, commits);
  } finally {
    await client.close();
  }

  const line = `run ${run}${f ? '' : ' (warm-up)'}: stabilise ${stabilise.toFixed(0)} ms, leave ${rebalance.toFixed(0)} ms, join ${join.toFixed(0)} ms, commits/s seq ${((commits * 1000) / seqMs).toFixed(0)}, 4×same ${((COMMITTERS * commits * 1000) / sameMs).toFixed(0)}, 4×groups ${((COMMITTERS * commits * 1000) / soloMs).toFixed(0)}, raw ${((commits * 1000) / rawMs).toFixed(0)}`;
  console.log(`  ${line}`);
  if (!f) return;
  f.stabiliseMs.push(stabilise);
  f.rebalanceMs.push(rebalance);
  f.joinMs.push(join);
  f.sequential.push((commits * 1000) / seqMs);
  f.sameGroup.push((COMMITTERS * commits * 1000) / sameMs);
  f.separateGroups.push((COMMITTERS * commits * 1000) / soloMs);
  f.raw.push((commits * 1000) / rawMs);
}

export async function runGroupsBench(): Promise<void> {
  const runs = Number(process.env.GREGOR_BENCH_RUNS ?? 5);
  const commits = Number(process.env.GREGOR_BENCH_COMMITS ?? 500);
  const started = Date.now();
  console.log(`groups bench: kafkajs 2.2.4, 1 broker, ${PARTITIONS}-partition topic, offsets in ZooKeeper; median of ${runs} runs after 1 warm-up`);
  console.log(`${commits} commits per committer per run; load before: ${loadAverages()}`);

  let broker: SingleBroker | undefined;
  let admin: Admin | undefined;
  await inBenchScratch(
    {
      name: 'groups',
      stopping: 'the broker and ZooKeeper',
      teardown: async () => {
        await admin?.disconnect().catch(() => {});
        await broker?.stop().catch(() => {});
      },
      onError: () => {
        if (broker) console.error(`broker log tail (${broker.logPath}):\n${tail(broker.logPath)}`);
      },
    },
    async ({ root, startZooKeeper }) => {
      broker = await startSingleBroker(root, await startZooKeeper());
      const k = kafka(broker.brokers);
      admin = k.admin();
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          await admin.connect();
          await admin.describeCluster();
          break;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await sleep(250);
        }
      }
      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
      console.log(`setup ${((Date.now() - started) / 1000).toFixed(1)} s (broker pid ${broker.pid}, ${broker.brokers})`);

      const f: Figures = { stabiliseMs: [], rebalanceMs: [], joinMs: [], sequential: [], sameGroup: [], separateGroups: [], raw: [] };
      for (let run = 0; run <= runs; run++) await oneRun(k, broker.brokers, run, commits, run === 0 ? null : f);

      const rows: string[][] = [
        ['measure', 'median', 'min', 'max'],
        ...(
          [
            ['3-member group stabilises (ms)', f.stabiliseMs],
            ['rebalance after 1 of 3 leaves (ms)', f.rebalanceMs],
            ['rebalance when a 3rd member joins (ms)', f.joinMs],
            ['OffsetCommit/s, 1 committer (kafkajs)', f.sequential],
            [`OffsetCommit/s, ${COMMITTERS} members of 1 group`, f.sameGroup],
            [`OffsetCommit/s, ${COMMITTERS} groups at once`, f.separateGroups],
            ['OffsetCommit/s, 1 committer (raw v2)', f.raw],
          ] as const
        ).map(([name, xs]) => [name, median(xs).toFixed(0), Math.min(...xs).toFixed(0), Math.max(...xs).toFixed(0)]),
      ];
      printTable(rows);
      console.log('');
      printTotal(started);
    },
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runGroupsBench();
}
