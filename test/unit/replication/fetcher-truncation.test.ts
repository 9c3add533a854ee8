/**
 * Follower truncation and catch-up against a fake leader on loopback (real Logs on both sides):
 * catching up from empty, KIP-101 divergence, the KIP-279 fast double fail-over, the
 * no-epoch-cache fallback, and both OFFSET_OUT_OF_RANGE branches. Every scenario ends with the
 * two logs compared byte for byte.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Log } from '../../../src/log/log.js';
import { FETCH_VERSION } from '../../../src/replication/fetcher-thread.js';
import { ReplicaFetcherManager } from '../../../src/replication/fetcher-manager.js';
import {
  FakeLeader,
  T0,
  TempDirs,
  TestFollower,
  batch,
  capturingLogger,
  fetchTarget,
  openLog,
  readAll,
  silentLogger,
  waitFor,
} from './replication-kit.js';

const FOLLOWER_ID = 2;

describe('ReplicaFetcherThread: truncation and catch-up', () => {
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

  function newLog(): Log {
    const log = openLog(dirs);
    logs.push(log);
    return log;
  }

  async function newLeader(leaderLog: Log, epoch: number): Promise<FakeLeader> {
    const leader = new FakeLeader();
    leader.addPartition(T0, leaderLog, epoch);
    leaders.push(leader);
    await leader.start();
    return leader;
  }

  function newManager(log = silentLogger()): ReplicaFetcherManager {
    const m = new ReplicaFetcherManager({ config: { brokerId: FOLLOWER_ID, fetchBackoffMs: 100, fetchWaitMaxMs: 200 }, log });
    managers.push(m);
    return m;
  }

  async function caughtUp(follower: TestFollower, leaderLog: Log): Promise<void> {
    await waitFor(() => follower.log.logEndOffset === leaderLog.logEndOffset, 5_000, 'the follower to reach the leader LEO');
    expect(readAll(follower.log).equals(readAll(leaderLog))).toBe(true);
  }

  it('catches up from an empty log, as follower (replicaId = broker id, Fetch v11), and takes HW = min(leader HW, LEO)', async () => {
    const leaderLog = newLog();
    const leader = await newLeader(leaderLog, 0);
    for (let i = 0; i < 20; i++) leader.append(T0, batch(5, 0x41 + i));
    const follower = new TestFollower(T0, newLog());
    const manager = newManager();
    manager.addFetcherForPartitions(new Map([['t-0', fetchTarget(follower, leader, 0)]]));

    await caughtUp(follower, leaderLog);
    expect(follower.log.logEndOffset).toBe(100);
    // The leader's HW reaches 100 once the follower fetches at 100; one fetch later so does ours.
    await waitFor(() => follower.highWatermark === 100, 5_000, 'the follower HW');
    expect(follower.log.leaderEpochCache.entries).toEqual([{ epoch: 0, startOffset: 0 }]);
    expect(leader.fetches.every((f) => f.replicaId === FOLLOWER_ID)).toBe(true);
    expect(leader.fetches[0]!.partitions).toEqual([{ key: 't-0', fetchOffset: 0, currentLeaderEpoch: 0, logStartOffset: 0 }]);
    expect(FETCH_VERSION).toBe(11);
    // Empty follower log → no epoch cache → truncation to the HW (0), no OffsetForLeaderEpoch.
    expect(leader.epochRequests).toEqual([]);
    expect(manager.fetchState(T0)).toMatchObject({ state: 'fetching', fetchOffset: 100, lag: 0 });
  });

  it('KIP-101: truncates an uncommitted epoch-1 tail the epoch-2 leader never had, then the logs match byte for byte', async () => {
    // Common history: epoch 0, offsets 0..4. Old leader (epoch 1) wrote 5..7 to the follower only.
    // New leader (epoch 2) has 0..4 and writes fresh records from 5.
    const leaderLog = newLog();
    const followerLog = newLog();
    const common = batch(5, 0x30, { baseOffset: 0, leaderEpoch: 0 });
    leaderLog.appendAsFollower(Buffer.from(common));
    followerLog.appendAsFollower(Buffer.from(common));
    followerLog.appendAsFollower(batch(3, 0x31, { baseOffset: 5, leaderEpoch: 1 }));
    const leader = await newLeader(leaderLog, 2);
    leader.bumpEpoch(T0, 2);
    leader.append(T0, batch(4, 0x32));
    leader.append(T0, batch(2, 0x33));
    expect(leaderLog.logEndOffset).toBe(11);

    const follower = new TestFollower(T0, followerLog);
    follower.highWatermark = 5;
    const { log, records } = capturingLogger();
    const manager = newManager(log);
    manager.addFetcherForPartitions([fetchTarget(follower, leader, 2)]);

    await caughtUp(follower, leaderLog);
    expect(leader.epochRequests).toEqual([{ replicaId: FOLLOWER_ID, key: 't-0', currentLeaderEpoch: 2, leaderEpoch: 1 }]);
    const truncations = records.filter((r) => r.truncationState !== undefined);
    expect(truncations).toHaveLength(1);
    expect(truncations[0]).toMatchObject({
      component: 'replica-fetcher',
      leaderId: 1,
      tp: 't-0',
      truncationState: { offset: 5, truncationCompleted: true },
      epochEndOffset: { leaderEpoch: 0, endOffset: 5 },
    });
    // The first fetch after truncation starts at the truncation offset.
    expect(leader.fetches[0]!.partitions[0]!.fetchOffset).toBe(5);
    expect(followerLog.leaderEpochCache.entries).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 2, startOffset: 5 }]);
  });

  it('KIP-279: the leader answers with an epoch the follower never saw; it truncates, asks again, and converges', async () => {
    // Follower: epoch 0 at 0..4, epoch 2 at 5..8. Leader (epoch 3): epoch 0 at 0..4, epoch 1 at 5..6, epoch 3 from 7.
    const leaderLog = newLog();
    const followerLog = newLog();
    const common = batch(5, 0x30, { baseOffset: 0, leaderEpoch: 0 });
    leaderLog.appendAsFollower(Buffer.from(common));
    followerLog.appendAsFollower(Buffer.from(common));
    followerLog.appendAsFollower(batch(4, 0x34, { baseOffset: 5, leaderEpoch: 2 }));
    leaderLog.appendAsFollower(batch(2, 0x35, { baseOffset: 5, leaderEpoch: 1 }));
    const leader = await newLeader(leaderLog, 3);
    leader.bumpEpoch(T0, 3);
    leader.append(T0, batch(5, 0x36));

    const follower = new TestFollower(T0, followerLog);
    follower.highWatermark = 5;
    const { log, records } = capturingLogger();
    const manager = newManager(log);
    manager.addFetcherForPartitions([fetchTarget(follower, leader, 3)]);

    await caughtUp(follower, leaderLog);
    expect(leader.epochRequests.map((r) => r.leaderEpoch)).toEqual([2, 0]);
    const truncations = records.filter((r) => r.truncationState !== undefined).map((r) => [r.truncationState, r.epochEndOffset]);
    expect(truncations).toEqual([
      [{ offset: 5, truncationCompleted: false }, { leaderEpoch: 1, endOffset: 7 }],
      [{ offset: 5, truncationCompleted: true }, { leaderEpoch: 0, endOffset: 5 }],
    ]);
    expect(followerLog.leaderEpochCache.entries).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 1, startOffset: 5 },
      { epoch: 3, startOffset: 7 },
    ]);
  });

  it('OFFSET_OUT_OF_RANGE with the leader behind us (no epoch cache, unclean history): truncates to the leader LEO', async () => {
    // Pre-KIP-101 batches (epoch -1) on both sides: no epoch cache, so the follower truncates to
    // its (stale) HW 8, fetches at 8 and learns from ListOffsets that the leader ends at 5.
    const leaderLog = newLog();
    const followerLog = newLog();
    const common = batch(5, 0x30, { baseOffset: 0, leaderEpoch: -1 });
    leaderLog.appendAsFollower(Buffer.from(common));
    followerLog.appendAsFollower(Buffer.from(common));
    followerLog.appendAsFollower(batch(3, 0x37, { baseOffset: 5, leaderEpoch: -1 }));
    const leader = await newLeader(leaderLog, 4);
    const follower = new TestFollower(T0, followerLog);
    follower.highWatermark = 8;
    const manager = newManager();
    manager.addFetcherForPartitions([fetchTarget(follower, leader, 4)]);

    await waitFor(() => followerLog.logEndOffset === 5, 5_000, 'truncation to the leader LEO');
    expect(leader.epochRequests).toEqual([]);
    expect(leader.listOffsets).toEqual([{ key: 't-0', timestamp: -1 }]);
    expect(follower.highWatermark).toBeLessThanOrEqual(5);
    leader.append(T0, batch(2, 0x38));
    await caughtUp(follower, leaderLog);
    expect(followerLog.logEndOffset).toBe(7);
  });

  it("OFFSET_OUT_OF_RANGE below the leader's log start: restarts the log at the leader's start and fetches from there", async () => {
    const leaderLog = newLog();
    leaderLog.truncateFullyAndStartAt(100);
    const leader = await newLeader(leaderLog, 0);
    leader.append(T0, batch(6, 0x39));
    leader.append(T0, batch(4, 0x3a));
    const follower = new TestFollower(T0, newLog());
    const manager = newManager();
    manager.addFetcherForPartitions([fetchTarget(follower, leader, 0)]);

    await caughtUp(follower, leaderLog);
    expect(follower.log.logStartOffset).toBe(100);
    expect(follower.log.logEndOffset).toBe(110);
    expect(leader.listOffsets).toEqual([
      { key: 't-0', timestamp: -1 },
      { key: 't-0', timestamp: -2 },
    ]);
    expect(leader.fetches[0]!.partitions[0]!.fetchOffset).toBe(0);
    expect(leader.fetches[1]!.partitions[0]!.fetchOffset).toBe(100);
  });

  it('follows the leader log start offset up to its own high watermark (retention on the leader)', async () => {
    const leaderLog = newLog();
    const leader = await newLeader(leaderLog, 0);
    for (let i = 0; i < 4; i++) leader.append(T0, batch(5, 0x50 + i));
    const follower = new TestFollower(T0, newLog());
    const manager = newManager();
    manager.addFetcherForPartitions([fetchTarget(follower, leader, 0)]);
    await caughtUp(follower, leaderLog);
    await waitFor(() => follower.highWatermark === 20, 5_000, 'the follower HW');

    leaderLog.maybeIncrementLogStartOffset(10);
    leader.append(T0, batch(1, 0x60)); // wakes the parked fetch; its response carries logStartOffset 10
    await waitFor(() => follower.log.logStartOffset === 10, 5_000, 'the follower log start');
    // …and reports it to the leader in its next fetch.
    await waitFor(() => leader.fetches.some((f) => f.partitions[0]!.logStartOffset === 10), 2_000, 'a fetch with logStartOffset 10');
  });
});
