/**
 * The cleaner on a log with real producer state, `.txnindex` files and an LSO (transactions-and-
 * compaction.md §3.4–3.6): nothing at or past the first unstable offset is cleaned; aborted data
 * goes in the first pass; the ABORT marker stays (with its index entry) while its data was seen;
 * the last batch of every live producer stays, emptied if need be, so the producer state rebuilt
 * from the cleaned log continues the sequences.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/common/clock.js';
import { KafkaError } from '../../../../src/common/errors.js';
import { logToClean, transactionViewOf } from '../../../../src/log/cleaner/log-to-clean.js';
import { FileHandlePool } from '../../../../src/log/file-handle-pool.js';
import type { Log } from '../../../../src/log/log.js';
import { encodeAbortedTxn } from '../../../../src/log/transaction-index.js';
import { ErrorCode } from '../../../../src/protocol/error-codes.js';
import { TempDirs, openTestLog } from '../log-test-kit.js';
import { marker } from '../producer-kit.js';
import { appendKV, cleanOnce, readLog, type KV } from './cleaner-kit.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

const CONFIG = { cleanupPolicy: ['compact' as const], segmentBytes: 600, deleteRetentionMs: 1000 };

function open(dir: string, clean = true): Log {
  return openTestLog(dir, { config: CONFIG, pool: new FileHandlePool(64), clock: new ManualClock(Date.now()), hadCleanShutdown: clean, recoveryPoint: clean ? undefined : 0 });
}

const produce = (log: Log, pid: number, seq: number, kvs: KV[], txn = false) =>
  appendKV(log, kvs, { producerId: pid, producerEpoch: 0, baseSequence: seq, isTransactional: txn });
const endTxn = (log: Log, pid: number, commit: boolean) => log.append(marker(commit, { pid }), 0, 'coordinator').firstOffset;

describe('cleaner - transactional logs', () => {
  it('never cleans at or past the first unstable offset (an open transaction)', async () => {
    const log = open(dirs.make());
    for (let i = 0; i < 10; i++) appendKV(log, [['k', `v${i}`]]);
    log.roll();
    const open1 = produce(log, 4, 0, [['k', 'in-open-txn']], true)[0];
    for (let i = 0; i < 10; i++) appendKV(log, [['k', `w${i}`]]);
    log.roll();
    appendKV(log, [['z', 'active']]);
    log.producerState.onHighWatermarkUpdated(log.logEndOffset);
    expect(log.firstUnstableOffset).toBe(open1);
    const ltc = logToClean(log, undefined, Date.now(), transactionViewOf(log));
    expect(ltc.firstUncleanableOffset).toBe(open1);
    await cleanOnce(log, { txn: transactionViewOf(log) });
    const values = readLog(log).flatMap((b) => b.records).map((r) => r.value);
    // Below the open transaction: only the latest 'k'; from it on, everything.
    expect(values).toEqual(['v9', 'in-open-txn', ...Array.from({ length: 10 }, (_, i) => `w${i}`), 'active']);
    log.close();
  });

  it('drops aborted data, keeps markers and every live producer\'s last batch; the rebuilt producer state continues', async () => {
    const dir = dirs.make();
    const log = open(dir);
    produce(log, 1, 0, [['k', 'a']]); // 0: pid 1's last batch, overwritten below
    produce(log, 2, 0, [['x', 'aborted']], true); // 1
    const abort = endTxn(log, 2, false); // 2
    produce(log, 3, 0, [['y', 'committed']], true); // 3
    const commit = endTxn(log, 3, true); // 4
    appendKV(log, [['k', 'b']]); // 5
    log.roll();
    appendKV(log, [['z', 'active']]);
    log.producerState.onHighWatermarkUpdated(log.logEndOffset);
    await cleanOnce(log, { txn: transactionViewOf(log) });
    const batches = readLog(log);
    const summary = batches.map((b) => [b.baseOffset, b.producerId, b.isControl, b.records.map((r) => r.value)]);
    expect(summary).toEqual([
      [0, 1, false, []], // emptied, kept: pid 1's last sequence
      [1, 2, false, []], // aborted data gone; kept empty as pid 2's last data batch
      [abort, 2, true, [expect.any(String)]],
      [3, 3, false, ['committed']],
      [commit, 3, true, [expect.any(String)]],
      [5, -1, false, ['b']],
      [6, -1, false, ['active']],
    ]);
    expect(batches[0]).toMatchObject({ size: 61, baseSequence: 0, recordCount: 0 });
    // The ABORT marker stays while its data was seen; its entry moved into the cleaned segment's index.
    expect(readFileSync(join(dir, '00000000000000000000.txnindex'))).toEqual(
      encodeAbortedTxn({ producerId: 2, firstOffset: 1, lastOffset: abort, lastStableOffset: abort + 1 }),
    );
    expect(log.collectAbortedTransactions(0, log.logEndOffset)).toHaveLength(1);
    log.close();

    // Rebuilt from the cleaned log alone (no snapshot): pid 1's sequence continues at 1.
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.snapshot'))) rmSync(join(dir, f));
    const reopened = open(dir, false);
    expect(reopened.producerState.lastEntry(1)?.lastSeq).toBe(0);
    expect(() => produce(reopened, 1, 5, [['k', 'gap']])).toThrow(expect.objectContaining({ code: ErrorCode.OutOfOrderSequenceNumber }));
    expect(produce(reopened, 1, 1, [['k', 'next']])[0]).toBe(7);
    expect(() => produce(reopened, 1, 1, [['k', 'next']])).not.toThrow(KafkaError);
    reopened.close();
  });
});
