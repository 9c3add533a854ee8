/**
 * The typed broker configuration: `server.properties` (plus `--override key=value`) → a validated
 * object with Kafka 2.7's names and defaults, and the resolved values Kafka derives from them.
 *
 * Behaviour (KafkaConfig.scala 2.7):
 * - `values['<kafka.name>']` holds every key of broker-config-keys.ts, typed; `get(name)` gives the
 *   canonical string DescribeConfigs shows.
 * - Unit precedence: log.retention.ms > .minutes > .hours (a negative result means -1, forever);
 *   log.roll.ms > log.roll.hours; log.roll.jitter.ms > .hours; log.flush.interval.ms >
 *   log.flush.scheduler.interval.ms; log.dirs > log.dir; zookeeper.connection.timeout.ms >
 *   zookeeper.session.timeout.ms; advertised.listeners > advertised.host.name/port > listeners;
 *   listeners > PLAINTEXT://host.name:port.
 * - Dynamic configs (ZooKeeper `/config/brokers/<id>` over `/config/brokers/<default>` over the
 *   static file) are layered with `withDynamicConfigs`; only dynamically updatable keys apply.
 * - Every problem is reported at once in a ConfigError, each message naming its key. Unknown keys
 *   are kept and listed as warnings (Kafka logs "supplied but isn't a known config").
 */
import { type ApiVersion, minApiVersionFor, parseApiVersion } from './api-version.js';
import {
  BROKER_CONFIG_KEYS,
  type BrokerConfigName,
  UNIMPLEMENTED_KAFKA_KEYS,
  UNIMPLEMENTED_KAFKA_PREFIXES,
  MECHANISM_SCOPED_LISTENER_KEY,
  brokerConfigSynonyms,
  isListenerOverridableKey,
} from './broker-config-keys.js';
import {
  ConfigError,
  ConfigSource,
  ConfigTypeId,
  type ConfigKey,
  type DescribedConfig,
  type ValueOfType,
  parseAndValidate,
} from './config-def.js';
import {
  type EndPoint,
  type SecurityProtocol,
  type ZookeeperConnect,
  parseCsvList,
  parseListeners,
  parseSecurityProtocolMap,
  parseZookeeperConnect,
  toSecurityProtocol,
} from './listeners.js';
import { applyOverrides, readPropertiesFile } from './properties.js';

type Keys = typeof BROKER_CONFIG_KEYS;
type ValueOfKey<K extends BrokerConfigName> = K extends 'zookeeper.connect'
  ? string
  : Keys[K] extends ConfigKey<infer T, infer D>
    ? D extends null
      ? ValueOfType<T> | null
      : ValueOfType<T>
    : never;
export type BrokerConfigValues = { readonly [K in BrokerConfigName]: ValueOfKey<K> };

export const BROKER_CONFIG_NAMES = Object.keys(BROKER_CONFIG_KEYS) as BrokerConfigName[];

export function isBrokerConfigName(name: string): name is BrokerConfigName {
  return Object.hasOwn(BROKER_CONFIG_KEYS, name);
}

export function brokerConfigKey(name: BrokerConfigName): ConfigKey {
  return BROKER_CONFIG_KEYS[name] as ConfigKey;
}

export interface DynamicBrokerConfigs {
  /** `/config/brokers/<default>`: cluster-wide dynamic defaults. */
  clusterDefault?: ReadonlyMap<string, string>;
  /** `/config/brokers/<id>`: this broker's dynamic configs. */
  perBroker?: ReadonlyMap<string, string>;
}

const HOUR_MS = 3_600_000n;
const MINUTE_MS = 60_000n;

function toMap(props: ReadonlyMap<string, string> | Readonly<Record<string, string>>): Map<string, string> {
  return props instanceof Map ? new Map(props) : new Map(Object.entries(props));
}

const isUnimplemented = (name: string): boolean =>
  UNIMPLEMENTED_KAFKA_KEYS.has(name) || UNIMPLEMENTED_KAFKA_PREFIXES.some((p) => name.startsWith(p));

