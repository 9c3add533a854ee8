/**
 * The transaction coordinator's settings, under Kafka's names in the broker config (2.7 defaults;
 * Kafka's TransactionConfig). The broker composition builds this from `server.properties`.
 */

import { configFromKafkaKeys } from '../coordinator-config.js';

export interface TransactionConfig {
  /** transactional.id.expiration.ms: an idle id (no open transaction) is removed after this */
  readonly transactionalIdExpirationMs: number;
  /** transaction.max.timeout.ms: InitProducerId with a larger timeout → INVALID_TRANSACTION_TIMEOUT */
  readonly transactionMaxTimeoutMs: number;
  /** transaction.state.log.num.partitions: used while `__transaction_state` does not exist yet */
  readonly transactionLogNumPartitions: number;
  /** transaction.state.log.load.buffer.size: bytes read per step when loading a partition */
  readonly transactionLogLoadBufferSize: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms */
  readonly abortTimedOutTransactionsIntervalMs: number;
  /** transaction.remove.expired.transaction.cleanup.interval.ms */
  readonly removeExpiredTransactionalIdsIntervalMs: number;
  /** request.timeout.ms: WriteTxnMarkers requests and tombstone appends */
  readonly requestTimeoutMs: number;
}

export const DEFAULT_TRANSACTION_CONFIG: TransactionConfig = Object.freeze({
  transactionalIdExpirationMs: 604_800_000,
  transactionMaxTimeoutMs: 900_000,
  transactionLogNumPartitions: 50,
  transactionLogLoadBufferSize: 5_242_880,
  abortTimedOutTransactionsIntervalMs: 10_000,
  removeExpiredTransactionalIdsIntervalMs: 3_600_000,
  requestTimeoutMs: 30_000,
});

/** Kafka key → field, for building the options from a parsed server.properties. */
export const TRANSACTION_CONFIG_KEYS = {
  'transactional.id.expiration.ms': 'transactionalIdExpirationMs',
  'transaction.max.timeout.ms': 'transactionMaxTimeoutMs',
  'transaction.state.log.num.partitions': 'transactionLogNumPartitions',
  'transaction.state.log.load.buffer.size': 'transactionLogLoadBufferSize',
  'transaction.abort.timed.out.transaction.cleanup.interval.ms': 'abortTimedOutTransactionsIntervalMs',
  'transaction.remove.expired.transaction.cleanup.interval.ms': 'removeExpiredTransactionalIdsIntervalMs',
  'request.timeout.ms': 'requestTimeoutMs',
} as const satisfies Record<string, keyof TransactionConfig>;

export type TransactionConfigKey = keyof typeof TRANSACTION_CONFIG_KEYS;

/** The defaults overridden by whichever Kafka-named keys `values` carries. */
export function transactionConfig(values: Partial<Record<TransactionConfigKey, number>> = {}): TransactionConfig {
  return configFromKafkaKeys(DEFAULT_TRANSACTION_CONFIG, TRANSACTION_CONFIG_KEYS, values);
}
