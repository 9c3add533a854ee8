/**
 * The group membership mirror in ZooKeeper (ARCHITECTURE decision 6; reference/zk-and-controller.md §15.1):
 * what the coordinator holds in memory, written where people (zkCli, old tools) look for consumers.
 *
 * Znodes (all EPHEMERAL, owned by the broker's ZooKeeper session; the directories are persistent, null data):
 * - `/consumers/<group>/ids/<memberId>`, data (field order as written):
 *     `{"version":1,"subscription":{"<topic>":1,...},"pattern":"static","timestamp":"<ms>",`
 *     ` "clientId":"<client.id>","clientHost":"/<ip>","generation":<generationId>,"groupInstanceId":<string|null>}`
 *   The first four fields are the old Scala consumer's registration (one stream per subscribed topic; `{}` for
 *   non-consumer protocols); `timestamp` is when the join completed. Old readers ignore the gregor fields.
 *   Re-written (setData) on every join, deleted on leave.
 * - `/consumers/<group>/owners/<topic>/<partition>`: the owning member id as text. After each sync the table is
 *   replaced: stale owners are deleted, new or changed ones created (a changed owner is deleted and re-created,
 *   so the znode's ctime says since when its owner has it), unchanged ones left alone, and `owners/<topic>`
 *   directories left empty are removed — all in one multi.
 * Group and member ids that are not legal znode names are percent-encoded (zk-offset-store.ts `zkNodeName`).
 *
 * How it works: the calls only update the latest desired state per group (in memory) and schedule a sync of that
 * group. Syncs of a group run one at a time and are coalesced (at most one waiting), and each sync writes the
 * state that is current when it runs: an older generation's write can never land after a newer one. A sync reads
 * what is there (children, data, ephemeral owner) and applies the difference in one multi; znodes that are ours
 * and already right are not written; znodes of another session (e.g. a previous coordinator of the group whose
 * session has not expired yet) are replaced. A multi that lost a race is re-planned (up to 5 attempts).
 * `ownersAssigned` for a generation older than the last one seen is ignored.
 *
 * Errors are logged and swallowed: the mirror is for people, never authoritative. After a session expiry the
 * ephemerals are gone; on the client's `reinitialized` event every group still held is synced again.
 */
import type { Logger } from '../common/logger.js';
import type { GroupMirror, MirroredMember, PartitionOwners } from '../coordinator/group-mirror.js';
import { ClientClosedError, ConnectionLossError, NoNodeError, SessionExpiredError, type ZkClient, type ZkOp, zkOp } from './client.js';
import { zkNodeName } from './zk-offset-store.js';
import { ConsumerGroupZNode, ConsumerIdsZNode, ConsumerOwnersZNode, ConsumerOwnerZNode, ConsumersZNode } from './znodes.js';

/** The JSON of `/consumers/<group>/ids/<memberId>` (see the header). */
export function encodeMemberRegistration(member: MirroredMember, timestampMs: number): Buffer {
  const subscription: Record<string, number> = {};
  for (const topic of member.subscription) subscription[topic] = 1;
  return Buffer.from(
    JSON.stringify({
      version: 1,
      subscription,
      pattern: 'static',
      timestamp: String(timestampMs),
      clientId: member.clientId,
      clientHost: member.clientHost,
      generation: member.generationId,
      groupInstanceId: member.groupInstanceId,
    }),
    'utf8',
  );
}

interface DesiredGroup {
  /** member znode name → registration data */
  readonly members: Map<string, Buffer>;
  /** topic → partition → owner data (member id) */
  owners: Map<string, Map<number, Buffer>>;
  ownersGeneration: number;
}

interface SyncQueue {
  tail: Promise<void>;
  /** a sync is queued and has not started yet (further requests coalesce into it) */
  pending: boolean;
}

export interface ZkGroupMirrorOptions {
  log: Logger;
  /** clock for the registration timestamp; default Date.now */
  now?: () => number;
}

const MAX_ATTEMPTS = 5;

export class ZkGroupMirror implements GroupMirror {
  private readonly groups = new Map<string, DesiredGroup>();
  private readonly queues = new Map<string, SyncQueue>();
  private readonly log: Logger;
  private readonly now: () => number;
  private closed = false;
  private readonly onReinitialized = (): void => {
    this.log.info({ groups: this.groups.size }, 'new ZooKeeper session: re-creating the group mirror');
    for (const groupId of this.groups.keys()) this.schedule(groupId);
  };

  constructor(
    private readonly zk: ZkClient,
    opts: ZkGroupMirrorOptions,
  ) {
    this.log = opts.log;
    this.now = opts.now ?? Date.now;
    zk.on('reinitialized', this.onReinitialized);
  }

