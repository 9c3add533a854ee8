/**
 * A small consumer for the tools (what kafka-console-consumer.sh needs of KafkaConsumer):
 * - assign mode (`--partition`/`--offset`): fixed partitions, no group;
 * - group mode: FindCoordinator, JoinGroup (re-joining with the member id on MEMBER_ID_REQUIRED),
 *   the leader computes the range assignment (Kafka's RangeAssignor) from the members'
 *   subscriptions, SyncGroup, then heartbeats; REBALANCE_IN_PROGRESS commits and re-joins,
 *   UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION re-join as a new member; positions start at the
 *   committed offsets, else auto.offset.reset (earliest | latest); offsets are committed every
 *   5 s, on a rebalance and on close, which also leaves the group;
 * - fetching: one Fetch per leader (v4+, so `isolation_level` is sent: read_committed reads up to
 *   the last stable offset); control batches are skipped, and under read_committed the batches of
 *   aborted transactions (the response's aborted-transaction list, Kafka's Fetcher logic) too; a
 *   trailing partial batch is left for the next fetch; OFFSET_OUT_OF_RANGE resets the position.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../protocol/consumer-protocol.js';
import { FetchRequest, FetchResponse } from '../protocol/messages/fetch.js';
import { HeartbeatRequest, HeartbeatResponse } from '../protocol/messages/heartbeat.js';
import { JoinGroupRequest, JoinGroupResponse } from '../protocol/messages/join-group.js';
import { LeaveGroupRequest, LeaveGroupResponse } from '../protocol/messages/leave-group.js';
import { SyncGroupRequest, SyncGroupResponse } from '../protocol/messages/sync-group.js';
import { BATCH_LENGTH, LOG_OVERHEAD, MAGIC } from '../protocol/records/batch-layout.js';
import { readRecords, type KafkaRecord } from '../protocol/records/record.js';
import { RecordBatch } from '../protocol/records/record-batch.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets } from './admin.js';
import { ApiError } from './errors.js';
import { commitOffsets, committedOffsets } from './groups.js';
import type { KafkaClient } from './kafka-client.js';

export const IsolationLevel = { ReadUncommitted: 0, ReadCommitted: 1 } as const;

export interface ConsumerOptions {
  groupId: string | null;
  isolationLevel: number;
  autoOffsetReset: 'earliest' | 'latest';
  sessionTimeoutMs?: number;
  maxWaitMs?: number;
  maxPartitionBytes?: number;
  autoCommit?: boolean;
}

export interface ConsumedRecord extends KafkaRecord {
  topic: string;
  partition: number;
  timestampType: number;
}

type Tp = { topic: string; partition: number };
const key = (tp: Tp) => `${tp.topic}-${tp.partition}`;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Kafka's RangeAssignor: per topic, consecutive ranges of partitions over the members sorted by id. */
export function rangeAssign(members: ReadonlyArray<{ memberId: string; topics: readonly string[] }>, partitionCounts: ReadonlyMap<string, number>): Map<string, Map<string, number[]>> {
  const out = new Map(members.map((m) => [m.memberId, new Map<string, number[]>()]));
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
  for (const topic of topics) {
    const count = partitionCounts.get(topic) ?? 0;
    const subs = members.filter((m) => m.topics.includes(topic)).map((m) => m.memberId).sort();
    const per = Math.floor(count / subs.length);
    const extra = count % subs.length;
    subs.forEach((id, i) => {
      const start = per * i + Math.min(i, extra);
      const n = per + (i < extra ? 1 : 0);
      if (n > 0) out.get(id)?.set(topic, Array.from({ length: n }, (_, j) => start + j));
    });
  }
  return out;
}

