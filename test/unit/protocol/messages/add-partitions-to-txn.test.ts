import { describe, expect, it } from 'vitest';
import { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from '../../../../src/protocol/messages/add-partitions-to-txn.js';
import { checkAllVersions, decodeKafkajsRequest, kafkajsReadsResponse } from './codec-kit.js';

describe('add-partitions-to-txn - kafkajs oracle', () => {
  it.each([0, 1])('decodes the v%i request kafkajs writes', async (v) => {
    const req = await decodeKafkajsRequest(AddPartitionsToTxnRequest, 'addPartitionsToTxn', v, {
      transactionalId: 'payments-tx-1',
      producerId: '4000000123',
      producerEpoch: 2,
      topics: [
        { topic: 'payments', partitions: [0, 1, 5] },
        { topic: 'audit', partitions: [3] },
      ],
    });
    expect(req).toEqual({
      transactionalId: 'payments-tx-1',
      producerId: 4_000_000_123,
      producerEpoch: 2,
      topics: [
        { name: 'payments', partitions: [0, 1, 5] },
        { name: 'audit', partitions: [3] },
      ],
    });
  });

  it.each([0, 1])('kafkajs reads our v%i response (unknown partition + OPERATION_NOT_ATTEMPTED)', async (v) => {
    const res = await kafkajsReadsResponse(AddPartitionsToTxnResponse, 'addPartitionsToTxn', v, {
      throttleTimeMs: 4,
      results: [
        { name: 'payments', results: [{ partitionIndex: 0, errorCode: 55 }, { partitionIndex: 1, errorCode: 55 }] },
        { name: 'nope', results: [{ partitionIndex: 0, errorCode: 3 }] },
      ],
    });
    expect(res.errors).toEqual([
      {
        topic: 'payments',
        partitionErrors: [
          { partition: 0, errorCode: 55 },
          { partition: 1, errorCode: 55 },
        ],
      },
      { topic: 'nope', partitionErrors: [{ partition: 0, errorCode: 3 }] },
    ]);
    expect(v === 0 ? res.throttleTime : res.clientSideThrottleTime).toBe(4);
  });
});

describe('add-partitions-to-txn - every version', () => {
  it('round-trips requests v0–v2 and rejects every truncation', () => {
    const seen = checkAllVersions(AddPartitionsToTxnRequest, () => ({
      transactionalId: 'tx',
      producerId: 17,
      producerEpoch: 0,
      topics: [{ name: 't', partitions: [2, 4] }],
    }));
    expect(seen).toEqual([0, 1, 2]);
  });

  it('round-trips responses v0–v2 and rejects every truncation', () => {
    const seen = checkAllVersions(AddPartitionsToTxnResponse, (v) => ({
      throttleTimeMs: 0,
      results: [{ name: 't', results: [{ partitionIndex: 2, errorCode: v >= 2 ? 90 : 47 }] }],
    }));
    expect(seen).toEqual([0, 1, 2]);
  });

  it('is never flexible in 2.7', () => {
    expect([0, 1, 2].some((v) => AddPartitionsToTxnRequest.isFlexible(v))).toBe(false);
  });
});
