/**
 * Every broker key gregor reads, with Kafka 2.7's type, default (as `ConfigDef.convertToString`
 * prints it), validator and whether Kafka lets it change dynamically (`/config/brokers/...`).
 * Source: KafkaConfig.scala `Defaults` and `configDef` at 2.7; see also reference/ecosystem.md
 * §1.11 and zk-and-controller.md §16. `config/server.properties` documents each key; a unit test
 * keeps that file and this table in agreement.
 */
import { API_VERSION_CHOICES, parseApiVersion } from './api-version.js';
import { atLeast, between, key, listOf, oneOf, type Validator } from './config-def.js';

const INT_MAX = '2147483647';
const LONG_MAX = '9223372036854775807';
const DOUBLE_MAX = '1.7976931348623157E308';

export const apiVersionValidator: Validator = {
  kind: 'custom',
  describe: API_VERSION_CHOICES,
  check: (v) => (parseApiVersion(v as string) ? null : `Version \`${v as string}\` is not a valid version`),
};

/** Broker-side `compression.type` values (BrokerCompressionCodec), checked case-insensitively. */
export const BROKER_COMPRESSION_TYPES = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] as const;

const D = { dynamic: true } as const;

export const BROKER_CONFIG_KEYS = {
  // ZooKeeper
  'zookeeper.connect': key('string', null, 'ZooKeeper connection string host:port[,host:port...][/chroot]', { required: true }),
  'zookeeper.session.timeout.ms': key('int', '18000', 'ZooKeeper session timeout (6000 before 2.5, KIP-537)'),
  'zookeeper.connection.timeout.ms': key('int', null, 'Max wait to connect to ZooKeeper; unset = zookeeper.session.timeout.ms'),
  'zookeeper.sync.time.ms': key('int', '2000', 'How far a ZooKeeper follower can be behind its leader'),
  'zookeeper.set.acl': key('boolean', 'false', 'Create znodes writable only by the brokers (digest identity from the JAAS Client section)'),
  'zookeeper.max.in.flight.requests': key('int', '10', 'Max unacknowledged ZooKeeper requests before blocking', { validator: atLeast(1) }),

  // General
  'broker.id.generation.enable': key('boolean', 'true', 'Generate a broker id from /brokers/seqid when broker.id=-1'),
  'reserved.broker.max.id': key('int', '1000', 'Largest configurable broker id; generated ids start above it', { validator: atLeast(0) }),
  'broker.id': key('int', '-1', 'Broker id; -1 = generate one through ZooKeeper'),
  'message.max.bytes': key('int', '1048588', 'Largest record batch accepted (topic: max.message.bytes)', { validator: atLeast(0), ...D }),
  'num.network.threads': key('int', '3', 'Network threads (accepted; gregor is single-threaded, no effect)', { validator: atLeast(1), noEffect: true, ...D }),
  'num.io.threads': key('int', '8', 'Request handler threads (accepted; no effect in gregor)', { validator: atLeast(1), noEffect: true, ...D }),
  'background.threads': key('int', '10', 'Background task threads (accepted; no effect in gregor)', { validator: atLeast(1), noEffect: true, ...D }),
  'queued.max.requests': key('int', '500', 'Queued requests before the network stops reading', { validator: atLeast(1) }),
  'queued.max.request.bytes': key('long', '-1', 'Queued request bytes before reads stop; -1 = no limit'),
  'request.timeout.ms': key('int', '30000', 'Timeout for requests this broker sends (controller and replica clients)'),

  // Socket server
  'port': key('int', '9092', 'Deprecated: port used when listeners is unset'),
  'host.name': key('string', '', 'Deprecated: host used when listeners is unset'),
  'listeners': key('string', null, 'NAME://host:port list to bind; unset = PLAINTEXT://host.name:port', D),
  'advertised.host.name': key('string', null, 'Deprecated: advertised host when advertised.listeners is unset'),
  'advertised.port': key('int', null, 'Deprecated: advertised port when advertised.listeners is unset'),
  'advertised.listeners': key('string', null, 'Endpoints published in ZooKeeper and Metadata; unset = listeners', D),
  'listener.security.protocol.map': key('string', 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL', 'Listener name to security protocol', D),
  'control.plane.listener.name': key('string', null, 'Listener reserved for controller requests (KIP-291)'),
  'socket.send.buffer.bytes': key('int', '102400', 'SO_SNDBUF; -1 = OS default'),
  'socket.receive.buffer.bytes': key('int', '102400', 'SO_RCVBUF; -1 = OS default'),
  'socket.request.max.bytes': key('int', '104857600', 'Largest request frame; larger frames close the connection', { validator: atLeast(1) }),
  'max.connections.per.ip': key('int', INT_MAX, 'Connections allowed from one address', { validator: atLeast(0), ...D }),
  'max.connections.per.ip.overrides': key('string', '', 'host:count overrides of max.connections.per.ip', D),
  'max.connections': key('int', INT_MAX, 'Connections allowed in total', { validator: atLeast(0), ...D }),
  'connections.max.idle.ms': key('long', '600000', 'Close connections idle this long'),
  'broker.rack': key('string', null, 'Rack of the broker, for rack-aware replica placement'),

  // Log
  'num.partitions': key('int', '1', 'Partitions of auto-created topics', { validator: atLeast(1) }),
  'log.dir': key('string', '/tmp/kafka-logs', 'Log directory used when log.dirs is unset'),
  'log.dirs': key('string', null, 'Comma list of log directories; unset = log.dir'),
  'log.segment.bytes': key('int', '1073741824', 'Segment file size (topic: segment.bytes)', { validator: atLeast(14), ...D }),
  'log.roll.ms': key('long', null, 'Roll a segment after this long; unset = log.roll.hours (topic: segment.ms)', D),
  'log.roll.hours': key('int', '168', 'Roll a segment after this many hours', { validator: atLeast(1) }),
  'log.roll.jitter.ms': key('long', null, 'Max random jitter on rolls; unset = log.roll.jitter.hours (topic: segment.jitter.ms)', D),
  'log.roll.jitter.hours': key('int', '0', 'Max random jitter on rolls, hours', { validator: atLeast(0) }),
  'log.retention.ms': key('long', null, 'Delete segments older than this; -1 = forever; wins over minutes/hours (topic: retention.ms)', D),
  'log.retention.minutes': key('int', null, 'Retention in minutes; wins over hours'),
  'log.retention.hours': key('int', '168', 'Retention in hours'),
  'log.retention.bytes': key('long', '-1', 'Max partition size before deleting old segments; -1 = none (topic: retention.bytes)', D),
  'log.retention.check.interval.ms': key('long', '300000', 'How often retention runs', { validator: atLeast(1) }),
  'log.cleanup.policy': key('list', 'delete', 'delete, compact or both (topic: cleanup.policy)', { validator: listOf('compact', 'delete'), ...D }),
  'log.cleaner.threads': key('int', '1', 'Cleaner threads', { validator: atLeast(0), ...D }),
  'log.cleaner.io.max.bytes.per.second': key('double', DOUBLE_MAX, 'Cleaner I/O throttle', D),
  'log.cleaner.dedupe.buffer.size': key('long', '134217728', 'Memory for cleaner key maps, all threads', D),
  'log.cleaner.io.buffer.size': key('int', '524288', 'Cleaner I/O buffer memory, all threads', { validator: atLeast(0), ...D }),
  'log.cleaner.io.buffer.load.factor': key('double', '0.9', 'Dedupe map load factor', D),
  'log.cleaner.backoff.ms': key('long', '15000', 'Cleaner sleep when nothing is cleanable', { validator: atLeast(0), ...D }),
  'log.cleaner.min.cleanable.ratio': key('double', '0.5', 'Dirty ratio that makes a log cleanable (topic: min.cleanable.dirty.ratio)', { validator: between(0, 1), ...D }),
  'log.cleaner.enable': key('boolean', 'true', 'Run the log cleaner (compacted topics are never cleaned without it)'),
  'log.cleaner.delete.retention.ms': key('long', '86400000', 'Keep tombstones this long (topic: delete.retention.ms)', D),
  'log.cleaner.min.compaction.lag.ms': key('long', '0', 'Min age before a record can be compacted (topic: min.compaction.lag.ms)', D),
  'log.cleaner.max.compaction.lag.ms': key('long', LONG_MAX, 'Max age before a record must be compacted (topic: max.compaction.lag.ms)', D),
  'log.index.size.max.bytes': key('int', '10485760', 'Offset index size (topic: segment.index.bytes)', { validator: atLeast(4), ...D }),
  'log.index.interval.bytes': key('int', '4096', 'Bytes between offset index entries (topic: index.interval.bytes)', { validator: atLeast(0), ...D }),
  'log.flush.interval.messages': key('long', LONG_MAX, 'fsync after this many messages (topic: flush.messages)', { validator: atLeast(1), ...D }),
  'log.segment.delete.delay.ms': key('long', '60000', 'Wait before deleting a .deleted file (topic: file.delete.delay.ms)', { validator: atLeast(0), ...D }),
  'log.flush.scheduler.interval.ms': key('long', LONG_MAX, 'How often the flusher checks logs; default for log.flush.interval.ms'),
  'log.flush.interval.ms': key('long', null, 'fsync after this long; unset = log.flush.scheduler.interval.ms (topic: flush.ms)', D),
  'log.flush.offset.checkpoint.interval.ms': key('int', '60000', 'How often the recovery-point checkpoint is written', { validator: atLeast(0) }),
  'log.flush.start.offset.checkpoint.interval.ms': key('int', '60000', 'How often the log-start-offset checkpoint is written', { validator: atLeast(0) }),
  'log.preallocate': key('boolean', 'false', 'Preallocate segment files (topic: preallocate)', D),
  'num.recovery.threads.per.data.dir': key('int', '1', 'Recovery threads per log dir (accepted; no effect in gregor)', { validator: atLeast(1), noEffect: true, ...D }),
  'auto.create.topics.enable': key('boolean', 'true', 'Create unknown topics on Metadata requests'),
  'min.insync.replicas': key('int', '1', 'ISR size acks=all needs (topic: min.insync.replicas)', { validator: atLeast(1), ...D }),
  'log.message.format.version': key('string', '2.7-IV2', 'Record format written (topic: message.format.version)', { validator: apiVersionValidator }),
  'log.message.timestamp.type': key('string', 'CreateTime', 'CreateTime or LogAppendTime (topic: message.timestamp.type)', { validator: oneOf('CreateTime', 'LogAppendTime'), ...D }),
  'log.message.timestamp.difference.max.ms': key('long', LONG_MAX, 'Max CreateTime skew accepted (topic: message.timestamp.difference.max.ms)', D),
  'log.message.downconversion.enable': key('boolean', 'true', 'Down-convert for old fetchers (topic: message.downconversion.enable)', D),
  'compression.type': key('string', 'producer', 'Topic compression; producer = keep what the producer sent (topic: compression.type)', {
    validator: { kind: 'oneOf', values: BROKER_COMPRESSION_TYPES, ignoreCase: true },
    ...D,
  }),
  'delete.topic.enable': key('boolean', 'true', 'Allow topic deletion'),

  // Replication
  'controller.socket.timeout.ms': key('int', '30000', 'Socket timeout of controller-to-broker channels'),
  'default.replication.factor': key('int', '1', 'Replication factor of auto-created topics'),
  'replica.lag.time.max.ms': key('long', '30000', 'Drop a follower from the ISR after this long without catching up (10000 before 2.5)'),
  'replica.socket.timeout.ms': key('int', '30000', 'Socket timeout of replica fetch requests'),
  'replica.socket.receive.buffer.bytes': key('int', '65536', 'SO_RCVBUF of replica fetch connections'),
  'replica.fetch.max.bytes': key('int', '1048576', 'Bytes fetched per partition by followers', { validator: atLeast(0) }),
  'replica.fetch.wait.max.ms': key('int', '500', 'Max wait of follower fetch requests'),
  'replica.fetch.backoff.ms': key('int', '1000', 'Sleep after a follower fetch error', { validator: atLeast(0) }),
  'replica.fetch.min.bytes': key('int', '1', 'Min bytes for a follower fetch response'),
  'replica.fetch.response.max.bytes': key('int', '10485760', 'Bytes per follower fetch response', { validator: atLeast(0) }),
  'num.replica.fetchers': key('int', '1', 'Fetcher threads per source broker', D),
  'replica.high.watermark.checkpoint.interval.ms': key('long', '5000', 'How often the high watermark checkpoint is written'),
  'replica.selector.class': key('string', null, 'Fetch from the closest replica (KIP-392): org.apache.kafka.common.replica.RackAwareReplicaSelector; unset = consumers read from the leader', {
    validator: oneOf('org.apache.kafka.common.replica.RackAwareReplicaSelector'),
  }),
  'fetch.purgatory.purge.interval.requests': key('int', '1000', 'Fetch purgatory purge interval (requests)'),
  'producer.purgatory.purge.interval.requests': key('int', '1000', 'Produce purgatory purge interval (requests)'),
  'delete.records.purgatory.purge.interval.requests': key('int', '1', 'DeleteRecords purgatory purge interval (requests)'),
  'auto.leader.rebalance.enable': key('boolean', 'true', 'Move leadership back to preferred replicas periodically'),
  'leader.imbalance.per.broker.percentage': key('int', '10', 'Imbalance per broker that triggers a rebalance, percent'),
  'leader.imbalance.check.interval.seconds': key('long', '300', 'How often the controller checks leader imbalance'),
  'unclean.leader.election.enable': key('boolean', 'false', 'Allow out-of-sync replicas to lead (may lose data)', D),
  'security.inter.broker.protocol': key('string', 'PLAINTEXT', 'Protocol between brokers; exclusive with inter.broker.listener.name'),
  'inter.broker.protocol.version': key('string', '2.7-IV2', 'Inter-broker protocol version (2.7-IV2 = AlterIsr)', { validator: apiVersionValidator }),
  'inter.broker.listener.name': key('string', null, 'Listener brokers use to talk to each other'),

  // Security: listeners' TLS and SASL (each key may be set per listener as listener.name.<l>.<key>)
  'connections.max.reauth.ms': key('long', '0', 'SASL session lifetime before re-authentication (KIP-368); 0 = never'),
  'connection.failed.authentication.delay.ms': key('int', '100', 'Delay before answering and closing a failed authentication', { validator: atLeast(0) }),
  'principal.builder.class': key('class', null, 'KafkaPrincipalBuilder class (only the default builder exists in gregor)', {
    validator: { kind: 'custom', describe: 'the default builder', check: (v) => (v === 'org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder' ? null : 'only the default KafkaPrincipalBuilder is available in gregor') },
  }),
  'sasl.enabled.mechanisms': key('list', 'GSSAPI', 'SASL mechanisms served: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (GSSAPI is not available)'),
  'sasl.mechanism.inter.broker.protocol': key('string', 'GSSAPI', 'SASL mechanism brokers use towards each other'),
  'sasl.jaas.config': key('password', null, 'Ignored on brokers (as in Kafka): use listener.name.<l>.<mechanism>.sasl.jaas.config'),
  'ssl.protocol': key('string', 'TLSv1.3', 'TLS protocol of client connections; the server side follows ssl.enabled.protocols'),
  'ssl.enabled.protocols': key('list', 'TLSv1.2,TLSv1.3', 'TLS versions accepted'),
  'ssl.cipher.suites': key('list', '', 'Cipher suites (IANA names, as Java); empty = the TLS library defaults'),
  'ssl.keystore.type': key('string', 'JKS', 'PEM or PKCS12 (JKS cannot be read by Node)'),
  'ssl.keystore.location': key('string', null, 'Keystore file: PKCS12, or PEM holding the key and its certificate chain'),
  'ssl.keystore.password': key('password', null, 'PKCS12 keystore password (not allowed with PEM)'),
  'ssl.key.password': key('password', null, 'Password of the private key (required for a PEM keystore file)'),
  'ssl.keystore.key': key('password', null, 'PEM private key inline (KIP-651), with ssl.keystore.certificate.chain'),
  'ssl.keystore.certificate.chain': key('password', null, 'PEM certificate chain inline (KIP-651)'),
  'ssl.truststore.type': key('string', 'JKS', 'PEM or PKCS12'),
  'ssl.truststore.location': key('string', null, 'Truststore file (CA certificates)'),
  'ssl.truststore.password': key('password', null, 'PKCS12 truststore password'),
  'ssl.truststore.certificates': key('password', null, 'PEM CA certificates inline (KIP-651)'),
  'ssl.client.auth': key('string', 'none', 'Client certificates: required, requested or none', { validator: oneOf('required', 'requested', 'none') }),
  'ssl.endpoint.identification.algorithm': key('string', 'https', 'https = check the peer host name against its certificate (client side); empty = no check'),
  'ssl.principal.mapping.rules': key('string', 'DEFAULT', 'Rules mapping a certificate subject to a principal name (RULE:pattern/replacement/[LU], DEFAULT)'),

  // Authorization (AclAuthorizer's keys)
  'authorizer.class.name': key('string', '', 'kafka.security.authorizer.AclAuthorizer (or the old kafka.security.auth.SimpleAclAuthorizer); empty = no authorization', {
    validator: oneOf('', 'kafka.security.authorizer.AclAuthorizer', 'kafka.security.auth.SimpleAclAuthorizer'),
  }),
  'super.users': key('string', null, 'Semicolon-separated principals allowed everything, e.g. User:admin;User:CN=broker'),
  'allow.everyone.if.no.acl.found': key('boolean', 'false', 'Allow access to resources that have no ACL at all'),

  // Controlled shutdown
  'controlled.shutdown.max.retries': key('int', '3', 'ControlledShutdown attempts before an unclean shutdown'),
  'controlled.shutdown.retry.backoff.ms': key('long', '5000', 'Wait between ControlledShutdown attempts'),
  'controlled.shutdown.enable': key('boolean', 'true', 'Move leadership away before shutting down'),

  // Group coordinator
  'group.min.session.timeout.ms': key('int', '6000', 'Smallest session.timeout.ms a member may ask for'),
  'group.max.session.timeout.ms': key('int', '1800000', 'Largest session.timeout.ms a member may ask for'),
  'group.initial.rebalance.delay.ms': key('int', '3000', 'Delay of the first rebalance of an empty group'),
  'group.max.size': key('int', INT_MAX, 'Max members per group', { validator: atLeast(1) }),

  // Offset management
  'offset.metadata.max.bytes': key('int', '4096', 'Max metadata string of a committed offset'),
  'offsets.load.buffer.size': key('int', '5242880', 'Read buffer when loading offsets', { validator: atLeast(1) }),
  'offsets.topic.replication.factor': key('short', '3', 'Replication factor of __consumer_offsets (set 1 for one broker)', { validator: atLeast(1) }),
  'offsets.topic.num.partitions': key('int', '50', 'Partitions of __consumer_offsets', { validator: atLeast(1) }),
  'offsets.topic.segment.bytes': key('int', '104857600', 'Segment size of __consumer_offsets', { validator: atLeast(1) }),
  'offsets.topic.compression.codec': key('int', '0', 'Compression of offset commits: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd', { validator: between(0, 4) }),
  'offsets.retention.minutes': key('int', '10080', 'Keep committed offsets of empty groups this long (1440 before 2.0)', { validator: atLeast(1) }),
  'offsets.retention.check.interval.ms': key('long', '600000', 'How often stale offsets are looked for', { validator: atLeast(1) }),
  'offsets.commit.timeout.ms': key('int', '5000', 'Max wait for an offset commit to be stored', { validator: atLeast(1) }),
  'offsets.commit.required.acks': key('short', '-1', 'Acks needed for an offset commit'),

  // Transactions
  'transactional.id.expiration.ms': key('int', '604800000', 'Expire an idle transactional id (and a partition\'s idle producer state) after this long', { validator: atLeast(1) }),
  'producer.id.expiration.check.interval.ms': key('int', '600000', 'How often partitions drop idle producer state (a constant in Kafka 2.7; the key is Kafka 3.x\'s)', { validator: atLeast(1) }),
  'transaction.max.timeout.ms': key('int', '900000', 'Largest transaction.timeout.ms a producer may ask for', { validator: atLeast(1) }),
  'transaction.state.log.min.isr': key('int', '2', 'min.insync.replicas of __transaction_state', { validator: atLeast(1) }),
  'transaction.state.log.load.buffer.size': key('int', '5242880', 'Read buffer when loading transaction state', { validator: atLeast(1) }),
  'transaction.state.log.replication.factor': key('short', '3', 'Replication factor of __transaction_state', { validator: atLeast(1) }),
  'transaction.state.log.num.partitions': key('int', '50', 'Partitions of __transaction_state', { validator: atLeast(1) }),
  'transaction.state.log.segment.bytes': key('int', '104857600', 'Segment size of __transaction_state', { validator: atLeast(1) }),
  'transaction.abort.timed.out.transaction.cleanup.interval.ms': key('int', '10000', 'How often timed-out transactions are aborted', { validator: atLeast(1) }),
  'transaction.remove.expired.transaction.cleanup.interval.ms': key('int', '3600000', 'How often expired transactional ids are removed', { validator: atLeast(1) }),

  // Fetch sessions
  'max.incremental.fetch.session.cache.slots': key('int', '1000', 'Fetch sessions kept (KIP-227)', { validator: atLeast(0) }),
  'fetch.max.bytes': key('int', '57671680', 'Max bytes in one consumer fetch response', { validator: atLeast(1024) }),

  // Metrics (gregor exposes Prometheus metrics instead)
  'metrics.num.samples': key('int', '2', 'Samples kept per metric (accepted; no effect in gregor)', { validator: atLeast(1), noEffect: true }),
  'metrics.sample.window.ms': key('long', '30000', 'Metric sample window (accepted; no effect in gregor)', { validator: atLeast(1), noEffect: true }),
  'metric.reporters': key('list', '', 'Java metric reporter classes (accepted; no effect in gregor)', { noEffect: true, ...D }),
  'metrics.recording.level': key('string', 'INFO', 'Metric recording level (accepted; no effect in gregor)', { noEffect: true }),
  // gregor's own (not a Kafka key): the HTTP listener of /metrics and the web view
  'http.listener': key('string', null, 'gregor only: host:port serving GET /metrics (Prometheus) and GET / (web view); unset = off'),
} as const;

export type BrokerConfigName = keyof typeof BROKER_CONFIG_KEYS;

/**
 * Kafka 2.7 broker keys gregor accepts without implementing (security, quotas, pluggable Java
 * classes). They are reported as warnings, never as unknown.
 */
export const UNIMPLEMENTED_KAFKA_KEYS = new Set([
  'security.providers',
  'connection.setup.timeout.ms',
  'connection.setup.timeout.max.ms',
  'max.connection.creation.rate',
  'create.topic.policy.class.name',
  'alter.config.policy.class.name',
  'client.quota.callback.class',
  'num.replica.alter.log.dirs.threads',
  'zookeeper.clientCnxnSocket',
  'kafka.metrics.reporters',
  'kafka.metrics.polling.interval.secs',
  'quota.producer.default',
  'quota.consumer.default',
  'quota.window.num',
  'quota.window.size.seconds',
  'replication.quota.window.num',
  'replication.quota.window.size.seconds',
  'alter.log.dirs.replication.quota.window.num',
  'alter.log.dirs.replication.quota.window.size.seconds',
  'controller.quota.window.num',
  'controller.quota.window.size.seconds',
  'leader.replication.throttled.rate',
  'follower.replication.throttled.rate',
  'replica.alter.log.dirs.io.max.bytes.per.second',
]);

export const UNIMPLEMENTED_KAFKA_PREFIXES = ['ssl.', 'sasl.', 'listener.name.', 'zookeeper.ssl.', 'delegation.token.', 'password.encoder.'];

/** Keys a listener may override as `listener.name.<listener>.<key>` (Kafka's valuesWithPrefixOverride). */
export function isListenerOverridableKey(name: string): boolean {
  return name.startsWith('ssl.') || name === 'sasl.enabled.mechanisms' || name === 'connections.max.reauth.ms';
}

/** `listener.name.<l>.<mechanism>.sasl.jaas.config` and `...<mechanism>.connections.max.reauth.ms` suffixes. */
export const MECHANISM_SCOPED_LISTENER_KEY = /^([a-z0-9-]+)\.(sasl\.jaas\.config|connections\.max\.reauth\.ms)$/;

/** Kafka's `DynamicBrokerConfig.brokerConfigSynonyms`: the names that set one broker value, highest priority first. */
export function brokerConfigSynonyms(name: string): string[] {
  switch (name) {
    case 'log.roll.ms':
    case 'log.roll.hours':
      return ['log.roll.ms', 'log.roll.hours'];
    case 'log.roll.jitter.ms':
    case 'log.roll.jitter.hours':
      return ['log.roll.jitter.ms', 'log.roll.jitter.hours'];
    case 'log.flush.interval.ms':
      return ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'];
    case 'log.retention.ms':
    case 'log.retention.minutes':
    case 'log.retention.hours':
      return ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'];
    default:
      return [name];
  }
}
