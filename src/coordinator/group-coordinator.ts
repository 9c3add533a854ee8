/**
 * The group coordinator (Kafka 2.7 GroupCoordinator): group membership, rebalances, and the
 * entry points for committed offsets, for the groups whose `__consumer_offsets` partition this
 * broker leads.
 *
 * Behaviour (as Kafka 2.7):
 * - a request for a group whose partition this broker does not lead → NOT_COORDINATOR; while
 *   the partition loads → COORDINATOR_LOAD_IN_PROGRESS (Heartbeat then answers NONE, SyncGroup
 *   REBALANCE_IN_PROGRESS); before startup / after shutdown → COORDINATOR_NOT_AVAILABLE;
 * - JoinGroup: new/Empty groups wait `group.initial.rebalance.delay.ms` (InitialDelayedJoin);
 *   a rebalance completes when every known member rejoined or the rebalance timeout passes
 *   (dynamic members that did not rejoin are removed); the leader receives every member's
 *   metadata; v4+ dynamic members first get MEMBER_ID_REQUIRED with a pending member id;
 *   static members (group.instance.id) rejoining with an unknown id take over their old
 *   member (and its assignment), while a mismatching id is FENCED_INSTANCE_ID;
 * - SyncGroup: followers wait for the leader's assignment; members the leader left out get
 *   empty bytes; the group becomes Stable — unless the group record Kafka would store then is
 *   larger than message.max.bytes (group-record-size.ts): every member gets UNKNOWN_SERVER_ERROR
 *   and the group prepares a new rebalance;
 * - session expiry: each member has a DelayedHeartbeat; on expiry it is removed and the group
 *   rebalances;
 * - election loads the partition's group list from the store (groups with committed offsets
 *   exist as Empty groups); resignation drops the partition's groups and answers their waiting
 *   JoinGroup/SyncGroup requests NOT_COORDINATOR.
 * Deviations from Kafka:
 * - group membership is never persisted (ARCHITECTURE §6): a new coordinator starts every
 *   group Empty, so members rejoin after a coordinator failover (clients do this on
 *   UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION);
 * - a member that leaves (or expires) while its SyncGroup waits gets that SyncGroup answered
 *   UNKNOWN_MEMBER_ID instead of a response that never comes.
 * Split: this file keeps placement, partition loading/unloading, the group admin APIs (Describe, List,
 * DeleteGroups) and the offsets entry points (transactional ones in txn-offset-requests.ts); JoinGroup/SyncGroup/Heartbeat/LeaveGroup and the rebalance
 * live in group-membership.ts, the mirror notifications in membership-mirror.ts, offsets' cache and store
 * writes in offset-manager.ts, the offset request rules in offset-requests.ts, the waiting operations in
 * delayed-operations.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { GroupCoordinatorConfig } from './coordinator-config.js';
import { partitionFor } from './coordinator-placement.js';
import { GroupMetadata, GroupState, type GroupOverview, type GroupSummary } from './group-metadata.js';
import type { GroupMirror } from './group-mirror.js';
import {
  GroupMembership,
  type HeartbeatParams,
  type JoinGroupParams,
  type LeaveGroupResult,
  type MemberIdentity,
  type SyncGroupParams,
} from './group-membership.js';
import type { JoinGroupResult, SyncGroupResult } from './member-metadata.js';
import { MembershipMirror } from './membership-mirror.js';
import { OffsetManager } from './offset-manager.js';
import type { OffsetStore, TxnMarker, TxnOffsetStore } from './offset-store.js';
import { OffsetRequests, type CommitOffsetsParams, type DeleteOffsetsResult, type FetchOffsetsResult } from './offset-requests.js';
import type { TopicPartition } from '../common/topic-partition.js';
import { TxnOffsetRequests, type TxnCommitOffsetsParams } from './txn-offset-requests.js';

export type { HeartbeatParams, JoinGroupParams, LeaveGroupResult, MemberIdentity, SyncGroupParams } from './group-membership.js';
export type { TxnCommitOffsetsParams } from './txn-offset-requests.js';

export interface GroupCoordinatorOptions {
  config: GroupCoordinatorConfig;
  clock: Clock;
  log: Logger;
  offsetStore: OffsetStore;
  /** pending transactional offsets (TxnOffsetCommit until the transaction's marker) */
  txnOffsetStore: TxnOffsetStore;
  mirror: GroupMirror;
  /** does this topic partition exist (metadata cache)? OffsetCommit/OffsetDelete check it */
  partitionExists(tp: TopicPartition): boolean;
  /** member id suffixes; crypto.randomUUID by default */
  randomUUID?: () => string;
}

type PartitionLoad = { state: 'loading' | 'loaded'; readonly token: number; readonly done: Promise<void> };

