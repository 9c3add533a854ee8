import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Compression } from '../../../../src/protocol/records/batch-layout.js';
import { buildControlBatch } from '../../../../src/protocol/records/record-batch-builder.js';
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

const BIG = 'x'.repeat(200);

/** Roll the active segment (compacted topics in tests roll by size). */
function roll(log: ReturnType<typeof openTestLog>): void {
  log.roll();
}

describe('cleaner - tombstones', () => {
  it('keeps a tombstone in the pass that first cleans it and removes it once its segment is past the delete horizon', async () => {
    const log = openTestLog(dirs.make(), { config: { ...COMPACT, segmentBytes: 1000 } });
    const T0 = Date.now() - 600_000;
    // Three segments of three ~270-byte batches: cleaned segments stay too big to merge (KAFKA-8522).
    for (const kv of [['k', 'v1'], ['a0', BIG], ['a1', BIG], ['k', 'v2'], ['a2', BIG], ['a3', BIG], ['k', null], ['a4', BIG], ['a5', BIG]] as KV[]) {
      appendKV(log, [[kv[0], kv[1] === 'v1' || kv[1] === 'v2' ? kv[1] + BIG : kv[1]]]);
    }
    roll(log);
    appendKV(log, [['z', 'active']]);
    const first = await cleanOnce(log);
    expect(first?.endOffset).toBe(9);
    let recs = readRecordsOf(log);
    expect(recs.filter((r) => r.key === 'k')).toEqual([{ offset: 6, key: 'k', value: null, timestamp: expect.any(Number) }]);
    setSegmentMtimes(log, () => T0);
    // Newer data, cleaned in a second pass: the tombstone's segment is not yet past the horizon.
    for (let i = 0; i < 6; i++) appendKV(log, [[`b${i}`, BIG]]);
    roll(log);
    appendKV(log, [['z', 'active2']]);
    setSegmentMtimes(log, (base) => (base < 9 ? T0 : T0 + 5000));
    const second = await cleanOnce(log, { checkpoint: first!.endOffset });
    expect(readRecordsOf(log).filter((r) => r.key === 'k').map((r) => r.value)).toEqual([null]);
    // A third pass: the last clean segment is now 5 s newer than the tombstone's (> delete.retention.ms).
    for (let i = 0; i < 3; i++) appendKV(log, [[`c${i}`, BIG]]);
    roll(log);
    appendKV(log, [['z', 'active3']]);
    await cleanOnce(log, { checkpoint: second!.endOffset });
    recs = readRecordsOf(log);
    expect(recs.filter((r) => r.key === 'k')).toEqual([]);
    expect(recs.filter((r) => r.key?.startsWith('a')).map((r) => r.offset)).toEqual([1, 2, 4, 5, 7, 8]);
    log.close();
  });
});