/** Canonical "safe number or ±Infinity" for a bigint, as LONG values are held. */
function bigToNumber(b: bigint): number {
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  return b > max ? Infinity : b < -max ? -Infinity : Number(b);
}

export class BrokerConfig {
  /** Typed values by Kafka name (the effective layer: dynamic over static over default). */
  readonly values: BrokerConfigValues;
  /** Static properties as given (file + overrides), unknown keys included. */
  readonly originals: ReadonlyMap<string, string>;
  readonly dynamicDefault: ReadonlyMap<string, string>;
  readonly dynamicBroker: ReadonlyMap<string, string>;
  /** Keys no 2.7 broker knows. */
  readonly unknownKeys: readonly string[];
  /** Human-readable warnings: unknown keys, accepted-but-unimplemented keys, ignored dynamic keys. */
  readonly warnings: readonly string[];

  // Resolved values (what Kafka computes from several keys).
  /** -1 = generate through ZooKeeper (`/brokers/seqid`) at startup. */
  readonly brokerId: number;
  readonly zookeeper: ZookeeperConnect & { sessionTimeoutMs: number; connectionTimeoutMs: number };
  readonly logDirs: readonly string[];
  readonly listenerSecurityProtocolMap: ReadonlyMap<string, SecurityProtocol>;
  readonly listeners: readonly EndPoint[];
  readonly advertisedListeners: readonly EndPoint[];
  readonly interBrokerListenerName: string;
  readonly interBrokerSecurityProtocol: SecurityProtocol;
  readonly controlPlaneListenerName: string | null;
  readonly interBrokerProtocolVersion: ApiVersion;
  readonly logMessageFormatVersion: ApiVersion;
  /** Derived ms values: ±Infinity stands for Long.MAX_VALUE-like "never". */
  readonly logRetentionMs: number;
  readonly logRollMs: number;
  readonly logRollJitterMs: number;
  readonly logFlushIntervalMs: number;
  readonly offsetsRetentionMs: number;
  readonly maxConnectionsPerIpOverrides: ReadonlyMap<string, number>;

  /** `listener.name.<l>.<key>` values by lower-cased listener name, parsed with the key's type. */
  private readonly listenerOverrides: ReadonlyMap<string, ReadonlyMap<string, unknown>>;
  private readonly texts: Map<string, string | null>;
  private readonly sources: Map<string, ConfigSource>;
  private readonly derivedTexts: { retentionMs: string; rollMs: string; rollJitterMs: string; flushMs: string };

  /** Parses and validates; throws ConfigError listing every problem. */
  static parse(props: ReadonlyMap<string, string> | Readonly<Record<string, string>>, dynamic: DynamicBrokerConfigs = {}): BrokerConfig {
    return new BrokerConfig(toMap(props), dynamic);
  }

  /** Reads a properties file, applies `--override key=value` arguments, parses and validates. */
  static load(path: string, overrides: readonly string[] = [], dynamic: DynamicBrokerConfigs = {}): BrokerConfig {
    return new BrokerConfig(applyOverrides(readPropertiesFile(path), overrides), dynamic);
  }

  /** A new config with these dynamic layers (replacing any previous ones). */
  withDynamicConfigs(dynamic: DynamicBrokerConfigs): BrokerConfig {
    return new BrokerConfig(new Map(this.originals), dynamic);
  }

