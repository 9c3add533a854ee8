import { describe, expect, it } from 'vitest';
import { KafkaError } from '../../../src/common/errors.js';
import type { CommitOffsetsParams, OffsetCommitPartition } from '../../../src/coordinator/offset-requests.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { InMemoryOffsetStore } from './in-memory-offset-store.js';
import { START, flush, formGroup, joinParams, makeHarness, type Harness } from './harness.js';

const p = (topic: string, partition: number, offset: number, extra: Partial<OffsetCommitPartition> = {}): OffsetCommitPartition => ({
  topic,
  partition,
  offset,
  leaderEpoch: -1,
  metadata: null,
  commitTimestamp: -1,
  ...extra,
});

function commit(h: Harness, groupId: string, partitions: OffsetCommitPartition[], extra: Partial<CommitOffsetsParams> = {}) {
  return h.coordinator.handleCommitOffsets({ groupId, memberId: '', groupInstanceId: null, generationId: -1, retentionTimeMs: -1, partitions, ...extra });
}

const DAY = 24 * 3600_000;

describe('offsets - commit and fetch', () => {
  it('offsets - a simple commit creates the group; one store write per request; fetches come from the cache', async () => {
    const h = await makeHarness();
    expect(await commit(h, 'simple', [p('orders', 0, 10, { metadata: 'm0', leaderEpoch: 3 }), p('orders', 1, 11), p('payments', 0, 12)])).toEqual([0, 0, 0]);
    expect(h.store.calls.commit).toBe(1);
    expect(h.store.offsetOf('simple', { topic: 'orders', partition: 0 })).toBe(10);
    const f = await h.coordinator.handleFetchOffsets('simple', [{ topic: 'orders', partition: 0 }, { topic: 'orders', partition: 3 }]);
    expect(f).toEqual({
      errorCode: 0,
      partitions: [
        { topic: 'orders', partition: 0, offset: 10, leaderEpoch: 3, metadata: 'm0', errorCode: 0 },
        { topic: 'orders', partition: 3, offset: -1, leaderEpoch: -1, metadata: '', errorCode: 0 },
      ],
    });
    const all = await h.coordinator.handleFetchOffsets('simple', null);
    expect(all.partitions.map((x) => [x.topic, x.partition, x.offset, x.metadata])).toEqual([
      ['orders', 0, 10, 'm0'],
      ['orders', 1, 11, ''],
      ['payments', 0, 12, ''],
    ]);
    expect(h.store.calls.fetch).toBe(0);
    expect(h.coordinator.handleDescribeGroup('simple').summary.state).toBe('Empty');
  });

  it('offsets - fetch of an unknown group answers −1 for what was asked and nothing for "all"', async () => {
    const h = await makeHarness();
    expect(await h.coordinator.handleFetchOffsets('none', [{ topic: 'orders', partition: 1 }])).toEqual({
      errorCode: 0,
      partitions: [{ topic: 'orders', partition: 1, offset: -1, leaderEpoch: -1, metadata: '', errorCode: 0 }],
    });
    expect(await h.coordinator.handleFetchOffsets('none', null)).toEqual({ errorCode: 0, partitions: [] });
  });

  it('offsets - groups with offsets in the store exist after election and are loaded once, on first use', async () => {
    const store = new InMemoryOffsetStore();
    store.seed('old', [{ topic: 'orders', partition: 2, offset: 77, leaderEpoch: 1, metadata: 'x', commitTimestamp: START - 1000 }]);
    const h = await makeHarness({}, { store });
    expect(h.coordinator.handleListGroups().groups).toEqual([{ groupId: 'old', protocolType: '', state: 'Empty' }]);
    expect(h.store.calls.fetch).toBe(0);
    const [a, b] = await Promise.all([h.coordinator.handleFetchOffsets('old', null), h.coordinator.handleFetchOffsets('old', null)]);
    expect(a.partitions).toEqual([{ topic: 'orders', partition: 2, offset: 77, leaderEpoch: 1, metadata: 'x', errorCode: 0 }]);
    expect(b).toEqual(a);
    await h.coordinator.handleFetchOffsets('old', [{ topic: 'orders', partition: 2 }]);
    expect(h.store.calls.fetch).toBe(1);
  });

  it('offsets - a failed load answers COORDINATOR_LOAD_IN_PROGRESS and is retried by the next request', async () => {
    const store = new InMemoryOffsetStore();
    store.seed('old', [{ topic: 'orders', partition: 2, offset: 77, leaderEpoch: -1, metadata: '', commitTimestamp: START }]);
    const h = await makeHarness({}, { store });
    store.failNext('fetch', new Error('zk down'));
    expect(await h.coordinator.handleFetchOffsets('old', null)).toEqual({ errorCode: ErrorCode.CoordinatorLoadInProgress, partitions: [] });
    store.failNext('fetch', new Error('zk down'));
    expect(await commit(h, 'old', [p('orders', 0, 1)])).toEqual([ErrorCode.CoordinatorLoadInProgress]);
    expect((await h.coordinator.handleFetchOffsets('old', null)).partitions.map((x) => x.offset)).toEqual([77]);
  });

  it('offsets - member commits are checked against generation, member and state', async () => {
    const h = await makeHarness();
    const g = await formGroup(h, 'g', [{ clientId: 'a' }, { clientId: 'b', groupInstanceId: 'pod-b' }]);
    const [a, b] = g.memberIds as [string, string];
    const gen = g.generationId;
    expect(await commit(h, 'g', [p('orders', 0, 1)], { memberId: a, generationId: gen })).toEqual([0]);
    expect(await commit(h, 'g', [p('orders', 0, 1)], { memberId: a, generationId: gen + 1 })).toEqual([ErrorCode.IllegalGeneration]);
    expect(await commit(h, 'g', [p('orders', 0, 1)], { memberId: 'ghost', generationId: gen })).toEqual([ErrorCode.UnknownMemberId]);
    // a simple commit to a group with members is refused as an unknown member
    expect(await commit(h, 'g', [p('orders', 0, 1)])).toEqual([ErrorCode.UnknownMemberId]);
    expect(await commit(h, 'g', [p('orders', 0, 1)], { memberId: 'other', groupInstanceId: 'pod-b', generationId: gen })).toEqual([ErrorCode.FencedInstanceId]);
    expect(await commit(h, 'g', [p('orders', 0, 1)], { memberId: b, groupInstanceId: 'pod-b', generationId: gen })).toEqual([0]);
    // PreparingRebalance still accepts the current generation
    void h.coordinator.handleJoinGroup(joinParams('g', { memberId: a }));
    expect(await commit(h, 'g', [p('orders', 0, 2)], { memberId: b, generationId: gen })).toEqual([0]);
    // CompletingRebalance refuses
    await h.coordinator.handleJoinGroup(joinParams('g', { memberId: b, groupInstanceId: 'pod-b' }));
    expect(h.coordinator.handleDescribeGroup('g').summary.state).toBe('CompletingRebalance');
    expect(await commit(h, 'g', [p('orders', 0, 3)], { memberId: b, generationId: gen + 1 })).toEqual([ErrorCode.RebalanceInProgress]);
    expect(h.store.offsetOf('g', { topic: 'orders', partition: 0 })).toBe(2);
  });

  it('offsets - ILLEGAL_GENERATION for a generation-carrying commit to an unknown group', async () => {
    const h = await makeHarness();
    expect(await commit(h, 'none', [p('orders', 0, 1)], { memberId: 'm', generationId: 3 })).toEqual([ErrorCode.IllegalGeneration]);
    expect(h.coordinator.handleDescribeGroup('none').summary.state).toBe('Dead');
  });

  it('offsets - UNKNOWN_TOPIC_OR_PARTITION and OFFSET_METADATA_TOO_LARGE per partition, the rest stored', async () => {
    const h = await makeHarness({ offsetMetadataMaxBytes: 8 });
    const r = await commit(h, 'g', [p('orders', 0, 1, { metadata: '12345678' }), p('orders', 1, 2, { metadata: '123456789' }), p('nope', 0, 3), p('orders', 4, 4)]);
    expect(r).toEqual([0, ErrorCode.OffsetMetadataTooLarge, ErrorCode.UnknownTopicOrPartition, ErrorCode.UnknownTopicOrPartition]);
    expect((await h.coordinator.handleFetchOffsets('g', null)).partitions.map((x) => [x.partition, x.offset])).toEqual([[0, 1]]);
    // only unknown partitions: no group is looked at or created
    expect(await commit(h, 'fresh', [p('nope', 0, 3)], { memberId: 'm', generationId: 9 })).toEqual([ErrorCode.UnknownTopicOrPartition]);
  });

  it('offsets - NOT_COORDINATOR on commit and fetch for groups coordinated elsewhere', async () => {
    const h = await makeHarness({ offsetsTopicNumPartitions: 50 }, { elect: false });
    expect(await commit(h, 'hello', [p('orders', 0, 1), p('nope', 0, 1)])).toEqual([ErrorCode.NotCoordinator, ErrorCode.UnknownTopicOrPartition]);
    expect(await h.coordinator.handleFetchOffsets('hello', null)).toEqual({ errorCode: ErrorCode.NotCoordinator, partitions: [] });
  });

  it('offsets - a store failure answers COORDINATOR_NOT_AVAILABLE, or the KafkaError code it carries; nothing is cached', async () => {
    const h = await makeHarness();
    h.store.failNext('commit', new Error('connection loss'));
    expect(await commit(h, 'g', [p('orders', 0, 1)])).toEqual([ErrorCode.CoordinatorNotAvailable]);
    h.store.failNext('commit', new KafkaError(ErrorCode.NotCoordinator));
    expect(await commit(h, 'g', [p('orders', 0, 2)])).toEqual([ErrorCode.NotCoordinator]);
    expect((await h.coordinator.handleFetchOffsets('g', null)).partitions).toEqual([]);
    expect(await commit(h, 'g', [p('orders', 0, 3)])).toEqual([0]);
    expect((await h.coordinator.handleFetchOffsets('g', null)).partitions.map((x) => x.offset)).toEqual([3]);
  });

  it('offsets - concurrent commits reach the store in request order', async () => {
    const h = await makeHarness();
    const first = commit(h, 'g', [p('orders', 0, 1)]);
    const second = commit(h, 'g', [p('orders', 0, 2)]);
    expect(await Promise.all([first, second])).toEqual([[0], [0]]);
    expect(h.store.offsetOf('g', { topic: 'orders', partition: 0 })).toBe(2);
    expect((await h.coordinator.handleFetchOffsets('g', null)).partitions[0]!.offset).toBe(2);
  });
});