describe('cleaner - rewritten batches', () => {
  it('a thinned compressed batch keeps its codec, BaseOffset, LastOffsetDelta, producer id, epoch and BaseSequence', async () => {
    const log = openTestLog(dirs.make(), { config: COMPACT });
    const kvs: KV[] = [['k1', 'a'], ['k2', 'b'], ['k1', 'c'], ['k3', 'd'], ['k2', 'e']];
    appendKV(log, kvs, { compression: Compression.Gzip, producerId: 7, producerEpoch: 2, baseSequence: 100, timestamp: 5000 });
    appendKV(log, [['k3', 'z']]);
    roll(log);
    appendKV(log, [['other', 'x']]);
    await cleanOnce(log);
    const [thinned, kept] = readLog(log);
    expect(thinned).toMatchObject({
      baseOffset: 0,
      lastOffset: 4,
      compression: Compression.Gzip,
      producerId: 7,
      producerEpoch: 2,
      baseSequence: 100,
      recordCount: 2,
      crcValid: true,
      baseTimestamp: 5002,
      maxTimestamp: 5004,
    });
    expect(thinned!.records.map((r) => [r.offset, r.key, r.value, r.timestamp])).toEqual([
      [2, 'k1', 'c', 5002],
      [4, 'k2', 'e', 5004],
    ]);
    expect(kept!.records.map((r) => [r.offset, r.key, r.value])).toEqual([[5, 'k3', 'z']]);
    log.close();
  });

  it('a batch whose records all stay is copied byte for byte', async () => {
    const log = openTestLog(dirs.make(), { config: COMPACT });
    appendKV(log, [['a', '1'], ['b', '2']], { compression: Compression.Snappy });
    const original = log.read(0, 1 << 20);
    appendKV(log, [['c', '3']]);
    roll(log);
    appendKV(log, [['d', '4']]);
    await cleanOnce(log);
    expect(log.read(0, original.length).subarray(0, original.length).equals(original)).toBe(true);
    log.close();
  });

  it("keeps a live producer's last batch as a 61-byte empty batch when all its records go", async () => {
    const dir = dirs.make();
    const log = openTestLog(dir, { config: COMPACT });
    appendKV(log, [['k', 'old']], { producerId: 9, producerEpoch: 3, baseSequence: 41, timestamp: 7000 });
    appendKV(log, [['k', 'new']]);
    roll(log);
    appendKV(log, [['x', 'active']]);
    const txn = {
      firstUnstableOffset: () => null,
      lastRecordsOfActiveProducers: () => [[9, { lastDataOffset: 0, producerEpoch: 3 }]] as const,
      collectAbortedTransactions: () => [],
    };
    await cleanOnce(log, { txn });
    const [empty, latest] = readLog(log);
    expect(empty).toMatchObject({ baseOffset: 0, lastOffset: 0, size: 61, recordCount: 0, producerId: 9, producerEpoch: 3, baseSequence: 41 });
    expect(empty).toMatchObject({ compression: 0, baseTimestamp: -1, maxTimestamp: 7000, crcValid: true, records: [] });
    expect(latest!.records.map((r) => r.value)).toEqual(['new']);
    log.close();
    // Without a live producer the emptied batch goes.
    const log2 = openTestLog(dirs.make(), { config: COMPACT });
    appendKV(log2, [['k', 'old']], { producerId: 9, producerEpoch: 3, baseSequence: 41 });
    appendKV(log2, [['k', 'new']]);
    roll(log2);
    appendKV(log2, [['x', 'active']]);
    await cleanOnce(log2);
    expect(readLog(log2).map((b) => b.baseOffset)).toEqual([1, 2]);
    log2.close();
  });

  it('drops keyless records (they can be in the log if the topic was switched to compact)', async () => {
    const log = openTestLog(dirs.make(), { config: COMPACT });
    appendKV(log, [[null, 'no key'], ['k', 'v'], [null, 'none either']]);
    roll(log);
    appendKV(log, [['x', 'active']]);
    const result = await cleanOnce(log);
    expect(result?.stats.invalidMessages).toBe(2);
    expect(readRecordsOf(log).map((r) => [r.offset, r.key])).toEqual([
      [1, 'k'],
      [3, 'x'],
    ]);
    log.close();
  });
});

describe('cleaner - bounded offset map', () => {
  it('a full map ends the pass early; later passes continue from there and the result is the same', async () => {
    const log = openTestLog(dirs.make(), { config: { ...COMPACT, segmentBytes: 300 } });
    for (let v = 1; v <= 2; v++) for (let k = 0; k < 30; k++) appendKV(log, [[`k${k}`, `v${v}`]]);
    roll(log);
    appendKV(log, [['active', 'x']]);
    const activeBase = log.logSegments.at(-1)!.baseOffset;
    const memory = 24 * 20; // 20 slots, 18 keys at load factor 0.9
    const ends: number[] = [];
    let checkpoint: number | undefined;
    while (checkpoint !== activeBase) {
      const result = await cleanOnce(log, { checkpoint, mapMemory: memory });
      checkpoint = result!.endOffset;
      ends.push(checkpoint);
      expect(ends.length).toBeLessThan(10);
    }
    expect(ends[0]).toBe(18);
    expect(ends.at(-1)).toBe(activeBase);
    const recs = readRecordsOf(log).filter((r) => r.key !== 'active');
    expect(recs.map((r) => r.value)).toEqual(Array(30).fill('v2'));
    expect(recs.map((r) => r.offset)).toEqual(Array.from({ length: 30 }, (_, i) => 30 + i));
    log.close();
  });
});

