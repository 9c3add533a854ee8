import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { splitBatches } from '../../../src/protocol/records/index.js';
import type { FetchParams } from '../../../src/cluster/replica-manager.js';
import { batch, cacheBrokers, control, makeKit, ME, state, type Kit } from './kit.js';

let kit: Kit;
afterEach(() => kit?.close());

const tp = { topic: 't', partition: 0 };

function fetchParams(replicaId: number, fetchOffset: number, extra: Partial<FetchParams> = {}): FetchParams {
  return {
    replicaId,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    hardMaxBytesLimit: false,
    isolationLevel: 0,
    partitions: [{ tp, fetchOffset, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, followerLogStartOffset: 0 }],
    clientMetadata: null,
    ...extra,
  };
}

describe('replica manager - LeaderAndIsr', () => {
  it('makes this broker leader: log created, epoch recorded in the leader-epoch cache at the LEO', async () => {
    kit = makeKit();
    const res = await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0, { leaderEpoch: 3 })]);
    expect(res).toEqual({ errorCode: ErrorCode.None, partitionErrors: [{ topicName: 't', partitionIndex: 0, errorCode: ErrorCode.None }] });
    const p = kit.rm.getPartition(tp)!;
    expect(p.isLeader).toBe(true);
    expect(p.leaderEpoch).toBe(3);
    expect(p.log!.leaderEpochCache.entries).toEqual([{ epoch: 3, startOffset: 0 }]);
    expect(kit.rm.isLeader(tp)).toBe(true);
    expect(kit.rm.controllerEpoch).toBe(1);
  });

  it('rejects a stale controller epoch at the top level and adopts newer ones', async () => {
    kit = makeKit();
    await kit.rm.becomeLeaderOrFollower(control(5), [state('t', 0, { leaderEpoch: 0 })]);
    const res = await kit.rm.becomeLeaderOrFollower(control(4), [state('t', 0, { leaderEpoch: 1 })]);
    expect(res.errorCode).toBe(ErrorCode.StaleControllerEpoch);
    expect(res.partitionErrors[0]!.errorCode).toBe(ErrorCode.StaleControllerEpoch);
    expect(kit.rm.getPartition(tp)!.leaderEpoch).toBe(0);
  });

  it('rejects an older broker epoch with STALE_BROKER_EPOCH but accepts -1 and newer ones', async () => {
    kit = makeKit();
    const stale = await kit.rm.becomeLeaderOrFollower(control(1, 99), [state('t', 0)]);
    expect(stale.errorCode).toBe(ErrorCode.StaleBrokerEpoch);
    expect(kit.rm.getPartition(tp)).toBeUndefined();
    expect((await kit.rm.becomeLeaderOrFollower(control(1, -1), [state('t', 0)])).errorCode).toBe(ErrorCode.None);
    expect((await kit.rm.becomeLeaderOrFollower(control(1, 101), [state('t', 1)])).errorCode).toBe(ErrorCode.None);
  });

  it('answers STALE_CONTROLLER_EPOCH for a leader epoch that is not newer, UNKNOWN_TOPIC_OR_PARTITION when not a replica', async () => {
    kit = makeKit();
    await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0, { leaderEpoch: 2 })]);
    const res = await kit.rm.becomeLeaderOrFollower(control(), [
      state('t', 0, { leaderEpoch: 2 }),
      state('t', 0, { leaderEpoch: 1 }),
      state('u', 0, { leader: 2, replicas: [2, 3], isr: [2, 3] }),
    ]);
    expect(res.partitionErrors.map((e) => e.errorCode)).toEqual([
      ErrorCode.StaleControllerEpoch,
      ErrorCode.StaleControllerEpoch,
      ErrorCode.UnknownTopicOrPartition,
    ]);
    expect(kit.rm.getPartition({ topic: 'u', partition: 0 })).toBeUndefined();
  });

  it('makes this broker a follower of a live leader and tells the listeners; leader→follower stops serving produce', async () => {
    kit = makeKit();
    const followed: unknown[] = [];
    const led: string[] = [];
    kit.rm.addListener({ onBecomeFollower: (t, leader, epoch) => followed.push([t.topic, leader, epoch]), onBecomeLeader: (p) => led.push(p.key) });
    await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0, { replicas: [ME, 2], isr: [ME, 2] })]);
    expect(led).toEqual(['t-0']);
    cacheBrokers(kit.metadataCache, [ME, 2]);
    await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0, { leader: 2, leaderEpoch: 1, replicas: [ME, 2], isr: [ME, 2] })]);
    expect(followed).toEqual([['t', 2, 1]]);
    const p = kit.rm.getPartition(tp)!;
    expect(p.isLeader).toBe(false);
    expect(p.leaderId).toBe(2);
    expect(p.isr).toEqual([]);
    const [r] = await kit.rm.appendRecords([{ tp, records: batch(['x']) }], 1, 1000);
    expect(r!.errorCode).toBe(ErrorCode.NotLeaderOrFollower);
  });

  it('only creates the log when the new leader is not a live broker', async () => {
    kit = makeKit();
    const followed: unknown[] = [];
    kit.rm.addListener({ onBecomeFollower: (t) => followed.push(t) });
    const res = await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0, { leader: 2, replicas: [2, ME], isr: [2, ME] })]);
    expect(res.partitionErrors[0]!.errorCode).toBe(ErrorCode.None);
    expect(followed).toEqual([]);
    expect(kit.logManager.getLog(tp)).toBeDefined();
  });

  it('uses the topic overrides read for the topic when creating its log', async () => {
    kit = makeKit({}, undefined, new Map([['t', { 'max.message.bytes': '2000' }]]));
    await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0)]);
    expect(kit.rm.getPartition(tp)!.log!.config.maxMessageBytes).toBe(2000);
  });
});

