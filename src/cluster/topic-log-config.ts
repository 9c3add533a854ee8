/**
 * Topic configuration as the partition layer needs it: the effective TopicConfig (overrides from
 * `/config/topics/<t>` over the broker defaults) turned into the log's LogConfig, plus the few
 * values the leader checks itself (min.insync.replicas, down-conversion).
 * Kafka's Long.MAX_VALUE ("never") arrives as a huge number or Infinity and is clamped to LONG_MAX.
 */
import type { BrokerConfig } from '../config/broker-config.js';
import { effectiveTopicConfig, type TopicConfig } from '../config/topic-config.js';
import { CleanupPolicy, CompressionType, LONG_MAX, TimestampType, type LogConfig } from '../log/log-config.js';

export interface PartitionTopicConfig {
  readonly topic: TopicConfig;
  readonly log: LogConfig;
  readonly minInsyncReplicas: number;
  readonly downConversionEnabled: boolean;
}

const clamp = (n: number): number => (Number.isFinite(n) ? Math.min(n, LONG_MAX) : n > 0 ? LONG_MAX : -LONG_MAX);

export function toLogConfig(tc: TopicConfig): LogConfig {
  const v = tc.values;
  const policy: CleanupPolicy[] = [];
  if (tc.delete) policy.push(CleanupPolicy.Delete);
  if (tc.compact) policy.push(CleanupPolicy.Compact);
  return Object.freeze({
    segmentBytes: v['segment.bytes'],
    segmentMs: clamp(tc.maxSegmentMs),
    segmentIndexBytes: v['segment.index.bytes'],
    indexIntervalBytes: v['index.interval.bytes'],
    retentionMs: clamp(v['retention.ms']),
    retentionBytes: clamp(v['retention.bytes']),
    flushMessages: clamp(v['flush.messages']),
    flushMs: clamp(v['flush.ms']),
    maxMessageBytes: v['max.message.bytes'],
    messageTimestampType: v['message.timestamp.type'] === 'LogAppendTime' ? TimestampType.LogAppendTime : TimestampType.CreateTime,
    fileDeleteDelayMs: clamp(v['file.delete.delay.ms']),
    cleanupPolicy: Object.freeze(policy),
    minCleanableDirtyRatio: v['min.cleanable.dirty.ratio'],
    deleteRetentionMs: clamp(v['delete.retention.ms']),
    minCompactionLagMs: clamp(v['min.compaction.lag.ms']),
    maxCompactionLagMs: clamp(v['max.compaction.lag.ms']),
    compressionType: v['compression.type'].toLowerCase() as CompressionType,
    messageTimestampDifferenceMaxMs: clamp(v['message.timestamp.difference.max.ms']),
  });
}

/** The partition-level view of a topic's config; throws ConfigError when the overrides are invalid. */
export function partitionTopicConfig(broker: BrokerConfig, overrides: Readonly<Record<string, string>> = {}): PartitionTopicConfig {
  const topic = effectiveTopicConfig(broker, overrides);
  return {
    topic,
    log: toLogConfig(topic),
    minInsyncReplicas: topic.values['min.insync.replicas'],
    downConversionEnabled: topic.values['message.downconversion.enable'],
  };
}

/**
 * Effective topic configs by topic name: broker defaults until the topic's ZooKeeper overrides
 * are loaded (`load`, before a log is created), replaced on a config change (`set`).
 */
export class TopicConfigCache {
  private readonly byTopic = new Map<string, PartitionTopicConfig>();
  /** the overrides each cached entry was built from (null: invalid overrides, defaults used) */
  private readonly overrides = new Map<string, Readonly<Record<string, string>> | null>();
  private defaults: PartitionTopicConfig;

  constructor(
    private broker: BrokerConfig,
    private readonly fetchOverrides: (topic: string) => Promise<Record<string, string>>,
  ) {
    this.defaults = partitionTopicConfig(broker);
  }

  /** New broker defaults (dynamic broker config): every cached topic is rebuilt over them. */
  reconfigure(broker: BrokerConfig): void {
    this.broker = broker;
    this.defaults = partitionTopicConfig(broker);
    for (const [topic, o] of this.overrides) {
      try {
        this.byTopic.set(topic, o === null ? this.defaults : partitionTopicConfig(broker, o));
      } catch {
        this.byTopic.set(topic, this.defaults);
      }
    }
  }

  get(topic: string): PartitionTopicConfig {
    return this.byTopic.get(topic) ?? this.defaults;
  }

  has(topic: string): boolean {
    return this.byTopic.has(topic);
  }

  /** Reads the overrides of the topics not loaded yet (invalid overrides fall back to defaults). */
  async load(topics: Iterable<string>, onInvalid?: (topic: string, err: unknown) => void): Promise<void> {
    const missing = [...new Set(topics)].filter((t) => !this.byTopic.has(t));
    await Promise.all(
      missing.map(async (topic) => {
        const overrides = await this.fetchOverrides(topic);
        try {
          this.byTopic.set(topic, partitionTopicConfig(this.broker, overrides));
          this.overrides.set(topic, overrides);
        } catch (err) {
          onInvalid?.(topic, err);
          this.byTopic.set(topic, this.defaults);
          this.overrides.set(topic, null);
        }
      }),
    );
  }

  /** New overrides (AlterConfigs / config change notification); throws ConfigError when invalid. */
  set(topic: string, overrides: Readonly<Record<string, string>>): PartitionTopicConfig {
    const config = partitionTopicConfig(this.broker, overrides);
    this.byTopic.set(topic, config);
    this.overrides.set(topic, overrides);
    return config;
  }

  delete(topic: string): void {
    this.byTopic.delete(topic);
    this.overrides.delete(topic);
  }
}
