/**
 * `<base>.txnindex`: the aborted transactions whose ABORT marker lies in a segment (Kafka 2.7
 * TransactionIndex; transactions-and-compaction.md §2.14). Fixed 34-byte entries, in marker order:
 *
 *   int16 version (0) · int64 producer_id · int64 first_offset · int64 last_offset (the marker) ·
 *   int64 last_stable_offset (the LSO when the transaction was aborted)
 *
 * The file is created lazily on the first entry, so segments without aborted transactions have none
 * and cost nothing. Entries are read from the file when a read_committed fetch asks (they are few);
 * only the size is kept in memory.
 */
import { existsSync, fsyncSync, ftruncateSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { readInt64, writeInt64 } from '../protocol/primitives.js';
import { readFully } from './batch-cursor.js';
import type { FileHandlePool } from './file-handle-pool.js';

export const TXN_INDEX_ENTRY_SIZE = 34;
const VERSION = 0;

export interface AbortedTxn {
  readonly producerId: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly lastStableOffset: number;
}

export interface TxnIndexSearchResult {
  readonly abortedTransactions: AbortedTxn[];
  /** an entry showed that no later segment can hold a transaction overlapping the range */
  readonly isComplete: boolean;
}

export function encodeAbortedTxn(txn: AbortedTxn): Buffer {
  const buf = Buffer.alloc(TXN_INDEX_ENTRY_SIZE);
  buf.writeInt16BE(VERSION, 0);
  writeInt64(buf, 2, txn.producerId);
  writeInt64(buf, 10, txn.firstOffset);
  writeInt64(buf, 18, txn.lastOffset);
  writeInt64(buf, 26, txn.lastStableOffset);
  return buf;
}

function decodeAbortedTxn(buf: Buffer, pos: number): AbortedTxn {
  const version = buf.readInt16BE(pos);
  if (version !== VERSION) throw new Error(`unexpected aborted transaction version ${version}`);
  return {
    producerId: readInt64(buf, pos + 2),
    firstOffset: readInt64(buf, pos + 10),
    lastOffset: readInt64(buf, pos + 18),
    lastStableOffset: readInt64(buf, pos + 26),
  };
}

export class TransactionIndex {
  private size: number;
  private lastOffset = -1;

  constructor(
    private path: string,
    readonly baseOffset: number,
    private readonly pool: FileHandlePool,
  ) {
    this.size = existsSync(path) ? statSync(path).size : 0;
    if (this.size > 0) this.lastOffset = this.lastEntryOffset();
  }

  get file(): string {
    return this.path;
  }

  get sizeInBytes(): number {
    return this.size;
  }

  append(txn: AbortedTxn): void {
    if (this.size > 0 && txn.lastOffset <= this.lastOffset) {
      throw new Error(`The last offset of appended transactions must increase sequentially, but ${txn.lastOffset} is not greater than ${this.lastOffset} in ${this.path}`);
    }
    const bytes = encodeAbortedTxn(txn);
    const fd = this.pool.fdCreate(this.path);
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, this.size + done);
    this.size += bytes.length;
    this.lastOffset = txn.lastOffset;
  }

  allAbortedTxns(): AbortedTxn[] {
    if (this.size === 0) return [];
    const whole = this.size - (this.size % TXN_INDEX_ENTRY_SIZE);
    const buf = Buffer.allocUnsafe(whole);
    const n = readFully(this.pool.fd(this.path), buf, 0, whole, 0);
    const out: AbortedTxn[] = [];
    for (let pos = 0; pos + TXN_INDEX_ENTRY_SIZE <= n; pos += TXN_INDEX_ENTRY_SIZE) out.push(decodeAbortedTxn(buf, pos));
    return out;
  }

  /** Entries overlapping [fetchOffset, upperBound); complete once an entry's LSO reaches upperBound. */
  collectAbortedTxns(fetchOffset: number, upperBoundOffset: number): TxnIndexSearchResult {
    const abortedTransactions: AbortedTxn[] = [];
    for (const txn of this.allAbortedTxns()) {
      if (txn.lastOffset >= fetchOffset && txn.firstOffset < upperBoundOffset) abortedTransactions.push(txn);
      if (txn.lastStableOffset >= upperBoundOffset) return { abortedTransactions, isComplete: true };
    }
    return { abortedTransactions, isComplete: false };
  }

  /** Removes the entries whose marker is at or after `offset`. */
  truncateTo(offset: number): void {
    if (this.size === 0) return;
    const entries = this.allAbortedTxns();
    const keep = entries.findIndex((t) => t.lastOffset >= offset);
    const newSize = (keep < 0 ? entries.length : keep) * TXN_INDEX_ENTRY_SIZE;
    if (newSize === this.size) return;
    ftruncateSync(this.pool.fd(this.path), newSize);
    this.size = newSize;
    this.lastOffset = newSize > 0 ? (entries[keep - 1]?.lastOffset ?? -1) : -1;
  }

  /** Empties the index (a new segment, or one being recovered and re-indexed); the file goes until the next entry. */
  reset(): void {
    this.deleteFile();
    this.size = 0;
    this.lastOffset = -1;
  }

  /** Why the file is unusable (then the segment is recovered), or null. */
  sanityCheck(): string | null {
    if (this.size % TXN_INDEX_ENTRY_SIZE !== 0) return `transaction index size ${this.size} is not a multiple of ${TXN_INDEX_ENTRY_SIZE}`;
    try {
      for (const txn of this.allAbortedTxns()) {
        if (txn.lastOffset < this.baseOffset) {
          return `Last offset of aborted transaction ${txn.lastOffset} in index ${this.path} is less than start offset ${this.baseOffset}`;
        }
      }
    } catch (err) {
      return `unreadable transaction index: ${(err as Error).message}`;
    }
    return null;
  }

  flush(): void {
    if (this.size > 0) fsyncSync(this.pool.fd(this.path));
  }

  close(): void {
    this.pool.close(this.path);
  }

  renameTo(path: string): void {
    this.pool.close(this.path);
    if (existsSync(this.path)) renameSync(this.path, path);
    this.path = path;
  }

  deleteFile(): void {
    this.pool.close(this.path);
    rmSync(this.path, { force: true });
  }

  /** The last entry's marker offset; -1 when unreadable (sanityCheck then reports the file). */
  private lastEntryOffset(): number {
    const pos = this.size - (this.size % TXN_INDEX_ENTRY_SIZE) - TXN_INDEX_ENTRY_SIZE;
    if (pos < 0) return -1;
    const buf = Buffer.allocUnsafe(TXN_INDEX_ENTRY_SIZE);
    try {
      readFully(this.pool.fd(this.path), buf, 0, TXN_INDEX_ENTRY_SIZE, pos);
      return readInt64(buf, 18);
    } catch {
      return -1;
    }
  }
}
