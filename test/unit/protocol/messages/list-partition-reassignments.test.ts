/**
 * ListPartitionReassignments (key 46) v0, flexible from v0: null vs empty topics, round trips,
 * truncation, and kafkajs 2.2.4 as an oracle both ways (kafkajs carries the header's tag section
 * as the first byte of what it calls the body).
 */
import { describe, expect, it } from 'vitest';
import {
  ListPartitionReassignmentsRequest,
  ListPartitionReassignmentsResponse,
} from '../../../../src/protocol/messages/list-partition-reassignments.js';
import {
  decode,
  decodeKafkajsFlexibleRequest,
  encode,
  expectEveryPrefixThrows,
  kafkajsReadsFlexibleResponse,
  roundTrip,
  withEmptyHeaderTags,
} from './codec-kit.js';

const request = {
  timeoutMs: 15000,
  topics: [
    { name: 'orders', partitionIndexes: [0, 1, 2] },
    { name: 'audit', partitionIndexes: [4] },
  ],
};

const response = {
  throttleTimeMs: 0,
  errorCode: 0,
  errorMessage: null,
  topics: [
    {
      name: 'orders',
      partitions: [
        { partitionIndex: 0, replicas: [4, 5, 6, 1, 2, 3], addingReplicas: [4, 5, 6], removingReplicas: [1, 2, 3] },
        { partitionIndex: 2, replicas: [1, 2, 7], addingReplicas: [7], removingReplicas: [] },
      ],
    },
  ],
};

describe('list-partition-reassignments - request', () => {
  it('round trips v0', () => {
    expect(roundTrip(ListPartitionReassignmentsRequest, 0, request)).toEqual(request);
  });

  it('null topics (list everything) stays apart from an empty list, and is the default', () => {
    const all = encode(ListPartitionReassignmentsRequest, 0, {});
    expect(all.toString('hex')).toBe('0000ea60' + '00' + '00');
    expect(decode(ListPartitionReassignmentsRequest, 0, all)).toEqual({ timeoutMs: 60000, topics: null });
    const none = encode(ListPartitionReassignmentsRequest, 0, { timeoutMs: 60000, topics: [] });
    expect(none.toString('hex')).toBe('0000ea60' + '01' + '00');
    expect(decode(ListPartitionReassignmentsRequest, 0, none).topics).toEqual([]);
  });

  it('every truncated prefix throws ProtocolError', () => {
    expectEveryPrefixThrows(ListPartitionReassignmentsRequest, 0, encode(ListPartitionReassignmentsRequest, 0, request));
  });

  it('oracle: decodes the bodies kafkajs writes, and writes the same bytes', async () => {
    const { raw, decoded: d } = await decodeKafkajsFlexibleRequest(ListPartitionReassignmentsRequest, 'listPartitionReassignments', 0, {
      timeout: 5000,
      topics: [
        { topic: 'orders', partitions: [0, 1, 2] },
        { topic: 'audit', partitions: [4] },
      ],
    });
    expect(d).toEqual({ ...request, timeoutMs: 5000 });
    expect(withEmptyHeaderTags(encode(ListPartitionReassignmentsRequest, 0, d))).toEqual(raw);

    const everything = await decodeKafkajsFlexibleRequest(ListPartitionReassignmentsRequest, 'listPartitionReassignments', 0, {
      timeout: 5000,
    });
    expect(everything.decoded).toEqual({ timeoutMs: 5000, topics: null });
  });
});

describe('list-partition-reassignments - response', () => {
  it('round trips v0', () => {
    expect(roundTrip(ListPartitionReassignmentsResponse, 0, response)).toEqual(response);
  });

  it('round trips a top-level error with its message', () => {
    const err = { throttleTimeMs: 5, errorCode: 41, errorMessage: 'This is not the correct controller for this cluster.', topics: [] };
    expect(roundTrip(ListPartitionReassignmentsResponse, 0, err)).toEqual(err);
  });

  it('every truncated prefix throws ProtocolError', () => {
    expectEveryPrefixThrows(ListPartitionReassignmentsResponse, 0, encode(ListPartitionReassignmentsResponse, 0, response));
  });

  it('oracle: kafkajs decodes the body we write', async () => {
    const got = await kafkajsReadsFlexibleResponse(ListPartitionReassignmentsResponse, 'listPartitionReassignments', 0, {
      ...response,
      throttleTimeMs: 3,
    });
    expect(got).toEqual({
      throttleTime: 3,
      errorCode: 0,
      topics: [
        {
          name: 'orders',
          partitions: [
            { partition: 0, replicas: [4, 5, 6, 1, 2, 3], addingReplicas: [4, 5, 6], removingReplicas: [1, 2, 3] },
            { partition: 2, replicas: [1, 2, 7], addingReplicas: [7], removingReplicas: [] },
          ],
        },
      ],
    });
  });
});
