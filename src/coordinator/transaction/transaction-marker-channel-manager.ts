/**
 * Marker delivery (Kafka 2.7 TransactionMarkerChannelManager + TransactionMarkerRequestCompletionHandler):
 * once a transaction's PrepareCommit/PrepareAbort is durable, a COMMIT/ABORT marker goes to the
 * leader of every partition in it; when all are written, CompleteCommit/CompleteAbort is appended
 * (reference/transactions-and-compaction.md §2.8).
 *
 * - Partitions are grouped by their current leader (metadata cache, inter-broker listener); one
 *   queue per destination broker, drained into one WriteTxnMarkers v0 request per broker at a
 *   time, holding the markers of every transaction queued for it. A partition with no leader in
 *   the cache (deleted topic) is dropped from the transaction without a marker; a leader with no
 *   live endpoint waits in the "unknown broker" queue and is re-resolved each round.
 * - Per partition: NONE → done; UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER,
 *   NOT_ENOUGH_REPLICAS(_AFTER_APPEND), REQUEST_TIMED_OUT, KAFKA_STORAGE_ERROR → re-queued to the
 *   then-current leader, forever (after `retryBackoffMs`); INVALID_PRODUCER_EPOCH,
 *   TRANSACTION_COORDINATOR_FENCED → this transaction's markers are abandoned (a newer epoch owns
 *   it); UNSUPPORTED_FOR_MESSAGE_FORMAT, UNSUPPORTED_VERSION → partition dropped; anything else is
 *   a bug: logged, partition retried. A lost connection or timeout re-queues every marker of the
 *   request, unless this broker no longer coordinates the id at the same coordinator epoch.
 * - CompleteCommit/CompleteAbort: COORDINATOR_NOT_AVAILABLE → retried after `retryBackoffMs`;
 *   NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS → given up (the new owner completes it on load).
 */
import type { Clock, Timer } from '../../common/clock.js';
import type { Logger } from '../../common/logger.js';
import { tpKey, type TopicPartition } from '../../common/topic-partition.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import type { TxnMarkerSender } from './txn-coordinator.js';
import type { TransactionMetadata, TxnTransitMetadata } from './transaction-metadata.js';
import { isLookupError, type TransactionStateManager } from './transaction-state-manager.js';

export interface MarkerDestination {
  readonly brokerId: number;
  readonly host: string;
  readonly port: number;
}

/** One WriteTxnMarkers entry: a transaction's marker for some partitions led by one broker. */
export interface TxnMarkerEntry {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  readonly commit: boolean;
  readonly partitions: readonly TopicPartition[];
}

export interface MarkerResult {
  readonly producerId: number;
  readonly partitions: ReadonlyArray<TopicPartition & { errorCode: ErrorCode }>;
}

/** The network and the cluster view the sender needs. */
export interface MarkerTransport {
  /** the partition's leader on the inter-broker listener; 'no-endpoint' when the leader is not alive there; null when the partition is unknown */
  leaderFor(tp: TopicPartition): MarkerDestination | 'no-endpoint' | null;
  /** one WriteTxnMarkers v0 request; rejects when the connection is lost or the request times out */
  send(destination: MarkerDestination, markers: readonly TxnMarkerEntry[]): Promise<MarkerResult[]>;
}

interface QueuedMarker {
  readonly transactionalId: string;
  readonly txnTopicPartition: number;
  readonly entry: TxnMarkerEntry;
  /** not sent before this time (retries wait `retryBackoffMs`) */
  readonly notBefore: number;
}

interface PendingCompleteTxn {
  readonly transactionalId: string;
  readonly coordinatorEpoch: number;
  readonly metadata: TransactionMetadata;
  readonly target: TxnTransitMetadata;
}

export interface MarkerChannelOptions {
  readonly state: TransactionStateManager;
  readonly transport: MarkerTransport;
  readonly clock: Clock;
  readonly log: Logger;
  /** wait before a retry (a re-queued marker, a CompleteCommit/Abort append); default 100 ms */
  readonly retryBackoffMs?: number;
}

const RETRIABLE = new Set<ErrorCode>([
  ErrorCode.UnknownTopicOrPartition,
  ErrorCode.NotLeaderOrFollower,
  ErrorCode.NotEnoughReplicas,
  ErrorCode.NotEnoughReplicasAfterAppend,
  ErrorCode.RequestTimedOut,
  ErrorCode.KafkaStorageError,
]);

