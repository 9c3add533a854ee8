import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZkClient, type ZkWatchEvent } from '../../../src/zk/client.js';
import { ControllerMovedError, KafkaZkClient, type ControllerFence } from '../../../src/zk/kafka-zk-client.js';
import {
  BrokerIdZNode,
  ConsumerOffsetZNode,
  ControllerEpochZNode,
  TopicPartitionStateZNode,
  TopicZNode,
  replicaAssignment,
  type BrokerInfo,
} from '../../../src/zk/znodes.js';
import { closeAllZk, connectZk, expireZkSession, removeChroot, zkConnectForTest } from '../../harness/zookeeper.js';
import { waitFor } from '../../harness/wait-for.js';

const connect = zkConnectForTest();
let admin: ZkClient;
let kzk: KafkaZkClient;

const brokerInfo = (id: number): BrokerInfo => ({
  id,
  endpoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + id }],
  rack: null,
  jmxPort: -1,
});

beforeAll(async () => {
  admin = await connectZk(connect);
  kzk = new KafkaZkClient(admin);
  await kzk.createTopLevelPaths();
});
afterAll(async () => {
  await closeAllZk();
  await removeChroot(connect);
});

describe('kafka zk - startup paths and cluster id', () => {
  it('creates the top-level paths with null data and keeps the first cluster id', async () => {
    for (const p of ['/brokers/ids', '/brokers/topics', '/config/changes', '/admin/delete_topics', '/isr_change_notification']) {
      expect((await admin.getData(p)).data).toBeNull();
    }
    const id = await kzk.getOrCreateClusterId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(await kzk.getOrCreateClusterId('otherotherotherother00')).toBe(id);
    expect(JSON.parse((await admin.getData('/cluster/id')).data!.toString())).toEqual({ version: '1', id });
  });

  it('generates broker ids from /brokers/seqid plus reserved.broker.max.id', async () => {
    const a = await kzk.generateBrokerId();
    const b = await kzk.generateBrokerId();
    expect(a).toBe(1001);
    expect(b).toBe(1002);
  });
});

describe('kafka zk - broker registration', () => {
  it('registers JSON with exactly Kafka 2.7 fields; epoch = czxid; re-registration after expiry gets a larger epoch', async () => {
    const b = await connectZk(connect, { sessionTimeoutMs: 4000 });
    const bk = new KafkaZkClient(b);
    const epoch1 = await bk.registerBroker(brokerInfo(1));
    const { data, stat } = await admin.getData(BrokerIdZNode.path(1));
    expect(stat.czxid).toBe(epoch1);
    expect(stat.ephemeralOwner).toBe(b.sessionId);
    const json = JSON.parse(data!.toString()) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(
      ['endpoints', 'features', 'host', 'jmx_port', 'listener_security_protocol_map', 'port', 'timestamp', 'version'].sort(),
    );
    expect(json).toMatchObject({ version: 5, host: '127.0.0.1', port: 9001, endpoints: ['PLAINTEXT://127.0.0.1:9001'] });
    expect(typeof json.timestamp).toBe('string');

    // registering again in the same session: the node is ours, same epoch
    expect(await bk.registerBroker(brokerInfo(1))).toBe(epoch1);

    const all = await kzk.getAllBrokers();
    expect(all.map((x) => [x.id, x.epoch])).toEqual([[1, epoch1]]);

    await expireZkSession(b);
    await waitFor(async () => (await admin.exists(BrokerIdZNode.path(1))) === null, { what: 'ephemeral gone after expiry' });
    await waitFor(() => b.state === 'connected', { what: 'new session' });
    const epoch2 = await bk.registerBroker(brokerInfo(1));
    expect(epoch2).toBeGreaterThan(epoch1);
    expect((await kzk.getBroker(1))?.epoch).toBe(epoch2);
  });

  it('a node owned by another live session fails with NODEEXISTS (Kafka aborts startup)', async () => {
    const other = await connectZk(connect);
    await new KafkaZkClient(other).registerBroker(brokerInfo(2));
    const me = await connectZk(connect);
    await expect(new KafkaZkClient(me).registerBroker(brokerInfo(2))).rejects.toThrow(/does not match current session/);
    // ... but waiting for the other session to go away works
    const pending = new KafkaZkClient(me).registerBroker(brokerInfo(2), { waitForStaleMs: 10000 });
    await other.close();
    expect(await pending).toBeGreaterThan(0);
    expect((await admin.getData(BrokerIdZNode.path(2))).stat.ephemeralOwner).toBe(me.sessionId);
  });

  it('watchBrokers fires once when a broker joins', async () => {
    const events: ZkWatchEvent[] = [];
    const before = await kzk.watchBrokers((e) => events.push(e));
    const c = await connectZk(connect);
    await new KafkaZkClient(c).registerBroker(brokerInfo(3));
    await waitFor(() => events.length === 1, { what: 'brokers child watch' });
    expect(events[0]).toEqual({ type: 'children-changed', path: '/brokers/ids' });
    expect(await kzk.getBrokerIds()).toEqual([...before, 3].sort((a, b) => a - b));
  });
});

