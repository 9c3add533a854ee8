/**
 * The membership mirror (ARCHITECTURE §6): group membership is coordinator memory, as in
 * Kafka, and is mirrored to ZooKeeper for people to see — `/consumers/<group>/ids/<member>`
 * (ephemeral JSON: client id, host, subscription, generation) and
 * `/consumers/<group>/owners/<topic>/<partition>` (the owning member id). src/zk/ implements
 * it; the coordinator calls it after each successful join, sync and leave.
 *
 * Contract:
 * - calls are notifications: they must not throw (a throw is logged and ignored) and must not
 *   call back into the coordinator; the implementation queues its writes;
 * - `memberJoined` is an upsert, sent for every member each time a join phase completes (the
 *   generation changes), and when a static member takes a new member id;
 * - `memberLeft` for every member removed (LeaveGroup, session expiry, not rejoining, replaced
 *   static member id, group unloaded on resignation or deleted);
 * - `ownersAssigned` carries the complete owner table of a generation once the leader's
 *   assignment is propagated (consumer protocol only; other protocols are opaque, and get an
 *   empty table); an empty table clears the owners (group Empty or unloaded).
 */

export interface MirroredMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly protocolType: string;
  /** subscribed topics (consumer protocol), [] when not readable */
  readonly subscription: readonly string[];
  readonly generationId: number;
}

/** topic → partition → owning member id */
export type PartitionOwners = ReadonlyMap<string, ReadonlyMap<number, string>>;

export interface GroupMirror {
  memberJoined(groupId: string, member: MirroredMember): void;
  memberLeft(groupId: string, memberId: string): void;
  ownersAssigned(groupId: string, generationId: number, owners: PartitionOwners): void;
}

/** For brokers run without a mirror (and tests that do not look at it). */
export class NoopGroupMirror implements GroupMirror {
  memberJoined(): void {}
  memberLeft(): void {}
  ownersAssigned(): void {}
}
