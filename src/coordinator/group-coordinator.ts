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
 * Split: offsets' cache and store writes live in offset-manager.ts, the offset request rules in
 * offset-requests.ts; the waiting operations in delayed-operations.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { decodeAssignment, decodeSubscription } from '../protocol/consumer-protocol.js';
import { Purgatory } from '../server/purgatory.js';
import type { GroupCoordinatorConfig } from './coordinator-config.js';
import { partitionFor } from './coordinator-placement.js';
import {
  DelayedHeartbeat,
  DelayedJoin,
  InitialDelayedJoin,
  groupKey,
  memberKey,
  type GroupOperationsHost,
} from './delayed-operations.js';
import { groupMetadataRecordSize } from './group-record-size.js';
import { CONSUMER_PROTOCOL_TYPE, GroupMetadata, GroupState, type GroupOverview, type GroupSummary } from './group-metadata.js';
import type { GroupMirror, PartitionOwners } from './group-mirror.js';
import {
  MemberMetadata,
  NEW_MEMBER_JOIN_TIMEOUT_MS,
  joinError,
  syncError,
  EMPTY_BYTES,
  type GroupProtocol,
  type JoinCallback,
  type JoinGroupResult,
  type SyncCallback,
  type SyncGroupResult,
} from './member-metadata.js';
import { OffsetManager } from './offset-manager.js';
import type { OffsetStore } from './offset-store.js';
import { OffsetRequests, type CommitOffsetsParams, type DeleteOffsetsResult, type FetchOffsetsResult } from './offset-requests.js';
import type { TopicPartition } from '../common/topic-partition.js';

export interface JoinGroupParams {
  groupId: string;
  /** "" for a member joining for the first time */
  memberId: string;
  groupInstanceId: string | null;
  /** JoinGroup v4+ without an instance id: answer MEMBER_ID_REQUIRED first */
  requireKnownMemberId: boolean;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocolType: string;
  protocols: readonly GroupProtocol[];
}

export interface SyncGroupParams {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** v5+: checked against the group's when given */
  protocolType: string | null;
  protocolName: string | null;
  /** the leader's assignment by member id (empty from followers) */
  assignments: ReadonlyMap<string, Buffer>;
}

export interface HeartbeatParams {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface MemberIdentity {
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeaveGroupResult {
  errorCode: ErrorCode;
  members: Array<MemberIdentity & { errorCode: ErrorCode }>;
}

export interface GroupCoordinatorOptions {
  config: GroupCoordinatorConfig;
  clock: Clock;
  log: Logger;
  offsetStore: OffsetStore;
  mirror: GroupMirror;
  /** does this topic partition exist (metadata cache)? OffsetCommit/OffsetDelete check it */
  partitionExists(tp: TopicPartition): boolean;
  /** member id suffixes; crypto.randomUUID by default */
  randomUUID?: () => string;
}

type PartitionLoad = { state: 'loading' | 'loaded'; readonly token: number; readonly done: Promise<void> };

/** Retry delay of a failed election load (the partition stays "loading" meanwhile). */
const LOAD_RETRY_MS = 1000;

export class GroupCoordinator implements GroupOperationsHost {
  readonly config: GroupCoordinatorConfig;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly mirror: GroupMirror;
  private readonly uuid: () => string;
  private readonly store: OffsetStore;
  private readonly groups = new Map<string, GroupMetadata>();
  private readonly partitions = new Map<number, PartitionLoad>();
  private readonly joinPurgatory: Purgatory<DelayedJoin>;
  private readonly heartbeatPurgatory: Purgatory<DelayedHeartbeat>;
  private readonly offsetManager: OffsetManager;
  private readonly offsetRequests: OffsetRequests;
  private active = false;
  private loadSeq = 0;
  private expiryTimer: { cancel(): void } | null = null;

