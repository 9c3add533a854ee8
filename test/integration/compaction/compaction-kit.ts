/**
 * Shared by the compaction integration tests: topic creation with configs, the three readers
 * (kcat, kafkajs, kafka-python) returning the same normalised records, the broker's
 * cleaner-offset-checkpoint and the batches stored on disk.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster } from '../../harness/cluster.js';
import { kafkaClients, kcatConsume, pythonJson } from '../../harness/clients.js';
import { waitFor } from '../../harness/wait-for.js';
import { splitBatches } from '../../../src/protocol/records/memory-records.js';
import type { RecordBatch } from '../../../src/protocol/records/record-batch.js';

/** Fast cleaner settings for tests (all real 2.7 keys). */
export const CLEANER_TEST_CONFIG = {
  'log.cleaner.backoff.ms': 200,
  'log.cleaner.dedupe.buffer.size': 8 * 1024 * 1024,
  'log.segment.delete.delay.ms': 0,
  'default.replication.factor': 1,
  'offsets.topic.replication.factor': 1,
  'transaction.state.log.replication.factor': 1,
  'transaction.state.log.min.isr': 1,
  'auto.create.topics.enable': false,
};

export interface Rec {
  offset: number;
  key: string | null;
  value: string | null;
  timestamp: number;
  /** true when the client reports the timestamp as LogAppendTime (kcat, kafka-python; kafkajs cannot tell) */
  logAppendTime: boolean;
}

export async function createTopic(cluster: Cluster, topic: string, configs: Record<string, string | number>): Promise<void> {
  const clients = kafkaClients(cluster.bootstrapServers);
  try {
    const admin = await clients.admin();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value: String(value) })) }],
      waitForLeaders: true,
    });
  } finally {
    await clients.disconnectAll();
  }
  await cluster.waitForLeader({ topic, partition: 0 });
}

export async function readWithKcat(bootstrap: string, topic: string): Promise<Rec[]> {
  const got = await kcatConsume(bootstrap, topic, { partition: 0, props: { 'check.crcs': true } });
  return got.map((m) => ({ offset: m.offset, key: m.key, value: m.value, timestamp: m.timestamp, logAppendTime: m.timestampType === 'logappend' }));
}

/** kafkajs consumer (a fresh group, from the beginning) until the record at `lastOffset` arrived. */
export async function readWithKafkajs(bootstrap: string, topic: string, lastOffset: number): Promise<Rec[]> {
  const clients = kafkaClients(bootstrap);
  try {
    const consumer = await clients.consumer({ groupId: `reader-${topic}-${Date.now()}` });
    await consumer.subscribe({ topic, fromBeginning: true });
    const out: Rec[] = [];
    let done = false;
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          out.push({
            offset: Number(m.offset),
            key: m.key?.toString() ?? null,
            value: m.value?.toString() ?? null,
            timestamp: Number(m.timestamp),
            // kafkajs does not expose the timestamp type; under LogAppendTime it reports the batch's MaxTimestamp.
            logAppendTime: false,
          });
          if (Number(m.offset) >= lastOffset) done = true;
        }
      },
    });
    await waitFor(() => done, { what: `kafkajs reaching offset ${lastOffset} of ${topic}`, timeoutMs: 30_000 });
    await consumer.stop();
    return out;
  } finally {
    await clients.disconnectAll();
  }
}

const PY_READ = `
import json, sys, time
from kafka import KafkaConsumer, TopicPartition
bootstrap, topic = sys.argv[1], sys.argv[2]
c = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, api_version_auto_timeout_ms=10000)
tp = TopicPartition(topic, 0)
c.assign([tp])
c.seek_to_beginning(tp)
end = c.end_offsets([tp])[tp]
out = []
deadline = time.time() + 40
while c.position(tp) < end and time.time() < deadline:
    for r in c.poll(timeout_ms=500).get(tp, []):
        out.append([r.offset, None if r.key is None else r.key.decode(), None if r.value is None else r.value.decode(), r.timestamp, r.timestamp_type])
c.close()
print(json.dumps(out))
`;

export async function readWithKafkaPython(bootstrap: string, topic: string): Promise<Rec[]> {
  const rows = await pythonJson<Array<[number, string | null, string | null, number, number]>>(PY_READ, [bootstrap, topic], { timeoutMs: 60_000 });
  return rows.map(([offset, key, value, timestamp, type]) => ({ offset, key, value, timestamp, logAppendTime: type === 1 }));
}

/** The entry for topic-0 in the broker's cleaner-offset-checkpoint (Kafka's text format), or null. */
export function cleanerCheckpoint(dataDir: string, topic: string): number | null {
  let text: string;
  try {
    text = readFileSync(join(dataDir, 'cleaner-offset-checkpoint'), 'utf8');
  } catch {
    return null;
  }
  const lines = text.trimEnd().split('\n');
  if (lines[0] !== '0' || Number(lines[1]) !== lines.length - 2) throw new Error(`malformed cleaner-offset-checkpoint:\n${text}`);
  const line = lines.slice(2).find((l) => l.startsWith(`${topic} 0 `));
  return line === undefined ? null : Number(line.split(' ')[2]);
}

/** Every batch stored in topic-0's segment files, in offset order. */
export function storedBatches(dataDir: string, topic: string): RecordBatch[] {
  const dir = join(dataDir, `${topic}-0`);
  const logs = readdirSync(dir).filter((n) => n.endsWith('.log')).sort();
  return logs.flatMap((n) => splitBatches(readFileSync(join(dir, n))));
}

/** key → [offset, value] of the last record of each key. */
export function latestByKey(recs: readonly Rec[]): Map<string | null, [number, string | null]> {
  const m = new Map<string | null, [number, string | null]>();
  for (const r of recs) m.set(r.key, [r.offset, r.value]);
  return m;
}
