/**
 * Topic deletion (Kafka's TopicDeletionManager, zk-and-controller.md §10.4).
 *
 * A queued topic is *eligible* when no replica is in ReplicaDeletionStarted and it is not marked ineligible
 * (an offline replica or a reassignment in progress). Deletion of an eligible topic:
 * 1. partitions → Offline → NonExistent; UpdateMetadata with leader -2 to every broker;
 * 2. dead replicas → ReplicaDeletionIneligible (topic marked ineligible);
 * 3. live replicas → OfflineReplica (StopReplica delete=false, ISR removal, no LeaderAndIsr) →
 *    ReplicaDeletionStarted (StopReplica delete=true, leader epoch -2);
 * 4. StopReplica answers: error → ReplicaDeletionIneligible (retried later), NONE → ReplicaDeletionSuccessful;
 * 5. all replicas successful → NonExistentReplica, then /brokers/topics/<t>, /config/topics/<t> and
 *    /admin/delete_topics/<t> are deleted (fenced) and the topic is forgotten.
 * Deletion resumes when a broker hosting one of its replicas starts.
 */
import type { Logger } from '../common/logger.js';
import type { KafkaZkClient } from '../zk/kafka-zk-client.js';
import type { ControllerContext, PartitionReplica } from './controller-context.js';
import { PartitionStateName, type PartitionStateMachine } from './partition-state-machine.js';
import { ReplicaStateName, type ReplicaStateMachine } from './replica-state-machine.js';
import type { ControllerRequestBatch } from './controller-channel.js';

export interface TopicDeletionDeps {
  ctx: ControllerContext;
  zk: KafkaZkClient;
  batch: ControllerRequestBatch;
  partitionStateMachine: PartitionStateMachine;
  replicaStateMachine: ReplicaStateMachine;
  deleteTopicEnable: boolean;
  log: Logger;
  /** called when a topic is completely deleted (the controller drops its watch bookkeeping) */
  onTopicDeleted?(topic: string): void;
}

export class TopicDeletionManager {
  constructor(private readonly d: TopicDeletionDeps) {}

  /** Failover: queue the pending deletions (ineligible when a replica is offline). */
  async init(initialTopicsToBeDeleted: ReadonlySet<string>, initialIneligible: ReadonlySet<string>): Promise<void> {
    const { ctx } = this.d;
    if (this.d.deleteTopicEnable) {
      ctx.queueTopicDeletion(initialTopicsToBeDeleted);
      for (const t of initialIneligible) if (initialTopicsToBeDeleted.has(t)) ctx.topicsIneligibleForDeletion.add(t);
    } else if (initialTopicsToBeDeleted.size > 0) {
      this.d.log.info({ topics: [...initialTopicsToBeDeleted] }, 'delete.topic.enable=false: removing deletion markers');
      await this.d.zk.deleteTopicDeletionMarkers(ctx.fence(), [...initialTopicsToBeDeleted]);
    }
  }

  async tryTopicDeletion(): Promise<void> {
    if (this.d.deleteTopicEnable) await this.resumeDeletions();
  }

  async enqueueTopicsForDeletion(topics: ReadonlySet<string>): Promise<void> {
    if (!this.d.deleteTopicEnable) return;
    this.d.ctx.queueTopicDeletion(topics);
    await this.resumeDeletions();
  }

  async resumeDeletionForTopics(topics: ReadonlySet<string>): Promise<void> {
    if (!this.d.deleteTopicEnable) return;
    const { ctx } = this.d;
    const toResume = [...topics].filter((t) => ctx.topicsToBeDeleted.has(t));
    for (const t of toResume) ctx.topicsIneligibleForDeletion.delete(t);
    if (toResume.length > 0) await this.resumeDeletions();
  }

  markTopicIneligibleForDeletion(topics: Iterable<string>, reason: string): void {
    if (!this.d.deleteTopicEnable) return;
    const { ctx } = this.d;
    const halted = [...topics].filter((t) => ctx.topicsToBeDeleted.has(t));
    for (const t of halted) ctx.topicsIneligibleForDeletion.add(t);
    if (halted.length > 0) this.d.log.info({ topics: halted, reason }, 'halted deletion of topics');
  }

  isTopicQueuedUpForDeletion(topic: string): boolean {
    return this.d.ctx.isTopicQueuedUpForDeletion(topic);
  }

  async failReplicaDeletion(replicas: readonly PartitionReplica[]): Promise<void> {
    if (!this.d.deleteTopicEnable) return;
    const failed = replicas.filter((r) => this.isTopicQueuedUpForDeletion(r.tp.topic));
    if (failed.length === 0) return;
    await this.d.replicaStateMachine.handleStateChanges(failed, ReplicaStateName.ReplicaDeletionIneligible);
    this.markTopicIneligibleForDeletion(new Set(failed.map((r) => r.tp.topic)), 'replica deletion failure');
    await this.resumeDeletions();
  }

