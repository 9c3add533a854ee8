/**
 * Every request handler of the broker, built from BrokerDeps and the services that exist
 * (aesthetics rule 1; the router derives ApiVersions from this list).
 * - client data: ApiVersions, Metadata, Produce, Fetch, ListOffsets;
 * - inter-broker (controller → broker): LeaderAndIsr, UpdateMetadata, StopReplica;
 * - admin: CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs, AlterConfigs,
 *   IncrementalAlterConfigs, DeleteRecords, DescribeLogDirs;
 * - groups: FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit,
 *   OffsetFetch, DescribeGroups, ListGroups, DeleteGroups, OffsetDelete, TxnOffsetCommit, calling the group
 *   coordinator service (handlers call services, never the reverse);
 * - producers and transactions: InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, calling
 *   the transaction coordinator service; WriteTxnMarkers (coordinator → partition leader);
 * - controller-facing: ControlledShutdown, ElectLeaders, Alter/ListPartitionReassignments.
 */
import type { TopicPartition } from '../../common/topic-partition.js';
import type { ReplicaManager } from '../../cluster/replica-manager.js';
import type { KafkaController } from '../../controller/controller.js';
import type { GroupService } from '../../coordinator/group-service.js';
import type { TransactionService } from '../../coordinator/transaction-service.js';
import type { BrokerDeps } from '../broker-deps.js';
import type { Handler } from '../handler.js';
import { createAddOffsetsToTxnHandler } from './add-offsets-to-txn.js';
import { createAddPartitionsToTxnHandler } from './add-partitions-to-txn.js';
import { createAlterConfigsHandler } from './alter-configs.js';
import { createAlterPartitionReassignmentsHandler } from './alter-partition-reassignments.js';
import { apiVersions } from './api-versions.js';
import { createControlledShutdownHandler } from './controlled-shutdown.js';
import { createCreatePartitionsHandler } from './create-partitions.js';
import { createCreateTopicsHandler } from './create-topics.js';
import { createDeleteGroupsHandler } from './delete-groups.js';
import { createDeleteRecordsHandler } from './delete-records.js';
import { createDeleteTopicsHandler } from './delete-topics.js';
import { createDescribeConfigsHandler } from './describe-configs.js';
import { createDescribeGroupsHandler } from './describe-groups.js';
import { createDescribeLogDirsHandler } from './describe-log-dirs.js';
import { createAlterReplicaLogDirsHandler } from './alter-replica-log-dirs.js';
import { createElectLeadersHandler } from './elect-leaders.js';
import { createEndTxnHandler } from './end-txn.js';
import { createFetchHandler } from './fetch.js';
import { createFindCoordinatorHandler } from './find-coordinator.js';
import { createHeartbeatHandler } from './heartbeat.js';
import { createIncrementalAlterConfigsHandler } from './incremental-alter-configs.js';
import { createInitProducerIdHandler } from './init-producer-id.js';
import { createJoinGroupHandler } from './join-group.js';
import { createLeaderAndIsrHandler } from './leader-and-isr.js';
import { createLeaveGroupHandler } from './leave-group.js';
import { createListGroupsHandler } from './list-groups.js';
import { createListOffsetsHandler } from './list-offsets.js';
import { createListPartitionReassignmentsHandler } from './list-partition-reassignments.js';
import { createMetadataHandler, type MetadataHandlerOptions } from './metadata.js';
import { createOffsetCommitHandler } from './offset-commit.js';
import { createOffsetDeleteHandler } from './offset-delete.js';
import { createOffsetFetchHandler } from './offset-fetch.js';
import { createOffsetForLeaderEpochHandler } from './offset-for-leader-epoch.js';
import { createProduceHandler } from './produce.js';
import { createAcls } from './create-acls.js';
import { deleteAcls } from './delete-acls.js';
import { describeAcls } from './describe-acls.js';
import { createAlterUserScramCredentialsHandler } from './alter-user-scram-credentials.js';
import { createDescribeUserScramCredentialsHandler } from './describe-user-scram-credentials.js';
import { saslAuthenticate } from './sasl-authenticate.js';
import { saslHandshake } from './sasl-handshake.js';
import { createStopReplicaHandler } from './stop-replica.js';
import { createSyncGroupHandler } from './sync-group.js';
import { createTxnOffsetCommitHandler } from './txn-offset-commit.js';
import { createUpdateMetadataHandler } from './update-metadata.js';
import { createWriteTxnMarkersHandler } from './write-txn-markers.js';

export interface HandlerServices {
  readonly replicaManager: ReplicaManager;
  /** partitions an UpdateMetadata removed (topic deletion) */
  onPartitionsDeleted?(partitions: TopicPartition[]): void;
  readonly metadata?: MetadataHandlerOptions;
  readonly groups: GroupService;
  readonly transactions: TransactionService;
  readonly controller: KafkaController;
}

export function createHandlers(deps: BrokerDeps, services: HandlerServices): Handler[] {
  const rm = services.replicaManager;
  return [
    apiVersions,
    saslHandshake,
    saslAuthenticate,
    describeAcls,
    createAcls,
    deleteAcls,
    createMetadataHandler(deps, services.metadata),
    createProduceHandler(deps, rm),
    createFetchHandler(deps, rm),
    createListOffsetsHandler(deps, rm),
    createLeaderAndIsrHandler(rm),
    createUpdateMetadataHandler(deps, rm, services.onPartitionsDeleted ? { onPartitionsDeleted: services.onPartitionsDeleted } : {}),
    createStopReplicaHandler(rm),
    createCreateTopicsHandler(deps),
    createDeleteTopicsHandler(deps),
    createCreatePartitionsHandler(deps),
    createDescribeConfigsHandler(deps),
    createAlterConfigsHandler(deps),
    createIncrementalAlterConfigsHandler(deps),
    createDeleteRecordsHandler(deps),
    createAlterReplicaLogDirsHandler(rm),
    createDescribeLogDirsHandler(deps),
    createOffsetForLeaderEpochHandler(rm),
    ...groupHandlers(services.groups, services.transactions),
    ...transactionHandlers(deps, services.transactions, services.groups),
    createWriteTxnMarkersHandler(deps, rm),
    createControlledShutdownHandler(deps, services.controller),
    createElectLeadersHandler(deps, services.controller),
    createAlterPartitionReassignmentsHandler(deps, services.controller),
    createListPartitionReassignmentsHandler(deps, services.controller),
    createDescribeUserScramCredentialsHandler(deps),
    createAlterUserScramCredentialsHandler(deps, services.controller),
  ];
}

function groupHandlers(groups: GroupService, transactions: TransactionService): Handler[] {
  const c = groups.coordinator;
  return [
    createFindCoordinatorHandler({ groups: groups.locator, transactions: transactions.locator }),
    createJoinGroupHandler(c),
    createSyncGroupHandler(c),
    createHeartbeatHandler(c),
    createLeaveGroupHandler(c),
    createOffsetCommitHandler(c),
    createOffsetFetchHandler(c),
    createDescribeGroupsHandler(c),
    createListGroupsHandler(c),
    createDeleteGroupsHandler(c),
    createOffsetDeleteHandler(c),
    createTxnOffsetCommitHandler(c),
  ];
}

function transactionHandlers(deps: BrokerDeps, transactions: TransactionService, groups: GroupService): Handler[] {
  const t = transactions.transactions;
  return [
    createInitProducerIdHandler(transactions.coordinator),
    createAddPartitionsToTxnHandler(t, deps.metadataCache),
    createAddOffsetsToTxnHandler(t, (groupId) => groups.coordinator.partitionFor(groupId)),
    createEndTxnHandler(t),
  ];
}
