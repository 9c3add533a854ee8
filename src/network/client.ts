/**
 * The outbound broker-to-broker connection (controller channel, follower fetchers): one socket
 * to one broker, pipelined requests matched by correlation id.
 *
 * Behaviour (after Kafka's NetworkClient / ClusterConnectionStates):
 * 1. Connects lazily on the first send (or explicitly with connect()), with a connect timeout
 *    (socket.connection.setup.timeout.ms, 10 s).
 * 2. After a failure, the next connect waits reconnect.backoff.ms · 2^(failures-1), capped at
 *    reconnect.backoff.max.ms, with ±20 % jitter; a success resets the count.
 * 3. A request not answered within its timeout (request.timeout.ms, 30 s) is rejected with
 *    RequestTimeoutError and the connection is closed, failing the other in-flight requests with
 *    NetworkError (their responses could no longer be trusted to arrive).
 * 4. A lost connection rejects its in-flight requests with NetworkError; the next send reconnects.
 * 5. A response with an unknown correlation id, or larger than maxResponseBytes, breaks the
 *    connection (ResponseProtocolError).
 * 6. Security (the inter-broker listener's, `security`): TLS from the first byte when `tls` is
 *    given (the server's certificate is verified); then `authenticate` runs (SASL) before the
 *    connection carries any request, failing the connect with AuthenticationError when refused.
 *    A session lifetime from the broker (KIP-368) schedules re-authentication on the same
 *    connection at 85–95 % of it, before a send made while nothing is in flight.
 */
