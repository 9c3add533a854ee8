/**
 * The broker's composition root (Kafka's KafkaServer): builds every component in Kafka 2.7's
 * startup order (zk-and-controller.md §3.1) and takes them down in shutdown order (§3.5).
 *
 * start():
 *  1. ZooKeeper: connect (the chroot is created if missing), createTopLevelPaths;
 *  2. cluster id from /cluster/id (created when absent);
 *  3. meta.properties of every log dir: the copies must agree, and their cluster.id must be
 *     ZooKeeper's (InconsistentClusterIdError); a configured broker.id must match theirs;
 *  4. broker id: configured, else meta.properties', else generated via /brokers/seqid (1001, ...);
 *  5. topic config overrides of the logs on disk, LogManager startup (recovery), MetadataCache;
 *  6. SocketServer bound (port 0 → the actual port), requests held until step 10;
 *  7. ReplicaManager (high watermarks restored from replication-offset-checkpoint);
 *  8. register /brokers/ids/<id> (advertised listeners, port 0 replaced by the bound port; the
 *     broker epoch is its czxid), then meta.properties written to every log dir;
 *  9. the KafkaController (every broker runs one; one wins /controller), then optional services
 *     (coordinators) via the `services` hooks;
 * 10. handlers, the DynamicConfigManager (config-change notifications under /config/changes, the
 *     existing ones processed first), then the router; requests start flowing.
 * ZooKeeper session expiry: the registration is re-created in the new session (new broker epoch).
 * stop({controlled}): optional ControlledShutdown to the controller (cluster/controlled-shutdown.ts:
 * controlled.shutdown.max.retries bounded attempts), stop the follower fetchers, stop accepting and close
 * connections, stop services, ReplicaManager (final HW checkpoint), LogManager (clean-shutdown marker),
 * the controller, then close ZooKeeper, which deletes the ephemeral registration.
 * A stop ends in bounded time in every state (ZooKeeper gone, controller or leader hung, long polls held):
 * the ZooKeeper client is given up after zookeeper.connection.timeout.ms without a connection, and every
 * step that waits on the network is bounded by that plus request.timeout.ms.
 */
import { LogEvent } from './common/log-events.js';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SystemClock, type Clock } from './common/clock.js';
import { withTimeout } from './common/deadline.js';
import { childLogger, createLogger, type Logger } from './common/logger.js';
import { ReplicaManager } from './cluster/replica-manager.js';
import { createReplicaSelector } from './cluster/replica-selector.js';
import { controlledShutdown } from './cluster/controlled-shutdown.js';
import { ReplicaFetcherManager } from './replication/fetcher-manager.js';
import { replicaFetcherConfigFromBroker } from './replication/replica-fetcher-config.js';
import { KafkaController } from './controller/controller.js';
import { TopicConfigCache } from './cluster/topic-log-config.js';
import type { BrokerConfig } from './config/broker-config.js';
import { concernsBroker, describeChange, readDynamicBrokerConfigs } from './dynamic-broker-config.js';
import { parseProperties } from './config/properties.js';
import { LogManager } from './log/log-manager.js';
import { cleanerConfigFromBroker } from './log/cleaner/cleaner-config.js';
import type { CleanerConfig } from './log/cleaner/log-cleaner.js';
import { initCompression } from './protocol/records/compression/index.js';
import { parsePartitionDirName } from './log/log-file-names.js';
import type { ClientSecurity } from './network/client.js';
import type { ConnectionInfo, RequestOutcome, RequestProcessor } from './network/connection.js';
import { SocketServer, type Listener } from './network/server.js';
import type { BrokerDeps } from './server/broker-deps.js';
import { createHandlers } from './server/handlers/index.js';
import { createGroupService } from './coordinator/group-service.js';
import { createTransactionService } from './coordinator/transaction-service.js';
import { MetadataCache } from './metadata/metadata-cache.js';
import { Purgatory, type DelayedOperation } from './purgatory/purgatory.js';
import { createRouter, type Router } from './server/router.js';
import { buildBrokerSecurity } from './security/broker-security.js';
import { AclAuthorizer } from './security/authorizer/acl-authorizer.js';
import { CredentialCache } from './security/credential-cache.js';
import { jaasFileFromEnv } from './security/jaas.js';
import { KafkaZkClient } from './zk/kafka-zk-client.js';
import { ConfigChangeWatcher } from './zk/config-change-watcher.js';
import type { BrokerInfo } from './zk/znodes.js';
import type { EndPoint } from './config/listeners.js';
import type { KafkaClient } from './client/kafka-client.js';
import type { BrokerMetrics } from './metrics/broker-metrics.js';
import { requestMetricsObserver } from './metrics/request-metrics.js';
import { CoordinationTimeline } from './web/coordination-timeline.js';
import type { HttpListener } from './web/http-listener.js';
import { teeLogger } from './web/log-tap.js';
import { createBrokerMetrics, startBrokerHttp } from './broker-observability.js';

