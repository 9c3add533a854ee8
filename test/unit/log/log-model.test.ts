/**
 * Model test: random appends, reads, timestamp lookups, truncations, log-start moves, retention
 * and reopens (clean and unclean) against a sorted in-memory array of batches.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { FileHandlePool } from '../../../src/log/file-handle-pool.js';
import type { Log } from '../../../src/log/log.js';
import { TempDirs, buildBatch, openTestLog, prng, splitBatches } from './log-test-kit.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

interface ModelBatch {
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  bytes: Buffer;
}

const CONFIG = { segmentBytes: 16 * 1024, indexIntervalBytes: 1024, segmentIndexBytes: 4096, retentionMs: -1 };

class Harness {
  batches: ModelBatch[] = [];
  epochs: Array<{ epoch: number; start: number }> = [];
  epoch = 0;
  log: Log;
  private readonly clock = new ManualClock(0);
  // A tiny pool so descriptors are evicted and reopened all the time.
  private readonly pool = new FileHandlePool(3);

  constructor(
    private readonly dir: string,
    private readonly rnd: () => number,
  ) {
    this.log = this.open(false);
  }

  open(clean: boolean): Log {
    return openTestLog(this.dir, { clock: this.clock, pool: this.pool, config: CONFIG, hadCleanShutdown: clean, recoveryPoint: clean ? undefined : 0 });
  }

  int(n: number): number {
    return Math.floor(this.rnd() * n);
  }

  append(): void {
    if (this.rnd() < 0.1) this.epoch++;
    const count = 1 + this.int(6);
    const valueSize = this.rnd() < 0.2 ? 1000 + this.int(1500) : 10 + this.int(200);
    const timestamps = Array.from({ length: count }, () => 1000 + this.int(100_000));
    const batch = buildBatch({ timestamps, valueSize, fill: this.int(256) });
    const expectedFirst = this.logEndOffset;
    const info = this.log.append(batch, this.epoch);
    expect(info.firstOffset).toBe(expectedFirst);
    this.batches.push({ baseOffset: info.firstOffset, lastOffset: info.lastOffset, maxTimestamp: Math.max(...timestamps), bytes: Buffer.from(batch) });
    if (this.epochs.at(-1)?.epoch !== this.epoch) this.epochs.push({ epoch: this.epoch, start: info.firstOffset });
  }

  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  /** What read() must return: whole batches of one segment, under maxBytes and upperBound. */
  expectedRead(offset: number, maxBytes: number, upperBound: number, minOne: boolean): ModelBatch[] {
    const bases = this.log.segmentBaseOffsets;
    const first = this.batches.findIndex((b) => b.lastOffset >= offset);
    if (first < 0 || offset >= upperBound) return [];
    const firstBatch = this.batches[first] as ModelBatch;
    const segmentEnd = bases.find((b) => b > firstBatch.baseOffset) ?? Infinity;
    const out: ModelBatch[] = [];
    let bytes = 0;
    for (const b of this.batches.slice(first)) {
      if (b.baseOffset >= segmentEnd || b.lastOffset >= upperBound) break;
      if (bytes + b.bytes.length > maxBytes && !(out.length === 0 && minOne)) break;
      out.push(b);
      bytes += b.bytes.length;
    }
    return out;
  }

  checkRead(): void {
    const start = this.log.logStartOffset;
    const offset = start + this.int(this.logEndOffset - start + 1);
    const maxBytes = 1 + this.int(40_000);
    const upperBound = offset + this.int(this.logEndOffset - offset + 2);
    const minOne = this.rnd() < 0.7;
    const got = splitBatches(this.log.read(offset, maxBytes, upperBound, minOne));
    const want = this.expectedRead(offset, maxBytes, upperBound, minOne);
    expect(got.map((b) => b.baseOffset)).toEqual(want.map((b) => b.baseOffset));
    got.forEach((b, i) => expect(b.bytes.equals((want[i] as ModelBatch).bytes)).toBe(true));
  }

  checkTimestamp(): void {
    const ts = 900 + this.int(100_200);
    const start = this.log.logStartOffset;
    const batch = this.batches.find((b) => b.lastOffset >= start && b.maxTimestamp >= ts);
    const got = this.log.offsetForTimestamp(ts);
    expect(got?.offset).toBe(batch ? Math.max(batch.baseOffset, start) : undefined);
    if (batch) expect(got?.timestamp).toBe(batch.maxTimestamp);
  }

  checkEpochs(): void {
    const latest = this.epochs.at(-1);
    if (!latest) return;
    expect(this.log.endOffsetForEpoch(latest.epoch)).toEqual({ leaderEpoch: latest.epoch, endOffset: this.logEndOffset });
    const candidate = this.epochs[this.int(this.epochs.length)] as { epoch: number };
    const higher = this.epochs.find((e) => e.epoch > candidate.epoch);
    if (higher) expect(this.log.endOffsetForEpoch(candidate.epoch).endOffset).toBe(higher.start);
  }

  truncate(): void {
    const first = this.log.segmentBaseOffsets[0] as number;
    const target = Math.max(0, first - 2) + this.int(this.logEndOffset - first + 3);
    this.log.truncateTo(target);
    if (target < first) {
      this.batches = [];
      this.epochs = [];
      expect(this.logEndOffset).toBe(target);
      return;
    }
    this.batches = this.batches.filter((b) => b.lastOffset < target);
    const expectedEnd = this.batches.at(-1) ? (this.batches.at(-1) as ModelBatch).lastOffset + 1 : Math.min(target, this.logEndOffset);
    expect(this.logEndOffset).toBe(expectedEnd);
    this.epochs = this.epochs.filter((e) => e.start < this.logEndOffset);
  }

  moveLogStartAndRetain(): void {
    const start = this.log.logStartOffset;
    const target = start + this.int(this.logEndOffset - start + 1);
    this.log.maybeIncrementLogStartOffset(target);
    this.log.deleteOldSegments();
    const first = this.log.segmentBaseOffsets[0] as number;
    const logStart = Math.max(target, start, first);
    expect(this.log.logStartOffset).toBe(logStart);
    // Epochs that started before the log start collapse into one entry starting there.
    const before = this.epochs.filter((e) => e.start <= logStart);
    const kept = before.at(-1);
    if (kept) this.epochs = [{ epoch: kept.epoch, start: logStart }, ...this.epochs.slice(before.length)];
    this.batches = this.batches.filter((b) => b.baseOffset >= first);
  }

  reopen(): void {
    const clean = this.rnd() < 0.5;
    const logStartOffset = this.log.logStartOffset;
    if (clean) this.log.flush();
    this.log.close();
    this.log = openTestLog(this.dir, {
      clock: this.clock,
      pool: this.pool,
      config: CONFIG,
      hadCleanShutdown: clean,
      recoveryPoint: clean ? this.log.recoveryPoint : this.int(this.logEndOffset + 1),
      logStartOffset,
    });
    const all: ModelBatch[] = [];
    for (let offset = this.log.logStartOffset; offset < this.logEndOffset; ) {
      const got = splitBatches(this.log.read(offset, 1 << 30));
      for (const b of got) all.push({ baseOffset: b.baseOffset, lastOffset: b.lastOffset, maxTimestamp: 0, bytes: b.bytes });
      offset = (got.at(-1)?.lastOffset ?? offset) + 1;
    }
    const model = this.batches.filter((b) => b.lastOffset >= this.log.logStartOffset);
    expect(all.map((b) => b.baseOffset)).toEqual(model.map((b) => b.baseOffset));
    all.forEach((b, i) => expect(b.bytes.equals((model[i] as ModelBatch).bytes)).toBe(true));
  }
}

describe('log - model test', () => {
  it.each([1, 2, 3, 4])('random operations agree with the model (seed %i)', (seed) => {
    const h = new Harness(dirs.make(), prng(seed * 7919));
    let maxSegments = 0;
    for (let step = 0; step < 600; step++) {
      maxSegments = Math.max(maxSegments, h.log.numberOfSegments);
      const r = h.int(100);
      if (r < 55) h.append();
      else if (r < 75) h.checkRead();
      else if (r < 85) h.checkTimestamp();
      else if (r < 89) h.checkEpochs();
      else if (r < 93) h.truncate();
      else if (r < 96) h.moveLogStartAndRetain();
      else if (r < 98) h.reopen();
      else h.log.roll();
    }
    h.reopen();
    // The workload really spread over several segments.
    expect(maxSegments).toBeGreaterThan(3);
    h.log.close();
  });
});
