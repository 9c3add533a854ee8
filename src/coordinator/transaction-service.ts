/**
 * The transaction coordinator as a broker service (Kafka's KafkaServer starts a TransactionCoordinator
 * on every broker):
 * - producer ids: the block is claimed at startup, as in Kafka; InitProducerId without a transactional
 *   id is answered by any broker;
 * - transactional ids: served for the ids whose `__transaction_state` partition this broker leads.
 *   LeaderAndIsr making this broker leader of such a partition loads it (coordinator epoch = the
 *   partition's leader epoch); follower or StopReplica unloads it, so coordinator failover follows
 *   partition leadership (ARCHITECTURE §13);
 * - FindCoordinator KeyType 1: the leader of partition `partitionFor(id)` of `__transaction_state`,
 *   auto-created with the transaction.state.log.* settings on first use;
 * - markers go to partition leaders over the inter-broker listener.
 * The transaction APIs' handlers live in `src/server/handlers/` and call `coordinator` (InitProducerId),
 * `transactions` (AddPartitionsToTxn, AddOffsetsToTxn, EndTxn) and `locator`.
 */
import type { Logger } from '../common/logger.js';
import { TRANSACTION_STATE_TOPIC } from '../cluster/auto-topic-creation.js';
import type { CoordinatorLocator } from './coordinator-locator.js';
import type { CoordinatorServiceDeps } from './group-service.js';
import { internalTopicLocator } from './internal-topic-locator.js';
import type { ProducerIdBlockStore } from './producer-id-manager.js';
import { ProducerIdManager } from './producer-id-manager.js';
import { TransactionCoordinator } from './transaction-coordinator.js';
import { transactionConfig } from './transaction/transaction-config.js';
import { replicaTransactionLog } from './transaction/transaction-log-replicas.js';
import { TransactionMarkerChannelManager } from './transaction/transaction-marker-channel-manager.js';
import { TransactionStateManager } from './transaction/transaction-state-manager.js';
import { TxnCoordinator } from './transaction/txn-coordinator.js';
import { TxnMarkerTransport } from './transaction/txn-marker-transport.js';
import type { ClientSecurity } from '../network/client.js';

export interface TransactionServiceDeps extends CoordinatorServiceDeps {
  readonly brokerId: number;
  readonly producerIdBlocks: ProducerIdBlockStore;
  readonly log: Logger;
  /** TLS / SASL of the inter-broker listener, for the marker sender */
  readonly clientSecurity?: ClientSecurity;
}

export interface TransactionService {
  readonly name: string;
  /** InitProducerId (idempotent and transactional) */
  readonly coordinator: TransactionCoordinator;
  /** AddPartitionsToTxn, AddOffsetsToTxn, EndTxn */
  readonly transactions: TxnCoordinator;
  readonly producerIds: ProducerIdManager;
  /** FindCoordinator KeyType 1 */
  readonly locator: CoordinatorLocator;
  startup(): Promise<void>;
  shutdown(): Promise<void>;
}

export function createTransactionService(deps: TransactionServiceDeps): TransactionService {
  // the broker config carries the transaction.* keys under Kafka's names
  const config = transactionConfig(deps.config.values);
  const producerIds = new ProducerIdManager(deps.brokerId, deps.producerIdBlocks, deps.log);
  const state = new TransactionStateManager({ config, log: replicaTransactionLog(deps.replicaManager, deps.zk), clock: deps.clock, logger: deps.log });
  const transport = new TxnMarkerTransport({
    metadataCache: deps.metadataCache,
    interBrokerListenerName: deps.config.interBrokerListenerName,
    requestTimeoutMs: config.requestTimeoutMs,
    clientId: `broker-${deps.brokerId}-txn-marker-sender`,
    log: deps.log,
    ...(deps.clientSecurity ? { security: deps.clientSecurity } : {}),
  });
  const markers = new TransactionMarkerChannelManager({ state, transport, clock: deps.clock, log: deps.log });
  const transactions = new TxnCoordinator({ config, state, producerIds, markers, clock: deps.clock, log: deps.log });
  const coordinator = new TransactionCoordinator({ producerIds, log: deps.log, transactionalIds: transactions });

  const isTxnPartition = (topic: string) => topic === TRANSACTION_STATE_TOPIC;
  deps.replicaManager.addListener({
    onBecomeLeader: (p) => {
      if (isTxnPartition(p.tp.topic)) void transactions.onElection(p.tp.partition, p.leaderEpoch);
    },
    onBecomeFollower: (tp) => {
      if (isTxnPartition(tp.topic)) transactions.onResignation(tp.partition);
    },
    onStopReplica: (tp) => {
      if (isTxnPartition(tp.topic)) transactions.onResignation(tp.partition);
    },
  });

  return {
    name: 'transaction-coordinator',
    coordinator,
    transactions,
    producerIds,
    locator: internalTopicLocator(deps, TRANSACTION_STATE_TOPIC, (transactionalId) => transactions.partitionFor(transactionalId)),
    startup: async () => {
      await producerIds.startup();
      await state.startup();
      transactions.startup();
    },
    shutdown: async () => {
      transactions.shutdown();
      markers.shutdown();
      await transport.shutdown();
    },
  };
}
