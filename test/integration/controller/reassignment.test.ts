/**
 * Partition reassignment on a real ZooKeeper with fake brokers (real TCP servers recording controller
 * requests, each running a KafkaController): the API path, the /admin/reassign_partitions path, cancel,
 * validation, listing while a move is in flight, and resumption by a new controller after failover.
 * A new replica "joins the ISR" the way a classic leader reports it: a conditional write of the state znode
 * followed by an /isr_change_notification child.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/common/logger.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import type { ZkClient } from '../../../src/zk/client.js';
import { KafkaZkClient } from '../../../src/zk/kafka-zk-client.js';
import { createPartitionReassignment, getPartitionReassignment } from '../../../src/zk/reassignment-store.js';
import {
  ControllerZNode,
  ReassignPartitionsZNode,
  TopicPartitionStateZNode,
  replicaAssignment,
  type ReplicaAssignment,
} from '../../../src/zk/znodes.js';
import { waitFor } from '../../harness/wait-for.js';
import { closeAllZk, connectZk, removeChroot, zkConnectForTest } from '../../harness/zookeeper.js';
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

const tp = (topic: string, partition = 0) => ({ topic, partition });

/** Starts `controllerId` first (so it wins the election), then the others. */
async function startCluster(controllerId: number, others: number[]): Promise<FakeBroker> {
  const ctl = await FakeBroker.start(connect, controllerId);
  brokers.push(ctl);
  await waitFor(() => ctl.controller.isActive, { what: `broker ${controllerId} becomes the controller` });
  for (const id of others) brokers.push(await FakeBroker.start(connect, id));
  return ctl;
}

const broker = (id: number): FakeBroker => brokers.find((b) => b.id === id)!;

async function createTopic(topic: string, partitions: Record<number, number[]>): Promise<void> {
  await akzk.createTopicAssignment(topic, new Map(Object.entries(partitions).map(([p, r]) => [Number(p), replicaAssignment(r)])));
}

async function assignmentOf(topic: string, partition = 0): Promise<ReplicaAssignment | null> {
  return (await akzk.getTopicAssignment(topic))?.assignment.get(partition) ?? null;
}

async function stateOf(topic: string, partition = 0) {
  return (await akzk.getPartitionState(tp(topic, partition)))?.state ?? null;
}

async function waitForState(topic: string, pred: (s: { leader: number; isr: number[]; leaderEpoch: number }) => boolean, what: string) {
  return waitFor(async () => {
    const s = await stateOf(topic);
    return s && pred(s) ? s : null;
  }, { what });
}

async function waitForAssignment(topic: string, pred: (a: ReplicaAssignment) => boolean, what: string): Promise<ReplicaAssignment> {
  return waitFor(async () => {
    const a = await assignmentOf(topic);
    return a && pred(a) ? a : null;
  }, { what });
}

/** The partition leader adds `replica` to the ISR (conditional write) and posts an ISR change notification. */
async function joinIsr(topic: string, replica: number): Promise<void> {
  await waitFor(
    async () => {
      const cur = (await akzk.getPartitionState(tp(topic)))!;
      if (cur.state.isr.includes(replica)) return true;
      const r = await akzk.updateLeaderAndIsr(tp(topic), { ...cur.state, isr: [...cur.state.isr, replica] }, cur.zkVersion);
      return r.outcome === 'ok';
    },
    { what: `replica ${replica} written into the ISR of ${topic}-0` },
  );
  await akzk.createIsrChangeNotification([tp(topic)]);
}

function stopReplicas(b: FakeBroker, topic: string) {
  return b.of('StopReplica').flatMap((r) =>
    r.body.topicStates.filter((t) => t.topicName === topic).flatMap((t) => t.partitionStates.map((p) => ({ ...p, seq: r.seq }))),
  );
}

