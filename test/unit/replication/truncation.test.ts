/**
 * The pure parts of the follower fetcher: KIP-101/KIP-279 truncation rules (Kafka 2.7
 * AbstractFetcherThread.getOffsetTruncationState, cases after AbstractFetcherThreadTest), the
 * partial-batch trim of fetched record sets, the fetcher id of a partition, and the config.
 */
import { describe, expect, it } from 'vitest';
import { LeaderEpochFileCache } from '../../../src/log/leader-epoch-cache.js';
import { fetcherIdFor } from '../../../src/replication/fetcher-manager.js';
import { completeBatches } from '../../../src/replication/fetch-state.js';
import { replicaFetcherConfig } from '../../../src/replication/replica-fetcher-config.js';
import { offsetTruncationState, type TruncationView } from '../../../src/replication/truncation.js';
import { batch } from './replication-kit.js';

/** A follower whose epoch cache holds `entries` ([epoch, startOffset]) and whose log ends at `logEndOffset`. */
function follower(entries: Array<[number, number]>, logEndOffset: number): TruncationView {
  const cache = new LeaderEpochFileCache(null, entries.map(([epoch, startOffset]) => ({ epoch, startOffset })));
  return { logEndOffset, endOffsetForEpoch: (epoch) => cache.endOffsetFor(epoch, logEndOffset) };
}

describe('offsetTruncationState (KIP-101 / KIP-279)', () => {
  it.each([
    {
      name: 'same latest epoch, leader ahead: keep everything',
      entries: [[0, 0], [1, 5]] as Array<[number, number]>, leo: 8, leader: { leaderEpoch: 1, endOffset: 12 },
      expected: { offset: 8, truncationCompleted: true },
    },
    {
      name: 'same latest epoch, leader shorter: truncate to the leader end (KIP-101 scenario B)',
      entries: [[0, 0], [1, 5]] as Array<[number, number]>, leo: 8, leader: { leaderEpoch: 1, endOffset: 6 },
      expected: { offset: 6, truncationCompleted: true },
    },
    {
      name: 'leader knows an older epoch only: min(own end of it, leader end)',
      entries: [[0, 0], [1, 5]] as Array<[number, number]>, leo: 8, leader: { leaderEpoch: 0, endOffset: 5 },
      expected: { offset: 5, truncationCompleted: true },
    },
    {
      name: 'leader epoch unknown to us (fast double fail-over): intermediate truncation, ask again',
      entries: [[0, 0], [2, 5]] as Array<[number, number]>, leo: 9, leader: { leaderEpoch: 1, endOffset: 7 },
      expected: { offset: 5, truncationCompleted: false },
    },
    {
      name: 'leader epoch below all of ours: the requested epoch is assumed, truncate to min(first start, leader end)',
      entries: [[3, 10], [4, 15]] as Array<[number, number]>, leo: 20, leader: { leaderEpoch: 2, endOffset: 12 },
      expected: { offset: 10, truncationCompleted: true },
    },
    {
      name: 'leader end offset undefined: fall back to the initial offset (the high watermark)',
      entries: [[0, 0]] as Array<[number, number]>, leo: 9, leader: { leaderEpoch: -1, endOffset: -1 },
      expected: { offset: 4, truncationCompleted: true },
    },
    {
      name: 'leader on v0 (no epoch in the answer): min(leader end, LEO)',
      entries: [[0, 0]] as Array<[number, number]>, leo: 9, leader: { leaderEpoch: -1, endOffset: 7 },
      expected: { offset: 7, truncationCompleted: true },
    },
    {
      name: 'we know no epoch ≤ the answer (empty cache): min(leader end, LEO)',
      entries: [] as Array<[number, number]>, leo: 9, leader: { leaderEpoch: 1, endOffset: 3 },
      expected: { offset: 3, truncationCompleted: true },
    },
  ])('$name', ({ entries, leo, leader, expected }) => {
    expect(offsetTruncationState(follower(entries, leo), leader, 4)).toEqual(expected);
  });

  it('the KIP-279 repeat converges: the second round asks about the epoch left after the first truncation', () => {
    // Follower (0,0),(2,5) LEO 9; leader (0,0),(1,5),(3,7) LEO 12.
    const leaderCache = new LeaderEpochFileCache(null, [{ epoch: 0, startOffset: 0 }, { epoch: 1, startOffset: 5 }, { epoch: 3, startOffset: 7 }]);
    const followerCache = new LeaderEpochFileCache(null, [{ epoch: 0, startOffset: 0 }, { epoch: 2, startOffset: 5 }]);
    let leo = 9;
    const view: TruncationView = { get logEndOffset() { return leo; }, endOffsetForEpoch: (e) => followerCache.endOffsetFor(e, leo) };
    const first = offsetTruncationState(view, leaderCache.endOffsetFor(followerCache.latestEpoch!, 12), 0);
    expect(first).toEqual({ offset: 5, truncationCompleted: false });
    leo = first.offset;
    followerCache.truncateFromEnd(leo);
    expect(followerCache.latestEpoch).toBe(0);
    const second = offsetTruncationState(view, leaderCache.endOffsetFor(followerCache.latestEpoch!, 12), 0);
    expect(second).toEqual({ offset: 5, truncationCompleted: true });
  });
});

