import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { TempDirs, openTestLog, simpleBatch, splitBatches } from './log-test-kit.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

function files(dir: string): string[] {
  return readdirSync(dir).filter((n) => /^\d{20}\./.test(n)).sort();
}

describe('log - segment roll', () => {
  it('rolls on segment.bytes; offsets continue; files are named by the 20-digit base offset; a producer snapshot at each new base', () => {
    const dir = dirs.make();
    const batch = simpleBatch(4, 200, 0);
    const log = openTestLog(dir, { config: { segmentBytes: batch.length * 3 } });
    for (let i = 0; i < 7; i++) log.append(simpleBatch(4, 200, 0), 0);
    expect(log.segmentBaseOffsets).toEqual([0, 12, 24]);
    expect(files(dir)).toEqual([
      '00000000000000000000.index',
      '00000000000000000000.log',
      '00000000000000000000.timeindex',
      '00000000000000000012.index',
      '00000000000000000012.log',
      '00000000000000000012.snapshot',
      '00000000000000000012.timeindex',
      '00000000000000000024.index',
      '00000000000000000024.log',
      '00000000000000000024.snapshot',
      '00000000000000000024.timeindex',
    ]);
    expect(statSync(join(dir, '00000000000000000012.log')).size).toBe(batch.length * 3);
    for (let offset = 0; offset < 28; offset += 3) {
      expect(splitBatches(log.read(offset, 1 << 20))[0]?.baseOffset).toBe(offset - (offset % 4));
    }
    log.close();
  });

  it('refuses a set larger than segment.bytes with RECORD_LIST_TOO_LARGE', () => {
    const log = openTestLog(dirs.make(), { config: { segmentBytes: 200 } });
    expect(() => log.append(simpleBatch(1, 300, 0), 0)).toThrow(expect.objectContaining({ code: ErrorCode.RecordListTooLarge }));
    log.close();
  });

  it('rolls on segment.ms by the injected clock, counted from the first append', () => {
    const clock = new ManualClock(0);
    const log = openTestLog(dirs.make(), { clock, config: { segmentMs: 1000 } });
    clock.advance(5000); // an empty segment's age does not count
    log.append(simpleBatch(1, 10, 0), 0);
    clock.advance(1000);
    log.append(simpleBatch(1, 10, 0), 0);
    expect(log.numberOfSegments).toBe(1);
    clock.advance(1);
    log.append(simpleBatch(1, 10, 0), 0);
    expect(log.segmentBaseOffsets).toEqual([0, 2]);
    log.close();
  });

  it('rolls when the offset index is full', () => {
    const dir = dirs.make();
    // 3 entries of 8 bytes; one entry per append once > 10 bytes were written since the last.
    const log = openTestLog(dir, { config: { segmentIndexBytes: 24, indexIntervalBytes: 10 } });
    for (let i = 0; i < 9; i++) log.append(simpleBatch(1, 20, 0), 0);
    expect(log.segmentBaseOffsets).toEqual([0, 4, 8]);
    // The rolled segment's index was trimmed to its entries; the active one stays preallocated.
    expect(statSync(join(dir, '00000000000000000000.index')).size).toBe(24);
    expect(statSync(join(dir, '00000000000000000008.index')).size).toBe(24);
    log.close();
    expect(statSync(join(dir, '00000000000000000008.index')).size).toBe(0);
  });

  it('preallocates the active indexes to segment.index.bytes and trims them on roll', () => {
    const dir = dirs.make();
    // Batches of ~270 bytes: an index entry at appends 3 and 5 (> 500 bytes since the last one).
    const log = openTestLog(dir, { config: { segmentIndexBytes: 4096, indexIntervalBytes: 500 } });
    expect(statSync(join(dir, '00000000000000000000.index')).size).toBe(4096);
    expect(statSync(join(dir, '00000000000000000000.timeindex')).size).toBe(4092);
    for (let i = 0; i < 6; i++) log.append(simpleBatch(1, 200, 1000 + i), 0);
    log.roll();
    expect(statSync(join(dir, '00000000000000000000.index')).size).toBe(2 * 8);
    // Two entries written with the offset index, plus the final largest timestamp on roll.
    const timeindex = readFileSync(join(dir, '00000000000000000000.timeindex'));
    expect(timeindex.length).toBe(3 * 12);
    expect(Number(timeindex.readBigInt64BE(24))).toBe(1005);
    expect(timeindex.readInt32BE(32)).toBe(5);
    expect(statSync(join(dir, '00000000000000000006.index')).size).toBe(4096);
    log.close();
  });
});
