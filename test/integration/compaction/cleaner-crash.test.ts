/**
 * kill -9 in the middle of a cleaning pass (transactions-and-compaction.md §3.8, §5.4 C6): a broker
 * child process started with the test-only crash point GREGOR_TEST_CLEANER_CRASH=<step>:<topic>
 * SIGKILLs itself at that step of its first swap — after the `.cleaned` segment is written, after
 * it became `.swap`, after the old segments became `.deleted`, after the final renames (checkpoint
 * not yet written). Restarted without it, the broker recovers the files (discarding or completing
 * the swap) and cleans again; kcat, kafkajs and kafka-python then see every key's latest value,
 * no offset twice, nothing that was not produced.
 */
import { ConfigResourceTypes } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients } from '../../harness/clients.js';
import { waitFor } from '../../harness/wait-for.js';
import { CLEANER_TEST_CONFIG, cleanerCheckpoint, createTopic, latestByKey, readWithKafkaPython, readWithKafkajs, readWithKcat, type Rec } from './compaction-kit.js';

let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster({ brokers: 1, brokerConfig: CLEANER_TEST_CONFIG });
});

afterAll(async () => {
  await cluster?.close();
});

const KEYS = 20;
const VERSIONS = 30;

async function produceVersions(topic: string): Promise<Rec[]> {
  const clients = kafkaClients(cluster.bootstrapServers);
  const sent: Rec[] = [];
  try {
    const producer = await clients.producer();
    let offset = 0;
    for (let v = 0; v < VERSIONS; v++) {
      const messages = Array.from({ length: KEYS }, (_, k) => ({ key: `key-${k}`, value: `v${v}-${'x'.repeat(100)}`, partition: 0 }));
      // 5 records per request keep batches small, so segments (and cleaned groups) are many.
      for (let i = 0; i < messages.length; i += 5) {
        await producer.send({ topic, acks: 1, messages: messages.slice(i, i + 5) });
        for (const m of messages.slice(i, i + 5)) sent.push({ offset: offset++, key: m.key, value: m.value, timestamp: 0, logAppendTime: false });
      }
    }
  } finally {
    await clients.disconnectAll();
  }
  return sent;
}

async function alterTopicConfig(topic: string, configs: Record<string, string>): Promise<void> {
  const clients = kafkaClients(cluster.bootstrapServers);
  try {
    const admin = await clients.admin();
    const configEntries = Object.entries(configs).map(([name, value]) => ({ name, value }));
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries }] });
  } finally {
    await clients.disconnectAll();
  }
}

function checkAgainst(sent: readonly Rec[], got: readonly Rec[]): void {
  const offsets = got.map((r) => r.offset);
  expect(new Set(offsets).size).toBe(offsets.length);
  expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  const byOffset = new Map(sent.map((r) => [r.offset, r]));
  for (const r of got) expect([r.key, r.value]).toEqual([byOffset.get(r.offset)?.key, byOffset.get(r.offset)?.value]);
  expect(latestByKey(got)).toEqual(latestByKey(sent));
}

describe('cleaner - kill -9 at each step of a swap, then restart', () => {
  for (const step of ['cleaned', 'swap', 'deleted', 'renamed'] as const) {
    it(`crash after "${step}": recovery loses nothing and duplicates nothing`, async () => {
      const topic = `crash-${step}`;
      await cluster.stop(0);
      await cluster.start(0, { env: { GREGOR_TEST_CLEANER_CRASH: `${step}:${topic}` } });
      const proc = cluster.process(0);
      cluster.expectExit(0);
      // Nothing is cleanable (a ratio above 1) until everything is written; then AlterConfigs lets the cleaner go.
      const configs = { 'cleanup.policy': 'compact', 'segment.bytes': '2048', 'min.cleanable.dirty.ratio': '1' };
      await createTopic(cluster, topic, configs);
      const sent = await produceVersions(topic);
      await alterTopicConfig(topic, { ...configs, 'min.cleanable.dirty.ratio': '0.01' });
      const exit = await Promise.race([proc.exited, new Promise<null>((r) => setTimeout(() => r(null), 60_000))]);
      expect(exit, 'the broker killed itself at the crash point').toEqual({ code: null, signal: 'SIGKILL' });
      // The crashed broker's ephemeral registration lingers until its ZooKeeper session times out.
      await cluster.waitFor(async () => !(await cluster.zk.getBrokerIds()).includes(0), 'the crashed broker deregistered', 30_000);
      await cluster.start(0);
      await cluster.waitForLeader({ topic, partition: 0 });
      const activeBase = await waitFor(() => cleanerCheckpoint(cluster.dataDir(0), topic), { what: 'a pass after the restart', timeoutMs: 60_000 });
      expect(activeBase).toBeGreaterThan(0);
      const kcat = await readWithKcat(cluster.bootstrapServers, topic);
      checkAgainst(sent, kcat);
      // Cleaned: below the checkpoint one record per key at most.
      expect(kcat.filter((r) => r.offset < activeBase).length).toBeLessThanOrEqual(KEYS);
      checkAgainst(sent, await readWithKafkaPython(cluster.bootstrapServers, topic));
      checkAgainst(sent, await readWithKafkajs(cluster.bootstrapServers, topic, sent.length - 1));
    });
  }
});
