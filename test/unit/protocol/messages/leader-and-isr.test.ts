/**
 * LeaderAndIsr (key 4) v0–v4: round trips, the flat (v0–v1) vs grouped (v2+) partition states,
 * version-gated fields, the flexible v4 encoding, and truncation.
 */
import { describe, expect, it } from 'vitest';
import { LeaderAndIsrRequest, LeaderAndIsrResponse } from '../../../../src/protocol/messages/leader-and-isr.js';
import { decode, encode, expectEveryPrefixThrows, roundTrip, withUnknownTags } from './codec-kit.js';

const VERSIONS = [0, 1, 2, 3, 4] as const;

/** One partition state as version v decodes it (absent fields at their defaults). */
function state(v: number, grouped: boolean, topic: string, partition: number, leader: number) {
  return {
    topicName: grouped ? '' : topic,
    partitionIndex: partition,
    controllerEpoch: 7,
    leader,
    leaderEpoch: 12 + partition,
    isr: [leader, 2, 3],
    zkVersion: 31,
    replicas: [leader, 2, 3, 4],
    addingReplicas: v >= 3 ? [4] : [],
    removingReplicas: v >= 3 ? [1] : [],
    isNew: v >= 1 ? partition === 1 : false,
  };
}

function request(v: number) {
  const grouped = v >= 2;
  return {
    controllerId: 1,
    controllerEpoch: 7,
    // beyond 2^32: the broker epoch is a ZooKeeper czxid, which grows past 32 bits
    brokerEpoch: v >= 2 ? 0x1_0000_002a : -1,
    ungroupedPartitionStates: grouped
      ? []
      : [state(v, false, 'orders', 0, 1), state(v, false, 'orders', 1, 2), state(v, false, 'payments', 0, 3)],
    topicStates: grouped
      ? [
          { topicName: 'orders', partitionStates: [state(v, true, 'orders', 0, 1), state(v, true, 'orders', 1, 2)] },
          { topicName: 'payments', partitionStates: [state(v, true, 'payments', 0, 3)] },
        ]
      : [],
    liveLeaders: [
      { brokerId: 1, hostName: 'broker-1.internal', port: 9092 },
      { brokerId: 2, hostName: 'broker-2.internal', port: 9092 },
      { brokerId: 3, hostName: 'broker-3.internal', port: 9093 },
    ],
  };
}

const response = {
  errorCode: 0,
  partitionErrors: [
    { topicName: 'orders', partitionIndex: 0, errorCode: 0 },
    { topicName: 'payments', partitionIndex: 0, errorCode: 77 /* STALE_BROKER_EPOCH */ },
  ],
};

