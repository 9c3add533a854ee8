import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaError } from '../../../src/common/errors.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../../src/protocol/messages/api-versions.js';
import { Reader } from '../../../src/protocol/primitives.js';
import { answerLater, CloseConnection, NO_RESPONSE, defineHandler } from '../../../src/server/handler.js';
import { apiVersions } from '../../../src/server/handlers/api-versions.js';
import { framePool } from '../../../src/network/frame-buffers.js';
import { EchoRequest, EchoResponse, RawClient, requestFrame, sleep, startTestServer, type TestServer } from './helpers.js';

async function waitFor(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

const gate: Array<() => void> = [];
/** ids in the order their handlers ran (their "side effects") */
const effects: number[] = [];
/** deferred answers by id: resolve(true) answers, resolve(false) fails with a KafkaError */
const later = new Map<number, (ok: boolean) => void>();

const echo = defineHandler({
  request: EchoRequest,
  response: EchoResponse,
  versions: { min: 0, max: 1 },
  handle(req) {
    const reply = { errorCode: 0, id: req.id };
    switch (req.mode) {
      case 1:
        return NO_RESPONSE;
      case 2:
        throw new CloseConnection('test asked to close');
      case 3:
        throw new KafkaError(ErrorCode.NotLeaderOrFollower);
      case 4:
        return new Promise<typeof reply>((resolve) => gate.push(() => resolve(reply)));
      case 5:
        effects.push(req.id);
        return answerLater(
          new Promise<typeof reply>((resolve, reject) => later.set(req.id, (ok) => (ok ? resolve(reply) : reject(new KafkaError(ErrorCode.RequestTimedOut))))),
        );
      case 6:
        effects.push(req.id);
        return reply;
      default:
        if (req.delayMs === 0) return reply;
        return new Promise<typeof reply>((resolve) => setTimeout(() => resolve(reply), req.delayMs));
    }
  },
});

/** The echo API under the Produce key: its frames spread over reads are assembled in pooled memory. */
const payloadBackings: ArrayBufferLike[] = [];
const echoAsProduce = defineHandler({
  request: { ...EchoRequest, apiKey: 0 },
  response: { ...EchoResponse, apiKey: 0 },
  versions: { min: 0, max: 0 },
  handle(req) {
    payloadBackings.push(req.payload.buffer);
    return answerLater(new Promise((resolve) => later.set(req.id, () => resolve({ errorCode: 0, id: req.id }))));
  },
});

/** The same API on key 32002, answering errors (as Produce does) instead of closing. */
const ERR_KEY = 32002;
const EchoErrRequest = { ...EchoRequest, apiKey: ERR_KEY };
const EchoErrResponse = { ...EchoResponse, apiKey: ERR_KEY };
const echoWithErrors = defineHandler({
  request: EchoErrRequest,
  response: EchoErrResponse,
  versions: { min: 0, max: 0 },
  handle(req) {
    effects.push(req.id);
    if (req.mode === 3) throw new KafkaError(ErrorCode.NotLeaderOrFollower);
    return { errorCode: 0, id: req.id };
  },
  errorResponse: (req, code) => ({ errorCode: code, id: req.id }),
});

function echoFrame(correlationId: number, id: number, mode = 0, delayMs = 0, version = 0): Buffer {
  return requestFrame(EchoRequest, version, correlationId, { id, delayMs, mode });
}

function decodeEcho(frame: Buffer, version = 0): { correlationId: number; id: number; errorCode: number } {
  const r = new Reader(frame);
  const correlationId = r.int32();
  if (version >= 1) r.uvarint();
  const body = EchoResponse.decode(r, version);
  return { correlationId, id: body.id, errorCode: body.errorCode };
}

let ts: TestServer | undefined;
const clients: RawClient[] = [];

async function start(limits = {}, captureDir?: string): Promise<TestServer> {
  ts = await startTestServer({ handlers: [apiVersions, echo, echoWithErrors, echoAsProduce], limits, captureDir });
  return ts;
}

async function client(): Promise<RawClient> {
  const c = await RawClient.connect(ts!.port);
  clients.push(c);
  return c;
}

/** Another client is still served normally. */
async function assertServerHealthy(): Promise<void> {
  const c = await client();
  c.write(echoFrame(77, 4242));
  expect(decodeEcho(await c.nextFrame())).toEqual({ correlationId: 77, id: 4242, errorCode: 0 });
  c.destroy();
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  while (gate.length) gate.shift()!();
  for (const answer of later.values()) answer(true);
  later.clear();
  effects.length = 0;
  await ts?.stop();
  ts = undefined;
});

