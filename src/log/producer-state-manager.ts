/**
 * A partition's producer state (Kafka 2.7 ProducerStateManager; transactions-and-compaction.md
 * §1.3–1.8, §2.13): the entry of every producer id seen, the open transactions and the completed
 * ones whose marker is not yet below the high watermark, the offset the state is valid up to
 * (mapEndOffset), and the `<offset>.snapshot` files of the partition directory.
 *
 * - Every replica keeps it (leaders validate client appends against it, followers and recovery
 *   apply the same changes unvalidated), so a new leader dedupes retries at once.
 * - firstUnstableOffset = the smaller first offset of the earliest open transaction and of the
 *   earliest completed-but-unreplicated one; -1 when there is none. The LSO is derived from it by
 *   the log and the partition. It is cached: recomputed only when a transaction starts, completes
 *   or leaves the unreplicated set, so partitions without transactions pay nothing.
 * - Snapshots hold only the newest batch of each producer; a snapshot is taken only when the state
 *   moved past the last one. Reading a bad snapshot (version, length, CRC) deletes it and falls back
 *   to the next older one.
 * - Expiry: an entry without an open transaction whose last timestamp (the batch's MaxTimestamp,
 *   client-supplied — a 2.7 quirk) is older than transactional.id.expiration.ms is dropped.
 * - Log start moving forward deletes older snapshots but keeps the in-memory entries (KIP-360's
 *   longer retention of producer state).
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../common/logger.js';
import { BASE_SEQUENCE, BATCH_LENGTH, LAST_OFFSET_DELTA, LOG_OVERHEAD, PRODUCER_EPOCH, PRODUCER_ID } from '../protocol/records/batch-layout.js';
import { readSafeInt64 } from './batch-cursor.js';
import { ProducerAppendInfo, appendBatchToProducer, type AppendOrigin, type CompletedTxn } from './producer-append-info.js';
import { NO_OPEN_TXN, ProducerStateEntry, incrementSequence, type BatchMetadata } from './producer-state-entry.js';
import type { AbortedTxn } from './transaction-index.js';
import {
  CorruptSnapshotError,
  decodeProducerSnapshot,
  encodeProducerSnapshot,
  snapshotFileName,
  snapshotOffsetFromName,
} from './producer-snapshot.js';

export interface TxnMetadata {
  readonly producerId: number;
  readonly firstOffset: number;
  /** the marker's offset once completed, else -1 */
  lastOffset: number;
}

/**
 * The producer-state side of one append (Kafka's Log.analyzeAndValidateProducerState): the staged
 * update of each producer id, the transactions its markers complete, or the retained batch it
 * duplicates (client appends only; then nothing is written).
 */
export class ProducerAppendAnalysis {
  /** The common case is one producer per append: no Map for it. */
  private first: ProducerAppendInfo | null = null;
  private more: Map<number, ProducerAppendInfo> | null = null;
  completedTxns: CompletedTxn[] | null = null;
  duplicate: BatchMetadata | null = null;

  get(producerId: number): ProducerAppendInfo | undefined {
    if (this.first?.producerId === producerId) return this.first;
    return this.more?.get(producerId);
  }

  add(info: ProducerAppendInfo): void {
    if (!this.first) this.first = info;
    else (this.more ??= new Map()).set(info.producerId, info);
  }

  forEach(fn: (info: ProducerAppendInfo) => void): void {
    if (this.first) fn(this.first);
    this.more?.forEach(fn);
  }
}

export interface ProducerStateManagerOptions {
  readonly dir: string;
  readonly tpKey: string;
  /** transactional.id.expiration.ms */
  readonly maxProducerIdExpirationMs: number;
  readonly log?: Logger;
}

