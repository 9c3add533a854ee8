/**
 * Watches every znode under a client's chroot and reports each creation, data change and deletion, for the
 * coordination timeline. node-zookeeper-client has no persistent recursive watches (ZooKeeper 3.6's addWatch), so
 * each known znode carries a one-shot data watch and a one-shot child watch that are re-armed by the read that
 * follows each firing. Reads return the stat, so what happened in between is not lost in meaning:
 * - a data change reports the new data, its mtime (ZooKeeper's clock) and mzxid, and `missedVersions` (how many
 *   versions were written between the two reads — the one-shot watch fired once for all of them);
 * - a child list change creates watchers for the new children; a 'missed' report counts child creations and
 *   deletions (from the parent's cversion) that came and went between two reads, e.g. a notification znode the
 *   controller consumed at once.
 * While disconnected the client re-registers its watches on reconnect with its last zxid, so ZooKeeper fires
 * those whose znodes changed meanwhile. After a session expiry (watches lost) the whole tree is read again and
 * compared with what was known.
 * Znodes present when watching starts are reported as created (at their ctime) only when asked.
 */
import { NoNodeError, SessionExpiredError, type ZkClient, type ZkWatchEvent } from '../zk/client.js';
import type { ZkStat } from '../zk/zk-errors.js';

export interface ZnodeChange {
  /** 'missed': children of `path` were created and deleted unseen between two reads (`missedVersions` of them) */
  op: 'created' | 'changed' | 'deleted' | 'missed';
  /** path under the chroot, e.g. `/brokers/ids/1` */
  path: string;
  data: Buffer | null;
  /** the data before this change (null for creations) */
  previous: Buffer | null;
  /** null for deletions */
  stat: ZkStat | null;
  /** ms since epoch: ctime / mtime from ZooKeeper, or the local time a deletion was seen */
  time: number;
  missedVersions: number;
}

interface Known {
  data: Buffer | null;
  version: number;
  mzxid: number;
  children: Set<string>;
  cversion: number;
  /** children seen deleted since the last read of the child list */
  deletions: number;
}

const join = (parent: string, child: string) => (parent === '/' ? `/${child}` : `${parent}/${child}`);

export class ZnodeWatcher {
  private readonly nodes = new Map<string, Known>();
  /**
   * Znodes whose data watch fired before the read that armed it was taken in: the client calls the watch as it
   * parses the notification, which can follow the read's answer in one socket read, before our `await` resumes.
   */
  private readonly firedEarly = new Set<string>();
  /** Znodes whose first read (watch) is in flight, by how many. */
  private readonly arming = new Map<string, number>();
  private closed = false;
  private readonly onReinitialized = () => void this.resync();

