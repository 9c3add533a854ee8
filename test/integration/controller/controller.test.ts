import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KafkaError } from '../../../src/common/errors.js';
import { ElectionType } from '../../../src/controller/events.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import type { ZkClient } from '../../../src/zk/client.js';
import { KafkaZkClient } from '../../../src/zk/kafka-zk-client.js';
import { ControllerEpochZNode, PreferredReplicaElectionZNode, replicaAssignment } from '../../../src/zk/znodes.js';
import { waitFor } from '../../harness/wait-for.js';
import { closeAllZk, connectZk, expireZkSession, removeChroot, zkConnectForTest } from '../../harness/zookeeper.js';
import { FakeBroker, leaderAndIsrStates, updateMetadataStates } from './fake-broker.js';

let connect: string;
let admin: ZkClient;
let akzk: KafkaZkClient;
let brokers: FakeBroker[] = [];

beforeEach(async () => {
  connect = zkConnectForTest();
  admin = await connectZk(connect);
  akzk = new KafkaZkClient(admin);
  await akzk.createTopLevelPaths();
  brokers = [];
});

afterEach(async () => {
  await Promise.all(brokers.map((b) => b.stop()));
  await closeAllZk();
  await removeChroot(connect);
});

async function startBrokers(ids: number[]): Promise<FakeBroker[]> {
  for (const id of ids) brokers.push(await FakeBroker.start(connect, id));
  return brokers;
}

async function activeController(exclude: FakeBroker[] = []): Promise<FakeBroker> {
  return waitFor(
    () => {
      const active = brokers.filter((b) => !exclude.includes(b) && b.controller.isActive);
      return active.length === 1 ? active[0] : null;
    },
    { what: 'exactly one active controller' },
  );
}

const tp = (topic: string, partition = 0) => ({ topic, partition });

async function stateOf(topic: string, partition = 0) {
  return (await akzk.getPartitionState(tp(topic, partition)))?.state ?? null;
}

async function createTopic(topic: string, partitions: Record<number, number[]>): Promise<void> {
  await akzk.createTopicAssignment(topic, new Map(Object.entries(partitions).map(([p, r]) => [Number(p), replicaAssignment(r)])));
}

async function waitForLeader(topic: string, partition: number, pred: (s: { leader: number; isr: number[]; leaderEpoch: number }) => boolean, what: string) {
  return waitFor(
    async () => {
      const s = await stateOf(topic, partition);
      return s && pred(s) ? s : null;
    },
    { what },
  );
}

describe('controller - election and failover', () => {
  it('elects exactly one controller; re-election after its session closes bumps /controller_epoch and sends UpdateMetadata before LeaderAndIsr', async () => {
    await startBrokers([1, 2, 3]);
    const first = await activeController();
    const epoch1 = first.controller.epoch;
    expect(epoch1).toBeGreaterThanOrEqual(1);
    expect(ControllerEpochZNode.decode((await admin.getData('/controller_epoch')).data)).toBe(epoch1);
    await waitFor(() => brokers.every((b) => b.controller.controllerId === first.id), { what: 'every broker sees the controller' });
    expect(brokers.filter((b) => b.controller.isActive)).toHaveLength(1);

    await createTopic('fo', { 0: [1, 2, 3] });
    await waitForLeader('fo', 0, () => true, 'fo-0 initialized');
    for (const b of brokers) b.clear();

    await first.stop();
    const second = await activeController([first]);
    expect(second.controller.epoch).toBe(epoch1 + 1);
    expect(ControllerEpochZNode.decode((await admin.getData('/controller_epoch')).data)).toBe(epoch1 + 1);
    for (const b of brokers.filter((x) => x !== first)) {
      const lai = await waitFor(() => b.of('LeaderAndIsr').find((r) => r.body.controllerEpoch === epoch1 + 1), {
        what: `LeaderAndIsr from the new controller at broker ${b.id}`,
      });
      const um = b.of('UpdateMetadata').find((r) => r.body.controllerEpoch === epoch1 + 1);
      expect(um, `UpdateMetadata at broker ${b.id}`).toBeDefined();
      expect(um!.seq).toBeLessThan(lai.seq);
      expect(lai.body.controllerId).toBe(second.id);
      expect(lai.body.brokerEpoch).toBe(b.brokerEpoch);
      expect(lai.body.topicStates[0]!.partitionStates[0]!.leaderEpoch).toBeGreaterThanOrEqual(0);
      expect(um!.body.liveBrokers.map((x) => x.id).sort()).toEqual(brokers.filter((x) => x !== first).map((x) => x.id).sort());
    }
  });

  it('a stale controller (epoch zkVersion moved) fails its fenced write, resigns, and a new election follows', async () => {
    await startBrokers([1, 2]);
    const ctl = await activeController();
    const epoch = ctl.controller.epoch;
    // someone else moves /controller_epoch's version (same value): our fence is now stale
    await admin.setData('/controller_epoch', ControllerEpochZNode.encode(epoch), -1);
    await createTopic('stale', { 0: [1, 2] });
    const s = await waitForLeader('stale', 0, () => true, 'stale-0 initialized by a fresh controller');
    expect(s.controllerEpoch).toBe(epoch + 1);
    const now = await activeController();
    expect(now.controller.epoch).toBe(epoch + 1);
  });
});

