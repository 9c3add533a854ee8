/**
 * The broker's HTTP listener (`http.listener=<host>:<port>`, off when unset):
 *
 *   GET /metrics        Prometheus text (src/metrics/broker-metrics.ts)
 *   GET /               the live web view: web/index.html, web/app.js, web/app.css from the package
 *                       (plain files, no build step, nothing fetched from the network)
 *   GET /api/cluster    JSON: ZooKeeper snapshot + consumer groups with lag (cluster-view.ts)
 *   GET /api/zk?path=   JSON: one znode (data, stat, children) for the ZooKeeper browser
 *   GET /api/events     Server-Sent Events: the coordination timeline, the kept events first
 *                       (or those after Last-Event-ID), then each new one as it is logged
 *
 * Read-only: anything but GET/HEAD is 405. A handler failure answers 500 with the message, logged.
 * stop() closes the listener and ends open event streams so the broker's shutdown is not held up.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../common/logger.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { ClusterView, ZNodeView } from './cluster-view.js';
import type { CoordinationTimeline, TimelineEvent } from './coordination-timeline.js';

export interface HttpListenerDeps {
  host: string;
  port: number;
  log: Logger;
  metrics: BrokerMetrics;
  timeline: CoordinationTimeline;
  clusterView(): Promise<ClusterView>;
  zNode(path: string): Promise<ZNodeView>;
}

/** host:port of `http.listener` ("" host = all interfaces, as Kafka's listeners). */
export function parseHttpListener(value: string): { host: string; port: number } {
  const at = value.lastIndexOf(':');
  const port = Number(value.slice(at + 1));
  if (at < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`http.listener must be host:port, got "${value}"`);
  return { host: value.slice(0, at).replace(/^\[|\]$/g, ''), port };
}

export const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');
const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};
const HEARTBEAT_MS = 15_000;

export class HttpListener {
  private server: Server | null = null;
  private readonly streams = new Set<ServerResponse>();
  private _port = -1;

  constructor(private readonly deps: HttpListenerDeps) {}

  get port(): number {
    return this._port;
  }

  get url(): string {
    const host = this.deps.host === '' || this.deps.host === '0.0.0.0' ? '127.0.0.1' : this.deps.host;
    return `http://${host.includes(':') ? `[${host}]` : host}:${this._port}/`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.deps.port, this.deps.host === '' ? undefined : this.deps.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    this._port = typeof addr === 'object' && addr ? addr.port : this.deps.port;
    this.server = server;
    this.deps.log.info({ url: this.url }, 'HTTP listener started: /metrics and the web view');
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.streams) s.end();
    this.streams.clear();
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      const file = STATIC[url.pathname];
      if (file) {
        const body = await readFile(path.join(WEB_ROOT, file.file));
        res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' }).end(body);
        return;
      }
      switch (url.pathname) {
        case '/metrics': {
          const text = await this.deps.metrics.metrics();
          res.writeHead(200, { 'content-type': this.deps.metrics.contentType }).end(text);
          return;
        }
        case '/api/cluster':
          return json(res, await this.deps.clusterView());
        case '/api/zk':
          return json(res, await this.deps.zNode(url.searchParams.get('path') ?? '/'));
        case '/api/events':
          return this.events(req, res);
        default:
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }
    } catch (err) {
      this.deps.log.warn({ err, path: url.pathname }, 'HTTP request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`${err instanceof Error ? err.message : String(err)}\n`);
    }
  }

  private events(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (e: TimelineEvent) => res.write(`id: ${e.seq}\nevent: timeline\ndata: ${JSON.stringify(e)}\n\n`);
    const after = Number(req.headers['last-event-id'] ?? 0);
    for (const e of this.deps.timeline.recent(Number.isFinite(after) ? after : 0)) send(e);
    res.write(': live\n\n');
    const unsubscribe = this.deps.timeline.subscribe(send);
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    this.streams.add(res);
    const done = () => {
      clearInterval(heartbeat);
      unsubscribe();
      this.streams.delete(res);
    };
    req.on('close', done);
    res.on('close', done);
  }
}

function json(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' }).end(JSON.stringify(value));
}
