/**
 * The cleaner's settings from the broker's log.cleaner.* keys: read at start, again when a dynamic
 * broker config changes them, and by AlterConfigs to validate a change before it is stored.
 */
import type { BrokerConfig } from '../../config/broker-config.js';
import type { CleanerConfig } from './log-cleaner.js';

/** The log.cleaner.* keys of `config` (at start, and again when a dynamic broker config changes them). */
export function cleanerConfigFromBroker(config: BrokerConfig): CleanerConfig {
  const v = config.values;
  return {
    enable: v['log.cleaner.enable'],
    threads: v['log.cleaner.threads'],
    dedupeBufferSize: v['log.cleaner.dedupe.buffer.size'],
    ioBufferSize: v['log.cleaner.io.buffer.size'],
    loadFactor: v['log.cleaner.io.buffer.load.factor'],
    backoffMs: v['log.cleaner.backoff.ms'],
    maxIoBytesPerSecond: v['log.cleaner.io.max.bytes.per.second'] >= Number.MAX_VALUE ? Number.POSITIVE_INFINITY : v['log.cleaner.io.max.bytes.per.second'],
  };
}
