import { appendFileSync, existsSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Log } from '../../../src/log/log.js';
import { TempDirs, openTestLog, prng, simpleBatch, splitBatches, type TestLogOptions } from './log-test-kit.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

const SEG0 = '00000000000000000000';

/** Every batch in the log, read through read() segment by segment. */
function readAll(log: Log): Buffer[] {
  const out: Buffer[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const batches = splitBatches(log.read(offset, 1 << 30));
    if (batches.length === 0) throw new Error(`no progress at ${offset}`);
    for (const b of batches) out.push(Buffer.from(b.bytes));
    offset = (batches.at(-1)?.lastOffset ?? offset) + 1;
  }
  return out;
}

/** Write `count` batches of varied sizes and close without the clean-shutdown marker. */
function writeLog(dir: string, count: number, opts: TestLogOptions = {}): { written: Buffer[]; positions: number[] } {
  const rnd = prng(count);
  const log = openTestLog(dir, { ...opts, config: { indexIntervalBytes: 512, ...opts.config } });
  const written: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const batch = simpleBatch(1 + Math.floor(rnd() * 5), 20 + Math.floor(rnd() * 400), 1000 + i, 0x41 + (i % 26));
    log.append(batch, 1);
    written.push(Buffer.from(batch));
  }
  log.close();
  const positions: number[] = [];
  let pos = 0;
  for (const b of written) {
    positions.push(pos);
    pos += b.length;
  }
  return { written, positions };
}

function expectPrefix(log: Log, written: Buffer[], keep: number): void {
  const got = readAll(log);
  expect(got.length).toBe(keep);
  for (let i = 0; i < keep; i++) expect(got[i]?.equals(written[i] as Buffer)).toBe(true);
  const last = splitBatches(written[keep - 1] ?? Buffer.alloc(0)).at(-1);
  expect(log.logEndOffset).toBe(last ? last.lastOffset + 1 : 0);
}