describe('controller - topics', () => {
  it('a topic written to /brokers/topics gets state znodes; LeaderAndIsr(isNew) reaches exactly its replicas, UpdateMetadata all', async () => {
    await startBrokers([1, 2, 3]);
    const ctl = await activeController();
    for (const b of brokers) b.clear();
    await createTopic('t1', { 0: [2, 3], 1: [3, 1] });
    await waitForLeader('t1', 1, () => true, 't1-1 initialized');
    const raw = JSON.parse((await admin.getData('/brokers/topics/t1/partitions/0/state')).data!.toString());
    expect(raw).toEqual({ controller_epoch: ctl.controller.epoch, leader: 2, version: 1, leader_epoch: 0, isr: [2, 3] });
    expect(await stateOf('t1', 1)).toMatchObject({ leader: 3, isr: [3, 1], leaderEpoch: 0 });

    const want: Record<number, number[]> = { 1: [1], 2: [0], 3: [0, 1] };
    for (const b of brokers) {
      await waitFor(() => new Set(leaderAndIsrStates(b, 't1').map((p) => p.partitionIndex)).size === want[b.id]!.length || null, {
        what: `LeaderAndIsr for t1 at broker ${b.id}`,
      });
      const states = leaderAndIsrStates(b, 't1');
      expect([...new Set(states.map((p) => p.partitionIndex))].sort()).toEqual(want[b.id]);
      expect(states.every((p) => p.isNew)).toBe(true);
      await waitFor(() => updateMetadataStates(b, 't1').length >= 2 || null, { what: `UpdateMetadata for t1 at broker ${b.id}` });
    }
  });

  it('partitions added to an existing topic are initialized (PartitionModifications)', async () => {
    await startBrokers([1, 2]);
    await activeController();
    await createTopic('grow', { 0: [1, 2] });
    await waitForLeader('grow', 0, () => true, 'grow-0');
    await akzk.setTopicAssignment(null, 'grow', new Map([[0, replicaAssignment([1, 2])], [1, replicaAssignment([2, 1])]]));
    const s = await waitForLeader('grow', 1, () => true, 'grow-1');
    expect(s).toMatchObject({ leader: 2, isr: [2, 1], leaderEpoch: 0 });
  });

  it('topic deletion: UpdateMetadata with leader -2, StopReplica(false) then StopReplica(true) to each replica, znodes gone', async () => {
    await startBrokers([1, 2, 3]);
    await activeController();
    await createTopic('del', { 0: [1, 2], 1: [2, 1] });
    await waitForLeader('del', 1, () => true, 'del-1');
    await akzk.changeTopicConfig('del', { 'retention.ms': '1000' });
    for (const b of brokers) b.clear();
    await akzk.markTopicForDeletion('del');
    await waitFor(async () => !(await admin.exists('/brokers/topics/del')), { what: '/brokers/topics/del deleted' });
    await waitFor(async () => !(await admin.exists('/admin/delete_topics/del')), { what: 'deletion marker removed' });
    expect(await admin.exists('/config/topics/del')).toBeNull();
    for (const b of brokers.filter((x) => x.id !== 3)) {
      const stops = b.of('StopReplica').flatMap((r) =>
        r.body.topicStates.flatMap((t) => t.partitionStates.map((p) => ({ topic: t.topicName, ...p, seq: r.seq }))),
      );
      for (const p of [0, 1]) {
        const mine = stops.filter((s) => s.topic === 'del' && s.partitionIndex === p);
        const plain = mine.find((s) => !s.deletePartition);
        const del = mine.find((s) => s.deletePartition);
        expect(plain, `StopReplica(false) del-${p} at ${b.id}`).toBeDefined();
        expect(del, `StopReplica(true) del-${p} at ${b.id}`).toBeDefined();
        expect(plain!.seq).toBeLessThan(del!.seq);
        expect(del!.leaderEpoch).toBe(-2);
      }
    }
    for (const b of brokers) {
      expect(updateMetadataStates(b, 'del').some((s) => s.leader === -2 && s.leaderEpoch === -2)).toBe(true);
    }
    expect(brokers.find((b) => b.id === 3)!.of('StopReplica')).toHaveLength(0);
  });
});

