/**
 * AlterIsr (key 56) v0, flexible from v0 (KIP-497): round trips, byte layout, unknown tagged
 * fields, truncation.
 */
import { describe, expect, it } from 'vitest';
import { AlterIsrRequest, AlterIsrResponse } from '../../../../src/protocol/messages/alter-isr.js';
import { decode, encode, expectEveryPrefixThrows, roundTrip } from './codec-kit.js';

const request = {
  brokerId: 2,
  brokerEpoch: 4294967808,
  topics: [
    {
      name: 'orders',
      partitions: [
        { partitionIndex: 0, leaderEpoch: 5, newIsr: [2, 3], currentIsrVersion: 11 }, // shrink
        { partitionIndex: 4, leaderEpoch: 2, newIsr: [2, 1, 3], currentIsrVersion: 3 }, // expand
      ],
    },
  ],
};

const response = {
  throttleTimeMs: 0,
  errorCode: 0,
  topics: [
    {
      name: 'orders',
      partitions: [
        { partitionIndex: 0, errorCode: 0, leaderId: 2, leaderEpoch: 5, isr: [2, 3], currentIsrVersion: 12 },
        // INVALID_UPDATE_VERSION: the leader's currentIsrVersion was stale
        { partitionIndex: 4, errorCode: 95, leaderId: -1, leaderEpoch: -1, isr: [], currentIsrVersion: -1 },
      ],
    },
  ],
};

describe('alter-isr', () => {
  it('request round trips v0', () => {
    expect(roundTrip(AlterIsrRequest, 0, request)).toEqual(request);
  });

  it('response round trips v0', () => {
    expect(roundTrip(AlterIsrResponse, 0, response)).toEqual(response);
  });

  it('request layout by hand (compact encodings, tag sections)', () => {
    const buf = encode(AlterIsrRequest, 0, {
      brokerId: 1,
      brokerEpoch: 256,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, leaderEpoch: 3, newIsr: [1], currentIsrVersion: 7 }] }],
    });
    expect(buf.toString('hex')).toBe(
      '00000001' + '0000000000000100' + // brokerId, brokerEpoch
        '02' + '0274' + // topics [1], name 't'
        '02' + '00000000' + '00000003' + '02' + '00000001' + '00000007' + // one partition, newIsr [1]
        '00' + '00' + '00', // tag sections: partition, topic, request
    );
  });

  it('brokerEpoch defaults to -1', () => {
    expect(roundTrip(AlterIsrRequest, 0, { brokerId: 1, topics: [] }).brokerEpoch).toBe(-1);
  });

  it('skips unknown tagged fields in a nested struct and at the top level', () => {
    const plain = encode(AlterIsrResponse, 0, { throttleTimeMs: 0, errorCode: 0, topics: [{ name: 't', partitions: [] }] });
    // throttle(4) error(2) topics[1](1) name(2) partitions[0](1) topicTags(1) topTags(1)
    expect(plain.toString('hex')).toBe('00000000' + '0000' + '02' + '0274' + '01' + '00' + '00');
    // the topic carries tag 0 (3 bytes); the response carries tag 1 (1 byte)
    const tagged = Buffer.from('00000000' + '0000' + '02' + '0274' + '01' + '01' + '0003' + 'aabbcc' + '01' + '01012a', 'hex');
    expect(decode(AlterIsrResponse, 0, tagged)).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      topics: [{ name: 't', partitions: [] }],
    });
  });

  it('every truncated prefix of a request body throws ProtocolError', () => {
    expectEveryPrefixThrows(AlterIsrRequest, 0, encode(AlterIsrRequest, 0, request));
  });

  it('every truncated prefix of a response body throws ProtocolError', () => {
    expectEveryPrefixThrows(AlterIsrResponse, 0, encode(AlterIsrResponse, 0, response));
  });
});
