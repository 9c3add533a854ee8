/**
 * The timeline's znode watcher (src/testing/znode-watcher.ts) on the run's real ZooKeeper, in a chroot of its own:
 * creations at every depth, data changes with the previous data and ZooKeeper's mtime, deletions, changes that
 * collapse into one watch firing (missedVersions), children that come and go between two reads ('missed'), and a
 * session expiry of the watcher's own client: what changed meanwhile is found by reading the tree again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zkOp, type ZkClient } from '../../../src/zk/client.js';
import { ZnodeWatcher, type ZnodeChange } from '../../../src/testing/znode-watcher.js';
import { closeAllZk, connectZk, expireZkSession, removeChroot, zkConnectForTest } from '../../harness/zookeeper.js';
import { waitFor } from '../../harness/wait-for.js';

const connect = zkConnectForTest();
let watched: ZkClient;
let writer: ZkClient;
let watcher: ZnodeWatcher;
const changes: ZnodeChange[] = [];
const errors: unknown[] = [];

beforeAll(async () => {
  watched = await connectZk(connect, { reinitializeOnExpiry: true });
  writer = await connectZk(connect);
  await writer.create('/existing', Buffer.from('old'));
  watcher = new ZnodeWatcher(watched, (c) => changes.push(c), (e) => errors.push(e));
  await watcher.start();
});

afterAll(async () => {
  watcher?.close();
  await closeAllZk();
  await removeChroot(connect);
});

const seen = (op: ZnodeChange['op'], path: string) => changes.find((c) => c.op === op && c.path === path);
const until = <T>(what: string, fn: () => T) => waitFor(fn, { what, timeoutMs: 10_000 });

describe('znode watcher', () => {
  it('watcher - reports creations at every depth, data changes with the previous data, and deletions', async () => {
    expect(changes).toEqual([]); // what was there at the start is not reported
    const before = Date.now();
    await writer.create('/a/b/c', Buffer.from('{"x":1}'), { parents: true });
    await until('c created', () => seen('created', '/a/b/c'));
    expect(seen('created', '/a')).toBeDefined();
    expect(seen('created', '/a/b')).toBeDefined();
    const created = seen('created', '/a/b/c')!;
    expect(created.data?.toString()).toBe('{"x":1}');
    expect(created.time).toBeGreaterThanOrEqual(before - 1000);

    await writer.setData('/existing', Buffer.from('new'));
    const changed = await until('existing changed', () => seen('changed', '/existing'));
    expect([changed.previous?.toString(), changed.data?.toString()]).toEqual(['old', 'new']);
    expect(changed.time).toBe(changed.stat?.mtime);

    await writer.delete('/a', { recursive: true });
    await until('a deleted', () => seen('deleted', '/a'));
    expect(changes.filter((c) => c.op === 'deleted').map((c) => c.path)).toEqual(['/a/b/c', '/a/b', '/a']);
  });

  it('watcher - several writes between two reads are one report that says how many versions it skipped', async () => {
    await writer.create('/burst', Buffer.from('0'));
    await until('burst created', () => seen('created', '/burst'));
    await Promise.all([1, 2, 3, 4, 5].map((i) => writer.setData('/burst', Buffer.from(String(i)))));
    await until('last value', () => changes.some((c) => c.path === '/burst' && c.data?.toString() === '5'));
    const reports = changes.filter((c) => c.path === '/burst' && c.op === 'changed');
    // every version is accounted for: each report is one version plus the ones it skipped
    expect(reports.reduce((n, c) => n + 1 + c.missedVersions, 0)).toBe(5);
  });

  it('watcher - children that come and go between two reads are counted as missed', async () => {
    await writer.create('/notes', null);
    await until('notes created', () => seen('created', '/notes'));
    // created and deleted in one multi: the child list read after the watch fires never shows it
    await writer.multi([zkOp.create('/notes/n1', null), zkOp.delete('/notes/n1'), zkOp.create('/notes/n2', null)]);
    await until('n2 created', () => seen('created', '/notes/n2'));
    await until('n1 missed', () => changes.find((c) => c.op === 'missed' && c.path === '/notes'));
    expect(seen('created', '/notes/n1')).toBeUndefined();
    expect(changes.find((c) => c.op === 'missed' && c.path === '/notes')?.missedVersions).toBe(1);
  });

  it('watcher - after its own session expires it reads the tree again and reports what changed meanwhile', async () => {
    await writer.create('/kept', Buffer.from('1'));
    await writer.create('/gone', null);
    await until('kept and gone created', () => seen('created', '/kept') && seen('created', '/gone'));
    const reinitialized = new Promise<void>((resolve) => watched.once('reinitialized', () => resolve()));
    const release = watched.holdReconnectsForTesting();
    try {
      // while the watcher is cut off: a change, a deletion and a creation
      await writer.setData('/kept', Buffer.from('2'));
      await writer.delete('/gone');
      await writer.create('/born', Buffer.from('b'));
    } finally {
      release();
    }
    await expireZkSession(watched);
    await reinitialized;
    await until('changes found after the expiry', () => changes.some((c) => c.path === '/kept' && c.data?.toString() === '2') && seen('deleted', '/gone') && seen('created', '/born'));
    // and its watches are armed again
    await writer.setData('/born', Buffer.from('c'));
    await until('born changed', () => changes.some((c) => c.path === '/born' && c.op === 'changed' && c.data?.toString() === 'c'));
    expect(errors).toEqual([]);
  });
});
