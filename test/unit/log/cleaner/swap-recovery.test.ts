/**
 * Crash safety of the segment swap (reference transactions-and-compaction.md §3.8): a pass is
 * interrupted after each step of a group's swap (`.cleaned` written, renamed `.swap`, old files
 * `.deleted`, final names), the process "dies" (no close, no cleanup), and the log is reopened
 * with full recovery. Nothing may be lost and no offset may appear twice; a group whose `.swap`
 * existed is swapped in, one that only had `.cleaned` files is not. Plus crafted directories for
 * the loader's rules (KAFKA-6264, orphans, stray temporary files).
 */
import { cpSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/common/clock.js';
import { Cleaner, type CleanedGroup } from '../../../../src/log/cleaner/cleaner.js';
import { cleanJobFor, logToClean, NO_TRANSACTIONS } from '../../../../src/log/cleaner/log-to-clean.js';
import { FileHandlePool } from '../../../../src/log/file-handle-pool.js';
import type { Log, SwapStep } from '../../../../src/log/log.js';
import { TempDirs, openTestLog } from '../log-test-kit.js';
import { appendKV, cleanOnce, latestByKey, readRecordsOf, type ReadRecord } from './cleaner-kit.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

const CONFIG = { cleanupPolicy: ['compact' as const], segmentBytes: 700, deleteRetentionMs: 1000, fileDeleteDelayMs: 60_000 };

function open(dir: string, pool = new FileHandlePool(64)): Log {
  return openTestLog(dir, { config: CONFIG, pool, clock: new ManualClock(Date.now()), hadCleanShutdown: false, recoveryPoint: 0 });
}

/** Six-ish full segments of 8 keys overwritten again and again, plus an active segment. */
function build(dir: string): Log {
  const log = open(dir);
  for (let i = 0; i < 60; i++) appendKV(log, [[`k${i % 8}`, `value-${i}-${'x'.repeat(40)}`]]);
  log.roll();
  appendKV(log, [['active', 'a']]);
  return log;
}

class SimulatedCrash extends Error {}

/**
 * Run a pass that swaps groups normally until group `crashGroup`, which stops right after `step`
 * ('cleaned' = before any rename). Returns the groups' base offsets once the "crash" happened.
 */
async function crashingPass(log: Log, pool: FileHandlePool, step: 'cleaned' | SwapStep, crashGroup: number): Promise<number[]> {
  const ltc = logToClean(log, undefined, Date.now(), NO_TRANSACTIONS);
  const cleaner = new Cleaner({ mapMemory: 1 << 20, loadFactor: 0.9, ioBufferSize: 64 * 1024 });
  const bases: number[] = [];
  return new Promise<number[]>((resolve, reject) => {
    const swap = (group: CleanedGroup): boolean | Promise<boolean> => {
      bases.push(group.baseOffset);
      const old = log.logSegments.filter((s) => group.sources.includes(s.baseOffset));
      if (bases.length - 1 < crashGroup) {
        log.replaceSegments(group.baseOffset, old);
        return true;
      }
      if (step !== 'cleaned') {
        try {
          log.replaceSegments(group.baseOffset, old, (s) => {
            if (s === step) throw new SimulatedCrash();
          });
        } catch {
          // the process dies here
        }
      }
      pool.closeAll();
      resolve(bases);
      return new Promise<boolean>(() => {}); // never answered: the process is gone
    };
    cleaner.clean(cleanJobFor(ltc, NO_TRANSACTIONS), swap).then(() => reject(new Error(`no crash: only ${bases.length} groups`)), reject);
  });
}

function assertSane(recs: readonly ReadRecord[]): void {
  for (let i = 1; i < recs.length; i++) expect(recs[i]!.offset).toBeGreaterThan(recs[i - 1]!.offset);
}

function tempFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => /\.(cleaned|swap|deleted)$/.test(n));
}

