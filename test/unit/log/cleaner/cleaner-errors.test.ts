/**
 * The cleaner's error paths: a corrupt batch length fails the pass and leaves no `.cleaned` file;
 * the worker thread's own errors and a shutdown reach the caller of CleanerThread.run; a
 * cleaner-offset-checkpoint that cannot be written reports its dir; a dedupe buffer too small for
 * one key refuses to start.
 */
import { mkdirSync, openSync, readdirSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../../../src/common/clock.js';
import { Cleaner, CleaningAbortedError, type CleanJob } from '../../../../src/log/cleaner/cleaner.js';
import { CleanerThread } from '../../../../src/log/cleaner/cleaner-thread.js';
import { DEFAULT_CLEANER_CONFIG } from '../../../../src/log/cleaner/log-cleaner.js';
import { LogCleanerManager } from '../../../../src/log/cleaner/log-cleaner-manager.js';
import { cleanJobFor, logToClean, NO_TRANSACTIONS } from '../../../../src/log/cleaner/log-to-clean.js';
import { LogManager } from '../../../../src/log/log-manager.js';
import { ErrorCode } from '../../../../src/protocol/error-codes.js';
import { TempDirs, openTestLog } from '../log-test-kit.js';
import { appendKV } from './cleaner-kit.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

const COMPACT = { cleanupPolicy: ['compact' as const], segmentBytes: 600 };

function dirtyLog() {
  const log = openTestLog(dirs.make(), { config: COMPACT });
  for (let i = 0; i < 40; i++) appendKV(log, [[`k${i % 4}`, `v${i}`]]);
  log.roll();
  appendKV(log, [['active', 'x']]);
  return log;
}

describe('cleaner - errors', () => {
  it('a batch whose length runs past its segment fails the pass with CORRUPT_MESSAGE and leaves no .cleaned file', async () => {
    const log = dirtyLog();
    const first = log.logSegments[0]!;
    const fd = openSync(first.file, 'r+');
    const huge = Buffer.alloc(4);
    huge.writeInt32BE(1 << 20);
    writeSync(fd, huge, 0, 4, 8); // the first batch's length field
    closeSync(fd);
    const job = cleanJobFor(logToClean(log, undefined, Date.now(), NO_TRANSACTIONS), NO_TRANSACTIONS);
    const cleaner = new Cleaner({ mapMemory: 1 << 20, loadFactor: 0.9, ioBufferSize: 64 * 1024 });
    await expect(cleaner.clean(job, () => true)).rejects.toMatchObject({ code: ErrorCode.CorruptMessage });
    expect(readdirSync(log.dir).filter((n) => n.endsWith('.cleaned'))).toEqual([]);
    log.close();
  });

  it("CleanerThread: the worker's error rejects the pass; shutdown rejects a pass in progress with CleaningAbortedError", async () => {
    const thread = new CleanerThread(0, { mapMemory: 1 << 20, loadFactor: 0.9, ioBufferSize: 64 * 1024, maxIoBytesPerSecond: Number.POSITIVE_INFINITY });
    try {
      const log = dirtyLog();
      const job = cleanJobFor(logToClean(log, undefined, Date.now(), NO_TRANSACTIONS), NO_TRANSACTIONS);
      const missing: CleanJob = { ...job, dir: join(log.dir, 'no-such-dir') };
      await expect(thread.run(missing, () => true)).rejects.toThrow(/ENOENT/);
      // Shut down while the worker waits for its first segment group to be swapped in: a point
      // inside the pass that does not depend on how fast the machine is.
      let stopping: Promise<void> | null = null;
      const outcome = thread
        .run(job, () => {
          stopping ??= thread.shutdown();
          return false;
        })
        .then(
          () => null,
          (err: unknown) => err,
        );
      expect(await outcome).toBeInstanceOf(CleaningAbortedError);
      expect(stopping).not.toBeNull();
      await stopping;
      log.close();
    } finally {
      await thread.shutdown();
    }
  });

  it('a cleaner-offset-checkpoint that cannot be written reports its log dir', () => {
    const log = dirtyLog();
    const dir = dirs.make();
    mkdirSync(join(dir, 'cleaner-offset-checkpoint', 'in-the-way'), { recursive: true });
    const failed: string[] = [];
    const m = new LogCleanerManager({ logs: () => [log], logDirOf: () => dir, transactionView: () => NO_TRANSACTIONS, onDirFailure: (d) => failed.push(d) });
    m.grabFilthiestCompactedLog(Date.now());
    m.doneCleaning(log, 10);
    expect(failed).toEqual([dir]);
    log.close();
  });

  it('refuses to start with a dedupe buffer that cannot hold one key per thread', () => {
    const make = (dedupeBufferSize: number, threads: number) =>
      new LogManager({ logDirs: [dirs.make()], clock: new SystemClock(), cleaner: { ...DEFAULT_CLEANER_CONFIG, dedupeBufferSize, threads } });
    expect(() => make(40, 1)).toThrow(/log.cleaner.dedupe.buffer.size is too small/);
    expect(() => make(1 << 20, 0)).not.toThrow();
  });
});
