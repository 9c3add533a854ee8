/**
 * The transaction APIs on the wire, with the project's own codec as a raw client (exact ids, epochs and
 * versions), on one broker (`__transaction_state` RF 1): every advertised version of InitProducerId,
 * AddPartitionsToTxn, AddOffsetsToTxn, EndTxn and TxnOffsetCommit is answered, and bad input gets Kafka
 * 2.7's error with nothing written (transactions-and-compaction.md §2.5–§2.7, §2.12, §2.17):
 * - FindCoordinator KeyType 1 finds this broker once `__transaction_state` exists;
 * - INVALID_TRANSACTION_TIMEOUT, INVALID_REQUEST for "", INVALID_PRODUCER_ID_MAPPING, EndTxn without a
 *   transaction → INVALID_TXN_STATE, a stale epoch → PRODUCER_FENCED at the newest versions and
 *   INVALID_PRODUCER_EPOCH below, unknown and internal partitions in AddPartitionsToTxn (the others
 *   OPERATION_NOT_ATTEMPTED), a zombie TxnOffsetCommit, OffsetFetch v7 RequireStable while offsets are pending.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSACTION_STATE_TOPIC } from '../../../src/cluster/auto-topic-creation.js';
import type { BrokerClient } from '../../../src/network/client.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from '../../../src/protocol/messages/add-offsets-to-txn.js';
import { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from '../../../src/protocol/messages/add-partitions-to-txn.js';
import { EndTxnRequest, EndTxnResponse } from '../../../src/protocol/messages/end-txn.js';
import { FindCoordinatorRequest, FindCoordinatorResponse } from '../../../src/protocol/messages/find-coordinator.js';
import { OffsetFetchRequest, OffsetFetchResponse } from '../../../src/protocol/messages/offset-fetch.js';
import { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../../../src/protocol/messages/txn-offset-commit.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, type KafkaClients } from '../../harness/clients.js';
import { rawClient } from '../eos/eos-kit.js';
import { initTransactionalId, sendInitProducerId, type InitOptions } from './txn-kit.js';

let cluster: Cluster;
let clients: KafkaClients;
let c: BrokerClient;

const TOPIC = 'wire-txn';

const init = (transactionalId: string | null, version = 4, extra: Omit<InitOptions, 'version'> = {}) => sendInitProducerId(c, transactionalId, { ...extra, version });

/** FindCoordinator (which creates `__transaction_state`) and InitProducerId until no retriable coordinator error is left. */
const initReady = (transactionalId: string, version = 4) => initTransactionalId(cluster, c, transactionalId, { version });

async function addPartitions(id: string, pid: number, epoch: number, partitions: Array<[string, number]>, version = 1) {
  const topics = [...new Set(partitions.map(([t]) => t))].map((name) => ({ name, partitions: partitions.filter(([t]) => t === name).map(([, p]) => p) }));
  const r = await c.send({ request: AddPartitionsToTxnRequest, response: AddPartitionsToTxnResponse }, version, { transactionalId: id, producerId: pid, producerEpoch: epoch, topics });
  return Object.fromEntries(r.results.flatMap((t) => t.results.map((p) => [`${t.name}-${p.partitionIndex}`, p.errorCode])));
}

const addOffsets = async (id: string, pid: number, epoch: number, groupId: string, version = 1) =>
  (await c.send({ request: AddOffsetsToTxnRequest, response: AddOffsetsToTxnResponse }, version, { transactionalId: id, producerId: pid, producerEpoch: epoch, groupId })).errorCode;

const endTxn = async (id: string, pid: number, epoch: number, committed: boolean, version = 1) =>
  (await c.send({ request: EndTxnRequest, response: EndTxnResponse }, version, { transactionalId: id, producerId: pid, producerEpoch: epoch, committed })).errorCode;

async function txnOffsetCommit(id: string, groupId: string, pid: number, epoch: number, offset: number, version = 3) {
  const r = await c.send({ request: TxnOffsetCommitRequest, response: TxnOffsetCommitResponse }, version, {
    transactionalId: id,
    groupId,
    producerId: pid,
    producerEpoch: epoch,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }] }],
  });
  return r.topics[0]!.partitions[0]!.errorCode;
}

