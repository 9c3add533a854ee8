import { describe, expect, it } from 'vitest';
import { OffsetCommitRequest, OffsetCommitResponse } from '../../../../src/protocol/messages/offset-commit.js';
import {
  checkAllVersions,
  checkUnknownTagsSkipped,
  decode,
  decodeKafkajsRequest,
  kafkajsEncoder,
  kafkajsReadsResponse,
} from './codec-kit.js';

const kafkajsTopics = [
  {
    topic: 'orders',
    partitions: [
      { partition: 0, offset: '1234', metadata: 'host=a' },
      { partition: 3, offset: '9007199254740991' },
    ],
  },
  { topic: 'payments', partitions: [{ partition: 1, offset: '0', metadata: null }] },
];

describe('offset-commit - kafkajs oracle', () => {
  it.each([0, 1, 2, 3, 4, 5])('decodes the v%i request kafkajs writes', async (v) => {
    const topics =
      v === 1
        ? kafkajsTopics.map((t) => ({ ...t, partitions: t.partitions.map((p) => ({ ...p, timestamp: 1_700_000_000_123 })) }))
        : kafkajsTopics;
    const req = await decodeKafkajsRequest(OffsetCommitRequest, 'offsetCommit', v, {
      groupId: 'orders-app',
      groupGenerationId: 6,
      memberId: 'm-1',
      retentionTime: -1,
      topics,
    });
    const ts = v === 1 ? 1_700_000_000_123 : -1;
    expect(req).toEqual({
      groupId: 'orders-app',
      generationId: v >= 1 ? 6 : -1,
      memberId: v >= 1 ? 'm-1' : '',
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, committedOffset: 1234, committedLeaderEpoch: -1, commitTimestamp: ts, committedMetadata: 'host=a' },
            {
              partitionIndex: 3,
              committedOffset: Number.MAX_SAFE_INTEGER,
              committedLeaderEpoch: -1,
              commitTimestamp: ts,
              committedMetadata: null,
            },
          ],
        },
        {
          name: 'payments',
          partitions: [{ partitionIndex: 1, committedOffset: 0, committedLeaderEpoch: -1, commitTimestamp: ts, committedMetadata: null }],
        },
      ],
    });
  });

  it.each([2, 3, 4])('decodes a v%i request with an explicit retention time', async (v) => {
    const req = await decodeKafkajsRequest(OffsetCommitRequest, 'offsetCommit', v, {
      groupId: 'g',
      groupGenerationId: 1,
      memberId: 'm',
      retentionTime: 86_400_000,
      topics: [],
    });
    expect(req.retentionTimeMs).toBe(86_400_000);
  });

  it.each([0, 1, 2, 3, 4, 5])('kafkajs reads our v%i response', async (v) => {
    const res = await kafkajsReadsResponse(OffsetCommitResponse, 'offsetCommit', v, {
      throttleTimeMs: 6,
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, errorCode: 0 },
            { partitionIndex: 3, errorCode: 22 },
          ],
        },
      ],
    });
    expect(res.responses).toEqual([
      {
        topic: 'orders',
        partitions: [
          { partition: 0, errorCode: 0 },
          { partition: 3, errorCode: 22 },
        ],
      },
    ]);
    if (v === 3) expect(res.throttleTime).toBe(6);
    if (v >= 4) expect(res.clientSideThrottleTime).toBe(6);
    if (v < 3) expect(res.throttleTime).toBeUndefined();
  });
});

const requestSample = (v: number) => ({
  groupId: 'g',
  generationId: 5,
  memberId: 'rdkafka-m',
  groupInstanceId: v >= 7 ? 'static-1' : null,
  retentionTimeMs: 604_800_000,
  topics: [
    {
      name: 't',
      partitions: [
        { partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 3, commitTimestamp: 1_600_000_000_000, committedMetadata: '' },
        { partitionIndex: 1, committedOffset: 0, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null },
      ],
    },
  ],
});
const responseSample = () => ({
  throttleTimeMs: 0,
  topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 12 }] }],
});

describe('offset-commit - every version', () => {
  it('round-trips requests v0–v8 and rejects every truncation', () => {
    expect(checkAllVersions(OffsetCommitRequest, requestSample)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('round-trips responses v0–v8 and rejects every truncation', () => {
    expect(checkAllVersions(OffsetCommitResponse, responseSample)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('v7 request layout: leader epoch after the offset, instance id after the member (librdkafka)', () => {
    const partition = kafkajsEncoder().writeInt32(0).writeInt64(42).writeInt32(3).writeString('meta');
    const topic = kafkajsEncoder().writeString('t').writeArray([partition]);
    const body = kafkajsEncoder().writeString('g').writeInt32(5).writeString('m').writeString(null).writeArray([topic]).buffer;
    expect(decode(OffsetCommitRequest, 7, body)).toEqual({
      groupId: 'g',
      generationId: 5,
      memberId: 'm',
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [
        {
          name: 't',
          partitions: [{ partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 3, commitTimestamp: -1, committedMetadata: 'meta' }],
        },
      ],
    });
  });

  it('v8 request layout is compact with per-struct tag sections (hand-built with kafkajs Encoder)', () => {
    const partition = kafkajsEncoder().writeInt32(2).writeInt64(77).writeInt32(-1).writeUVarIntString(null).writeUVarInt(0);
    const topic = kafkajsEncoder().writeUVarIntString('t').writeUVarInt(2).writeBuffer(partition.buffer).writeUVarInt(0);
    const body = kafkajsEncoder()
      .writeUVarIntString('g')
      .writeInt32(-1)
      .writeUVarIntString('')
      .writeUVarIntString(null)
      .writeUVarInt(2)
      .writeBuffer(topic.buffer)
      .writeUVarInt(0).buffer;
    expect(decode(OffsetCommitRequest, 8, body).topics).toEqual([
      {
        name: 't',
        partitions: [{ partitionIndex: 2, committedOffset: 77, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }],
      },
    ]);
  });

  it('flexible requests skip unknown tagged fields', () => {
    expect(checkUnknownTagsSkipped(OffsetCommitRequest, requestSample)).toEqual([8]);
  });
});
