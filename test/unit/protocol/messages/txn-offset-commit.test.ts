import { describe, expect, it } from 'vitest';
import { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../../../../src/protocol/messages/txn-offset-commit.js';
import {
  checkAllVersions,
  checkRoundTrip,
  checkUnknownTagsSkipped,
  decode,
  decodeKafkajsRequest,
  kafkajsEncoder,
  kafkajsReadsResponse,
} from './codec-kit.js';

describe('txn-offset-commit - kafkajs oracle', () => {
  it.each([0, 1])('decodes the v%i request kafkajs writes', async (v) => {
    const req = await decodeKafkajsRequest(TxnOffsetCommitRequest, 'txnOffsetCommit', v, {
      transactionalId: 'payments-tx-1',
      groupId: 'payments-app',
      producerId: '4000000123',
      producerEpoch: 2,
      topics: [{ topic: 'payments', partitions: [{ partition: 0, offset: '500', metadata: null }, { partition: 1, offset: '7', metadata: 'x' }] }],
    });
    expect(req).toEqual({
      transactionalId: 'payments-tx-1',
      groupId: 'payments-app',
      producerId: 4_000_000_123,
      producerEpoch: 2,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: 'payments',
          partitions: [
            { partitionIndex: 0, committedOffset: 500, committedLeaderEpoch: -1, committedMetadata: null },
            { partitionIndex: 1, committedOffset: 7, committedLeaderEpoch: -1, committedMetadata: 'x' },
          ],
        },
      ],
    });
  });

  it.each([0, 1])('kafkajs reads our v%i response', async (v) => {
    const res = await kafkajsReadsResponse(TxnOffsetCommitResponse, 'txnOffsetCommit', v, {
      throttleTimeMs: 2,
      topics: [{ name: 'payments', partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: 3 }] }],
    });
    expect(res.topics).toEqual([
      {
        topic: 'payments',
        partitions: [
          { partition: 0, errorCode: 0 },
          { partition: 1, errorCode: 3 },
        ],
      },
    ]);
  });
});

const requestSample = (v: number) => ({
  transactionalId: 'tx',
  groupId: 'g',
  producerId: 99,
  producerEpoch: 1,
  generationId: v >= 3 ? 4 : -1,
  memberId: v >= 3 ? 'rdkafka-m' : '',
  groupInstanceId: v >= 3 ? 'static' : null,
  topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 12, committedLeaderEpoch: 2, committedMetadata: null }] }],
});

describe('txn-offset-commit - every version', () => {
  it('round-trips requests v0–v3 and rejects every truncation', () => {
    expect(checkAllVersions(TxnOffsetCommitRequest, requestSample)).toEqual([0, 1, 2, 3]);
  });

  it('round-trips responses v0–v3 and rejects every truncation', () => {
    const seen = checkAllVersions(TxnOffsetCommitResponse, () => ({
      throttleTimeMs: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 82 }] }],
    }));
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  it('decodes the v3 flexible request librdkafka sends (hand-built with kafkajs Encoder)', () => {
    const partition = kafkajsEncoder().writeInt32(0).writeInt64(12).writeInt32(-1).writeUVarIntString('').writeUVarInt(0);
    const topic = kafkajsEncoder().writeUVarIntString('t').writeUVarInt(2).writeBuffer(partition.buffer).writeUVarInt(0);
    const body = kafkajsEncoder()
      .writeUVarIntString('tx')
      .writeUVarIntString('g')
      .writeInt64(99)
      .writeInt16(1)
      .writeInt32(4)
      .writeUVarIntString('rdkafka-m')
      .writeUVarIntString(null)
      .writeUVarInt(2)
      .writeBuffer(topic.buffer)
      .writeUVarInt(0).buffer;
    expect(decode(TxnOffsetCommitRequest, 3, body)).toEqual({
      transactionalId: 'tx',
      groupId: 'g',
      producerId: 99,
      producerEpoch: 1,
      generationId: 4,
      memberId: 'rdkafka-m',
      groupInstanceId: null,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 12, committedLeaderEpoch: -1, committedMetadata: '' }] }],
    });
  });

  it('writes the v3 response librdkafka reads (byte layout)', () => {
    const body = checkRoundTrip(TxnOffsetCommitResponse, 3, {
      throttleTimeMs: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0 }] }],
    });
    const partition = kafkajsEncoder().writeInt32(0).writeInt16(0).writeUVarInt(0);
    const topic = kafkajsEncoder().writeUVarIntString('t').writeUVarInt(2).writeBuffer(partition.buffer).writeUVarInt(0);
    expect(body).toEqual(kafkajsEncoder().writeInt32(0).writeUVarInt(2).writeBuffer(topic.buffer).writeUVarInt(0).buffer);
  });

  it('v2 adds the leader epoch before the metadata', () => {
    const partition = kafkajsEncoder().writeInt32(3).writeInt64(8).writeInt32(6).writeString('m');
    const topic = kafkajsEncoder().writeString('t').writeArray([partition]);
    const body = kafkajsEncoder().writeString('tx').writeString('g').writeInt64(1).writeInt16(0).writeArray([topic]).buffer;
    expect(decode(TxnOffsetCommitRequest, 2, body).topics[0]!.partitions[0]).toEqual({
      partitionIndex: 3,
      committedOffset: 8,
      committedLeaderEpoch: 6,
      committedMetadata: 'm',
    });
  });

  it('flexible requests skip unknown tagged fields', () => {
    expect(checkUnknownTagsSkipped(TxnOffsetCommitRequest, requestSample)).toEqual([3]);
  });
});
