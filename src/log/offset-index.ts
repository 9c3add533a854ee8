/**
 * The sparse offset index of one segment (`<base>.index`, Kafka's OffsetIndex).
 *
 * Byte layout, 8 bytes per entry, big-endian:
 *   relativeOffset int32   offset − segment base offset (the last offset of the indexed append)
 *   position       int32   byte position in the .log file of the batch that starts that append
 * One entry per index.interval.bytes (4096) of log appended. lookup(offset) gives the entry with
 * the largest offset ≤ the target; the batch holding the target starts at or after its position.
 */
import type { FileHandlePool } from './file-handle-pool.js';
import { IndexFile } from './index-file.js';

export const OFFSET_INDEX_ENTRY_SIZE = 8;

export interface OffsetPosition {
  readonly offset: number;
  readonly position: number;
}

export class OffsetIndex extends IndexFile {
  constructor(path: string, baseOffset: number, maxIndexSize: number, pool: FileHandlePool) {
    super(path, baseOffset, maxIndexSize, OFFSET_INDEX_ENTRY_SIZE, pool);
  }

  /** Load an existing file; returns why it is corrupt (it is then emptied) or null. */
  load(logSize: number): string | null {
    return this.loadEntries((i) => {
      const rel = this.relativeOffsetAt(i);
      const position = this.positionAt(i);
      if (position <= 0 || position >= logSize) return `position ${position} outside the log (${logSize} bytes)`;
      if (rel < 0) return `negative relative offset ${rel}`;
      if (i > 0 && (rel <= this.relativeOffsetAt(i - 1) || position <= this.positionAt(i - 1))) {
        return 'entries are not increasing';
      }
      return null;
    });
  }

  get lastEntry(): OffsetPosition {
    return this.entries === 0 ? { offset: this.baseOffset, position: 0 } : this.entryAt(this.entries - 1);
  }

  append(offset: number, position: number): void {
    const rel = offset - this.baseOffset;
    if (this.entries > 0 && rel <= this.relativeOffsetAt(this.entries - 1)) {
      throw new Error(`offset index append of ${offset} is not above the last entry ${this.lastEntry.offset}`);
    }
    const at = this.nextSlot();
    this.buf.writeInt32BE(rel, at);
    this.buf.writeInt32BE(position, at + 4);
    this.commitSlot();
  }

  /** Entry with the largest offset ≤ `offset`, or (baseOffset, 0). */
  lookup(offset: number): OffsetPosition {
    const slot = this.largestLowerBound(offset - this.baseOffset, (i) => this.relativeOffsetAt(i));
    return slot < 0 ? { offset: this.baseOffset, position: 0 } : this.entryAt(slot);
  }

  /** Remove entries for offsets ≥ `offset` (Kafka's OffsetIndex.truncateTo). */
  truncateTo(offset: number): void {
    const slot = this.largestLowerBound(offset - this.baseOffset, (i) => this.relativeOffsetAt(i));
    // Keep the entry at `offset` only if it is strictly below it.
    const keep = slot >= 0 && this.relativeOffsetAt(slot) === offset - this.baseOffset ? slot : slot + 1;
    this.truncateToEntries(keep);
  }

  private entryAt(i: number): OffsetPosition {
    return { offset: this.baseOffset + this.relativeOffsetAt(i), position: this.positionAt(i) };
  }

  private relativeOffsetAt(i: number): number {
    return this.buf.readInt32BE(i * OFFSET_INDEX_ENTRY_SIZE);
  }

  private positionAt(i: number): number {
    return this.buf.readInt32BE(i * OFFSET_INDEX_ENTRY_SIZE + 4);
  }
}
