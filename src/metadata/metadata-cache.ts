/**
 * What this broker believes about the cluster: live brokers with their endpoints, and the
 * leader/ISR/replicas of every partition. Fed only by the controller's UpdateMetadata requests
 * (ARCHITECTURE §3: brokers do not watch partition-state znodes); Metadata is answered from here.
 *
 * Kafka 2.7 rules (MetadataCache.getPartitionMetadata, protocol.md §7.3):
 * - leader not alive → LEADER_NOT_AVAILABLE with leader -1, replicas and ISR still listed;
 * - leader alive without the client's listener → LISTENER_NOT_FOUND (v6+) or LEADER_NOT_AVAILABLE;
 * - v0 only: dead replicas filtered out and REPLICA_NOT_AVAILABLE set;
 * - an UpdateMetadata partition with leader -2 (topic being deleted) removes the partition.
 */
import type { TopicPartition } from '../common/topic-partition.js';
import { ErrorCode } from '../protocol/error-codes.js';

export const LEADER_DURING_DELETE = -2;
export const NO_LEADER = -1;

export interface BrokerEndpoint {
  listenerName: string;
  host: string;
  port: number;
  securityProtocol: number;
}

export interface LiveBroker {
  id: number;
  rack: string | null;
  endpoints: BrokerEndpoint[];
}

export interface PartitionInfo {
  topic: string;
  partition: number;
  controllerEpoch: number;
  leader: number;
  leaderEpoch: number;
  isr: number[];
  zkVersion: number;
  replicas: number[];
  offlineReplicas: number[];
}

export interface MetadataUpdate {
  controllerId: number;
  controllerEpoch: number;
  liveBrokers: LiveBroker[];
  partitions: PartitionInfo[];
}

export interface PartitionMetadata {
  errorCode: number;
  partitionIndex: number;
  leaderId: number;
  leaderEpoch: number;
  replicaNodes: number[];
  isrNodes: number[];
  offlineReplicas: number[];
}

export class MetadataCache {
  private brokers = new Map<number, LiveBroker>();
  private readonly topics = new Map<string, Map<number, PartitionInfo>>();
  private controller = NO_LEADER;

  /** Replaces the live-broker list, merges partition states; returns the partitions it deleted. */
  update(u: MetadataUpdate): TopicPartition[] {
    this.controller = u.controllerId;
    this.brokers = new Map(u.liveBrokers.map((b) => [b.id, b]));
    const deleted: TopicPartition[] = [];
    for (const p of u.partitions) {
      if (p.leader === LEADER_DURING_DELETE) {
        const parts = this.topics.get(p.topic);
        if (parts?.delete(p.partition)) deleted.push({ topic: p.topic, partition: p.partition });
        if (parts && parts.size === 0) this.topics.delete(p.topic);
        continue;
      }
      let parts = this.topics.get(p.topic);
      if (!parts) this.topics.set(p.topic, (parts = new Map()));
      parts.set(p.partition, p);
    }
    return deleted;
  }

  get controllerId(): number {
    return this.controller;
  }

  liveBrokers(): LiveBroker[] {
    return [...this.brokers.values()].sort((a, b) => a.id - b.id);
  }

  isBrokerAlive(id: number): boolean {
    return this.brokers.has(id);
  }

  broker(id: number): LiveBroker | undefined {
    return this.brokers.get(id);
  }

  endpoint(id: number, listenerName: string): BrokerEndpoint | undefined {
    return this.brokers.get(id)?.endpoints.find((e) => e.listenerName === listenerName);
  }

  hasTopic(topic: string): boolean {
    return this.topics.has(topic);
  }

  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  partitionCount(topic: string): number {
    return this.topics.get(topic)?.size ?? 0;
  }

  partition(tp: TopicPartition): PartitionInfo | undefined {
    return this.topics.get(tp.topic)?.get(tp.partition);
  }

  partitions(topic: string): PartitionInfo[] {
    return [...(this.topics.get(topic)?.values() ?? [])].sort((a, b) => a.partition - b.partition);
  }

  /** Partition entries of a Metadata response for `listenerName` at request version `version`. */
  partitionMetadata(topic: string, listenerName: string, version: number): PartitionMetadata[] {
    return this.partitions(topic).map((p) => {
      let replicas = p.replicas;
      let isr = p.isr;
      let errorCode: number = ErrorCode.None;
      const leaderAlive = this.brokers.has(p.leader);
      if (version === 0) {
        const alive = replicas.filter((r) => this.brokers.has(r));
        if (alive.length < replicas.length || isr.some((r) => !this.brokers.has(r))) errorCode = ErrorCode.ReplicaNotAvailable;
        replicas = alive;
        isr = isr.filter((r) => this.brokers.has(r));
      }
      let leaderId = p.leader;
      if (!leaderAlive) {
        errorCode = ErrorCode.LeaderNotAvailable;
        leaderId = NO_LEADER;
      } else if (!this.endpoint(p.leader, listenerName)) {
        errorCode = version >= 6 ? ErrorCode.ListenerNotFound : ErrorCode.LeaderNotAvailable;
        leaderId = NO_LEADER;
      }
      return {
        errorCode,
        partitionIndex: p.partition,
        leaderId,
        leaderEpoch: p.leaderEpoch,
        replicaNodes: replicas,
        isrNodes: isr,
        offlineReplicas: p.offlineReplicas,
      };
    });
  }

  /** True when every partition of the topic has a live leader (CreateTopics waits for this). */
  allPartitionsLed(topic: string, expectedPartitions: number): boolean {
    const parts = this.topics.get(topic);
    if (!parts || parts.size < expectedPartitions) return false;
    for (const p of parts.values()) if (!this.brokers.has(p.leader)) return false;
    return true;
  }
}
