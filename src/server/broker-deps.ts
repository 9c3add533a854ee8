/**
 * What request handlers may use of the broker, as narrow interfaces. Handler files export
 * factories `create<Api>Handler(deps: BrokerDeps): Handler` that close over these; the
 * composition root (`src/broker.ts`) builds one BrokerDeps and every handler from it.
 */
import type { Clock } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import type { TopicPartition } from '../common/topic-partition.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { LogManager } from '../log/log-manager.js';
import type { KafkaZkClient } from '../zk/kafka-zk-client.js';
import type { MetadataCache } from '../metadata/metadata-cache.js';
import type { DelayedOperation, Purgatory } from '../purgatory/purgatory.js';

/** The partition-hosting side of the broker, as admin handlers need it. */
export interface PartitionAccess {
  /**
   * DeleteRecords on a partition this broker leads: offset -1 means the high watermark; above the
   * high watermark → OFFSET_OUT_OF_RANGE; resolves to the new low watermark (log start offset).
   * Throws KafkaError (NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, ...).
   */
  deleteRecords(tp: TopicPartition, offset: number): Promise<number>;
  /** Whether this broker currently leads the partition. */
  isLeader(tp: TopicPartition): boolean;
}

export interface BrokerDeps {
  readonly brokerId: number;
  readonly clusterId: string;
  readonly config: BrokerConfig;
  readonly clock: Clock;
  readonly log: Logger;
  readonly zk: KafkaZkClient;
  readonly metadataCache: MetadataCache;
  readonly logManager: LogManager;
  readonly partitions: PartitionAccess;
  /** admin operations waiting for metadata to catch up (CreateTopics, DeleteTopics, CreatePartitions) */
  readonly adminPurgatory: Purgatory<DelayedOperation>;
  /**
   * Called by the broker after every UpdateMetadata is applied, so delayed admin operations
   * re-check their condition (Kafka completes DelayedCreatePartitions/DeleteTopics there).
   */
  readonly metadataChangedKey: string;
}