describe('reassignment - AlterPartitionReassignments', () => {
  it('moves [0,1] to [1,2]: RS/AR/RR in ZooKeeper, list shows the move, new leader from TRS, StopReplica(delete) to 0, final [1,2]', async () => {
    const ctl = await startCluster(3, [0, 1, 2]);
    await createTopic('ra', { 0: [0, 1] });
    await waitForState('ra', (s) => s.leader === 0 && s.isr.length === 2, 'ra-0 initialized with leader 0');
    for (const b of brokers) b.clear();

    const results = await ctl.controller.alterPartitionReassignments([{ tp: tp('ra'), targetReplicas: [1, 2] }]);
    expect(results).toEqual([{ tp: tp('ra'), errorCode: ErrorCode.None, errorMessage: null }]);

    // update phase: RS = TRS + (ORS − TRS), with adding/removing, and the leader epoch bumped
    expect(await assignmentOf('ra')).toEqual({ replicas: [1, 2, 0], addingReplicas: [2], removingReplicas: [0] });
    const raw = JSON.parse((await admin.getData('/brokers/topics/ra')).data!.toString());
    expect(raw).toEqual({ version: 2, partitions: { 0: [1, 2, 0] }, adding_replicas: { 0: [2] }, removing_replicas: { 0: [0] } });
    expect(await stateOf('ra')).toMatchObject({ leader: 0, isr: [0, 1], leaderEpoch: 1 });
    expect(await ctl.controller.listPartitionReassignments(null)).toEqual([
      { tp: tp('ra'), replicas: [1, 2, 0], addingReplicas: [2], removingReplicas: [0] },
    ]);
    expect(await ctl.controller.listPartitionReassignments([tp('ra'), tp('ra', 7), tp('nope')])).toHaveLength(1);
    const lai2 = await waitFor(() => leaderAndIsrStates(broker(2), 'ra').find((p) => p.leaderEpoch === 1), {
      what: 'LeaderAndIsr(isNew) to the adding replica',
    });
    expect(lai2).toMatchObject({ isNew: true, leader: 0, replicas: [1, 2, 0], addingReplicas: [2], removingReplicas: [0] });
    for (const id of [0, 1]) {
      const lai = await waitFor(() => leaderAndIsrStates(broker(id), 'ra').find((p) => p.leaderEpoch === 1), {
        what: `LeaderAndIsr to original replica ${id}`,
      });
      expect(lai.isNew).toBe(false);
    }
    // not complete yet: broker 2 is not in the ISR
    expect(stopReplicas(broker(0), 'ra')).toHaveLength(0);

    await joinIsr('ra', 2);
    const final = await waitForAssignment('ra', (a) => a.addingReplicas.length === 0 && a.removingReplicas.length === 0, 'final assignment');
    expect(final.replicas).toEqual([1, 2]);
    const s = await waitForState('ra', (x) => !x.isr.includes(0), 'old replica removed from the ISR');
    expect(s.leader).toBe(1);
    expect(s.isr).toEqual([1, 2]);
    await waitFor(() => stopReplicas(broker(0), 'ra').some((p) => p.deletePartition), { what: 'StopReplica(delete=true) to broker 0' });
    const stops0 = stopReplicas(broker(0), 'ra');
    expect(stops0.find((p) => !p.deletePartition)!.seq).toBeLessThan(stops0.find((p) => p.deletePartition)!.seq);
    expect(stopReplicas(broker(1), 'ra')).toHaveLength(0);
    expect(stopReplicas(broker(2), 'ra')).toHaveLength(0);
    for (const b of brokers) {
      await waitFor(() => updateMetadataStates(b, 'ra').some((p) => p.replicas.length === 2 && p.replicas[0] === 1 && p.replicas[1] === 2), {
        what: `UpdateMetadata with replicas [1,2] at broker ${b.id}`,
      });
    }
    expect(leaderAndIsrStates(broker(1), 'ra').some((p) => p.leader === 1)).toBe(true);
    expect(await ctl.controller.listPartitionReassignments(null)).toEqual([]);
    expect(await admin.exists(ReassignPartitionsZNode.path)).toBeNull();
  });

  it('validation, cancel and the non-controller answer', async () => {
    const ctl = await startCluster(3, [0, 1, 2]);
    await createTopic('cx', { 0: [0, 1] });
    await waitForState('cx', () => true, 'cx-0 initialized');

    const bad = await ctl.controller.alterPartitionReassignments([
      { tp: tp('cx'), targetReplicas: [] },
      { tp: tp('cx', 1), targetReplicas: [1] },
      { tp: tp('nope'), targetReplicas: null },
    ]);
    expect(bad.map((r) => r.errorCode)).toEqual([
      ErrorCode.InvalidReplicaAssignment,
      ErrorCode.UnknownTopicOrPartition,
      ErrorCode.NoReassignmentInProgress,
    ]);
    for (const target of [[1, 1], [1, 9], [-1, 2]]) {
      const [r] = await ctl.controller.alterPartitionReassignments([{ tp: tp('cx'), targetReplicas: target }]);
      expect(r!.errorCode, `target [${target.join(',')}]`).toBe(ErrorCode.InvalidReplicaAssignment);
    }
    const [none] = await ctl.controller.alterPartitionReassignments([{ tp: tp('cx'), targetReplicas: null }]);
    expect(none!.errorCode).toBe(ErrorCode.NoReassignmentInProgress);
    expect(await assignmentOf('cx')).toEqual(replicaAssignment([0, 1]));

    const follower = broker(0);
    await expect(follower.controller.alterPartitionReassignments([{ tp: tp('cx'), targetReplicas: [1, 2] }])).rejects.toMatchObject({
      code: ErrorCode.NotController,
    });
    await expect(follower.controller.listPartitionReassignments(null)).rejects.toMatchObject({ code: ErrorCode.NotController });

    // start, then cancel: back to ORS, the adding replica stopped and deleted
    await ctl.controller.alterPartitionReassignments([{ tp: tp('cx'), targetReplicas: [1, 2] }]);
    await waitFor(() => leaderAndIsrStates(broker(2), 'cx').some((p) => p.isNew) || null, { what: 'LeaderAndIsr(isNew) to broker 2' });
    const [cancel] = await ctl.controller.alterPartitionReassignments([{ tp: tp('cx'), targetReplicas: null }]);
    expect(cancel).toEqual({ tp: tp('cx'), errorCode: ErrorCode.None, errorMessage: null });
    // as in Kafka, the cancel target is ORS = RS − AR, taken in RS order ([1,2,0] − [2])
    expect(await assignmentOf('cx')).toEqual(replicaAssignment([1, 0]));
    expect(await ctl.controller.listPartitionReassignments(null)).toEqual([]);
    await waitFor(() => stopReplicas(broker(2), 'cx').some((p) => p.deletePartition), { what: 'StopReplica(delete=true) to the cancelled replica' });
    expect(stopReplicas(broker(0), 'cx')).toHaveLength(0);
    expect(await stateOf('cx')).toMatchObject({ leader: 0, isr: [0, 1] });
    const [again] = await ctl.controller.alterPartitionReassignments([{ tp: tp('cx'), targetReplicas: null }]);
    expect(again!.errorCode).toBe(ErrorCode.NoReassignmentInProgress);
  });
});