  memberJoined(groupId: string, member: MirroredMember): void {
    const name = zkNodeName(member.memberId);
    if (!this.accept(groupId) || name === null) return;
    this.desired(groupId).members.set(name, encodeMemberRegistration(member, this.now()));
    this.schedule(groupId);
  }

  memberLeft(groupId: string, memberId: string): void {
    const name = zkNodeName(memberId);
    const g = this.groups.get(groupId);
    if (!g || name === null || !g.members.delete(name)) return;
    this.forgetGenerationIfEmpty(g);
    this.schedule(groupId);
  }

  ownersAssigned(groupId: string, generationId: number, owners: PartitionOwners): void {
    if (!this.accept(groupId)) return;
    const g = this.groups.get(groupId);
    if (!g && owners.size === 0) return; // nothing mirrored, nothing to clear
    const desired = g ?? this.desired(groupId);
    if (generationId < desired.ownersGeneration) {
      this.log.debug({ groupId, generationId, current: desired.ownersGeneration }, 'stale owner table; not mirrored');
      return;
    }
    const table = new Map<string, Map<number, Buffer>>();
    for (const [topic, byPartition] of owners) {
      if (byPartition.size === 0) continue;
      const t = new Map<number, Buffer>();
      for (const [partition, memberId] of byPartition) t.set(partition, ConsumerOwnerZNode.encode(memberId));
      table.set(topic, t);
    }
    desired.owners = table;
    desired.ownersGeneration = generationId;
    this.forgetGenerationIfEmpty(desired);
    this.schedule(groupId);
  }

  /** Resolves when every queued write has been attempted. */
  async flush(): Promise<void> {
    while (this.queues.size > 0) await Promise.all([...this.queues.values()].map((q) => q.tail));
  }

  /** Stops mirroring (the ephemerals go with the ZooKeeper session); waits for writes under way. */
  async close(): Promise<void> {
    this.closed = true;
    this.zk.off('reinitialized', this.onReinitialized);
    await Promise.all([...this.queues.values()].map((q) => q.tail));
  }

  // ------------------------------------------------------------------------------------------ state

  private accept(groupId: string): boolean {
    if (this.closed) return false;
    if (zkNodeName(groupId) !== null) return true;
    this.log.debug({ groupId }, 'group id cannot name a znode; not mirrored');
    return false;
  }

  private desired(groupId: string): DesiredGroup {
    let g = this.groups.get(groupId);
    if (!g) this.groups.set(groupId, (g = { members: new Map(), owners: new Map(), ownersGeneration: -1 }));
    return g;
  }

  /** A group with nothing left to mirror starts over (its generations restart after unload and reload). */
  private forgetGenerationIfEmpty(g: DesiredGroup): void {
    if (g.members.size === 0 && g.owners.size === 0) g.ownersGeneration = -1;
  }

  private schedule(groupId: string): void {
    if (this.closed) return;
    let q = this.queues.get(groupId);
    if (q?.pending) return;
    if (!q) this.queues.set(groupId, (q = { tail: Promise.resolve(), pending: false }));
    const queue = q;
    queue.pending = true;
    const run = queue.tail
      .then(async () => {
        queue.pending = false;
        await this.sync(groupId);
      })
      .catch((err: unknown) => this.log.warn({ err, groupId }, 'group mirror write failed; ignored'))
      .finally(() => {
        if (this.queues.get(groupId) === queue && queue.tail === run && !queue.pending) this.queues.delete(groupId);
      });
    queue.tail = run;
  }

  // ------------------------------------------------------------------------------------------ writing

  private async sync(groupId: string): Promise<void> {
    for (let attempt = 1; !this.closed; attempt++) {
      try {
        const ops = await this.plan(groupId);
        if (ops.length === 0) break;
        const r = await this.zk.multi(ops);
        if (r.outcome === 'ok') break;
        if (attempt >= MAX_ATTEMPTS) {
          this.log.warn({ groupId, outcome: r.outcome, path: r.path }, 'group mirror write kept racing; given up');
          break;
        }
      } catch (err) {
        if (err instanceof ClientClosedError) return;
        if (err instanceof SessionExpiredError) {
          this.log.info({ groupId }, 'ZooKeeper session expired while mirroring; re-created on the new session');
          return;
        }
        if (!(err instanceof ConnectionLossError) || attempt >= MAX_ATTEMPTS) {
          this.log.warn({ err, groupId }, 'group mirror write failed; ignored');
          return;
        }
        await this.zk.waitUntilConnected().catch(() => undefined);
      }
    }
    const g = this.groups.get(groupId);
    if (g && g.members.size === 0 && g.owners.size === 0) this.groups.delete(groupId);
  }

