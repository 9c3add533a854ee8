/**
 * connection-guard.ts and read-timeout.ts against node-zookeeper-client's real ConnectionManager, talking to a fake
 * ZooKeeper server on a loopback socket (port 0). The fake speaks just enough of the protocol: the connect handshake,
 * pings and getData. Each test makes the first connection misbehave in one way and the second behave; the client must
 * recover on the second connection, with the same session, without an uncaught exception.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ZkClient } from '../../../src/zk/client.js';

const OP_GET_DATA = 4;
const OP_CLOSE_SESSION = -11;
const XID_PING = -2;
const SESSION_ID = Buffer.from('0123456789abcdef', 'hex');

/**
 * How the fake's n-th connection (0-based) behaves: 'ok', or a way to misbehave — a getData answered with an error
 * code the library does not know, or with the start of a frame before the connection ends; or a handshake never
 * answered (the connection left open).
 */
type Behaviour = 'ok' | 'unknown-error-code' | 'partial-frame-then-close' | 'silent-handshake';

function frame(body: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeInt32BE(body.length);
  return Buffer.concat([len, body]);
}

function connectResponse(sessionTimeoutMs: number): Buffer {
  const b = Buffer.alloc(4 + 4 + 8 + 4 + 16);
  b.writeInt32BE(0, 0); // protocolVersion
  b.writeInt32BE(sessionTimeoutMs, 4); // negotiated: what the client asked for
  SESSION_ID.copy(b, 8);
  b.writeInt32BE(16, 16); // password length; the 16 bytes stay zero
  return frame(b);
}

function replyHeader(xid: number, err: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeInt32BE(xid, 0);
  b.writeBigInt64BE(7n, 4); // zxid
  b.writeInt32BE(err, 12);
  return b;
}

function getDataOk(xid: number, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeInt32BE(data.length);
  return frame(Buffer.concat([replyHeader(xid, 0), len, data, Buffer.alloc(68) /* Stat, all zero */]));
}

interface FakeZk {
  server: Server;
  port: number;
  connections: number;
}

async function fakeZooKeeper(answers: Behaviour[]): Promise<FakeZk> {
  const fake: FakeZk = { server: createServer(), port: 0, connections: 0 };
  fake.server.on('connection', (socket: Socket) => {
    const answer = answers[fake.connections] ?? 'ok';
    fake.connections++;
    let pending = Buffer.alloc(0);
    let handshaken = false;
    socket.on('error', () => {}); // the client may drop the connection at any time
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const body = pending.subarray(4, 4 + pending.readInt32BE(0));
        pending = pending.subarray(4 + body.length);
        if (!handshaken) {
          if (answer === 'silent-handshake') continue;
          handshaken = true;
          socket.write(connectResponse(body.readInt32BE(12))); // ConnectRequest: version, last zxid, timeout
          continue;
        }
        const xid = body.readInt32BE(0);
        const type = body.readInt32BE(4);
        if (xid === XID_PING) socket.write(frame(replyHeader(XID_PING, 0)));
        else if (type === OP_CLOSE_SESSION) socket.end(frame(replyHeader(xid, 0)));
        else if (type !== OP_GET_DATA) socket.destroy(); // the fake serves nothing else
        else if (answer === 'ok') socket.write(getDataOk(xid, Buffer.from('answer')));
        else if (answer === 'unknown-error-code') socket.write(frame(replyHeader(xid, -268435430)));
        else {
          // the first 14 bytes of a frame announced as 200 bytes long, then the connection ends
          const cut = Buffer.alloc(14);
          cut.writeInt32BE(200);
          socket.end(cut);
        }
      }
    });
  });
  await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
  const addr = fake.server.address();
  if (!addr || typeof addr === 'string') throw new Error('no port');
  fake.port = addr.port;
  return fake;
}

describe('ZooKeeper connection guard', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function connect(fake: FakeZk, sessionTimeoutMs = 30_000): Promise<{ zk: ZkClient; warnings: string[] }> {
    cleanups.push(() => new Promise<void>((resolve) => fake.server.close(() => resolve())));
    const warnings: string[] = [];
    const zk = await ZkClient.connect({
      connectString: `127.0.0.1:${fake.port}`,
      sessionTimeoutMs,
      connectionTimeoutMs: 10_000,
      log: { info: () => {}, warn: (_obj, msg) => void warnings.push(msg) },
    });
    cleanups.push(async () => {
      fake.server.close();
      await Promise.race([zk.close(), new Promise((r) => setTimeout(r, 2000))]);
    });
    return { zk, warnings };
  }

  it('an answer the library cannot parse drops the connection; the read is retried on the next one', async () => {
    const fake = await fakeZooKeeper(['unknown-error-code', 'ok']);
    const { zk, warnings } = await connect(fake);
    const sessionBefore = zk.sessionId;
    const { data } = await zk.getData('/any');
    expect(data?.toString()).toBe('answer');
    expect(fake.connections).toBe(2);
    expect(warnings.some((w) => w.startsWith('unreadable ZooKeeper response'))).toBe(true);
    expect(zk.sessionId).toBe(sessionBefore);
  }, 20_000);

  it('a frame cut off with its connection is not glued in front of the next connection', async () => {
    const fake = await fakeZooKeeper(['partial-frame-then-close', 'ok']);
    const { zk, warnings } = await connect(fake);
    const { data } = await zk.getData('/any');
    expect(data?.toString()).toBe('answer');
    expect(fake.connections).toBe(2);
    expect(warnings).toEqual([]); // nothing was unreadable: the stale bytes were dropped with their connection
  }, 20_000);

  it('a server that takes the connection and never answers the handshake is left after the connect timeout', async () => {
    const fake = await fakeZooKeeper(['silent-handshake', 'ok']);
    // one server: the connect timeout is the whole session timeout (Java's ClientCnxn: session timeout / servers)
    const { zk, warnings } = await connect(fake, 2000);
    expect(fake.connections).toBe(2);
    expect(warnings.some((w) => w.startsWith('have not heard from the ZooKeeper server'))).toBe(true);
    const { data } = await zk.getData('/any');
    expect(data?.toString()).toBe('answer');
  }, 20_000);

  it('time its own event loop was blocked is not taken for the server being silent', async () => {
    const fake = await fakeZooKeeper(['ok']);
    const { zk, warnings } = await connect(fake, 1500); // silent after 1 s (2/3 of the session timeout)
    await new Promise((r) => setTimeout(r, 300)); // the watch has seen the connection
    const until = Date.now() + 2000;
    while (Date.now() < until); // a long synchronous step (a broker loading its logs); the server's pings wait unread
    const { data } = await zk.getData('/any');
    expect(data?.toString()).toBe('answer');
    expect(warnings).toEqual([]);
    expect(fake.connections).toBe(1);
  }, 20_000);
});
