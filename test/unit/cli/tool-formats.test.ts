/**
 * The pure parts of the Kafka tools: option parsers (with their error messages) and the output
 * formatters, checked against what Kafka 2.7's tools print.
 */
import { describe, expect, it } from 'vitest';
import { parseConfigsToBeAdded, scramCredential } from '../../../src/cli/configs-command.js';
import { formatRecord, formatterOptions } from '../../../src/cli/console-consumer.js';
import { parseLine } from '../../../src/cli/console-producer.js';
import { parseDateTime, parseDuration, parseResetPlan } from '../../../src/cli/consumer-groups-command.js';
import { parseElectionJson } from '../../../src/cli/leader-election-command.js';
import { parseReassignmentJson, reassignmentJson } from '../../../src/cli/reassign-partitions-command.js';
import { includeList, javaHashMapOrder, parseKeyValues, topicPartitionHash } from '../../../src/cli/tool-runtime.js';
import { parseReplicaAssignment, renderDescribe } from '../../../src/cli/topics-command.js';
import { formatStat, javaDate } from '../../../src/cli/zookeeper-shell.js';

describe('tool option parsers', () => {
  it('--replica-assignment: partitions by comma, replicas by colon; duplicates and uneven RF are errors', () => {
    expect(parseReplicaAssignment('1:2, 2:3 ,3:1')).toEqual(new Map([[0, [1, 2]], [1, [2, 3]], [2, [3, 1]]]));
    expect(() => parseReplicaAssignment('1:1')).toThrow('Partition replica lists may not contain duplicate entries: 1');
    expect(() => parseReplicaAssignment('1:2,3')).toThrow('Partition 1 has different replication factor');
    expect(() => parseReplicaAssignment('1:x')).toThrow('For input string: "x"');
  });

  it('--config / --property k=v: spaces around = allowed, anything else is an error', () => {
    expect(parseKeyValues(['a = 1', 'b=2'], 'topic config')).toEqual(new Map([['a', '1'], ['b', '2']]));
    expect(() => parseKeyValues(['a=1=2'], 'topic config')).toThrow('Invalid topic config: all configs to be added must be in the format "key=val".');
    expect(() => parseKeyValues(['novalue'], 'property')).toThrow('Invalid property');
  });

  it('--add-config: commas separate entries except inside [...], which is unwrapped', () => {
    expect(parseConfigsToBeAdded('retention.ms=1000,cleanup.policy=[compact,delete],SCRAM-SHA-256=[iterations=8192,password=a=b]')).toEqual(
      new Map([
        ['retention.ms', '1000'],
        ['cleanup.policy', 'compact,delete'],
        ['SCRAM-SHA-256', 'iterations=8192,password=a=b'],
      ]),
    );
    expect(parseConfigsToBeAdded('')).toEqual(new Map());
    expect(() => parseConfigsToBeAdded('=x')).toThrow('must be in the format "key=val"');
  });

  it('--topic regexes: Kafka\'s IncludeList (whole-name match, "," as "|"); a bad regex is named', () => {
    const f = includeList('ord.*,pay');
    expect(['orders', 'pay', 'payments', 'xorders'].filter(f)).toEqual(['orders', 'pay']);
    expect(() => includeList('(')).toThrow('( is an invalid regex.');
  });

  it('--to-datetime and --by-duration as Kafka parses them', () => {
    expect(parseDateTime('2020-01-02T03:04:05.678Z')).toBe(Date.UTC(2020, 0, 2, 3, 4, 5, 678));
    expect(parseDateTime('2020-01-02T03:04:05.678+01:00')).toBe(Date.UTC(2020, 0, 2, 2, 4, 5, 678));
    expect(parseDateTime('2020-01-02T03:04:05')).toBe(new Date(2020, 0, 2, 3, 4, 5).getTime());
    expect(() => parseDateTime('2020-01-02')).toThrow("It does not contain a 'T' according to ISO8601 format");
    expect(parseDuration('P1DT2H3M4.5S')).toBe(((24 + 2) * 3600 + 3 * 60 + 4.5) * 1000);
    expect(parseDuration('PT0.5S')).toBe(500);
    expect(() => parseDuration('P1Y')).toThrow('Text cannot be parsed to a Duration: P1Y');
    expect(() => parseDuration('PT')).toThrow('Text cannot be parsed to a Duration');
  });

  it('--from-file reset plans: one-group and multi-group CSV; malformed lines are errors', () => {
    expect(parseResetPlan('t,0,5\nt,1,7\n', ['g'])).toEqual(new Map([['g', new Map([['t-0', { topic: 't', partition: 0, offset: 5 }], ['t-1', { topic: 't', partition: 1, offset: 7 }]])]]));
    expect([...parseResetPlan('g1,t,0,1\ng2,t,0,2', ['g1', 'g2']).keys()]).toEqual(['g1', 'g2']);
    expect(() => parseResetPlan('t,x,1', ['g'])).toThrow('Invalid reset plan line: t,x,1');
  });

  it('reassignment JSON: log_dirs default to "any", Kafka\'s validations, and the output format', () => {
    const moves = parseReassignmentJson('{"version":1,"partitions":[{"topic":"b","partition":1,"replicas":[2,1]},{"topic":"a","partition":0,"replicas":[1],"log_dirs":["/d"]}]}');
    expect(reassignmentJson(moves)).toBe(
      '{"version":1,"partitions":[{"topic":"a","partition":0,"replicas":[1],"log_dirs":["/d"]},{"topic":"b","partition":1,"replicas":[2,1],"log_dirs":["any","any"]}]}',
    );
    expect(() => parseReassignmentJson('{"version":1,"partitions":[]}')).toThrow('Partition reassignment list cannot be empty');
    expect(() => parseReassignmentJson('{"partitions":[{"topic":"a","partition":0,"replicas":[1]},{"topic":"a","partition":0,"replicas":[2]}]}')).toThrow('duplicate topic partitions: a-0');
    expect(() => parseReassignmentJson('{"partitions":[{"topic":"a","partition":0,"replicas":[1,1]}]}')).toThrow('duplicate replicas: a-0');
    expect(() => parseReassignmentJson('{"nope":1}')).toThrow('missing "partitions"');
    expect(() => parseReassignmentJson('{')).toThrow('Unable to parse the reassignment JSON');
  });

  it('election JSON: partitions list, duplicates refused', () => {
    expect(parseElectionJson('{"partitions":[{"topic":"t","partition":1}]}')).toEqual([{ topic: 't', partition: 1 }]);
    expect(() => parseElectionJson('{"partitions":[{"topic":"t","partition":1},{"topic":"t","partition":1}]}')).toThrow('duplicate partitions: t-1');
    expect(() => parseElectionJson('{}')).toThrow('missing "partitions" field');
  });

  it('console-producer line reader: parse.key with key.separator; a missing separator is "No key found on line N"', () => {
    const props = new Map([['parse.key', 'true'], ['key.separator', '::']]);
    expect(parseLine('k::v::w', 1, props)).toEqual({ key: Buffer.from('k'), value: Buffer.from('v::w') });
    expect(parseLine('k::', 1, props)).toEqual({ key: Buffer.from('k'), value: Buffer.from('') });
    expect(() => parseLine('plain', 3, props)).toThrow('No key found on line 3: plain');
    expect(parseLine('plain', 3, new Map([...props, ['ignore.error', 'true']]))).toEqual({ key: null, value: Buffer.from('plain') });
    expect(parseLine('a\tb', 1, new Map())).toEqual({ key: null, value: Buffer.from('a\tb') });
  });
});

