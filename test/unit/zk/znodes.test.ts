import { describe, expect, it } from 'vitest';
import {
  BrokerIdZNode,
  ClusterIdZNode,
  ConfigEntityChangeNotificationSequenceZNode,
  ConfigEntityZNode,
  ConsumerIdZNode,
  ConsumerOffsetMetadataZNode,
  ConsumerOffsetZNode,
  ConsumerTxnOffsetZNode,
  ControllerEpochZNode,
  ControllerZNode,
  FeatureZNode,
  IsrChangeNotificationSequenceZNode,
  LogDirEventNotificationSequenceZNode,
  PreferredReplicaElectionZNode,
  ProducerIdBlockZNode,
  ReassignPartitionsZNode,
  TOP_LEVEL_PATHS,
  TopicPartitionStateZNode,
  TopicZNode,
  ZNodeDecodeError,
  replicaAssignment,
  sequenceNumber,
  type BrokerInfo,
} from '../../../src/zk/znodes.js';

const text = (b: Buffer) => b.toString('utf8');
const buf = (s: string) => Buffer.from(s, 'utf8');

describe('znodes - cluster and controller', () => {
  it('/cluster/id has a string version "1"', () => {
    expect(text(ClusterIdZNode.encode('abcdefghijklmnopqrstuv'))).toBe('{"version":"1","id":"abcdefghijklmnopqrstuv"}');
    expect(ClusterIdZNode.decode(buf('{"version":"1","id":"xyz"}'))).toBe('xyz');
  });

  it('/controller carries the timestamp as a string', () => {
    expect(text(ControllerZNode.encode(3, 1612345678901))).toBe('{"version":1,"brokerid":3,"timestamp":"1612345678901"}');
    expect(ControllerZNode.decode(buf('{"version":1,"brokerid":2,"timestamp":"5"}'))).toEqual({ brokerId: 2, timestamp: 5 });
    expect(() => ControllerZNode.decode(buf('{"version":1}'))).toThrow(ZNodeDecodeError);
  });

  it('/controller_epoch is decimal text', () => {
    expect(text(ControllerEpochZNode.encode(7))).toBe('7');
    expect(ControllerEpochZNode.decode(buf('42'))).toBe(42);
    expect(() => ControllerEpochZNode.decode(buf('{"epoch":1}'))).toThrow(ZNodeDecodeError);
  });
});

describe('znodes - broker registration', () => {
  const info: BrokerInfo = {
    id: 1,
    endpoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: 'b1', port: 9092 }],
    rack: null,
    jmxPort: -1,
  };

  it('writes Kafka 2.7 JSON v5 with exactly its field set', () => {
    expect(text(BrokerIdZNode.encode(info, 1612345678901))).toBe(
      '{"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://b1:9092"],' +
        '"jmx_port":-1,"host":"b1","timestamp":"1612345678901","port":9092,"version":5}',
    );
  });

  it('takes host/port from the first PLAINTEXT-protocol endpoint, null/-1 without one; rack only when set', () => {
    const two: BrokerInfo = {
      id: 2,
      endpoints: [
        { listenerName: 'SECURE', securityProtocol: 'SSL', host: 'h', port: 9093 },
        { listenerName: 'INTERNAL', securityProtocol: 'PLAINTEXT', host: 'i', port: 9094 },
      ],
      rack: 'r1',
      jmxPort: 9999,
    };
    const o = JSON.parse(text(BrokerIdZNode.encode(two, 1))) as Record<string, unknown>;
    expect(o).toMatchObject({ host: 'i', port: 9094, rack: 'r1', jmx_port: 9999 });
    expect(o.listener_security_protocol_map).toEqual({ SECURE: 'SSL', INTERNAL: 'PLAINTEXT' });
    const sslOnly = JSON.parse(text(BrokerIdZNode.encode({ ...two, endpoints: [two.endpoints[0]!], rack: null }, 1))) as Record<
      string,
      unknown
    >;
    expect(sslOnly.host).toBeNull();
    expect(sslOnly.port).toBe(-1);
    expect('rack' in sslOnly).toBe(false);
  });

  it('round-trips and decodes older versions', () => {
    const decoded = BrokerIdZNode.decode(1, BrokerIdZNode.encode({ ...info, rack: 'r' }, 77));
    expect(decoded).toEqual({ ...info, rack: 'r', id: 1, version: 5, timestamp: 77, features: {} });
    const v1 = BrokerIdZNode.decode(4, buf('{"jmx_port":-1,"timestamp":"1","host":"old","version":1,"port":9092}'));
    expect(v1.endpoints).toEqual([{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: 'old', port: 9092 }]);
    const v2 = BrokerIdZNode.decode(5, buf('{"jmx_port":-1,"timestamp":"1","endpoints":["SSL://h:9093"],"host":null,"version":2,"port":-1}'));
    expect(v2.endpoints).toEqual([{ listenerName: 'SSL', securityProtocol: 'SSL', host: 'h', port: 9093 }]);
    expect(() => BrokerIdZNode.decode(1, buf('{"version":0,"host":"h","port":1}'))).toThrow(ZNodeDecodeError);
  });
});