describe('replica manager - high watermark and acks', () => {
  it('HW = LEO when the ISR is only the leader; acks=-1 completes at once', async () => {
    kit = makeKit();
    await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0)]);
    const [r] = await kit.rm.appendRecords([{ tp, records: batch(['a', 'b', 'c']) }], -1, 1000);
    expect(r).toMatchObject({ errorCode: ErrorCode.None, baseOffset: 0, logAppendTime: -1, logStartOffset: 0 });
    expect(kit.rm.getPartition(tp)!.highWatermark).toBe(3);
  });

  it('HW = min LEO over the ISR; acks=-1 waits for the follower fetch that moves it', async () => {
    kit = makeKit();
    await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0, { replicas: [ME, 2], isr: [ME, 2] })]);
    const pending = kit.rm.appendRecords([{ tp, records: batch(['a', 'b']) }], -1, 1000) as Promise<unknown>;
    expect(pending).toBeInstanceOf(Promise);
    let done = false;
    void pending.then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    expect(kit.rm.getPartition(tp)!.highWatermark).toBe(0);
    expect(kit.rm.producePurgatory.delayed).toBe(1);
    // follower fetches from 1: HW → 1, not enough; then from 2: HW → 2, the produce completes
    await kit.rm.fetchMessages(fetchParams(2, 1));
    expect(kit.rm.getPartition(tp)!.highWatermark).toBe(1);
    expect(kit.rm.producePurgatory.delayed).toBe(1);
    const followerRead = await kit.rm.fetchMessages(fetchParams(2, 2));
    expect(followerRead[0]!.errorCode).toBe(ErrorCode.None);
    expect(kit.rm.getPartition(tp)!.highWatermark).toBe(2);
    expect(await pending).toEqual([expect.objectContaining({ errorCode: ErrorCode.None, baseOffset: 0 })]);
    expect(kit.rm.getPartition(tp)!.followerState(2)).toMatchObject({ logEndOffset: 2, lastCaughtUpTimeMs: kit.clock.now() });
  });

  it('acks=-1 times out with REQUEST_TIMED_OUT when the follower never catches up', async () => {
    kit = makeKit();
    await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0, { replicas: [ME, 2], isr: [ME, 2] })]);
    const pending = kit.rm.appendRecords([{ tp, records: batch(['a']) }], -1, 1000) as Promise<Array<{ errorCode: number }>>;
    kit.clock.advance(999);
    expect(kit.rm.producePurgatory.delayed).toBe(1);
    kit.clock.advance(1);
    expect((await pending)[0]!.errorCode).toBe(ErrorCode.RequestTimedOut);
    expect(kit.rm.producePurgatory.delayed).toBe(0);
  });

  it('acks=-1 with an ISR below min.insync.replicas → NOT_ENOUGH_REPLICAS; acks=1 still appends', async () => {
    kit = makeKit({ 'min.insync.replicas': '2' });
    await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0, { replicas: [ME, 2], isr: [ME] })]);
    const [all] = await kit.rm.appendRecords([{ tp, records: batch(['a']) }], -1, 1000);
    expect(all!.errorCode).toBe(ErrorCode.NotEnoughReplicas);
    const [one] = await kit.rm.appendRecords([{ tp, records: batch(['b']) }], 1, 1000);
    expect(one).toMatchObject({ errorCode: ErrorCode.None, baseOffset: 0 });
  });

  it('unknown partitions: UNKNOWN_TOPIC_OR_PARTITION, or NOT_LEADER_OR_FOLLOWER when the cluster knows them', async () => {
    kit = makeKit();
    cacheBrokers(kit.metadataCache, [ME, 2], [{ topic: 'other', partition: 0, leader: 2, replicas: [2] }]);
    const res = await kit.rm.appendRecords(
      [
        { tp: { topic: 'nope', partition: 0 }, records: batch(['a']) },
        { tp: { topic: 'other', partition: 0 }, records: batch(['a']) },
      ],
      1,
      1000,
    );
    expect(res.map((r) => r.errorCode)).toEqual([ErrorCode.UnknownTopicOrPartition, ErrorCode.NotLeaderOrFollower]);
  });

  it('checkpoints high watermarks every 5 s and restores them after a restart', async () => {
    kit = makeKit();
    await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0)]);
    await kit.rm.appendRecords([{ tp, records: batch(['a', 'b']) }], 1, 1000);
    expect(kit.logManager.readHighWatermarks().get('t-0')).toBeUndefined();
    kit.clock.advance(5_000);
    expect(kit.logManager.readHighWatermarks().get('t-0')).toBe(2);
    kit = kit.restart();
    expect(kit.logManager.readHighWatermarks().get('t-0')).toBe(2);
    await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0, { leader: 2, replicas: [2, ME], isr: [2, ME] })]);
    expect(kit.rm.getPartition(tp)!.highWatermark).toBe(2);
  });
});

