/**
 * One group's state (Kafka 2.7 GroupMetadata): the state machine, its members and static
 * members, protocol selection, generations, and the group's committed-offset cache.
 *
 * States and the transitions Kafka allows (target ← valid previous states):
 *   Empty               ← PreparingRebalance
 *   PreparingRebalance  ← Stable, CompletingRebalance, Empty
 *   CompletingRebalance ← PreparingRebalance
 *   Stable              ← CompletingRebalance
 *   Dead                ← every state (including Dead)
 * Any other transition is a bug and throws.
 *
 * Protocol selection (`selectProtocol`): the candidates are the protocols every member
 * supports; each member votes for its most preferred candidate; the most voted wins (ties go
 * to the candidate first voted for, in member order — Kafka leaves ties to hash order).
 */
import type { TopicPartition } from '../common/topic-partition.js';
import { tpKey } from '../common/topic-partition.js';
import { decodeSubscription } from '../protocol/consumer-protocol.js';
import type { CommittedOffset } from './offset-store.js';
import {
  type GroupProtocol,
  type JoinCallback,
  type JoinGroupResult,
  type JoinGroupResultMember,
  type MemberMetadata,
  type MemberSummary,
  type SyncGroupResult,
} from './member-metadata.js';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

export const GroupState = {
  Empty: 'Empty',
  PreparingRebalance: 'PreparingRebalance',
  CompletingRebalance: 'CompletingRebalance',
  Stable: 'Stable',
  Dead: 'Dead',
} as const;
export type GroupState = (typeof GroupState)[keyof typeof GroupState];

export const GROUP_STATES: readonly GroupState[] = Object.values(GroupState);

const VALID_PREVIOUS_STATES: Readonly<Record<GroupState, readonly GroupState[]>> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

/** A committed offset as the coordinator caches it. */
export interface OffsetAndMetadata extends CommittedOffset {
  /** set only by OffsetCommit v2–v4 with an explicit RetentionTimeMs (old expiry semantics) */
  readonly expireTimestamp: number | null;
}

export interface GroupSummary {
  readonly state: GroupState | '';
  readonly protocolType: string;
  readonly protocol: string;
  readonly members: readonly MemberSummary[];
}

export interface GroupOverview {
  readonly groupId: string;
  readonly protocolType: string;
  readonly state: GroupState;
}

export class GroupMetadata {
  private state: GroupState;
  /** when the current state was entered (Kafka's currentStateTimestamp) */
  currentStateTimestamp: number | null;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  /** the next InitialDelayedJoin may extend itself (a member joined a generation-0 rebalance) */
  newMemberAdded = false;
  /** topics the members subscribe to (consumer protocol only), null when unknown */
  subscribedTopics: ReadonlySet<string> | null = null;

  private readonly members = new Map<string, MemberMetadata>();
  private readonly staticMembers = new Map<string, string>();
  private readonly pendingMembers = new Set<string>();
  private readonly supportedProtocols = new Map<string, number>();
  private numMembersAwaitingJoin = 0;

  /** false for a group known only from the store until its offsets are read (lazily) */
  offsetsLoaded = true;
  /** committed offsets by tpKey (valid once offsetsLoaded) */
  readonly offsets = new Map<string, OffsetAndMetadata>();
  /** tpKey → commits in flight for it (expiry never removes those) */
  readonly pendingOffsetCommits = new Map<string, number>();
  /** producer id → its pending transactional offsets by tpKey (TxnOffsetCommit until the marker) */
  readonly pendingTxnOffsets = new Map<number, Map<string, OffsetAndMetadata>>();

  constructor(
    readonly groupId: string,
    initialState: GroupState,
    now: number | null,
  ) {
    this.state = initialState;
    this.currentStateTimestamp = now;
  }

  get currentState(): GroupState {
    return this.state;
  }

  is(state: GroupState): boolean {
    return this.state === state;
  }

  canRebalance(): boolean {
    return VALID_PREVIOUS_STATES.PreparingRebalance.includes(this.state);
  }

  transitionTo(target: GroupState, now: number): void {
    if (!VALID_PREVIOUS_STATES[target].includes(this.state)) {
      throw new Error(`group ${this.groupId} should be in ${VALID_PREVIOUS_STATES[target].join(',')} to move to ${target}, but is ${this.state}`);
    }
    this.state = target;
    this.currentStateTimestamp = now;
  }

  // ------------------------------------------------------------------------------------------
  // Members

  get size(): number {
    return this.members.size;
  }

  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  get(memberId: string): MemberMetadata {
    const m = this.members.get(memberId);
    if (!m) throw new Error(`member ${memberId} is not in group ${this.groupId}`);
    return m;
  }

  allMembers(): MemberMetadata[] {
    return [...this.members.values()];
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  /** the largest rebalance timeout of the members (how long a rebalance may wait) */
  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  add(member: MemberMetadata, callback: JoinCallback | null): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    for (const p of member.protocolNames()) this.supportedProtocols.set(p, (this.supportedProtocols.get(p) ?? 0) + 1);
    member.awaitingJoinCallback = callback;
    if (member.isAwaitingJoin) this.numMembersAwaitingJoin++;
  }