export const META_PROPERTIES = 'meta.properties';

export const METADATA_CHANGED_KEY = 'metadata-changed';

export class InconsistentClusterIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InconsistentClusterIdError';
  }
}

export class InconsistentBrokerIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InconsistentBrokerIdError';
  }
}

/** A component started after registration and stopped before the ReplicaManager (the coordinators). */
interface BrokerService {
  readonly name: string;
  startup(): void | Promise<void>;
  shutdown(): void | Promise<void>;
}

export interface BrokerOptions {
  clock?: Clock;
  /**
   * Kafka's Exit.halt: what a fatal condition (every log dir failed) does. The CLI exits the process with the
   * code; the default stops this broker uncleanly (no controlled shutdown), for brokers embedded in a process.
   */
  halt?: (code: number) => void;
  logger?: Logger;
  /** randomness of replica placement for auto-created topics */
  random?: () => number;
  /** where KAFKA_OPTS (-Djava.security.auth.login.config=<JAAS file>) is read; default process.env */
  env?: NodeJS.ProcessEnv;
}

export interface StopOptions {
  /** send ControlledShutdown to the controller first (Kafka's controlled.shutdown.enable); default false */
  controlled?: boolean;
}

interface MetaProperties {
  brokerId: number | null;
  clusterId: string | null;
}

/** Holds requests that arrive before the router exists (bound socket, not yet processing). */
class DeferredProcessor implements RequestProcessor {
  router: Router | null = null;
  private readonly waiters: Array<() => void> = [];

  process(frame: Buffer, connection: ConnectionInfo, receivedAt: number): RequestOutcome | Promise<RequestOutcome> {
    const router = this.router;
    if (router) return router.process(frame, connection, receivedAt);
    return new Promise<void>((resolve) => this.waiters.push(resolve)).then(() =>
      this.router ? this.router.process(frame, connection, receivedAt) : { type: 'close', reason: 'broker stopping' },
    );
  }

  errorResponse(frame: Buffer, connection: ConnectionInfo, errorCode: number): Buffer[] | null {
    return this.router?.errorResponse?.(frame, connection, errorCode) ?? null;
  }

  ready(router: Router | null): void {
    this.router = router;
    for (const w of this.waiters.splice(0)) w();
  }
}

export class Broker {
  private readonly clock: Clock;
  private readonly log: Logger;
  private zk: KafkaZkClient | null = null;
  private socketServer: SocketServer | null = null;
  private logManager: LogManager | null = null;
  private _replicaManager: ReplicaManager | null = null;
  private readonly _metadataCache = new MetadataCache();
  private adminPurgatory: Purgatory<DelayedOperation> | null = null;
  private readonly processor = new DeferredProcessor();
  private services: BrokerService[] = [];
  private controller: KafkaController | null = null;
  private topicConfigs: TopicConfigCache | null = null;
  private configChangeWatcher: ConfigChangeWatcher | null = null;
  private _brokerId = -1;
  private _clusterId = '';
  private _brokerEpoch = -1;
  private registration: BrokerInfo | null = null;
  /** how this broker's clients reach the inter-broker listener (TLS / SASL) */
  private interBrokerSecurity: ClientSecurity | undefined;
  private authorizer: AclAuthorizer | null = null;
  /** the coordination timeline of the web view (null without http.listener) */
  private readonly timeline: CoordinationTimeline | null;
  private metrics: BrokerMetrics | null = null;
  private httpListener: HttpListener | null = null;
  private viewClient: KafkaClient | null = null;
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  private stopping: Promise<void> | null = null;

  /** server.properties + overrides, layered under the dynamic configs of /config/brokers (DynamicBrokerConfig) */
  private _config: BrokerConfig;

