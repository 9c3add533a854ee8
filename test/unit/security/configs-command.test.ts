import { describe, expect, it } from 'vitest';
import { parseAddConfig, scramConfigValue } from '../../../src/cli/configs-command.js';
import { credentialFromString } from '../../../src/security/sasl/scram.js';

describe('gregor configs --add-config (kafka-configs.sh syntax)', () => {
  it('splits on commas outside brackets and drops the brackets', () => {
    expect([...parseAddConfig('SCRAM-SHA-256=[iterations=8192,password=a,b],producer_byte_rate = 1024')]).toEqual([
      ['SCRAM-SHA-256', 'iterations=8192,password=a,b'],
      ['producer_byte_rate', '1024'],
    ]);
    expect(() => parseAddConfig('novalue')).toThrow(/key=val/);
  });

  it('turns [iterations=N,]password=P into a stored credential, 4096 iterations by default', () => {
    expect(credentialFromString(scramConfigValue('SCRAM-SHA-512', 'password=pw')).iterations).toBe(4096);
    expect(credentialFromString(scramConfigValue('SCRAM-SHA-256', 'iterations=8192,password=p=w')).iterations).toBe(8192);
    expect(() => scramConfigValue('SCRAM-SHA-256', 'iterations=10,password=x')).toThrow('Iterations 10 is less than the minimum 4096 required for SCRAM-SHA-256');
    expect(() => scramConfigValue('SCRAM-SHA-256', 'pw=x')).toThrow(/Invalid credential property/);
  });
});