describe('completeBatches', () => {
  const a = batch(2, 0x61, { baseOffset: 0, leaderEpoch: 0 });
  const b = batch(3, 0x62, { baseOffset: 2, leaderEpoch: 0 });

  it('keeps whole batches as they are (same buffer) and maps null to empty', () => {
    const whole = Buffer.concat([a, b]);
    expect(completeBatches(whole)).toBe(whole);
    expect(completeBatches(null).length).toBe(0);
  });

  it('drops a cut-off trailing batch, including a tail shorter than the batch header', () => {
    const whole = Buffer.concat([a, b]);
    expect(completeBatches(whole.subarray(0, a.length + 20)).equals(a)).toBe(true);
    expect(completeBatches(whole.subarray(0, a.length + 5)).equals(a)).toBe(true);
    expect(completeBatches(b.subarray(0, b.length - 1)).length).toBe(0);
  });

  it('leaves a nonsensical batch length for the log to reject', () => {
    const bad = Buffer.from(a);
    bad.writeInt32BE(-5, 8);
    expect(completeBatches(bad)).toBe(bad);
  });
});

describe('fetcherIdFor (Kafka AbstractFetcherManager.getFetcherId)', () => {
  it('is abs(31 * topic.hashCode() + partition) % numFetchers', () => {
    // "t".hashCode() = 116 → 31·116 + p
    expect(fetcherIdFor({ topic: 't', partition: 0 }, 3)).toBe(3596 % 3);
    expect(fetcherIdFor({ topic: 't', partition: 1 }, 3)).toBe(3597 % 3);
    expect(fetcherIdFor({ topic: 't', partition: 7 }, 1)).toBe(0);
    // "my-group".hashCode() = -1906497762; 31·h overflows int32 as in Java
    const h = (Math.imul(31, -1906497762) + 4) | 0;
    expect(fetcherIdFor({ topic: 'my-group', partition: 4 }, 5)).toBe(Math.abs(h) % 5);
  });
});

describe('replicaFetcherConfig', () => {
  it("has Kafka 2.7's defaults and rejects a fetcher count below one", () => {
    expect(replicaFetcherConfig(3)).toMatchObject({
      brokerId: 3,
      fetchWaitMaxMs: 500,
      fetchMinBytes: 1,
      fetchMaxBytes: 1_048_576,
      fetchResponseMaxBytes: 10_485_760,
      fetchBackoffMs: 1_000,
      numFetchers: 1,
    });
    expect(() => replicaFetcherConfig(3, { numFetchers: 0 })).toThrow(RangeError);
  });
});
