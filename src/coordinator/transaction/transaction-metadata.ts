/**
 * What the coordinator knows about one transactional id (Kafka 2.7 TransactionMetadata) and the
 * state machine over it. Every change is two steps, because the change must be durable in
 * `__transaction_state` before it is visible:
 *
 * 1. `prepare…()` checks the transition, sets `pendingState` and returns the target
 *    (TxnTransitMetadata) to be written; while a transition is pending, client requests for the
 *    id get CONCURRENT_TRANSACTIONS;
 * 2. after the append succeeded, `completeTransitionTo(target)` applies it (and checks it is the
 *    transition that was prepared); after a failed append the caller clears `pendingState`.
 *
 * An illegal transition is a coordinator bug, not bad input: it throws TxnStateError (Kafka's
 * IllegalStateException), which callers log and answer UNKNOWN_SERVER_ERROR without writing.
 * lastProducerId / lastProducerEpoch (KIP-360) live in memory only: value v0 of the log record has
 * no field for them, exactly as in Kafka 2.7.
 */
import { tpKey, type TopicPartition } from '../../common/topic-partition.js';
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID } from '../../protocol/records/index.js';
import { isEpochExhausted, isValidTransition, TxnState, txnStateName } from './transaction-state.js';

const SHORT_MAX = 32767;

export class TxnStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TxnStateError';
  }
}

/** The target of a transition: what is written to `__transaction_state`, then applied. */
export interface TxnTransitMetadata {
  readonly producerId: number;
  readonly lastProducerId: number;
  readonly producerEpoch: number;
  readonly lastProducerEpoch: number;
  readonly txnTimeoutMs: number;
  readonly txnState: TxnState;
  readonly topicPartitions: readonly TopicPartition[];
  readonly txnStartTimestamp: number;
  readonly txnLastUpdateTimestamp: number;
}

export interface TransactionMetadataInit {
  transactionalId: string;
  producerId: number;
  lastProducerId?: number;
  producerEpoch: number;
  lastProducerEpoch?: number;
  txnTimeoutMs: number;
  state: TxnState;
  topicPartitions?: readonly TopicPartition[];
  txnStartTimestamp?: number;
  txnLastUpdateTimestamp: number;
}

function unionOf(...sets: ReadonlyArray<Iterable<TopicPartition>>): TopicPartition[] {
  const out = new Map<string, TopicPartition>();
  for (const set of sets) for (const tp of set) out.set(tpKey(tp), { topic: tp.topic, partition: tp.partition });
  return [...out.values()];
}

export class TransactionMetadata {
  readonly transactionalId: string;
  producerId: number;
  lastProducerId: number;
  producerEpoch: number;
  lastProducerEpoch: number;
  txnTimeoutMs: number;
  state: TxnState;
  /** partitions of the open transaction (markers still to be written while Prepare*) */
  readonly topicPartitions = new Map<string, TopicPartition>();
  txnStartTimestamp: number;
  txnLastUpdateTimestamp: number;
  /** the state a prepared transition is moving to */
  pendingState: TxnState | null = null;
  /** a fencing append failed: the next fence reuses the bumped epoch instead of bumping again */
  hasFailedEpochFence = false;

  constructor(init: TransactionMetadataInit) {
    this.transactionalId = init.transactionalId;
    this.producerId = init.producerId;
    this.lastProducerId = init.lastProducerId ?? NO_PRODUCER_ID;
    this.producerEpoch = init.producerEpoch;
    this.lastProducerEpoch = init.lastProducerEpoch ?? NO_PRODUCER_EPOCH;
    this.txnTimeoutMs = init.txnTimeoutMs;
    this.state = init.state;
    for (const tp of init.topicPartitions ?? []) this.topicPartitions.set(tpKey(tp), tp);
    this.txnStartTimestamp = init.txnStartTimestamp ?? -1;
    this.txnLastUpdateTimestamp = init.txnLastUpdateTimestamp;
  }

  get pendingTransitionInProgress(): boolean {
    return this.pendingState !== null;
  }

  get isProducerEpochExhausted(): boolean {
    return isEpochExhausted(this.producerEpoch);
  }

  get partitionList(): TopicPartition[] {
    return [...this.topicPartitions.values()];
  }

  hasPartitions(partitions: readonly TopicPartition[]): boolean {
    return partitions.every((tp) => this.topicPartitions.has(tpKey(tp)));
  }

  /** A marker for `tp` was written (only while markers are being sent). */
  removePartition(tp: TopicPartition): void {
    if (this.state !== TxnState.PrepareCommit && this.state !== TxnState.PrepareAbort) {
      throw new TxnStateError(`${this.describe()}: removing ${tpKey(tp)} whose marker was written, but the state is ${txnStateName(this.state)}`);
    }
    this.topicPartitions.delete(tpKey(tp));
  }