describe('connection - framing over a socket', () => {
  it('connection - a request written one byte at a time is answered once', async () => {
    await start();
    const c = await client();
    const f = echoFrame(5, 99);
    for (const b of f) {
      c.write(Buffer.from([b]));
      await new Promise((r) => setImmediate(r));
    }
    expect(decodeEcho(await c.nextFrame())).toEqual({ correlationId: 5, id: 99, errorCode: 0 });
    expect(await c.silentFor(50)).toBe(true);
  });

  it('connection - coalesced requests are all answered in order', async () => {
    await start();
    const c = await client();
    c.write(Buffer.concat([echoFrame(1, 10), echoFrame(2, 20, 0, 0, 1), echoFrame(3, 30)]));
    const [a, b, d] = await c.frameCount(3);
    expect(decodeEcho(a!)).toMatchObject({ correlationId: 1, id: 10 });
    expect(decodeEcho(b!, 1)).toMatchObject({ correlationId: 2, id: 20 });
    expect(decodeEcho(d!)).toMatchObject({ correlationId: 3, id: 30 });
  });
});

describe('connection - bad input closes the connection, the server lives on', () => {
  const sizeOnly = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n, 0);
    return b;
  };
  const cases: Array<[string, () => Buffer]> = [
    ['negative size', () => sizeOnly(-1)],
    ['zero size', () => sizeOnly(0)],
    ['size above socket.request.max.bytes', () => sizeOnly(64 * 1024 + 1)],
    ['size 0x7fffffff', () => sizeOnly(0x7fffffff)],
    ['TLS ClientHello', () => Buffer.from('160301020001000200030300', 'hex')],
    ['HTTP GET', () => Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
    ['garbage', () => Buffer.concat([sizeOnly(3), Buffer.from([1, 2, 3])])],
    ['unknown api key', () => requestFrame({ ...EchoRequest, apiKey: 31999 }, 0, 1, { id: 1, delayMs: 0, mode: 0 })],
    ['unsupported version of a normal API', () => echoFrame(1, 1, 0, 0, 0).fill(0, 6, 7).fill(5, 7, 8)],
    ['truncated body', () => {
      const f = echoFrame(1, 1);
      const cut = f.subarray(0, f.length - 3);
      cut.writeInt32BE(cut.length - 4, 0);
      return cut;
    }],
    ['truncated header', () => Buffer.from([0, 0, 0, 5, 0x7d, 0x01, 0, 0, 0])],
    ['array count 0x7fffffff with a 10-byte body', () => {
      const f = echoFrame(1, 1);
      const head = f.subarray(4, f.length - 4); // drop the empty array's count
      const body = Buffer.concat([head, sizeOnly(0x7fffffff), Buffer.alloc(10)]);
      return Buffer.concat([sizeOnly(body.length), body]);
    }],
    ['compact string length varint of 6 bytes', () => {
      const f = requestFrame(ApiVersionsRequest, 3, 1, { clientSoftwareName: 'a', clientSoftwareVersion: 'b' });
      const head = f.subarray(4, f.length - 5); // header v2 only: drop name, version, tags
      const body = Buffer.concat([head, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), Buffer.alloc(4)]);
      return Buffer.concat([sizeOnly(body.length), body]);
    }],
  ];

  it.each(cases)('connection - %s', async (_name, bytes) => {
    await start({ maxRequestBytes: 64 * 1024 });
    const c = await client();
    c.write(bytes());
    expect(await c.waitClosed()).toBe(true);
    expect(c.received).toBe(0);
    await assertServerHealthy();
  });

  it('connection - an oversized frame is refused before its body arrives', async () => {
    const server = await start({ maxRequestBytes: 64 * 1024 });
    const c = await client();
    const f = Buffer.alloc(4);
    f.writeInt32BE(50 * 1024 * 1024, 0);
    c.write(f); // no body follows: only the size was needed to decide
    expect(await c.waitClosed()).toBe(true);
    expect(server.seen).toHaveLength(0);
  });

  it('connection - ApiVersions v9 gets the v0-layout UNSUPPORTED_VERSION answer and stays open', async () => {
    const server = await start();
    const c = await client();
    const v9 = requestFrame(ApiVersionsRequest, 3, 41, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
    v9.writeInt16BE(9, 6);
    c.write(v9);
    const r = new Reader(await c.nextFrame());
    expect(r.int32()).toBe(41);
    const body = ApiVersionsResponse.decode(r, 0);
    expect(body.errorCode).toBe(ErrorCode.UnsupportedVersion);
    expect(body.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 3 }]);
    expect(r.remaining).toBe(0);
    c.write(requestFrame(ApiVersionsRequest, 0, 42, {}));
    const r0 = new Reader(await c.nextFrame());
    expect(r0.int32()).toBe(42);
    const ok = ApiVersionsResponse.decode(r0, 0);
    expect(ok.errorCode).toBe(0);
    expect(ok.apiKeys.map((k) => k.apiKey)).toEqual([0, 18, 32001, ERR_KEY]);
    expect(c.closed).toBe(false);
    expect(server.seen.map((s) => s.apiVersion)).toEqual([9, 0]);
  });

  it('connection - a handler throwing CloseConnection or an unhandled KafkaError closes', async () => {
    await start();
    for (const mode of [2, 3]) {
      const c = await client();
      c.write(echoFrame(1, 1, mode));
      expect(await c.waitClosed()).toBe(true);
      expect(c.received).toBe(0);
    }
    await assertServerHealthy();
  });
});

