/**
 * Promise wrapper over node-zookeeper-client — with its helper modules beside it (zk-errors.ts, multi.ts,
 * session-expiry.ts, read-timeout.ts, connection-guard.ts) the ONLY code that imports the library (ARCHITECTURE decision 10).
 *
 * Behaviour (after Kafka 2.7's ZooKeeperClient, reference/zk-and-controller.md §1.2):
 * - `ZkClient.connect({connectString: 'h:p,h:p/chroot'})`: the chroot is created first (persistent, null data)
 *   through a chroot-less connection, as Kafka does; then the real session is opened. Connection has a timeout.
 * - Session events: 'connected', 'disconnected', 'expired' and 'reinitialized' (a new session after expiry).
 *   After expiry the client makes a new session by itself (like Kafka) unless `reinitializeOnExpiry: false`,
 *   then call `reinitialize()`. State-change handlers (`registerStateChangeHandler`) get Kafka's
 *   `beforeInitializingSession` / `afterInitializingSession` calls around it. Watches do not survive expiry.
 * - Reads (getData, exists, getChildren) are retried after CONNECTIONLOSS once reconnected; writes are not
 *   (a conditional write may have been applied): they throw `ConnectionLossError` and callers decide.
 * - Requests in flight when the session expires or the client closes are rejected (never left hanging).
 * - Watches are one-shot callbacks `(event) => void`; callers only enqueue work in them.
 * - Stat: `czxid`/`mzxid`/`pzxid` are JS numbers. A zxid is (ZooKeeper epoch << 32 | counter), so it stays
 *   below 2^53 until ZooKeeper's own leader epoch passes 2^21; we throw rather than lose precision.
 *   `czxid` of `/brokers/ids/<id>` is the broker epoch (KIP-380). `ephemeralOwner` is a session id: bigint
 *   (session ids use all 64 bits), 0n for persistent nodes.
 * - Secure ACLs (Kafka's zookeeper.set.acl, zk-acls.ts): every znode created gets CREATOR_ALL plus
 *   world READ (CREATOR_ALL only under the sensitive roots; `/consumers` stays open); the session
 *   authenticates with `digestAuth` (`user:password`, ZooKeeper's digest scheme), re-sent on every
 *   new session. node-zookeeper-client cannot do ZooKeeper SASL or TLS.
 * - `multi(ops)`: check/create/setData/delete. An expected version of 0 is REJECTED as a programming error:
 *   the library's Transaction turns 0 into -1 ("any version", aesthetics.md rule 7). Conditionally-updated
 *   znodes are therefore created at version ≥ 1 (e.g. create + setData(any) in the same multi). Normal
 *   failures come back as a typed result (`bad-version`, `node-exists`, `no-node`, `not-empty` + op index);
 *   connection loss / expiry throw.
 *
 * Split: typed errors and Stat conversion in zk-errors.ts, multi-op building in multi.ts, the test-only
 * session-expiry helpers in session-expiry.ts; this file keeps the session, watches and single operations.
 */
import { LogEvent } from '../common/log-events.js';
import { dropSilentConnections } from './read-timeout.js';
import { guardConnection } from './connection-guard.js';
import { EventEmitter } from 'node:events';
import zookeeper from 'node-zookeeper-client';
import type { ACL, Client, Event as LibEvent, Stat as LibStat } from 'node-zookeeper-client';
import { defaultAcls } from './zk-acls.js';
import { parseConnectString } from './connect-string.js';
import { addOpsToTransaction, checkVersion, libMode, multiOutcome, type CreateMode, type MultiResult, type RawResult, type ZkOp } from './multi.js';
import { holdReconnects, type SessionCredentials } from './session-expiry.js';
import {
  ClientClosedError,
  ConnectionLossError,
  InvalidPathError,
  mapError,
  NodeExistsError,
  NoNodeError,
  SessionExpiredError,
  sessionIdHex,
  toStat,
  ZkError,
  type ZkStat,
} from './zk-errors.js';

// Errors, stat, multi-op types and the test-only expiry helpers live in their own modules; re-exported here so
// that `ZkClient`'s callers keep one import.
export {
  BadVersionError,
  ClientClosedError,
  ConnectionLossError,
  InvalidPathError,
  NodeExistsError,
  NoNodeError,
  NoAuthError,
  NotEmptyError,
  SessionExpiredError,
  sessionIdHex,
  ZkError,
  ZkProgrammingError,
  type ZkErrorCode,
  type ZkStat,
} from './zk-errors.js';
export { zkOp, type CreateMode, type MultiFailure, type MultiResult, type ZkOp, type ZkOpResult } from './multi.js';
export { expireSession, type SessionCredentials } from './session-expiry.js';
export { parseConnectString } from './connect-string.js';

