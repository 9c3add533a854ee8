/**
 * Log compaction end to end (transactions-and-compaction.md §5.4) on a real ZooKeeper and one
 * in-process broker whose cleaner runs on its worker thread:
 * - C1: 10 keys × 100 versions written by kcat then kafkajs, then a roll record: every reader (kcat,
 *   kafkajs, kafka-python) sees one record per key with the last value at its original offset,
 *   across the offset gaps; log start and high watermark unchanged; cleaner-offset-checkpoint
 *   lists the partition;
 * - C2: a tombstone is seen by readers after the first pass and gone once segments newer than it
 *   by more than delete.retention.ms have been cleaned;
 * - C9: compact,delete with a small retention.ms: old segments go (log start moves), the rest is
 *   compacted;
 * - a dynamic config change (kafkajs AlterConfigs → /config/changes) turns a delete topic into a
 *   compacted one, and the cleaner picks it up.
 */
import { ConfigResourceTypes } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, kcatProduce } from '../../harness/clients.js';
import { waitFor } from '../../harness/wait-for.js';
import {
  CLEANER_TEST_CONFIG,
  cleanerCheckpoint,
  createTopic,
  latestByKey,
  readWithKafkaPython,
  readWithKafkajs,
  readWithKcat,
  type Rec,
} from './compaction-kit.js';

let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster({ brokers: 1, inProcess: true, brokerConfig: CLEANER_TEST_CONFIG });
});