export class ProducerStateManager {
  private readonly producers = new Map<number, ProducerStateEntry>();
  private readonly ongoingTxns = new Map<number, TxnMetadata>();
  private readonly unreplicatedTxns = new Map<number, TxnMetadata>();
  private lastMapOffset = 0;
  private lastSnapOffset = 0;
  /** offsets of the snapshot files on disk, ascending */
  private snapshots: number[];
  private cachedFirstUnstableOffset = -1;

  constructor(private readonly opts: ProducerStateManagerOptions) {
    this.snapshots = listSnapshotOffsets(opts.dir);
  }

  /** The state is valid for every batch below this offset. */
  get mapEndOffset(): number {
    return this.lastMapOffset;
  }

  get isEmpty(): boolean {
    return this.producers.size === 0 && this.unreplicatedTxns.size === 0;
  }

  get activeProducers(): ReadonlyMap<number, ProducerStateEntry> {
    return this.producers;
  }

  get latestSnapshotOffset(): number | undefined {
    return this.snapshots[this.snapshots.length - 1];
  }

  /** First offset of the earliest open or completed-but-unreplicated transaction; -1 when none. */
  get firstUnstableOffset(): number {
    return this.cachedFirstUnstableOffset;
  }

  lastEntry(producerId: number): ProducerStateEntry | undefined {
    return this.producers.get(producerId);
  }

  prepareUpdate(producerId: number, origin: AppendOrigin): ProducerAppendInfo {
    return new ProducerAppendInfo(this.opts.tpKey, producerId, this.producers.get(producerId), origin, this.opts.log);
  }

  /**
   * Stages the batch of `size` bytes at `buf[pos..]` (offsets assigned, producer id ≥ 0) into
   * `analysis`; throws the batch's Kafka error (client and coordinator origins). Returns false when a
   * client batch duplicates one of the producer's retained batches (`analysis.duplicate` is set).
   */
  stageBatch(analysis: ProducerAppendAnalysis, buf: Buffer, pos: number, size: number, origin: AppendOrigin): boolean {
    const producerId = readSafeInt64(buf, pos + PRODUCER_ID);
    if (origin === 'client') {
      const entry = this.producers.get(producerId);
      if (entry) {
        const firstSeq = buf.readInt32BE(pos + BASE_SEQUENCE);
        const lastSeq = incrementSequence(firstSeq, buf.readInt32BE(pos + LAST_OFFSET_DELTA));
        const i = entry.findDuplicate(buf.readInt16BE(pos + PRODUCER_EPOCH), firstSeq, lastSeq);
        if (i >= 0) {
          analysis.duplicate = entry.batch(i);
          return false;
        }
      }
    }
    let info = analysis.get(producerId);
    if (!info) {
      info = this.prepareUpdate(producerId, origin);
      analysis.add(info);
    }
    const completed = appendBatchToProducer(info, buf, pos, size);
    if (completed) (analysis.completedTxns ??= []).push(completed);
    return true;
  }

  /** Stages every batch of `records` with a producer id (throws the first one's Kafka error); stops at a duplicate. */
  analyzeAppend(records: Buffer, origin: AppendOrigin): ProducerAppendAnalysis {
    const analysis = new ProducerAppendAnalysis();
    for (let pos = 0; pos < records.length; ) {
      const size = records.readInt32BE(pos + BATCH_LENGTH) + LOG_OVERHEAD;
      // producer id ≥ 0 ⇔ its high word ≥ 0
      if (records.readInt32BE(pos + PRODUCER_ID) >= 0 && !this.stageBatch(analysis, records, pos, size, origin)) break;
      pos += size;
    }
    return analysis;
  }

  /** Applies a staged append once its bytes are in the log; `indexAbort` records aborted transactions (`.txnindex`). */
  applyAppend(analysis: ProducerAppendAnalysis, indexAbort?: (txn: AbortedTxn) => void): void {
    analysis.forEach((info) => this.update(info));
    if (!analysis.completedTxns) return;
    for (const txn of analysis.completedTxns) {
      if (txn.isAborted && indexAbort) {
        indexAbort({ producerId: txn.producerId, firstOffset: txn.firstOffset, lastOffset: txn.lastOffset, lastStableOffset: this.lastStableOffset(txn) });
      }
      this.completeTxn(txn);
    }
  }

