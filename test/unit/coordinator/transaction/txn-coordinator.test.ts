/**
 * The transaction coordinator on an in-memory `__transaction_state` and a ManualClock: every answer
 * of InitProducerId / AddPartitionsToTxn / EndTxn in Kafka 2.7's order, what is written (and that
 * nothing is written on an error), the marker hand-over, fencing, timeouts and id expiry.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../src/protocol/error-codes.js';
import { TxnState } from '../../../../src/coordinator/transaction/transaction-state.js';
import { isLookupError } from '../../../../src/coordinator/transaction/transaction-state-manager.js';
import { answer, makeTxnHarness, settle, until, type TxnHarness } from './txn-harness.js';

const tp = (topic: string, partition: number) => ({ topic, partition });

/** Moves the clock in 100 ms steps, letting the tasks the timers start finish in between. */
async function tick(h: TxnHarness, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 100) {
    h.clock.advance(100);
    await settle(2);
  }
}

function metadataOf(h: TxnHarness, id: string) {
  const l = h.state.getTransactionState(id);
  if (isLookupError(l) || l === undefined) throw new Error(`no metadata for ${id}: ${String(l)}`);
  return l.metadata;
}

/** InitProducerId, then AddPartitions of `partitions` (leaders on broker 1). */
async function begin(h: TxnHarness, id: string, partitions = [tp('t', 0), tp('t', 1)]) {
  const init = await h.coordinator.initProducerId(id, 60_000, null);
  expect(init.errorCode).toBe(ErrorCode.None);
  for (const p of partitions) h.transport.setLeader(p, 1);
  expect(await h.coordinator.handleAddPartitionsToTransaction(id, init.producerId, init.producerEpoch, partitions)).toBe(ErrorCode.None);
  return init;
}

