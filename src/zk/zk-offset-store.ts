/**
 * The group coordinator's OffsetStore in ZooKeeper (ARCHITECTURE decision 6; reference/zk-and-controller.md §15),
 * over consumer-offsets.ts. Layout per group `<g>`:
 * - `/consumers/<g>/offsets/<topic>/<partition>`: the next offset as decimal text, exactly what old tools read;
 * - `/consumers/<g>/offsets_metadata/<topic>/<partition>`: our sidecar (metadata, leader epoch, commit time).
 *
 * - `commit`: ONE multi per request (missing parents are created inside that multi; see commitOffsets). Duplicate
 *   partitions in a request: the last entry wins. A commit whose multi could exceed ZooKeeper's request limit
 *   (jute.maxbuffer, 1 MiB) is refused with INVALID_COMMIT_OFFSET_SIZE before anything is sent.
 * - `fetch`: reads only (never creates anything). `commitTimestamp` is the sidecar's, or the offset znode's mtime
 *   for offsets written by old tools.
 * - `deleteGroup`: one multi deleting the `offsets` and `offsets_metadata` subtrees; then, best effort, the
 *   `owners/<topic>`, `owners` and `ids` directories when they hold no (ephemeral) children, and the group node when
 *   nothing is left under it. Live members' ephemerals and `txn_offsets` are never touched.
 * - `deleteOffsets`: one multi deleting the decimal znodes and sidecars of the partitions that have them, plus the
 *   `<topic>` directories this leaves empty.
 * - `listGroupsWithOffsets`: groups under `/consumers` with at least one `offsets/<topic>/<partition>` znode.
 *
 * Group ids become znode names. A group id that is not a legal znode name (contains '/', control or surrogate
 * characters, or is "." / "..") is stored percent-encoded (`encodeURIComponent`); `zkNodeName` / `fromZkNodeName`
 * are shared with the membership mirror (zk-group-mirror.ts). The empty group id has no znode: commits answer
 * INVALID_GROUP_ID, reads find nothing.
 */
import { withDeadline } from '../common/deadline.js';
import { KafkaError } from '../common/errors.js';
import { tpKey, type TopicPartition } from '../common/topic-partition.js';
import type { CommittedOffset, OffsetStore } from '../coordinator/offset-store.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { NoNodeError, NotEmptyError, type ZkClient, type ZkOp, zkOp } from './client.js';
import { commitOffsets, fetchOffsetsWithTimestamps, listConsumerGroups, type OffsetToCommit } from './consumer-offsets.js';
import {
  ZK_MAX_REQUEST_BYTES,
  ConsumerGroupZNode,
  ConsumerIdsZNode,
  ConsumerOwnersZNode,
  ConsumerOffsetMetadataZNode,
  ConsumerOffsetZNode,
  ConsumersZNode,
} from './znodes.js';

// ---------------------------------------------------------------------------------------------- znode names

// ZooKeeper's PathUtils.validatePath rejects these characters in a path.
const ILLEGAL_ZNODE_CHARS = /[/\u0000-\u001f\u007f-\u009f\ud800-\uf8ff\ufff0-\uffff]/;

/** The znode name for an id (group or member id): as is when legal, else percent-encoded; null when impossible. */
export function zkNodeName(id: string): string | null {
  if (id === '') return null;
  if (id !== '.' && id !== '..' && !ILLEGAL_ZNODE_CHARS.test(id)) return id;
  if (id === '.' || id === '..') return id.replace(/\./g, '%2E');
  try {
    return encodeURIComponent(id);
  } catch {
    return null; // lone surrogate
  }
}

/** Inverse of `zkNodeName` (names that old tools wrote, or legal ids containing '%', come back unchanged). */
export function fromZkNodeName(name: string): string {
  if (!name.includes('%')) return name;
  try {
    const id = decodeURIComponent(name);
    return zkNodeName(id) === name ? id : name;
  } catch {
    return name;
  }
}

// ---------------------------------------------------------------------------------------------- request size

// A commit whose multi could exceed ZK_MAX_REQUEST_BYTES is refused with INVALID_COMMIT_OFFSET_SIZE (Kafka's answer
// to an offset batch too large for `__consumer_offsets`).

/** Bytes a multi op adds besides its path and data: op header (9), lengths (8), version/flags (4), open ACL (31). */
const MULTI_OP_OVERHEAD = 52;

