/**
 * `<offset>.snapshot` files and rebuilding producer state (transactions-and-compaction.md §1.6–1.7,
 * §5.1 U1, §5.2 I4/I6): the exact byte layout (46-byte entries, CRC-32C over bytes 6..end), a corrupt
 * snapshot deleted and the next older one used, snapshots at roll and close, a restart that loads a
 * snapshot and replays only the tail (counted), only the newest batch per producer surviving a
 * restart, truncation rebuilding the state of the kept prefix, and snapshot pruning.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaError } from '../../../src/common/errors.js';
import type { Log } from '../../../src/log/log.js';
import { CorruptSnapshotError, decodeProducerSnapshot, encodeProducerSnapshot } from '../../../src/log/producer-snapshot.js';
import { ProducerStateEntry } from '../../../src/log/producer-state-entry.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { crc32c } from '../../../src/protocol/records/crc.js';
import { TempDirs, openTestLog, simpleBatch } from './log-test-kit.js';
import { idem, marker } from './producer-kit.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

const snapshots = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.snapshot')).sort();

function stateOf(log: Log) {
  return [...log.producerState.activeProducers.values()]
    .map((e) => ({ pid: e.producerId, epoch: e.producerEpoch, lastSeq: e.lastSeq, last: e.lastDataOffset, ce: e.coordinatorEpoch, txn: e.currentTxnFirstOffset }))
    .sort((a, b) => a.pid - b.pid);
}

describe('producer snapshot file', () => {
  it('lays out version 1, CRC-32C over bytes 6..end, count, and 46-byte entries (open txn; marker-only producer)', () => {
    const open = new ProducerStateEntry(1000);
    open.addBatch(3, 41, 120, 4, 1_600_000_000_123);
    open.coordinatorEpoch = 7;
    open.currentTxnFirstOffset = 110;
    const markerOnly = new ProducerStateEntry(2 ** 40);
    markerOnly.producerEpoch = 9;
    markerOnly.coordinatorEpoch = 2;
    markerOnly.lastTimestamp = 1_600_000_000_999;
    const bytes = encodeProducerSnapshot([open, markerOnly]);
    expect(bytes.length).toBe(10 + 2 * 46);
    expect(bytes.readInt16BE(0)).toBe(1);
    expect(bytes.readUInt32BE(2)).toBe(crc32c(bytes.subarray(6)));
    expect(bytes.readInt32BE(6)).toBe(2);
    const e = 10;
    expect(bytes.readBigInt64BE(e)).toBe(1000n);
    expect(bytes.readInt16BE(e + 8)).toBe(3);
    expect(bytes.readInt32BE(e + 10)).toBe(41);
    expect(bytes.readBigInt64BE(e + 14)).toBe(120n);
    expect(bytes.readInt32BE(e + 22)).toBe(4);
    expect(bytes.readBigInt64BE(e + 26)).toBe(1_600_000_000_123n);
    expect(bytes.readInt32BE(e + 34)).toBe(7);
    expect(bytes.readBigInt64BE(e + 38)).toBe(110n);
    const m = e + 46;
    expect(bytes.readBigInt64BE(m)).toBe(2n ** 40n);
    expect([bytes.readInt16BE(m + 8), bytes.readInt32BE(m + 10), bytes.readBigInt64BE(m + 14), bytes.readInt32BE(m + 22)]).toEqual([9, -1, -1n, 0]);
    expect(bytes.readBigInt64BE(m + 38)).toBe(-1n);

    const [a, b] = decodeProducerSnapshot(bytes);
    expect(a).toMatchObject({ producerId: 1000, producerEpoch: 3, lastSeq: 41, lastDataOffset: 120, lastOffsetDelta: 4, coordinatorEpoch: 7, currentTxnFirstOffset: 110 });
    expect(a!.batch(0)).toMatchObject({ firstSeq: 37, firstOffset: 116, timestamp: 1_600_000_000_123 });
    expect(b).toMatchObject({ producerId: 2 ** 40, producerEpoch: 9, isEmpty: true, lastTimestamp: 1_600_000_000_999, currentTxnFirstOffset: -1 });
  });

  it('rejects a flipped byte, a wrong version, a short or overlong file', () => {
    const entry = new ProducerStateEntry(5);
    entry.addBatch(0, 9, 9, 9, 1);
    const good = encodeProducerSnapshot([entry]);
    for (let i = 2; i < good.length; i++) {
      const bad = Buffer.from(good);
      bad[i]! ^= 0x10;
      expect(() => decodeProducerSnapshot(bad)).toThrow(CorruptSnapshotError);
    }
    const v2 = Buffer.from(good);
    v2.writeInt16BE(2, 0);
    expect(() => decodeProducerSnapshot(v2)).toThrow(/unknown file version/);
    expect(() => decodeProducerSnapshot(good.subarray(0, 8))).toThrow(CorruptSnapshotError);
    expect(() => decodeProducerSnapshot(Buffer.concat([good, Buffer.alloc(3)]))).toThrow(CorruptSnapshotError);
  });
});

describe('producer state across roll, close and restart', () => {
  /** Three producers writing idempotent batches over several segments. */
  function writeProducers(dir: string): { log: Log; batches: number } {
    const log = openTestLog(dir, { config: { segmentBytes: 600 } });
    let batches = 0;
    for (let round = 0; round < 8; round++) {
      for (const pid of [1, 2, 3]) {
        log.append(idem({ pid, seq: round * 2 }), 0);
        batches++;
      }
    }
    return { log, batches };
  }

  it('snapshots at every roll (named by the new segment base) and at close (the log end)', () => {
    const dir = dirs.make();
    const { log } = writeProducers(dir);
    const bases = log.segmentBaseOffsets.slice(1);
    expect(bases.length).toBeGreaterThan(2);
    log.close();
    const names = snapshots(dir);
    for (const base of bases) expect(names).toContain(`${String(base).padStart(20, '0')}.snapshot`);
    expect(names).toContain(`${String(log.logEndOffset).padStart(20, '0')}.snapshot`);
    const atEnd = decodeProducerSnapshot(readFileSync(join(dir, names[names.length - 1]!)));
    expect(atEnd.map((e) => e.producerId).sort()).toEqual([1, 2, 3]);
  });

  it('a clean restart loads the snapshot at the log end and replays nothing; only the newest batch per producer survives', () => {
    const dir = dirs.make();
    const { log } = writeProducers(dir);
    const before = stateOf(log);
    const lastBatch = log.producerState.lastEntry(2)!.batch(log.producerState.lastEntry(2)!.batchCount - 1);
    log.close();
    const again = openTestLog(dir, { config: { segmentBytes: 600 }, hadCleanShutdown: true, recoveryPoint: log.logEndOffset });
    expect(again.producerBatchesReplayed).toBe(0);
    expect(stateOf(again)).toEqual(before);
    // the last batch is still a duplicate (original offsets); the one before it is not retained any more (I4)
    expect(again.append(idem({ pid: 2, seq: 14 }), 0)).toMatchObject({ duplicate: true, firstOffset: lastBatch.firstOffset });
    expect(() => again.append(idem({ pid: 2, seq: 12 }), 0)).toThrow(expect.objectContaining({ code: ErrorCode.OutOfOrderSequenceNumber }));
    expect(again.append(idem({ pid: 2, seq: 16 }), 0).duplicate).toBeUndefined();
    again.close();
  });

  it('an unclean restart replays only what follows the newest snapshot', () => {
    const dir = dirs.make();
    const { log, batches } = writeProducers(dir);
    const before = stateOf(log);
    const lastBase = log.segmentBaseOffsets[log.segmentBaseOffsets.length - 1]!;
    // no close(): a crash. Everything below the last segment was flushed by the rolls' background fsyncs.
    const again = openTestLog(dir, { config: { segmentBytes: 600 }, recoveryPoint: lastBase });
    expect(stateOf(again)).toEqual(before);
    expect(again.producerBatchesReplayed).toBeLessThan(batches / 2);
    expect(again.producerBatchesReplayed).toBeLessThanOrEqual(again.logEndOffset - lastBase);
  });

  it('a corrupt newest snapshot is deleted and the next older one plus a replay gives the same state', () => {
    const dir = dirs.make();
    const { log } = writeProducers(dir);
    const before = stateOf(log);
    log.close();
    const names = snapshots(dir);
    const newest = join(dir, names[names.length - 1]!);
    const bytes = readFileSync(newest);
    bytes[bytes.length - 1]! ^= 0xff;
    writeFileSync(newest, bytes);
    const again = openTestLog(dir, { config: { segmentBytes: 600 }, hadCleanShutdown: true, recoveryPoint: log.logEndOffset });
    expect(stateOf(again)).toEqual(before);
    expect(again.producerBatchesReplayed).toBeGreaterThan(0);
    // the bad file was replaced by a good snapshot at the log end
    expect(decodeProducerSnapshot(readFileSync(newest)).length).toBe(3);
  });

  it('no snapshot at all after a clean shutdown (a log from before producer state): no scan, empty snapshots written', () => {
    const dir = dirs.make();
    const log = openTestLog(dir, { config: { segmentBytes: 300 } });
    for (let i = 0; i < 10; i++) log.append(simpleBatch(2, 20, 1000), 0);
    log.close();
    for (const n of snapshots(dir)) rmSync(join(dir, n));
    const again = openTestLog(dir, { config: { segmentBytes: 300 }, hadCleanShutdown: true, recoveryPoint: log.logEndOffset });
    expect(again.producerBatchesReplayed).toBe(0);
    expect(snapshots(dir)).toContain(`${String(again.logEndOffset).padStart(20, '0')}.snapshot`);
  });
});

