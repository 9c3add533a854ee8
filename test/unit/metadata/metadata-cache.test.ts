import { describe, expect, it } from 'vitest';
import { MetadataCache, type PartitionInfo } from '../../../src/metadata/metadata-cache.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';

const broker = (id: number, listener = 'PLAINTEXT') => ({
  id,
  rack: null,
  endpoints: [{ listenerName: listener, host: '127.0.0.1', port: 9092 + id, securityProtocol: 0 }],
});
const part = (partition: number, leader: number, replicas: number[], isr = replicas): PartitionInfo => ({
  topic: 't',
  partition,
  controllerEpoch: 1,
  leader,
  leaderEpoch: 0,
  isr,
  zkVersion: 0,
  replicas,
  offlineReplicas: [],
});

describe('metadata cache', () => {
  it('replaces brokers and merges partitions across updates', () => {
    const c = new MetadataCache();
    c.update({ controllerId: 0, controllerEpoch: 1, liveBrokers: [broker(0), broker(1)], partitions: [part(0, 0, [0, 1]), part(1, 1, [1, 0])] });
    c.update({ controllerId: 1, controllerEpoch: 2, liveBrokers: [broker(1)], partitions: [part(0, 1, [0, 1], [1])] });
    expect(c.controllerId).toBe(1);
    expect(c.liveBrokers().map((b) => b.id)).toEqual([1]);
    expect(c.partition({ topic: 't', partition: 0 })?.leader).toBe(1);
    expect(c.partition({ topic: 't', partition: 1 })?.leader).toBe(1);
  });

  it('reports a dead leader as LEADER_NOT_AVAILABLE with leader -1 but keeps replicas (v1+)', () => {
    const c = new MetadataCache();
    c.update({ controllerId: 0, controllerEpoch: 1, liveBrokers: [broker(1)], partitions: [part(0, 0, [0, 1])] });
    const [p] = c.partitionMetadata('t', 'PLAINTEXT', 5);
    expect(p).toMatchObject({ errorCode: ErrorCode.LeaderNotAvailable, leaderId: -1, replicaNodes: [0, 1], isrNodes: [0, 1] });
  });

  it('filters dead replicas with REPLICA_NOT_AVAILABLE in v0 only', () => {
    const c = new MetadataCache();
    c.update({ controllerId: 0, controllerEpoch: 1, liveBrokers: [broker(0)], partitions: [part(0, 0, [0, 1])] });
    expect(c.partitionMetadata('t', 'PLAINTEXT', 0)[0]).toMatchObject({ errorCode: ErrorCode.ReplicaNotAvailable, replicaNodes: [0], isrNodes: [0] });
    expect(c.partitionMetadata('t', 'PLAINTEXT', 1)[0]).toMatchObject({ errorCode: ErrorCode.None, replicaNodes: [0, 1] });
  });

  it('answers LISTENER_NOT_FOUND for v6+ when the leader lacks the listener', () => {
    const c = new MetadataCache();
    c.update({ controllerId: 0, controllerEpoch: 1, liveBrokers: [broker(0, 'INTERNAL')], partitions: [part(0, 0, [0])] });
    expect(c.partitionMetadata('t', 'PLAINTEXT', 6)[0]?.errorCode).toBe(ErrorCode.ListenerNotFound);
    expect(c.partitionMetadata('t', 'PLAINTEXT', 5)[0]?.errorCode).toBe(ErrorCode.LeaderNotAvailable);
  });

  it('removes partitions sent with leader -2 and reports them', () => {
    const c = new MetadataCache();
    c.update({ controllerId: 0, controllerEpoch: 1, liveBrokers: [broker(0)], partitions: [part(0, 0, [0])] });
    expect(c.allPartitionsLed('t', 1)).toBe(true);
    const deleted = c.update({ controllerId: 0, controllerEpoch: 1, liveBrokers: [broker(0)], partitions: [part(0, -2, [0])] });
    expect(deleted).toEqual([{ topic: 't', partition: 0 }]);
    expect(c.hasTopic('t')).toBe(false);
  });
});
