/**
 * One in-process broker on a real ZooKeeper, driven the way the controller drives it (UpdateMetadata
 * + LeaderAndIsr sent here through BrokerClient), then used by real clients: kcat (librdkafka),
 * kafkajs and kafka-python. Restarting on the same log dir brings the data back.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Broker, InconsistentClusterIdError, writeMetaProperties } from '../../../src/broker.js';
import { silentLogger } from '../../../src/common/logger.js';
import { BrokerConfig } from '../../../src/config/broker-config.js';
import { BrokerClient } from '../../../src/network/client.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { LeaderAndIsrRequest, LeaderAndIsrResponse } from '../../../src/protocol/messages/leader-and-isr.js';
import { UpdateMetadataRequest, UpdateMetadataResponse } from '../../../src/protocol/messages/update-metadata.js';
import { replicaAssignment } from '../../../src/zk/znodes.js';
import { kafkaClients, kcatConsume, kcatProduce, pythonJson } from '../../harness/clients.js';
import { closeAllZk, connectZk, removeChroot, zkConnectForTest } from '../../harness/zookeeper.js';
import { waitFor } from '../../harness/wait-for.js';

const zkConnect = zkConnectForTest();
const dir = mkdtempSync(join(tmpdir(), 'gregor-broker-it-'));
const BROKER_ID = 1;
let broker: Broker;
let controllerEpoch = 1;
const hosted: Array<{ topic: string; partitions: number; leaderEpoch: number }> = [];

function brokerConfig(overrides: Record<string, string> = {}): BrokerConfig {
  return BrokerConfig.parse({
    'broker.id': String(BROKER_ID),
    listeners: 'PLAINTEXT://127.0.0.1:0',
    'log.dirs': join(dir, 'logs'),
    'zookeeper.connect': zkConnect,
    'zookeeper.session.timeout.ms': '6000',
    'offsets.topic.replication.factor': '1',
    'auto.create.topics.enable': 'false',
    ...overrides,
  });
}

const bootstrap = (): string => `127.0.0.1:${broker.boundPorts.PLAINTEXT}`;

/** Plays the controller: topic assignment in ZooKeeper, UpdateMetadata, LeaderAndIsr making us leader. */
async function becomeLeaderOf(topic: string, partitions: number, leaderEpoch = 0): Promise<void> {
  if (!(await broker.zkClient.topicExists(topic))) {
    const assignment = new Map([...Array(partitions).keys()].map((p) => [p, replicaAssignment([BROKER_ID])]));
    await broker.zkClient.createTopicAssignment(topic, assignment);
  }
  if (broker.isController) {
    // The broker's own controller elects the leaders and sends LeaderAndIsr/UpdateMetadata.
    await waitFor(
      () => [...Array(partitions).keys()].every((p) => broker.replicaManager.isLeader({ topic, partition: p }) && broker.metadataCache.partition({ topic, partition: p })),
      { what: `leadership of ${topic}`, timeoutMs: 20_000 },
    );
    return;
  }
  const client = new BrokerClient({ host: '127.0.0.1', port: broker.boundPorts.PLAINTEXT!, clientId: 'test-controller' });
  try {
    const states = [...Array(partitions).keys()].map((p) => ({
      partitionIndex: p,
      controllerEpoch,
      leader: BROKER_ID,
      leaderEpoch,
      isr: [BROKER_ID],
      zkVersion: 0,
      replicas: [BROKER_ID],
    }));
    const um = await client.send({ request: UpdateMetadataRequest, response: UpdateMetadataResponse }, 6, {
      controllerId: BROKER_ID,
      controllerEpoch,
      brokerEpoch: broker.brokerEpoch,
      topicStates: [{ topicName: topic, partitionStates: states.map((s) => ({ ...s, offlineReplicas: [] })) }],
      liveBrokers: [{ id: BROKER_ID, endpoints: [{ port: broker.boundPorts.PLAINTEXT!, host: '127.0.0.1', listener: 'PLAINTEXT', securityProtocol: 0 }], rack: null }],
    });
    expect(um.errorCode).toBe(ErrorCode.None);
    const lai = await client.send({ request: LeaderAndIsrRequest, response: LeaderAndIsrResponse }, 4, {
      controllerId: BROKER_ID,
      controllerEpoch,
      brokerEpoch: broker.brokerEpoch,
      topicStates: [{ topicName: topic, partitionStates: states.map((s) => ({ ...s, addingReplicas: [], removingReplicas: [], isNew: true })) }],
      liveLeaders: [{ brokerId: BROKER_ID, hostName: '127.0.0.1', port: broker.boundPorts.PLAINTEXT! }],
    });
    expect(lai.errorCode).toBe(ErrorCode.None);
    expect(lai.partitionErrors.map((e) => e.errorCode)).toEqual(states.map(() => ErrorCode.None));
  } finally {
    await client.close();
  }
}

