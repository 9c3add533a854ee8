import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BadVersionError,
  ClientClosedError,
  InvalidPathError,
  NoNodeError,
  NodeExistsError,
  NotEmptyError,
  SessionExpiredError,
  ZkClient,
  ZkProgrammingError,
  zkOp,
  type ZkWatchEvent,
} from '../../../src/zk/client.js';
import { closeAllZk, connectZk, expireZkSession, removeChroot, zkConnectForTest, zkServers } from '../../harness/zookeeper.js';
import { waitFor } from '../../harness/wait-for.js';

const connect = zkConnectForTest();
let zk: ZkClient;

beforeAll(async () => {
  zk = await connectZk(connect);
});
afterAll(async () => {
  await closeAllZk();
  await removeChroot(connect);
});

describe('zk client - basics', () => {
  it('creates the chroot when connecting and works relative to it', async () => {
    const chroot = connect.slice(connect.indexOf('/'));
    const root = await connectZk(zkServers());
    expect(await root.exists(chroot)).not.toBeNull();
    await zk.create('/a', Buffer.from('hello'));
    const { data, stat } = await root.getData(`${chroot}/a`);
    expect(data?.toString()).toBe('hello');
    expect(stat.version).toBe(0);
    expect(stat.ephemeralOwner).toBe(0n);
    expect(stat.czxid).toBeGreaterThan(0);
    await root.close();
  });

  it('get/set/exists/children/delete with typed errors', async () => {
    await zk.create('/b/c/d', Buffer.from('x'), { parents: true });
    expect(await zk.getChildren('/b')).toEqual(['c']);
    const st = await zk.setData('/b/c/d', Buffer.from('y'), 0);
    expect(st.version).toBe(1);
    await expect(zk.setData('/b/c/d', Buffer.from('z'), 0)).rejects.toBeInstanceOf(BadVersionError);
    await expect(zk.getData('/nope')).rejects.toBeInstanceOf(NoNodeError);
    await expect(zk.create('/b/c/d', null)).rejects.toBeInstanceOf(NodeExistsError);
    await expect(zk.delete('/b')).rejects.toBeInstanceOf(NotEmptyError);
    expect(await zk.exists('/nope')).toBeNull();
    expect(await zk.tryGetData('/nope')).toBeNull();
    const nullData = await zk.getData('/b');
    expect(nullData.data).toBeNull();
    await zk.delete('/b', { recursive: true });
    expect(await zk.exists('/b')).toBeNull();
  });

  it('paths ZooKeeper would refuse (from client-chosen names): reads find nothing, writes fail typed, nothing throws out of band', async () => {
    for (const bad of ['/brokers/topics/', '/a//b', '/x\u0000y']) {
      await expect(zk.getData(bad)).rejects.toBeInstanceOf(NoNodeError);
      expect(await zk.tryGetData(bad)).toBeNull();
      expect(await zk.exists(bad)).toBeNull();
      await expect(zk.getChildren(bad)).rejects.toBeInstanceOf(NoNodeError);
      await expect(zk.create(bad, Buffer.from('x'))).rejects.toBeInstanceOf(InvalidPathError);
      await expect(zk.multi([zkOp.check(bad, 1)])).rejects.toBeInstanceOf(InvalidPathError);
    }
    expect(await zk.exists('/')).not.toBeNull(); // the client is still fine
  });

  it('sequential nodes get a 10-digit counter and the returned path is chroot-relative', async () => {
    await zk.mkdirp('/seq');
    const p1 = await zk.create('/seq/item_', Buffer.from('1'), { mode: 'persistent-sequential' });
    const p2 = await zk.create('/seq/item_', Buffer.from('2'), { mode: 'persistent-sequential' });
    expect(p1).toMatch(/^\/seq\/item_\d{10}$/);
    expect(Number(p2.slice(-10))).toBe(Number(p1.slice(-10)) + 1);
  });

  it('ephemeral nodes disappear when their session closes', async () => {
    const other = await ZkClient.connect({ connectString: connect, sessionTimeoutMs: 6000 });
    await other.create('/eph', Buffer.from('me'), { mode: 'ephemeral' });
    const { stat } = await zk.getData('/eph');
    expect(stat.ephemeralOwner).toBe(other.sessionId);
    await other.close();
    expect(await zk.exists('/eph')).toBeNull();
  });
});

