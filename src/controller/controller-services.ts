/**
 * What the controller's event handlers work with. Kafka's KafkaController is one class whose handlers
 * share its fields; here the handlers live in modules named after the Kafka concept they handle
 * (broker-change.ts, topic-change.ts, controller-failover.ts, preferred-election.ts, controlled-shutdown.ts,
 * isr-change-notification.ts, reassignment-events.ts) and take this view of the controller instead.
 *
 * Every handler runs on the controller's single serial event loop (controller.ts): none of them starts
 * concurrent work or touches these collaborators from a watch callback — watches only enqueue events.
 */
import type { Logger } from '../common/logger.js';
import type { TopicPartition } from '../common/topic-partition.js';
import type { KafkaZkClient } from '../zk/kafka-zk-client.js';
import type { ControllerChannelManager } from './controller-channel.js';
import type { ControllerContext } from './controller-context.js';
import type { ControllerWatches } from './controller-watches.js';
import type { PartitionReassignmentManager } from './partition-reassignment.js';
import type { PartitionStateMachine } from './partition-state-machine.js';
import type { ReplicaStateMachine } from './replica-state-machine.js';
import type { TopicDeletionManager } from './topic-deletion-manager.js';

export interface ControllerServices {
  readonly brokerId: number;
  readonly ctx: ControllerContext;
  readonly zk: KafkaZkClient;
  readonly log: Logger;
  readonly watches: ControllerWatches;
  readonly partitionStateMachine: PartitionStateMachine;
  readonly replicaStateMachine: ReplicaStateMachine;
  readonly topicDeletionManager: TopicDeletionManager;
  readonly reassignment: PartitionReassignmentManager;
  /** delete.topic.enable */
  readonly deleteTopicEnable: boolean;
  /** whether this broker is the active controller right now */
  readonly isActive: boolean;
  /** the channels to the brokers while active; null otherwise */
  readonly channel: ControllerChannelManager | null;
  /** One UpdateMetadata batch to `brokerIds` about `partitions`. */
  sendUpdateMetadata(brokerIds: readonly number[], partitions: readonly TopicPartition[]): void;
}
