/**
 * Committed consumer-group offsets in ZooKeeper (ARCHITECTURE decision 6; reference/zk-and-controller.md §15).
 *
 * Layout:
 * - `/consumers/<group>/offsets/<topic>/<partition>`: the next offset as decimal text — exactly what the old
 *   Scala consumer and old tools (ConsumerOffsetChecker, `kafka-consumer-groups --zookeeper`) read and write.
 * - `/consumers/<group>/offsets_metadata/<topic>/<partition>` (our sidecar): JSON
 *   `{"version":1,"offset":N,"leader_epoch":E,"metadata":"...","commit_timestamp":"<ms>"}`. A sibling subtree
 *   rather than a child of the offset znode, so old tools that list `offsets/<topic>` see only partitions and
 *   can still delete offset znodes non-recursively. The sidecar records the offset it describes; when an old
 *   tool later rewrites the decimal znode, the mismatch makes readers ignore the stale sidecar
 *   (metadata "" and leader epoch -1, as for offsets written by old tools).
 *
 * A commit is ONE multi: create-or-setData of every offset and sidecar znode, plus creates of missing
 * parents; a race with another writer (NODEEXISTS/NONODE) re-plans and retries.
 */
import type { TopicPartition } from '../common/topic-partition.js';
import { NoNodeError, type ZkClient, type ZkOp, zkOp } from './client.js';
import { ConsumerGroupZNode, ConsumerOffsetMetadataZNode, ConsumerOffsetZNode, ConsumerOffsetsTopicZNode, ConsumersZNode } from './znodes.js';

export interface OffsetToCommit {
  topic: string;
  partition: number;
  offset: number;
  metadata?: string;
  /** -1 when unknown */
  leaderEpoch?: number;
  commitTimestamp?: number;
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  offset: number;
  metadata: string;
  leaderEpoch: number;
  /** mzxid of the decimal offset znode (orders commits; see transactions-and-compaction.md §2.16) */
  mzxid: number;
}

/** The ancestors of a znode path, root side first (`/a/b/c` → `/a`, `/a/b`). */
export function parentChain(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(`/${parts.slice(0, i).join('/')}`);
  return out;
}

/** Builds the op list: creates for missing parents, then create-or-set for each znode. */
async function planOffsetOps(zk: ZkClient, writes: ReadonlyArray<{ path: string; data: Buffer }>): Promise<ZkOp[]> {
  const parents = new Set<string>();
  for (const w of writes) for (const p of parentChain(w.path)) parents.add(p);
  const sortedParents = [...parents].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
  const parentStats = await Promise.all(sortedParents.map((p) => zk.exists(p)));
  const leafStats = await Promise.all(writes.map((w) => zk.exists(w.path)));
  const ops: ZkOp[] = [];
  sortedParents.forEach((p, i) => {
    if (!parentStats[i]) ops.push(zkOp.create(p, null));
  });
  writes.forEach((w, i) => ops.push(leafStats[i] ? zkOp.setData(w.path, w.data, -1) : zkOp.create(w.path, w.data)));
  return ops;
}

/** Commits offsets (with metadata sidecars) for a group in one multi. */
export async function commitOffsets(
  zk: ZkClient,
  group: string,
  offsets: readonly OffsetToCommit[],
  nowMs = Date.now(),
): Promise<void> {
  if (offsets.length === 0) return;
  const writes: Array<{ path: string; data: Buffer }> = [];
  for (const o of offsets) {
    const tp = { topic: o.topic, partition: o.partition };
    if (!Number.isSafeInteger(o.offset)) throw new RangeError(`offset ${o.offset} for ${o.topic}-${o.partition}`);
    writes.push({ path: ConsumerOffsetZNode.path(group, tp), data: ConsumerOffsetZNode.encode(o.offset) });
    writes.push({
      path: ConsumerOffsetMetadataZNode.path(group, tp),
      data: ConsumerOffsetMetadataZNode.encode({
        offset: o.offset,
        metadata: o.metadata ?? '',
        leaderEpoch: o.leaderEpoch ?? -1,
        commitTimestamp: o.commitTimestamp ?? nowMs,
      }),
    });
  }
  for (let attempt = 0; ; attempt++) {
    const r = await zk.multi(await planOffsetOps(zk, writes));
    if (r.outcome === 'ok') return;
    if (attempt >= 5) throw new Error(`committing offsets for group ${group}: ${r.outcome} at ${r.path}`);
  }
}

