/**
 * The transaction coordinator's entry point for InitProducerId (Kafka 2.7
 * TransactionCoordinator.handleInitProducerId; transactions-and-compaction.md §1.1, §2.5).
 *
 * - TransactionalId null (idempotent producer): any broker answers, with a brand-new producer id from
 *   this broker's block and epoch 0. A v3+ (ProducerId, ProducerEpoch) pair is ignored here, as in
 *   2.7: an idempotent producer cannot resume or bump through the coordinator (librdkafka bumps its
 *   idempotent epoch locally, which the partition leaders accept — log/producer-state.ts).
 * - TransactionalId "" → INVALID_REQUEST.
 * - Any other transactional id goes to the `TransactionalIdCoordinator` (the transaction state
 *   machine over `__transaction_state`: fencing by epoch bump, KIP-360 bumps, aborting an open
 *   transaction); until one is plugged in the answer is COORDINATOR_NOT_AVAILABLE.
 * - On any error the result carries producer id -1 and epoch -1.
 * Not here: the request-level checks (half-set pid/epoch → INVALID_REQUEST, PRODUCER_FENCED → 47 below
 * v4) live in the InitProducerId handler, as in KafkaApis.
 */
import type { Logger } from '../common/logger.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { ProducerIdGenerator } from './producer-id-manager.js';

export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;

export interface ProducerIdAndEpoch {
  readonly producerId: number;
  readonly producerEpoch: number;
}

export interface InitProducerIdResult {
  readonly errorCode: ErrorCode;
  readonly producerId: number;
  readonly producerEpoch: number;
}

/** The transactional-id path of InitProducerId (implemented by the transaction state machine). */
export interface TransactionalIdCoordinator {
  initProducerId(transactionalId: string, transactionTimeoutMs: number, expected: ProducerIdAndEpoch | null): Promise<InitProducerIdResult>;
}

export interface TransactionCoordinatorOptions {
  readonly producerIds: ProducerIdGenerator;
  readonly log: Logger;
  readonly transactionalIds?: TransactionalIdCoordinator;
}

export function initProducerIdError(errorCode: ErrorCode): InitProducerIdResult {
  return { errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
}

export class TransactionCoordinator {
  private transactionalIds: TransactionalIdCoordinator | null;

  constructor(private readonly opts: TransactionCoordinatorOptions) {
    this.transactionalIds = opts.transactionalIds ?? null;
  }

  /** Plugs in the transactional-id path (the transaction state machine, once built). */
  setTransactionalIdCoordinator(coordinator: TransactionalIdCoordinator): void {
    this.transactionalIds = coordinator;
  }

  async handleInitProducerId(
    transactionalId: string | null,
    transactionTimeoutMs: number,
    expected: ProducerIdAndEpoch | null,
  ): Promise<InitProducerIdResult> {
    if (transactionalId === null) {
      try {
        return { errorCode: ErrorCode.None, producerId: await this.opts.producerIds.generateProducerId(), producerEpoch: 0 };
      } catch (err) {
        // ZooKeeper could not give a new block: a retriable answer rather than a stalled request.
        this.opts.log.warn({ err }, 'no producer id available');
        return initProducerIdError(ErrorCode.CoordinatorNotAvailable);
      }
    }
    if (transactionalId === '') return initProducerIdError(ErrorCode.InvalidRequest);
    if (!this.transactionalIds) return initProducerIdError(ErrorCode.CoordinatorNotAvailable);
    return this.transactionalIds.initProducerId(transactionalId, transactionTimeoutMs, expected);
  }
}