describe('reassignment - /admin/reassign_partitions', () => {
  it('starts what the znode lists, drops unknown partitions from it, deletes it when every move completed', async () => {
    await startCluster(3, [0, 1, 2]);
    await createTopic('zr', { 0: [0, 1] });
    await waitForState('zr', (s) => s.leader === 0, 'zr-0 initialized');
    for (const b of brokers) b.clear();

    await createPartitionReassignment(admin, [
      { tp: tp('zr'), replicas: [2, 1] },
      { tp: tp('ghost', 3), replicas: [1, 2] },
    ]);
    await waitForAssignment('zr', (a) => a.addingReplicas.length > 0, 'zr-0 reassignment started');
    expect(await assignmentOf('zr')).toEqual({ replicas: [2, 1, 0], addingReplicas: [2], removingReplicas: [0] });
    const listed = await waitFor(async () => {
      const r = await getPartitionReassignment(admin);
      return r.status === 'ok' && r.reassignments.length === 1 ? r.reassignments : null;
    }, { what: 'the unknown partition dropped from the znode' });
    expect(listed).toEqual([{ tp: tp('zr'), replicas: [2, 1] }]);

    await joinIsr('zr', 2);
    await waitFor(async () => !(await admin.exists(ReassignPartitionsZNode.path)), { what: '/admin/reassign_partitions deleted' });
    expect(await assignmentOf('zr')).toEqual(replicaAssignment([2, 1]));
    // leader 0 is being removed: the Reassign election picks the first live TRS member in the ISR
    expect(await waitForState('zr', (s) => !s.isr.includes(0), 'old leader gone from the ISR')).toMatchObject({ leader: 2, isr: [1, 2] });
    await waitFor(() => stopReplicas(broker(0), 'zr').some((p) => p.deletePartition), { what: 'StopReplica(delete=true) to broker 0' });

    // the watch is re-armed after the deletion: a second submission is picked up too
    await createPartitionReassignment(admin, [{ tp: tp('zr'), replicas: [1, 2] }]);
    await waitFor(async () => !(await admin.exists(ReassignPartitionsZNode.path)), { what: 'second znode processed and deleted' });
    expect(await assignmentOf('zr')).toEqual(replicaAssignment([1, 2]));
  });
});

