/**
 * Pending transactional offset commits in ZooKeeper (ARCHITECTURE §13, transactions-and-compaction.md
 * §2.16): TxnOffsetCommit parks offsets under the group until the transaction's marker reaches the
 * group's `__consumer_offsets` partition leader; COMMIT moves them to the committed path, ABORT drops them.
 *
 * Layout per group `<g>` (znode-safe names as in zk-offset-store.ts) and producer id `<pid>`:
 * - `/consumers/<g>/txn_offsets/<pid>`: `{"version":1,"producer_epoch":E,"coordinator_epoch":C,"timestamp":"<ms>"}`,
 *   the fencing memory of the producer in this group (kept after a commit or abort);
 * - `/consumers/<g>/txn_offsets/<pid>/<topic>/<partition>`: one pending offset
 *   `{"version":1,"offset":N,"leader_epoch":L,"metadata":"…","commit_timestamp":"<ms>","producer_epoch":E}`.
 *
 * Writes, each ONE multi (missing parents created inside it):
 * - `storePending`: refused with INVALID_PRODUCER_EPOCH when the pid znode holds a newer epoch; else the
 *   pid znode (epoch = max(stored, request)) and every pending child, create-or-set. The pid znode is
 *   written with a version check; a new one is created and set in the same multi, so its version is
 *   never 0 (node-zookeeper-client's multi treats an expected version 0 as "any", aesthetics rule 7).
 * - `complete`: marker epoch below the stored one → INVALID_PRODUCER_EPOCH, coordinator epoch below
 *   the stored one → TRANSACTION_COORDINATOR_FENCED, nothing written. COMMIT: each pending child whose
 *   committed znode is absent or older (mzxid lower than the child's: no plain commit since the
 *   TxnOffsetCommit — zxids are totally ordered) is written exactly as a plain commit (decimal znode and
 *   sidecar); every child is deleted either way. ABORT: the children are deleted. The pid znode keeps the
 *   newest epochs. A multi that could exceed ZooKeeper's request limit is split per topic, each child
 *   still deleted in the same multi as its committed write; the pid znode goes with the last one.
 *   A version conflict (a concurrent write) re-reads and redoes.
 * - `deletePending` (OffsetDelete) and `deleteGroup` (DeleteGroups) remove pending offsets, as Kafka drops
 *   a deleted partition's or group's pending transactional offsets.
 * Callers serialize the writes of one group (the group coordinator's per-group chain), which is what
 * keeps a plain commit of the same coordinator from landing between a read and its multi.
 */
import { KafkaError } from '../common/errors.js';
import type { CommittedOffset, TxnMarker, TxnOffsetStore } from '../coordinator/offset-store.js';
import { tpKey, type TopicPartition } from '../common/topic-partition.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { type ZkClient, type ZkOp, zkOp } from './client.js';
import { childrenOrEmpty, parentChain } from './consumer-offsets.js';
import { fromZkNodeName, zkNodeName } from './zk-offset-store.js';
import { ZK_MAX_REQUEST_BYTES } from './znodes.js';
import {
  ConsumerGroupZNode,
  ConsumerOffsetMetadataZNode,
  ConsumerOffsetZNode,
  ConsumersZNode,
  ConsumerTxnOffsetsZNode,
  ConsumerTxnOffsetZNode,
  ConsumerTxnProducerZNode,
  type PendingTxnOffset,
} from './znodes.js';

type PendingOffset = CommittedOffset;

interface CompletionResult {
  readonly errorCode: ErrorCode;
  /** the offsets the COMMIT wrote to the committed path (not those a newer plain commit kept) */
  readonly committed: readonly PendingOffset[];
}

const MAX_ATTEMPTS = 10;
const OP_OVERHEAD = 52; // as zk-offset-store.ts: op header, lengths, version/flags, open ACL

function groupNode(groupId: string): string {
  const g = zkNodeName(groupId);
  if (g === null) throw new KafkaError(ErrorCode.InvalidGroupId, `group id ${JSON.stringify(groupId)} cannot be stored`);
  return g;
}

function opBytes(op: ZkOp): number {
  const data = op.type === 'create' || op.type === 'setData' ? (op.data?.length ?? 0) : 0;
  return OP_OVERHEAD + Buffer.byteLength(op.path) + data;
}

interface ReadChild {
  readonly tp: TopicPartition;
  readonly path: string;
  readonly pending: PendingTxnOffset;
  readonly mzxid: number;
}