async function offsetFetch(groupId: string, requireStable: boolean) {
  const r = await c.send({ request: OffsetFetchRequest, response: OffsetFetchResponse }, 7, { groupId, topics: [{ name: TOPIC, partitionIndexes: [0] }], requireStable });
  const p = r.topics[0]!.partitions[0]!;
  return [p.committedOffset, p.errorCode];
}

const offsetFetchStable = (groupId: string) => offsetFetch(groupId, true);

/** LEO of every `__transaction_state` partition: proves that nothing was written. */
function txnLogEnd(): number {
  let total = 0;
  for (const p of cluster.broker(0).replicaManager.hostedPartitions) if (p.tp.topic === TRANSACTION_STATE_TOPIC) total += p.log?.logEndOffset ?? 0;
  return total;
}

/** Waits until the transaction's markers are written (the coordinator answers CONCURRENT_TRANSACTIONS meanwhile). */
async function settled(id: string, pid: number, epoch: number, committed: boolean) {
  let last = -100;
  await cluster.waitFor(async () => (last = await endTxn(id, pid, epoch, committed)) === ErrorCode.None, `transaction of ${id} completed`).catch((err: unknown) => {
    throw new Error(`${String(err)}; last EndTxn answer ${last}`);
  });
}

beforeAll(async () => {
  cluster = await startCluster({ brokers: 1, inProcess: true });
  clients = kafkaClients(cluster.bootstrapServers);
  const admin = await clients.admin();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: TOPIC, numPartitions: 2, replicationFactor: 1 }] });
  c = rawClient(cluster.port(0));
});

afterAll(async () => {
  await c?.close();
  await clients?.disconnectAll();
  await cluster?.close();
});