describe('InitProducerId (transactional)', () => {
  it('a new id gets a new producer id at epoch 0, written as Empty; the next init bumps the epoch', async () => {
    const h = await makeTxnHarness();
    const first = await h.coordinator.initProducerId('app-1', 60_000, null);
    expect(first).toEqual({ errorCode: ErrorCode.None, producerId: 1000, producerEpoch: 0 });
    const again = await h.coordinator.initProducerId('app-1', 30_000, null);
    expect(again).toEqual({ errorCode: ErrorCode.None, producerId: 1000, producerEpoch: 1 });
    expect(h.log.records(0).map((r) => [r.id, r.value?.state, r.value?.producerEpoch, r.value?.txnTimeoutMs])).toEqual([
      ['app-1', TxnState.Empty, 0, 60_000],
      ['app-1', TxnState.Empty, 1, 30_000],
    ]);
  });

  it('refuses "" and out-of-range timeouts without writing', async () => {
    const h = await makeTxnHarness({ transactionMaxTimeoutMs: 900_000 });
    expect((await h.coordinator.initProducerId('', 60_000, null)).errorCode).toBe(ErrorCode.InvalidRequest);
    for (const timeout of [0, -1, 900_001]) expect((await h.coordinator.initProducerId('x', timeout, null)).errorCode).toBe(ErrorCode.InvalidTransactionTimeout);
    expect((await h.coordinator.initProducerId('x', 900_000, null)).errorCode).toBe(ErrorCode.None);
    expect(h.log.appends).toBe(1);
  });

  it('NOT_COORDINATOR before the partition is led; COORDINATOR_LOAD_IN_PROGRESS while it loads', async () => {
    const h = await makeTxnHarness({}, { elect: false });
    expect((await h.coordinator.initProducerId('x', 60_000, null)).errorCode).toBe(ErrorCode.NotCoordinator);
    const loading = h.coordinator.onElection(0, 1);
    expect((await h.coordinator.initProducerId('x', 60_000, null)).errorCode).toBe(ErrorCode.CoordinatorLoadInProgress);
    expect(await h.coordinator.handleEndTransaction('x', 1, 0, true)).toBe(ErrorCode.CoordinatorLoadInProgress);
    await loading;
    expect((await h.coordinator.initProducerId('x', 60_000, null)).errorCode).toBe(ErrorCode.None);
    h.coordinator.onResignation(0);
    expect((await h.coordinator.initProducerId('x', 60_000, null)).errorCode).toBe(ErrorCode.NotCoordinator);
  });

  it('while a transaction is open: fences (epoch + 1), aborts with that epoch, answers CONCURRENT_TRANSACTIONS; the retry gets epoch + 2', async () => {
    const h = await makeTxnHarness();
    const a = await begin(h, 'app');
    const b = await h.coordinator.initProducerId('app', 60_000, null);
    expect(b.errorCode).toBe(ErrorCode.ConcurrentTransactions);
    const written = h.log.records(0).map((r) => [r.value!.state, r.value!.producerEpoch]);
    // the fence is never written: the bumped epoch goes straight into PrepareAbort
    expect(written.slice(2)).toEqual([
      [TxnState.PrepareAbort, a.producerEpoch + 1],
      [TxnState.CompleteAbort, a.producerEpoch + 1],
    ]);
    await until(() => metadataOf(h, 'app').state === TxnState.CompleteAbort, 'abort completes');
    expect(h.transport.sent.flatMap((s) => s.markers.map((m) => [m.commit, m.producerEpoch, m.coordinatorEpoch]))).toEqual([[false, a.producerEpoch + 1, 5]]);
    const retry = await h.coordinator.initProducerId('app', 60_000, null);
    expect(retry).toEqual({ errorCode: ErrorCode.None, producerId: a.producerId, producerEpoch: a.producerEpoch + 2 });
    // the zombie's calls are fenced
    expect(await h.coordinator.handleEndTransaction('app', a.producerId, a.producerEpoch, true)).toBe(ErrorCode.ProducerFenced);
    expect(await h.coordinator.handleAddPartitionsToTransaction('app', a.producerId, a.producerEpoch, [tp('t', 0)])).toBe(ErrorCode.ProducerFenced);
  });

  it('CONCURRENT_TRANSACTIONS while markers are being written', async () => {
    const h = await makeTxnHarness();
    const a = await begin(h, 'app');
    let release!: () => void;
    h.transport.respond = (_d, markers) => new Promise((r) => (release = () => r(markers.map((m) => answer(m, ErrorCode.None)))));
    expect(await h.coordinator.handleEndTransaction('app', a.producerId, a.producerEpoch, true)).toBe(ErrorCode.None);
    await until(() => h.transport.sent.length === 1, 'markers sent');
    expect((await h.coordinator.initProducerId('app', 60_000, null)).errorCode).toBe(ErrorCode.ConcurrentTransactions);
    expect(await h.coordinator.handleAddPartitionsToTransaction('app', a.producerId, a.producerEpoch, [tp('t', 2)])).toBe(ErrorCode.ConcurrentTransactions);
    expect(await h.coordinator.handleEndTransaction('app', a.producerId, a.producerEpoch, true)).toBe(ErrorCode.ConcurrentTransactions);
    release();
    await until(() => metadataOf(h, 'app').state === TxnState.CompleteCommit, 'commit completes');
    expect(await h.coordinator.handleEndTransaction('app', a.producerId, a.producerEpoch, true)).toBe(ErrorCode.None);
    expect(await h.coordinator.handleEndTransaction('app', a.producerId, a.producerEpoch, false)).toBe(ErrorCode.InvalidTxnState);
  });

  it('KIP-360: a request carrying another producer id is fenced; its own epoch bumps; an exhausted epoch rotates the producer id', async () => {
    const h = await makeTxnHarness();
    const a = await h.coordinator.initProducerId('app', 60_000, null);
    expect((await h.coordinator.initProducerId('app', 60_000, { producerId: a.producerId + 7, producerEpoch: 0 })).errorCode).toBe(ErrorCode.ProducerFenced);
    const bumped = await h.coordinator.initProducerId('app', 60_000, { producerId: a.producerId, producerEpoch: a.producerEpoch });
    expect(bumped).toEqual({ errorCode: ErrorCode.None, producerId: a.producerId, producerEpoch: 1 });
    // the same request again (its answer lost): the current epoch once more
    expect(await h.coordinator.initProducerId('app', 60_000, { producerId: a.producerId, producerEpoch: a.producerEpoch })).toEqual(bumped);
    expect((await h.coordinator.initProducerId('app', 60_000, { producerId: a.producerId, producerEpoch: 9 })).errorCode).toBe(ErrorCode.ProducerFenced);

    metadataOf(h, 'app').producerEpoch = 32766;
    const rotated = await h.coordinator.initProducerId('app', 60_000, null);
    expect(rotated).toEqual({ errorCode: ErrorCode.None, producerId: a.producerId + 1, producerEpoch: 0 });
  });

  it('an append failure answers the translated code, writes nothing and leaves no pending transition', async () => {
    const h = await makeTxnHarness();
    const a = await h.coordinator.initProducerId('app', 60_000, null);
    for (const [fail, expected] of [
      [ErrorCode.NotEnoughReplicas, ErrorCode.CoordinatorNotAvailable],
      [ErrorCode.RequestTimedOut, ErrorCode.CoordinatorNotAvailable],
      [ErrorCode.NotLeaderOrFollower, ErrorCode.NotCoordinator],
      [ErrorCode.MessageTooLarge, ErrorCode.UnknownServerError],
    ] as const) {
      h.log.failures.push(fail);
      expect(await h.coordinator.handleAddPartitionsToTransaction('app', a.producerId, a.producerEpoch, [tp('t', 0)])).toBe(expected);
      expect(metadataOf(h, 'app').pendingState).toBeNull();
      expect(metadataOf(h, 'app').state).toBe(TxnState.Empty);
    }
    expect(h.log.records(0)).toHaveLength(1);
  });

  it('leadership moving during an append: NOT_COORDINATOR (or LOAD_IN_PROGRESS while reloading), nothing applied', async () => {
    const h = await makeTxnHarness();
    const a = await h.coordinator.initProducerId('app', 60_000, null);
    h.log.hold();
    let pending = h.coordinator.handleAddPartitionsToTransaction('app', a.producerId, a.producerEpoch, [tp('t', 0)]);
    await settle();
    h.coordinator.onResignation(0);
    h.log.release();
    expect(await pending).toBe(ErrorCode.NotCoordinator);

    await h.coordinator.onElection(0, 6);
    h.log.hold();
    pending = h.coordinator.handleAddPartitionsToTransaction('app', a.producerId, a.producerEpoch, [tp('t', 1)]);
    await settle();
    h.coordinator.onResignation(0);
    const reload = h.coordinator.onElection(0, 7);
    h.log.release();
    expect(await pending).toBe(ErrorCode.CoordinatorLoadInProgress);
    await reload;
    // the record was written by the old epoch; the new epoch's cache read it back
    expect(metadataOf(h, 'app').state).toBe(TxnState.Ongoing);
  });
});