/** A pid znode written by this store is never at version 0; one written otherwise gets no check (rule 7). */
function versionOrAny(version: number): number {
  return version >= 1 ? version : -1;
}

function toPendingOffset(c: ReadChild): PendingOffset {
  return { ...c.tp, offset: c.pending.offset, leaderEpoch: c.pending.leaderEpoch, metadata: c.pending.metadata, commitTimestamp: c.pending.commitTimestamp };
}

export class ZkTxnOffsetStore implements TxnOffsetStore {
  constructor(private readonly zk: ZkClient) {}

  async storePending(groupId: string, producerId: number, producerEpoch: number, offsets: readonly PendingOffset[], now: number): Promise<void> {
    const g = groupNode(groupId);
    const pidPath = ConsumerTxnProducerZNode.path(g, producerId);
    const byTp = new Map(offsets.map((o) => [tpKey(o), o]));
    for (let attempt = 1; ; attempt++) {
      const stored = await this.zk.tryGetData(pidPath);
      const current = stored ? ConsumerTxnProducerZNode.decode(pidPath, stored.data) : null;
      if (current && current.producerEpoch > producerEpoch) {
        throw new KafkaError(ErrorCode.InvalidProducerEpoch, `producer ${producerId} epoch ${producerEpoch} is older than ${current.producerEpoch} in group ${groupId}`);
      }
      const pidData = ConsumerTxnProducerZNode.encode({ producerEpoch, coordinatorEpoch: current?.coordinatorEpoch ?? -1, timestamp: now });
      const children = [...byTp.values()].map((o) => ({
        path: ConsumerTxnOffsetZNode.path(g, producerId, o),
        data: ConsumerTxnOffsetZNode.encode({ offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestamp: o.commitTimestamp, producerEpoch }),
      }));
      const ops: ZkOp[] = [];
      const dirs = new Set<string>();
      for (const c of children) for (const p of parentChain(c.path)) if (p.length > pidPath.length) dirs.add(p);
      const [groupParents, dirStats, childStats] = await Promise.all([
        Promise.all([ConsumersZNode.path, ConsumerGroupZNode.path(g), ConsumerTxnOffsetsZNode.path(g)].map(async (p) => ({ p, stat: await this.zk.exists(p) }))),
        Promise.all([...dirs].map(async (p) => ({ p, stat: stored ? await this.zk.exists(p) : null }))),
        Promise.all(children.map((c) => (stored ? this.zk.exists(c.path) : null))),
      ]);
      for (const { p, stat } of groupParents) if (!stat) ops.push(zkOp.create(p, null));
      if (stored) {
        ops.push(zkOp.setData(pidPath, pidData, versionOrAny(stored.stat.version)));
      } else {
        ops.push(zkOp.create(pidPath, pidData), zkOp.setData(pidPath, pidData, -1));
      }
      for (const { p, stat } of dirStats.sort((a, b) => a.p.length - b.p.length)) if (!stat) ops.push(zkOp.create(p, null));
      children.forEach((c, i) => ops.push(childStats[i] ? zkOp.setData(c.path, c.data, -1) : zkOp.create(c.path, c.data)));
      const bytes = ops.reduce((n, op) => n + opBytes(op), 64);
      if (bytes > ZK_MAX_REQUEST_BYTES) {
        throw new KafkaError(ErrorCode.InvalidCommitOffsetSize, `pending offsets of group ${groupId} need a ZooKeeper request of ${bytes} bytes (limit ${ZK_MAX_REQUEST_BYTES})`);
      }
      const r = await this.zk.multi(ops);
      if (r.outcome === 'ok') return;
      if (attempt >= MAX_ATTEMPTS) throw new Error(`storing pending offsets of group ${groupId}: ${r.outcome} at ${r.path}`);
    }
  }