describe('cleaner - transactions (§3.6)', () => {
  it('drops aborted data in the first pass, keeps markers while their data remains, removes them past the horizon', async () => {
    const dir = dirs.make();
    const log = openTestLog(dir, { config: { ...COMPACT, segmentBytes: 1000 } });
    const T0 = Date.now() - 600_000;
    const PAD = 'p'.repeat(500); // segments too big to merge once cleaned (KAFKA-8522)
    const txnBatch = (pid: number, kvs: KV[]) => appendKV(log, kvs, { producerId: pid, producerEpoch: 0, baseSequence: 0, isTransactional: true });
    const marker = (pid: number, type: 0 | 1) =>
      log.append(buildControlBatch({ type, producerId: pid, producerEpoch: 0, coordinatorEpoch: 5, timestamp: 1000 }), 0).firstOffset;
    appendKV(log, [['x', 'committed-before']]); // 0
    txnBatch(1, [['a', 'committed']]); // 1
    txnBatch(2, [['x', 'aborted']]); // 2: must not shadow offset 0
    const commit = marker(1, 1); // 3
    const abort = marker(2, 0); // 4
    appendKV(log, [['pad', PAD]]);
    const aborted = [{ producerId: 2, firstOffset: 2, lastOffset: abort, lastStableOffset: abort + 1 }];
    const txn = {
      firstUnstableOffset: () => null,
      lastRecordsOfActiveProducers: () => [],
      collectAbortedTransactions: (start: number, end: number) => aborted.filter((t) => t.lastOffset >= start && t.firstOffset < end),
    };
    const controls = () => readLog(log).filter((b) => b.isControl).map((b) => b.baseOffset);
    let checkpoint: number | undefined;
    /** Roll, write one active record, make segment 0 old and every later one 5 s newer, clean. */
    const pass = async (): Promise<void> => {
      roll(log);
      appendKV(log, [['z', 'active']]);
      setSegmentMtimes(log, (base) => (base === 0 ? T0 : T0 + 5000));
      checkpoint = (await cleanOnce(log, { txn, checkpoint }))!.endOffset;
    };

    await pass();
    const data = () => readLog(log).filter((b) => !b.isControl).flatMap((b) => b.records);
    expect(data().filter((r) => r.key !== 'z').map((r) => [r.offset, r.key, r.value])).toEqual([
      [0, 'x', 'committed-before'],
      [1, 'a', 'committed'],
      [5, 'pad', PAD],
    ]);
    expect(controls()).toEqual([commit, abort]);
    // The ABORT marker stayed because its data was seen: its index entry went into the cleaned segment.
    const txnIndex = readFileSync(join(dir, '00000000000000000000.txnindex'));
    expect(txnIndex.length).toBe(34);
    expect(Number(txnIndex.readBigInt64BE(2))).toBe(2);
    expect(Number(txnIndex.readBigInt64BE(18))).toBe(abort);

    // Segment 0 is the last clean segment: nothing is past the horizon yet.
    appendKV(log, [['pad2', PAD]]);
    await pass();
    expect(controls()).toEqual([commit, abort]);

    // Now a 5 s newer segment is clean: the ABORT marker (no data left) goes; the COMMIT marker's
    // data is seen in this pass (and removed, as 'a' is overwritten), so it stays one more pass.
    appendKV(log, [['a', 'overwritten']]);
    appendKV(log, [['pad3', PAD]]);
    await pass();
    expect(controls()).toEqual([commit]);
    expect(data().filter((r) => r.key === 'a').map((r) => r.value)).toEqual(['overwritten']);
    appendKV(log, [['pad4', PAD]]);
    await pass();
    expect(controls()).toEqual([]);
    expect(data().find((r) => r.key === 'x')?.value).toBe('committed-before');
    log.close();
  });
});
