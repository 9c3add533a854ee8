/**
 * Test helpers for the network layer: a test API table, a server on 127.0.0.1:0 with a router,
 * and a raw socket client that reads whole response frames.
 */
import { connect, type Socket } from 'node:net';
import { silentLogger } from '../../../src/common/logger.js';
import type { Connection, ConnectionLimits, RequestProcessor } from '../../../src/network/connection.js';
import { FrameDecoder } from '../../../src/network/frame-decoder.js';
import { SocketServer, parseListeners } from '../../../src/network/server.js';
import { encodeRequestHeader } from '../../../src/protocol/header.js';
import { Writer } from '../../../src/protocol/primitives.js';
import { message, t, type MessageInput, type MessageSpec } from '../../../src/protocol/schema.js';
import { createRouter, type Router } from '../../../src/server/router.js';
import type { Handler } from '../../../src/server/handler.js';

/** A private API (key 32001) used to drive the connection: v0 classic, v1 flexible. */
export const TEST_API_KEY = 32001;
export const EchoRequest = message(
  { apiKey: TEST_API_KEY, name: 'EchoRequest', versions: [0, 1], flexibleSince: 1 },
  { id: t.int32(), delayMs: t.int32(), mode: t.int8(), payload: t.bytes({ default: Buffer.alloc(0) }), tags: t.array(t.int32(), { default: [] }) },
);
export const EchoResponse = message(
  { apiKey: TEST_API_KEY, name: 'EchoResponse', versions: [0, 1], flexibleSince: 1 },
  { errorCode: t.int16(), id: t.int32() },
);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function requestFrame<S extends MessageSpec<any>>(
  spec: S,
  version: number,
  correlationId: number,
  value: MessageInput<S>,
  clientId: string | null = 'test-client',
): Buffer {
  const w = new Writer();
  encodeRequestHeader(w, { apiKey: spec.apiKey, apiVersion: version, correlationId, clientId }, spec.isFlexible(version));
  spec.encode(w, version, value);
  const body = w.toBuffer();
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

export interface TestServer {
  server: SocketServer;
  router: Router;
  port: number;
  connections: Connection[];
  seen: Array<{ apiKey: number; apiVersion: number }>;
  stop(): Promise<void>;
}

export async function startTestServer(opts: {
  handlers: Handler[];
  limits?: Partial<ConnectionLimits>;
  captureDir?: string;
  port?: number;
}): Promise<TestServer> {
  const log = silentLogger();
  const router = createRouter(opts.handlers, { log });
  const seen: TestServer['seen'] = [];
  const processor: RequestProcessor = {
    process(frame, conn, at) {
      if (frame.length >= 4) seen.push({ apiKey: frame.readInt16BE(0), apiVersion: frame.readInt16BE(2) });
      return router.process(frame, conn, at);
    },
  };
  const connections: Connection[] = [];
  const server = new SocketServer({
    listeners: parseListeners(`PLAINTEXT://127.0.0.1:${opts.port ?? 0}`),
    processor,
    log,
    limits: opts.limits,
    captureDir: opts.captureDir ?? '',
    onConnection: (c) => connections.push(c),
  });
  const [bound] = await server.start();
  return { server, router, port: bound!.port, connections, seen, stop: () => server.stop(200) };
}

/** A raw client: writes bytes, reads response frames, notices close. */
export class RawClient {
  readonly socket: Socket;
  private readonly frames: Buffer[] = [];
  private waiters: Array<() => void> = [];
  closed = false;
  private readonly decoder = new FrameDecoder(1 << 30);

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.decoder.push(chunk, (f) => {
        this.frames.push(Buffer.from(f));
      });
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  /** Wraps a connected socket (e.g. a TLS socket after its handshake). */
  static wrap(socket: Socket): RawClient {
    return new RawClient(socket);
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, noDelay: true });
      s.once('connect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  get received(): number {
    return this.frames.length;
  }

  write(b: Buffer): void {
    this.socket.write(b);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private async until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  /** The next response frame (header + body, no size prefix). */
  async nextFrame(timeoutMs = 2000): Promise<Buffer> {
    if (!(await this.until(() => this.frames.length > 0 || this.closed, timeoutMs)) || this.frames.length === 0) {
      throw new Error(this.closed ? 'connection closed before a response' : 'no response in time');
    }
    return this.frames.shift()!;
  }

  async frameCount(n: number, timeoutMs = 5000): Promise<Buffer[]> {
    await this.until(() => this.frames.length >= n || this.closed, timeoutMs);
    if (this.frames.length < n) throw new Error(`got ${this.frames.length} of ${n} responses`);
    return this.frames.splice(0, n);
  }

  /** True once the server closed the connection (within the timeout). */
  waitClosed(timeoutMs = 1500): Promise<boolean> {
    return this.until(() => this.closed, timeoutMs);
  }

  /** Bytes are still in the frame buffer but nothing more arrives (for "no response" checks). */
  async silentFor(ms: number): Promise<boolean> {
    const before = this.frames.length;
    await new Promise((r) => setTimeout(r, ms));
    return this.frames.length === before;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
