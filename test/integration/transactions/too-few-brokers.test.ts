/**
 * T17 (transactions-and-compaction.md §5): one broker left with Kafka's default replication factor of 3
 * for the internal topics. Kafka 2.7 does not create `__transaction_state` (nor `__consumer_offsets`) with
 * fewer live brokers than its replication factor: FindCoordinator answers COORDINATOR_NOT_AVAILABLE (15,
 * retriable) every time, and no topic appears in ZooKeeper. Adding brokers is the cure, not a smaller
 * topic created behind the operator's back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP_METADATA_TOPIC, TRANSACTION_STATE_TOPIC } from '../../../src/cluster/auto-topic-creation.js';
import type { BrokerClient } from '../../../src/network/client.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { FindCoordinatorRequest, FindCoordinatorResponse } from '../../../src/protocol/messages/find-coordinator.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { rawClient } from '../eos/eos-kit.js';
import { sendInitProducerId } from './txn-kit.js';

let cluster: Cluster;
let c: BrokerClient;

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 1,
    inProcess: true,
    // Kafka's defaults, which the harness lowers to the cluster's size
    brokerConfig: { 'transaction.state.log.replication.factor': 3, 'offsets.topic.replication.factor': 3 },
  });
  c = rawClient(cluster.port(0));
});

afterAll(async () => {
  await c?.close();
  await cluster?.close();
});

const find = async (key: string, keyType: 0 | 1, version: number) =>
  (await c.send({ request: FindCoordinatorRequest, response: FindCoordinatorResponse }, version, { key, keyType })).errorCode;

describe('internal topics with fewer live brokers than their replication factor', () => {
  it('FindCoordinator for a transactional id answers COORDINATOR_NOT_AVAILABLE every time; __transaction_state is never created', async () => {
    for (let i = 0; i < 5; i++) {
      for (const version of [1, 2, 3]) expect(await find(`t17-${i}`, 1, version)).toBe(ErrorCode.CoordinatorNotAvailable);
    }
    expect(await cluster.zk.topicExists(TRANSACTION_STATE_TOPIC)).toBe(false);
    expect(cluster.broker(0).replicaManager.hostedPartitions.some((p) => p.tp.topic === TRANSACTION_STATE_TOPIC)).toBe(false);
  });

  it('InitProducerId for that transactional id is refused with the same retriable error; an idempotent producer still gets an id', async () => {
    const init = (transactionalId: string | null) => sendInitProducerId(c, transactionalId);
    const txn = await init('t17-0');
    expect([ErrorCode.CoordinatorNotAvailable, ErrorCode.NotCoordinator]).toContain(txn.errorCode);
    expect(txn.producerId).toBe(-1);
    const idempotent = await init(null);
    expect(idempotent.errorCode).toBe(ErrorCode.None);
    expect(idempotent.producerId).toBeGreaterThanOrEqual(0);
    expect(await cluster.zk.topicExists(TRANSACTION_STATE_TOPIC)).toBe(false);
  });

  it('the same holds for a group and __consumer_offsets', async () => {
    for (const version of [0, 1, 2, 3]) expect(await find('t17-group', 0, version)).toBe(ErrorCode.CoordinatorNotAvailable);
    expect(await cluster.zk.topicExists(GROUP_METADATA_TOPIC)).toBe(false);
  });
});
