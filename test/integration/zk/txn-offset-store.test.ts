/**
 * ZkTxnOffsetStore against a real ZooKeeper (one chroot for this file), the layout of
 * transactions-and-compaction.md §2.16: pending offsets under `/consumers/<g>/txn_offsets/<pid>/<t>/<p>`
 * written with the pid znode in one multi (never at version 0), fencing by the stored epoch, COMMIT
 * moving them to `offsets/` (decimal text + sidecar) unless a plain commit is newer by mzxid, ABORT
 * dropping them, a COMMIT that needs several multis, loading and listing, group deletion.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaError } from '../../../src/common/errors.js';
import type { CommittedOffset } from '../../../src/coordinator/offset-store.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import type { ZkClient } from '../../../src/zk/client.js';
import { ZkOffsetStore } from '../../../src/zk/zk-offset-store.js';
import { ZkTxnOffsetStore } from '../../../src/zk/zk-txn-offset-store.js';
import { closeAllZk, connectZk, removeChroot, zkConnectForTest } from '../../harness/zookeeper.js';

const connect = zkConnectForTest();
let zk: ZkClient;
let store: ZkTxnOffsetStore;
let plain: ZkOffsetStore;

beforeAll(async () => {
  zk = await connectZk(connect);
  store = new ZkTxnOffsetStore(zk);
  plain = new ZkOffsetStore(zk);
});
afterAll(async () => {
  await closeAllZk();
  await removeChroot(connect);
});

const NOW = 1_700_000_000_000;
const o = (topic: string, partition: number, offset: number, extra: Partial<CommittedOffset> = {}): CommittedOffset => ({
  topic,
  partition,
  offset,
  leaderEpoch: -1,
  metadata: '',
  commitTimestamp: NOW,
  ...extra,
});
const marker = (producerId: number, producerEpoch: number, commit: boolean, coordinatorEpoch = 1) => ({ producerId, producerEpoch, coordinatorEpoch, commit });
const json = async (path: string) => JSON.parse((await zk.getData(path)).data!.toString('utf8')) as Record<string, unknown>;
const text = async (path: string) => (await zk.tryGetData(path))?.data?.toString('utf8') ?? null;

describe('ZkTxnOffsetStore', () => {
  it('stores pending offsets and the pid znode in the §2.16 JSON; the pid znode never sits at version 0', async () => {
    await store.storePending('g1', 7001, 3, [o('t', 0, 10, { metadata: 'm', leaderEpoch: 2 }), o('t', 1, 11), o('u', 0, 12)], NOW);
    expect(await json('/consumers/g1/txn_offsets/7001')).toEqual({ version: 1, producer_epoch: 3, coordinator_epoch: -1, timestamp: String(NOW) });
    expect(await json('/consumers/g1/txn_offsets/7001/t/0')).toEqual({ version: 1, offset: 10, leader_epoch: 2, metadata: 'm', commit_timestamp: String(NOW), producer_epoch: 3 });
    expect((await zk.exists('/consumers/g1/txn_offsets/7001'))!.version).toBeGreaterThanOrEqual(1);
    expect(await zk.exists('/consumers/g1/offsets/t/0')).toBeNull();
    // the same producer again: children updated, epoch kept at the max
    await store.storePending('g1', 7001, 3, [o('t', 0, 15)], NOW + 1);
    expect((await json('/consumers/g1/txn_offsets/7001/t/0')).offset).toBe(15);
  });

  it('refuses an older epoch with INVALID_PRODUCER_EPOCH and writes nothing', async () => {
    await store.storePending('g2', 7002, 5, [o('t', 0, 1)], NOW);
    const err = await store.storePending('g2', 7002, 4, [o('t', 0, 2), o('t', 9, 2)], NOW).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaError);
    expect((err as KafkaError).code).toBe(ErrorCode.InvalidProducerEpoch);
    expect((await json('/consumers/g2/txn_offsets/7002/t/0')).offset).toBe(1);
    expect(await zk.exists('/consumers/g2/txn_offsets/7002/t/9')).toBeNull();
  });

  it('COMMIT writes the committed offsets as a plain commit would and deletes the pending children; the pid znode stays', async () => {
    await store.storePending('g3', 7003, 1, [o('t', 0, 100, { metadata: 'meta', leaderEpoch: 4 }), o('t', 1, 101)], NOW);
    expect(await store.complete('g3', marker(7003, 1, true, 6), NOW + 5)).toEqual({
      errorCode: ErrorCode.None,
      committed: expect.arrayContaining([o('t', 0, 100, { metadata: 'meta', leaderEpoch: 4 }), o('t', 1, 101)]) as unknown,
    });
    expect(await text('/consumers/g3/offsets/t/0')).toBe('100');
    expect(await text('/consumers/g3/offsets/t/1')).toBe('101');
    expect(await plain.fetch('g3', [{ topic: 't', partition: 0 }])).toEqual([o('t', 0, 100, { metadata: 'meta', leaderEpoch: 4 })]);
    expect(await zk.getChildren('/consumers/g3/txn_offsets/7003')).toEqual([]);
    expect(await json('/consumers/g3/txn_offsets/7003')).toEqual({ version: 1, producer_epoch: 1, coordinator_epoch: 6, timestamp: String(NOW + 5) });
    // the marker again: nothing left to do
    expect(await store.complete('g3', marker(7003, 1, true, 6), NOW + 6)).toEqual({ errorCode: ErrorCode.None, committed: [] });
  });

  it('a plain commit made after the TxnOffsetCommit is kept (mzxid order); one made before is replaced', async () => {
    await plain.commit('g4', [o('t', 0, 5)]);
    await store.storePending('g4', 7004, 0, [o('t', 0, 50), o('t', 1, 51)], NOW);
    await plain.commit('g4', [o('t', 1, 60)]);
    const r = await store.complete('g4', marker(7004, 0, true), NOW);
    expect(r.committed.map((c) => [c.partition, c.offset])).toEqual([[0, 50]]);
    expect(await text('/consumers/g4/offsets/t/0')).toBe('50');
    expect(await text('/consumers/g4/offsets/t/1')).toBe('60');
    expect(await zk.getChildren('/consumers/g4/txn_offsets/7004')).toEqual([]);
  });

  it('ABORT drops the pending offsets, keeps the committed ones and records the abort epoch', async () => {
    await plain.commit('g5', [o('t', 0, 5)]);
    await store.storePending('g5', 7005, 2, [o('t', 0, 50)], NOW);
    expect(await store.complete('g5', marker(7005, 3, false), NOW)).toEqual({ errorCode: ErrorCode.None, committed: [] });
    expect(await text('/consumers/g5/offsets/t/0')).toBe('5');
    expect((await json('/consumers/g5/txn_offsets/7005')).producer_epoch).toBe(3);
    // the fenced producer cannot park offsets any more
    await expect(store.storePending('g5', 7005, 2, [o('t', 0, 51)], NOW)).rejects.toMatchObject({ code: ErrorCode.InvalidProducerEpoch });
  });

  it('old markers are refused: producer epoch → INVALID_PRODUCER_EPOCH, coordinator epoch → TRANSACTION_COORDINATOR_FENCED', async () => {
    await store.storePending('g6', 7006, 4, [o('t', 0, 1)], NOW);
    expect((await store.complete('g6', marker(7006, 3, true), NOW)).errorCode).toBe(ErrorCode.InvalidProducerEpoch);
    await store.complete('g6', marker(7006, 4, false, 9), NOW);
    await store.storePending('g6', 7006, 4, [o('t', 0, 2)], NOW);
    expect((await store.complete('g6', marker(7006, 4, true, 8), NOW)).errorCode).toBe(ErrorCode.TransactionCoordinatorFenced);
    expect((await json('/consumers/g6/txn_offsets/7006/t/0')).offset).toBe(2);
  });

  it('a COMMIT too large for one ZooKeeper request is split per topic, each child deleted with its committed write', async () => {
    const metadata = 'x'.repeat(3000);
    const offsets: CommittedOffset[] = [];
    for (let t = 0; t < 8; t++) for (let p = 0; p < 60; p++) offsets.push(o(`topic-${t}`, p, 1000 + p, { metadata }));
    for (let t = 0; t < 8; t++) await store.storePending('g7', 7007, 0, offsets.slice(t * 60, t * 60 + 60), NOW);
    const r = await store.complete('g7', marker(7007, 0, true), NOW);
    expect(r.committed).toHaveLength(480);
    expect(await text('/consumers/g7/offsets/topic-7/59')).toBe('1059');
    expect(await zk.getChildren('/consumers/g7/txn_offsets/7007')).toEqual([]);
  });

  it('loads pending offsets by producer, lists the groups that have some, deletes a group’s subtree', async () => {
    await store.storePending('g8', 7008, 1, [o('t', 0, 1)], NOW);
    await store.storePending('g8', 7009, 2, [o('t', 1, 2)], NOW);
    const loaded = await store.loadPending('g8');
    expect([...loaded.entries()].sort((a, b) => a[0] - b[0])).toEqual([
      [7008, { producerEpoch: 1, offsets: [o('t', 0, 1)] }],
      [7009, { producerEpoch: 2, offsets: [o('t', 1, 2)] }],
    ]);
    expect(await store.listGroupsWithPending()).toEqual(expect.arrayContaining(['g1', 'g8']) as unknown);
    await store.deleteGroup('g8');
    expect(await zk.exists('/consumers/g8/txn_offsets')).toBeNull();
    expect((await store.loadPending('g8')).size).toBe(0);
  });

  it('deletePending removes the partitions’ pending offsets of every producer and the directories left empty', async () => {
    await store.storePending('g9', 7011, 0, [o('t', 0, 1), o('t', 1, 1), o('u', 0, 1)], NOW);
    await store.storePending('g9', 7012, 0, [o('t', 0, 2)], NOW);
    await store.deletePending('g9', [
      { topic: 't', partition: 0 },
      { topic: 'u', partition: 0 },
    ]);
    expect(await zk.getChildren('/consumers/g9/txn_offsets/7011')).toEqual(['t']);
    expect(await zk.getChildren('/consumers/g9/txn_offsets/7011/t')).toEqual(['1']);
    expect(await zk.getChildren('/consumers/g9/txn_offsets/7012')).toEqual([]);
  });

  it('group ids that are not znode names are stored encoded, as committed offsets are', async () => {
    await store.storePending('a/b', 7010, 0, [o('t', 0, 3)], NOW);
    expect(await zk.exists('/consumers/a%2Fb/txn_offsets/7010/t/0')).not.toBeNull();
    expect(await store.listGroupsWithPending()).toContain('a/b');
    await store.complete('a/b', marker(7010, 0, true), NOW);
    expect(await plain.fetch('a/b', null)).toEqual([o('t', 0, 3)]);
  });
});
