/**
 * Topic-level configuration (kafka/log/LogConfig.scala, 2.7): the keys, their broker synonyms
 * (`segment.bytes` ← `log.segment.bytes` ...), validation for CreateTopics / AlterConfigs /
 * IncrementalAlterConfigs, the effective config of a topic, and DescribeConfigs entries.
 *
 * Behaviour:
 * - Effective value = topic override (ZooKeeper `/config/topics/<t>`) over the broker's resolved
 *   default (`KafkaServer.copyKafkaConfigToLog`: `retention.ms` from log.retention.ms/minutes/hours,
 *   `segment.ms` from log.roll.ms/hours, `flush.ms` from log.flush.interval.ms or the scheduler
 *   interval, `message.format.version` normalised, ...).
 * - Validation errors: an unknown name is "Unknown topic config name: X"; bad values read like
 *   ConfigException; min.compaction.lag.ms > max.compaction.lag.ms is a conflict. CreateTopics
 *   answers INVALID_CONFIG (40) for all of them; AlterConfigs answers INVALID_CONFIG for unknown
 *   names and conflicts, INVALID_REQUEST (42) for bad values (2.7's AdminManager) — see
 *   `topicConfigErrorCode`.
 * - DescribeConfigs (AdminManager.createTopicConfigEntry): synonyms are the topic override, then
 *   the broker synonym's layers (dynamic broker → dynamic default → static → default) after
 *   Kafka's drop-until-own-name rule; configSource is the first synonym's source, else
 *   DEFAULT_CONFIG; topic configs are never read-only or sensitive.
 */
import { apiVersionValidator, BROKER_COMPRESSION_TYPES } from './broker-config-keys.js';
import type { BrokerConfig } from './broker-config.js';
import { brokerConfigSynonyms } from './broker-config-keys.js';
import {
  ConfigError,
  ConfigSource,
  ConfigTypeId,
  type ConfigKey,
  type DescribedConfig,
  type Validator,
  type ValueOfType,
  atLeast,
  between,
  key,
  listOf,
  oneOf,
  parseAndValidate,
} from './config-def.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { parseApiVersion, type ApiVersion } from './api-version.js';

/** `[PartitionId]:[BrokerId],...` or `*` (ThrottledReplicaListValidator). */
const throttledReplicasValidator: Validator = {
  kind: 'custom',
  describe: '[partitionId]:[brokerId],[partitionId]:[brokerId],... or *',
  check: (v) => {
    const list = v as string[];
    if (list.length === 0) return null;
    if (list.length === 1 && list[0] === '*') return null;
    return list.every((s) => /^\d+:\d+$/.test(s.trim()))
      ? null
      : 'Must be the wildcard "*" or a list of [partitionId]:[brokerId] pairs';
  },
};

interface TopicKey<T extends ConfigKey['type'] = ConfigKey['type']> extends ConfigKey<T, string> {
  /** The broker config whose value is this key's default (LogConfig.TopicConfigSynonyms). */
  readonly brokerSynonym: string | null;
}

function tkey<T extends ConfigKey['type']>(type: T, brokerSynonym: string | null, doc: string, validator?: Validator): TopicKey<T> {
  // Broker-derived defaults come from BrokerConfig.topicDefaults(); the two throttle lists default to "".
  return { ...key(type, '', doc, validator ? { validator } : {}), brokerSynonym };
}

