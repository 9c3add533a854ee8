/**
 * The socket server: listeners from Kafka's `listeners` strings, accept, per-connection
 * lifecycle, graceful stop.
 *
 * - `listeners` = `NAME://host:port[,...]` (Kafka 2.7 syntax). The security protocol of a
 *   listener comes from `listener.security.protocol.map` (default: each protocol name maps to
 *   itself). SSL and SASL_SSL listeners are TLS servers (tls.ts) and need `security.tls`;
 *   SASL_PLAINTEXT and SASL_SSL listeners need `security.authenticate`; a listener missing what
 *   its protocol needs is refused at startup with a clear error.
 * - An empty host (`PLAINTEXT://:9092`) binds every interface, as Kafka does; port 0 binds an
 *   ephemeral port and `start()` reports the actual one.
 * - Sockets are half-open capable so that requests already received when a client sends FIN are
 *   still answered (connection.ts rule 6).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { childLogger, type Logger } from '../common/logger.js';
import { Connection, type ConnectionInfo, type ConnectionLimits, type RequestProcessor } from './connection.js';
import { createTlsListener, type ListenerSecurity } from './tls.js';

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

export interface Listener {
  readonly name: string;
  readonly securityProtocol: SecurityProtocol;
  /** '' = all interfaces */
  readonly host: string;
  readonly port: number;
  /** TLS and SASL of this listener (required by every protocol but PLAINTEXT) */
  readonly security?: ListenerSecurity;
}

export interface BoundListener {
  readonly listener: Listener;
  readonly host: string;
  readonly port: number;
}

export class ListenerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ListenerConfigError';
  }
}

/** `listener.security.protocol.map` (`NAME:PROTOCOL,...`); the default maps each protocol to itself. */
export function parseSecurityProtocolMap(value?: string): Map<string, SecurityProtocol> {
  const map = new Map<string, SecurityProtocol>(SECURITY_PROTOCOLS.map((p) => [p, p]));
  if (value === undefined || value.trim() === '') return map;
  map.clear();
  for (const entry of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9_-]+):([A-Za-z_]+)$/.exec(entry);
    const proto = m?.[2]?.toUpperCase();
    if (!m || !SECURITY_PROTOCOLS.includes(proto as SecurityProtocol)) {
      throw new ListenerConfigError(`invalid listener.security.protocol.map entry "${entry}"`);
    }
    map.set(m[1]!.toUpperCase(), proto as SecurityProtocol);
  }
  return map;
}

/** Parses Kafka's `listeners` value, e.g. `PLAINTEXT://127.0.0.1:9092,INTERNAL://[::1]:9093`. */
export function parseListeners(value: string | readonly string[], protocolMap = parseSecurityProtocolMap()): Listener[] {
  const items = (typeof value === 'string' ? value.split(',') : value).map((s) => s.trim()).filter(Boolean);
  const out: Listener[] = [];
  for (const item of items) {
    const m = /^([A-Za-z0-9_-]+):\/\/(\[[0-9A-Fa-f:.]+\]|[^:/\s]*):(\d+)$/.exec(item);
    if (!m) throw new ListenerConfigError(`invalid listener "${item}": expected NAME://host:port`);
    const name = m[1]!.toUpperCase();
    const securityProtocol = protocolMap.get(name);
    if (!securityProtocol) {
      throw new ListenerConfigError(`listener ${name} has no security protocol in listener.security.protocol.map`);
    }
    const host = m[2]!.startsWith('[') ? m[2]!.slice(1, -1) : m[2]!;
    const port = Number(m[3]);
    if (port > 65535) throw new ListenerConfigError(`invalid port in listener "${item}"`);
    if (out.some((l) => l.name === name)) throw new ListenerConfigError(`duplicate listener name ${name}`);
    if (port !== 0 && out.some((l) => l.port === port)) throw new ListenerConfigError(`duplicate listener port ${port}`);
    out.push({ name, securityProtocol, host, port });
  }
  if (out.length === 0) throw new ListenerConfigError('no listeners configured');
  return out;
}

export interface ConnectionMetrics {
  connectionOpened?(listener: Listener): void;
  connectionClosed?(listener: Listener): void;
}

export interface SocketServerOptions {
  listeners: readonly Listener[];
  processor: RequestProcessor;
  log: Logger;
  /** socket.request.max.bytes, connections.max.idle.ms and the back-pressure limits */
  limits?: Partial<ConnectionLimits>;
  captureDir?: string;
  metrics?: ConnectionMetrics;
  /** called for every accepted connection (tests, instrumentation) */
  onConnection?(connection: Connection): void;
}

export class SocketServer {
  private readonly log: Logger;
  private readonly servers: Array<{ listener: Listener; server: Server }> = [];
  private readonly open = new Set<Connection>();
  private bound: BoundListener[] = [];
  private connectionIndex = 0;
  private started = false;

