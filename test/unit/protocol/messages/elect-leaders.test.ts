/**
 * ElectLeaders (key 43) v0–v2, v2 flexible: electionType v1+, nullable topicPartitions,
 * response errorCode v1+, round trips, byte layouts and truncation. (kafkajs 2.2.4 has no
 * ElectLeaders, so there is no oracle here.)
 */
import { describe, expect, it } from 'vitest';
import { ElectLeadersRequest, ElectLeadersResponse } from '../../../../src/protocol/messages/elect-leaders.js';
import { encode, expectEveryPrefixThrows, roundTrip } from './codec-kit.js';

const VERSIONS = [0, 1, 2] as const;

function request(v: number) {
  return {
    electionType: v >= 1 ? 1 : 0, // UNCLEAN needs v1; v0 is always PREFERRED
    topicPartitions: [
      { topic: 'orders', partitions: [0, 1, 5] },
      { topic: 'audit', partitions: [2] },
    ],
    timeoutMs: 30000,
  };
}

function response(v: number) {
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    replicaElectionResults: [
      {
        topic: 'orders',
        partitionResult: [
          { partitionId: 0, errorCode: 0, errorMessage: null },
          { partitionId: 1, errorCode: 84, errorMessage: 'Leader election not needed for topic partition' },
        ],
      },
      { topic: 'audit', partitionResult: [{ partitionId: 2, errorCode: 83, errorMessage: null }] },
    ],
  };
}

describe('elect-leaders - request', () => {
  it.each(VERSIONS)('round trips v%i', (v) => {
    expect(roundTrip(ElectLeadersRequest, v, request(v))).toEqual(request(v));
  });

  it.each(VERSIONS)('round trips null topicPartitions (every partition) at v%i', (v) => {
    const all = { ...request(v), topicPartitions: null };
    expect(roundTrip(ElectLeadersRequest, v, all)).toEqual(all);
  });

  it('electionType is absent from v0 and decodes as 0 (preferred)', () => {
    const unclean = { electionType: 1, topicPartitions: null, timeoutMs: 100 };
    expect(encode(ElectLeadersRequest, 0, unclean).toString('hex')).toBe('ffffffff' + '00000064');
    expect(encode(ElectLeadersRequest, 1, unclean).toString('hex')).toBe('01' + 'ffffffff' + '00000064');
    expect(encode(ElectLeadersRequest, 2, unclean).toString('hex')).toBe('01' + '00' + '00000064' + '00');
    expect(roundTrip(ElectLeadersRequest, 0, unclean).electionType).toBe(0);
  });

  it('defaults: topicPartitions null, timeoutMs 60000', () => {
    expect(roundTrip(ElectLeadersRequest, 2, {})).toEqual({
      electionType: 0,
      topicPartitions: null,
      timeoutMs: 60000,
    });
  });

  it('v2 layout by hand', () => {
    const buf = encode(ElectLeadersRequest, 2, {
      electionType: 0,
      topicPartitions: [{ topic: 'ab', partitions: [7] }],
      timeoutMs: 1000,
    });
    expect(buf.toString('hex')).toBe('00' + '02' + '03' + '6162' + '02' + '00000007' + '00' + '000003e8' + '00');
  });

  it.each(VERSIONS)('every truncated prefix of a v%i body throws ProtocolError', (v) => {
    expectEveryPrefixThrows(ElectLeadersRequest, v, encode(ElectLeadersRequest, v, request(v)));
  });
});

describe('elect-leaders - response', () => {
  it.each(VERSIONS)('round trips v%i', (v) => {
    expect(roundTrip(ElectLeadersResponse, v, response(v))).toEqual(response(v));
  });

  it('the top-level errorCode travels from v1 only', () => {
    const denied = { throttleTimeMs: 0, errorCode: 31 /* CLUSTER_AUTHORIZATION_FAILED */, replicaElectionResults: [] };
    expect(encode(ElectLeadersResponse, 0, denied).toString('hex')).toBe('00000000' + '00000000');
    expect(encode(ElectLeadersResponse, 1, denied).toString('hex')).toBe('00000000' + '001f' + '00000000');
    expect(encode(ElectLeadersResponse, 2, denied).toString('hex')).toBe('00000000' + '001f' + '01' + '00');
    expect(roundTrip(ElectLeadersResponse, 0, denied).errorCode).toBe(0);
    expect(roundTrip(ElectLeadersResponse, 2, denied).errorCode).toBe(31);
  });

  it.each(VERSIONS)('every truncated prefix of a v%i body throws ProtocolError', (v) => {
    expectEveryPrefixThrows(ElectLeadersResponse, v, encode(ElectLeadersResponse, v, response(v)));
  });
});
