import { describe, expect, it } from 'vitest';
import { InitProducerIdRequest, InitProducerIdResponse } from '../../../../src/protocol/messages/init-producer-id.js';
import {
  checkAllVersions,
  checkRoundTrip,
  checkUnknownTagsSkipped,
  decode,
  decodeKafkajsRequest,
  kafkajsEncoder,
  kafkajsReadsResponse,
} from './codec-kit.js';

describe('init-producer-id - kafkajs oracle', () => {
  it.each([0, 1])('decodes the v%i transactional request kafkajs writes', async (v) => {
    const req = await decodeKafkajsRequest(InitProducerIdRequest, 'initProducerId', v, {
      transactionalId: 'payments-tx-1',
      transactionTimeout: 60000,
    });
    expect(req).toEqual({ transactionalId: 'payments-tx-1', transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 });
  });

  it.each([0, 1])('decodes the v%i idempotent-only request (null transactional id)', async (v) => {
    const req = await decodeKafkajsRequest(InitProducerIdRequest, 'initProducerId', v, {
      transactionalId: null,
      transactionTimeout: 30000,
    });
    expect(req.transactionalId).toBeNull();
  });

  it.each([0, 1])('kafkajs reads our v%i response', async (v) => {
    const res = await kafkajsReadsResponse(InitProducerIdResponse, 'initProducerId', v, {
      throttleTimeMs: 0,
      errorCode: 0,
      producerId: 4_000_000_123,
      producerEpoch: 7,
    });
    expect(res).toMatchObject({ errorCode: 0, producerId: '4000000123', producerEpoch: 7 });
    const busy = await kafkajsReadsResponse(InitProducerIdResponse, 'initProducerId', v, {
      throttleTimeMs: 0,
      errorCode: 51,
      producerEpoch: -1,
    });
    expect(busy).toMatchObject({ errorCode: 51, producerId: '-1', producerEpoch: -1 });
  });
});

const requestSample = (v: number) => ({
  transactionalId: 'tx',
  transactionTimeoutMs: 900000,
  producerId: v >= 3 ? 1001 : -1,
  producerEpoch: v >= 3 ? 4 : -1,
});

describe('init-producer-id - every version', () => {
  it('round-trips requests v0–v4 and rejects every truncation', () => {
    expect(checkAllVersions(InitProducerIdRequest, requestSample)).toEqual([0, 1, 2, 3, 4]);
    checkRoundTrip(InitProducerIdRequest, 4, { transactionalId: null, transactionTimeoutMs: -1 });
  });

  it('round-trips responses v0–v4 and rejects every truncation', () => {
    const seen = checkAllVersions(InitProducerIdResponse, () => ({ throttleTimeMs: 0, errorCode: 90, producerId: 2 ** 50, producerEpoch: 0 }));
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it('decodes the v4 idempotent request librdkafka sends (hand-built with kafkajs Encoder)', () => {
    const body = kafkajsEncoder().writeUVarIntString(null).writeInt32(-1).writeInt64(-1).writeInt16(-1).writeUVarInt(0).buffer;
    expect(decode(InitProducerIdRequest, 4, body)).toEqual({
      transactionalId: null,
      transactionTimeoutMs: -1,
      producerId: -1,
      producerEpoch: -1,
    });
  });

  it('decodes the v4 KIP-360 epoch-bump request and writes the v4 response librdkafka reads', () => {
    const body = kafkajsEncoder().writeUVarIntString('tx').writeInt32(60000).writeInt64(1001).writeInt16(4).writeUVarInt(0).buffer;
    expect(decode(InitProducerIdRequest, 4, body)).toEqual({
      transactionalId: 'tx',
      transactionTimeoutMs: 60000,
      producerId: 1001,
      producerEpoch: 4,
    });
    const res = checkRoundTrip(InitProducerIdResponse, 4, { throttleTimeMs: 0, errorCode: 0, producerId: 1001, producerEpoch: 5 });
    expect(res).toEqual(kafkajsEncoder().writeInt32(0).writeInt16(0).writeInt64(1001).writeInt16(5).writeUVarInt(0).buffer);
  });

  it('v2 is the first flexible version (no producer id fields yet)', () => {
    const body = kafkajsEncoder().writeUVarIntString('tx').writeInt32(1000).writeUVarInt(0).buffer;
    expect(decode(InitProducerIdRequest, 2, body)).toEqual({ transactionalId: 'tx', transactionTimeoutMs: 1000, producerId: -1, producerEpoch: -1 });
  });

  it('flexible requests skip unknown tagged fields', () => {
    expect(checkUnknownTagsSkipped(InitProducerIdRequest, requestSample)).toEqual([2, 3, 4]);
  });
});