describe('log - recovery', () => {
  it('truncates a torn last batch, at every byte offset inside it, and keeps every whole batch', () => {
    const dir = dirs.make();
    const { written, positions } = writeLog(dir, 6);
    const logFile = join(dir, `${SEG0}.log`);
    const original = readFileSync(logFile);
    const lastStart = positions[5] as number;
    for (let cut = lastStart + 1; cut < original.length; cut += 7) {
      writeFileSync(logFile, original.subarray(0, cut));
      const log = openTestLog(dir);
      expectPrefix(log, written, 5);
      expect(statSync(logFile).size).toBe(lastStart);
      log.close();
    }
  });

  it('removes garbage appended to the .log and .index and reads back exactly what was written', () => {
    const dir = dirs.make();
    const { written } = writeLog(dir, 40);
    appendFileSync(join(dir, `${SEG0}.log`), Buffer.from('garbage garbage garbage, and more garbage bytes'));
    appendFileSync(join(dir, `${SEG0}.index`), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9, 9, 9, 9, 9]));
    const log = openTestLog(dir);
    expectPrefix(log, written, 40);
    log.append(simpleBatch(1, 10, 5), 1); // still appendable after recovery
    log.close();
    const again = openTestLog(dir);
    expect(readAll(again).length).toBe(41);
    again.close();
  });

  it('truncates from a corrupt CRC in the unflushed region, deleting later segments', () => {
    const dir = dirs.make();
    const sizeLimit = 3000;
    const { written } = writeLog(dir, 30, { config: { segmentBytes: sizeLimit } });
    const segments = readdirSync(dir).filter((n) => n.endsWith('.log')).sort();
    expect(segments.length).toBeGreaterThan(3);
    const victim = segments[2] as string;
    const k = written.findIndex((b) => Number(b.readBigInt64BE(0)) === Number(victim.slice(0, 20)));
    const path = join(dir, victim);
    const bytes = readFileSync(path);
    const inner = 70; // inside the records of the segment's first batch (k)
    expect(inner).toBeLessThan((written[k] as Buffer).length);
    bytes[inner] = (bytes[inner] ?? 0) ^ 0x5a;
    writeFileSync(path, bytes);
    const log = openTestLog(dir, { config: { segmentBytes: sizeLimit } });
    expectPrefix(log, written, k);
    expect(log.numberOfSegments).toBe(3);
    log.close();
  });

  it('trusts segments below the recovery point (no CRC check), like Kafka', () => {
    const dir = dirs.make();
    const { written } = writeLog(dir, 10, { config: { segmentBytes: 2500 } });
    const path = join(dir, `${SEG0}.log`);
    const bytes = readFileSync(path);
    bytes[100] = (bytes[100] ?? 0) ^ 0xff; // inside the first batch's records
    writeFileSync(path, bytes);
    const log = openTestLog(dir, { recoveryPoint: 10_000, config: { segmentBytes: 2500 } });
    expect(readAll(log).length).toBe(written.length);
    log.close();
  });

  it('rebuilds a missing index and time index even after a clean shutdown', () => {
    const dir = dirs.make();
    const { written } = writeLog(dir, 50);
    const indexBefore = readFileSync(join(dir, `${SEG0}.index`));
    expect(indexBefore.length).toBeGreaterThan(0);
    rmSync(join(dir, `${SEG0}.index`));
    rmSync(join(dir, `${SEG0}.timeindex`));
    const log = openTestLog(dir, { hadCleanShutdown: true, config: { indexIntervalBytes: 512 } });
    expectPrefix(log, written, 50);
    expect(log.offsetForTimestamp(1020)?.offset).toBe(firstBatchAtOrAfter(written, 1020));
    log.close();
    expect(readFileSync(join(dir, `${SEG0}.index`)).equals(indexBefore)).toBe(true);
  });

  it.each([
    ['two spaces', Buffer.from('  ')],
    ['a position past the log', Buffer.from([0, 0, 0, 5, 0x7f, 0, 0, 0])],
    ['decreasing entries', Buffer.from([0, 0, 0, 9, 0, 0, 9, 0, 0, 0, 0, 5, 0, 0, 8, 0])],
  ])('rebuilds a corrupt index (%s)', (_, content) => {
    const dir = dirs.make();
    const { written } = writeLog(dir, 50);
    writeFileSync(join(dir, `${SEG0}.index`), content);
    const log = openTestLog(dir, { hadCleanShutdown: true });
    expectPrefix(log, written, 50);
    for (let i = 0; i < 50; i += 7) {
      expect(splitBatches(log.read(offsetOfBatch(written, i), 1))[0]?.bytes.equals(written[i] as Buffer)).toBe(true);
    }
    log.close();
  });

  it('rebuilds a corrupt time index', () => {
    const dir = dirs.make();
    const { written } = writeLog(dir, 50);
    writeFileSync(join(dir, `${SEG0}.timeindex`), Buffer.alloc(12, 0xff));
    const log = openTestLog(dir, { hadCleanShutdown: true });
    for (let ts = 990; ts < 1060; ts += 3) expect(log.offsetForTimestamp(ts)?.offset).toBe(firstBatchAtOrAfter(written, ts));
    log.close();
  });

  it('deletes orphan index files and leftover .deleted/.cleaned/.swap/.tmp files; a second open is a no-op', () => {
    const dir = dirs.make();
    const { written } = writeLog(dir, 5);
    for (const name of ['00000000000000000777.index', '00000000000000000777.timeindex', `${SEG0}.log.deleted`, `${SEG0}.log.cleaned`, `${SEG0}.log.swap`, 'leader-epoch-checkpoint.tmp']) {
      writeFileSync(join(dir, name), 'x');
    }
    const log = openTestLog(dir);
    log.close();
    // The producer snapshot at the log end is close()'s (Kafka's Log.close).
    expect(readdirSync(dir).sort()).toEqual([`${SEG0}.index`, `${SEG0}.log`, `${SEG0}.timeindex`, '00000000000000000016.snapshot', 'leader-epoch-checkpoint']);
    const logBytes = readFileSync(join(dir, `${SEG0}.log`));
    const again = openTestLog(dir);
    expectPrefix(again, written, 5);
    again.close();
    expect(readFileSync(join(dir, `${SEG0}.log`)).equals(logBytes)).toBe(true);
    expect(existsSync(join(dir, '00000000000000000777.index'))).toBe(false);
  });

  it('restarts at the log start offset when the log ends below it', () => {
    const dir = dirs.make();
    writeLog(dir, 3);
    const log = openTestLog(dir, { logStartOffset: 100 });
    expect(log.logStartOffset).toBe(100);
    expect(log.logEndOffset).toBe(100);
    expect(log.segmentBaseOffsets).toEqual([100]);
    log.close();
  });

  it('truncates a zero-filled tail (preallocated or lost pages)', () => {
    const dir = dirs.make();
    const { written } = writeLog(dir, 8);
    appendFileSync(join(dir, `${SEG0}.log`), Buffer.alloc(4096));
    const log = openTestLog(dir);
    expectPrefix(log, written, 8);
    log.close();
    truncateSync(join(dir, `${SEG0}.log`), 0);
    const empty = openTestLog(dir);
    expect(empty.logEndOffset).toBe(0);
    empty.close();
  });
});

/** Base offset of the first written batch whose maxTimestamp ≥ ts (the model's answer). */
function firstBatchAtOrAfter(written: Buffer[], ts: number): number | undefined {
  const batch = written.find((b) => Number(b.readBigInt64BE(35)) >= ts);
  return batch ? Number(batch.readBigInt64BE(0)) : undefined;
}

function offsetOfBatch(written: Buffer[], i: number): number {
  return Number((written[i] as Buffer).readBigInt64BE(0));
}
