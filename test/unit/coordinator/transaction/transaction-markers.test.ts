/**
 * Marker delivery and coordinator failover on an in-memory `__transaction_state`: loading a
 * partition a previous leader wrote (Prepare* completed, Ongoing kept, tombstones applied), and
 * every WriteTxnMarkers outcome of §2.8 (retry to the new leader, lost connection, fenced epochs,
 * unsupported format, deleted partitions, leaders without an endpoint, CompleteCommit retries).
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../src/protocol/error-codes.js';
import { buildTxnLogBatch, encodeTxnValue } from '../../../../src/coordinator/transaction/transaction-log.js';
import { TxnState } from '../../../../src/coordinator/transaction/transaction-state.js';
import { isLookupError } from '../../../../src/coordinator/transaction/transaction-state-manager.js';
import { answer, FakeTxnLog, makeTxnHarness, settle, START, until, type TxnHarness } from './txn-harness.js';

const tp = (topic: string, partition: number) => ({ topic, partition });

function stateOf(h: TxnHarness, id: string) {
  const l = h.state.getTransactionState(id);
  if (isLookupError(l) || l === undefined) return l;
  return l.metadata;
}

async function prepared(h: TxnHarness, partitions = [tp('t', 0), tp('t', 1)], commit = true) {
  const init = await h.coordinator.initProducerId('app', 60_000, null);
  for (const p of partitions) if (!h.transport.leaders.has(`${p.topic}-${p.partition}`)) h.transport.setLeader(p, 1);
  await h.coordinator.handleAddPartitionsToTransaction('app', init.producerId, init.producerEpoch, partitions);
  expect(await h.coordinator.handleEndTransaction('app', init.producerId, init.producerEpoch, commit)).toBe(ErrorCode.None);
  return init;
}

async function ticks(h: TxnHarness, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    h.clock.advance(100);
    await settle(2);
  }
}

describe('coordinator failover: loading __transaction_state', () => {
  it('replays the partition: last record wins, tombstones remove, Prepare* are completed with markers, Ongoing stays', async () => {
    const log = new FakeTxnLog();
    const v = (producerId: number, epoch: number, state: TxnState, partitions: Array<{ topic: string; partition: number }>) =>
      encodeTxnValue({ producerId, producerEpoch: epoch, txnTimeoutMs: 60_000, state, topicPartitions: partitions, txnLastUpdateTimestamp: START, txnStartTimestamp: state === TxnState.Empty ? -1 : START });
    log.batches.set(0, []);
    log.write(0, buildTxnLogBatch([{ transactionalId: 'a', value: v(1, 0, TxnState.Empty, []) }], START));
    log.write(0, buildTxnLogBatch([{ transactionalId: 'a', value: v(1, 0, TxnState.Ongoing, [tp('t', 0)]) }], START));
    log.write(0, buildTxnLogBatch([{ transactionalId: 'b', value: v(2, 3, TxnState.Ongoing, [tp('t', 0), tp('u', 1)]) }], START));
    log.write(0, buildTxnLogBatch([{ transactionalId: 'b', value: v(2, 3, TxnState.PrepareCommit, [tp('t', 0), tp('u', 1)]) }], START));
    log.write(0, buildTxnLogBatch([{ transactionalId: 'c', value: v(3, 0, TxnState.Empty, []) }], START));
    log.write(0, buildTxnLogBatch([{ transactionalId: 'c', value: null }], START));
    const h = await makeTxnHarness({}, { log, elect: false });
    h.transport.setLeader(tp('t', 0), 1);
    h.transport.setLeader(tp('u', 1), 2);
    await h.coordinator.onElection(0, 9);
    expect(stateOf(h, 'a')).toMatchObject({ state: TxnState.Ongoing, producerId: 1 });
    expect(stateOf(h, 'c')).toBeUndefined();
    await until(() => (stateOf(h, 'b') as { state: number }).state === TxnState.CompleteCommit, 'b completed');
    const markers = h.transport.sent.flatMap((s) => s.markers);
    expect(markers.map((m) => [m.producerId, m.producerEpoch, m.commit, m.coordinatorEpoch])).toEqual([
      [2, 3, true, 9],
      [2, 3, true, 9],
    ]);
    expect(log.records(0).at(-1)).toMatchObject({ id: 'b', value: { state: TxnState.CompleteCommit, topicPartitions: [] } });
  });

  it('an Ongoing transaction loaded past its timeout is aborted by the next sweep', async () => {
    const log = new FakeTxnLog();
    log.batches.set(0, []);
    const value = encodeTxnValue({ producerId: 5, producerEpoch: 2, txnTimeoutMs: 1000, state: TxnState.Ongoing, topicPartitions: [tp('t', 0)], txnLastUpdateTimestamp: START - 5000, txnStartTimestamp: START - 5000 });
    log.write(0, buildTxnLogBatch([{ transactionalId: 'old', value }], START - 5000));
    const h = await makeTxnHarness({ abortTimedOutTransactionsIntervalMs: 200 }, { log });
    h.transport.setLeader(tp('t', 0), 1);
    await ticks(h, 3);
    await until(() => (stateOf(h, 'old') as { state: number }).state === TxnState.CompleteAbort, 'timed out transaction aborted');
    expect(h.transport.sent[0]!.markers[0]).toMatchObject({ producerId: 5, producerEpoch: 3, commit: false });
  });

  it('a load stopped by a resignation installs nothing', async () => {
    const log = new FakeTxnLog();
    log.batches.set(0, []);
    log.write(0, buildTxnLogBatch([{ transactionalId: 'a', value: encodeTxnValue({ producerId: 1, producerEpoch: 0, txnTimeoutMs: 1, state: TxnState.Empty, topicPartitions: [], txnLastUpdateTimestamp: 1, txnStartTimestamp: -1 }) }], 1));
    const h = await makeTxnHarness({}, { log, elect: false });
    const load = h.coordinator.onElection(0, 1);
    h.coordinator.onResignation(0);
    await load;
    expect(h.state.getTransactionState('a')).toBe(ErrorCode.NotCoordinator);
  });

  it('a changed partition count of __transaction_state stops the load: the partition is not owned here', async () => {
    const h = await makeTxnHarness({}, { elect: false });
    h.log.partitions = 3;
    await h.coordinator.onElection(0, 1);
    expect(h.state.getTransactionState('a')).toBe(ErrorCode.NotCoordinator);
  });

  it('a record that cannot be read ends the load with what was read before it; the partition is served', async () => {
    const log = new FakeTxnLog();
    log.batches.set(0, []);
    const value = encodeTxnValue({ producerId: 7, producerEpoch: 1, txnTimeoutMs: 60_000, state: TxnState.Empty, topicPartitions: [], txnLastUpdateTimestamp: START, txnStartTimestamp: -1 });
    log.write(0, buildTxnLogBatch([{ transactionalId: 'a', value }], START));
    const garbage = Buffer.from(value);
    garbage.writeInt16BE(99, 0); // an unknown value version
    log.write(0, buildTxnLogBatch([{ transactionalId: 'b', value: garbage }], START));
    const h = await makeTxnHarness({}, { log, elect: false });
    await h.coordinator.onElection(0, 1);
    expect(stateOf(h, 'a')).toMatchObject({ state: TxnState.Empty, producerId: 7 });
    expect(stateOf(h, 'b')).toBeUndefined();
    // served, not LOAD_IN_PROGRESS: a new id gets a producer id
    expect((await h.coordinator.initProducerId('b', 60_000, null)).errorCode).toBe(ErrorCode.None);
  });

  it('ZooKeeper unreachable while re-reading the partition count: the local log is loaded anyway', async () => {
    const log = new FakeTxnLog();
    log.batches.set(0, []);
    log.write(0, buildTxnLogBatch([{ transactionalId: 'a', value: encodeTxnValue({ producerId: 3, producerEpoch: 0, txnTimeoutMs: 60_000, state: TxnState.Empty, topicPartitions: [], txnLastUpdateTimestamp: START, txnStartTimestamp: -1 }) }], START));
    const h = await makeTxnHarness({}, { log, elect: false });
    h.log.partitionCountError = new Error('CONNECTION_LOSS');
    await h.coordinator.onElection(0, 1);
    expect(stateOf(h, 'a')).toMatchObject({ producerId: 3 });
  });
});

describe('WriteTxnMarkers outcomes', () => {
  it('NOT_LEADER_OR_FOLLOWER: re-sent to the leader the metadata names next', async () => {
    const h = await makeTxnHarness();
    h.transport.respond = (d, markers) => markers.map((m) => answer(m, d.brokerId === 1 ? ErrorCode.NotLeaderOrFollower : ErrorCode.None));
    await prepared(h);
    await until(() => h.transport.sent.length === 1, 'first send');
    h.transport.setLeader(tp('t', 1), 2);
    await ticks(h, 3);
    expect(h.transport.sent.map((s) => [s.destination.brokerId, s.markers[0]!.partitions.map((p) => p.partition)])).toContainEqual([2, [1]]);
    // t-0 still answers NOT_LEADER from broker 1: retried until its leader moves too
    expect((stateOf(h, 'app') as { state: number }).state).toBe(TxnState.PrepareCommit);
    h.transport.setLeader(tp('t', 0), 2);
    await ticks(h, 3);
    await until(() => (stateOf(h, 'app') as { state: number }).state === TxnState.CompleteCommit, 'completed');
  });

  it('a lost connection re-queues every marker of the request', async () => {
    const h = await makeTxnHarness();
    let fail = true;
    h.transport.respond = (_d, markers) => {
      if (fail) {
        fail = false;
        throw new Error('connection reset');
      }
      return markers.map((m) => answer(m, ErrorCode.None));
    };
    await prepared(h);
    await ticks(h, 3);
    await until(() => (stateOf(h, 'app') as { state: number }).state === TxnState.CompleteCommit, 'completed after a resend');
    expect(h.transport.sent).toHaveLength(2);
  });

  it('INVALID_PRODUCER_EPOCH / TRANSACTION_COORDINATOR_FENCED: the markers are abandoned, nothing completed', async () => {
    for (const code of [ErrorCode.InvalidProducerEpoch, ErrorCode.TransactionCoordinatorFenced]) {
      const h = await makeTxnHarness();
      h.transport.respond = (_d, markers) => markers.map((m) => answer(m, code));
      await prepared(h);
      await ticks(h, 5);
      expect(h.transport.sent).toHaveLength(1);
      expect((stateOf(h, 'app') as { state: number }).state).toBe(TxnState.PrepareCommit);
      expect(h.markers.numTxnsWithPendingMarkers).toBe(0);
    }
  });

  it('UNSUPPORTED_FOR_MESSAGE_FORMAT drops the partition; a partition with no leader (deleted) completes without a marker', async () => {
    const h = await makeTxnHarness();
    h.transport.setLeader(tp('t', 0), 1);
    h.transport.setLeader(tp('gone', 0), null);
    h.transport.respond = (_d, markers) => markers.map((m) => answer(m, ErrorCode.UnsupportedForMessageFormat));
    const init = await h.coordinator.initProducerId('app', 60_000, null);
    await h.coordinator.handleAddPartitionsToTransaction('app', init.producerId, init.producerEpoch, [tp('t', 0), tp('gone', 0)]);
    await h.coordinator.handleEndTransaction('app', init.producerId, init.producerEpoch, false);
    await until(() => (stateOf(h, 'app') as { state: number }).state === TxnState.CompleteAbort, 'completed');
    expect(h.transport.sent.flatMap((s) => s.markers.flatMap((m) => m.partitions))).toEqual([tp('t', 0)]);
  });

  it('a leader without a live endpoint waits in the unknown-broker queue until it has one', async () => {
    const h = await makeTxnHarness();
    h.transport.setLeader(tp('t', 0), 'no-endpoint');
    await prepared(h, [tp('t', 0)]);
    await ticks(h, 3);
    expect(h.transport.sent).toHaveLength(0);
    expect(h.markers.queuedMarkers).toBe(1);
    h.transport.setLeader(tp('t', 0), 3);
    await ticks(h, 3);
    await until(() => (stateOf(h, 'app') as { state: number }).state === TxnState.CompleteCommit, 'completed');
    expect(h.transport.sent[0]!.destination.brokerId).toBe(3);
  });

  it('CompleteCommit that cannot be written yet (COORDINATOR_NOT_AVAILABLE) stays pending and is retried', async () => {
    const h = await makeTxnHarness();
    const init = await h.coordinator.initProducerId('app', 60_000, null);
    h.transport.setLeader(tp('t', 0), 1);
    await h.coordinator.handleAddPartitionsToTransaction('app', init.producerId, init.producerEpoch, [tp('t', 0)]);
    h.log.failures.push(null, ErrorCode.NotEnoughReplicas); // PrepareCommit written, the first CompleteCommit not
    expect(await h.coordinator.handleEndTransaction('app', init.producerId, init.producerEpoch, true)).toBe(ErrorCode.None);
    await until(() => h.log.appends >= 4, 'the first CompleteCommit attempt');
    expect((stateOf(h, 'app') as { state: number; pendingState: number }).pendingState).toBe(TxnState.CompleteCommit);
    await ticks(h, 3);
    await until(() => (stateOf(h, 'app') as { state: number }).state === TxnState.CompleteCommit, 'completed on retry');
  });

  it('a resignation drops the queued markers; the new leader finishes the transaction', async () => {
    const h = await makeTxnHarness();
    h.transport.setLeader(tp('t', 0), 'no-endpoint');
    await prepared(h, [tp('t', 0)]);
    h.coordinator.onResignation(0);
    expect(h.markers.queuedMarkers).toBe(0);
    expect(h.markers.numTxnsWithPendingMarkers).toBe(0);
    h.transport.setLeader(tp('t', 0), 1);
    await h.coordinator.onElection(0, 6);
    await until(() => (stateOf(h, 'app') as { state: number } | undefined)?.state === TxnState.CompleteCommit, 'completed by the new epoch');
    expect(h.transport.sent.every((s) => s.markers.every((m) => m.coordinatorEpoch === 6))).toBe(true);
  });
});