describe('controller - broker failure', () => {
  it('a dead broker\'s partitions get a new leader from the ISR (epoch +1), it leaves the ISR, the last ISR member is kept', async () => {
    await startBrokers([1, 2, 3]);
    const ctl = await activeController();
    const victim = brokers.find((b) => b !== ctl)!;
    const other = brokers.find((b) => b !== ctl && b !== victim)!;
    await createTopic('bf', { 0: [victim.id, other.id, ctl.id], 1: [other.id, victim.id] });
    await createTopic('solo', { 0: [victim.id] });
    await waitForLeader('solo', 0, () => true, 'solo-0');
    await waitForLeader('bf', 1, () => true, 'bf-1');
    expect((await stateOf('bf', 0))!.leader).toBe(victim.id);
    other.clear();

    await victim.stop();
    const s0 = await waitForLeader('bf', 0, (s) => s.leader !== victim.id, 'bf-0 new leader');
    expect(s0).toMatchObject({ leader: other.id, leaderEpoch: 1, isr: [other.id, ctl.id] });
    const s1 = await waitForLeader('bf', 1, (s) => !s.isr.includes(victim.id), 'bf-1 ISR shrink');
    expect(s1).toMatchObject({ leader: other.id, leaderEpoch: 1, isr: [other.id] });
    const solo = await waitForLeader('solo', 0, (s) => s.leader === -1, 'solo-0 offline');
    expect(solo).toMatchObject({ leader: -1, isr: [victim.id], leaderEpoch: 1 });
    await waitFor(() => leaderAndIsrStates(other, 'bf').some((p) => p.partitionIndex === 0 && p.leader === other.id && p.leaderEpoch === 1), {
      what: 'LeaderAndIsr to the new leader',
    });
    await waitFor(() => updateMetadataStates(other, 'solo').some((p) => p.leader === -1), { what: 'UpdateMetadata for the offline partition' });

    // the broker comes back: the offline partition is elected again from its ISR
    brokers = brokers.filter((b) => b !== victim);
    const back = await FakeBroker.start(connect, victim.id);
    brokers.push(back);
    const again = await waitForLeader('solo', 0, (s) => s.leader === victim.id, 'solo-0 back online');
    expect(again.leaderEpoch).toBe(2);
    await waitFor(() => leaderAndIsrStates(back, 'bf').length > 0 || null, { what: 'LeaderAndIsr for bf to the restarted broker' });
  });
});

