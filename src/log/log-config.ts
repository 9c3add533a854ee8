/**
 * Per-log configuration (Kafka's LogConfig) with Kafka 2.7 defaults, in one place.
 *
 * Each field maps to a topic-level key (`segment.bytes`, ...) listed in TopicConfigKey; the
 * broker-level synonyms (`log.segment.bytes`, `log.roll.hours`, ...) are resolved by the broker
 * config and passed in as a LogConfig. Kafka's Long.MAX_VALUE ("never") is represented by
 * Number.MAX_SAFE_INTEGER (ARCHITECTURE decision 8: offsets and times are JS numbers).
 */

export const LONG_MAX = Number.MAX_SAFE_INTEGER;

export const TimestampType = { CreateTime: 'CreateTime', LogAppendTime: 'LogAppendTime' } as const;
export type TimestampType = (typeof TimestampType)[keyof typeof TimestampType];

export const CleanupPolicy = { Delete: 'delete', Compact: 'compact' } as const;
export type CleanupPolicy = (typeof CleanupPolicy)[keyof typeof CleanupPolicy];

export interface LogConfig {
  /** segment.bytes: roll when the active segment would exceed this (positions are int32). */
  readonly segmentBytes: number;
  /** segment.ms: roll when the active segment's first append is older than this. */
  readonly segmentMs: number;
  /** segment.index.bytes: preallocated size of each .index/.timeindex; a full index rolls. */
  readonly segmentIndexBytes: number;
  /** index.interval.bytes: bytes of log between two offset-index entries. */
  readonly indexIntervalBytes: number;
  /** retention.ms: delete segments whose largest timestamp is older; -1 = forever. */
  readonly retentionMs: number;
  /** retention.bytes: delete oldest segments while the log is larger; -1 = unlimited. */
  readonly retentionBytes: number;
  /** flush.messages: fsync after this many unflushed messages (offsets). */
  readonly flushMessages: number;
  /** flush.ms: fsync when the last flush is older than this. */
  readonly flushMs: number;
  /** max.message.bytes: largest record batch accepted (MESSAGE_TOO_LARGE above it). */
  readonly maxMessageBytes: number;
  readonly messageTimestampType: TimestampType;
  /** file.delete.delay.ms: how long a `.deleted` segment lingers before removal. */
  readonly fileDeleteDelayMs: number;
  readonly cleanupPolicy: readonly CleanupPolicy[];
  /** min.cleanable.dirty.ratio: the cleaner takes a log whose dirty share of bytes is above this. */
  readonly minCleanableDirtyRatio: number;
  /** delete.retention.ms: how long tombstones (and transaction markers) survive once cleaned. */
  readonly deleteRetentionMs: number;
  /** min.compaction.lag.ms: records younger than this are not compacted. */
  readonly minCompactionLagMs: number;
  /** max.compaction.lag.ms: a dirty segment older than this is cleaned whatever the ratio. */
  readonly maxCompactionLagMs: number;
  /** compression.type: 'producer' keeps the producer's codec; else produce recompresses to this. */
  readonly compressionType: CompressionType;
  /** message.timestamp.difference.max.ms: CreateTime records further from the broker's clock are refused. */
  readonly messageTimestampDifferenceMaxMs: number;
}

export const CompressionType = {
  Producer: 'producer',
  Uncompressed: 'uncompressed',
  Gzip: 'gzip',
  Snappy: 'snappy',
  Lz4: 'lz4',
  Zstd: 'zstd',
} as const;
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

const DAY_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_LOG_CONFIG: LogConfig = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * DAY_MS,
  segmentIndexBytes: 10 * 1024 * 1024,
  indexIntervalBytes: 4096,
  retentionMs: 7 * DAY_MS,
  retentionBytes: -1,
  flushMessages: LONG_MAX,
  flushMs: LONG_MAX,
  maxMessageBytes: 1024 * 1024 + 12,
  messageTimestampType: TimestampType.CreateTime,
  fileDeleteDelayMs: 60_000,
  cleanupPolicy: Object.freeze([CleanupPolicy.Delete]),
  minCleanableDirtyRatio: 0.5,
  deleteRetentionMs: DAY_MS,
  minCompactionLagMs: 0,
  maxCompactionLagMs: LONG_MAX,
  compressionType: CompressionType.Producer,
  messageTimestampDifferenceMaxMs: LONG_MAX,
});

/** LogConfig field → topic-level config key, as Kafka names it. */
export const TopicConfigKey = {
  segmentBytes: 'segment.bytes',
  segmentMs: 'segment.ms',
  segmentIndexBytes: 'segment.index.bytes',
  indexIntervalBytes: 'index.interval.bytes',
  retentionMs: 'retention.ms',
  retentionBytes: 'retention.bytes',
  flushMessages: 'flush.messages',
  flushMs: 'flush.ms',
  maxMessageBytes: 'max.message.bytes',
  messageTimestampType: 'message.timestamp.type',
  fileDeleteDelayMs: 'file.delete.delay.ms',
  cleanupPolicy: 'cleanup.policy',
  minCleanableDirtyRatio: 'min.cleanable.dirty.ratio',
  deleteRetentionMs: 'delete.retention.ms',
  minCompactionLagMs: 'min.compaction.lag.ms',
  maxCompactionLagMs: 'max.compaction.lag.ms',
  compressionType: 'compression.type',
  messageTimestampDifferenceMaxMs: 'message.timestamp.difference.max.ms',
} as const satisfies Record<keyof LogConfig, string>;

/** cleanup.policy contains compact: the log cleaner owns this log (cleaning and retention). */
export function isCompacted(config: LogConfig): boolean {
  return config.cleanupPolicy.includes(CleanupPolicy.Compact);
}

export function logConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  return Object.freeze({ ...DEFAULT_LOG_CONFIG, ...overrides });
}
