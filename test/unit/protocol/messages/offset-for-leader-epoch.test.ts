/**
 * OffsetForLeaderEpoch (key 23) v0–v3 (none flexible in 2.7): replicaId v3+, currentLeaderEpoch
 * v2+, response leaderEpoch v1+ and throttleTimeMs v2+; a hand-checked v3 byte layout; round
 * trips and truncation.
 */
import { describe, expect, it } from 'vitest';
import {
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochResponse,
} from '../../../../src/protocol/messages/offset-for-leader-epoch.js';
import { decode, encode, expectEveryPrefixThrows, roundTrip } from './codec-kit.js';

const VERSIONS = [0, 1, 2, 3] as const;

/** A follower (broker 2) asking where epochs 4 and 6 end. */
function request(v: number) {
  return {
    replicaId: v >= 3 ? 2 : -2,
    topics: [
      {
        name: 'orders',
        partitions: [
          { partitionIndex: 0, currentLeaderEpoch: v >= 2 ? 7 : -1, leaderEpoch: 4 },
          { partitionIndex: 3, currentLeaderEpoch: v >= 2 ? 7 : -1, leaderEpoch: 6 },
        ],
      },
      { name: 'audit', partitions: [{ partitionIndex: 1, currentLeaderEpoch: v >= 2 ? 2 : -1, leaderEpoch: 2 }] },
    ],
  };
}

function response(v: number) {
  return {
    throttleTimeMs: v >= 2 ? 25 : 0,
    topics: [
      {
        name: 'orders',
        partitions: [
          { errorCode: 0, partitionIndex: 0, leaderEpoch: v >= 1 ? 4 : -1, endOffset: 9_007_199_254_740_000 },
          { errorCode: 74 /* FENCED_LEADER_EPOCH */, partitionIndex: 3, leaderEpoch: -1, endOffset: -1 },
        ],
      },
      { name: 'audit', partitions: [{ errorCode: 0, partitionIndex: 1, leaderEpoch: v >= 1 ? 2 : -1, endOffset: 512 }] },
    ],
  };
}

describe('offset-for-leader-epoch - request', () => {
  it.each(VERSIONS)('round trips v%i', (v) => {
    expect(roundTrip(OffsetForLeaderEpochRequest, v, request(v))).toEqual(request(v));
  });

  it('v3 layout by hand: replicaId first, currentLeaderEpoch before leaderEpoch', () => {
    const buf = encode(OffsetForLeaderEpochRequest, 3, {
      replicaId: 2,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 5, currentLeaderEpoch: 7, leaderEpoch: 4 }] }],
    });
    expect(buf.toString('hex')).toBe(
      [
        '00000002', // replicaId
        '00000001', // topics: 1
        '0006', Buffer.from('orders').toString('hex'), // name
        '00000001', // partitions: 1
        '00000005', // partitionIndex
        '00000007', // currentLeaderEpoch
        '00000004', // leaderEpoch
      ].join(''),
    );
    expect(buf).toHaveLength(4 + 4 + 2 + 6 + 4 + 12);
  });

  it('older versions omit replicaId (v0–v2) and currentLeaderEpoch (v0–v1) and decode their defaults', () => {
    const rich = request(3);
    const b1 = encode(OffsetForLeaderEpochRequest, 1, rich);
    const b2 = encode(OffsetForLeaderEpochRequest, 2, rich);
    const b3 = encode(OffsetForLeaderEpochRequest, 3, rich);
    expect(b3.length - b2.length).toBe(4); // replicaId
    expect(b2.length - b1.length).toBe(3 * 4); // one currentLeaderEpoch per partition
    const d1 = decode(OffsetForLeaderEpochRequest, 1, b1);
    expect(d1.replicaId).toBe(-2);
    expect(d1.topics.flatMap((t) => t.partitions.map((p) => p.currentLeaderEpoch))).toEqual([-1, -1, -1]);
    expect(decode(OffsetForLeaderEpochRequest, 2, b2).replicaId).toBe(-2);
    expect(decode(OffsetForLeaderEpochRequest, 2, b2).topics[0]!.partitions[0]!.currentLeaderEpoch).toBe(7);
  });

  it.each(VERSIONS)('every truncated prefix of a v%i body throws ProtocolError', (v) => {
    expectEveryPrefixThrows(OffsetForLeaderEpochRequest, v, encode(OffsetForLeaderEpochRequest, v, request(v)));
  });
});

describe('offset-for-leader-epoch - response', () => {
  it.each(VERSIONS)('round trips v%i', (v) => {
    expect(roundTrip(OffsetForLeaderEpochResponse, v, response(v))).toEqual(response(v));
  });

  it('v3 layout by hand: throttleTimeMs, then errorCode before partitionIndex', () => {
    const buf = encode(OffsetForLeaderEpochResponse, 3, {
      throttleTimeMs: 0,
      topics: [{ name: 't', partitions: [{ errorCode: 0, partitionIndex: 2, leaderEpoch: 4, endOffset: 300 }] }],
    });
    expect(buf.toString('hex')).toBe(
      '00000000' + '00000001' + '0001' + '74' + '00000001' + '0000' + '00000002' + '00000004' + '000000000000012c',
    );
  });

  it('v0 has neither throttleTimeMs nor leaderEpoch', () => {
    const buf = encode(OffsetForLeaderEpochResponse, 0, response(3));
    expect(buf.readInt32BE(0)).toBe(2); // the topics count comes first
    const d = decode(OffsetForLeaderEpochResponse, 0, buf);
    expect(d.throttleTimeMs).toBe(0);
    expect(d.topics[0]!.partitions.map((p) => p.leaderEpoch)).toEqual([-1, -1]);
    expect(d.topics[0]!.partitions[0]!.endOffset).toBe(9_007_199_254_740_000);
  });

  it.each(VERSIONS)('every truncated prefix of a v%i body throws ProtocolError', (v) => {
    expectEveryPrefixThrows(OffsetForLeaderEpochResponse, v, encode(OffsetForLeaderEpochResponse, v, response(v)));
  });
});