/** The children of a znode; none when it does not exist. */
export async function childrenOrEmpty(zk: ZkClient, path: string): Promise<string[]> {
  try {
    return await zk.getChildren(path);
  } catch (err) {
    if (err instanceof NoNodeError) return [];
    throw err;
  }
}

/** All partitions with a committed offset for the group (from the decimal znodes). */
export async function listCommittedPartitions(zk: ZkClient, group: string): Promise<TopicPartition[]> {
  const topics = await childrenOrEmpty(zk, `${ConsumerGroupZNode.path(group)}/offsets`);
  const perTopic = await Promise.all(topics.map((t) => childrenOrEmpty(zk, ConsumerOffsetsTopicZNode.path(group, t))));
  const out: TopicPartition[] = [];
  topics.forEach((topic, i) => {
    for (const p of perTopic[i] ?? []) if (/^\d+$/.test(p)) out.push({ topic, partition: Number(p) });
  });
  return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

/** A committed offset with the time of its commit (what offset expiry judges). */
export interface TimestampedCommittedOffset extends CommittedOffset {
  /** ms since the epoch: the sidecar's commit_timestamp, else (old-tool writes) the offset znode's mtime */
  commitTimestamp: number;
}

/** Committed offsets for `tps` (default: all of the group's); partitions without an offset are omitted. */
export async function fetchOffsets(zk: ZkClient, group: string, tps?: readonly TopicPartition[]): Promise<CommittedOffset[]> {
  return (await fetchOffsetsWithTimestamps(zk, group, tps)).map(({ commitTimestamp: _t, ...rest }) => rest);
}

/** `fetchOffsets` plus each offset's commit timestamp (reads only). */
export async function fetchOffsetsWithTimestamps(
  zk: ZkClient,
  group: string,
  tps?: readonly TopicPartition[],
): Promise<TimestampedCommittedOffset[]> {
  const wanted = tps ?? (await listCommittedPartitions(zk, group));
  const read = await Promise.all(
    wanted.map(async (tp) => {
      const [off, meta] = await Promise.all([
        zk.tryGetData(ConsumerOffsetZNode.path(group, tp)),
        zk.tryGetData(ConsumerOffsetMetadataZNode.path(group, tp)),
      ]);
      if (!off) return null;
      const offset = ConsumerOffsetZNode.decode(group, tp, off.data);
      let metadata = '';
      let leaderEpoch = -1;
      let commitTimestamp = off.stat.mtime;
      if (meta) {
        const m = ConsumerOffsetMetadataZNode.decode(group, tp, meta.data);
        if (m.offset === offset) {
          metadata = m.metadata;
          leaderEpoch = m.leaderEpoch;
          if (m.commitTimestamp >= 0) commitTimestamp = m.commitTimestamp;
        }
      }
      const c: TimestampedCommittedOffset = {
        topic: tp.topic,
        partition: tp.partition,
        offset,
        metadata,
        leaderEpoch,
        mzxid: off.stat.mzxid,
        commitTimestamp,
      };
      return c;
    }),
  );
  return read.filter((c): c is TimestampedCommittedOffset => c !== null);
}

/** Consumer groups that have a znode under /consumers. */
export async function listConsumerGroups(zk: ZkClient): Promise<string[]> {
  return (await childrenOrEmpty(zk, ConsumersZNode.path)).sort();
}
