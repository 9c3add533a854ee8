/**
 * FindCoordinator's answer for an internal topic (Kafka's handleFindCoordinatorRequest): the live
 * leader of the partition owning the key, on the caller's listener. The topic is auto-created on
 * first use; until the controller has elected its leaders the answer is COORDINATOR_NOT_AVAILABLE.
 */
import type { Logger } from '../common/logger.js';
import { autoCreateTopic } from '../cluster/auto-topic-creation.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { MetadataCache } from '../metadata/metadata-cache.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { KafkaZkClient } from '../zk/kafka-zk-client.js';
import type { CoordinatorLocator, CoordinatorNode } from './coordinator-locator.js';

export interface LocatorDeps {
  readonly config: BrokerConfig;
  readonly zk: KafkaZkClient;
  readonly metadataCache: MetadataCache;
  readonly log: Logger;
}

export function internalTopicLocator(deps: LocatorDeps, topic: string, partitionFor: (key: string) => number): CoordinatorLocator {
  return {
    async findCoordinator(key: string, listenerName: string): Promise<CoordinatorNode | ErrorCode> {
      const cache = deps.metadataCache;
      if (!cache.hasTopic(topic)) {
        const code = await autoCreateTopic({ zk: deps.zk, config: deps.config, log: deps.log }, topic);
        // Created (or being created by another broker): leaders come with the next UpdateMetadata.
        return code === ErrorCode.LeaderNotAvailable ? ErrorCode.CoordinatorNotAvailable : code;
      }
      const info = cache.partition({ topic, partition: partitionFor(key) });
      if (!info || !cache.isBrokerAlive(info.leader)) return ErrorCode.CoordinatorNotAvailable;
      const endpoint = cache.endpoint(info.leader, listenerName);
      if (!endpoint) return ErrorCode.CoordinatorNotAvailable;
      return { nodeId: info.leader, host: endpoint.host, port: endpoint.port };
    },
  };
}
