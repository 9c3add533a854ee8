import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from '../../../src/log/log.js';
import { logConfig } from '../../../src/log/log-config.js';
import { TempDirs, buildBatch, openTestLog, simpleBatch } from './log-test-kit.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
}

describe('log - flush and recovery point', () => {
  it('flush() moves the recovery point to the log end', () => {
    const log = openTestLog(dirs.make());
    for (let i = 0; i < 3; i++) log.append(simpleBatch(2, 10, 0), 0);
    expect(log.recoveryPoint).toBe(0);
    log.flush();
    expect(log.recoveryPoint).toBe(6);
    log.close();
  });

  it('flush.messages flushes once that many offsets are unflushed', () => {
    const log = openTestLog(dirs.make(), { config: { flushMessages: 5 } });
    log.append(simpleBatch(3, 10, 0), 0);
    expect(log.recoveryPoint).toBe(0);
    log.append(simpleBatch(3, 10, 0), 0);
    expect(log.recoveryPoint).toBe(6);
    log.close();
  });

  it('flush.ms flushes when the last flush is older, by the injected clock', () => {
    const clock = new ManualClock(0);
    const log = openTestLog(dirs.make(), { clock, config: { flushMs: 1000 } });
    log.append(simpleBatch(1, 10, 0), 0);
    clock.advance(999);
    expect(log.maybeFlushByTime()).toBe(false);
    clock.advance(1);
    expect(log.maybeFlushByTime()).toBe(true);
    expect(log.recoveryPoint).toBe(1);
    expect(log.maybeFlushByTime()).toBe(false);
    log.close();
  });

  it('a roll fsyncs the old segment in the background, then moves the recovery point to the new base', async () => {
    const log = openTestLog(dirs.make());
    log.append(simpleBatch(4, 10, 0), 0);
    log.roll();
    log.append(simpleBatch(1, 10, 0), 0);
    await until(() => log.recoveryPoint === 4);
    expect(log.recoveryPoint).toBe(4);
    log.close();
  });
});

describe('log - offsets by timestamp and config', () => {
  it('answers earliest, latest and by-timestamp lookups with leader epochs', () => {
    const log = openTestLog(dirs.make());
    log.append(buildBatch({ timestamps: [100, 300], valueSize: 5 }), 1);
    log.append(buildBatch({ timestamps: [200, 250], valueSize: 5 }), 2);
    log.append(buildBatch({ timestamps: [400], valueSize: 5 }), 2);
    expect(log.fetchOffsetByTimestamp(EARLIEST_TIMESTAMP)).toEqual({ timestamp: -1, offset: 0, leaderEpoch: 1 });
    expect(log.fetchOffsetByTimestamp(LATEST_TIMESTAMP)).toEqual({ timestamp: -1, offset: 5, leaderEpoch: 2 });
    expect(log.fetchOffsetByTimestamp(250)).toEqual({ timestamp: 300, offset: 0, leaderEpoch: 1 });
    expect(log.fetchOffsetByTimestamp(301)).toEqual({ timestamp: 400, offset: 4, leaderEpoch: 2 });
    expect(log.fetchOffsetByTimestamp(401)).toBeNull();
    log.maybeIncrementLogStartOffset(1);
    expect(log.fetchOffsetByTimestamp(250)).toEqual({ timestamp: 300, offset: 1, leaderEpoch: 1 });
    log.close();
  });

  it('reports logAppendTime under LogAppendTime and applies a new config from the next append', () => {
    const clock = new ManualClock(12345);
    const log = openTestLog(dirs.make(), { clock, config: { messageTimestampType: 'LogAppendTime' } });
    expect(log.append(simpleBatch(1, 10, 0), 0).logAppendTime).toBe(12345);
    const size = simpleBatch(1, 10, 0).length;
    log.updateConfig(logConfig({ segmentBytes: size * 2 }));
    log.append(simpleBatch(1, 10, 0), 0);
    log.append(simpleBatch(1, 10, 0), 0);
    expect(log.segmentBaseOffsets).toEqual([0, 2]);
    expect(log.append(simpleBatch(1, 10, 0), 0).logAppendTime).toBe(-1);
    log.close();
  });

  it('truncateFullyAndStartAt empties the log and restarts it at the new offset', () => {
    const log = openTestLog(dirs.make());
    for (let i = 0; i < 3; i++) log.append(simpleBatch(2, 10, 0), 3);
    log.truncateFullyAndStartAt(100);
    expect([log.logStartOffset, log.logEndOffset, log.recoveryPoint]).toEqual([100, 100, 100]);
    expect(log.leaderEpochCache.entries).toEqual([]);
    expect(log.append(simpleBatch(1, 10, 0), 4).firstOffset).toBe(100);
    log.close();
  });
});
