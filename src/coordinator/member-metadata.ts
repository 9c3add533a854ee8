/**
 * One member of a group (Kafka 2.7 MemberMetadata): identity, timeouts, the protocols it
 * supports in preference order with their metadata bytes, its current assignment, and the
 * JoinGroup / SyncGroup answers it is waiting for.
 *
 * Liveness (`shouldKeepAlive`, as in 2.7):
 * - a member waiting in JoinGroup is kept, unless it is new and has waited longer than
 *   NEW_MEMBER_JOIN_TIMEOUT_MS (a client that went away during its first rebalance);
 * - otherwise a member waiting in SyncGroup is kept, else it lives while its last heartbeat is
 *   younger than its session timeout.
 */
import type { ErrorCode } from '../protocol/error-codes.js';

/** 5 minutes: how long a brand-new member may wait in its first JoinGroup (Kafka's constant). */
export const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

export const EMPTY_BYTES: Buffer = Buffer.alloc(0);

export interface GroupProtocol {
  readonly name: string;
  readonly metadata: Buffer;
}

export interface JoinGroupResultMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly metadata: Buffer;
}

export interface JoinGroupResult {
  readonly errorCode: ErrorCode;
  readonly memberId: string;
  readonly generationId: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly leaderId: string;
  /** every member's metadata for the leader; empty for followers */
  readonly members: readonly JoinGroupResultMember[];
}

export interface SyncGroupResult {
  readonly errorCode: ErrorCode;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignment: Buffer;
}

export type JoinCallback = (result: JoinGroupResult) => void;
export type SyncCallback = (result: SyncGroupResult) => void;

export interface MemberSummary {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly metadata: Buffer;
  readonly assignment: Buffer;
}

export function joinError(memberId: string, errorCode: ErrorCode): JoinGroupResult {
  return { errorCode, memberId, generationId: -1, protocolType: null, protocolName: null, leaderId: '', members: [] };
}

export function syncError(errorCode: ErrorCode): SyncGroupResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES };
}

export interface MemberInit {
  memberId: string;
  groupId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocolType: string;
  supportedProtocols: readonly GroupProtocol[];
}

export class MemberMetadata {
  /** changes only when a static member rejoins with an unknown member id (replaceGroupInstance) */
  memberId: string;
  readonly groupId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly protocolType: string;
  supportedProtocols: readonly GroupProtocol[];
  assignment: Buffer = EMPTY_BYTES;
  awaitingJoinCallback: JoinCallback | null = null;
  awaitingSyncCallback: SyncCallback | null = null;
  /** added by the rebalance in progress (its first JoinGroup has not been answered yet) */
  isNew = false;
  /** left the group: its pending heartbeat expectation completes without effect */
  isLeaving = false;
  latestHeartbeat = -1;

  constructor(init: MemberInit) {
    this.memberId = init.memberId;
    this.groupId = init.groupId;
    this.groupInstanceId = init.groupInstanceId;
    this.clientId = init.clientId;
    this.clientHost = init.clientHost;
    this.rebalanceTimeoutMs = init.rebalanceTimeoutMs;
    this.sessionTimeoutMs = init.sessionTimeoutMs;
    this.protocolType = init.protocolType;
    this.supportedProtocols = init.supportedProtocols;
  }

  get isStaticMember(): boolean {
    return this.groupInstanceId !== null;
  }

  get isAwaitingJoin(): boolean {
    return this.awaitingJoinCallback !== null;
  }

  get isAwaitingSync(): boolean {
    return this.awaitingSyncCallback !== null;
  }

  protocolNames(): string[] {
    return this.supportedProtocols.map((p) => p.name);
  }

  /** The metadata bytes this member sent for `protocol`. */
  metadata(protocol: string): Buffer {
    const found = this.supportedProtocols.find((p) => p.name === protocol);
    if (!found) throw new Error(`member ${this.memberId} does not support protocol ${protocol}`);
    return found.metadata;
  }

  /** Same protocols, same order, same metadata bytes (a rejoin that changes nothing). */
  matches(protocols: readonly GroupProtocol[]): boolean {
    if (protocols.length !== this.supportedProtocols.length) return false;
    return protocols.every((p, i) => {
      const mine = this.supportedProtocols[i]!;
      return mine.name === p.name && mine.metadata.equals(p.metadata);
    });
  }

  /** This member's vote: its most preferred protocol among the candidates. */
  vote(candidates: ReadonlySet<string>): string {
    const choice = this.supportedProtocols.find((p) => candidates.has(p.name));
    if (!choice) throw new Error(`member ${this.memberId} does not support any of the candidate protocols`);
    return choice.name;
  }

  shouldKeepAlive(deadlineMs: number): boolean {
    if (this.isAwaitingJoin) return !this.isNew || this.latestHeartbeat + NEW_MEMBER_JOIN_TIMEOUT_MS > deadlineMs;
    return this.isAwaitingSync || this.latestHeartbeat + this.sessionTimeoutMs > deadlineMs;
  }

  summary(protocol: string): MemberSummary {
    return { ...this.identity(), metadata: this.metadata(protocol), assignment: this.assignment };
  }

  summaryNoMetadata(): MemberSummary {
    return { ...this.identity(), metadata: EMPTY_BYTES, assignment: EMPTY_BYTES };
  }

  private identity(): Pick<MemberSummary, 'memberId' | 'groupInstanceId' | 'clientId' | 'clientHost'> {
    return { memberId: this.memberId, groupInstanceId: this.groupInstanceId, clientId: this.clientId, clientHost: this.clientHost };
  }
}