/** After the fetch wake-ups the replica manager defers to the end of the current turn. */
const endOfTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('replica manager - fetch', () => {
  it('consumers read below the HW; followers read to the LEO', async () => {
    kit = makeKit();
    await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0, { replicas: [ME, 2], isr: [ME, 2] })]);
    await kit.rm.appendRecords([{ tp, records: batch(['a', 'b']) }], 1, 1000);
    const consumer = await kit.rm.fetchMessages(fetchParams(-1, 0));
    expect(consumer[0]).toMatchObject({ errorCode: ErrorCode.None, highWatermark: 0, lastStableOffset: 0, logStartOffset: 0 });
    expect(consumer[0]!.records.length).toBe(0);
    const follower = await kit.rm.fetchMessages(fetchParams(2, 0));
    expect(splitBatches(follower[0]!.records).map((b) => [b.baseOffset, b.lastOffset])).toEqual([[0, 1]]);
  });

  it('long poll: appends of one turn wake a waiting fetch once, which answers them all', async () => {
    kit = makeKit();
    await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0), state('t', 1)]);
    const params = fetchParams(-1, 0, { maxWaitMs: 500 });
    const waiting = kit.rm.fetchMessages({ ...params, partitions: [params.partitions[0]!, { ...params.partitions[0]!, tp: { topic: 't', partition: 1 } }] }) as Promise<
      Array<{ records: Buffer }>
    >;
    kit.rm.appendRecords([{ tp, records: batch(['a']) }], 1, 1000);
    kit.rm.appendRecords([{ tp, records: batch(['b']) }], 1, 1000);
    kit.rm.appendRecords([{ tp: { topic: 't', partition: 1 }, records: batch(['c']) }], 1, 1000);
    const r = await waiting;
    expect(splitBatches(r[0]!.records)).toHaveLength(2);
    expect(splitBatches(r[1]!.records)).toHaveLength(1);
  });

  it('long poll: completes when an append brings bytes, or on expiry with nothing', async () => {
    kit = makeKit();
    await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0)]);
    const waiting = kit.rm.fetchMessages(fetchParams(-1, 0, { maxWaitMs: 500 })) as Promise<Array<{ records: Buffer }>>;
    expect(kit.rm.fetchPurgatory.delayed).toBe(1);
    await kit.rm.appendRecords([{ tp, records: batch(['a']) }], 1, 1000);
    expect(kit.rm.fetchPurgatory.delayed).toBe(1); // woken at the end of the turn, with whatever else it appended
    await endOfTurn();
    expect(kit.rm.fetchPurgatory.delayed).toBe(0);
    expect(splitBatches((await waiting)[0]!.records)).toHaveLength(1);

    const expiring = kit.rm.fetchMessages(fetchParams(-1, 1, { maxWaitMs: 500 })) as Promise<Array<{ records: Buffer; highWatermark: number }>>;
    kit.clock.advance(500);
    const r = await expiring;
    expect(r[0]!.records.length).toBe(0);
    expect(r[0]!.highWatermark).toBe(1);
  });

  it('long poll with minBytes waits until enough bytes are readable', async () => {
    kit = makeKit();
    await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0)]);
    const size = batch(['a']).length;
    const waiting = kit.rm.fetchMessages(fetchParams(-1, 0, { maxWaitMs: 500, minBytes: size + 1 })) as Promise<Array<{ records: Buffer }>>;
    await kit.rm.appendRecords([{ tp, records: batch(['a']) }], 1, 1000);
    await endOfTurn();
    expect(kit.rm.fetchPurgatory.delayed).toBe(1);
    await kit.rm.appendRecords([{ tp, records: batch(['b']) }], 1, 1000);
    await endOfTurn();
    expect(kit.rm.fetchPurgatory.delayed).toBe(0);
    expect(splitBatches((await waiting)[0]!.records)).toHaveLength(2);
  });

  it('a waiting fetch completes when leadership moves away', async () => {
    kit = makeKit();
    cacheBrokers(kit.metadataCache, [ME, 2]);
    await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0, { replicas: [ME, 2], isr: [ME, 2] })]);
    const waiting = kit.rm.fetchMessages(fetchParams(-1, 0, { maxWaitMs: 5000 })) as Promise<Array<{ errorCode: number }>>;
    await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0, { leader: 2, leaderEpoch: 1, replicas: [ME, 2], isr: [ME, 2] })]);
    expect((await waiting)[0]!.errorCode).toBe(ErrorCode.NotLeaderOrFollower);
  });

  it('checks the current leader epoch and the offset range', async () => {
    kit = makeKit();
    await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0, { leaderEpoch: 5 })]);
    const at = (epoch: number, offset = 0) =>
      kit.rm.fetchMessages({ ...fetchParams(-1, offset), partitions: [{ tp, fetchOffset: offset, partitionMaxBytes: 100, currentLeaderEpoch: epoch, followerLogStartOffset: -1 }] });
    expect((await at(4))[0]!.errorCode).toBe(ErrorCode.FencedLeaderEpoch);
    expect((await at(6))[0]!.errorCode).toBe(ErrorCode.UnknownLeaderEpoch);
    expect((await at(5))[0]!.errorCode).toBe(ErrorCode.None);
    expect((await at(-1, 7))[0]).toMatchObject({ errorCode: ErrorCode.OffsetOutOfRange, highWatermark: -1, logStartOffset: -1 });
  });
});

