/**
 * Studying ZooKeeper-mode coordination with gregor/testing: a real ZooKeeper and three brokers (child processes),
 * kafkajs as the client, faults as one-line calls, and assertions on the coordination timeline.
 */
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startCluster, type Cluster } from 'gregor/testing';

const topic = 't';
const tp = { topic, partition: 0 };

describe('coordination under faults', () => {
  let cluster: Cluster;
  let admin: Admin;
  let producer: Producer;
  let kafka: Kafka;

  beforeAll(async () => {
    cluster = await startCluster({
      brokers: 3,
      brokerConfig: { 'zookeeper.session.timeout.ms': 4000, 'replica.lag.time.max.ms': 2000, 'auto.leader.rebalance.enable': false },
    });
    kafka = new Kafka({ clientId: 'example', brokers: cluster.bootstrapServers.split(','), logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    // t-0's preferred leader is not the controller: killing it is then one broker failure, not two stories at once
    const controller = await cluster.controllerId();
    const replicas = [...cluster.ids.filter((id) => id !== controller), controller];
    await admin.createTopics({
      topics: [{ topic, replicaAssignment: [{ partition: 0, replicas }], configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
      waitForLeaders: true,
    });
    await cluster.waitForIsr(tp, [0, 1, 2]);
    producer = kafka.producer();
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await admin?.disconnect();
    await cluster?.close();
  });

  // when a test fails, show what the cluster did
  const explainFailures = () => onTestFailed(() => console.log(cluster.timeline.format()));

  it('after the leader is killed, the controller elects another in-sync replica at the next leader epoch', async () => {
    explainFailures();
    const before = (await cluster.partitionState(tp))!;
    await producer.send({ topic, acks: -1, messages: [{ value: 'before' }] });

    await cluster.kill(before.leader); // kill -9

    const elected = await cluster.timeline.waitFor(
      (e) => e.type === 'leader-elected' && e.topic === topic && e.partition === 0 && e.leader !== before.leader && e.cause !== undefined,
    );
    expect(before.isr).toContain(elected.leader);
    expect(elected.leaderEpoch).toBe(before.leaderEpoch + 1);
    expect(elected.cause).toMatch(/^offline \(controller \d: broker-change\)$/); // OfflinePartitionLeaderElection
    const killed = cluster.timeline.find((e) => e.type === 'fault' && e.action === 'kill')!;
    console.log(`broker ${before.leader} killed; ${elected.time - killed.time} ms later the controller elected ` +
      `${elected.leader} for t-0 at leader epoch ${elected.leaderEpoch} (${elected.cause})`);

    await producer.send({ topic, acks: -1, messages: [{ value: 'after' }] });
    await cluster.start(before.leader);
    await cluster.waitForIsr(tp, [0, 1, 2]);
  });

  it('a broker whose ZooKeeper session expires registers again with a new broker epoch', async () => {
    explainFailures();
    const id = (await cluster.partitionState(tp))!.leader;
    const epoch = await cluster.brokerEpoch(id);
    const since = Date.now();

    await cluster.expireSession(id); // resolves once the broker is registered again

    const mine = (type: string) => cluster.timeline.waitFor((e) => e.type === type && e.broker === id, { since });
    const gone = await mine('broker-deregistered'); // ZooKeeper deleted its ephemeral znode
    const told = await mine('zk-session-expired'); // the broker's own log: its client was told
    const back = await mine('broker-registered');
    expect(gone.seq).toBeLessThan(back.seq);
    expect(told.time).toBeLessThanOrEqual(back.time);
    expect(await cluster.brokerEpoch(id)).toBeGreaterThan(epoch!);
    await producer.send({ topic, acks: -1, messages: [{ value: 'after expiry' }] });
  });

  it('a follower cut off from the leader leaves the ISR, and comes back once the partition heals', async () => {
    explainFailures();
    const { leader } = (await cluster.waitForIsr(tp, [0, 1, 2]))!;
    const follower = cluster.ids.find((id) => id !== leader)!;
    const since = Date.now();

    await cluster.cut(follower, leader);
    await producer.send({ topic, acks: 1, messages: [{ value: 'while cut' }] });
    const shrunk = await cluster.timeline.waitFor(
      (e) => e.type === 'isr-changed' && e.topic === topic && !e.isr!.includes(follower),
      { since },
    );
    expect(shrunk.isr).toHaveLength(2);
    // min.insync.replicas=2: acks=all writes still succeed with the two that are left
    await producer.send({ topic, acks: -1, messages: [{ value: 'two in sync' }] });

    await cluster.heal();
    const back = await cluster.timeline.waitFor(
      (e) => e.type === 'isr-changed' && e.topic === topic && e.isr!.includes(follower),
      { since: shrunk.time },
    );
    expect(back.isr).toHaveLength(3);
    expect(shrunk.cause).toMatch(/^isr-shrink by leader/);

    // nothing acknowledged was lost
    const consumer = kafka.consumer({ groupId: 'check' });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const values: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value!.toString());
          if (values.includes('two in sync')) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(values).toEqual(expect.arrayContaining(['before', 'after', 'after expiry', 'two in sync']));
  });
});
