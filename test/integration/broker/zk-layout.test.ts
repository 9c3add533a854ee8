/**
 * ZooKeeper holds exactly Kafka 2.7's layout (zk-and-controller.md §2) once a 3-broker in-process cluster is
 * up and a topic exists: the top-level paths (null data), `/cluster/id`, `/controller` (ephemeral) and
 * `/controller_epoch` (decimal text), `/brokers/ids/<id>` JSON v5 (ephemeral, one broker with a rack),
 * `/brokers/topics/<t>` JSON v2 and `.../partitions/<p>/state` JSON v1 (persistent, containers null);
 * `kcat -L -J` shows the 3 brokers and the controller id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZkClient } from '../../../src/zk/client.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, kcatMetadata } from '../../harness/clients.js';

let cluster: Cluster;
let zk: ZkClient;
const TOPIC = 'layout';

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 3,
    inProcess: true,
    brokerConfig: (id) => ({
      'default.replication.factor': 1,
      'offsets.topic.replication.factor': 1,
      'transaction.state.log.replication.factor': 1,
      'transaction.state.log.min.isr': 1,
      ...(id === 1 ? { 'broker.rack': 'rack-b' } : {}),
    }),
  });
  zk = cluster.zk.zk;
  const clients = kafkaClients(cluster.bootstrapServers);
  try {
    const admin = await clients.admin();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await clients.disconnectAll();
  }
  for (let p = 0; p < 3; p++) await cluster.waitForLeader({ topic: TOPIC, partition: p });
});

afterAll(async () => {
  await cluster?.close();
});

async function json(path: string): Promise<Record<string, unknown>> {
  const { data } = await zk.getData(path);
  expect(data, `${path} has data`).not.toBeNull();
  return JSON.parse(data!.toString('utf8')) as Record<string, unknown>;
}

async function nullData(path: string): Promise<void> {
  const { data } = await zk.getData(path);
  expect(data === null || data.length === 0, `${path} holds null data`).toBe(true);
}

describe('zk layout - top level', () => {
  it('has every path createTopLevelPaths makes, as persistent null-data znodes', async () => {
    for (const p of [
      '/consumers',
      '/brokers/ids',
      '/brokers/topics',
      '/config/changes',
      '/admin/delete_topics',
      '/brokers/seqid',
      '/isr_change_notification',
      '/latest_producer_id_block',
      '/log_dir_event_notification',
      '/config/topics',
      '/config/clients',
      '/config/users',
      '/config/brokers',
    ]) {
      const stat = await zk.exists(p);
      expect(stat, `${p} exists`).not.toBeNull();
      expect(stat!.ephemeralOwner, `${p} is persistent`).toBe(0n);
      if (p !== '/latest_producer_id_block') await nullData(p);
    }
    const root = (await zk.getChildren('/')).sort();
    for (const p of ['admin', 'brokers', 'cluster', 'config', 'consumers', 'controller', 'controller_epoch', 'isr_change_notification', 'latest_producer_id_block', 'log_dir_event_notification']) {
      expect(root).toContain(p);
    }
    expect((await zk.getChildren('/brokers')).sort()).toEqual(['ids', 'seqid', 'topics']);
  });

  it('/cluster/id is {"version":"1","id":<22-char url-safe base64>} and every broker uses it', async () => {
    const o = await json('/cluster/id');
    expect(Object.keys(o).sort()).toEqual(['id', 'version']);
    expect(o.version).toBe('1');
    expect(o.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    for (const id of cluster.ids) expect(cluster.broker(id).clusterId).toBe(o.id);
  });

  it('/controller is ephemeral {"version":1,"brokerid":N,"timestamp":"<ms>"} and /controller_epoch decimal text', async () => {
    const { data, stat } = await zk.getData('/controller');
    const o = JSON.parse(data!.toString()) as Record<string, unknown>;
    expect(Object.keys(o).sort()).toEqual(['brokerid', 'timestamp', 'version']);
    expect(o.version).toBe(1);
    expect(cluster.ids).toContain(o.brokerid);
    expect(o.timestamp).toMatch(/^\d{13}$/);
    expect(stat.ephemeralOwner).not.toBe(0n);
    expect(cluster.broker(o.brokerid as number).isController).toBe(true);
    for (const id of cluster.ids.filter((i) => i !== o.brokerid)) expect(cluster.broker(id).isController).toBe(false);

    const epoch = await zk.getData('/controller_epoch');
    const text = epoch.data!.toString('utf8');
    expect(text).toMatch(/^\d+$/);
    expect(Number(text)).toBeGreaterThanOrEqual(1);
    expect(epoch.stat.ephemeralOwner).toBe(0n);
    // gregor's documented deviation (controller-election.ts): the epoch znode is created at zkVersion 1, so the
    // zkVersion runs one ahead of Kafka's (epoch 1 ↔ zkVersion 2)
    expect(epoch.stat.version).toBe(Number(text) + 1);
  });
});

describe('zk layout - brokers', () => {
  it('/brokers/ids/<id> are ephemeral JSON v5 with exactly Kafka 2.7 fields', async () => {
    expect((await zk.getChildren('/brokers/ids')).sort()).toEqual(cluster.ids.map(String));
    for (const id of cluster.ids) {
      const { data, stat } = await zk.getData(`/brokers/ids/${id}`);
      const o = JSON.parse(data!.toString()) as Record<string, unknown>;
      const port = cluster.port(id);
      const fields = ['endpoints', 'features', 'host', 'jmx_port', 'listener_security_protocol_map', 'port', 'timestamp', 'version'];
      expect(Object.keys(o).sort()).toEqual(id === 1 ? [...fields, 'rack'].sort() : fields);
      expect(o).toEqual({
        version: 5,
        host: '127.0.0.1',
        port,
        // the harness's brokers talk to each other on a second listener, advertised at its fault-injection proxy
        endpoints: [`PLAINTEXT://127.0.0.1:${port}`, expect.stringMatching(/^REPLICATION:\/\/127\.0\.0\.1:\d+$/)],
        listener_security_protocol_map: { PLAINTEXT: 'PLAINTEXT', REPLICATION: 'PLAINTEXT' },
        jmx_port: -1,
        features: {},
        timestamp: expect.stringMatching(/^\d{13}$/),
        ...(id === 1 ? { rack: 'rack-b' } : {}),
      });
      expect(Math.abs(Number(o.timestamp) - Date.now())).toBeLessThan(10 * 60_000);
      expect(stat.ephemeralOwner).not.toBe(0n);
      expect(cluster.broker(id).brokerEpoch).toBe(stat.czxid);
    }
  });
});

describe('zk layout - topics', () => {
  it('/brokers/topics/<t> is {"version":2,"partitions":{...},"adding_replicas":{},"removing_replicas":{}}', async () => {
    const o = await json(`/brokers/topics/${TOPIC}`);
    expect(Object.keys(o).sort()).toEqual(['adding_replicas', 'partitions', 'removing_replicas', 'version']);
    expect(o.version).toBe(2);
    expect(o.adding_replicas).toEqual({});
    expect(o.removing_replicas).toEqual({});
    const partitions = o.partitions as Record<string, number[]>;
    expect(Object.keys(partitions).sort()).toEqual(['0', '1', '2']);
    for (const replicas of Object.values(partitions)) {
      expect(replicas).toHaveLength(1);
      expect(cluster.ids).toContain(replicas[0]);
    }
    // RF 1 over 3 brokers: Kafka's assignment puts the 3 partitions on 3 different brokers
    expect(new Set(Object.values(partitions).map((r) => r[0])).size).toBe(3);
    expect((await zk.getChildren(`/brokers/topics/${TOPIC}`))).toEqual(['partitions']);
    await nullData(`/brokers/topics/${TOPIC}/partitions`);
  });

  it('/brokers/topics/<t>/partitions/<p>/state is persistent JSON v1 naming the leader', async () => {
    const assignment = (await json(`/brokers/topics/${TOPIC}`)).partitions as Record<string, number[]>;
    const controllerEpoch = Number((await zk.getData('/controller_epoch')).data!.toString());
    expect((await zk.getChildren(`/brokers/topics/${TOPIC}/partitions`)).sort()).toEqual(['0', '1', '2']);
    for (let p = 0; p < 3; p++) {
      await nullData(`/brokers/topics/${TOPIC}/partitions/${p}`);
      expect(await zk.getChildren(`/brokers/topics/${TOPIC}/partitions/${p}`)).toEqual(['state']);
      const { data, stat } = await zk.getData(`/brokers/topics/${TOPIC}/partitions/${p}/state`);
      expect(stat.ephemeralOwner).toBe(0n);
      const o = JSON.parse(data!.toString()) as Record<string, unknown>;
      expect(Object.keys(o).sort()).toEqual(['controller_epoch', 'isr', 'leader', 'leader_epoch', 'version']);
      const leader = assignment[String(p)]![0]!;
      expect(o).toEqual({ version: 1, leader, leader_epoch: 0, isr: [leader], controller_epoch: controllerEpoch });
      expect(cluster.broker(leader).replicaManager.isLeader({ topic: TOPIC, partition: p })).toBe(true);
    }
  });

  it('a topic created without configs has no /config/topics entry or an empty one', async () => {
    const r = await zk.tryGetData(`/config/topics/${TOPIC}`);
    if (r) expect(JSON.parse(r.data!.toString())).toEqual({ version: 1, config: {} });
  });
});

describe('zk layout - what clients see', () => {
  it('kcat -L -J shows the 3 brokers at their addresses and the controller id', async () => {
    const md = await kcatMetadata(cluster.bootstrapServers);
    expect(md.brokers.map((b) => b.id).sort()).toEqual(cluster.ids);
    expect(md.brokers.map((b) => b.name).sort()).toEqual(cluster.ids.map((id) => `127.0.0.1:${cluster.port(id)}`).sort());
    expect(md.controllerid).toBe(await cluster.controllerId());
    const t = md.topics.find((x) => x.topic === TOPIC);
    expect(t?.partitions.map((p) => p.partition).sort()).toEqual([0, 1, 2]);
    for (const p of t!.partitions) expect(p.leader).toBe(await cluster.waitForLeader({ topic: TOPIC, partition: p.partition }));
  });
});