describe('leader-and-isr - request', () => {
  it.each(VERSIONS)('round trips v%i', (v) => {
    const value = request(v);
    expect(roundTrip(LeaderAndIsrRequest, v, value)).toEqual(value);
  });

  it('v0 and v1 carry a flat list naming the topic in each state', () => {
    for (const v of [0, 1]) {
      const got = roundTrip(LeaderAndIsrRequest, v, request(v));
      expect(got.topicStates).toEqual([]);
      expect(got.ungroupedPartitionStates.map((s) => `${s.topicName}-${s.partitionIndex}`)).toEqual([
        'orders-0',
        'orders-1',
        'payments-0',
      ]);
    }
  });

  it('v2+ group states by topic and drop the per-state topic name', () => {
    for (const v of [2, 3, 4]) {
      const got = roundTrip(LeaderAndIsrRequest, v, request(v));
      expect(got.ungroupedPartitionStates).toEqual([]);
      expect(got.topicStates.map((t) => t.topicName)).toEqual(['orders', 'payments']);
      expect(got.topicStates[0]!.partitionStates.map((s) => s.topicName)).toEqual(['', '']);
      expect(got.brokerEpoch).toBe(0x1_0000_002a);
    }
  });

  it('a list outside its versions is not written: ungrouped states at v2 and grouped at v1 vanish', () => {
    const v1 = { ...request(1), topicStates: request(2).topicStates };
    expect(encode(LeaderAndIsrRequest, 1, v1)).toEqual(encode(LeaderAndIsrRequest, 1, request(1)));
    const v2 = { ...request(2), ungroupedPartitionStates: request(1).ungroupedPartitionStates };
    expect(encode(LeaderAndIsrRequest, 2, v2)).toEqual(encode(LeaderAndIsrRequest, 2, request(2)));
  });

  it('fields newer than the version are skipped on encode and defaulted on decode', () => {
    // a v3-rich state (adding/removing replicas, isNew) sent at v0: only the v0 fields travel
    const rich = {
      ...request(0),
      brokerEpoch: 99,
      ungroupedPartitionStates: request(0).ungroupedPartitionStates.map((s) => ({
        ...s,
        addingReplicas: [9],
        removingReplicas: [8],
        isNew: true,
      })),
    };
    const got = roundTrip(LeaderAndIsrRequest, 0, rich);
    expect(got).toEqual(request(0));
    expect(got.brokerEpoch).toBe(-1);
    expect(got.ungroupedPartitionStates.every((s) => !s.isNew && s.addingReplicas.length === 0)).toBe(true);
    // v1 has isNew but not adding/removing replicas
    const got1 = roundTrip(LeaderAndIsrRequest, 1, rich);
    expect(got1.ungroupedPartitionStates.map((s) => s.isNew)).toEqual([true, true, true]);
    expect(got1.ungroupedPartitionStates[0]!.addingReplicas).toEqual([]);
  });

  it('v4 uses compact encodings: same contents, shorter than v3 and with varint lengths', () => {
    const v3 = encode(LeaderAndIsrRequest, 3, request(3));
    const v4 = encode(LeaderAndIsrRequest, 4, request(4));
    expect(v4.length).toBeLessThan(v3.length);
    // controllerId(4) controllerEpoch(4) brokerEpoch(8), then topicStates: int32 count vs uvarint count+1
    expect(v3.readInt32BE(16)).toBe(2);
    expect(v4[16]).toBe(3);
    // first topic name: int16 length vs uvarint length+1
    expect(v3.readInt16BE(20)).toBe('orders'.length);
    expect(v4[17]).toBe('orders'.length + 1);
    expect(v4.subarray(18, 24).toString()).toBe('orders');
    expect(v4[v4.length - 1]).toBe(0); // empty top-level tagged section
  });

  it('v4 skips unknown tagged fields', () => {
    const buf = encode(LeaderAndIsrRequest, 4, request(4));
    // replace the empty top-level tag section with one unknown tag (7) of two bytes
    const tagged = withUnknownTags(buf, Buffer.from([1, 7, 2, 0xab, 0xcd]));
    expect(decode(LeaderAndIsrRequest, 4, tagged)).toEqual(request(4));
  });

  it.each(VERSIONS)('every truncated prefix of a v%i body throws ProtocolError', (v) => {
    expectEveryPrefixThrows(LeaderAndIsrRequest, v, encode(LeaderAndIsrRequest, v, request(v)));
  });
});

describe('leader-and-isr - response', () => {
  const tiny = { errorCode: 11, partitionErrors: [{ topicName: 'a', partitionIndex: 2, errorCode: 0 }] };

  it.each(VERSIONS)('round trips v%i', (v) => {
    expect(roundTrip(LeaderAndIsrResponse, v, response)).toEqual(response);
  });

  it('v0 layout by hand', () => {
    const buf = encode(LeaderAndIsrResponse, 0, tiny);
    expect(buf.toString('hex')).toBe('000b' + '00000001' + '0001' + '61' + '00000002' + '0000');
  });

  it('v4 layout by hand', () => {
    const buf = encode(LeaderAndIsrResponse, 4, tiny);
    expect(buf.toString('hex')).toBe('000b' + '02' + '02' + '61' + '00000002' + '0000' + '00' + '00');
  });

  it.each(VERSIONS)('every truncated prefix of a v%i body throws ProtocolError', (v) => {
    expectEveryPrefixThrows(LeaderAndIsrResponse, v, encode(LeaderAndIsrResponse, v, response));
  });
});
