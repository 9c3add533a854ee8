import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Compression } from '../../../../src/protocol/records/batch-layout.js';
import { TempDirs, openTestLog } from '../log-test-kit.js';
import { appendKV, cleanOnce, latestByKey, readLog, readRecordsOf, setSegmentMtimes, type KV } from './cleaner-kit.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

const COMPACT = { cleanupPolicy: ['compact' as const], segmentBytes: 600, deleteRetentionMs: 1000 };

describe('cleaner - one pass on a model log', () => {
  it('keeps the latest record of every key at its original offset, below the active segment only', async () => {
    const log = openTestLog(dirs.make(), { config: COMPACT });
    for (let v = 0; v < 20; v++) for (let k = 0; k < 5; k++) appendKV(log, [[`k${k}`, `v${v}`]]);
    const before = readRecordsOf(log);
    const leo = log.logEndOffset;
    const activeBase = log.logSegments.at(-1)!.baseOffset;
    const result = await cleanOnce(log);
    expect(result?.endOffset).toBe(activeBase);
    const after = readRecordsOf(log);
    // Below the active segment: one record per key, the latest of those below it, same offset and value.
    const cleanedPart = after.filter((r) => r.offset < activeBase);
    const expected = latestByKey(before.filter((r) => r.offset < activeBase));
    expect(new Map(cleanedPart.map((r) => [r.key!, [r.offset, r.value]]))).toEqual(expected);
    expect(cleanedPart).toHaveLength(expected.size);
    // The active segment is untouched, and so are the log's offsets.
    expect(after.filter((r) => r.offset >= activeBase)).toEqual(before.filter((r) => r.offset >= activeBase));
    expect(log.logEndOffset).toBe(leo);
    expect(log.logStartOffset).toBe(0);
    // Every reader sees the latest value of every key.
    expect(latestByKey(after)).toEqual(latestByKey(before));
    expect(readdirSync(log.dir).filter((n) => /\.(cleaned|swap)$/.test(n))).toEqual([]);
    log.close();
  });
});
