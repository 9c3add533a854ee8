/**
 * Transactions on a partition (transactions-and-compaction.md §2.13–2.14, §5.1 U4/U5/U9): the 78-byte
 * control batch, `.txnindex` entries (34 bytes, in the segment holding the ABORT marker, the LSO field),
 * collecting aborted transactions across segments (stopping where an entry's LSO allows, sorted by
 * first offset), the first unstable offset / LSO through open transactions and markers below and above
 * the high watermark, and the index after truncation and recovery.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { Partition } from '../../../src/cluster/partition.js';
import { encodeAbortedTxn, TXN_INDEX_ENTRY_SIZE } from '../../../src/log/transaction-index.js';
import { buildControlBatch, ControlRecordType, decodeEndTransactionMarker, readRecords, splitBatches } from '../../../src/protocol/records/index.js';
import { crc32c } from '../../../src/protocol/records/crc.js';
import { TempDirs, openTestLog, simpleBatch } from './log-test-kit.js';
import { idem, marker } from './producer-kit.js';
import type { Log } from '../../../src/log/log.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

const txnIndexFile = (log: Log, base: number) => join(log.dir, `${String(base).padStart(20, '0')}.txnindex`);

describe('control batch', () => {
  it('is 78 bytes: attributes 0x30, sequence -1, one record with the 4-byte key and 6-byte value, valid CRC', () => {
    const b = buildControlBatch({ type: ControlRecordType.Abort, producerId: 9, producerEpoch: 2, coordinatorEpoch: 17, timestamp: 1234 });
    expect(b.length).toBe(78);
    expect(b.readInt32BE(8)).toBe(66);
    expect(b.readInt16BE(21)).toBe(0x30);
    expect(b.readInt32BE(23)).toBe(0);
    expect(b.readBigInt64BE(27)).toBe(1234n);
    expect(b.readBigInt64BE(35)).toBe(1234n);
    expect(b.readBigInt64BE(43)).toBe(9n);
    expect(b.readInt16BE(51)).toBe(2);
    expect(b.readInt32BE(53)).toBe(-1);
    expect(b.readInt32BE(57)).toBe(1);
    expect(b.readUInt32BE(17)).toBe(crc32c(b.subarray(21)));
    const [batch] = splitBatches(b);
    const [record] = readRecords(batch!, { maxUncompressedBytes: 1024 });
    expect(record!.key).toEqual(Buffer.from([0, 0, 0, 0]));
    expect(decodeEndTransactionMarker(record!.key, record!.value)).toEqual({ type: ControlRecordType.Abort, coordinatorEpoch: 17 });
  });
});

describe('.txnindex', () => {
  it('an ABORT writes one 34-byte entry in the marker\'s segment (LSO = earliest other open txn, else marker + 1); COMMIT writes none', () => {
    const log = openTestLog(dirs.make(), { config: { segmentBytes: 700 } });
    log.append(idem({ pid: 1, seq: 0, txn: true }), 0); // 0-1, pid 1 opens at 0
    log.append(idem({ pid: 2, seq: 0, txn: true }), 0); // 2-3, pid 2 opens at 2
    log.append(marker(true, { pid: 2 }), 0, 'coordinator'); // 4: commit pid 2
    log.append(idem({ pid: 3, seq: 0, txn: true }), 0); // 5-6
    log.roll();
    const abort1 = log.append(marker(false, { pid: 1 }), 0, 'coordinator').firstOffset; // 7: abort pid 1, pid 3 still open at 5
    const abort3 = log.append(marker(false, { pid: 3 }), 0, 'coordinator').firstOffset; // 8
    expect([abort1, abort3]).toEqual([7, 8]);
    const base = log.segmentBaseOffsets[1]!;
    const bytes = readFileSync(txnIndexFile(log, base));
    expect(bytes.length).toBe(2 * TXN_INDEX_ENTRY_SIZE);
    expect(bytes.subarray(0, 34)).toEqual(encodeAbortedTxn({ producerId: 1, firstOffset: 0, lastOffset: 7, lastStableOffset: 5 }));
    expect(bytes.subarray(34)).toEqual(encodeAbortedTxn({ producerId: 3, firstOffset: 5, lastOffset: 8, lastStableOffset: 9 }));
    expect(bytes.readInt16BE(0)).toBe(0);
    expect(() => readFileSync(txnIndexFile(log, 0))).toThrow(/ENOENT/);
  });

  it('collects aborted transactions overlapping the fetched range across segments, sorted by first offset', () => {
    const log = openTestLog(dirs.make(), { config: { segmentBytes: 400 } });
    log.append(idem({ pid: 5, seq: 0, txn: true }), 0); // 0-1
    log.append(idem({ pid: 4, seq: 0, txn: true }), 0); // 2-3
    log.roll();
    log.append(marker(false, { pid: 4 }), 0, 'coordinator'); // 4 (LSO 0: pid 5 open)
    log.roll();
    log.append(marker(false, { pid: 5 }), 0, 'coordinator'); // 5 (LSO 6)
    log.append(simpleBatch(2, 10, 1000), 0); // 6-7
    // markers in marker order: pid 4 (first 2) then pid 5 (first 0); the answer is by first offset
    expect(log.collectAbortedTransactions(0, 8)).toEqual([
      { producerId: 5, firstOffset: 0, lastOffset: 5, lastStableOffset: 6 },
      { producerId: 4, firstOffset: 2, lastOffset: 4, lastStableOffset: 0 },
    ]);
    expect(log.collectAbortedTransactions(5, 8).map((t) => t.producerId)).toEqual([5]);
    expect(log.collectAbortedTransactions(6, 8)).toEqual([]);
    expect(log.collectAbortedTransactions(0, 1).map((t) => t.producerId)).toEqual([5]);
  });

  it('truncation cuts entries at or after the new end; recovery rebuilds the index from the log', () => {
    const dir = dirs.make();
    const log = openTestLog(dir);
    for (let pid = 1; pid <= 3; pid++) {
      log.append(idem({ pid, seq: 0, txn: true }), 0);
      log.append(marker(false, { pid }), 0, 'coordinator');
    }
    const index = txnIndexFile(log, 0);
    const full = readFileSync(index);
    expect(full.length).toBe(3 * 34);
    log.close();
    // a crash that lost the index: recovery (no clean shutdown, recovery point 0) writes it again
    writeFileSync(index, Buffer.alloc(0));
    const recovered = openTestLog(dir, { recoveryPoint: 0 });
    expect(readFileSync(index)).toEqual(full);
    recovered.truncateTo(5);
    expect(readFileSync(index).length).toBe(34);
    expect(recovered.collectAbortedTransactions(0, 5).map((t) => t.producerId)).toEqual([1]);
  });

  it('an entry whose marker lies below its segment base fails the sanity check: the segment is recovered', () => {
    const dir = dirs.make();
    const log = openTestLog(dir);
    log.append(idem({ pid: 1, seq: 0, txn: true }), 0);
    log.append(marker(false, { pid: 1 }), 0, 'coordinator');
    log.roll();
    log.append(simpleBatch(1, 10, 1000), 0);
    log.close();
    const base = log.segmentBaseOffsets[1]!;
    writeFileSync(txnIndexFile(log, base), encodeAbortedTxn({ producerId: 1, firstOffset: 0, lastOffset: 2, lastStableOffset: 3 }));
    const again = openTestLog(dir, { hadCleanShutdown: true, recoveryPoint: log.logEndOffset });
    expect(() => readFileSync(txnIndexFile(again, base))).toThrow(/ENOENT/);
    expect(again.collectAbortedTransactions(0, 10)).toEqual([{ producerId: 1, firstOffset: 0, lastOffset: 2, lastStableOffset: 3 }]);
  });
});

describe('last stable offset', () => {
  function leaderPartition(log: Log): Partition {
    const p = new Partition({
      tp: { topic: 't', partition: 0 },
      localBrokerId: 1,
      replicaLagTimeMaxMs: 10_000,
      createLog: () => log,
      topicConfig: () => ({ minInsyncReplicas: 1 }) as never,
    });
    p.makeLeader({ controllerEpoch: 1, leader: 1, leaderEpoch: 0, isr: [1, 2], zkVersion: 0, replicas: [1, 2] }, 0);
    return p;
  }

  it('is the HW without transactions, the first open transaction below the HW, and waits for the marker to be replicated', () => {
    const clock = new ManualClock(0);
    const log = openTestLog(dirs.make(), { clock });
    const p = leaderPartition(log);
    const follow = (offset: number) => p.updateFollowerFetchState(2, offset, 0, clock.now(), log.logEndOffset);
    p.appendAsLeader(simpleBatch(2, 10, 1000), 1, 0); // 0-1
    follow(2);
    expect([p.highWatermark, p.lastStableOffset]).toEqual([2, 2]);
    p.appendAsLeader(idem({ pid: 1, seq: 0, txn: true }), 1, 0); // 2-3 open
    p.appendAsLeader(idem({ pid: 2, seq: 0, txn: true }), 1, 0); // 4-5 open
    follow(6);
    expect([p.highWatermark, p.lastStableOffset]).toEqual([6, 2]);
    p.appendAsLeader(marker(true, { pid: 1 }), 1, 0, 'coordinator'); // 6
    // decided, but the marker is above the HW: still unstable
    expect(p.lastStableOffset).toBe(2);
    follow(7);
    expect([p.highWatermark, p.lastStableOffset]).toEqual([7, 4]);
    p.appendAsLeader(marker(false, { pid: 2 }), 1, 0, 'coordinator'); // 7
    follow(8);
    expect([p.highWatermark, p.lastStableOffset]).toEqual([8, 8]);
  });

  it('read_committed reads stop at the LSO and carry the aborted transactions of what they returned', () => {
    const clock = new ManualClock(0);
    const log = openTestLog(dirs.make(), { clock });
    const p = leaderPartition(log);
    const follow = () => p.updateFollowerFetchState(2, log.logEndOffset, 0, clock.now(), log.logEndOffset);
    p.appendAsLeader(idem({ pid: 1, seq: 0, txn: true }), 1, 0); // 0-1
    p.appendAsLeader(marker(false, { pid: 1 }), 1, 0, 'coordinator'); // 2
    p.appendAsLeader(simpleBatch(1, 10, 1000), 1, 0); // 3
    p.appendAsLeader(idem({ pid: 2, seq: 0, txn: true }), 1, 0); // 4-5 open
    p.appendAsLeader(simpleBatch(1, 10, 1000), 1, 0); // 6
    follow();
    const committed = p.read(0, 1 << 20, 2, true);
    expect(committed.lastStableOffset).toBe(4);
    expect(splitBatches(committed.records).map((b) => b.baseOffset)).toEqual([0, 2, 3]);
    expect(committed.abortedTransactions).toEqual([{ producerId: 1, firstOffset: 0 }]);
    const atLso = p.read(4, 1 << 20, 2, true);
    expect(atLso.records.length).toBe(0);
    expect(atLso.abortedTransactions).toEqual([]);
    const uncommitted = p.read(0, 1 << 20, 1, true);
    expect(splitBatches(uncommitted.records).map((b) => b.baseOffset)).toEqual([0, 2, 3, 4, 6]);
    expect(uncommitted.abortedTransactions).toBeNull();
  });

  it('clamps the first unstable offset to the log start', () => {
    const log = openTestLog(dirs.make());
    log.append(idem({ pid: 1, seq: 0, txn: true }), 0);
    log.append(simpleBatch(4, 10, 1000), 0);
    log.maybeIncrementLogStartOffset(3);
    expect(log.firstUnstableOffset).toBe(3);
  });
});
