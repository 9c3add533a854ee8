/**
 * What the cleaner tracks about transactions while it walks the log in offset order (Kafka's
 * CleanedTransactionMetadata; reference/transactions-and-compaction.md §3.5–3.6).
 *
 * - Aborted transactions (from the `.txnindex` files) are fed in sorted by first offset and become
 *   "ongoing aborted" once the walk reaches their first offset; every transactional batch of that
 *   producer until its ABORT marker is aborted data: the cleaner drops it whatever its keys and
 *   never maps its keys.
 * - Other transactional batches mark their producer's transaction "ongoing committed".
 * - An ABORT marker may be removed only if no batch of its transaction was seen in this walk (its
 *   data is already gone); otherwise it stays and its index entry is copied into the cleaned
 *   segment's `.txnindex`. A COMMIT marker may be removed if no batch of its transaction was seen.
 *   The cleaner still keeps a removable marker until its segment is past the delete horizon.
 * - An empty control batch (emptied by an earlier pass) may always go.
 */
import { ControlRecordType } from '../../protocol/records/control-record.js';
import type { AbortedTxn } from '../transaction-index.js';

/** The header fields the tracker needs of a batch. */
export interface TxnBatchView {
  readonly producerId: number;
  readonly lastOffset: number;
  readonly isTransactional: boolean;
}

export class CleanedTransactionMetadata {
  private readonly ongoingCommitted = new Set<number>();
  /** producer id → the aborted transaction and whether any of its batches was seen */
  private readonly ongoingAborted = new Map<number, { txn: AbortedTxn; seen: boolean }>();
  private pending: AbortedTxn[] = [];
  private next = 0;

  /** Where retained ABORT markers' index entries go (the cleaned segment's `.txnindex`). */
  onRetainedAbort: ((txn: AbortedTxn) => void) | null = null;

  addAbortedTransactions(txns: readonly AbortedTxn[]): void {
    if (txns.length === 0) return;
    this.pending = [...this.pending.slice(this.next), ...txns].sort((a, b) => a.firstOffset - b.firstOffset);
    this.next = 0;
  }

  /**
   * A control batch was read: `controlType` is its marker type, or null for an empty (already
   * cleaned) control batch. Returns whether the marker may be discarded.
   */
  onControlBatchRead(batch: TxnBatchView, controlType: number | null): boolean {
    this.consumeAbortedTxnsUpTo(batch.lastOffset);
    if (controlType === null) return true;
    if (controlType === ControlRecordType.Abort) {
      const aborted = this.ongoingAborted.get(batch.producerId);
      this.ongoingAborted.delete(batch.producerId);
      if (aborted?.seen) {
        this.onRetainedAbort?.(aborted.txn);
        return false;
      }
      return true;
    }
    if (controlType === ControlRecordType.Commit) return !this.ongoingCommitted.delete(batch.producerId);
    return false;
  }

  /** A data batch was read; true when it belongs to an aborted transaction (discard it). */
  onBatchRead(batch: TxnBatchView): boolean {
    this.consumeAbortedTxnsUpTo(batch.lastOffset);
    if (!batch.isTransactional) return false;
    const aborted = this.ongoingAborted.get(batch.producerId);
    if (aborted) {
      aborted.seen = true;
      return true;
    }
    this.ongoingCommitted.add(batch.producerId);
    return false;
  }

  private consumeAbortedTxnsUpTo(offset: number): void {
    while (this.next < this.pending.length && this.pending[this.next]!.firstOffset <= offset) {
      const txn = this.pending[this.next++]!;
      if (!this.ongoingAborted.has(txn.producerId)) this.ongoingAborted.set(txn.producerId, { txn, seen: false });
    }
  }
}
