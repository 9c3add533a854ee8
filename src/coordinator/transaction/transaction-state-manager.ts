/**
 * The transaction coordinator's cache and its log (Kafka 2.7 TransactionStateManager): the
 * metadata of every transactional id whose `__transaction_state` partition this broker leads,
 * loaded by replaying that partition, and the one way to change it — append the new state to the
 * partition (acks = −1, replicated), then apply it.
 *
 * Rules (reference/transactions-and-compaction.md §2.2–§2.4, §2.11):
 * - placement: partition `abs(javaStringHashCode(id)) % N`, N = the partition count of
 *   `__transaction_state` read from ZooKeeper at startup (the configured count while the topic does
 *   not exist); a load finding another count fails (the count must never change);
 * - lookups: partition loading → COORDINATOR_LOAD_IN_PROGRESS; not led here → NOT_COORDINATOR;
 *   the coordinator epoch is the partition's leader epoch;
 * - load: every batch from log start to log end, the last record of an id wins, a tombstone
 *   removes it; then Prepare* transactions are handed to the marker sender to be completed;
 * - append: the record is written with the producer's transaction timeout as the replication
 *   timeout; its error is translated as Kafka does (UNKNOWN_TOPIC_OR_PARTITION,
 *   NOT_ENOUGH_REPLICAS(_AFTER_APPEND), REQUEST_TIMED_OUT → COORDINATOR_NOT_AVAILABLE;
 *   NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR → NOT_COORDINATOR; MESSAGE_TOO_LARGE,
 *   RECORD_LIST_TOO_LARGE → UNKNOWN_SERVER_ERROR); after it the cache entry must still be the one
 *   of the same coordinator epoch (else NOT_COORDINATOR, nothing applied); a failed append clears
 *   the pending transition unless the caller retries it (`retryOnError`);
 * - expiry: ids in Empty/Complete* idle longer than transactional.id.expiration.ms get a
 *   tombstone (batched up to the partition's max.message.bytes) and leave the cache after it.
 */
import type { Clock } from '../../common/clock.js';
import { TRANSACTION_STATE_TOPIC } from '../../cluster/auto-topic-creation.js';
import type { Logger } from '../../common/logger.js';
import type { TopicPartition } from '../../common/topic-partition.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { splitBatches, readRecords } from '../../protocol/records/index.js';
import { partitionFor } from '../coordinator-placement.js';
import type { TransactionConfig } from './transaction-config.js';
import { buildTxnLogBatch, decodeTxnKey, decodeTxnValue, encodeTxnKey, encodeTxnValue } from './transaction-log.js';
import { TransactionMetadata, TxnStateError, type TxnTransitMetadata } from './transaction-metadata.js';
import { isExpirationAllowed, TxnState } from './transaction-state.js';

/** What the state manager needs of the local `__transaction_state` replicas (the ReplicaManager). */
export interface TransactionLogAccess {
  /** One batch appended to partition `partition` as an internal append, acks = −1: the partition's error code. */
  append(partition: number, records: Buffer, timeoutMs: number): Promise<ErrorCode>;
  /** The partition's log start and end offsets; null when this broker has no log for it (or no longer leads it). */
  bounds(partition: number): { logStartOffset: number; logEndOffset: number } | null;
  /** Whole batches from `offset` (at least one when there is one). */
  read(partition: number, offset: number, maxBytes: number): Buffer;
  /** max.message.bytes of the partition; null when not hosted here */
  maxMessageBytes(partition: number): number | null;
  /** the partition count of `__transaction_state` in ZooKeeper; null when the topic does not exist */
  partitionCount(): Promise<number | null>;
}

export interface EpochAndMetadata {
  readonly coordinatorEpoch: number;
  readonly metadata: TransactionMetadata;
}

/** A lookup: the metadata (undefined when the id is unknown) or the coordinator error. */
export type TxnLookup = EpochAndMetadata | undefined | ErrorCode;

export function isLookupError(l: TxnLookup): l is ErrorCode {
  return typeof l === 'number';
}

/** A transaction loaded in Prepare*: its markers must be (re)sent and the transaction completed. */
export interface PendingCompletion {
  readonly coordinatorEpoch: number;
  readonly commit: boolean;
  readonly metadata: TransactionMetadata;
  readonly target: TxnTransitMetadata;
}

export interface TransactionStateManagerOptions {
  readonly config: TransactionConfig;
  readonly log: TransactionLogAccess;
  readonly clock: Clock;
  readonly logger: Logger;
}

interface CacheEntry {
  readonly coordinatorEpoch: number;
  readonly txns: Map<string, TransactionMetadata>;
}

