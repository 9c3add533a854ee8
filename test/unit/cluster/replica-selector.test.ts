import { afterEach, describe, expect, it } from 'vitest';
import type { FetchParams, FetchResult } from '../../../src/cluster/replica-manager.js';
import {
  createReplicaSelector,
  RACK_AWARE_REPLICA_SELECTOR,
  RackAwareReplicaSelector,
  type ClientMetadata,
  type ReplicaView,
} from '../../../src/cluster/replica-selector.js';
import type { FollowerFetchTarget } from '../../../src/replication/fetcher-manager.js';
import { BrokerConfig } from '../../../src/config/broker-config.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { splitBatches } from '../../../src/protocol/records/index.js';
import { batch, cacheBrokers, control, makeKit, ME, state, type Kit } from './kit.js';

const client = (rackId: string): ClientMetadata => ({ rackId, clientId: 'c', clientAddress: '127.0.0.1', listenerName: 'PLAINTEXT' });
const view = (brokerId: number, rack: string | null, logEndOffset: number, timeSinceLastCaughtUpMs = 0): ReplicaView => ({ brokerId, rack, logEndOffset, timeSinceLastCaughtUpMs });

describe('RackAwareReplicaSelector (KIP-392)', () => {
  const selector = new RackAwareReplicaSelector();
  const leader = view(1, 'a', 100);

  it('no client rack, or no replica in the client rack → the leader', () => {
    const replicas = [leader, view(2, 'b', 100)];
    expect(selector.select(client(''), replicas, leader)).toBe(leader);
    expect(selector.select(client('z'), replicas, leader)).toBe(leader);
  });

  it('the leader when it is in the client rack, even if a follower there is further ahead', () => {
    const replicas = [leader, view(2, 'a', 100)];
    expect(selector.select(client('a'), replicas, leader)).toBe(leader);
  });

  it('otherwise the most caught-up replica of the rack: log end, then time since caught up, then broker id', () => {
    const b2 = view(2, 'b', 90);
    const b3 = view(3, 'b', 95);
    expect(selector.select(client('b'), [leader, b2, b3], leader)).toBe(b3);
    const fresh = view(4, 'b', 95, 10);
    const stale = view(5, 'b', 95, 5000);
    expect(selector.select(client('b'), [leader, stale, fresh], leader)).toBe(fresh);
    const x = view(6, 'b', 95, 10);
    expect(selector.select(client('b'), [leader, fresh, x], leader)).toBe(x);
  });

  it('replica.selector.class: unset = none, RackAwareReplicaSelector, anything else refused', () => {
    expect(createReplicaSelector(null)).toBeNull();
    expect(createReplicaSelector('')).toBeNull();
    expect(createReplicaSelector(RACK_AWARE_REPLICA_SELECTOR)).toBeInstanceOf(RackAwareReplicaSelector);
    expect(() => createReplicaSelector('com.example.MySelector')).toThrow(/RackAwareReplicaSelector/);
    const base = { 'broker.id': '1', 'zookeeper.connect': 'localhost:2181' };
    expect(BrokerConfig.parse({ ...base, 'replica.selector.class': RACK_AWARE_REPLICA_SELECTOR }).values['replica.selector.class']).toBe(RACK_AWARE_REPLICA_SELECTOR);
    expect(() => BrokerConfig.parse({ ...base, 'replica.selector.class': 'com.example.MySelector' })).toThrow(/replica\.selector\.class/);
  });
});

// ------------------------------------------------------------------------------------ the replica manager's side

const tp = { topic: 't', partition: 0 };
const RACKS = { 1: 'a', 2: 'b', 3: 'c' };
let kit: Kit;
afterEach(() => kit?.close());

function consumerFetch(fetchOffset: number, rackId: string | null, extra: Partial<FetchParams> = {}): FetchParams {
  return {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    hardMaxBytesLimit: false,
    isolationLevel: 0,
    partitions: [{ tp, fetchOffset, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, followerLogStartOffset: -1 }],
    clientMetadata: rackId === null ? null : client(rackId),
    ...extra,
  };
}

function followerFetch(replicaId: number, fetchOffset: number, extra: Partial<FetchParams> = {}): FetchParams {
  return {
    ...consumerFetch(fetchOffset, null),
    replicaId,
    partitions: [{ tp, fetchOffset, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, followerLogStartOffset: 0 }],
    ...extra,
  };
}

