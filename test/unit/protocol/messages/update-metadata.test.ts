/**
 * UpdateMetadata (key 6) v0–v6: flat (v0–v4) vs grouped (v5+) partition states, v0's single
 * host/port vs v1+ endpoints (port before host), rack v2+, listener v3+, offlineReplicas v4+,
 * brokerEpoch v5+, the flexible v6, round trips and truncation.
 */
import { describe, expect, it } from 'vitest';
import { UpdateMetadataRequest, UpdateMetadataResponse } from '../../../../src/protocol/messages/update-metadata.js';
import { decode, encode, expectEveryPrefixThrows, roundTrip, withUnknownTags } from './codec-kit.js';

const VERSIONS = [0, 1, 2, 3, 4, 5, 6] as const;

function state(v: number, grouped: boolean, topic: string, partition: number, leader: number) {
  return {
    topicName: grouped ? '' : topic,
    partitionIndex: partition,
    controllerEpoch: 9,
    leader,
    leaderEpoch: leader === -2 ? -2 : 3,
    isr: leader === -2 ? [] : [leader, 3],
    zkVersion: 4,
    replicas: [1, 2, 3],
    offlineReplicas: v >= 4 ? [2] : [],
  };
}

function broker(v: number, id: number, rack: string | null) {
  const host = `broker-${id}.internal`;
  return {
    id,
    v0Host: v === 0 ? host : '',
    v0Port: v === 0 ? 9092 : 0,
    endpoints:
      v >= 1
        ? [
            { port: 9092, host, listener: v >= 3 ? 'PLAINTEXT' : '', securityProtocol: 0 },
            { port: 9094, host, listener: v >= 3 ? 'REPLICATION' : '', securityProtocol: 2 },
          ]
        : [],
    rack: v >= 2 ? rack : null,
  };
}

function request(v: number) {
  const grouped = v >= 5;
  return {
    controllerId: 1,
    controllerEpoch: 9,
    brokerEpoch: v >= 5 ? 8589934593 : -1,
    ungroupedPartitionStates: grouped
      ? []
      : [state(v, false, 'orders', 0, 1), state(v, false, 'orders', 1, 3), state(v, false, 'doomed', 0, -2)],
    topicStates: grouped
      ? [
          { topicName: 'orders', partitionStates: [state(v, true, 'orders', 0, 1), state(v, true, 'orders', 1, 3)] },
          // a topic queued for deletion: leader and leaderEpoch -2
          { topicName: 'doomed', partitionStates: [state(v, true, 'doomed', 0, -2)] },
        ]
      : [],
    liveBrokers: [broker(v, 1, 'eu-west-1a'), broker(v, 3, null)],
  };
}

