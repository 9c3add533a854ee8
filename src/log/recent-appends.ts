/**
 * The last bytes appended to a segment, in memory, so that reads at the log end — followers fetching what was just
 * produced, consumers following the high watermark — are answered without a file read or an index scan.
 *
 * - Appends are copied into a window buffer (never kept by reference: the caller's memory is a socket read buffer
 *   or a reused request frame, frame-buffers.ts), so consecutive appends are one contiguous zero-copy answer; the
 *   first window of a segment is 16 KiB and each next one twice as big, up to 1 MiB.
 * - Appends above 256 KiB are not kept (a read of them goes to the page cache, one read for many bytes).
 * - At most MAX_ENTRIES windows per segment (the oldest go first) and TOTAL_BYTES for the whole process (the segment
 *   appended to least recently loses all its windows first).
 * - The entries always end at the end of the file: an append that does not continue them, and any other change of
 *   the file (truncation, recovery, roll, close), clears them (`clear()`).
 * - A read is answered from the one window holding the batch it starts with (bytes of later windows are left to
 *   the next read); null sends the caller to the file.
 */
import { BATCH_LENGTH, LAST_OFFSET_DELTA, LOG_OVERHEAD } from '../protocol/records/batch-layout.js';
import { readSafeInt64 } from './batch-cursor.js';

const FIRST_WINDOW_BYTES = 16 * 1024;
const MAX_WINDOW_BYTES = 1024 * 1024;
const MAX_KEPT_APPEND_BYTES = 256 * 1024;
const MAX_ENTRIES = 8;
/** Memory all segments' recent appends may hold at once. */
export const TOTAL_BYTES = 48 * 1024 * 1024;

/** A window: appends copied one after the other. */
interface Entry {
  readonly buf: Buffer;
  /** bytes of `buf` in use */
  used: number;
  /** the first batch's base offset of each append in the window, and where that append starts in `buf` */
  readonly bases: number[];
  readonly starts: number[];
}

/** Holders with entries, least recently appended first. */
const holders = new Set<RecentAppends>();
let totalHeld = 0;

export class RecentAppends {
  private entries: Entry[] = [];
  private end = -1;
  private held = 0;
  private nextWindowBytes = FIRST_WINDOW_BYTES;

  /** Memory held by every segment's recent appends (tests, metrics). */
  static get totalHeld(): number {
    return totalHeld;
  }

  /** `records` (whole batches, first base offset `baseOffset`) were written at file position `position`. */
  append(records: Buffer, position: number, baseOffset: number): void {
    const length = records.length;
    if (position !== this.end || length > MAX_KEPT_APPEND_BYTES) this.clear();
    if (length > MAX_KEPT_APPEND_BYTES) return;
    let e = this.entries[this.entries.length - 1];
    if (!e || e.used + length > e.buf.length) {
      const size = Math.max(this.nextWindowBytes, length);
      this.nextWindowBytes = Math.min(MAX_WINDOW_BYTES, this.nextWindowBytes * 2);
      e = { buf: Buffer.allocUnsafeSlow(size), used: 0, bases: [], starts: [] };
      this.push(e);
    }
    records.copy(e.buf, e.used);
    e.bases.push(baseOffset);
    e.starts.push(e.used);
    e.used += length;
    this.end = position + length;
    holders.delete(this);
    holders.add(this);
    while (totalHeld > TOTAL_BYTES) {
      const oldest = holders.values().next().value;
      if (oldest === undefined) break;
      oldest.clear();
    }
  }

  /**
   * Whole batches from the first one whose last offset ≥ `offset`: at most `maxBytes` (the first batch whole when
   * `minOneBatch`), only batches whose last offset is below `upperBound`; empty when the first batch does not fit.
   * Null when `offset` lies before the bytes kept.
   */
  read(offset: number, maxBytes: number, upperBound: number, minOneBatch: boolean): Buffer | null {
    const entries = this.entries;
    if (entries.length === 0 || offset < entries[0]!.bases[0]!) return null;
    let lo = 0;
    let hi = entries.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (entries[mid]!.bases[0]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    // Every batch before this entry ends below its first base offset, so the batch we look for is here or later.
    for (let i = lo; i < entries.length; i++) {
      const found = readEntry(entries[i]!, offset, maxBytes, upperBound, minOneBatch);
      if (found) return found;
    }
    return null;
  }

  /** Forget everything (the file changed other than by an append, or the segment is no longer written). */
  clear(): void {
    if (this.entries.length > 0) {
      this.entries = [];
      totalHeld -= this.held;
      this.held = 0;
    }
    this.end = -1;
    holders.delete(this);
  }

  private push(e: Entry): void {
    this.entries.push(e);
    this.held += e.buf.length;
    totalHeld += e.buf.length;
    if (this.entries.length > MAX_ENTRIES) {
      const dropped = this.entries.shift()!;
      this.held -= dropped.buf.length;
      totalHeld -= dropped.buf.length;
    }
  }
}

function readEntry(e: Entry, offset: number, maxBytes: number, upperBound: number, minOneBatch: boolean): Buffer | null {
  const { bases, starts, buf } = e;
  let lo = 0;
  let hi = bases.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (bases[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  let rel = bases[lo]! <= offset ? starts[lo]! : 0;
  while (rel + LOG_OVERHEAD <= e.used) {
    const batchSize = buf.readInt32BE(rel + BATCH_LENGTH) + LOG_OVERHEAD;
    const lastOffset = readSafeInt64(buf, rel) + buf.readInt32BE(rel + LAST_OFFSET_DELTA);
    if (lastOffset >= offset) {
      if (lastOffset >= upperBound) return EMPTY;
      if (batchSize > maxBytes && !minOneBatch) return EMPTY;
      const limit = Math.min(e.used, rel + Math.max(maxBytes, batchSize));
      let end = rel;
      while (end + LOG_OVERHEAD <= limit) {
        const size = buf.readInt32BE(end + BATCH_LENGTH) + LOG_OVERHEAD;
        if (end + size > limit || readSafeInt64(buf, end) + buf.readInt32BE(end + LAST_OFFSET_DELTA) >= upperBound) break;
        end += size;
      }
      return buf.subarray(rel, end);
    }
    rel += batchSize;
  }
  return null;
}

const EMPTY = Buffer.alloc(0);
