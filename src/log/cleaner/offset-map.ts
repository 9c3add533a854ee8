/**
 * The cleaner's key → latest offset map (Kafka's SkimpyOffsetMap): open addressing over one flat
 * buffer of 24-byte slots, each the MD5 of a key (16 bytes) and an int64 offset. Keys are never
 * stored, so memory is bounded by the slot count whatever the key sizes; two keys with the same
 * MD5 count as one (Kafka accepts that risk too). An all-zero slot is empty.
 *
 * Probing as in Kafka: attempt i reads the int32 at hash byte min(i, 12), plus max(0, i − 12)
 * (a linear walk once the hash's windows are used up), modulo the slot count.
 *
 * Memory: Kafka allocates log.cleaner.dedupe.buffer.size / threads once per cleaner thread. Here
 * that is the ceiling; prepare() sizes the map for the pass at hand (enough slots for every
 * offset of the dirty range at the load factor, never more than the ceiling) and clears only the
 * slots in use, so a broker whose compacted logs are small does not hold 128 MiB per thread. A
 * map at the ceiling behaves exactly like Kafka's: once `slots × load factor` keys are in, the
 * pass stops there.
 */
import { writeInt64 } from '../../protocol/primitives.js';
import { MD5_BYTES, Md5 } from './md5.js';

export const BYTES_PER_ENTRY = MD5_BYTES + 8;
const INT_MIN = -0x80000000;

export class SkimpyOffsetMap {
  /** How many distinct keys this pass may hold (slots × load factor). */
  maxDesiredSize = 0;
  private bytes: Buffer = Buffer.alloc(0);
  private _slots = 0;
  private entries = 0;
  private lastOffset = -1;
  private readonly md5 = new Md5();
  private readonly hash1 = Buffer.alloc(MD5_BYTES);

  constructor(
    /** The memory ceiling in bytes (Kafka's per-thread share of the dedupe buffer). */
    readonly maxMemory: number,
    readonly loadFactor = 0.9,
  ) {
    if (maxMemory < BYTES_PER_ENTRY) throw new RangeError(`offset map memory ${maxMemory} holds no slot`);
  }

  /** Empty the map and size it for at most `maxKeys` keys (bounded by the memory ceiling). */
  prepare(maxKeys: number): void {
    const ceiling = Math.floor(this.maxMemory / BYTES_PER_ENTRY);
    const wanted = Math.ceil((Math.max(1, maxKeys) + 1) / this.loadFactor);
    this._slots = Math.max(1, Math.min(ceiling, wanted));
    const used = this._slots * BYTES_PER_ENTRY;
    if (this.bytes.length < used) this.bytes = Buffer.alloc(used);
    else this.bytes.fill(0, 0, used);
    this.maxDesiredSize = Math.floor(this._slots * this.loadFactor);
    this.entries = 0;
    this.lastOffset = -1;
  }

  get slots(): number {
    return this._slots;
  }

  get size(): number {
    return this.entries;
  }

  get isFull(): boolean {
    return this.entries >= this.maxDesiredSize;
  }

  get utilization(): number {
    return this._slots === 0 ? 0 : this.entries / this._slots;
  }

  /** The last offset put, or set by updateLatestOffset (−1 when empty). */
  get latestOffset(): number {
    return this.lastOffset;
  }

  updateLatestOffset(offset: number): void {
    this.lastOffset = offset;
  }

  /** Bytes currently allocated (at most maxMemory). */
  get allocatedBytes(): number {
    return this.bytes.length;
  }

  /** map[key] = offset for the key at src[start, start + length). */
  put(src: Buffer, start: number, length: number, offset: number): void {
    if (this.entries >= this._slots) throw new Error('Attempt to add a new entry to a full offset map.');
    this.md5.digestInto(src, start, length, this.hash1, 0);
    let attempt = 0;
    let pos = this.positionOf(attempt);
    while (!this.isEmpty(pos)) {
      if (this.hashAt(pos)) {
        writeInt64(this.bytes, pos + MD5_BYTES, offset);
        this.lastOffset = offset;
        return;
      }
      pos = this.positionOf(++attempt);
    }
    this.hash1.copy(this.bytes, pos);
    writeInt64(this.bytes, pos + MD5_BYTES, offset);
    this.lastOffset = offset;
    this.entries++;
  }

  /** The offset stored for the key at src[start, start + length), or −1. */
  get(src: Buffer, start: number, length: number): number {
    this.md5.digestInto(src, start, length, this.hash1, 0);
    const maxAttempts = this._slots + MD5_BYTES - 4;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const pos = this.positionOf(attempt);
      if (this.isEmpty(pos)) return -1;
      if (this.hashAt(pos)) return this.bytes.readInt32BE(pos + MD5_BYTES) * 2 ** 32 + this.bytes.readUInt32BE(pos + MD5_BYTES + 4);
    }
    return -1;
  }

  private positionOf(attempt: number): number {
    const probe = (this.hash1.readInt32BE(Math.min(attempt, MD5_BYTES - 4)) + Math.max(0, attempt - MD5_BYTES + 4)) | 0;
    const abs = probe === INT_MIN ? 0 : Math.abs(probe);
    return (abs % this._slots) * BYTES_PER_ENTRY;
  }

  private isEmpty(pos: number): boolean {
    const b = this.bytes;
    for (let i = pos; i < pos + BYTES_PER_ENTRY; i += 4) if (b.readInt32LE(i) !== 0) return false;
    return true;
  }

  private hashAt(pos: number): boolean {
    return this.bytes.compare(this.hash1, 0, MD5_BYTES, pos, pos + MD5_BYTES) === 0;
  }
}
