/**
 * Dynamic topic configs (Kafka's DynamicConfigManager, src/zk/config-change-watcher.ts):
 * - the watcher alone on its own chroot: existing notifications are processed at startup in sequence order,
 *   new ones as they come (the watch re-armed after every fire), unknown entity types and undecodable
 *   notifications skipped, obsolete ones purged, and after a session expiry the watch is re-armed;
 * - a 3-broker in-process cluster: kafkajs alterConfigs of retention.ms / segment.bytes / max.message.bytes
 *   reaches every broker's config cache and live logs, and every broker leading a partition then answers
 *   MESSAGE_TOO_LARGE to a produce over the new limit (and accepts it again once the limit is raised);
 *   a broker whose session expired still applies later changes.
 */
import { ConfigResourceTypes } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/common/logger.js';
import { BrokerClient } from '../../../src/network/client.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ProduceRequest, ProduceResponse } from '../../../src/protocol/messages/produce.js';
import { buildRecordBatch } from '../../../src/protocol/records/index.js';
import { ConfigChangeWatcher } from '../../../src/zk/config-change-watcher.js';
import { KafkaZkClient } from '../../../src/zk/kafka-zk-client.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, kcatConsume } from '../../harness/clients.js';
import { closeAllZk, connectZk, expireZkSession, removeChroot, zkConnectForTest } from '../../harness/zookeeper.js';
import { waitFor } from '../../harness/wait-for.js';

// ------------------------------------------------------------------------------------------ the watcher alone

describe('config changes - the watcher', () => {
  const chroot = zkConnectForTest();
  let zk: KafkaZkClient;
  let writer: KafkaZkClient;
  const watchers: ConfigChangeWatcher[] = [];

  beforeAll(async () => {
    zk = new KafkaZkClient(await connectZk(chroot, { sessionTimeoutMs: 6000 }));
    writer = new KafkaZkClient(await connectZk(chroot));
    await writer.createTopLevelPaths();
  });

  afterAll(async () => {
    for (const w of watchers) await w.shutdown();
    await closeAllZk();
    await removeChroot(chroot);
  });

  function watcher(seen: string[], opts: { changeExpirationMs?: number; fail?: () => boolean } = {}): ConfigChangeWatcher {
    const w = new ConfigChangeWatcher({
      zk,
      log: silentLogger(),
      retryBackoffMs: 100,
      ...(opts.changeExpirationMs !== undefined ? { changeExpirationMs: opts.changeExpirationMs } : {}),
      handlers: {
        topics: (t) => {
          if (opts.fail?.()) throw new Error('handler failed');
          seen.push(`topics/${t}`);
        },
        brokers: (b) => void seen.push(`brokers/${b}`),
      },
    });
    watchers.push(w);
    return w;
  }

  it('processes the notifications present at startup in order, then new ones; skips unknown types and junk', async () => {
    await writer.changeTopicConfig('a', { 'retention.ms': '1' });
    await writer.changeEntityConfig('clients', 'someone', { 'producer_byte_rate': '1024' });
    await writer.changeTopicConfig('b', { 'retention.ms': '2' });
    await writer.zk.create('/config/changes/config_change_', Buffer.from('not json'), { mode: 'persistent-sequential' });
    await writer.changeEntityConfig('brokers', '<default>', { 'log.cleaner.threads': '2' });
    const seen: string[] = [];
    const w = watcher(seen);
    await w.startup();
    expect(seen).toEqual(['topics/a', 'topics/b', 'brokers/<default>']);
    expect(w.lastProcessedSequence).toBe(4);
    // new notifications, one after the other: the watch is re-armed after each fire
    for (const t of ['c', 'd', 'e']) {
      await writer.changeTopicConfig(t, { 'retention.ms': '3' });
      await waitFor(() => seen.includes(`topics/${t}`), { what: `notification for ${t}` });
    }
    expect(seen).toEqual(['topics/a', 'topics/b', 'brokers/<default>', 'topics/c', 'topics/d', 'topics/e']);
    await w.shutdown();
  });

  it('retries a notification whose handler failed instead of skipping it', async () => {
    const seen: string[] = [];
    let failures = 2;
    const w = watcher(seen, { fail: () => failures-- > 0 });
    await w.startup(); // the earlier notifications: two attempts fail, then they all go through
    await waitFor(() => seen.filter((s) => s === 'topics/a').length === 1 && seen.includes('topics/e'), { what: 'retried notifications' });
    expect(seen.filter((s) => s.startsWith('topics/'))).toEqual(['topics/a', 'topics/b', 'topics/c', 'topics/d', 'topics/e']);
    await w.shutdown();
  });

  it('purges notifications older than the expiration', async () => {
    const seen: string[] = [];
    const w = watcher(seen, { changeExpirationMs: 0 });
    await new Promise((r) => setTimeout(r, 20));
    await w.startup();
    expect(await writer.zk.getChildren('/config/changes')).toEqual([]);
    await w.shutdown();
  });

  it('re-arms its watch after a session expiry and processes what arrived meanwhile', async () => {
    const seen: string[] = [];
    const w = watcher(seen);
    await w.startup();
    expect(seen).toEqual([]);
    const reinitialized = new Promise<void>((resolve) => zk.zk.once('reinitialized', () => resolve()));
    await expireZkSession(zk.zk);
    await writer.changeTopicConfig('during-expiry', { 'retention.ms': '5' });
    await reinitialized;
    await waitFor(() => seen.includes('topics/during-expiry'), { what: 'the change posted around the expiry', timeoutMs: 20_000 });
    await writer.changeTopicConfig('after-expiry', { 'retention.ms': '6' });
    await waitFor(() => seen.includes('topics/after-expiry'), { what: 'a change after the new session', timeoutMs: 20_000 });
    expect(seen).toEqual(['topics/during-expiry', 'topics/after-expiry']);
    await w.shutdown();
  });
});