/** Retry delay of a failed election load (the partition stays "loading" meanwhile). */
const LOAD_RETRY_MS = 1000;

export class GroupCoordinator {
  readonly config: GroupCoordinatorConfig;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly store: OffsetStore;
  private readonly groups = new Map<string, GroupMetadata>();
  private readonly partitions = new Map<number, PartitionLoad>();
  private readonly membership: GroupMembership;
  private readonly offsetManager: OffsetManager;
  private readonly offsetRequests: OffsetRequests;
  private readonly txnOffsets: TxnOffsetRequests;
  private readonly txnStore: TxnOffsetStore;
  private active = false;
  private loadSeq = 0;
  private expiryTimer: { cancel(): void } | null = null;

  constructor(opts: GroupCoordinatorOptions) {
    this.config = opts.config;
    this.clock = opts.clock;
    this.log = opts.log;
    this.store = opts.offsetStore;
    this.membership = new GroupMembership({
      config: opts.config,
      clock: opts.clock,
      log: opts.log,
      mirror: new MembershipMirror(opts.mirror, opts.log),
      uuid: opts.randomUUID ?? randomUUID,
      groups: this.groups,
      validateGroupStatus: (groupId, allowEmptyId) => this.validateGroupStatus(groupId, allowEmptyId),
      addGroup: (groupId) => this.addGroup(groupId),
      partitionFor: (groupId) => this.partitionFor(groupId),
    });
    this.offsetManager = new OffsetManager(opts.offsetStore, opts.clock, opts.log);
    const groups = {
      validate: (groupId: string, allowEmptyId: boolean) => this.validateGroupStatus(groupId, allowEmptyId),
      get: (groupId: string) => this.groups.get(groupId),
      create: (groupId: string) => this.addGroup(groupId),
      heartbeat: (group: GroupMetadata, member: Parameters<GroupMembership['completeAndScheduleNextHeartbeatExpiration']>[1]) =>
        this.membership.completeAndScheduleNextHeartbeatExpiration(group, member),
      removeIfDeadEmpty: (group: GroupMetadata) => this.maybeRemoveEmptyGroup(group),
    };
    this.offsetRequests = new OffsetRequests({ config: opts.config, clock: opts.clock, offsets: this.offsetManager, partitionExists: opts.partitionExists, groups });
    this.txnStore = opts.txnOffsetStore;
    this.txnOffsets = new TxnOffsetRequests({
      config: opts.config,
      clock: opts.clock,
      log: opts.log,
      store: opts.txnOffsetStore,
      offsets: this.offsetManager,
      groups,
      partitionExists: opts.partitionExists,
      partitionFor: (groupId) => this.partitionFor(groupId),
      awaitPartition: (partition) => this.awaitPartition(partition),
    });
  }

  // ------------------------------------------------------------------------------------------
  // Lifecycle and placement

  startup(): void {
    if (this.active) return;
    this.active = true;
    this.scheduleOffsetExpiry();
  }

  /** Unloads every group (waiting requests answered NOT_COORDINATOR) and stops all timers. */
  shutdown(): void {
    this.active = false;
    this.expiryTimer?.cancel();
    this.expiryTimer = null;
    for (const p of [...this.partitions.keys()]) this.onResignation(p);
    this.membership.shutdown();
  }

  partitionFor(groupId: string): number {
    return partitionFor(groupId, this.config.offsetsTopicNumPartitions);
  }

  isCoordinatorFor(groupId: string): boolean {
    return this.partitions.get(this.partitionFor(groupId))?.state === 'loaded';
  }

  /** This broker became leader of `__consumer_offsets` partition `partition`: load its groups. */
  onElection(partition: number): Promise<void> {
    const existing = this.partitions.get(partition);
    if (existing) return existing.done;
    const token = ++this.loadSeq;
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    this.partitions.set(partition, { state: 'loading', token, done });
    this.log.info({ partition }, 'loading groups of __consumer_offsets partition');
    const attempt = async (): Promise<void> => {
      try {
        // pending transactional offsets live in ZooKeeper too: a new coordinator has them before it serves
        const [ids, pending] = await Promise.all([this.store.listGroupsWithOffsets(), this.txnOffsets.readPartition(partition)]);
        const load = this.partitions.get(partition);
        if (load?.token !== token) return resolveDone();
        for (const id of ids) {
          if (this.partitionFor(id) !== partition || this.groups.has(id)) continue;
          const group = new GroupMetadata(id, GroupState.Empty, null);
          group.offsetsLoaded = false;
          this.groups.set(id, group);
        }
        this.txnOffsets.installPending(pending);
        load.state = 'loaded';
        this.log.info({ partition }, 'groups of __consumer_offsets partition loaded');
        resolveDone();
      } catch (err) {
        if (this.partitions.get(partition)?.token !== token) return resolveDone();
        this.log.warn({ err, partition }, 'loading the groups of the partition failed; retrying');
        this.clock.setTimeout(() => void attempt(), LOAD_RETRY_MS);
      }
    };
    void attempt();
    return done;
  }