  constructor(
    config: BrokerConfig,
    private readonly opts: BrokerOptions = {},
  ) {
    this._config = config;
    this.clock = opts.clock ?? new SystemClock();
    const log = opts.logger ?? createLogger(config.brokerId >= 0 ? { brokerId: config.brokerId } : {});
    // With the web view on, its timeline reads this broker's controller/state-change records as they are logged.
    this.timeline = config.values['http.listener'] !== null ? new CoordinationTimeline() : null;
    const timeline = this.timeline;
    this.log = timeline ? teeLogger(log, (line) => timeline.offer(line)) : log;
  }

  get brokerId(): number {
    return this._brokerId;
  }
  /** The effective configuration: static, then /config/brokers/<default>, then /config/brokers/<id>. */
  get config(): BrokerConfig {
    return this._config;
  }
  get clusterId(): string {
    return this._clusterId;
  }
  get brokerEpoch(): number {
    return this._brokerEpoch;
  }
  get isController(): boolean {
    return this.controller?.isActive ?? false;
  }
  get isRunning(): boolean {
    return this.state === 'running';
  }
  /** listener name → bound port */
  get boundPorts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const b of this.socketServer?.boundListeners ?? []) out[b.listener.name] = b.port;
    return out;
  }
  /** The configuration the log cleaner runs with now (null: log.cleaner.enable=false, or not started). */
  get logCleanerConfig(): CleanerConfig | null {
    return this.logManager?.cleaner?.currentConfig ?? null;
  }

  get replicaManager(): ReplicaManager {
    if (!this._replicaManager) throw new Error('broker not started');
    return this._replicaManager;
  }
  get metadataCache(): MetadataCache {
    return this._metadataCache;
  }
  get zkClient(): KafkaZkClient {
    if (!this.zk) throw new Error('broker not started');
    return this.zk;
  }
  /** the URL of the HTTP listener (web view; `${url}metrics`), or null when http.listener is unset */
  get httpUrl(): string | null {
    return this.httpListener?.url ?? null;
  }
  /** the advertised endpoints registered in ZooKeeper */
  get advertisedEndpoints(): readonly EndPoint[] {
    return this.registration?.endpoints ?? [];
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`broker cannot start from state ${this.state}`);
    this.state = 'starting';
    try {
      await this.doStart();
      this.state = 'running';
    } catch (err) {
      this.log.error({ err }, 'broker startup failed; shutting down');
      await this.shutdownComponents();
      this.state = 'stopped';
      throw err;
    }
  }

  private async doStart(): Promise<void> {
    let config = this.config;
    let v = config.values;
    // Listener security is checked before anything connects or binds (a bad keystore stops the broker
    // here); it is built from the static configuration (dynamic listener updates are not supported).
    const credentials = new CredentialCache(childLogger(this.log, 'credential-provider'));
    const security = buildBrokerSecurity({
      config,
      credentials,
      jaasFile: jaasFileFromEnv(this.opts.env ?? process.env),
      log: childLogger(this.log, 'security'),
    });
    const zkLog = childLogger(this.log, 'zk-client');
    if (v['zookeeper.set.acl'] && security.zookeeperDigest === null) {
      throw new Error(
        'zookeeper.set.acl is true, but no ZooKeeper credentials were found: add a Client section with ' +
          'org.apache.zookeeper.server.auth.DigestLoginModule username/password to the JAAS file named by ' +
          'KAFKA_OPTS=-Djava.security.auth.login.config=<file> (gregor authenticates with ZooKeeper\'s digest scheme)',
      );
    }
    this.zk = await KafkaZkClient.connect({
      connectString: config.zookeeper.connect,
      sessionTimeoutMs: config.zookeeper.sessionTimeoutMs,
      connectionTimeoutMs: config.zookeeper.connectionTimeoutMs,
      log: zkLog,
      secureAcls: v['zookeeper.set.acl'],
      digestAuth: security.zookeeperDigest,
    });
    const zk = this.zk;
    // zstd (wasm) must be loaded before the first record policy or cleaning pass needs it.
    await initCompression();
    await zk.createTopLevelPaths();
    this._clusterId = await zk.getOrCreateClusterId();
    await credentials.load(zk);

    const meta = readMetaProperties(config.logDirs);
    if (meta.clusterId !== null && meta.clusterId !== this._clusterId) {
      throw new InconsistentClusterIdError(
        `The Cluster ID ${this._clusterId} doesn't match stored clusterId Some(${meta.clusterId}) in meta.properties. ` +
          'The broker is trying to join the wrong cluster. Configured zookeeper.connect may be wrong.',
      );
    }
    if (config.brokerId >= 0) {
      if (meta.brokerId !== null && meta.brokerId !== config.brokerId) {
        throw new InconsistentBrokerIdError(
          `Configured broker.id ${config.brokerId} doesn't match stored broker.id ${meta.brokerId} in meta.properties. ` +
            'If you moved your data, make sure your configured broker.id matches.',
        );
      }
      this._brokerId = config.brokerId;
    } else if (meta.brokerId !== null) {
      this._brokerId = meta.brokerId;
    } else {
      this._brokerId = await zk.generateBrokerId(v['reserved.broker.max.id']);
    }
    const log = this.log.child({ brokerId: this._brokerId });

    // DynamicBrokerConfig.initialize: the dynamic layers from ZooKeeper apply from the start.
    const dynamic = await readDynamicBrokerConfigs(zk, this._brokerId);
    if (dynamic.clusterDefault.size > 0 || dynamic.perBroker.size > 0) {
      try {
        this._config = config.withDynamicConfigs(dynamic);
        config = this._config;
        v = config.values;
        for (const w of config.warnings) if (w.startsWith('Dynamic config')) log.warn(w);
      } catch (err) {
        log.error({ err }, 'invalid dynamic broker configs in ZooKeeper; starting with the static configuration');
      }
    }

    // Topic configs of the logs on disk are read before the logs are opened (Kafka's getLogConfigs).
    const topicConfigs = new TopicConfigCache(config, (topic) => zk.getTopicConfig(topic));
    this.topicConfigs = topicConfigs;
    await topicConfigs.load(topicsOnDisk(config.logDirs), (topic, err) => log.warn({ err, topic }, 'invalid topic config overrides; using the defaults'));
    this.logManager = new LogManager({
      logDirs: config.logDirs,
      clock: this.clock,
      defaultConfig: topicConfigs.get('').log,
      topicConfig: (topic) => topicConfigs.get(topic).log,
      logger: childLogger(log, 'log-manager'),
      retentionCheckIntervalMs: v['log.retention.check.interval.ms'],
      recoveryPointCheckpointIntervalMs: v['log.flush.offset.checkpoint.interval.ms'],
      logStartOffsetCheckpointIntervalMs: v['log.flush.start.offset.checkpoint.interval.ms'],
      flushCheckIntervalMs: v['log.flush.scheduler.interval.ms'],
      cleaner: cleanerConfigFromBroker(config),
      producerIdExpirationMs: v['transactional.id.expiration.ms'],
      producerIdExpirationCheckIntervalMs: v['producer.id.expiration.check.interval.ms'],
      onLogDirFailure: (dir) => {
        log.error({ dir }, 'log directory failed');
        // Kafka's LogManager.handleLogDirFailure: with no log dir left the broker halts (no controlled shutdown,
        // no clean-shutdown marker); its registration goes with its session and the controller moves leadership.
        // As in Kafka (its handler thread halts, the request thread answers), the request that met the failure is
        // answered first (KAFKA_STORAGE_ERROR): the halt waits for the current turn of the event loop.
        if (this.logManager?.liveLogDirs.length === 0) {
          return void setImmediate(() => this.halt(`Shutdown broker because all log dirs in ${config.logDirs.join(', ')} have failed`));
        }
        void zk.createLogDirEventNotification(this._brokerId).catch((err: unknown) => log.error({ err }, 'posting the log dir event failed'));
      },
    });
    this.logManager.startup();

    const listeners: Listener[] = config.listeners.map((e) => {
      const listenerSecurity = security.listeners.get(e.listenerName);
      return {
        name: e.listenerName,
        securityProtocol: e.securityProtocol,
        host: e.host ?? '',
        port: e.port,
        ...(listenerSecurity ? { security: listenerSecurity } : {}),
      };
    });
    const clientSecurity = security.interBroker ? { clientSecurity: security.interBroker } : {};
    this.interBrokerSecurity = security.interBroker;
    this.socketServer = new SocketServer({
      listeners,
      processor: this.processor,
      log,
      limits: {
        maxRequestBytes: v['socket.request.max.bytes'],
        idleTimeoutMs: v['connections.max.idle.ms'],
        maxQueuedRequests: v['queued.max.requests'],
      },
    });
    const bound = await this.socketServer.start();
    log.info({ event: LogEvent.BrokerListening, ports: this.boundPorts }, 'listening');

    if (v['http.listener'] !== null) {
      this.metrics = createBrokerMetrics(zk, {
        replicas: () => this._replicaManager?.countsSnapshot() ?? null,
        controller: () => this.controller?.gauges() ?? null,
        purgatorySizes: () => ({
          Produce: this._replicaManager?.producePurgatory.delayed ?? 0,
          Fetch: this._replicaManager?.fetchPurgatory.delayed ?? 0,
          topic: this.adminPurgatory?.delayed ?? 0,
        }),
        groups: () => {
          const out: Record<string, number> = {};
          const groups = this.services.find((s): s is ReturnType<typeof createGroupService> => s.name === 'group-coordinator');
          for (const g of groups?.coordinator.handleListGroups().groups ?? []) out[g.state] = (out[g.state] ?? 0) + 1;
          return out;
        },
      });
    }
    const metrics = this.metrics;
    this._replicaManager = new ReplicaManager({
      brokerId: this._brokerId,
      logManager: this.logManager,
      metadataCache: this._metadataCache,
      topicConfigs,
      clock: this.clock,
      log,
      brokerEpoch: () => this._brokerEpoch,
      replicaLagTimeMaxMs: v['replica.lag.time.max.ms'],
      highWatermarkCheckpointIntervalMs: v['replica.high.watermark.checkpoint.interval.ms'],
      isrStore: zk,
      fetcherManager: new ReplicaFetcherManager({
        config: replicaFetcherConfigFromBroker(this._brokerId, v),
        log,
        clock: this.clock,
        ...clientSecurity,
      }),
      interBrokerListenerName: config.interBrokerListenerName,
      replicaSelector: createReplicaSelector(v['replica.selector.class']),
      ...(metrics ? { metrics } : {}),
    });
    this._replicaManager.startup();

    const endpoints: EndPoint[] = config.advertisedListeners.map((e) => ({
      ...e,
      host: e.host ?? hostname(),
      port: e.port === 0 ? (bound.find((b) => b.listener.name === e.listenerName)?.port ?? 0) : e.port,
    }));
    this.registration = { id: this._brokerId, endpoints, rack: v['broker.rack'], jmxPort: -1, features: {} };
    zk.zk.registerStateChangeHandler({
      name: 'broker-registration',
      beforeInitializingSession: async () => {
        await this.controller?.onSessionExpired();
      },
      afterInitializingSession: async () => {
        if (!this.registration) return;
        const epoch = await zk.reregisterBroker(
          this.registration,
          () => this.state === 'stopping' || this.state === 'stopped',
          (err) => log.warn({ err }, 'could not register in the new ZooKeeper session; retrying in 1 s'),
        );
        if (epoch === null) return;
        this._brokerEpoch = epoch;
        log.info({ event: LogEvent.BrokerRegistered, brokerEpoch: this._brokerEpoch, reason: 'session-expired' }, 're-registered after ZooKeeper session expiry');
        await this.controller?.onNewSession();
      },
    });
    this._brokerEpoch = await zk.registerBroker(this.registration);
    log.info(
      { event: LogEvent.BrokerRegistered, brokerEpoch: this._brokerEpoch, reason: 'startup', endpoints: endpoints.map((e) => `${e.listenerName}://${e.host}:${e.port}`) },
      'registered',
    );
    writeMetaProperties(config.logDirs, this._brokerId, this._clusterId);

    // Kafka configures the authorizer (ACL paths, change listeners, full load) before requests flow.
    if (v['authorizer.class.name'] !== '') {
      this.authorizer = new AclAuthorizer({
        zk: zk.zk,
        superUsers: v['super.users'],
        allowEveryoneIfNoAclIsFound: v['allow.everyone.if.no.acl.found'],
        log: childLogger(log, 'authorizer'),
      });
      await this.authorizer.startup();
    }
    this.adminPurgatory = new Purgatory({ name: 'topic', clock: this.clock, log });
    const self = this;
    const deps: BrokerDeps = {
      brokerId: this._brokerId,
      clusterId: this._clusterId,
      get config() {
        return self._config;
      },
      clock: this.clock,
      log,
      zk,
      metadataCache: this._metadataCache,
      logManager: this.logManager,
      partitions: this._replicaManager,
      adminPurgatory: this.adminPurgatory,
      metadataChangedKey: METADATA_CHANGED_KEY,
    };
    this.controller = new KafkaController({
      brokerId: this._brokerId,
      zkClient: zk,
      log,
      clock: this.clock,
      interBrokerListenerName: config.interBrokerListenerName,
      deleteTopicEnable: v['delete.topic.enable'],
      uncleanLeaderElectionEnable: v['unclean.leader.election.enable'],
      autoLeaderRebalanceEnable: v['auto.leader.rebalance.enable'],
      leaderImbalanceCheckIntervalSeconds: v['leader.imbalance.check.interval.seconds'],
      leaderImbalancePerBrokerPercentage: v['leader.imbalance.per.broker.percentage'],
      controllerSocketTimeoutMs: v['controller.socket.timeout.ms'],
      requestTimeoutMs: v['request.timeout.ms'],
      ...clientSecurity,
      ...(metrics ? { metrics } : {}),
    });
    await this.controller.startup();
    const serviceDeps = { config, zk, metadataCache: this._metadataCache, replicaManager: this._replicaManager, clock: this.clock };
    // Every Kafka broker runs a group coordinator; it serves the groups whose __consumer_offsets
    // partition this broker leads.
    const groups = createGroupService({ ...serviceDeps, log: childLogger(log, 'group-coordinator') });
    this.services.push(groups);
    groups.startup();
    // Kafka claims a producer-id block when it builds the transaction coordinator, at every start.
    const transactions = createTransactionService({ ...serviceDeps, ...clientSecurity, brokerId: this._brokerId, producerIdBlocks: zk, log: childLogger(log, 'transaction-coordinator') });
    this.services.push(transactions);
    await transactions.startup();
    const handlers = createHandlers(deps, {
      replicaManager: this._replicaManager,
      ...(this.opts.random ? { metadata: { random: this.opts.random } } : {}),
      groups,
      transactions,
      controller: this.controller,
    });
    // DynamicConfigManager (Kafka starts it after KafkaApis, before requests flow): topic config
    // changes posted under /config/changes reach this broker's live logs.
    this.configChangeWatcher = new ConfigChangeWatcher({
      zk,
      log: childLogger(log, 'dynamic-config-manager'),
      handlers: {
        topics: (topic) => this.applyTopicConfigChange(topic),
        brokers: (entity) => this.applyBrokerConfigChange(entity),
        users: (entity) => credentials.onUserConfigChange(zk, entity),
      },
    });
    await this.configChangeWatcher.startup();
    this.processor.ready(createRouter(handlers, { log, authorizer: this.authorizer, ...(metrics ? { onResponse: requestMetricsObserver(metrics) } : {}) }));
    if (metrics && v['http.listener'] !== null) {
      const http = await startBrokerHttp({
        listener: v['http.listener'],
        brokerId: this._brokerId,
        zk,
        zookeeperConnect: config.zookeeper.connect,
        metrics,
        timeline: this.timeline,
        endpoints,
        interBrokerListenerName: config.interBrokerListenerName,
        ...clientSecurity,
        log,
      });
      this.httpListener = http.listener;
      this.viewClient = http.client;
    }
    log.info({ event: LogEvent.BrokerStarted, clusterId: this._clusterId, ports: this.boundPorts, ...(this.httpUrl ? { http: this.httpUrl } : {}) }, 'broker started');
  }

  /**
   * Kafka's TopicConfigHandler: re-read `/config/topics/<t>` and apply it to the topic's config cache
   * (produce checks) and to every live log of the topic (segment, retention, ...). A topic not in the
   * cache is left alone: its config is read fresh when this broker gets a partition of it. Invalid
   * overrides are logged and ignored (the previous config stays).
   */
  private async applyTopicConfigChange(topic: string): Promise<void> {
    const cache = this.topicConfigs;
    if (!cache || !this.zk || !cache.has(topic)) return;
    const overrides = await this.zk.getTopicConfig(topic);
    let config;
    try {
      config = cache.set(topic, overrides);
    } catch (err) {
      this.log.warn({ err, topic, overrides }, 'invalid topic config overrides in ZooKeeper; change ignored');
      return;
    }
    const logs = (this.logManager?.allLogs ?? []).filter((l) => l.tp.topic === topic);
    for (const l of logs) l.updateConfig(config.log);
    this.log.info({ topic, overrides, logs: logs.length }, 'topic config change applied');
  }

  private halt(reason: string): void {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.log.fatal({ brokerId: this._brokerId }, reason);
    if (this.opts.halt) this.opts.halt(1);
    else void this.stop({ controlled: false });
  }

  /**
   * Kafka's BrokerConfigHandler: `/config/brokers/<default>` or this broker's `/config/brokers/<id>` changed.
   * Both layers are re-read and the whole configuration rebuilt (an invalid result is logged and ignored),
   * then applied (dynamic-broker-config.ts): topic defaults to the live logs and produce checks,
   * unclean.leader.election.enable to the controller.
   */
  private async applyBrokerConfigChange(entity: string): Promise<void> {
    const zk = this.zk;
    if (!zk || !concernsBroker(entity, this._brokerId)) return;
    const prev = this._config;
    let next: BrokerConfig;
    try {
      next = prev.withDynamicConfigs(await readDynamicBrokerConfigs(zk, this._brokerId));
    } catch (err) {
      this.log.warn({ err, entity }, 'invalid dynamic broker config in ZooKeeper; change ignored');
      return;
    }
    this._config = next;
    const change = describeChange(prev, next);
    this.topicConfigs?.reconfigure(next);
    for (const l of this.logManager?.allLogs ?? []) l.updateConfig(this.topicConfigs?.get(l.tp.topic).log ?? l.config);
    if ('unclean.leader.election.enable' in change.changed) this.controller?.setUncleanLeaderElectionEnable(next.values['unclean.leader.election.enable']);
    if (change.cleaner) {
      // As Kafka, a value written straight to ZooKeeper that the cleaner refuses is logged and not applied.
      await this.logManager?.reconfigureCleaner(cleanerConfigFromBroker(next)).catch((err: unknown) => this.log.error({ err, entity }, 'log cleaner not reconfigured'));
    }
    this.log.info({ entity, changed: change.changed }, 'dynamic broker config applied');
    if (change.atRestart.length > 0) this.log.warn({ entity, keys: change.atRestart }, 'dynamic broker configs stored; gregor applies these at the next broker start');
  }

  /** Orderly stop; idempotent. */
  stop(opts: StopOptions = {}): Promise<void> {
    this.stopping ??= this.doStop(opts);
    return this.stopping;
  }

  private async doStop(opts: StopOptions): Promise<void> {
    if (this.state === 'new' || this.state === 'stopped') {
      this.state = 'stopped';
      return;
    }
    const wasRunning = this.state === 'running';
    this.state = 'stopping';
    // Bounded stop: with ZooKeeper unreachable for zookeeper.connection.timeout.ms the client is closed, which fails
    // whatever still waits on it (controller events, coordinator writes) instead of waiting for ZooKeeper forever.
    this.zk?.zk.closeIfDisconnectedFor(this.config.zookeeper.connectionTimeoutMs);
    if (opts.controlled && wasRunning && this.config.values['controlled.shutdown.enable']) await this.controlledShutdown();
    await this.shutdownComponents();
    this.state = 'stopped';
    this.log.info({ event: LogEvent.BrokerStopped, brokerId: this._brokerId }, 'broker stopped');
  }

  private async shutdownComponents(): Promise<void> {
    // Steps that wait on peers or ZooKeeper are bounded (a stop ends in every state: see closeIfDisconnectedFor);
    // one that overruns is logged and left behind. The local-disk steps (checkpoints, flush, the clean-shutdown
    // marker) are not cut short: the marker is written only after every log is flushed.
    const v = this.config.values;
    const boundMs = this.config.zookeeper.connectionTimeoutMs + v['request.timeout.ms'];
    const step = async (what: string, fn: () => unknown, bounded = true): Promise<void> => {
      try {
        const p = Promise.resolve(fn());
        await (bounded ? withTimeout(p, boundMs, `shutdown step '${what}'`) : p);
      } catch (err) {
        this.log.error({ err, what }, 'shutdown step failed');
      }
    };
    this.processor.ready(null);
    if (this.httpListener) await step('http listener', () => this.httpListener?.stop());
    this.httpListener = null;
    if (this.viewClient) await step('web view client', () => this.viewClient?.close());
    this.viewClient = null;
    // Kafka's ReplicaManager.shutdown stops the fetchers first; no follower appends after this.
    if (this._replicaManager) await step('replica fetchers', () => this._replicaManager?.shutdownFetchers());
    if (this.configChangeWatcher) await step('dynamic config manager', () => this.configChangeWatcher?.shutdown());
    this.configChangeWatcher = null;
    if (this.socketServer) await step('socket server', () => this.socketServer?.stop());
    for (const s of [...this.services].reverse()) await step(s.name, () => s.shutdown());
    this.services = [];
    if (this._replicaManager) await step('replica manager', () => this._replicaManager?.shutdown(), false);
    if (this.adminPurgatory) await step('admin purgatory', () => this.adminPurgatory?.shutdown(), false);
    if (this.logManager) await step('log cleaner', () => this.logManager?.shutdownCleaner());
    if (this.logManager) await step('log manager', () => this.logManager?.shutdown(), false);
    if (this.controller) await step('controller', () => this.controller?.shutdown());
    this.controller = null;
    if (this.authorizer) await step('authorizer', () => this.authorizer?.shutdown());
    this.authorizer = null;
    if (this.zk) await step('zookeeper', () => this.zk?.close());
  }

  /** ControlledShutdown (key 7) to the controller until it has moved our leaderships away (bounded). */
  private async controlledShutdown(): Promise<void> {
    const v = this.config.values;
    await controlledShutdown({
      brokerId: this._brokerId,
      brokerEpoch: this._brokerEpoch,
      interBrokerListenerName: this.config.interBrokerListenerName,
      ...(this.interBrokerSecurity ? { security: this.interBrokerSecurity } : {}),
      maxRetries: v['controlled.shutdown.max.retries'],
      retryBackoffMs: v['controlled.shutdown.retry.backoff.ms'],
      socketTimeoutMs: v['controller.socket.timeout.ms'],
      requestTimeoutMs: v['request.timeout.ms'],
      zk: this.zkClient,
      metadataCache: this._metadataCache,
      log: this.log,
    });
  }
}

