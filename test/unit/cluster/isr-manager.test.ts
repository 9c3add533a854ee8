/**
 * Leader-side ISR rules (zk-and-controller.md §9.1–9.2) on a ManualClock with a fake ZooKeeper
 * store: shrink after replica.lag.time.max.ms, expand when caught up, BADVERSION keeps the old
 * ISR, notification batching, acks=all with min.insync.replicas; plus the fetcher wiring of
 * LeaderAndIsr / StopReplica and OffsetForLeaderEpoch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { createLogger } from '../../../src/common/logger.js';
import { tpKey, type TopicPartition } from '../../../src/common/topic-partition.js';
import type { IsrZkStore } from '../../../src/cluster/isr-manager.js';
import { ReplicaManager, type FetchParams, type ProduceResult } from '../../../src/cluster/replica-manager.js';
import { TopicConfigCache } from '../../../src/cluster/topic-log-config.js';
import { BrokerConfig } from '../../../src/config/broker-config.js';
import { LogManager } from '../../../src/log/log-manager.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import type { FollowerFetchTarget, ReplicaFetcherManager } from '../../../src/replication/fetcher-manager.js';
import { MetadataCache } from '../../../src/metadata/metadata-cache.js';
import type { PartitionState } from '../../../src/zk/znodes.js';
import { batch, cacheBrokers, control, ME, state } from './kit.js';

const LAG = 10_000;
const tp: TopicPartition = { topic: 't', partition: 0 };

class FakeZk implements IsrZkStore {
  zkVersion = 0;
  badVersion = false;
  writes: Array<{ state: PartitionState; expected: number }> = [];
  notifications: string[][] = [];

  async updateLeaderAndIsr(_tp: TopicPartition, s: PartitionState, expected: number) {
    this.writes.push({ state: s, expected });
    if (this.badVersion || expected !== this.zkVersion) return { outcome: 'bad-version' as const };
    this.zkVersion++;
    return { outcome: 'ok' as const, zkVersion: this.zkVersion };
  }

  async createIsrChangeNotification(tps: readonly TopicPartition[]) {
    this.notifications.push(tps.map(tpKey));
    return `isr_change_${String(this.notifications.length - 1).padStart(10, '0')}`;
  }
}

class FakeFetchers {
  added: FollowerFetchTarget[] = [];
  removed: string[] = [];
  addFetcherForPartitions(targets: Iterable<FollowerFetchTarget>) {
    this.added.push(...targets);
  }
  removeFetcherForPartitions(tps: Iterable<TopicPartition>) {
    for (const t of tps) this.removed.push(tpKey(t));
    return new Map();
  }
  async shutdownIdleFetcherThreads() {}
  async shutdown() {}
}

interface Rig {
  clock: ManualClock;
  zk: FakeZk;
  fetchers: FakeFetchers;
  rm: ReplicaManager;
  cache: MetadataCache;
  logLines: string[];
  close(): void;
}

const rigs: Rig[] = [];
afterEach(() => {
  for (const r of rigs.splice(0)) r.close();
});

function makeRig(props: Record<string, string> = {}): Rig {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-isr-'));
  const clock = new ManualClock(1_000_000);
  const config = BrokerConfig.parse({ 'broker.id': String(ME), 'zookeeper.connect': 'localhost:2181', 'log.dirs': dir, ...props });
  const topicConfigs = new TopicConfigCache(config, async () => ({}));
  const logManager = new LogManager({ logDirs: [dir], clock, topicConfig: (t) => topicConfigs.get(t).log });
  logManager.startup();
  const cache = new MetadataCache();
  const zk = new FakeZk();
  const fetchers = new FakeFetchers();
  const logLines: string[] = [];
  const log = createLogger({ level: 'info', destination: { write: (s: string) => void logLines.push(s) } });
  const rm = new ReplicaManager({
    brokerId: ME,
    logManager,
    metadataCache: cache,
    topicConfigs,
    clock,
    log,
    brokerEpoch: () => 100,
    replicaLagTimeMaxMs: LAG,
    highWatermarkCheckpointIntervalMs: 3_600_000,
    isrStore: zk,
    fetcherManager: fetchers as unknown as ReplicaFetcherManager,
    interBrokerListenerName: 'PLAINTEXT',
  });
  rm.startup();
  const rig: Rig = {
    clock,
    zk,
    fetchers,
    rm,
    cache,
    logLines,
    close() {
      rm.shutdown();
      logManager.shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  rigs.push(rig);
  return rig;
}

function fetchParams(replicaId: number, fetchOffset: number): FetchParams {
  return {
    replicaId,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    hardMaxBytesLimit: false,
    isolationLevel: 0,
    partitions: [{ tp, fetchOffset, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, followerLogStartOffset: 0 }],
    clientMetadata: null,
  };
}

async function followerFetch(r: Rig, replicaId: number, offset: number) {
  const res = await r.rm.fetchMessages(fetchParams(replicaId, offset));
  await r.rm.isrManager!.awaitInFlight();
  return res[0]!;
}

async function lead(r: Rig, isr: number[], replicas = [1, 2, 3]): Promise<void> {
  cacheBrokers(r.cache, replicas);
  const res = await r.rm.becomeLeaderOrFollower(control(), [state('t', 0, { isr, replicas, zkVersion: 0 })]);
  expect(res.partitionErrors[0]!.errorCode).toBe(ErrorCode.None);
}

function produce(r: Rig, values: string[], acks = -1): ProduceResult[] | Promise<ProduceResult[]> {
  return r.rm.appendRecords([{ tp, records: batch(values) }], acks, 30_000);
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
const partition = (r: Rig) => r.rm.getPartition(tp)!;

describe('ISR shrink (isr-expiration)', () => {
  it('removes a follower that has not caught up for replica.lag.time.max.ms, conditionally on the cached zkVersion', async () => {
    const r = makeRig();
    await lead(r, [1, 2, 3]);
    await produce(r, ['a', 'b'], 1);
    await followerFetch(r, 2, 2); // 2 caught up; 3 never fetches
    r.clock.advance(LAG / 2);
    await r.rm.isrManager!.awaitInFlight();
    expect(r.zk.writes).toHaveLength(0); // not lagging long enough yet
    r.clock.advance(LAG / 2);
    await r.rm.isrManager!.awaitInFlight();
    expect(r.zk.writes).toHaveLength(0); // exactly LAG is not "more than"
    await followerFetch(r, 2, 2);
    r.clock.advance(LAG / 2);
    await r.rm.isrManager!.awaitInFlight();
    expect(r.zk.writes).toEqual([{ state: { leader: 1, leaderEpoch: 0, isr: [1, 2], controllerEpoch: 1 }, expected: 0 }]);
    expect(partition(r).isr).toEqual([1, 2]);
    expect(partition(r).zkVersion).toBe(1);
    expect(r.rm.isrManager!.pendingIsrChanges.map(tpKey)).toEqual(['t-0']);
    // the follower at the leader LEO is never out of sync, however long since it fetched
    r.clock.advance(LAG * 3);
    await r.rm.isrManager!.awaitInFlight();
    expect(partition(r).isr).toEqual([1, 2]);
  });

  it('a lagging follower that keeps fetching behind the LEO counts as caught up at its previous fetch', async () => {
    const r = makeRig();
    await lead(r, [1, 2]);
    await produce(r, ['a'], 1); // LEO 1
    await followerFetch(r, 2, 1); // caught up at t0
    r.clock.advance(4_000);
    await produce(r, ['b'], 1); // LEO 2
    await followerFetch(r, 2, 1); // behind the LEO now, but at the LEO of the previous fetch → caught up at t0
    r.clock.advance(4_000);
    await followerFetch(r, 2, 2); // caught up at t0+8000
    r.clock.advance(LAG + LAG / 2);
    await produce(r, ['c'], 1);
    r.clock.advance(LAG / 2);
    await r.rm.isrManager!.awaitInFlight();
    expect(partition(r).isr).toEqual([1]);
  });

  it('BADVERSION keeps the cached ISR and logs "Cached zkVersion ... skip updating ISR"', async () => {
    const r = makeRig();
    await lead(r, [1, 2, 3]);
    await produce(r, ['a'], 1);
    r.zk.badVersion = true;
    r.clock.advance(LAG + LAG / 2);
    await r.rm.isrManager!.awaitInFlight();
    expect(r.zk.writes.length).toBeGreaterThan(0);
    expect(partition(r).isr).toEqual([1, 2, 3]);
    expect(partition(r).zkVersion).toBe(0);
    expect(r.rm.isrManager!.pendingIsrChanges).toEqual([]);
    expect(r.logLines.some((l) => l.includes('Cached zkVersion 0 not equal to that in zookeeper, skip updating ISR'))).toBe(true);
  });
});

describe('ISR expand (on follower fetch)', () => {
  it('adds a follower once its LEO reaches the high watermark and the epoch start offset', async () => {
    const r = makeRig();
    await lead(r, [1], [1, 2]);
    expect(partition(r).leaderEpochStartOffset).toBe(0);
    await produce(r, ['a', 'b', 'c'], 1); // HW = LEO = 3 (ISR = leader)
    expect(partition(r).highWatermark).toBe(3);
    await followerFetch(r, 2, 1);
    expect(r.zk.writes).toHaveLength(0);
    expect(partition(r).isr).toEqual([1]);
    await followerFetch(r, 2, 3);
    expect(r.zk.writes).toEqual([{ state: { leader: 1, leaderEpoch: 0, isr: [1, 2], controllerEpoch: 1 }, expected: 0 }]);
    expect(partition(r).isr).toEqual([1, 2]);
    // a follower not in the assignment never joins
    await followerFetch(r, 7, 3);
    expect(partition(r).isr).toEqual([1, 2]);
  });
});

describe('acks=all and min.insync.replicas', () => {
  it('waits for the ISR, succeeds after the ISR shrinks to min.insync.replicas, then NOT_ENOUGH_REPLICAS', async () => {
    const r = makeRig({ 'min.insync.replicas': '2' });
    await lead(r, [1, 2, 3]);
    const pending = produce(r, ['a']);
    expect(pending).toBeInstanceOf(Promise);
    let done: ProduceResult[] | null = null;
    void (pending as Promise<ProduceResult[]>).then((x) => (done = x));
    await followerFetch(r, 2, 1); // 2 has it; 3 (in the ISR) does not
    expect(done).toBeNull();
    expect(partition(r).highWatermark).toBe(0);
    r.clock.advance(LAG + LAG / 2);
    await r.rm.isrManager!.awaitInFlight();
    expect(partition(r).isr).toEqual([1, 2]);
    const res = await pending;
    expect(res[0]).toMatchObject({ errorCode: ErrorCode.None, baseOffset: 0 });
    expect(partition(r).highWatermark).toBe(1);

    // consumers never read past the HW
    await produce(r, ['b'], 1);
    const consumer = (await r.rm.fetchMessages(fetchParams(-1, 1)))[0]!;
    expect(consumer.records.length).toBe(0);
    expect(consumer.highWatermark).toBe(1);
    // a follower reads up to the LEO and gets the leader's HW and log start
    const f = await followerFetch(r, 2, 1);
    expect(f.records.length).toBeGreaterThan(0);
    expect(f).toMatchObject({ highWatermark: 1, logStartOffset: 0 });

    // shrink while an acks=all produce waits → NOT_ENOUGH_REPLICAS_AFTER_APPEND
    const waiting = produce(r, ['c']) as Promise<ProduceResult[]>;
    r.clock.advance(LAG + LAG / 2);
    await r.rm.isrManager!.awaitInFlight();
    expect(partition(r).isr).toEqual([1]);
    expect((await waiting)[0]!.errorCode).toBe(ErrorCode.NotEnoughReplicasAfterAppend);
    // then NOT_ENOUGH_REPLICAS before appending; acks=1 still works
    const leo = partition(r).log!.logEndOffset;
    expect(((await produce(r, ['d'])) as ProduceResult[])[0]!.errorCode).toBe(ErrorCode.NotEnoughReplicas);
    expect(partition(r).log!.logEndOffset).toBe(leo);
    expect(((await produce(r, ['e'], 1)) as ProduceResult[])[0]!.errorCode).toBe(ErrorCode.None);
  });

  it('times out with REQUEST_TIMED_OUT when the ISR does not catch up', async () => {
    const r = makeRig({ 'min.insync.replicas': '2' });
    await lead(r, [1, 2, 3]);
    const waiting = r.rm.appendRecords([{ tp, records: batch(['a']) }], -1, 1_000) as Promise<ProduceResult[]>;
    r.clock.advance(1_001);
    expect((await waiting)[0]!.errorCode).toBe(ErrorCode.RequestTimedOut);
  });
});

describe('ISR change propagation (isr-change-propagation)', () => {
  it('batches changes: written after 5 s without changes, or 60 s after the last propagation', async () => {
    const r = makeRig();
    const isr = r.rm.isrManager!;
    const a = { topic: 'a', partition: 0 };
    const b = { topic: 'b', partition: 1 };
    isr.recordIsrChange(a);
    r.clock.advance(2_500);
    await flush();
    expect(r.zk.notifications).toEqual([]);
    isr.recordIsrChange(b);
    r.clock.advance(5_000); // 7.5 s after a, 5 s after b: not quiet long enough
    await flush();
    expect(r.zk.notifications).toEqual([]);
    r.clock.advance(2_500); // 7.5 s quiet
    await flush();
    expect(r.zk.notifications).toEqual([['a-0', 'b-1']]);
    expect(isr.pendingIsrChanges).toEqual([]);

    // a change every 2 s never leaves 5 s quiet: the 60 s bound forces a write (first tick > 60 s: 62.5 s)
    for (let t = 0; t < 66_000; t += 2_000) {
      isr.recordIsrChange(a);
      r.clock.advance(2_000);
      await flush();
    }
    expect(r.zk.notifications).toHaveLength(2);
    expect(r.zk.notifications[1]).toEqual(['a-0']);
  });
});

describe('follower fetchers wired by LeaderAndIsr / StopReplica', () => {
  it('makeFollowers adds a fetcher at the local HW with the new epoch; the endpoint comes from the cache or LiveLeaders', async () => {
    const r = makeRig();
    cacheBrokers(r.cache, [1, 3]); // leader 2 not cached
    const res = await r.rm.becomeLeaderOrFollower({ ...control(), liveLeaders: [{ brokerId: 2, hostName: '127.0.0.9', port: 9992 }] }, [
      state('t', 0, { leader: 2, leaderEpoch: 4, isr: [1, 2, 3], replicas: [1, 2, 3] }),
    ]);
    expect(res.partitionErrors[0]!.errorCode).toBe(ErrorCode.None);
    expect(r.fetchers.removed).toEqual(['t-0']);
    expect(r.fetchers.added).toHaveLength(1);
    expect(r.fetchers.added[0]).toMatchObject({ tp, leaderId: 2, leaderEndpoint: { host: '127.0.0.9', port: 9992 }, initOffset: 0, currentLeaderEpoch: 4 });
    expect(partition(r).isr).toEqual([]); // followers keep no ISR

    // leader moves to 3 (cached endpoint)
    await r.rm.becomeLeaderOrFollower(control(), [state('t', 0, { leader: 3, leaderEpoch: 5, isr: [1, 3], replicas: [1, 2, 3] })]);
    expect(r.fetchers.added[1]).toMatchObject({ leaderId: 3, leaderEndpoint: { host: '127.0.0.1', port: 9003 }, currentLeaderEpoch: 5 });

    // becoming leader stops fetching
    r.fetchers.removed = [];
    await r.rm.becomeLeaderOrFollower(control(), [state('t', 0, { leader: 1, leaderEpoch: 6, isr: [1, 3], replicas: [1, 2, 3] })]);
    expect(r.fetchers.removed).toEqual(['t-0']);
    expect(r.fetchers.added).toHaveLength(2);

    // StopReplica removes the fetcher too
    r.fetchers.removed = [];
    await r.rm.stopReplicas(control(), [{ topic: 't', partition: 0, leaderEpoch: 7, deletePartition: false }]);
    expect(r.fetchers.removed).toEqual(['t-0']);
  });

  it('answers OffsetForLeaderEpoch from the leader epoch cache', async () => {
    const r = makeRig();
    await lead(r, [1], [1]);
    await produce(r, ['a', 'b'], 1);
    await r.rm.becomeLeaderOrFollower(control(), [state('t', 0, { leaderEpoch: 3, isr: [1], replicas: [1] })]);
    await produce(r, ['c'], 1);
    expect(r.rm.lastOffsetForLeaderEpoch(tp, 3, 0, true)).toEqual({ leaderEpoch: 0, endOffset: 2 });
    expect(r.rm.lastOffsetForLeaderEpoch(tp, -1, 3, true)).toEqual({ leaderEpoch: 3, endOffset: 3 });
    expect(() => r.rm.lastOffsetForLeaderEpoch(tp, 2, 3, true)).toThrow(/older/);
  });
});
