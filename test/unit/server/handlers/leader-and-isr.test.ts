import { afterEach, describe, expect, it } from 'vitest';
import { createLeaderAndIsrHandler } from '../../../../src/server/handlers/leader-and-isr.js';
import { createStopReplicaHandler } from '../../../../src/server/handlers/stop-replica.js';
import { createUpdateMetadataHandler } from '../../../../src/server/handlers/update-metadata.js';
import { ErrorCode } from '../../../../src/protocol/error-codes.js';
import { Purgatory } from '../../../../src/purgatory/purgatory.js';
import { silentLogger } from '../../../../src/common/logger.js';
import { ctx, depsOf, makeKit, type Kit } from '../../cluster/kit.js';

let kit: Kit;
afterEach(() => kit?.close());

const ps = (partitionIndex: number, leaderEpoch: number) => ({
  partitionIndex,
  controllerEpoch: 1,
  leader: 1,
  leaderEpoch,
  isr: [1],
  zkVersion: 0,
  replicas: [1],
  addingReplicas: [],
  removingReplicas: [],
  isNew: false,
  offlineReplicas: [],
});

describe('control request handlers', () => {
  it('LeaderAndIsr v0 (ungrouped) and v4 (per topic) both reach the replica manager', async () => {
    kit = makeKit();
    const h = createLeaderAndIsrHandler(kit.rm);
    const v0 = await h.handle({ controllerId: 1, controllerEpoch: 1, brokerEpoch: -1, ungroupedPartitionStates: [{ ...ps(0, 0), topicName: 'a' }], topicStates: [], liveLeaders: [] }, ctx(0));
    expect(v0).toEqual({ errorCode: 0, partitionErrors: [{ topicName: 'a', partitionIndex: 0, errorCode: 0 }] });
    const v4 = await h.handle({ controllerId: 1, controllerEpoch: 1, brokerEpoch: 100, ungroupedPartitionStates: [], topicStates: [{ topicName: 'b', partitionStates: [ps(0, 0), ps(1, 0)] }], liveLeaders: [] }, ctx(4));
    expect((v4 as { partitionErrors: unknown[] }).partitionErrors).toHaveLength(2);
    expect(kit.rm.isLeader({ topic: 'b', partition: 1 })).toBe(true);
    const stale = await h.handle({ controllerId: 1, controllerEpoch: 1, brokerEpoch: 7, ungroupedPartitionStates: [], topicStates: [{ topicName: 'b', partitionStates: [ps(0, 1)] }], liveLeaders: [] }, ctx(4));
    expect(stale).toMatchObject({ errorCode: ErrorCode.StaleBrokerEpoch });
  });

  it('UpdateMetadata fills the cache (v0 host/port, v5 listeners), deletes on leader -2, completes admin waits, rejects stale epochs', async () => {
    kit = makeKit();
    const adminPurgatory = new Purgatory({ name: 'topic', clock: kit.clock, log: silentLogger() });
    let checked = 0;
    adminPurgatory.tryCompleteElseWatch({ deadline: kit.clock.now() + 1000, tryComplete: () => checked++ > 0, onComplete: () => {} }, ['metadata-changed']);
    const deleted: unknown[] = [];
    const h = createUpdateMetadataHandler({ ...depsOf(kit), adminPurgatory }, kit.rm, { onPartitionsDeleted: (tps) => deleted.push(...tps) });
    const base = { controllerId: 3, controllerEpoch: 2, brokerEpoch: -1, ungroupedPartitionStates: [], topicStates: [] };
    await h.handle({ ...base, ungroupedPartitionStates: [{ ...ps(0, 0), topicName: 't' }], liveBrokers: [{ id: 1, v0Host: 'h1', v0Port: 1, endpoints: [], rack: null }] }, ctx(0));
    expect(kit.metadataCache.endpoint(1, 'PLAINTEXT')).toMatchObject({ host: 'h1', port: 1 });
    expect(kit.metadataCache.partition({ topic: 't', partition: 0 })?.leader).toBe(1);
    expect(adminPurgatory.delayed).toBe(0);
    const r = await h.handle(
      { ...base, topicStates: [{ topicName: 't', partitionStates: [{ ...ps(0, 0), leader: -2 }] }], liveBrokers: [{ id: 1, v0Host: '', v0Port: 0, endpoints: [{ port: 9, host: 'h', listener: 'INTERNAL', securityProtocol: 0 }], rack: 'r1' }] },
      ctx(5),
    );
    expect(r).toEqual({ errorCode: 0 });
    expect(kit.metadataCache.broker(1)).toMatchObject({ rack: 'r1', endpoints: [{ listenerName: 'INTERNAL', host: 'h', port: 9 }] });
    expect(deleted).toEqual([{ topic: 't', partition: 0 }]);
    expect(kit.metadataCache.controllerId).toBe(3);
    expect(await h.handle({ ...base, controllerEpoch: 1, liveBrokers: [] }, ctx(5))).toEqual({ errorCode: ErrorCode.StaleControllerEpoch });
    expect(await h.handle({ ...base, brokerEpoch: 1, liveBrokers: [] }, ctx(5))).toEqual({ errorCode: ErrorCode.StaleBrokerEpoch });
    adminPurgatory.shutdown();
  });

  it('StopReplica v1 (delete flag for all) and v3 (per-partition epochs)', async () => {
    kit = makeKit();
    await createLeaderAndIsrHandler(kit.rm).handle({ controllerId: 1, controllerEpoch: 1, brokerEpoch: 100, ungroupedPartitionStates: [], topicStates: [{ topicName: 't', partitionStates: [ps(0, 2), ps(1, 2)] }], liveLeaders: [] }, ctx(4));
    const h = createStopReplicaHandler(kit.rm);
    const v3 = await h.handle(
      { controllerId: 1, controllerEpoch: 1, brokerEpoch: 100, deletePartitions: false, ungroupedPartitions: [], topics: [], topicStates: [{ topicName: 't', partitionStates: [{ partitionIndex: 0, leaderEpoch: 2, deletePartition: true }] }] },
      ctx(3),
    );
    expect(v3).toEqual({ errorCode: 0, partitionErrors: [{ topicName: 't', partitionIndex: 0, errorCode: ErrorCode.FencedLeaderEpoch }] });
    const v1 = await h.handle({ controllerId: 1, controllerEpoch: 1, brokerEpoch: 100, deletePartitions: true, ungroupedPartitions: [], topics: [{ name: 't', partitionIndexes: [0, 1] }], topicStates: [] }, ctx(1));
    expect((v1 as { partitionErrors: Array<{ errorCode: number }> }).partitionErrors.map((e) => e.errorCode)).toEqual([0, 0]);
    expect(kit.logManager.getLog({ topic: 't', partition: 1 })).toBeUndefined();
  });
});
