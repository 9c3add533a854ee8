/**
 * The transaction coordinator as a broker service (Kafka's KafkaServer starts a TransactionCoordinator
 * on every broker). Today it serves producer ids: the block is claimed at startup, as in Kafka, and
 * InitProducerId without a transactional id is answered by any broker. The transactional side
 * (`__transaction_state`, FindCoordinator KeyType 1, the transaction APIs) plugs in here: a `locator`
 * for FindCoordinator and `coordinator.setTransactionalIdCoordinator(...)` for InitProducerId.
 */
import type { Logger } from '../common/logger.js';
import type { CoordinatorLocator } from './coordinator-locator.js';
import type { ProducerIdBlockStore } from './producer-id-manager.js';
import { ProducerIdManager } from './producer-id-manager.js';
import { TransactionCoordinator } from './transaction-coordinator.js';

export interface TransactionServiceDeps {
  readonly brokerId: number;
  readonly producerIdBlocks: ProducerIdBlockStore;
  readonly log: Logger;
}

export interface TransactionService {
  readonly name: string;
  readonly coordinator: TransactionCoordinator;
  readonly producerIds: ProducerIdManager;
  /** FindCoordinator KeyType 1; absent until transactions are served (COORDINATOR_NOT_AVAILABLE) */
  readonly locator?: CoordinatorLocator;
  startup(): Promise<void>;
  shutdown(): void;
}

export function createTransactionService(deps: TransactionServiceDeps): TransactionService {
  const producerIds = new ProducerIdManager(deps.brokerId, deps.producerIdBlocks, deps.log);
  const coordinator = new TransactionCoordinator({ producerIds, log: deps.log });
  return {
    name: 'transaction-coordinator',
    coordinator,
    producerIds,
    startup: () => producerIds.startup(),
    shutdown: () => {},
  };
}