/** An upper bound of the multi `commitOffsets` sends: every parent counted as a create, every leaf written. */
export function commitRequestBound(group: string, offsets: readonly OffsetToCommit[]): number {
  const utf8 = (x: string) => Buffer.byteLength(x, 'utf8');
  const parents = new Set<string>([ConsumersZNode.path, ConsumerGroupZNode.path(group), `${ConsumerGroupZNode.path(group)}/offsets`, `${ConsumerGroupZNode.path(group)}/offsets_metadata`]);
  let bytes = 64; // request header and the closing multi header
  for (const o of offsets) {
    const decimal = ConsumerOffsetZNode.path(group, o);
    const sidecar = ConsumerOffsetMetadataZNode.path(group, o);
    parents.add(decimal.slice(0, decimal.lastIndexOf('/')));
    parents.add(sidecar.slice(0, sidecar.lastIndexOf('/')));
    const sidecarData = ConsumerOffsetMetadataZNode.encode({
      offset: o.offset,
      metadata: o.metadata ?? '',
      leaderEpoch: o.leaderEpoch ?? -1,
      commitTimestamp: o.commitTimestamp ?? 0,
    });
    bytes += 2 * MULTI_OP_OVERHEAD + utf8(decimal) + 20 + utf8(sidecar) + sidecarData.length + 13; // commit time ≤ 13 digits more
  }
  for (const p of parents) bytes += MULTI_OP_OVERHEAD + utf8(p);
  return bytes;
}

// ---------------------------------------------------------------------------------------------- the store

const MAX_ATTEMPTS = 5;

async function childrenOrNull(zk: ZkClient, path: string): Promise<string[] | null> {
  try {
    return await zk.getChildren(path);
  } catch (err) {
    if (err instanceof NoNodeError) return null;
    throw err;
  }
}

async function deleteIfEmpty(zk: ZkClient, path: string): Promise<boolean> {
  try {
    await zk.delete(path);
    return true;
  } catch (err) {
    if (err instanceof NoNodeError) return true;
    if (err instanceof NotEmptyError) return false;
    throw err;
  }
}

export interface ZkOffsetStoreOptions {
  /** offsets.commit.timeout.ms: the longest a store operation of a client request waits for ZooKeeper */
  timeoutMs?: number;
}

export class ZkOffsetStore implements OffsetStore {
  private readonly timeoutMs: number;

  constructor(
    private readonly zk: ZkClient,
    opts: ZkOffsetStoreOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 5000;
  }

  /**
   * The store operations of client requests never wait for a lost ZooKeeper (kafka's offsets live in a topic whose
   * appends fail fast with NOT_ENOUGH_REPLICAS → COORDINATOR_NOT_AVAILABLE; ours live in ZooKeeper):
   * - not connected (quorum lost, server gone): COORDINATOR_NOT_AVAILABLE at once, nothing sent — definite, and
   *   what 2.7 clients retry after looking the coordinator up again (which finds this broker, membership intact);
   * - sent but unanswered within offsets.commit.timeout.ms: REQUEST_TIMED_OUT, as Kafka answers a commit its
   *   replicas did not acknowledge in that time — indeterminate (the write may still land), also retried.
   * A connection lost mid-request rejects with ConnectionLossError (→ COORDINATOR_NOT_AVAILABLE).
   */
  private bounded<T>(what: string, op: () => Promise<T>): Promise<T> {
    if (this.zk.state !== 'connected') {
      return Promise.reject(new KafkaError(ErrorCode.CoordinatorNotAvailable, `ZooKeeper is not reachable (${this.zk.state}); ${what} not attempted`));
    }
    return withDeadline(op(), Date.now() + this.timeoutMs, () => new KafkaError(ErrorCode.RequestTimedOut, `${what} not acknowledged by ZooKeeper within ${this.timeoutMs} ms`));
  }

  async commit(groupId: string, entries: readonly CommittedOffset[]): Promise<void> {
    if (entries.length === 0) return;
    const group = zkNodeName(groupId);
    if (group === null) throw new KafkaError(ErrorCode.InvalidGroupId, `group id ${JSON.stringify(groupId)} cannot be stored`);
    const byTp = new Map<string, OffsetToCommit>();
    for (const e of entries) {
      byTp.set(tpKey(e), {
        topic: e.topic,
        partition: e.partition,
        offset: e.offset,
        metadata: e.metadata,
        leaderEpoch: e.leaderEpoch,
        commitTimestamp: e.commitTimestamp,
      });
    }
    const offsets = [...byTp.values()];
    const bytes = commitRequestBound(group, offsets);
    if (bytes > ZK_MAX_REQUEST_BYTES) {
      // ZooKeeper would drop the connection (and every request in flight on it) rather than answer.
      throw new KafkaError(
        ErrorCode.InvalidCommitOffsetSize,
        `committing ${offsets.length} offsets of group ${JSON.stringify(groupId)} takes a ZooKeeper request of up to ${bytes} bytes (limit ${ZK_MAX_REQUEST_BYTES})`,
      );
    }
    await this.bounded(`committing offsets of group ${JSON.stringify(groupId)}`, () => commitOffsets(this.zk, group, offsets));
  }

