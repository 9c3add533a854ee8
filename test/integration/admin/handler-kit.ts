/**
 * Test kit for the admin handlers (no ZooKeeper here, so unit tests may import it too):
 * - `callHandler` goes through bytes both ways: the request is encoded with the handler's table at
 *   the version, decoded (so version defaults apply), handled, and the response encoded at the same
 *   version; it returns the response body and our decode of it;
 * - `buildDeps` assembles a BrokerDeps from real parts: BrokerConfig, ManualClock, MetadataCache,
 *   the admin Purgatory on the manual clock, a LogManager (over the given log dirs);
 * - `publishMetadata` plays the controller's UpdateMetadata: cache update + checkAndComplete.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../src/common/clock.js';
import { silentLogger } from '../../../src/common/logger.js';
import { BrokerConfig } from '../../../src/config/broker-config.js';
import { LogManager } from '../../../src/log/log-manager.js';
import type { BrokerDeps, PartitionAccess } from '../../../src/server/broker-deps.js';
import type { Handler } from '../../../src/server/handler.js';
import { MetadataCache, type LiveBroker, type PartitionInfo } from '../../../src/metadata/metadata-cache.js';
import { Purgatory, type DelayedOperation } from '../../../src/purgatory/purgatory.js';
import { createRequestContext } from '../../../src/server/request-context.js';
import type { KafkaZkClient } from '../../../src/zk/kafka-zk-client.js';
import type { MessageSpec } from '../../../src/protocol/schema.js';
import { decode, encode } from '../../unit/protocol/messages/codec-kit.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySpec = MessageSpec<any>;
const encodeBody = (spec: AnySpec, version: number, value: unknown): Buffer => encode(spec, version, value as never);
const decodeBody = (spec: AnySpec, version: number, body: Buffer): Record<string, unknown> =>
  decode(spec, version, body) as Record<string, unknown>;

export const METADATA_CHANGED = 'metadata-changed';

export interface TestDeps extends BrokerDeps {
  readonly clock: ManualClock;
  readonly adminPurgatory: Purgatory<DelayedOperation>;
}

/** A ZooKeeper dependency for handlers that must never touch ZooKeeper: any use fails the test. */
export const ZK_NOT_USED = new Proxy({} as KafkaZkClient, {
  get: (_t, prop) => {
    throw new Error(`this handler must not use ZooKeeper (touched zk.${String(prop)})`);
  },
});

/** Refuses every call: for handlers that must not reach the partition layer. */
export const PARTITIONS_NOT_USED: PartitionAccess = {
  deleteRecords: () => Promise.reject(new Error('partition layer not used here')),
  isLeader: () => false,
};

export function buildDeps(opts: {
  zk?: KafkaZkClient;
  props?: Record<string, string>;
  partitions?: PartitionAccess;
  logDirs?: string[];
  brokerId?: number;
}): TestDeps {
  const brokerId = opts.brokerId ?? 1;
  const config = BrokerConfig.parse({ 'zookeeper.connect': 'localhost:2181', 'broker.id': String(brokerId), ...opts.props });
  const clock = new ManualClock(1_000_000);
  const log = silentLogger();
  // without logDirs the LogManager is never started, so its (uncreated) directory stays untouched
  const logDirs = opts.logDirs ?? [join(tmpdir(), `gregor-admin-${randomBytes(4).toString('hex')}`)];
  return {
    brokerId,
    clusterId: 'test-cluster-id-000000',
    config,
    clock,
    log,
    zk: opts.zk ?? ZK_NOT_USED,
    metadataCache: new MetadataCache(),
    logManager: new LogManager({ logDirs, clock, logger: log }),
    partitions: opts.partitions ?? PARTITIONS_NOT_USED,
    adminPurgatory: new Purgatory<DelayedOperation>({ name: 'admin', clock, log }),
    metadataChangedKey: METADATA_CHANGED,
  };
}

export function liveBrokers(ids: readonly number[], rack: (id: number) => string | null = () => null): LiveBroker[] {
  return ids.map((id) => ({
    id,
    rack: rack(id),
    endpoints: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 9090 + id, securityProtocol: 0 }],
  }));
}

/** Partition states with the first replica leading and every replica in sync. */
export function ledPartitions(topic: string, replicas: ReadonlyArray<readonly number[]>, firstPartition = 0): PartitionInfo[] {
  return replicas.map((r, i) => ({
    topic,
    partition: firstPartition + i,
    controllerEpoch: 1,
    leader: r[0] ?? -1,
    leaderEpoch: 0,
    isr: [...r],
    zkVersion: 1,
    replicas: [...r],
    offlineReplicas: [],
  }));
}

/** The controller's UpdateMetadata as the broker applies it: cache, then the admin purgatory. */
export function publishMetadata(deps: BrokerDeps, brokers: readonly number[], partitions: PartitionInfo[] = []): void {
  deps.metadataCache.update({ controllerId: brokers[0] ?? 1, controllerEpoch: 1, liveBrokers: liveBrokers(brokers), partitions });
  deps.adminPurgatory.checkAndComplete(deps.metadataChangedKey);
}

/** The topic removed from the cache, as the controller's leader -2 UpdateMetadata does. */
export function publishDeletion(deps: BrokerDeps, brokers: readonly number[], topic: string, count: number): void {
  const gone = Array.from({ length: count }, (_, p) => ({ ...ledPartitions(topic, [[brokers[0] ?? 1]])[0]!, partition: p, leader: -2 }));
  publishMetadata(deps, brokers, gone);
}

export interface Called {
  body: Buffer;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  response: any;
}

/** Runs `request` (an encode input of the handler's request table) at `version`, through bytes. */
export async function callHandler(handler: Handler, version: number, request: unknown): Promise<Called> {
  if (version < handler.versions.min || version > handler.versions.max) throw new Error(`v${version} is not served`);
  const decoded = decodeBody(handler.request, version, encodeBody(handler.request, version, request));
  const ctx = createRequestContext({
    header: { apiKey: handler.apiKey, apiVersion: version, correlationId: 7, clientId: 'admin-test' },
    connection: { connectionId: 'test', clientAddress: '127.0.0.1', clientPort: 1, listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT' },
    receivedAt: 0,
    supportedApis: [],
    log: silentLogger(),
  });
  const value = await handler.handle(decoded, ctx);
  const body = encodeBody(handler.response, version, value);
  return { body, response: decodeBody(handler.response, version, body) };
}