  /** Applies a COMMIT/ABORT marker of `producerId` to the group's pending offsets. */
  async complete(groupId: string, marker: TxnMarker, now: number): Promise<CompletionResult> {
    const g = groupNode(groupId);
    const pidPath = ConsumerTxnProducerZNode.path(g, marker.producerId);
    for (let attempt = 1; ; attempt++) {
      const stored = await this.zk.tryGetData(pidPath);
      if (!stored) return { errorCode: ErrorCode.None, committed: [] };
      const current = ConsumerTxnProducerZNode.decode(pidPath, stored.data);
      if (marker.producerEpoch < current.producerEpoch) return { errorCode: ErrorCode.InvalidProducerEpoch, committed: [] };
      if (marker.coordinatorEpoch < current.coordinatorEpoch) return { errorCode: ErrorCode.TransactionCoordinatorFenced, committed: [] };
      const children = await this.readChildren(g, marker.producerId);
      const plan = marker.commit ? await this.commitPlan(g, children) : { missingParents: [], writes: new Map<ReadChild, ZkOp[]>() };
      const committed: PendingOffset[] = [];
      const perTopic = new Map<string, ZkOp[]>();
      for (const c of children) {
        let ops = perTopic.get(c.tp.topic);
        if (!ops) perTopic.set(c.tp.topic, (ops = []));
        const writes = plan.writes.get(c);
        if (writes) {
          committed.push(toPendingOffset(c));
          ops.push(...writes);
        }
        ops.push(zkOp.delete(c.path));
      }
      const groups = [...perTopic].map(([topic, ops]) => [...ops, zkOp.delete(`${pidPath}/${topic}`)]);
      // the committed-path parents go with the first chunk; later chunks find them created
      if (groups.length > 0) groups[0] = [...plan.missingParents.map((p) => zkOp.create(p, null)), ...groups[0]!];
      const pidData = ConsumerTxnProducerZNode.encode({
        producerEpoch: Math.max(current.producerEpoch, marker.producerEpoch),
        coordinatorEpoch: Math.max(current.coordinatorEpoch, marker.coordinatorEpoch),
        timestamp: now,
      });
      const outcome = await this.runChunked(groups, zkOp.setData(pidPath, pidData, versionOrAny(stored.stat.version)));
      if (outcome === 'ok') return { errorCode: ErrorCode.None, committed };
      if (attempt >= MAX_ATTEMPTS) throw new Error(`completing pending offsets of group ${groupId}: ${outcome}`);
    }
  }

  /** The pending offsets of a group by producer id, with each producer's stored epoch. */
  async loadPending(groupId: string): Promise<Map<number, { producerEpoch: number; offsets: PendingOffset[] }>> {
    const g = zkNodeName(groupId);
    const out = new Map<number, { producerEpoch: number; offsets: PendingOffset[] }>();
    if (g === null) return out;
    for (const name of await childrenOrEmpty(this.zk, ConsumerTxnOffsetsZNode.path(g))) {
      if (!/^\d+$/.test(name)) continue;
      const producerId = Number(name);
      const pidPath = ConsumerTxnProducerZNode.path(g, producerId);
      const stored = await this.zk.tryGetData(pidPath);
      if (!stored) continue;
      const children = await this.readChildren(g, producerId);
      out.set(producerId, {
        producerEpoch: ConsumerTxnProducerZNode.decode(pidPath, stored.data).producerEpoch,
        offsets: children.map(toPendingOffset),
      });
    }
    return out;
  }

  /** Groups under /consumers that have a `txn_offsets` znode. */
  async listGroupsWithPending(): Promise<string[]> {
    const names = await childrenOrEmpty(this.zk, ConsumersZNode.path);
    const out: string[] = [];
    const BATCH = 64;
    for (let i = 0; i < names.length; i += BATCH) {
      const batch = names.slice(i, i + BATCH);
      const stats = await Promise.all(batch.map((n) => this.zk.exists(ConsumerTxnOffsetsZNode.path(n))));
      batch.forEach((n, j) => {
        if (stats[j]) out.push(fromZkNodeName(n));
      });
    }
    return out;
  }

  /** Removes the group's whole `txn_offsets` subtree (DeleteGroups). */
  async deleteGroup(groupId: string): Promise<void> {
    const g = zkNodeName(groupId);
    if (g === null) return;
    const root = ConsumerTxnOffsetsZNode.path(g);
    if (await this.zk.exists(root)) await this.zk.delete(root, { recursive: true });
  }

  /** One multi deleting the pending children of `partitions` of every producer (and topic directories left empty). */
  async deletePending(groupId: string, partitions: readonly TopicPartition[]): Promise<void> {
    const g = zkNodeName(groupId);
    if (g === null || partitions.length === 0) return;
    const wanted = new Map<string, Set<string>>();
    for (const tp of partitions) {
      let ps = wanted.get(tp.topic);
      if (!ps) wanted.set(tp.topic, (ps = new Set()));
      ps.add(String(tp.partition));
    }
    for (let attempt = 1; ; attempt++) {
      const ops: ZkOp[] = [];
      for (const pid of await childrenOrEmpty(this.zk, ConsumerTxnOffsetsZNode.path(g))) {
        for (const [topic, ps] of wanted) {
          const dir = `${ConsumerTxnOffsetsZNode.path(g)}/${pid}/${topic}`;
          const children = await childrenOrEmpty(this.zk, dir);
          const doomed = children.filter((c) => ps.has(c));
          for (const c of doomed) ops.push(zkOp.delete(`${dir}/${c}`));
          if (doomed.length > 0 && doomed.length === children.length) ops.push(zkOp.delete(dir));
        }
      }
      if (ops.length === 0) return;
      const r = await this.zk.multi(ops);
      if (r.outcome === 'ok') return;
      if (attempt >= MAX_ATTEMPTS) throw new Error(`deleting pending offsets of group ${groupId}: ${r.outcome} at ${r.path}`);
    }
  }