describe('AddPartitionsToTxn', () => {
  it('writes Ongoing with the union; partitions already added answer NONE with no write', async () => {
    const h = await makeTxnHarness();
    const a = await begin(h, 'app', [tp('t', 0)]);
    const before = h.log.appends;
    expect(await h.coordinator.handleAddPartitionsToTransaction('app', a.producerId, a.producerEpoch, [tp('t', 0)])).toBe(ErrorCode.None);
    expect(h.log.appends).toBe(before);
    expect(await h.coordinator.handleAddPartitionsToTransaction('app', a.producerId, a.producerEpoch, [tp('u', 3)])).toBe(ErrorCode.None);
    const last = h.log.records(0).at(-1)!.value!;
    expect(last.state).toBe(TxnState.Ongoing);
    expect(last.topicPartitions).toEqual([tp('t', 0), tp('u', 3)]);
    expect(last.txnStartTimestamp).toBe(h.log.records(0)[1]!.value!.txnStartTimestamp);
  });

  it('unknown id or other pid → INVALID_PRODUCER_ID_MAPPING; other epoch → PRODUCER_FENCED; "" → INVALID_REQUEST; nothing written', async () => {
    const h = await makeTxnHarness();
    const a = await h.coordinator.initProducerId('app', 60_000, null);
    const writes = h.log.appends;
    expect(await h.coordinator.handleAddPartitionsToTransaction('nobody', a.producerId, 0, [tp('t', 0)])).toBe(ErrorCode.InvalidProducerIdMapping);
    expect(await h.coordinator.handleAddPartitionsToTransaction('app', a.producerId + 1, 0, [tp('t', 0)])).toBe(ErrorCode.InvalidProducerIdMapping);
    expect(await h.coordinator.handleAddPartitionsToTransaction('app', a.producerId, a.producerEpoch + 1, [tp('t', 0)])).toBe(ErrorCode.ProducerFenced);
    expect(await h.coordinator.handleAddPartitionsToTransaction('', a.producerId, 0, [tp('t', 0)])).toBe(ErrorCode.InvalidRequest);
    expect(h.log.appends).toBe(writes);
  });
});

