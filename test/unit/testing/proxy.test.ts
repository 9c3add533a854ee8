/**
 * The harness's TCP proxy and link faults (src/testing/proxy.ts, link.ts) on loopback sockets against a small
 * echo server: pass-through, blackhole both ways and one way (bytes held, then delivered on heal), reset (live
 * connections reset, new ones refused), delay (nothing arrives early, order kept), connections opened while cut
 * are not connected upstream until the link heals, a dead upstream resets the client, and routing by the Kafka
 * client id of the first request.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Link } from '../../../src/testing/link.js';
import { LinkProxy, kafkaClientId } from '../../../src/testing/proxy.js';

interface Echo {
  port: number;
  /** connections the server has accepted */
  accepted: number;
  close(): Promise<void>;
}

/** Echoes everything; greets each connection with "hi\n" when `greet`. */
async function echoServer(greet = false): Promise<Echo> {
  const sockets = new Set<net.Socket>();
  const state = { accepted: 0 };
  const server = net.createServer((s) => {
    state.accepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    if (greet) s.write('hi\n');
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get accepted() {
      return state.accepted;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A client socket collecting what it receives. */
async function connect(port: number): Promise<{ sock: net.Socket; received: () => string; closed: Promise<string> }> {
  const sock = net.connect(port, '127.0.0.1');
  let data = '';
  sock.on('data', (b: Buffer) => (data += b.toString()));
  const closed = new Promise<string>((resolve) => {
    sock.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    sock.on('close', () => resolve('close'));
  });
  await new Promise<void>((r, j) => {
    sock.once('connect', () => r());
    sock.once('error', j);
  });
  return { sock, received: () => data, closed };
}

async function until(what: string, fn: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How a connection attempt ends: reset (at connect or right after) or closed. */
function refusal(port: number): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    sock.on('close', () => resolve('close'));
  });
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(opts: { greet?: boolean } = {}) {
  const echo = await echoServer(opts.greet);
  const link = new Link('client', 'server');
  const proxy = await LinkProxy.start({ target: () => ({ host: '127.0.0.1', port: echo.port }), route: () => ({ link, clientIsA: true }) });
  cleanups.push(() => echo.close(), () => proxy.close());
  return { echo, link, proxy };
}

describe('harness proxy - links', () => {
  it('proxy - forwards bytes both ways untouched', async () => {
    const { proxy } = await setup();
    const c = await connect(proxy.port);
    cleanups.push(() => void c.sock.destroy());
    const payload = Buffer.alloc(300_000, 7).toString('latin1');
    c.sock.write(payload);
    await until('echo', () => c.received().length === payload.length);
    expect(c.received()).toBe(payload);
  });

  it('proxy - a blackholed link holds bytes in both directions and delivers them, in order, when healed', async () => {
    const { link, proxy } = await setup();
    const c = await connect(proxy.port);
    cleanups.push(() => void c.sock.destroy());
    c.sock.write('before|');
    await until('first echo', () => c.received() === 'before|');
    link.cut();
    c.sock.write('during|');
    await sleep(200);
    expect(c.received()).toBe('before|');
    expect(link.state().aToB.blocked && link.state().bToA.blocked).toBe(true);
    link.heal();
    c.sock.write('after');
    await until('held bytes', () => c.received() === 'before|during|after');
  });

  it('proxy - a one-way cut drops only what a sends: the server still reaches the client', async () => {
    const { link, proxy, echo } = await setup({ greet: true });
    const c = await connect(proxy.port);
    cleanups.push(() => void c.sock.destroy());
    await until('greeting', () => c.received() === 'hi\n');
    link.cut({ oneWay: true }); // client (a) → server (b) blocked
    c.sock.write('ping');
    await sleep(200);
    expect(c.received()).toBe('hi\n');
    // b → a still flows: a second connection cannot be made (handshake needs both ways) but the first one lives
    expect(echo.accepted).toBe(1);
    link.heal();
    await until('echo after heal', () => c.received() === 'hi\nping');

    // the other way round: only the server's bytes are dropped; the client's reach it
    link.cut({ oneWay: true }, false);
    c.sock.write('pong');
    await sleep(200);
    expect(c.received()).toBe('hi\nping');
    link.heal();
    await until('echo after heal', () => c.received() === 'hi\npingpong');
  });

  it('proxy - a connection opened while the link is cut reaches the server only once the link heals', async () => {
    const { link, proxy, echo } = await setup();
    link.cut();
    const c = await connect(proxy.port); // the proxy accepts: the client cannot tell yet
    cleanups.push(() => void c.sock.destroy());
    c.sock.write('x');
    await sleep(200);
    expect(echo.accepted).toBe(0);
    link.heal();
    await until('echo', () => c.received() === 'x');
    expect(echo.accepted).toBe(1);
  });

  it('proxy - reset mode resets live connections and refuses new ones until healed', async () => {
    const { link, proxy, echo } = await setup();
    const c = await connect(proxy.port);
    link.cut({ mode: 'reset' });
    expect(await c.closed).toMatch(/ECONNRESET|close/);
    expect(await refusal(proxy.port)).toMatch(/ECONNRESET|close/);
    expect(echo.accepted).toBe(1);
    link.heal();
    const again = await connect(proxy.port);
    cleanups.push(() => void again.sock.destroy());
    again.sock.write('ok');
    await until('echo after heal', () => again.received() === 'ok');
  });

  it('proxy - hold() resets like a reset cut and is released on its own, leaving other faults in place', async () => {
    const { link, proxy } = await setup();
    link.delay(50);
    const release = link.hold();
    expect(await refusal(proxy.port)).toMatch(/ECONNRESET|close/);
    release();
    release(); // idempotent
    expect(link.state().reset).toBe(false);
    expect(link.state().aToB.delayMs).toBe(50);
  });

  it('proxy - delay forwards nothing before the delay and keeps order', async () => {
    const { link, proxy } = await setup();
    const c = await connect(proxy.port);
    cleanups.push(() => void c.sock.destroy());
    link.delay(150, { jitterMs: 50 });
    const sent = Date.now();
    for (let i = 0; i < 20; i++) c.sock.write(`${i},`);
    await until('all chunks', () => c.received().split(',').length === 21);
    // each byte went through the delay twice (there and back)
    expect(Date.now() - sent).toBeGreaterThanOrEqual(300);
    expect(c.received()).toBe(Array.from({ length: 20 }, (_, i) => `${i},`).join(''));
  });

  it('proxy - a throttle holds each direction to its rate and keeps the bytes intact', async () => {
    const { link, proxy } = await setup();
    const c = await connect(proxy.port);
    cleanups.push(() => void c.sock.destroy());
    link.delay(0, { bytesPerSecond: 100_000 });
    const payload = 'x'.repeat(999) + ',';
    const sent = Date.now();
    for (let i = 0; i < 50; i++) c.sock.write(payload); // 50 kB: 0.5 s at 100 kB/s (the way back overlaps)
    await until('all bytes back', () => c.received().length === 50 * payload.length);
    expect(Date.now() - sent).toBeGreaterThanOrEqual(490);
    expect(c.received()).toBe(payload.repeat(50));
    expect(link.state().aToB.bytesPerSecond).toBe(100_000);
  });

  it('proxy - a dead upstream resets the client as the real address would', async () => {
    const echo = await echoServer();
    const port = echo.port;
    await echo.close();
    const link = new Link('a', 'b');
    const proxy = await LinkProxy.start({ target: () => ({ host: '127.0.0.1', port }), route: () => ({ link, clientIsA: true }) });
    cleanups.push(() => proxy.close());
    expect(await refusal(proxy.port)).toMatch(/ECONNRESET|close/);
  });
});

/** A Kafka request frame header: size, apiKey, apiVersion, correlationId, clientId. */
function requestHeader(clientId: string | null, extra = 10): Buffer {
  const id = clientId === null ? null : Buffer.from(clientId);
  const b = Buffer.alloc(4 + 2 + 2 + 4 + 2 + (id?.length ?? 0) + extra);
  b.writeInt32BE(b.length - 4, 0);
  b.writeInt16BE(1, 4); // Fetch
  b.writeInt16BE(11, 6);
  b.writeInt32BE(42, 8);
  b.writeInt16BE(id ? id.length : -1, 12);
  id?.copy(b, 14);
  return b;
}

describe('harness proxy - routing by Kafka client id', () => {
  it('kafkaClientId - reads the client id of a request header; incomplete until it has all of it', () => {
    const frame = requestHeader('broker-2-fetcher-0');
    expect(kafkaClientId(frame)).toBe('broker-2-fetcher-0');
    expect(kafkaClientId(frame.subarray(0, 13))).toBe('incomplete');
    expect(kafkaClientId(frame.subarray(0, 20))).toBe('incomplete');
    expect(kafkaClientId(requestHeader(null))).toBeNull();
  });

  it('proxy - routes each connection on the client id of its first request, even when it arrives in pieces', async () => {
    const echo = await echoServer();
    const seen: Array<string | null> = [];
    const link = new Link('x', 'y');
    const proxy = await LinkProxy.start({
      classify: 'kafka-client-id',
      target: () => ({ host: '127.0.0.1', port: echo.port }),
      route: (clientId) => {
        seen.push(clientId);
        return clientId === 'controller-1' ? { link, clientIsA: true } : null;
      },
    });
    cleanups.push(() => echo.close(), () => proxy.close());
    link.cut();
    const frame = requestHeader('controller-1');
    const c = await connect(proxy.port);
    cleanups.push(() => void c.sock.destroy());
    c.sock.write(frame.subarray(0, 9));
    await sleep(50);
    c.sock.write(frame.subarray(9));
    await until('routed', () => seen.length === 1);
    expect(seen).toEqual(['controller-1']);
    await sleep(100);
    expect(echo.accepted).toBe(0); // its link is cut
    // another caller is not on that link
    const other = await connect(proxy.port);
    cleanups.push(() => void other.sock.destroy());
    const otherFrame = requestHeader('kafkajs');
    other.sock.write(otherFrame);
    await until('echo to the unrouted client', () => other.received().length === otherFrame.length);
    link.heal();
    await until('echo after heal', () => c.received().length === frame.length);
    expect(Buffer.from(c.received(), 'latin1').equals(frame)).toBe(true);
  });
});