  private constructor(originals: Map<string, string>, dynamic: DynamicBrokerConfigs) {
    this.originals = originals;
    const warnings: string[] = [];
    const unknownKeys: string[] = [];
    const listenerOverrides = new Map<string, Map<string, unknown>>();
    const overrideErrors: string[] = [];
    for (const [name, raw] of originals) {
      if (isBrokerConfigName(name)) continue;
      const scoped = parseListenerScopedKey(name);
      if (scoped) {
        const base = isBrokerConfigName(scoped.key) ? scoped.key : scoped.key.endsWith('.sasl.jaas.config') ? 'sasl.jaas.config' : 'connections.max.reauth.ms';
        const def = brokerConfigKey(base);
        const parsed = parseAndValidate(name, def, raw);
        if ('error' in parsed) overrideErrors.push(parsed.error);
        else {
          const forListener = listenerOverrides.get(scoped.listener) ?? new Map<string, unknown>();
          forListener.set(scoped.key, parsed.value);
          listenerOverrides.set(scoped.listener, forListener);
        }
        continue;
      }
      if (isUnimplemented(name)) {
        warnings.push(`The configuration '${name}' is a Kafka 2.7 broker setting that gregor accepts but does not implement.`);
      } else {
        unknownKeys.push(name);
        warnings.push(`The configuration '${name}' was supplied but isn't a known config.`);
      }
    }
    const keepDynamic = (layer: ReadonlyMap<string, string> | undefined, where: string): Map<string, string> => {
      const kept = new Map<string, string>();
      for (const [name, value] of layer ?? []) {
        if (isBrokerConfigName(name) && brokerConfigKey(name).dynamic) kept.set(name, value);
        else warnings.push(`Dynamic config '${name}' in ${where} is not dynamically updatable; ignored.`);
      }
      return kept;
    };
    this.dynamicDefault = keepDynamic(dynamic.clusterDefault, '/config/brokers/<default>');
    this.dynamicBroker = keepDynamic(dynamic.perBroker, '/config/brokers/<id>');
    this.unknownKeys = unknownKeys;
    this.warnings = warnings;

    this.listenerOverrides = listenerOverrides;

    // 1. Parse and validate each key from its highest-priority layer.
    const errors: string[] = [...overrideErrors];
    const values: Record<string, unknown> = {};
    this.texts = new Map();
    this.sources = new Map();
    for (const name of BROKER_CONFIG_NAMES) {
      const def = brokerConfigKey(name);
      const layers: [ReadonlyMap<string, string>, ConfigSource][] = [
        [this.dynamicBroker, ConfigSource.DynamicBrokerConfig],
        [this.dynamicDefault, ConfigSource.DynamicDefaultBrokerConfig],
        [originals, ConfigSource.StaticBrokerConfig],
      ];
      const found = layers.find(([m]) => m.has(name));
      const raw = found ? (found[0].get(name) as string) : def.default;
      this.sources.set(name, found ? found[1] : ConfigSource.DefaultConfig);
      if (raw === null) {
        if (def.required) errors.push(`Missing required configuration "${name}" which has no default value.`);
        values[name] = null;
        this.texts.set(name, null);
        continue;
      }
      const parsed = parseAndValidate(name, def, raw);
      if ('error' in parsed) {
        errors.push(parsed.error);
        continue;
      }
      values[name] = parsed.value;
      this.texts.set(name, parsed.text);
    }
    if (errors.length > 0) throw new ConfigError(errors);
    const v = values as BrokerConfigValues;
    this.values = Object.freeze(v);

    // 2. Resolve and cross-check (KafkaConfig.validateValues).
    const check = (ok: boolean, message: string): void => {
      if (!ok) errors.push(message);
    };
    const attempt = <T>(fn: () => T, fallback: T): T => {
      try {
        return fn();
      } catch (err) {
        errors.push((err as Error).message);
        return fallback;
      }
    };

    this.brokerId = v['broker.id'];
    if (v['broker.id.generation.enable']) {
      check(
        this.brokerId >= -1 && this.brokerId <= v['reserved.broker.max.id'],
        `broker.id must be equal or greater than -1 and not greater than reserved.broker.max.id (broker.id=${this.brokerId}, reserved.broker.max.id=${v['reserved.broker.max.id']})`,
      );
    } else {
      check(this.brokerId >= 0, `broker.id must be equal or greater than 0 when broker.id.generation.enable=false (broker.id=${this.brokerId})`);
    }

    const zk = attempt(() => parseZookeeperConnect(v['zookeeper.connect']), null);
    this.zookeeper = {
      ...(zk ?? { connect: v['zookeeper.connect'], hosts: '', servers: [], chroot: null }),
      sessionTimeoutMs: v['zookeeper.session.timeout.ms'],
      connectionTimeoutMs: v['zookeeper.connection.timeout.ms'] ?? v['zookeeper.session.timeout.ms'],
    };

    this.logDirs = parseCsvList(v['log.dirs'] ?? v['log.dir']);
    check(this.logDirs.length > 0, 'At least one log directory must be defined via log.dirs or log.dir.');

    // Unit precedence, computed exactly in bigint then held as numbers.
    const retention = this.texts.get('log.retention.ms') ?? null;
    const minutes = v['log.retention.minutes'];
    let retentionMs =
      retention !== null ? BigInt(retention) : minutes !== null ? BigInt(minutes) * MINUTE_MS : BigInt(v['log.retention.hours']) * HOUR_MS;
    if (retentionMs < 0n) retentionMs = -1n;
    const rollMs = this.texts.get('log.roll.ms') ? BigInt(this.texts.get('log.roll.ms') as string) : BigInt(v['log.roll.hours']) * HOUR_MS;
    const jitter = this.texts.get('log.roll.jitter.ms');
    const rollJitterMs = jitter ? BigInt(jitter) : BigInt(v['log.roll.jitter.hours']) * HOUR_MS;
    const flushMs = BigInt(this.texts.get('log.flush.interval.ms') ?? (this.texts.get('log.flush.scheduler.interval.ms') as string));
    this.derivedTexts = {
      retentionMs: retentionMs.toString(),
      rollMs: rollMs.toString(),
      rollJitterMs: rollJitterMs.toString(),
      flushMs: flushMs.toString(),
    };
    this.logRetentionMs = bigToNumber(retentionMs);
    this.logRollMs = bigToNumber(rollMs);
    this.logRollJitterMs = bigToNumber(rollJitterMs);
    this.logFlushIntervalMs = bigToNumber(flushMs);
    this.offsetsRetentionMs = v['offsets.retention.minutes'] * 60_000;
    check(rollMs >= 1n, 'log.roll.ms must be equal or greater than 1');
    check(rollJitterMs >= 0n, 'log.roll.jitter.ms must be equal or greater than 0');
    check(retentionMs >= 1n || retentionMs === -1n, 'log.retention.ms must be unlimited (-1) or, equal or greater than 1');

    const cleanerThreads = v['log.cleaner.threads'];
    check(
      cleanerThreads === 0 || v['log.cleaner.dedupe.buffer.size'] / cleanerThreads > 1024 * 1024,
      'log.cleaner.dedupe.buffer.size must be at least 1MB per cleaner thread.',
    );
    check(
      v['replica.fetch.wait.max.ms'] <= v['replica.socket.timeout.ms'],
      'replica.socket.timeout.ms should always be at least replica.fetch.wait.max.ms to prevent unnecessary socket timeouts',
    );
    check(
      v['replica.fetch.wait.max.ms'] <= v['replica.lag.time.max.ms'],
      'replica.fetch.wait.max.ms should always be less than or equal to replica.lag.time.max.ms to prevent frequent changes in ISR',
    );
    check(
      v['offsets.commit.required.acks'] >= -1 && v['offsets.commit.required.acks'] <= v['offsets.topic.replication.factor'],
      'offsets.commit.required.acks must be greater or equal -1 and less or equal to offsets.topic.replication.factor',
    );
    check(
      v['queued.max.request.bytes'] <= 0 || v['queued.max.request.bytes'] >= v['socket.request.max.bytes'],
      'queued.max.request.bytes must be larger or equal to socket.request.max.bytes',
    );

    this.maxConnectionsPerIpOverrides = attempt(() => parseConnectionOverrides(v['max.connections.per.ip.overrides']), new Map());
    check(
      v['max.connections.per.ip'] !== 0 || this.maxConnectionsPerIpOverrides.size > 0,
      'max.connections.per.ip can be set to zero only if max.connections.per.ip.overrides property is set.',
    );

    // Versions (validators already accepted the strings).
    this.interBrokerProtocolVersion = parseApiVersion(v['inter.broker.protocol.version']) as ApiVersion;
    this.logMessageFormatVersion = parseApiVersion(v['log.message.format.version']) as ApiVersion;
    check(
      this.interBrokerProtocolVersion.recordVersion >= this.logMessageFormatVersion.recordVersion,
      `log.message.format.version ${v['log.message.format.version']} can only be used when inter.broker.protocol.version is set to version ${minApiVersionFor(this.logMessageFormatVersion.recordVersion).shortVersion} or higher`,
    );
    check(
      v['offsets.topic.compression.codec'] !== 4 || this.interBrokerProtocolVersion.recordVersion >= 2,
      'offsets.topic.compression.codec zstd can only be used when inter.broker.protocol.version is set to version 2.1 or higher',
    );

    // Listeners.
    this.listenerSecurityProtocolMap = attempt(() => parseSecurityProtocolMap(v['listener.security.protocol.map']), new Map());
    const protocolMap = this.listenerSecurityProtocolMap;
    this.listeners = attempt(
      () => parseListeners(v['listeners'] ?? `PLAINTEXT://${v['host.name']}:${v['port']}`, protocolMap, 'listeners', true),
      [],
    );
    this.advertisedListeners = attempt(() => {
      if (v['advertised.listeners'] !== null) return parseListeners(v['advertised.listeners'], protocolMap, 'advertised.listeners', false);
      if (v['advertised.host.name'] !== null || v['advertised.port'] !== null) {
        const host = v['advertised.host.name'] ?? v['host.name'];
        const port = v['advertised.port'] ?? v['port'];
        return parseListeners(`PLAINTEXT://${host}:${port}`, protocolMap, 'advertised.host.name/advertised.port', false);
      }
      return this.listeners;
    }, []);

    let interName = 'PLAINTEXT';
    let interProtocol: SecurityProtocol = 'PLAINTEXT';
    const configuredInterName = v['inter.broker.listener.name'];
    if (configuredInterName !== null) {
      interName = configuredInterName.toUpperCase();
      check(!originals.has('security.inter.broker.protocol'), 'Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.');
      const p = protocolMap.get(interName);
      check(p !== undefined, `Listener with name ${interName} defined in inter.broker.listener.name not found in listener.security.protocol.map.`);
      interProtocol = p ?? 'PLAINTEXT';
    } else {
      const p = toSecurityProtocol(v['security.inter.broker.protocol']);
      check(p !== null, `Invalid security protocol \`${v['security.inter.broker.protocol']}\` defined in security.inter.broker.protocol`);
      interProtocol = p ?? 'PLAINTEXT';
      interName = interProtocol;
    }
    this.interBrokerListenerName = interName;
    this.interBrokerSecurityProtocol = interProtocol;
    const interUsesSasl = interProtocol === 'SASL_PLAINTEXT' || interProtocol === 'SASL_SSL';
    check(
      !interUsesSasl || this.listenerValue(interName, 'sasl.enabled.mechanisms').includes(v['sasl.mechanism.inter.broker.protocol']),
      'sasl.mechanism.inter.broker.protocol must be included in sasl.enabled.mechanisms when SASL is used for inter-broker communication',
    );

    const advertisedNames = this.advertisedListeners.map((e) => e.listenerName);
    const listenerNames = this.listeners.map((e) => e.listenerName);
    if (this.listeners.length > 0 && this.advertisedListeners.length > 0) {
      check(
        advertisedNames.includes(interName),
        `inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are ${advertisedNames.join(',')}`,
      );
      check(
        advertisedNames.every((n) => listenerNames.includes(n)),
        `advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found ${advertisedNames.join(',')}. The valid options based on the current configuration are ${listenerNames.join(',')}`,
      );
    }
    check(
      !this.advertisedListeners.some((e) => e.host === '0.0.0.0'),
      'advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.',
    );
    const cp = v['control.plane.listener.name'];
    this.controlPlaneListenerName = cp === null ? null : cp.toUpperCase();
    if (this.controlPlaneListenerName !== null) {
      check(
        advertisedNames.includes(this.controlPlaneListenerName),
        `control.plane.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are ${advertisedNames.join(',')}`,
      );
      check(
        this.controlPlaneListenerName !== interName,
        `control.plane.listener.name, when defined, should have a different value from the inter broker listener name. Currently they both have the value ${interName}`,
      );
    }

    if (errors.length > 0) throw new ConfigError(errors);
  }

