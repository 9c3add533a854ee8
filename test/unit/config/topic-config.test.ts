import { describe, expect, it } from 'vitest';
import { BrokerConfig } from '../../../src/config/broker-config.js';
import { ConfigError, ConfigSource } from '../../../src/config/config-def.js';
import {
  TOPIC_CONFIG_NAMES,
  describeTopicConfig,
  effectiveTopicConfig,
  topicConfigErrorCode,
  validateTopicConfigs,
} from '../../../src/config/topic-config.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';

const broker = (props: Record<string, string> = {}): BrokerConfig =>
  BrokerConfig.parse({ 'zookeeper.connect': '127.0.0.1:2181', ...props });

describe('topic config keys', () => {
  it('are exactly the 26 topic-level keys of Kafka 2.7', () => {
    expect(TOPIC_CONFIG_NAMES).toEqual([
      'cleanup.policy',
      'compression.type',
      'delete.retention.ms',
      'file.delete.delay.ms',
      'flush.messages',
      'flush.ms',
      'follower.replication.throttled.replicas',
      'index.interval.bytes',
      'leader.replication.throttled.replicas',
      'max.compaction.lag.ms',
      'max.message.bytes',
      'message.downconversion.enable',
      'message.format.version',
      'message.timestamp.difference.max.ms',
      'message.timestamp.type',
      'min.cleanable.dirty.ratio',
      'min.compaction.lag.ms',
      'min.insync.replicas',
      'preallocate',
      'retention.bytes',
      'retention.ms',
      'segment.bytes',
      'segment.index.bytes',
      'segment.jitter.ms',
      'segment.ms',
      'unclean.leader.election.enable',
    ]);
  });
});

describe('validateTopicConfigs', () => {
  it('accepts valid overrides', () => {
    expect(
      validateTopicConfigs({
        'cleanup.policy': 'compact,delete',
        'retention.ms': '-1',
        'min.insync.replicas': '2',
        'compression.type': 'zstd',
        'min.cleanable.dirty.ratio': '0.1',
        'leader.replication.throttled.replicas': '0:1,1:2',
        'follower.replication.throttled.replicas': '*',
        'message.format.version': '0.10.2',
      }),
    ).toEqual([]);
  });

  it('reports unknown names, bad values and conflicts with Kafka messages', () => {
    const errors = validateTopicConfigs(
      new Map([
        ['retention.hours', '1'],
        ['retention.ms', 'soon'],
        ['min.insync.replicas', '0'],
        ['cleanup.policy', 'compact,archive'],
        ['compression.type', 'GZIP'],
        ['message.timestamp.type', 'Now'],
        ['leader.replication.throttled.replicas', '0-1'],
        ['segment.bytes', '10'],
      ]),
    );
    expect(errors).toEqual([
      { name: 'retention.hours', kind: 'unknown-name', message: 'Unknown topic config name: retention.hours' },
      { name: 'retention.ms', kind: 'invalid-value', message: 'Invalid value soon for configuration retention.ms: Not a number of type LONG' },
      { name: 'min.insync.replicas', kind: 'invalid-value', message: 'Invalid value 0 for configuration min.insync.replicas: Value must be at least 1' },
      {
        name: 'cleanup.policy',
        kind: 'invalid-value',
        message: 'Invalid value archive for configuration cleanup.policy: String must be one of: compact, delete',
      },
      {
        name: 'compression.type',
        kind: 'invalid-value',
        message: 'Invalid value GZIP for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer',
      },
      {
        name: 'message.timestamp.type',
        kind: 'invalid-value',
        message: 'Invalid value Now for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime',
      },
      {
        name: 'leader.replication.throttled.replicas',
        kind: 'invalid-value',
        message:
          'Invalid value 0-1 for configuration leader.replication.throttled.replicas: Must be the wildcard "*" or a list of [partitionId]:[brokerId] pairs',
      },
      { name: 'segment.bytes', kind: 'invalid-value', message: 'Invalid value 10 for configuration segment.bytes: Value must be at least 14' },
    ]);
  });

  it('rejects min.compaction.lag.ms above max.compaction.lag.ms', () => {
    expect(validateTopicConfigs({ 'min.compaction.lag.ms': '10', 'max.compaction.lag.ms': '5' })).toEqual([
      {
        name: 'min.compaction.lag.ms',
        kind: 'conflict',
        message: 'conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)',
      },
    ]);
  });

  it('maps errors to Kafka 2.7 error codes per request', () => {
    const [unknown, bad] = validateTopicConfigs({ nope: '1', 'retention.ms': 'x' });
    expect(topicConfigErrorCode('CreateTopics', unknown!)).toBe(ErrorCode.InvalidConfig);
    expect(topicConfigErrorCode('CreateTopics', bad!)).toBe(ErrorCode.InvalidConfig);
    expect(topicConfigErrorCode('AlterConfigs', unknown!)).toBe(ErrorCode.InvalidConfig);
    expect(topicConfigErrorCode('AlterConfigs', bad!)).toBe(ErrorCode.InvalidRequest);
  });
});