describe('update-metadata - request', () => {
  it.each(VERSIONS)('round trips v%i', (v) => {
    const value = request(v);
    expect(roundTrip(UpdateMetadataRequest, v, value)).toEqual(value);
  });

  it('v0–v4 are flat with topic names per state; v5+ grouped by topic', () => {
    for (const v of VERSIONS) {
      const d = roundTrip(UpdateMetadataRequest, v, request(v));
      if (v <= 4) {
        expect(d.topicStates).toEqual([]);
        expect(d.ungroupedPartitionStates.map((s) => s.topicName)).toEqual(['orders', 'orders', 'doomed']);
      } else {
        expect(d.ungroupedPartitionStates).toEqual([]);
        expect(d.topicStates.map((t) => [t.topicName, t.partitionStates.length])).toEqual([
          ['orders', 2],
          ['doomed', 1],
        ]);
        expect(d.topicStates[1]!.partitionStates[0]!.topicName).toBe('');
      }
    }
  });

  it('v0 brokers have one host/port; v1+ an endpoint list; listener v3+; rack v2+', () => {
    // encode the richest broker description at every version and see what survives
    const rich = { ...request(0), liveBrokers: [{ ...broker(6, 1, 'r1'), v0Host: 'old-host', v0Port: 9091 }] };
    const at = (v: number) => roundTrip(UpdateMetadataRequest, v, rich).liveBrokers[0]!;
    expect(at(0)).toEqual({ id: 1, v0Host: 'old-host', v0Port: 9091, endpoints: [], rack: null });
    expect(at(1).v0Host).toBe('');
    expect(at(1).endpoints.map((e) => [e.host, e.port, e.listener])).toEqual([
      ['broker-1.internal', 9092, ''],
      ['broker-1.internal', 9094, ''],
    ]);
    expect(at(1).rack).toBeNull();
    expect(at(2).rack).toBe('r1');
    expect(at(2).endpoints[0]!.listener).toBe('');
    expect(at(3).endpoints.map((e) => e.listener)).toEqual(['PLAINTEXT', 'REPLICATION']);
  });

  it('v1 endpoint wire order is port, host, securityProtocol; v3 adds the listener before it', () => {
    const one = (v: number) =>
      encode(UpdateMetadataRequest, v, {
        controllerId: 1,
        controllerEpoch: 2,
        liveBrokers: [{ id: 5, endpoints: [{ port: 9092, host: 'h', listener: 'L', securityProtocol: 1 }], rack: null }],
      });
    // controllerId controllerEpoch | ungrouped [] | liveBrokers [1] | id | endpoints [1] | port host secProto
    expect(one(1).toString('hex')).toBe(
      '00000001' + '00000002' + '00000000' + '00000001' + '00000005' + '00000001' + '00002384' + '000168' + '0001',
    );
    // v3: ... port host listener secProto | rack (null)
    expect(one(3).toString('hex')).toBe(
      '00000001' + '00000002' + '00000000' + '00000001' + '00000005' + '00000001' + '00002384' + '000168' + '00014c' +
        '0001' + 'ffff',
    );
  });

  it('offlineReplicas (v4+) and brokerEpoch (v5+) are skipped by older versions', () => {
    const v5ish = {
      ...request(3),
      brokerEpoch: 1234,
      ungroupedPartitionStates: request(3).ungroupedPartitionStates.map((s) => ({ ...s, offlineReplicas: [3] })),
    };
    const d3 = roundTrip(UpdateMetadataRequest, 3, v5ish);
    expect(d3).toEqual(request(3));
    const d4 = roundTrip(UpdateMetadataRequest, 4, v5ish);
    expect(d4.ungroupedPartitionStates.map((s) => s.offlineReplicas)).toEqual([[3], [3], [3]]);
    expect(d4.brokerEpoch).toBe(-1);
  });

  it('v6 is flexible: compact lengths and empty tag sections; unknown tags are skipped', () => {
    const buf = encode(UpdateMetadataRequest, 6, request(6));
    // controllerId(4) controllerEpoch(4) brokerEpoch(8), then topicStates count as uvarint n+1
    expect(buf.readBigInt64BE(8)).toBe(8589934593n);
    expect(buf[16]).toBe(3);
    expect(buf.length).toBeLessThan(encode(UpdateMetadataRequest, 5, request(5)).length);
    const tagged = withUnknownTags(buf, Buffer.from([2, 0, 1, 0xff, 3, 0]));
    expect(decode(UpdateMetadataRequest, 6, tagged)).toEqual(request(6));
  });

  it.each(VERSIONS)('every truncated prefix of a v%i body throws ProtocolError', (v) => {
    expectEveryPrefixThrows(UpdateMetadataRequest, v, encode(UpdateMetadataRequest, v, request(v)));
  });
});

describe('update-metadata - response', () => {
  it.each(VERSIONS)('round trips v%i', (v) => {
    const value = { errorCode: 11 };
    expect(roundTrip(UpdateMetadataResponse, v, value)).toEqual(value);
  });

  it('is a bare int16, plus a tag section in v6', () => {
    expect(encode(UpdateMetadataResponse, 5, { errorCode: 77 }).toString('hex')).toBe('004d');
    expect(encode(UpdateMetadataResponse, 6, { errorCode: 77 }).toString('hex')).toBe('004d00');
  });

  it.each(VERSIONS)('every truncated prefix of a v%i body throws ProtocolError', (v) => {
    expectEveryPrefixThrows(UpdateMetadataResponse, v, encode(UpdateMetadataResponse, v, { errorCode: 0 }));
  });
});
