/**
 * Topic and partition changes on the controller (Kafka's TopicChange, PartitionModifications and
 * TopicDeletion events, onNewPartitionCreation, zk-and-controller.md §5, §10.1, §10.4). Split out of
 * controller.ts; runs on its single event loop through `ControllerServices`.
 *
 * New topics and partitions added to an existing topic go New → Online (partitions and replicas);
 * additions to a topic queued for deletion are undone in ZooKeeper. Deletion requests are validated here
 * and handed to the TopicDeletionManager, which also gets the StopReplica answers of deleted replicas.
 */
import { tpKey, type TopicPartition } from '../common/topic-partition.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { PartitionReplica } from './controller-context.js';
import type { ControllerServices } from './controller-services.js';
import { PartitionStateName } from './partition-state-machine.js';
import { ReplicaStateName } from './replica-state-machine.js';

export async function processTopicChange(s: ControllerServices): Promise<void> {
  const { ctx } = s;
  const topics = await s.watches.watched('topics', () => ({ type: 'topic-change' }), (w) => s.zk.watchTopics(w!));
  const present = new Set(topics);
  const newTopics = topics.filter((t) => !ctx.allTopics.has(t));
  const deletedTopics = [...ctx.allTopics].filter((t) => !present.has(t));
  ctx.setAllTopics(topics);
  for (const t of deletedTopics) {
    ctx.removeTopic(t);
    s.watches.forget(`topic:${t}`);
  }
  const added: TopicPartition[] = [];
  for (const t of newTopics) added.push(...(await readTopicAssignment(s, t)));
  if (newTopics.length > 0 || deletedTopics.length > 0) s.log.info({ newTopics, deletedTopics }, 'topic change');
  if (added.length > 0) await onNewPartitionCreation(s, added);
}

export async function processPartitionModifications(s: ControllerServices, topic: string): Promise<void> {
  const { ctx } = s;
  if (!ctx.allTopics.has(topic)) return;
  const r = await s.watches.watched(
    `topic:${topic}`,
    () => ({ type: 'partition-modifications', topic }),
    (w) => s.zk.getTopicAssignment(topic, w),
  );
  if (!r) return;
  const toAdd = [...r.assignment.entries()].filter(([p]) => !ctx.hasPartition({ topic, partition: p }));
  if (toAdd.length === 0) return;
  if (ctx.isTopicQueuedUpForDeletion(topic)) {
    s.log.info({ topic, partitions: toAdd.map(([p]) => p) }, 'skipping partition addition to a topic queued for deletion; restoring its assignment');
    const existing = new Map([...r.assignment.entries()].filter(([p]) => ctx.hasPartition({ topic, partition: p })));
    await s.zk.setTopicAssignment(ctx.fence(), topic, existing, -1);
    return;
  }
  const tps = toAdd.map(([partition, a]) => {
    const tp = { topic, partition };
    ctx.updatePartitionAssignment(tp, a);
    return tp;
  });
  s.log.info({ topic, partitions: tps.map((tp) => tp.partition) }, 'new partitions added to an existing topic');
  await onNewPartitionCreation(s, tps);
}

export async function onNewPartitionCreation(s: ControllerServices, partitions: readonly TopicPartition[]): Promise<void> {
  s.log.info({ partitions: partitions.map(tpKey) }, 'new partition creation callback');
  const replicas = (): PartitionReplica[] => s.ctx.replicasForPartitions(partitions);
  await s.partitionStateMachine.handleStateChanges(partitions, PartitionStateName.NewPartition);
  await s.replicaStateMachine.handleStateChanges(replicas(), ReplicaStateName.NewReplica);
  await s.partitionStateMachine.handleStateChanges(partitions, PartitionStateName.OnlinePartition, {
    kind: 'offline',
    allowUnclean: false,
  });
  await s.replicaStateMachine.handleStateChanges(replicas(), ReplicaStateName.OnlineReplica);
}

export async function processTopicDeletion(s: ControllerServices): Promise<void> {
  const { ctx, zk } = s;
  const marked = await s.watches.watched('deletions', () => ({ type: 'topic-deletion' }), (w) => zk.watchTopicDeletions(w!));
  const nonExistent = marked.filter((t) => !ctx.allTopics.has(t));
  if (nonExistent.length > 0) {
    s.log.info({ topics: nonExistent }, 'ignoring deletion requests for topics that do not exist');
    await zk.deleteTopicDeletionMarkers(ctx.fence(), nonExistent);
  }
  const topics = new Set(marked.filter((t) => ctx.allTopics.has(t)));
  if (topics.size === 0) return;
  if (!s.deleteTopicEnable) {
    s.log.info({ topics: [...topics] }, 'delete.topic.enable=false: removing deletion markers');
    await zk.deleteTopicDeletionMarkers(ctx.fence(), [...topics]);
    return;
  }
  s.log.info({ topics: [...topics] }, 'starting topic deletion');
  // queued first, so that marking a topic with a reassignment in flight ineligible takes (Kafka 2.7 marks
  // before queueing, which only halts topics queued earlier)
  ctx.queueTopicDeletion(topics);
  for (const t of topics) {
    if (ctx.partitionsForTopic(t).some((tp) => ctx.partitionsBeingReassigned.has(tpKey(tp)))) {
      s.topicDeletionManager.markTopicIneligibleForDeletion([t], 'topic reassignment in progress');
    }
  }
  await s.topicDeletionManager.enqueueTopicsForDeletion(topics);
}

export async function processTopicDeletionStopReplicaResponse(
  s: ControllerServices,
  brokerId: number,
  requestErrorCode: number,
  partitionErrors: ReadonlyArray<{ tp: TopicPartition; errorCode: number }>,
): Promise<void> {
  const inError = partitionErrors.filter((pe) => requestErrorCode !== ErrorCode.None || pe.errorCode !== ErrorCode.None);
  const ok = partitionErrors.filter((pe) => !inError.includes(pe));
  if (inError.length > 0) {
    s.log.warn({ brokerId, requestErrorCode, partitions: inError.map((pe) => tpKey(pe.tp)) }, 'replica deletion failed');
    await s.topicDeletionManager.failReplicaDeletion(inError.map((pe) => ({ tp: pe.tp, replica: brokerId })));
  }
  if (ok.length > 0) await s.topicDeletionManager.completeReplicaDeletion(ok.map((pe) => ({ tp: pe.tp, replica: brokerId })));
}

/** Reads /brokers/topics/<t> (arming PartitionModifications) into the context; returns the partitions read. */
export async function readTopicAssignment(s: ControllerServices, topic: string): Promise<TopicPartition[]> {
  const r = await s.watches.watched(
    `topic:${topic}`,
    () => ({ type: 'partition-modifications', topic }),
    (w) => s.zk.getTopicAssignment(topic, w),
  );
  if (!r) return [];
  const out: TopicPartition[] = [];
  for (const [partition, assignment] of r.assignment) {
    const tp = { topic, partition };
    s.ctx.updatePartitionAssignment(tp, assignment);
    out.push(tp);
  }
  return out;
}
