/**
 * The group coordinator as a broker service (Kafka's KafkaServer starts a GroupCoordinator on
 * every broker): committed offsets in ZooKeeper, membership mirrored there for people to see,
 * placement by leadership of `__consumer_offsets` partitions.
 *
 * - FindCoordinator: the leader of partition `partitionFor(group)` of `__consumer_offsets`, read
 *   from the metadata cache; the topic is auto-created on first use (COORDINATOR_NOT_AVAILABLE
 *   until the controller has elected its leaders).
 * - LeaderAndIsr making this broker leader of a `__consumer_offsets` partition → onElection;
 *   follower or StopReplica → onResignation, so coordinator failover follows partition
 *   leadership (ARCHITECTURE §6).
 */
import type { Clock } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import { autoCreateTopic, GROUP_METADATA_TOPIC } from '../cluster/auto-topic-creation.js';
import type { ReplicaManager } from '../cluster/replica-manager.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { BrokerDeps } from '../server/broker-deps.js';
import type { Handler } from '../server/handler.js';
import { createDeleteGroupsHandler } from '../server/handlers/delete-groups.js';
import { createDescribeGroupsHandler } from '../server/handlers/describe-groups.js';
import { type CoordinatorLocator, type CoordinatorNode, createFindCoordinatorHandler } from '../server/handlers/find-coordinator.js';
import { createHeartbeatHandler } from '../server/handlers/heartbeat.js';
import { createJoinGroupHandler } from '../server/handlers/join-group.js';
import { createLeaveGroupHandler } from '../server/handlers/leave-group.js';
import { createListGroupsHandler } from '../server/handlers/list-groups.js';
import { createOffsetCommitHandler } from '../server/handlers/offset-commit.js';
import { createOffsetDeleteHandler } from '../server/handlers/offset-delete.js';
import { createOffsetFetchHandler } from '../server/handlers/offset-fetch.js';
import { createSyncGroupHandler } from '../server/handlers/sync-group.js';
import { ZkGroupMirror } from '../zk/zk-group-mirror.js';
import { ZkOffsetStore } from '../zk/zk-offset-store.js';
import { groupCoordinatorConfig } from './coordinator-config.js';
import { GroupCoordinator } from './group-coordinator.js';

export interface GroupService {
  readonly name: string;
  readonly coordinator: GroupCoordinator;
  readonly handlers: readonly Handler[];
  startup(): void;
  shutdown(): Promise<void>;
}

export function createGroupService(deps: BrokerDeps, replicaManager: ReplicaManager, clock: Clock, log: Logger): GroupService {
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
  const mirror = new ZkGroupMirror(deps.zk.zk, { log });
  const coordinator = new GroupCoordinator({
    config,
    clock,
    log,
    offsetStore: new ZkOffsetStore(deps.zk.zk),
    mirror,
    partitionExists: (tp) => deps.metadataCache.partition(tp) !== undefined,
  });

  const isOffsetsPartition = (topic: string) => topic === GROUP_METADATA_TOPIC;
  replicaManager.addListener({
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

  const locator: CoordinatorLocator = {
    async findCoordinator(groupId: string, listenerName: string): Promise<CoordinatorNode | ErrorCode> {
      const cache = deps.metadataCache;
      if (!cache.hasTopic(GROUP_METADATA_TOPIC)) {
        const code = await autoCreateTopic({ zk: deps.zk, config: deps.config, log }, GROUP_METADATA_TOPIC);
        // Created (or being created by another broker): leaders come with the next UpdateMetadata.
        return code === ErrorCode.LeaderNotAvailable ? ErrorCode.CoordinatorNotAvailable : code;
      }
      const partition = coordinator.partitionFor(groupId);
      const info = cache.partition({ topic: GROUP_METADATA_TOPIC, partition });
      if (!info || !cache.isBrokerAlive(info.leader)) return ErrorCode.CoordinatorNotAvailable;
      const endpoint = cache.endpoint(info.leader, listenerName);
      if (!endpoint) return ErrorCode.CoordinatorNotAvailable;
      return { nodeId: info.leader, host: endpoint.host, port: endpoint.port };
    },
  };

  return {
    name: 'group-coordinator',
    coordinator,
    handlers: [
      createFindCoordinatorHandler({ groups: locator }),
      createJoinGroupHandler(coordinator),
      createSyncGroupHandler(coordinator),
      createHeartbeatHandler(coordinator),
      createLeaveGroupHandler(coordinator),
      createOffsetCommitHandler(coordinator),
      createOffsetFetchHandler(coordinator),
      createDescribeGroupsHandler(coordinator),
      createListGroupsHandler(coordinator),
      createDeleteGroupsHandler(coordinator),
      createOffsetDeleteHandler(coordinator),
    ],
    startup: () => coordinator.startup(),
    shutdown: async () => {
      coordinator.shutdown();
      await mirror.close();
    },
  };
}
