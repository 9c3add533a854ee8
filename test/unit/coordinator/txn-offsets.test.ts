/**
 * Transactional offset commits on the group coordinator (transactions-and-compaction.md §2.15–§2.16)
 * over the in-memory stores: pending until the marker, invisible (UNSTABLE under RequireStable),
 * committed by COMMIT in one step, dropped by ABORT, a later plain commit wins, zombies fenced, member
 * checks, and a new coordinator finding the pending offsets in the store.
 */
import { describe, expect, it } from 'vitest';
import type { TxnCommitOffsetsParams } from '../../../src/coordinator/group-coordinator.js';
import type { TxnMarker } from '../../../src/coordinator/offset-store.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { formGroup, makeHarness, type Harness } from './harness.js';
import { InMemoryOffsetStore } from './in-memory-offset-store.js';

const ORDERS_0 = { topic: 'orders', partition: 0 };
const ORDERS_1 = { topic: 'orders', partition: 1 };
const PID = 4000;

function txnCommit(h: Harness, groupId: string, offsets: Array<[{ topic: string; partition: number }, number]>, extra: Partial<TxnCommitOffsetsParams> = {}) {
  return h.coordinator.handleTxnCommitOffsets({
    groupId,
    producerId: PID,
    producerEpoch: 2,
    memberId: '',
    groupInstanceId: null,
    generationId: -1,
    partitions: offsets.map(([tp, offset]) => ({ ...tp, offset, leaderEpoch: -1, metadata: null })),
    ...extra,
  });
}

const marker = (commit: boolean, extra: Partial<TxnMarker> = {}): TxnMarker => ({ producerId: PID, producerEpoch: 2, coordinatorEpoch: 1, commit, ...extra });

async function fetchStable(h: Harness, groupId: string, requireStable = true) {
  const r = await h.coordinator.handleFetchOffsets(groupId, [ORDERS_0, ORDERS_1], requireStable);
  return r.partitions.map((p) => [p.offset, p.errorCode]);
}