describe('kafka zk - controller election and fencing', () => {
  it('two brokers race: exactly one wins, the epoch increments, the loser sees the winner', async () => {
    await admin.delete('/controller').catch(() => {});
    const before = (await kzk.getControllerEpoch())?.epoch ?? 0;
    const c1 = new KafkaZkClient(await connectZk(connect));
    const c2 = new KafkaZkClient(await connectZk(connect));
    const [r1, r2] = await Promise.all([c1.tryElectController(11), c2.tryElectController(12)]);
    const winners = [r1, r2].filter((r) => r.elected);
    expect(winners).toHaveLength(1);
    const winner = r1.elected ? 11 : 12;
    const loser = r1.elected ? r2 : r1;
    expect(loser).toEqual({ elected: false, controllerId: winner });
    const won = winners[0]!;
    if (!won.elected) throw new Error('unreachable');
    expect(won.epoch).toBe(before + 1);
    expect(won.epochZkVersion).toBeGreaterThanOrEqual(1);
    const epochNode = await admin.getData('/controller_epoch');
    expect(ControllerEpochZNode.decode(epochNode.data)).toBe(before + 1);
    expect(epochNode.stat.version).toBe(won.epochZkVersion);
    expect(await kzk.getControllerId()).toBe(winner);
    expect(JSON.parse((await admin.getData('/controller')).data!.toString())).toMatchObject({ version: 1, brokerid: winner });
  });

  it('a stale controller epoch makes a fenced write fail with ControllerMovedError', async () => {
    await admin.delete('/controller').catch(() => {});
    const a = await connectZk(connect);
    const ka = new KafkaZkClient(a);
    const first = await ka.tryElectController(21);
    if (!first.elected) throw new Error('expected to win');
    const staleFence: ControllerFence = { epoch: first.epoch, epochZkVersion: first.epochZkVersion };

    const events: ZkWatchEvent[] = [];
    const b = new KafkaZkClient(await connectZk(connect));
    expect(await b.watchController((e) => events.push(e))).toBe(21);
    await a.close(); // controller's session ends → /controller deleted
    await waitFor(() => events.length === 1, { what: '/controller deletion watch' });
    expect(events[0]).toEqual({ type: 'deleted', path: '/controller' });
    const second = await b.tryElectController(22);
    if (!second.elected) throw new Error('expected to win');
    expect(second.epoch).toBe(first.epoch + 1);

    const tp = { topic: 'fenced', partition: 0 };
    await kzk.createTopicAssignment('fenced', new Map([[0, replicaAssignment([1])]]));
    await expect(
      kzk.createPartitionStates(staleFence, [{ tp, state: { leader: 1, leaderEpoch: 0, isr: [1], controllerEpoch: first.epoch } }]),
    ).rejects.toBeInstanceOf(ControllerMovedError);
    expect(await admin.exists(TopicPartitionStateZNode.path(tp))).toBeNull();
    const ok = await b.createPartitionStates(second, [{ tp, state: { leader: 1, leaderEpoch: 0, isr: [1], controllerEpoch: second.epoch } }]);
    expect(ok).toEqual([{ tp, outcome: 'ok', zkVersion: 1 }]);
    await expect(kzk.deleteControllerFenced(staleFence)).rejects.toBeInstanceOf(ControllerMovedError);
    expect(await kzk.getControllerId()).toBe(22);
    await b.deleteControllerFenced(second);
    expect(await kzk.getControllerId()).toBe(-1);
  });
});