  /** Epoch bump before aborting an open transaction (InitProducerId while Ongoing, or a timeout). */
  prepareFenceProducerEpoch(): TxnTransitMetadata {
    if (this.producerEpoch === SHORT_MAX) throw new TxnStateError(`${this.describe()}: cannot fence producer epoch ${SHORT_MAX}`);
    // After a failed fencing append the epoch was already bumped in memory (never returned to anyone).
    const bumped = this.hasFailedEpochFence ? this.producerEpoch : this.producerEpoch + 1;
    return this.prepareTransitionTo(TxnState.PrepareEpochFence, this.producerId, bumped, NO_PRODUCER_EPOCH, this.txnTimeoutMs, this.partitionList, this.txnStartTimestamp, this.txnLastUpdateTimestamp);
  }

  /**
   * InitProducerId on an idle id: epoch + 1 (KIP-360 rules for a request carrying its own epoch);
   * PRODUCER_FENCED when that epoch is neither the current nor the previous one.
   */
  prepareIncrementProducerEpoch(newTxnTimeoutMs: number, expectedEpoch: number | null, now: number): TxnTransitMetadata | 'fenced' {
    if (this.isProducerEpochExhausted) throw new TxnStateError(`${this.describe()}: no producer epoch left`);
    const bumped = this.producerEpoch + 1;
    let next: number;
    let last: number;
    if (expectedEpoch === null) {
      next = bumped;
      last = NO_PRODUCER_EPOCH;
    } else if (this.producerEpoch === NO_PRODUCER_EPOCH || expectedEpoch === this.producerEpoch) {
      next = bumped;
      last = this.producerEpoch;
    } else if (expectedEpoch === this.lastProducerEpoch) {
      // a retry of a bump whose answer was lost: return the current epoch again
      next = this.producerEpoch;
      last = this.lastProducerEpoch;
    } else {
      return 'fenced';
    }
    return this.prepareTransitionTo(TxnState.Empty, this.producerId, next, last, newTxnTimeoutMs, [], -1, now);
  }

  /** Epochs exhausted: a new producer id with epoch 0. */
  prepareProducerIdRotation(newProducerId: number, newTxnTimeoutMs: number, now: number, recordLastEpoch: boolean): TxnTransitMetadata {
    if (this.state === TxnState.Ongoing || this.state === TxnState.PrepareAbort || this.state === TxnState.PrepareCommit) {
      throw new TxnStateError(`${this.describe()}: cannot rotate the producer id while a transaction is open`);
    }
    return this.prepareTransitionTo(TxnState.Empty, newProducerId, 0, recordLastEpoch ? this.producerEpoch : NO_PRODUCER_EPOCH, newTxnTimeoutMs, [], -1, now);
  }

  /** AddPartitionsToTxn / AddOffsetsToTxn; the transaction starts at the first add. */
  prepareAddPartitions(added: readonly TopicPartition[], now: number): TxnTransitMetadata {
    const idle = this.state === TxnState.Empty || this.state === TxnState.CompleteAbort || this.state === TxnState.CompleteCommit;
    return this.prepareTransitionTo(
      TxnState.Ongoing,
      this.producerId,
      this.producerEpoch,
      this.lastProducerEpoch,
      this.txnTimeoutMs,
      unionOf(this.topicPartitions.values(), added),
      idle ? now : this.txnStartTimestamp,
      now,
    );
  }

  prepareAbortOrCommit(newState: typeof TxnState.PrepareCommit | typeof TxnState.PrepareAbort, now: number): TxnTransitMetadata {
    return this.prepareTransitionTo(newState, this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, this.partitionList, this.txnStartTimestamp, now);
  }

  /** Every marker is written: CompleteCommit / CompleteAbort with no partitions. */
  prepareComplete(now: number): TxnTransitMetadata {
    const newState = this.state === TxnState.PrepareCommit ? TxnState.CompleteCommit : TxnState.CompleteAbort;
    // the Prepare* record (carrying any fenced epoch) is durable by now
    this.hasFailedEpochFence = false;
    return this.prepareTransitionTo(newState, this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, [], this.txnStartTimestamp, now);
  }

  prepareDead(): TxnTransitMetadata {
    return this.prepareTransitionTo(TxnState.Dead, this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, [], this.txnStartTimestamp, this.txnLastUpdateTimestamp);
  }

