/**
 * Group membership on the coordinator (Kafka 2.7 GroupCoordinator's handleJoinGroup / handleSyncGroup /
 * handleHeartbeat / handleLeaveGroup and the rebalance they drive). Split out of group-coordinator.ts,
 * which keeps placement, partition loading, the group admin APIs and the offsets entry points, and
 * delegates these four requests here. Behaviour is described in group-coordinator.ts's header.
 *
 * This class owns the two purgatories and is the `GroupOperationsHost` of their delayed operations:
 * DelayedJoin / InitialDelayedJoin complete a rebalance (`onCompleteJoin`), DelayedHeartbeat expires a
 * member's session (`onExpireHeartbeat`). The group map, the request validation and group creation are the
 * coordinator's (`MembershipDeps`); membership changes are mirrored through `MembershipMirror`.
 */
import type { Clock } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Purgatory } from '../purgatory/purgatory.js';
import type { GroupCoordinatorConfig } from './coordinator-config.js';
import {
  DelayedHeartbeat,
  DelayedJoin,
  InitialDelayedJoin,
  groupKey,
  memberKey,
  type GroupOperationsHost,
} from './delayed-operations.js';
import { groupMetadataRecordSize } from './group-record-size.js';
import { GroupState, type GroupMetadata } from './group-metadata.js';
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
import type { MembershipMirror } from './membership-mirror.js';

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

/** What membership needs from the coordinator. */
export interface MembershipDeps {
  config: GroupCoordinatorConfig;
  clock: Clock;
  log: Logger;
  mirror: MembershipMirror;
  /** member id suffixes */
  uuid(): string;
  /** the coordinator's groups (shared, not copied) */
  groups: ReadonlyMap<string, GroupMetadata>;
  /** Kafka's validateGroupStatus; null when the request may proceed */
  validateGroupStatus(groupId: string, allowEmptyId: boolean): ErrorCode | null;
  /** creates an Empty group and adds it to `groups` */
  addGroup(groupId: string): GroupMetadata;
  partitionFor(groupId: string): number;
}

export class GroupMembership implements GroupOperationsHost {
  private readonly joinPurgatory: Purgatory<DelayedJoin>;
  private readonly heartbeatPurgatory: Purgatory<DelayedHeartbeat>;
  private readonly mirror: MembershipMirror;

  constructor(private readonly d: MembershipDeps) {
    this.joinPurgatory = new Purgatory<DelayedJoin>({ name: 'Rebalance', clock: d.clock, log: d.log });
    this.heartbeatPurgatory = new Purgatory<DelayedHeartbeat>({ name: 'Heartbeat', clock: d.clock, log: d.log });
    this.mirror = d.mirror;
  }

  /** Stops the purgatories' timers (after every group has been unloaded). */
  shutdown(): void {
    this.joinPurgatory.shutdown();
    this.heartbeatPurgatory.shutdown();
  }

  // ------------------------------------------------------------------------------------------
  // JoinGroup

  handleJoinGroup(p: JoinGroupParams): Promise<JoinGroupResult> {
    return new Promise((resolve) => this.joinGroup(p, resolve));
  }

