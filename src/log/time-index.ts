/**
 * The sparse time index of one segment (`<base>.timeindex`, Kafka's TimeIndex).
 *
 * Byte layout, 12 bytes per entry, big-endian:
 *   timestamp      int64   the largest batch maxTimestamp seen in the segment so far
 *   relativeOffset int32   offset − base offset of the batch that first reached it (its last offset)
 * Entries are written beside offset-index entries and once more when the segment stops being
 * active, so the last entry holds the segment's largest timestamp. Timestamps strictly increase.
 */
import { readSafeInt64 } from './batch-cursor.js';
import type { FileHandlePool } from './file-handle-pool.js';
import { IndexFile } from './index-file.js';

export const TIME_INDEX_ENTRY_SIZE = 12;
/** Kafka's RecordBatch.NO_TIMESTAMP. */
export const NO_TIMESTAMP = -1;

export interface TimestampOffset {
  readonly timestamp: number;
  readonly offset: number;
}

export class TimeIndex extends IndexFile {
  constructor(path: string, baseOffset: number, maxIndexSize: number, pool: FileHandlePool) {
    super(path, baseOffset, maxIndexSize, TIME_INDEX_ENTRY_SIZE, pool);
  }

  /** Load an existing file; returns why it is corrupt (it is then emptied) or null. */
  load(lastOffset: number): string | null {
    return this.loadEntries((i) => {
      const ts = this.timestampAt(i);
      const rel = this.relativeOffsetAt(i);
      if (Number.isNaN(ts)) return 'timestamp out of range';
      if (rel < 0 || this.baseOffset + rel > lastOffset) return `offset ${this.baseOffset + rel} outside the segment`;
      if (i > 0 && (ts <= this.timestampAt(i - 1) || rel < this.relativeOffsetAt(i - 1))) {
        return 'entries are not increasing';
      }
      return null;
    });
  }

  get lastEntry(): TimestampOffset {
    return this.entries === 0 ? { timestamp: NO_TIMESTAMP, offset: this.baseOffset } : this.entryAt(this.entries - 1);
  }

  /** Append (timestamp, offset) if the timestamp is larger than the last entry's. */
  maybeAppend(timestamp: number, offset: number): void {
    if (this.entries > 0 && timestamp <= this.timestampAt(this.entries - 1)) return;
    if (this.entries === 0 && timestamp <= NO_TIMESTAMP) return;
    const at = this.nextSlot();
    this.buf.writeInt32BE(Math.floor(timestamp / 2 ** 32), at);
    this.buf.writeUInt32BE(timestamp >>> 0, at + 4);
    this.buf.writeInt32BE(offset - this.baseOffset, at + 8);
    this.commitSlot();
  }

  /** Entry with the largest timestamp ≤ `timestamp`, or (NO_TIMESTAMP, baseOffset). */
  lookup(timestamp: number): TimestampOffset {
    const slot = this.largestLowerBound(timestamp, (i) => this.timestampAt(i));
    return slot < 0 ? { timestamp: NO_TIMESTAMP, offset: this.baseOffset } : this.entryAt(slot);
  }

  /** Remove entries pointing at offsets ≥ `offset`. */
  truncateTo(offset: number): void {
    let keep = this.entries;
    while (keep > 0 && this.baseOffset + this.relativeOffsetAt(keep - 1) >= offset) keep--;
    this.truncateToEntries(keep);
  }

  private entryAt(i: number): TimestampOffset {
    return { timestamp: this.timestampAt(i), offset: this.baseOffset + this.relativeOffsetAt(i) };
  }

  private timestampAt(i: number): number {
    return readSafeInt64(this.buf, i * TIME_INDEX_ENTRY_SIZE);
  }

  private relativeOffsetAt(i: number): number {
    return this.buf.readInt32BE(i * TIME_INDEX_ENTRY_SIZE + 8);
  }
}
