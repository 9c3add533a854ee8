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
import { NoNodeError, type ZkClient, type ZkWatchEvent } from '../zk/client.js';
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

  private guard(p: Promise<void>): void {
    p.catch((err: unknown) => {
      if (!this.closed) this.onError(err);
    });
  }

  /** Arms the data and child watches of `path` and reads it; `report` = it is a new znode. */
  private async watch(path: string, report: boolean): Promise<void> {
    if (this.closed || this.nodes.has(path)) return;
    let r: { data: Buffer | null; stat: ZkStat };
    try {
      r = await this.client.getData(path, (e) => this.onDataEvent(path, e));
    } catch (err) {
      if (err instanceof NoNodeError) return; // created and deleted before we looked
      throw err;
    }
    if (this.closed || this.nodes.has(path)) return;
    this.nodes.set(path, { data: r.data, version: r.stat.version, mzxid: r.stat.mzxid, children: new Set(), cversion: -1, deletions: 0 });
    if (report && path !== '/') {
      this.onChange({ op: 'created', path, data: r.data, previous: null, stat: r.stat, time: r.stat.ctime, missedVersions: r.stat.version });
    }
    await this.readChildren(path, report);
  }

  private onDataEvent(path: string, e: ZkWatchEvent): void {
    if (this.closed) return;
    if (e.type === 'deleted') this.deleted(path);
    else if (e.type === 'data-changed') this.guard(this.readData(path));
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
        if (e.type === 'children-changed') this.guard(this.readChildren(path, true));
      });
    } catch (err) {
      if (err instanceof NoNodeError) return this.deleted(path);
      throw err;
    }
    if (this.nodes.get(path) !== known) return;
    const fresh = r.children.filter((c) => !known.children.has(c));
    for (const c of fresh) known.children.add(c);
    // each child that came and went unseen moved cversion twice (create, delete)
    const unseen = known.cversion < 0 ? 0 : Math.ceil((r.stat.cversion - known.cversion - fresh.length - known.deletions) / 2);
    known.cversion = r.stat.cversion;
    known.deletions = 0;
    if (unseen > 0) this.onChange({ op: 'missed', path, data: known.data, previous: known.data, stat: r.stat, time: Date.now(), missedVersions: unseen });
    await Promise.all(fresh.map((c) => this.watch(join(path, c), reportNew)));
  }

  /** After a session expiry: read the whole tree again, report what differs, re-arm every watch. */
  private async resync(): Promise<void> {
    const before = new Map(this.nodes);
    this.nodes.clear();
    const seen = new Set<string>();
    const walk = async (path: string): Promise<void> => {
      let r: { data: Buffer | null; stat: ZkStat };
      try {
        r = await this.client.getData(path, (e) => this.onDataEvent(path, e));
      } catch (err) {
        if (err instanceof NoNodeError) return;
        throw err;
      }
      seen.add(path);
      const old = before.get(path);
      this.nodes.set(path, { data: r.data, version: r.stat.version, mzxid: r.stat.mzxid, children: new Set(), cversion: -1, deletions: 0 });
      if (!old) this.onChange({ op: 'created', path, data: r.data, previous: null, stat: r.stat, time: r.stat.ctime, missedVersions: r.stat.version });
      else if (old.mzxid !== r.stat.mzxid) {
        this.onChange({ op: 'changed', path, data: r.data, previous: old.data, stat: r.stat, time: r.stat.mtime, missedVersions: Math.max(0, r.stat.version - old.version - 1) });
      }
      const known = this.nodes.get(path)!;
      const c = await this.client.getChildrenAndStat(path, (e) => {
        if (e.type === 'children-changed') this.guard(this.readChildren(path, true));
      });
      for (const child of c.children) known.children.add(child);
      known.cversion = c.stat.cversion;
      await Promise.all(c.children.map((child) => walk(join(path, child))));
    };
    this.guard(
      walk('/').then(() => {
        const gone = [...before.keys()].filter((p) => !seen.has(p)).sort((a, b) => b.length - a.length);
        for (const p of gone) this.onChange({ op: 'deleted', path: p, data: null, previous: before.get(p)!.data, stat: null, time: Date.now(), missedVersions: 0 });
      }),
    );
  }
}
