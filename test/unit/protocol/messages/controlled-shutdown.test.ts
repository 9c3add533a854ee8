/**
 * ControlledShutdown (key 7) v0–v3: brokerEpoch from v2, the flexible v3, byte layouts,
 * round trips and truncation.
 */
import { describe, expect, it } from 'vitest';
import {
  ControlledShutdownRequest,
  ControlledShutdownResponse,
} from '../../../../src/protocol/messages/controlled-shutdown.js';
import { decode, encode, expectEveryPrefixThrows, roundTrip } from './codec-kit.js';

const VERSIONS = [0, 1, 2, 3] as const;

const request = (v: number) => ({ brokerId: 3, brokerEpoch: v >= 2 ? 4294967553 : -1 });

const response = {
  errorCode: 0,
  remainingPartitions: [
    { topicName: 'orders', partitionIndex: 4 },
    { topicName: '__consumer_offsets', partitionIndex: 17 },
  ],
};

describe('controlled-shutdown - request', () => {
  it.each(VERSIONS)('round trips v%i', (v) => {
    expect(roundTrip(ControlledShutdownRequest, v, request(v))).toEqual(request(v));
  });

  it('brokerEpoch travels from v2 only; older versions decode it as -1', () => {
    const value = { brokerId: 3, brokerEpoch: 4294967553 };
    expect(encode(ControlledShutdownRequest, 0, value).toString('hex')).toBe('00000003');
    expect(encode(ControlledShutdownRequest, 1, value).toString('hex')).toBe('00000003');
    expect(decode(ControlledShutdownRequest, 1, Buffer.from('00000003', 'hex')).brokerEpoch).toBe(-1);
    expect(encode(ControlledShutdownRequest, 2, value).toString('hex')).toBe('00000003' + '0000000100000101');
    // v3 adds only the (empty) tag section
    expect(encode(ControlledShutdownRequest, 3, value).toString('hex')).toBe('00000003' + '0000000100000101' + '00');
  });

  it.each(VERSIONS)('every truncated prefix of a v%i body throws ProtocolError', (v) => {
    expectEveryPrefixThrows(ControlledShutdownRequest, v, encode(ControlledShutdownRequest, v, request(v)));
  });
});

describe('controlled-shutdown - response', () => {
  it.each(VERSIONS)('round trips v%i', (v) => {
    expect(roundTrip(ControlledShutdownResponse, v, response)).toEqual(response);
  });

  it('v2 and v3 layouts by hand', () => {
    const tiny = { errorCode: 0, remainingPartitions: [{ topicName: 'ab', partitionIndex: 1 }] };
    expect(encode(ControlledShutdownResponse, 2, tiny).toString('hex')).toBe('0000' + '00000001' + '0002' + '6162' + '00000001');
    expect(encode(ControlledShutdownResponse, 3, tiny).toString('hex')).toBe('0000' + '02' + '03' + '6162' + '00000001' + '00' + '00');
  });

  it('v3 skips unknown tagged fields inside a remaining partition', () => {
    const buf = Buffer.from('0000' + '02' + '03' + '6162' + '00000001' + '01' + '09' + '02' + 'cafe' + '00', 'hex');
    expect(decode(ControlledShutdownResponse, 3, buf)).toEqual({
      errorCode: 0,
      remainingPartitions: [{ topicName: 'ab', partitionIndex: 1 }],
    });
  });

  it.each(VERSIONS)('every truncated prefix of a v%i body throws ProtocolError', (v) => {
    expectEveryPrefixThrows(ControlledShutdownResponse, v, encode(ControlledShutdownResponse, v, response));
  });
});
