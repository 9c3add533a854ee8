/**
 * The last bytes appended to a segment, in memory, so that reads at the log end — followers fetching what was just
 * produced, consumers following the high watermark — are answered without a file read or an index scan.
 *
 * - Appends are copied into a window buffer (never kept by reference: the caller's memory is a socket read buffer
 *   or a reused request frame, frame-buffers.ts), so consecutive appends are one contiguous zero-copy answer.
 * - Windows follow the segment's write rate, since readers at the log end only need the last moments: the first is
 *   4 KiB; the next is twice as big when this one filled within a second, half as big when it took more than ten
 *   (between 4 KiB and 1 MiB). A thousand quiet partitions hold a few KiB each; a busy one a few MiB.
 * - Appends above 256 KiB are not kept (a read of them goes to the page cache, one read for many bytes).
 * - At most MAX_ENTRIES windows per segment (the oldest goes first) and TOTAL_BYTES for the whole process (the segment
 *   appended to least recently loses all its windows first).
 * - The entries always end at the end of the file: an append that does not continue them, and any other change of
 *   the file (truncation, recovery, roll, close), clears them (`clear()`).
 * - A read answers what the file would: zero-copy from the window holding its first batch, copied together when it
 *   runs on into the next windows; null sends the caller to the file.
 */
import { BATCH_LENGTH, LAST_OFFSET_DELTA, LOG_OVERHEAD } from '../protocol/records/batch-layout.js';
import { readSafeInt64 } from './batch-cursor.js';

const MIN_WINDOW_BYTES = 4 * 1024;
const MAX_WINDOW_BYTES = 1024 * 1024;
const MAX_KEPT_APPEND_BYTES = 256 * 1024;
const GROW_WITHIN_MS = 1_000;
const SHRINK_AFTER_MS = 10_000;
const MAX_ENTRIES = 3;
/** Memory all segments' recent appends may hold at once. */
export const TOTAL_BYTES = 32 * 1024 * 1024;

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
  private windowBytes = MIN_WINDOW_BYTES;

  /** `now` in ms (injected by tests) times how fast windows fill. */
  constructor(private readonly now: () => number = () => performance.now()) {}

  /** when the current window was started (`now()`) */
  private windowStartedAt = 0;

  /** Memory held by every segment's recent appends (tests, metrics). */
  static get totalHeld(): number {
    return totalHeld;
  }

  /** Memory this segment's windows hold (tests). */
  get heldBytes(): number {
    return this.held;
  }

  /** `records` (whole batches, first base offset `baseOffset`) were written at file position `position`. */
  append(records: Buffer, position: number, baseOffset: number): void {
    const length = records.length;
    if (position !== this.end || length > MAX_KEPT_APPEND_BYTES) this.clear();
    if (length > MAX_KEPT_APPEND_BYTES) return;
    let e = this.entries[this.entries.length - 1];
    if (!e || e.used + length > e.buf.length) {
      const now = this.now();
      if (e) {
        const lasted = now - this.windowStartedAt;
        if (lasted < GROW_WITHIN_MS) this.windowBytes = Math.min(MAX_WINDOW_BYTES, this.windowBytes * 2);
        else if (lasted > SHRINK_AFTER_MS) this.windowBytes = Math.max(MIN_WINDOW_BYTES, this.windowBytes / 2);
      }
      this.windowStartedAt = now;
      const size = Math.max(this.windowBytes, length);
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
    // Every batch before this window ends below its first base offset, so the batch we look for is here or later.
    for (let i = lo; i < entries.length; i++) {
      const e = entries[i]!;
      const start = findBatch(e, offset);
      if (start < 0) continue;
      const first = readFrom(e, start, maxBytes, upperBound, minOneBatch);
      if (first.length === 0 || first.length === maxBytes || start + first.length < e.used || i + 1 === entries.length) return first;
      // The answer goes on in the next windows: copy the parts together (a few KiB to a few MiB, at most MAX_ENTRIES).
      const parts = [first];
      let room = maxBytes - first.length;
      for (let j = i + 1; j < entries.length && room > 0; j++) {
        const next = readFrom(entries[j]!, 0, room, upperBound, false);
        if (next.length === 0) break;
        parts.push(next);
        room -= next.length;
        if (next.length < entries[j]!.used) break;
      }
      return parts.length === 1 ? first : Buffer.concat(parts);
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

/** Where in window `e` the first batch whose last offset ≥ `offset` starts, or −1 when none is in it. */
function findBatch(e: Entry, offset: number): number {
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
    if (readSafeInt64(buf, rel) + buf.readInt32BE(rel + LAST_OFFSET_DELTA) >= offset) return rel;
    rel += buf.readInt32BE(rel + BATCH_LENGTH) + LOG_OVERHEAD;
  }
  return -1;
}

/** Whole batches of window `e` from `rel`: at most `maxBytes` (the first whole when `minOneBatch`), below `upperBound`. */
function readFrom(e: Entry, rel: number, maxBytes: number, upperBound: number, minOneBatch: boolean): Buffer {
  const buf = e.buf;
  const firstSize = buf.readInt32BE(rel + BATCH_LENGTH) + LOG_OVERHEAD;
  if (readSafeInt64(buf, rel) + buf.readInt32BE(rel + LAST_OFFSET_DELTA) >= upperBound) return EMPTY;
  if (firstSize > maxBytes && !minOneBatch) return EMPTY;
  const limit = Math.min(e.used, rel + Math.max(maxBytes, firstSize));
  let end = rel;
  while (end + LOG_OVERHEAD <= limit) {
    const size = buf.readInt32BE(end + BATCH_LENGTH) + LOG_OVERHEAD;
    if (end + size > limit || readSafeInt64(buf, end) + buf.readInt32BE(end + LAST_OFFSET_DELTA) >= upperBound) break;
    end += size;
  }
  return buf.subarray(rel, end);
}

const EMPTY = Buffer.alloc(0);
