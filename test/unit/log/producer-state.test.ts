/**
 * Producer state through a real Log (transactions-and-compaction.md §1.4–1.5, §5.1 U2/U3): every row
 * of the client outcome table (duplicate → original offsets and max timestamp, nothing written; lower
 * epoch → 47; higher epoch needs seq 0; same epoch needs last + 1; unknown producer → any seq, KIP-360;
 * librdkafka's local epoch bump), INVALID_TXN_STATE, sequence wrap, the coordinator origin's marker
 * checks (47, 52) and the replication origin applying everything unchecked. After every refusal the
 * log end is unchanged.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaError } from '../../../src/common/errors.js';
import type { Log } from '../../../src/log/log.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { buildRecordBatch } from '../../../src/protocol/records/index.js';
import { TempDirs, openTestLog } from './log-test-kit.js';
import { NOW, idem, marker } from './producer-kit.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

function codeOf(fn: () => unknown): ErrorCode | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (err instanceof KafkaError) return err.code;
    throw err;
  }
}

/** Appends and expects a refusal with `code` and nothing written. */
function refused(log: Log, batch: Buffer, code: ErrorCode, origin: 'client' | 'coordinator' = 'client'): void {
  const end = log.logEndOffset;
  expect(codeOf(() => log.append(batch, 0, origin))).toBe(code);
  expect(log.logEndOffset).toBe(end);
}

describe('producer state - client appends (the §1.4 outcome table)', () => {
  it('an exact retry of one of the last 5 batches: NONE with the original offsets and max timestamp, nothing written', () => {
    const log = openTestLog(dirs.make());
    const infos = [0, 2, 4, 6, 8, 10].map((seq) => log.append(idem({ seq, ts: NOW + seq * 10 }), 0));
    const end = log.logEndOffset;
    const retry = log.append(idem({ seq: 4, ts: 999 }), 0);
    expect(retry).toMatchObject({ duplicate: true, firstOffset: infos[2]!.firstOffset, lastOffset: infos[2]!.lastOffset, logAppendTime: NOW + 40 + 1 });
    expect(log.logEndOffset).toBe(end);
    // seq 0 was the 6th batch back: no longer retained, so it is an old sequence, not a duplicate
    refused(log, idem({ seq: 0 }), ErrorCode.OutOfOrderSequenceNumber);
    // overlapping a retained batch without matching it exactly is not a duplicate either
    refused(log, idem({ seq: 4, count: 1 }), ErrorCode.OutOfOrderSequenceNumber);
    expect(log.append(idem({ seq: 12 }), 0).duplicate).toBeUndefined();
  });

  it('same epoch: the next sequence must be last + 1 (gap or repeat → OUT_OF_ORDER_SEQUENCE_NUMBER)', () => {
    const log = openTestLog(dirs.make());
    log.append(idem({ seq: 0, count: 3 }), 0);
    refused(log, idem({ seq: 5 }), ErrorCode.OutOfOrderSequenceNumber);
    refused(log, idem({ seq: 1 }), ErrorCode.OutOfOrderSequenceNumber);
    expect(log.append(idem({ seq: 3 }), 0).firstOffset).toBe(3);
  });

  it('lower epoch → INVALID_PRODUCER_EPOCH; higher epoch must start at 0; librdkafka\'s own bump (epoch + 1, seq 0) is accepted', () => {
    const log = openTestLog(dirs.make());
    log.append(idem({ epoch: 3, seq: 0 }), 0);
    log.append(idem({ epoch: 3, seq: 2 }), 0);
    refused(log, idem({ epoch: 2, seq: 4 }), ErrorCode.InvalidProducerEpoch);
    refused(log, idem({ epoch: 4, seq: 4 }), ErrorCode.OutOfOrderSequenceNumber);
    log.append(idem({ epoch: 4, seq: 0 }), 0);
    // the new epoch's batches replaced the old ones: a retry of epoch 3's seq 2 is now a stale epoch
    refused(log, idem({ epoch: 3, seq: 2 }), ErrorCode.InvalidProducerEpoch);
    expect(log.producerState.lastEntry(7)).toMatchObject({ producerEpoch: 4, lastSeq: 1 });
  });

  it('an unknown producer id may start at any sequence (KIP-360); the next must follow it', () => {
    const log = openTestLog(dirs.make());
    expect(log.append(idem({ pid: 99, seq: 1234 }), 0).firstOffset).toBe(0);
    refused(log, idem({ pid: 99, seq: 1300 }), ErrorCode.OutOfOrderSequenceNumber);
    expect(log.append(idem({ pid: 99, seq: 1236 }), 0).firstOffset).toBe(2);
  });

  it('sequence wrap: BaseSequence 2147483645 + 4 records ends at 1; the next starts at 2; 2147483647 → 0', () => {
    const log = openTestLog(dirs.make());
    log.append(idem({ seq: 2147483645, count: 5 }), 0);
    expect(log.producerState.lastEntry(7)?.lastSeq).toBe(1);
    refused(log, idem({ seq: 0 }), ErrorCode.OutOfOrderSequenceNumber);
    log.append(idem({ seq: 2 }), 0);
    const other = openTestLog(dirs.make());
    other.append(idem({ seq: 2147483646, count: 2 }), 0);
    expect(other.producerState.lastEntry(7)?.lastSeq).toBe(2147483647);
    expect(other.append(idem({ seq: 0 }), 0).firstOffset).toBe(2);
  });

  it('a retry identical to a batch whose range wraps is still recognised', () => {
    const log = openTestLog(dirs.make());
    const first = log.append(idem({ seq: 2147483646, count: 4 }), 0);
    expect(log.append(idem({ seq: 2147483646, count: 4 }), 0)).toMatchObject({ duplicate: true, firstOffset: first.firstOffset });
  });

  it('non-idempotent batches (pid -1, or kafkajs\' pid -1 epoch 0 seq 0) never touch the producer state', () => {
    const log = openTestLog(dirs.make());
    const plain = buildRecordBatch([{ value: Buffer.from('a'), timestamp: NOW }], { producerId: -1, producerEpoch: 0, baseSequence: 0 });
    log.append(plain, 0);
    log.append(Buffer.from(plain), 0);
    expect(log.producerState.activeProducers.size).toBe(0);
    expect(log.logEndOffset).toBe(2);
  });

  it('transactions: a non-transactional batch while one is open → INVALID_TXN_STATE; transactional data opens one', () => {
    const log = openTestLog(dirs.make());
    log.append(idem({ seq: 0, txn: true }), 0);
    expect(log.producerState.lastEntry(7)?.currentTxnFirstOffset).toBe(0);
    refused(log, idem({ seq: 2 }), ErrorCode.InvalidTxnState);
    log.append(idem({ seq: 2, txn: true }), 0);
    expect(log.firstUnstableOffset).toBe(0);
  });
});