afterAll(async () => {
  await cluster?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function produce(topic: string, messages: Array<{ key: string | null; value: string | null }>, perSend = 100): Promise<void> {
  const clients = kafkaClients(cluster.bootstrapServers);
  try {
    const producer = await clients.producer();
    for (let i = 0; i < messages.length; i += perSend) {
      await producer.send({ topic, acks: 1, messages: messages.slice(i, i + perSend).map((m) => ({ ...m, partition: 0 })) });
    }
  } finally {
    await clients.disconnectAll();
  }
}

async function offsets(topic: string): Promise<{ low: number; high: number }> {
  const clients = kafkaClients(cluster.bootstrapServers);
  try {
    const admin = await clients.admin();
    const [p] = await admin.fetchTopicOffsets(topic);
    return { low: Number(p!.low), high: Number(p!.high) };
  } finally {
    await clients.disconnectAll();
  }
}

/** Every reader's view of the topic, checked to agree with each other; returns kcat's. */
async function readAll(topic: string): Promise<Rec[]> {
  const kcat = await readWithKcat(cluster.bootstrapServers, topic);
  const lastOffset = kcat[kcat.length - 1]!.offset;
  const [js, py] = await Promise.all([readWithKafkajs(cluster.bootstrapServers, topic, lastOffset), readWithKafkaPython(cluster.bootstrapServers, topic)]);
  const view = (rs: Rec[]) => rs.map((r) => [r.offset, r.key, r.value]);
  expect(view(js)).toEqual(view(kcat));
  expect(view(py)).toEqual(view(kcat));
  return kcat;
}

const dataDir = () => cluster.dataDir(0);

describe('compaction - latest value per key (C1)', () => {
  it('every reader sees one record per key, the last value, at its original offset', async () => {
    const topic = 'latest-per-key';
    await createTopic(cluster, topic, { 'cleanup.policy': 'compact', 'segment.ms': 1500, 'segment.bytes': 16384, 'min.cleanable.dirty.ratio': 0.01 });
    const messages = [];
    for (let v = 0; v < 100; v++) for (let k = 0; k < 10; k++) messages.push({ key: `key-${k}`, value: `value-${k}-${v}` });
    await kcatProduce(cluster.bootstrapServers, topic, messages.slice(0, 500), { partition: 0 });
    await produce(topic, messages.slice(500));
    await sleep(1600); // past segment.ms: the next record rolls a new active segment
    await produce(topic, [{ key: 'roll', value: 'roll' }]);
    const before = await offsets(topic);
    expect(before).toEqual({ low: 0, high: 1001 });
    await waitFor(() => cleanerCheckpoint(dataDir(), topic) === 1000, { what: 'a pass up to the roll record', timeoutMs: 60_000 });
    const recs = await readAll(topic);
    expect(recs.map((r) => [r.offset, r.key, r.value])).toEqual([
      ...Array.from({ length: 10 }, (_, k) => [990 + k, `key-${k}`, `value-${k}-99`]),
      [1000, 'roll', 'roll'],
    ]);
    expect(await offsets(topic)).toEqual(before);
  });
});

describe('compaction - tombstones (C2)', () => {
  it('readers see the delete after the first pass; it is gone once newer segments past delete.retention.ms are clean', async () => {
    const topic = 'tombstones';
    // Unique 200-byte records keep cleaned segments too big to merge (KAFKA-8522 would keep the tombstone).
    await createTopic(cluster, topic, {
      'cleanup.policy': 'compact',
      'segment.bytes': 2048,
      'min.cleanable.dirty.ratio': 0.01,
      'delete.retention.ms': 500,
    });
    const pad = (i: number) => ({ key: `unique-${i}`, value: 'p'.repeat(200) });
    await produce(topic, [{ key: 'k', value: 'v1' }, { key: 'k', value: 'v2' }, pad(0), pad(1), { key: 'k', value: null }]);
    let n = 2;
    // Enough newer data to roll past the tombstone's segment; the first pass keeps the tombstone.
    for (; n < 20; n++) await produce(topic, [pad(n)]);
    await waitFor(() => (cleanerCheckpoint(dataDir(), topic) ?? 0) > 4, { what: 'a pass over the tombstone', timeoutMs: 60_000 });
    const first = await readAll(topic);
    expect(first.filter((r) => r.key === 'k').map((r) => [r.offset, r.value])).toEqual([[4, null]]);
    // Keep writing (new segments, new passes) until the tombstone is past the horizon and removed.
    await waitFor(
      async () => {
        await produce(topic, [pad(n++), pad(n++)]);
        return (await readWithKcat(cluster.bootstrapServers, topic)).every((r) => r.key !== 'k');
      },
      { what: 'the tombstone removed', timeoutMs: 90_000, intervalMs: 300 },
    );
    const later = await readAll(topic);
    expect(later.some((r) => r.key === 'k')).toBe(false);
    expect(later.filter((r) => r.key?.startsWith('unique-')).map((r) => r.key)).toEqual(Array.from({ length: n }, (_, i) => `unique-${i}`));
  });
});

describe('compaction - compact,delete (C9)', () => {
  it('retention deletes old segments (the log start moves) and the rest is compacted', async () => {
    const topic = 'compact-delete';
    await createTopic(cluster, topic, {
      'cleanup.policy': 'compact,delete',
      'segment.bytes': 1024,
      'min.cleanable.dirty.ratio': 0.01,
      'retention.ms': 3000,
    });
    const old = Array.from({ length: 30 }, (_, i) => ({ key: `old-${i % 3}`, value: `o${i}-${'x'.repeat(60)}` }));
    await produce(topic, old, 5);
    await sleep(3500);
    const fresh = Array.from({ length: 30 }, (_, i) => ({ key: `new-${i % 3}`, value: `n${i}-${'y'.repeat(60)}` }));
    await produce(topic, fresh, 5);
    await waitFor(async () => (await offsets(topic)).low >= 30, { what: 'the old segments deleted by retention', timeoutMs: 60_000 });
    await waitFor(async () => (await readWithKcat(cluster.bootstrapServers, topic)).filter((r) => r.key?.startsWith('new-')).length < 30, {
      what: 'the new records compacted',
      timeoutMs: 60_000,
    });
    const recs = await readAll(topic);
    expect(recs.some((r) => r.key?.startsWith('old-'))).toBe(false);
    const latest = latestByKey(recs);
    for (let k = 0; k < 3; k++) expect(latest.get(`new-${k}`)?.[1]).toBe(fresh.filter((m) => m.key === `new-${k}`).at(-1)!.value);
  });
});

describe('compaction - dynamic topic config (/config/changes)', () => {
  it('AlterConfigs from kafkajs turns a delete topic into a compacted one, and the cleaner starts cleaning it', async () => {
    const topic = 'becomes-compacted';
    await createTopic(cluster, topic, { 'segment.ms': 1000 });
    const messages = Array.from({ length: 200 }, (_, i) => ({ key: `k${i % 4}`, value: `v${i}` }));
    await produce(topic, messages);
    await sleep(1100);
    await produce(topic, [{ key: 'roll', value: 'r' }]);
    await sleep(1000);
    expect(cleanerCheckpoint(dataDir(), topic)).toBeNull();
    expect(await readWithKcat(cluster.bootstrapServers, topic)).toHaveLength(201);
    const clients = kafkaClients(cluster.bootstrapServers);
    try {
      const admin = await clients.admin();
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: topic,
            configEntries: [
              { name: 'cleanup.policy', value: 'compact' },
              { name: 'min.cleanable.dirty.ratio', value: '0.01' },
              { name: 'segment.ms', value: '1000' },
            ],
          },
        ],
      });
    } finally {
      await clients.disconnectAll();
    }
    await waitFor(() => cleanerCheckpoint(dataDir(), topic) === 200, { what: 'the first pass after the config change', timeoutMs: 60_000 });
    const recs = await readAll(topic);
    expect(recs.map((r) => [r.offset, r.key, r.value])).toEqual([
      [196, 'k0', 'v196'],
      [197, 'k1', 'v197'],
      [198, 'k2', 'v198'],
      [199, 'k3', 'v199'],
      [200, 'roll', 'r'],
    ]);
  });
});
