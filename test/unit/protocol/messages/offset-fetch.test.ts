import { describe, expect, it } from 'vitest';
import { OffsetFetchRequest, OffsetFetchResponse } from '../../../../src/protocol/messages/offset-fetch.js';
import {
  checkAllVersions,
  checkRoundTrip,
  checkUnknownTagsSkipped,
  decode,
  decodeKafkajsRequest,
  kafkajsEncoder,
  kafkajsReadsResponse,
} from './codec-kit.js';

describe('offset-fetch - kafkajs oracle', () => {
  it.each([1, 2, 3, 4])('decodes the v%i request kafkajs writes', async (v) => {
    const req = await decodeKafkajsRequest(OffsetFetchRequest, 'offsetFetch', v, {
      groupId: 'orders-app',
      topics: [
        { topic: 'orders', partitions: [{ partition: 0 }, { partition: 1 }, { partition: 2 }] },
        { topic: 'payments', partitions: [{ partition: 0 }] },
      ],
    });
    expect(req).toEqual({
      groupId: 'orders-app',
      topics: [
        { name: 'orders', partitionIndexes: [0, 1, 2] },
        { name: 'payments', partitionIndexes: [0] },
      ],
      requireStable: false,
    });
  });

  it.each([1, 2, 3, 4])('kafkajs reads our v%i response', async (v) => {
    const res = await kafkajsReadsResponse(OffsetFetchResponse, 'offsetFetch', v, {
      throttleTimeMs: 10,
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, committedOffset: 1234, metadata: 'host=a', errorCode: 0 },
            { partitionIndex: 1, committedOffset: -1, metadata: '', errorCode: 0 },
            { partitionIndex: 2, committedOffset: 2 ** 40, metadata: null, errorCode: 0 },
          ],
        },
      ],
      errorCode: 0,
    });
    expect(res.responses).toEqual([
      {
        topic: 'orders',
        partitions: [
          { partition: 0, offset: '1234', metadata: 'host=a', errorCode: 0 },
          { partition: 1, offset: '-1', metadata: '', errorCode: 0 },
          { partition: 2, offset: String(2 ** 40), metadata: null, errorCode: 0 },
        ],
      },
    ]);
    if (v >= 2) expect(res.errorCode).toBe(0);
    if (v === 3) expect(res.throttleTime).toBe(10);
    if (v === 4) expect(res.clientSideThrottleTime).toBe(10);
  });

  it.each([2, 3, 4])('kafkajs reads a v%i group-level error after the topics', async (v) => {
    const res = await kafkajsReadsResponse(OffsetFetchResponse, 'offsetFetch', v, { topics: [], errorCode: 16 });
    expect(res).toMatchObject({ responses: [], errorCode: 16 });
  });
});

const requestSample = (v: number) => ({
  groupId: 'g',
  topics: [{ name: 't', partitionIndexes: [0, 5] }],
  requireStable: v >= 7,
});
const responseSample = () => ({
  throttleTimeMs: 1,
  topics: [
    {
      name: 't',
      partitions: [
        { partitionIndex: 0, committedOffset: 99, committedLeaderEpoch: 4, metadata: 'm', errorCode: 0 },
        { partitionIndex: 5, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 88 },
      ],
    },
  ],
  errorCode: 0,
});

describe('offset-fetch - every version', () => {
  it('round-trips requests v0–v7 and rejects every truncation', () => {
    expect(checkAllVersions(OffsetFetchRequest, requestSample)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('round-trips responses v0–v7 and rejects every truncation', () => {
    expect(checkAllVersions(OffsetFetchResponse, responseSample)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('null topics ("all committed partitions") are legal from v2 only', () => {
    for (const v of [2, 3, 4, 5, 6, 7]) checkRoundTrip(OffsetFetchRequest, v, { groupId: 'g', topics: null });
    expect(() => checkRoundTrip(OffsetFetchRequest, 1, { groupId: 'g', topics: null })).toThrow(RangeError);
    // kafka-python's admin v3 request: classic null array (-1).
    const body = kafkajsEncoder().writeString('g').writeInt32(-1).buffer;
    expect(decode(OffsetFetchRequest, 3, body)).toEqual({ groupId: 'g', topics: null, requireStable: false });
  });

  it('decodes the v7 flexible request librdkafka sends (hand-built with kafkajs Encoder)', () => {
    // librdkafka: header v2, compact strings/arrays, RequireStable = true under read_committed.
    const topic = kafkajsEncoder().writeUVarIntString('orders').writeUVarInt(3).writeInt32(0).writeInt32(1).writeUVarInt(0);
    const body = kafkajsEncoder()
      .writeUVarIntString('rdkafka-group')
      .writeUVarInt(2)
      .writeBuffer(topic.buffer)
      .writeBoolean(true)
      .writeUVarInt(0).buffer;
    expect(decode(OffsetFetchRequest, 7, body)).toEqual({
      groupId: 'rdkafka-group',
      topics: [{ name: 'orders', partitionIndexes: [0, 1] }],
      requireStable: true,
    });
    // a compact null array (length 0) is "all topics"
    const all = kafkajsEncoder().writeUVarIntString('g').writeUVarInt(0).writeBoolean(false).writeUVarInt(0).buffer;
    expect(decode(OffsetFetchRequest, 7, all).topics).toBeNull();
  });

  it('writes the v7 response librdkafka reads: compact, tag section per struct, error last', () => {
    const body = checkRoundTrip(OffsetFetchResponse, 7, {
      throttleTimeMs: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, metadata: '', errorCode: 0 }] }],
      errorCode: 0,
    });
    const partition = kafkajsEncoder().writeInt32(0).writeInt64(5).writeInt32(-1).writeUVarIntString('').writeInt16(0).writeUVarInt(0);
    const topic = kafkajsEncoder().writeUVarIntString('t').writeUVarInt(2).writeBuffer(partition.buffer).writeUVarInt(0);
    const expected = kafkajsEncoder()
      .writeInt32(0)
      .writeUVarInt(2)
      .writeBuffer(topic.buffer)
      .writeInt16(0)
      .writeUVarInt(0).buffer;
    expect(body).toEqual(expected);
  });

  it('flexible requests skip unknown tagged fields', () => {
    expect(checkUnknownTagsSkipped(OffsetFetchRequest, requestSample)).toEqual([6, 7]);
  });
});
