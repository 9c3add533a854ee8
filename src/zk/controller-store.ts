/**
 * The controller's ZooKeeper operations that KafkaZkClient does not carry (reference/zk-and-controller.md
 * §4.5 step 3, §5): the admin preferred-replica-election znode and the log-dir event notifications.
 * Reads are plain; writes are fenced on /controller_epoch (ControllerMovedError when the controller moved).
 */
import type { TopicPartition } from '../common/topic-partition.js';
import { NoNodeError, type ZkClient, type ZkWatcher, zkOp } from './client.js';
import { fencedMulti, type ControllerFence } from './controller-election.js';
import { LogDirEventNotificationSequenceZNode, LogDirEventNotificationZNode, PreferredReplicaElectionZNode } from './znodes.js';

/**
 * The partitions listed in /admin/preferred_replica_election, or null when the znode is absent. With a
 * watcher: data watch when present, existence watch (fires on creation) when absent.
 */
export async function getPreferredReplicaElection(zk: ZkClient, watch?: ZkWatcher): Promise<TopicPartition[] | null> {
  const r = await zk.tryGetData(PreferredReplicaElectionZNode.path, watch);
  if (!r) return null;
  return PreferredReplicaElectionZNode.decode(r.data);
}

/** Fenced delete of /admin/preferred_replica_election (absent is fine). */
export async function deletePreferredReplicaElection(zk: ZkClient, fence: ControllerFence): Promise<void> {
  const r = await fencedMulti(zk, fence, [zkOp.delete(PreferredReplicaElectionZNode.path, -1)]);
  if (r.outcome !== 'ok' && r.outcome !== 'no-node') throw new Error(`deleting ${PreferredReplicaElectionZNode.path}: ${r.outcome}`);
}

/** Fenced delete of every /log_dir_event_notification child (failover step 3). */
export async function deleteAllLogDirEventNotifications(zk: ZkClient, fence: ControllerFence): Promise<void> {
  let names: string[];
  try {
    names = await zk.getChildren(LogDirEventNotificationZNode.path);
  } catch (err) {
    if (err instanceof NoNodeError) return;
    throw err;
  }
  for (const name of names) {
    const r = await fencedMulti(zk, fence, [zkOp.delete(LogDirEventNotificationSequenceZNode.path(name), -1)]);
    if (r.outcome !== 'ok' && r.outcome !== 'no-node') throw new Error(`deleting log dir event ${name}: ${r.outcome}`);
  }
}
