import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerClient } from '../../../src/network/client.js';
import { ClientClosedError, NetworkError, RequestTimeoutError, ResponseProtocolError } from '../../../src/network/errors.js';
import { framePool } from '../../../src/network/frame-buffers.js';
import { FrameDecoder, sizePrefix } from '../../../src/network/frame-decoder.js';
import { UnsupportedVersionError } from '../../../src/protocol/errors.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../../src/protocol/messages/api-versions.js';
import { Reader, Writer } from '../../../src/protocol/primitives.js';
import { decodeRequestHeader } from '../../../src/protocol/header.js';
import { defineHandler } from '../../../src/server/handler.js';
import { apiVersions } from '../../../src/server/handlers/api-versions.js';
import { EchoRequest, EchoResponse, sleep, startTestServer, type TestServer } from './helpers.js';

const ApiVersionsApi = { request: ApiVersionsRequest, response: ApiVersionsResponse };
const Echo = { request: EchoRequest, response: EchoResponse };
const gate: Array<() => void> = [];

const echo = defineHandler({
  request: EchoRequest,
  response: EchoResponse,
  versions: { min: 0, max: 1 },
  handle(req) {
    const reply = { errorCode: 0, id: req.id };
    if (req.mode === 4) return new Promise<typeof reply>((resolve) => gate.push(() => resolve(reply)));
    return req.delayMs > 0 ? new Promise<typeof reply>((r) => setTimeout(() => r(reply), req.delayMs)) : reply;
  },
});

const servers: TestServer[] = [];
const clients: BrokerClient[] = [];
const rawServers: Server[] = [];

async function server(port = 0, limits = {}): Promise<TestServer> {
  const s = await startTestServer({ handlers: [apiVersions, echo], port, limits });
  servers.push(s);
  return s;
}

function client(port: number, opts: Partial<ConstructorParameters<typeof BrokerClient>[0]> = {}): BrokerClient {
  const c = new BrokerClient({ host: '127.0.0.1', port, clientId: 'broker-1', requestTimeoutMs: 3000, ...opts });
  clients.push(c);
  return c;
}