describe('kafka zk - topics, partition state and ISR', () => {
  let fence: ControllerFence;
  beforeAll(async () => {
    await admin.delete('/controller').catch(() => {});
    const r = await kzk.tryElectController(1);
    if (!r.elected) throw new Error('expected to win');
    fence = r;
  });

  it('topic assignment and partition state JSON round trip', async () => {
    const assignment = new Map([
      [0, replicaAssignment([1, 2])],
      [1, replicaAssignment([2, 1])],
    ]);
    const events: ZkWatchEvent[] = [];
    await kzk.watchTopics((e) => events.push(e));
    await kzk.createTopicAssignment('orders', assignment, { 'retention.ms': '1000' });
    await waitFor(() => events.length === 1, { what: 'topics child watch' });
    await expect(kzk.createTopicAssignment('orders', assignment)).rejects.toMatchObject({ code: 36 });
    expect((await admin.getData(TopicZNode.path('orders'))).data!.toString()).toBe(
      '{"version":2,"partitions":{"0":[1,2],"1":[2,1]},"adding_replicas":{},"removing_replicas":{}}',
    );
    expect(await kzk.getTopicConfig('orders')).toEqual({ 'retention.ms': '1000' });
    expect((await kzk.getTopicAssignment('orders'))?.assignment).toEqual(assignment);
    expect(await kzk.getAllTopics()).toContain('orders');

    const tps = [0, 1].map((partition) => ({ topic: 'orders', partition }));
    const states = tps.map((tp, i) => ({ tp, state: { leader: i + 1, leaderEpoch: 0, isr: [1, 2], controllerEpoch: fence.epoch } }));
    const created = await kzk.createPartitionStates(fence, states);
    expect(created.map((c) => c.outcome)).toEqual(['ok', 'ok']);
    expect((await admin.getData(TopicPartitionStateZNode.path(tps[0]!))).data!.toString()).toBe(
      `{"controller_epoch":${fence.epoch},"leader":1,"version":1,"leader_epoch":0,"isr":[1,2]}`,
    );
    const read = await kzk.getPartitionStates(tps);
    expect(read.map((r) => r.current?.state)).toEqual(states.map((s) => s.state));
    expect((await kzk.createPartitionStates(fence, [states[0]!]))[0]?.outcome).toBe('node-exists');

    const upd = await kzk.updatePartitionStates(fence, [
      { tp: tps[0]!, state: { ...states[0]!.state, leaderEpoch: 1, leader: 2 }, expectedZkVersion: read[0]!.current!.zkVersion },
      { tp: tps[1]!, state: states[1]!.state, expectedZkVersion: read[1]!.current!.zkVersion + 5 },
    ]);
    expect(upd[0]).toMatchObject({ outcome: 'ok', zkVersion: read[0]!.current!.zkVersion + 1 });
    expect(upd[1]).toMatchObject({ outcome: 'bad-version' });
  });

  it('the leader ISR write is conditional on zkVersion: a stale version fails', async () => {
    const tp = { topic: 'orders', partition: 1 };
    const cur = (await kzk.getPartitionState(tp))!;
    const shrunk = { ...cur.state, isr: [2] };
    const r = await kzk.updateLeaderAndIsr(tp, shrunk, cur.zkVersion);
    expect(r).toEqual({ outcome: 'ok', zkVersion: cur.zkVersion + 1 });
    const stale = await kzk.updateLeaderAndIsr(tp, { ...cur.state, isr: [2, 1] }, cur.zkVersion);
    expect(stale).toEqual({ outcome: 'bad-version' });
    expect((await kzk.getPartitionState(tp))?.state.isr).toEqual([2]);
  });

  it('isr_change_notification sequential nodes are posted, read in order, watched and deleted (fenced)', async () => {
    const events: ZkWatchEvent[] = [];
    expect(await kzk.watchIsrChangeNotifications((e) => events.push(e))).toEqual([]);
    const n1 = await kzk.createIsrChangeNotification([{ topic: 'orders', partition: 0 }]);
    const n2 = await kzk.createIsrChangeNotification([{ topic: 'orders', partition: 1 }, { topic: 'x', partition: 2 }]);
    expect(n1).toMatch(/^isr_change_\d{10}$/);
    await waitFor(() => events.length === 1, { what: 'isr notification child watch' });
    const all = await kzk.getIsrChangeNotifications();
    expect(all.map((n) => n.name)).toEqual([n1, n2]);
    expect(all[1]?.partitions).toEqual([{ topic: 'orders', partition: 1 }, { topic: 'x', partition: 2 }]);
    expect(all[1]!.sequence).toBe(all[0]!.sequence + 1);
    await kzk.deleteIsrChangeNotifications(fence, [n1, n2]);
    expect(await kzk.getIsrChangeNotifications()).toEqual([]);
  });

  it('topic deletion markers and fenced removal of the topic subtree', async () => {
    await expect(kzk.markTopicForDeletion('nope')).rejects.toMatchObject({ code: 3 });
    await kzk.markTopicForDeletion('orders');
    await kzk.markTopicForDeletion('orders');
    expect(await kzk.getTopicDeletions()).toEqual(['orders']);
    await kzk.deleteTopicZNodes(fence, 'orders');
    expect(await kzk.topicExists('orders')).toBe(false);
    expect(await kzk.getTopicDeletions()).toEqual([]);
    expect(await admin.exists('/config/topics/orders')).toBeNull();
  });

  it('topic config change posts a v2 notification', async () => {
    const name = await kzk.changeTopicConfig('cfg', { 'cleanup.policy': 'compact' });
    const notes = await kzk.getConfigChangeNotifications();
    expect(notes.find((n) => n.name === name)?.entityPath).toBe('topics/cfg');
    expect(await kzk.getTopicConfig('cfg')).toEqual({ 'cleanup.policy': 'compact' });
    expect(await kzk.getBrokerConfig('<default>')).toEqual({});
  });
});

