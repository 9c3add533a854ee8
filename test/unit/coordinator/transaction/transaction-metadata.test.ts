/**
 * The transaction state machine (Kafka 2.7 TransactionMetadata): the table of allowed transitions,
 * every legal transition through the prepare/complete pair, every illegal one refused before
 * anything is pending, and the KIP-360 epoch rules of prepareIncrementProducerEpoch.
 */
import { describe, expect, it } from 'vitest';
import { TransactionMetadata, TxnStateError, type TxnTransitMetadata } from '../../../../src/coordinator/transaction/transaction-metadata.js';
import { isEpochExhausted, isExpirationAllowed, isValidTransition, TxnState, txnStateFromByte, txnStateName } from '../../../../src/coordinator/transaction/transaction-state.js';

const S = TxnState;
const ALL = Object.values(TxnState);
const tp = (topic: string, partition: number) => ({ topic, partition });

/** Kafka 2.7 TransactionMetadata.validPreviousStates, written out. */
const KAFKA_TABLE: Record<number, number[]> = {
  [S.Empty]: [S.Empty, S.CompleteCommit, S.CompleteAbort],
  [S.Ongoing]: [S.Ongoing, S.Empty, S.CompleteCommit, S.CompleteAbort],
  [S.PrepareCommit]: [S.Ongoing],
  [S.PrepareAbort]: [S.Ongoing, S.PrepareEpochFence],
  [S.CompleteCommit]: [S.PrepareCommit],
  [S.CompleteAbort]: [S.PrepareAbort],
  [S.Dead]: [S.Empty, S.CompleteAbort, S.CompleteCommit],
  [S.PrepareEpochFence]: [S.Ongoing],
};

function meta(state: TxnState, extra: Partial<ConstructorParameters<typeof TransactionMetadata>[0]> = {}): TransactionMetadata {
  const open = state === S.Ongoing || state === S.PrepareCommit || state === S.PrepareAbort || state === S.PrepareEpochFence;
  return new TransactionMetadata({
    transactionalId: 'tx',
    producerId: 100,
    producerEpoch: 3,
    txnTimeoutMs: 60_000,
    state,
    topicPartitions: open ? [tp('t', 0)] : [],
    txnStartTimestamp: state === S.Empty ? -1 : 500,
    txnLastUpdateTimestamp: 600,
    ...extra,
  });
}

/** The prepare call that targets `to` (prepareComplete targets CompleteCommit only from PrepareCommit). */
function prepareTo(m: TransactionMetadata, to: TxnState): TxnTransitMetadata {
  switch (to) {
    case S.Empty: {
      const t = m.prepareIncrementProducerEpoch(60_000, null, 1000);
      if (t === 'fenced') throw new Error('fenced');
      return t;
    }
    case S.Ongoing:
      return m.prepareAddPartitions([tp('t', 1)], 1000);
    case S.PrepareCommit:
    case S.PrepareAbort:
      return m.prepareAbortOrCommit(to, 1000);
    case S.CompleteCommit:
    case S.CompleteAbort:
      return m.prepareComplete(1000);
    case S.Dead:
      return m.prepareDead();
    case S.PrepareEpochFence:
      return m.prepareFenceProducerEpoch();
  }
}

describe('transaction states', () => {
  it('bytes 0–7 with Kafka’s names; others are refused', () => {
    expect(ALL.map((s) => [s, txnStateName(txnStateFromByte(s))])).toEqual([
      [0, 'Empty'],
      [1, 'Ongoing'],
      [2, 'PrepareCommit'],
      [3, 'PrepareAbort'],
      [4, 'CompleteCommit'],
      [5, 'CompleteAbort'],
      [6, 'Dead'],
      [7, 'PrepareEpochFence'],
    ]);
    expect(() => txnStateFromByte(8)).toThrow(RangeError);
    expect(() => txnStateFromByte(-1)).toThrow(RangeError);
  });

  it('the transition table is Kafka 2.7’s, all 64 pairs', () => {
    for (const to of ALL) for (const from of ALL) expect(isValidTransition(from, to), `${txnStateName(from)} → ${txnStateName(to)}`).toBe(KAFKA_TABLE[to]!.includes(from));
  });

  it('expiry only without an open transaction; epochs from 32766 are exhausted', () => {
    expect(ALL.filter(isExpirationAllowed)).toEqual([S.Empty, S.CompleteCommit, S.CompleteAbort]);
    expect(isEpochExhausted(32765)).toBe(false);
    expect(isEpochExhausted(32766)).toBe(true);
  });
});

