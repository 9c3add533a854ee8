/** Shared fixtures for the partition-layer and data-handler unit tests: real logs in a temp dir, a ManualClock. */
import { createRequestContext } from '../../../src/server/request-context.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../src/common/clock.js';
import { silentLogger } from '../../../src/common/logger.js';
import { ReplicaManager, type LeaderAndIsrPartition, type ReplicaManagerOptions } from '../../../src/cluster/replica-manager.js';
import { createReplicaSelector } from '../../../src/cluster/replica-selector.js';
import { TopicConfigCache } from '../../../src/cluster/topic-log-config.js';
import { BrokerConfig } from '../../../src/config/broker-config.js';
import { LogManager } from '../../../src/log/log-manager.js';
import { buildRecordBatch } from '../../../src/protocol/records/index.js';
import { MetadataCache, type PartitionInfo } from '../../../src/metadata/metadata-cache.js';

export const ME = 1;

export interface Kit {
  dir: string;
  clock: ManualClock;
  config: BrokerConfig;
  logManager: LogManager;
  metadataCache: MetadataCache;
  topicOverrides: Map<string, Record<string, string>>;
  rm: ReplicaManager;
  brokerEpoch: { value: number };
  /** new ReplicaManager on the same dirs (after rm.shutdown + logManager.shutdown) */
  restart(): Kit;
  close(): void;
}

export function makeKit(
  props: Record<string, string> = {},
  existingDir?: string,
  overrides = new Map<string, Record<string, string>>(),
  extra: Partial<ReplicaManagerOptions> = {},
): Kit {
  const dir = existingDir ?? mkdtempSync(join(tmpdir(), 'gregor-rm-'));
  const clock = new ManualClock(1_000_000);
  const config = BrokerConfig.parse({ 'broker.id': String(ME), 'zookeeper.connect': 'localhost:2181', 'log.dirs': dir, ...props });
  const topicConfigs = new TopicConfigCache(config, async (t) => overrides.get(t) ?? {});
  const logManager = new LogManager({ logDirs: [dir], clock, topicConfig: (t) => topicConfigs.get(t).log });
  logManager.startup();
  const metadataCache = new MetadataCache();
  const brokerEpoch = { value: 100 };
  const rm = new ReplicaManager({
    brokerId: ME,
    logManager,
    metadataCache,
    topicConfigs,
    clock,
    log: silentLogger(),
    brokerEpoch: () => brokerEpoch.value,
    replicaLagTimeMaxMs: 30_000,
    highWatermarkCheckpointIntervalMs: 5_000,
    replicaSelector: createReplicaSelector(config.values['replica.selector.class']),
    ...extra,
  });
  rm.startup();
  let closed = false;
  const kit: Kit = {
    dir,
    clock,
    config,
    logManager,
    metadataCache,
    topicOverrides: overrides,
    rm,
    brokerEpoch,
    restart() {
      rm.shutdown();
      logManager.shutdown();
      closed = true;
      return makeKit(props, dir, overrides, extra);
    },
    close() {
      if (!closed) {
        rm.shutdown();
        logManager.shutdown();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return kit;
}

export function state(topic: string, partition: number, s: Partial<LeaderAndIsrPartition> = {}): LeaderAndIsrPartition {
  return { topic, partition, controllerEpoch: 1, leader: ME, leaderEpoch: 0, isr: [ME], zkVersion: 0, replicas: [ME], isNew: true, ...s };
}

export const control = (controllerEpoch = 1, brokerEpoch = 100) => ({ controllerId: ME, controllerEpoch, brokerEpoch });

/** Live brokers and partition states in the metadata cache (what UpdateMetadata would bring). */
export function cacheBrokers(
  cache: MetadataCache,
  ids: number[],
  partitions: Array<Partial<PartitionInfo> & { topic: string; partition: number }> = [],
  racks: Readonly<Record<number, string>> = {},
): void {
  cache.update({
    controllerId: ME,
    controllerEpoch: 1,
    liveBrokers: ids.map((id) => ({ id, rack: racks[id] ?? null, endpoints: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + id, securityProtocol: 0 }] })),
    partitions: partitions.map((p) => ({ controllerEpoch: 1, leader: ME, leaderEpoch: 0, isr: [ME], zkVersion: 0, replicas: [ME], offlineReplicas: [], ...p })),
  });
}

export function batch(values: string[], opts: { keys?: boolean; timestamp?: number } = {}): Buffer {
  return buildRecordBatch(
    values.map((v, i) => ({ key: opts.keys ? Buffer.from(`k${i}`) : null, value: Buffer.from(v), timestamp: (opts.timestamp ?? 1000) + i })),
  );
}

/** A request context for calling a handler directly. */
export function ctx(
  apiVersion: number,
  clientId: string | null = 'test-client',
  opts: { apiKey?: number; authorizer?: import('../../../src/security/authorizer/acl-authorizer.js').Authorizer | null; principal?: string } = {},
): import('../../../src/server/request-context.js').RequestContext {
  const [type, ...name] = (opts.principal ?? 'User:ANONYMOUS').split(':');
  return createRequestContext({
    header: { apiKey: opts.apiKey ?? 0, apiVersion, correlationId: 1, clientId },
    connection: {
      connectionId: 'c-0',
      clientAddress: '127.0.0.1',
      clientPort: 5000,
      listenerName: 'PLAINTEXT',
      securityProtocol: 'PLAINTEXT',
      principal: { type: type!, name: name.join(':') },
    },
    receivedAt: 0,
    supportedApis: [],
    log: silentLogger(),
    authorizer: opts.authorizer ?? null,
  });
}

/** The BrokerDeps the data handlers read (no ZooKeeper; `zk` supplied by tests that need one). */
export function depsOf(kit: Kit, zk: unknown = null): import('../../../src/server/broker-deps.js').BrokerDeps {
  return {
    brokerId: ME,
    clusterId: 'test-cluster-id-000000',
    config: kit.config,
    clock: kit.clock,
    log: silentLogger(),
    zk: zk as never,
    metadataCache: kit.metadataCache,
    logManager: kit.logManager,
    partitions: kit.rm,
    adminPurgatory: null as never,
    metadataChangedKey: 'metadata-changed',
  };
}
