import { describe, expect, it } from 'vitest';
import { LeaveGroupRequest, LeaveGroupResponse } from '../../../../src/protocol/messages/leave-group.js';
import {
  checkAllVersions,
  checkUnknownTagsSkipped,
  decode,
  decodeKafkajsRequest,
  kafkajsEncoder,
  kafkajsReadsResponse,
} from './codec-kit.js';

describe('leave-group - kafkajs oracle', () => {
  it.each([0, 1, 2])('decodes the v%i single-member request kafkajs writes', async (v) => {
    const req = await decodeKafkajsRequest(LeaveGroupRequest, 'leaveGroup', v, { groupId: 'orders-app', memberId: 'm-9' });
    expect(req).toEqual({ groupId: 'orders-app', memberId: 'm-9', members: [] });
  });

  it('decodes the v3 batch request kafkajs writes', async () => {
    const req = await decodeKafkajsRequest(LeaveGroupRequest, 'leaveGroup', 3, {
      groupId: 'orders-app',
      members: [{ memberId: 'm-9' }, { memberId: 'm-10', groupInstanceId: 'pod-10' }],
    });
    expect(req).toEqual({
      groupId: 'orders-app',
      memberId: '',
      members: [
        { memberId: 'm-9', groupInstanceId: null },
        { memberId: 'm-10', groupInstanceId: 'pod-10' },
      ],
    });
  });

  it.each([0, 1, 2])('kafkajs reads our v%i response', async (v) => {
    const res = await kafkajsReadsResponse(LeaveGroupResponse, 'leaveGroup', v, { throttleTimeMs: 4, errorCode: 0 });
    expect(res.errorCode).toBe(0);
    if (v === 1) expect(res.throttleTime).toBe(4);
    if (v === 2) expect(res.clientSideThrottleTime).toBe(4);
  });

  it('kafkajs reads our v3 response with per-member errors', async () => {
    const res = await kafkajsReadsResponse(LeaveGroupResponse, 'leaveGroup', 3, {
      throttleTimeMs: 4,
      errorCode: 0,
      members: [
        { memberId: 'm-9', groupInstanceId: null, errorCode: 0 },
        { memberId: 'm-10', groupInstanceId: 'pod-10', errorCode: 25 },
      ],
    });
    expect(res).toEqual({
      throttleTime: 0,
      clientSideThrottleTime: 4,
      errorCode: 0,
      members: [
        { memberId: 'm-9', groupInstanceId: null, errorCode: 0 },
        { memberId: 'm-10', groupInstanceId: 'pod-10', errorCode: 25 },
      ],
    });
  });
});

const requestSample = (v: number) =>
  v < 3
    ? { groupId: 'g', memberId: 'm-1' }
    : { groupId: 'g', members: [{ memberId: 'm-1', groupInstanceId: null }, { memberId: 'm-2', groupInstanceId: 's-2' }] };
const responseSample = () => ({
  throttleTimeMs: 8,
  errorCode: 0,
  members: [{ memberId: 'm-1', groupInstanceId: 's-1', errorCode: 82 }],
});

describe('leave-group - every version', () => {
  it('round-trips requests v0–v4 (memberId until v2, members from v3) and rejects every truncation', () => {
    expect(checkAllVersions(LeaveGroupRequest, requestSample)).toEqual([0, 1, 2, 3, 4]);
  });

  it('round-trips responses v0–v4 and rejects every truncation', () => {
    expect(checkAllVersions(LeaveGroupResponse, responseSample)).toEqual([0, 1, 2, 3, 4]);
  });

  it('a v3 request does not carry the single member id', () => {
    const body = kafkajsEncoder().writeString('g').writeArray([]).buffer;
    expect(decode(LeaveGroupRequest, 3, body)).toEqual({ groupId: 'g', memberId: '', members: [] });
  });

  it('v4 request layout is compact (hand-built with kafkajs Encoder)', () => {
    const member = kafkajsEncoder().writeUVarIntString('m-1').writeUVarIntString('s-1').writeUVarInt(0);
    const body = kafkajsEncoder().writeUVarIntString('g').writeUVarInt(2).writeBuffer(member.buffer).writeUVarInt(0).buffer;
    expect(decode(LeaveGroupRequest, 4, body)).toEqual({
      groupId: 'g',
      memberId: '',
      members: [{ memberId: 'm-1', groupInstanceId: 's-1' }],
    });
  });

  it('flexible requests skip unknown tagged fields', () => {
    expect(checkUnknownTagsSkipped(LeaveGroupRequest, requestSample)).toEqual([4]);
  });
});