  /**
   * Kafka's `valuesWithPrefixOverride("listener.name.<l>.")`: the listener's own value of a key when
   * `listener.name.<lower-cased listener>.<key>` is set, else the broker-wide value.
   */
  listenerValue<K extends BrokerConfigName>(listenerName: string, name: K): BrokerConfigValues[K] {
    const own = this.listenerOverrides.get(listenerName.toLowerCase());
    return own?.has(name) ? (own.get(name) as BrokerConfigValues[K]) : this.values[name];
  }

  /** A listener-scoped setting that has no broker-wide key, e.g. `plain.sasl.jaas.config`; null when unset. */
  listenerSetting(listenerName: string, suffix: string): string | null {
    const v = this.listenerOverrides.get(listenerName.toLowerCase())?.get(suffix);
    return v === undefined ? null : String(v);
  }

  /** The canonical string of a key's effective value (null when unset); unknown keys give their raw value. */
  get(name: string): string | null {
    if (isBrokerConfigName(name)) return this.texts.get(name) ?? null;
    return this.originals.get(name) ?? null;
  }

  /** Where a key's effective value comes from. */
  source(name: BrokerConfigName): ConfigSource {
    return this.sources.get(name) ?? ConfigSource.DefaultConfig;
  }

  /**
   * Broker-level defaults of the topic configs, as Kafka's `KafkaServer.copyKafkaConfigToLog`
   * computes them (resolved units), as strings keyed by the *topic* name.
   */
  topicDefaults(): Map<string, string> {
    const t = (name: BrokerConfigName): string => this.texts.get(name) ?? '';
    return new Map([
      ['segment.bytes', t('log.segment.bytes')],
      ['segment.ms', this.derivedTexts.rollMs],
      ['segment.jitter.ms', this.derivedTexts.rollJitterMs],
      ['segment.index.bytes', t('log.index.size.max.bytes')],
      ['flush.messages', t('log.flush.interval.messages')],
      ['flush.ms', this.derivedTexts.flushMs],
      ['retention.bytes', t('log.retention.bytes')],
      ['retention.ms', this.derivedTexts.retentionMs],
      ['max.message.bytes', t('message.max.bytes')],
      ['index.interval.bytes', t('log.index.interval.bytes')],
      ['delete.retention.ms', t('log.cleaner.delete.retention.ms')],
      ['min.compaction.lag.ms', t('log.cleaner.min.compaction.lag.ms')],
      ['max.compaction.lag.ms', t('log.cleaner.max.compaction.lag.ms')],
      ['file.delete.delay.ms', t('log.segment.delete.delay.ms')],
      ['min.cleanable.dirty.ratio', t('log.cleaner.min.cleanable.ratio')],
      ['cleanup.policy', t('log.cleanup.policy')],
      ['min.insync.replicas', t('min.insync.replicas')],
      ['compression.type', t('compression.type')],
      ['unclean.leader.election.enable', t('unclean.leader.election.enable')],
      ['preallocate', t('log.preallocate')],
      ['message.format.version', this.logMessageFormatVersion.version],
      ['message.timestamp.type', t('log.message.timestamp.type')],
      ['message.timestamp.difference.max.ms', t('log.message.timestamp.difference.max.ms')],
      ['message.downconversion.enable', t('log.message.downconversion.enable')],
    ]);
  }