  private async childrenOrNull(path: string): Promise<string[] | null> {
    try {
      return await this.zk.getChildren(path);
    } catch (err) {
      if (err instanceof NoNodeError) return null;
      throw err;
    }
  }

  /** Reads what is mirrored now and returns the ops that turn it into the desired state ([] when it is). */
  private async plan(groupId: string): Promise<ZkOp[]> {
    const group = zkNodeName(groupId);
    if (group === null) return [];
    const desired = this.groups.get(groupId);
    const members = new Map(desired?.members ?? []);
    const owners = new Map(desired?.owners ?? []);
    const session = this.zk.sessionId;

    const groupPath = ConsumerGroupZNode.path(group);
    const idsPath = ConsumerIdsZNode.path(group);
    const ownersPath = ConsumerOwnersZNode.path(group);
    const [ids, ownerTopics] = await Promise.all([this.childrenOrNull(idsPath), this.childrenOrNull(ownersPath)]);
    const ownerTopicList = ownerTopics ?? [];
    const topicChildren = new Map<string, string[] | null>();
    const listed = await Promise.all(ownerTopicList.map((t) => this.childrenOrNull(`${ownersPath}/${t}`)));
    ownerTopicList.forEach((t, i) => topicChildren.set(t, listed[i] ?? null));

    const deletes: ZkOp[] = [];
    const dirDeletes: ZkOp[] = [];
    const writes: ZkOp[] = [];
    const neededParents = new Set<string>();
    const existingDirs = new Set<string>();
    if (ids !== null) existingDirs.add(idsPath);
    if (ownerTopics !== null) existingDirs.add(ownersPath);
    for (const [t, kids] of topicChildren) if (kids !== null) existingDirs.add(`${ownersPath}/${t}`);

    /** Desired znode `path` with `data`: leave, setData, create, or replace (delete + create). */
    const reconcile = async (path: string, data: Buffer, present: boolean, replaceOnChange: boolean): Promise<void> => {
      const cur = present ? await this.zk.tryGetData(path) : null;
      if (cur && cur.stat.ephemeralOwner === session && session !== 0n) {
        if (cur.data !== null && cur.data.equals(data)) return;
        if (!replaceOnChange) {
          writes.push(zkOp.setData(path, data, -1));
          return;
        }
      }
      if (cur) deletes.push(zkOp.delete(path));
      writes.push(zkOp.create(path, data, 'ephemeral'));
      neededParents.add(path.slice(0, path.lastIndexOf('/')));
    };

    const pending: Array<Promise<void>> = [];
    const idSet = new Set(ids ?? []);
    for (const name of idSet) if (!members.has(name)) deletes.push(zkOp.delete(`${idsPath}/${name}`));
    for (const [name, data] of members) pending.push(reconcile(`${idsPath}/${name}`, data, idSet.has(name), false));

    for (const [topic, kids] of topicChildren) {
      const wanted = owners.get(topic);
      let remaining = kids?.length ?? 0;
      for (const p of kids ?? []) {
        if (!/^\d+$/.test(p) || !wanted?.has(Number(p))) {
          deletes.push(zkOp.delete(`${ownersPath}/${topic}/${p}`));
          remaining--;
        }
      }
      if (kids !== null && remaining === 0 && !wanted) dirDeletes.push(zkOp.delete(`${ownersPath}/${topic}`));
    }
    for (const [topic, byPartition] of owners) {
      const present = new Set(topicChildren.get(topic) ?? []);
      for (const [partition, data] of byPartition) {
        pending.push(reconcile(`${ownersPath}/${topic}/${partition}`, data, present.has(String(partition)), true));
      }
    }
    await Promise.all(pending);

    // Missing directories, outermost first (null data, persistent).
    const parentOps: ZkOp[] = [];
    if (writes.some((op) => op.type === 'create')) {
      const dirs = new Set<string>();
      for (const dir of neededParents) {
        dirs.add(dir);
        if (dir.startsWith(`${ownersPath}/`)) dirs.add(ownersPath);
      }
      const missing: string[] = [];
      const groupKnown = existingDirs.size > 0;
      const top = groupKnown ? [] : await Promise.all([this.zk.exists(ConsumersZNode.path), this.zk.exists(groupPath)]);
      if (!groupKnown && !top[0]) missing.push(ConsumersZNode.path);
      if (!groupKnown && !top[1]) missing.push(groupPath);
      for (const dir of [idsPath, ownersPath]) if (dirs.has(dir) && !existingDirs.has(dir)) missing.push(dir);
      for (const dir of dirs) {
        if (dir !== idsPath && dir !== ownersPath && !existingDirs.has(dir)) missing.push(dir);
      }
      for (const dir of missing) parentOps.push(zkOp.create(dir, null));
    }
    return [...deletes, ...dirDeletes, ...parentOps, ...writes];
  }
}