describe('producer state - markers (coordinator origin) and replication', () => {
  it('a marker ends the open transaction; a marker with a lower producer epoch → INVALID_PRODUCER_EPOCH', () => {
    const log = openTestLog(dirs.make());
    log.append(idem({ epoch: 2, seq: 0, txn: true }), 0);
    refused(log, marker(true, { epoch: 1 }), ErrorCode.InvalidProducerEpoch, 'coordinator');
    log.append(marker(true, { epoch: 2, coordinatorEpoch: 5 }), 0, 'coordinator');
    expect(log.producerState.lastEntry(7)).toMatchObject({ currentTxnFirstOffset: -1, coordinatorEpoch: 5, producerEpoch: 2 });
  });

  it('a coordinator epoch older than the last marker\'s → TRANSACTION_COORDINATOR_FENCED, nothing written', () => {
    const log = openTestLog(dirs.make());
    log.append(idem({ seq: 0, txn: true }), 0);
    log.append(marker(false, { coordinatorEpoch: 5 }), 0, 'coordinator');
    log.append(idem({ seq: 2, txn: true }), 0);
    refused(log, marker(true, { coordinatorEpoch: 4 }), ErrorCode.TransactionCoordinatorFenced, 'coordinator');
    log.append(marker(true, { coordinatorEpoch: 5 }), 0, 'coordinator');
  });

  it('a marker with a higher epoch (a fencing abort) clears the batches: the producer then needs seq 0 at that epoch', () => {
    const log = openTestLog(dirs.make());
    log.append(idem({ seq: 0, txn: true }), 0);
    log.append(marker(false, { epoch: 1 }), 0, 'coordinator');
    refused(log, idem({ epoch: 0, seq: 2, txn: true }), ErrorCode.InvalidProducerEpoch);
    refused(log, idem({ epoch: 1, seq: 2, txn: true }), ErrorCode.OutOfOrderSequenceNumber);
    log.append(idem({ epoch: 1, seq: 0, txn: true }), 0);
  });

  it('replication applies lower epochs, gaps and stale coordinator epochs without refusing (followers mirror the leader)', () => {
    const log = openTestLog(dirs.make());
    log.appendAsFollower(idem({ epoch: 3, seq: 0, baseOffset: 0 }));
    log.appendAsFollower(idem({ epoch: 2, seq: 50, baseOffset: 2 }));
    log.appendAsFollower(idem({ epoch: 3, seq: 90, baseOffset: 4, txn: true }));
    log.appendAsFollower(marker(true, { epoch: 3, coordinatorEpoch: 9, baseOffset: 6 }));
    log.appendAsFollower(marker(true, { epoch: 3, coordinatorEpoch: 1, baseOffset: 7 }));
    expect(log.logEndOffset).toBe(8);
    expect(log.producerState.lastEntry(7)).toMatchObject({ producerEpoch: 3, lastSeq: 91, coordinatorEpoch: 1, currentTxnFirstOffset: -1 });
  });

  it('a follower that becomes leader dedupes a retry of what it replicated', () => {
    const log = openTestLog(dirs.make());
    log.appendAsFollower(idem({ seq: 0, baseOffset: 0 }));
    log.appendAsFollower(idem({ seq: 2, baseOffset: 2 }));
    expect(log.append(idem({ seq: 2 }), 1)).toMatchObject({ duplicate: true, firstOffset: 2 });
    expect(log.append(idem({ seq: 4 }), 1).firstOffset).toBe(4);
  });
});

describe('producer state - expiry', () => {
  it('an idle producer is forgotten after transactional.id.expiration.ms (from its batch timestamps), never with an open transaction', () => {
    const log = openTestLog(dirs.make(), { maxProducerIdExpirationMs: 1000 });
    log.append(idem({ pid: 1, seq: 0, ts: NOW }), 0);
    log.append(idem({ pid: 2, seq: 0, ts: NOW, txn: true }), 0);
    expect(log.producerState.removeExpiredProducers(NOW + 999)).toBe(0);
    expect(log.producerState.removeExpiredProducers(NOW + 1001)).toBe(1);
    expect(log.producerState.lastEntry(1)).toBeUndefined();
    expect(log.producerState.lastEntry(2)).toBeDefined();
    // no state → any sequence is accepted again
    expect(log.append(idem({ pid: 1, seq: 40 }), 0).duplicate).toBeUndefined();
  });
});
