/**
 * The coordination timeline of a cluster whose brokers are child processes (their JSON stdout parsed as it
 * comes), on its own ZooKeeper, with kafkajs as the client:
 * - start-up: every broker's registration and the controller election, from ZooKeeper and from the logs;
 * - kill -9 of a partition leader: the fault, the registration gone with the session, the controller's offline
 *   election of another ISR member at the next leader epoch with its cause, the new leader's become-leader;
 * - a session expiry: the broker's own zk-session-expired record, its registration dropped and re-created;
 * - a controller kill: /controller and /controller_epoch change, another broker says it was elected;
 * - live iteration (`for await`), the table, and `withTimeline` adding the table to a failing assertion.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import type { TimelineEvent } from '../../../src/testing/index.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, type KafkaClients } from '../../harness/clients.js';

const TOPIC = 'tl';

describe('harness timeline - brokers as child processes', () => {
  let cluster: Cluster;
  let clients: KafkaClients;

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 3, ensemble: 1, brokerConfig: { 'zookeeper.session.timeout.ms': 4000, 'auto.leader.rebalance.enable': false } });
    clients = kafkaClients(cluster.bootstrapServers);
    const admin = await clients.admin();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 3 }], waitForLeaders: true });
    await cluster.waitForIsr({ topic: TOPIC, partition: 0 }, [0, 1, 2]);
  });

  afterAll(async () => {
    await clients?.disconnectAll();
    await cluster?.close();
  });

  beforeEach(() => onTestFailed(() => console.log(cluster.timeline.format())));

  it('timeline - start-up: registrations and the controller from ZooKeeper, the election from the winner\'s log', async () => {
    const t = cluster.timeline;
    expect(t.filter((e) => e.type === 'broker-registered').map((e) => e.broker).sort()).toEqual([0, 1, 2]);
    const controller = await cluster.controllerId();
    expect(t.find((e) => e.type === 'controller-changed')?.broker).toBe(controller);
    expect(t.find((e) => e.type === 'controller-elected')).toMatchObject({ source: 'broker', broker: controller, controllerEpoch: 1 });
    expect(t.filter((e) => e.type === 'broker-started').map((e) => e.broker).sort()).toEqual([0, 1, 2]);
    const created = t.find((e) => e.type === 'partition-created' && e.topic === TOPIC)!;
    expect(created).toMatchObject({ partition: 0, leaderEpoch: 0 });
    expect(created.cause).toMatch(/NewPartition -> OnlinePartition \(controller \d: topic-change\)/);
    // time order
    expect(t.every((e, i) => i === 0 || t[i - 1]!.time <= e.time)).toBe(true);
  });

  it('timeline - kill -9 of the leader: the controller elects another ISR member at the next epoch, and says why', async () => {
    const tp = { topic: TOPIC, partition: 0 };
    const before = (await cluster.partitionState(tp))!;
    const victim = before.leader;
    const wasController = victim === (await cluster.controllerId());
    const since = Date.now();
    await cluster.kill(victim);
    const elected = await cluster.timeline.waitFor(
      (e) => e.type === 'leader-elected' && e.topic === TOPIC && e.partition === 0 && e.time >= since && e.leader !== victim,
      { timeoutMs: 30_000 },
    );
    expect(before.isr).toContain(elected.leader);
    expect(elected.leaderEpoch).toBeGreaterThan(before.leaderEpoch);
    const kill = cluster.timeline.find((e) => e.type === 'fault' && e.action === 'kill' && e.broker === victim)!;
    const gone = cluster.timeline.find((e) => e.type === 'broker-deregistered' && e.broker === victim && e.time >= since)!;
    expect(kill.time).toBeLessThanOrEqual(gone.time);
    expect(gone.time).toBeLessThanOrEqual(elected.time);
    const cause = await cluster.waitFor(() => elected.cause, 'the election has a cause', 10_000);
    // the controller saw the broker go (broker-change), or — when the leader was the controller — its successor
    // elected during its failover (reelect)
    expect(cause).toMatch(wasController ? /^offline \(controller \d: reelect\)$/ : /^offline \(controller \d: broker-change\)$/);
    await cluster.timeline.waitFor((e) => e.type === 'become-leader' && e.broker === elected.leader && e.topic === TOPIC && e.leaderEpoch === elected.leaderEpoch, {
      timeoutMs: 10_000,
    });
    await cluster.start(victim);
    await cluster.waitForIsr(tp, [0, 1, 2], { timeoutMs: 30_000 });
  });

  it('timeline - expireSession: the broker logs the expiry, its registration goes and comes back', async () => {
    const controller = await cluster.controllerId();
    const id = cluster.ids.find((x) => x !== controller)!;
    const since = Date.now();
    await cluster.expireSession(id);
    const fault = cluster.timeline.find((e) => e.type === 'fault' && e.action === 'expire-session' && e.broker === id && e.time >= since)!;
    // expireSession returns once ZooKeeper holds the new registration; the timeline's watcher may see
    // the deletion and the creation a moment later
    const gone = await cluster.timeline.waitFor((e) => e.type === 'broker-deregistered' && e.broker === id && e.seq > fault.seq, { timeoutMs: 10_000 });
    const back = await cluster.timeline.waitFor((e) => e.type === 'broker-registered' && e.broker === id && e.seq > gone.seq, { timeoutMs: 10_000 });
    expect(back.time).toBeGreaterThanOrEqual(gone.time - 50); // a deletion's time is when it was seen
    await cluster.timeline.waitFor((e) => e.type === 'zk-session-expired' && e.broker === id && e.time >= since - 1000, { timeoutMs: 10_000 });
  });

  it('timeline - controller kill: /controller and /controller_epoch change and another broker logs its election; live iteration sees it', async () => {
    const old = await cluster.controllerId();
    const epoch = (await cluster.controllerEpoch())!;
    const seen: TimelineEvent[] = [];
    const watching = (async () => {
      for await (const e of cluster.timeline.follow({ fromSeq: cluster.timeline.length })) {
        seen.push(e);
        if (e.type === 'controller-elected') return e;
      }
      return null;
    })();
    await cluster.kill(old);
    const elected = await watching;
    expect(elected!.controllerEpoch).toBeGreaterThan(epoch);
    expect(elected!.broker).not.toBe(old);
    expect(seen.some((e) => e.type === 'fault' && e.action === 'kill')).toBe(true);
    // /controller_epoch may be written twice before it is read (another election at once): at least one more
    await cluster.timeline.waitFor((e) => e.type === 'controller-epoch' && e.controllerEpoch! >= elected!.controllerEpoch!);
    await cluster.timeline.waitFor((e) => e.type === 'controller-changed' && e.broker === elected!.broker && e.time >= elected!.time - 1000);
    await cluster.start(old);
  });

  it('timeline - the table, and withTimeline putting it into a failing assertion', async () => {
    const table = cluster.timeline.format({ types: ['fault', 'leader-elected'] });
    expect(table.split('\n').length).toBeGreaterThan(3);
    expect(table).toMatch(/harness\s+b\d\s+fault\s+kill/);
    expect(table).toMatch(/zookeeper\s+leader-elected\s+tl-0 leader=\d epoch=\d+ isr=\[[\d,]+\]/);
    const failed = await cluster
      .withTimeline(() => {
        expect(1).toBe(2);
      })
      .catch((err: Error) => err.message);
    expect(failed).toMatch(/expected 1 to be 2[\s\S]*coordination timeline:[\s\S]*leader-elected/);
  });
});
