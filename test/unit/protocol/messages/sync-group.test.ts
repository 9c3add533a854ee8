import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { SyncGroupRequest, SyncGroupResponse } from '../../../../src/protocol/messages/sync-group.js';
import {
  checkAllVersions,
  checkRoundTrip,
  checkUnknownTagsSkipped,
  decode,
  decodeKafkajsRequest,
  kafkajsEncoder,
  kafkajsReadsResponse,
} from './codec-kit.js';

const require = createRequire(import.meta.url);
const { MemberAssignment } = require('kafkajs/src/consumer/assignerProtocol.js') as {
  MemberAssignment: { encode(a: { version: number; assignment: Record<string, number[]> }): Buffer };
};
const assignA = MemberAssignment.encode({ version: 0, assignment: { orders: [0, 2], payments: [1] } });
const assignB = MemberAssignment.encode({ version: 0, assignment: { orders: [1] } });

describe('sync-group - kafkajs oracle', () => {
  it.each([0, 1, 2, 3])('decodes the v%i leader request kafkajs writes', async (v) => {
    const req = await decodeKafkajsRequest(SyncGroupRequest, 'syncGroup', v, {
      groupId: 'orders-app',
      generationId: 4,
      memberId: 'm-1',
      groupInstanceId: v >= 3 ? 'host-1' : undefined,
      groupAssignment: [
        { memberId: 'm-1', memberAssignment: assignA },
        { memberId: 'm-2', memberAssignment: assignB },
      ],
    });
    expect(req).toEqual({
      groupId: 'orders-app',
      generationId: 4,
      memberId: 'm-1',
      groupInstanceId: v >= 3 ? 'host-1' : null,
      protocolType: null,
      protocolName: null,
      assignments: [
        { memberId: 'm-1', assignment: assignA },
        { memberId: 'm-2', assignment: assignB },
      ],
    });
  });

  it.each([0, 1, 2, 3])('kafkajs reads our v%i response', async (v) => {
    const res = await kafkajsReadsResponse(SyncGroupResponse, 'syncGroup', v, {
      throttleTimeMs: 5,
      errorCode: 0,
      assignment: assignA,
    });
    expect(res).toMatchObject({ errorCode: 0, memberAssignment: assignA });
    if (v === 1) expect(res.throttleTime).toBe(5);
    if (v >= 2) expect(res.clientSideThrottleTime).toBe(5);
    const rebalancing = await kafkajsReadsResponse(SyncGroupResponse, 'syncGroup', v, {
      errorCode: 27,
      assignment: Buffer.alloc(0),
    });
    expect(rebalancing).toMatchObject({ errorCode: 27, memberAssignment: Buffer.alloc(0) });
  });
});

const requestSample = (v: number) => ({
  groupId: 'g',
  generationId: 2,
  memberId: 'm-1',
  groupInstanceId: v >= 3 ? 'i-1' : null,
  protocolType: v >= 5 ? 'consumer' : null,
  protocolName: v >= 5 ? 'range' : null,
  assignments: [{ memberId: 'm-1', assignment: assignA }],
});
const responseSample = (v: number) => ({
  throttleTimeMs: 1,
  errorCode: 0,
  protocolType: v >= 5 ? 'consumer' : null,
  protocolName: v >= 5 ? 'range' : null,
  assignment: assignB,
});

describe('sync-group - every version', () => {
  it('round-trips requests v0–v5 and rejects every truncation', () => {
    expect(checkAllVersions(SyncGroupRequest, requestSample)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('round-trips responses v0–v5 and rejects every truncation', () => {
    expect(checkAllVersions(SyncGroupResponse, responseSample)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('a follower request (no assignments, null protocol fields) round-trips at v5', () => {
    checkRoundTrip(SyncGroupRequest, 5, { ...requestSample(5), protocolType: null, protocolName: null, assignments: [] });
  });

  it('v4 request layout is compact (hand-built with kafkajs Encoder), nested tags skipped', () => {
    const entry = kafkajsEncoder()
      .writeUVarIntString('m-1')
      .writeUVarIntBytes(assignA)
      .writeUVarInt(1) // one unknown tag inside the assignment struct
      .writeUVarInt(9)
      .writeUVarInt(1)
      .writeInt8(7);
    const body = kafkajsEncoder()
      .writeUVarIntString('g')
      .writeInt32(2)
      .writeUVarIntString('m-1')
      .writeUVarIntString(null)
      .writeUVarInt(2)
      .writeBuffer(entry.buffer)
      .writeUVarInt(0).buffer;
    expect(decode(SyncGroupRequest, 4, body)).toEqual({
      groupId: 'g',
      generationId: 2,
      memberId: 'm-1',
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [{ memberId: 'm-1', assignment: assignA }],
    });
  });

  it('flexible requests skip unknown tagged fields', () => {
    expect(checkUnknownTagsSkipped(SyncGroupRequest, requestSample)).toEqual([4, 5]);
  });
});