  constructor(opts: GroupCoordinatorOptions) {
    this.config = opts.config;
    this.clock = opts.clock;
    this.log = opts.log;
    this.mirror = opts.mirror;
    this.store = opts.offsetStore;
    this.uuid = opts.randomUUID ?? randomUUID;
    this.joinPurgatory = new Purgatory<DelayedJoin>({ name: 'Rebalance', clock: opts.clock, log: opts.log });
    this.heartbeatPurgatory = new Purgatory<DelayedHeartbeat>({ name: 'Heartbeat', clock: opts.clock, log: opts.log });
    this.offsetManager = new OffsetManager(opts.offsetStore, opts.clock, opts.log);
    this.offsetRequests = new OffsetRequests({
      config: opts.config,
      clock: opts.clock,
      offsets: this.offsetManager,
      partitionExists: opts.partitionExists,
      groups: {
        validate: (groupId, allowEmptyId) => this.validateGroupStatus(groupId, allowEmptyId),
        get: (groupId) => this.groups.get(groupId),
        create: (groupId) => this.addGroup(groupId),
        heartbeat: (group, member) => this.completeAndScheduleNextHeartbeatExpiration(group, member),
        removeIfDeadEmpty: (group) => this.maybeRemoveEmptyGroup(group),
      },
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
    this.joinPurgatory.shutdown();
    this.heartbeatPurgatory.shutdown();
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
    const attempt = (): void => {
      this.store.listGroupsWithOffsets().then(
        (ids) => {
          const load = this.partitions.get(partition);
          if (load?.token !== token) return resolveDone();
          for (const id of ids) {
            if (this.partitionFor(id) !== partition || this.groups.has(id)) continue;
            const group = new GroupMetadata(id, GroupState.Empty, null);
            group.offsetsLoaded = false;
            this.groups.set(id, group);
          }
          load.state = 'loaded';
          this.log.info({ partition }, 'groups of __consumer_offsets partition loaded');
          resolveDone();
        },
        (err: unknown) => {
          if (this.partitions.get(partition)?.token !== token) return resolveDone();
          this.log.warn({ err, partition }, 'listing groups with offsets failed; retrying');
          this.clock.setTimeout(attempt, LOAD_RETRY_MS);
        },
      );
    };
    attempt();
    return done;
  }

  /** This broker no longer leads `partition`: drop its groups, answer their waiters. */
  onResignation(partition: number): void {
    if (!this.partitions.delete(partition)) return;
    for (const group of [...this.groups.values()]) {
      if (this.partitionFor(group.groupId) !== partition) continue;
      this.groups.delete(group.groupId);
      this.unloadGroup(group, ErrorCode.NotCoordinator);
    }
    this.log.info({ partition }, 'resigned as coordinator of __consumer_offsets partition');
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
  // JoinGroup

  handleJoinGroup(p: JoinGroupParams): Promise<JoinGroupResult> {
    return new Promise((resolve) => this.joinGroup(p, resolve));
  }

  private joinGroup(p: JoinGroupParams, respond: JoinCallback): void {
    const error = this.validateGroupStatus(p.groupId, false);
    if (error !== null) return respond(joinError(p.memberId, error));
    const { groupMinSessionTimeoutMs: min, groupMaxSessionTimeoutMs: max, groupMaxSize } = this.config;
    if (p.sessionTimeoutMs < min || p.sessionTimeoutMs > max) return respond(joinError(p.memberId, ErrorCode.InvalidSessionTimeout));
    const isUnknownMember = p.memberId === '';
    let group = this.groups.get(p.groupId);
    if (!group) {
      // only an unknown member may create a group
      if (!isUnknownMember) return respond(joinError(p.memberId, ErrorCode.UnknownMemberId));
      group = this.addGroup(p.groupId);
    }
    const overCapacityMember = group.size > groupMaxSize && group.has(p.memberId) && !group.get(p.memberId).isAwaitingJoin;
    if (overCapacityMember || (isUnknownMember && group.size >= groupMaxSize)) {
      if (group.has(p.memberId)) this.removeMember(group, group.get(p.memberId));
      respond(joinError('', ErrorCode.GroupMaxSizeReached));
    } else if (isUnknownMember) {
      this.doUnknownJoinGroup(group, p, respond);
    } else {
      this.doJoinGroup(group, p, respond);
    }
    if (group.is(GroupState.PreparingRebalance)) this.joinPurgatory.checkAndComplete(groupKey(group.groupId));
  }

  private doUnknownJoinGroup(group: GroupMetadata, p: JoinGroupParams, respond: JoinCallback): void {
    if (group.is(GroupState.Dead)) return respond(joinError('', ErrorCode.CoordinatorNotAvailable));
    if (!group.supportsProtocols(p.protocolType, p.protocols.map((x) => x.name))) {
      return respond(joinError('', ErrorCode.InconsistentGroupProtocol));
    }
    const newMemberId = `${p.groupInstanceId ?? p.clientId}-${this.uuid()}`;
    if (p.groupInstanceId !== null && group.hasStaticMember(p.groupInstanceId)) {
      this.updateStaticMemberAndRebalance(group, newMemberId, p.groupInstanceId, p.protocols, respond);
    } else if (p.requireKnownMemberId) {
      group.addPendingMember(newMemberId);
      this.addPendingMemberExpiration(group, newMemberId, p.sessionTimeoutMs);
      respond(joinError(newMemberId, ErrorCode.MemberIdRequired));
    } else {
      this.addMemberAndRebalance(group, newMemberId, p, respond);
    }
  }

  private doJoinGroup(group: GroupMetadata, p: JoinGroupParams, respond: JoinCallback): void {
    const { memberId, groupInstanceId } = p;
    if (group.is(GroupState.Dead)) return respond(joinError(memberId, ErrorCode.CoordinatorNotAvailable));
    if (!group.supportsProtocols(p.protocolType, p.protocols.map((x) => x.name))) {
      return respond(joinError(memberId, ErrorCode.InconsistentGroupProtocol));
    }
    if (group.isPendingMember(memberId)) {
      // pending ids are handed to dynamic members only; Kafka treats the other case as a bug
      if (groupInstanceId !== null) return respond(joinError(memberId, ErrorCode.UnknownServerError));
      return this.addMemberAndRebalance(group, memberId, p, respond);
    }
    if (group.isStaticMemberFenced(memberId, groupInstanceId)) return respond(joinError(memberId, ErrorCode.FencedInstanceId));
    const instanceUnknown = groupInstanceId !== null && !group.hasStaticMember(groupInstanceId);
    if (!group.has(memberId) || instanceUnknown) return respond(joinError(memberId, ErrorCode.UnknownMemberId));
    const member = group.get(memberId);
    switch (group.currentState) {
      case GroupState.PreparingRebalance:
        return this.updateMemberAndRebalance(group, member, p.protocols, respond);
      case GroupState.CompletingRebalance:
        // the same metadata again (it may have missed the JoinGroup answer): answer as before
        if (member.matches(p.protocols)) return respond(this.currentJoinResult(group, member));
        return this.updateMemberAndRebalance(group, member, p.protocols, respond);
      case GroupState.Stable:
        // the leader rejoining forces a rebalance (e.g. topic metadata changed), as does new metadata
        if (group.isLeader(memberId) || !member.matches(p.protocols)) return this.updateMemberAndRebalance(group, member, p.protocols, respond);
        return respond(this.currentJoinResult(group, member, false));
      case GroupState.Empty:
      case GroupState.Dead:
        this.log.warn({ groupId: group.groupId, memberId, state: group.currentState }, 'rejoining member in an unexpected group state');
        return respond(joinError(memberId, ErrorCode.UnknownMemberId));
    }
  }

  private currentJoinResult(group: GroupMetadata, member: MemberMetadata, withMembers = true): JoinGroupResult {
    return {
      errorCode: ErrorCode.None,
      memberId: member.memberId,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leaderId: group.leaderId ?? '',
      members: withMembers && group.isLeader(member.memberId) ? group.currentMemberMetadata() : [],
    };
  }

  private addMemberAndRebalance(group: GroupMetadata, memberId: string, p: JoinGroupParams, respond: JoinCallback): void {
    const member = new MemberMetadata({
      memberId,
      groupId: group.groupId,
      groupInstanceId: p.groupInstanceId,
      clientId: p.clientId,
      clientHost: p.clientHost,
      rebalanceTimeoutMs: p.rebalanceTimeoutMs,
      sessionTimeoutMs: p.sessionTimeoutMs,
      protocolType: p.protocolType,
      supportedProtocols: p.protocols,
    });
    member.isNew = true;
    // a member joining the first rebalance lets the InitialDelayedJoin wait once more
    if (group.is(GroupState.PreparingRebalance) && group.generationId === 0) group.newMemberAdded = true;
    group.add(member, respond);
    // New members cannot heartbeat yet; a client that gave up on its first JoinGroup would
    // otherwise stay a member forever, so its wait is bounded (Kafka's NewMemberJoinTimeoutMs).
    this.completeAndScheduleNextExpiration(group, member, NEW_MEMBER_JOIN_TIMEOUT_MS);
    if (p.groupInstanceId !== null) group.addStaticMember(p.groupInstanceId, memberId);
    else group.removePendingMember(memberId);
    this.maybePrepareRebalance(group, `adding new member ${memberId} with group instance id ${p.groupInstanceId}`);
  }

  private updateMemberAndRebalance(group: GroupMetadata, member: MemberMetadata, protocols: readonly GroupProtocol[], respond: JoinCallback): void {
    group.updateMember(member, protocols, respond);
    this.maybePrepareRebalance(group, `updating metadata for member ${member.memberId}`);
  }

  /** KIP-345: a known group.instance.id rejoined without its member id. */
  private updateStaticMemberAndRebalance(
    group: GroupMetadata,
    newMemberId: string,
    groupInstanceId: string,
    protocols: readonly GroupProtocol[],
    respond: JoinCallback,
  ): void {
    const oldMemberId = group.getStaticMemberId(groupInstanceId)!;
    const currentLeader = group.leaderId ?? '';
    this.log.info({ groupId: group.groupId, groupInstanceId, oldMemberId, newMemberId }, 'static member rejoins with a new member id');
    const member = group.replaceGroupInstance(oldMemberId, newMemberId, groupInstanceId, {
      join: joinError(oldMemberId, ErrorCode.FencedInstanceId),
      sync: syncError(ErrorCode.FencedInstanceId),
    });
    this.heartbeatPurgatory.cancelForKey(memberKey(group.groupId, oldMemberId));
    this.notify(() => this.mirror.memberLeft(group.groupId, oldMemberId));
    this.completeAndScheduleNextHeartbeatExpiration(group, member);
    group.updateMember(member, protocols, respond);
    switch (group.currentState) {
      case GroupState.Stable:
        if (group.protocolName === group.selectProtocol()) {
          // Answer with the *old* leader id, so that a replaced leader does not compute an
          // assignment that a Stable group would never hand out.
          group.maybeInvokeJoinCallback(member, { ...this.currentJoinResult(group, member, false), leaderId: currentLeader });
          this.mirrorMembers(group, [member]);
          this.mirrorOwners(group);
        } else {
          this.maybePrepareRebalance(group, `static member ${groupInstanceId} changed the group's protocol`);
        }
        return;
      case GroupState.CompletingRebalance:
        // the leader may be assigning to the old member id: start again
        return this.prepareRebalance(group, `static member ${groupInstanceId} rejoined while the group awaited sync`);
      case GroupState.PreparingRebalance:
        return;
      case GroupState.Empty:
      case GroupState.Dead:
        throw new Error(`group ${group.groupId} cannot be ${group.currentState} while static member ${groupInstanceId} is known`);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Rebalance (DelayedJoin host)

  private maybePrepareRebalance(group: GroupMetadata, reason: string): void {
    if (group.canRebalance()) this.prepareRebalance(group, reason);
  }

  private prepareRebalance(group: GroupMetadata, reason: string): void {
    if (group.is(GroupState.CompletingRebalance)) this.resetAndPropagateAssignmentError(group, ErrorCode.RebalanceInProgress);
    const now = () => this.clock.now();
    const initialDelay = this.config.groupInitialRebalanceDelayMs;
    const op = group.is(GroupState.Empty)
      ? new InitialDelayedJoin(this, group, this.joinPurgatory, now, initialDelay, initialDelay, Math.max(group.rebalanceTimeoutMs() - initialDelay, 0))
      : new DelayedJoin(this, group, this.clock.now() + group.rebalanceTimeoutMs());
    group.transitionTo(GroupState.PreparingRebalance, this.clock.now());
    this.log.info(
      { groupId: group.groupId, generationId: group.generationId, partition: this.partitionFor(group.groupId), reason },
      'preparing to rebalance group',
    );
    this.joinPurgatory.tryCompleteElseWatch(op, [groupKey(group.groupId)]);
  }

  tryCompleteJoin(group: GroupMetadata): boolean {
    return group.hasAllMembersJoined();
  }

  onCompleteJoin(group: GroupMetadata): void {
    for (const failed of group.notYetRejoinedMembers()) {
      if (failed.isStaticMember) continue; // static members keep their place until their session expires
      failed.isLeaving = true;
      this.heartbeatPurgatory.checkAndComplete(memberKey(group.groupId, failed.memberId));
      this.removeMemberQuietly(group, failed);
    }
    if (group.is(GroupState.Dead)) return;
    if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
      // nobody rejoined: wait another rebalance timeout while sessions expire the silent ones
      this.log.error({ groupId: group.groupId }, 'could not complete rebalance because no members rejoined');
      this.joinPurgatory.tryCompleteElseWatch(new DelayedJoin(this, group, this.clock.now() + group.rebalanceTimeoutMs()), [groupKey(group.groupId)]);
      return;
    }
    group.initNextGeneration(this.clock.now());
    if (group.is(GroupState.Empty)) {
      this.log.info({ groupId: group.groupId, generationId: group.generationId }, 'group is now empty');
      this.notify(() => this.mirror.ownersAssigned(group.groupId, group.generationId, new Map()));
      return;
    }
    this.log.info({ groupId: group.groupId, generationId: group.generationId, protocol: group.protocolName, members: group.size }, 'stabilized group');
    for (const member of group.allMembers()) {
      group.maybeInvokeJoinCallback(member, this.currentJoinResult(group, member));
      this.completeAndScheduleNextHeartbeatExpiration(group, member);
      member.isNew = false;
    }
    this.mirrorMembers(group, group.allMembers());
  }

  // ------------------------------------------------------------------------------------------
  // SyncGroup

  handleSyncGroup(p: SyncGroupParams): Promise<SyncGroupResult> {
    return new Promise((resolve) => this.syncGroup(p, resolve));
  }

  private syncGroup(p: SyncGroupParams, respond: SyncCallback): void {
    const error = this.validateGroupStatus(p.groupId, false);
    // a loading coordinator lost the rebalance: have the member rejoin (older clients do not expect 14)
    if (error === ErrorCode.CoordinatorLoadInProgress) return respond(syncError(ErrorCode.RebalanceInProgress));
    if (error !== null) return respond(syncError(error));
    const group = this.groups.get(p.groupId);
    if (!group) return respond(syncError(ErrorCode.UnknownMemberId));
    if (group.is(GroupState.Dead)) return respond(syncError(ErrorCode.CoordinatorNotAvailable));
    if (group.isStaticMemberFenced(p.memberId, p.groupInstanceId)) return respond(syncError(ErrorCode.FencedInstanceId));
    if (!group.has(p.memberId)) return respond(syncError(ErrorCode.UnknownMemberId));
    if (p.generationId !== group.generationId) return respond(syncError(ErrorCode.IllegalGeneration));
    if ((p.protocolType !== null && p.protocolType !== group.protocolType) || (p.protocolName !== null && p.protocolName !== group.protocolName)) {
      return respond(syncError(ErrorCode.InconsistentGroupProtocol));
    }
    const member = group.get(p.memberId);
    switch (group.currentState) {
      case GroupState.Empty:
        return respond(syncError(ErrorCode.UnknownMemberId));
      case GroupState.PreparingRebalance:
        return respond(syncError(ErrorCode.RebalanceInProgress));
      case GroupState.CompletingRebalance:
        member.awaitingSyncCallback = respond;
        if (group.isLeader(p.memberId)) {
          this.log.info({ groupId: group.groupId, generationId: group.generationId }, 'assignment received from leader');
          // Membership is not persisted (ARCHITECTURE §6), but Kafka's storeGroup would append the
          // group to __consumer_offsets here: a record over message.max.bytes fails it (MESSAGE_TOO_LARGE
          // → UNKNOWN_SERVER_ERROR for every member, and a new rebalance), and so it does here.
          const recordBytes = groupMetadataRecordSize(group, p.assignments);
          if (recordBytes > this.config.maxMessageBytes) {
            this.log.error(
              { groupId: group.groupId, generationId: group.generationId, recordBytes, maxMessageBytes: this.config.maxMessageBytes },
              'group metadata record too large to store; answering UNKNOWN_SERVER_ERROR',
            );
            this.resetAndPropagateAssignmentError(group, ErrorCode.UnknownServerError);
            this.maybePrepareRebalance(group, `error when storing group assignment during SyncGroup (member: ${p.memberId})`);
            return;
          }
          this.setAndPropagateAssignment(group, p.assignments);
          group.transitionTo(GroupState.Stable, this.clock.now());
          this.mirrorOwners(group);
        }
        return;
      case GroupState.Stable:
        respond(this.syncResult(group, member));
        return this.completeAndScheduleNextHeartbeatExpiration(group, member);
      case GroupState.Dead:
        throw new Error(`group ${group.groupId} is Dead`);
    }
  }

  private syncResult(group: GroupMetadata, member: MemberMetadata): SyncGroupResult {
    return { errorCode: ErrorCode.None, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment };
  }

  private setAndPropagateAssignment(group: GroupMetadata, assignments: ReadonlyMap<string, Buffer>): void {
    for (const m of group.allMembers()) m.assignment = assignments.get(m.memberId) ?? EMPTY_BYTES;
    this.propagateAssignment(group, ErrorCode.None);
  }

  private resetAndPropagateAssignmentError(group: GroupMetadata, error: ErrorCode): void {
    for (const m of group.allMembers()) m.assignment = EMPTY_BYTES;
    this.propagateAssignment(group, error);
  }

  private propagateAssignment(group: GroupMetadata, error: ErrorCode): void {
    for (const m of group.allMembers()) {
      const result = error === ErrorCode.None ? this.syncResult(group, m) : syncError(error);
      // the session clock restarts once the member has its answer
      if (group.maybeInvokeSyncCallback(m, result)) this.completeAndScheduleNextHeartbeatExpiration(group, m);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Heartbeat and session expiry (DelayedHeartbeat host)

  handleHeartbeat(p: HeartbeatParams): ErrorCode {
    const error = this.validateGroupStatus(p.groupId, false);
    if (error === ErrorCode.CoordinatorLoadInProgress) return ErrorCode.None; // the group is loading: answer blindly
    if (error !== null) return error;
    const group = this.groups.get(p.groupId);
    if (!group) return ErrorCode.UnknownMemberId;
    if (group.is(GroupState.Dead)) return ErrorCode.CoordinatorNotAvailable;
    if (group.isStaticMemberFenced(p.memberId, p.groupInstanceId)) return ErrorCode.FencedInstanceId;
    if (!group.has(p.memberId)) return ErrorCode.UnknownMemberId;
    if (p.generationId !== group.generationId) return ErrorCode.IllegalGeneration;
    switch (group.currentState) {
      case GroupState.Empty:
        return ErrorCode.UnknownMemberId;
      case GroupState.CompletingRebalance:
      case GroupState.Stable:
        this.completeAndScheduleNextHeartbeatExpiration(group, group.get(p.memberId));
        return ErrorCode.None;
      case GroupState.PreparingRebalance:
        this.completeAndScheduleNextHeartbeatExpiration(group, group.get(p.memberId));
        return ErrorCode.RebalanceInProgress;
      case GroupState.Dead:
        return ErrorCode.CoordinatorNotAvailable;
    }
  }

  private completeAndScheduleNextHeartbeatExpiration(group: GroupMetadata, member: MemberMetadata): void {
    this.completeAndScheduleNextExpiration(group, member, member.sessionTimeoutMs);
  }

  private completeAndScheduleNextExpiration(group: GroupMetadata, member: MemberMetadata, timeoutMs: number): void {
    member.latestHeartbeat = this.clock.now();
    const key = memberKey(group.groupId, member.memberId);
    this.heartbeatPurgatory.checkAndComplete(key);
    const op = new DelayedHeartbeat(this, group, member.memberId, false, member.latestHeartbeat + timeoutMs);
    this.heartbeatPurgatory.tryCompleteElseWatch(op, [key]);
  }

  private addPendingMemberExpiration(group: GroupMetadata, memberId: string, timeoutMs: number): void {
    const op = new DelayedHeartbeat(this, group, memberId, true, this.clock.now() + timeoutMs);
    this.heartbeatPurgatory.tryCompleteElseWatch(op, [memberKey(group.groupId, memberId)]);
  }

  tryCompleteHeartbeat(group: GroupMetadata, memberId: string, isPending: boolean, deadline: number): boolean {
    if (isPending) return group.has(memberId) || !group.isPendingMember(memberId);
    if (!group.has(memberId)) return true;
    const member = group.get(memberId);
    return member.shouldKeepAlive(deadline) || member.isLeaving;
  }

  onExpireHeartbeat(group: GroupMetadata, memberId: string, isPending: boolean, deadline: number): void {
    if (isPending) {
      this.log.info({ groupId: group.groupId, memberId }, 'pending member removed after session timeout');
      return this.removePendingMemberAndUpdateGroup(group, memberId);
    }
    if (!group.has(memberId)) return;
    const member = group.get(memberId);
    if (member.shouldKeepAlive(deadline)) return;
    this.log.info({ groupId: group.groupId, memberId }, 'member failed its session timeout; removing it from the group');
    this.removeMemberAndUpdateGroup(group, member, `removing member ${memberId} on heartbeat expiration`);
  }

  // ------------------------------------------------------------------------------------------
  // LeaveGroup and member removal

  handleLeaveGroup(groupId: string, leaving: readonly MemberIdentity[]): LeaveGroupResult {
    const error = this.validateGroupStatus(groupId, false);
    if (error !== null) return { errorCode: error, members: [] };
    const group = this.groups.get(groupId);
    if (!group) return { errorCode: ErrorCode.None, members: leaving.map((m) => ({ ...m, errorCode: ErrorCode.UnknownMemberId })) };
    if (group.is(GroupState.Dead)) return { errorCode: ErrorCode.CoordinatorNotAvailable, members: [] };
    const members = leaving.map((m) => ({ ...m, errorCode: this.leaveOne(group, m) }));
    return { errorCode: ErrorCode.None, members };
  }

  private leaveOne(group: GroupMetadata, { memberId, groupInstanceId }: MemberIdentity): ErrorCode {
    if (memberId !== '' && group.isStaticMemberFenced(memberId, groupInstanceId)) return ErrorCode.FencedInstanceId;
    if (group.isPendingMember(memberId)) {
      if (groupInstanceId !== null) return ErrorCode.UnknownServerError; // Kafka: IllegalStateException
      this.log.info({ groupId: group.groupId, memberId }, 'pending member leaves the group');
      this.removePendingMemberAndUpdateGroup(group, memberId);
      this.heartbeatPurgatory.checkAndComplete(memberKey(group.groupId, memberId));
      return ErrorCode.None;
    }
    const staticId = groupInstanceId !== null ? group.getStaticMemberId(groupInstanceId) : undefined;
    if (!group.has(memberId) && staticId === undefined) return ErrorCode.UnknownMemberId;
    const member = group.get(staticId ?? memberId);
    member.isLeaving = true;
    this.heartbeatPurgatory.checkAndComplete(memberKey(group.groupId, member.memberId));
    this.log.info({ groupId: group.groupId, memberId: member.memberId, groupInstanceId: member.groupInstanceId }, 'member left the group');
    this.removeMemberAndUpdateGroup(group, member, `removing member ${member.memberId} on LeaveGroup`);
    return ErrorCode.None;
  }

  private removeMemberAndUpdateGroup(group: GroupMetadata, member: MemberMetadata, reason: string): void {
    // a new member may still wait in JoinGroup: answer UNKNOWN_MEMBER_ID so that it rejoins
    group.maybeInvokeJoinCallback(member, joinError('', ErrorCode.UnknownMemberId));
    group.maybeInvokeSyncCallback(member, syncError(ErrorCode.UnknownMemberId));
    this.removeMemberQuietly(group, member);
    switch (group.currentState) {
      case GroupState.Stable:
      case GroupState.CompletingRebalance:
        return this.maybePrepareRebalance(group, reason);
      case GroupState.PreparingRebalance:
        this.joinPurgatory.checkAndComplete(groupKey(group.groupId));
        return;
      case GroupState.Empty:
      case GroupState.Dead:
        return;
    }
  }

  private removeMember(group: GroupMetadata, member: MemberMetadata): void {
    this.heartbeatPurgatory.cancelForKey(memberKey(group.groupId, member.memberId));
    this.removeMemberQuietly(group, member);
  }

  private removeMemberQuietly(group: GroupMetadata, member: MemberMetadata): void {
    group.remove(member.memberId);
    this.notify(() => this.mirror.memberLeft(group.groupId, member.memberId));
  }

  private removePendingMemberAndUpdateGroup(group: GroupMetadata, memberId: string): void {
    group.removePendingMember(memberId);
    if (group.is(GroupState.PreparingRebalance)) this.joinPurgatory.checkAndComplete(groupKey(group.groupId));
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
    this.unloadGroup(group, ErrorCode.CoordinatorNotAvailable);
    return this.offsetManager.deleteGroup(group).then((code) => {
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

  handleFetchOffsets(groupId: string, partitions: readonly TopicPartition[] | null, requireStable = false): Promise<FetchOffsetsResult> {
    return this.offsetRequests.fetch(groupId, partitions, requireStable);
  }

  handleDeleteOffsets(groupId: string, partitions: readonly TopicPartition[]): Promise<DeleteOffsetsResult> {
    return this.offsetRequests.deleteOffsets(groupId, partitions);
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

  // ------------------------------------------------------------------------------------------
  // Unloading and the mirror

  /** The group left this coordinator: answer its waiters with `error`, cancel its timers. */
  private unloadGroup(group: GroupMetadata, error: ErrorCode): void {
    if (!group.is(GroupState.Dead)) group.transitionTo(GroupState.Dead, this.clock.now());
    this.joinPurgatory.cancelForKey(groupKey(group.groupId));
    for (const id of group.pendingMemberIds()) this.heartbeatPurgatory.cancelForKey(memberKey(group.groupId, id));
    for (const member of group.allMembers()) {
      group.maybeInvokeJoinCallback(member, joinError(member.memberId, error));
      group.maybeInvokeSyncCallback(member, syncError(error));
      this.heartbeatPurgatory.cancelForKey(memberKey(group.groupId, member.memberId));
      this.notify(() => this.mirror.memberLeft(group.groupId, member.memberId));
    }
    if (group.size > 0) this.notify(() => this.mirror.ownersAssigned(group.groupId, group.generationId, new Map()));
  }

  private mirrorMembers(group: GroupMetadata, members: readonly MemberMetadata[]): void {
    for (const m of members) {
      let subscription: string[] = [];
      if (m.protocolType === CONSUMER_PROTOCOL_TYPE && group.protocolName !== null) {
        try {
          subscription = decodeSubscription(m.metadata(group.protocolName)).topics;
        } catch {
          subscription = [];
        }
      }
      this.notify(() =>
        this.mirror.memberJoined(group.groupId, {
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          protocolType: m.protocolType,
          subscription,
          generationId: group.generationId,
        }),
      );
    }
  }

  private mirrorOwners(group: GroupMetadata): void {
    const owners = new Map<string, Map<number, string>>();
    if (group.isConsumerGroup()) {
      for (const m of group.allMembers()) {
        let assigned;
        try {
          assigned = decodeAssignment(m.assignment);
        } catch (err) {
          this.log.warn({ err, groupId: group.groupId, memberId: m.memberId }, 'unreadable consumer assignment; not mirrored');
          continue;
        }
        for (const { topic, partitions } of assigned?.assignedPartitions ?? []) {
          let byPartition = owners.get(topic);
          if (!byPartition) owners.set(topic, (byPartition = new Map()));
          for (const p of partitions) byPartition.set(p, m.memberId);
        }
      }
    }
    const table: PartitionOwners = owners;
    this.notify(() => this.mirror.ownersAssigned(group.groupId, group.generationId, table));
  }

  private notify(call: () => void): void {
    try {
      call();
    } catch (err) {
      this.log.warn({ err }, 'group mirror failed; ignored');
    }
  }
}
