import { describe, expect, it } from 'vitest';
import { ListGroupsRequest, ListGroupsResponse } from '../../../../src/protocol/messages/list-groups.js';
import {
  checkAllVersions,
  checkUnknownTagsSkipped,
  decode,
  decodeKafkajsRequest,
  encode,
  kafkajsEncoder,
  kafkajsReadsResponse,
} from './codec-kit.js';

describe('list-groups - kafkajs oracle', () => {
  it.each([0, 1, 2])('decodes the empty v%i request kafkajs writes', async (v) => {
    expect(await decodeKafkajsRequest(ListGroupsRequest, 'listGroups', v, undefined)).toEqual({ statesFilter: [] });
  });

  it.each([0, 1, 2])('kafkajs reads our v%i response', async (v) => {
    const res = await kafkajsReadsResponse(ListGroupsResponse, 'listGroups', v, {
      throttleTimeMs: 3,
      errorCode: 0,
      groups: [
        { groupId: 'orders-app', protocolType: 'consumer' },
        { groupId: 'connect-cluster', protocolType: 'connect' },
      ],
    });
    expect(res).toMatchObject({
      errorCode: 0,
      groups: [
        { groupId: 'orders-app', protocolType: 'consumer' },
        { groupId: 'connect-cluster', protocolType: 'connect' },
      ],
    });
    if (v === 1) expect(res.throttleTime).toBe(3);
    if (v === 2) expect(res.clientSideThrottleTime).toBe(3);
  });
});

const groups = (v: number) => [{ groupId: 'g', protocolType: 'consumer', groupState: v >= 4 ? 'Stable' : '' }];

describe('list-groups - every version', () => {
  it('v0–v2 requests are zero bytes; v3 is one empty tag section', () => {
    expect(encode(ListGroupsRequest, 0, {}).length).toBe(0);
    expect(encode(ListGroupsRequest, 2, { statesFilter: ['Stable'] }).length).toBe(0);
    expect(encode(ListGroupsRequest, 3, {})).toEqual(Buffer.from([0]));
  });

  it('round-trips requests v0–v4 and rejects every truncation', () => {
    const seen = checkAllVersions(ListGroupsRequest, (v) => ({ statesFilter: v >= 4 ? ['Stable', 'Empty'] : [] }));
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it('round-trips responses v0–v4 and rejects every truncation', () => {
    const seen = checkAllVersions(ListGroupsResponse, (v) => ({ throttleTimeMs: 0, errorCode: 0, groups: groups(v) }));
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it('decodes the v4 request librdkafka’s admin API sends (hand-built with kafkajs Encoder)', () => {
    const body = kafkajsEncoder().writeUVarInt(2).writeUVarIntString('Stable').writeUVarInt(0).buffer;
    expect(decode(ListGroupsRequest, 4, body)).toEqual({ statesFilter: ['Stable'] });
  });

  it('writes the v4 response with the group state (byte layout)', () => {
    const body = encode(ListGroupsResponse, 4, { throttleTimeMs: 0, errorCode: 0, groups: groups(4) });
    const group = kafkajsEncoder().writeUVarIntString('g').writeUVarIntString('consumer').writeUVarIntString('Stable').writeUVarInt(0);
    expect(body).toEqual(kafkajsEncoder().writeInt32(0).writeInt16(0).writeUVarInt(2).writeBuffer(group.buffer).writeUVarInt(0).buffer);
  });

  it('flexible requests skip unknown tagged fields', () => {
    expect(checkUnknownTagsSkipped(ListGroupsRequest, () => ({ statesFilter: ['Empty'] }))).toEqual([3, 4]);
  });
});