  /**
   * Kafka's `AdminManager.configSynonyms`: the layers that set `name` or one of its synonyms, in
   * priority order (dynamic broker, dynamic default, static, default), then everything before the
   * first entry for `name` itself dropped (a 2.7 quirk kept on purpose: e.g. `log.retention.ms`
   * unset anywhere yields no synonyms even though log.retention.hours is set).
   */
  configSynonyms(name: string, synonyms: readonly string[], isSensitive: boolean): DescribedConfig['synonyms'] {
    const out: DescribedConfig['synonyms'] = [];
    const layers: [(n: string) => string | undefined, ConfigSource][] = [
      [(n) => this.dynamicBroker.get(n), ConfigSource.DynamicBrokerConfig],
      [(n) => this.dynamicDefault.get(n), ConfigSource.DynamicDefaultBrokerConfig],
      [(n) => this.originals.get(n), ConfigSource.StaticBrokerConfig],
      [(n) => (isBrokerConfigName(n) ? (brokerConfigKey(n).default ?? undefined) : undefined), ConfigSource.DefaultConfig],
    ];
    for (const [lookup, source] of layers) {
      for (const s of synonyms) {
        const value = lookup(s);
        if (value !== undefined) out.push({ name: s, value: isSensitive ? null : value, source });
      }
    }
    const first = out.findIndex((s) => s.name === name);
    return first < 0 ? [] : out.slice(first);
  }