afterEach(async () => {
  while (gate.length) gate.shift()!();
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  await Promise.all(rawServers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('broker client', () => {
  it('client - request/response round trip, classic and flexible', async () => {
    const s = await server();
    const c = client(s.port);
    for (const v of [0, 1, 2, 3]) {
      const res = await c.send(ApiVersionsApi, v, { clientSoftwareName: 'gregor', clientSoftwareVersion: '0.1.0' });
      expect(res.errorCode).toBe(0);
      expect(res.apiKeys.map((k) => k.apiKey)).toEqual([18, 32001]);
    }
    expect((await c.send(Echo, 1, { id: 7, delayMs: 0, mode: 0 })).id).toBe(7);
    expect(c.isConnected).toBe(true);
    expect(s.server.connectionCount).toBe(1);
  });

  it('client - pipelined requests are matched to their responses', async () => {
    const s = await server(0, { maxInFlightRequests: 32 });
    const c = client(s.port);
    const ids = [...Array(30).keys()];
    const results = await Promise.all(ids.map((id) => c.send(Echo, 0, { id, delayMs: (id * 7) % 40, mode: 0 })));
    expect(results.map((r) => r.id)).toEqual(ids);
    expect(s.server.connectionCount).toBe(1);
  });

  /** A raw server on a free port: each Echo request (correlation id, decoded body) is handed to `onRequest`. */
  async function rawEchoServer(onRequest: (sock: Socket, correlationId: number, id: number) => void): Promise<number> {
    const raw = createServer((sock) => {
      const dec = new FrameDecoder(1 << 20);
      sock.on('data', (chunk: Buffer) =>
        dec.push(chunk, (f) => {
          const r = new Reader(Buffer.from(f));
          const header = decodeRequestHeader(r, () => false);
          onRequest(sock, header.correlationId, EchoRequest.decode(r, 0).id);
        }),
      );
      sock.on('error', () => {});
    });
    rawServers.push(raw);
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    return (raw.address() as { port: number }).port;
  }

  /** An Echo answer frame (size prefix included), padded to `bytes` of frame when given. */
  function echoAnswer(correlationId: number, id: number, bytes = 0): Buffer {
    const w = new Writer();
    w.int32(correlationId);
    EchoResponse.encode(w, 0, { errorCode: 0, id });
    const head = Buffer.concat(w.chunksOut());
    const frame = bytes > head.length ? Buffer.concat([head, Buffer.alloc(bytes - head.length, 9)]) : head;
    return Buffer.concat([sizePrefix([frame]), frame]);
  }

  /** A raw server that collects `batch` requests, then answers them in reverse order. */
  function reversingServer(batch: number, corrOffset = 0): Promise<number> {
    const perSocket = new WeakMap<Socket, Array<[number, number]>>();
    return rawEchoServer((sock, correlationId, id) => {
      const pending = perSocket.get(sock) ?? [];
      perSocket.set(sock, pending);
      pending.push([correlationId, id]);
      if (pending.length < batch) return;
      for (const [corr, reqId] of pending.reverse()) sock.write(echoAnswer(corr + corrOffset, reqId));
      pending.length = 0;
    });
  }

  it('client - responses arriving out of order are matched by correlation id', async () => {
    const c = client(await reversingServer(3));
    const results = await Promise.all([1, 2, 3].map((id) => c.send(Echo, 0, { id, delayMs: 0, mode: 0 })));
    expect(results.map((r) => r.id)).toEqual([1, 2, 3]);
  });

  /** Answers each Echo with a response padded to `bytes`, written in three pieces (so the client reassembles it). */
  function bigAnswerServer(bytes: number): Promise<number> {
    return rawEchoServer((sock, correlationId, id) => {
      const whole = echoAnswer(correlationId, id, bytes);
      const third = Math.floor(whole.length / 3);
      sock.write(whole.subarray(0, third));
      setTimeout(() => sock.write(whole.subarray(third, 2 * third)), 5);
      setTimeout(() => sock.write(whole.subarray(2 * third)), 10);
    });
  }

  it('client - sendThen applies the answer while its reused memory is valid, then gives the memory back', async () => {
    const c = client(await bigAnswerServer(200_000));
    const idle = framePool.idleBytes; // this file's own pool: nothing was pooled before
    let during = -1;
    const id = await c.sendThen(Echo, 0, { id: 7, delayMs: 0, mode: 0 }, (res) => {
      during = framePool.idleBytes;
      return res.id;
    });
    expect(id).toBe(7);
    expect(during).toBe(idle); // the 256 KiB answer was out while `use` ran
    expect(framePool.idleBytes).toBe(idle + 262_144);
    // a throwing `use` rejects the request; the memory still goes back
    await expect(c.sendThen(Echo, 0, { id: 8, delayMs: 0, mode: 0 }, () => {
      throw new Error('apply failed');
    })).rejects.toThrow('apply failed');
    expect(framePool.idleBytes).toBe(idle + 262_144);
    // plain send() answers are never pooled memory
    const plain = await c.send(Echo, 0, { id: 9, delayMs: 0, mode: 0 });
    expect(plain.id).toBe(9);
    expect(framePool.idleBytes).toBe(idle + 262_144);
  });

  it('client - a response with an unknown correlation id breaks the connection', async () => {
    const c = client(await reversingServer(1, 1000));
    await expect(c.send(Echo, 0, { id: 1, delayMs: 0, mode: 0 })).rejects.toBeInstanceOf(ResponseProtocolError);
    expect(c.isConnected).toBe(false);
  });

  it('client - a request without an answer times out and drops the connection', async () => {
    const s = await server(0, { maxInFlightRequests: 4 });
    const c = client(s.port);
    const slow = c.send(Echo, 0, { id: 1, delayMs: 0, mode: 4 }, { timeoutMs: 200 });
    const other = c.send(Echo, 0, { id: 2, delayMs: 0, mode: 4 }, { timeoutMs: 5000 });
    const t0 = Date.now();
    await expect(slow).rejects.toBeInstanceOf(RequestTimeoutError);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    await expect(other).rejects.toBeInstanceOf(NetworkError);
    expect(c.isConnected).toBe(false);
    expect((await c.send(Echo, 0, { id: 3, delayMs: 0, mode: 0 })).id).toBe(3);
  });

  it('client - reconnects after the server restarts on the same port', async () => {
    const s1 = await server();
    const port = s1.port;
    const c = client(port, { reconnectBackoffMs: 20, reconnectBackoffMaxMs: 100 });
    expect((await c.send(Echo, 0, { id: 1, delayMs: 0, mode: 0 })).id).toBe(1);
    await s1.stop();
    servers.splice(servers.indexOf(s1), 1);
    await expect(c.send(Echo, 0, { id: 2, delayMs: 0, mode: 0 })).rejects.toBeInstanceOf(NetworkError);
    await server(port);
    let res: { id: number } | undefined;
    for (let i = 0; i < 20 && !res; i++) {
      res = await c.send(Echo, 0, { id: 3, delayMs: 0, mode: 0 }).catch(() => undefined);
      if (!res) await sleep(50);
    }
    expect(res?.id).toBe(3);
  });

  it('client - connection failures back off exponentially', async () => {
    const s = await server();
    const port = s.port;
    await s.stop();
    servers.length = 0;
    const c = client(port, { reconnectBackoffMs: 150, reconnectBackoffMaxMs: 1000, random: () => 0.5 });
    await expect(c.connect()).rejects.toBeInstanceOf(NetworkError);
    const t0 = Date.now();
    await expect(c.connect()).rejects.toBeInstanceOf(NetworkError); // waits ~150 ms first
    const t1 = Date.now();
    await expect(c.connect()).rejects.toBeInstanceOf(NetworkError); // then ~300 ms
    const t2 = Date.now();
    expect(t1 - t0).toBeGreaterThanOrEqual(120);
    expect(t2 - t1).toBeGreaterThanOrEqual(250);
  });

  it('client - close() rejects in-flight and later requests with ClientClosedError', async () => {
    const s = await server();
    const c = client(s.port);
    const pending = c.send(Echo, 0, { id: 1, delayMs: 0, mode: 4 });
    const rejected = expect(pending).rejects.toBeInstanceOf(ClientClosedError);
    await sleep(50);
    expect(gate).toHaveLength(1);
    await c.close();
    await rejected;
    await expect(c.send(Echo, 0, { id: 2, delayMs: 0, mode: 0 })).rejects.toBeInstanceOf(ClientClosedError);
    // The server still finishes the request it had received (Kafka processes completed
    // receives), then lets the connection go.
    gate.shift()!();
    for (let i = 0; i < 40 && s.server.connectionCount > 0; i++) await sleep(25);
    expect(s.server.connectionCount).toBe(0);
  });

  it('client - refuses versions outside the request table', async () => {
    const c = client(1);
    await expect(c.send(Echo, 5, { id: 1, delayMs: 0, mode: 0 })).rejects.toBeInstanceOf(UnsupportedVersionError);
  });
});
