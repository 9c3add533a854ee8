/**
 * confluent-kafka-python 1.7 (librdkafka 2.0.2) AdminClient against a 3-broker in-process cluster:
 * create_topics with configs, describe_configs (values and sources), alter_configs (full replacement),
 * create_partitions and delete_topics, each checked through the API and in ZooKeeper; a deleted topic goes
 * through the controller's deletion flow (its znodes and `/admin/delete_topics/<t>` disappear) and its
 * partition directories leave every broker's log dir.
 */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kcatConsume, kcatProduce, pythonJson } from '../../harness/clients.js';

const TOPIC = 'ck-admin';
let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 3,
    inProcess: true,
    brokerConfig: {
      'default.replication.factor': 1,
      'offsets.topic.replication.factor': 1,
      'transaction.state.log.replication.factor': 1,
      'transaction.state.log.min.isr': 1,
      'auto.create.topics.enable': false,
      'log.segment.bytes': 10_485_760, // a static broker value: source STATIC_BROKER_CONFIG
      'log.segment.delete.delay.ms': 300,
    },
  });
});

afterAll(async () => {
  await cluster?.close();
});

const PRELUDE = `
import json, sys
from confluent_kafka.admin import AdminClient, NewTopic, NewPartitions, ConfigResource, ConfigSource
a = AdminClient({'bootstrap.servers': sys.argv[1]})
def src(s):
    return s.name if hasattr(s, 'name') else ConfigSource(s).name
def describe(topic):
    res = ConfigResource('topic', topic)
    entries = a.describe_configs([res], request_timeout=15)[res].result()
    return {k: {'value': e.value, 'source': src(e.source), 'default': e.is_default, 'read_only': e.is_read_only} for k, e in entries.items()}
def errors(futures):
    out = {}
    for k, f in futures.items():
        try:
            f.result()
            out[str(k)] = None
        except Exception as e:
            out[str(k)] = str(e)
    return out
`;

type Described = Record<string, { value: string | null; source: string; default: boolean; read_only: boolean }>;

function admin<T>(body: string, args: string[] = []): Promise<T> {
  return pythonJson<T>(PRELUDE + body, [cluster.bootstrapServers, ...args], { timeoutMs: 45_000 });
}

async function zkJson(path: string): Promise<Record<string, unknown> | null> {
  const r = await cluster.zk.zk.tryGetData(path);
  return r?.data ? (JSON.parse(r.data.toString()) as Record<string, unknown>) : null;
}