describe('znodes - topics and partitions', () => {
  it('/brokers/topics/<t> is v2 with adding/removing maps always present', () => {
    const a = new Map([
      [1, replicaAssignment([2, 3])],
      [0, replicaAssignment([1, 2])],
    ]);
    expect(text(TopicZNode.encode(a))).toBe(
      '{"version":2,"partitions":{"0":[1,2],"1":[2,3]},"adding_replicas":{},"removing_replicas":{}}',
    );
    const moving = new Map([[0, { replicas: [1, 2, 3], addingReplicas: [3], removingReplicas: [1] }]]);
    expect(text(TopicZNode.encode(moving))).toBe(
      '{"version":2,"partitions":{"0":[1,2,3]},"adding_replicas":{"0":[3]},"removing_replicas":{"0":[1]}}',
    );
    expect(TopicZNode.decode('t', TopicZNode.encode(moving))).toEqual(moving);
  });

  it('decodes v1 topic JSON (no adding/removing) and v3 (topic_id ignored)', () => {
    expect(TopicZNode.decode('t', buf('{"version":1,"partitions":{"0":[1,2,3],"1":[2,3,1]}}'))).toEqual(
      new Map([
        [0, replicaAssignment([1, 2, 3])],
        [1, replicaAssignment([2, 3, 1])],
      ]),
    );
    expect(TopicZNode.decode('t', buf('{"version":3,"topic_id":"x","partitions":{"0":[1]}}')).get(0)?.replicas).toEqual([1]);
    expect(() => TopicZNode.decode('t', buf('{"version":2,"partitions":{"a":[1]}}'))).toThrow(ZNodeDecodeError);
  });

  it('partition state JSON', () => {
    const s = { leader: 1, leaderEpoch: 0, isr: [1, 2, 3], controllerEpoch: 1 };
    const tp = { topic: 't', partition: 0 };
    expect(TopicPartitionStateZNode.path(tp)).toBe('/brokers/topics/t/partitions/0/state');
    expect(text(TopicPartitionStateZNode.encode(s))).toBe('{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1,2,3]}');
    expect(TopicPartitionStateZNode.decode(tp, TopicPartitionStateZNode.encode(s))).toEqual(s);
    expect(() => TopicPartitionStateZNode.decode(tp, buf('{"leader":1}'))).toThrow(ZNodeDecodeError);
  });
});

