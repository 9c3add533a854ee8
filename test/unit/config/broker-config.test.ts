import { describe, expect, it } from 'vitest';
import { BROKER_CONFIG_KEYS } from '../../../src/config/broker-config-keys.js';
import { BrokerConfig, BROKER_CONFIG_NAMES } from '../../../src/config/broker-config.js';
import { ConfigError, ConfigSource, javaDoubleToString } from '../../../src/config/config-def.js';
import { parseApiVersion } from '../../../src/config/api-version.js';
import { parseZookeeperConnect } from '../../../src/config/listeners.js';

const ZK = { 'zookeeper.connect': '127.0.0.1:2181' };
const parse = (props: Record<string, string> = {}): BrokerConfig => BrokerConfig.parse({ ...ZK, ...props });

/** The messages of the ConfigError thrown by `fn`. */
function errorsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).errors];
  }
  throw new Error('expected a ConfigError');
}

describe('BrokerConfig defaults (Kafka 2.7)', () => {
  const c = parse();

  it.each([
    ['zookeeper.session.timeout.ms', 18000],
    ['replica.lag.time.max.ms', 30000],
    ['unclean.leader.election.enable', false],
    ['message.max.bytes', 1048588],
    ['socket.request.max.bytes', 104857600],
    ['num.partitions', 1],
    ['default.replication.factor', 1],
    ['min.insync.replicas', 1],
    ['offsets.topic.replication.factor', 3],
    ['offsets.topic.num.partitions', 50],
    ['offsets.retention.minutes', 10080],
    ['transaction.state.log.replication.factor', 3],
    ['transaction.state.log.min.isr', 2],
    ['transaction.state.log.num.partitions', 50],
    ['group.min.session.timeout.ms', 6000],
    ['group.max.session.timeout.ms', 1800000],
    ['group.initial.rebalance.delay.ms', 3000],
    ['delete.topic.enable', true],
    ['auto.create.topics.enable', true],
    ['auto.leader.rebalance.enable', true],
    ['leader.imbalance.check.interval.seconds', 300],
    ['leader.imbalance.per.broker.percentage', 10],
    ['controlled.shutdown.enable', true],
    ['controlled.shutdown.max.retries', 3],
    ['controlled.shutdown.retry.backoff.ms', 5000],
    ['log.segment.bytes', 1073741824],
    ['log.index.interval.bytes', 4096],
    ['log.index.size.max.bytes', 10485760],
    ['log.retention.bytes', -1],
    ['log.retention.check.interval.ms', 300000],
    ['log.cleaner.enable', true],
    ['log.cleaner.min.cleanable.ratio', 0.5],
    ['log.cleaner.delete.retention.ms', 86400000],
    ['connections.max.idle.ms', 600000],
    ['request.timeout.ms', 30000],
    ['replica.fetch.wait.max.ms', 500],
    ['replica.fetch.max.bytes', 1048576],
    ['num.network.threads', 3],
    ['num.io.threads', 8],
    ['broker.id', -1],
    ['reserved.broker.max.id', 1000],
    ['broker.id.generation.enable', true],
    ['compression.type', 'producer'],
    ['log.message.timestamp.type', 'CreateTime'],
    ['inter.broker.protocol.version', '2.7-IV2'],
  ])('%s = %s', (name, expected) => {
    expect(c.values[name as keyof typeof c.values]).toEqual(expected);
  });

  it('lists log.cleanup.policy as [delete] and leaves unset keys null', () => {
    expect(c.values['log.cleanup.policy']).toEqual(['delete']);
    expect(c.values['log.retention.ms']).toBeNull();
    expect(c.values['broker.rack']).toBeNull();
    expect(c.get('log.retention.ms')).toBeNull();
  });

  it('holds Long.MAX_VALUE as Infinity but prints it exactly', () => {
    expect(c.values['log.flush.interval.messages']).toBe(Infinity);
    expect(c.get('log.flush.interval.messages')).toBe('9223372036854775807');
    expect(c.get('log.cleaner.io.max.bytes.per.second')).toBe('1.7976931348623157E308');
    expect(c.logFlushIntervalMs).toBe(Infinity);
  });

  it('resolves derived defaults', () => {
    expect(c.brokerId).toBe(-1);
    expect(c.logDirs).toEqual(['/tmp/kafka-logs']);
    expect(c.logRetentionMs).toBe(168 * 3_600_000);
    expect(c.logRollMs).toBe(168 * 3_600_000);
    expect(c.logRollJitterMs).toBe(0);
    expect(c.zookeeper.connectionTimeoutMs).toBe(18000);
    expect(c.offsetsRetentionMs).toBe(10080 * 60_000);
    expect(c.listeners).toEqual([{ listenerName: 'PLAINTEXT', host: null, port: 9092, securityProtocol: 'PLAINTEXT' }]);
    expect(c.advertisedListeners).toEqual(c.listeners);
    expect(c.interBrokerListenerName).toBe('PLAINTEXT');
    expect(c.interBrokerSecurityProtocol).toBe('PLAINTEXT');
    expect(c.interBrokerProtocolVersion.version).toBe('2.7-IV2');
    expect([...c.listenerSecurityProtocolMap.keys()]).toEqual(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']);
  });

  it('reports each key as DEFAULT_CONFIG until set', () => {
    expect(c.source('num.partitions')).toBe(ConfigSource.DefaultConfig);
    expect(parse({ 'num.partitions': '3' }).source('num.partitions')).toBe(ConfigSource.StaticBrokerConfig);
  });

  it('every key default parses under its own type and validator', () => {
    for (const name of BROKER_CONFIG_NAMES) {
      const def = BROKER_CONFIG_KEYS[name];
      if (def.default === null) continue;
      expect(() => parse({ [name]: def.default as string }), name).not.toThrow();
    }
  });
});

describe('value parsing', () => {
  it('trims numbers, booleans and strings like ConfigDef', () => {
    const c = parse({ 'num.partitions': '  4 ', 'delete.topic.enable': ' FALSE ', 'broker.rack': ' r1 ' });
    expect(c.values['num.partitions']).toBe(4);
    expect(c.values['delete.topic.enable']).toBe(false);
    expect(c.values['broker.rack']).toBe('r1');
    expect(c.get('num.partitions')).toBe('4');
  });

  it('splits lists on commas with whitespace', () => {
    expect(parse({ 'log.cleanup.policy': 'compact , delete' }).values['log.cleanup.policy']).toEqual(['compact', 'delete']);
  });

  it('prints doubles as Java does', () => {
    expect(javaDoubleToString(0.5)).toBe('0.5');
    expect(javaDoubleToString(1)).toBe('1.0');
    expect(javaDoubleToString(1e7)).toBe('1.0E7');
    expect(javaDoubleToString(1e-4)).toBe('1.0E-4');
    expect(parse({ 'log.cleaner.min.cleanable.ratio': '1' }).get('log.cleaner.min.cleanable.ratio')).toBe('1.0');
  });
});

describe('validation errors name the key', () => {
  it('requires zookeeper.connect', () => {
    expect(errorsOf(() => BrokerConfig.parse({}))).toEqual(['Missing required configuration "zookeeper.connect" which has no default value.']);
  });

  it('rejects non-numbers and out-of-range integers', () => {
    expect(errorsOf(() => parse({ 'num.partitions': 'three' }))).toEqual([
      'Invalid value three for configuration num.partitions: Not a number of type INT',
    ]);
    expect(errorsOf(() => parse({ 'num.partitions': '1.5' }))[0]).toMatch(/num\.partitions: Not a number of type INT/);
    expect(errorsOf(() => parse({ 'message.max.bytes': '2147483648' }))[0]).toMatch(/message\.max\.bytes: Not a number of type INT/);
    expect(errorsOf(() => parse({ 'offsets.topic.replication.factor': '40000' }))[0]).toMatch(/type SHORT/);
    expect(errorsOf(() => parse({ 'num.partitions': '0' }))).toEqual([
      'Invalid value 0 for configuration num.partitions: Value must be at least 1',
    ]);
    expect(errorsOf(() => parse({ 'log.cleaner.min.cleanable.ratio': '1.5' }))[0]).toMatch(/Value must be no more than 1/);
  });

  it('rejects bad booleans and enum values', () => {
    expect(errorsOf(() => parse({ 'auto.create.topics.enable': 'yes' }))[0]).toBe(
      'Invalid value yes for configuration auto.create.topics.enable: Expected value to be either true or false',
    );
    expect(errorsOf(() => parse({ 'compression.type': 'brotli' }))[0]).toBe(
      'Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer',
    );
    expect(parse({ 'compression.type': 'GZIP' }).values['compression.type']).toBe('GZIP');
    expect(errorsOf(() => parse({ 'log.message.timestamp.type': 'createtime' }))[0]).toMatch(/log\.message\.timestamp\.type/);
    expect(errorsOf(() => parse({ 'log.cleanup.policy': 'delete,archive' }))[0]).toMatch(
      /Invalid value archive for configuration log\.cleanup\.policy/,
    );
    expect(errorsOf(() => parse({ 'inter.broker.protocol.version': '9.9' }))[0]).toMatch(/inter\.broker\.protocol\.version: Version `9\.9`/);
  });

  it('reports every problem at once', () => {
    const errors = errorsOf(() => BrokerConfig.parse({ 'num.partitions': 'x', 'delete.topic.enable': 'maybe' }));
    expect(errors).toHaveLength(3);
    expect(errors.join('\n')).toMatch(/zookeeper\.connect/);
  });

  it('checks broker.id against reserved.broker.max.id and generation', () => {
    expect(parse({ 'broker.id': '1000' }).brokerId).toBe(1000);
    expect(errorsOf(() => parse({ 'broker.id': '1001' }))[0]).toMatch(/broker\.id must be equal or greater than -1 and not greater than reserved\.broker\.max\.id/);
    expect(errorsOf(() => parse({ 'broker.id': '-2' }))[0]).toMatch(/broker\.id/);
    expect(parse({ 'broker.id': '5000', 'reserved.broker.max.id': '10000' }).brokerId).toBe(5000);
    expect(errorsOf(() => parse({ 'broker.id.generation.enable': 'false' }))[0]).toMatch(/broker\.id must be equal or greater than 0/);
  });

  it('checks the replica fetch timing rules', () => {
    expect(errorsOf(() => parse({ 'replica.fetch.wait.max.ms': '40000' }))).toEqual([
      'replica.socket.timeout.ms should always be at least replica.fetch.wait.max.ms to prevent unnecessary socket timeouts',
      'replica.fetch.wait.max.ms should always be less than or equal to replica.lag.time.max.ms to prevent frequent changes in ISR',
    ]);
  });

  it('checks offsets.commit.required.acks against the offsets topic replication factor', () => {
    expect(errorsOf(() => parse({ 'offsets.topic.replication.factor': '1', 'offsets.commit.required.acks': '2' }))[0]).toMatch(
      /offsets\.commit\.required\.acks/,
    );
  });

  it('checks the message format against the inter-broker protocol', () => {
    expect(errorsOf(() => parse({ 'inter.broker.protocol.version': '0.10.2', 'log.message.format.version': '2.0' }))[0]).toBe(
      'log.message.format.version 2.0 can only be used when inter.broker.protocol.version is set to version 0.11.0 or higher',
    );
    expect(parse({ 'inter.broker.protocol.version': '2.4', 'log.message.format.version': '0.10.2' }).logMessageFormatVersion.version).toBe('0.10.2-IV0');
  });

  it('rejects log.retention.ms of 0 and empty log.dirs', () => {
    expect(errorsOf(() => parse({ 'log.retention.ms': '0' }))[0]).toBe('log.retention.ms must be unlimited (-1) or, equal or greater than 1');
    expect(errorsOf(() => parse({ 'log.dirs': ' , ' }))[0]).toBe('At least one log directory must be defined via log.dirs or log.dir.');
  });
});

describe('unit precedence', () => {
  it('log.retention.ms over .minutes over .hours', () => {
    expect(parse({ 'log.retention.hours': '1' }).logRetentionMs).toBe(3_600_000);
    expect(parse({ 'log.retention.hours': '1', 'log.retention.minutes': '2' }).logRetentionMs).toBe(120_000);
    expect(parse({ 'log.retention.hours': '1', 'log.retention.minutes': '2', 'log.retention.ms': '5' }).logRetentionMs).toBe(5);
  });

  it('any negative retention means -1 (forever)', () => {
    expect(parse({ 'log.retention.hours': '-1' }).logRetentionMs).toBe(-1);
    expect(parse({ 'log.retention.minutes': '-5' }).logRetentionMs).toBe(-1);
    expect(parse({ 'log.retention.ms': '-1' }).logRetentionMs).toBe(-1);
  });

  it('log.roll.ms over log.roll.hours, and the jitter pair likewise', () => {
    expect(parse({ 'log.roll.hours': '2' }).logRollMs).toBe(7_200_000);
    expect(parse({ 'log.roll.hours': '2', 'log.roll.ms': '1000' }).logRollMs).toBe(1000);
    expect(parse({ 'log.roll.jitter.hours': '1' }).logRollJitterMs).toBe(3_600_000);
    expect(parse({ 'log.roll.jitter.hours': '1', 'log.roll.jitter.ms': '10' }).logRollJitterMs).toBe(10);
  });

  it('log.flush.interval.ms over log.flush.scheduler.interval.ms', () => {
    expect(parse({ 'log.flush.scheduler.interval.ms': '3000' }).logFlushIntervalMs).toBe(3000);
    expect(parse({ 'log.flush.scheduler.interval.ms': '3000', 'log.flush.interval.ms': '10' }).logFlushIntervalMs).toBe(10);
  });

  it('log.dirs over log.dir; zookeeper.connection.timeout.ms over the session timeout', () => {
    expect(parse({ 'log.dir': '/x' }).logDirs).toEqual(['/x']);
    expect(parse({ 'log.dir': '/x', 'log.dirs': '/a, /b' }).logDirs).toEqual(['/a', '/b']);
    expect(parse({ 'zookeeper.session.timeout.ms': '6000' }).zookeeper.connectionTimeoutMs).toBe(6000);
    expect(parse({ 'zookeeper.connection.timeout.ms': '1000' }).zookeeper.connectionTimeoutMs).toBe(1000);
  });
});

describe('listeners', () => {
  it('parses listeners and defaults advertised.listeners to them', () => {
    const c = parse({ listeners: 'PLAINTEXT://127.0.0.1:9093' });
    expect(c.listeners).toEqual([{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 9093, securityProtocol: 'PLAINTEXT' }]);
    expect(c.advertisedListeners).toEqual(c.listeners);
  });

  it('handles named listeners, the protocol map and inter.broker.listener.name', () => {
    const c = parse({
      listeners: 'internal://0.0.0.0:19092, EXTERNAL://:9092',
      'advertised.listeners': 'INTERNAL://broker1:19092,EXTERNAL://127.0.0.1:9092',
      'listener.security.protocol.map': 'INTERNAL:PLAINTEXT, EXTERNAL:plaintext',
      'inter.broker.listener.name': 'internal',
    });
    expect(c.listeners.map((e) => [e.listenerName, e.host, e.port])).toEqual([
      ['INTERNAL', '0.0.0.0', 19092],
      ['EXTERNAL', null, 9092],
    ]);
    expect(c.advertisedListeners[0]).toEqual({ listenerName: 'INTERNAL', host: 'broker1', port: 19092, securityProtocol: 'PLAINTEXT' });
    expect(c.interBrokerListenerName).toBe('INTERNAL');
    expect(c.interBrokerSecurityProtocol).toBe('PLAINTEXT');
  });

  it('parses bracketed IPv6 hosts and port 0', () => {
    const c = parse({ listeners: 'PLAINTEXT://[::1]:0', 'advertised.listeners': 'PLAINTEXT://[::1]:9092' });
    expect(c.listeners[0]).toMatchObject({ host: '::1', port: 0 });
  });

  it('uses the deprecated host.name/port and advertised.host.name/port when listeners are unset', () => {
    const c = parse({ 'host.name': '10.0.0.1', port: '9999', 'advertised.host.name': 'public' });
    expect(c.listeners[0]).toMatchObject({ host: '10.0.0.1', port: 9999 });
    expect(c.advertisedListeners[0]).toMatchObject({ host: 'public', port: 9999 });
  });

  it.each([
    [{ listeners: 'PLAINTEXT:/127.0.0.1:9092' }, /Unable to parse PLAINTEXT:\/127\.0\.0\.1:9092 to a broker endpoint/],
    [{ listeners: 'FOO://:9092' }, /No security protocol defined for listener FOO/],
    [{ listeners: 'PLAINTEXT://:9092,PLAINTEXT://:9093' }, /Each listener must have a different name/],
    [{ listeners: 'PLAINTEXT://:9092,SSL://:9092' }, /Each listener must have a different port/],
    [{ listeners: 'PLAINTEXT://:70000' }, /Invalid port 70000/],
    [{ 'advertised.listeners': 'PLAINTEXT://0.0.0.0:9092' }, /advertised\.listeners cannot use the nonroutable meta-address 0\.0\.0\.0/],
    [{ 'advertised.listeners': 'SSL://h:9093' }, /inter\.broker\.listener\.name must be a listener name defined in advertised\.listeners/],
    [{ 'advertised.listeners': 'PLAINTEXT://h:9092,SSL://h:9093' }, /advertised\.listeners listener names must be equal to or a subset/],
    [{ 'listener.security.protocol.map': 'PLAINTEXT' }, /Error parsing configuration property 'listener\.security\.protocol\.map'/],
    [{ 'listener.security.protocol.map': 'PLAINTEXT:TLS' }, /Invalid security protocol `TLS` defined in listener\.security\.protocol\.map/],
    [{ 'inter.broker.listener.name': 'PLAINTEXT', 'security.inter.broker.protocol': 'PLAINTEXT' }, /Only one of inter\.broker\.listener\.name and security\.inter\.broker\.protocol/],
    [{ 'inter.broker.listener.name': 'NOPE' }, /Listener with name NOPE defined in inter\.broker\.listener\.name not found/],
    [{ 'security.inter.broker.protocol': 'BOGUS' }, /Invalid security protocol `BOGUS` defined in security\.inter\.broker\.protocol/],
  ])('rejects %j', (props, message) => {
    expect(errorsOf(() => parse(props as Record<string, string>)).join('\n')).toMatch(message);
  });
});

describe('zookeeper.connect', () => {
  it('parses hosts, default port and a chroot after the last host', () => {
    expect(parseZookeeperConnect('zk1:2181,zk2,[::1]:2183/kafka/prod')).toEqual({
      connect: 'zk1:2181,zk2,[::1]:2183/kafka/prod',
      hosts: 'zk1:2181,zk2,[::1]:2183',
      servers: [
        { host: 'zk1', port: 2181 },
        { host: 'zk2', port: 2181 },
        { host: '::1', port: 2183 },
      ],
      chroot: '/kafka/prod',
    });
    expect(parseZookeeperConnect('h:2181/').chroot).toBeNull();
  });

  it('is exposed on the config with its timeouts', () => {
    const c = BrokerConfig.parse({ 'zookeeper.connect': 'a:1,b:2/gregor' });
    expect(c.zookeeper).toMatchObject({ hosts: 'a:1,b:2', chroot: '/gregor', sessionTimeoutMs: 18000 });
  });

  it('rejects bad chroots and ports', () => {
    expect(errorsOf(() => BrokerConfig.parse({ 'zookeeper.connect': 'h:2181/kafka/' }))[0]).toMatch(/zookeeper\.connect: invalid chroot/);
    expect(errorsOf(() => BrokerConfig.parse({ 'zookeeper.connect': 'h:99999' }))[0]).toMatch(/zookeeper\.connect/);
    expect(errorsOf(() => BrokerConfig.parse({ 'zookeeper.connect': '   ' }))[0]).toMatch(/zookeeper\.connect/);
  });
});

describe('unknown keys and overrides', () => {
  it('keeps unknown keys and warns, separating Kafka keys gregor does not implement', () => {
    const c = parse({ 'made.up.key': 'x', 'ssl.keymanager.algorithm': 'SunX509', 'sasl.kerberos.service.name': 'kafka', 'ssl.keystore.location': '/k' });
    expect(c.unknownKeys).toEqual(['made.up.key']);
    expect(c.get('made.up.key')).toBe('x');
    expect(c.warnings).toEqual([
      "The configuration 'made.up.key' was supplied but isn't a known config.",
      "The configuration 'ssl.keymanager.algorithm' is a Kafka 2.7 broker setting that gregor accepts but does not implement.",
      "The configuration 'sasl.kerberos.service.name' is a Kafka 2.7 broker setting that gregor accepts but does not implement.",
    ]);
  });

  it('reads listener.name.<l>.<key> overrides over the broker-wide value, keys case as Kafka', () => {
    const c = parse({
      listeners: 'INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.1:0',
      'listener.security.protocol.map': 'INTERNAL:SASL_SSL,EXTERNAL:SSL',
      'inter.broker.listener.name': 'INTERNAL',
      'sasl.mechanism.inter.broker.protocol': 'PLAIN',
      'ssl.client.auth': 'none',
      'listener.name.external.ssl.client.auth': 'required',
      'listener.name.internal.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256',
      'listener.name.internal.plain.sasl.jaas.config': 'x required;',
      'listener.name.internal.some.unknown.key': 'y',
    });
    expect(c.listenerValue('EXTERNAL', 'ssl.client.auth')).toBe('required');
    expect(c.listenerValue('INTERNAL', 'ssl.client.auth')).toBe('none');
    expect(c.listenerValue('INTERNAL', 'sasl.enabled.mechanisms')).toEqual(['PLAIN', 'SCRAM-SHA-256']);
    expect(c.listenerValue('EXTERNAL', 'sasl.enabled.mechanisms')).toEqual(['GSSAPI']);
    expect(c.listenerSetting('INTERNAL', 'plain.sasl.jaas.config')).toBe('x required;');
    expect(c.listenerSetting('EXTERNAL', 'plain.sasl.jaas.config')).toBeNull();
    expect(c.warnings).toEqual([
      "The configuration 'listener.name.internal.some.unknown.key' is a Kafka 2.7 broker setting that gregor accepts but does not implement.",
    ]);
  });

  it('validates listener overrides with the key\'s own rules', () => {
    expect(errorsOf(() => parse({ 'listener.name.x.ssl.client.auth': 'always' }))[0]).toMatch(/listener\.name\.x\.ssl\.client\.auth/);
  });

  it('requires the inter-broker SASL mechanism to be enabled on the inter-broker listener', () => {
    const base = { listeners: 'SASL_PLAINTEXT://127.0.0.1:0', 'security.inter.broker.protocol': 'SASL_PLAINTEXT', 'sasl.enabled.mechanisms': 'PLAIN' };
    expect(errorsOf(() => parse(base))).toContain(
      'sasl.mechanism.inter.broker.protocol must be included in sasl.enabled.mechanisms when SASL is used for inter-broker communication',
    );
    expect(parse({ ...base, 'sasl.mechanism.inter.broker.protocol': 'PLAIN' }).interBrokerSecurityProtocol).toBe('SASL_PLAINTEXT');
  });

  it('loads a file and applies --override arguments', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'gregor-cfg-')), 'server.properties');
    writeFileSync(file, 'zookeeper.connect=localhost:2181\nbroker.id=0\nnum.partitions=1\n');
    const c = BrokerConfig.load(file, ['broker.id=2', 'num.partitions=6', 'listeners=PLAINTEXT://127.0.0.1:9094']);
    expect(c.brokerId).toBe(2);
    expect(c.values['num.partitions']).toBe(6);
    expect(c.listeners[0]?.port).toBe(9094);
    expect(c.originals.get('broker.id')).toBe('2');
  });
});