/** `<topic>` names of the partition directories in the log dirs. */
function topicsOnDisk(logDirs: readonly string[]): string[] {
  const topics = new Set<string>();
  for (const dir of logDirs) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const tp = parsePartitionDirName(name);
      if (tp && statSync(join(dir, name)).isDirectory()) topics.add(tp.topic);
    }
  }
  return [...topics];
}

/** The meta.properties of the log dirs that have one; they must agree. */
export function readMetaProperties(logDirs: readonly string[]): MetaProperties {
  let found: (MetaProperties & { dir: string }) | null = null;
  for (const dir of logDirs) {
    const path = join(dir, META_PROPERTIES);
    if (!existsSync(path)) continue;
    const props = parseProperties(readFileSync(path, 'utf8'));
    const version = props.get('version');
    if (version !== '0' && version !== '1') throw new Error(`${path}: unsupported meta.properties version ${version}`);
    const id = props.get('broker.id');
    const meta = { dir, brokerId: id === undefined ? null : Number(id), clusterId: props.get('cluster.id') ?? null };
    if (meta.brokerId !== null && !Number.isInteger(meta.brokerId)) throw new Error(`${path}: invalid broker.id ${id}`);
    if (found && (found.brokerId !== meta.brokerId || found.clusterId !== meta.clusterId)) {
      throw new InconsistentBrokerIdError(
        `BrokerMetadata is not consistent across log.dirs: ${found.dir} has broker.id=${found.brokerId} cluster.id=${found.clusterId}, ` +
          `${dir} has broker.id=${meta.brokerId} cluster.id=${meta.clusterId}`,
      );
    }
    found = meta;
  }
  return { brokerId: found?.brokerId ?? null, clusterId: found?.clusterId ?? null };
}

/** Kafka's BrokerMetadataCheckpoint: version=0, broker.id, cluster.id, written atomically. */
export function writeMetaProperties(logDirs: readonly string[], brokerId: number, clusterId: string): void {
  const text = `#\n#${new Date().toString()}\ncluster.id=${clusterId}\nversion=0\nbroker.id=${brokerId}\n`;
  for (const dir of logDirs) {
    const path = join(dir, META_PROPERTIES);
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
  }
}
