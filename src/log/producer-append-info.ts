/**
 * The checks and the staged state change for one producer id in one append (Kafka 2.7
 * ProducerAppendInfo; transactions-and-compaction.md §1.4–1.5, §2.9). Validation runs against the
 * producer's entry before the append; nothing changes until the log has written the bytes and the
 * manager applies the staged fields to the entry (so a refused batch leaves no trace).
 *
 * Per origin:
 * - client (Produce): lower epoch → INVALID_PRODUCER_EPOCH; higher epoch → first sequence must be 0
 *   unless the producer has no epoch yet; same epoch → first sequence = last + 1 (wrapping), else
 *   OUT_OF_ORDER_SEQUENCE_NUMBER; no known epoch (new, expired, lost) → any sequence (KIP-360). The
 *   duplicate check is the manager's, before this.
 * - coordinator (transaction markers): lower epoch → INVALID_PRODUCER_EPOCH; a coordinator epoch older
 *   than the last marker's → TRANSACTION_COORDINATOR_FENCED; no sequence check.
 * - replication (followers, recovery, rebuilds): nothing is refused; the same updates are made.
 * Every origin: a non-transactional batch while a transaction is open → INVALID_TXN_STATE; a
 * transactional batch with none open starts one at its base offset; a marker ends the open
 * transaction (a marker with none open is an empty transaction at the marker's offset, as 2.7).
 */