describe('zk client - watches', () => {
  it('a data watch fires once and its callback runs', async () => {
    await zk.create('/w', Buffer.from('0'));
    const events: ZkWatchEvent[] = [];
    await zk.getData('/w', (e) => events.push(e));
    await zk.setData('/w', Buffer.from('1'));
    await waitFor(() => events.length === 1, { what: 'data watch' });
    await zk.setData('/w', Buffer.from('2'));
    await new Promise((r) => setTimeout(r, 300));
    expect(events).toEqual([{ type: 'data-changed', path: '/w' }]);
  });

  it('child and existence watches fire on creation and deletion', async () => {
    await zk.mkdirp('/cw');
    const child: ZkWatchEvent[] = [];
    const existence: ZkWatchEvent[] = [];
    expect(await zk.getChildren('/cw', (e) => child.push(e))).toEqual([]);
    expect(await zk.exists('/cw/x', (e) => existence.push(e))).toBeNull();
    await zk.create('/cw/x', null);
    await waitFor(() => child.length === 1 && existence.length === 1, { what: 'child + existence watches' });
    expect(child[0]).toEqual({ type: 'children-changed', path: '/cw' });
    expect(existence[0]).toEqual({ type: 'created', path: '/cw/x' });
    const deleted: ZkWatchEvent[] = [];
    await zk.tryGetData('/cw/x', (e) => deleted.push(e));
    await zk.delete('/cw/x');
    await waitFor(() => deleted.length === 1, { what: 'deletion watch' });
    expect(deleted[0]).toEqual({ type: 'deleted', path: '/cw/x' });
  });
});

describe('zk client - multi and the version-0 trap', () => {
  it('commits all ops atomically and returns per-op results', async () => {
    const r = await zk.multi([
      zkOp.create('/m', Buffer.from('a')),
      zkOp.setData('/m', Buffer.from('b'), -1),
      zkOp.create('/m/q_', null, 'persistent-sequential'),
    ]);
    expect(r.outcome).toBe('ok');
    if (r.outcome !== 'ok') return;
    expect(r.results[0]).toEqual({ type: 'create', path: '/m' });
    expect(r.results[1]?.type === 'setData' && r.results[1].stat.version).toBe(1);
    expect(r.results[2]?.type === 'create' && r.results[2].path).toMatch(/^\/m\/q_\d{10}$/);
  });

  it('a stale version inside a multi is rejected and nothing is applied', async () => {
    await zk.create('/fence', Buffer.from('0'));
    await zk.setData('/fence', Buffer.from('1'), 0); // plain setData honours 0 → version 1
    await zk.setData('/fence', Buffer.from('2'), 1); // version 2; version 1 is now stale
    const stale = await zk.multi([zkOp.check('/fence', 1), zkOp.create('/fenced-write', Buffer.from('x'))]);
    expect(stale).toEqual({ outcome: 'bad-version', failedOp: 0, path: '/fence' });
    expect(await zk.exists('/fenced-write')).toBeNull();
    const fresh = await zk.multi([zkOp.check('/fence', 2), zkOp.create('/fenced-write', Buffer.from('x'))]);
    expect(fresh.outcome).toBe('ok');
    const stale2 = await zk.multi([zkOp.setData('/fence', Buffer.from('3'), 1)]);
    expect(stale2).toEqual({ outcome: 'bad-version', failedOp: 0, path: '/fence' });
    expect((await zk.getData('/fence')).data?.toString()).toBe('2');
  });

  it('expected version 0 in a multi throws a programming error (the library would treat it as "any")', async () => {
    await zk.create('/v0', Buffer.from('0'));
    await expect(zk.multi([zkOp.check('/v0', 0)])).rejects.toBeInstanceOf(ZkProgrammingError);
    await expect(zk.multi([zkOp.setData('/v0', null, 0)])).rejects.toBeInstanceOf(ZkProgrammingError);
    await expect(zk.multi([zkOp.delete('/v0', 0)])).rejects.toBeInstanceOf(ZkProgrammingError);
    expect(await zk.exists('/v0')).not.toBeNull();
  });

  it('reports node-exists and no-node with the failing op index', async () => {
    await zk.create('/exists', null);
    expect(await zk.multi([zkOp.create('/fresh', null), zkOp.create('/exists', null)])).toEqual({
      outcome: 'node-exists',
      failedOp: 1,
      path: '/exists',
    });
    expect(await zk.exists('/fresh')).toBeNull();
    expect(await zk.multi([zkOp.delete('/missing')])).toEqual({ outcome: 'no-node', failedOp: 0, path: '/missing' });
  });
});

