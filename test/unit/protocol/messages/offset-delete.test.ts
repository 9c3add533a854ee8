import { describe, expect, it } from 'vitest';
import { OffsetDeleteRequest, OffsetDeleteResponse } from '../../../../src/protocol/messages/offset-delete.js';
import { checkAllVersions, decode, encode, kafkajsEncoder } from './codec-kit.js';

// kafkajs 2.2.4 does not implement OffsetDelete: the layouts are checked against bytes written
// with kafkajs's Encoder following Kafka 2.7's OffsetDelete{Request,Response}.json.
describe('offset-delete', () => {
  it('decodes the v0 request librdkafka sends', () => {
    const p = (i: number) => kafkajsEncoder().writeInt32(i);
    const topic = kafkajsEncoder().writeString('orders').writeArray([p(0), p(4)]);
    const body = kafkajsEncoder().writeString('orders-app').writeArray([topic]).buffer;
    expect(decode(OffsetDeleteRequest, 0, body)).toEqual({
      groupId: 'orders-app',
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0 }, { partitionIndex: 4 }] }],
    });
  });

  it('writes ErrorCode before ThrottleTimeMs in the v0 response', () => {
    const body = encode(OffsetDeleteResponse, 0, {
      errorCode: 0,
      throttleTimeMs: 20,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, errorCode: 86 }] }],
    });
    const partition = kafkajsEncoder().writeInt32(0).writeInt16(86);
    const topic = kafkajsEncoder().writeString('orders').writeArray([partition]);
    expect(body).toEqual(kafkajsEncoder().writeInt16(0).writeInt32(20).writeArray([topic]).buffer);
  });

  it('round-trips v0 request and response and rejects every truncation', () => {
    expect(
      checkAllVersions(OffsetDeleteRequest, () => ({ groupId: 'g', topics: [{ name: 't', partitions: [{ partitionIndex: 1 }] }] })),
    ).toEqual([0]);
    expect(
      checkAllVersions(OffsetDeleteResponse, () => ({
        errorCode: 69,
        throttleTimeMs: 0,
        topics: [{ name: 't', partitions: [{ partitionIndex: 1, errorCode: 0 }] }],
      })),
    ).toEqual([0]);
  });

  it('is never flexible in 2.7', () => {
    expect(OffsetDeleteRequest.isFlexible(0)).toBe(false);
    expect(OffsetDeleteResponse.isFlexible(0)).toBe(false);
  });
});