import { KafkaError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { ErrorCode } from '../protocol/error-codes.js';
import {
  ATTR_CONTROL,
  ATTR_TRANSACTIONAL,
  ATTRIBUTES,
  BASE_SEQUENCE,
  LAST_OFFSET_DELTA,
  MAX_TIMESTAMP,
  PRODUCER_EPOCH,
} from '../protocol/records/batch-layout.js';
import { ControlRecordType, decodeEndTransactionMarker } from '../protocol/records/control-record.js';
import { readRecords } from '../protocol/records/record.js';
import { RecordBatch } from '../protocol/records/record-batch.js';
import { readSafeInt64 } from './batch-cursor.js';
import {
  NO_OPEN_TXN,
  NO_PRODUCER_EPOCH,
  NO_SEQUENCE,
  NO_TIMESTAMP,
  incrementSequence,
  type ProducerStateEntry,
  type StagedProducerUpdate,
} from './producer-state-entry.js';

export type AppendOrigin = 'client' | 'coordinator' | 'replication';

/** A transaction ended by a marker: its first data offset, the marker's offset, and the outcome. */
export interface CompletedTxn {
  readonly producerId: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly isAborted: boolean;
}

const INT32_MAX = 0x7fffffff;
/** A control batch holds one tiny record; the bound only guards against a corrupt length. */
const MAX_CONTROL_RECORDS_BYTES = 1 << 16;

/**
 * The producer's entry as it will be after this append, staged in plain fields (no entry, no typed
 * array per append: this runs for every idempotent batch).
 */
export class ProducerAppendInfo implements StagedProducerUpdate {
  producerEpoch: number;
  coordinatorEpoch = -1;
  lastTimestamp = NO_TIMESTAMP;
  currentTxnFirstOffset = NO_OPEN_TXN;
  readonly batches: number[] = [];
  /** First offsets of the transactions this append opened (null: none). */
  startedTransactions: number[] | null = null;
  private readonly currentEpoch: number;
  private readonly currentLastSeq: number;

  constructor(
    private readonly tpKey: string,
    readonly producerId: number,
    current: ProducerStateEntry | undefined,
    readonly origin: AppendOrigin,
    private readonly log?: Logger,
  ) {
    this.currentEpoch = current?.producerEpoch ?? NO_PRODUCER_EPOCH;
    this.currentLastSeq = current?.lastSeq ?? NO_SEQUENCE;
    this.producerEpoch = this.currentEpoch;
    if (current) {
      this.coordinatorEpoch = current.coordinatorEpoch;
      this.lastTimestamp = current.lastTimestamp;
      this.currentTxnFirstOffset = current.currentTxnFirstOffset;
    }
  }

  /** Last sequence of the batches staged under the current epoch, -1 when none. */
  private get stagedLastSeq(): number {
    const n = this.batches.length;
    return n === 0 ? NO_SEQUENCE : this.batches[n - 4]!;
  }

  private maybeUpdateProducerEpoch(epoch: number): void {
    if (epoch === this.producerEpoch) return;
    this.batches.length = 0;
    this.producerEpoch = epoch;
  }

  private startTransaction(firstOffset: number): void {
    this.currentTxnFirstOffset = firstOffset;
    (this.startedTransactions ??= []).push(firstOffset);
  }

  appendDataBatch(
    epoch: number,
    firstSeq: number,
    lastSeq: number,
    maxTimestamp: number,
    firstOffset: number,
    lastOffset: number,
    isTransactional: boolean,
  ): void {
    this.checkProducerEpoch(epoch, firstOffset);
    if (this.origin === 'client') this.checkSequence(epoch, firstSeq, firstOffset);
    this.maybeUpdateProducerEpoch(epoch);
    this.batches.push(lastSeq, lastOffset, lastOffset - firstOffset, maxTimestamp);
    this.lastTimestamp = maxTimestamp;
    if (this.currentTxnFirstOffset !== NO_OPEN_TXN && !isTransactional) {
      throw new KafkaError(
        ErrorCode.InvalidTxnState,
        `Expected transactional write from producer ${this.producerId} at offset ${firstOffset} in partition ${this.tpKey}`,
      );
    }
    if (this.currentTxnFirstOffset === NO_OPEN_TXN && isTransactional) this.startTransaction(firstOffset);
  }

  appendEndTxnMarker(type: ControlRecordType, coordinatorEpoch: number, epoch: number, offset: number, timestamp: number): CompletedTxn {
    this.checkProducerEpoch(epoch, offset);
    if (this.coordinatorEpoch > coordinatorEpoch) {
      const message =
        `Invalid coordinator epoch for producerId ${this.producerId} at offset ${offset} in partition ${this.tpKey}: ` +
        `${coordinatorEpoch} (zombie), ${this.coordinatorEpoch} (current)`;
      if (this.origin !== 'replication') throw new KafkaError(ErrorCode.TransactionCoordinatorFenced, message);
      this.log?.info(message);
    }
    if (this.currentTxnFirstOffset === NO_OPEN_TXN) this.startTransaction(offset);
    const firstOffset = this.currentTxnFirstOffset;
    this.maybeUpdateProducerEpoch(epoch);
    this.currentTxnFirstOffset = NO_OPEN_TXN;
    this.coordinatorEpoch = coordinatorEpoch;
    this.lastTimestamp = timestamp;
    return { producerId: this.producerId, firstOffset, lastOffset: offset, isAborted: type === ControlRecordType.Abort };
  }

  private checkProducerEpoch(epoch: number, offset: number): void {
    if (epoch >= this.producerEpoch) return;
    const message =
      `Epoch of producer ${this.producerId} at offset ${offset} in ${this.tpKey} is ${epoch}, ` +
      `which is smaller than the last seen epoch ${this.producerEpoch}`;
    // 2.7 answers INVALID_PRODUCER_EPOCH here even for transactional producers (not PRODUCER_FENCED).
    if (this.origin !== 'replication') throw new KafkaError(ErrorCode.InvalidProducerEpoch, message);
    this.log?.warn(message);
  }

  private checkSequence(epoch: number, firstSeq: number, offset: number): void {
    if (epoch !== this.producerEpoch) {
      if (firstSeq !== 0 && this.producerEpoch !== NO_PRODUCER_EPOCH) {
        throw new KafkaError(
          ErrorCode.OutOfOrderSequenceNumber,
          `Invalid sequence number for new epoch of producer ${this.producerId} at offset ${offset} in partition ${this.tpKey}: ` +
            `${epoch} (request epoch), ${firstSeq} (seq. number), ${this.producerEpoch} (current producer epoch)`,
        );
      }
      return;
    }
    const lastSeq = this.batches.length > 0 ? this.stagedLastSeq : epoch === this.currentEpoch ? this.currentLastSeq : NO_SEQUENCE;
    // No epoch known (state lost to retention, expiry or a restart without it): any sequence (KIP-360).
    if (this.currentEpoch === NO_PRODUCER_EPOCH || inSequence(lastSeq, firstSeq)) return;
    throw new KafkaError(
      ErrorCode.OutOfOrderSequenceNumber,
      `Out of order sequence number for producer ${this.producerId} at offset ${offset} in partition ${this.tpKey}: ` +
        `${firstSeq} (incoming seq. number), ${lastSeq} (current end sequence number)`,
    );
  }
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

/**
 * Feeds the batch of `size` bytes at `buf[pos..]` (offsets already assigned) into `info`. Returns the
 * transaction a marker completed, else null. A control batch emptied by the cleaner is ignored.
 */
export function appendBatchToProducer(info: ProducerAppendInfo, buf: Buffer, pos: number, size: number): CompletedTxn | null {
  const attributes = buf.readInt16BE(pos + ATTRIBUTES);
  const epoch = buf.readInt16BE(pos + PRODUCER_EPOCH);
  const baseOffset = readSafeInt64(buf, pos);
  const lastOffsetDelta = buf.readInt32BE(pos + LAST_OFFSET_DELTA);
  if ((attributes & ATTR_CONTROL) !== 0) {
    const batch = new RecordBatch(buf.subarray(pos, pos + size));
    const record = readRecords(batch, { maxUncompressedBytes: MAX_CONTROL_RECORDS_BYTES })[0];
    if (!record) return null;
    const marker = decodeEndTransactionMarker(record.key, record.value);
    return info.appendEndTxnMarker(marker.type, marker.coordinatorEpoch, epoch, baseOffset, record.timestamp);
  }
  const baseSequence = buf.readInt32BE(pos + BASE_SEQUENCE);
  const lastSequence = baseSequence === NO_SEQUENCE ? NO_SEQUENCE : incrementSequence(baseSequence, lastOffsetDelta);
  info.appendDataBatch(
    epoch,
    baseSequence,
    lastSequence,
    readSafeInt64(buf, pos + MAX_TIMESTAMP),
    baseOffset,
    baseOffset + lastOffsetDelta,
    (attributes & ATTR_TRANSACTIONAL) !== 0,
  );
  return null;
}