describe('controller - controlled shutdown and elections', () => {
  it('controlled shutdown moves leadership off the broker and shrinks the ISRs it follows; stale epochs are refused', async () => {
    await startBrokers([1, 2, 3]);
    const ctl = await activeController();
    const leaving = brokers.find((b) => b !== ctl)!;
    const staying = brokers.find((b) => b !== ctl && b !== leaving)!;
    await createTopic('cs', { 0: [leaving.id, staying.id], 1: [staying.id, leaving.id], 2: [leaving.id] });
    await waitForLeader('cs', 2, () => true, 'cs-2');
    await waitForLeader('cs', 1, () => true, 'cs-1');

    await expect(ctl.controller.controlledShutdown(leaving.id, leaving.brokerEpoch - 1)).rejects.toMatchObject({
      code: ErrorCode.StaleBrokerEpoch,
    });
    await expect(staying.controller.controlledShutdown(leaving.id, leaving.brokerEpoch)).rejects.toBeInstanceOf(KafkaError);

    const remaining = await ctl.controller.controlledShutdown(leaving.id, leaving.brokerEpoch);
    expect(remaining).toEqual([]);
    expect(await stateOf('cs', 0)).toMatchObject({ leader: staying.id, isr: [staying.id], leaderEpoch: 1 });
    expect(await stateOf('cs', 1)).toMatchObject({ leader: staying.id, isr: [staying.id], leaderEpoch: 1 });
    expect(await stateOf('cs', 2)).toMatchObject({ leader: leaving.id, leaderEpoch: 0 }); // RF 1: untouched
    await waitFor(
      () =>
        leaving.of('StopReplica').some((r) => r.body.topicStates.some((t) => t.topicName === 'cs' && t.partitionStates.some((p) => p.partitionIndex === 1 && !p.deletePartition))),
      { what: 'StopReplica(false) for the followed partition' },
    );
    await waitFor(() => leaderAndIsrStates(leaving, 'cs').some((p) => p.partitionIndex === 0 && p.leader === staying.id), {
      what: 'LeaderAndIsr making the leaving broker a follower',
    });
  });

  it('ISR change notifications refresh metadata; preferred election (API and /admin znode) restores the preferred leader', async () => {
    await startBrokers([1, 2, 3]);
    const ctl = await activeController();
    const pref = brokers.find((b) => b !== ctl)!;
    const alt = brokers.find((b) => b !== ctl && b !== pref)!;
    await createTopic('pe', { 0: [pref.id, alt.id], 1: [pref.id, alt.id] });
    await waitForLeader('pe', 1, () => true, 'pe-1');
    await ctl.controller.controlledShutdown(pref.id, pref.brokerEpoch);
    expect((await stateOf('pe', 0))!.leader).toBe(alt.id);
    expect((await stateOf('pe', 1))!.leader).toBe(alt.id);

    // the preferred broker restarts and catches up: the leader (alt) puts it back into the ISR, classic style
    brokers = brokers.filter((b) => b !== pref);
    await pref.stop();
    const back = await FakeBroker.start(connect, pref.id);
    brokers.push(back);
    await waitFor(() => new Set(leaderAndIsrStates(back, 'pe').map((s) => s.partitionIndex)).size === 2 || null, {
      what: 'LeaderAndIsr for pe to the restarted broker',
    });
    for (const p of [0, 1]) {
      const cur = (await akzk.getPartitionState(tp('pe', p)))!;
      const r = await akzk.updateLeaderAndIsr(tp('pe', p), { ...cur.state, isr: [alt.id, pref.id] }, cur.zkVersion);
      expect(r.outcome).toBe('ok');
    }
    for (const b of brokers) b.clear();
    await akzk.createIsrChangeNotification([tp('pe', 0), tp('pe', 1)]);
    await waitFor(() => brokers.every((b) => updateMetadataStates(b, 'pe').some((s) => s.isr.length === 2)), {
      what: 'UpdateMetadata with the expanded ISR',
    });
    expect(brokers.every((b) => b.of('LeaderAndIsr').length === 0)).toBe(true);
    await waitFor(async () => (await admin.getChildren('/isr_change_notification')).length === 0, { what: 'notification deleted' });

    const results = await ctl.controller.electLeaders(ElectionType.Preferred, [tp('pe', 0), tp('nope', 0)]);
    expect(results).toContainEqual({ tp: tp('pe', 0), errorCode: ErrorCode.None, errorMessage: null, leader: pref.id });
    expect(results.find((r) => r.tp.topic === 'nope')!.errorCode).toBe(ErrorCode.UnknownTopicOrPartition);
    expect(await stateOf('pe', 0)).toMatchObject({ leader: pref.id });
    const again = await ctl.controller.electLeaders(ElectionType.Preferred, [tp('pe', 0)]);
    expect(again[0]!.errorCode).toBe(ErrorCode.ElectionNotNeeded);

    await admin.create(PreferredReplicaElectionZNode.path, PreferredReplicaElectionZNode.encode([tp('pe', 1)]));
    await waitForLeader('pe', 1, (s) => s.leader === pref.id, 'pe-1 preferred leader via /admin/preferred_replica_election');
    await waitFor(async () => !(await admin.exists(PreferredReplicaElectionZNode.path)), { what: 'preferred election znode deleted' });
  });
});

