import { describe, expect, it } from 'vitest';
import { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from '../../../../src/protocol/messages/add-offsets-to-txn.js';
import { checkAllVersions, decodeKafkajsRequest, encode, kafkajsEncoder, kafkajsReadsResponse } from './codec-kit.js';

describe('add-offsets-to-txn - kafkajs oracle', () => {
  it.each([0, 1])('decodes the v%i request kafkajs writes', async (v) => {
    const req = await decodeKafkajsRequest(AddOffsetsToTxnRequest, 'addOffsetsToTxn', v, {
      transactionalId: 'payments-tx-1',
      producerId: '77',
      producerEpoch: 3,
      groupId: 'payments-app',
    });
    expect(req).toEqual({ transactionalId: 'payments-tx-1', producerId: 77, producerEpoch: 3, groupId: 'payments-app' });
  });

  it.each([0, 1])('kafkajs reads our v%i response', async (v) => {
    const res = await kafkajsReadsResponse(AddOffsetsToTxnResponse, 'addOffsetsToTxn', v, { throttleTimeMs: 1, errorCode: 47 });
    expect(res.errorCode).toBe(47);
    expect(v === 0 ? res.throttleTime : res.clientSideThrottleTime).toBe(1);
  });
});

describe('add-offsets-to-txn - every version', () => {
  it('round-trips v0–v2 requests and responses and rejects every truncation', () => {
    const req = () => ({ transactionalId: 'tx', producerId: 2 ** 40, producerEpoch: 32767, groupId: 'g' });
    expect(checkAllVersions(AddOffsetsToTxnRequest, req)).toEqual([0, 1, 2]);
    expect(checkAllVersions(AddOffsetsToTxnResponse, (v) => ({ throttleTimeMs: 0, errorCode: v >= 2 ? 90 : 47 }))).toEqual([0, 1, 2]);
  });

  it('the v2 response is the same classic layout', () => {
    expect(encode(AddOffsetsToTxnResponse, 2, { throttleTimeMs: 3, errorCode: 90 })).toEqual(
      kafkajsEncoder().writeInt32(3).writeInt16(90).buffer,
    );
  });
});
