/**
 * Follower fetcher lifecycle against a fake leader on loopback: long polling, fencing
 * (FENCED_LEADER_EPOCH stops a partition until it is added again), UNKNOWN_LEADER_EPOCH retried,
 * the leader going away and coming back on the same port, removal, idle-thread shutdown, one
 * thread per leader, and a shutdown that leaves no socket or timer behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaError } from '../../../src/common/errors.js';
import type { Log } from '../../../src/log/log.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import type { FollowerPartition } from '../../../src/replication/follower-partition.js';
import { ReplicaFetcherManager } from '../../../src/replication/fetcher-manager.js';
import {
  FakeLeader,
  T0,
  T1,
  TempDirs,
  TestFollower,
  batch,
  fetchTarget,
  openLog,
  readAll,
  silentLogger,
  sleep,
  waitFor,
} from './replication-kit.js';

const BACKOFF_MS = 100;
const WAIT_MS = 300;

describe('ReplicaFetcherManager / ReplicaFetcherThread lifecycle', () => {
  const dirs = new TempDirs();
  const leaders: FakeLeader[] = [];
  const managers: ReplicaFetcherManager[] = [];
  const logs: Log[] = [];

  afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.shutdown()));
    await Promise.all(leaders.splice(0).map((l) => l.stop()));
    for (const l of logs.splice(0)) l.close();
    dirs.cleanup();
  });

  function newLog(tp = T0): Log {
    const log = openLog(dirs, tp);
    logs.push(log);
    return log;
  }

  async function newLeader(epoch: number, tps = [T0]): Promise<FakeLeader> {
    const leader = new FakeLeader();
    for (const tp of tps) leader.addPartition(tp, newLog(tp), epoch);
    leaders.push(leader);
    await leader.start();
    return leader;
  }

  function newManager(): ReplicaFetcherManager {
    const m = new ReplicaFetcherManager({ config: { brokerId: 2, fetchBackoffMs: BACKOFF_MS, fetchWaitMaxMs: WAIT_MS }, log: silentLogger() });
    managers.push(m);
    return m;
  }

  const matches = (follower: TestFollower, leader: FakeLeader) => readAll(follower.log).equals(readAll(leader.partition(follower.tp).log));

  it('long-polls: an idle follower sends about one fetch per replica.fetch.wait.max.ms and gets new records at once', async () => {
    const leader = await newLeader(0);
    leader.append(T0, batch(3, 0x41));
    const follower = new TestFollower(T0, newLog());
    const manager = newManager();
    manager.addFetcherForPartitions([fetchTarget(follower, leader, 0)]);
    await waitFor(() => follower.log.logEndOffset === 3);

    const before = leader.fetches.length;
    await sleep(3 * WAIT_MS);
    const idleFetches = leader.fetches.length - before;
    expect(idleFetches).toBeGreaterThanOrEqual(2);
    expect(idleFetches).toBeLessThanOrEqual(5);

    const t0 = Date.now();
    leader.append(T0, batch(2, 0x42));
    await waitFor(() => follower.log.logEndOffset === 5, 2_000);
    expect(Date.now() - t0).toBeLessThan(WAIT_MS);
    expect(matches(follower, leader)).toBe(true);
  });

  it('FENCED_LEADER_EPOCH on fetch stops the partition until it is added again with the newer epoch', async () => {
    const leader = await newLeader(1);
    leader.bumpEpoch(T0, 1);
    leader.append(T0, batch(3, 0x41));
    const follower = new TestFollower(T0, newLog());
    const manager = newManager();
    manager.addFetcherForPartitions([fetchTarget(follower, leader, 1)]);
    await waitFor(() => follower.log.logEndOffset === 3);

    leader.bumpEpoch(T0, 2); // wakes the parked fetch, which now carries a stale currentLeaderEpoch
    leader.append(T0, batch(4, 0x43));
    await waitFor(() => manager.isFailed(T0), 2_000, 'the partition to be marked failed');
    expect(manager.fetchState(T0)).toBeUndefined();
    const fetchesAfterFence = leader.fetchesOf(T0);
    await sleep(4 * BACKOFF_MS);
    expect(leader.fetchesOf(T0)).toBe(fetchesAfterFence);
    expect(follower.log.logEndOffset).toBe(3);

    manager.addFetcherForPartitions([fetchTarget(follower, leader, 2, follower.highWatermark)]);
    expect(manager.isFailed(T0)).toBe(false);
    await waitFor(() => follower.log.logEndOffset === 7, 5_000);
    expect(matches(follower, leader)).toBe(true);
    expect(leader.epochRequests.at(-1)).toMatchObject({ currentLeaderEpoch: 2, leaderEpoch: 1 });
  });

  it('FENCED_LEADER_EPOCH on OffsetForLeaderEpoch fails the partition before any fetch', async () => {
    const leader = await newLeader(5);
    leader.bumpEpoch(T0, 5);
    leader.append(T0, batch(2, 0x41));
    const followerLog = newLog();
    followerLog.appendAsFollower(batch(1, 0x41, { baseOffset: 0, leaderEpoch: 3 }));
    const follower = new TestFollower(T0, followerLog);
    const manager = newManager();
    manager.addFetcherForPartitions([fetchTarget(follower, leader, 4)]);
    await waitFor(() => manager.isFailed(T0), 2_000, 'the partition to be marked failed');
    expect(leader.epochRequests).toEqual([{ replicaId: 2, key: 't-0', currentLeaderEpoch: 4, leaderEpoch: 3 }]);
    expect(leader.fetches).toEqual([]);
  });

  it('UNKNOWN_LEADER_EPOCH (the leader has not heard of our epoch yet) is retried after the backoff, without re-adding', async () => {
    const leader = await newLeader(1);
    leader.bumpEpoch(T0, 1);
    leader.append(T0, batch(3, 0x41));
    const follower = new TestFollower(T0, newLog());
    follower.log.appendAsFollower(readAll(leader.partition(T0).log)); // in sync at epoch 1
    const manager = newManager();
    manager.addFetcherForPartitions([fetchTarget(follower, leader, 2)]);
    await waitFor(() => leader.epochRequests.length >= 2, 2_000, 'a retried OffsetForLeaderEpoch');
    expect(manager.fetchState(T0)?.state).toBe('truncating');
    expect(manager.isFailed(T0)).toBe(false);
    const [first, second] = leader.epochRequests;
    expect(first).toMatchObject({ currentLeaderEpoch: 2 });
    expect(second).toMatchObject({ currentLeaderEpoch: 2 });

    leader.bumpEpoch(T0, 2);
    leader.append(T0, batch(2, 0x44));
    await waitFor(() => follower.log.logEndOffset === 5, 5_000);
    expect(matches(follower, leader)).toBe(true);
    expect(leader.epochRequests.at(-1)).toMatchObject({ currentLeaderEpoch: 2, leaderEpoch: 1 });
  });

  it('a storage error while appending stops that partition only and tells the partition layer', async () => {
    const leader = await newLeader(0, [T0, T1]);
    leader.append(T0, batch(2, 0x41));
    leader.append(T1, batch(2, 0x42));
    const f0 = new TestFollower(T0, newLog(T0));
    const f1 = new TestFollower(T1, newLog(T1));
    const diskFull = new KafkaError(ErrorCode.KafkaStorageError, 'I/O error in log t-0');
    const broken: FollowerPartition = Object.create(f0.partition, {
      appendAsFollower: { value: () => { throw diskFull; } },
      onStorageError: { value: (err: unknown) => f0.storageErrors.push(err) },
    });
    const manager = newManager();
    manager.addFetcherForPartitions([{ ...fetchTarget(f0, leader, 0), partition: broken }, fetchTarget(f1, leader, 0)]);
    await waitFor(() => manager.isFailed(T0) && f1.log.logEndOffset === 2, 2_000);
    expect(f0.storageErrors).toEqual([diskFull]);
    expect(manager.failedPartitionCount).toBe(1);
    leader.append(T1, batch(1, 0x43));
    await waitFor(() => f1.log.logEndOffset === 3, 2_000);
    expect(f0.log.logEndOffset).toBe(0);
    manager.removeFetcherForPartitions([T0]);
    expect(manager.isFailed(T0)).toBe(false);
  });

  it('keeps the partition and backs off while the leader is down, and resumes when it returns on the same port', async () => {
    const leader = await newLeader(0);
    leader.append(T0, batch(3, 0x41));
    const follower = new TestFollower(T0, newLog());
    const manager = newManager();
    manager.addFetcherForPartitions([fetchTarget(follower, leader, 0)]);
    await waitFor(() => follower.log.logEndOffset === 3);

    const port = leader.port;
    await leader.stop();
    leader.append(T0, batch(4, 0x45));
    await sleep(5 * BACKOFF_MS);
    const state = manager.fetchState(T0);
    expect(state).toMatchObject({ state: 'fetching', fetchOffset: 3 });
    expect(manager.isFailed(T0)).toBe(false);

    const fetchesWhileDown = leader.fetches.length;
    await leader.start(port);
    await waitFor(() => follower.log.logEndOffset === 7, 5_000, 'catch-up after the leader returned');
    expect(leader.fetches.length).toBeGreaterThan(fetchesWhileDown);
    expect(matches(follower, leader)).toBe(true);
  });

  it('removeFetcherForPartitions stops fetching promptly (a parked answer is ignored) and idle threads shut down', async () => {
    const leader = await newLeader(0, [T0, T1]);
    leader.append(T0, batch(2, 0x41));
    leader.append(T1, batch(2, 0x42));
    const f0 = new TestFollower(T0, newLog(T0));
    const f1 = new TestFollower(T1, newLog(T1));
    const manager = newManager();
    manager.addFetcherForPartitions([fetchTarget(f0, leader, 0), fetchTarget(f1, leader, 0)]);
    expect(manager.threadCount).toBe(1);
    await waitFor(() => f0.log.logEndOffset === 2 && f1.log.logEndOffset === 2);
    await sleep(50); // a fetch for both partitions is now parked on the leader

    const removed = manager.removeFetcherForPartitions([T0]);
    expect([...removed.keys()]).toEqual(['t-0']);
    expect(removed.get('t-0')).toMatchObject({ fetchOffset: 2, state: 'fetching' });
    leader.append(T0, batch(3, 0x43)); // completes the parked fetch with t-0 data
    leader.append(T1, batch(3, 0x44));
    await waitFor(() => f1.log.logEndOffset === 5);
    await sleep(2 * WAIT_MS);
    expect(f0.log.logEndOffset).toBe(2);
    expect(manager.fetchState(T0)).toBeUndefined();

    await manager.shutdownIdleFetcherThreads();
    expect(manager.threadCount).toBe(1); // t-1 still fetched
    manager.removeFetcherForPartitions([T1]);
    await manager.shutdownIdleFetcherThreads();
    expect(manager.threadCount).toBe(0);
    await waitFor(() => leader.connectionCount === 0, 2_000, 'the fetcher connection to close');
  });

  it('runs one thread per leader broker and moves a partition when its leader changes', async () => {
    const leaderA = await newLeader(0);
    const leaderB = await newLeader(1);
    leaderA.append(T0, batch(2, 0x41));
    leaderB.bumpEpoch(T0, 1);
    const follower = new TestFollower(T0, newLog());
    const manager = newManager();
    manager.addFetcherForPartitions([fetchTarget(follower, leaderA, 0)]);
    await waitFor(() => follower.log.logEndOffset === 2);

    // Leadership moves to B (epoch 1), which has A's records plus its own.
    leaderB.partition(T0).log.appendAsFollower(readAll(leaderA.partition(T0).log));
    leaderB.append(T0, batch(3, 0x46));
    manager.addFetcherForPartitions([{ ...fetchTarget(follower, leaderB, 1), leaderId: 7 }]);
    expect(manager.threadCount).toBe(2);
    expect(manager.fetcherFor(T0)?.sourceBroker).toMatchObject({ id: 7, port: leaderB.port });
    await waitFor(() => follower.log.logEndOffset === 5);
    expect(matches(follower, leaderB)).toBe(true);
    await manager.shutdownIdleFetcherThreads();
    expect(manager.threadCount).toBe(1);
    await waitFor(() => leaderA.connectionCount === 0, 2_000);
  });

  it('shutdown closes every connection and leaves no socket or timer behind', async () => {
    const resources = () => {
      const counts = new Map<string, number>();
      for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
      return counts;
    };
    const baseline = resources();
    const leader = await newLeader(0);
    leader.append(T0, batch(2, 0x41));
    const follower = new TestFollower(T0, newLog());
    const manager = newManager();
    manager.addFetcherForPartitions([fetchTarget(follower, leader, 0)]);
    await waitFor(() => follower.log.logEndOffset === 2);
    await sleep(50); // a fetch is parked on the leader
    expect(leader.connectionCount).toBe(1);

    const t0 = Date.now();
    await manager.shutdown();
    expect(Date.now() - t0).toBeLessThan(WAIT_MS);
    expect(manager.threadCount).toBe(0);
    expect(() => manager.addFetcherForPartitions([fetchTarget(follower, leader, 0)])).toThrow(/shut down/);
    await waitFor(() => leader.connectionCount === 0, 2_000);
    const fetches = leader.fetches.length;
    await leader.stop();
    await sleep(20);
    const after = resources();
    for (const kind of ['TCPSocketWrap', 'TCPServerWrap', 'Timeout']) {
      expect(after.get(kind) ?? 0, kind).toBeLessThanOrEqual(baseline.get(kind) ?? 0);
    }
    expect(leader.fetches.length).toBe(fetches);
  });
});