describe('controller - ZooKeeper session expiry', () => {
  it('the active controller\'s session expires: it resigns, another broker takes over, it re-registers as a bounced broker', async () => {
    await startBrokers([1, 2]);
    const first = await activeController();
    const other = brokers.find((b) => b !== first)!;
    await createTopic('exp', { 0: [first.id, other.id] });
    await waitForLeader('exp', 0, () => true, 'exp-0');
    const oldEpoch = first.brokerEpoch;
    const controllerEpoch = first.controller.epoch;

    await expireZkSession(first.kzk.zk);
    const next = await waitFor(() => (other.controller.isActive ? other : null), { what: 'the other broker becomes controller' });
    expect(next.controller.epoch).toBeGreaterThan(controllerEpoch);
    await waitFor(() => !first.controller.isActive && first.controller.controllerId === other.id, { what: 'the expired broker follows the new controller' });
    await waitFor(() => first.brokerEpoch > oldEpoch || null, { what: 're-registration with a new broker epoch' });
    // the new controller talks to the re-registered broker with its new epoch
    await waitFor(
      () => first.of('LeaderAndIsr').some((r) => r.body.controllerId === other.id && r.body.brokerEpoch === first.brokerEpoch),
      { what: 'LeaderAndIsr stamped with the new broker epoch' },
    );
    expect(brokers.filter((b) => b.controller.isActive)).toHaveLength(1);
  });

  it('a follower broker\'s session expiry is seen as a bounce: failure then startup (czxid grew)', async () => {
    await startBrokers([1, 2]);
    const ctl = await activeController();
    const follower = brokers.find((b) => b !== ctl)!;
    await createTopic('bounce', { 0: [follower.id, ctl.id] });
    await waitForLeader('bounce', 0, () => true, 'bounce-0');
    const oldEpoch = follower.brokerEpoch;
    follower.clear();
    await expireZkSession(follower.kzk.zk);
    await waitFor(() => follower.brokerEpoch > oldEpoch || null, { what: 're-registration' });
    const s = await waitForLeader('bounce', 0, (x) => x.leader === ctl.id, 'leadership moved off the bounced broker');
    expect(s.leaderEpoch).toBeGreaterThanOrEqual(1);
    await waitFor(
      () => follower.of('LeaderAndIsr').some((r) => r.body.brokerEpoch === follower.brokerEpoch && r.body.topicStates.some((t) => t.topicName === 'bounce')),
      { what: 'LeaderAndIsr to the bounced broker with its new epoch' },
    );
    expect(ctl.controller.isActive).toBe(true);
  });
});