describe('prepare / complete', () => {
  for (const from of ALL.filter((s) => s !== S.Dead && s !== S.PrepareEpochFence)) {
    for (const to of ALL) {
      // prepareComplete picks its target from the state: CompleteCommit only from PrepareCommit
      const reachable = to === S.CompleteCommit ? from === S.PrepareCommit : !(to === S.CompleteAbort && from === S.PrepareCommit);
      if (!reachable) continue;
      const legal = isValidTransition(from, to);
      it(`${txnStateName(from)} → ${txnStateName(to)} ${legal ? 'is prepared' : 'is refused with nothing pending'}`, () => {
        const m = meta(from);
        if (legal) {
          const t = prepareTo(m, to);
          expect(t.txnState).toBe(to);
          expect(m.pendingState).toBe(to);
          expect(m.state).toBe(from);
        } else {
          expect(() => prepareTo(m, to)).toThrow(TxnStateError);
          expect(m.pendingState).toBeNull();
        }
      });
    }
  }

  it('refuses to prepare while another transition is pending', () => {
    const m = meta(S.Ongoing);
    m.prepareAbortOrCommit(S.PrepareCommit, 1);
    expect(() => m.prepareAddPartitions([tp('t', 2)], 2)).toThrow(/pending/);
  });

  it('Empty → Ongoing → PrepareCommit → CompleteCommit → Empty, applied only by completeTransitionTo', () => {
    const m = meta(S.Empty);
    const ongoing = m.prepareAddPartitions([tp('a', 0), tp('b', 1)], 1000);
    expect(ongoing.txnStartTimestamp).toBe(1000);
    expect(m.state).toBe(S.Empty);
    m.completeTransitionTo(ongoing);
    expect(m.state).toBe(S.Ongoing);
    expect(m.pendingState).toBeNull();
    expect(m.partitionList).toEqual([tp('a', 0), tp('b', 1)]);

    const more = m.prepareAddPartitions([tp('b', 1), tp('c', 2)], 1100);
    expect(more.txnStartTimestamp).toBe(1000); // the transaction started at the first add
    m.completeTransitionTo(more);
    expect(m.topicPartitions.size).toBe(3);

    const prepare = m.prepareAbortOrCommit(S.PrepareCommit, 1200);
    m.completeTransitionTo(prepare);
    expect(m.state).toBe(S.PrepareCommit);
    for (const p of m.partitionList) m.removePartition(p);
    const complete = m.prepareComplete(1300);
    expect(complete.txnState).toBe(S.CompleteCommit);
    expect(complete.topicPartitions).toEqual([]);
    m.completeTransitionTo(complete);
    expect(m.state).toBe(S.CompleteCommit);
    expect(m.txnLastUpdateTimestamp).toBe(1300);

    const init = m.prepareIncrementProducerEpoch(30_000, null, 1400);
    if (init === 'fenced') throw new Error('fenced');
    m.completeTransitionTo(init);
    expect([m.state, m.producerEpoch, m.lastProducerEpoch, m.txnTimeoutMs]).toEqual([S.Empty, 4, -1, 30_000]);
  });

  it('completeTransitionTo refuses an unprepared or different target, Dead and PrepareEpochFence', () => {
    const m = meta(S.Ongoing);
    const other = meta(S.Ongoing).prepareAbortOrCommit(S.PrepareAbort, 1);
    expect(() => m.completeTransitionTo(other)).toThrow(/never prepared/);
    m.prepareAbortOrCommit(S.PrepareCommit, 1);
    expect(() => m.completeTransitionTo(other)).toThrow(TxnStateError);

    const dead = meta(S.Empty);
    expect(() => dead.completeTransitionTo(dead.prepareDead())).toThrow(TxnStateError);
    const fence = meta(S.Ongoing);
    expect(() => fence.completeTransitionTo(fence.prepareFenceProducerEpoch())).toThrow(TxnStateError);
  });

  it('removePartition only while markers are being written', () => {
    expect(() => meta(S.Ongoing).removePartition(tp('t', 0))).toThrow(TxnStateError);
    const m = meta(S.PrepareAbort);
    m.removePartition(tp('t', 0));
    expect(m.topicPartitions.size).toBe(0);
  });

  it('fencing bumps the epoch once, and not again after a failed fencing append', () => {
    const m = meta(S.Ongoing);
    expect(m.prepareFenceProducerEpoch().producerEpoch).toBe(4);
    m.pendingState = null;
    m.producerEpoch = 4;
    m.hasFailedEpochFence = true;
    expect(m.prepareFenceProducerEpoch().producerEpoch).toBe(4);
    expect(() => meta(S.Ongoing, { producerEpoch: 32767 }).prepareFenceProducerEpoch()).toThrow(TxnStateError);
  });
});

describe('prepareIncrementProducerEpoch (KIP-360 as in 2.7)', () => {
  const bump = (m: TransactionMetadata, expected: number | null) => m.prepareIncrementProducerEpoch(60_000, expected, 1);

  it('no expected epoch: epoch + 1, last epoch −1; a brand-new id (epoch −1) gets 0', () => {
    expect(bump(meta(S.Empty), null)).toMatchObject({ producerEpoch: 4, lastProducerEpoch: -1 });
    expect(bump(meta(S.Empty, { producerEpoch: -1 }), null)).toMatchObject({ producerEpoch: 0, lastProducerEpoch: -1 });
  });

  it('the current epoch: bumped and remembered as the last epoch', () => {
    expect(bump(meta(S.CompleteAbort), 3)).toMatchObject({ producerEpoch: 4, lastProducerEpoch: 3 });
  });

  it('the previous epoch: a retry of a bump whose answer was lost gets the current epoch again', () => {
    expect(bump(meta(S.Empty, { lastProducerEpoch: 2 }), 2)).toMatchObject({ producerEpoch: 3, lastProducerEpoch: 2 });
  });

  it('any other epoch is fenced, with nothing pending', () => {
    const m = meta(S.Empty, { lastProducerEpoch: 2 });
    expect(bump(m, 1)).toBe('fenced');
    expect(m.pendingState).toBeNull();
  });

  it('an exhausted epoch cannot be bumped; rotation gives a new producer id at epoch 0', () => {
    const m = meta(S.Empty, { producerEpoch: 32766 });
    expect(() => bump(m, null)).toThrow(TxnStateError);
    const r = m.prepareProducerIdRotation(200, 60_000, 1, true);
    expect(r).toMatchObject({ producerId: 200, producerEpoch: 0, lastProducerEpoch: 32766, lastProducerId: 100 });
    m.completeTransitionTo(r);
    expect([m.producerId, m.producerEpoch, m.lastProducerId]).toEqual([200, 0, 100]);
    expect(() => meta(S.Ongoing).prepareProducerIdRotation(300, 1, 1, false)).toThrow(TxnStateError);
  });
});