export const TOPIC_CONFIG_KEYS = {
  'cleanup.policy': tkey('list', 'log.cleanup.policy', 'delete, compact or both', listOf('compact', 'delete')),
  'compression.type': tkey('string', 'compression.type', 'Final compression of the topic; producer = as sent', oneOf(...BROKER_COMPRESSION_TYPES)),
  'delete.retention.ms': tkey('long', 'log.cleaner.delete.retention.ms', 'How long tombstones are kept', atLeast(0)),
  'file.delete.delay.ms': tkey('long', 'log.segment.delete.delay.ms', 'Wait before deleting a file', atLeast(0)),
  'flush.messages': tkey('long', 'log.flush.interval.messages', 'fsync every N messages', atLeast(0)),
  'flush.ms': tkey('long', 'log.flush.interval.ms', 'fsync every N ms', atLeast(0)),
  'follower.replication.throttled.replicas': tkey('list', null, 'Replicas throttled on the follower side', throttledReplicasValidator),
  'index.interval.bytes': tkey('int', 'log.index.interval.bytes', 'Bytes between offset index entries', atLeast(0)),
  'leader.replication.throttled.replicas': tkey('list', null, 'Replicas throttled on the leader side', throttledReplicasValidator),
  'max.compaction.lag.ms': tkey('long', 'log.cleaner.max.compaction.lag.ms', 'Max time a record stays uncompacted', atLeast(1)),
  'max.message.bytes': tkey('int', 'message.max.bytes', 'Largest record batch', atLeast(0)),
  'message.downconversion.enable': tkey('boolean', 'log.message.downconversion.enable', 'Down-convert for old consumers'),
  'message.format.version': tkey('string', 'log.message.format.version', 'Record format version', apiVersionValidator),
  'message.timestamp.difference.max.ms': tkey('long', 'log.message.timestamp.difference.max.ms', 'Max CreateTime skew', atLeast(0)),
  'message.timestamp.type': tkey('string', 'log.message.timestamp.type', 'CreateTime or LogAppendTime', oneOf('CreateTime', 'LogAppendTime')),
  'min.cleanable.dirty.ratio': tkey('double', 'log.cleaner.min.cleanable.ratio', 'Dirty ratio that makes the log cleanable', between(0, 1)),
  'min.compaction.lag.ms': tkey('long', 'log.cleaner.min.compaction.lag.ms', 'Min time a record stays uncompacted', atLeast(0)),
  'min.insync.replicas': tkey('int', 'min.insync.replicas', 'ISR size acks=all needs', atLeast(1)),
  'preallocate': tkey('boolean', 'log.preallocate', 'Preallocate segment files'),
  'retention.bytes': tkey('long', 'log.retention.bytes', 'Max partition size; -1 = none'),
  'retention.ms': tkey('long', 'log.retention.ms', 'Max age of segments; -1 = forever', atLeast(-1)),
  'segment.bytes': tkey('int', 'log.segment.bytes', 'Segment file size', atLeast(14)),
  'segment.index.bytes': tkey('int', 'log.index.size.max.bytes', 'Offset index size', atLeast(0)),
  'segment.jitter.ms': tkey('long', 'log.roll.jitter.ms', 'Max random jitter on rolls', atLeast(0)),
  'segment.ms': tkey('long', 'log.roll.ms', 'Roll a segment after this long', atLeast(1)),
  'unclean.leader.election.enable': tkey('boolean', 'unclean.leader.election.enable', 'Allow out-of-sync leaders'),
} as const;

export type TopicConfigName = keyof typeof TOPIC_CONFIG_KEYS;
export const TOPIC_CONFIG_NAMES = (Object.keys(TOPIC_CONFIG_KEYS) as TopicConfigName[]).sort();

export function isTopicConfigName(name: string): name is TopicConfigName {
  return Object.hasOwn(TOPIC_CONFIG_KEYS, name);
}

type TopicKeys = typeof TOPIC_CONFIG_KEYS;
export type TopicConfigValues = {
  readonly [K in TopicConfigName]: TopicKeys[K] extends TopicKey<infer T> ? ValueOfType<T> : never;
};

/** A topic's effective configuration. */
export interface TopicConfig {
  readonly values: TopicConfigValues;
  /** Canonical strings by name (what DescribeConfigs shows). */
  readonly texts: ReadonlyMap<TopicConfigName, string>;
  /** The names set on the topic itself. */
  readonly overridden: ReadonlySet<TopicConfigName>;
  readonly compact: boolean;
  readonly delete: boolean;
  readonly messageFormatVersion: ApiVersion;
  /** LogConfig.maxSegmentMs: for compacted topics, min(segment.ms, max.compaction.lag.ms). */
  readonly maxSegmentMs: number;
}

export type TopicConfigErrorKind = 'unknown-name' | 'invalid-value' | 'conflict';

export interface TopicConfigError {
  name: string;
  kind: TopicConfigErrorKind;
  message: string;
}

type Overrides = ReadonlyMap<string, string> | Readonly<Record<string, string>>;
const entries = (o: Overrides): [string, string][] => (o instanceof Map ? [...o.entries()] : Object.entries(o));

