/**
 * Every request handler of the broker, built from BrokerDeps and the services that exist
 * (aesthetics rule 1; the router derives ApiVersions from this list).
 * - client data: ApiVersions, Metadata, Produce, Fetch, ListOffsets;
 * - inter-broker (controller → broker): LeaderAndIsr, UpdateMetadata, StopReplica;
 * - admin: CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs, AlterConfigs,
 *   IncrementalAlterConfigs, DeleteRecords, DescribeLogDirs;
 * - `extra`: handlers owned by services built elsewhere (group coordinator, controller APIs).
 */
import type { TopicPartition } from '../../common/topic-partition.js';
import type { ReplicaManager } from '../../cluster/replica-manager.js';
import type { BrokerDeps } from '../broker-deps.js';
import type { Handler } from '../handler.js';
import { createAlterConfigsHandler } from './alter-configs.js';
import { apiVersions } from './api-versions.js';
import { createCreatePartitionsHandler } from './create-partitions.js';
import { createCreateTopicsHandler } from './create-topics.js';
import { createDeleteRecordsHandler } from './delete-records.js';
import { createDeleteTopicsHandler } from './delete-topics.js';
import { createDescribeConfigsHandler } from './describe-configs.js';
import { createDescribeLogDirsHandler } from './describe-log-dirs.js';
import { createFetchHandler } from './fetch.js';
import { createIncrementalAlterConfigsHandler } from './incremental-alter-configs.js';
import { createLeaderAndIsrHandler } from './leader-and-isr.js';
import { createListOffsetsHandler } from './list-offsets.js';
import { createMetadataHandler, type MetadataHandlerOptions } from './metadata.js';
import { createOffsetForLeaderEpochHandler } from './offset-for-leader-epoch.js';
import { createProduceHandler } from './produce.js';
import { createStopReplicaHandler } from './stop-replica.js';
import { createUpdateMetadataHandler } from './update-metadata.js';

export interface HandlerServices {
  readonly replicaManager: ReplicaManager;
  /** partitions an UpdateMetadata removed (topic deletion) */
  onPartitionsDeleted?(partitions: TopicPartition[]): void;
  readonly metadata?: MetadataHandlerOptions;
  /** handlers of other services (group coordinator, controller-side APIs) */
  readonly extra?: readonly Handler[];
}

export function createHandlers(deps: BrokerDeps, services: HandlerServices): Handler[] {
  const rm = services.replicaManager;
  return [
    apiVersions,
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
    createDescribeLogDirsHandler(deps),
    createOffsetForLeaderEpochHandler(rm),
    ...(services.extra ?? []),
  ];
}
