/**
 * The cluster-aware client the gregor tools are built on (the part of Kafka's NetworkClient +
 * Metadata + AdminClient they need), over the project's own codec and src/network/client.ts.
 *
 * - Bootstrap: the `host:port,...` list is tried in order until one answers Metadata; after that
 *   brokers are addressed by node id, one BrokerClient (one socket) per node.
 * - Versions: on its first use each connection asks ApiVersions (v3, falling back to v0 as
 *   Kafka's clients do) and every request then goes at the highest version both the broker and
 *   our message table know (or a version the caller caps).
 * - Every call has a deadline (`timeoutMs`, default 30 s like the admin client's
 *   default.api.timeout.ms... shortened by --timeout options); a broker that does not answer in
 *   time surfaces as ClientTimeoutError with Kafka's wording ("Timed out waiting for a node
 *   assignment. Call: <call>") so the tools print one clear line.
 */
import { BrokerClient, type ApiPair, type AnySpec, type ClientSecurity } from '../network/client.js';
import { AuthenticationError } from '../network/errors.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { UnsupportedVersionError } from '../protocol/errors.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../protocol/messages/api-versions.js';
import { FindCoordinatorRequest, FindCoordinatorResponse } from '../protocol/messages/find-coordinator.js';
import { MetadataRequest, MetadataResponse } from '../protocol/messages/metadata.js';
import type { MessageInput, MessageValue } from '../protocol/schema.js';
import { ApiError, ClientTimeoutError } from './errors.js';

export interface KafkaClientOptions {
  /** `host:port[,host:port...]` */
  bootstrapServers: string;
  clientId?: string;
  /** deadline of each call (connect + request + retries); default 30 s */
  timeoutMs?: number;
  /** TLS / SASL of the listener it talks to */
  security?: ClientSecurity;
}

export interface NodeInfo {
  id: number;
  host: string;
  port: number;
  rack: string | null;
}

export type MetadataTopic = MessageValue<typeof MetadataResponse>['topics'][number];

export interface ClusterMetadata {
  clusterId: string | null;
  controllerId: number;
  brokers: NodeInfo[];
  topics: MetadataTopic[];
}

/** A request target: a node id, any live node, or the controller. */
export type Target = number | 'any' | 'controller';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function parseHostPort(s: string): { host: string; port: number } {
  const at = s.lastIndexOf(':');
  const host = at > 0 ? s.slice(0, at).replace(/^\[|\]$/g, '') : s;
  const port = at > 0 ? Number(s.slice(at + 1)) : 9092;
  if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`Invalid url in bootstrap.servers: ${s}`);
  return { host, port };
}

interface Conn {
  client: BrokerClient;
  versions: Map<number, { min: number; max: number }> | null;
}

export class KafkaClient {
  readonly timeoutMs: number;
  private readonly clientId: string;
  private readonly bootstrap: Array<{ host: string; port: number }>;
  private readonly byAddress = new Map<string, Conn>();
  private nodes = new Map<number, NodeInfo>();
  private controllerId = -1;
  private closed = false;

  private readonly security: ClientSecurity | undefined;

  constructor(opts: KafkaClientOptions) {
    this.security = opts.security;
    this.clientId = opts.clientId ?? 'gregor-tools';
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.bootstrap = opts.bootstrapServers
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map(parseHostPort);
    if (this.bootstrap.length === 0) throw new Error('No resolvable bootstrap urls given in bootstrap.servers');
  }

  /** Node ids of the last metadata, sorted. */
  get brokers(): NodeInfo[] {
    return [...this.nodes.values()].sort((a, b) => a.id - b.id);
  }

  node(id: number): NodeInfo | undefined {
    return this.nodes.get(id);
  }

  /**
   * Metadata for `topics` (null = all), from any node; updates the node table and controller id.
   * `call` names the operation in a timeout message.
   */
  async metadata(topics: readonly string[] | null, call = 'fetchMetadata', allowAutoTopicCreation = false): Promise<ClusterMetadata> {
    const res = await this.send({ request: MetadataRequest, response: MetadataResponse }, 'any', {
      topics: topics === null ? null : topics.map((name) => ({ name })),
      allowAutoTopicCreation,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    }, { call });
    this.nodes = new Map(res.brokers.map((b) => [b.nodeId, { id: b.nodeId, host: b.host, port: b.port, rack: b.rack ?? null }]));
    this.controllerId = res.controllerId;
    return { clusterId: res.clusterId ?? null, controllerId: res.controllerId, brokers: this.brokers, topics: res.topics };
  }