beforeAll(async () => {
  broker = new Broker(brokerConfig(), { logger: silentLogger() });
  await broker.start();
});

afterAll(async () => {
  await broker?.stop();
  await closeAllZk();
  await removeChroot(zkConnect);
  rmSync(dir, { recursive: true, force: true });
});

describe('broker - startup', () => {
  it('registers /brokers/ids/<id> with the bound port and its czxid as broker epoch', async () => {
    const zk = await connectZk(zkConnect);
    const { data, stat } = await zk.getData(`/brokers/ids/${BROKER_ID}`);
    const json = JSON.parse(data!.toString()) as Record<string, unknown>;
    expect(json).toMatchObject({
      version: 5,
      host: '127.0.0.1',
      port: broker.boundPorts.PLAINTEXT,
      endpoints: [`PLAINTEXT://127.0.0.1:${broker.boundPorts.PLAINTEXT}`],
      listener_security_protocol_map: { PLAINTEXT: 'PLAINTEXT' },
      jmx_port: -1,
      features: {},
    });
    expect(stat.ephemeralOwner).not.toBe(0n);
    expect(broker.brokerEpoch).toBe(stat.czxid);
    expect(broker.brokerId).toBe(BROKER_ID);
    await waitFor(() => broker.isController, { what: 'the only broker to become controller', timeoutMs: 20_000 });
  });

  it('writes meta.properties with version 0, broker.id and the ZooKeeper cluster id', async () => {
    const text = readFileSync(join(dir, 'logs', 'meta.properties'), 'utf8');
    expect(text).toMatch(/^version=0$/m);
    expect(text).toMatch(new RegExp(`^broker\\.id=${BROKER_ID}$`, 'm'));
    expect(text).toMatch(new RegExp(`^cluster\\.id=${broker.clusterId}$`, 'm'));
    expect(broker.clusterId).toBe(await broker.zkClient.getClusterId());
  });

  it('refuses to start on a log dir that belongs to another cluster', async () => {
    const otherDir = join(dir, 'other-logs');
    mkdirSync(otherDir, { recursive: true });
    writeMetaProperties([otherDir], 7, 'AAAAAAAAAAAAAAAAAAAAAA');
    const other = new Broker(brokerConfig({ 'broker.id': '7', 'log.dirs': otherDir }), { logger: silentLogger() });
    await expect(other.start()).rejects.toBeInstanceOf(InconsistentClusterIdError);
    const zk = await connectZk(zkConnect);
    expect(await zk.exists('/brokers/ids/7')).toBeNull();
  });
});

