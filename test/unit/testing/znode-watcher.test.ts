/**
 * The znode watcher's one race that a real ZooKeeper cannot be made to show on demand: the data watch armed by a
 * znode's first read fires in the same socket read as that read's answer, so the client calls the watch before the
 * watcher has taken the answer in. The change must still be reported and the watch re-armed (a lost re-arm left the
 * timeline blind to every later /controller_epoch write). A fake client plays the interleaving exactly.
 */
import { EventEmitter } from 'node:events';
import { expect, it } from 'vitest';
import { ZnodeWatcher, type ZnodeChange } from '../../../src/testing/znode-watcher.js';
import type { ZkClient, ZkWatcher } from '../../../src/zk/client.js';
import { NoNodeError, type ZkStat } from '../../../src/zk/zk-errors.js';

interface FakeNode {
  data: Buffer;
  version: number;
  mzxid: number;
  children: string[];
}

const stat = (n: FakeNode): ZkStat => ({
  czxid: 1,
  mzxid: n.mzxid,
  pzxid: 1,
  ctime: 1000,
  mtime: 1000 + n.mzxid,
  version: n.version,
  cversion: n.children.length,
  aversion: 0,
  ephemeralOwner: 0n,
  dataLength: n.data.length,
  numChildren: n.children.length,
});

/** A client over an in-memory tree; `raceOnRead(path, write)` makes the next read of `path` answer, then fire. */
class RacingClient extends EventEmitter {
  readonly tree = new Map<string, FakeNode>([['/', { data: Buffer.alloc(0), version: 0, mzxid: 1, children: ['e'] }]]);
  private zxid = 10;
  private readonly dataWatches = new Map<string, ZkWatcher[]>();
  private race: { path: string; write: () => void } | undefined;

  set(path: string, value: string): void {
    const n = this.tree.get(path)!;
    Object.assign(n, { data: Buffer.from(value), version: n.version + 1, mzxid: ++this.zxid });
    this.fire(path, 'data-changed');
  }

  remove(path: string): void {
    this.tree.delete(path);
    this.fire(path, 'deleted');
  }

  raceOnRead(path: string, write: () => void): void {
    this.race = { path, write };
  }

  private fire(path: string, type: 'data-changed' | 'deleted'): void {
    const watches = this.dataWatches.get(path) ?? [];
    this.dataWatches.delete(path);
    for (const w of watches) w({ type, path });
  }

  getData(path: string, watch?: ZkWatcher): Promise<{ data: Buffer | null; stat: ZkStat }> {
    const n = this.tree.get(path);
    if (!n) return Promise.reject(new NoNodeError(path));
    if (watch) this.dataWatches.set(path, [...(this.dataWatches.get(path) ?? []), watch]);
    const answer = Promise.resolve({ data: n.data, stat: stat(n) });
    if (this.race?.path === path) {
      const { write } = this.race;
      this.race = undefined;
      // the answer is settled, its reader not yet resumed: the notification arrives now
      write();
    }
    return answer;
  }

  getChildrenAndStat(path: string): Promise<{ children: string[]; stat: ZkStat }> {
    const n = this.tree.get(path);
    if (!n) return Promise.reject(new NoNodeError(path));
    return Promise.resolve({ children: [...n.children], stat: stat(n) });
  }
}

async function watching(client: RacingClient): Promise<{ changes: ZnodeChange[]; watcher: ZnodeWatcher }> {
  const changes: ZnodeChange[] = [];
  const watcher = new ZnodeWatcher(client as unknown as ZkClient, (c) => changes.push(c));
  await watcher.start({ reportExisting: true });
  return { changes, watcher };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

it('watcher - a change that fires the first read’s watch before the read is taken in is reported, and later ones too', async () => {
  const client = new RacingClient();
  client.tree.set('/e', { data: Buffer.from('0'), version: 0, mzxid: 5, children: [] });
  client.raceOnRead('/e', () => client.set('/e', '1'));
  const { changes, watcher } = await watching(client);
  await settle();
  expect(changes.map((c) => [c.op, c.path, c.data?.toString()])).toEqual([
    ['created', '/e', '0'],
    ['changed', '/e', '1'],
  ]);
  client.set('/e', '2'); // the watch was re-armed by the second read
  await settle();
  expect(changes.at(-1)).toMatchObject({ op: 'changed', path: '/e', previous: Buffer.from('1'), data: Buffer.from('2') });
  watcher.close();
});

it('watcher - a deletion that fires the first read’s watch before the read is taken in is reported', async () => {
  const client = new RacingClient();
  client.tree.set('/e', { data: Buffer.from('0'), version: 0, mzxid: 5, children: [] });
  client.raceOnRead('/e', () => client.remove('/e'));
  const { changes, watcher } = await watching(client);
  await settle();
  expect(changes.map((c) => [c.op, c.path])).toEqual([
    ['created', '/e'],
    ['deleted', '/e'],
  ]);
  watcher.close();
});