  private prepareTransitionTo(
    newState: TxnState,
    newProducerId: number,
    newEpoch: number,
    newLastEpoch: number,
    newTxnTimeoutMs: number,
    newPartitions: readonly TopicPartition[],
    newTxnStartTimestamp: number,
    updateTimestamp: number,
  ): TxnTransitMetadata {
    if (this.pendingState !== null) {
      throw new TxnStateError(`${this.describe()}: preparing a transition to ${txnStateName(newState)} while ${txnStateName(this.pendingState)} is pending`);
    }
    if (newProducerId < 0) throw new TxnStateError(`${this.describe()}: illegal new producer id ${newProducerId}`);
    if (newEpoch < 0) throw new TxnStateError(`${this.describe()}: illegal new producer epoch ${newEpoch}`);
    if (!isValidTransition(this.state, newState)) {
      throw new TxnStateError(`${this.describe()}: ${txnStateName(this.state)} → ${txnStateName(newState)} is not a valid transition`);
    }
    this.pendingState = newState;
    return {
      producerId: newProducerId,
      lastProducerId: this.producerId,
      producerEpoch: newEpoch,
      lastProducerEpoch: newLastEpoch,
      txnTimeoutMs: newTxnTimeoutMs,
      txnState: newState,
      topicPartitions: newPartitions,
      txnStartTimestamp: newTxnStartTimestamp,
      txnLastUpdateTimestamp: updateTimestamp,
    };
  }

  /** Applies a prepared transition after its record was appended and replicated. */
  completeTransitionTo(t: TxnTransitMetadata): void {
    const to = this.pendingState;
    if (to === null) throw new TxnStateError(`${this.describe()}: completing a transition to ${txnStateName(t.txnState)} that was never prepared`);
    if (to !== t.txnState) this.transitionFailure(t);
    const sameProducer = t.producerEpoch === this.producerEpoch && t.producerId === this.producerId;
    switch (to) {
      case TxnState.Empty: {
        const validBump = t.producerEpoch === this.producerEpoch + 1 || (t.producerEpoch === 0 && t.producerId !== this.producerId);
        if ((this.producerEpoch !== t.producerEpoch && !validBump) || t.topicPartitions.length > 0 || t.txnStartTimestamp !== -1) this.transitionFailure(t);
        this.txnTimeoutMs = t.txnTimeoutMs;
        this.producerEpoch = t.producerEpoch;
        this.lastProducerEpoch = t.lastProducerEpoch;
        this.producerId = t.producerId;
        this.lastProducerId = t.lastProducerId;
        break;
      }
      case TxnState.Ongoing: {
        const targets = new Set(t.topicPartitions.map(tpKey));
        const subset = [...this.topicPartitions.keys()].every((k) => targets.has(k));
        if (!sameProducer || !subset || this.txnTimeoutMs !== t.txnTimeoutMs) this.transitionFailure(t);
        this.txnStartTimestamp = t.txnStartTimestamp;
        for (const tp of t.topicPartitions) this.topicPartitions.set(tpKey(tp), tp);
        break;
      }
      case TxnState.PrepareAbort:
      case TxnState.PrepareCommit: {
        const same = t.topicPartitions.length === this.topicPartitions.size && t.topicPartitions.every((tp) => this.topicPartitions.has(tpKey(tp)));
        if (!sameProducer || !same || this.txnTimeoutMs !== t.txnTimeoutMs || this.txnStartTimestamp !== t.txnStartTimestamp) this.transitionFailure(t);
        break;
      }
      case TxnState.CompleteAbort:
      case TxnState.CompleteCommit:
        if (!sameProducer || this.txnTimeoutMs !== t.txnTimeoutMs || t.txnStartTimestamp === -1) this.transitionFailure(t);
        this.txnStartTimestamp = t.txnStartTimestamp;
        this.topicPartitions.clear();
        break;
      case TxnState.PrepareEpochFence:
      case TxnState.Dead:
        // a fence becomes PrepareAbort before anything is written; an expired id leaves the cache
        this.transitionFailure(t);
    }
    this.txnLastUpdateTimestamp = t.txnLastUpdateTimestamp;
    this.pendingState = null;
    this.state = to;
  }

  private transitionFailure(t: TxnTransitMetadata): never {
    throw new TxnStateError(`${this.describe()}: unexpected transition to ${txnStateName(t.txnState)} (producer ${t.producerId}, epoch ${t.producerEpoch})`);
  }

  describe(): string {
    const pending = this.pendingState === null ? '' : ` pending ${txnStateName(this.pendingState)}`;
    return `transactional id ${JSON.stringify(this.transactionalId)} (producer ${this.producerId}, epoch ${this.producerEpoch}, ${txnStateName(this.state)}${pending})`;
  }
}