// ---------------------------------------------------------------------------------------------- watches

export type ZkWatchEventType = 'created' | 'deleted' | 'data-changed' | 'children-changed';
export interface ZkWatchEvent {
  type: ZkWatchEventType;
  path: string;
}
export type ZkWatcher = (event: ZkWatchEvent) => void;

function toWatchEvent(e: LibEvent): ZkWatchEvent {
  const E = zookeeper.Event;
  const t = e.getType();
  const type: ZkWatchEventType =
    t === E.NODE_CREATED
      ? 'created'
      : t === E.NODE_DELETED
        ? 'deleted'
        : t === E.NODE_DATA_CHANGED
          ? 'data-changed'
          : 'children-changed';
  return { type, path: e.getPath() };
}

// ---------------------------------------------------------------------------------------------- client

export interface ZkClientLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface ZkClientOptions {
  /** `host:port[,host:port...][/chroot]` (Kafka's zookeeper.connect) */
  connectString: string;
  /** Kafka's zookeeper.session.timeout.ms; default 18000 */
  sessionTimeoutMs?: number;
  /** Kafka's zookeeper.connection.timeout.ms; default = session timeout */
  connectionTimeoutMs?: number;
  /** Create a new session by itself after expiry (Kafka does). Default true. */
  reinitializeOnExpiry?: boolean;
  log?: ZkClientLogger;
  /** zookeeper.set.acl: create znodes with Kafka's secure ACLs */
  secureAcls?: boolean;
  /** `user:password` for ZooKeeper's digest authentication, sent on every session */
  digestAuth?: string | null;
}

export interface ZkStateChangeHandler {
  readonly name: string;
  beforeInitializingSession?(): void | Promise<void>;
  afterInitializingSession?(): void | Promise<void>;
}

export type ZkSessionState = 'connecting' | 'connected' | 'disconnected' | 'expired' | 'closed';

export interface ZkClientEvents {
  connected: [];
  disconnected: [];
  expired: [];
  reinitialized: [sessionId: bigint];
  closed: [];
}

const noopLog: ZkClientLogger = { info: () => {}, warn: () => {} };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Handle {
  client: Client;
  state: ZkSessionState;
  inFlight: Set<(err: Error) => void>;
}

export class ZkClient extends EventEmitter<ZkClientEvents> {
  readonly servers: string;
  readonly chroot: string;
  readonly sessionTimeoutMs: number;
  readonly connectionTimeoutMs: number;
  /** Session ids this client held before the current one (KAFKA-7165 stale-ephemeral check). */
  readonly previousSessionIds: bigint[] = [];
  private handle: Handle | undefined;
  private closed = false;
  private reinitializing: Promise<void> | undefined;
  /** the session expired again while `reinitializing` ran its handlers: it starts over */
  private expiredWhileReinitializing = false;
  private readonly stateHandlers = new Map<string, ZkStateChangeHandler>();
  private readonly log: ZkClientLogger;
  private readonly reinitializeOnExpiry: boolean;
  private abandonTimer: NodeJS.Timeout | undefined;
  private readonly secureAcls: boolean;
  private readonly digestAuth: string | null;

  private constructor(opts: ZkClientOptions) {
    super();
    const { servers, chroot } = parseConnectString(opts.connectString);
    this.servers = servers;
    this.chroot = chroot;
    this.sessionTimeoutMs = opts.sessionTimeoutMs ?? 18000;
    this.connectionTimeoutMs = opts.connectionTimeoutMs ?? this.sessionTimeoutMs;
    this.reinitializeOnExpiry = opts.reinitializeOnExpiry ?? true;
    this.log = opts.log ?? noopLog;
    this.secureAcls = opts.secureAcls ?? false;
    this.digestAuth = opts.digestAuth ?? null;
  }

  /** The ACLs a znode created at `path` (relative to the chroot) gets. */
  private aclsFor(path: string): ACL[] {
    return defaultAcls(this.secureAcls, path);
  }

