import { describe, expect, it } from 'vitest';
import { HeartbeatRequest, HeartbeatResponse } from '../../../../src/protocol/messages/heartbeat.js';
import {
  checkAllVersions,
  checkUnknownTagsSkipped,
  decode,
  decodeKafkajsRequest,
  kafkajsEncoder,
  kafkajsReadsResponse,
} from './codec-kit.js';

describe('heartbeat - kafkajs oracle', () => {
  it.each([0, 1, 2, 3])('decodes the v%i request kafkajs writes', async (v) => {
    const req = await decodeKafkajsRequest(HeartbeatRequest, 'heartbeat', v, {
      groupId: 'orders-app',
      groupGenerationId: 11,
      memberId: 'orders-app-m-3',
      groupInstanceId: v >= 3 ? 'pod-3' : undefined,
    });
    expect(req).toEqual({
      groupId: 'orders-app',
      generationId: 11,
      memberId: 'orders-app-m-3',
      groupInstanceId: v >= 3 ? 'pod-3' : null,
    });
  });

  it.each([0, 1, 2, 3])('kafkajs reads our v%i response', async (v) => {
    const res = await kafkajsReadsResponse(HeartbeatResponse, 'heartbeat', v, { throttleTimeMs: 9, errorCode: 0 });
    expect(res.errorCode).toBe(0);
    if (v === 0) expect(Object.keys(res)).toEqual(['errorCode']);
    if (v === 1) expect(res.throttleTime).toBe(9);
    if (v >= 2) expect(res.clientSideThrottleTime).toBe(9);
  });

  it.each([0, 1, 2, 3])('kafkajs reads a v%i REBALANCE_IN_PROGRESS answer', async (v) => {
    // kafkajs's decode itself throws only for UNSUPPORTED_VERSION; 27 must come through.
    const res = await kafkajsReadsResponse(HeartbeatResponse, 'heartbeat', v, { errorCode: 27 });
    expect(res.errorCode).toBe(27);
  });
});

const requestSample = (v: number) => ({
  groupId: 'g',
  generationId: 3,
  memberId: 'm',
  groupInstanceId: v >= 3 ? 'static' : null,
});

describe('heartbeat - every version', () => {
  it('round-trips requests v0–v4 and rejects every truncation', () => {
    expect(checkAllVersions(HeartbeatRequest, requestSample)).toEqual([0, 1, 2, 3, 4]);
  });

  it('round-trips responses v0–v4 and rejects every truncation', () => {
    expect(checkAllVersions(HeartbeatResponse, () => ({ throttleTimeMs: 2, errorCode: 25 }))).toEqual([0, 1, 2, 3, 4]);
  });

  it('v4 request layout is compact (hand-built with kafkajs Encoder)', () => {
    const body = kafkajsEncoder()
      .writeUVarIntString('g')
      .writeInt32(3)
      .writeUVarIntString('m')
      .writeUVarIntString('static')
      .writeUVarInt(0).buffer;
    expect(decode(HeartbeatRequest, 4, body)).toEqual(requestSample(4));
  });

  it('flexible requests skip unknown tagged fields', () => {
    expect(checkUnknownTagsSkipped(HeartbeatRequest, requestSample)).toEqual([4]);
  });
});