async function leaderKit(selector = true): Promise<Kit> {
  kit = makeKit(selector ? { 'replica.selector.class': RACK_AWARE_REPLICA_SELECTOR } : {});
  cacheBrokers(kit.metadataCache, [1, 2, 3], [{ topic: 't', partition: 0, replicas: [1, 2, 3], isr: [1, 2, 3] }], RACKS);
  await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0, { replicas: [1, 2, 3], isr: [1, 2, 3] })]);
  for (const v of ['a', 'b', 'c']) await kit.rm.appendRecords([{ tp, records: batch([v]) }], 1, 1000);
  return kit;
}

const one = async (r: FetchResult[] | Promise<FetchResult[]>): Promise<FetchResult> => (await r)[0]!;

describe('replica manager - fetch from the closest replica (KIP-392)', () => {
  it('the leader names a caught-up follower in the client rack and sends no data; the leader offsets are kept', async () => {
    await leaderKit();
    await kit.rm.fetchMessages(followerFetch(2, 3)); // follower 2 (rack b) has everything
    await kit.rm.fetchMessages(followerFetch(3, 3));
    const r = await one(kit.rm.fetchMessages(consumerFetch(0, 'b')));
    expect(r).toMatchObject({ errorCode: ErrorCode.None, preferredReadReplica: 2, highWatermark: 3, lastStableOffset: 3, logStartOffset: 0 });
    expect(r.records.length).toBe(0);
    expect(kit.rm.fetchStats.preferredReplicaRedirects).toBe(1);
    expect(kit.rm.fetchStats.consumerBytesOut.get('t') ?? 0).toBe(0);
  });

  it('the leader serves: client in its rack, no rack, no follower there holding the offset, or a follower not alive', async () => {
    await leaderKit();
    await kit.rm.fetchMessages(followerFetch(3, 3));
    await kit.rm.fetchMessages(followerFetch(2, 1)); // follower 2 only has offset 0; the HW is 1
    for (const [rack, offset] of [['a', 0], ['', 0], ['b', 2], ['z', 0]] as const) {
      const r = await one(kit.rm.fetchMessages(consumerFetch(offset, rack)));
      expect(r.preferredReadReplica, `rack ${rack} offset ${offset}`).toBe(-1);
      expect(r.records.length, `rack ${rack} offset ${offset}`).toBe(offset === 0 ? batch(['a']).length : 0);
    }
    expect(kit.rm.fetchStats.consumerBytesOut.get('t')).toBe(3 * batch(['a']).length);
    expect((await one(kit.rm.fetchMessages(consumerFetch(0, 'b')))).preferredReadReplica).toBe(2);
    cacheBrokers(kit.metadataCache, [1, 3], [{ topic: 't', partition: 0, replicas: [1, 2, 3], isr: [1, 2, 3] }], RACKS);
    expect((await one(kit.rm.fetchMessages(consumerFetch(0, 'b')))).preferredReadReplica).toBe(-1);
  });

  it('without replica.selector.class, or before Fetch v11 (no client metadata), the leader always serves', async () => {
    await leaderKit(false);
    await kit.rm.fetchMessages(followerFetch(2, 3));
    expect((await one(kit.rm.fetchMessages(consumerFetch(0, 'b')))).preferredReadReplica).toBe(-1);
    kit.close();
    await leaderKit(true);
    await kit.rm.fetchMessages(followerFetch(2, 3));
    expect((await one(kit.rm.fetchMessages(consumerFetch(0, null)))).preferredReadReplica).toBe(-1);
  });

  it('with a selector, a follower that was not sent the current high watermark is answered at once', async () => {
    await leaderKit();
    // follower 2 fetches at the log end: the HW is 0 < 3 (follower 3 is still at 0), it was sent 0: it waits
    const waiting = kit.rm.fetchMessages(followerFetch(2, 3, { maxWaitMs: 5000 }));
    expect(waiting).toBeInstanceOf(Promise);
    // follower 3 catches up: the HW moves to 3, so follower 2's waiting fetch completes to tell it
    const third = await one(kit.rm.fetchMessages(followerFetch(3, 3, { maxWaitMs: 5000 })));
    expect(third.highWatermark).toBe(3); // the answer carries the HW its own fetch moved
    expect((await one(waiting)).highWatermark).toBe(3);
    // told: the next fetch at the log end waits again
    expect(kit.rm.fetchMessages(followerFetch(2, 3, { maxWaitMs: 5000 }))).toBeInstanceOf(Promise);
  });

  it('without a selector a follower at the log end waits for data (Kafka 2.7: no immediate HW propagation)', async () => {
    await leaderKit(false);
    const waiting = kit.rm.fetchMessages(followerFetch(2, 3, { maxWaitMs: 5000 }));
    await kit.rm.fetchMessages(followerFetch(3, 3));
    await new Promise((r) => setImmediate(r));
    expect(kit.rm.fetchPurgatory.delayed).toBe(1);
    kit.clock.advance(5000);
    expect((await one(waiting)).highWatermark).toBe(3);
  });
});

