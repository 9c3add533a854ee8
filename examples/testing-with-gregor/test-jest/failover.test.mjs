// The same API from jest (ESM: run with node --experimental-vm-modules, see package.json).
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { Kafka, logLevel } from 'kafkajs';
import { startCluster } from 'gregor/testing';

let cluster;

beforeAll(async () => {
  cluster = await startCluster({ brokers: 3, inProcess: true, brokerConfig: { 'auto.leader.rebalance.enable': false } });
  const admin = new Kafka({ brokers: cluster.bootstrapServers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  // the partition's preferred leader is a broker that is not the controller (stopping the controller is another story)
  const controller = await cluster.controllerId();
  const replicas = [...cluster.ids.filter((id) => id !== controller), controller];
  await admin.createTopics({ topics: [{ topic: 'j', replicaAssignment: [{ partition: 0, replicas }] }], waitForLeaders: true });
  await admin.disconnect();
  await cluster.waitForIsr({ topic: 'j', partition: 0 }, [0, 1, 2]);
});

afterAll(async () => {
  await cluster?.close();
});

test('a stopped leader hands its partition over during controlled shutdown', () =>
  // withTimeline: a failing assertion's message ends with the coordination timeline
  cluster.withTimeline(async () => {
    const before = await cluster.partitionState({ topic: 'j', partition: 0 });
    const since = Date.now();
    await cluster.stop(before.leader); // controlled shutdown
    const elected = await cluster.timeline.waitFor((e) => e.type === 'leader-elected' && e.topic === 'j' && e.leader !== before.leader, { since });
    const stopped = cluster.timeline.find((e) => e.type === 'broker-stopped' && e.broker === before.leader && e.time >= since);
    expect(elected.time).toBeLessThanOrEqual(stopped.time); // leadership moved before the broker finished stopping
    expect(elected.leaderEpoch).toBe(before.leaderEpoch + 1);
    expect(elected.cause).toMatch(/controlled-shutdown/i);
  }));