describe('cleaner - a crash at each step of a swap, then recovery', () => {
  for (const step of ['cleaned', 'swap', 'deleted', 'renamed'] as const) {
    for (const crashGroup of [0, 2]) {
      it(`crash after "${step}" of group ${crashGroup}: nothing lost, nothing duplicated`, async () => {
        const dir = dirs.make();
        const pool = new FileHandlePool(64);
        const log = openTestLog(dir, { config: CONFIG, pool });
        for (let i = 0; i < 60; i++) appendKV(log, [[`k${i % 8}`, `value-${i}-${'x'.repeat(40)}`]]);
        log.roll();
        appendKV(log, [['active', 'a']]);
        const before = readRecordsOf(log);
        // The reference: the same pass, uninterrupted, on a copy.
        const copy = dirs.make();
        cpSync(dir, copy, { recursive: true });
        const referenceLog = open(copy);
        await cleanOnce(referenceLog);
        const reference = readRecordsOf(referenceLog);
        referenceLog.close();

        const bases = await crashingPass(log, pool, step, crashGroup);
        expect(bases.length).toBe(crashGroup + 1);
        const recovered = open(dir);
        const recs = readRecordsOf(recovered);
        assertSane(recs);
        expect(latestByKey(recs)).toEqual(latestByKey(before));
        // Groups before the crashed one, and the crashed one unless only `.cleaned` existed, are cleaned.
        const cleanedUpTo = step === 'cleaned' ? bases[crashGroup]! : (bases[crashGroup + 1] ?? recovered.logSegments[crashGroup + 1]!.baseOffset);
        const inRange = (r: ReadRecord): boolean => r.offset < cleanedUpTo;
        expect(recs.filter(inRange)).toEqual(reference.filter(inRange));
        expect(recs.filter((r) => !inRange(r))).toEqual(before.filter((r) => !inRange(r)));
        expect(tempFiles(dir)).toEqual([]);
        expect(recovered.logEndOffset).toBe(61);
        recovered.close();
      });
    }
  }
});

describe('log loader - files of interrupted swaps', () => {
  it('removes stray .deleted and .cleaned files and orphan indexes; the log is intact', () => {
    const dir = dirs.make();
    const log = build(dir);
    const before = readRecordsOf(log);
    log.close();
    writeFileSync(join(dir, '00000000000000000000.log.cleaned'), 'partial');
    writeFileSync(join(dir, '00000000000000000000.index.cleaned'), '');
    writeFileSync(join(dir, '00000000000000000003.log.deleted'), 'old');
    writeFileSync(join(dir, '00000000000000000003.timeindex.deleted'), '');
    writeFileSync(join(dir, '00000000000000999999.index'), Buffer.alloc(8));
    const reopened = open(dir);
    expect(readRecordsOf(reopened)).toEqual(before);
    expect(tempFiles(dir)).toEqual([]);
    expect(existsSync(join(dir, '00000000000000999999.index'))).toBe(false);
    reopened.close();
  });

  it('deletes a .swap at or above the smallest .cleaned base offset (an unfinished rename sequence, KAFKA-6264)', () => {
    const dir = dirs.make();
    const log = build(dir);
    const before = readRecordsOf(log);
    const second = log.logSegments[1]!.baseOffset;
    log.close();
    // Looks like a segment, named .swap, above a .cleaned one: must not replace anything.
    cpSync(join(dir, `${String(second).padStart(20, '0')}.log`), join(dir, `${String(second).padStart(20, '0')}.log.swap`));
    writeFileSync(join(dir, '00000000000000000000.log.cleaned'), '');
    const reopened = open(dir);
    expect(readRecordsOf(reopened)).toEqual(before);
    expect(tempFiles(dir)).toEqual([]);
    reopened.close();
  });

  it('an index .swap without its log .swap (the log already renamed) only costs an index rebuild', () => {
    const dir = dirs.make();
    const log = build(dir);
    const before = readRecordsOf(log);
    log.close();
    const name = '00000000000000000000';
    cpSync(join(dir, `${name}.index`), join(dir, `${name}.index.swap`));
    cpSync(join(dir, `${name}.timeindex`), join(dir, `${name}.timeindex.swap`));
    const reopened = open(dir);
    expect(readRecordsOf(reopened)).toEqual(before);
    expect(tempFiles(dir)).toEqual([]);
    expect(reopened.numberOfSegments).toBe(log.numberOfSegments);
    reopened.close();
  });
});