  async fetch(groupId: string, partitions: readonly TopicPartition[] | null): Promise<CommittedOffset[]> {
    const group = zkNodeName(groupId);
    if (group === null || partitions?.length === 0) return [];
    const read = await this.bounded(`reading offsets of group ${JSON.stringify(groupId)}`, () => fetchOffsetsWithTimestamps(this.zk, group, partitions ?? undefined));
    return read.map((c) => ({
      topic: c.topic,
      partition: c.partition,
      offset: c.offset,
      leaderEpoch: c.leaderEpoch,
      metadata: c.metadata,
      commitTimestamp: c.commitTimestamp,
    }));
  }

  deleteGroup(groupId: string): Promise<void> {
    return this.bounded(`deleting group ${JSON.stringify(groupId)}`, () => this.deleteGroupNow(groupId));
  }

  deleteOffsets(groupId: string, partitions: readonly TopicPartition[]): Promise<void> {
    return this.bounded(`deleting offsets of group ${JSON.stringify(groupId)}`, () => this.deleteOffsetsNow(groupId, partitions));
  }

  private async deleteGroupNow(groupId: string): Promise<void> {
    const group = zkNodeName(groupId);
    if (group === null) return;
    const groupPath = ConsumerGroupZNode.path(group);
    for (let attempt = 1; ; attempt++) {
      const ops: ZkOp[] = [];
      for (const sub of [`${groupPath}/offsets`, `${groupPath}/offsets_metadata`]) {
        const topics = await childrenOrNull(this.zk, sub);
        if (topics === null) continue;
        const perTopic = await Promise.all(topics.map((t) => childrenOrNull(this.zk, `${sub}/${t}`)));
        topics.forEach((t, i) => {
          for (const p of perTopic[i] ?? []) ops.push(zkOp.delete(`${sub}/${t}/${p}`));
          if (perTopic[i] !== null) ops.push(zkOp.delete(`${sub}/${t}`));
        });
        ops.push(zkOp.delete(sub));
      }
      const r = await this.zk.multi(ops);
      if (r.outcome === 'ok') break;
      if (attempt >= MAX_ATTEMPTS) throw new Error(`deleting offsets of group ${groupId}: ${r.outcome} at ${r.path}`);
    }
    // The membership directories, when no live member's ephemeral is left in them; then the group node.
    const ownersPath = ConsumerOwnersZNode.path(group);
    const ownerTopics = (await childrenOrNull(this.zk, ownersPath)) ?? [];
    await Promise.all(ownerTopics.map((t) => deleteIfEmpty(this.zk, `${ownersPath}/${t}`)));
    await Promise.all([deleteIfEmpty(this.zk, ownersPath), deleteIfEmpty(this.zk, ConsumerIdsZNode.path(group))]);
    await deleteIfEmpty(this.zk, groupPath);
  }

  private async deleteOffsetsNow(groupId: string, partitions: readonly TopicPartition[]): Promise<void> {
    const group = zkNodeName(groupId);
    if (group === null || partitions.length === 0) return;
    const targets = new Set<string>();
    const topicDirs = new Set<string>();
    for (const tp of partitions) {
      for (const path of [ConsumerOffsetZNode.path(group, tp), ConsumerOffsetMetadataZNode.path(group, tp)]) {
        targets.add(path);
        topicDirs.add(path.slice(0, path.lastIndexOf('/')));
      }
    }
    for (let attempt = 1; ; attempt++) {
      const dirs = [...topicDirs];
      const children = await Promise.all(dirs.map((d) => childrenOrNull(this.zk, d)));
      const ops: ZkOp[] = [];
      dirs.forEach((dir, i) => {
        const kids = children[i];
        if (kids === null || kids === undefined) return;
        let remaining = kids.length;
        for (const k of kids) {
          if (targets.has(`${dir}/${k}`)) {
            ops.push(zkOp.delete(`${dir}/${k}`));
            remaining--;
          }
        }
        if (remaining === 0) ops.push(zkOp.delete(dir));
      });
      const r = await this.zk.multi(ops);
      if (r.outcome === 'ok') return;
      if (attempt >= MAX_ATTEMPTS) throw new Error(`deleting offsets of group ${groupId}: ${r.outcome} at ${r.path}`);
    }
  }

  async listGroupsWithOffsets(): Promise<string[]> {
    const names = await listConsumerGroups(this.zk);
    const out: string[] = [];
    const BATCH = 64;
    for (let i = 0; i < names.length; i += BATCH) {
      const batch = names.slice(i, i + BATCH);
      const has = await Promise.all(batch.map((n) => this.hasOffsets(n)));
      batch.forEach((n, j) => {
        if (has[j]) out.push(fromZkNodeName(n));
      });
    }
    return out;
  }

  private async hasOffsets(groupName: string): Promise<boolean> {
    const offsetsPath = `${ConsumerGroupZNode.path(groupName)}/offsets`;
    for (const topic of (await childrenOrNull(this.zk, offsetsPath)) ?? []) {
      const stat = await this.zk.exists(`${offsetsPath}/${topic}`);
      if (stat && stat.numChildren > 0) return true;
    }
    return false;
  }
}
