/**
 * The group coordinator's settings, under Kafka's names in the broker config (2.7 defaults).
 * The broker composition builds this from `server.properties` (src/config/broker-config.ts).
 */

export interface GroupCoordinatorConfig {
  /** group.min.session.timeout.ms */
  readonly groupMinSessionTimeoutMs: number;
  /** group.max.session.timeout.ms */
  readonly groupMaxSessionTimeoutMs: number;
  /** group.initial.rebalance.delay.ms */
  readonly groupInitialRebalanceDelayMs: number;
  /** group.max.size */
  readonly groupMaxSize: number;
  /** offsets.topic.num.partitions */
  readonly offsetsTopicNumPartitions: number;
  /** offset.metadata.max.bytes (compared, as in Kafka, with the metadata's UTF-16 length) */
  readonly offsetMetadataMaxBytes: number;
  /** offsets.retention.minutes */
  readonly offsetsRetentionMinutes: number;
  /** offsets.retention.check.interval.ms */
  readonly offsetsRetentionCheckIntervalMs: number;
  /**
   * message.max.bytes: Kafka's `__consumer_offsets` takes the broker's limit (the topic sets no
   * max.message.bytes of its own); a group's metadata record above it fails SyncGroup
   * (group-record-size.ts)
   */
  readonly maxMessageBytes: number;
}

export const DEFAULT_GROUP_COORDINATOR_CONFIG: GroupCoordinatorConfig = Object.freeze({
  groupMinSessionTimeoutMs: 6000,
  groupMaxSessionTimeoutMs: 1_800_000,
  groupInitialRebalanceDelayMs: 3000,
  groupMaxSize: 2_147_483_647,
  offsetsTopicNumPartitions: 50,
  offsetMetadataMaxBytes: 4096,
  offsetsRetentionMinutes: 10080,
  offsetsRetentionCheckIntervalMs: 600_000,
  maxMessageBytes: 1_048_588,
});

/** Kafka key → field, for building the options from a parsed server.properties. */
export const GROUP_COORDINATOR_CONFIG_KEYS = {
  'group.min.session.timeout.ms': 'groupMinSessionTimeoutMs',
  'group.max.session.timeout.ms': 'groupMaxSessionTimeoutMs',
  'group.initial.rebalance.delay.ms': 'groupInitialRebalanceDelayMs',
  'group.max.size': 'groupMaxSize',
  'offsets.topic.num.partitions': 'offsetsTopicNumPartitions',
  'offset.metadata.max.bytes': 'offsetMetadataMaxBytes',
  'offsets.retention.minutes': 'offsetsRetentionMinutes',
  'offsets.retention.check.interval.ms': 'offsetsRetentionCheckIntervalMs',
  'message.max.bytes': 'maxMessageBytes',
} as const satisfies Record<string, keyof GroupCoordinatorConfig>;

export type GroupCoordinatorConfigKey = keyof typeof GROUP_COORDINATOR_CONFIG_KEYS;

/** The defaults overridden by whichever Kafka-named keys `values` carries. */
export function groupCoordinatorConfig(values: Partial<Record<GroupCoordinatorConfigKey, number>> = {}): GroupCoordinatorConfig {
  return configFromKafkaKeys(DEFAULT_GROUP_COORDINATOR_CONFIG, GROUP_COORDINATOR_CONFIG_KEYS, values);
}

/** A coordinator's settings: `defaults` with the values given under their Kafka names (`keys`: Kafka key → field). */
export function configFromKafkaKeys<C extends object, K extends string>(defaults: C, keys: Readonly<Record<K, keyof C>>, values: Partial<Record<K, number>>): C {
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, field] of Object.entries(keys) as Array<[K, keyof C]>) {
    const v = values[key];
    if (v !== undefined) out[field as string] = v;
  }
  return out as C;
}