describe('replica manager - a follower serving consumers (KIP-392)', () => {
  const targets: FollowerFetchTarget[] = [];

  async function followerKit(): Promise<Kit> {
    targets.length = 0;
    const fetcherManager = {
      addFetcherForPartitions: (t: Iterable<FollowerFetchTarget>) => void targets.push(...t),
      removeFetcherForPartitions: () => new Map(),
      shutdownIdleFetcherThreads: async () => {},
      shutdown: async () => {},
    };
    kit = makeKit({}, undefined, undefined, { fetcherManager: fetcherManager as never });
    cacheBrokers(kit.metadataCache, [1, 2], [{ topic: 't', partition: 0, leader: 2, replicas: [2, 1], isr: [2, 1] }], RACKS);
    await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0, { leader: 2, replicas: [2, 1], isr: [2, 1] })]);
    // what the fetcher would do: append the leader's batches, take the leader's HW
    const follower = targets[0]!.partition;
    const second = batch(['c', 'd']);
    second.writeBigInt64BE(2n, 0); // base offset 2, as the leader assigned it
    follower.appendAsFollower(Buffer.concat([batch(['a', 'b']), second]));
    follower.updateFollowerHighWatermark(2);
    return kit;
  }

  it('reads up to its own high watermark for v11+ consumers; NOT_LEADER_OR_FOLLOWER before v11', async () => {
    await followerKit();
    expect(kit.rm.isLeader(tp)).toBe(false);
    const r = await one(kit.rm.fetchMessages(consumerFetch(0, 'a')));
    expect(r).toMatchObject({ errorCode: ErrorCode.None, highWatermark: 2, preferredReadReplica: -1 });
    expect(splitBatches(r.records).map((b) => [b.baseOffset, b.recordCount])).toEqual([[0, 2]]); // not above the HW
    targets[0]!.partition.updateFollowerHighWatermark(4);
    const all = await one(kit.rm.fetchMessages(consumerFetch(0, 'a')));
    expect(splitBatches(all.records).map((b) => [b.baseOffset, b.recordCount])).toEqual([
      [0, 2],
      [2, 2],
    ]);
    expect((await one(kit.rm.fetchMessages(consumerFetch(0, null)))).errorCode).toBe(ErrorCode.NotLeaderOrFollower);
  });

  it('OFFSET_OUT_OF_RANGE above its log end; empty between its high watermark and log end', async () => {
    await followerKit();
    expect((await one(kit.rm.fetchMessages(consumerFetch(5, 'a')))).errorCode).toBe(ErrorCode.OffsetOutOfRange);
    const between = await one(kit.rm.fetchMessages(consumerFetch(3, 'a')));
    expect(between).toMatchObject({ errorCode: ErrorCode.None, highWatermark: 2 });
    expect(between.records.length).toBe(0);
  });

  it('a consumer waiting on the follower is answered when the follower high watermark moves', async () => {
    await followerKit();
    const waiting = kit.rm.fetchMessages(consumerFetch(2, 'a', { maxWaitMs: 5000 }));
    expect(waiting).toBeInstanceOf(Promise);
    await new Promise((r) => setImmediate(r));
    expect(kit.rm.fetchPurgatory.delayed).toBe(1);
    targets[0]!.partition.updateFollowerHighWatermark(4);
    const r = await one(waiting);
    expect(splitBatches(r.records).map((b) => b.baseOffset)).toEqual([2]);
    expect(r.highWatermark).toBe(4);
    expect(kit.rm.brokerId).toBe(ME);
  });
});