describe('reassignment - controller failover', () => {
  it('a new controller resumes an in-flight reassignment and completes it; topic deletion waits for it', async () => {
    const first = await startCluster(3, [0, 1, 2]);
    await createTopic('fr', { 0: [0, 1] });
    await waitForState('fr', (s) => s.leader === 0, 'fr-0 initialized');
    await first.controller.alterPartitionReassignments([{ tp: tp('fr'), targetReplicas: [1, 2] }]);
    const epochBefore = (await stateOf('fr'))!.leaderEpoch;
    for (const b of brokers) b.clear();

    await first.stop();
    brokers = brokers.filter((b) => b !== first);
    const next = await waitFor(() => brokers.find((b) => b.controller.isActive) ?? null, { what: 'a new controller' });
    // the resumed reassignment bumps the epoch again and re-sends LeaderAndIsr(isNew) to the adding replica
    await waitFor(
      () => leaderAndIsrStates(broker(2), 'fr').some((p) => p.isNew && p.leaderEpoch > epochBefore && p.addingReplicas[0] === 2) || null,
      { what: 'LeaderAndIsr(isNew) from the new controller to broker 2' },
    );
    expect(await next.controller.listPartitionReassignments([tp('fr')])).toEqual([
      { tp: tp('fr'), replicas: [1, 2, 0], addingReplicas: [2], removingReplicas: [0] },
    ]);

    // deletion is requested meanwhile: it must wait for the reassignment
    await akzk.markTopicForDeletion('fr');
    await new Promise((r) => setTimeout(r, 300));
    expect(await admin.exists('/brokers/topics/fr')).not.toBeNull();

    await joinIsr('fr', 2);
    await waitFor(async () => !(await admin.exists('/brokers/topics/fr')), { what: 'topic deleted after the reassignment completed' });
    await waitFor(() => stopReplicas(broker(0), 'fr').some((p) => p.deletePartition), { what: 'StopReplica(delete=true) to broker 0' });
  });
});

