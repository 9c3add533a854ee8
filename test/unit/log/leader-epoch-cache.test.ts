import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CheckpointFile, LeaderEpochCheckpointFormat } from '../../../src/log/checkpoint.js';
import { LeaderEpochFileCache } from '../../../src/log/leader-epoch-cache.js';
import { TempDirs, openTestLog, simpleBatch } from './log-test-kit.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

function cacheWith(entries: Array<[number, number]>): LeaderEpochFileCache {
  return new LeaderEpochFileCache(null, entries.map(([epoch, startOffset]) => ({ epoch, startOffset })));
}

describe('leader-epoch cache - endOffsetFor (Kafka 2.7 semantics)', () => {
  const cache = cacheWith([
    [2, 10],
    [4, 20],
    [7, 35],
  ]);
  it('latest epoch → (epoch, logEndOffset)', () => {
    expect(cache.endOffsetFor(7, 50)).toEqual({ leaderEpoch: 7, endOffset: 50 });
  });
  it('a past epoch → the start offset of the next higher epoch', () => {
    expect(cache.endOffsetFor(2, 50)).toEqual({ leaderEpoch: 2, endOffset: 20 });
    expect(cache.endOffsetFor(4, 50)).toEqual({ leaderEpoch: 4, endOffset: 35 });
  });
  it('an unknown epoch between known ones → (largest epoch below it, next start offset)', () => {
    expect(cache.endOffsetFor(3, 50)).toEqual({ leaderEpoch: 2, endOffset: 20 });
    expect(cache.endOffsetFor(6, 50)).toEqual({ leaderEpoch: 4, endOffset: 35 });
  });
  it('below the earliest epoch → (requested epoch, earliest start offset)', () => {
    expect(cache.endOffsetFor(1, 50)).toEqual({ leaderEpoch: 1, endOffset: 10 });
  });
  it('undefined epoch or above the latest → UNDEFINED (-1, -1)', () => {
    expect(cache.endOffsetFor(-1, 50)).toEqual({ leaderEpoch: -1, endOffset: -1 });
    expect(cache.endOffsetFor(8, 50)).toEqual({ leaderEpoch: -1, endOffset: -1 });
    expect(cacheWith([]).endOffsetFor(0, 5)).toEqual({ leaderEpoch: -1, endOffset: -1 });
  });
});

describe('leader-epoch cache - assign and truncation', () => {
  it('assign ignores the same epoch at a later offset and removes non-monotonic entries', () => {
    const cache = cacheWith([]);
    cache.assign(1, 0);
    cache.assign(1, 5);
    cache.assign(3, 10);
    expect(cache.entries).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 10 },
    ]);
    cache.assign(2, 8); // lower epoch: newer entries go
    expect(cache.entries).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 8 },
    ]);
    cache.assign(2, 4); // same epoch, lower start offset: replaced
    expect(cache.entries.at(-1)).toEqual({ epoch: 2, startOffset: 4 });
  });

  it('truncateFromEnd drops entries starting at or after the end; truncateFromStart moves the first up', () => {
    const cache = cacheWith([
      [1, 0],
      [2, 10],
      [3, 20],
    ]);
    cache.truncateFromEnd(20);
    expect(cache.entries.map((e) => e.epoch)).toEqual([1, 2]);
    cache.truncateFromStart(15);
    expect(cache.entries).toEqual([{ epoch: 2, startOffset: 15 }]);
    expect(cache.epochForOffset(15)).toBe(2);
    expect(cache.epochForOffset(14)).toBeUndefined();
  });
});

describe('leader-epoch cache - on a log', () => {
  it('is fed by appends, persisted to leader-epoch-checkpoint in Kafka format, and truncated with the log', () => {
    const dir = dirs.make();
    const log = openTestLog(dir);
    for (const epoch of [0, 0, 3, 3, 5]) log.append(simpleBatch(2, 10, 0), epoch);
    expect(readFileSync(join(dir, 'leader-epoch-checkpoint'), 'utf8')).toBe('0\n3\n0 0\n3 4\n5 8\n');
    expect(log.endOffsetForEpoch(0)).toEqual({ leaderEpoch: 0, endOffset: 4 });
    expect(log.endOffsetForEpoch(5)).toEqual({ leaderEpoch: 5, endOffset: 10 });
    log.truncateTo(6);
    expect(log.logEndOffset).toBe(6);
    expect(readFileSync(join(dir, 'leader-epoch-checkpoint'), 'utf8')).toBe('0\n2\n0 0\n3 4\n');
    expect(log.endOffsetForEpoch(3)).toEqual({ leaderEpoch: 3, endOffset: 6 });
    log.close();
    const reopened = openTestLog(dir);
    expect(reopened.leaderEpochCache.entries).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 3, startOffset: 4 },
    ]);
    reopened.close();
  });

  it('is rebuilt from batch headers when the checkpoint is missing or corrupt, and clamped to the log end', () => {
    const dir = dirs.make();
    const log = openTestLog(dir);
    for (const epoch of [1, 2, 2, 4]) log.append(simpleBatch(1, 10, 0), epoch);
    log.close();
    writeFileSync(join(dir, 'leader-epoch-checkpoint'), '0\n2\nnot numbers\n');
    const rebuilt = openTestLog(dir);
    expect(rebuilt.leaderEpochCache.entries.map((e) => [e.epoch, e.startOffset])).toEqual([
      [1, 0],
      [2, 1],
      [4, 3],
    ]);
    rebuilt.close();
    // A checkpoint with entries beyond the log end is clamped.
    new CheckpointFile(join(dir, 'leader-epoch-checkpoint'), LeaderEpochCheckpointFormat).write([
      { epoch: 1, startOffset: 0 },
      { epoch: 9, startOffset: 100 },
    ]);
    const clamped = openTestLog(dir);
    expect(clamped.leaderEpochCache.entries).toEqual([{ epoch: 1, startOffset: 0 }]);
    clamped.close();
  });
});
