/**
 * The `/admin/reassign_partitions` znode (reference/zk-and-controller.md §2.2, §10.3; Kafka's
 * KafkaZkClient reassignment methods): written by tools (kafka-reassign-partitions before KIP-455),
 * read and trimmed by the controller.
 *
 * - `watchPartitionReassignment` arms an EXISTENCE watch (fires on creation, data change and deletion)
 *   and says whether the znode exists; the controller processes only creation (and re-checks after
 *   its own deletion), as Kafka's PartitionReassignmentHandler does.
 * - `getPartitionReassignment` reads the list; invalid JSON reads as an empty list (logged by the
 *   caller), as in Kafka, so a broken znode never stops the controller.
 * - Controller writes (`setOrCreatePartitionReassignment`, `deletePartitionReassignment`) are fenced on
 *   /controller_epoch (ControllerMovedError when the controller moved).
 * - `createPartitionReassignment` is the tool side (plain create; NodeExistsError from client.ts while one
 *   is listed).
 */
import { type ZkClient, type ZkWatcher, zkOp } from './client.js';
import { fencedMulti, type ControllerFence } from './controller-election.js';
import { ReassignPartitionsZNode, ZNodeDecodeError, type PartitionReassignment } from './znodes.js';

export type { PartitionReassignment } from './znodes.js';

/** Arms a one-shot existence watch on /admin/reassign_partitions; true when the znode exists. */
export async function watchPartitionReassignment(zk: ZkClient, watch: ZkWatcher): Promise<boolean> {
  return (await zk.exists(ReassignPartitionsZNode.path, watch)) !== null;
}

export type PartitionReassignmentRead =
  | { status: 'absent' }
  | { status: 'ok'; reassignments: PartitionReassignment[] }
  | { status: 'invalid'; reason: string };

/** The listed reassignments; `invalid` when the content is not the expected JSON. */
export async function getPartitionReassignment(zk: ZkClient): Promise<PartitionReassignmentRead> {
  const r = await zk.tryGetData(ReassignPartitionsZNode.path);
  if (!r) return { status: 'absent' };
  try {
    return { status: 'ok', reassignments: ReassignPartitionsZNode.decode(r.data) };
  } catch (err) {
    if (err instanceof ZNodeDecodeError) return { status: 'invalid', reason: err.message };
    throw err;
  }
}

/** Tool side: creates the znode (parents too). Throws NodeExistsError while a reassignment is listed. */
export async function createPartitionReassignment(zk: ZkClient, reassignments: PartitionReassignment[]): Promise<void> {
  await zk.create(ReassignPartitionsZNode.path, ReassignPartitionsZNode.encode(reassignments), { parents: true });
}

/** Controller: rewrites the list (fenced setData, or fenced create when it vanished meanwhile). */
export async function setOrCreatePartitionReassignment(
  zk: ZkClient,
  fence: ControllerFence,
  reassignments: PartitionReassignment[],
): Promise<void> {
  const path = ReassignPartitionsZNode.path;
  const data = ReassignPartitionsZNode.encode(reassignments);
  for (let attempt = 0; attempt < 5; attempt++) {
    const set = await fencedMulti(zk, fence, [zkOp.setData(path, data, -1)]);
    if (set.outcome === 'ok') return;
    if (set.outcome !== 'no-node') throw new Error(`updating ${path}: ${set.outcome}`);
    const created = await fencedMulti(zk, fence, [zkOp.create(path, data)]);
    if (created.outcome === 'ok') return;
    if (created.outcome !== 'node-exists') throw new Error(`creating ${path}: ${created.outcome}`);
  }
  throw new Error(`writing ${path}: it keeps appearing and vanishing`);
}

/** Controller: fenced delete (absent is fine). */
export async function deletePartitionReassignment(zk: ZkClient, fence: ControllerFence): Promise<void> {
  const r = await fencedMulti(zk, fence, [zkOp.delete(ReassignPartitionsZNode.path, -1)]);
  if (r.outcome !== 'ok' && r.outcome !== 'no-node') throw new Error(`deleting ${ReassignPartitionsZNode.path}: ${r.outcome}`);
}