describe('producer state after truncation and log-start moves', () => {
  it('truncation (KIP-101) rebuilds exactly the state of the kept prefix, transactions included', () => {
    const dir = dirs.make();
    const log = openTestLog(dir, { config: { segmentBytes: 500 } });
    const ref = openTestLog(dirs.make(), { config: { segmentBytes: 500 } });
    const steps: Array<[Buffer, 'client' | 'coordinator']> = [
      [idem({ pid: 1, seq: 0 }), 'client'],
      [idem({ pid: 2, seq: 0, txn: true }), 'client'],
      [idem({ pid: 1, seq: 2 }), 'client'],
      [marker(false, { pid: 2, coordinatorEpoch: 3 }), 'coordinator'],
      [idem({ pid: 2, seq: 2, txn: true }), 'client'],
      [idem({ pid: 1, seq: 4 }), 'client'],
    ];
    let cut = 0;
    steps.forEach(([b, origin], i) => {
      log.append(Buffer.from(b), 0, origin);
      if (i < 4) ref.append(Buffer.from(b), 0, origin);
      if (i === 3) cut = log.logEndOffset;
    });
    log.append(idem({ pid: 3, seq: 0 }), 0);
    log.close();
    const reopened = openTestLog(dir, { config: { segmentBytes: 500 }, hadCleanShutdown: true });
    reopened.truncateTo(cut);
    expect(reopened.logEndOffset).toBe(cut);
    expect(stateOf(reopened)).toEqual(stateOf(ref));
    expect(reopened.firstUnstableOffset).toBe(ref.firstUnstableOffset);
    // pid 1's next batch after the cut is seq 4 again (its seq-4 batch was truncated away)
    expect(reopened.append(idem({ pid: 1, seq: 4 }), 1).duplicate).toBeUndefined();
    // no snapshot beyond the new end survives
    for (const n of snapshots(dir)) expect(Number(n.slice(0, 20))).toBeLessThanOrEqual(cut);
  });

  it('truncating a log no producer ever wrote to does not rescan it', () => {
    const dir = dirs.make();
    const log = openTestLog(dir, { config: { segmentBytes: 300 } });
    for (let i = 0; i < 20; i++) log.append(simpleBatch(2, 20, 1000), 0);
    const replayedBefore = log.producerBatchesReplayed;
    log.truncateTo(10);
    expect(log.producerBatchesReplayed).toBe(replayedBefore);
  });

  it('a full truncation forgets everything and deletes every snapshot; a log-start move deletes older snapshots but keeps the entries', () => {
    const dir = dirs.make();
    const log = openTestLog(dir, { config: { segmentBytes: 400 } });
    for (let seq = 0; seq < 30; seq += 2) log.append(idem({ seq }), 0);
    expect(snapshots(dir).length).toBeGreaterThan(2);
    const start = log.segmentBaseOffsets[2]!;
    log.maybeIncrementLogStartOffset(start);
    for (const n of snapshots(dir)) expect(Number(n.slice(0, 20))).toBeGreaterThanOrEqual(start);
    expect(log.producerState.lastEntry(7)).toBeDefined();
    log.truncateFullyAndStartAt(500);
    expect(snapshots(dir)).toEqual([]);
    expect(log.producerState.activeProducers.size).toBe(0);
    expect(log.append(idem({ seq: 77 }), 0).firstOffset).toBe(500);
  });

  it('refusals carry Kafka errors, not I/O failures', () => {
    const log = openTestLog(dirs.make());
    log.append(idem({ seq: 0 }), 0);
    try {
      log.append(idem({ seq: 9 }), 0);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(KafkaError);
      expect(log.isOffline).toBe(false);
    }
  });
});
