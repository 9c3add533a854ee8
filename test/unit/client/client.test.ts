/** The client pieces with a contract to other implementations: murmur2 (Java's default partitioner) and the range assignor. */
import { describe, expect, it } from 'vitest';
import { rangeAssign } from '../../../src/client/consumer.js';
import { murmur2, partitionForKey } from '../../../src/client/producer.js';
import { parseHostPort } from '../../../src/client/kafka-client.js';

describe('client', () => {
  it('murmur2 matches Kafka\'s Utils.murmur2 (values from kafka-python\'s port, as signed ints)', () => {
    const cases: Array<[string, number]> = [
      ['', 275646681],
      ['61', 2731586172 - 2 ** 32],
      ['6162', 316155434],
      ['616263', 479470107],
      ['61626364', 2971317748 - 2 ** 32],
      [Buffer.from('hello world').toString('hex'), 1221641059],
      ['fffe806b6579', 3417499436 - 2 ** 32],
    ];
    for (const [hex, expected] of cases) expect([hex, murmur2(Buffer.from(hex, 'hex'))]).toEqual([hex, expected]);
    expect(partitionForKey(Buffer.from('a'), 3)).toBe((2731586172 & 0x7fffffff) % 3);
  });

  it('RangeAssignor: consecutive ranges per topic over the members sorted by id, extra partitions to the first', () => {
    const a = rangeAssign(
      [
        { memberId: 'm2', topics: ['t', 'u'] },
        { memberId: 'm1', topics: ['t'] },
      ],
      new Map([['t', 5], ['u', 2]]),
    );
    expect(a.get('m1')).toEqual(new Map([['t', [0, 1, 2]]]));
    expect(a.get('m2')).toEqual(new Map([['t', [3, 4]], ['u', [0, 1]]]));
  });

  it('bootstrap servers: host:port, [v6]:port, default port; junk is an error', () => {
    expect(parseHostPort('h:1')).toEqual({ host: 'h', port: 1 });
    expect(parseHostPort('[::1]:9093')).toEqual({ host: '::1', port: 9093 });
    expect(parseHostPort('localhost')).toEqual({ host: 'localhost', port: 9092 });
    expect(() => parseHostPort('h:0')).toThrow('Invalid url in bootstrap.servers: h:0');
  });
});
