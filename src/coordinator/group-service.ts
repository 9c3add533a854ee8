/**
 * The group coordinator as a broker service (Kafka's KafkaServer starts a GroupCoordinator on
 * every broker): committed offsets in ZooKeeper, membership mirrored there for people to see,
 * placement by leadership of `__consumer_offsets` partitions. The group APIs' handlers live in
 * `src/server/handlers/` and call `coordinator` and `locator`; this layer never builds handlers.
 *
 * - FindCoordinator: the leader of partition `partitionFor(group)` of `__consumer_offsets`, read
 *   from the metadata cache; the topic is auto-created on first use (COORDINATOR_NOT_AVAILABLE
 *   until the controller has elected its leaders).
 * - LeaderAndIsr making this broker leader of a `__consumer_offsets` partition → onElection;
 *   follower or StopReplica → onResignation, so coordinator failover follows partition
 *   leadership (ARCHITECTURE §6).
 * - a transaction marker written on a `__consumer_offsets` partition here (WriteTxnMarkers) →
 *   handleTxnCompletion: the producer's pending transactional offsets of the partition's groups
 *   are committed or dropped, and that is the partition's answer to the marker (ARCHITECTURE §13).
 */
import type { Clock } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import { GROUP_METADATA_TOPIC } from '../cluster/auto-topic-creation.js';
import type { ReplicaManager } from '../cluster/replica-manager.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { MetadataCache } from '../metadata/metadata-cache.js';
import type { KafkaZkClient } from '../zk/kafka-zk-client.js';
import { ZkGroupMirror } from '../zk/zk-group-mirror.js';
import { ZkOffsetStore } from '../zk/zk-offset-store.js';
import { ZkTxnOffsetStore } from '../zk/zk-txn-offset-store.js';
import { groupCoordinatorConfig } from './coordinator-config.js';
import type { CoordinatorLocator } from './coordinator-locator.js';
import { internalTopicLocator } from './internal-topic-locator.js';
import { GroupCoordinator } from './group-coordinator.js';

export interface CoordinatorServiceDeps {
  readonly config: BrokerConfig;
  readonly zk: KafkaZkClient;
  readonly metadataCache: MetadataCache;
  readonly replicaManager: ReplicaManager;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface GroupService {
  readonly name: string;
  readonly coordinator: GroupCoordinator;
  readonly locator: CoordinatorLocator;
  startup(): void;
  shutdown(): Promise<void>;
}

export function createGroupService(deps: CoordinatorServiceDeps): GroupService {
  const v = deps.config.values;
  const config = groupCoordinatorConfig({
    'group.min.session.timeout.ms': v['group.min.session.timeout.ms'],
    'group.max.session.timeout.ms': v['group.max.session.timeout.ms'],
    'group.initial.rebalance.delay.ms': v['group.initial.rebalance.delay.ms'],
    'group.max.size': v['group.max.size'],
    'offsets.topic.num.partitions': v['offsets.topic.num.partitions'],
    'offset.metadata.max.bytes': v['offset.metadata.max.bytes'],
    'offsets.retention.minutes': v['offsets.retention.minutes'],
    'offsets.retention.check.interval.ms': v['offsets.retention.check.interval.ms'],
    'message.max.bytes': v['message.max.bytes'],
  });
  const mirror = new ZkGroupMirror(deps.zk.zk, { log: deps.log });
  const coordinator = new GroupCoordinator({
    config,
    clock: deps.clock,
    log: deps.log,
    offsetStore: new ZkOffsetStore(deps.zk.zk, { timeoutMs: v['offsets.commit.timeout.ms'] }),
    txnOffsetStore: new ZkTxnOffsetStore(deps.zk.zk),
    mirror,
    partitionExists: (tp) => deps.metadataCache.partition(tp) !== undefined,
  });

  const isOffsetsPartition = (topic: string) => topic === GROUP_METADATA_TOPIC;
  deps.replicaManager.addListener({
    onBecomeLeader: (p) => {
      if (isOffsetsPartition(p.tp.topic)) void coordinator.onElection(p.tp.partition);
    },
    onBecomeFollower: (tp) => {
      if (isOffsetsPartition(tp.topic)) coordinator.onResignation(tp.partition);
    },
    onStopReplica: (tp) => {
      if (isOffsetsPartition(tp.topic)) coordinator.onResignation(tp.partition);
    },
  });

  deps.replicaManager.setTxnMarkerListener(GROUP_METADATA_TOPIC, {
    onTxnMarker: (e) =>
      coordinator.handleTxnCompletion(e.tp.partition, { producerId: e.producerId, producerEpoch: e.producerEpoch, coordinatorEpoch: e.coordinatorEpoch, commit: e.committed }),
  });

  return {
    name: 'group-coordinator',
    coordinator,
    locator: internalTopicLocator(deps, GROUP_METADATA_TOPIC, (groupId) => coordinator.partitionFor(groupId)),
    startup: () => coordinator.startup(),
    shutdown: async () => {
      deps.replicaManager.setTxnMarkerListener(GROUP_METADATA_TOPIC, null);
      coordinator.shutdown();
      await mirror.close();
    },
  };
}