describe('offsets - expiry', () => {
  it('offsets - an Empty group’s offsets expire together, retention after the group became Empty', async () => {
    const h = await makeHarness({ offsetsRetentionMinutes: 24 * 60, groupMaxSessionTimeoutMs: 10 * DAY });
    const g = await formGroup(h, 'g', [{ clientId: 'a', sessionTimeoutMs: 5 * DAY }]);
    await commit(h, 'g', [p('orders', 0, 1)], { memberId: g.memberIds[0]!, generationId: g.generationId });
    h.clock.advance(1.5 * DAY);
    expect(await h.coordinator.cleanupExpiredOffsets()).toBe(0); // subscribed topic of a live group
    expect(h.coordinator.handleLeaveGroup('g', [{ memberId: g.memberIds[0]!, groupInstanceId: null }]).members[0]!.errorCode).toBe(0);
    expect(h.coordinator.handleDescribeGroup('g').summary.state).toBe('Empty');
    h.clock.advance(0.5 * DAY);
    // the commit is 2 days old, but the group has been Empty for half a day only
    expect(await h.coordinator.cleanupExpiredOffsets()).toBe(0);
    h.clock.advance(0.5 * DAY);
    expect(await h.coordinator.cleanupExpiredOffsets()).toBe(1);
    expect(h.store.groups.has('g')).toBe(false);
    expect(h.coordinator.handleDescribeGroup('g').summary.state).toBe('Dead');
  });

  it('offsets - a simple group expires offsets one by one, by commit time; explicit retention wins', async () => {
    const h = await makeHarness({ offsetsRetentionMinutes: 60 });
    await commit(h, 's', [p('orders', 0, 1)]);
    h.clock.advance(30 * 60_000);
    await commit(h, 's', [p('orders', 1, 2)]);
    await commit(h, 's', [p('payments', 0, 3)], { retentionTimeMs: 60_000 });
    h.clock.advance(60_000);
    expect(await h.coordinator.cleanupExpiredOffsets()).toBe(1); // payments-0, by its own retention
    h.clock.advance(29 * 60_000);
    expect(await h.coordinator.cleanupExpiredOffsets()).toBe(1); // orders-0, 60 min after its commit
    expect((await h.coordinator.handleFetchOffsets('s', null)).partitions.map((x) => `${x.topic}-${x.partition}`)).toEqual(['orders-1']);
    h.clock.advance(30 * 60_000);
    expect(await h.coordinator.cleanupExpiredOffsets()).toBe(1);
    expect(h.coordinator.handleDescribeGroup('s').summary.state).toBe('Dead');
  });

  it('offsets - a consumer group with members keeps subscribed topics and expires the others by commit time', async () => {
    const h = await makeHarness({ offsetsRetentionMinutes: 60, groupMaxSessionTimeoutMs: 10 * DAY });
    const g = await formGroup(h, 'g', [{ clientId: 'a', sessionTimeoutMs: 5 * DAY }]);
    const member = { memberId: g.memberIds[0]!, generationId: g.generationId };
    await commit(h, 'g', [p('orders', 0, 1), p('payments', 0, 2)], member);
    h.clock.advance(61 * 60_000);
    expect(await h.coordinator.cleanupExpiredOffsets()).toBe(1);
    expect((await h.coordinator.handleFetchOffsets('g', null)).partitions.map((x) => x.topic)).toEqual(['orders']);
  });

  it('offsets - the expiry check runs every offsets.retention.check.interval.ms on the clock', async () => {
    const h = await makeHarness({ offsetsRetentionMinutes: 1, offsetsRetentionCheckIntervalMs: 600_000 });
    await commit(h, 's', [p('orders', 0, 1)]);
    h.clock.advance(599_999);
    await flush();
    expect(h.store.groups.has('s')).toBe(true);
    h.clock.advance(1);
    await flush();
    expect(h.store.groups.has('s')).toBe(false);
    await commit(h, 's2', [p('orders', 0, 1)]);
    h.clock.advance(600_000);
    await flush();
    expect(h.store.groups.has('s2')).toBe(false);
  });

  it('offsets - a failed store delete keeps the offsets for the next pass', async () => {
    const h = await makeHarness({ offsetsRetentionMinutes: 1 });
    await commit(h, 's', [p('orders', 0, 1)]);
    h.clock.advance(60_000);
    h.store.failNext('deleteOffsets', new Error('zk down'));
    expect(await h.coordinator.cleanupExpiredOffsets()).toBe(0);
    expect((await h.coordinator.handleFetchOffsets('s', null)).partitions).toHaveLength(1);
    expect(await h.coordinator.cleanupExpiredOffsets()).toBe(1);
  });
});