  /** Applies a validated append's staged changes. */
  update(info: ProducerAppendInfo): void {
    let entry = this.producers.get(info.producerId);
    if (!entry) this.producers.set(info.producerId, (entry = new ProducerStateEntry(info.producerId)));
    entry.update(info);
    if (!info.startedTransactions) return;
    for (const firstOffset of info.startedTransactions) {
      this.ongoingTxns.set(firstOffset, { producerId: info.producerId, firstOffset, lastOffset: -1 });
    }
    this.recomputeFirstUnstableOffset();
  }

  /**
   * The LSO recorded in the `.txnindex` entry of `txn` (computed before completing it): the first
   * offset of the earliest open transaction of another producer, else the marker's offset + 1.
   */
  lastStableOffset(txn: CompletedTxn): number {
    let min = -1;
    for (const t of this.ongoingTxns.values()) {
      if (t.producerId !== txn.producerId && (min < 0 || t.firstOffset < min)) min = t.firstOffset;
    }
    return min >= 0 ? min : txn.lastOffset + 1;
  }

  /** The transaction is decided; it stays unstable until the high watermark passes its marker. */
  completeTxn(txn: CompletedTxn): void {
    const meta = this.ongoingTxns.get(txn.firstOffset);
    if (!meta) throw new Error(`completing a transaction of producer ${txn.producerId} at ${txn.firstOffset} in ${this.opts.tpKey} that never started`);
    this.ongoingTxns.delete(txn.firstOffset);
    meta.lastOffset = txn.lastOffset;
    this.unreplicatedTxns.set(txn.firstOffset, meta);
    this.recomputeFirstUnstableOffset();
  }

  onHighWatermarkUpdated(highWatermark: number): void {
    if (this.unreplicatedTxns.size > 0) this.removeUnreplicatedTransactions(highWatermark);
  }

  updateMapEndOffset(offset: number): void {
    this.lastMapOffset = offset;
  }

  /** Writes `<mapEndOffset>.snapshot` unless the state has not moved since the last one. */
  takeSnapshot(): void {
    if (this.lastMapOffset <= this.lastSnapOffset) return;
    const offset = this.lastMapOffset;
    writeFileSync(join(this.opts.dir, snapshotFileName(offset)), encodeProducerSnapshot(this.producers.values()));
    this.snapshots = this.snapshots.filter((o) => o !== offset);
    this.snapshots.push(offset);
    this.snapshots.sort((a, b) => a - b);
    this.lastSnapOffset = offset;
    this.opts.log?.debug({ offset, producers: this.producers.size }, 'wrote a producer snapshot');
  }

  /**
   * Truncation or load: drop snapshots beyond the log (> logEnd) or at/below its start, and unless
   * the state already ends at logEnd, restart from the newest remaining snapshot (the caller replays
   * the log from mapEndOffset). Completed transactions are forgotten: the log end is at or below the HW.
   */
  truncateAndReload(logStartOffset: number, logEndOffset: number, nowMs: number): void {
    for (const offset of [...this.snapshots]) {
      if (offset > logEndOffset || offset <= logStartOffset) this.removeAndDeleteSnapshot(offset);
    }
    if (logEndOffset !== this.lastMapOffset) {
      this.producers.clear();
      this.ongoingTxns.clear();
      this.unreplicatedTxns.clear();
      this.loadFromSnapshot(logStartOffset, nowMs);
      this.recomputeFirstUnstableOffset();
    } else {
      this.truncateHead(logStartOffset);
    }
  }

  /** The log start moved forward: drop what lies below it (snapshots, unreplicated transactions), keep the entries. */
  truncateHead(logStartOffset: number): void {
    this.removeUnreplicatedTransactions(logStartOffset);
    if (this.lastMapOffset < logStartOffset) this.lastMapOffset = logStartOffset;
    this.deleteSnapshotsBefore(logStartOffset);
    this.lastSnapOffset = this.latestSnapshotOffset ?? logStartOffset;
  }