describe('admin clients - confluent-kafka-python AdminClient', () => {
  it('create_topics with configs: assignment and config in ZooKeeper, leaders elected', async () => {
    const res = await admin<Record<string, string | null>>(`
fs = a.create_topics([NewTopic(sys.argv[2], num_partitions=3, replication_factor=1,
                               config={'retention.ms': '3600000', 'cleanup.policy': 'delete', 'max.message.bytes': '200000'})],
                     operation_timeout=15, request_timeout=20)
print(json.dumps(errors(fs)))
`, [TOPIC]);
    expect(res).toEqual({ [TOPIC]: null });
    const assignment = await zkJson(`/brokers/topics/${TOPIC}`);
    expect(Object.keys(assignment?.partitions as object).sort()).toEqual(['0', '1', '2']);
    expect(await zkJson(`/config/topics/${TOPIC}`)).toEqual({
      version: 1,
      config: { 'retention.ms': '3600000', 'cleanup.policy': 'delete', 'max.message.bytes': '200000' },
    });
    for (let p = 0; p < 3; p++) await cluster.waitForLeader({ topic: TOPIC, partition: p });
    // the same name again: TOPIC_ALREADY_EXISTS
    const again = await admin<Record<string, string | null>>(`
print(json.dumps(errors(a.create_topics([NewTopic(sys.argv[2], num_partitions=1, replication_factor=1)], operation_timeout=5))))
`, [TOPIC]);
    expect(again[TOPIC]).toMatch(/TOPIC_ALREADY_EXISTS|already exists/i);
  });

  it('describe_configs reports values with their sources (dynamic topic, static broker, default)', async () => {
    const d = await admin<Described>(`print(json.dumps(describe(sys.argv[2])))`, [TOPIC]);
    expect(d['retention.ms']).toMatchObject({ value: '3600000', source: 'DYNAMIC_TOPIC_CONFIG', default: false });
    expect(d['max.message.bytes']).toMatchObject({ value: '200000', source: 'DYNAMIC_TOPIC_CONFIG', default: false });
    expect(d['cleanup.policy']).toMatchObject({ value: 'delete', source: 'DYNAMIC_TOPIC_CONFIG' });
    expect(d['segment.bytes']).toMatchObject({ value: '10485760', source: 'STATIC_BROKER_CONFIG', default: false });
    expect(d['min.insync.replicas']).toMatchObject({ value: '1', source: 'DEFAULT_CONFIG', default: true });
    expect(d['compression.type']).toMatchObject({ value: 'producer', source: 'DEFAULT_CONFIG' });
  });

  it('alter_configs replaces the topic overrides: ZooKeeper, a change notification, the brokers and describe agree', async () => {
    const before = (await cluster.zk.zk.getChildren('/config/changes')).length;
    const res = await admin<Record<string, string | null>>(`
res = ConfigResource('topic', sys.argv[2], set_config={'retention.ms': '7200000', 'max.message.bytes': '4096'})
print(json.dumps(errors(a.alter_configs([res], request_timeout=15))))
`, [TOPIC]);
    expect(Object.values(res)).toEqual([null]);
    expect(await zkJson(`/config/topics/${TOPIC}`)).toEqual({ version: 1, config: { 'retention.ms': '7200000', 'max.message.bytes': '4096' } });
    const changes = await cluster.zk.zk.getChildren('/config/changes');
    expect(changes.length).toBeGreaterThan(before);
    const last = changes.sort().at(-1)!;
    expect(last).toMatch(/^config_change_\d{10}$/);
    expect(await zkJson(`/config/changes/${last}`)).toEqual({ version: 2, entity_path: `topics/${TOPIC}` });
    // every broker applied it (DynamicConfigManager)
    await cluster.waitFor(
      () => cluster.ids.every((id) => cluster.broker(id).replicaManager.topicConfig(TOPIC).log.maxMessageBytes === 4096),
      'every broker applied max.message.bytes=4096',
      15_000,
    );
    const d = await admin<Described>(`print(json.dumps(describe(sys.argv[2])))`, [TOPIC]);
    expect(d['retention.ms']).toMatchObject({ value: '7200000', source: 'DYNAMIC_TOPIC_CONFIG' });
    expect(d['max.message.bytes']).toMatchObject({ value: '4096', source: 'DYNAMIC_TOPIC_CONFIG' });
    expect(d['cleanup.policy']).toMatchObject({ value: 'delete', source: 'DEFAULT_CONFIG', default: true });
    // an invalid value is refused and nothing changes
    const bad = await admin<Record<string, string | null>>(`
res = ConfigResource('topic', sys.argv[2], set_config={'retention.ms': 'soon'})
print(json.dumps(errors(a.alter_configs([res], request_timeout=15))))
`, [TOPIC]);
    expect(Object.values(bad)[0]).toMatch(/INVALID|Invalid/);
    expect((await zkJson(`/config/topics/${TOPIC}`))?.config).toEqual({ 'retention.ms': '7200000', 'max.message.bytes': '4096' });
  });

  it('create_partitions grows the topic to 5: ZooKeeper assignment, leaders, metadata', async () => {
    const res = await admin<Record<string, string | null>>(`
print(json.dumps(errors(a.create_partitions([NewPartitions(sys.argv[2], 5)], operation_timeout=15, request_timeout=20))))
`, [TOPIC]);
    expect(res).toEqual({ [TOPIC]: null });
    const assignment = (await zkJson(`/brokers/topics/${TOPIC}`))?.partitions as Record<string, number[]>;
    expect(Object.keys(assignment).sort()).toEqual(['0', '1', '2', '3', '4']);
    for (let p = 0; p < 5; p++) expect(await cluster.waitForLeader({ topic: TOPIC, partition: p })).toBe(assignment[String(p)]![0]);
    const md = await admin<Record<string, number>>(`
md = a.list_topics(topic=sys.argv[2], timeout=10)
print(json.dumps({str(p): pm.leader for p, pm in md.topics[sys.argv[2]].partitions.items()}))
`, [TOPIC]);
    expect(Object.keys(md).sort()).toEqual(['0', '1', '2', '3', '4']);
    // fewer partitions than now is refused
    const shrink = await admin<Record<string, string | null>>(`
print(json.dumps(errors(a.create_partitions([NewPartitions(sys.argv[2], 2)], operation_timeout=5))))
`, [TOPIC]);
    expect(shrink[TOPIC]).toMatch(/INVALID_PARTITIONS|partition/i);
  });

  it('delete_topics removes the topic: znodes via the controller, partition dirs from every broker', async () => {
    // data on every partition, so every leader has a log with segments
    for (let p = 0; p < 5; p++) await kcatProduce(cluster.bootstrapServers, TOPIC, [`doomed-${p}`], { partition: p });
    expect((await kcatConsume(cluster.bootstrapServers, TOPIC, { partition: 4 })).map((m) => m.value)).toEqual(['doomed-4']);
    const dirsOf = (id: number) => readdirSync(cluster.dataDir(id)).filter((n) => n.startsWith(`${TOPIC}-`));
    expect(cluster.ids.flatMap(dirsOf).length).toBe(5);

    const res = await admin<Record<string, string | null>>(`
print(json.dumps(errors(a.delete_topics([sys.argv[2]], operation_timeout=20, request_timeout=25))))
`, [TOPIC]);
    expect(res).toEqual({ [TOPIC]: null });
    await cluster.waitFor(async () => (await cluster.zk.zk.exists(`/brokers/topics/${TOPIC}`)) === null, 'topic znode deleted', 30_000);
    await cluster.waitFor(async () => (await cluster.zk.zk.exists(`/admin/delete_topics/${TOPIC}`)) === null, 'deletion marker removed', 30_000);
    expect(await cluster.zk.zk.exists(`/config/topics/${TOPIC}`)).toBeNull();
    expect(await cluster.zk.getAllTopics()).not.toContain(TOPIC);
    // Kafka renames to <tp>.<uuid>-delete and removes after log.segment.delete.delay.ms (300 ms here)
    await cluster.waitFor(() => cluster.ids.every((id) => dirsOf(id).length === 0), 'partition directories removed from every log dir', 30_000);
    for (const id of cluster.ids) {
      for (let p = 0; p < 5; p++) expect(cluster.broker(id).replicaManager.getPartition({ topic: TOPIC, partition: p })).toBeUndefined();
    }
    const listed = await admin<string[]>(`print(json.dumps(sorted(a.list_topics(timeout=10).topics.keys())))`);
    expect(listed).not.toContain(TOPIC);
    // deleting it again: UNKNOWN_TOPIC_OR_PART
    const again = await admin<Record<string, string | null>>(`
print(json.dumps(errors(a.delete_topics([sys.argv[2]], operation_timeout=5))))
`, [TOPIC]);
    expect(again[TOPIC]).toMatch(/UNKNOWN_TOPIC|does not exist|not exist/i);
  });

  it('a topic re-created under the same name starts from its new configs, not the deleted topic\'s', async () => {
    const res = await admin<Record<string, string | null>>(`
print(json.dumps(errors(a.create_topics([NewTopic(sys.argv[2], num_partitions=3, replication_factor=1, config={'retention.ms': '99999'})], operation_timeout=15))))
`, [TOPIC]);
    expect(res).toEqual({ [TOPIC]: null });
    expect(await zkJson(`/config/topics/${TOPIC}`)).toEqual({ version: 1, config: { 'retention.ms': '99999' } });
    const leaders: number[] = [];
    for (let p = 0; p < 3; p++) leaders.push(await cluster.waitForLeader({ topic: TOPIC, partition: p }));
    await cluster.waitFor(() => leaders.every((l, p) => cluster.broker(l).replicaManager.isLeader({ topic: TOPIC, partition: p })), 'leaders applied');
    for (const [p, l] of leaders.entries()) {
      const rm = cluster.broker(l).replicaManager;
      // the old topic had max.message.bytes=4096; the new one has the broker default
      expect(rm.topicConfig(TOPIC).log).toMatchObject({ maxMessageBytes: 1048588, retentionMs: 99999 });
      expect(rm.getPartition({ topic: TOPIC, partition: p })!.log!.config).toMatchObject({ maxMessageBytes: 1048588, retentionMs: 99999 });
    }
    await kcatProduce(cluster.bootstrapServers, TOPIC, ['y'.repeat(5000)], { partition: 0 });
    expect((await kcatConsume(cluster.bootstrapServers, TOPIC, { partition: 0 })).map((m) => m.value?.length)).toEqual([5000]);
    const d = await admin<Described>(`print(json.dumps(describe(sys.argv[2])))`, [TOPIC]);
    expect(d['max.message.bytes']).toMatchObject({ source: 'DEFAULT_CONFIG' });
  });
});