export class Consumer {
  private readonly positions = new Map<string, Tp & { offset: number }>();
  private subscription: string[] | RegExp = [];
  private memberId = '';
  private generation = -1;
  private coordinator = -1;
  private needsJoin = false;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private lastCommit = Date.now();
  private committedPositions = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly client: KafkaClient,
    private readonly opts: ConsumerOptions,
  ) {}

  /** Assign mode: fixed partitions, each at `earliest`, `latest` or an offset. */
  async assign(partitions: ReadonlyArray<Tp & { offset: number | 'earliest' | 'latest' }>): Promise<void> {
    const fixed = partitions.filter((p) => typeof p.offset === 'number') as Array<Tp & { offset: number }>;
    for (const p of fixed) this.positions.set(key(p), { topic: p.topic, partition: p.partition, offset: p.offset });
    for (const mode of ['earliest', 'latest'] as const) {
      const tps = partitions.filter((p) => p.offset === mode);
      if (tps.length > 0) await this.resetPositions(tps, mode);
    }
  }

  /** Group mode: topics (or a regex over the topic names). */
  subscribe(topics: string[] | RegExp): void {
    if (this.opts.groupId === null) throw new Error('subscribe needs a group id');
    this.subscription = topics;
    this.needsJoin = true;
  }

  get assignment(): Tp[] {
    return [...this.positions.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  /** One fetch round over the current positions (joining the group first when needed). */
  async poll(): Promise<ConsumedRecord[]> {
    if (this.needsJoin) await this.join();
    if (this.opts.groupId !== null && this.opts.autoCommit !== false && Date.now() - this.lastCommit > 5000) await this.commit();
    if (this.positions.size === 0) {
      await sleep(this.opts.maxWaitMs ?? 500);
      return [];
    }
    const md = await this.client.metadata([...new Set([...this.positions.values()].map((p) => p.topic))], 'poll');
    const leaders = new Map<string, number>();
    for (const t of md.topics) for (const p of t.partitions) leaders.set(`${t.name}-${p.partitionIndex}`, p.leaderId);
    const byLeader = new Map<number, Array<Tp & { offset: number }>>();
    for (const p of this.positions.values()) {
      const leader = leaders.get(key(p)) ?? -1;
      if (leader >= 0) byLeader.set(leader, [...(byLeader.get(leader) ?? []), p]);
    }
    if (byLeader.size === 0) {
      await sleep(200);
      return [];
    }
    const rounds = await Promise.all([...byLeader].map(([leader, ps]) => this.fetchFrom(leader, ps).catch((err: unknown) => {
      if (err instanceof ApiError) throw err;
      return [] as ConsumedRecord[];
    })));
    return rounds.flat();
  }

  private async fetchFrom(leader: number, partitions: ReadonlyArray<Tp & { offset: number }>): Promise<ConsumedRecord[]> {
    const topics = new Map<string, Array<Tp & { offset: number }>>();
    for (const p of partitions) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p]);
    const maxWaitMs = this.opts.maxWaitMs ?? 500;
    const res = await this.client.send({ request: FetchRequest, response: FetchResponse }, leader, {
      clusterId: null,
      replicaId: -1,
      maxWaitMs,
      minBytes: 1,
      maxBytes: 52428800,
      isolationLevel: this.opts.isolationLevel,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...topics].map(([topic, ps]) => ({
        topic,
        partitions: ps.map((p) => ({ partition: p.partition, currentLeaderEpoch: -1, fetchOffset: p.offset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: this.opts.maxPartitionBytes ?? 1048576 })),
      })),
      forgottenTopicsData: [],
      rackId: '',
    }, { call: 'fetch', minVersion: 4, timeoutMs: maxWaitMs + 30_000 });
    const out: ConsumedRecord[] = [];
    const resets: Tp[] = [];
    for (const t of res.responses) {
      for (const p of t.partitionResponses) {
        const pos = this.positions.get(`${t.topic}-${p.partition}`);
        if (!pos) continue;
        if (p.errorCode === ErrorCode.OffsetOutOfRange) resets.push(pos);
        if (p.errorCode !== ErrorCode.None || !p.recordSet) continue;
        pos.offset = this.readRecordSet(t.topic, p.partition, p.recordSet, pos.offset, p.abortedTransactions ?? [], out);
      }
    }
    if (resets.length > 0) await this.resetPositions(resets, this.opts.autoOffsetReset);
    return out;
  }

  /** Appends the records at or after `from` to `out`; returns the next position. */
  private readRecordSet(topic: string, partition: number, data: Buffer, from: number, aborted: ReadonlyArray<{ producerId: number; firstOffset: number }>, out: ConsumedRecord[]): number {
    let next = from;
    const abortedPids = new Set<number>();
    const pendingAborts = [...aborted].sort((a, b) => a.firstOffset - b.firstOffset);
    for (let pos = 0; pos + LOG_OVERHEAD <= data.length; ) {
      const size = LOG_OVERHEAD + data.readInt32BE(pos + BATCH_LENGTH);
      if (pos + size > data.length || data.length <= pos + MAGIC) break; // partial batch at the end
      if (data.readInt8(pos + MAGIC) !== 2) throw new Error(`unsupported record format (magic ${data.readInt8(pos + MAGIC)}) at offset ${next}`);
      const batch = new RecordBatch(data.subarray(pos, pos + size));
      pos += size;
      if (batch.lastOffset < next) continue;
      if (this.opts.isolationLevel === IsolationLevel.ReadCommitted) {
        while (pendingAborts.length > 0 && pendingAborts[0]!.firstOffset <= batch.lastOffset) abortedPids.add(pendingAborts.shift()!.producerId);
        if (batch.isControl) {
          abortedPids.delete(batch.producerId);
          next = batch.lastOffset + 1;
          continue;
        }
        if (batch.isTransactional && abortedPids.has(batch.producerId)) {
          next = batch.lastOffset + 1;
          continue;
        }
      }
      if (!batch.isControl) {
        for (const r of readRecords(batch, { maxUncompressedBytes: 256 * 1024 * 1024 })) {
          if (r.offset >= next) out.push({ ...r, topic, partition, timestampType: batch.timestampType });
        }
      }
      next = batch.lastOffset + 1;
    }
    return next;
  }

  private async resetPositions(tps: readonly Tp[], mode: 'earliest' | 'latest'): Promise<void> {
    const md = await this.client.metadata([...new Set(tps.map((t) => t.topic))], 'resetOffsets');
    const leaders = new Map<string, number>();
    for (const t of md.topics) for (const p of t.partitions) leaders.set(`${t.name}-${p.partitionIndex}`, p.leaderId);
    const offsets = await listOffsets(this.client, tps.map((tp) => ({ ...tp, leader: leaders.get(key(tp)) ?? -1 })), mode === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP, this.opts.isolationLevel);
    for (const tp of tps) this.positions.set(key(tp), { topic: tp.topic, partition: tp.partition, offset: offsets.get(key(tp)) ?? 0 });
  }

  /** Commits the positions that moved since the last commit (group mode). */
  async commit(): Promise<void> {
    this.lastCommit = Date.now();
    if (this.opts.groupId === null || this.generation < 0) return;
    const moved = [...this.positions.values()].filter((p) => this.committedPositions.get(key(p)) !== p.offset);
    if (moved.length === 0) return;
    await commitOffsets(this.client, this.opts.groupId, moved, { generationId: this.generation, memberId: this.memberId });
    for (const p of moved) this.committedPositions.set(key(p), p.offset);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopHeartbeat();
    if (this.opts.groupId === null || this.generation < 0) return;
    try {
      if (this.opts.autoCommit !== false) await this.commit();
    } finally {
      await this.client
        .send({ request: LeaveGroupRequest, response: LeaveGroupResponse }, this.coordinator, {
          groupId: this.opts.groupId,
          memberId: this.memberId,
          members: [{ memberId: this.memberId, groupInstanceId: null }],
        }, { call: 'leaveGroup' })
        .catch(() => undefined);
    }
  }

  // ---------------------------------------------------------------------------------------- group

  private async subscribedTopics(): Promise<string[]> {
    if (Array.isArray(this.subscription)) return this.subscription;
    const re = this.subscription;
    const md = await this.client.metadata(null, 'subscribe');
    return md.topics.filter((t) => !t.isInternal && re.test(t.name)).map((t) => t.name).sort();
  }

  private async join(): Promise<void> {
    const groupId = this.opts.groupId as string;
    if (this.opts.autoCommit !== false && this.generation >= 0) await this.commit().catch(() => undefined);
    this.stopHeartbeat();
    const sessionTimeoutMs = this.opts.sessionTimeoutMs ?? 10_000;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 50) throw new Error(`could not join group ${groupId}`);
      this.coordinator = await this.client.findCoordinator(groupId, 'joinGroup');
      const topics = await this.subscribedTopics();
      const joined = await this.client.send({ request: JoinGroupRequest, response: JoinGroupResponse }, this.coordinator, {
        groupId,
        sessionTimeoutMs,
        rebalanceTimeoutMs: 60_000,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: encodeSubscription({ version: 0, topics, userData: null }) }],
      }, { call: 'joinGroup', timeoutMs: 90_000 });
      if (joined.errorCode === ErrorCode.MemberIdRequired) {
        this.memberId = joined.memberId;
        continue;
      }
      if (joined.errorCode === ErrorCode.UnknownMemberId) {
        this.memberId = '';
        continue;
      }
      if (joined.errorCode !== ErrorCode.None) {
        const e = new ApiError(joined.errorCode);
        if (!e.retriable && joined.errorCode !== ErrorCode.RebalanceInProgress) throw e;
        await sleep(200);
        continue;
      }
      this.memberId = joined.memberId;
      this.generation = joined.generationId;
      let assignments: Array<{ memberId: string; assignment: Buffer }> = [];
      if (joined.leader === joined.memberId) {
        const members = joined.members.map((m) => ({ memberId: m.memberId, topics: decodeSubscription(m.metadata).topics }));
        const md = await this.client.metadata([...new Set(members.flatMap((m) => m.topics))], 'assign');
        const counts = new Map(md.topics.filter((t) => t.errorCode === 0).map((t) => [t.name, t.partitions.length]));
        assignments = [...rangeAssign(members, counts)].map(([memberId, a]) => ({
          memberId,
          assignment: encodeAssignment({ version: 0, assignedPartitions: [...a].map(([topic, partitions]) => ({ topic, partitions })), userData: null }),
        }));
      }
      const synced = await this.client.send({ request: SyncGroupRequest, response: SyncGroupResponse }, this.coordinator, {
        groupId,
        generationId: this.generation,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocolName: 'range',
        assignments,
      }, { call: 'syncGroup', timeoutMs: 90_000 });
      if (synced.errorCode !== ErrorCode.None) {
        if (synced.errorCode === ErrorCode.UnknownMemberId) this.memberId = '';
        await sleep(100);
        continue;
      }
      const assigned = synced.assignment.length > 0 ? (decodeAssignment(synced.assignment)?.assignedPartitions ?? []) : [];
      const tps = assigned.flatMap((a) => a.partitions.map((partition) => ({ topic: a.topic, partition })));
      await this.startPositions(tps);
      this.needsJoin = false;
      this.startHeartbeat(Math.max(500, Math.floor(sessionTimeoutMs / 3)));
      return;
    }
  }

  /** Positions of newly assigned partitions: the committed offset, else auto.offset.reset. */
  private async startPositions(tps: readonly Tp[]): Promise<void> {
    this.positions.clear();
    this.committedPositions.clear();
    const committed = tps.length > 0 ? await committedOffsets(this.client, this.opts.groupId as string, this.coordinator) : new Map();
    const missing: Tp[] = [];
    for (const tp of tps) {
      const c = committed.get(key(tp));
      if (c) {
        this.positions.set(key(tp), { ...tp, offset: c.offset });
        this.committedPositions.set(key(tp), c.offset);
      } else missing.push(tp);
    }
    if (missing.length > 0) await this.resetPositions(missing, this.opts.autoOffsetReset);
  }

  private startHeartbeat(intervalMs: number): void {
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), intervalMs);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private async heartbeat(): Promise<void> {
    if (this.needsJoin || this.closed) return;
    try {
      const res = await this.client.send({ request: HeartbeatRequest, response: HeartbeatResponse }, this.coordinator, {
        groupId: this.opts.groupId as string,
        generationId: this.generation,
        memberId: this.memberId,
        groupInstanceId: null,
      }, { call: 'heartbeat', timeoutMs: 5000 });
      if (res.errorCode === ErrorCode.RebalanceInProgress) this.needsJoin = true;
      else if (res.errorCode === ErrorCode.UnknownMemberId || res.errorCode === ErrorCode.IllegalGeneration) {
        this.memberId = '';
        this.generation = -1;
        this.needsJoin = true;
      } else if (res.errorCode === ErrorCode.NotCoordinator || res.errorCode === ErrorCode.CoordinatorNotAvailable) this.needsJoin = true;
    } catch {
      this.needsJoin = true;
    }
  }
}
