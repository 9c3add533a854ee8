/**
 * What a partition remembers about one producer id (Kafka's ProducerStateEntry;
 * transactions-and-compaction.md §1.3): its epoch, the last ≤ 5 data batches it appended, the
 * coordinator epoch of its last transaction marker, the timestamp of its last write and the first
 * offset of its open transaction.
 *
 * The batch list is a fixed ring of NUM_BATCHES_TO_RETAIN slots in one Float64Array (lastSeq,
 * lastOffset, offsetDelta, timestamp per slot): recording a batch allocates nothing, oldest dropped
 * first. firstSeq and firstOffset are derived (sequence arithmetic wraps at 2^31 - 1, as
 * DefaultRecordBatch.incrementSequence/decrementSequence do).
 */

export const NUM_BATCHES_TO_RETAIN = 5;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_TIMESTAMP = -1;
/** currentTxnFirstOffset when no transaction is open */
export const NO_OPEN_TXN = -1;

const INT32_MAX = 0x7fffffff;
const SLOT = 4;
const LAST_SEQ = 0;
const LAST_OFFSET = 1;
const OFFSET_DELTA = 2;
const TIMESTAMP = 3;

/** `seq + increment` wrapping past Int.MaxValue to 0. */
export function incrementSequence(seq: number, increment: number): number {
  return seq > INT32_MAX - increment ? increment - (INT32_MAX - seq) - 1 : seq + increment;
}

/** `seq - decrement` wrapping below 0 to Int.MaxValue. */
export function decrementSequence(seq: number, decrement: number): number {
  return seq < decrement ? INT32_MAX - (decrement - seq) + 1 : seq - decrement;
}

/** What one append changes for a producer (ProducerAppendInfo stages it without allocating an entry). */
export interface StagedProducerUpdate {
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  readonly lastTimestamp: number;
  readonly currentTxnFirstOffset: number;
  /** the batches added under `producerEpoch`, flat: (lastSeq, lastOffset, offsetDelta, timestamp) each */
  readonly batches: readonly number[];
}

/** One retained batch, as read out of an entry (snapshots, tests, duplicate answers). */
export interface BatchMetadata {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly offsetDelta: number;
  readonly timestamp: number;
}

export class ProducerStateEntry {
  producerEpoch = NO_PRODUCER_EPOCH;
  coordinatorEpoch = -1;
  lastTimestamp = NO_TIMESTAMP;
  currentTxnFirstOffset = NO_OPEN_TXN;
  private readonly slots = new Float64Array(SLOT * NUM_BATCHES_TO_RETAIN);
  /** index of the oldest retained batch */
  private head = 0;
  private count = 0;

  constructor(readonly producerId: number) {}

  get isEmpty(): boolean {
    return this.count === 0;
  }

  get batchCount(): number {
    return this.count;
  }

  get lastSeq(): number {
    return this.count === 0 ? NO_SEQUENCE : this.field(this.count - 1, LAST_SEQ);
  }

  get lastDataOffset(): number {
    return this.count === 0 ? -1 : this.field(this.count - 1, LAST_OFFSET);
  }

  get lastOffsetDelta(): number {
    return this.count === 0 ? 0 : this.field(this.count - 1, OFFSET_DELTA);
  }

  /** The i-th retained batch, oldest first. */
  batch(i: number): BatchMetadata {
    const lastSeq = this.field(i, LAST_SEQ);
    const lastOffset = this.field(i, LAST_OFFSET);
    const offsetDelta = this.field(i, OFFSET_DELTA);
    return {
      firstSeq: decrementSequence(lastSeq, offsetDelta),
      lastSeq,
      firstOffset: lastOffset - offsetDelta,
      lastOffset,
      offsetDelta,
      timestamp: this.field(i, TIMESTAMP),
    };
  }

  addBatch(producerEpoch: number, lastSeq: number, lastOffset: number, offsetDelta: number, timestamp: number): void {
    this.maybeUpdateProducerEpoch(producerEpoch);
    this.pushBatch(lastSeq, lastOffset, offsetDelta, timestamp);
    this.lastTimestamp = timestamp;
  }

  /** A new epoch forgets the batches of the old one. */
  maybeUpdateProducerEpoch(producerEpoch: number): boolean {
    if (this.producerEpoch === producerEpoch) return false;
    this.count = 0;
    this.head = 0;
    this.producerEpoch = producerEpoch;
    return true;
  }

  /** Index of the retained batch with exactly this epoch and sequence range, else -1. */
  findDuplicate(producerEpoch: number, firstSeq: number, lastSeq: number): number {
    if (producerEpoch !== this.producerEpoch) return -1;
    for (let i = 0; i < this.count; i++) {
      const last = this.field(i, LAST_SEQ);
      if (last === lastSeq && decrementSequence(last, this.field(i, OFFSET_DELTA)) === firstSeq) return i;
    }
    return -1;
  }

  /** Applies a staged update (an append's ProducerAppendInfo) on top of this one. */
  update(next: StagedProducerUpdate): void {
    this.maybeUpdateProducerEpoch(next.producerEpoch);
    const b = next.batches;
    for (let i = 0; i + SLOT <= b.length; i += SLOT) this.pushBatch(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!);
    this.coordinatorEpoch = next.coordinatorEpoch;
    this.currentTxnFirstOffset = next.currentTxnFirstOffset;
    this.lastTimestamp = next.lastTimestamp;
  }

  private pushBatch(lastSeq: number, lastOffset: number, offsetDelta: number, timestamp: number): void {
    let slot: number;
    if (this.count === NUM_BATCHES_TO_RETAIN) {
      slot = this.head;
      this.head = (this.head + 1) % NUM_BATCHES_TO_RETAIN;
    } else {
      slot = (this.head + this.count) % NUM_BATCHES_TO_RETAIN;
      this.count++;
    }
    const base = slot * SLOT;
    this.slots[base + LAST_SEQ] = lastSeq;
    this.slots[base + LAST_OFFSET] = lastOffset;
    this.slots[base + OFFSET_DELTA] = offsetDelta;
    this.slots[base + TIMESTAMP] = timestamp;
  }

  private field(i: number, field: number): number {
    return this.slots[((this.head + i) % NUM_BATCHES_TO_RETAIN) * SLOT + field]!;
  }
}