/** Validates topic overrides (LogConfig.validate); returns every problem, empty when valid. */
export function validateTopicConfigs(overrides: Overrides): TopicConfigError[] {
  const errors: TopicConfigError[] = [];
  const parsed = new Map<string, unknown>();
  for (const [name, raw] of entries(overrides)) {
    if (!isTopicConfigName(name)) {
      errors.push({ name, kind: 'unknown-name', message: `Unknown topic config name: ${name}` });
      continue;
    }
    const result = parseAndValidate(name, TOPIC_CONFIG_KEYS[name], raw);
    if ('error' in result) errors.push({ name, kind: 'invalid-value', message: result.error });
    else parsed.set(name, result.value);
  }
  const minLag = (parsed.get('min.compaction.lag.ms') as number | undefined) ?? 0;
  const maxLag = (parsed.get('max.compaction.lag.ms') as number | undefined) ?? Infinity;
  if (minLag > maxLag) {
    errors.push({
      name: 'min.compaction.lag.ms',
      kind: 'conflict',
      message: `conflict topic config setting min.compaction.lag.ms (${minLag}) > max.compaction.lag.ms (${maxLag})`,
    });
  }
  return errors;
}

/** The Kafka error code for a validation error, by request (see the header). */
export function topicConfigErrorCode(api: 'CreateTopics' | 'AlterConfigs', error: TopicConfigError): ErrorCode {
  if (api === 'AlterConfigs' && error.kind === 'invalid-value') return ErrorCode.InvalidRequest;
  return ErrorCode.InvalidConfig;
}

/** The effective config of a topic: overrides over the broker's defaults. Throws ConfigError if invalid. */
export function effectiveTopicConfig(broker: BrokerConfig, overrides: Overrides = {}): TopicConfig {
  const problems = validateTopicConfigs(overrides);
  if (problems.length > 0) throw new ConfigError(problems.map((p) => p.message));
  const merged = broker.topicDefaults();
  merged.set('leader.replication.throttled.replicas', '');
  merged.set('follower.replication.throttled.replicas', '');
  const overridden = new Set<TopicConfigName>();
  for (const [name, raw] of entries(overrides)) {
    merged.set(name, raw);
    overridden.add(name as TopicConfigName);
  }
  const values: Record<string, unknown> = {};
  const texts = new Map<TopicConfigName, string>();
  const errors: string[] = [];
  for (const name of TOPIC_CONFIG_NAMES) {
    const result = parseAndValidate(name, TOPIC_CONFIG_KEYS[name], merged.get(name) ?? '');
    if ('error' in result) {
      errors.push(result.error); // a broker default the topic rules reject
      continue;
    }
    values[name] = result.value;
    texts.set(name, result.text ?? '');
  }
  if (errors.length > 0) throw new ConfigError(errors);
  const v = values as TopicConfigValues;
  const policy = v['cleanup.policy'].map((p) => p.toLowerCase());
  const compact = policy.includes('compact');
  const maxLag = v['max.compaction.lag.ms'];
  return {
    values: Object.freeze(v),
    texts,
    overridden,
    compact,
    delete: policy.includes('delete'),
    messageFormatVersion: parseApiVersion(v['message.format.version']) as ApiVersion,
    maxSegmentMs: compact && maxLag > 0 ? Math.min(maxLag, v['segment.ms']) : v['segment.ms'],
  };
}

/** DescribeConfigs entries for a TOPIC resource, sorted by name. `names` empty or null = all. */
export function describeTopicConfig(
  broker: BrokerConfig,
  overrides: Overrides = {},
  opts: { includeSynonyms?: boolean; includeDocumentation?: boolean; names?: readonly string[] | null } = {},
): DescribedConfig[] {
  const config = effectiveTopicConfig(broker, overrides);
  const wanted = opts.names && opts.names.length > 0 ? TOPIC_CONFIG_NAMES.filter((n) => opts.names?.includes(n)) : TOPIC_CONFIG_NAMES;
  return wanted.map((name) => {
    const def = TOPIC_CONFIG_KEYS[name] as TopicKey;
    const value = config.texts.get(name) ?? null;
    const brokerSynonyms =
      def.brokerSynonym === null ? [] : broker.configSynonyms(def.brokerSynonym, brokerConfigSynonyms(def.brokerSynonym), false);
    const allSynonyms = config.overridden.has(name)
      ? [{ name, value, source: ConfigSource.TopicConfig as ConfigSource }, ...brokerSynonyms]
      : brokerSynonyms;
    const configSource = allSynonyms[0]?.source ?? ConfigSource.DefaultConfig;
    return {
      name,
      value,
      readOnly: false,
      isDefault: configSource === ConfigSource.DefaultConfig,
      configSource,
      isSensitive: false,
      synonyms: opts.includeSynonyms ? allSynonyms : [],
      configType: ConfigTypeId[def.type],
      documentation: opts.includeDocumentation ? def.doc : null,
    };
  });
}
