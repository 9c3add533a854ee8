/**
 * What a dynamic broker config change means for a running broker (dynamic-broker-config.ts): the topic
 * defaults and the log cleaner's keys are applied at once, listener-like keys at the next start, keys
 * with no effect in gregor are neither.
 */
import { describe, expect, it } from 'vitest';
import { BrokerConfig } from '../../src/config/broker-config.js';
import { cleanerConfigFromBroker } from '../../src/log/cleaner/cleaner-config.js';
import { concernsBroker, describeChange } from '../../src/dynamic-broker-config.js';

const base = BrokerConfig.parse({ 'zookeeper.connect': '127.0.0.1:2181', 'broker.id': '1' });
const withDefaults = (entries: Array<[string, string]>) => base.withDynamicConfigs({ clusterDefault: new Map(entries) });

describe('dynamic broker config changes', () => {
  it('topic defaults apply at runtime; nothing waits for a restart', () => {
    const change = describeChange(base, withDefaults([['log.retention.ms', '1000'], ['message.max.bytes', '2000000']]));
    expect(change.changed).toEqual({ 'log.retention.ms': '1000', 'message.max.bytes': '2000000' });
    expect(change.atRestart).toEqual([]);
    expect(change.cleaner).toBe(false);
  });

  it("the log cleaner's keys reconfigure the cleaner, with the values cleanerConfigFromBroker reads", () => {
    const next = withDefaults([['log.cleaner.threads', '2'], ['log.cleaner.backoff.ms', '500'], ['log.cleaner.io.max.bytes.per.second', '1048576']]);
    const change = describeChange(base, next);
    expect(change.cleaner).toBe(true);
    expect(change.atRestart).toEqual([]);
    expect(cleanerConfigFromBroker(next)).toMatchObject({ threads: 2, backoffMs: 500, maxIoBytesPerSecond: 1048576 });
    expect(cleanerConfigFromBroker(base).maxIoBytesPerSecond).toBe(Number.POSITIVE_INFINITY);
  });

  it('other dynamic keys are stored and applied at the next start', () => {
    const change = describeChange(base, withDefaults([['max.connections', '100']]));
    expect(change.atRestart).toEqual(['max.connections']);
    expect(change.cleaner).toBe(false);
  });

  it('a notification concerns this broker when it names its id or the default entity', () => {
    expect(concernsBroker('<default>', 1)).toBe(true);
    expect(concernsBroker('1', 1)).toBe(true);
    expect(concernsBroker('2', 1)).toBe(false);
  });
});
