/**
 * The states of a transactional id on its coordinator (Kafka 2.7 TransactionState), with the byte
 * each is written as in `__transaction_state` and the transitions the state machine allows
 * (reference/transactions-and-compaction.md §2.3).
 *
 * - Empty, CompleteCommit, CompleteAbort: no transaction open; the id may expire.
 * - Ongoing: partitions or offsets were added.
 * - PrepareCommit / PrepareAbort: EndTxn (or a timeout or fencing abort) accepted; markers go out.
 * - Dead: being expired (never written: expiry writes a tombstone).
 * - PrepareEpochFence: the epoch bump before a forced abort (never written: the bumped epoch goes
 *   straight into the PrepareAbort record).
 */

export const TxnState = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
} as const;
export type TxnState = (typeof TxnState)[keyof typeof TxnState];

const NAMES: Record<TxnState, string> = {
  [TxnState.Empty]: 'Empty',
  [TxnState.Ongoing]: 'Ongoing',
  [TxnState.PrepareCommit]: 'PrepareCommit',
  [TxnState.PrepareAbort]: 'PrepareAbort',
  [TxnState.CompleteCommit]: 'CompleteCommit',
  [TxnState.CompleteAbort]: 'CompleteAbort',
  [TxnState.Dead]: 'Dead',
  [TxnState.PrepareEpochFence]: 'PrepareEpochFence',
};

export function txnStateName(state: TxnState): string {
  return NAMES[state];
}

/** The state a `__transaction_state` value byte stands for; an unknown byte is corrupt data. */
export function txnStateFromByte(byte: number): TxnState {
  if (Number.isInteger(byte) && byte >= 0 && byte <= 7) return byte as TxnState;
  throw new RangeError(`unknown transaction state byte ${byte}`);
}

const VALID_PREVIOUS: Record<TxnState, ReadonlySet<TxnState>> = {
  [TxnState.Empty]: new Set([TxnState.Empty, TxnState.CompleteCommit, TxnState.CompleteAbort]),
  [TxnState.Ongoing]: new Set([TxnState.Ongoing, TxnState.Empty, TxnState.CompleteCommit, TxnState.CompleteAbort]),
  [TxnState.PrepareCommit]: new Set([TxnState.Ongoing]),
  [TxnState.PrepareAbort]: new Set([TxnState.Ongoing, TxnState.PrepareEpochFence]),
  [TxnState.CompleteCommit]: new Set([TxnState.PrepareCommit]),
  [TxnState.CompleteAbort]: new Set([TxnState.PrepareAbort]),
  [TxnState.Dead]: new Set([TxnState.Empty, TxnState.CompleteCommit, TxnState.CompleteAbort]),
  [TxnState.PrepareEpochFence]: new Set([TxnState.Ongoing]),
};

export function isValidTransition(from: TxnState, to: TxnState): boolean {
  return VALID_PREVIOUS[to].has(from);
}

/** Expiry of an idle transactional id is allowed only when no transaction is open. */
export function isExpirationAllowed(state: TxnState): boolean {
  return state === TxnState.Empty || state === TxnState.CompleteCommit || state === TxnState.CompleteAbort;
}

/** Short.MaxValue − 1: the coordinator keeps 32767 for itself so it can always fence. */
export function isEpochExhausted(epoch: number): boolean {
  return epoch >= 32766;
}
