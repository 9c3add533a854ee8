/**
 * ControlledShutdown on the controller (zk-and-controller.md §12, Kafka's doControlledShutdown): the broker
 * is marked shutting down, leadership of its multi-replica partitions moves away (ControlledShutdown
 * leader selection), its follower replicas go Offline (StopReplica without delete, out of the ISR), and
 * the partitions it still leads are returned so that the broker retries. Split out of controller.ts;
 * runs on its single event loop through `ControllerServices`.
 */
import { KafkaError } from '../common/errors.js';
import { tpKey, type TopicPartition } from '../common/topic-partition.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { ControllerServices } from './controller-services.js';
import { PartitionStateName } from './partition-state-machine.js';
import { ReplicaStateName } from './replica-state-machine.js';

export async function doControlledShutdown(s: ControllerServices, brokerId: number, brokerEpoch: number): Promise<TopicPartition[]> {
  const { ctx } = s;
  if (!s.isActive) throw new KafkaError(ErrorCode.StaleControllerEpoch, 'this broker is not the controller');
  const cachedEpoch = ctx.brokerEpoch(brokerId);
  if (brokerEpoch !== -1 && cachedEpoch !== undefined && brokerEpoch < cachedEpoch) {
    throw new KafkaError(
      ErrorCode.StaleBrokerEpoch,
      `Received controlled shutdown request from an old broker epoch ${brokerEpoch} for broker ${brokerId}. Current broker epoch is ${cachedEpoch}.`,
    );
  }
  if (!ctx.isLiveOrShuttingDown(brokerId)) {
    throw new KafkaError(ErrorCode.BrokerNotAvailable, `Broker id ${brokerId} does not exist.`);
  }
  ctx.shuttingDownBrokerIds.add(brokerId);
  s.log.info({ brokerId, shuttingDown: [...ctx.shuttingDownBrokerIds] }, 'shutting down broker');
  const toActOn = ctx
    .partitionsOnBroker(brokerId)
    .filter((tp) => ctx.partitionReplicaAssignment(tp).length > 1 && ctx.leadershipInfo(tp) && !ctx.isTopicQueuedUpForDeletion(tp.topic));
  const led = toActOn.filter((tp) => ctx.leadershipInfo(tp)!.state.leader === brokerId);
  const followed = toActOn.filter((tp) => ctx.leadershipInfo(tp)!.state.leader !== brokerId);
  await s.partitionStateMachine.handleStateChanges(led, PartitionStateName.OnlinePartition, { kind: 'controlled-shutdown' });
  // followers: StopReplica(delete=false) and removal from the ISR (OfflineReplica does both)
  await s.replicaStateMachine.handleStateChanges(
    followed.map((tp) => ({ tp, replica: brokerId })),
    ReplicaStateName.OfflineReplica,
  );
  const remaining = ctx
    .allPartitions()
    .filter(
      (tp) =>
        !ctx.isTopicQueuedUpForDeletion(tp.topic) &&
        ctx.leadershipInfo(tp)?.state.leader === brokerId &&
        ctx.partitionReplicaAssignment(tp).length > 1,
    );
  s.log.info({ brokerId, remaining: remaining.map(tpKey) }, 'controlled shutdown: partitions still led by the broker');
  return remaining;
}