describe('TxnOffsetCommit', () => {
  it('stores pending offsets invisible to OffsetFetch; RequireStable answers UNSTABLE_OFFSET_COMMIT; COMMIT makes them committed', async () => {
    const h = await makeHarness();
    expect(await txnCommit(h, 'g', [[ORDERS_0, 10], [ORDERS_1, 20]])).toEqual([0, 0]);
    expect(h.txnStore.pendingOf('g', PID).map((o) => o.offset)).toEqual([10, 20]);
    expect(h.store.offsetOf('g', ORDERS_0)).toBeUndefined();
    expect(await fetchStable(h, 'g', false)).toEqual([
      [-1, 0],
      [-1, 0],
    ]);
    expect(await fetchStable(h, 'g')).toEqual([
      [-1, ErrorCode.UnstableOffsetCommit],
      [-1, ErrorCode.UnstableOffsetCommit],
    ]);
    expect(await h.coordinator.handleTxnCompletion(0, marker(true))).toBe(ErrorCode.None);
    expect(await fetchStable(h, 'g')).toEqual([
      [10, 0],
      [20, 0],
    ]);
    expect(h.store.offsetOf('g', ORDERS_1)).toBe(20);
    expect(h.txnStore.pendingOf('g', PID)).toEqual([]);
    // a re-sent marker finds nothing to do
    expect(await h.coordinator.handleTxnCompletion(0, marker(true))).toBe(ErrorCode.None);
  });

  it('ABORT drops the pending offsets and keeps the committed ones', async () => {
    const store = new InMemoryOffsetStore();
    store.seed('g', [{ ...ORDERS_0, offset: 5, leaderEpoch: -1, metadata: '', commitTimestamp: 1 }]);
    const h = await makeHarness({}, { store });
    expect(await txnCommit(h, 'g', [[ORDERS_0, 10]])).toEqual([0]);
    expect(await h.coordinator.handleTxnCompletion(0, marker(false))).toBe(ErrorCode.None);
    expect(await fetchStable(h, 'g')).toEqual([
      [5, 0],
      [-1, 0],
    ]);
    expect(h.txnStore.epochOf('g', PID)).toBe(2);
  });

  it('a plain OffsetCommit made after the TxnOffsetCommit wins at COMMIT', async () => {
    const h = await makeHarness();
    await txnCommit(h, 'g', [[ORDERS_0, 50], [ORDERS_1, 51]]);
    const plain = await h.coordinator.handleCommitOffsets({
      groupId: 'g',
      memberId: '',
      groupInstanceId: null,
      generationId: -1,
      retentionTimeMs: -1,
      partitions: [{ ...ORDERS_0, offset: 60, leaderEpoch: -1, metadata: null, commitTimestamp: -1 }],
    });
    expect(plain).toEqual([0]);
    await h.coordinator.handleTxnCompletion(0, marker(true));
    expect(await fetchStable(h, 'g')).toEqual([
      [60, 0],
      [51, 0],
    ]);
  });

  it('zombies: an epoch older than the stored one → INVALID_PRODUCER_EPOCH, also after a fencing abort; nothing stored', async () => {
    const h = await makeHarness();
    await txnCommit(h, 'g', [[ORDERS_0, 10]], { producerEpoch: 3 });
    expect(await txnCommit(h, 'g', [[ORDERS_0, 11]], { producerEpoch: 2 })).toEqual([ErrorCode.InvalidProducerEpoch]);
    // the coordinator fenced the producer: the abort marker carries epoch 4
    expect(await h.coordinator.handleTxnCompletion(0, marker(false, { producerEpoch: 4 }))).toBe(ErrorCode.None);
    expect(await txnCommit(h, 'g', [[ORDERS_0, 12]], { producerEpoch: 3 })).toEqual([ErrorCode.InvalidProducerEpoch]);
    expect(h.txnStore.pendingOf('g', PID)).toEqual([]);
    expect(await txnCommit(h, 'g', [[ORDERS_0, 13]], { producerEpoch: 5 })).toEqual([0]);
  });

  it('markers older than the store: INVALID_PRODUCER_EPOCH / TRANSACTION_COORDINATOR_FENCED, nothing applied', async () => {
    const h = await makeHarness();
    await txnCommit(h, 'g', [[ORDERS_0, 10]], { producerEpoch: 3 });
    expect(await h.coordinator.handleTxnCompletion(0, marker(true, { producerEpoch: 2 }))).toBe(ErrorCode.InvalidProducerEpoch);
    expect(await h.coordinator.handleTxnCompletion(0, marker(false, { producerEpoch: 3, coordinatorEpoch: 7 }))).toBe(ErrorCode.None);
    await txnCommit(h, 'g', [[ORDERS_0, 11]], { producerEpoch: 3 });
    expect(await h.coordinator.handleTxnCompletion(0, marker(true, { producerEpoch: 3, coordinatorEpoch: 6 }))).toBe(ErrorCode.TransactionCoordinatorFenced);
    expect(h.txnStore.pendingOf('g', PID).map((o) => o.offset)).toEqual([11]);
  });

  it('per partition: unknown partitions, metadata too large; group checks for every partition', async () => {
    const h = await makeHarness({ offsetMetadataMaxBytes: 4 });
    const r = await h.coordinator.handleTxnCommitOffsets({
      groupId: 'g',
      producerId: PID,
      producerEpoch: 0,
      memberId: '',
      groupInstanceId: null,
      generationId: -1,
      partitions: [
        { ...ORDERS_0, offset: 1, leaderEpoch: -1, metadata: 'toolong' },
        { topic: 'nope', partition: 0, offset: 1, leaderEpoch: -1, metadata: null },
        { ...ORDERS_1, offset: 1, leaderEpoch: -1, metadata: 'ok' },
      ],
    });
    expect(r).toEqual([ErrorCode.OffsetMetadataTooLarge, ErrorCode.UnknownTopicOrPartition, ErrorCode.None]);
    expect(await txnCommit(h, '', [[ORDERS_0, 1]])).toEqual([ErrorCode.InvalidGroupId]);
    h.coordinator.onResignation(0);
    expect(await txnCommit(h, 'g', [[ORDERS_0, 1]])).toEqual([ErrorCode.NotCoordinator]);
  });

  it('v3 member checks: unknown member → UNKNOWN_MEMBER_ID, other generation → ILLEGAL_GENERATION, the member → stored', async () => {
    const h = await makeHarness();
    const { memberIds, generationId } = await formGroup(h, 'cg', [{}]);
    const member = memberIds[0]!;
    expect(await txnCommit(h, 'cg', [[ORDERS_0, 1]], { memberId: 'stranger', generationId })).toEqual([ErrorCode.UnknownMemberId]);
    expect(await txnCommit(h, 'cg', [[ORDERS_0, 1]], { memberId: member, generationId: generationId + 1 })).toEqual([ErrorCode.IllegalGeneration]);
    expect(await txnCommit(h, 'cg', [[ORDERS_0, 1]], { memberId: member, generationId })).toEqual([0]);
  });

  it('a store failure answers COORDINATOR_NOT_AVAILABLE (commit) and REQUEST_TIMED_OUT (marker), and nothing changes', async () => {
    const h = await makeHarness();
    h.txnStore.failNext('storePending', new Error('zk down'));
    expect(await txnCommit(h, 'g', [[ORDERS_0, 1]])).toEqual([ErrorCode.CoordinatorNotAvailable]);
    expect(await fetchStable(h, 'g')).toEqual([
      [-1, 0],
      [-1, 0],
    ]);
    await txnCommit(h, 'g', [[ORDERS_0, 2]]);
    h.txnStore.failNext('complete', new Error('zk down'));
    expect(await h.coordinator.handleTxnCompletion(0, marker(true))).toBe(ErrorCode.RequestTimedOut);
    expect((await fetchStable(h, 'g'))[0]).toEqual([-1, ErrorCode.UnstableOffsetCommit]);
    expect(await h.coordinator.handleTxnCompletion(0, marker(true))).toBe(ErrorCode.None);
    expect((await fetchStable(h, 'g'))[0]).toEqual([2, 0]);
  });

  it('a marker for a partition this broker does not coordinate → NOT_LEADER_OR_FOLLOWER', async () => {
    const h = await makeHarness({ offsetsTopicNumPartitions: 2 }, { elect: false });
    await h.coordinator.onElection(0);
    expect(await h.coordinator.handleTxnCompletion(1, marker(true))).toBe(ErrorCode.NotLeaderOrFollower);
  });

  it('failover: a new coordinator loads the pending offsets from the store and commits them on the marker', async () => {
    const first = await makeHarness();
    await txnCommit(first, 'g', [[ORDERS_0, 33]]);
    first.coordinator.onResignation(0);
    const second = await makeHarness({}, { store: first.store, txnStore: first.txnStore });
    expect((await fetchStable(second, 'g'))[0]).toEqual([-1, ErrorCode.UnstableOffsetCommit]);
    expect(await second.coordinator.handleTxnCompletion(0, marker(true))).toBe(ErrorCode.None);
    expect((await fetchStable(second, 'g'))[0]).toEqual([33, 0]);
  });

  it('DeleteGroups drops the group’s pending offsets', async () => {
    const h = await makeHarness();
    await txnCommit(h, 'g', [[ORDERS_0, 1]]);
    expect(await h.coordinator.handleDeleteGroups(['g'])).toEqual([{ groupId: 'g', errorCode: 0 }]);
    expect(h.txnStore.groups.has('g')).toBe(false);
    expect(await h.coordinator.handleTxnCompletion(0, marker(true))).toBe(ErrorCode.None);
    expect(h.store.offsetOf('g', ORDERS_0)).toBeUndefined();
  });

  it('OffsetDelete drops the deleted partitions’ pending offsets too (Kafka’s removeOffsets)', async () => {
    const h = await makeHarness();
    await txnCommit(h, 'g', [[ORDERS_0, 1], [ORDERS_1, 2]]);
    const r = await h.coordinator.handleDeleteOffsets('g', [ORDERS_0]);
    expect(r).toEqual({ errorCode: 0, partitions: [{ ...ORDERS_0, errorCode: 0 }] });
    expect(h.txnStore.pendingOf('g', PID).map((o) => o.partition)).toEqual([1]);
    expect(await fetchStable(h, 'g')).toEqual([
      [-1, 0],
      [-1, ErrorCode.UnstableOffsetCommit],
    ]);
    h.txnStore.failNext('deletePending', new Error('zk down'));
    expect((await h.coordinator.handleDeleteOffsets('g', [ORDERS_1])).partitions).toEqual([{ ...ORDERS_1, errorCode: ErrorCode.CoordinatorNotAvailable }]);
    expect(await h.coordinator.handleTxnCompletion(0, marker(true))).toBe(ErrorCode.None);
    expect(await fetchStable(h, 'g')).toEqual([
      [-1, 0],
      [2, 0],
    ]);
  });
});
