import { describe, expect, it } from 'vitest';
import { DeleteGroupsRequest, DeleteGroupsResponse } from '../../../../src/protocol/messages/delete-groups.js';
import {
  checkAllVersions,
  checkUnknownTagsSkipped,
  decode,
  decodeKafkajsRequest,
  kafkajsEncoder,
  kafkajsReadsResponse,
} from './codec-kit.js';

describe('delete-groups - kafkajs oracle', () => {
  it.each([0, 1])('decodes the v%i request kafkajs writes', async (v) => {
    const req = await decodeKafkajsRequest(DeleteGroupsRequest, 'deleteGroups', v, ['old-app', 'busy-app']);
    expect(req).toEqual({ groupsNames: ['old-app', 'busy-app'] });
  });

  it.each([0, 1])('kafkajs reads our v%i response with per-group errors', async (v) => {
    const res = await kafkajsReadsResponse(DeleteGroupsResponse, 'deleteGroups', v, {
      throttleTimeMs: 0,
      results: [
        { groupId: 'old-app', errorCode: 0 },
        { groupId: 'busy-app', errorCode: 68 },
      ],
    });
    const results = res.results as Array<Record<string, unknown>>;
    expect(results.map((r) => [r.groupId, r.errorCode])).toEqual([
      ['old-app', 0],
      ['busy-app', 68],
    ]);
    expect((results[1]!.error as { type: string }).type).toBe('NON_EMPTY_GROUP');
    expect(res.throttleTimeMs).toBe(0);
  });
});

describe('delete-groups - every version', () => {
  const res = () => ({ throttleTimeMs: 5, results: [{ groupId: 'g', errorCode: 69 }] });

  it('round-trips requests v0–v2 and rejects every truncation', () => {
    expect(checkAllVersions(DeleteGroupsRequest, () => ({ groupsNames: ['a', 'bb'] }))).toEqual([0, 1, 2]);
  });

  it('round-trips responses v0–v2 and rejects every truncation', () => {
    expect(checkAllVersions(DeleteGroupsResponse, res)).toEqual([0, 1, 2]);
  });

  it('v2 request layout is compact (hand-built with kafkajs Encoder)', () => {
    const body = kafkajsEncoder().writeUVarInt(2).writeUVarIntString('a').writeUVarInt(0).buffer;
    expect(decode(DeleteGroupsRequest, 2, body)).toEqual({ groupsNames: ['a'] });
  });

  it('flexible requests skip unknown tagged fields', () => {
    expect(checkUnknownTagsSkipped(DeleteGroupsRequest, () => ({ groupsNames: ['a'] }))).toEqual([2]);
  });
});
