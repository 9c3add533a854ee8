/**
 * The group coordinator's waits, as named purgatory operations (aesthetics rule 9; Kafka's
 * DelayedJoin, InitialDelayedJoin and DelayedHeartbeat).
 *
 * - DelayedJoin (Rebalance purgatory, keyed by group id): completes when every known member
 *   has rejoined and no member id is pending, or when the rebalance timeout passes; either way
 *   the coordinator then completes the join phase (members that did not rejoin are removed).
 * - InitialDelayedJoin: the first rebalance of an Empty group waits
 *   `group.initial.rebalance.delay.ms` whatever happens, so a whole fleet can join at once; while
 *   new members keep arriving (generation 0 only) it waits again, up to the rebalance timeout
 *   in total.
 * - DelayedHeartbeat (Heartbeat purgatory, keyed by member): completes (without effect) when the
 *   member heartbeats or leaves; on expiry the member — or a pending member id that never
 *   rejoined — is removed.
 */
import type { DelayedOperation, Purgatory } from '../purgatory/purgatory.js';
import type { GroupMetadata } from './group-metadata.js';

/** What the operations call back into (implemented by GroupCoordinator). */
export interface GroupOperationsHost {
  tryCompleteJoin(group: GroupMetadata): boolean;
  onCompleteJoin(group: GroupMetadata): void;
  tryCompleteHeartbeat(group: GroupMetadata, memberId: string, isPending: boolean, deadline: number): boolean;
  onExpireHeartbeat(group: GroupMetadata, memberId: string, isPending: boolean, deadline: number): void;
}

export function groupKey(groupId: string): string {
  return groupId;
}

/** Kafka's MemberKey; NUL cannot collide the way Kafka's "group-member" dash can. */
export function memberKey(groupId: string, memberId: string): string {
  return `${groupId}\u0000${memberId}`;
}

export class DelayedJoin implements DelayedOperation {
  constructor(
    protected readonly host: GroupOperationsHost,
    readonly group: GroupMetadata,
    readonly deadline: number,
  ) {}

  tryComplete(): boolean {
    return this.host.tryCompleteJoin(this.group);
  }

  onComplete(): void {
    this.host.onCompleteJoin(this.group);
  }
}

export class InitialDelayedJoin extends DelayedJoin {
  constructor(
    host: GroupOperationsHost,
    group: GroupMetadata,
    private readonly purgatory: Purgatory<DelayedJoin>,
    private readonly now: () => number,
    private readonly configuredRebalanceDelayMs: number,
    private readonly delayMs: number,
    private readonly remainingMs: number,
  ) {
    super(host, group, now() + delayMs);
  }

  /** Never early: the point is to wait for more members. */
  override tryComplete(): boolean {
    return false;
  }

  override onComplete(): void {
    if (this.group.newMemberAdded && this.remainingMs !== 0) {
      this.group.newMemberAdded = false;
      const delay = Math.min(this.configuredRebalanceDelayMs, this.remainingMs);
      const remaining = Math.max(this.remainingMs - this.delayMs, 0);
      const next = new InitialDelayedJoin(this.host, this.group, this.purgatory, this.now, this.configuredRebalanceDelayMs, delay, remaining);
      this.purgatory.tryCompleteElseWatch(next, [groupKey(this.group.groupId)]);
    } else {
      super.onComplete();
    }
  }
}

export class DelayedHeartbeat implements DelayedOperation {
  constructor(
    private readonly host: GroupOperationsHost,
    readonly group: GroupMetadata,
    readonly memberId: string,
    readonly isPending: boolean,
    readonly deadline: number,
  ) {}

  tryComplete(): boolean {
    return this.host.tryCompleteHeartbeat(this.group, this.memberId, this.isPending, this.deadline);
  }

  onExpire(): void {
    this.host.onExpireHeartbeat(this.group, this.memberId, this.isPending, this.deadline);
  }

  onComplete(): void {
    // nothing to answer: a heartbeat expectation only ever removes members, in onExpire
  }
}