import { connect as netConnect, type Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { childLogger, silentLogger, type Logger } from '../common/logger.js';
import { ProtocolError, UnsupportedVersionError } from '../protocol/errors.js';
import { decodeResponseHeader, encodeRequestHeader } from '../protocol/header.js';
import { Reader, Writer } from '../protocol/primitives.js';
import type { MessageInput, MessageSpec, MessageValue } from '../protocol/schema.js';
import { AuthenticationError, ClientClosedError, ConnectTimeoutError, NetworkError, RequestTimeoutError, ResponseProtocolError } from './errors.js';
import { framePool } from './frame-buffers.js';
import { FrameDecoder, FrameSizeError, sizePrefix } from './frame-decoder.js';
import { withDeadline } from '../common/deadline.js';
import { dialTls } from './tls.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySpec = MessageSpec<any>;

/** A request table and its response table. */
export interface ApiPair<Req extends AnySpec, Res extends AnySpec> {
  readonly request: Req;
  readonly response: Res;
}

/** Sends one request on the connection being set up (what an authenticator talks through). */
export type RequestSender = <Req extends AnySpec, Res extends AnySpec>(
  api: ApiPair<Req, Res>,
  apiVersion: number,
  value: MessageInput<Req>,
) => Promise<MessageValue<Res>>;

/** SASL on a new connection; resolves with the session lifetime the broker granted (0 = unlimited). */
export type ClientAuthenticator = (send: RequestSender) => Promise<{ sessionLifetimeMs: number }>;

/** How this client reaches a listener that is not PLAINTEXT. */
export interface ClientSecurity {
  /** tls.connect options (SSL, SASL_SSL) */
  readonly tls?: ConnectionOptions;
  /** SASL exchange (SASL_PLAINTEXT, SASL_SSL) */
  readonly authenticate?: ClientAuthenticator;
}

export interface BrokerClientOptions {
  host: string;
  port: number;
  clientId?: string | null;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  reconnectBackoffMs?: number;
  reconnectBackoffMaxMs?: number;
  /** receive.message.max.bytes analogue; default 100 MiB */
  maxResponseBytes?: number;
  log?: Logger;
  /** injected randomness for the backoff jitter (rule 10) */
  random?: () => number;
  /** TLS / SASL of the listener connected to (rule 6) */
  security?: ClientSecurity;
}

interface InFlight {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly response: AnySpec;
  readonly timer: NodeJS.Timeout;
  /** sendThen: applied to the decoded response while its frame is valid */
  readonly use: ((response: unknown) => unknown) | undefined;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

interface Conn {
  readonly socket: Socket;
  readonly decoder: FrameDecoder;
  readonly inFlight: Map<number, InFlight>;
  dead: boolean;
  /** when to re-authenticate (ms, Date.now() clock); null = never */
  reauthAt: number | null;
  reauthenticating: Promise<void> | null;
}

export class BrokerClient {
  readonly address: string;
  private readonly log: Logger;
  private readonly connectTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly backoffMs: number;
  private readonly backoffMaxMs: number;
  private readonly maxResponseBytes: number;
  private readonly random: () => number;
  private conn: Conn | null = null;
  private connecting: Promise<Conn> | null = null;
  private nextCorrelationId = 0;
  private failures = 0;
  private lastFailureAt = 0;
  private closed = false;
  private readonly sleepers = new Set<() => void>();

  constructor(private readonly opts: BrokerClientOptions) {
    this.address = `${opts.host}:${opts.port}`;
    this.log = childLogger(opts.log ?? silentLogger(), 'broker-client', { peer: this.address });
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.backoffMs = opts.reconnectBackoffMs ?? 50;
    this.backoffMaxMs = opts.reconnectBackoffMaxMs ?? 1_000;
    this.maxResponseBytes = opts.maxResponseBytes ?? 104_857_600;
    this.random = opts.random ?? Math.random;
  }

  get isConnected(): boolean {
    return this.conn !== null && !this.conn.dead;
  }

  get inFlightCount(): number {
    return this.conn?.inFlight.size ?? 0;
  }

  /** Connects now (after any backoff); resolves when the socket is up. */
  async connect(): Promise<void> {
    await this.ensureConn();
  }

  /** Sends one request and resolves with the decoded response body. */
  send<Req extends AnySpec, Res extends AnySpec>(
    api: ApiPair<Req, Res>,
    apiVersion: number,
    value: MessageInput<Req>,
    opts: { timeoutMs?: number } = {},
  ): Promise<MessageValue<Res>> {
    return this.request(api, apiVersion, value, opts, undefined) as Promise<MessageValue<Res>>;
  }

  /**
   * Sends one request, hands the decoded response to `use` and resolves with what `use` returns (rejects with what
   * it throws). The response's byte fields (records) are valid only inside `use`: a large answer is assembled in
   * reused memory (frame-buffers.ts) that is given back when `use` returns — the follower fetcher applies its
   * Fetch answers this way.
   */
  sendThen<Req extends AnySpec, Res extends AnySpec, T>(
    api: ApiPair<Req, Res>,
    apiVersion: number,
    value: MessageInput<Req>,
    use: (response: MessageValue<Res>) => T,
    opts: { timeoutMs?: number } = {},
  ): Promise<T> {
    return this.request(api, apiVersion, value, opts, use as (response: unknown) => unknown) as Promise<T>;
  }

  private async request<Req extends AnySpec, Res extends AnySpec>(
    api: ApiPair<Req, Res>,
    apiVersion: number,
    value: MessageInput<Req>,
    opts: { timeoutMs?: number },
    use: ((response: unknown) => unknown) | undefined,
  ): Promise<unknown> {
    const { request } = api;
    if (apiVersion < request.minVersion || apiVersion > request.maxVersion) {
      throw new UnsupportedVersionError(request.apiKey, apiVersion);
    }
    const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    const conn = await this.readyConn(deadline);
    return this.sendOn(conn, api, apiVersion, value, deadline, timeoutMs, use);
  }

  /** A connected, authenticated connection; re-authenticates first when its session is due (rule 6). */
  private async readyConn(deadline: number): Promise<Conn> {
    for (;;) {
      const conn = await this.ensureConn(deadline);
      if (conn.reauthenticating) {
        await conn.reauthenticating.catch(() => {});
        continue;
      }
      if (conn.reauthAt !== null && Date.now() >= conn.reauthAt && conn.inFlight.size === 0) {
        conn.reauthenticating = this.authenticate(conn).finally(() => (conn.reauthenticating = null));
        await conn.reauthenticating.catch((err: unknown) => this.drop(conn, err instanceof Error ? err : new AuthenticationError(String(err))));
        continue;
      }
      return conn;
    }
  }

  private sendOn<Req extends AnySpec, Res extends AnySpec>(
    conn: Conn,
    api: ApiPair<Req, Res>,
    apiVersion: number,
    value: MessageInput<Req>,
    deadline: number,
    timeoutMs: number,
    use?: (response: unknown) => unknown,
  ): Promise<MessageValue<Res>> {
    const { request, response } = api;
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff;
    const w = new Writer();
    encodeRequestHeader(w, { apiKey: request.apiKey, apiVersion, correlationId, clientId: this.opts.clientId ?? null }, request.isFlexible(apiVersion));
    request.encode(w, apiVersion, value);
    const chunks = w.chunksOut();
    return new Promise<MessageValue<Res>>((resolve, reject) => {
      const timer = setTimeout(() => {
        conn.inFlight.delete(correlationId);
        reject(new RequestTimeoutError(request.apiKey, apiVersion, timeoutMs));
        this.drop(conn, new NetworkError(`connection to ${this.address} closed after a request timed out`));
      }, Math.max(deadline - Date.now(), 0));
      conn.inFlight.set(correlationId, {
        apiKey: request.apiKey,
        apiVersion,
        response,
        timer,
        use,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      conn.socket.cork();
      conn.socket.write(sizePrefix(chunks));
      for (const c of chunks) conn.socket.write(c);
      conn.socket.uncork();
    });
  }

  /** Closes the connection; in-flight and later requests reject with ClientClosedError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const wake of this.sleepers) wake();
    const conn = this.conn ?? (await this.connecting?.catch(() => null)) ?? null;
    if (conn) {
      const gone = new Promise<void>((resolve) => (conn.socket.destroyed ? resolve() : conn.socket.once('close', () => resolve())));
      this.drop(conn, new ClientClosedError());
      await gone;
    }
  }

  private async ensureConn(deadline = Date.now() + this.connectTimeoutMs): Promise<Conn> {
    if (this.closed) throw new ClientClosedError();
    if (this.conn && !this.conn.dead) return this.conn;
    this.connecting ??= this.openConn().finally(() => (this.connecting = null));
    const conn = await withDeadline(this.connecting, deadline, () => new NetworkError(`no connection to ${this.address} before the request deadline`));
    if (this.closed) throw new ClientClosedError();
    return conn;
  }

  private async openConn(): Promise<Conn> {
    const wait = this.backoffRemaining();
    if (wait > 0) await this.sleep(wait);
    if (this.closed) throw new ClientClosedError();
    try {
      const socket = await this.dial();
      const inFlight = new Map<number, InFlight>();
      // answers for sendThen that span socket reads are assembled in reused memory (frame-buffers.ts)
      const decoder = new FrameDecoder(this.maxResponseBytes, (size, head) =>
        head.length >= 4 && inFlight.get(head.readInt32BE(0))?.use ? framePool.acquire(size) : null,
      );
      const conn: Conn = { socket, decoder, inFlight, dead: false, reauthAt: null, reauthenticating: null };
      socket.on('data', (chunk: Buffer) => this.onData(conn, chunk));
      socket.on('error', (err) => this.drop(conn, new NetworkError(`connection to ${this.address} failed: ${err.message}`, { cause: err })));
      socket.on('close', () => this.drop(conn, new NetworkError(`connection to ${this.address} lost`)));
      if (this.opts.security?.authenticate) {
        try {
          await this.authenticate(conn);
        } catch (err) {
          this.drop(conn, err instanceof Error ? err : new AuthenticationError(String(err)), false);
          throw err;
        }
      }
      this.failures = 0;
      this.conn = conn;
      this.log.debug('connected');
      return conn;
    } catch (err) {
      this.failures++;
      this.lastFailureAt = Date.now();
      throw err;
    }
  }

  /** Runs the SASL exchange on `conn` and schedules the next one from the granted session lifetime. */
  private async authenticate(conn: Conn): Promise<void> {
    const authenticate = this.opts.security?.authenticate;
    if (!authenticate) return;
    const send: RequestSender = (api, version, value) => {
      const deadline = Date.now() + this.requestTimeoutMs;
      return this.sendOn(conn, api, version, value, deadline, this.requestTimeoutMs);
    };
    let lifetime: number;
    try {
      ({ sessionLifetimeMs: lifetime } = await authenticate(send));
    } catch (err) {
      if (err instanceof AuthenticationError || err instanceof ClientClosedError) throw err;
      throw new AuthenticationError(`authentication with ${this.address} failed: ${(err as Error).message}`, { cause: err });
    }
    conn.reauthAt = lifetime > 0 ? Date.now() + lifetime * (0.85 + 0.1 * this.random()) : null;
  }

  private dial(): Promise<Socket> {
    const tls = this.opts.security?.tls;
    if (tls) {
      return dialTls(this.opts.host, this.opts.port, tls, this.connectTimeoutMs).catch((err: unknown) => {
        throw new NetworkError(`cannot connect to ${this.address} over TLS: ${(err as Error).message}`, { cause: err });
      });
    }
    return new Promise<Socket>((resolve, reject) => {
      const socket = netConnect({ host: this.opts.host, port: this.opts.port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ConnectTimeoutError(this.address, this.connectTimeoutMs));
      }, this.connectTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.on('error', () => {}); // the connection's own handler is attached next
        resolve(socket);
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new NetworkError(`cannot connect to ${this.address}: ${err.message}`, { cause: err }));
      });
    });
  }

  private onData(conn: Conn, chunk: Buffer): void {
    if (conn.dead) return;
    try {
      conn.decoder.push(chunk, (frame) => this.onResponse(conn, frame));
    } catch (err) {
      const msg = err instanceof FrameSizeError ? `bad response size: ${err.message}` : String(err);
      this.drop(conn, new ResponseProtocolError(msg, { cause: err }));
    }
  }

  private onResponse(conn: Conn, frame: Buffer): boolean {
    if (conn.dead) return false;
    const correlationId = frame.length >= 4 ? frame.readInt32BE(0) : -1;
    const entry = conn.inFlight.get(correlationId);
    if (!entry) {
      this.drop(conn, new ResponseProtocolError(`response with unknown correlation id ${correlationId}`));
      return false;
    }
    conn.inFlight.delete(correlationId);
    clearTimeout(entry.timer);
    let decoded: unknown;
    try {
      const r = new Reader(frame);
      decodeResponseHeader(r, entry.apiKey, entry.response.isFlexible(entry.apiVersion));
      decoded = entry.response.decode(r, entry.apiVersion);
    } catch (err) {
      framePool.release(frame);
      if (!(err instanceof ProtocolError)) throw err;
      entry.reject(new ResponseProtocolError(`undecodable ${entry.response.name} v${entry.apiVersion}: ${err.message}`, { cause: err }));
      return true;
    }
    if (!entry.use) {
      entry.resolve(decoded);
      return true;
    }
    try {
      entry.resolve(entry.use(decoded));
    } catch (err) {
      entry.reject(err instanceof Error ? err : new Error(String(err)));
    } finally {
      framePool.release(frame);
    }
    return true;
  }

  /** Marks a connection dead, destroys it, and rejects what it carried. */
  private drop(conn: Conn, err: Error, countFailure = true): void {
    if (conn.dead) return;
    conn.dead = true;
    if (this.conn === conn) this.conn = null;
    if (countFailure && !(err instanceof ClientClosedError)) {
      this.failures++;
      this.lastFailureAt = Date.now();
      this.log.debug({ err: err.message, inFlight: conn.inFlight.size }, 'connection dropped');
    }
    conn.socket.destroy();
    const pending = [...conn.inFlight.values()];
    conn.inFlight.clear();
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(err);
    }
  }

  private backoffRemaining(): number {
    if (this.failures === 0) return 0;
    const base = Math.min(this.backoffMs * 2 ** Math.min(this.failures - 1, 30), this.backoffMaxMs);
    const jittered = base * (0.8 + 0.4 * this.random());
    return Math.max(0, this.lastFailureAt + jittered - Date.now());
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}