describe('tool output formats', () => {
  const record = { offset: 7, offsetDelta: 0, timestamp: 1600000000000, timestampType: 0, key: null, value: Buffer.from('v'), headers: [{ key: 'h', value: Buffer.from('x') }], topic: 't', partition: 2 };

  it('DefaultMessageFormatter: fixed field order, separators, null literal, NO_HEADERS', () => {
    const all = formatterOptions(new Map([['print.timestamp', 'true'], ['print.partition', 'true'], ['print.offset', 'true'], ['print.headers', 'true'], ['print.key', 'true']]));
    expect(formatRecord(record, all).toString()).toBe('CreateTime:1600000000000\tPartition:2\tOffset:7\th:x\tnull\tv\n');
    const keyOnly = formatterOptions(new Map([['print.key', 'true'], ['print.value', 'false'], ['null.literal', 'NULL']]));
    expect(formatRecord(record, keyOnly).toString()).toBe('NULL\n');
    const noHeaders = formatterOptions(new Map([['print.headers', 'true'], ['line.separator', '|']]));
    expect(formatRecord({ ...record, headers: [] }, noHeaders).toString()).toBe('NO_HEADERS\tv|');
    expect(formatRecord({ ...record, timestampType: 1 }, formatterOptions(new Map([['print.timestamp', 'true']]))).toString()).toBe('LogAppendTime:1600000000000\tv\n');
  });

  it('kafka-topics --describe lines, filters and reassignment columns', () => {
    const rows = [
      {
        topic: 'foo',
        configs: [['segment.bytes', '1073741824']] as Array<[string, string]>,
        minIsr: 2,
        markedForDeletion: false,
        partitions: [
          { partition: 1, leader: -1, replicas: [2, 3, 1], isr: [] },
          { partition: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 2, 3], reassignment: { replicas: [1, 2, 3], addingReplicas: [3], removingReplicas: [] } },
        ],
      },
    ];
    const live = new Set([1, 2, 3]);
    expect(renderDescribe(rows, {}, live)).toBe(
      'Topic: foo\tPartitionCount: 2\tReplicationFactor: 2\tConfigs: segment.bytes=1073741824\n' +
        '\tTopic: foo\tPartition: 0\tLeader: 1\tReplicas: 1,2,3\tIsr: 1,2,3\tAdding Replicas: 3\tRemoving Replicas: \n' +
        '\tTopic: foo\tPartition: 1\tLeader: none\tReplicas: 2,3,1\tIsr: \n',
    );
    expect(renderDescribe(rows, { unavailablePartitions: true }, live)).toBe('\tTopic: foo\tPartition: 1\tLeader: none\tReplicas: 2,3,1\tIsr: \n');
    expect(renderDescribe(rows, { topicsWithOverrides: true }, live)).toBe('Topic: foo\tPartitionCount: 2\tReplicationFactor: 2\tConfigs: segment.bytes=1073741824\n');
    expect(renderDescribe([{ ...rows[0]!, markedForDeletion: true }], { underMinIsrPartitions: true }, live)).toBe('\tTopic: foo\tPartition: 1\tLeader: none\tReplicas: 2,3,1\tIsr: \tMarkedForDeletion: true\n');
  });

  it('java.util.HashMap iteration order (what Kafka prints maps in)', () => {
    // printed by Java 17 for the same insertions: [bb, a, b, c] and [my.events, zz-top, orders]
    expect(javaHashMapOrder(['b', 'a', 'c', 'bb'])).toEqual(['bb', 'a', 'b', 'c']);
    expect(javaHashMapOrder(['orders', 'my.events', 'zz-top'])).toEqual(['my.events', 'zz-top', 'orders']);
    expect(javaHashMapOrder([3, 1, 2], 16, (n) => n)).toEqual([1, 2, 3]);
    expect(topicPartitionHash({ topic: 'foo', partition: 0 })).toBe(102535); // Java's new TopicPartition("foo", 0).hashCode()
  });

  it('zookeeper-shell: java.util.Date and ZooKeeper Stat printing', () => {
    expect(javaDate(Date.UTC(2020, 0, 2, 3, 4, 5))).toBe('Thu Jan 02 03:04:05 UTC 2020');
    const stat = { czxid: 2, mzxid: 3, pzxid: 4, ctime: 0, mtime: 0, version: 1, cversion: 2, aversion: 0, ephemeralOwner: 0n, dataLength: 5, numChildren: 0 };
    expect(formatStat(stat).split('\n')).toEqual([
      'cZxid = 0x2', 'ctime = Thu Jan 01 00:00:00 UTC 1970', 'mZxid = 0x3', 'mtime = Thu Jan 01 00:00:00 UTC 1970', 'pZxid = 0x4',
      'cversion = 2', 'dataVersion = 1', 'aclVersion = 0', 'ephemeralOwner = 0x0', 'dataLength = 5', 'numChildren = 0',
    ]);
  });

  it('SCRAM credentials as Kafka stores them; bad specs are errors', () => {
    const c = scramCredential('SCRAM-SHA-512', 'iterations=4096,password=secret');
    // Kafka's salt is the UTF-8 of a random 130-bit number in base 36 (ScramFormatter.secureRandomBytes)
    expect(c).toMatch(/^salt=[A-Za-z0-9+/=]{20,40},stored_key=[A-Za-z0-9+/=]{88},server_key=[A-Za-z0-9+/=]{88},iterations=4096$/);
    expect(Buffer.from(/^salt=([^,]+)/.exec(c)![1]!, 'base64').toString()).toMatch(/^[0-9a-z]{20,26}$/);
    expect(() => scramCredential('SCRAM-SHA-256', 'iterations=10,password=x')).toThrow('Iterations 10 is less than the minimum 4096');
    expect(() => scramCredential('SCRAM-SHA-256', 'iterations=8192')).toThrow('password is missing');
    expect(() => scramCredential('SCRAM-MD5', 'password=x')).toThrow('Unknown SCRAM mechanism SCRAM-MD5');
  });
});
