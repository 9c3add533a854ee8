import { describe, expect, it } from 'vitest';
import {
  AclOperation,
  AclPatternType,
  AclPermissionType,
  AclResourceType,
  DescribeAclsRequest,
  DescribeAclsResponse,
} from '../../../../src/protocol/messages/describe-acls.js';
import {
  checkAllVersions,
  checkUnknownTagsSkipped,
  decode,
  decodeKafkajsRequest,
  kafkajsEncoder,
  kafkajsReadsResponse,
} from './codec-kit.js';

const filter = {
  resourceType: AclResourceType.Topic,
  resourceName: 'orders',
  resourcePatternType: AclPatternType.Prefixed,
  principal: 'User:alice',
  host: null,
  operation: AclOperation.Any,
  permissionType: AclPermissionType.Allow,
};

describe('describe-acls - kafkajs oracle', () => {
  it.each([0, 1])('decodes the v%i request kafkajs writes', async (v) => {
    const req = await decodeKafkajsRequest(DescribeAclsRequest, 'describeAcls', v, filter);
    expect(req).toEqual({
      resourceTypeFilter: 2,
      resourceNameFilter: 'orders',
      patternTypeFilter: v >= 1 ? 4 : 3,
      principalFilter: 'User:alice',
      hostFilter: null,
      operation: 1,
      permissionType: 3,
    });
  });

  it.each([0, 1])('kafkajs reads our v%i response', async (v) => {
    const res = await kafkajsReadsResponse(DescribeAclsResponse, 'describeAcls', v, {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      resources: [
        {
          resourceType: 2,
          resourceName: 'orders',
          patternType: 3,
          acls: [{ principal: 'User:alice', host: '*', operation: 3, permissionType: 3 }],
        },
      ],
    });
    expect(res).toMatchObject({
      errorCode: 0,
      errorMessage: null,
      resources: [
        {
          resourceType: 2,
          resourceName: 'orders',
          ...(v >= 1 ? { resourcePatternType: 3 } : {}),
          acls: [{ principal: 'User:alice', host: '*', operation: 3, permissionType: 3 }],
        },
      ],
    });
  });

  it('kafkajs reads SECURITY_DISABLED with its message', async () => {
    const res = await kafkajsReadsResponse(DescribeAclsResponse, 'describeAcls', 1, {
      throttleTimeMs: 0,
      errorCode: 54,
      errorMessage: 'No Authorizer is configured on the broker',
      resources: [],
    });
    expect(res).toMatchObject({ errorCode: 54, errorMessage: 'No Authorizer is configured on the broker', resources: [] });
  });
});

const requestSample = () => ({
  resourceTypeFilter: 1,
  resourceNameFilter: null,
  patternTypeFilter: 1,
  principalFilter: null,
  hostFilter: '*',
  operation: 2,
  permissionType: 1,
});

describe('describe-acls - every version', () => {
  it('round-trips requests v0–v2 and rejects every truncation', () => {
    expect(checkAllVersions(DescribeAclsRequest, requestSample)).toEqual([0, 1, 2]);
  });

  it('round-trips responses v0–v2 and rejects every truncation', () => {
    const seen = checkAllVersions(DescribeAclsResponse, () => ({
      throttleTimeMs: 1,
      errorCode: 0,
      errorMessage: null,
      resources: [{ resourceType: 3, resourceName: 'g', patternType: 4, acls: [{ principal: 'User:x', host: '*', operation: 8, permissionType: 2 }] }],
    }));
    expect(seen).toEqual([0, 1, 2]);
  });

  it('v2 request layout is compact (hand-built with kafkajs Encoder)', () => {
    const body = kafkajsEncoder()
      .writeInt8(2)
      .writeUVarIntString(null)
      .writeInt8(1)
      .writeUVarIntString('User:bob')
      .writeUVarIntString(null)
      .writeInt8(1)
      .writeInt8(1)
      .writeUVarInt(0).buffer;
    expect(decode(DescribeAclsRequest, 2, body)).toEqual({
      resourceTypeFilter: 2,
      resourceNameFilter: null,
      patternTypeFilter: 1,
      principalFilter: 'User:bob',
      hostFilter: null,
      operation: 1,
      permissionType: 1,
    });
  });

  it('flexible requests skip unknown tagged fields', () => {
    expect(checkUnknownTagsSkipped(DescribeAclsRequest, requestSample)).toEqual([2]);
  });
});