  async completeReplicaDeletion(replicas: readonly PartitionReplica[]): Promise<void> {
    const done = replicas.filter((r) => this.isTopicQueuedUpForDeletion(r.tp.topic));
    await this.d.replicaStateMachine.handleStateChanges(done, ReplicaStateName.ReplicaDeletionSuccessful);
    await this.resumeDeletions();
  }

  private isTopicEligibleForDeletion(topic: string): boolean {
    const { ctx } = this.d;
    return (
      ctx.isTopicQueuedUpForDeletion(topic) &&
      !ctx.isAnyReplicaInState(topic, ReplicaStateName.ReplicaDeletionStarted) &&
      !ctx.topicsIneligibleForDeletion.has(topic)
    );
  }

  private async resumeDeletions(): Promise<void> {
    const { ctx } = this.d;
    const retry = new Set<string>();
    const eligible = new Set<string>();
    for (const topic of [...ctx.topicsToBeDeleted]) {
      if (ctx.areAllReplicasInState(topic, ReplicaStateName.ReplicaDeletionSuccessful)) {
        await this.completeDeleteTopic(topic);
        continue;
      }
      if (
        !ctx.isAnyReplicaInState(topic, ReplicaStateName.ReplicaDeletionStarted) &&
        ctx.isAnyReplicaInState(topic, ReplicaStateName.ReplicaDeletionIneligible)
      ) {
        retry.add(topic);
      }
      if (this.isTopicEligibleForDeletion(topic)) eligible.add(topic);
    }
    if (retry.size > 0) {
      const failed = [...retry].flatMap((t) => ctx.replicasInState(t, ReplicaStateName.ReplicaDeletionIneligible));
      await this.d.replicaStateMachine.handleStateChanges(failed, ReplicaStateName.OfflineReplica);
    }
    if (eligible.size > 0) await this.onTopicDeletion(eligible);
  }

  private async completeDeleteTopic(topic: string): Promise<void> {
    const { ctx, zk } = this.d;
    const replicas = ctx.replicasInState(topic, ReplicaStateName.ReplicaDeletionSuccessful);
    await this.d.replicaStateMachine.handleStateChanges(replicas, ReplicaStateName.NonExistentReplica);
    await zk.deleteTopicZNodes(ctx.fence(), topic);
    ctx.removeTopic(topic);
    this.d.onTopicDeleted?.(topic);
    this.d.log.info({ topic }, 'deletion of topic successfully completed');
  }

  private async onTopicDeletion(topics: ReadonlySet<string>): Promise<void> {
    const { ctx, batch, partitionStateMachine } = this.d;
    this.d.log.info({ topics: [...topics] }, 'topic deletion callback');
    const unseen = [...topics].filter((t) => !ctx.topicsWithDeletionStarted.has(t));
    if (unseen.length > 0) {
      const partitions = unseen.flatMap((t) => ctx.partitionsForTopic(t));
      await partitionStateMachine.handleStateChanges(partitions, PartitionStateName.OfflinePartition);
      await partitionStateMachine.handleStateChanges(partitions, PartitionStateName.NonExistentPartition);
      ctx.beginTopicDeletion(unseen);
    }
    // UpdateMetadata with leader -2 to every broker, so they drop the topic from their caches
    batch.newBatch();
    batch.addUpdateMetadata(
      ctx.liveOrShuttingDownBrokerIds(),
      [...topics].flatMap((t) => ctx.partitionsForTopic(t)),
    );
    batch.send();
    await this.onPartitionDeletion(topics);
  }

  private async onPartitionDeletion(topics: ReadonlySet<string>): Promise<void> {
    const { ctx, replicaStateMachine } = this.d;
    const dead: PartitionReplica[] = [];
    const retry: PartitionReplica[] = [];
    const ineligible = new Set<string>();
    for (const topic of topics) {
      for (const r of ctx.replicasForTopic(topic)) {
        if (!ctx.isReplicaOnline(r.replica)) {
          dead.push(r);
          ineligible.add(topic);
        } else if (ctx.replicaState(r) !== ReplicaStateName.ReplicaDeletionSuccessful) {
          retry.push(r);
        }
      }
    }
    await replicaStateMachine.handleStateChanges(dead, ReplicaStateName.ReplicaDeletionIneligible);
    await replicaStateMachine.handleStateChanges(retry, ReplicaStateName.OfflineReplica);
    await replicaStateMachine.handleStateChanges(retry, ReplicaStateName.ReplicaDeletionStarted);
    if (ineligible.size > 0) this.markTopicIneligibleForDeletion(ineligible, 'offline replicas');
  }
}