  /** Connects (creating the chroot if missing) and resolves once the session is established. */
  static async connect(opts: ZkClientOptions): Promise<ZkClient> {
    const c = new ZkClient(opts);
    if (c.chroot) await c.createChroot();
    await c.openHandle();
    return c;
  }

  /** Kafka's ZooKeeperRequestLatencyMs: told the latency of every answered request (metrics). */
  onRequestLatency: ((ms: number) => void) | null = null;

  get state(): ZkSessionState {
    if (this.closed) return 'closed';
    return this.handle?.state ?? 'connecting';
  }

  /** The current session id (0n before the first connection). */
  get sessionId(): bigint {
    return this.handle ? this.handle.client.getSessionId().readBigUInt64BE(0) : 0n;
  }

  /** Id and password of the current session (what a second client needs to take it over). */
  sessionCredentials(): SessionCredentials {
    const h = this.requireHandle();
    return { sessionId: h.client.getSessionId(), sessionPassword: h.client.getSessionPassword() };
  }

  /**
   * Test/fault-injection hook for `expireSession`: until the returned function is called, the library's
   * reconnects of the current connection are refused at once, so this client cannot take its session back
   * while another connection ends it (session-expiry.ts `holdReconnects`).
   */
  holdReconnectsForTesting(): () => void {
    return holdReconnects(this.requireHandle().client);
  }

  /** Negotiated session timeout (ms). */
  negotiatedSessionTimeoutMs(): number {
    return this.requireHandle().client.getSessionTimeout();
  }

  registerStateChangeHandler(h: ZkStateChangeHandler): void {
    this.stateHandlers.set(h.name, h);
  }
  unregisterStateChangeHandler(name: string): void {
    this.stateHandlers.delete(name);
  }

  private requireHandle(): Handle {
    if (this.closed) throw new ClientClosedError();
    if (!this.handle) throw new ConnectionLossError();
    return this.handle;
  }

  private async createChroot(): Promise<void> {
    const bootstrap = await ZkClient.connect({
      connectString: this.servers,
      sessionTimeoutMs: this.sessionTimeoutMs,
      connectionTimeoutMs: this.connectionTimeoutMs,
      reinitializeOnExpiry: false,
      secureAcls: this.secureAcls,
      digestAuth: this.digestAuth,
    });
    try {
      await bootstrap.mkdirp(this.chroot);
    } finally {
      await bootstrap.close();
    }
  }

