/**
 * WriteTxnMarkers (key 27) v0 (not flexible in 2.7): round trip, byte layout, truncation.
 */
import { describe, expect, it } from 'vitest';
import { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../../../../src/protocol/messages/write-txn-markers.js';
import { encode, expectEveryPrefixThrows, roundTrip } from './codec-kit.js';

const request = {
  markers: [
    {
      producerId: 4001,
      producerEpoch: 3,
      transactionResult: true, // COMMIT
      topics: [
        { name: 'orders', partitionIndexes: [0, 2] },
        { name: '__consumer_offsets', partitionIndexes: [17] },
      ],
      coordinatorEpoch: 12,
    },
    {
      producerId: 4002,
      producerEpoch: 0,
      transactionResult: false, // ABORT
      topics: [{ name: 'audit', partitionIndexes: [1] }],
      coordinatorEpoch: 12,
    },
  ],
};

const response = {
  markers: [
    {
      producerId: 4001,
      topics: [
        { name: 'orders', partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 2, errorCode: 0 }] },
        { name: '__consumer_offsets', partitions: [{ partitionIndex: 17, errorCode: 0 }] },
      ],
    },
    { producerId: 4002, topics: [{ name: 'audit', partitions: [{ partitionIndex: 1, errorCode: 6 }] }] },
  ],
};

describe('write-txn-markers', () => {
  it('request round trips v0', () => {
    expect(roundTrip(WriteTxnMarkersRequest, 0, request)).toEqual(request);
  });

  it('response round trips v0', () => {
    expect(roundTrip(WriteTxnMarkersResponse, 0, response)).toEqual(response);
  });

  it('request layout by hand: coordinatorEpoch comes after the topics', () => {
    const buf = encode(WriteTxnMarkersRequest, 0, {
      markers: [
        { producerId: 5, producerEpoch: 1, transactionResult: false, topics: [{ name: 'a', partitionIndexes: [3] }], coordinatorEpoch: 9 },
      ],
    });
    expect(buf.toString('hex')).toBe(
      '00000001' + '0000000000000005' + '0001' + '00' + '00000001' + '0001' + '61' + '00000001' + '00000003' + '00000009',
    );
  });

  it('a 2.7 broker knows only v0', () => {
    expect([WriteTxnMarkersRequest.minVersion, WriteTxnMarkersRequest.maxVersion]).toEqual([0, 0]);
    expect(WriteTxnMarkersRequest.isFlexible(0)).toBe(false);
  });

  it('every truncated prefix of a request body throws ProtocolError', () => {
    expectEveryPrefixThrows(WriteTxnMarkersRequest, 0, encode(WriteTxnMarkersRequest, 0, request));
  });

  it('every truncated prefix of a response body throws ProtocolError', () => {
    expectEveryPrefixThrows(WriteTxnMarkersResponse, 0, encode(WriteTxnMarkersResponse, 0, response));
  });
});
