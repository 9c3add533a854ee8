/**
 * Kafka's DynamicBrokerConfig for the composition root: the dynamic layers a broker reads from ZooKeeper
 * (`/config/brokers/<default>` and `/config/brokers/<id>`, at startup and on each change notification) and
 * what a change means at runtime. A running broker applies the broker defaults of topic configs (Kafka's
 * DynamicLogConfig.ReconfigurableConfigs with their unit synonyms: retention, segments, message.max.bytes,
 * min.insync.replicas, cleanup policy, compression, ...) to every live log and the produce checks, and
 * unclean.leader.election.enable to the controller, and the log cleaner's keys to the cleaner (its threads
 * restart with them, as Kafka's LogCleaner.reconfigure). Keys gregor accepts without a use (thread counts)
 * need nothing; the other dynamic keys (listeners, connection limits) take effect at the next start, which
 * reads the layers before anything else.
 */
import type { BrokerConfig } from './config/broker-config.js';
import { BROKER_CONFIG_NAMES, brokerConfigKey } from './config/broker-config.js';
import { brokerConfigSynonyms } from './config/broker-config-keys.js';
import { TOPIC_CONFIG_KEYS } from './config/topic-config.js';
import type { KafkaZkClient } from './zk/kafka-zk-client.js';
import { DEFAULT_CONFIG_ENTITY } from './zk/znodes.js';

const RUNTIME_RECONFIGURABLE: ReadonlySet<string> = new Set(
  Object.values(TOPIC_CONFIG_KEYS).flatMap((k) => (k.brokerSynonym === null ? [] : brokerConfigSynonyms(k.brokerSynonym))),
);

/** Kafka 2.7's LogCleaner.ReconfigurableConfigs. */
export const CLEANER_RECONFIGURABLE: ReadonlySet<string> = new Set([
  'log.cleaner.threads',
  'log.cleaner.dedupe.buffer.size',
  'log.cleaner.io.buffer.load.factor',
  'log.cleaner.io.buffer.size',
  'log.cleaner.io.max.bytes.per.second',
  'log.cleaner.backoff.ms',
]);

export interface DynamicLayers {
  clusterDefault: Map<string, string>;
  perBroker: Map<string, string>;
}

export async function readDynamicBrokerConfigs(zk: KafkaZkClient, brokerId: number): Promise<DynamicLayers> {
  const [clusterDefault, perBroker] = await Promise.all([zk.getBrokerConfig(DEFAULT_CONFIG_ENTITY), zk.getBrokerConfig(brokerId)]);
  return { clusterDefault: new Map(Object.entries(clusterDefault)), perBroker: new Map(Object.entries(perBroker)) };
}

/** Whether a change notification's entity (`<default>` or a broker id) concerns this broker. */
export function concernsBroker(entity: string, brokerId: number): boolean {
  return entity === DEFAULT_CONFIG_ENTITY || entity === String(brokerId);
}

export interface ConfigChange {
  /** keys whose effective value changed, with their new value */
  changed: Record<string, string | null>;
  /** changed keys a running broker does not apply (applied at the next start) */
  atRestart: string[];
  /** whether a log.cleaner.* key the cleaner reconfigures changed */
  cleaner: boolean;
}

export function describeChange(prev: BrokerConfig, next: BrokerConfig): ConfigChange {
  const keys = BROKER_CONFIG_NAMES.filter((k) => prev.get(k) !== next.get(k));
  return {
    changed: Object.fromEntries(keys.map((k) => [k, next.get(k)])),
    atRestart: keys.filter(
      (k) => !RUNTIME_RECONFIGURABLE.has(k) && !CLEANER_RECONFIGURABLE.has(k) && !brokerConfigKey(k).noEffect && k !== 'unclean.leader.election.enable',
    ),
    cleaner: keys.some((k) => CLEANER_RECONFIGURABLE.has(k)),
  };
}
