/**
 * AlterPartitionReassignments (key 45) v0, flexible from v0: round trips, null replicas (cancel),
 * byte layout, truncation, and kafkajs 2.2.4 as an oracle both ways. kafkajs writes/reads the
 * header's tag section as the first byte of what it calls the body; the tests account for it.
 */
import { describe, expect, it } from 'vitest';
import {
  AlterPartitionReassignmentsRequest,
  AlterPartitionReassignmentsResponse,
} from '../../../../src/protocol/messages/alter-partition-reassignments.js';
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
  timeoutMs: 30000,
  topics: [
    {
      name: 'orders',
      partitions: [
        { partitionIndex: 0, replicas: [4, 5, 6] },
        { partitionIndex: 1, replicas: null }, // cancel the pending reassignment
      ],
    },
    { name: 'audit', partitions: [{ partitionIndex: 2, replicas: [1, 2] }] },
  ],
};

const response = {
  throttleTimeMs: 0,
  errorCode: 0,
  errorMessage: null,
  responses: [
    {
      name: 'orders',
      partitions: [
        { partitionIndex: 0, errorCode: 0, errorMessage: null },
        { partitionIndex: 1, errorCode: 85, errorMessage: 'No reassignment in progress for orders-1' },
      ],
    },
    { name: 'audit', partitions: [{ partitionIndex: 2, errorCode: 0, errorMessage: null }] },
  ],
};

describe('alter-partition-reassignments - request', () => {
  it('round trips v0, keeping null (cancel) apart from a replica list', () => {
    const d = roundTrip(AlterPartitionReassignmentsRequest, 0, request);
    expect(d).toEqual(request);
    expect(d.topics[0]!.partitions[1]!.replicas).toBeNull();
  });

  it('replicas default to null and timeoutMs to 60000', () => {
    const buf = encode(AlterPartitionReassignmentsRequest, 0, { topics: [{ name: 'a', partitions: [{ partitionIndex: 0 }] }] });
    // timeoutMs | topics [1] | name | partitions [1] | partitionIndex | replicas null | tags x3
    expect(buf.toString('hex')).toBe('0000ea60' + '02' + '0261' + '02' + '00000000' + '00' + '00' + '00' + '00');
    expect(decode(AlterPartitionReassignmentsRequest, 0, buf)).toEqual({
      timeoutMs: 60000,
      topics: [{ name: 'a', partitions: [{ partitionIndex: 0, replicas: null }] }],
    });
  });

  it('every truncated prefix throws ProtocolError', () => {
    expectEveryPrefixThrows(AlterPartitionReassignmentsRequest, 0, encode(AlterPartitionReassignmentsRequest, 0, request));
  });

  it('oracle: decodes the body kafkajs writes', async () => {
    const { raw, decoded: d } = await decodeKafkajsFlexibleRequest(AlterPartitionReassignmentsRequest, 'alterPartitionReassignments', 0, {
      timeout: 5000,
      topics: [
        { topic: 'orders', partitionAssignment: [{ partition: 0, replicas: [4, 5, 6] }, { partition: 3, replicas: [2] }] },
        { topic: 'audit', partitionAssignment: [{ partition: 2, replicas: [1, 2] }] },
      ],
    });
    expect(d).toEqual({
      timeoutMs: 5000,
      topics: [
        { name: 'orders', partitions: [{ partitionIndex: 0, replicas: [4, 5, 6] }, { partitionIndex: 3, replicas: [2] }] },
        { name: 'audit', partitions: [{ partitionIndex: 2, replicas: [1, 2] }] },
      ],
    });
    // and we write the same bytes back
    expect(withEmptyHeaderTags(encode(AlterPartitionReassignmentsRequest, 0, d))).toEqual(raw);
  });
});

describe('alter-partition-reassignments - response', () => {
  it('round trips v0 with null and non-null error messages', () => {
    expect(roundTrip(AlterPartitionReassignmentsResponse, 0, response)).toEqual(response);
  });

  it('every truncated prefix throws ProtocolError', () => {
    expectEveryPrefixThrows(AlterPartitionReassignmentsResponse, 0, encode(AlterPartitionReassignmentsResponse, 0, response));
  });

  it('oracle: kafkajs decodes the body we write', async () => {
    // behind response header v1's (empty) tag section, which kafkajs reads as part of the body
    const got = await kafkajsReadsFlexibleResponse(AlterPartitionReassignmentsResponse, 'alterPartitionReassignments', 0, {
      ...response,
      throttleTimeMs: 12,
    });
    expect(got).toEqual({
      throttleTime: 12,
      errorCode: 0,
      responses: [
        { topic: 'orders', partitions: [{ partition: 0, errorCode: 0 }, { partition: 1, errorCode: 85 }] },
        { topic: 'audit', partitions: [{ partition: 2, errorCode: 0 }] },
      ],
    });
  });
});