describe('connection - ordering', () => {
  it('connection - handlers completing in reverse order still answer in request order', async () => {
    await start({ maxInFlightRequests: 8 });
    const c = await client();
    const frames = [0, 1, 2, 3, 4, 5].map((i) => echoFrame(100 + i, i, 0, 150 - i * 25));
    c.write(Buffer.concat(frames));
    const out = (await c.frameCount(6)).map((f) => decodeEcho(f));
    expect(out.map((o) => o.correlationId)).toEqual([100, 101, 102, 103, 104, 105]);
    expect(out.map((o) => o.id)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('connection - with the default (Kafka) limit requests are processed one at a time', async () => {
    const server = await start();
    const c = await client();
    c.write(Buffer.concat([echoFrame(1, 1, 4), echoFrame(2, 2, 4)]));
    await sleep(100);
    expect(gate).toHaveLength(1); // the second handler has not started
    gate.shift()!();
    await sleep(50);
    expect(gate).toHaveLength(1);
    gate.shift()!();
    expect((await c.frameCount(2)).map((f) => decodeEcho(f).correlationId)).toEqual([1, 2]);
    expect(server.connections[0]!.outstanding).toBe(0);
  });

  it('connection - NO_RESPONSE writes nothing but advances the sequence', async () => {
    await start({ maxInFlightRequests: 4 });
    const c = await client();
    c.write(Buffer.concat([echoFrame(1, 1, 0, 60), echoFrame(2, 2, 1), echoFrame(3, 3, 0, 10), echoFrame(4, 4, 1)]));
    const out = (await c.frameCount(2)).map((f) => decodeEcho(f).correlationId);
    expect(out).toEqual([1, 3]);
    expect(await c.silentFor(100)).toBe(true);
    c.write(echoFrame(5, 5));
    expect(decodeEcho(await c.nextFrame()).correlationId).toBe(5);
  });
});

describe('connection - deferred answers (acks=all Produce waiting in the purgatory)', () => {
  it('connection - the next requests run while one waits; effects in request order, answers in request order', async () => {
    const server = await start();
    const c = await client();
    c.write(Buffer.concat([echoFrame(1, 1, 5), echoFrame(2, 2, 5), echoFrame(3, 3, 6), echoFrame(4, 4, 5)]));
    await waitFor(() => effects.length === 4);
    expect(effects).toEqual([1, 2, 3, 4]);
    expect(await c.silentFor(50)).toBe(true); // 1 still waits, so nothing may leave
    later.get(2)!(true);
    expect(await c.silentFor(50)).toBe(true);
    later.get(1)!(true);
    expect((await c.frameCount(3)).map((f) => decodeEcho(f).correlationId)).toEqual([1, 2, 3]);
    expect(await c.silentFor(50)).toBe(true);
    expect(server.connections[0]!.outstanding).toBe(1);
    later.get(4)!(true);
    expect(decodeEcho(await c.nextFrame()).correlationId).toBe(4);
    expect(server.connections[0]!.outstanding).toBe(0);
  });

  it('connection - a request that must still take effect (a Promise) holds the next one back', async () => {
    await start();
    const c = await client();
    c.write(Buffer.concat([echoFrame(1, 1, 5), echoFrame(2, 2, 4), echoFrame(3, 3, 6)]));
    await sleep(100);
    expect(effects).toEqual([1]);
    expect(gate).toHaveLength(1); // 2 runs (after 1 deferred), 3 waits for it
    gate.shift()!();
    await waitFor(() => effects.length === 2);
    expect(effects).toEqual([1, 3]);
    later.get(1)!(true);
    expect((await c.frameCount(3)).map((f) => decodeEcho(f).correlationId)).toEqual([1, 2, 3]);
  });

  it('connection - a later request answered with an error keeps its place behind the waiting one', async () => {
    await start();
    const c = await client();
    const errFrame = (corr: number, id: number, mode: number): Buffer => requestFrame(EchoErrRequest, 0, corr, { id, delayMs: 0, mode });
    c.write(Buffer.concat([echoFrame(1, 1, 5), errFrame(2, 2, 3), errFrame(3, 3, 0)]));
    await waitFor(() => effects.length === 3);
    expect(await c.silentFor(50)).toBe(true);
    later.get(1)!(true);
    const out = (await c.frameCount(3)).map((f) => decodeEcho(f));
    expect(out.map((o) => [o.correlationId, o.errorCode])).toEqual([
      [1, 0],
      [2, ErrorCode.NotLeaderOrFollower],
      [3, 0],
    ]);
  });

  it('connection - a later request that closes the connection drops the waiting answer; the late answer is ignored', async () => {
    const server = await start();
    const c = await client();
    c.write(Buffer.concat([echoFrame(1, 1, 5), echoFrame(2, 2, 2), echoFrame(3, 3, 6)]));
    expect(await c.waitClosed()).toBe(true);
    expect(effects).toEqual([1]); // 1 took effect; nothing after the closing request ran
    expect(c.received).toBe(0);
    later.get(1)!(true);
    await sleep(20);
    expect(server.connections[0]!.isOpen).toBe(false);
    await assertServerHealthy();
  });

  it('connection - a deferred answer that fails without an error answer closes the connection in its turn', async () => {
    await start();
    const c = await client();
    c.write(Buffer.concat([echoFrame(1, 1, 6), echoFrame(2, 2, 5), echoFrame(3, 3, 6)]));
    await waitFor(() => effects.length === 3);
    expect(decodeEcho(await c.nextFrame()).correlationId).toBe(1);
    later.get(2)!(false);
    expect(await c.waitClosed()).toBe(true);
    expect(c.received).toBe(0); // 3 is not answered after the failure
  });

  it('connection - the client going away while an answer waits: the connection closes once it is settled', async () => {
    const server = await start();
    const c = await client();
    c.write(echoFrame(1, 1, 5));
    await waitFor(() => effects.length === 1);
    c.destroy();
    await sleep(50);
    later.get(1)!(true);
    await server.connections[0]!.closed;
    await assertServerHealthy();
  });

  it('connection - deferred answers count towards maxQueuedRequests (reading pauses)', async () => {
    const server = await start({ maxQueuedRequests: 4 });
    const c = await client();
    for (let i = 0; i < 10; i++) {
      c.write(echoFrame(i, i, 5));
      await sleep(20); // separate reads, so the pause can take effect between them
    }
    await sleep(100);
    const conn = server.connections[0]!;
    expect(conn.isPaused).toBe(true);
    expect(effects.length).toBeLessThanOrEqual(4);
    const release = setInterval(() => {
      for (const [id, answer] of later) {
        later.delete(id);
        answer(true);
      }
    }, 2);
    try {
      expect((await c.frameCount(10)).map((f) => decodeEcho(f).correlationId)).toEqual([...Array(10).keys()]);
    } finally {
      clearInterval(release);
    }
    expect(effects).toEqual([...Array(10).keys()]);
  });
});

describe('connection - reused frame memory', () => {
  it('connection - a Produce frame spread over reads is assembled in pooled memory, given back once answered', async () => {
    await start();
    const c = await client();
    const big = requestFrame({ ...EchoRequest, apiKey: 0 }, 0, 1, { id: 1, delayMs: 0, mode: 0, payload: Buffer.alloc(100_000, 3) });
    c.write(big.subarray(0, 30_000));
    await sleep(20);
    c.write(big.subarray(30_000));
    await waitFor(() => later.has(1));
    expect(payloadBackings.at(-1)!.byteLength).toBe(131_072);
    const idle = framePool.idleBytes;
    later.get(1)!(true);
    expect(decodeEcho(await c.nextFrame()).correlationId).toBe(1);
    expect(framePool.idleBytes).toBe(idle + 131_072);
    // other APIs' split frames are not pooled (their bytes may be kept, e.g. group metadata)
    const other = requestFrame(EchoRequest, 0, 2, { id: 2, delayMs: 0, mode: 0, payload: Buffer.alloc(100_000, 3) });
    c.write(other.subarray(0, 30_000));
    await sleep(20);
    c.write(other.subarray(30_000));
    expect(decodeEcho(await c.nextFrame()).correlationId).toBe(2);
    expect(framePool.idleBytes).toBe(idle + 131_072);
  });
});

describe('connection - back-pressure', () => {
  it('connection - stops reading while requests are unanswered, resumes when they complete', async () => {
    const server = await start({ maxQueuedRequests: 4, maxInFlightRequests: 1 });
    const c = await client();
    const payload = Buffer.alloc(60 * 1024, 1);
    const total = 200; // ~12 MB, far more than socket buffers hold
    for (let i = 0; i < total; i++) c.write(requestFrame(EchoRequest, 0, i, { id: i, delayMs: 0, mode: 4, payload }));
    await sleep(400);
    const conn = server.connections[0]!;
    expect(conn.isPaused).toBe(true);
    expect(conn.requestsReceived).toBeLessThan(20);
    expect(gate).toHaveLength(1);
    // Release handlers as they start; everything is eventually read and answered in order.
    const release = setInterval(() => {
      while (gate.length) gate.shift()!();
    }, 2);
    try {
      const out = await c.frameCount(total, 15_000);
      expect(out.map((f) => decodeEcho(f).correlationId)).toEqual([...Array(total).keys()]);
    } finally {
      clearInterval(release);
    }
    expect(conn.requestsReceived).toBe(total);
    expect(conn.isPaused).toBe(false);
  });

  it('connection - the byte budget (unanswered request bytes + unsent response bytes) also pauses reading', async () => {
    const server = await start({ maxQueuedBytes: 256 * 1024, maxInFlightRequests: 1 });
    const c = await client();
    const payload = Buffer.alloc(100 * 1024, 1);
    for (let i = 0; i < 20; i++) c.write(requestFrame(EchoRequest, 0, i, { id: i, delayMs: 0, mode: 4, payload }));
    await sleep(300);
    const conn = server.connections[0]!;
    expect(conn.isPaused).toBe(true);
    expect(conn.requestsReceived).toBeLessThan(6);
    const release = setInterval(() => {
      while (gate.length) gate.shift()!();
    }, 2);
    try {
      expect(await c.frameCount(20, 10_000)).toHaveLength(20);
    } finally {
      clearInterval(release);
    }
  });
});

describe('connection - lifecycle', () => {
  it('connection - idle connections are closed after connections.max.idle.ms', async () => {
    await start({ idleTimeoutMs: 150 });
    const c = await client();
    c.write(echoFrame(1, 1));
    await c.nextFrame();
    const t0 = Date.now();
    expect(await c.waitClosed(2000)).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
  });

  it('connection - a request waiting in a handler keeps the connection from idling out', async () => {
    await start({ idleTimeoutMs: 100 });
    const c = await client();
    c.write(echoFrame(1, 1, 4));
    await sleep(350);
    expect(c.closed).toBe(false);
    gate.shift()!();
    expect(decodeEcho(await c.nextFrame()).id).toBe(1);
    expect(await c.waitClosed(2000)).toBe(true);
  });

  it('connection - complete requests before a FIN are answered; a partial one is dropped', async () => {
    const server = await start({ maxInFlightRequests: 4 });
    const c = await client();
    const partial = echoFrame(9, 9).subarray(0, 10);
    c.write(Buffer.concat([echoFrame(1, 1, 0, 30), echoFrame(2, 2), echoFrame(3, 3, 0, 10), partial]));
    c.socket.end();
    const out = (await c.frameCount(3)).map((f) => decodeEcho(f).correlationId);
    expect(out).toEqual([1, 2, 3]);
    expect(await c.waitClosed()).toBe(true);
    expect(server.seen).toHaveLength(3);
  });

  it('connection - capture mode writes each request frame as hex', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gregor-capture-'));
    try {
      await start({}, dir);
      const c = await client();
      const f = requestFrame(ApiVersionsRequest, 3, 7, { clientSoftwareName: 'test', clientSoftwareVersion: '1.0' });
      c.write(f);
      await c.nextFrame();
      const files = readdirSync(join(dir, 'api-versions'));
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^v3-request-.*-0\.hex$/);
      expect(readFileSync(join(dir, 'api-versions', files[0]!), 'utf8').trim()).toBe(f.subarray(4).toString('hex'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('connection - stop() closes open connections', async () => {
    const server = await start();
    const c = await client();
    c.write(echoFrame(1, 1));
    await c.nextFrame();
    expect(server.server.connectionCount).toBe(1);
    await server.stop();
    ts = undefined;
    expect(await c.waitClosed()).toBe(true);
    expect(server.server.connectionCount).toBe(0);
  });
});
