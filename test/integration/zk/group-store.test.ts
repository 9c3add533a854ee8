/**
 * ZkOffsetStore and ZkGroupMirror against a real ZooKeeper (one chroot for this file): committed offsets as
 * decimal text in one multi, reads that never write, deletes, group listing; the ephemeral membership mirror,
 * its owner-table replacement per generation, leave, ordering of bursts, and re-creation after session expiry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaError } from '../../../src/common/errors.js';
import { silentLogger } from '../../../src/common/logger.js';
import type { CommittedOffset } from '../../../src/coordinator/offset-store.js';
import type { MirroredMember } from '../../../src/coordinator/group-mirror.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import type { ZkClient } from '../../../src/zk/client.js';
import { ZkGroupMirror } from '../../../src/zk/zk-group-mirror.js';
import { ZkOffsetStore } from '../../../src/zk/zk-offset-store.js';
import { ConsumerIdZNode, ConsumerOffsetZNode } from '../../../src/zk/znodes.js';
import { waitFor } from '../../harness/wait-for.js';
import { closeAllZk, connectZk, expireZkSession, removeChroot, zkConnectForTest } from '../../harness/zookeeper.js';

const connect = zkConnectForTest();
let admin: ZkClient;
let store: ZkOffsetStore;

beforeAll(async () => {
  admin = await connectZk(connect);
  store = new ZkOffsetStore(admin);
});
afterAll(async () => {
  await closeAllZk();
  await removeChroot(connect);
});

const committed = (topic: string, partition: number, offset: number, extra: Partial<CommittedOffset> = {}): CommittedOffset => ({
  topic,
  partition,
  offset,
  leaderEpoch: -1,
  metadata: '',
  commitTimestamp: 1_700_000_000_000,
  ...extra,
});

const text = async (path: string): Promise<string | null> => (await admin.tryGetData(path))?.data?.toString('utf8') ?? null;

describe('ZkOffsetStore', () => {
  it('commits a request in one multi, as decimal text old tools read', async () => {
    await store.commit('g1', [
      committed('t1', 0, 42, { metadata: 'm0', leaderEpoch: 3, commitTimestamp: 1_700_000_000_123 }),
      committed('t1', 1, 7),
      committed('t2', 0, 9007199254740991),
    ]);
    expect(await text('/consumers/g1/offsets/t1/0')).toBe('42');
    expect(await text('/consumers/g1/offsets/t1/1')).toBe('7');
    expect(await text('/consumers/g1/offsets/t2/0')).toBe('9007199254740991');
    // One multi = one transaction = one zxid for every znode it created, parents included.
    const paths = ['/consumers/g1', '/consumers/g1/offsets/t1', '/consumers/g1/offsets/t2/0', '/consumers/g1/offsets_metadata/t1/0'];
    const zxids = new Set((await Promise.all(paths.map((p) => admin.getData(p)))).map((r) => r.stat.czxid));
    expect(zxids.size).toBe(1);

    // A second commit updates existing znodes (setData) and creates new ones, again in one transaction.
    await store.commit('g1', [committed('t1', 0, 50, { metadata: 'm1' }), committed('t3', 0, 1)]);
    const a = await admin.getData('/consumers/g1/offsets/t1/0');
    const b = await admin.getData('/consumers/g1/offsets/t3/0');
    expect(a.data?.toString()).toBe('50');
    expect(a.stat.version).toBe(1);
    expect(a.stat.mzxid).toBe(b.stat.czxid);
  });

  it('fetches all or some partitions, with metadata, leader epoch and commit time round-tripped', async () => {
    await store.commit('g2', [
      committed('a', 0, 10, { metadata: 'hello', leaderEpoch: 5, commitTimestamp: 1_600_000_000_001 }),
      committed('a', 1, 11),
      committed('b', 2, 12, { metadata: '{"json":true}', commitTimestamp: 1_600_000_000_002 }),
    ]);
    expect(await store.fetch('g2', null)).toEqual([
      committed('a', 0, 10, { metadata: 'hello', leaderEpoch: 5, commitTimestamp: 1_600_000_000_001 }),
      committed('a', 1, 11),
      committed('b', 2, 12, { metadata: '{"json":true}', commitTimestamp: 1_600_000_000_002 }),
    ]);
    expect(
      await store.fetch('g2', [
        { topic: 'b', partition: 2 },
        { topic: 'a', partition: 9 },
        { topic: 'zz', partition: 0 },
      ]),
    ).toEqual([committed('b', 2, 12, { metadata: '{"json":true}', commitTimestamp: 1_600_000_000_002 })]);
    expect(await store.fetch('g2', [])).toEqual([]);
    expect(await store.fetch('no-such-group', null)).toEqual([]);

    // An old tool rewrites the decimal text: its sidecar is stale → no metadata, and the commit time is the mtime.
    const stat = await admin.setData(ConsumerOffsetZNode.path('g2', { topic: 'a', partition: 0 }), Buffer.from('99'));
    expect(await store.fetch('g2', [{ topic: 'a', partition: 0 }])).toEqual([
      { topic: 'a', partition: 0, offset: 99, leaderEpoch: -1, metadata: '', commitTimestamp: stat.mtime },
    ]);
  });

  it('never writes on a read path', async () => {
    const before = await admin.exists('/consumers');
    await store.fetch('ghost', null);
    await store.fetch('ghost', [{ topic: 't', partition: 0 }]);
    await store.listGroupsWithOffsets();
    expect(await admin.exists('/consumers/ghost')).toBeNull();
    const after = await admin.exists('/consumers');
    expect(after?.pzxid).toBe(before?.pzxid);
    expect(after?.cversion).toBe(before?.cversion);
  });

  it('deletes offsets of some partitions, and the topic directories left empty', async () => {
    await store.commit('g3', [committed('x', 0, 1), committed('x', 1, 2), committed('y', 0, 3, { metadata: 'm' })]);
    await store.deleteOffsets('g3', [
      { topic: 'x', partition: 0 },
      { topic: 'y', partition: 0 },
      { topic: 'never', partition: 4 },
    ]);
    expect(await store.fetch('g3', null)).toEqual([committed('x', 1, 2)]);
    expect(await admin.exists('/consumers/g3/offsets/x/0')).toBeNull();
    expect(await admin.exists('/consumers/g3/offsets_metadata/x/0')).toBeNull();
    expect(await admin.exists('/consumers/g3/offsets/y')).toBeNull();
    expect(await admin.exists('/consumers/g3/offsets_metadata/y')).toBeNull();
    expect((await admin.getChildren('/consumers/g3/offsets')).sort()).toEqual(['x']);
    expect(await store.listGroupsWithOffsets()).toContain('g3');
    await store.deleteOffsets('g3', [{ topic: 'x', partition: 1 }]);
    expect(await store.fetch('g3', null)).toEqual([]);
    expect(await store.listGroupsWithOffsets()).not.toContain('g3');
  });

  it('deletes a group: offsets, sidecars, empty membership directories and the node; never live members', async () => {
    await store.commit('g4', [committed('t', 0, 5, { metadata: 'x' }), committed('u', 3, 6)]);
    await store.deleteGroup('g4');
    expect(await admin.exists('/consumers/g4')).toBeNull();
    await store.deleteGroup('g4'); // idempotent
    await store.deleteGroup('never-existed');

    // A live member's ephemeral (another session) keeps its directory and the group node.
    const member = await connectZk(connect);
    await store.commit('g5', [committed('t', 0, 5)]);
    await member.mkdirp('/consumers/g5/ids');
    await member.mkdirp('/consumers/g5/owners/t');
    await member.create('/consumers/g5/ids/m1', Buffer.from('{}'), { mode: 'ephemeral' });
    await store.deleteGroup('g5');
    expect(await admin.exists('/consumers/g5/offsets')).toBeNull();
    expect(await admin.exists('/consumers/g5/offsets_metadata')).toBeNull();
    expect(await admin.exists('/consumers/g5/owners')).toBeNull();
    expect((await admin.exists('/consumers/g5/ids/m1'))?.ephemeralOwner).toBe(member.sessionId);
    expect(await store.fetch('g5', null)).toEqual([]);
    await member.close();
    await waitFor(async () => (await admin.exists('/consumers/g5/ids/m1')) === null, { what: 'ephemeral member gone' });
    await store.deleteGroup('g5');
    expect(await admin.exists('/consumers/g5')).toBeNull();
  });

  it('lists groups that have offsets (not groups with only members or empty offset directories)', async () => {
    await store.commit('L1', [committed('t', 0, 1)]);
    await store.commit('L2', [committed('t', 0, 1)]);
    await admin.mkdirp('/consumers/L3/ids');
    await admin.mkdirp('/consumers/L4/offsets/t');
    const groups = await store.listGroupsWithOffsets();
    expect(groups).toEqual(expect.arrayContaining(['L1', 'L2']));
    expect(groups).not.toContain('L3');
    expect(groups).not.toContain('L4');
  });

  it('stores group ids that are not znode names percent-encoded, and refuses the empty group id', async () => {
    await store.commit('team/a', [committed('t', 0, 77)]);
    expect(await text('/consumers/team%2Fa/offsets/t/0')).toBe('77');
    expect(await store.fetch('team/a', null)).toEqual([committed('t', 0, 77)]);
    expect(await store.listGroupsWithOffsets()).toContain('team/a');
    await expect(store.commit('', [committed('t', 0, 1)])).rejects.toSatisfy(
      (e: unknown) => e instanceof KafkaError && e.code === ErrorCode.InvalidGroupId,
    );
    expect(await store.fetch('', null)).toEqual([]);
    await store.deleteGroup('team/a');
    expect(await admin.exists('/consumers/team%2Fa')).toBeNull();
  });
});

// ------------------------------------------------------------------------------------------------ mirror

const member = (memberId: string, generationId: number, extra: Partial<MirroredMember> = {}): MirroredMember => ({
  memberId,
  groupInstanceId: null,
  clientId: 'client-1',
  clientHost: '/127.0.0.1',
  protocolType: 'consumer',
  subscription: ['orders', 'payments'],
  generationId,
  ...extra,
});

const ownerTable = (o: Record<string, Record<number, string>>) =>
  new Map(Object.entries(o).map(([t, ps]) => [t, new Map(Object.entries(ps).map(([p, m]) => [Number(p), m]))]));

async function ownersOf(group: string): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  const topics = await admin.getChildren(`/consumers/${group}/owners`).catch(() => [] as string[]);
  for (const t of topics) {
    out[t] = {};
    for (const p of await admin.getChildren(`/consumers/${group}/owners/${t}`)) {
      out[t][p] = (await admin.getData(`/consumers/${group}/owners/${t}/${p}`)).data?.toString() ?? '';
    }
  }
  return out;
}

describe('ZkGroupMirror', () => {
  it('registers members as ephemerals with the documented JSON, updated on rejoin and deleted on leave', async () => {
    const zk = await connectZk(connect);
    const mirror = new ZkGroupMirror(zk, { log: silentLogger(), now: () => 1_700_000_000_999 });
    mirror.memberJoined('mg1', member('m-1', 1, { groupInstanceId: 'static-1' }));
    mirror.memberJoined('mg1', member('m-2', 1, { clientId: 'other', subscription: [] , protocolType: 'connect' }));
    await mirror.flush();

    const r = await admin.getData('/consumers/mg1/ids/m-1');
    expect(r.stat.ephemeralOwner).toBe(zk.sessionId);
    expect(r.data?.toString()).toBe(
      '{"version":1,"subscription":{"orders":1,"payments":1},"pattern":"static","timestamp":"1700000000999",' +
        '"clientId":"client-1","clientHost":"/127.0.0.1","generation":1,"groupInstanceId":"static-1"}',
    );
    // What the old consumer's readers see.
    expect(ConsumerIdZNode.decode('/consumers/mg1/ids/m-1', r.data)).toEqual({
      subscription: { orders: 1, payments: 1 },
      pattern: 'static',
      timestamp: 1_700_000_000_999,
    });
    expect(JSON.parse((await text('/consumers/mg1/ids/m-2')) ?? '')).toMatchObject({ subscription: {}, clientId: 'other', groupInstanceId: null });

    // Rejoin in the next generation: setData on the same znode.
    mirror.memberJoined('mg1', member('m-1', 2, { groupInstanceId: 'static-1' }));
    await mirror.flush();
    const r2 = await admin.getData('/consumers/mg1/ids/m-1');
    expect(r2.stat.czxid).toBe(r.stat.czxid);
    expect(r2.stat.version).toBe(1);
    expect(JSON.parse(r2.data?.toString() ?? '')).toMatchObject({ generation: 2 });

    mirror.memberLeft('mg1', 'm-2');
    await mirror.flush();
    expect((await admin.getChildren('/consumers/mg1/ids')).sort()).toEqual(['m-1']);
    await mirror.close();
  });

  it('replaces the owner table per generation in one multi, ignores stale generations, clears on empty', async () => {
    const zk = await connectZk(connect);
    const mirror = new ZkGroupMirror(zk, { log: silentLogger() });
    mirror.memberJoined('mg2', member('A', 1));
    mirror.memberJoined('mg2', member('B', 1));
    mirror.ownersAssigned('mg2', 1, ownerTable({ orders: { 0: 'A', 1: 'A', 2: 'B' }, payments: { 0: 'B' } }));
    await mirror.flush();
    expect(await ownersOf('mg2')).toEqual({ orders: { 0: 'A', 1: 'A', 2: 'B' }, payments: { 0: 'B' } });
    const owner0 = await admin.getData('/consumers/mg2/owners/orders/0');
    const owner1 = await admin.getData('/consumers/mg2/owners/orders/1');
    expect(owner0.stat.ephemeralOwner).toBe(zk.sessionId);

    // Generation 2: B leaves; A owns everything; payments no longer consumed, refunds is.
    mirror.memberLeft('mg2', 'B');
    mirror.memberJoined('mg2', member('A', 2));
    mirror.ownersAssigned('mg2', 2, ownerTable({ orders: { 0: 'A', 2: 'A' }, refunds: { 0: 'A' } }));
    await mirror.flush();
    expect(await ownersOf('mg2')).toEqual({ orders: { 0: 'A', 2: 'A' }, refunds: { 0: 'A' } });
    expect((await admin.getChildren('/consumers/mg2/ids')).sort()).toEqual(['A']);
    expect(await admin.exists('/consumers/mg2/owners/orders/1')).toBeNull();
    // Unchanged owner kept (same czxid); changed owner re-created; all changes in one transaction.
    const kept = await admin.getData('/consumers/mg2/owners/orders/0');
    expect(kept.stat.czxid).toBe(owner0.stat.czxid);
    const changed = await admin.getData('/consumers/mg2/owners/orders/2');
    const fresh = await admin.getData('/consumers/mg2/owners/refunds/0');
    expect(changed.stat.czxid).toBeGreaterThan(owner1.stat.czxid);
    expect(changed.stat.czxid).toBe(fresh.stat.czxid);

    // A late table of generation 1 does not overwrite generation 2.
    mirror.ownersAssigned('mg2', 1, ownerTable({ orders: { 0: 'B' } }));
    await mirror.flush();
    expect(await ownersOf('mg2')).toEqual({ orders: { 0: 'A', 2: 'A' }, refunds: { 0: 'A' } });

    // Group empties: owners cleared, member gone, directories stay (as the old consumer left them).
    mirror.ownersAssigned('mg2', 2, new Map());
    mirror.memberLeft('mg2', 'A');
    await mirror.flush();
    expect(await admin.getChildren('/consumers/mg2/ids')).toEqual([]);
    expect(await admin.getChildren('/consumers/mg2/owners')).toEqual([]);
    await mirror.close();
  });

  it('writes the latest generation when calls come in a burst (serialised per group)', async () => {
    const zk = await connectZk(connect);
    const mirror = new ZkGroupMirror(zk, { log: silentLogger() });
    const seen: number[] = [];
    const watch = (): void => {
      admin
        .getData('/consumers/mg3/ids/M', watch)
        .then((r) => seen.push(JSON.parse(r.data?.toString() ?? '{}').generation as number))
        .catch(() => undefined);
    };
    for (let gen = 1; gen <= 20; gen++) {
      mirror.memberJoined('mg3', member('M', gen));
      mirror.ownersAssigned('mg3', gen, ownerTable({ t: { [gen % 3]: 'M' } }));
      if (gen === 1) {
        await mirror.flush();
        watch();
      }
    }
    await mirror.flush();
    expect(JSON.parse((await text('/consumers/mg3/ids/M')) ?? '')).toMatchObject({ generation: 20 });
    expect(await ownersOf('mg3')).toEqual({ t: { 2: 'M' } });
    await waitFor(() => seen.length > 0, { what: 'watched writes observed' });
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1] ?? 0);
    await mirror.close();
  });

  it('re-creates its ephemerals on the new session after a session expiry', async () => {
    const zk = await connectZk(connect);
    const mirror = new ZkGroupMirror(zk, { log: silentLogger() });
    mirror.memberJoined('mg4', member('P', 3));
    mirror.memberJoined('mg4', member('Q', 3));
    mirror.ownersAssigned('mg4', 3, ownerTable({ orders: { 0: 'P', 1: 'Q' } }));
    await mirror.flush();
    const oldSession = zk.sessionId;
    expect((await admin.exists('/consumers/mg4/ids/P'))?.ephemeralOwner).toBe(oldSession);

    const reinitialized = new Promise<void>((resolve) => zk.once('reinitialized', () => resolve()));
    await expireZkSession(zk);
    await reinitialized;
    expect(zk.sessionId).not.toBe(oldSession);

    const newSession = zk.sessionId;
    await waitFor(
      async () => {
        const stats = await Promise.all(
          ['/consumers/mg4/ids/P', '/consumers/mg4/ids/Q', '/consumers/mg4/owners/orders/0', '/consumers/mg4/owners/orders/1'].map(
            (p) => admin.exists(p),
          ),
        );
        return stats.every((s) => s?.ephemeralOwner === newSession);
      },
      { what: 'mirror re-created on the new session', timeoutMs: 20_000 },
    );
    expect(await ownersOf('mg4')).toEqual({ orders: { 0: 'P', 1: 'Q' } });
    expect(JSON.parse((await text('/consumers/mg4/ids/Q')) ?? '')).toMatchObject({ generation: 3, subscription: { orders: 1, payments: 1 } });

    // The mirror keeps working on the new session.
    mirror.memberLeft('mg4', 'Q');
    mirror.ownersAssigned('mg4', 4, ownerTable({ orders: { 0: 'P', 1: 'P' } }));
    await mirror.flush();
    expect(await admin.getChildren('/consumers/mg4/ids')).toEqual(['P']);
    expect(await ownersOf('mg4')).toEqual({ orders: { 0: 'P', 1: 'P' } });
    await mirror.close();
  });

  it('replaces ephemerals left by another session, encodes unsafe member ids, and swallows errors', async () => {
    // A previous coordinator's session still holds the member and an owner.
    const previous = await connectZk(connect);
    await previous.mkdirp('/consumers/mg5/owners/t');
    await previous.mkdirp('/consumers/mg5/ids');
    await previous.create('/consumers/mg5/ids/gone', Buffer.from('{}'), { mode: 'ephemeral' });
    await previous.create('/consumers/mg5/owners/t/0', Buffer.from('gone'), { mode: 'ephemeral' });

    const zk = await connectZk(connect);
    const mirror = new ZkGroupMirror(zk, { log: silentLogger() });
    mirror.memberJoined('mg5', member('app/1-xyz', 1));
    mirror.ownersAssigned('mg5', 1, ownerTable({ t: { 0: 'app/1-xyz' } }));
    await mirror.flush();
    expect(await admin.getChildren('/consumers/mg5/ids')).toEqual(['app%2F1-xyz']);
    const owner = await admin.getData('/consumers/mg5/owners/t/0');
    expect(owner.data?.toString()).toBe('app/1-xyz');
    expect(owner.stat.ephemeralOwner).toBe(zk.sessionId);
    await previous.close();

    // Writes failing (client closed) are logged and swallowed: calls never throw, flush settles.
    await zk.close();
    expect(() => mirror.memberJoined('mg5', member('late', 2))).not.toThrow();
    expect(() => mirror.ownersAssigned('mg5', 2, new Map())).not.toThrow();
    await mirror.flush();
    await mirror.close();
    await waitFor(async () => (await admin.getChildren('/consumers/mg5/ids')).length === 0, { what: 'ephemerals gone with the session' });
  });

  it('works with the offset store: deleting a group keeps the live members it mirrors', async () => {
    const zk = await connectZk(connect);
    const mirror = new ZkGroupMirror(zk, { log: silentLogger() });
    mirror.memberJoined('mg6', member('live', 1));
    mirror.ownersAssigned('mg6', 1, ownerTable({ t: { 0: 'live' } }));
    await mirror.flush();
    await store.commit('mg6', [committed('t', 0, 3)]);
    await store.deleteGroup('mg6');
    expect(await admin.exists('/consumers/mg6/offsets')).toBeNull();
    expect(await admin.getChildren('/consumers/mg6/ids')).toEqual(['live']);
    expect(await ownersOf('mg6')).toEqual({ t: { 0: 'live' } });
    mirror.ownersAssigned('mg6', 1, new Map());
    mirror.memberLeft('mg6', 'live');
    await mirror.flush();
    await store.deleteGroup('mg6');
    expect(await admin.exists('/consumers/mg6')).toBeNull();
    await mirror.close();
  });
});