  private openHandle(): Promise<void> {
    const client = zookeeper.createClient(this.servers + this.chroot, {
      sessionTimeout: this.sessionTimeoutMs,
      spinDelay: 1000,
      retries: 0,
    });
    if (this.digestAuth !== null) client.addAuthInfo('digest', Buffer.from(this.digestAuth, 'utf8'));
    const h: Handle = { client, state: 'connecting', inFlight: new Set() };
    dropSilentConnections(client, (silentMs) =>
      this.log.warn({ silentMs, sessionId: sessionIdHex(this.sessionId) }, 'have not heard from the ZooKeeper server; reconnecting to the next one'),
    );
    // before connect(): the library binds its socket handlers when it opens each socket
    guardConnection(client, this.log, () => this.failInFlight(h, new ConnectionLossError()));
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        h.state = 'closed';
        client.close();
        reject(
          new ZkError('TIMEOUT', `could not connect to ZooKeeper at ${this.servers} in ${this.connectionTimeoutMs} ms`),
        );
      }, this.connectionTimeoutMs);
      client.on('state', (s) => {
        if (h.state === 'closed' || h.state === 'expired') return; // terminal for this handle
        const S = zookeeper.State;
        if (s === S.SYNC_CONNECTED) {
          h.state = 'connected';
          if (!settled) {
            settled = true;
            clearTimeout(timer);
            if (this.closed) {
              h.state = 'closed';
              client.close();
              reject(new ClientClosedError());
              return;
            }
            this.handle = h;
            resolve();
          }
          if (this.handle === h) this.emit('connected');
        } else if (s === S.DISCONNECTED) {
          h.state = 'disconnected';
          if (this.handle === h) this.emit('disconnected');
        } else if (s === S.EXPIRED) {
          h.state = 'expired';
          this.failInFlight(h, new SessionExpiredError());
          if (!settled) {
            settled = true;
            clearTimeout(timer);
            reject(new SessionExpiredError());
            return;
          }
          if (this.handle === h) this.onExpired();
        }
      });
      client.connect();
    });
  }

  private failInFlight(h: Handle, err: Error): void {
    const rejects = [...h.inFlight];
    h.inFlight.clear();
    for (const r of rejects) r(err);
  }

  private onExpired(): void {
    this.log.warn({ event: LogEvent.ZkSessionExpired, sessionId: sessionIdHex(this.sessionId) }, 'ZooKeeper session expired');
    this.emit('expired');
    if (this.reinitializeOnExpiry && !this.closed) {
      if (this.reinitializing) this.expiredWhileReinitializing = true;
      else this.reinitialize().catch((err: unknown) => this.log.warn({ err }, 'ZooKeeper re-initialisation failed'));
    }
  }

  /**
   * Kafka's ZooKeeperClient.reinitialize: beforeInitializingSession handlers, close the old handle, open a new
   * session (retrying every 1 s until it works or the client is closed), afterInitializingSession handlers.
   * A handler that throws is logged and the others still run (Kafka's "Uncaught error in handler"). If the new
   * session expires while the handlers run (back-to-back faults on a loaded machine), it all starts over: left
   * alone the client would keep an expired session, and the broker its lost registration, for good.
   */
  reinitialize(): Promise<void> {
    this.reinitializing ??= (async () => {
      do {
        this.expiredWhileReinitializing = false;
        await this.runHandlers('beforeInitializingSession');
        const old = this.handle;
        if (old) {
          this.previousSessionIds.push(old.client.getSessionId().readBigUInt64BE(0));
          this.handle = undefined;
          old.state = 'closed';
          this.failInFlight(old, new SessionExpiredError());
          old.client.close();
        }
        for (;;) {
          if (this.closed) throw new ClientClosedError();
          try {
            await this.openHandle();
            break;
          } catch (err) {
            this.log.warn({ err }, 'could not create a new ZooKeeper session; retrying in 1 s');
            await sleep(1000);
          }
        }
        this.log.info({ event: LogEvent.ZkSessionEstablished, sessionId: sessionIdHex(this.sessionId) }, 'new ZooKeeper session established');
        this.emit('reinitialized', this.sessionId);
        await this.runHandlers('afterInitializingSession');
      } while (this.expiredWhileReinitializing && !this.closed);
    })().finally(() => {
      this.reinitializing = undefined;
    });
    return this.reinitializing;
  }

  private async runHandlers(phase: 'beforeInitializingSession' | 'afterInitializingSession'): Promise<void> {
    for (const h of [...this.stateHandlers.values()]) {
      try {
        await h[phase]?.();
      } catch (err) {
        this.log.warn({ err, handler: h.name, phase }, 'ZooKeeper state change handler failed');
      }
    }
  }

  /** Resolves when connected; rejects when the session expires, the client closes or the timeout passes. */
  waitUntilConnected(timeoutMs = this.connectionTimeoutMs): Promise<void> {
    if (this.closed) return Promise.reject(new ClientClosedError());
    if (this.handle?.state === 'connected') return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        this.off('connected', onConnected);
        this.off('expired', onExpired);
        this.off('closed', onClosed);
      };
      const onConnected = () => {
        cleanup();
        resolve();
      };
      const onExpired = () => {
        cleanup();
        reject(new SessionExpiredError());
      };
      const onClosed = () => {
        cleanup();
        reject(new ClientClosedError());
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new ZkError('TIMEOUT', `not connected to ZooKeeper within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on('connected', onConnected);
      this.on('expired', onExpired);
      this.on('closed', onClosed);
    });
  }

  /** Runs one library call; rejects typed errors; rejected too if the session dies meanwhile. */
  private call<T>(path: string, fn: (c: Client, done: (err: unknown, value?: T) => void) => void): Promise<T> {
    let h: Handle;
    try {
      h = this.requireHandle();
    } catch (err) {
      return Promise.reject(err);
    }
    if (h.state === 'expired') return Promise.reject(new SessionExpiredError(path));
    const started = this.onRequestLatency ? performance.now() : 0;
    return new Promise<T>((resolve, reject) => {
      const onAbort = (err: Error) => reject(err);
      h.inFlight.add(onAbort);
      try {
        fn(h.client, (err, value) => {
          if (!h.inFlight.delete(onAbort)) return; // already failed by expiry/close
          this.onRequestLatency?.(performance.now() - started);
          if (err) reject(mapError(err, path));
          else resolve(value as T);
        });
      } catch (err) {
        // the library validates paths (and other arguments) synchronously, before sending anything
        h.inFlight.delete(onAbort);
        reject(new InvalidPathError(path, err instanceof Error ? err.message : String(err)));
      }
    });
  }

  /** Read helper: retries after CONNECTIONLOSS once reconnected (Kafka's retryRequestUntilConnected). */
  private async read<T>(op: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await op();
      } catch (err) {
        if (err instanceof InvalidPathError) throw new NoNodeError(err.path);
        if (!(err instanceof ConnectionLossError) || this.closed) throw err;
        await this.waitUntilConnected();
      }
    }
  }

  private wrapWatcher(watch: ZkWatcher): (e: LibEvent) => void {
    return (e) => watch(toWatchEvent(e));
  }

  // ------------------------------------------------------------------------------------------ operations

  /** Creates a znode; returns its actual path (differs for sequential nodes). `parents` = mkdirp the parent. */
  async create(
    path: string,
    data: Buffer | null = null,
    opts: { mode?: CreateMode; parents?: boolean } = {},
  ): Promise<string> {
    const mode = libMode(opts.mode ?? 'persistent');
    const acls = this.aclsFor(path);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.call<string>(path, (c, done) =>
          data === null ? c.create(path, acls, mode, done) : c.create(path, data, acls, mode, done),
        );
      } catch (err) {
        if (!(err instanceof NoNodeError) || !opts.parents || attempt >= 3) throw err;
        const parent = path.slice(0, path.lastIndexOf('/'));
        if (parent) await this.mkdirp(parent);
      }
    }
  }

  /** Creates `path` and any missing ancestors as persistent znodes with null data. */
  async mkdirp(path: string): Promise<void> {
    if (path === '/' || path === '') return;
    try {
      await this.create(path, null);
    } catch (err) {
      if (err instanceof NodeExistsError) return;
      if (!(err instanceof NoNodeError)) throw err;
      await this.mkdirp(path.slice(0, path.lastIndexOf('/')));
      try {
        await this.create(path, null);
      } catch (err2) {
        if (!(err2 instanceof NodeExistsError)) throw err2;
      }
    }
  }

  /** Data (null when the znode holds null data) and stat; throws NoNodeError. Sets a data watch if given. */
  getData(path: string, watch?: ZkWatcher): Promise<{ data: Buffer | null; stat: ZkStat }> {
    return this.read(() =>
      this.call(path, (c, done) => {
        const cb = (err: unknown, data: Buffer | null | undefined, stat: LibStat) =>
          err ? done(err) : done(null, { data: data ?? null, stat: toStat(stat) });
        if (watch) c.getData(path, this.wrapWatcher(watch), cb);
        else c.getData(path, cb);
      }),
    );
  }

  /**
   * Like getData but null when the znode is absent. With a watcher: a data watch if it exists, otherwise an
   * existence watch (fires on creation) — Kafka's registerZNodeChangeHandlerAndCheckExistence.
   */
  async tryGetData(path: string, watch?: ZkWatcher): Promise<{ data: Buffer | null; stat: ZkStat } | null> {
    for (;;) {
      try {
        return await this.getData(path, watch);
      } catch (err) {
        if (!(err instanceof NoNodeError)) throw err;
      }
      if (!watch) return null;
      const stat = await this.exists(path, watch);
      if (!stat) return null; // existence watch armed
      // created in between: read again (the exists call armed a data watch, which is harmless)
    }
  }

  /** Stat or null. With a watcher: data watch when present, existence watch when absent. */
  exists(path: string, watch?: ZkWatcher): Promise<ZkStat | null> {
    // the server answers an absent znode with a null stat; NoNodeError here can only be an invalid path
    return this.read(() =>
      this.call<ZkStat | null>(path, (c, done) => {
        const cb = (err: unknown, stat: LibStat | undefined | null) =>
          err ? done(err) : done(null, stat ? toStat(stat) : null);
        if (watch) c.exists(path, this.wrapWatcher(watch), cb);
        else c.exists(path, cb);
      }),
    ).catch((err: unknown) => {
      if (err instanceof NoNodeError) return null;
      throw err;
    });
  }

  /** Children names and the parent's stat (its cversion counts child creations and deletions); throws NoNodeError. */
  getChildrenAndStat(path: string, watch?: ZkWatcher): Promise<{ children: string[]; stat: ZkStat }> {
    return this.read(() =>
      this.call(path, (c, done) => {
        const cb = (err: unknown, children: string[], stat: LibStat) => (err ? done(err) : done(null, { children, stat: toStat(stat) }));
        if (watch) c.getChildren(path, this.wrapWatcher(watch), cb);
        else c.getChildren(path, cb);
      }),
    );
  }

  /** Children names (unsorted, as ZooKeeper returns them); throws NoNodeError. Sets a child watch if given. */
  getChildren(path: string, watch?: ZkWatcher): Promise<string[]> {
    return this.read(() =>
      this.call(path, (c, done) => {
        const cb = (err: unknown, children: string[]) => (err ? done(err) : done(null, children));
        if (watch) c.getChildren(path, this.wrapWatcher(watch), cb);
        else c.getChildren(path, cb);
      }),
    );
  }

  /** Conditional setData (version -1 = any; 0 is honoured here, unlike in multi). */
  setData(path: string, data: Buffer | null, version = -1): Promise<ZkStat> {
    return this.call(path, (c, done) =>
      c.setData(path, data, version, (err, stat) => (err ? done(err) : done(null, toStat(stat)))),
    );
  }

  /** Deletes a znode; `recursive` deletes its subtree first (any version). */
  async delete(path: string, opts: { version?: number; recursive?: boolean } = {}): Promise<void> {
    if (opts.recursive) {
      const children = await this.getChildren(path);
      for (const child of children) {
        try {
          await this.delete(`${path === '/' ? '' : path}/${child}`, { recursive: true });
        } catch (err) {
          if (!(err instanceof NoNodeError)) throw err;
        }
      }
    }
    await this.call<void>(path, (c, done) => c.remove(path, opts.version ?? -1, (err) => done(err)));
  }

  /** Atomic multi-op; see the header for the version-0 rule and the result shape. */
  async multi(ops: readonly ZkOp[]): Promise<MultiResult> {
    for (const op of ops) checkVersion(op);
    if (ops.length === 0) return { outcome: 'ok', results: [] };
    const raw = await this.call<{ err: unknown; results: RawResult[] | undefined }>('(multi)', (c, done) => {
      const tx = c.transaction();
      addOpsToTransaction(tx, ops, (path) => this.aclsFor(path));
      tx.commit((err, results: RawResult[] | undefined) => {
        // Failures of single ops come back as an error plus per-op results; pass both on.
        if (err && !Array.isArray(results)) done(err);
        else done(null, { err, results });
      });
    });
    return multiOutcome(raw.err, raw.results, ops);
  }

  /**
   * For shutdown (Kafka's broker waits forever for a lost ZooKeeper; gregor must stop in bounded time): from now on,
   * once the session has been out of the connected state for `graceMs` (now or later), the client is closed. Requests
   * waiting for the connection then fail with ClientClosedError instead of waiting for ZooKeeper to come back; the
   * session's ephemerals expire on the server as after a crash. A reconnect within the grace cancels it.
   */
  closeIfDisconnectedFor(graceMs: number): void {
    if (this.closed || this.abandonTimer) return;
    let downSince: number | null = null;
    this.abandonTimer = setInterval(() => {
      if (this.closed) return void clearInterval(this.abandonTimer);
      if (this.state === 'connected') {
        downSince = null;
        return;
      }
      downSince ??= Date.now();
      if (Date.now() - downSince < graceMs) return;
      clearInterval(this.abandonTimer);
      this.log.warn({ graceMs }, 'ZooKeeper unreachable during shutdown; closing the client without it');
      void this.close();
    }, Math.min(100, Math.max(1, graceMs)));
    this.abandonTimer.unref();
  }

  /** Closes the session (its ephemerals are deleted by the server before this resolves, when connected). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.abandonTimer);
    this.emit('closed');
    const h = this.handle;
    this.handle = undefined;
    if (!h) return void this.removeAllListeners();
    this.failInFlight(h, new ClientClosedError());
    const wasConnected = h.state === 'connected';
    h.state = 'closed';
    await new Promise<void>((resolve) => {
      if (!wasConnected) {
        h.client.close();
        resolve();
        return;
      }
      const timer = setTimeout(resolve, 3000);
      h.client.once('disconnected', () => {
        clearTimeout(timer);
        resolve();
      });
      h.client.close();
    });
    this.removeAllListeners();
  }
}