describe('dynamic configs and DescribeConfigs for a broker', () => {
  const base = parse({ 'broker.id': '1', 'log.retention.hours': '100', 'message.max.bytes': '2000000' });

  it('layers per-broker over cluster default over static, for dynamic keys only', () => {
    const c = base.withDynamicConfigs({
      clusterDefault: new Map([
        ['message.max.bytes', '3000000'],
        ['log.retention.ms', '1000'],
      ]),
      perBroker: new Map([
        ['message.max.bytes', '4000000'],
        ['num.partitions', '9'],
      ]),
    });
    expect(c.values['message.max.bytes']).toBe(4000000);
    expect(c.source('message.max.bytes')).toBe(ConfigSource.DynamicBrokerConfig);
    expect(c.logRetentionMs).toBe(1000);
    expect(c.source('log.retention.ms')).toBe(ConfigSource.DynamicDefaultBrokerConfig);
    expect(c.values['num.partitions']).toBe(1);
    expect(c.warnings).toContain("Dynamic config 'num.partitions' in /config/brokers/<id> is not dynamically updatable; ignored.");
  });

  it('describes keys with value, source, read-only flag and synonyms in priority order', () => {
    const c = base.withDynamicConfigs({ clusterDefault: new Map([['message.max.bytes', '3000000']]) });
    const byName = new Map(c.describe({ includeSynonyms: true }).map((e) => [e.name, e]));
    expect(byName.get('message.max.bytes')).toEqual({
      name: 'message.max.bytes',
      value: '3000000',
      readOnly: false,
      isDefault: false,
      configSource: ConfigSource.DynamicDefaultBrokerConfig,
      isSensitive: false,
      synonyms: [
        { name: 'message.max.bytes', value: '3000000', source: ConfigSource.DynamicDefaultBrokerConfig },
        { name: 'message.max.bytes', value: '2000000', source: ConfigSource.StaticBrokerConfig },
        { name: 'message.max.bytes', value: '1048588', source: ConfigSource.DefaultConfig },
      ],
      configType: 3,
      documentation: null,
    });
    expect(byName.get('log.retention.hours')).toMatchObject({
      value: '100',
      readOnly: true,
      configSource: ConfigSource.StaticBrokerConfig,
      synonyms: [
        { name: 'log.retention.hours', value: '100', source: ConfigSource.StaticBrokerConfig },
        { name: 'log.retention.hours', value: '168', source: ConfigSource.DefaultConfig },
      ],
    });
    expect(byName.get('num.partitions')).toMatchObject({ value: '1', isDefault: true, configSource: ConfigSource.DefaultConfig });
  });

  it('describes only the requested names, and the cluster default entity by its dynamic keys', () => {
    const c = base.withDynamicConfigs({ clusterDefault: new Map([['min.insync.replicas', '2']]) });
    expect(c.describe({ names: ['broker.id', 'num.partitions'] }).map((e) => e.name)).toEqual(['broker.id', 'num.partitions']);
    expect(c.describe({ perBroker: false, includeSynonyms: true })).toEqual([
      expect.objectContaining({
        name: 'min.insync.replicas',
        value: '2',
        configSource: ConfigSource.DynamicDefaultBrokerConfig,
        synonyms: [{ name: 'min.insync.replicas', value: '2', source: ConfigSource.DynamicDefaultBrokerConfig }],
      }),
    ]);
  });

  it('treats unknown keys as sensitive in DescribeConfigs (unknown type)', () => {
    const entry = parse({ 'custom.thing': 'secret' }).describe({ names: ['custom.thing'] })[0];
    expect(entry).toMatchObject({ name: 'custom.thing', value: null, isSensitive: true });
  });
});

describe('ApiVersion', () => {
  it('resolves short, three-part and internal versions as Kafka does', () => {
    expect(parseApiVersion('2.7')?.version).toBe('2.7-IV2');
    expect(parseApiVersion('2.7.0')?.version).toBe('2.7-IV2');
    expect(parseApiVersion('2.7-IV0')?.version).toBe('2.7-IV0');
    expect(parseApiVersion('0.10.2.1')?.version).toBe('0.10.2-IV0');
    expect(parseApiVersion('0.9.0')?.recordVersion).toBe(0);
    expect(parseApiVersion('0.10.0')?.recordVersion).toBe(1);
    expect(parseApiVersion('0.11.0-IV0')?.recordVersion).toBe(2);
    expect(parseApiVersion('2.8')).toBeNull();
  });
});
