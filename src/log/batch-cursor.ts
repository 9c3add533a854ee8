/**
 * A forward cursor over the record-batch headers of a `.log` file (Kafka's FileLogInputStream,
 * header level only). It reads the file in windows with positional `readSync` and exposes the
 * current batch's header fields; record bodies are never parsed, so scans cost one read per
 * window, not per batch or per record.
 *
 * Only RecordBatch v2 (magic 2) is stored: the produce path up-converts older formats, as Kafka
 * 2.7 does with message.format.version 2.7. A header that fails the length sanity checks stops the
 * cursor with `invalid` set, which recovery treats as the start of a corrupt or torn tail.
 */
import { readSync } from 'node:fs';
import {
  BATCH_LENGTH,
  HEADER_SIZE,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
} from '../protocol/records/batch-layout.js';

export const CURRENT_MAGIC = 2;
/** Smallest legal batchLength: a v2 header with no records. */
export const MIN_BATCH_LENGTH = HEADER_SIZE - LOG_OVERHEAD;
const TWO_32 = 2 ** 32;

/** int64 at `off` as a number, or NaN when it is outside the safe-integer range (corrupt data). */
export function readSafeInt64(buf: Buffer, off: number): number {
  const value = buf.readInt32BE(off) * TWO_32 + buf.readUInt32BE(off + 4);
  return Number.isSafeInteger(value) ? value : Number.NaN;
}

/** Reads `length` bytes at `position` fully (readSync may return short counts). */
export function readFully(fd: number, target: Buffer, targetOffset: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, target, targetOffset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

export class BatchCursor {
  // Fields of the current batch, valid after next() returned true.
  position = 0;
  baseOffset = 0;
  lastOffset = 0;
  /** Whole batch size in bytes, LOG_OVERHEAD included. */
  size = 0;
  maxTimestamp = -1;
  partitionLeaderEpoch = -1;
  magic = 0;
  /** Set when the cursor stopped on bytes that are not a sane batch header. */
  invalid: string | null = null;

  private nextPosition: number;
  private windowStart = 0;
  private windowLength = 0;

  constructor(
    private readonly fd: number,
    start: number,
    private readonly end: number,
    private readonly window: Buffer,
  ) {
    this.nextPosition = start;
  }

  /** Advance to the next batch; false at `end` or on an insane header (see `invalid`). */
  next(): boolean {
    const p = this.nextPosition;
    if (p >= this.end || this.invalid) return false;
    if (this.end - p < HEADER_SIZE) return this.stop(`${this.end - p} trailing bytes, less than a batch header`);
    const off = this.ensureWindow(p, HEADER_SIZE);
    if (off < 0) return this.stop('short read: the file ends before the expected end');
    const w = this.window;
    const batchLength = w.readInt32BE(off + BATCH_LENGTH);
    if (batchLength < MIN_BATCH_LENGTH) return this.stop(`batch length ${batchLength} below the minimum`);
    if (batchLength > this.end - p - LOG_OVERHEAD) return this.stop(`batch of ${batchLength} bytes runs past the end`);
    this.magic = w.readInt8(off + MAGIC);
    if (this.magic !== CURRENT_MAGIC) return this.stop(`unsupported magic ${this.magic}`);
    this.baseOffset = readSafeInt64(w, off);
    this.maxTimestamp = readSafeInt64(w, off + MAX_TIMESTAMP);
    const lastOffsetDelta = w.readInt32BE(off + LAST_OFFSET_DELTA);
    if (!(this.baseOffset >= 0) || Number.isNaN(this.maxTimestamp) || lastOffsetDelta < 0) {
      return this.stop('offset or timestamp field out of range');
    }
    this.position = p;
    this.size = batchLength + LOG_OVERHEAD;
    this.lastOffset = this.baseOffset + lastOffsetDelta;
    this.partitionLeaderEpoch = w.readInt32BE(off + PARTITION_LEADER_EPOCH);
    this.nextPosition = p + this.size;
    return true;
  }

  /** The current batch's header (HEADER_SIZE bytes): a view of the window, valid until next(). */
  header(): Buffer {
    const off = this.ensureWindow(this.position, HEADER_SIZE);
    return this.window.subarray(off, off + HEADER_SIZE);
  }

  /** The current batch's bytes: a view of the window when it fits, else a fresh read. */
  batchBytes(): Buffer {
    if (this.size <= this.window.length) {
      const off = this.ensureWindow(this.position, this.size);
      if (off >= 0) return this.window.subarray(off, off + this.size);
    }
    const whole = Buffer.allocUnsafe(this.size);
    const n = readFully(this.fd, whole, 0, this.size, this.position);
    return whole.subarray(0, n);
  }

  /** Position just after the last batch returned (where a torn tail starts). */
  get validEnd(): number {
    return this.nextPosition;
  }

  private stop(reason: string): false {
    this.invalid = reason;
    return false;
  }

  /** Make [position, position+length) resident in the window; its offset there, or -1 if short. */
  private ensureWindow(position: number, length: number): number {
    const rel = position - this.windowStart;
    if (rel >= 0 && rel + length <= this.windowLength) return rel;
    const want = Math.min(this.window.length, this.end - position);
    this.windowStart = position;
    this.windowLength = readFully(this.fd, this.window, 0, want, position);
    return this.windowLength >= length ? 0 : -1;
  }
}

/** The offset after the last whole batch of `records` (what a fetch returned), or -1 when it holds none. */
export function nextOffsetAfter(records: Buffer): number {
  let next = -1;
  for (let pos = 0; pos + LOG_OVERHEAD <= records.length; ) {
    const size = records.readInt32BE(pos + BATCH_LENGTH) + LOG_OVERHEAD;
    if (pos + size > records.length) break;
    next = readSafeInt64(records, pos) + records.readInt32BE(pos + LAST_OFFSET_DELTA) + 1;
    pos += size;
  }
  return next;
}
