/** A GroupMirror that records every call, for tests. */
import type { GroupMirror, MirroredMember, PartitionOwners } from '../../../src/coordinator/group-mirror.js';

export type MirrorEvent =
  | { type: 'joined'; groupId: string; member: MirroredMember }
  | { type: 'left'; groupId: string; memberId: string }
  | { type: 'owners'; groupId: string; generationId: number; owners: Record<string, Record<number, string>> };

export class RecordingGroupMirror implements GroupMirror {
  readonly events: MirrorEvent[] = [];

  memberJoined(groupId: string, member: MirroredMember): void {
    this.events.push({ type: 'joined', groupId, member });
  }

  memberLeft(groupId: string, memberId: string): void {
    this.events.push({ type: 'left', groupId, memberId });
  }

  ownersAssigned(groupId: string, generationId: number, owners: PartitionOwners): void {
    const plain: Record<string, Record<number, string>> = {};
    for (const [topic, byPartition] of owners) plain[topic] = Object.fromEntries(byPartition);
    this.events.push({ type: 'owners', groupId, generationId, owners: plain });
  }

  of<T extends MirrorEvent['type']>(type: T): Array<Extract<MirrorEvent, { type: T }>> {
    return this.events.filter((e): e is Extract<MirrorEvent, { type: T }> => e.type === type);
  }

  clear(): void {
    this.events.length = 0;
  }
}