describe('controller - auto rebalance and unclean election', () => {
  it('auto leader rebalance moves leadership back to the preferred replica once it is in the ISR', async () => {
    for (const id of [1, 2, 3]) {
      brokers.push(
        await FakeBroker.start(connect, id, { autoLeaderRebalanceEnable: true, leaderImbalanceCheckIntervalSeconds: 1, autoRebalanceInitialDelayMs: 100 }),
      );
    }
    const ctl = await activeController();
    const pref = brokers.find((b) => b !== ctl)!;
    const alt = brokers.find((b) => b !== ctl && b !== pref)!;
    await createTopic('ar', { 0: [pref.id, alt.id] });
    await waitForLeader('ar', 0, () => true, 'ar-0');
    await ctl.controller.controlledShutdown(pref.id, pref.brokerEpoch);
    expect((await stateOf('ar', 0))!.leader).toBe(alt.id);
    brokers = brokers.filter((b) => b !== pref);
    await pref.stop();
    const back = await FakeBroker.start(connect, pref.id);
    brokers.push(back);
    // the leader takes the preferred replica back into the ISR and notifies the controller
    const cur = (await akzk.getPartitionState(tp('ar', 0)))!;
    expect((await akzk.updateLeaderAndIsr(tp('ar', 0), { ...cur.state, isr: [alt.id, pref.id] }, cur.zkVersion)).outcome).toBe('ok');
    await akzk.createIsrChangeNotification([tp('ar', 0)]);
    const s = await waitForLeader('ar', 0, (x) => x.leader === pref.id, 'auto rebalance to the preferred leader');
    expect(s.isr).toEqual([alt.id, pref.id]);
  });

  it('ElectLeaders UNCLEAN elects a live out-of-ISR replica only when no ISR member is alive', async () => {
    await startBrokers([1, 2, 3]);
    const ctl = await activeController();
    const a = brokers.find((b) => b !== ctl)!;
    const b = brokers.find((x) => x !== ctl && x !== a)!;
    await createTopic('un', { 0: [a.id, b.id], 1: [a.id] });
    await waitForLeader('un', 1, () => true, 'un-1');
    await waitForLeader('un', 0, () => true, 'un-0');
    // the leader shrinks the ISR to itself (b fell behind), then dies
    const cur = (await akzk.getPartitionState(tp('un', 0)))!;
    expect((await akzk.updateLeaderAndIsr(tp('un', 0), { ...cur.state, isr: [a.id] }, cur.zkVersion)).outcome).toBe('ok');
    await akzk.createIsrChangeNotification([tp('un', 0)]);
    await waitFor(async () => (await admin.getChildren('/isr_change_notification')).length === 0, { what: 'notification processed' });
    brokers = brokers.filter((x) => x !== a);
    await a.stop();
    const offline = await waitForLeader('un', 0, (s) => s.leader === -1, 'un-0 offline (clean election impossible)');
    expect(offline.isr).toEqual([a.id]);

    const clean = await ctl.controller.electLeaders(ElectionType.Preferred, [tp('un', 0)]);
    expect(clean[0]!.errorCode).toBe(ErrorCode.PreferredLeaderNotAvailable);
    const results = await ctl.controller.electLeaders(ElectionType.Unclean, [tp('un', 0), tp('un', 1)]);
    expect(results.find((r) => r.tp.partition === 0)).toMatchObject({ errorCode: ErrorCode.None, leader: b.id });
    expect(results.find((r) => r.tp.partition === 1)!.errorCode).toBe(ErrorCode.EligibleLeadersNotAvailable);
    expect(await stateOf('un', 0)).toMatchObject({ leader: b.id, isr: [b.id] });
  });
});
