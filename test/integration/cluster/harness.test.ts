/**
 * Self-tests of the cluster harness (test/harness/cluster.ts) on the run's real ZooKeeper:
 * - process mode: 3 brokers come up, kcat -L -J sees them and the controller; kill -9 of the controller
 *   elects another one and the dead broker's znode goes with its session; restart re-registers it with a new
 *   epoch; expireSession (the harness's ZooKeeper proxy holds the broker off ZooKeeper while its session is
 *   closed) and SIGSTOP past the session timeout both end the broker's session and it registers again.
 * - in-process mode: start, controlled stop, restart, session expiry.
 * - clients: a kcat produce/consume round trip with keys and compression.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, kcatConsume, kcatMetadata, kcatProduce, pythonJson } from '../../harness/clients.js';

describe('cluster harness - process mode', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 3 });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('harness - 3 brokers register and kcat -L -J shows them and the controller', async () => {
    expect(await cluster.brokerIds()).toEqual([0, 1, 2]);
    expect(cluster.bootstrapServers.split(',')).toHaveLength(3);
    const controller = await cluster.controllerId();
    expect([0, 1, 2]).toContain(controller);
    // registered in ZooKeeper is not yet in every broker's metadata (the controller's UpdateMetadata follows)
    const md = await cluster.waitFor(
      async () => {
        const m = await kcatMetadata(cluster.bootstrapServers);
        return m.brokers.length === 3 && m.controllerid === controller ? m : null;
      },
      'kcat metadata with 3 brokers and the controller',
      15_000,
    );
    expect(md.brokers.map((b) => b.id).sort()).toEqual([0, 1, 2]);
    expect(md.brokers.map((b) => b.name).sort()).toEqual(cluster.ids.map((id) => `127.0.0.1:${cluster.port(id)}`).sort());
    expect(md.controllerid).toBe(controller);
  });

  it('harness - kill(controller) elects a new controller; restart brings the broker back with a new epoch', async () => {
    const old = await cluster.controllerId();
    const oldEpoch = await cluster.brokerEpoch(old);
    const oldControllerEpoch = await cluster.controllerEpoch();
    await cluster.kill(old);
    expect(cluster.isRunning(old)).toBe(false);
    const next = await cluster.waitForController({ not: old, timeoutMs: 30_000 });
    expect(next).not.toBe(old);
    expect(await cluster.controllerEpoch()).toBeGreaterThan(oldControllerEpoch ?? 0);
    // the killed broker's ephemeral znode goes when its session times out (6 s)
    await cluster.waitFor(async () => !(await cluster.brokerIds()).includes(old), `broker ${old} deregistered`, 20_000);

    await cluster.restart(old);
    expect(await cluster.brokerIds()).toEqual([0, 1, 2]);
    expect(await cluster.brokerEpoch(old)).not.toBe(oldEpoch);
  });

  it('harness - expireSession(id) ends the broker session; the broker registers again with a new epoch', async () => {
    const id = 1;
    const before = await cluster.brokerEpoch(id);
    expect(before).not.toBeNull();
    await cluster.expireSession(id);
    const after = await cluster.waitForBrokerEpochChange(id, before, { timeoutMs: 30_000 });
    expect(after).toBeGreaterThan(before ?? 0);
    expect(cluster.isRunning(id)).toBe(true);
  });

  it('harness - pause(id) past the session timeout drops the registration; resume(id) registers again', async () => {
    const id = 2;
    const before = await cluster.brokerEpoch(id);
    await cluster.pause(id);
    try {
      await cluster.waitFor(async () => (await cluster.brokerEpoch(id)) === null, `broker ${id} session expired while paused`, 20_000);
    } finally {
      await cluster.resume(id);
    }
    const after = await cluster.waitForBrokerEpochChange(id, before, { timeoutMs: 30_000 });
    expect(after).toBeGreaterThan(before ?? 0);
  });
});

describe('cluster harness - in-process mode and clients', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 3, inProcess: true });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('harness - in-process brokers register, expose their ports, and one controller is elected', async () => {
    expect(await cluster.brokerIds()).toEqual([0, 1, 2]);
    const controller = await cluster.controllerId();
    for (const id of cluster.ids) {
      const b = cluster.broker(id);
      expect(b.brokerId).toBe(id);
      expect(b.isController).toBe(id === controller);
      expect(b.brokerEpoch).toBe(await cluster.brokerEpoch(id));
    }
    expect(new Set(cluster.ids.map((id) => cluster.broker(id).clusterId)).size).toBe(1);
  });

  it('harness - in-process stop(id) deregisters at once; restart(id) re-registers; expireSession(id) re-registers', async () => {
    const id = (await cluster.controllerId()) === 0 ? 1 : 0;
    const epoch0 = await cluster.brokerEpoch(id);
    await cluster.stop(id);
    await cluster.waitFor(async () => !(await cluster.brokerIds()).includes(id), `broker ${id} deregistered`, 10_000);
    await cluster.restart(id);
    const epoch1 = await cluster.brokerEpoch(id);
    expect(epoch1).not.toBe(epoch0);

    await cluster.expireSession(id);
    const epoch2 = await cluster.waitForBrokerEpochChange(id, epoch1, { timeoutMs: 30_000 });
    expect(epoch2).toBeGreaterThan(epoch1 ?? 0);
    expect(cluster.broker(id).brokerEpoch).toBe(epoch2);
    // the controller has taken the broker back: every broker's metadata names it and all three brokers again
    // (the client tests below ask any broker for the controller)
    const controller = await cluster.controllerId();
    await cluster.waitFor(
      () =>
        cluster.ids.every((b) => {
          const md = cluster.broker(b).metadataCache;
          return md.controllerId === controller && md.liveBrokers().map((l) => l.id).sort().join() === '0,1,2';
        }),
      'every broker has metadata with the controller and brokers 0,1,2 after the expiry',
      15_000,
    );
  });

  it('clients - kcat produce with keys and gzip, then kcat consume returns keys, values and offsets', async () => {
    const topic = 'harness-roundtrip';
    const clients = kafkaClients(cluster.bootstrapServers);
    try {
      const admin = await clients.admin();
      // RF 1 keeps this a test of the client helpers, not of replication
      await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
      const leader = await cluster.waitForLeader({ topic, partition: 0 });
      expect(await cluster.partitionState({ topic, partition: 0 })).toMatchObject({ leader, isr: [leader] });
      await kcatProduce(cluster.bootstrapServers, topic, [{ key: 'k1', value: 'one' }, { key: 'k2', value: 'two' }, 'three'], {
        codec: 'gzip',
        partition: 0,
      });
      const got = await kcatConsume(cluster.bootstrapServers, topic, { partition: 0, count: 3 });
      expect(got.map((m) => [m.offset, m.key, m.value])).toEqual([
        [0, 'k1', 'one'],
        [1, 'k2', 'two'],
        [2, null, 'three'],
      ]);
    } finally {
      await clients.disconnectAll();
    }
  });

  it('clients - python helpers run confluent-kafka and kafka-python against the cluster', async () => {
    const script = [
      'import json, sys',
      'from confluent_kafka.admin import AdminClient',
      'from kafka import KafkaConsumer',
      'md = AdminClient({"bootstrap.servers": sys.argv[1]}).list_topics(timeout=15)',
      'consumer = KafkaConsumer(bootstrap_servers=sys.argv[1].split(","), request_timeout_ms=15000, api_version_auto_timeout_ms=10000)',
      'topics = sorted(consumer.topics())',
      'consumer.close()',
      'print(json.dumps({"brokers": sorted(md.brokers.keys()), "controller": md.controller_id, "topics": topics}))',
    ].join('\n');
    const out = await pythonJson<{ brokers: number[]; controller: number; topics: string[] }>(script, [cluster.bootstrapServers], {
      timeoutMs: 60_000,
    });
    expect(out.brokers).toEqual([0, 1, 2]);
    expect(out.controller).toBe(await cluster.controllerId());
    expect(out.topics).toEqual((await cluster.zk.getAllTopics()).filter((t) => !t.startsWith('__')));
  });
});
