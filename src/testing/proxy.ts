/**
 * The harness's TCP proxies (reliability.md §6.2): loopback listeners that forward to one upstream address and put
 * every connection on a `Link` (link.ts), whose fault state decides what flows.
 *
 * - `LinkProxy.start({ target, route })`: `route(head)` names the link (and which end the connecting side is) of
 *   each new connection. With `classify: 'kafka-client-id'` the proxy first reads the connection's first Kafka
 *   request header and routes on its client id — how ONE proxy in front of a broker's inter-broker listener tells
 *   which broker is calling (fetchers use `broker-<id>-fetcher-<n>`, the controller `controller-<id>`, controlled
 *   shutdown `broker-<id>-controlled-shutdown`), so every broker pair has its own link although all brokers read
 *   the same advertised address from ZooKeeper.
 * - `target()` is asked per connection (a restarted broker may listen elsewhere); null, or a refused upstream
 *   connect, resets the client as the real address would.
 * - `observeUpstream` sees the bytes coming back (the ZooKeeper proxies read session credentials out of them).
 * Unroutable connections (e.g. a tool talking to the inter-broker listener) are forwarded untouched on no link.
 */
import net from 'node:net';
import { Link } from './link.js';

export interface Upstream {
  host: string;
  port: number;
}

export interface Route {
  link: Link;
  /** the connecting side is the link's `a` end */
  clientIsA: boolean;
}

export interface LinkProxyOptions {
  target: () => Upstream | null | Promise<Upstream | null>;
  /** the link of a new connection; `clientId` is its first request's client id with 'kafka-client-id', else null */
  route: (clientId: string | null) => Route | null;
  classify?: 'none' | 'kafka-client-id';
  observeUpstream?: (client: net.Socket, chunk: Buffer) => void;
  /**
   * Keep trying a refused upstream for this long before resetting the client (default 0). The client's connect
   * has already succeeded at the proxy, so a program that retries a refused connect but gives up on a reset one
   * (a ZooKeeper follower connecting to a leader that is still binding its port) would otherwise misbehave.
   */
  refusedRetryMs?: number;
}

/** The client id of a Kafka request frame: 'incomplete' until enough bytes arrived, null when absent/garbled. */
export function kafkaClientId(buf: Buffer): string | null | 'incomplete' {
  // size(4) apiKey(2) apiVersion(2) correlationId(4) clientId(int16 length + bytes; -1 = null)
  if (buf.length < 14) return 'incomplete';
  const len = buf.readInt16BE(12);
  if (len < 0) return null;
  if (buf.length < 14 + len) return 'incomplete';
  return buf.toString('utf8', 14, 14 + len);
}

const MAX_HEAD_BYTES = 64 * 1024;

export class LinkProxy {
  private readonly sockets = new Set<net.Socket>();
  /** connections that name no link: forwarded untouched (reset only when the proxy closes) */
  private readonly open = new Link('client', 'upstream');
  private closed = false;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    private readonly opts: LinkProxyOptions,
  ) {}

  static async start(opts: LinkProxyOptions): Promise<LinkProxy> {
    const server = net.createServer({ pauseOnConnect: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    const proxy = new LinkProxy(server, typeof addr === 'object' && addr ? addr.port : 0, opts);
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private accept(client: net.Socket): void {
    if (this.closed) return void client.destroy();
    this.sockets.add(client);
    client.once('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    client.setNoDelay(true);
    if ((this.opts.classify ?? 'none') === 'none') return void this.routed(client, Buffer.alloc(0), this.opts.route(null));
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const id = kafkaClientId(head);
      if (id === 'incomplete' && head.length < MAX_HEAD_BYTES) return;
      client.off('data', onData);
      client.pause();
      this.routed(client, head, this.opts.route(id === 'incomplete' ? null : id));
    };
    client.on('data', onData);
    client.resume();
  }

  private routed(client: net.Socket, head: Buffer, route: Route | null): void {
    const link = route?.link ?? this.open;
    if (link.isReset) return void client.resetAndDestroy();
    if (!link.canConnect) {
      // blackholed: the handshake would not complete; hold the client until the link changes or it gives up
      const cancel = link.onChange(() => {
        cancel();
        if (!client.destroyed) this.routed(client, head, route);
      });
      client.once('close', cancel);
      return;
    }
    void this.connectUpstream(client, head, link, route?.clientIsA ?? true);
  }

  private async connectUpstream(client: net.Socket, head: Buffer, link: Link, clientIsA: boolean, retryUntil?: number): Promise<void> {
    let target: Upstream | null;
    try {
      target = await this.opts.target();
    } catch {
      target = null;
    }
    if (!target || client.destroyed || this.closed) return void client.resetAndDestroy();
    const until = retryUntil ?? Date.now() + (this.opts.refusedRetryMs ?? 0);
    const upstream = net.connect({ host: target.host, port: target.port });
    upstream.setNoDelay(true);
    this.sockets.add(upstream);
    upstream.once('close', () => this.sockets.delete(upstream));
    const observe = this.opts.observeUpstream;
    if (observe) upstream.on('data', (chunk: Buffer) => observe(client, chunk));
    let connected = false;
    upstream.once('error', (err: NodeJS.ErrnoException) => {
      if (connected) return;
      if (err.code === 'ECONNREFUSED' && Date.now() < until && !client.destroyed) {
        setTimeout(() => void this.connectUpstream(client, head, link, clientIsA, until), 50);
        return;
      }
      client.resetAndDestroy(); // refused: as the real address would
    });
    upstream.once('connect', () => {
      connected = true;
      if (client.destroyed) return void upstream.destroy();
      if (head.length > 0) client.unshift(head);
      link.attach(client, upstream, clientIsA);
      client.resume();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.open.closeAll();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
