/**
 * DescribeLogDirs (key 35) table. kafkajs 2.2.4 does not implement this API, so the checks are
 * round trip and truncation for every 2.7 version (v0–v2; v2 flexible), the exact bytes of a
 * null-topics request, and unknown tags.
 */
import { describe, expect, it } from 'vitest';
import { DescribeLogDirsRequest, DescribeLogDirsResponse } from '../../../../src/protocol/messages/describe-log-dirs.js';
import { checkAllVersions, decode, encode } from './codec-kit.js';

describe('describe-log-dirs - wire layout', () => {
  it('null topics (= everything) in classic and compact form', () => {
    expect(encode(DescribeLogDirsRequest, 1, { topics: null }).toString('hex')).toBe('ffffffff');
    expect(encode(DescribeLogDirsRequest, 2, { topics: null }).toString('hex')).toBe('0000');
    expect(decode(DescribeLogDirsRequest, 2, Buffer.from('0000', 'hex'))).toEqual({ topics: null });
  });
});

describe('describe-log-dirs - every 2.7 version round-trips and rejects truncation', () => {
  it('request v0–v2', () => {
    checkAllVersions(DescribeLogDirsRequest, () => ({ topics: [{ topic: 'orders', partitionIndex: [0, 1, 2] }] }));
  });
  it('response v0–v2', () => {
    checkAllVersions(DescribeLogDirsResponse, () => ({
      throttleTimeMs: 0,
      results: [
        {
          errorCode: 0,
          logDir: '/var/lib/gregor/data',
          topics: [
            {
              name: 'orders',
              partitions: [
                { partitionIndex: 0, partitionSize: 10_737_418_240, offsetLag: 0, isFutureKey: false },
                { partitionIndex: 1, partitionSize: 512, offsetLag: 3, isFutureKey: true },
              ],
            },
          ],
        },
        { errorCode: 56, logDir: '/mnt/failed', topics: [] },
      ],
    }));
  });
});