  constructor(
    private readonly client: ZkClient,
    private readonly onChange: (change: ZnodeChange) => void,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Reads the tree as it is now (reported as creations with `reportExisting`) and arms the watches. */
  async start(opts: { reportExisting?: boolean } = {}): Promise<void> {
    this.client.on('reinitialized', this.onReinitialized);
    await this.watch('/', opts.reportExisting ?? false);
  }

  close(): void {
    this.closed = true;
    this.client.off('reinitialized', this.onReinitialized);
  }

  /**
   * Runs a read that re-arms a watch; if it fails (ZooKeeper unreachable for longer than the client waits), it is
   * tried again every second until it succeeds or the watcher closes — the watch is re-armed late, and the read
   * then reports whatever changed meanwhile.
   */
  private guard(read: () => Promise<void>): void {
    read().catch((err: unknown) => {
      // a new session follows an expiry, and with it a full read of the tree (resync)
      if (this.closed || err instanceof SessionExpiredError) return;
      this.onError(err);
      setTimeout(() => this.guard(read), 1000).unref();
    });
  }

  /** Arms the data and child watches of `path` and reads it; `report` = it is a new znode. */
  private async watch(path: string, report: boolean): Promise<void> {
    if (this.closed || this.nodes.has(path)) return;
    let r: { data: Buffer | null; stat: ZkStat };
    this.arming.set(path, (this.arming.get(path) ?? 0) + 1);
    try {
      r = await this.client.getData(path, (e) => this.onDataEvent(path, e));
    } catch (err) {
      if (err instanceof NoNodeError) {
        this.firedEarly.delete(path); // created and deleted before we looked
        return;
      }
      throw err;
    } finally {
      const left = this.arming.get(path)! - 1;
      if (left > 0) this.arming.set(path, left);
      else this.arming.delete(path);
    }
    if (this.closed || this.nodes.has(path)) return;
    this.nodes.set(path, { data: r.data, version: r.stat.version, mzxid: r.stat.mzxid, children: new Set(), cversion: -1, deletions: 0 });
    if (report && path !== '/') {
      this.onChange({ op: 'created', path, data: r.data, previous: null, stat: r.stat, time: r.stat.ctime, missedVersions: r.stat.version });
    }
    // the change (or deletion) that fired the watch is after what we read: read again, which re-arms the watch
    if (this.firedEarly.delete(path)) this.guard(() => this.readData(path));
    await this.readChildren(path, report);
  }

  private onDataEvent(path: string, e: ZkWatchEvent): void {
    if (this.closed) return;
    if (!this.nodes.has(path)) {
      if (this.arming.has(path)) this.firedEarly.add(path);
      return;
    }
    if (e.type === 'deleted') this.deleted(path);
    else if (e.type === 'data-changed') this.guard(() => this.readData(path));
  }

  private deleted(path: string): void {
    const known = this.nodes.get(path);
    if (!known) return;
    for (const child of known.children) this.deleted(join(path, child));
    this.nodes.delete(path);
    const parent = this.nodes.get(path.slice(0, path.lastIndexOf('/')) || '/');
    if (parent?.children.delete(path.slice(path.lastIndexOf('/') + 1))) parent.deletions++;
    this.onChange({ op: 'deleted', path, data: null, previous: known.data, stat: null, time: Date.now(), missedVersions: 0 });
  }

  private async readData(path: string): Promise<void> {
    const known = this.nodes.get(path);
    if (!known) return;
    let r: { data: Buffer | null; stat: ZkStat };
    try {
      r = await this.client.getData(path, (e) => this.onDataEvent(path, e));
    } catch (err) {
      if (err instanceof NoNodeError) return this.deleted(path);
      throw err;
    }
    if (this.closed || this.nodes.get(path) !== known || r.stat.mzxid === known.mzxid) return;
    const previous = known.data;
    const missedVersions = Math.max(0, r.stat.version - known.version - 1);
    Object.assign(known, { data: r.data, version: r.stat.version, mzxid: r.stat.mzxid });
    this.onChange({ op: 'changed', path, data: r.data, previous, stat: r.stat, time: r.stat.mtime, missedVersions });
  }

  private async readChildren(path: string, reportNew: boolean): Promise<void> {
    const known = this.nodes.get(path);
    if (!known || this.closed) return;
    let r: { children: string[]; stat: ZkStat };
    try {
      r = await this.client.getChildrenAndStat(path, (e) => {
        if (e.type === 'children-changed') this.guard(() => this.readChildren(path, true));
      });
    } catch (err) {
      if (err instanceof NoNodeError) return this.deleted(path);
      throw err;
    }
    if (this.nodes.get(path) !== known) return;
    const fresh = r.children.filter((c) => !known.children.has(c));
    // each child that came and went unseen moved cversion twice (create, delete)
    const unseen = known.cversion < 0 ? 0 : Math.ceil((r.stat.cversion - known.cversion - fresh.length - known.deletions) / 2);
    known.cversion = r.stat.cversion;
    known.deletions = 0;
    if (unseen > 0) this.onChange({ op: 'missed', path, data: known.data, previous: known.data, stat: r.stat, time: Date.now(), missedVersions: unseen });
    // a child joins the known ones once it is watched: a failed watch is tried again with the next read
    await Promise.all(
      fresh.map(async (c) => {
        await this.watch(join(path, c), reportNew);
        known.children.add(c);
      }),
    );
  }

  /** After a session expiry: read the whole tree again (re-arming every watch), then report what differs. */
  private async resync(): Promise<void> {
    const before = new Map(this.nodes);
    const walk = async (into: Map<string, Known & { stat: ZkStat }>, path: string): Promise<void> => {
      let r: { data: Buffer | null; stat: ZkStat };
      try {
        r = await this.client.getData(path, (e) => this.onDataEvent(path, e));
      } catch (err) {
        if (err instanceof NoNodeError) return;
        throw err;
      }
      const known = { data: r.data, version: r.stat.version, mzxid: r.stat.mzxid, children: new Set<string>(), cversion: -1, deletions: 0, stat: r.stat };
      into.set(path, known);
      const c = await this.client.getChildrenAndStat(path, (e) => {
        if (e.type === 'children-changed') this.guard(() => this.readChildren(path, true));
      });
      for (const child of c.children) known.children.add(child);
      known.cversion = c.stat.cversion;
      await Promise.all(c.children.map((child) => walk(into, join(path, child))));
    };
    this.guard(async () => {
      const fresh = new Map<string, Known & { stat: ZkStat }>();
      await walk(fresh, '/');
      this.nodes.clear();
      for (const [path, now] of fresh) {
        this.nodes.set(path, now);
        const old = before.get(path);
        if (!old) this.onChange({ op: 'created', path, data: now.data, previous: null, stat: now.stat, time: now.stat.ctime, missedVersions: now.version });
        else if (old.mzxid !== now.mzxid) {
          const missedVersions = Math.max(0, now.version - old.version - 1);
          this.onChange({ op: 'changed', path, data: now.data, previous: old.data, stat: now.stat, time: now.stat.mtime, missedVersions });
        }
      }
      const gone = [...before.keys()].filter((p) => !fresh.has(p)).sort((a, b) => b.length - a.length);
      for (const p of gone) this.onChange({ op: 'deleted', path: p, data: null, previous: before.get(p)!.data, stat: null, time: Date.now(), missedVersions: 0 });
    });
  }
}
