import { describe, expect, it } from 'vitest';
import { DescribeGroupsRequest, DescribeGroupsResponse } from '../../../../src/protocol/messages/describe-groups.js';
import {
  checkAllVersions,
  checkUnknownTagsSkipped,
  decode,
  decodeKafkajsRequest,
  kafkajsEncoder,
  kafkajsReadsResponse,
} from './codec-kit.js';

const meta = Buffer.from([0, 1, 0, 0, 0, 1, 0, 6, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x73, 0xff, 0xff, 0xff, 0xff]);
const assignment = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

const stableGroup = (v: number) => ({
  errorCode: 0,
  groupId: 'orders-app',
  groupState: 'Stable',
  protocolType: 'consumer',
  protocolData: 'RoundRobinAssigner',
  members: [
    {
      memberId: 'm-1',
      groupInstanceId: v >= 4 ? 'pod-1' : null,
      clientId: 'orders-client',
      clientHost: '/10.0.0.7',
      memberMetadata: meta,
      memberAssignment: assignment,
    },
  ],
  authorizedOperations: v >= 3 ? 0b1_1000 : -2147483648,
});
const deadGroup = {
  errorCode: 0,
  groupId: 'nobody',
  groupState: 'Dead',
  protocolType: '',
  protocolData: '',
  members: [],
};

describe('describe-groups - kafkajs oracle', () => {
  it.each([0, 1, 2])('decodes the v%i request kafkajs writes', async (v) => {
    const req = await decodeKafkajsRequest(DescribeGroupsRequest, 'describeGroups', v, { groupIds: ['orders-app', 'nobody'] });
    expect(req).toEqual({ groups: ['orders-app', 'nobody'], includeAuthorizedOperations: false });
  });

  it.each([0, 1, 2])('kafkajs reads our v%i response (a Stable and an unknown group)', async (v) => {
    const res = await kafkajsReadsResponse(DescribeGroupsResponse, 'describeGroups', v, {
      throttleTimeMs: 2,
      groups: [stableGroup(v), deadGroup],
    });
    expect(res.groups).toEqual([
      {
        errorCode: 0,
        groupId: 'orders-app',
        state: 'Stable',
        protocolType: 'consumer',
        protocol: 'RoundRobinAssigner',
        members: [
          { memberId: 'm-1', clientId: 'orders-client', clientHost: '/10.0.0.7', memberMetadata: meta, memberAssignment: assignment },
        ],
      },
      { errorCode: 0, groupId: 'nobody', state: 'Dead', protocolType: '', protocol: '', members: [] },
    ]);
    if (v === 1) expect(res.throttleTime).toBe(2);
    if (v === 2) expect(res.clientSideThrottleTime).toBe(2);
  });
});

describe('describe-groups - every version', () => {
  it('round-trips requests v0–v5 and rejects every truncation', () => {
    const seen = checkAllVersions(DescribeGroupsRequest, (v) => ({ groups: ['a', 'b'], includeAuthorizedOperations: v >= 3 }));
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('round-trips responses v0–v5 and rejects every truncation', () => {
    const seen = checkAllVersions(DescribeGroupsResponse, (v) => ({ throttleTimeMs: 0, groups: [stableGroup(v), deadGroup] }));
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('authorized operations default to INT32_MIN ("not requested")', () => {
    const body = kafkajsEncoder().writeInt32(0).writeArray([]).buffer;
    expect(decode(DescribeGroupsResponse, 1, body)).toEqual({ throttleTimeMs: 0, groups: [] });
    const v3 = decode(
      DescribeGroupsResponse,
      3,
      kafkajsEncoder()
        .writeInt32(0)
        .writeArray([
          kafkajsEncoder().writeInt16(0).writeString('g').writeString('Empty').writeString('').writeString('').writeArray([]).writeInt32(-2147483648),
        ]).buffer,
    );
    expect(v3.groups[0]!.authorizedOperations).toBe(-2147483648);
  });

  it('v5 request layout is compact (hand-built with kafkajs Encoder)', () => {
    const body = kafkajsEncoder().writeUVarInt(3).writeUVarIntString('a').writeUVarIntString('b').writeBoolean(true).writeUVarInt(0).buffer;
    expect(decode(DescribeGroupsRequest, 5, body)).toEqual({ groups: ['a', 'b'], includeAuthorizedOperations: true });
  });

  it('flexible requests skip unknown tagged fields', () => {
    expect(checkUnknownTagsSkipped(DescribeGroupsRequest, () => ({ groups: ['a'], includeAuthorizedOperations: false }))).toEqual([5]);
  });
});
