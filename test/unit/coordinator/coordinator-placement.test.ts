import { describe, expect, it } from 'vitest';
import { groupCoordinatorConfig, DEFAULT_GROUP_COORDINATOR_CONFIG } from '../../../src/coordinator/coordinator-config.js';
import { javaStringHashCode, kafkaAbs, partitionFor } from '../../../src/coordinator/coordinator-placement.js';

// Values printed by Java 17 (String.hashCode, Utils.abs, % 50).
const JAVA: Array<[string, number, number]> = [
  ['', 0, 0],
  ['a', 97, 47],
  ['hello', 99162322, 22],
  ['polygenelubricants', -2147483648, 0],
  ['console-consumer-12345', 158455506, 6],
  ['my-group', -1906497762, 12],
  ['orders-app', 772757305, 5],
  ['été-😀', -1803456526, 26],
];

describe('coordinator-placement', () => {
  it.each(JAVA)('coordinator-placement - hash of %j is Java’s %i, partition %i of 50', (s, hash, partition) => {
    expect(javaStringHashCode(s)).toBe(hash);
    expect(partitionFor(s, 50)).toBe(partition);
  });

  it('coordinator-placement - Utils.abs maps MIN_VALUE to 0 and negates other negatives (not a mask)', () => {
    expect(kafkaAbs(-2147483648)).toBe(0);
    expect(kafkaAbs(-1906497762)).toBe(1906497762);
    expect(kafkaAbs(5)).toBe(5);
    // masking would have put "my-group" on partition 36
    expect((-1906497762 & 0x7fffffff) % 50).toBe(36);
    expect(partitionFor('my-group', 50)).toBe(12);
  });

  it('coordinator-placement - rejects a non-positive partition count', () => {
    expect(() => partitionFor('g', 0)).toThrow(RangeError);
    expect(() => partitionFor('g', 1.5)).toThrow(RangeError);
  });

  it('coordinator-config - Kafka 2.7 defaults, overridable by Kafka key names', () => {
    expect(DEFAULT_GROUP_COORDINATOR_CONFIG).toMatchObject({ groupMinSessionTimeoutMs: 6000, groupMaxSessionTimeoutMs: 1_800_000, groupInitialRebalanceDelayMs: 3000, groupMaxSize: 2147483647, offsetsTopicNumPartitions: 50, offsetMetadataMaxBytes: 4096, offsetsRetentionMinutes: 10080, offsetsRetentionCheckIntervalMs: 600000 });
    const c = groupCoordinatorConfig({ 'group.initial.rebalance.delay.ms': 0, 'offsets.topic.num.partitions': 3 });
    expect(c.groupInitialRebalanceDelayMs).toBe(0);
    expect(c.offsetsTopicNumPartitions).toBe(3);
    expect(c.groupMaxSize).toBe(2147483647);
  });
});
