/**
 * The controller failover sequence (Kafka's onControllerFailover and initializeControllerContext,
 * zk-and-controller.md §4.5): what a newly elected controller does before it serves events — arm the
 * controller-only watches, build the ControllerContext from ZooKeeper, open the broker channels, start the
 * state machines, resume reassignments, deletions and preferred elections, and start the auto rebalance.
 * Split out of controller.ts; runs on its single event loop through `ControllerServices`. The step numbers
 * are those of the reference.
 */
import { tpKey } from '../common/topic-partition.js';
import type { BrokerAndEpoch } from '../zk/broker-registration.js';
import { deleteAllLogDirEventNotifications } from '../zk/controller-store.js';
import { watchBroker } from './broker-change.js';
import type { ControllerChannelManager } from './controller-channel.js';
import type { ControllerServices } from './controller-services.js';
import { processZkPreferredReplicaElection } from './preferred-election.js';
import { processZkPartitionReassignment } from './reassignment-events.js';
import { readTopicAssignment } from './topic-change.js';

/** What only the controller itself can do during failover. */
export interface FailoverHooks {
  /** Creates the channel manager (held by the controller from then on) and returns it. */
  openChannel(): ControllerChannelManager;
  /** Step 12: schedules the first auto leader rebalance when it is enabled. */
  startAutoRebalance(): void;
}

export async function onControllerFailover(s: ControllerServices, hooks: FailoverHooks): Promise<void> {
  const { ctx, zk } = s;
  const fence = ctx.fence();
  // 2–3. watches first; stale notifications are deleted (their content is re-derived from ZooKeeper state)
  const isrNotifications = await s.watches.watched('isr-change', () => ({ type: 'isr-change-notification' }), (w) =>
    zk.watchIsrChangeNotifications(w!),
  );
  await zk.deleteIsrChangeNotifications(fence, isrNotifications);
  await deleteAllLogDirEventNotifications(zk.zk, fence);

  // 4. the controller context
  await initializeControllerContext(s, hooks);

  // 5. pending deletions
  const toDelete = new Set(await s.watches.watched('deletions', () => ({ type: 'topic-deletion' }), (w) => zk.watchTopicDeletions(w!)));
  const ineligible = new Set<string>();
  for (const topic of ctx.allTopics) {
    if (ctx.replicasForTopic(topic).some((r) => !ctx.isReplicaOnline(r.replica, true))) ineligible.add(topic);
    if (ctx.partitionsForTopic(topic).some((tp) => ctx.partitionsBeingReassigned.has(tpKey(tp)))) ineligible.add(topic);
  }
  await s.topicDeletionManager.init(toDelete, ineligible);

  // 6. brokers learn each other's endpoints before any LeaderAndIsr
  s.sendUpdateMetadata(ctx.liveOrShuttingDownBrokerIds(), []);

  // 7–8. state machines: LeaderAndIsr for every partition, then elections for New/Offline partitions
  await s.replicaStateMachine.startup();
  await s.partitionStateMachine.startup();

  // 9. reassignments: /admin/reassign_partitions first (it takes precedence), then those recorded in the
  // assignments (AR/RR non-empty) that it does not list
  const fromZk = await processZkPartitionReassignment(s, false);
  await s.reassignment.resumeReassignments((tp) => !fromZk.has(tpKey(tp)));

  // 10. deletions
  await s.topicDeletionManager.tryTopicDeletion();

  // 11. pending preferred elections from /admin/preferred_replica_election
  await processZkPreferredReplicaElection(s);

  // 12. auto rebalance
  hooks.startAutoRebalance();
  s.log.info({ epoch: ctx.epoch }, 'controller failover complete');
}

/** Step 4: live brokers, topics, assignments and partition states (watches armed), then the channels. */
async function initializeControllerContext(s: ControllerServices, hooks: FailoverHooks): Promise<void> {
  const { ctx, zk } = s;
  const brokerIds = await s.watches.watched('brokers', () => ({ type: 'broker-change' }), (w) => zk.watchBrokers(w!));
  const brokers: BrokerAndEpoch[] = [];
  for (const id of brokerIds) {
    const b = await watchBroker(s, id);
    if (b) brokers.push(b);
  }
  ctx.addLiveBrokers(brokers);
  const topics = await s.watches.watched('topics', () => ({ type: 'topic-change' }), (w) => zk.watchTopics(w!));
  ctx.setAllTopics(topics);
  for (const topic of topics) await readTopicAssignment(s, topic);
  for (const { tp, current } of await zk.getPartitionStates(ctx.allPartitions())) {
    if (current) ctx.putLeadershipInfo(tp, { state: current.state, zkVersion: current.zkVersion });
  }
  const channel = hooks.openChannel();
  for (const b of ctx.liveOrShuttingDownBrokers()) channel.addBroker(b);
  s.log.info(
    { liveBrokers: ctx.liveBrokerIds(), topics: topics.length, partitions: ctx.allPartitions().length },
    'initialized controller context',
  );
}
