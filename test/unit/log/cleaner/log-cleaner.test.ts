/**
 * The LogCleaner inside a LogManager with real worker threads: passes picked by dirty ratio,
 * cleaner-offset-checkpoint, retention of compact,delete logs by the cleaner, abandoning a pass
 * on truncation, and a failing pass marking its partition uncleanable.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../../../src/common/clock.js';
import { createLogger } from '../../../../src/common/logger.js';
import { cleanerReconfigurationError, DEFAULT_CLEANER_CONFIG, type CleanerConfig } from '../../../../src/log/cleaner/log-cleaner.js';
import { logConfig, type LogConfig } from '../../../../src/log/log-config.js';
import { LogManager } from '../../../../src/log/log-manager.js';
import type { Log } from '../../../../src/log/log.js';
import { ATTRIBUTES, CRC, RECORDS } from '../../../../src/protocol/records/batch-layout.js';
import { crc32c } from '../../../../src/protocol/records/crc.js';
import { buildRecordBatch } from '../../../../src/protocol/records/record-batch-builder.js';
import { waitFor } from '../../../harness/wait-for.js';
import { TempDirs } from '../log-test-kit.js';
import { appendKV, latestByKey, readRecordsOf } from './cleaner-kit.js';

const dirs = new TempDirs();
const managers: LogManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) {
    await m.shutdownCleaner();
    m.shutdown();
  }
  dirs.cleanup();
});

const COMPACTED: Partial<LogConfig> = { cleanupPolicy: ['compact'], segmentBytes: 2048, minCleanableDirtyRatio: 0.01, retentionMs: -1 };

function manager(dir: string, cleaner: Partial<CleanerConfig> = {}, logLines?: string[]): LogManager {
  const m = new LogManager({
    logDirs: [dir],
    clock: new SystemClock(),
    ...(logLines ? { logger: createLogger({ destination: { write: (line: string) => logLines.push(line) } }) } : {}),
    cleaner: { ...DEFAULT_CLEANER_CONFIG, dedupeBufferSize: 1 << 20, backoffMs: 50, ...cleaner },
  });
  m.startup();
  managers.push(m);
  return m;
}

function fill(log: Log, keys: number, versions: number, value = 'v'.repeat(50)): void {
  for (let v = 0; v < versions; v++) for (let k = 0; k < keys; k++) appendKV(log, [[`k${k}`, `${value}-${v}`]]);
  log.roll();
  appendKV(log, [['active', 'x']]);
}

function checkpointText(dir: string): string {
  return readFileSync(join(dir, 'cleaner-offset-checkpoint'), 'utf8');
}

describe('log cleaner (worker threads)', () => {
  it('cleans a compacted log below its active segment and records the pass in cleaner-offset-checkpoint', async () => {
    const dir = dirs.make();
    const m = manager(dir);
    const log = m.getOrCreateLog({ topic: 'compacted', partition: 3 }, logConfig(COMPACTED));
    fill(log, 10, 10);
    const before = readRecordsOf(log);
    const activeBase = log.logSegments.at(-1)!.baseOffset;
    await waitFor(() => m.cleaner?.manager.checkpointOf(dir, log.tp) === activeBase, { what: 'a cleaning pass', timeoutMs: 30_000 });
    expect(checkpointText(dir)).toBe(`0\n1\ncompacted 3 ${activeBase}\n`);
    const after = readRecordsOf(log);
    expect(after.filter((r) => r.offset < activeBase)).toHaveLength(10);
    expect(latestByKey(after)).toEqual(latestByKey(before));
    expect(readdirSync(log.dir).filter((n) => /\.(cleaned|swap)$/.test(n))).toEqual([]);
  });

  it('leaves logs without compact and logs below min.cleanable.dirty.ratio alone', async () => {
    const dir = dirs.make();
    const m = manager(dir);
    const plain = m.getOrCreateLog({ topic: 'plain', partition: 0 }, logConfig({ ...COMPACTED, cleanupPolicy: ['delete'] }));
    const lazy = m.getOrCreateLog({ topic: 'lazy', partition: 0 }, logConfig({ ...COMPACTED, minCleanableDirtyRatio: 1 }));
    const busy = m.getOrCreateLog({ topic: 'busy', partition: 0 }, logConfig(COMPACTED));
    for (const log of [plain, lazy, busy]) fill(log, 5, 10);
    await waitFor(() => m.cleaner?.manager.checkpointOf(dir, busy.tp) !== undefined, { what: 'the busy log cleaned', timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 300));
    expect(checkpointText(dir)).toBe(`0\n1\nbusy 0 ${busy.logSegments.at(-1)!.baseOffset}\n`);
    expect(readRecordsOf(plain)).toHaveLength(51);
    expect(readRecordsOf(lazy)).toHaveLength(51);
  });

  it('compact,delete: the cleaner also deletes old segments by retention; the retention task leaves compacted logs to it', async () => {
    const dir = dirs.make();
    const m = manager(dir, { enable: true });
    const log = m.getOrCreateLog({ topic: 'both', partition: 0 }, logConfig({ ...COMPACTED, cleanupPolicy: ['compact', 'delete'], retentionBytes: 3000 }));
    fill(log, 40, 3);
    expect(m.cleanupLogs()).toBe(0);
    await waitFor(() => log.logStartOffset > 0 && m.cleaner?.manager.checkpointOf(dir, log.tp) !== undefined, {
      what: 'retention and compaction by the cleaner',
      timeoutMs: 30_000,
    });
    expect(log.size).toBeLessThanOrEqual(3000 + 2048);
  });

  it('a truncation during a pass abandons it (no checkpoint from it, no .cleaned file); the next pass cleans what is left', async () => {
    const dir = dirs.make();
    const lines: string[] = [];
    // ~200 KB of log read at 100 KB/s: the pass takes seconds.
    const m = manager(dir, { maxIoBytesPerSecond: 100 * 1024 }, lines);
    const log = m.getOrCreateLog({ topic: 'slow', partition: 0 }, logConfig({ ...COMPACTED, segmentBytes: 64 * 1024 }));
    fill(log, 200, 10, 'x'.repeat(80));
    const firstActive = log.logSegments.at(-1)!.baseOffset;
    await waitFor(() => m.cleaner?.isCleaning(log.tp), { what: 'the pass to start', timeoutMs: 10_000, intervalMs: 5 });
    log.truncateTo(log.logSegments[1]!.baseOffset + 3);
    const before = readRecordsOf(log);
    const aborted = await waitFor(() => lines.find((l) => l.includes('log cleaning aborted')), { what: 'the pass abandoned', timeoutMs: 20_000 });
    expect(JSON.parse(aborted)).toMatchObject({ tp: 'slow-0', component: 'log-cleaner' });
    const activeBase = log.logSegments.at(-1)!.baseOffset;
    await waitFor(() => m.cleaner?.manager.checkpointOf(dir, log.tp) === activeBase, { what: 'the next pass', timeoutMs: 20_000 });
    expect(lines.filter((l) => l.includes('log cleaner cleaned a log')).map((l) => JSON.parse(l).dirtySection)).toEqual([[0, activeBase]]);
    expect(activeBase).toBeLessThan(firstActive);
    expect(latestByKey(readRecordsOf(log))).toEqual(latestByKey(before));
    expect(readdirSync(log.dir).filter((n) => /\.(cleaned|swap)$/.test(n))).toEqual([]);
  });

  it('deleting a log during a pass abandons it quietly and drops its checkpoint entry', async () => {
    const dir = dirs.make();
    const lines: string[] = [];
    const m = manager(dir, { maxIoBytesPerSecond: 100 * 1024 }, lines);
    const other = m.getOrCreateLog({ topic: 'other', partition: 0 }, logConfig(COMPACTED));
    fill(other, 5, 5);
    await waitFor(() => m.cleaner?.manager.checkpointOf(dir, other.tp) !== undefined, { what: 'the other log cleaned', timeoutMs: 30_000 });
    const log = m.getOrCreateLog({ topic: 'doomed', partition: 0 }, logConfig({ ...COMPACTED, segmentBytes: 64 * 1024 }));
    fill(log, 200, 10, 'x'.repeat(80));
    await waitFor(() => m.cleaner?.isCleaning(log.tp), { what: 'the pass to start', timeoutMs: 10_000, intervalMs: 5 });
    expect(m.deleteLog(log.tp)).toBe(true);
    await waitFor(() => lines.some((l) => l.includes('log cleaning aborted') && l.includes('doomed-0')), { what: 'the pass abandoned', timeoutMs: 20_000 });
    expect(m.cleaner?.manager.isUncleanable(log.tp)).toBe(false);
    expect(lines.filter((l) => l.includes('"level":50'))).toEqual([]);
    expect(checkpointText(dir)).toBe(`0\n1\nother 0 ${other.logSegments.at(-1)!.baseOffset}\n`);
  });

  it('a pass that fails marks the partition uncleanable; other logs are still cleaned', async () => {
    const dir = dirs.make();
    const m = manager(dir);
    const bad = m.getOrCreateLog({ topic: 'bad', partition: 0 }, logConfig(COMPACTED));
    // A batch with a valid CRC whose records do not parse.
    const batch = buildRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: 1 }]);
    batch.fill(0x7f, RECORDS);
    batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES)), CRC);
    bad.append(batch, 0);
    fill(bad, 5, 5);
    const good = m.getOrCreateLog({ topic: 'good', partition: 0 }, logConfig(COMPACTED));
    fill(good, 5, 5);
    await waitFor(() => m.cleaner?.manager.isUncleanable(bad.tp), { what: 'bad marked uncleanable', timeoutMs: 30_000 });
    await waitFor(() => m.cleaner?.manager.checkpointOf(dir, good.tp) !== undefined, { what: 'good cleaned', timeoutMs: 30_000 });
    expect(m.cleaner?.manager.checkpointOf(dir, bad.tp)).toBeUndefined();
  });
  it('reconfigure: new threads with the new values keep cleaning; Kafka\'s bounds on the thread count refuse a change, which changes nothing', async () => {
    const dir = dirs.make();
    const m = manager(dir, { threads: 1 });
    const cleaner = m.cleaner!;
    const first = m.getOrCreateLog({ topic: 'before', partition: 0 }, logConfig(COMPACTED));
    fill(first, 10, 10);
    await waitFor(() => cleaner.manager.checkpointOf(dir, first.tp) !== undefined, { what: 'a pass before the change', timeoutMs: 30_000 });

    await expect(m.reconfigureCleaner({ ...cleaner.currentConfig, threads: 3 })).rejects.toThrow(/more than double the current value 1/);
    expect(cleaner.currentConfig.threads).toBe(1);
    await m.reconfigureCleaner({ ...cleaner.currentConfig, threads: 2, backoffMs: 20 });
    expect(cleaner.currentConfig).toMatchObject({ threads: 2, backoffMs: 20 });
    await expect(m.reconfigureCleaner({ ...cleaner.currentConfig, threads: 0 })).rejects.toThrow(/at least 1/);
    // overlapping changes apply one after the other (the last one wins, no second set of threads)
    await Promise.all([m.reconfigureCleaner({ ...cleaner.currentConfig, threads: 3 }), m.reconfigureCleaner({ ...cleaner.currentConfig, threads: 4 })]);
    expect(cleaner.currentConfig.threads).toBe(4);
    await m.reconfigureCleaner({ ...cleaner.currentConfig, threads: 2 });

    const second = m.getOrCreateLog({ topic: 'after', partition: 0 }, logConfig(COMPACTED));
    fill(second, 10, 10);
    await waitFor(() => cleaner.manager.checkpointOf(dir, second.tp) === second.logSegments.at(-1)!.baseOffset, { what: 'a pass by the new threads', timeoutMs: 30_000 });
    expect(readRecordsOf(second).filter((r) => r.offset < second.logSegments.at(-1)!.baseOffset)).toHaveLength(10);
  });

  it('cleanerReconfigurationError: thread count at most halved or doubled, at least 1; a dedupe buffer holding one entry per thread', () => {
    const base = { ...DEFAULT_CLEANER_CONFIG, threads: 4 };
    expect(cleanerReconfigurationError(base, { ...base, threads: 2 })).toBeNull();
    expect(cleanerReconfigurationError(base, { ...base, threads: 8 })).toBeNull();
    expect(cleanerReconfigurationError(base, { ...base, threads: 1 })).toMatch(/less than half the current value 4/);
    expect(cleanerReconfigurationError(base, { ...base, threads: 9 })).toMatch(/more than double/);
    expect(cleanerReconfigurationError(base, { ...base, dedupeBufferSize: 64 })).toMatch(/dedupe.buffer.size is too small/);
  });
});
