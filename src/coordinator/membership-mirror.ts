/**
 * Membership notifications for the mirror (group-mirror.ts, ARCHITECTURE §6), split out of
 * group-coordinator.ts. Turns coordinator events into GroupMirror calls: the subscription of consumer
 * members and the owner table of a generation are decoded here. Every call is a notification — a throwing
 * mirror is logged and ignored, so membership never depends on it.
 */
import type { Logger } from '../common/logger.js';
import { decodeAssignment, decodeSubscription } from '../protocol/consumer-protocol.js';
import { CONSUMER_PROTOCOL_TYPE, type GroupMetadata } from './group-metadata.js';
import type { GroupMirror, PartitionOwners } from './group-mirror.js';
import type { MemberMetadata } from './member-metadata.js';

export class MembershipMirror {
  constructor(
    private readonly mirror: GroupMirror,
    private readonly log: Logger,
  ) {}

  memberLeft(groupId: string, memberId: string): void {
    this.notify(() => this.mirror.memberLeft(groupId, memberId));
  }

  /** An empty owner table for the group's generation (group Empty or unloaded). */
  ownersCleared(group: GroupMetadata): void {
    this.notify(() => this.mirror.ownersAssigned(group.groupId, group.generationId, new Map()));
  }

  /** `memberJoined` for each of `members` in the group's current generation. */
  membersJoined(group: GroupMetadata, members: readonly MemberMetadata[]): void {
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

  /** The owner table of the group's current generation (consumer protocol; empty otherwise). */
  ownersAssigned(group: GroupMetadata): void {
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
