/**
 * Kafka 2.7's TransactionCoordinator for transactional ids: InitProducerId for a transactional id
 * (the InitProducerId entry point, ../transaction-coordinator.ts, answers idempotent producers
 * itself and routes transactional ids here), AddPartitionsToTxn / AddOffsetsToTxn, EndTxn, the timeout sweep, and the
 * hand-over to the marker sender — for the transactional ids whose `__transaction_state` partition
 * this broker leads (reference/transactions-and-compaction.md §2.5–§2.7, §2.11).
 *
 * Answers are Kafka's, before the per-version mapping the handlers do (PRODUCER_FENCED becomes
 * INVALID_PRODUCER_EPOCH below InitProducerId v4 / EndTxn, AddPartitionsToTxn, AddOffsetsToTxn v2):
 * - InitProducerId: "" → INVALID_REQUEST; timeout ≤ 0 or > transaction.max.timeout.ms →
 *   INVALID_TRANSACTION_TIMEOUT; unknown id → new producer id, epoch 0; transition pending or
 *   Prepare* → CONCURRENT_TRANSACTIONS; Empty/Complete* → epoch + 1 (KIP-360: a request with its
 *   own (pid, epoch) must name the current pid, or the previous one with an exhausted epoch, else
 *   PRODUCER_FENCED; its epoch must be the current or the previous one, else PRODUCER_FENCED);
 *   exhausted epoch → new producer id; Ongoing → fence (epoch + 1), abort the open transaction with
 *   it, answer CONCURRENT_TRANSACTIONS so the retry gets epoch + 2;
 * - AddPartitionsToTxn: unknown id or other pid → INVALID_PRODUCER_ID_MAPPING; other epoch →
 *   PRODUCER_FENCED; pending or Prepare* → CONCURRENT_TRANSACTIONS; all partitions already in the
 *   Ongoing transaction → NONE with nothing written; else Ongoing with the union is written;
 * - EndTxn: as AddPartitionsToTxn for the ids, then by state (§2.7's table): Ongoing → Prepare*
 *   written, NONE answered, markers sent after; a retry of a completed end → NONE; the other end
 *   → INVALID_TXN_STATE; Empty → INVALID_TXN_STATE;
 * - timeout sweep: an Ongoing transaction older than its timeout is fenced and aborted (the bumped
 *   epoch is never returned to anyone); transactional.id.expiration.ms removes idle ids.
 * A coordinator bug (an impossible transition) is logged and answered UNKNOWN_SERVER_ERROR with
 * nothing written; it never stops the broker.
 */
