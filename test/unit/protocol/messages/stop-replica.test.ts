/**
 * StopReplica (key 5) v0–v3: the three request shapes (flat v0, topics v1–v2, per-partition
 * states v3), the flexible switch at v2, round trips and truncation.
 */
import { describe, expect, it } from 'vitest';
import { StopReplicaRequest, StopReplicaResponse } from '../../../../src/protocol/messages/stop-replica.js';
import { decode, encode, expectEveryPrefixThrows, roundTrip } from './codec-kit.js';

const VERSIONS = [0, 1, 2, 3] as const;

/** A controller stopping orders-0, orders-2 and audit-1 on one broker, as version v decodes it. */
function request(v: number) {
  return {
    controllerId: 2,
    controllerEpoch: 5,
    brokerEpoch: v >= 1 ? 4294967480 : -1,
    deletePartitions: v <= 2,
    ungroupedPartitions:
      v === 0
        ? [
            { topicName: 'orders', partitionIndex: 0 },
            { topicName: 'orders', partitionIndex: 2 },
            { topicName: 'audit', partitionIndex: 1 },
          ]
        : [],
    topics:
      v === 1 || v === 2
        ? [
            { name: 'orders', partitionIndexes: [0, 2] },
            { name: 'audit', partitionIndexes: [1] },
          ]
        : [],
    topicStates:
      v === 3
        ? [
            {
              topicName: 'orders',
              partitionStates: [
                { partitionIndex: 0, leaderEpoch: 14, deletePartition: false },
                { partitionIndex: 2, leaderEpoch: -1, deletePartition: false },
              ],
            },
            // a topic being deleted: epoch -2 skips the epoch check
            { topicName: 'audit', partitionStates: [{ partitionIndex: 1, leaderEpoch: -2, deletePartition: true }] },
          ]
        : [],
  };
}

const response = {
  errorCode: 0,
  partitionErrors: [
    { topicName: 'orders', partitionIndex: 0, errorCode: 0 },
    { topicName: 'audit', partitionIndex: 1, errorCode: 6 /* NOT_LEADER_OR_FOLLOWER */ },
  ],
};

describe('stop-replica - request', () => {
  it.each(VERSIONS)('round trips v%i', (v) => {
    const value = request(v);
    expect(roundTrip(StopReplicaRequest, v, value)).toEqual(value);
  });

  it('v0 is flat, v1–v2 list partition indexes per topic, v3 carries per-partition states', () => {
    const all = { ...request(0), topics: request(1).topics, topicStates: request(3).topicStates, brokerEpoch: 77 };
    const d0 = roundTrip(StopReplicaRequest, 0, all);
    expect(d0.ungroupedPartitions).toHaveLength(3);
    expect(d0.topics).toEqual([]);
    expect(d0.topicStates).toEqual([]);
    expect(d0.brokerEpoch).toBe(-1);
    expect(d0.deletePartitions).toBe(true);

    for (const v of [1, 2]) {
      const d = roundTrip(StopReplicaRequest, v, all);
      expect(d.ungroupedPartitions).toEqual([]);
      expect(d.topics).toEqual(request(1).topics);
      expect(d.topicStates).toEqual([]);
      expect(d.brokerEpoch).toBe(77);
      expect(d.deletePartitions).toBe(true);
    }

    const d3 = roundTrip(StopReplicaRequest, 3, all);
    expect(d3.ungroupedPartitions).toEqual([]);
    expect(d3.topics).toEqual([]);
    // the request-wide flag is gone in v3; deletion is per partition
    expect(d3.deletePartitions).toBe(false);
    expect(d3.topicStates[1]!.partitionStates[0]).toEqual({ partitionIndex: 1, leaderEpoch: -2, deletePartition: true });
  });

  it('v3 partition leaderEpoch defaults to -1 when the caller omits it', () => {
    const buf = encode(StopReplicaRequest, 3, {
      controllerId: 2,
      controllerEpoch: 5,
      topicStates: [{ topicName: 'orders', partitionStates: [{ partitionIndex: 0, deletePartition: false }] }],
    });
    expect(decode(StopReplicaRequest, 3, buf).topicStates[0]!.partitionStates[0]!.leaderEpoch).toBe(-1);
  });

  it('v2 has v1’s shape but compact encodings', () => {
    const v1 = encode(StopReplicaRequest, 1, request(1));
    const v2 = encode(StopReplicaRequest, 2, request(2));
    // controllerId(4) controllerEpoch(4) brokerEpoch(8) deletePartitions(1), then the topics count
    expect(v1.subarray(0, 17)).toEqual(v2.subarray(0, 17));
    expect(v1.readInt32BE(17)).toBe(2);
    expect(v2[17]).toBe(3);
    expect(v2[18]).toBe('orders'.length + 1);
    expect(v2[v2.length - 1]).toBe(0);
    expect(v2.length).toBeLessThan(v1.length);
  });

  it('v0 layout by hand', () => {
    const buf = encode(StopReplicaRequest, 0, {
      controllerId: 1,
      controllerEpoch: 3,
      deletePartitions: true,
      ungroupedPartitions: [{ topicName: 'ab', partitionIndex: 4 }],
    });
    expect(buf.toString('hex')).toBe('00000001' + '00000003' + '01' + '00000001' + '0002' + '6162' + '00000004');
  });

  it.each(VERSIONS)('every truncated prefix of a v%i body throws ProtocolError', (v) => {
    expectEveryPrefixThrows(StopReplicaRequest, v, encode(StopReplicaRequest, v, request(v)));
  });
});

describe('stop-replica - response', () => {
  it.each(VERSIONS)('round trips v%i', (v) => {
    expect(roundTrip(StopReplicaResponse, v, response)).toEqual(response);
  });

  it('v2+ are flexible: tagged sections after each struct', () => {
    const tiny = { errorCode: 0, partitionErrors: [{ topicName: 't', partitionIndex: 0, errorCode: 0 }] };
    expect(encode(StopReplicaResponse, 1, tiny).toString('hex')).toBe('0000' + '00000001' + '0001' + '74' + '00000000' + '0000');
    expect(encode(StopReplicaResponse, 2, tiny).toString('hex')).toBe('0000' + '02' + '02' + '74' + '00000000' + '0000' + '00' + '00');
  });

  it.each(VERSIONS)('every truncated prefix of a v%i body throws ProtocolError', (v) => {
    expectEveryPrefixThrows(StopReplicaResponse, v, encode(StopReplicaResponse, v, response));
  });
});