describe('EndTxn', () => {
  it('commit: PrepareCommit written, NONE, markers per leader broker, then CompleteCommit', async () => {
    const h = await makeTxnHarness();
    const a = await begin(h, 'app', [tp('t', 0), tp('t', 1), tp('u', 0)]);
    h.transport.setLeader(tp('u', 0), 2);
    expect(await h.coordinator.handleEndTransaction('app', a.producerId, a.producerEpoch, true)).toBe(ErrorCode.None);
    expect(h.log.records(0).at(-1)!.value!.state).toBe(TxnState.PrepareCommit);
    await until(() => metadataOf(h, 'app').state === TxnState.CompleteCommit, 'commit completes');
    const byBroker = h.transport.sent.map((s) => [s.destination.brokerId, s.markers.flatMap((m) => m.partitions.map((p) => `${p.topic}-${p.partition}`))]);
    expect(byBroker.sort()).toEqual([
      [1, ['t-0', 't-1']],
      [2, ['u-0']],
    ]);
    const complete = h.log.records(0).at(-1)!.value!;
    expect([complete.state, complete.topicPartitions]).toEqual([TxnState.CompleteCommit, []]);
    expect(h.markers.numTxnsWithPendingMarkers).toBe(0);
  });

  it('the state decides: Empty → INVALID_TXN_STATE; after a commit, abort → INVALID_TXN_STATE; nothing written', async () => {
    const h = await makeTxnHarness();
    const a = await h.coordinator.initProducerId('app', 60_000, null);
    const writes = h.log.appends;
    expect(await h.coordinator.handleEndTransaction('app', a.producerId, a.producerEpoch, true)).toBe(ErrorCode.InvalidTxnState);
    expect(await h.coordinator.handleEndTransaction('app', a.producerId, a.producerEpoch, false)).toBe(ErrorCode.InvalidTxnState);
    expect(await h.coordinator.handleEndTransaction('nobody', 1, 0, true)).toBe(ErrorCode.InvalidProducerIdMapping);
    expect(await h.coordinator.handleEndTransaction('app', a.producerId + 1, a.producerEpoch, true)).toBe(ErrorCode.InvalidProducerIdMapping);
    expect(await h.coordinator.handleEndTransaction('app', a.producerId, a.producerEpoch + 1, true)).toBe(ErrorCode.ProducerFenced);
    expect(await h.coordinator.handleEndTransaction('', a.producerId, a.producerEpoch, true)).toBe(ErrorCode.InvalidRequest);
    expect(h.log.appends).toBe(writes);
  });

  it('abort: ABORT markers, CompleteAbort; a repeated abort is NONE, a commit INVALID_TXN_STATE', async () => {
    const h = await makeTxnHarness();
    const a = await begin(h, 'app');
    expect(await h.coordinator.handleEndTransaction('app', a.producerId, a.producerEpoch, false)).toBe(ErrorCode.None);
    await until(() => metadataOf(h, 'app').state === TxnState.CompleteAbort, 'abort completes');
    expect(h.transport.sent[0]!.markers[0]!.commit).toBe(false);
    expect(await h.coordinator.handleEndTransaction('app', a.producerId, a.producerEpoch, false)).toBe(ErrorCode.None);
    expect(await h.coordinator.handleEndTransaction('app', a.producerId, a.producerEpoch, true)).toBe(ErrorCode.InvalidTxnState);
  });
});

