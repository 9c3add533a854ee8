import { describe, expect, it } from 'vitest';
import { CreateAclsRequest, CreateAclsResponse } from '../../../../src/protocol/messages/create-acls.js';
import {
  checkAllVersions,
  checkUnknownTagsSkipped,
  decode,
  decodeKafkajsRequest,
  kafkajsEncoder,
  kafkajsReadsResponse,
} from './codec-kit.js';

const creations = [
  {
    resourceType: 2,
    resourceName: 'orders',
    resourcePatternType: 4,
    principal: 'User:alice',
    host: '*',
    operation: 4,
    permissionType: 3,
  },
  {
    resourceType: 3,
    resourceName: 'orders-app',
    resourcePatternType: 3,
    principal: 'User:bob',
    host: '10.0.0.1',
    operation: 3,
    permissionType: 2,
  },
];

describe('create-acls - kafkajs oracle', () => {
  it.each([0, 1])('decodes the v%i request kafkajs writes', async (v) => {
    const req = await decodeKafkajsRequest(CreateAclsRequest, 'createAcls', v, { creations });
    // v0 carries no pattern type: LITERAL (3) is implied.
    expect(req).toEqual({ creations: creations.map((c) => ({ ...c, resourcePatternType: v >= 1 ? c.resourcePatternType : 3 })) });
  });

  it.each([0, 1])('kafkajs reads our v%i response', async (v) => {
    const res = await kafkajsReadsResponse(CreateAclsResponse, 'createAcls', v, {
      throttleTimeMs: 0,
      results: [
        { errorCode: 0, errorMessage: null },
        { errorCode: 54, errorMessage: 'No Authorizer is configured on the broker' },
      ],
    });
    expect(res.creationResponses).toEqual([
      { errorCode: 0, errorMessage: null },
      { errorCode: 54, errorMessage: 'No Authorizer is configured on the broker' },
    ]);
  });
});

describe('create-acls - every version', () => {
  it('round-trips v0–v2 requests and responses and rejects every truncation', () => {
    expect(checkAllVersions(CreateAclsRequest, () => ({ creations }))).toEqual([0, 1, 2]);
    expect(checkAllVersions(CreateAclsResponse, () => ({ throttleTimeMs: 0, results: [{ errorCode: 0, errorMessage: null }] }))).toEqual([0, 1, 2]);
  });

  it('v2 request layout is compact (hand-built with kafkajs Encoder)', () => {
    const c = kafkajsEncoder()
      .writeInt8(2)
      .writeUVarIntString('t')
      .writeInt8(3)
      .writeUVarIntString('User:a')
      .writeUVarIntString('*')
      .writeInt8(3)
      .writeInt8(3)
      .writeUVarInt(0);
    const body = kafkajsEncoder().writeUVarInt(2).writeBuffer(c.buffer).writeUVarInt(0).buffer;
    expect(decode(CreateAclsRequest, 2, body)).toEqual({
      creations: [{ resourceType: 2, resourceName: 't', resourcePatternType: 3, principal: 'User:a', host: '*', operation: 3, permissionType: 3 }],
    });
  });

  it('flexible requests skip unknown tagged fields', () => {
    expect(checkUnknownTagsSkipped(CreateAclsRequest, () => ({ creations }))).toEqual([2]);
  });
});