  remove(memberId: string): void {
    const member = this.members.get(memberId);
    if (member) {
      this.members.delete(memberId);
      this.decrementProtocols(member);
      if (member.isAwaitingJoin) this.numMembersAwaitingJoin--;
      if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) {
        this.staticMembers.delete(member.groupInstanceId);
      }
    }
    if (this.isLeader(memberId)) this.leaderId = this.members.keys().next().value ?? null;
  }

  /** New protocols (and a new JoinGroup answer to wait for, or none). */
  updateMember(member: MemberMetadata, protocols: readonly GroupProtocol[], callback: JoinCallback | null): void {
    this.decrementProtocols(member);
    for (const p of protocols) this.supportedProtocols.set(p.name, (this.supportedProtocols.get(p.name) ?? 0) + 1);
    member.supportedProtocols = protocols;
    if (callback !== null && !member.isAwaitingJoin) this.numMembersAwaitingJoin++;
    else if (callback === null && member.isAwaitingJoin) this.numMembersAwaitingJoin--;
    member.awaitingJoinCallback = callback;
  }

  maybeInvokeJoinCallback(member: MemberMetadata, result: JoinGroupResult): boolean {
    const cb = member.awaitingJoinCallback;
    if (!cb) return false;
    member.awaitingJoinCallback = null;
    this.numMembersAwaitingJoin--;
    cb(result);
    return true;
  }

  maybeInvokeSyncCallback(member: MemberMetadata, result: SyncGroupResult): boolean {
    const cb = member.awaitingSyncCallback;
    if (!cb) return false;
    member.awaitingSyncCallback = null;
    cb(result);
    return true;
  }

  private decrementProtocols(member: MemberMetadata): void {
    for (const p of member.protocolNames()) {
      const n = (this.supportedProtocols.get(p) ?? 0) - 1;
      if (n <= 0) this.supportedProtocols.delete(p);
      else this.supportedProtocols.set(p, n);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Static and pending members

  hasStaticMember(groupInstanceId: string | null): boolean {
    return groupInstanceId !== null && this.staticMembers.has(groupInstanceId);
  }

  getStaticMemberId(groupInstanceId: string): string | undefined {
    return this.staticMembers.get(groupInstanceId);
  }

  addStaticMember(groupInstanceId: string, memberId: string): void {
    this.staticMembers.set(groupInstanceId, memberId);
  }

  /** A known instance id presented with another member id (KIP-345 fencing). */
  isStaticMemberFenced(memberId: string, groupInstanceId: string | null): boolean {
    return groupInstanceId !== null && this.staticMembers.has(groupInstanceId) && this.staticMembers.get(groupInstanceId) !== memberId;
  }

  /**
   * A static member rejoined with an unknown member id: the old member object takes the new id
   * (keeping its assignment); the old id's waiting requests are answered FENCED_INSTANCE_ID.
   */
  replaceGroupInstance(oldMemberId: string, newMemberId: string, groupInstanceId: string, fenced: { join: JoinGroupResult; sync: SyncGroupResult }): MemberMetadata {
    const member = this.get(oldMemberId);
    this.maybeInvokeJoinCallback(member, fenced.join);
    this.maybeInvokeSyncCallback(member, fenced.sync);
    this.members.delete(oldMemberId);
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    this.staticMembers.set(groupInstanceId, newMemberId);
    return member;
  }

  addPendingMember(memberId: string): void {
    this.pendingMembers.add(memberId);
  }

  removePendingMember(memberId: string): boolean {
    return this.pendingMembers.delete(memberId);
  }

  isPendingMember(memberId: string): boolean {
    return this.pendingMembers.has(memberId);
  }

  pendingMemberIds(): string[] {
    return [...this.pendingMembers];
  }

  // ------------------------------------------------------------------------------------------
  // Rebalance

  hasAllMembersJoined(): boolean {
    return this.members.size === this.numMembersAwaitingJoin && this.pendingMembers.size === 0;
  }

  notYetRejoinedMembers(): MemberMetadata[] {
    return this.allMembers().filter((m) => !m.isAwaitingJoin);
  }

  /** Keeps the leader if it rejoined, else picks any rejoined member; false if none rejoined. */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    const leader = this.members.get(this.leaderId);
    if (leader?.isAwaitingJoin) return true;
    for (const m of this.members.values()) {
      if (m.isAwaitingJoin) {
        this.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  /** Can a member with these protocols join? Empty groups take any non-empty set. */
  supportsProtocols(memberProtocolType: string, memberProtocols: readonly string[]): boolean {
    if (this.is(GroupState.Empty)) return memberProtocolType.length > 0 && memberProtocols.length > 0;
    return this.protocolType === memberProtocolType && memberProtocols.some((p) => this.supportedProtocols.get(p) === this.members.size);
  }

  candidateProtocols(): Set<string> {
    const n = this.members.size;
    return new Set([...this.supportedProtocols].filter(([, count]) => count === n).map(([p]) => p));
  }

  selectProtocol(): string {
    if (this.members.size === 0) throw new Error(`cannot select a protocol for empty group ${this.groupId}`);
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const v = m.vote(candidates);
      votes.set(v, (votes.get(v) ?? 0) + 1);
    }
    let best = '';
    let bestVotes = -1;
    for (const [p, n] of votes) {
      if (n > bestVotes) {
        best = p;
        bestVotes = n;
      }
    }
    return best;
  }

  initNextGeneration(now: number): void {
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo(GroupState.CompletingRebalance, now);
    } else {
      this.protocolName = null;
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo(GroupState.Empty, now);
    }
  }

  /** What the leader's JoinGroup answer lists. */
  currentMemberMetadata(): JoinGroupResultMember[] {
    const protocol = this.protocolName;
    if (protocol === null || this.is(GroupState.Dead) || this.is(GroupState.PreparingRebalance)) {
      throw new Error(`group ${this.groupId} has no current member metadata in state ${this.state}`);
    }
    return this.allMembers().map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata(protocol) }));
  }

  isConsumerGroup(): boolean {
    return this.protocolType === CONSUMER_PROTOCOL_TYPE;
  }

  isSubscribedToTopic(topic: string): boolean {
    return this.subscribedTopics?.has(topic) ?? false;
  }

  /** Union of the members' subscribed topics (consumer protocol); null if any cannot be read. */
  private computeSubscribedTopics(): ReadonlySet<string> | null {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE) return null;
    if (this.members.size === 0) return new Set();
    const protocol = this.protocolName;
    if (protocol === null) return null;
    const topics = new Set<string>();
    try {
      for (const m of this.members.values()) for (const t of decodeSubscription(m.metadata(protocol)).topics) topics.add(t);
    } catch {
      return null;
    }
    return topics;
  }

  // ------------------------------------------------------------------------------------------
  // Views

  summary(): GroupSummary {
    if (this.is(GroupState.Stable) && this.protocolName !== null) {
      const protocol = this.protocolName;
      return { state: this.state, protocolType: this.protocolType ?? '', protocol, members: this.allMembers().map((m) => m.summary(protocol)) };
    }
    return { state: this.state, protocolType: this.protocolType ?? '', protocol: '', members: this.allMembers().map((m) => m.summaryNoMetadata()) };
  }

  overview(): GroupOverview {
    return { groupId: this.groupId, protocolType: this.protocolType ?? '', state: this.state };
  }

  // ------------------------------------------------------------------------------------------
  // Offsets

  hasOffsets(): boolean {
    return this.offsets.size > 0 || this.pendingOffsetCommits.size > 0 || this.pendingTxnOffsets.size > 0;
  }

  /** A plain commit in flight or a transactional one not yet committed (OffsetFetch RequireStable). */
  hasPendingOffsetCommitsForTopicPartition(tp: TopicPartition): boolean {
    const key = tpKey(tp);
    if (this.pendingOffsetCommits.has(key)) return true;
    for (const pending of this.pendingTxnOffsets.values()) if (pending.has(key)) return true;
    return false;
  }

  offset(tp: TopicPartition): OffsetAndMetadata | undefined {
    return this.offsets.get(tpKey(tp));
  }

  addPendingOffsetCommit(key: string): void {
    this.pendingOffsetCommits.set(key, (this.pendingOffsetCommits.get(key) ?? 0) + 1);
  }

  removePendingOffsetCommit(key: string): void {
    const n = (this.pendingOffsetCommits.get(key) ?? 0) - 1;
    if (n <= 0) this.pendingOffsetCommits.delete(key);
    else this.pendingOffsetCommits.set(key, n);
  }

  /**
   * Offsets due to expire (Kafka 2.7 removeExpiredOffsets), never one with a commit in flight:
   * 1. Empty group that had a protocol type: all offsets, once retention has passed since the
   *    group became Empty;
   * 2. consumer group with members and known subscriptions: offsets of topics nobody
   *    subscribes to, by commit time;
   * 3. no protocol type (only ever used to store offsets): by commit time.
   * An explicit expire timestamp (OffsetCommit v2–v4 RetentionTimeMs) wins in every case.
   */
  expiredOffsets(now: number, retentionMs: number): OffsetAndMetadata[] {
    let base: ((o: OffsetAndMetadata) => number) | null = null;
    let subscribed: ReadonlySet<string> = new Set();
    if (this.protocolType !== null && this.is(GroupState.Empty)) {
      const since = this.currentStateTimestamp;
      base = (o) => since ?? o.commitTimestamp;
    } else if (this.protocolType === CONSUMER_PROTOCOL_TYPE && this.subscribedTopics !== null) {
      base = (o) => o.commitTimestamp;
      subscribed = this.subscribedTopics;
    } else if (this.protocolType === null) {
      base = (o) => o.commitTimestamp;
    }
    if (base === null) return [];
    const baseOf = base;
    return [...this.offsets.entries()]
      .filter(([key, o]) => {
        if (subscribed.has(o.topic) || this.pendingOffsetCommits.has(key)) return false;
        return o.expireTimestamp !== null ? now >= o.expireTimestamp : now - baseOf(o) >= retentionMs;
      })
      .map(([, o]) => o);
  }
}
