/**
 * A read-only snapshot of the cluster as ZooKeeper holds it (Kafka 2.7 layout): cluster id,
 * controller and controller epoch, registered brokers with their epochs, topics with replica
 * assignments and partition states, pending admin work, and consumer groups with members and
 * committed offsets. Shown by `gregor zk-tree`, the web view and the test harness.
 */
import { endPointToString } from '../config/listeners.js';
import type { ZkClient } from './client.js';
import type { KafkaZkClient } from './kafka-zk-client.js';
import { listConsumerGroups } from './consumer-offsets.js';
import { DeleteTopicsZNode, IsrChangeNotificationZNode, ReassignPartitionsZNode, PreferredReplicaElectionZNode } from './znodes.js';

export interface ZkTreePartition {
  partition: number;
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
  /** null when the state znode does not exist (yet) */
  leader: number | null;
  leaderEpoch: number | null;
  isr: number[] | null;
  controllerEpoch: number | null;
  zkVersion: number | null;
}

export interface ZkTree {
  zookeeper: string;
  clusterId: string | null;
  controller: { brokerId: number; epoch: number | null; epochZkVersion: number | null };
  brokers: Array<{ id: number; endpoints: string[]; rack: string | null; epoch: number; registeredAt: number | null }>;
  topics: Array<{ topic: string; config: Record<string, string>; partitions: ZkTreePartition[] }>;
  topicsPendingDeletion: string[];
  isrChangeNotifications: string[];
  reassignmentInProgress: boolean;
  preferredElectionInProgress: boolean;
  consumers: Array<{ group: string; members: string[]; offsets: Array<{ topic: string; partition: number; offset: number }> }>;
}

async function children(zk: ZkClient, path: string): Promise<string[]> {
  return (await zk.exists(path)) ? (await zk.getChildren(path).catch(() => [] as string[])).sort() : [];
}

/** Reads everything the tree shows. Znodes vanishing while we read are shown as absent. */
export async function readZkTree(kzk: KafkaZkClient, connect: string): Promise<ZkTree> {
  const zk = kzk.zk;
  const [clusterId, controllerId, controllerEpoch, brokers, topicNames] = await Promise.all([
    kzk.getClusterId(),
    kzk.getControllerId(),
    kzk.getControllerEpoch(),
    kzk.getAllBrokers(),
    kzk.getAllTopics(),
  ]);
  const topics = await Promise.all(
    topicNames.map(async (topic) => {
      const [assigned, config] = await Promise.all([
        kzk.getTopicAssignment(topic),
        kzk.getTopicConfig(topic).catch(() => ({}) as Record<string, string>),
      ]);
      const parts = [...(assigned?.assignment.entries() ?? [])].sort((a, b) => a[0] - b[0]);
      const states = await kzk.getPartitionStates(parts.map(([partition]) => ({ topic, partition })));
      const partitions: ZkTreePartition[] = parts.map(([partition, a], i) => {
        const cur = states[i]?.current ?? null;
        return {
          partition,
          replicas: a.replicas,
          addingReplicas: a.addingReplicas,
          removingReplicas: a.removingReplicas,
          leader: cur?.state.leader ?? null,
          leaderEpoch: cur?.state.leaderEpoch ?? null,
          isr: cur?.state.isr ?? null,
          controllerEpoch: cur?.state.controllerEpoch ?? null,
          zkVersion: cur?.zkVersion ?? null,
        };
      });
      return { topic, config, partitions };
    }),
  );
  const groups = await listConsumerGroups(zk);
  const consumers = await Promise.all(
    groups.map(async (group) => {
      const [members, offsets] = await Promise.all([children(zk, `/consumers/${group}/ids`), kzk.fetchOffsets(group)]);
      return { group, members, offsets: offsets.map((c) => ({ topic: c.topic, partition: c.partition, offset: c.offset })) };
    }),
  );
  const [pendingDeletion, isrNotifications, reassign, preferred] = await Promise.all([
    children(zk, DeleteTopicsZNode.path),
    children(zk, IsrChangeNotificationZNode.path),
    zk.exists(ReassignPartitionsZNode.path),
    zk.exists(PreferredReplicaElectionZNode.path),
  ]);
  return {
    zookeeper: connect,
    clusterId,
    controller: { brokerId: controllerId, epoch: controllerEpoch?.epoch ?? null, epochZkVersion: controllerEpoch?.zkVersion ?? null },
    brokers: brokers.map((b) => ({
      id: b.id,
      endpoints: b.endpoints.map(endPointToString),
      rack: b.rack,
      epoch: b.epoch,
      registeredAt: b.timestamp,
    })),
    topics,
    topicsPendingDeletion: pendingDeletion,
    isrChangeNotifications: isrNotifications,
    reassignmentInProgress: reassign !== null,
    preferredElectionInProgress: preferred !== null,
    consumers,
  };
}