describe('effectiveTopicConfig', () => {
  it('takes every value from the broker defaults when there is no override', () => {
    const t = effectiveTopicConfig(broker());
    expect(t.values['retention.ms']).toBe(604800000);
    expect(t.values['segment.ms']).toBe(604800000);
    expect(t.values['segment.bytes']).toBe(1073741824);
    expect(t.values['max.message.bytes']).toBe(1048588);
    expect(t.values['cleanup.policy']).toEqual(['delete']);
    expect(t.values['flush.messages']).toBe(Infinity);
    expect(t.values['flush.ms']).toBe(Infinity);
    expect(t.values['message.format.version']).toBe('2.7-IV2');
    expect(t.values['leader.replication.throttled.replicas']).toEqual([]);
    expect(t.compact).toBe(false);
    expect(t.delete).toBe(true);
    expect(t.overridden.size).toBe(0);
  });

  it('uses the broker resolved units (retention minutes, roll hours, flush scheduler)', () => {
    const t = effectiveTopicConfig(
      broker({
        'log.retention.minutes': '30',
        'log.roll.hours': '2',
        'log.flush.scheduler.interval.ms': '2500',
        'log.message.format.version': '2.1',
        'log.cleaner.min.cleanable.ratio': '1',
      }),
    );
    expect(t.values['retention.ms']).toBe(1_800_000);
    expect(t.values['segment.ms']).toBe(7_200_000);
    expect(t.values['flush.ms']).toBe(2500);
    expect(t.values['message.format.version']).toBe('2.1-IV2');
    expect(t.texts.get('min.cleanable.dirty.ratio')).toBe('1.0');
  });

  it('lets overrides win and derives the compaction flags and max segment age', () => {
    const t = effectiveTopicConfig(broker({ 'log.retention.hours': '1' }), {
      'retention.ms': '1000',
      'cleanup.policy': 'compact',
      'max.compaction.lag.ms': '60000',
    });
    expect(t.values['retention.ms']).toBe(1000);
    expect(t.compact).toBe(true);
    expect(t.delete).toBe(false);
    expect(t.maxSegmentMs).toBe(60000);
    expect([...t.overridden].sort()).toEqual(['cleanup.policy', 'max.compaction.lag.ms', 'retention.ms']);
  });

  it('throws a ConfigError for invalid overrides', () => {
    expect(() => effectiveTopicConfig(broker(), { 'segment.ms': '0' })).toThrow(ConfigError);
  });
});

describe('describeTopicConfig (DescribeConfigs synonyms and sources)', () => {
  it('reports a topic override first, then dynamic broker, dynamic default, static and default', () => {
    const b = broker({ 'message.max.bytes': '2000000' }).withDynamicConfigs({
      perBroker: new Map([['message.max.bytes', '4000000']]),
      clusterDefault: new Map([['message.max.bytes', '3000000']]),
    });
    const [entry] = describeTopicConfig(b, { 'max.message.bytes': '5000000' }, { includeSynonyms: true, names: ['max.message.bytes'] });
    expect(entry).toEqual({
      name: 'max.message.bytes',
      value: '5000000',
      readOnly: false,
      isDefault: false,
      configSource: ConfigSource.TopicConfig,
      isSensitive: false,
      synonyms: [
        { name: 'max.message.bytes', value: '5000000', source: ConfigSource.TopicConfig },
        { name: 'message.max.bytes', value: '4000000', source: ConfigSource.DynamicBrokerConfig },
        { name: 'message.max.bytes', value: '3000000', source: ConfigSource.DynamicDefaultBrokerConfig },
        { name: 'message.max.bytes', value: '2000000', source: ConfigSource.StaticBrokerConfig },
        { name: 'message.max.bytes', value: '1048588', source: ConfigSource.DefaultConfig },
      ],
      configType: 3,
      documentation: null,
    });
  });

  it('takes the source from the broker layers when the topic has no override', () => {
    const entries = describeTopicConfig(broker({ 'log.segment.bytes': '1048576' }), {}, { includeSynonyms: true });
    const seg = entries.find((e) => e.name === 'segment.bytes');
    expect(seg).toMatchObject({
      value: '1048576',
      configSource: ConfigSource.StaticBrokerConfig,
      isDefault: false,
      synonyms: [
        { name: 'log.segment.bytes', value: '1048576', source: ConfigSource.StaticBrokerConfig },
        { name: 'log.segment.bytes', value: '1073741824', source: ConfigSource.DefaultConfig },
      ],
    });
    const policy = entries.find((e) => e.name === 'cleanup.policy');
    expect(policy).toMatchObject({ value: 'delete', configSource: ConfigSource.DefaultConfig, isDefault: true, configType: 7 });
    expect(entries.map((e) => e.name)).toEqual(TOPIC_CONFIG_NAMES);
  });

  it('keeps Kafka 2.7 drop-until-own-name rule: retention.ms has no synonyms unless log.retention.ms is set', () => {
    const hoursOnly = describeTopicConfig(broker({ 'log.retention.hours': '24' }), {}, { includeSynonyms: true, names: ['retention.ms'] })[0];
    expect(hoursOnly).toMatchObject({ value: '86400000', configSource: ConfigSource.DefaultConfig, synonyms: [] });

    const withMs = describeTopicConfig(
      broker({ 'log.retention.hours': '24', 'log.retention.ms': '5000' }),
      {},
      { includeSynonyms: true, names: ['retention.ms'] },
    )[0];
    expect(withMs).toMatchObject({
      value: '5000',
      configSource: ConfigSource.StaticBrokerConfig,
      synonyms: [
        { name: 'log.retention.ms', value: '5000', source: ConfigSource.StaticBrokerConfig },
        { name: 'log.retention.hours', value: '24', source: ConfigSource.StaticBrokerConfig },
        { name: 'log.retention.hours', value: '168', source: ConfigSource.DefaultConfig },
      ],
    });
  });

  it('omits synonyms unless asked, but still derives the source from them', () => {
    const [entry] = describeTopicConfig(broker(), { 'retention.ms': '1' }, { names: ['retention.ms'] });
    expect(entry).toMatchObject({ value: '1', configSource: ConfigSource.TopicConfig, synonyms: [] });
  });

  it('prints Long.MAX_VALUE defaults exactly', () => {
    const [entry] = describeTopicConfig(broker(), {}, { names: ['flush.messages'] });
    expect(entry?.value).toBe('9223372036854775807');
  });
});
