/**
 * Choosing what to clean (Kafka's LogCleanerManager.cleanableOffsets / LogToClean): the dirty
 * ratio, min.compaction.lag.ms (C7), max.compaction.lag.ms (C8), the checkpoint reset, and the
 * manager's filthiest-log choice and checkpoint upkeep.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/common/clock.js';
import { LogCleanerManager } from '../../../../src/log/cleaner/log-cleaner-manager.js';
import { logToClean, NO_TRANSACTIONS } from '../../../../src/log/cleaner/log-to-clean.js';
import type { LogConfig } from '../../../../src/log/log-config.js';
import type { Log } from '../../../../src/log/log.js';
import { TempDirs, openTestLog } from '../log-test-kit.js';
import { appendKV } from './cleaner-kit.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

const NOW = 10_000_000;

/** Three segments of 4 one-record batches with record timestamps t0, t0+1, ...; then an active one. */
function threeSegments(config: Partial<LogConfig>, timestamps: (segment: number) => number, topic = 't'): Log {
  const log = openTestLog(dirs.make(), { tp: { topic, partition: 0 }, clock: new ManualClock(NOW), config: { cleanupPolicy: ['compact'], ...config } });
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < 4; i++) appendKV(log, [[`k${i}`, `v${s}`]], { timestamp: timestamps(s) + i });
    log.roll();
  }
  appendKV(log, [['active', 'x']], { timestamp: NOW });
  return log;
}

describe('log to clean - offsets and ratio', () => {
  it('everything below the active segment is dirty at first; the ratio counts dirty over all but the active segment', () => {
    const log = threeSegments({}, () => NOW - 1000);
    const ltc = logToClean(log, undefined, NOW, NO_TRANSACTIONS);
    expect([ltc.firstDirtyOffset, ltc.firstUncleanableOffset]).toEqual([0, 12]);
    expect(ltc.cleanBytes).toBe(0);
    expect(ltc.cleanableRatio).toBe(1);
    const later = logToClean(log, 8, NOW, NO_TRANSACTIONS);
    expect(later.firstDirtyOffset).toBe(8);
    expect(later.cleanableRatio).toBeCloseTo(1 / 3, 5);
    log.close();
  });

  it('a checkpoint beyond the log end or below the log start is reset to the log start', () => {
    const log = threeSegments({}, () => NOW);
    expect(logToClean(log, 999, NOW, NO_TRANSACTIONS)).toMatchObject({ firstDirtyOffset: 0, checkpointReset: true });
    log.maybeIncrementLogStartOffset(4);
    log.deleteOldSegments();
    expect(logToClean(log, 2, NOW, NO_TRANSACTIONS)).toMatchObject({ firstDirtyOffset: 4, checkpointReset: true });
    expect(logToClean(log, 4, NOW, NO_TRANSACTIONS)).toMatchObject({ firstDirtyOffset: 4, checkpointReset: false });
    log.close();
  });

  it('min.compaction.lag.ms: the first segment holding a record younger than the lag is not cleanable (C7)', () => {
    // segment 0 is old, segment 1 is 3 s old, segment 2 is 1 s old
    const log = threeSegments({ minCompactionLagMs: 5000 }, (s) => [NOW - 60_000, NOW - 3000, NOW - 1000][s]!);
    expect(logToClean(log, undefined, NOW, NO_TRANSACTIONS).firstUncleanableOffset).toBe(4);
    expect(logToClean(log, undefined, NOW + 2100, NO_TRANSACTIONS).firstUncleanableOffset).toBe(8);
    expect(logToClean(log, undefined, NOW + 10_000, NO_TRANSACTIONS).firstUncleanableOffset).toBe(12);
    log.close();
  });

  it('max.compaction.lag.ms: a dirty segment older than the lag makes the log due whatever its ratio (C8)', () => {
    const log = threeSegments({ maxCompactionLagMs: 2000, minCleanableDirtyRatio: 0.99 }, () => NOW - 1000);
    expect(logToClean(log, undefined, NOW, NO_TRANSACTIONS).needCompactionNow).toBe(false);
    expect(logToClean(log, undefined, NOW + 1500, NO_TRANSACTIONS).needCompactionNow).toBe(true);
    log.close();
  });
});

describe('log cleaner manager', () => {
  function managerFor(logs: Log[], dir: string): LogCleanerManager {
    return new LogCleanerManager({ logs: () => logs, logDirOf: () => dir, transactionView: () => NO_TRANSACTIONS });
  }

  it('takes the filthiest log above its ratio (strictly), or one overdue per max.compaction.lag.ms', () => {
    const dir = dirs.make();
    const half = threeSegments({ minCleanableDirtyRatio: 0.5 }, () => NOW, 'half');
    const due = threeSegments({ minCleanableDirtyRatio: 1, maxCompactionLagMs: 1000 }, () => NOW - 5000, 'due');
    const plain = threeSegments({ cleanupPolicy: ['delete'] }, () => NOW, 'plain');
    const m = managerFor([half, due, plain], dir);
    const first = m.grabFilthiestCompactedLog(NOW);
    expect(first?.log).toBe(half); // ratio 1 for both; the first one wins the tie
    expect(m.isInProgress(half.tp)).toBe(true);
    expect(m.grabFilthiestCompactedLog(NOW)?.log).toBe(due);
    expect(m.grabFilthiestCompactedLog(NOW)).toBeNull();
    for (const l of [half, due, plain]) l.close();
  });

  it('writes cleaner-offset-checkpoint after a pass, not after an abandoned one; lowers it on truncation', () => {
    const dir = dirs.make();
    const log = threeSegments({ minCleanableDirtyRatio: 0.01 }, () => NOW);
    const m = managerFor([log], dir);
    m.grabFilthiestCompactedLog(NOW);
    m.doneCleaning(log, 12);
    expect(readFileSync(join(dir, 'cleaner-offset-checkpoint'), 'utf8')).toBe('0\n1\nt 0 12\n');
    for (let i = 0; i < 4; i++) appendKV(log, [[`k${i}`, 'more']]);
    log.roll();
    expect(m.grabFilthiestCompactedLog(NOW + 1)?.firstDirtyOffset).toBe(12);
    expect(m.abortCleaning(log.tp)).toBe(true);
    m.doneCleaning(log, 13);
    expect(m.checkpointOf(dir, log.tp)).toBe(12);
    m.maybeTruncateCheckpoint(dir, log.tp, 7);
    expect(readFileSync(join(dir, 'cleaner-offset-checkpoint'), 'utf8')).toBe('0\n1\nt 0 7\n');
    m.removePartition(dir, log.tp);
    expect(readFileSync(join(dir, 'cleaner-offset-checkpoint'), 'utf8')).toBe('0\n0\n');
    log.close();
  });
});
