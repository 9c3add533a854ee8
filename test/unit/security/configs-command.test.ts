import { describe, expect, it } from 'vitest';
import { parseConfigsToBeAdded, scramCredential } from '../../../src/cli/configs-command.js';
import { credentialFromString } from '../../../src/security/sasl/scram.js';

describe('gregor configs --add-config for SCRAM users (kafka-configs.sh syntax)', () => {
  it('splits on commas outside brackets and drops the brackets', () => {
    expect([...parseConfigsToBeAdded('SCRAM-SHA-256=[iterations=8192,password=a],producer_byte_rate = 1024')]).toEqual([
      ['SCRAM-SHA-256', 'iterations=8192,password=a'],
      ['producer_byte_rate', '1024'],
    ]);
    expect(() => parseConfigsToBeAdded('novalue')).toThrow(/key=val/);
  });

  it('turns [iterations=N,]password=P into a stored credential the broker reads, 4096 iterations by default', () => {
    expect(credentialFromString(scramCredential('SCRAM-SHA-512', 'password=pw')).iterations).toBe(4096);
    expect(credentialFromString(scramCredential('SCRAM-SHA-256', 'iterations=8192,password=p=w')).iterations).toBe(8192);
    expect(() => scramCredential('SCRAM-SHA-256', 'iterations=10,password=x')).toThrow('Iterations 10 is less than the minimum 4096 required for SCRAM-SHA-256');
    expect(() => scramCredential('SCRAM-SHA-256', 'pw=x')).toThrow(/Invalid credential property/);
    expect(() => scramCredential('SCRAM-SHA-1', 'password=x')).toThrow(/Unknown SCRAM mechanism/);
  });
});