describe('transaction timeout and id expiry', () => {
  it('an Ongoing transaction past transaction.timeout.ms is fenced and aborted at the next sweep', async () => {
    const h = await makeTxnHarness({ abortTimedOutTransactionsIntervalMs: 1000 });
    const a = await h.coordinator.initProducerId('app', 5000, null);
    h.transport.setLeader(tp('t', 0), 1);
    await h.coordinator.handleAddPartitionsToTransaction('app', a.producerId, a.producerEpoch, [tp('t', 0)]);
    await tick(h, 5000);
    expect(metadataOf(h, 'app').state).toBe(TxnState.Ongoing);
    await tick(h, 1500);
    await until(() => metadataOf(h, 'app').state === TxnState.CompleteAbort, 'timeout abort');
    expect(metadataOf(h, 'app').producerEpoch).toBe(a.producerEpoch + 1);
    expect(h.transport.sent[0]!.markers[0]).toMatchObject({ commit: false, producerEpoch: a.producerEpoch + 1 });
    // the producer that timed out is fenced (2.7: its commit gets INVALID_PRODUCER_EPOCH / PRODUCER_FENCED)
    expect(await h.coordinator.handleEndTransaction('app', a.producerId, a.producerEpoch, true)).toBe(ErrorCode.ProducerFenced);
    expect((await h.coordinator.initProducerId('app', 5000, { producerId: a.producerId, producerEpoch: a.producerEpoch })).errorCode).toBe(ErrorCode.ProducerFenced);
  });

  it('idle ids expire with a tombstone after transactional.id.expiration.ms; open ones never do', async () => {
    const h = await makeTxnHarness({ transactionalIdExpirationMs: 10_000, removeExpiredTransactionalIdsIntervalMs: 1000 });
    const idle = await h.coordinator.initProducerId('idle', 60_000, null);
    await begin(h, 'open', [tp('t', 0)]);
    await tick(h, 11_000);
    await until(() => h.state.getTransactionState('idle') === undefined, 'expiry');
    expect(h.log.records(0).at(-1)).toEqual({ id: 'idle', value: null });
    expect(metadataOf(h, 'open').state).toBe(TxnState.Ongoing);
    expect(await h.coordinator.handleEndTransaction('idle', idle.producerId, idle.producerEpoch, true)).toBe(ErrorCode.InvalidProducerIdMapping);
    expect(await h.coordinator.initProducerId('idle', 60_000, null)).toEqual({ errorCode: ErrorCode.None, producerId: h.producerIds.next - 1, producerEpoch: 0 });
  });

  it('a failed tombstone append keeps the id', async () => {
    const h = await makeTxnHarness({ transactionalIdExpirationMs: 10_000 });
    await h.coordinator.initProducerId('idle', 60_000, null);
    h.clock.advance(20_000);
    h.log.failures.push(ErrorCode.NotEnoughReplicas);
    expect(await h.state.removeExpiredTransactionalIds()).toEqual([]);
    expect(metadataOf(h, 'idle').pendingState).toBeNull();
    expect(await h.state.removeExpiredTransactionalIds()).toEqual(['idle']);
  });
});