describe('offsets - OffsetDelete', () => {
  it('offsets - an Empty group drops the offsets; unknown partitions are UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const h = await makeHarness();
    await commit(h, 's', [p('orders', 0, 1), p('orders', 1, 2)]);
    const r = await h.coordinator.handleDeleteOffsets('s', [{ topic: 'orders', partition: 0 }, { topic: 'nope', partition: 0 }]);
    expect(r).toEqual({
      errorCode: 0,
      partitions: [
        { topic: 'nope', partition: 0, errorCode: ErrorCode.UnknownTopicOrPartition },
        { topic: 'orders', partition: 0, errorCode: 0 },
      ],
    });
    expect(h.store.offsetOf('s', { topic: 'orders', partition: 0 })).toBeUndefined();
    expect(h.store.offsetOf('s', { topic: 'orders', partition: 1 })).toBe(2);
    // deleting the last offset of an Empty group removes the group
    await h.coordinator.handleDeleteOffsets('s', [{ topic: 'orders', partition: 1 }]);
    expect(h.coordinator.handleDescribeGroup('s').summary.state).toBe('Dead');
  });

  it('offsets - a consumer group refuses subscribed topics (GROUP_SUBSCRIBED_TO_TOPIC) and drops the others', async () => {
    const h = await makeHarness();
    const g = await formGroup(h, 'g', [{ clientId: 'a' }]); // subscribed to "orders"
    await commit(h, 'g', [p('orders', 0, 1), p('payments', 0, 2)], { memberId: g.memberIds[0]!, generationId: g.generationId });
    const r = await h.coordinator.handleDeleteOffsets('g', [{ topic: 'orders', partition: 0 }, { topic: 'payments', partition: 0 }]);
    expect(r.errorCode).toBe(0);
    expect(r.partitions).toEqual(
      expect.arrayContaining([
        { topic: 'orders', partition: 0, errorCode: ErrorCode.GroupSubscribedToTopic },
        { topic: 'payments', partition: 0, errorCode: 0 },
      ]),
    );
    expect((await h.coordinator.handleFetchOffsets('g', null)).partitions.map((x) => x.topic)).toEqual(['orders']);
  });

  it('offsets - group-level errors: GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, INVALID_GROUP_ID, NOT_COORDINATOR', async () => {
    const h = await makeHarness();
    expect(await h.coordinator.handleDeleteOffsets('none', [{ topic: 'orders', partition: 0 }])).toEqual({ errorCode: ErrorCode.GroupIdNotFound, partitions: [] });
    expect(await h.coordinator.handleDeleteOffsets('', [{ topic: 'orders', partition: 0 }])).toEqual({ errorCode: ErrorCode.InvalidGroupId, partitions: [] });
    await formGroup(h, 'connect', [{ clientId: 'w', protocolType: 'connect', protocols: [{ name: 'default', metadata: Buffer.from([1]) }] }]);
    expect(await h.coordinator.handleDeleteOffsets('connect', [{ topic: 'orders', partition: 0 }])).toEqual({ errorCode: ErrorCode.NonEmptyGroup, partitions: [] });
    const other = await makeHarness({ offsetsTopicNumPartitions: 50 }, { elect: false });
    expect((await other.coordinator.handleDeleteOffsets('hello', [])).errorCode).toBe(ErrorCode.NotCoordinator);
  });

  it('offsets - a store failure on delete answers the error for the eligible partitions', async () => {
    const h = await makeHarness();
    await commit(h, 's', [p('orders', 0, 1)]);
    h.store.failNext('deleteOffsets', new Error('zk down'));
    const r = await h.coordinator.handleDeleteOffsets('s', [{ topic: 'orders', partition: 0 }]);
    expect(r.partitions).toEqual([{ topic: 'orders', partition: 0, errorCode: ErrorCode.CoordinatorNotAvailable }]);
    expect(h.store.offsetOf('s', { topic: 'orders', partition: 0 })).toBe(1);
  });
});