describe('replica manager - StopReplica, offsets, DeleteRecords', () => {
  it('StopReplica: older epochs are FENCED_LEADER_EPOCH; delete=true deletes the log; unknown partitions answer NONE', async () => {
    kit = makeKit();
    const stopped: unknown[] = [];
    kit.rm.addListener({ onStopReplica: (t, deleted) => stopped.push([t.topic, deleted]) });
    await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0, { leaderEpoch: 3 })]);
    const fenced = await kit.rm.stopReplicas(control(), [{ topic: 't', partition: 0, leaderEpoch: 3, deletePartition: true }]);
    expect(fenced.partitionErrors[0]!.errorCode).toBe(ErrorCode.FencedLeaderEpoch);
    const stale = await kit.rm.stopReplicas(control(0), [{ topic: 't', partition: 0, leaderEpoch: -2, deletePartition: true }]);
    expect(stale).toEqual({ errorCode: ErrorCode.StaleControllerEpoch, partitionErrors: [] });
    const staleBroker = await kit.rm.stopReplicas(control(1, 50), [{ topic: 't', partition: 0, leaderEpoch: -2, deletePartition: true }]);
    expect(staleBroker.errorCode).toBe(ErrorCode.StaleBrokerEpoch);
    const ok = await kit.rm.stopReplicas(control(), [
      { topic: 't', partition: 0, leaderEpoch: -2, deletePartition: true },
      { topic: 'gone', partition: 0, leaderEpoch: 1, deletePartition: false },
    ]);
    expect(ok.partitionErrors.map((e) => e.errorCode)).toEqual([ErrorCode.None, ErrorCode.None]);
    expect(kit.rm.getPartition(tp)).toBeUndefined();
    expect(kit.logManager.getLog(tp)).toBeUndefined();
    expect(stopped).toEqual([
      ['t', true],
      ['gone', false],
    ]);
  });

  it('StopReplica without delete keeps the log but stops leading', async () => {
    kit = makeKit();
    await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0, { leaderEpoch: 1 })]);
    await kit.rm.stopReplicas(control(), [{ topic: 't', partition: 0, leaderEpoch: 2, deletePartition: false }]);
    expect(kit.rm.isLeader(tp)).toBe(false);
    expect(kit.logManager.getLog(tp)).toBeDefined();
  });

  it('offsets: latest = HW for consumers / LEO for replicas, earliest, by timestamp (exact record in a batch)', async () => {
    kit = makeKit();
    await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0, { leaderEpoch: 2, replicas: [ME, 2], isr: [ME, 2] })]);
    await kit.rm.appendRecords([{ tp, records: batch(['a', 'b', 'c'], { timestamp: 100 }) }], 1, 1000);
    expect(kit.rm.fetchOffsetForTimestamp(tp, -1, -1, -1)).toEqual({ offset: 0, timestamp: -1, leaderEpoch: 2 });
    expect(kit.rm.fetchOffsetForTimestamp(tp, -1, -1, 2).offset).toBe(3);
    await kit.rm.fetchMessages(fetchParams(2, 3));
    expect(kit.rm.fetchOffsetForTimestamp(tp, -1, -1, -1).offset).toBe(3);
    expect(kit.rm.fetchOffsetForTimestamp(tp, -2, -1, -1)).toEqual({ offset: 0, timestamp: -1, leaderEpoch: 2 });
    expect(kit.rm.fetchOffsetForTimestamp(tp, 101, -1, -1)).toEqual({ offset: 1, timestamp: 101, leaderEpoch: 2 });
    expect(kit.rm.fetchOffsetForTimestamp(tp, 500, -1, -1)).toEqual({ offset: -1, timestamp: -1, leaderEpoch: -1 });
    expect(kit.rm.legacyOffsets(tp, -1, 10, -1)).toEqual([3, 0]);
    expect(kit.rm.legacyOffsets(tp, -2, 10, -1)).toEqual([0]);
  });

  it('DeleteRecords moves the log start up to the HW, OFFSET_OUT_OF_RANGE above it', async () => {
    kit = makeKit();
    await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0)]);
    await kit.rm.appendRecords([{ tp, records: batch(['a', 'b', 'c']) }], 1, 1000);
    expect(await kit.rm.deleteRecords(tp, 2)).toBe(2);
    await expect(kit.rm.deleteRecords(tp, 4)).rejects.toMatchObject({ code: ErrorCode.OffsetOutOfRange });
    expect(await kit.rm.deleteRecords(tp, -1)).toBe(3);
    await expect(kit.rm.deleteRecords({ topic: 'x', partition: 0 }, 0)).rejects.toMatchObject({ code: ErrorCode.UnknownTopicOrPartition });
  });
});
