import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { TempDirs, openTestLog, simpleBatch } from './log-test-kit.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

/** Four segments of 2 batches each (offsets 0-7), timestamps t0 + 100·offset, plus an active one. */
function fourSegments(dir: string, clock: ManualClock, config = {}) {
  const batch = simpleBatch(1, 100, 0);
  const log = openTestLog(dir, { clock, config: { segmentBytes: batch.length * 2, fileDeleteDelayMs: 1000, ...config } });
  for (let i = 0; i < 9; i++) log.append(simpleBatch(1, 100, 10_000 + 100 * i), 0);
  expect(log.segmentBaseOffsets).toEqual([0, 2, 4, 6, 8]);
  return { log };
}

describe('log - retention', () => {
  it('by time: deletes segments whose largest timestamp is older than retention.ms, never the active one', () => {
    const clock = new ManualClock(0);
    const dir = dirs.make();
    const { log } = fourSegments(dir, clock, { retentionMs: 1000 });
    clock.advance(10_000 + 100 + 1000); // segment 0's largest timestamp is 10 100
    expect(log.deleteOldSegments()).toBe(0);
    clock.advance(1);
    expect(log.deleteOldSegments()).toBe(1);
    expect(log.segmentBaseOffsets).toEqual([2, 4, 6, 8]);
    expect(log.logStartOffset).toBe(2);
    clock.advance(1_000_000);
    expect(log.deleteOldSegments()).toBe(3);
    expect(log.segmentBaseOffsets).toEqual([8]);
    expect(log.deleteOldSegments()).toBe(0);
    log.close();
  });

  it('by size: deletes the oldest segments while the log exceeds retention.bytes', () => {
    const clock = new ManualClock(0);
    const segmentSize = simpleBatch(1, 100, 0).length * 2;
    const sized = fourSegments(dirs.make(), clock, { retentionBytes: segmentSize * 2 + segmentSize / 2 });
    // 4.5 segments of data, limit 2.5: two whole segments can go.
    expect(sized.log.deleteOldSegments()).toBe(2);
    expect(sized.log.segmentBaseOffsets).toEqual([4, 6, 8]);
    expect(sized.log.deleteOldSegments()).toBe(0);
    sized.log.close();
  });

  it('by log start offset: segments entirely below it go, whatever the policy', () => {
    const clock = new ManualClock(0);
    const { log } = fourSegments(dirs.make(), clock, { cleanupPolicy: ['compact'] });
    log.maybeIncrementLogStartOffset(5);
    expect(log.deleteOldSegments()).toBe(1 + 1);
    expect(log.segmentBaseOffsets).toEqual([4, 6, 8]);
    expect(log.logStartOffset).toBe(5);
    log.close();
  });

  it('never deletes past the high watermark given', () => {
    const clock = new ManualClock(1e9);
    const { log } = fourSegments(dirs.make(), clock, { retentionMs: 0 });
    expect(log.deleteOldSegments(3)).toBe(1);
    expect(log.segmentBaseOffsets).toEqual([2, 4, 6, 8]);
    log.close();
  });

  it('renames deleted segments to .deleted and removes them after file.delete.delay.ms', () => {
    const clock = new ManualClock(0);
    const dir = dirs.make();
    const { log } = fourSegments(dir, clock, { retentionBytes: 0 });
    expect(log.deleteOldSegments()).toBe(4);
    const deleted = readdirSync(dir).filter((n) => n.endsWith('.deleted')).sort();
    expect(deleted).toContain('00000000000000000000.log.deleted');
    expect(deleted).toContain('00000000000000000000.index.deleted');
    expect(deleted).toContain('00000000000000000000.timeindex.deleted');
    expect(deleted).toHaveLength(12);
    clock.advance(1000);
    expect(readdirSync(dir).filter((n) => n.endsWith('.deleted'))).toEqual([]);
    expect(existsSync(join(dir, '00000000000000000008.log'))).toBe(true);
    expect(log.read(8, 1000).length).toBeGreaterThan(0);
    log.close();
  });
});
