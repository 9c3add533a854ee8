/**
 * `__transaction_state` records against byte fixtures written out by hand from Kafka 2.7's
 * TransactionLog schemas (key v0: version, transactional_id; value v0: version, producer_id,
 * producer_epoch, transaction_timeout, transaction_status, nullable [topic, [partition]],
 * transaction_entry_timestamp, transaction_start_timestamp).
 */
import { describe, expect, it } from 'vitest';
import { buildTxnLogBatch, decodeTxnKey, decodeTxnValue, encodeTxnKey, encodeTxnValue, TxnLogFormatError } from '../../../../src/coordinator/transaction/transaction-log.js';
import { TxnState } from '../../../../src/coordinator/transaction/transaction-state.js';
import { readRecords, splitBatches } from '../../../../src/protocol/records/index.js';

/** Hex with `//` comments to the end of each line. */
const hex = (s: string) => Buffer.from(s.replace(/\/\/.*$/gm, '').replace(/\s+/g, ''), 'hex');

const ENTRY_TS = 1_700_000_000_000; // 0000018bcfe56800
const START_TS = 1_699_999_999_000; // 0000018bcfe56418

describe('__transaction_state key v0', () => {
  it('is int16 version 0 then the transactional id as an int16-length string', () => {
    const key = encodeTxnKey('txn-1');
    expect(key).toEqual(hex('0000 0005 74786e2d31'));
    expect(decodeTxnKey(key)).toBe('txn-1');
  });

  it('counts the UTF-8 bytes of the id', () => {
    expect(encodeTxnKey('é')).toEqual(hex('0000 0002 c3a9'));
    expect(decodeTxnKey(hex('0000 0002 c3a9'))).toBe('é');
  });

  it('refuses an unknown key version', () => {
    expect(() => decodeTxnKey(hex('0001 0001 61'))).toThrow(TxnLogFormatError);
  });
});

describe('__transaction_state value v0', () => {
  const ongoingFixture = hex(`
    0000                    // version 0
    00000000000003e8        // producer id 1000
    0003                    // epoch 3
    0000ea60                // timeout 60000
    01                      // Ongoing
    00000002                // 2 topics
      0001 61 00000002 00000000 00000001    // "a": [0, 1]
      0001 62 00000001 00000002             // "b": [2]
    0000018bcfe56800        // last update
    0000018bcfe56418        // start
  `);

  it('writes Ongoing with the partitions grouped by topic', () => {
    const bytes = encodeTxnValue({
      producerId: 1000,
      producerEpoch: 3,
      txnTimeoutMs: 60_000,
      state: TxnState.Ongoing,
      topicPartitions: [
        { topic: 'b', partition: 2 },
        { topic: 'a', partition: 1 },
        { topic: 'a', partition: 0 },
      ],
      txnLastUpdateTimestamp: ENTRY_TS,
      txnStartTimestamp: START_TS,
    });
    expect(bytes).toEqual(ongoingFixture);
  });

  it('reads the fixture back', () => {
    expect(decodeTxnValue(ongoingFixture)).toEqual({
      producerId: 1000,
      producerEpoch: 3,
      txnTimeoutMs: 60_000,
      state: TxnState.Ongoing,
      topicPartitions: [
        { topic: 'a', partition: 0 },
        { topic: 'a', partition: 1 },
        { topic: 'b', partition: 2 },
      ],
      txnLastUpdateTimestamp: ENTRY_TS,
      txnStartTimestamp: START_TS,
    });
  });

  it('writes Empty with null partitions (−1) and start timestamp −1', () => {
    const fixture = hex('0000 0000000000000007 0000 000dbba0 00 ffffffff 0000018bcfe56800 ffffffffffffffff');
    const bytes = encodeTxnValue({
      producerId: 7,
      producerEpoch: 0,
      txnTimeoutMs: 900_000,
      state: TxnState.Empty,
      topicPartitions: [],
      txnLastUpdateTimestamp: ENTRY_TS,
      txnStartTimestamp: -1,
    });
    expect(bytes).toEqual(fixture);
    expect(decodeTxnValue(fixture)?.topicPartitions).toEqual([]);
  });

  it('writes Complete* with an empty (not null) partition array', () => {
    const fixture = hex('0000 0000000000000007 0002 0000ea60 04 00000000 0000018bcfe56800 0000018bcfe56418');
    const value = { producerId: 7, producerEpoch: 2, txnTimeoutMs: 60_000, topicPartitions: [], txnLastUpdateTimestamp: ENTRY_TS, txnStartTimestamp: START_TS };
    expect(encodeTxnValue({ ...value, state: TxnState.CompleteCommit })).toEqual(fixture);
    expect(encodeTxnValue({ ...value, state: TxnState.CompleteAbort })[16]).toBe(5);
  });

  it('round-trips every state byte 0–7', () => {
    for (const state of Object.values(TxnState)) {
      const partitions = state === TxnState.Empty ? [] : [{ topic: 't', partition: 4 }];
      const v = { producerId: 42, producerEpoch: 5, txnTimeoutMs: 1000, state, topicPartitions: partitions, txnLastUpdateTimestamp: 10, txnStartTimestamp: 9 };
      const bytes = encodeTxnValue(v);
      expect(bytes[16]).toBe(state);
      expect(decodeTxnValue(bytes)).toEqual(v);
    }
  });

  it('refuses an Empty state with partitions, an unknown version or state, and truncated bytes', () => {
    expect(() =>
      encodeTxnValue({ producerId: 1, producerEpoch: 0, txnTimeoutMs: 1, state: TxnState.Empty, topicPartitions: [{ topic: 't', partition: 0 }], txnLastUpdateTimestamp: 0, txnStartTimestamp: -1 }),
    ).toThrow(TxnLogFormatError);
    expect(() => decodeTxnValue(hex('0001 0000000000000007'))).toThrow(TxnLogFormatError);
    expect(() => decodeTxnValue(hex('0000 0000000000000007 0000 0000ea60 09 ffffffff 0000018bcfe56800 ffffffffffffffff'))).toThrow(RangeError);
    expect(() => decodeTxnValue(hex('0000 0000000000000007 0000'))).toThrow();
  });

  it('a null value is a tombstone', () => {
    expect(decodeTxnValue(null)).toBeNull();
  });
});

describe('__transaction_state batches', () => {
  it('one magic-2 uncompressed CreateTime batch without a producer id; tombstones have null values', () => {
    const value = encodeTxnValue({ producerId: 1, producerEpoch: 0, txnTimeoutMs: 1000, state: TxnState.Empty, topicPartitions: [], txnLastUpdateTimestamp: 5, txnStartTimestamp: -1 });
    const batch = buildTxnLogBatch(
      [
        { transactionalId: 'x', value },
        { transactionalId: 'y', value: null },
      ],
      1234,
    );
    const [b] = splitBatches(batch);
    expect(b!.magic).toBe(2);
    expect(b!.compression).toBe(0);
    expect(b!.isTransactional).toBe(false);
    expect(b!.producerId).toBe(-1);
    expect(b!.isCrcValid()).toBe(true);
    const records = readRecords(b!, { maxUncompressedBytes: 1 << 20 });
    expect(records.map((r) => [decodeTxnKey(r.key!), r.value === null ? null : r.value.length, r.timestamp])).toEqual([
      ['x', value.length, 1234],
      ['y', null, 1234],
    ]);
  });
});