// ------------------------------------------------------------------------------------------ in a cluster

describe('config changes - a 3-broker cluster', () => {
  const TOPIC = 'dyn';
  const PARTS = 6;
  let cluster: Cluster;
  let leaders: number[];

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
      },
    });
    const clients = kafkaClients(cluster.bootstrapServers);
    try {
      const admin = await clients.admin();
      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTS, replicationFactor: 1 }], waitForLeaders: true });
    } finally {
      await clients.disconnectAll();
    }
    leaders = [];
    for (let p = 0; p < PARTS; p++) leaders.push(await cluster.waitForLeader({ topic: TOPIC, partition: p }));
    await cluster.waitFor(
      () => leaders.every((l, p) => cluster.broker(l).replicaManager.isLeader({ topic: TOPIC, partition: p })),
      'leaderships applied',
    );
  });

  afterAll(async () => {
    await cluster?.close();
  });

  async function alter(configs: Record<string, string>): Promise<void> {
    const clients = kafkaClients(cluster.bootstrapServers);
    try {
      const admin = await clients.admin();
      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: TOPIC, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
      });
    } finally {
      await clients.disconnectAll();
    }
  }

  /** Produce v7 of one `bytes`-sized record straight to partition p's leader; the partition's error code. */
  async function produceTo(p: number, bytes: number): Promise<number> {
    const leader = leaders[p]!;
    const client = new BrokerClient({ host: '127.0.0.1', port: cluster.port(leader), clientId: 'config-changes' });
    try {
      const records = buildRecordBatch([{ key: null, value: Buffer.alloc(bytes, 0x61), timestamp: Date.now() }]);
      const res = await client.send({ request: ProduceRequest, response: ProduceResponse }, 7, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5000,
        topics: [{ name: TOPIC, partitions: [{ partitionIndex: p, records }] }],
      });
      return res.responses[0]!.partitions[0]!.errorCode;
    } finally {
      await client.close();
    }
  }

  const logOf = (p: number) => cluster.broker(leaders[p]!).replicaManager.getPartition({ topic: TOPIC, partition: p })!.log!;

  it('spreads the partitions over more than one leader', () => {
    expect(new Set(leaders).size).toBeGreaterThan(1);
  });

  it('kafkajs alterConfigs reaches every broker: config cache and live logs (retention.ms, segment.bytes, max.message.bytes)', async () => {
    for (let p = 0; p < PARTS; p++) expect(await produceTo(p, 3000)).toBe(ErrorCode.None);
    await alter({ 'retention.ms': '1234567', 'segment.bytes': '1048576', 'max.message.bytes': '2048' });
    await cluster.waitFor(
      () => cluster.ids.every((id) => cluster.broker(id).replicaManager.topicConfig(TOPIC).log.maxMessageBytes === 2048),
      'max.message.bytes=2048 on every broker',
      15_000,
    );
    for (let p = 0; p < PARTS; p++) {
      expect(logOf(p).config).toMatchObject({ retentionMs: 1234567, segmentBytes: 1048576, maxMessageBytes: 2048 });
    }
  });

  it('every leader answers MESSAGE_TOO_LARGE over the new max.message.bytes and accepts small records', async () => {
    for (let p = 0; p < PARTS; p++) {
      const before = logOf(p).logEndOffset;
      expect(await produceTo(p, 3000), `partition ${p} on broker ${leaders[p]}`).toBe(ErrorCode.MessageTooLarge);
      expect(logOf(p).logEndOffset).toBe(before);
      expect(await produceTo(p, 100)).toBe(ErrorCode.None);
    }
    // the client's view: kafkajs gets the error too
    const clients = kafkaClients(cluster.bootstrapServers, { retry: { retries: 0 } });
    try {
      const producer = await clients.producer();
      await expect(producer.send({ topic: TOPIC, acks: 1, messages: [{ value: 'x'.repeat(3000), partition: 0 }] })).rejects.toThrow(
        /larger than the max message size/i,
      );
    } finally {
      await clients.disconnectAll();
    }
  });

  it('raising the limit again lets the large record through; a broker whose session expired still follows', async () => {
    const victim = leaders[0]!;
    const oldEpoch = await cluster.brokerEpoch(victim);
    await cluster.expireSession(victim);
    await cluster.waitForBrokerEpochChange(victim, oldEpoch);
    await alter({ 'max.message.bytes': '100000' });
    await cluster.waitFor(
      () => cluster.ids.every((id) => cluster.broker(id).replicaManager.topicConfig(TOPIC).log.maxMessageBytes === 100000),
      'max.message.bytes=100000 on every broker',
      20_000,
    );
    // the overrides are replaced: retention.ms and segment.bytes went back to the defaults
    expect(logOf(0).config).toMatchObject({ maxMessageBytes: 100000, segmentBytes: 1073741824, retentionMs: 604800000 });
    await cluster.waitFor(() => cluster.broker(victim).replicaManager.isLeader({ topic: TOPIC, partition: 0 }), 'partition 0 still led');
    for (let p = 0; p < PARTS; p++) expect(await produceTo(p, 3000), `partition ${p}`).toBe(ErrorCode.None);
    const got = await kcatConsume(cluster.bootstrapServers, TOPIC, { partition: 0 });
    expect(got.map((m) => m.value?.length)).toEqual([3000, 100, 3000]);
  });
});