  /** This broker no longer leads `partition`: drop its groups, answer their waiters. */
  onResignation(partition: number): void {
    if (!this.partitions.delete(partition)) return;
    for (const group of [...this.groups.values()]) {
      if (this.partitionFor(group.groupId) !== partition) continue;
      this.groups.delete(group.groupId);
      this.txnOffsets.unloadGroup(group.groupId);
      this.membership.unloadGroup(group, ErrorCode.NotCoordinator);
    }
    this.log.info({ partition }, 'resigned as coordinator of __consumer_offsets partition');
  }

  /** Waits for a load of `partition` in progress; false when this broker does not (or no longer) coordinates it. */
  private async awaitPartition(partition: number): Promise<boolean> {
    const load = this.partitions.get(partition);
    if (!load) return false;
    await load.done;
    return this.partitions.get(partition)?.token === load.token && load.state === 'loaded';
  }

  /** Kafka's validateGroupStatus; null when the request may proceed. */
  private validateGroupStatus(groupId: string, allowEmptyId: boolean): ErrorCode | null {
    if (!allowEmptyId && groupId.length === 0) return ErrorCode.InvalidGroupId;
    if (!this.active) return ErrorCode.CoordinatorNotAvailable;
    const load = this.partitions.get(this.partitionFor(groupId));
    if (load?.state === 'loading') return ErrorCode.CoordinatorLoadInProgress;
    if (!load) return ErrorCode.NotCoordinator;
    return null;
  }

  private addGroup(groupId: string): GroupMetadata {
    const group = new GroupMetadata(groupId, GroupState.Empty, this.clock.now());
    this.groups.set(groupId, group);
    return group;
  }

  // ------------------------------------------------------------------------------------------
  // JoinGroup, SyncGroup, Heartbeat, LeaveGroup (group-membership.ts)

  handleJoinGroup(p: JoinGroupParams): Promise<JoinGroupResult> {
    return this.membership.handleJoinGroup(p);
  }

  handleSyncGroup(p: SyncGroupParams): Promise<SyncGroupResult> {
    return this.membership.handleSyncGroup(p);
  }

  handleHeartbeat(p: HeartbeatParams): ErrorCode {
    return this.membership.handleHeartbeat(p);
  }

  handleLeaveGroup(groupId: string, leaving: readonly MemberIdentity[]): LeaveGroupResult {
    return this.membership.handleLeaveGroup(groupId, leaving);
  }

  // ------------------------------------------------------------------------------------------
  // DescribeGroups, ListGroups, DeleteGroups

  handleDescribeGroup(groupId: string): { errorCode: ErrorCode; summary: GroupSummary } {
    const error = this.validateGroupStatus(groupId, true);
    if (error !== null) return { errorCode: error, summary: { state: '', protocolType: '', protocol: '', members: [] } };
    const group = this.groups.get(groupId);
    if (!group) return { errorCode: ErrorCode.None, summary: { state: GroupState.Dead, protocolType: '', protocol: '', members: [] } };
    return { errorCode: ErrorCode.None, summary: group.summary() };
  }

  /** Groups this broker coordinates, filtered by state (empty filter = all). */
  handleListGroups(states: readonly string[] = []): { errorCode: ErrorCode; groups: GroupOverview[] } {
    if (!this.active) return { errorCode: ErrorCode.CoordinatorNotAvailable, groups: [] };
    const loading = [...this.partitions.values()].some((p) => p.state === 'loading');
    const filter = new Set(states);
    const groups = [...this.groups.values()].filter((g) => !g.is(GroupState.Dead) && (filter.size === 0 || filter.has(g.currentState))).map((g) => g.overview());
    return { errorCode: loading ? ErrorCode.CoordinatorLoadInProgress : ErrorCode.None, groups };
  }

  /** Per group, in request order: NONE (group and its committed offsets deleted) or why not. */
  async handleDeleteGroups(groupIds: readonly string[]): Promise<Array<{ groupId: string; errorCode: ErrorCode }>> {
    const results = new Map<string, Promise<ErrorCode> | ErrorCode>();
    for (const groupId of groupIds) {
      if (results.has(groupId)) continue;
      results.set(groupId, this.deleteOneGroup(groupId));
    }
    const out: Array<{ groupId: string; errorCode: ErrorCode }> = [];
    for (const [groupId, code] of results) out.push({ groupId, errorCode: await code });
    return out;
  }