export class TransactionMarkerChannelManager implements TxnMarkerSender {
  private readonly state: TransactionStateManager;
  private readonly transport: MarkerTransport;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly retryBackoffMs: number;
  /** destination broker → markers waiting for it */
  private readonly queues = new Map<number, { destination: MarkerDestination; markers: QueuedMarker[] }>();
  /** markers whose leader is known but has no live endpoint */
  private unknownBroker: QueuedMarker[] = [];
  private readonly inFlight = new Set<number>();
  private readonly pendingCompletions = new Map<string, PendingCompleteTxn>();
  private completionRetries: PendingCompleteTxn[] = [];
  private drainScheduled = false;
  private wakeTimer: { at: number; timer: Timer } | null = null;
  private stopped = false;

  constructor(opts: MarkerChannelOptions) {
    this.state = opts.state;
    this.transport = opts.transport;
    this.clock = opts.clock;
    this.log = opts.log;
    this.retryBackoffMs = opts.retryBackoffMs ?? 100;
  }

  /** Transactions whose markers are not all written yet (for tests and metrics). */
  get numTxnsWithPendingMarkers(): number {
    return this.pendingCompletions.size;
  }

  get queuedMarkers(): number {
    let n = this.unknownBroker.length;
    for (const q of this.queues.values()) n += q.markers.length;
    return n;
  }

  shutdown(): void {
    this.stopped = true;
    this.wakeTimer?.timer.cancel();
    this.wakeTimer = null;
    this.queues.clear();
    this.unknownBroker = [];
    this.pendingCompletions.clear();
    this.completionRetries = [];
  }

  addTxnMarkersToSend(coordinatorEpoch: number, commit: boolean, metadata: TransactionMetadata, target: TxnTransitMetadata): void {
    const transactionalId = metadata.transactionalId;
    this.pendingCompletions.set(transactionalId, { transactionalId, coordinatorEpoch, metadata, target });
    this.addTxnMarkersToBrokerQueue(transactionalId, metadata.producerId, metadata.producerEpoch, commit, coordinatorEpoch, metadata.partitionList, 0);
    this.maybeWriteTxnCompletion(transactionalId);
  }

  removeMarkersForTxnTopicPartition(txnTopicPartition: number): void {
    const dropped = (m: QueuedMarker) => {
      if (m.txnTopicPartition !== txnTopicPartition) return false;
      this.pendingCompletions.delete(m.transactionalId);
      return true;
    };
    this.unknownBroker = this.unknownBroker.filter((m) => !dropped(m));
    for (const q of this.queues.values()) q.markers = q.markers.filter((m) => !dropped(m));
    for (const p of this.pendingCompletions.values()) if (this.state.partitionFor(p.transactionalId) === txnTopicPartition) this.pendingCompletions.delete(p.transactionalId);
    this.completionRetries = this.completionRetries.filter((p) => this.state.partitionFor(p.transactionalId) !== txnTopicPartition);
  }

  private removeMarkersForTxnId(transactionalId: string): void {
    this.pendingCompletions.delete(transactionalId);
  }

  /** Queues markers for `partitions` by current leader; `delayMs` > 0 for retries. */
  private addTxnMarkersToBrokerQueue(
    transactionalId: string,
    producerId: number,
    producerEpoch: number,
    commit: boolean,
    coordinatorEpoch: number,
    partitions: readonly TopicPartition[],
    delayMs: number,
  ): void {
    const txnTopicPartition = this.state.partitionFor(transactionalId);
    const notBefore = this.clock.now() + delayMs;
    const byLeader = new Map<number, { destination: MarkerDestination; partitions: TopicPartition[] }>();
    const noEndpoint: TopicPartition[] = [];
    const unknown: TopicPartition[] = [];
    for (const tp of partitions) {
      const leader = this.transport.leaderFor(tp);
      if (leader === null) unknown.push(tp);
      else if (leader === 'no-endpoint') noEndpoint.push(tp);
      else {
        let g = byLeader.get(leader.brokerId);
        if (!g) byLeader.set(leader.brokerId, (g = { destination: leader, partitions: [] }));
        g.partitions.push(tp);
      }
    }
    const marker = (ps: TopicPartition[]): QueuedMarker => ({
      transactionalId,
      txnTopicPartition,
      entry: { producerId, producerEpoch, coordinatorEpoch, commit, partitions: ps },
      notBefore,
    });
    for (const { destination, partitions: ps } of byLeader.values()) {
      let q = this.queues.get(destination.brokerId);
      if (!q) this.queues.set(destination.brokerId, (q = { destination, markers: [] }));
      q.destination = destination;
      q.markers.push(marker(ps));
    }
    if (noEndpoint.length > 0) this.unknownBroker.push(marker(noEndpoint));
    if (unknown.length > 0) this.dropUnknownPartitions(transactionalId, coordinatorEpoch, unknown);
    this.scheduleDrain();
  }

