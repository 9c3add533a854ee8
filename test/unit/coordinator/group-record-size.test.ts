import { describe, expect, it } from 'vitest';
import { offsetCommitRecordsSize } from '../../../src/coordinator/group-record-size.js';
import { buildRecordBatch } from '../../../src/protocol/records/record-batch-builder.js';

// The oracle: the real batch our builder writes for records whose key and value have the sizes
// Kafka's OffsetKey v1 / OffsetCommitValue v3 (or v1) would have.
function offsetRecordBatch(group: string, entries: Array<{ topic: string; metadata: string; expireTimestamp: number | null }>): Buffer {
  const str = (s: string) => 2 + Buffer.byteLength(s, 'utf8');
  return buildRecordBatch(
    entries.map((e) => ({
      key: Buffer.alloc(2 + str(group) + str(e.topic) + 4),
      value: Buffer.alloc(e.expireTimestamp === null ? 2 + 8 + 4 + str(e.metadata) + 8 : 2 + 8 + str(e.metadata) + 8 + 8),
      timestamp: 1_700_000_000_000,
    })),
  );
}

describe('group record sizes', () => {
  it.each([
    ['one partition', 'g', [{ topic: 't', metadata: '', expireTimestamp: null }]],
    ['unicode metadata', 'grüppe', [{ topic: 'orders', metadata: 'é'.repeat(300), expireTimestamp: null }]],
    [
      'many partitions with retention',
      'group-1',
      Array.from({ length: 200 }, (_, i) => ({ topic: `topic-${i % 7}`, metadata: 'm'.repeat(i), expireTimestamp: i % 2 ? 5 : null })),
    ],
  ])('offsetCommitRecordsSize equals the real batch size: %s', (_name, group, entries) => {
    expect(offsetCommitRecordsSize(group, entries)).toBe(offsetRecordBatch(group, entries).length);
  });
});