  constructor(private readonly opts: SocketServerOptions) {
    this.log = childLogger(opts.log, 'socket-server');
  }

  get connectionCount(): number {
    return this.open.size;
  }

  connections(): Connection[] {
    return [...this.open];
  }

  get boundListeners(): readonly BoundListener[] {
    return this.bound;
  }

  /** The actual port of a listener (after start). */
  boundPort(listenerName: string): number {
    const b = this.bound.find((x) => x.listener.name === listenerName.toUpperCase());
    if (!b) throw new Error(`listener ${listenerName} is not bound`);
    return b.port;
  }

  async start(): Promise<BoundListener[]> {
    if (this.started) throw new Error('socket server already started');
    for (const l of this.opts.listeners) {
      const tls = l.securityProtocol === 'SSL' || l.securityProtocol === 'SASL_SSL';
      const sasl = l.securityProtocol === 'SASL_PLAINTEXT' || l.securityProtocol === 'SASL_SSL';
      if (tls && !l.security?.tls) throw new ListenerConfigError(`listener ${l.name}: ${l.securityProtocol} needs TLS settings (ssl.keystore.*)`);
      if (sasl && !l.security?.authenticate) throw new ListenerConfigError(`listener ${l.name}: ${l.securityProtocol} needs SASL settings (sasl.enabled.mechanisms)`);
    }
    this.started = true;
    try {
      for (const listener of this.opts.listeners) {
        const tlsOptions = listener.securityProtocol === 'SSL' || listener.securityProtocol === 'SASL_SSL' ? listener.security?.tls : undefined;
        const server = tlsOptions
          ? createTlsListener(tlsOptions, listener.name, this.log, (s) => this.accept(listener, s))
          : createServer({ allowHalfOpen: true, noDelay: true }, (s) => this.accept(listener, s));
        this.servers.push({ listener, server });
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host: listener.host === '' ? undefined : listener.host, port: listener.port }, () => {
            server.off('error', reject);
            resolve();
          });
        });
        server.on('error', (err) => this.log.error({ err, listener: listener.name }, 'listener error'));
        const addr = server.address();
        const port = typeof addr === 'object' && addr ? addr.port : listener.port;
        this.bound.push({ listener, host: listener.host, port });
        this.log.info({ listener: listener.name, host: listener.host || '0.0.0.0', port }, 'listening');
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
    return [...this.bound];
  }

  /** Stops accepting, closes every connection (flushing for up to graceMs), then resolves. */
  async stop(graceMs = 1_000): Promise<void> {
    const closing = this.servers.map(({ server }) => new Promise<void>((resolve) => server.close(() => resolve())));
    this.servers.length = 0;
    const conns = [...this.open];
    for (const c of conns) c.close('server stopping');
    const deadline = setTimeout(() => {
      for (const c of conns) c.destroy();
    }, graceMs);
    deadline.unref();
    await Promise.all(conns.map((c) => c.closed));
    clearTimeout(deadline);
    await Promise.all(closing);
    this.bound = [];
    this.started = false;
  }

  private accept(listener: Listener, socket: Socket): void {
    if (!this.started || socket.remoteAddress === undefined) {
      socket.destroy();
      return;
    }
    const index = this.connectionIndex++;
    const connectionId = `${socket.localAddress}:${socket.localPort}-${socket.remoteAddress}:${socket.remotePort}-${index}`;
    const info: ConnectionInfo = {
      connectionId,
      clientAddress: socket.remoteAddress,
      clientPort: socket.remotePort ?? 0,
      listenerName: listener.name,
      securityProtocol: listener.securityProtocol,
    };
    const security = listener.security;
    if (security?.tlsPrincipal && (listener.securityProtocol === 'SSL' || listener.securityProtocol === 'SASL_SSL')) {
      const principal = security.tlsPrincipal(socket as TLSSocket);
      if (principal === null) {
        this.log.info({ listener: listener.name, clientAddress: info.clientAddress, clientPort: info.clientPort }, 'TLS client refused: certificate not trusted or not mapped to a principal');
        socket.destroy();
        return;
      }
      info.principal = principal;
    }
    const conn = new Connection(socket, {
      info,
      processor: security?.authenticate ? security.authenticate(info, this.opts.processor) : this.opts.processor,
      log: this.log,
      limits: this.opts.limits,
      captureDir: this.opts.captureDir,
    });
    this.open.add(conn);
    this.opts.metrics?.connectionOpened?.(listener);
    void conn.closed.then(() => {
      this.open.delete(conn);
      this.opts.metrics?.connectionClosed?.(listener);
    });
    this.opts.onConnection?.(conn);
  }
}