describe('broker - produce and consume with real clients', () => {
  it('kcat produces gzip batches and reads them back with exact offsets', async () => {
    await becomeLeaderOf('kcat-topic', 1);
    hosted.push({ topic: 'kcat-topic', partitions: 1, leaderEpoch: 0 });
    await kcatProduce(bootstrap(), 'kcat-topic', ['a', 'b', 'c'], { codec: 'gzip', partition: 0 });
    await kcatProduce(bootstrap(), 'kcat-topic', ['d', 'e'], { codec: 'snappy', partition: 0, acks: 1 });
    const got = await kcatConsume(bootstrap(), 'kcat-topic', { partition: 0 });
    expect(got.map((m) => [m.offset, m.value])).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, 'c'],
      [3, 'd'],
      [4, 'e'],
    ]);
  });

  it('kafkajs produces keyed records (acks=-1) that kafka-python reads back by assignment', async () => {
    await becomeLeaderOf('keyed', 2);
    hosted.push({ topic: 'keyed', partitions: 2, leaderEpoch: 0 });
    const clients = kafkaClients(bootstrap());
    try {
      const producer = await clients.producer();
      const sent = await producer.send({
        topic: 'keyed',
        acks: -1,
        messages: [
          { key: 'k1', value: 'v1', partition: 0 },
          { key: 'k2', value: 'v2', partition: 0 },
          { key: 'k3', value: 'v3', partition: 1 },
        ],
      });
      expect(sent.map((r) => [r.partition, r.errorCode, r.baseOffset]).sort()).toEqual([
        [0, 0, '0'],
        [1, 0, '0'],
      ]);
      const admin = await clients.admin();
      const offsets = await admin.fetchTopicOffsets('keyed');
      expect(offsets.map((o) => [o.partition, o.low, o.high]).sort()).toEqual([
        [0, '0', '2'],
        [1, '0', '1'],
      ]);
    } finally {
      await clients.disconnectAll();
    }
    const script = `
import json, sys
from kafka import KafkaConsumer, TopicPartition
c = KafkaConsumer(bootstrap_servers=sys.argv[1], enable_auto_commit=False, consumer_timeout_ms=5000, api_version_auto_timeout_ms=5000)
tps = [TopicPartition('keyed', 0), TopicPartition('keyed', 1)]
c.assign(tps)
c.seek_to_beginning(*tps)
out = []
for m in c:
    out.append([m.partition, m.offset, m.key.decode(), m.value.decode()])
    if len(out) == 3:
        break
c.close()
print(json.dumps(sorted(out)))
`;
    const records = await pythonJson<Array<[number, number, string, string]>>(script, [bootstrap()], { timeoutMs: 30_000 });
    expect(records).toEqual([
      [0, 0, 'k1', 'v1'],
      [0, 1, 'k2', 'v2'],
      [1, 0, 'k3', 'v3'],
    ]);
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION to kafkajs for a topic that does not exist', async () => {
    const clients = kafkaClients(bootstrap(), { retry: { retries: 0 } });
    try {
      const producer = await clients.producer();
      await expect(producer.send({ topic: 'no-such-topic', messages: [{ value: 'x' }] })).rejects.toThrow(/does not host this topic-partition|not exist/i);
    } finally {
      await clients.disconnectAll();
    }
  });
});

describe('broker - restart', () => {
  it('comes back on the same log dir with a new epoch and serves the old data with the checkpointed HW', async () => {
    const oldEpoch = broker.brokerEpoch;
    await broker.stop();
    const hw = readFileSync(join(dir, 'logs', 'replication-offset-checkpoint'), 'utf8');
    expect(hw).toContain('kcat-topic 0 5');
    broker = new Broker(brokerConfig(), { logger: silentLogger() });
    await broker.start();
    expect(broker.brokerEpoch).toBeGreaterThan(oldEpoch);
    controllerEpoch++;
    for (const h of hosted) await becomeLeaderOf(h.topic, h.partitions, h.leaderEpoch + 1);
    const p = broker.replicaManager.getPartition({ topic: 'kcat-topic', partition: 0 });
    expect(p?.highWatermark).toBe(5);
    const got = await kcatConsume(bootstrap(), 'kcat-topic', { partition: 0 });
    expect(got.map((m) => m.value)).toEqual(['a', 'b', 'c', 'd', 'e']);
    await kcatProduce(bootstrap(), 'kcat-topic', ['f'], { partition: 0 });
    await waitFor(async () => (await kcatConsume(bootstrap(), 'kcat-topic', { partition: 0, offset: 5 })).length === 1, {
      what: 'the record produced after the restart',
    });
  });
});