describe('kafka zk - consumer offsets', () => {
  it('commits in one multi (creating parents) and reads back decimal text', async () => {
    await kzk.commitOffsets('grp', [
      { topic: 't1', partition: 0, offset: 42, metadata: 'm0', leaderEpoch: 3 },
      { topic: 't1', partition: 1, offset: 7 },
      { topic: 't2', partition: 0, offset: 9007199254740991 },
    ]);
    expect((await admin.getData(ConsumerOffsetZNode.path('grp', { topic: 't1', partition: 0 }))).data!.toString()).toBe('42');
    const all = await kzk.fetchOffsets('grp');
    expect(all.map(({ mzxid: _m, ...rest }) => rest)).toEqual([
      { topic: 't1', partition: 0, offset: 42, metadata: 'm0', leaderEpoch: 3 },
      { topic: 't1', partition: 1, offset: 7, metadata: '', leaderEpoch: -1 },
      { topic: 't2', partition: 0, offset: 9007199254740991, metadata: '', leaderEpoch: -1 },
    ]);
    // update existing offsets
    await kzk.commitOffsets('grp', [{ topic: 't1', partition: 0, offset: 50, metadata: 'm1' }]);
    const [p0] = await kzk.fetchOffsets('grp', [{ topic: 't1', partition: 0 }]);
    expect(p0).toMatchObject({ offset: 50, metadata: 'm1' });
    // an old tool rewriting the decimal text makes the sidecar stale → ignored
    await admin.setData(ConsumerOffsetZNode.path('grp', { topic: 't1', partition: 0 }), Buffer.from('60'));
    const [old] = await kzk.fetchOffsets('grp', [{ topic: 't1', partition: 0 }]);
    expect(old).toMatchObject({ offset: 60, metadata: '', leaderEpoch: -1 });
    expect(await kzk.fetchOffsets('grp', [{ topic: 'none', partition: 0 }])).toEqual([]);
  });

  it('claims producer id blocks of 1000', async () => {
    const a = await kzk.claimProducerIdBlock(1);
    const b = await kzk.claimProducerIdBlock(2);
    expect(b.blockStart).toBe(a.blockEnd + 1);
    expect(b.blockEnd - b.blockStart).toBe(999);
  });

  it('brokers claiming at the same time over their own sessions never get the same block (conditional setData)', async () => {
    const sessions = await Promise.all([0, 1, 2, 3].map(async () => new KafkaZkClient(await connectZk(connect))));
    const claims = await Promise.all(sessions.flatMap((z, broker) => [0, 1, 2].map(() => z.claimProducerIdBlock(broker))));
    const starts = claims.map((c) => c.blockStart).sort((x, y) => x - y);
    expect(new Set(starts).size).toBe(12);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBe(1000);
    const last = claims.find((c) => c.blockStart === starts[11])!;
    const node = await admin.getData('/latest_producer_id_block');
    expect(JSON.parse(node.data!.toString('utf8'))).toEqual({ version: 1, broker: last.brokerId, block_start: String(last.blockStart), block_end: String(last.blockEnd) });
  });
});
