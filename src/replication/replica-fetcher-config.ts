/**
 * The follower fetcher's settings, under Kafka 2.7's names and defaults (KafkaConfig):
 * replica.fetch.wait.max.ms 500, replica.fetch.min.bytes 1, replica.fetch.max.bytes 1 MiB
 * (per partition), replica.fetch.response.max.bytes 10 MiB, replica.fetch.backoff.ms 1000,
 * num.replica.fetchers 1, replica.socket.timeout.ms 30000 (connect), request.timeout.ms 30000.
 */
import type { BrokerConfigValues } from '../config/broker-config.js';

export interface ReplicaFetcherConfig {
  /** this broker's id: the replicaId of every request */
  readonly brokerId: number;
  readonly fetchWaitMaxMs: number;
  readonly fetchMinBytes: number;
  readonly fetchMaxBytes: number;
  readonly fetchResponseMaxBytes: number;
  readonly fetchBackoffMs: number;
  /** fetcher threads per source broker; a partition goes to abs(31·hash(topic) + partition) mod n */
  readonly numFetchers: number;
  readonly socketTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

export const DEFAULT_REPLICA_FETCHER_CONFIG: Omit<ReplicaFetcherConfig, 'brokerId'> = Object.freeze({
  fetchWaitMaxMs: 500,
  fetchMinBytes: 1,
  fetchMaxBytes: 1_048_576,
  fetchResponseMaxBytes: 10_485_760,
  fetchBackoffMs: 1_000,
  numFetchers: 1,
  socketTimeoutMs: 30_000,
  requestTimeoutMs: 30_000,
});

export function replicaFetcherConfig(brokerId: number, overrides: Partial<Omit<ReplicaFetcherConfig, 'brokerId'>> = {}): ReplicaFetcherConfig {
  const config = { ...DEFAULT_REPLICA_FETCHER_CONFIG, ...overrides, brokerId };
  if (!Number.isInteger(config.numFetchers) || config.numFetchers < 1) throw new RangeError(`num.replica.fetchers must be ≥ 1, got ${config.numFetchers}`);
  if (config.fetchBackoffMs < 0) throw new RangeError(`replica.fetch.backoff.ms must be ≥ 0, got ${config.fetchBackoffMs}`);
  return Object.freeze(config);
}

type FetcherKeys =
  | 'replica.fetch.wait.max.ms'
  | 'replica.fetch.min.bytes'
  | 'replica.fetch.max.bytes'
  | 'replica.fetch.response.max.bytes'
  | 'replica.fetch.backoff.ms'
  | 'num.replica.fetchers'
  | 'replica.socket.timeout.ms'
  | 'request.timeout.ms';

/** From a broker's typed config values (`BrokerConfig.values`). */
export function replicaFetcherConfigFromBroker(brokerId: number, values: Pick<BrokerConfigValues, FetcherKeys>): ReplicaFetcherConfig {
  return replicaFetcherConfig(brokerId, {
    fetchWaitMaxMs: Number(values['replica.fetch.wait.max.ms']),
    fetchMinBytes: Number(values['replica.fetch.min.bytes']),
    fetchMaxBytes: Number(values['replica.fetch.max.bytes']),
    fetchResponseMaxBytes: Number(values['replica.fetch.response.max.bytes']),
    fetchBackoffMs: Number(values['replica.fetch.backoff.ms']),
    numFetchers: Number(values['num.replica.fetchers']),
    socketTimeoutMs: Number(values['replica.socket.timeout.ms']),
    requestTimeoutMs: Number(values['request.timeout.ms']),
  });
}