describe('zk client - session expiry', () => {
  it('expires a session on purpose, fails its requests, and re-initialises with a new session', async () => {
    const c = await connectZk(connect, { sessionTimeoutMs: 4000 });
    await c.create('/expiring', null, { mode: 'ephemeral' });
    const first = c.sessionId;
    const steps: string[] = [];
    c.registerStateChangeHandler({
      name: 'test',
      beforeInitializingSession: () => void steps.push('before'),
      afterInitializingSession: () => void steps.push('after'),
    });
    const reinitialized = new Promise<bigint>((resolve) => c.once('reinitialized', resolve));
    await expireZkSession(c);
    expect(await zk.exists('/expiring')).toBeNull();
    const second = await reinitialized;
    expect(second).not.toBe(first);
    expect(c.previousSessionIds).toContain(first);
    expect(steps).toEqual(['before', 'after']);
    await c.create('/expiring', null, { mode: 'ephemeral' });
    expect((await zk.getData('/expiring')).stat.ephemeralOwner).toBe(second);
  });

  it('a session expiring while the handlers run after re-initialisation is re-initialised again; a failing handler does not stop the others', async () => {
    const c = await connectZk(connect, { sessionTimeoutMs: 4000 });
    let flakyCalls = 0;
    const sessions: bigint[] = [];
    c.registerStateChangeHandler({
      name: 'flaky',
      afterInitializingSession: () => {
        if (++flakyCalls === 1) throw new Error('handler failed');
      },
    });
    c.registerStateChangeHandler({
      name: 'expires-again',
      afterInitializingSession: async () => {
        sessions.push(c.sessionId);
        if (sessions.length === 1) await expireZkSession(c); // back-to-back faults: the new session is lost at once
      },
    });
    const first = c.sessionId;
    await expireZkSession(c);
    await waitFor(() => sessions.length === 2 && c.state === 'connected', { what: 'a third session, its handlers run', timeoutMs: 15_000 });
    expect(new Set([first, ...sessions]).size).toBe(3);
    expect(c.sessionId).toBe(sessions[1]);
    expect(flakyCalls).toBe(2);
    await c.create('/reinitialised-twice', null, { mode: 'ephemeral' });
    expect((await zk.getData('/reinitialised-twice')).stat.ephemeralOwner).toBe(sessions[1]);
  });

  it('without auto re-initialisation, requests fail with SessionExpiredError', async () => {
    const c = await connectZk(connect, { sessionTimeoutMs: 4000, reinitializeOnExpiry: false });
    await expireZkSession(c);
    expect(c.state).toBe('expired');
    await expect(c.getData('/')).rejects.toBeInstanceOf(SessionExpiredError);
    await c.reinitialize();
    expect(c.state).toBe('connected');
    expect(await c.exists('/')).not.toBeNull();
  });

  it('forced expiry is deterministic: three in a row each way, about a second each, nothing left open', async () => {
    const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    const before = sockets();
    for (const reinitializeOnExpiry of [true, false]) {
      const c = await connectZk(connect, { sessionTimeoutMs: 4000, reinitializeOnExpiry });
      for (let i = 0; i < 3; i++) {
        await c.create('/forced', null, { mode: 'ephemeral' });
        const started = Date.now();
        await expireZkSession(c, 5000);
        expect(Date.now() - started).toBeLessThan(3000);
        expect(await zk.exists('/forced')).toBeNull();
        if (reinitializeOnExpiry) await waitFor(() => c.state === 'connected', { what: 're-initialised session' });
        else await c.reinitialize();
      }
      await c.close();
    }
    await waitFor(() => sockets() === before, { what: `${before} sockets open (as before)`, timeoutMs: 2000 });
  });
});

describe('zk client - giving ZooKeeper up at shutdown', () => {
  /** A TCP proxy to the run's ZooKeeper that can be cut for good (the client then reconnects in vain). */
  async function cuttableProxy(): Promise<{ port: number; cut: () => Promise<void> }> {
    const target = zkServers().split(',')[0]!;
    const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
    const sockets = new Set<net.Socket>();
    const server = net.createServer((client) => {
      const upstream = net.connect(port, host);
      sockets.add(client).add(upstream);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close).pipe(upstream);
      upstream.on('error', close).on('close', close).pipe(client);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address() as net.AddressInfo;
    return {
      port: addr.port,
      cut: async () => {
        const closed = new Promise<void>((r) => server.close(() => r()));
        for (const s of sockets) s.destroy();
        await closed;
      },
    };
  }

  it('closeIfDisconnectedFor: requests waiting for a lost ZooKeeper fail once the grace has passed', async () => {
    const proxy = await cuttableProxy();
    const chroot = connect.slice(connect.indexOf('/'));
    const c = await connectZk(`127.0.0.1:${proxy.port}${chroot}`, { sessionTimeoutMs: 6000 });
    await proxy.cut();
    await waitFor(() => c.state === 'disconnected', { what: 'client disconnected' });
    const pendingRead = c.getData('/');
    const pendingWrite = c.create('/never', null);
    const started = Date.now();
    c.closeIfDisconnectedFor(500);
    await expect(pendingRead).rejects.toBeInstanceOf(ClientClosedError);
    await expect(pendingWrite).rejects.toBeInstanceOf(ClientClosedError);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(450);
    expect(took).toBeLessThan(10_000); // generous: the property is "bounded", not "fast"
    expect(c.state).toBe('closed');
    await expect(c.exists('/')).rejects.toBeInstanceOf(ClientClosedError);
    expect(await zk.exists('/never')).toBeNull();
  });

  it('closeIfDisconnectedFor: a connected client is left alone', async () => {
    const c = await connectZk(connect, { sessionTimeoutMs: 6000 });
    c.closeIfDisconnectedFor(200);
    await new Promise((r) => setTimeout(r, 600));
    expect(c.state).toBe('connected');
    expect(await c.exists('/')).not.toBeNull();
  });
});