  /** The coordinator node of a group (FindCoordinator key type 0), retried while it is loading. */
  async findCoordinator(group: string, call = 'findCoordinator'): Promise<number> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const res = await this.send({ request: FindCoordinatorRequest, response: FindCoordinatorResponse }, 'any', { key: group, keyType: 0 }, { call });
      if (res.errorCode === ErrorCode.None) {
        this.nodes.set(res.nodeId, { id: res.nodeId, host: res.host, port: res.port, rack: null });
        return res.nodeId;
      }
      const err = new ApiError(res.errorCode, res.errorMessage);
      if (!err.retriable || Date.now() > deadline) throw err;
      await sleep(200);
    }
  }

  /**
   * Sends one request to `target` at the highest version both sides know (capped by `maxVersion`).
   * Connection failures are retried against the next candidate node until the deadline.
   */
  async send<Req extends AnySpec, Res extends AnySpec>(
    api: ApiPair<Req, Res>,
    target: Target,
    value: MessageInput<Req>,
    opts: { maxVersion?: number; minVersion?: number; call?: string; timeoutMs?: number } = {},
  ): Promise<MessageValue<Res>> {
    const deadline = Date.now() + (opts.timeoutMs ?? this.timeoutMs);
    const call = opts.call ?? api.request.name.replace(/Request$/, '');
    let lastError: unknown = null;
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new Error('client closed');
      const left = deadline - Date.now();
      if (left <= 0) break;
      let address: { host: string; port: number } | undefined;
      if (typeof target === 'number') address = this.nodes.get(target);
      else if (target === 'controller') {
        if (this.controllerId < 0 || attempt > 0) await this.metadata([], call).catch((e: unknown) => (lastError = e));
        address = this.nodes.get(this.controllerId);
      } else {
        const candidates = this.nodes.size > 0 ? [...this.nodes.values(), ...this.bootstrap] : this.bootstrap;
        address = candidates[attempt % candidates.length];
      }
      if (!address) {
        if (typeof target === 'number') throw new Error(`Unknown broker id ${target}`);
        await sleep(Math.min(100, left));
        continue;
      }
      try {
        const conn = await this.connection(address, left);
        const version = this.pickVersion(conn, api.request, opts.maxVersion, opts.minVersion);
        return await conn.client.send(api, version, value, { timeoutMs: Math.max(deadline - Date.now(), 1) });
      } catch (err) {
        // a refused authentication is final, as Kafka's AuthenticationException: no other node would accept it either
        if (err instanceof UnsupportedVersionError || err instanceof ApiError || err instanceof AuthenticationError) throw err;
        lastError = err;
        if (typeof target === 'number' && Date.now() < deadline) await sleep(Math.min(200, Math.max(deadline - Date.now(), 0)));
      }
    }
    const why = lastError instanceof Error ? ` (${lastError.message})` : '';
    throw new ClientTimeoutError(`Timed out waiting for a node assignment. Call: ${call}${process.env.GREGOR_DEBUG ? why : ''}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.byAddress.values()].map((c) => c.client.close()));
    this.byAddress.clear();
  }

  private pickVersion(conn: Conn, request: AnySpec, cap?: number, floor?: number): number {
    const ours = { min: request.minVersion, max: Math.min(request.maxVersion, cap ?? Infinity) };
    const theirs = conn.versions?.get(request.apiKey);
    if (!theirs) throw new UnsupportedVersionError(request.apiKey, ours.max);
    const v = Math.min(ours.max, theirs.max);
    if (v < Math.max(ours.min, theirs.min, floor ?? 0)) throw new UnsupportedVersionError(request.apiKey, v);
    return v;
  }

  private async connection(address: { host: string; port: number }, timeoutMs: number): Promise<Conn> {
    const key = `${address.host}:${address.port}`;
    let conn = this.byAddress.get(key);
    if (!conn) {
      conn = {
        client: new BrokerClient({
          host: address.host,
          port: address.port,
          clientId: this.clientId,
          connectTimeoutMs: Math.min(timeoutMs, 10_000),
          requestTimeoutMs: timeoutMs,
          reconnectBackoffMs: 50,
          reconnectBackoffMaxMs: 1000,
          ...(this.security ? { security: this.security } : {}),
        }),
        versions: null,
      };
      this.byAddress.set(key, conn);
    }
    if (conn.versions === null) {
      const api = { request: ApiVersionsRequest, response: ApiVersionsResponse };
      let res = await conn.client.send(api, 3, { clientSoftwareName: 'gregor-tools', clientSoftwareVersion: '0.1.0' }, { timeoutMs });
      if (res.errorCode === ErrorCode.UnsupportedVersion) res = await conn.client.send(api, 0, {}, { timeoutMs });
      if (res.errorCode !== ErrorCode.None) throw new ApiError(res.errorCode);
      conn.versions = new Map(res.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]));
    }
    return conn;
  }
}