  truncateFullyAndStartAt(offset: number): void {
    this.producers.clear();
    this.ongoingTxns.clear();
    this.unreplicatedTxns.clear();
    for (const o of [...this.snapshots]) this.removeAndDeleteSnapshot(o);
    this.lastSnapOffset = 0;
    this.lastMapOffset = offset;
    this.recomputeFirstUnstableOffset();
  }

  deleteSnapshotsBefore(offset: number): void {
    for (const o of [...this.snapshots]) if (o < offset) this.removeAndDeleteSnapshot(o);
  }

  /** Drops producers idle past transactional.id.expiration.ms (never one with an open transaction). */
  removeExpiredProducers(nowMs: number): number {
    let removed = 0;
    for (const [pid, entry] of this.producers) {
      if (this.isExpired(nowMs, entry)) {
        this.producers.delete(pid);
        removed++;
      }
    }
    return removed;
  }

  private isExpired(nowMs: number, entry: ProducerStateEntry): boolean {
    return entry.currentTxnFirstOffset === NO_OPEN_TXN && nowMs - entry.lastTimestamp >= this.opts.maxProducerIdExpirationMs;
  }

  private loadFromSnapshot(logStartOffset: number, nowMs: number): void {
    for (;;) {
      const offset = this.latestSnapshotOffset;
      if (offset === undefined) {
        this.lastSnapOffset = logStartOffset;
        this.lastMapOffset = logStartOffset;
        return;
      }
      const file = join(this.opts.dir, snapshotFileName(offset));
      try {
        const entries = decodeProducerSnapshot(readFileSync(file)).filter((e) => !this.isExpired(nowMs, e));
        for (const e of entries) {
          this.producers.set(e.producerId, e);
          if (e.currentTxnFirstOffset !== NO_OPEN_TXN) {
            this.ongoingTxns.set(e.currentTxnFirstOffset, { producerId: e.producerId, firstOffset: e.currentTxnFirstOffset, lastOffset: -1 });
          }
        }
        this.lastSnapOffset = offset;
        this.lastMapOffset = offset;
        this.opts.log?.info({ file, producers: entries.length }, 'loaded producer state from a snapshot');
        return;
      } catch (err) {
        if (!(err instanceof CorruptSnapshotError) && (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        this.opts.log?.warn({ file, err: (err as Error).message }, 'failed to load a producer snapshot; deleting it');
        this.removeAndDeleteSnapshot(offset);
      }
    }
  }

  private removeUnreplicatedTransactions(offset: number): void {
    let removed = false;
    for (const [key, txn] of this.unreplicatedTxns) {
      if (txn.lastOffset < offset) {
        this.unreplicatedTxns.delete(key);
        removed = true;
      }
    }
    if (removed) this.recomputeFirstUnstableOffset();
  }

  private recomputeFirstUnstableOffset(): void {
    let min = -1;
    for (const t of this.ongoingTxns.values()) if (min < 0 || t.firstOffset < min) min = t.firstOffset;
    for (const t of this.unreplicatedTxns.values()) if (min < 0 || t.firstOffset < min) min = t.firstOffset;
    this.cachedFirstUnstableOffset = min;
  }

  private removeAndDeleteSnapshot(offset: number): void {
    this.snapshots = this.snapshots.filter((o) => o !== offset);
    rmSync(join(this.opts.dir, snapshotFileName(offset)), { force: true });
  }
}

function listSnapshotOffsets(dir: string): number[] {
  const offsets: number[] = [];
  for (const name of readdirSync(dir)) {
    const offset = snapshotOffsetFromName(name);
    if (offset !== null) offsets.push(offset);
  }
  return offsets.sort((a, b) => a - b);
}
