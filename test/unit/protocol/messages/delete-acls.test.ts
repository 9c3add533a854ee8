import { describe, expect, it } from 'vitest';
import { DeleteAclsRequest, DeleteAclsResponse } from '../../../../src/protocol/messages/delete-acls.js';
import {
  checkAllVersions,
  checkUnknownTagsSkipped,
  decode,
  decodeKafkajsRequest,
  kafkajsEncoder,
  kafkajsReadsResponse,
} from './codec-kit.js';

const kafkajsFilters = [
  { resourceType: 2, resourceName: 'orders', resourcePatternType: 1, principal: null, host: null, operation: 1, permissionType: 1 },
  { resourceType: 3, resourceName: null, resourcePatternType: 3, principal: 'User:bob', host: '*', operation: 3, permissionType: 3 },
];
const matching = {
  errorCode: 0,
  errorMessage: null,
  resourceType: 2,
  resourceName: 'orders',
  patternType: 3,
  principal: 'User:alice',
  host: '*',
  operation: 4,
  permissionType: 3,
};

describe('delete-acls - kafkajs oracle', () => {
  it.each([0, 1])('decodes the v%i request kafkajs writes', async (v) => {
    const req = await decodeKafkajsRequest(DeleteAclsRequest, 'deleteAcls', v, { filters: kafkajsFilters });
    expect(req).toEqual({
      filters: kafkajsFilters.map((f) => ({
        resourceTypeFilter: f.resourceType,
        resourceNameFilter: f.resourceName,
        patternTypeFilter: v >= 1 ? f.resourcePatternType : 3,
        principalFilter: f.principal,
        hostFilter: f.host,
        operation: f.operation,
        permissionType: f.permissionType,
      })),
    });
  });

  it.each([0, 1])('kafkajs reads our v%i response', async (v) => {
    const res = await kafkajsReadsResponse(DeleteAclsResponse, 'deleteAcls', v, {
      throttleTimeMs: 0,
      filterResults: [
        { errorCode: 0, errorMessage: null, matchingAcls: [matching] },
        { errorCode: 0, errorMessage: null, matchingAcls: [] },
      ],
    });
    const { patternType, ...rest } = matching;
    expect(res.filterResponses).toEqual([
      { errorCode: 0, errorMessage: null, matchingAcls: [v >= 1 ? { ...rest, resourcePatternType: patternType } : rest] },
      { errorCode: 0, errorMessage: null, matchingAcls: [] },
    ]);
  });
});

describe('delete-acls - every version', () => {
  const request = () => ({
    filters: [
      {
        resourceTypeFilter: 1,
        resourceNameFilter: null,
        patternTypeFilter: 1,
        principalFilter: 'User:x',
        hostFilter: null,
        operation: 1,
        permissionType: 1,
      },
    ],
  });

  it('round-trips v0–v2 requests and responses and rejects every truncation', () => {
    expect(checkAllVersions(DeleteAclsRequest, request)).toEqual([0, 1, 2]);
    const response = () => ({ throttleTimeMs: 3, filterResults: [{ errorCode: 0, errorMessage: null, matchingAcls: [matching] }] });
    expect(checkAllVersions(DeleteAclsResponse, response)).toEqual([0, 1, 2]);
  });

  it('v2 request layout is compact (hand-built with kafkajs Encoder)', () => {
    const f = kafkajsEncoder()
      .writeInt8(2)
      .writeUVarIntString('t')
      .writeInt8(3)
      .writeUVarIntString(null)
      .writeUVarIntString(null)
      .writeInt8(1)
      .writeInt8(1)
      .writeUVarInt(0);
    const body = kafkajsEncoder().writeUVarInt(2).writeBuffer(f.buffer).writeUVarInt(0).buffer;
    expect(decode(DeleteAclsRequest, 2, body)).toEqual({
      filters: [
        {
          resourceTypeFilter: 2,
          resourceNameFilter: 't',
          patternTypeFilter: 3,
          principalFilter: null,
          hostFilter: null,
          operation: 1,
          permissionType: 1,
        },
      ],
    });
  });

  it('flexible requests skip unknown tagged fields', () => {
    expect(checkUnknownTagsSkipped(DeleteAclsRequest, request)).toEqual([2]);
  });
});
