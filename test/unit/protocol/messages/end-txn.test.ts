import { describe, expect, it } from 'vitest';
import { EndTxnRequest, EndTxnResponse } from '../../../../src/protocol/messages/end-txn.js';
import { checkAllVersions, decodeKafkajsRequest, kafkajsReadsResponse } from './codec-kit.js';

describe('end-txn - kafkajs oracle', () => {
  it.each([
    [0, true],
    [0, false],
    [1, true],
    [1, false],
  ] as const)('decodes the v%i request kafkajs writes (committed=%s)', async (v, committed) => {
    const req = await decodeKafkajsRequest(EndTxnRequest, 'endTxn', v, {
      transactionalId: 'payments-tx-1',
      producerId: '4000000123',
      producerEpoch: 2,
      transactionResult: committed,
    });
    expect(req).toEqual({ transactionalId: 'payments-tx-1', producerId: 4_000_000_123, producerEpoch: 2, committed });
  });

  it.each([0, 1])('kafkajs reads our v%i response', async (v) => {
    const res = await kafkajsReadsResponse(EndTxnResponse, 'endTxn', v, { throttleTimeMs: 0, errorCode: 48 });
    expect(res.errorCode).toBe(48);
  });
});

describe('end-txn - every version', () => {
  it('round-trips v0–v2 requests and responses and rejects every truncation', () => {
    const req = () => ({ transactionalId: 'tx', producerId: 5, producerEpoch: 1, committed: true });
    expect(checkAllVersions(EndTxnRequest, req)).toEqual([0, 1, 2]);
    expect(checkAllVersions(EndTxnResponse, () => ({ throttleTimeMs: 10, errorCode: 51 }))).toEqual([0, 1, 2]);
  });
});
