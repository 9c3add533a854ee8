import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { JoinGroupRequest, JoinGroupResponse } from '../../../../src/protocol/messages/join-group.js';
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
const { MemberMetadata } = require('kafkajs/src/consumer/assignerProtocol.js') as {
  MemberMetadata: { encode(m: { version: number; topics: string[]; userData?: Buffer }): Buffer };
};

const metadata = MemberMetadata.encode({ version: 1, topics: ['orders', 'payments'], userData: Buffer.from('rack=a') });

const kafkajsArgs = {
  groupId: 'orders-app',
  sessionTimeout: 30000,
  rebalanceTimeout: 60000,
  memberId: 'orders-app-client-5f0c',
  groupInstanceId: null,
  protocolType: 'consumer',
  groupProtocols: [
    { name: 'RoundRobinAssigner', metadata },
    { name: 'range', metadata: Buffer.alloc(0) },
  ],
};

describe('join-group - kafkajs oracle', () => {
  it.each([0, 1, 2, 3, 4, 5])('decodes the v%i request kafkajs writes', async (v) => {
    const req = await decodeKafkajsRequest(JoinGroupRequest, 'joinGroup', v, kafkajsArgs);
    expect(req).toEqual({
      groupId: 'orders-app',
      sessionTimeoutMs: 30000,
      rebalanceTimeoutMs: v >= 1 ? 60000 : -1,
      memberId: 'orders-app-client-5f0c',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [
        { name: 'RoundRobinAssigner', metadata },
        { name: 'range', metadata: Buffer.alloc(0) },
      ],
    });
  });

  it('decodes a v5 request with a static member id', async () => {
    const req = await decodeKafkajsRequest(JoinGroupRequest, 'joinGroup', 5, { ...kafkajsArgs, groupInstanceId: 'host-7' });
    expect(req.groupInstanceId).toBe('host-7');
  });

  it.each([0, 1, 2, 3, 4, 5])('kafkajs reads our v%i leader response', async (v) => {
    const res = await kafkajsReadsResponse(JoinGroupResponse, 'joinGroup', v, {
      throttleTimeMs: 0,
      errorCode: 0,
      generationId: 4,
      protocolName: 'RoundRobinAssigner',
      leader: 'm-1',
      memberId: 'm-1',
      members: [
        { memberId: 'm-1', groupInstanceId: null, metadata },
        { memberId: 'm-2', groupInstanceId: v >= 5 ? 'host-2' : null, metadata: Buffer.from([0, 0]) },
      ],
    });
    expect(res).toMatchObject({
      errorCode: 0,
      generationId: 4,
      groupProtocol: 'RoundRobinAssigner',
      leaderId: 'm-1',
      memberId: 'm-1',
    });
    const members = res.members as Array<Record<string, unknown>>;
    expect(members.map((m) => m.memberId)).toEqual(['m-1', 'm-2']);
    expect(members[0]!.memberMetadata).toEqual(metadata);
    expect(members[1]!.memberMetadata).toEqual(Buffer.from([0, 0]));
    if (v >= 5) expect(members.map((m) => m.groupInstanceId)).toEqual([null, 'host-2']);
  });

  it.each([4, 5])('kafkajs reads a v%i MEMBER_ID_REQUIRED answer carrying the new member id', async (v) => {
    const res = await kafkajsReadsResponse(JoinGroupResponse, 'joinGroup', v, {
      throttleTimeMs: 0,
      errorCode: 79,
      generationId: -1,
      protocolName: '',
      leader: '',
      memberId: 'kafkajs-2c1d9d9b-64bd-4d6b-b1b9-b9a3a6b4e5c1',
      members: [],
    });
    expect(res).toMatchObject({ errorCode: 79, memberId: 'kafkajs-2c1d9d9b-64bd-4d6b-b1b9-b9a3a6b4e5c1', members: [] });
  });
});

const requestSample = (v: number) => ({
  groupId: 'g',
  sessionTimeoutMs: 10000,
  rebalanceTimeoutMs: 45000,
  memberId: 'rdkafka-1b2c',
  groupInstanceId: v >= 5 ? 'static-1' : null,
  protocolType: 'consumer',
  protocols: [
    { name: 'range', metadata },
    { name: 'roundrobin', metadata },
  ],
});

const responseSample = (v: number) => ({
  throttleTimeMs: 3,
  errorCode: 0,
  generationId: 9,
  protocolType: v >= 7 ? 'consumer' : null,
  protocolName: 'range',
  leader: 'm-a',
  memberId: 'm-b',
  members: [{ memberId: 'm-a', groupInstanceId: v >= 5 ? 'static-a' : null, metadata }],
});

describe('join-group - every version', () => {
  it('round-trips requests v0–v7 and rejects every truncation', () => {
    expect(checkAllVersions(JoinGroupRequest, requestSample)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('round-trips responses v0–v7 and rejects every truncation', () => {
    expect(checkAllVersions(JoinGroupResponse, responseSample)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('v7 error responses may carry null protocol type and name; older versions may not', () => {
    const err = { ...responseSample(7), errorCode: 27, protocolType: null, protocolName: null, members: [] };
    checkRoundTrip(JoinGroupResponse, 7, err);
    expect(() => checkRoundTrip(JoinGroupResponse, 6, err)).toThrow(RangeError);
  });

  it('v6 request layout is compact with per-struct tag sections (hand-built with kafkajs Encoder)', () => {
    const protocol = kafkajsEncoder().writeUVarIntString('range').writeUVarIntBytes(metadata).writeUVarInt(0);
    const body = kafkajsEncoder()
      .writeUVarIntString('g')
      .writeInt32(10000)
      .writeInt32(45000)
      .writeUVarIntString('')
      .writeUVarIntString(null)
      .writeUVarIntString('consumer')
      .writeUVarInt(2)
      .writeBuffer(protocol.buffer)
      .writeUVarInt(0).buffer;
    expect(decode(JoinGroupRequest, 6, body)).toEqual({
      groupId: 'g',
      sessionTimeoutMs: 10000,
      rebalanceTimeoutMs: 45000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata }],
    });
  });

  it('flexible requests skip unknown tagged fields', () => {
    expect(checkUnknownTagsSkipped(JoinGroupRequest, requestSample)).toEqual([6, 7]);
  });

  it('throttle time leads the response only from v2', () => {
    expect(checkRoundTrip(JoinGroupResponse, 1, responseSample(1)).readInt16BE(0)).toBe(0); // errorCode
    expect(checkRoundTrip(JoinGroupResponse, 2, responseSample(2)).readInt32BE(0)).toBe(3); // throttleTimeMs
  });
});
