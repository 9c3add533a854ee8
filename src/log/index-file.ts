/**
 * Common part of the offset index and the time index (Kafka's AbstractIndex): fixed-width
 * entries, sorted by key, searched by binary search.
 *
 * Kafka memory-maps the file; Node has no mmap, so entries live in an in-memory Buffer (grown by
 * doubling, never beyond what the file holds) and are written to the file with positional writes
 * in 4 KiB batches and at flush/roll/close. Entries lost by a crash are harmless: recovery
 * rebuilds the indexes of every segment above the recovery point, and the recovery point only
 * moves after flush() has written them.
 *
 * File layout: `entries × entrySize` bytes, then zeros up to the preallocated size
 * (segment.index.bytes) while the segment is active; trimmed to the entries on roll and close,
 * as Kafka does. An all-zero entry therefore marks the end of a preallocated file: a real entry
 * never has position 0 (offset index); a time-index entry (timestamp 0, base offset) would read as
 * the end too, which only costs a rebuild. Non-zero bytes after the end make the index corrupt.
 */
import { ftruncateSync, fstatSync, renameSync, rmSync, writeSync } from 'node:fs';
import { readFully } from './batch-cursor.js';
import type { FileHandlePool } from './file-handle-pool.js';

const WRITE_OUT_BYTES = 4096;

export abstract class IndexFile {
  protected buf: Buffer;
  protected entries = 0;
  /** Entries already written to the file. */
  private persisted = 0;
  private fileLength = 0;

  protected constructor(
    private path: string,
    readonly baseOffset: number,
    private maxIndexSize: number,
    protected readonly entrySize: number,
    private readonly pool: FileHandlePool,
  ) {
    this.buf = Buffer.alloc(entrySize * 64);
  }

  get file(): string {
    return this.path;
  }

  get entryCount(): number {
    return this.entries;
  }

  get maxEntries(): number {
    return Math.floor(this.maxIndexSize / this.entrySize);
  }

  get isFull(): boolean {
    return this.entries >= this.maxEntries;
  }

  /** Bytes of real entries (what the file is trimmed to). */
  get sizeInBytes(): number {
    return this.entries * this.entrySize;
  }

  /**
   * Read the entries of an existing file. Returns why it is corrupt (then it is left empty, to be
   * rebuilt) or null. `checkEntry(i)` is the subclass's monotonicity/bounds check.
   */
  protected loadEntries(checkEntry: (i: number) => string | null): string | null {
    const fd = this.pool.fdCreate(this.path);
    const length = fstatSync(fd).size;
    this.fileLength = length;
    if (length % this.entrySize !== 0) return this.corrupt(`size ${length} is not a multiple of ${this.entrySize}`);
    const es = this.entrySize;
    const chunk = es * 8192;
    let raw: Buffer = Buffer.alloc(Math.max(es * 64, Math.min(length, chunk)));
    let filled = 0;
    let n = 0;
    // Read chunk by chunk and stop at the first all-zero entry: a preallocated 10 MiB index of an
    // active segment is mostly zeros that need not be read at startup.
    while (filled < length) {
      const want = Math.min(chunk, length - filled);
      if (filled + want > raw.length) raw = grow(raw, Math.max(raw.length * 2, filled + want), filled);
      const got = readFully(fd, raw, filled, want, filled);
      filled += got;
      while ((n + 1) * es <= filled && !isZero(raw, n * es, es)) n++;
      if (n * es < filled) {
        if (!isZero(raw, n * es, filled - n * es)) return this.corrupt(`non-zero bytes after the zero entry ${n}`);
        break;
      }
      if (got < want) break;
    }
    this.buf = raw;
    this.entries = n;
    this.persisted = n;
    for (let i = 0; i < n; i++) {
      const problem = checkEntry(i);
      if (problem) return this.corrupt(`entry ${i}: ${problem}`);
    }
    return null;
  }

  /** Reserve the next entry slot and return its byte offset in `buf`. */
  protected nextSlot(): number {
    const at = this.entries * this.entrySize;
    if (at + this.entrySize > this.buf.length) this.buf = grow(this.buf, Math.max(this.buf.length * 2, at + this.entrySize), at);
    return at;
  }

  protected commitSlot(): void {
    this.entries++;
    if ((this.entries - this.persisted) * this.entrySize >= WRITE_OUT_BYTES) this.writeOut();
  }

  /** Largest i with keyAt(i) ≤ key, or -1 (Kafka's largestLowerBoundSlotFor). */
  protected largestLowerBound(key: number, keyAt: (i: number) => number): number {
    let lo = 0;
    let hi = this.entries - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (keyAt(mid) <= key) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** Drop entries from `n` on, in memory and in the file (zero-filled, keeping the preallocation). */
  truncateToEntries(n: number): void {
    if (n >= this.entries) return;
    this.entries = Math.max(0, n);
    if (this.persisted > this.entries) {
      const fd = this.pool.fdCreate(this.path);
      const keep = this.fileLength;
      ftruncateSync(fd, this.entries * this.entrySize);
      ftruncateSync(fd, keep);
      this.persisted = this.entries;
    }
  }

  reset(): void {
    this.truncateToEntries(0);
  }

  /** Write entries not yet in the file. */
  writeOut(): void {
    if (this.persisted === this.entries) return;
    const from = this.persisted * this.entrySize;
    const to = this.entries * this.entrySize;
    const fd = this.pool.fdCreate(this.path);
    let done = 0;
    while (done < to - from) done += writeSync(fd, this.buf, from + done, to - from - done, from + done);
    this.persisted = this.entries;
    this.fileLength = Math.max(this.fileLength, to);
  }

  /** Set the file length (preallocate for the active segment; Kafka's resize). */
  resize(maxIndexSize: number): void {
    this.maxIndexSize = maxIndexSize;
    this.writeOut();
    const length = Math.max(this.sizeInBytes, Math.floor(maxIndexSize / this.entrySize) * this.entrySize);
    ftruncateSync(this.pool.fdCreate(this.path), length);
    this.fileLength = length;
  }

  /** Write out and cut the file to its entries (on roll and close). */
  trimToValidSize(): void {
    this.writeOut();
    if (this.fileLength === this.sizeInBytes) return;
    ftruncateSync(this.pool.fdCreate(this.path), this.sizeInBytes);
    this.fileLength = this.sizeInBytes;
  }

  close(): void {
    this.pool.close(this.path);
  }

  renameTo(path: string): void {
    this.pool.close(this.path);
    renameSync(this.path, path);
    this.path = path;
  }

  deleteFile(): void {
    this.pool.close(this.path);
    rmSync(this.path, { force: true });
  }

  /** Empty the index, in memory and on disk, so a rebuild starts from a clean file. */
  private corrupt(reason: string): string {
    this.entries = 0;
    this.persisted = 0;
    ftruncateSync(this.pool.fdCreate(this.path), 0);
    this.fileLength = 0;
    return reason;
  }
}

function grow(buf: Buffer, size: number, used: number): Buffer {
  const grown = Buffer.alloc(size);
  buf.copy(grown, 0, 0, used);
  return grown;
}

const ZEROS = Buffer.alloc(64 * 1024);

function isZero(buf: Buffer, from: number, length: number): boolean {
  for (let at = from; at < from + length; at += ZEROS.length) {
    const n = Math.min(ZEROS.length, from + length - at);
    if (ZEROS.compare(buf, at, at + n, 0, n) !== 0) return false;
  }
  return true;
}