import type { Clock, Timer } from '../../common/clock.js';
import { KafkaError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { TopicPartition } from '../../common/topic-partition.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import type { TransactionConfig } from './transaction-config.js';
import { NO_PRODUCER_EPOCH } from '../../protocol/records/index.js';
import type { ProducerIdGenerator } from '../producer-id-manager.js';
import { initProducerIdError as failed, type InitProducerIdResult, type ProducerIdAndEpoch, type TransactionalIdCoordinator } from '../transaction-coordinator.js';
import { TransactionMetadata, TxnStateError, type TxnTransitMetadata } from './transaction-metadata.js';
import { isLookupError, type TransactionStateManager } from './transaction-state-manager.js';
import { isEpochExhausted, TxnState } from './transaction-state.js';

/** The marker sender as the coordinator sees it (transaction-marker-channel-manager.ts). */
export interface TxnMarkerSender {
  addTxnMarkersToSend(coordinatorEpoch: number, commit: boolean, metadata: TransactionMetadata, target: TxnTransitMetadata): void;
  removeMarkersForTxnTopicPartition(partition: number): void;
}

export interface TxnCoordinatorOptions {
  readonly config: TransactionConfig;
  readonly state: TransactionStateManager;
  readonly producerIds: ProducerIdGenerator;
  readonly markers: TxnMarkerSender;
  readonly clock: Clock;
  readonly log: Logger;
}

type Prepared = { coordinatorEpoch: number; target: TxnTransitMetadata };

export class TxnCoordinator implements TransactionalIdCoordinator {
  private readonly config: TransactionConfig;
  private readonly state: TransactionStateManager;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly timers: Timer[] = [];
  private active = false;

  constructor(private readonly opts: TxnCoordinatorOptions) {
    this.config = opts.config;
    this.state = opts.state;
    this.clock = opts.clock;
    this.log = opts.log;
  }

  startup(): void {
    if (this.active) return;
    this.active = true;
    this.every(this.config.abortTimedOutTransactionsIntervalMs, () => this.abortTimedOutTransactions());
    this.every(this.config.removeExpiredTransactionalIdsIntervalMs, () => this.state.removeExpiredTransactionalIds());
  }

  shutdown(): void {
    this.active = false;
    for (const t of this.timers.splice(0)) t.cancel();
    this.state.shutdown();
  }

  partitionFor(transactionalId: string): number {
    return this.state.partitionFor(transactionalId);
  }

  /** A periodic task; the next run is scheduled when the previous one finished. */
  private every(intervalMs: number, task: () => Promise<unknown>): void {
    const slot = this.timers.length;
    const schedule = (): void => {
      this.timers[slot] = this.clock.setTimeout(() => {
        void task()
          .catch((err: unknown) => this.log.error({ err }, 'transaction coordinator task failed'))
          .finally(() => {
            if (this.active) schedule();
          });
      }, intervalMs);
    };
    schedule();
  }

  // ------------------------------------------------------------------------------- InitProducerId

  /** InitProducerId with a transactional id; `expected` is the (pid, epoch) of v3+ requests that carry one. */
  async initProducerId(transactionalId: string, transactionTimeoutMs: number, expected: ProducerIdAndEpoch | null): Promise<InitProducerIdResult> {
    if (transactionalId === '') return failed(ErrorCode.InvalidRequest);
    if (!this.state.validateTransactionTimeoutMs(transactionTimeoutMs)) return failed(ErrorCode.InvalidTransactionTimeout);
    try {
      let spare: number | null = null;
      for (;;) {
        let lookup = this.state.getTransactionState(transactionalId);
        if (isLookupError(lookup)) return failed(lookup);
        if (lookup === undefined) {
          const producerId: number = spare ?? (await this.opts.producerIds.generateProducerId());
          spare = null;
          const created = new TransactionMetadata({
            transactionalId,
            producerId,
            producerEpoch: NO_PRODUCER_EPOCH,
            txnTimeoutMs: transactionTimeoutMs,
            state: TxnState.Empty,
            txnLastUpdateTimestamp: this.clock.now(),
          });
          const put = this.state.putTransactionStateIfNotExists(created);
          if (isLookupError(put)) return failed(put);
          lookup = put;
        }
        const decision = this.prepareInitProducerIdTransit(lookup.metadata, lookup.coordinatorEpoch, transactionTimeoutMs, expected, spare);
        if (decision === 'new-producer-id') {
          // the id space is claimed from ZooKeeper: get one, then decide again on the current state
          spare = await this.opts.producerIds.generateProducerId();
          continue;
        }
        if (typeof decision === 'number') return failed(decision);
        return await this.completeInitProducerId(transactionalId, decision);
      }
    } catch (err) {
      return failed(this.unexpected(err, transactionalId, 'InitProducerId'));
    }
  }

  private prepareInitProducerIdTransit(
    m: TransactionMetadata,
    coordinatorEpoch: number,
    timeoutMs: number,
    expected: ProducerIdAndEpoch | null,
    spareProducerId: number | null,
  ): Prepared | ErrorCode | 'new-producer-id' {
    if (m.pendingTransitionInProgress) return ErrorCode.ConcurrentTransactions;
    if (expected) {
      // KIP-360: only the current producer, a just-created id, or a retry after a rotation may bump
      const valid =
        m.producerEpoch === NO_PRODUCER_EPOCH ||
        expected.producerId === m.producerId ||
        (expected.producerId === m.lastProducerId && isEpochExhausted(expected.producerEpoch));
      if (!valid) return ErrorCode.ProducerFenced;
    }
    switch (m.state) {
      case TxnState.PrepareAbort:
      case TxnState.PrepareCommit:
        return ErrorCode.ConcurrentTransactions;
      case TxnState.CompleteAbort:
      case TxnState.CompleteCommit:
      case TxnState.Empty: {
        const now = this.clock.now();
        if (m.isProducerEpochExhausted && (expected === null || expected.producerEpoch === m.producerEpoch)) {
          if (spareProducerId === null) return 'new-producer-id';
          return { coordinatorEpoch, target: m.prepareProducerIdRotation(spareProducerId, timeoutMs, now, expected !== null) };
        }
        const target = m.prepareIncrementProducerEpoch(timeoutMs, expected?.producerEpoch ?? null, now);
        return target === 'fenced' ? ErrorCode.ProducerFenced : { coordinatorEpoch, target };
      }
      case TxnState.Ongoing:
        // this epoch is never returned: the client retries after the abort and gets one more bump
        return { coordinatorEpoch, target: m.prepareFenceProducerEpoch() };
      default:
        throw new TxnStateError(`${m.describe()}: InitProducerId found a state that is never stored`);
    }
  }

  private async completeInitProducerId(transactionalId: string, p: Prepared): Promise<InitProducerIdResult> {
    if (p.target.txnState === TxnState.PrepareEpochFence) {
      const code = await this.endTransaction(transactionalId, p.target.producerId, p.target.producerEpoch, false, false);
      return failed(code === ErrorCode.None ? ErrorCode.ConcurrentTransactions : code);
    }
    const code = await this.state.appendTransactionToLog(transactionalId, p.coordinatorEpoch, p.target);
    if (code !== ErrorCode.None) return failed(code);
    this.log.info({ transactionalId, producerId: p.target.producerId, producerEpoch: p.target.producerEpoch }, 'initialized transactional id');
    return { errorCode: ErrorCode.None, producerId: p.target.producerId, producerEpoch: p.target.producerEpoch };
  }

  // ------------------------------------------------------------------------------- AddPartitions

  /** AddPartitionsToTxn, and AddOffsetsToTxn with the group's `__consumer_offsets` partition. */
  async handleAddPartitionsToTransaction(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[]): Promise<ErrorCode> {
    if (transactionalId === '') return ErrorCode.InvalidRequest;
    try {
      const lookup = this.state.getTransactionState(transactionalId);
      if (isLookupError(lookup)) return lookup;
      if (lookup === undefined) return ErrorCode.InvalidProducerIdMapping;
      const m = lookup.metadata;
      if (m.producerId !== producerId) return ErrorCode.InvalidProducerIdMapping;
      if (m.producerEpoch !== producerEpoch) return ErrorCode.ProducerFenced;
      if (m.pendingTransitionInProgress) return ErrorCode.ConcurrentTransactions;
      if (m.state === TxnState.PrepareCommit || m.state === TxnState.PrepareAbort) return ErrorCode.ConcurrentTransactions;
      if (m.state === TxnState.Ongoing && m.hasPartitions(partitions)) return ErrorCode.None;
      const target = m.prepareAddPartitions(partitions, this.clock.now());
      return await this.state.appendTransactionToLog(transactionalId, lookup.coordinatorEpoch, target);
    } catch (err) {
      return this.unexpected(err, transactionalId, 'AddPartitionsToTxn');
    }
  }

  // ------------------------------------------------------------------------------- EndTxn

  handleEndTransaction(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean): Promise<ErrorCode> {
    return this.endTransaction(transactionalId, producerId, producerEpoch, commit, true);
  }

  /**
   * `isFromClient` false: an abort the coordinator starts itself (fencing, timeout) with a bumped
   * epoch, which must not be lower than the current one instead of equal to it.
   */
  private async endTransaction(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean, isFromClient: boolean): Promise<ErrorCode> {
    if (transactionalId === '') return ErrorCode.InvalidRequest;
    try {
      // everything up to the append runs in one turn of the event loop (Kafka holds the metadata lock)
      const lookup = this.state.getTransactionState(transactionalId);
      if (isLookupError(lookup)) return lookup;
      if (lookup === undefined) return ErrorCode.InvalidProducerIdMapping;
      const { coordinatorEpoch, metadata: m } = lookup;
      if (m.producerId !== producerId) return ErrorCode.InvalidProducerIdMapping;
      if ((isFromClient && producerEpoch !== m.producerEpoch) || producerEpoch < m.producerEpoch) return ErrorCode.ProducerFenced;
      if (m.pendingState !== null && m.pendingState !== TxnState.PrepareEpochFence) return ErrorCode.ConcurrentTransactions;
      const decided = this.endTxnDecision(m, commit);
      if (decided !== null) return decided;
      let isEpochFence = false;
      if (!commit && m.pendingState === TxnState.PrepareEpochFence) {
        // the fence's bumped epoch goes straight into the PrepareAbort record
        isEpochFence = true;
        m.pendingState = null;
        m.producerEpoch = producerEpoch;
        m.lastProducerEpoch = NO_PRODUCER_EPOCH;
      }
      const target = m.prepareAbortOrCommit(commit ? TxnState.PrepareCommit : TxnState.PrepareAbort, this.clock.now());
      const code = await this.state.appendTransactionToLog(transactionalId, coordinatorEpoch, target);
      if (code !== ErrorCode.None) {
        if (isEpochFence) {
          const again = this.state.getTransactionState(transactionalId);
          // the epoch stays bumped in memory; the next fence reuses it instead of bumping again
          if (!isLookupError(again) && again?.coordinatorEpoch === coordinatorEpoch) again.metadata.hasFailedEpochFence = true;
        }
        this.log.info({ transactionalId, commit, code }, 'ending the transaction failed: the Prepare record was not written');
        return code;
      }
      return this.startMarkers(transactionalId, coordinatorEpoch, producerId, producerEpoch, commit);
    } catch (err) {
      return this.unexpected(err, transactionalId, 'EndTxn');
    }
  }

  /** The answer when the state alone decides (§2.7's table); null when Ongoing moves to Prepare*. */
  private endTxnDecision(m: TransactionMetadata, commit: boolean): ErrorCode | null {
    switch (m.state) {
      case TxnState.Ongoing:
        return null;
      case TxnState.CompleteCommit:
        return commit ? ErrorCode.None : ErrorCode.InvalidTxnState;
      case TxnState.CompleteAbort:
        return commit ? ErrorCode.InvalidTxnState : ErrorCode.None;
      case TxnState.PrepareCommit:
        return commit ? ErrorCode.ConcurrentTransactions : ErrorCode.InvalidTxnState;
      case TxnState.PrepareAbort:
        return commit ? ErrorCode.InvalidTxnState : ErrorCode.ConcurrentTransactions;
      case TxnState.Empty:
        return ErrorCode.InvalidTxnState;
      default:
        throw new TxnStateError(`${m.describe()}: EndTxn found a state that is never stored`);
    }
  }

  /** The Prepare record is durable: answer NONE and let the marker sender finish the transaction. */
  private startMarkers(transactionalId: string, coordinatorEpoch: number, producerId: number, producerEpoch: number, commit: boolean): ErrorCode {
    const lookup = this.state.getTransactionState(transactionalId);
    if (isLookupError(lookup)) return lookup;
    if (lookup === undefined) throw new TxnStateError(`transactional id ${transactionalId} vanished from a partition this broker still leads`);
    if (lookup.coordinatorEpoch !== coordinatorEpoch) return ErrorCode.NotCoordinator;
    const m = lookup.metadata;
    if (m.producerId !== producerId) return ErrorCode.InvalidProducerIdMapping;
    if (m.producerEpoch !== producerEpoch) return ErrorCode.ProducerFenced;
    if (m.pendingTransitionInProgress) return ErrorCode.ConcurrentTransactions;
    const expectedState = commit ? TxnState.PrepareCommit : TxnState.PrepareAbort;
    if (m.state !== expectedState) return ErrorCode.InvalidTxnState;
    this.opts.markers.addTxnMarkersToSend(coordinatorEpoch, commit, m, m.prepareComplete(this.clock.now()));
    return ErrorCode.None;
  }

  // ------------------------------------------------------------------------------- timeouts

  /** One timeout sweep: fence and abort every Ongoing transaction older than its timeout. */
  async abortTimedOutTransactions(): Promise<void> {
    const aborts: Array<Promise<unknown>> = [];
    for (const t of this.state.timedOutTransactions()) {
      const lookup = this.state.getTransactionState(t.transactionalId);
      if (isLookupError(lookup) || lookup === undefined) continue;
      const m = lookup.metadata;
      if (m.producerId !== t.producerId || m.pendingTransitionInProgress) continue;
      let fence: TxnTransitMetadata;
      try {
        fence = m.prepareFenceProducerEpoch();
      } catch (err) {
        this.unexpected(err, t.transactionalId, 'transaction timeout');
        continue;
      }
      this.log.info({ transactionalId: t.transactionalId, producerId: t.producerId, epoch: fence.producerEpoch }, 'aborting a transaction past its timeout');
      aborts.push(
        this.endTransaction(t.transactionalId, fence.producerId, fence.producerEpoch, false, false).then((code) => {
          if (code !== ErrorCode.None) this.log.info({ transactionalId: t.transactionalId, code }, 'timed-out transaction not aborted');
        }),
      );
    }
    await Promise.all(aborts);
  }

  // ------------------------------------------------------------------------------- placement

  /** This broker leads `__transaction_state-<partition>` at `coordinatorEpoch`: load it. */
  onElection(partition: number, coordinatorEpoch: number): Promise<void> {
    this.opts.markers.removeMarkersForTxnTopicPartition(partition);
    return this.state.loadTransactionsForTxnTopicPartition(partition, coordinatorEpoch, (c) =>
      this.opts.markers.addTxnMarkersToSend(c.coordinatorEpoch, c.commit, c.metadata, c.target),
    );
  }

  /** Follower or StopReplica: drop the partition and its queued markers. */
  onResignation(partition: number): void {
    this.state.removeTransactionsForTxnTopicPartition(partition);
    this.opts.markers.removeMarkersForTxnTopicPartition(partition);
  }

  private unexpected(err: unknown, transactionalId: string, what: string): ErrorCode {
    if (err instanceof KafkaError) return err.code;
    this.log.error({ err, transactionalId }, `${what} failed unexpectedly`);
    return err instanceof TxnStateError ? ErrorCode.UnknownServerError : ErrorCode.CoordinatorNotAvailable;
  }
}