describe('reassignment - followed at once by the topic\'s deletion', () => {
  it('the replica and partition state machines agree: no invalid transition, the topic is deleted', async () => {
    // the controller logs into memory: an error-level record (e.g. "invalid replica state transition") fails the test
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } });
    const ctl = await FakeBroker.start(connect, 3, { log });
    brokers.push(ctl);
    await waitFor(() => ctl.controller.isActive, { what: 'broker 3 becomes the controller' });
    for (const id of [0, 1, 2]) brokers.push(await FakeBroker.start(connect, id, { stopReplicaDelayMs: 300 }));
    for (let round = 0; round < 3; round++) {
      const topic = `rd${round}`;
      await createTopic(topic, { 0: [0, 1] });
      await waitForState(topic, (s) => s.leader === 0 && s.isr.length === 2, `${topic}-0 initialized`);
      await ctl.controller.alterPartitionReassignments([{ tp: tp(topic), targetReplicas: [1, 2] }]);
      await akzk.markTopicForDeletion(topic);
      await joinIsr(topic, 2);
      await waitFor(async () => !(await admin.exists(`/brokers/topics/${topic}`)), { what: `${topic} deleted after its reassignment` });
      // the StopReplica(delete) answers of the reassignment and of the deletion have all been processed
      await waitFor(() => stopReplicas(broker(0), topic).some((p) => p.deletePartition), { what: `StopReplica(delete=true) to broker 0 for ${topic}` });
    }
    await new Promise((r) => setTimeout(r, 500)); // late StopReplica answers are events too
    const errors = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((r) => r.level >= 50);
    expect(errors).toEqual([]);
    expect(lines.some((l) => l.includes('deletion of topic successfully completed'))).toBe(true);
  });
});

describe('reassignment - /admin/reassign_partitions precedence at failover', () => {
  it('a znode reassignment replaces the API reassignment recorded in the assignment; replicas no longer needed are stopped', async () => {
    // what a previous controller left: an API move [0,1] → [1,2] in flight, and a tool's znode asking [1,3]
    await akzk.createTopicAssignment('pz', new Map([[0, { replicas: [1, 2, 0], addingReplicas: [2], removingReplicas: [0] }]]));
    const state = TopicPartitionStateZNode.encode({ leader: 0, leaderEpoch: 1, isr: [0, 1], controllerEpoch: 0 });
    await admin.create(TopicPartitionStateZNode.path(tp('pz')), state, { parents: true });
    await admin.setData(TopicPartitionStateZNode.path(tp('pz')), state); // zkVersion 1, as gregor creates them
    await createPartitionReassignment(admin, [{ tp: tp('pz'), replicas: [1, 3] }]);
    // hold /controller until every broker is up, so that the failover sees them all
    await admin.create(ControllerZNode.path, ControllerZNode.encode(99, Date.now()), { mode: 'ephemeral' });
    for (const id of [0, 1, 2, 3]) brokers.push(await FakeBroker.start(connect, id));
    await admin.delete(ControllerZNode.path);
    const ctl = await waitFor(() => brokers.find((b) => b.controller.isActive) ?? null, { what: 'a controller' });

    const a = await waitForAssignment('pz', (x) => x.addingReplicas.includes(3), 'the znode target applied');
    expect(a).toEqual({ replicas: [1, 3, 0], addingReplicas: [3], removingReplicas: [0] });
    await waitFor(() => stopReplicas(broker(2), 'pz').some((p) => p.deletePartition), { what: 'StopReplica(delete=true) to the dropped replica 2' });
    await waitFor(() => leaderAndIsrStates(broker(3), 'pz').some((p) => p.isNew) || null, { what: 'LeaderAndIsr(isNew) to broker 3' });
    expect(await ctl.controller.listPartitionReassignments(null)).toEqual([
      { tp: tp('pz'), replicas: [1, 3, 0], addingReplicas: [3], removingReplicas: [0] },
    ]);

    await joinIsr('pz', 3);
    await waitFor(async () => !(await admin.exists(ReassignPartitionsZNode.path)), { what: '/admin/reassign_partitions deleted' });
    expect(await waitForAssignment('pz', (x) => !isInFlight(x), 'final assignment')).toEqual(replicaAssignment([1, 3]));
    expect(await waitForState('pz', (x) => !x.isr.includes(0), 'old replicas out of the ISR')).toMatchObject({ leader: 1, isr: [1, 3] });
  });
});

function isInFlight(a: ReplicaAssignment): boolean {
  return a.addingReplicas.length > 0 || a.removingReplicas.length > 0;
}
