import { describe, expect, it } from 'vitest';
import { assignNewPartitions, assignReplicasToBrokers, rackAlternatedBrokers } from '../../../src/controller/replica-assignment.js';
import { KafkaError } from '../../../src/common/errors.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';

const plain = (ids: number[]) => ids.map((id) => ({ id, rack: null }));

/** The Kafka error code `f` throws, or null. */
function code(f: () => unknown): ErrorCode | null {
  try {
    f();
  } catch (e) {
    return (e as KafkaError).code;
  }
  return null;
}

describe('replica assignment', () => {
  it('matches the AdminUtils worked example (5 brokers, 10 partitions, RF 3, start 0)', () => {
    const a = assignReplicasToBrokers(plain([0, 1, 2, 3, 4]), 10, 3, { fixedStartIndex: 0 });
    expect([...a.entries()]).toEqual([
      [0, [0, 1, 2]], [1, [1, 2, 3]], [2, [2, 3, 4]], [3, [3, 4, 0]], [4, [4, 0, 1]],
      [5, [0, 2, 3]], [6, [1, 3, 4]], [7, [2, 4, 0]], [8, [3, 0, 1]], [9, [4, 1, 2]],
    ]);
  });

  it('spreads preferred leaders round-robin and never repeats a broker in a partition', () => {
    for (let seed = 0; seed < 20; seed++) {
      let x = seed / 20;
      const a = assignReplicasToBrokers(plain([0, 1, 2]), 6, 3, { random: () => (x = (x + 0.37) % 1) });
      const leaders = [...a.values()].map((r) => r[0]);
      for (const id of [0, 1, 2]) expect(leaders.filter((l) => l === id)).toHaveLength(2);
      for (const r of a.values()) expect(new Set(r).size).toBe(3);
    }
  });

  it('refuses bad counts with Kafka error codes', () => {
    expect(code(() => assignReplicasToBrokers(plain([0, 1]), 0, 1))).toBe(ErrorCode.InvalidPartitions);
    expect(code(() => assignReplicasToBrokers(plain([0, 1]), 1, 0))).toBe(ErrorCode.InvalidReplicationFactor);
    expect(code(() => assignReplicasToBrokers(plain([0, 1]), 1, 3))).toBe(ErrorCode.InvalidReplicationFactor);
  });

  it('refuses, before building anything, partition counts whose assignment znode could never fit ZooKeeper', () => {
    expect(code(() => assignReplicasToBrokers(plain([0, 1]), 0x7fffffff, 1))).toBe(ErrorCode.InvalidPartitions);
    expect(code(() => assignReplicasToBrokers(plain([0, 1, 2]), 200_000, 3))).toBe(ErrorCode.InvalidPartitions);
    const existing = assignReplicasToBrokers(plain([0, 1]), 2, 2, { fixedStartIndex: 0 });
    expect(code(() => assignNewPartitions(plain([0, 1]), existing, 0x7fffffff))).toBe(ErrorCode.InvalidPartitions);
    expect(assignReplicasToBrokers(plain([0, 1, 2]), 10_000, 3).size).toBe(10_000);
  });

  it('interleaves racks and places replicas on distinct racks', () => {
    const brokers = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((id) => ({ id, rack: `rack${Math.floor(id / 3) + 1}` }));
    expect(rackAlternatedBrokers(brokers).map((b) => b.id)).toEqual([0, 3, 6, 1, 4, 7, 2, 5, 8]);
    const a = assignReplicasToBrokers(brokers, 9, 3, { fixedStartIndex: 0 });
    for (const r of a.values()) expect(new Set(r.map((id) => Math.floor(id / 3))).size).toBe(3);
  });

  it('continues an assignment for CreatePartitions with the same replication factor', () => {
    const existing = assignReplicasToBrokers(plain([0, 1, 2]), 3, 2, { fixedStartIndex: 0 });
    const added = assignNewPartitions(plain([0, 1, 2]), existing, 5);
    expect([...added.keys()]).toEqual([3, 4]);
    for (const r of added.values()) expect(r).toHaveLength(2);
    expect(() => assignNewPartitions(plain([0, 1, 2]), existing, 3)).toThrow(KafkaError);
  });
});