  private deleteOneGroup(groupId: string): ErrorCode | Promise<ErrorCode> {
    const error = this.validateGroupStatus(groupId, true);
    if (error !== null) return error;
    const group = this.groups.get(groupId);
    if (!group || group.is(GroupState.Dead)) return ErrorCode.GroupIdNotFound;
    if (!group.is(GroupState.Empty)) return ErrorCode.NonEmptyGroup;
    group.transitionTo(GroupState.Dead, this.clock.now());
    this.groups.delete(groupId);
    this.txnOffsets.unloadGroup(groupId);
    this.membership.unloadGroup(group, ErrorCode.CoordinatorNotAvailable);
    // Kafka drops a deleted group's pending transactional offsets with it
    const pendingGone = this.offsetManager.serialize(group, () => this.txnStore.deleteGroup(groupId)).then(
      () => ErrorCode.None,
      (err: unknown) => {
        this.log.warn({ err, groupId }, 'deleting pending transactional offsets failed');
        return ErrorCode.CoordinatorNotAvailable;
      },
    );
    return Promise.all([this.offsetManager.deleteGroup(group), pendingGone]).then(([offsetsCode, pendingCode]) => {
      const code = offsetsCode !== ErrorCode.None ? offsetsCode : pendingCode;
      if (code === ErrorCode.None) {
        this.log.info({ groupId }, 'group deleted');
      } else if (!this.groups.has(groupId) && this.isCoordinatorFor(groupId)) {
        // the offsets are still in the store: keep the group visible, as the store has it
        const again = new GroupMetadata(groupId, GroupState.Empty, null);
        again.offsetsLoaded = false;
        this.groups.set(groupId, again);
      }
      return code;
    });
  }

  // ------------------------------------------------------------------------------------------
  // Offsets (rules in offset-requests.ts)

  handleCommitOffsets(p: CommitOffsetsParams): Promise<ErrorCode[]> {
    return this.offsetRequests.commit(p);
  }

  /** TxnOffsetCommit: per-partition codes (rules in txn-offset-requests.ts). */
  handleTxnCommitOffsets(p: TxnCommitOffsetsParams): Promise<ErrorCode[]> {
    return this.txnOffsets.commit(p);
  }

  /**
   * The hook of WriteTxnMarkers on the leader of `__consumer_offsets-<partition>`: the marker's
   * pending offsets become committed (COMMIT) or are dropped (ABORT); the code is that partition's
   * answer in the WriteTxnMarkers response.
   */
  handleTxnCompletion(partition: number, marker: TxnMarker): Promise<ErrorCode> {
    return this.txnOffsets.complete(partition, marker);
  }

  handleFetchOffsets(groupId: string, partitions: readonly TopicPartition[] | null, requireStable = false): Promise<FetchOffsetsResult> {
    return this.offsetRequests.fetch(groupId, partitions, requireStable);
  }

  async handleDeleteOffsets(groupId: string, partitions: readonly TopicPartition[]): Promise<DeleteOffsetsResult> {
    const result = await this.offsetRequests.deleteOffsets(groupId, partitions);
    const group = this.groups.get(groupId);
    const deleted = result.partitions.filter((p) => p.errorCode === ErrorCode.None);
    if (!group || deleted.length === 0) return result;
    const code = await this.txnOffsets.deletePending(group, deleted);
    if (code !== ErrorCode.None) for (const p of deleted) p.errorCode = code;
    return result;
  }

  /** One pass of offset expiry over every group this broker coordinates; returns offsets removed. */
  async cleanupExpiredOffsets(): Promise<number> {
    const retentionMs = this.config.offsetsRetentionMinutes * 60_000;
    let removed = 0;
    for (const group of [...this.groups.values()]) {
      if (!this.isCoordinatorFor(group.groupId)) continue;
      try {
        removed += await this.offsetManager.expireOffsets(group, retentionMs);
      } catch (err) {
        this.log.warn({ err, groupId: group.groupId }, 'offset expiry skipped the group');
        continue;
      }
      this.maybeRemoveEmptyGroup(group);
    }
    return removed;
  }

  private scheduleOffsetExpiry(): void {
    this.expiryTimer = this.clock.setTimeout(() => {
      this.expiryTimer = null;
      void this.cleanupExpiredOffsets().finally(() => {
        if (this.active && this.expiryTimer === null) this.scheduleOffsetExpiry();
      });
    }, this.config.offsetsRetentionCheckIntervalMs);
  }

  /** An Empty group without offsets is gone (Kafka moves it to Dead and forgets it). */
  private maybeRemoveEmptyGroup(group: GroupMetadata): void {
    if (!group.is(GroupState.Empty) || group.hasOffsets() || !group.offsetsLoaded) return;
    group.transitionTo(GroupState.Dead, this.clock.now());
    if (this.groups.get(group.groupId) === group) this.groups.delete(group.groupId);
    this.log.info({ groupId: group.groupId }, 'empty group without offsets removed');
  }
}