  /** Partitions without a leader in the cache are likely deleted: the transaction completes without them. */
  private dropUnknownPartitions(transactionalId: string, coordinatorEpoch: number, partitions: readonly TopicPartition[]): void {
    const lookup = this.state.getTransactionState(transactionalId);
    if (isLookupError(lookup) || lookup === undefined || lookup.coordinatorEpoch !== coordinatorEpoch) {
      this.removeMarkersForTxnId(transactionalId);
      return;
    }
    this.log.info({ transactionalId, partitions: partitions.map(tpKey) }, 'no leader known for these partitions (deleted?); completing the transaction without their markers');
    for (const tp of partitions) lookup.metadata.removePartition(tp);
    this.maybeWriteTxnCompletion(transactionalId);
  }

  // ------------------------------------------------------------------------------- sending

  private scheduleDrain(): void {
    if (this.drainScheduled || this.stopped) return;
    this.drainScheduled = true;
    queueMicrotask(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  /** Kafka's drainQueuedTransactionMarkers: retry completions, re-resolve unknown brokers, send what is due. */
  private drain(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    let nextDue = Infinity;
    const retries = this.completionRetries;
    this.completionRetries = [];
    for (const p of retries) this.tryAppendCompletion(p);
    const waiting = this.unknownBroker;
    this.unknownBroker = [];
    for (const m of waiting) {
      if (m.notBefore > now) {
        this.unknownBroker.push(m);
        nextDue = Math.min(nextDue, m.notBefore);
        continue;
      }
      const e = m.entry;
      this.addTxnMarkersToBrokerQueue(m.transactionalId, e.producerId, e.producerEpoch, e.commit, e.coordinatorEpoch, e.partitions, this.retryBackoffMs);
    }
    for (const [brokerId, q] of this.queues) {
      if (this.inFlight.has(brokerId) || q.markers.length === 0) continue;
      const due = q.markers.filter((m) => m.notBefore <= now);
      for (const m of q.markers) if (m.notBefore > now) nextDue = Math.min(nextDue, m.notBefore);
      if (due.length === 0) continue;
      q.markers = q.markers.filter((m) => m.notBefore > now);
      this.sendTo(brokerId, q.destination, due);
    }
    if (this.completionRetries.length > 0) nextDue = Math.min(nextDue, now + this.retryBackoffMs);
    this.wakeAt(nextDue);
  }

  private wakeAt(at: number): void {
    if (at === Infinity || this.stopped) return;
    if (this.wakeTimer && this.wakeTimer.at <= at) return;
    this.wakeTimer?.timer.cancel();
    const timer = this.clock.setTimeout(
      () => {
        this.wakeTimer = null;
        this.drain();
      },
      Math.max(0, at - this.clock.now()),
    );
    this.wakeTimer = { at, timer };
  }

  private sendTo(brokerId: number, destination: MarkerDestination, markers: QueuedMarker[]): void {
    this.inFlight.add(brokerId);
    this.transport.send(destination, markers.map((m) => m.entry)).then(
      (results) => {
        this.inFlight.delete(brokerId);
        if (!this.stopped) this.onResponse(markers, results);
        this.scheduleDrain();
      },
      (err: unknown) => {
        this.inFlight.delete(brokerId);
        this.log.info({ err, brokerId }, 'WriteTxnMarkers failed; re-queueing its markers');
        if (!this.stopped) this.onDisconnect(markers);
        this.scheduleDrain();
      },
    );
  }

  /** The markers' transaction as this coordinator still owns it at the same epoch, else null (and forgotten). */
  private ownedTransaction(m: QueuedMarker): TransactionMetadata | null {
    const lookup = this.state.getTransactionState(m.transactionalId);
    if (isLookupError(lookup) || lookup === undefined || lookup.coordinatorEpoch !== m.entry.coordinatorEpoch) {
      this.log.info({ transactionalId: m.transactionalId }, 'no longer the coordinator of this transaction at this epoch; its markers are dropped');
      this.removeMarkersForTxnId(m.transactionalId);
      return null;
    }
    return lookup.metadata;
  }

  private onDisconnect(markers: readonly QueuedMarker[]): void {
    for (const m of markers) {
      if (!this.ownedTransaction(m)) continue;
      const e = m.entry;
      this.addTxnMarkersToBrokerQueue(m.transactionalId, e.producerId, e.producerEpoch, e.commit, e.coordinatorEpoch, e.partitions, this.retryBackoffMs);
    }
  }

  private onResponse(markers: readonly QueuedMarker[], results: readonly MarkerResult[]): void {
    for (const m of markers) {
      const metadata = this.ownedTransaction(m);
      if (!metadata) continue;
      const e = m.entry;
      // one request may carry several markers of a producer id (a retry next to a re-resolved one)
      const answers = results.filter((r) => r.producerId === e.producerId).flatMap((r) => r.partitions);
      const retry: TopicPartition[] = [];
      let abandon = false;
      for (const tp of e.partitions) {
        const code = answers.find((p) => p.topic === tp.topic && p.partition === tp.partition)?.errorCode;
        if (code === ErrorCode.None) {
          metadata.removePartition(tp);
        } else if (code === ErrorCode.InvalidProducerEpoch || code === ErrorCode.TransactionCoordinatorFenced) {
          this.log.info({ transactionalId: m.transactionalId, tp: tpKey(tp), code }, 'marker refused for good: a newer producer or coordinator epoch owns the partition');
          abandon = true;
        } else if (code === ErrorCode.UnsupportedForMessageFormat || code === ErrorCode.UnsupportedVersion) {
          metadata.removePartition(tp);
        } else {
          if (code === undefined || !RETRIABLE.has(code)) this.log.error({ transactionalId: m.transactionalId, tp: tpKey(tp), code }, 'unexpected WriteTxnMarkers answer; retrying the marker');
          retry.push(tp);
        }
      }
      if (abandon) {
        this.removeMarkersForTxnId(m.transactionalId);
      } else if (retry.length > 0) {
        this.addTxnMarkersToBrokerQueue(m.transactionalId, e.producerId, e.producerEpoch, e.commit, e.coordinatorEpoch, retry, this.retryBackoffMs);
      } else {
        this.maybeWriteTxnCompletion(m.transactionalId);
      }
    }
  }

  // ------------------------------------------------------------------------------- completion

  private maybeWriteTxnCompletion(transactionalId: string): void {
    const pending = this.pendingCompletions.get(transactionalId);
    if (!pending || pending.metadata.topicPartitions.size > 0) return;
    this.pendingCompletions.delete(transactionalId);
    const lookup = this.state.getTransactionState(transactionalId);
    if (isLookupError(lookup) || lookup === undefined) {
      this.log.info({ transactionalId }, 'markers written, but no longer the coordinator: the new owner completes the transaction');
      return;
    }
    if (lookup.coordinatorEpoch !== pending.coordinatorEpoch) return;
    this.tryAppendCompletion(pending);
  }

  private tryAppendCompletion(p: PendingCompleteTxn): void {
    void this.state
      .appendTransactionToLog(p.transactionalId, p.coordinatorEpoch, p.target, (code) => code === ErrorCode.CoordinatorNotAvailable)
      .then((code) => {
        if (code === ErrorCode.None) {
          this.log.debug({ transactionalId: p.transactionalId, state: p.target.txnState }, 'transaction completed');
        } else if (code === ErrorCode.CoordinatorNotAvailable) {
          if (this.stopped) return;
          this.completionRetries.push(p);
          this.wakeAt(this.clock.now() + this.retryBackoffMs);
        } else if (code !== ErrorCode.NotCoordinator && code !== ErrorCode.CoordinatorLoadInProgress) {
          this.log.error({ transactionalId: p.transactionalId, code }, 'completing the transaction failed unexpectedly');
        }
      });
  }
}