  /**
   * DescribeConfigs for a BROKER resource. `perBroker` false describes the cluster default entity
   * (resource name ""): only its dynamic default keys, as Kafka does.
   */
  describe(opts: { perBroker?: boolean; includeSynonyms?: boolean; includeDocumentation?: boolean; names?: readonly string[] | null } = {}): DescribedConfig[] {
    const perBroker = opts.perBroker ?? true;
    const all = perBroker ? new Set<string>([...BROKER_CONFIG_NAMES, ...this.originals.keys()]) : new Set(this.dynamicDefault.keys());
    const wanted = opts.names && opts.names.length > 0 ? [...all].filter((n) => opts.names?.includes(n)) : [...all];
    return wanted.sort().map((name) => {
      const known = isBrokerConfigName(name);
      const def = known ? brokerConfigKey(name) : null;
      const isSensitive = def === null || def.type === 'password'; // Kafka: unknown type → sensitive
      const value = isSensitive ? null : perBroker ? this.get(name) : (this.dynamicDefault.get(name) ?? null);
      const allSynonyms = this.configSynonyms(name, brokerConfigSynonyms(name), isSensitive).filter(
        (s) => perBroker || s.source === ConfigSource.DynamicDefaultBrokerConfig,
      );
      const configSource = allSynonyms[0]?.source ?? ConfigSource.DefaultConfig;
      return {
        name,
        value,
        readOnly: !def?.dynamic,
        isDefault: configSource === ConfigSource.DefaultConfig,
        configSource,
        isSensitive,
        synonyms: opts.includeSynonyms ? allSynonyms : [],
        configType: def ? ConfigTypeId[def.type] : 0,
        documentation: opts.includeDocumentation ? (def?.doc ?? null) : null,
      };
    });
  }
}

