/**
 * The controller's ZooKeeper-side wiring of partition reassignment (Kafka's PartitionReassignment and
 * PartitionReassignmentIsrChange events, zk-and-controller.md §10.3): the existence watch on
 * /admin/reassign_partitions and the data watch on a reassigning partition's state znode. The
 * reassignment logic itself is partition-reassignment.ts. Split out of controller.ts; runs on its single
 * event loop through `ControllerServices`.
 */
import type { TopicPartition } from '../common/topic-partition.js';
import type { PartitionStateAndVersion } from '../zk/kafka-zk-client.js';
import { watchPartitionReassignment } from '../zk/reassignment-store.js';
import type { ControllerServices } from './controller-services.js';
import { reassignIsrWatchKey } from './controller-watches.js';

/**
 * Re-arms the existence watch on /admin/reassign_partitions and, unless only re-arming (a data change,
 * which Kafka ignores), starts what the znode lists. Returns the keys of the partitions started.
 */
export async function processZkPartitionReassignment(s: ControllerServices, rearmOnly: boolean): Promise<Set<string>> {
  const exists = await s.watches.watched(
    'reassign',
    (e) => ({ type: 'zk-partition-reassignment', rearmOnly: e.type === 'data-changed' }),
    (w) => watchPartitionReassignment(s.zk.zk, w!),
  );
  if (!exists || rearmOnly) return new Set();
  return s.reassignment.onZkReassignment();
}

/** Reads a state znode with the PartitionReassignmentIsrChange data watch armed (classic ISR mode). */
export function readPartitionStateWatched(s: ControllerServices, tp: TopicPartition): Promise<PartitionStateAndVersion | null> {
  return s.watches.watched(
    reassignIsrWatchKey(tp),
    () => ({ type: 'partition-reassignment-isr-change', tp }),
    (w) => s.zk.getPartitionState(tp, w),
  );
}