describe('transaction APIs on the wire', () => {
  it('FindCoordinator KeyType 1 (v1–v3) finds this broker once __transaction_state is created', async () => {
    for (const version of [1, 2, 3]) {
      const r = await cluster.waitFor(async () => {
        const res = await c.send({ request: FindCoordinatorRequest, response: FindCoordinatorResponse }, version, { key: 'wire-1', keyType: 1 });
        return res.errorCode === ErrorCode.None ? res : null;
      }, 'transaction coordinator found');
      expect(r).toMatchObject({ nodeId: 0, port: cluster.port(0) });
    }
    expect(await cluster.zk.topicExists(TRANSACTION_STATE_TOPIC)).toBe(true);
  });

  it('InitProducerId v0–v4 with a transactional id: new id → epoch 0, then one bump per call', async () => {
    const first = await initReady('wire-versions', 0);
    expect(first).toMatchObject({ errorCode: 0, producerEpoch: 0 });
    for (const version of [1, 2, 3, 4]) {
      expect(await init('wire-versions', version)).toMatchObject({ errorCode: 0, producerId: first.producerId, producerEpoch: version });
    }
  });

  it('bad InitProducerId input: "", timeouts out of range, a half-set (pid, epoch), another producer id', async () => {
    const before = txnLogEnd();
    expect((await init('', 4)).errorCode).toBe(ErrorCode.InvalidRequest);
    expect((await init('wire-bad', 4, { timeoutMs: 900_001 })).errorCode).toBe(ErrorCode.InvalidTransactionTimeout);
    expect((await init('wire-bad', 1, { timeoutMs: 0 })).errorCode).toBe(ErrorCode.InvalidTransactionTimeout);
    expect((await init('wire-bad', 4, { producerId: 5 })).errorCode).toBe(ErrorCode.InvalidRequest);
    expect(txnLogEnd()).toBe(before);
    const ok = await initReady('wire-bad');
    // KIP-360 with someone else's producer id: PRODUCER_FENCED at v4, INVALID_PRODUCER_EPOCH at v3
    expect((await init('wire-bad', 4, { producerId: ok.producerId + 1000, producerEpoch: 0 })).errorCode).toBe(ErrorCode.ProducerFenced);
    expect((await init('wire-bad', 3, { producerId: ok.producerId + 1000, producerEpoch: 0 })).errorCode).toBe(ErrorCode.InvalidProducerEpoch);
  });

  it('AddPartitionsToTxn / AddOffsetsToTxn / EndTxn at every version; fenced epochs by version; nothing written on errors', async () => {
    const { producerId: pid, producerEpoch: epoch } = await initReady('wire-apis');
    for (const version of [0, 1, 2]) {
      expect(await addPartitions('wire-apis', pid, epoch, [[TOPIC, 0]], version)).toEqual({ [`${TOPIC}-0`]: 0 });
      expect(await addOffsets('wire-apis', pid, epoch, 'wire-group', version)).toBe(0);
      expect(await endTxn('wire-apis', pid, epoch, version % 2 === 0, version)).toBe(0);
      await settled('wire-apis', pid, epoch, version % 2 === 0);
    }
    const before = txnLogEnd();
    expect(await addPartitions('wire-apis', pid, epoch + 1, [[TOPIC, 0]], 1)).toEqual({ [`${TOPIC}-0`]: ErrorCode.InvalidProducerEpoch });
    expect(await addPartitions('wire-apis', pid, epoch + 1, [[TOPIC, 0]], 2)).toEqual({ [`${TOPIC}-0`]: ErrorCode.ProducerFenced });
    expect(await addOffsets('wire-apis', pid, epoch - 1, 'g', 1)).toBe(ErrorCode.InvalidProducerEpoch);
    expect(await addOffsets('wire-apis', pid, epoch - 1, 'g', 2)).toBe(ErrorCode.ProducerFenced);
    expect(await endTxn('wire-apis', pid, epoch + 1, true, 1)).toBe(ErrorCode.InvalidProducerEpoch);
    expect(await endTxn('wire-apis', pid, epoch + 1, true, 2)).toBe(ErrorCode.ProducerFenced);
    expect(await addPartitions('wire-apis', pid + 1, epoch, [[TOPIC, 0]])).toEqual({ [`${TOPIC}-0`]: ErrorCode.InvalidProducerIdMapping });
    expect(await addPartitions('wire-nobody', pid, epoch, [[TOPIC, 0]])).toEqual({ [`${TOPIC}-0`]: ErrorCode.InvalidProducerIdMapping });
    expect(await endTxn('wire-nobody', pid, epoch, true)).toBe(ErrorCode.InvalidProducerIdMapping);
    expect(await addOffsets('', pid, epoch, 'g')).toBe(ErrorCode.InvalidRequest);
    expect(txnLogEnd()).toBe(before);
  });

  it('EndTxn without a transaction → INVALID_TXN_STATE; the other end of a completed transaction too', async () => {
    const { producerId: pid, producerEpoch: epoch } = await initReady('wire-state');
    const before = txnLogEnd();
    expect(await endTxn('wire-state', pid, epoch, true)).toBe(ErrorCode.InvalidTxnState);
    expect(await endTxn('wire-state', pid, epoch, false)).toBe(ErrorCode.InvalidTxnState);
    expect(txnLogEnd()).toBe(before);
    await addPartitions('wire-state', pid, epoch, [[TOPIC, 1]]);
    expect(await endTxn('wire-state', pid, epoch, true)).toBe(0);
    await settled('wire-state', pid, epoch, true);
    expect(await endTxn('wire-state', pid, epoch, false)).toBe(ErrorCode.InvalidTxnState);
  });

  it('AddPartitionsToTxn: an unknown partition fails the request (OPERATION_NOT_ATTEMPTED for the rest); internal topics are refused', async () => {
    const { producerId: pid, producerEpoch: epoch } = await initReady('wire-unknown');
    const before = txnLogEnd();
    expect(await addPartitions('wire-unknown', pid, epoch, [[TOPIC, 0], [TOPIC, 7], ['no-such-topic', 0]])).toEqual({
      [`${TOPIC}-0`]: ErrorCode.OperationNotAttempted,
      [`${TOPIC}-7`]: ErrorCode.UnknownTopicOrPartition,
      'no-such-topic-0': ErrorCode.UnknownTopicOrPartition,
    });
    expect(await addPartitions('wire-unknown', pid, epoch, [[TOPIC, 1], ['__consumer_offsets', 0]])).toEqual({
      [`${TOPIC}-1`]: ErrorCode.OperationNotAttempted,
      '__consumer_offsets-0': ErrorCode.TopicAuthorizationFailed,
    });
    expect(txnLogEnd()).toBe(before);
  });

  it('TxnOffsetCommit v0–v3: pending offsets are UNSTABLE for OffsetFetch v7 RequireStable; a zombie epoch → INVALID_PRODUCER_EPOCH', async () => {
    const id = 'wire-offsets';
    const group = 'wire-offsets-group';
    await initReady(id);
    const { producerId: pid, producerEpoch: epoch } = await initReady(id); // epoch 1: epoch 0 is a zombie
    expect(epoch).toBe(1);
    expect(await addOffsets(id, pid, epoch, group)).toBe(0);
    const committed = await cluster.waitFor(async () => {
      // FindCoordinator for the group creates __consumer_offsets
      await c.send({ request: FindCoordinatorRequest, response: FindCoordinatorResponse }, 2, { key: group, keyType: 0 });
      const code = await txnOffsetCommit(id, group, pid, epoch, 10, 0);
      return code === ErrorCode.CoordinatorNotAvailable || code === ErrorCode.NotCoordinator ? null : code;
    }, 'group coordinator ready');
    expect(committed).toBe(0);
    for (const version of [1, 2, 3]) expect(await txnOffsetCommit(id, group, pid, epoch, 10 + version, version)).toBe(0);
    expect(await offsetFetchStable(group)).toEqual([-1, ErrorCode.UnstableOffsetCommit]);
    expect(await txnOffsetCommit(id, group, pid, epoch - 1, 99)).toBe(ErrorCode.InvalidProducerEpoch);
    expect(await endTxn(id, pid, epoch, true)).toBe(0);
    await cluster.waitFor(async () => (await offsetFetchStable(group))[1] === 0, 'the offsets are stable');
    expect((await offsetFetchStable(group))[0]).toBe(13);

    // fenced: a new InitProducerId bumps the epoch; an abort marker carries it; the old epoch is a zombie
    const bumped = await initReady(id);
    expect(await addOffsets(id, pid, bumped.producerEpoch, group)).toBe(0);
    expect(await txnOffsetCommit(id, group, pid, bumped.producerEpoch, 20)).toBe(0);
    expect(await endTxn(id, pid, bumped.producerEpoch, false)).toBe(0);
    await settled(id, pid, bumped.producerEpoch, false);
    expect(await txnOffsetCommit(id, group, pid, bumped.producerEpoch - 1, 21)).toBe(ErrorCode.InvalidProducerEpoch);
    const pidNode = JSON.parse((await cluster.zk.zk.getData(`/consumers/${group}/txn_offsets/${pid}`)).data!.toString()) as { producer_epoch: number };
    expect(pidNode.producer_epoch).toBe(bumped.producerEpoch);
    expect(await cluster.zk.zk.getChildren(`/consumers/${group}/txn_offsets/${pid}`)).toEqual([]);
  });

  it('TxnOffsetCommit for a group the producer never added (no AddOffsetsToTxn): accepted as 2.7 does, but never committed', async () => {
    // Kafka 2.7 does not check AddOffsetsToTxn here (reference §2.15.8): the offsets are pending for
    // the producer, and only a marker sent to the group's __consumer_offsets partition could commit
    // them — which the coordinator sends only for groups added to the transaction.
    const id = 'wire-never-added';
    const group = 'wire-never-added-group';
    const { producerId: pid, producerEpoch: epoch } = await initReady(id);
    expect(await addPartitions(id, pid, epoch, [[TOPIC, 1]])).toEqual({ [`${TOPIC}-1`]: 0 });
    const code = await cluster.waitFor(async () => {
      await c.send({ request: FindCoordinatorRequest, response: FindCoordinatorResponse }, 2, { key: group, keyType: 0 });
      const r = await txnOffsetCommit(id, group, pid, epoch, 42);
      return r === ErrorCode.CoordinatorNotAvailable || r === ErrorCode.NotCoordinator ? null : r;
    }, 'group coordinator ready');
    expect(code).toBe(0);
    expect(await endTxn(id, pid, epoch, true)).toBe(0);
    await settled(id, pid, epoch, true);
    expect(await offsetFetch(group, false)).toEqual([-1, 0]);
    expect(await offsetFetch(group, true)).toEqual([-1, ErrorCode.UnstableOffsetCommit]);
    expect(await cluster.zk.zk.exists(`/consumers/${group}/offsets/${TOPIC}/0`)).toBeFalsy();
  });
});