/**
 * `listener.name.<listener>.<key>` for the keys Kafka lets a listener override (ssl.*,
 * sasl.enabled.mechanisms, connections.max.reauth.ms) and the mechanism-scoped ones
 * (`<mechanism>.sasl.jaas.config`, `<mechanism>.connections.max.reauth.ms`); null otherwise.
 */
function parseListenerScopedKey(name: string): { listener: string; key: string } | null {
  const m = /^listener\.name\.([^.]+)\.(.+)$/.exec(name);
  if (!m) return null;
  const key = m[2] as string;
  if (!(isListenerOverridableKey(key) && isBrokerConfigName(key)) && !MECHANISM_SCOPED_LISTENER_KEY.test(key)) return null;
  return { listener: (m[1] as string).toLowerCase(), key };
}

/** `max.connections.per.ip.overrides`: `host:count,host:count`. */
function parseConnectionOverrides(value: string): Map<string, number> {
  const map = new Map<string, number>();
  if (value.trim() === '') return map;
  for (const entry of value.trim().split(/\s*,\s*/)) {
    const colon = entry.lastIndexOf(':');
    const count = Number(entry.slice(colon + 1).trim());
    if (colon < 0 || !Number.isInteger(count) || count < 0) {
      throw new Error(`Error parsing configuration property 'max.connections.per.ip.overrides': bad entry '${entry}'`);
    }
    map.set(entry.slice(0, colon).trim(), count);
  }
  return map;
}

/** Convenience: `BrokerConfig.load(path, overrides)`. */
export function loadBrokerConfig(path: string, overrides: readonly string[] = []): BrokerConfig {
  return BrokerConfig.load(path, overrides);
}