describe('znodes - config, admin, notifications', () => {
  it('config entity and change notification', () => {
    expect(ConfigEntityZNode.path('brokers', '<default>')).toBe('/config/brokers/<default>');
    expect(text(ConfigEntityZNode.encode({ 'retention.ms': '86400000' }))).toBe('{"version":1,"config":{"retention.ms":"86400000"}}');
    expect(ConfigEntityZNode.decode('/config/topics/t', null)).toEqual({});
    expect(text(ConfigEntityChangeNotificationSequenceZNode.encode('topics/my-topic'))).toBe(
      '{"version":2,"entity_path":"topics/my-topic"}',
    );
    expect(ConfigEntityChangeNotificationSequenceZNode.decode('config_change_0000000001', buf('{"version":1,"entity_type":"topics","entity_name":"x"}'))).toBe('topics/x');
  });

  it('reassignment, preferred election, ISR change, log dir event', () => {
    const tp = { topic: 't', partition: 0 };
    expect(text(ReassignPartitionsZNode.encode([{ tp, replicas: [4, 5, 6] }]))).toBe(
      '{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[4,5,6]}]}',
    );
    expect(text(PreferredReplicaElectionZNode.encode([tp]))).toBe('{"version":1,"partitions":[{"topic":"t","partition":0}]}');
    expect(text(IsrChangeNotificationSequenceZNode.encode([tp, { topic: 'u', partition: 3 }]))).toBe(
      '{"version":1,"partitions":[{"topic":"t","partition":0},{"topic":"u","partition":3}]}',
    );
    expect(IsrChangeNotificationSequenceZNode.decode('isr_change_0000000042', IsrChangeNotificationSequenceZNode.encode([tp]))).toEqual([tp]);
    expect(sequenceNumber('isr_change_0000000042', 'isr_change_')).toBe(42);
    expect(text(LogDirEventNotificationSequenceZNode.encode(3))).toBe('{"version":1,"broker":3,"event":1}');
  });

  it('producer id block bounds are strings; feature znode', () => {
    expect(text(ProducerIdBlockZNode.encode({ brokerId: 1, blockStart: 0, blockEnd: 999 }))).toBe(
      '{"version":1,"broker":1,"block_start":"0","block_end":"999"}',
    );
    expect(ProducerIdBlockZNode.decode(null)).toBeNull();
    expect(ProducerIdBlockZNode.decode(buf('{"version":1,"broker":2,"block_start":"1000","block_end":"1999"}'))).toEqual({
      brokerId: 2,
      blockStart: 1000,
      blockEnd: 1999,
    });
    expect(text(FeatureZNode.encode(true))).toBe('{"version":1,"status":1,"features":{}}');
  });
});

describe('znodes - consumers', () => {
  const tp = { topic: 't', partition: 2 };
  it('offsets are decimal text at the 0.8.2 path', () => {
    expect(ConsumerOffsetZNode.path('g', tp)).toBe('/consumers/g/offsets/t/2');
    expect(text(ConsumerOffsetZNode.encode(12345))).toBe('12345');
    expect(ConsumerOffsetZNode.decode('g', tp, buf('12345'))).toBe(12345);
    expect(() => ConsumerOffsetZNode.decode('g', tp, buf('x'))).toThrow(ZNodeDecodeError);
  });

  it('member registration, metadata sidecar and pending txn offset', () => {
    expect(text(ConsumerIdZNode.encode({ subscription: { t: 1 }, pattern: 'static', timestamp: 9 }))).toBe(
      '{"version":1,"subscription":{"t":1},"pattern":"static","timestamp":"9"}',
    );
    const m = { offset: 5, metadata: 'm', leaderEpoch: 3, commitTimestamp: 10 };
    expect(text(ConsumerOffsetMetadataZNode.encode(m))).toBe(
      '{"version":1,"offset":5,"leader_epoch":3,"metadata":"m","commit_timestamp":"10"}',
    );
    expect(ConsumerOffsetMetadataZNode.decode('g', tp, ConsumerOffsetMetadataZNode.encode(m))).toEqual(m);
    expect(ConsumerTxnOffsetZNode.path('g', 7, tp)).toBe('/consumers/g/txn_offsets/7/t/2');
    expect(
      text(ConsumerTxnOffsetZNode.encode({ offset: 5, leaderEpoch: 0, metadata: '', commitTimestamp: 1, producerEpoch: 2 })),
    ).toBe('{"version":1,"offset":5,"leader_epoch":0,"metadata":"","commit_timestamp":"1","producer_epoch":2}');
  });

  it('top-level paths match Kafka 2.7 createTopLevelPaths', () => {
    expect([...TOP_LEVEL_PATHS].sort()).toEqual(
      [
        '/consumers',
        '/brokers/ids',
        '/brokers/topics',
        '/config/changes',
        '/admin/delete_topics',
        '/brokers/seqid',
        '/isr_change_notification',
        '/latest_producer_id_block',
        '/log_dir_event_notification',
        '/config/topics',
        '/config/clients',
        '/config/users',
        '/config/brokers',
      ].sort(),
    );
  });
});