  private async readChildren(g: string, producerId: number): Promise<ReadChild[]> {
    const pidPath = ConsumerTxnProducerZNode.path(g, producerId);
    const out: ReadChild[] = [];
    for (const topic of await childrenOrEmpty(this.zk, pidPath)) {
      const partitions = await childrenOrEmpty(this.zk, `${pidPath}/${topic}`);
      const read = await Promise.all(
        partitions.filter((p) => /^\d+$/.test(p)).map(async (p) => {
          const tp = { topic, partition: Number(p) };
          const path = ConsumerTxnOffsetZNode.path(g, producerId, tp);
          const r = await this.zk.tryGetData(path);
          return r ? { tp, path, pending: ConsumerTxnOffsetZNode.decode(path, r.data), mzxid: r.stat.mzxid } : null;
        }),
      );
      for (const c of read) if (c) out.push(c);
    }
    return out;
  }

  /**
   * The committed writes of a COMMIT: for each child whose committed offset is absent or older than
   * it, the decimal znode and the sidecar (create or set), as a plain commit writes them.
   */
  private async commitPlan(g: string, children: readonly ReadChild[]): Promise<{ missingParents: string[]; writes: Map<ReadChild, ZkOp[]> }> {
    const stats = await Promise.all(
      children.map((c) => Promise.all([this.zk.exists(ConsumerOffsetZNode.path(g, c.tp)), this.zk.exists(ConsumerOffsetMetadataZNode.path(g, c.tp))])),
    );
    const writes = new Map<ReadChild, ZkOp[]>();
    const parentSet = new Set<string>();
    children.forEach((c, i) => {
      const [decimalStat, sidecarStat] = stats[i]!;
      if (decimalStat && decimalStat.mzxid > c.mzxid) return; // a plain commit after the TxnOffsetCommit wins
      const decimal = ConsumerOffsetZNode.path(g, c.tp);
      const sidecar = ConsumerOffsetMetadataZNode.path(g, c.tp);
      for (const p of [...parentChain(decimal), ...parentChain(sidecar)]) parentSet.add(p);
      const o = c.pending;
      const decimalData = ConsumerOffsetZNode.encode(o.offset);
      const sidecarData = ConsumerOffsetMetadataZNode.encode({ offset: o.offset, metadata: o.metadata, leaderEpoch: o.leaderEpoch, commitTimestamp: o.commitTimestamp });
      writes.set(c, [
        decimalStat ? zkOp.setData(decimal, decimalData, -1) : zkOp.create(decimal, decimalData),
        sidecarStat ? zkOp.setData(sidecar, sidecarData, -1) : zkOp.create(sidecar, sidecarData),
      ]);
    });
    const parentList = [...parentSet].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
    const parentStats = await Promise.all(parentList.map((p) => this.zk.exists(p)));
    return { missingParents: parentList.filter((_, i) => !parentStats[i]), writes };
  }

  /** One multi when it fits, else per-topic chunks with `last` in the final one. */
  private async runChunked(groups: ZkOp[][], last: ZkOp): Promise<string> {
    const chunks: ZkOp[][] = [];
    let current: ZkOp[] = [];
    let bytes = 64;
    for (const ops of groups) {
      const size = ops.reduce((n, op) => n + opBytes(op), 0);
      if (current.length > 0 && bytes + size > ZK_MAX_REQUEST_BYTES - opBytes(last)) {
        chunks.push(current);
        current = [];
        bytes = 64;
      }
      current.push(...ops);
      bytes += size;
    }
    current.push(last);
    chunks.push(current);
    for (const ops of chunks) {
      const r = await this.zk.multi(ops);
      if (r.outcome !== 'ok') return `${r.outcome} at ${r.path}`;
    }
    return 'ok';
  }
}