  private joinGroup(p: JoinGroupParams, respond: JoinCallback): void {
    const error = this.d.validateGroupStatus(p.groupId, false);
    if (error !== null) return respond(joinError(p.memberId, error));
    const { groupMinSessionTimeoutMs: min, groupMaxSessionTimeoutMs: max, groupMaxSize } = this.d.config;
    if (p.sessionTimeoutMs < min || p.sessionTimeoutMs > max) return respond(joinError(p.memberId, ErrorCode.InvalidSessionTimeout));
    const isUnknownMember = p.memberId === '';
    let group = this.d.groups.get(p.groupId);
    if (!group) {
      // only an unknown member may create a group
      if (!isUnknownMember) return respond(joinError(p.memberId, ErrorCode.UnknownMemberId));
      group = this.d.addGroup(p.groupId);
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
    const newMemberId = `${p.groupInstanceId ?? p.clientId}-${this.d.uuid()}`;
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
        this.d.log.warn({ groupId: group.groupId, memberId, state: group.currentState }, 'rejoining member in an unexpected group state');
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
    this.d.log.info({ groupId: group.groupId, groupInstanceId, oldMemberId, newMemberId }, 'static member rejoins with a new member id');
    const member = group.replaceGroupInstance(oldMemberId, newMemberId, groupInstanceId, {
      join: joinError(oldMemberId, ErrorCode.FencedInstanceId),
      sync: syncError(ErrorCode.FencedInstanceId),
    });
    this.heartbeatPurgatory.cancelForKey(memberKey(group.groupId, oldMemberId));
    this.mirror.memberLeft(group.groupId, oldMemberId);
    this.completeAndScheduleNextHeartbeatExpiration(group, member);
    group.updateMember(member, protocols, respond);
    switch (group.currentState) {
      case GroupState.Stable:
        if (group.protocolName === group.selectProtocol()) {
          // Answer with the *old* leader id, so that a replaced leader does not compute an
          // assignment that a Stable group would never hand out.
          group.maybeInvokeJoinCallback(member, { ...this.currentJoinResult(group, member, false), leaderId: currentLeader });
          this.mirror.membersJoined(group, [member]);
          this.mirror.ownersAssigned(group);
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
    const now = () => this.d.clock.now();
    const initialDelay = this.d.config.groupInitialRebalanceDelayMs;
    const op = group.is(GroupState.Empty)
      ? new InitialDelayedJoin(this, group, this.joinPurgatory, now, initialDelay, initialDelay, Math.max(group.rebalanceTimeoutMs() - initialDelay, 0))
      : new DelayedJoin(this, group, this.d.clock.now() + group.rebalanceTimeoutMs());
    group.transitionTo(GroupState.PreparingRebalance, this.d.clock.now());
    this.d.log.info(
      { groupId: group.groupId, generationId: group.generationId, partition: this.d.partitionFor(group.groupId), reason },
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
      this.d.log.error({ groupId: group.groupId }, 'could not complete rebalance because no members rejoined');
      this.joinPurgatory.tryCompleteElseWatch(new DelayedJoin(this, group, this.d.clock.now() + group.rebalanceTimeoutMs()), [groupKey(group.groupId)]);
      return;
    }
    group.initNextGeneration(this.d.clock.now());
    if (group.is(GroupState.Empty)) {
      this.d.log.info({ groupId: group.groupId, generationId: group.generationId }, 'group is now empty');
      this.mirror.ownersCleared(group);
      return;
    }
    this.d.log.info({ groupId: group.groupId, generationId: group.generationId, protocol: group.protocolName, members: group.size }, 'stabilized group');
    for (const member of group.allMembers()) {
      group.maybeInvokeJoinCallback(member, this.currentJoinResult(group, member));
      this.completeAndScheduleNextHeartbeatExpiration(group, member);
      member.isNew = false;
    }
    this.mirror.membersJoined(group, group.allMembers());
  }

  // ------------------------------------------------------------------------------------------
  // SyncGroup

  handleSyncGroup(p: SyncGroupParams): Promise<SyncGroupResult> {
    return new Promise((resolve) => this.syncGroup(p, resolve));
  }

  private syncGroup(p: SyncGroupParams, respond: SyncCallback): void {
    const error = this.d.validateGroupStatus(p.groupId, false);
    // a loading coordinator lost the rebalance: have the member rejoin (older clients do not expect 14)
    if (error === ErrorCode.CoordinatorLoadInProgress) return respond(syncError(ErrorCode.RebalanceInProgress));
    if (error !== null) return respond(syncError(error));
    const group = this.d.groups.get(p.groupId);
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
          this.d.log.info({ groupId: group.groupId, generationId: group.generationId }, 'assignment received from leader');
          // Membership is not persisted (ARCHITECTURE §6), but Kafka's storeGroup would append the
          // group to __consumer_offsets here: a record over message.max.bytes fails it (MESSAGE_TOO_LARGE
          // → UNKNOWN_SERVER_ERROR for every member, and a new rebalance), and so it does here.
          const recordBytes = groupMetadataRecordSize(group, p.assignments);
          if (recordBytes > this.d.config.maxMessageBytes) {
            this.d.log.error(
              { groupId: group.groupId, generationId: group.generationId, recordBytes, maxMessageBytes: this.d.config.maxMessageBytes },
              'group metadata record too large to store; answering UNKNOWN_SERVER_ERROR',
            );
            this.resetAndPropagateAssignmentError(group, ErrorCode.UnknownServerError);
            this.maybePrepareRebalance(group, `error when storing group assignment during SyncGroup (member: ${p.memberId})`);
            return;
          }
          this.setAndPropagateAssignment(group, p.assignments);
          group.transitionTo(GroupState.Stable, this.d.clock.now());
          this.mirror.ownersAssigned(group);
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
    const error = this.d.validateGroupStatus(p.groupId, false);
    if (error === ErrorCode.CoordinatorLoadInProgress) return ErrorCode.None; // the group is loading: answer blindly
    if (error !== null) return error;
    const group = this.d.groups.get(p.groupId);
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

  completeAndScheduleNextHeartbeatExpiration(group: GroupMetadata, member: MemberMetadata): void {
    this.completeAndScheduleNextExpiration(group, member, member.sessionTimeoutMs);
  }

  private completeAndScheduleNextExpiration(group: GroupMetadata, member: MemberMetadata, timeoutMs: number): void {
    member.latestHeartbeat = this.d.clock.now();
    const key = memberKey(group.groupId, member.memberId);
    this.heartbeatPurgatory.checkAndComplete(key);
    const op = new DelayedHeartbeat(this, group, member.memberId, false, member.latestHeartbeat + timeoutMs);
    this.heartbeatPurgatory.tryCompleteElseWatch(op, [key]);
  }

  private addPendingMemberExpiration(group: GroupMetadata, memberId: string, timeoutMs: number): void {
    const op = new DelayedHeartbeat(this, group, memberId, true, this.d.clock.now() + timeoutMs);
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
      this.d.log.info({ groupId: group.groupId, memberId }, 'pending member removed after session timeout');
      return this.removePendingMemberAndUpdateGroup(group, memberId);
    }
    if (!group.has(memberId)) return;
    const member = group.get(memberId);
    if (member.shouldKeepAlive(deadline)) return;
    this.d.log.info({ groupId: group.groupId, memberId }, 'member failed its session timeout; removing it from the group');
    this.removeMemberAndUpdateGroup(group, member, `removing member ${memberId} on heartbeat expiration`);
  }

  // ------------------------------------------------------------------------------------------
  // LeaveGroup and member removal

  handleLeaveGroup(groupId: string, leaving: readonly MemberIdentity[]): LeaveGroupResult {
    const error = this.d.validateGroupStatus(groupId, false);
    if (error !== null) return { errorCode: error, members: [] };
    const group = this.d.groups.get(groupId);
    if (!group) return { errorCode: ErrorCode.None, members: leaving.map((m) => ({ ...m, errorCode: ErrorCode.UnknownMemberId })) };
    if (group.is(GroupState.Dead)) return { errorCode: ErrorCode.CoordinatorNotAvailable, members: [] };
    const members = leaving.map((m) => ({ ...m, errorCode: this.leaveOne(group, m) }));
    return { errorCode: ErrorCode.None, members };
  }

  private leaveOne(group: GroupMetadata, { memberId, groupInstanceId }: MemberIdentity): ErrorCode {
    if (memberId !== '' && group.isStaticMemberFenced(memberId, groupInstanceId)) return ErrorCode.FencedInstanceId;
    if (group.isPendingMember(memberId)) {
      if (groupInstanceId !== null) return ErrorCode.UnknownServerError; // Kafka: IllegalStateException
      this.d.log.info({ groupId: group.groupId, memberId }, 'pending member leaves the group');
      this.removePendingMemberAndUpdateGroup(group, memberId);
      this.heartbeatPurgatory.checkAndComplete(memberKey(group.groupId, memberId));
      return ErrorCode.None;
    }
    const staticId = groupInstanceId !== null ? group.getStaticMemberId(groupInstanceId) : undefined;
    if (!group.has(memberId) && staticId === undefined) return ErrorCode.UnknownMemberId;
    const member = group.get(staticId ?? memberId);
    member.isLeaving = true;
    this.heartbeatPurgatory.checkAndComplete(memberKey(group.groupId, member.memberId));
    this.d.log.info({ groupId: group.groupId, memberId: member.memberId, groupInstanceId: member.groupInstanceId }, 'member left the group');
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
    this.mirror.memberLeft(group.groupId, member.memberId);
  }

  private removePendingMemberAndUpdateGroup(group: GroupMetadata, memberId: string): void {
    group.removePendingMember(memberId);
    if (group.is(GroupState.PreparingRebalance)) this.joinPurgatory.checkAndComplete(groupKey(group.groupId));
  }

  // ------------------------------------------------------------------------------------------
  // Unloading

  /** The group left this coordinator: answer its waiters with `error`, cancel its timers. */
  unloadGroup(group: GroupMetadata, error: ErrorCode): void {
    if (!group.is(GroupState.Dead)) group.transitionTo(GroupState.Dead, this.d.clock.now());
    this.joinPurgatory.cancelForKey(groupKey(group.groupId));
    for (const id of group.pendingMemberIds()) this.heartbeatPurgatory.cancelForKey(memberKey(group.groupId, id));
    for (const member of group.allMembers()) {
      group.maybeInvokeJoinCallback(member, joinError(member.memberId, error));
      group.maybeInvokeSyncCallback(member, syncError(error));
      this.heartbeatPurgatory.cancelForKey(memberKey(group.groupId, member.memberId));
      this.mirror.memberLeft(group.groupId, member.memberId);
    }
    if (group.size > 0) this.mirror.ownersCleared(group);
  }
}