export function translateAppendError(code: ErrorCode): ErrorCode {
  switch (code) {
    case ErrorCode.UnknownTopicOrPartition:
    case ErrorCode.NotEnoughReplicas:
    case ErrorCode.NotEnoughReplicasAfterAppend:
    case ErrorCode.RequestTimedOut:
      return ErrorCode.CoordinatorNotAvailable;
    case ErrorCode.NotLeaderOrFollower:
    case ErrorCode.KafkaStorageError:
      return ErrorCode.NotCoordinator;
    case ErrorCode.MessageTooLarge:
    case ErrorCode.RecordListTooLarge:
      return ErrorCode.UnknownServerError;
    default:
      return code;
  }
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class TransactionStateManager {
  private readonly config: TransactionConfig;
  private readonly access: TransactionLogAccess;
  private readonly clock: Clock;
  private readonly log: Logger;
  /** partition → coordinator epoch of the load in progress */
  private readonly loading = new Map<number, number>();
  private readonly cache = new Map<number, CacheEntry>();
  private numPartitions: number;
  private shuttingDown = false;

  constructor(opts: TransactionStateManagerOptions) {
    this.config = opts.config;
    this.access = opts.log;
    this.clock = opts.clock;
    this.log = opts.logger;
    this.numPartitions = opts.config.transactionLogNumPartitions;
  }

  /** Reads the partition count of `__transaction_state` (Kafka does it when the coordinator is built). */
  async startup(): Promise<void> {
    this.numPartitions = (await this.access.partitionCount()) ?? this.config.transactionLogNumPartitions;
  }

  shutdown(): void {
    this.shuttingDown = true;
    this.loading.clear();
    this.cache.clear();
  }

  get partitionCount(): number {
    return this.numPartitions;
  }

  partitionFor(transactionalId: string): number {
    return partitionFor(transactionalId, this.numPartitions);
  }

  validateTransactionTimeoutMs(timeoutMs: number): boolean {
    return timeoutMs > 0 && timeoutMs <= this.config.transactionMaxTimeoutMs;
  }

  getTransactionState(transactionalId: string): TxnLookup {
    return this.getOrAdd(transactionalId, null);
  }

  /** The existing metadata of the id, or `created` installed. */
  putTransactionStateIfNotExists(created: TransactionMetadata): EpochAndMetadata | ErrorCode {
    const r = this.getOrAdd(created.transactionalId, created);
    if (r === undefined) throw new TxnStateError(`${created.describe()} was not installed`);
    return r;
  }

  private getOrAdd(transactionalId: string, created: TransactionMetadata | null): TxnLookup {
    const partition = this.partitionFor(transactionalId);
    if (this.loading.has(partition)) return ErrorCode.CoordinatorLoadInProgress;
    const entry = this.cache.get(partition);
    if (!entry) return ErrorCode.NotCoordinator;
    let metadata = entry.txns.get(transactionalId);
    if (!metadata && created) entry.txns.set(transactionalId, (metadata = created));
    return metadata ? { coordinatorEpoch: entry.coordinatorEpoch, metadata } : undefined;
  }

  /** Ongoing transactions older than their timeout with no transition pending (checked without locking, as Kafka). */
  timedOutTransactions(): Array<{ transactionalId: string; producerId: number; producerEpoch: number }> {
    const now = this.clock.now();
    const out = [];
    for (const entry of this.cache.values()) {
      for (const m of entry.txns.values()) {
        if (m.pendingTransitionInProgress || m.state !== TxnState.Ongoing) continue;
        if (m.txnStartTimestamp + m.txnTimeoutMs < now) out.push({ transactionalId: m.transactionalId, producerId: m.producerId, producerEpoch: m.producerEpoch });
      }
    }
    return out;
  }

  // ------------------------------------------------------------------------------- load / unload

  /** Partitions being loaded or loaded, with their coordinator epoch (for tests and the zk-tree). */
  ownedPartitions(): Array<{ partition: number; coordinatorEpoch: number; loading: boolean }> {
    const out = [...this.loading].map(([partition, coordinatorEpoch]) => ({ partition, coordinatorEpoch, loading: true }));
    for (const [partition, e] of this.cache) if (!this.loading.has(partition)) out.push({ partition, coordinatorEpoch: e.coordinatorEpoch, loading: false });
    return out.sort((a, b) => a.partition - b.partition);
  }

  /**
   * This broker became leader of `partition` at `coordinatorEpoch`: replay it, install the cache,
   * then hand every Prepare* transaction to `sendMarkers`. A newer election or a resignation during
   * the load makes it stop without installing anything.
   */
  async loadTransactionsForTxnTopicPartition(partition: number, coordinatorEpoch: number, sendMarkers: (c: PendingCompletion) => void): Promise<void> {
    const started = this.clock.now();
    this.loading.set(partition, coordinatorEpoch);
    const stillLoading = () => !this.shuttingDown && this.loading.get(partition) === coordinatorEpoch;
    const count = await this.access.partitionCount().then(
      (n) => n ?? this.config.transactionLogNumPartitions,
      (err: unknown) => {
        // ZooKeeper unreachable: the local log is what is loaded, with the count read at startup
        this.log.warn({ err, partition }, 'could not re-read the partition count of __transaction_state');
        return this.numPartitions;
      },
    );
    if (count !== this.numPartitions) {
      // Kafka's validateTransactionTopicPartitionCountIsStable fails the election: the partition is
      // not owned here, and clients are told NOT_COORDINATOR.
      this.log.error({ partition, was: this.numPartitions, now: count }, '__transaction_state changed its partition count; not loading');
      if (stillLoading()) this.loading.delete(partition);
      return;
    }
    const loaded = new Map<string, TransactionMetadata>();
    try {
      await this.readPartition(partition, loaded, stillLoading);
    } catch (err) {
      // As Kafka 2.7's loadTransactionMetadata: the error is logged and what was read before it is
      // installed, so the partition is served rather than answering LOAD_IN_PROGRESS forever.
      this.log.error({ err, partition, transactionalIds: loaded.size }, 'loading __transaction_state failed; serving what was read before the error');
    }
    if (!stillLoading()) return;
    const previous = this.cache.get(partition);
    if (previous) this.log.warn({ partition, previousEpoch: previous.coordinatorEpoch, coordinatorEpoch }, 'replacing the cache of a partition loaded before');
    this.cache.set(partition, { coordinatorEpoch, txns: loaded });
    const now = this.clock.now();
    const completions: PendingCompletion[] = [];
    for (const metadata of loaded.values()) {
      if (metadata.state === TxnState.PrepareCommit || metadata.state === TxnState.PrepareAbort) {
        completions.push({ coordinatorEpoch, commit: metadata.state === TxnState.PrepareCommit, metadata, target: metadata.prepareComplete(now) });
      }
    }
    // no longer loading before the markers go out, so completing them is not refused as "loading"
    this.loading.delete(partition);
    this.log.info({ partition, coordinatorEpoch, transactionalIds: loaded.size, toComplete: completions.length, ms: this.clock.now() - started }, 'loaded __transaction_state partition');
    for (const c of completions) sendMarkers(c);
  }

  private async readPartition(partition: number, loaded: Map<string, TransactionMetadata>, stillLoading: () => boolean): Promise<void> {
    const start = this.access.bounds(partition);
    if (!start) {
      this.log.warn({ partition }, 'no local log for the __transaction_state partition to load');
      return;
    }
    const bufferSize = this.config.transactionLogLoadBufferSize;
    let offset = start.logStartOffset;
    // as Kafka: up to the log end (re-read each step), stopping when the leadership moved on
    for (let bounds: { logEndOffset: number } | null = start; bounds && offset < bounds.logEndOffset && stillLoading(); bounds = this.access.bounds(partition)) {
      const records = this.access.read(partition, offset, bufferSize);
      if (records.length === 0) break;
      for (const batch of splitBatches(records)) {
        for (const record of readRecords(batch, { maxUncompressedBytes: Math.max(bufferSize, records.length) * 4 })) {
          if (record.key === null) throw new TxnStateError(`__transaction_state-${partition} offset ${record.offset}: a record without a key`);
          const transactionalId = decodeTxnKey(record.key);
          const value = decodeTxnValue(record.value);
          if (value === null) loaded.delete(transactionalId);
          else loaded.set(transactionalId, new TransactionMetadata({ transactionalId, ...value }));
        }
        offset = batch.lastOffset + 1;
      }
      await yieldToEventLoop();
    }
  }

  /**
   * Follower, StopReplica or deletion: forget the partition, and stop a load in progress whatever its
   * epoch (Kafka 2.7 only cancels a load of the follower's epoch, which lets a stale load install its
   * cache afterwards).
   */
  removeTransactionsForTxnTopicPartition(partition: number): void {
    this.loading.delete(partition);
    if (this.cache.delete(partition)) this.log.info({ partition }, 'unloaded __transaction_state partition');
  }

  // ------------------------------------------------------------------------------- append

  /**
   * Writes `target` for the id and applies it once replicated; resolves to the code the caller
   * answers. `retryOnError(code)` true keeps the pending transition for a retry by the caller.
   */
  async appendTransactionToLog(
    transactionalId: string,
    coordinatorEpoch: number,
    target: TxnTransitMetadata,
    retryOnError: (code: ErrorCode) => boolean = () => false,
  ): Promise<ErrorCode> {
    const before = this.getTransactionState(transactionalId);
    if (isLookupError(before)) return before;
    if (before === undefined || before.coordinatorEpoch !== coordinatorEpoch) return ErrorCode.NotCoordinator;
    const records = buildTxnLogBatch([{ transactionalId, value: encodeTxnValue({ ...target, state: target.txnState }) }], this.clock.now());
    let code: ErrorCode;
    try {
      code = translateAppendError(await this.access.append(this.partitionFor(transactionalId), records, target.txnTimeoutMs));
    } catch (err) {
      this.log.error({ err, transactionalId }, 'appending to __transaction_state failed');
      code = ErrorCode.UnknownServerError;
    }
    const after = this.getTransactionState(transactionalId);
    if (code === ErrorCode.None) {
      if (isLookupError(after)) return after;
      if (after === undefined || after.coordinatorEpoch !== coordinatorEpoch) return ErrorCode.NotCoordinator;
      try {
        after.metadata.completeTransitionTo(target);
        return ErrorCode.None;
      } catch (err) {
        this.log.error({ err, transactionalId }, 'applying a written transaction state failed');
        after.metadata.pendingState = null;
        return ErrorCode.UnknownServerError;
      }
    }
    if (!isLookupError(after) && after !== undefined && after.coordinatorEpoch === coordinatorEpoch && !retryOnError(code)) {
      after.metadata.pendingState = null;
    }
    this.log.info({ transactionalId, state: target.txnState, code }, 'appending a transaction state failed');
    return code;
  }

  // ------------------------------------------------------------------------------- expiry

  /** One expiry pass over every loaded partition; resolves to the ids removed. */
  async removeExpiredTransactionalIds(): Promise<string[]> {
    const removed: string[] = [];
    for (const [partition, entry] of [...this.cache]) {
      if (this.loading.has(partition)) continue;
      const maxBatch = this.access.maxMessageBytes(partition);
      if (maxBatch === null) {
        this.log.warn({ partition }, 'transactional id expiry skipped: the partition is not hosted here');
        continue;
      }
      const cutoff = this.clock.now() - this.config.transactionalIdExpirationMs;
      const expiring: Array<{ metadata: TransactionMetadata; target: TxnTransitMetadata }> = [];
      for (const metadata of entry.txns.values()) {
        if (metadata.pendingState !== null || !isExpirationAllowed(metadata.state) || metadata.txnLastUpdateTimestamp > cutoff) continue;
        expiring.push({ metadata, target: metadata.prepareDead() });
      }
      for (const chunk of tombstoneChunks(expiring, maxBatch)) removed.push(...(await this.writeTombstones(partition, entry, chunk)));
    }
    return removed;
  }

  private async writeTombstones(
    partition: number,
    entry: CacheEntry,
    chunk: ReadonlyArray<{ metadata: TransactionMetadata; target: TxnTransitMetadata }>,
  ): Promise<string[]> {
    const records = buildTxnLogBatch(
      chunk.map((c) => ({ transactionalId: c.metadata.transactionalId, value: null })),
      this.clock.now(),
    );
    let code: ErrorCode;
    try {
      code = await this.access.append(partition, records, this.config.requestTimeoutMs);
    } catch (err) {
      this.log.error({ err, partition }, 'writing tombstones to __transaction_state failed');
      code = ErrorCode.UnknownServerError;
    }
    const removed: string[] = [];
    const current = this.cache.get(partition);
    for (const { metadata, target } of chunk) {
      const id = metadata.transactionalId;
      if (code === ErrorCode.None && current === entry && metadata.pendingState === TxnState.Dead && metadata.producerEpoch === target.producerEpoch) {
        entry.txns.delete(id);
        removed.push(id);
      } else {
        this.log.warn({ transactionalId: id, code }, 'expired transactional id not removed');
        metadata.pendingState = null;
      }
    }
    if (removed.length > 0) this.log.info({ partition, transactionalIds: removed }, 'removed expired transactional ids');
    return removed;
  }
}

/** Splits tombstones into batches below `maxBatchBytes` (Kafka fills one builder, then starts another). */
function tombstoneChunks<T extends { metadata: TransactionMetadata }>(items: readonly T[], maxBatchBytes: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 61; // batch header
  for (const item of items) {
    const size = encodeTxnKey(item.metadata.transactionalId).length + 16; // record framing, generous
    if (current.length > 0 && bytes + size > maxBatchBytes) {
      chunks.push(current);
      current = [];
      bytes = 61;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** `__transaction_state-<p>` */
export function txnTopicPartition(partition: number): TopicPartition {
  return { topic: TRANSACTION_STATE_TOPIC, partition };
}
