/**
 * Records of `__transaction_state` exactly as Kafka 2.7's TransactionLog writes them
 * (reference/transactions-and-compaction.md §2.4). Integers are big-endian, strings are int16
 * length + UTF-8, arrays int32 count (−1 = null).
 *
 *   key   v0: int16 version (0) · string transactional_id
 *   value v0: int16 version (0) · int64 producer_id · int16 producer_epoch
 *             · int32 transaction_timeout_ms · int8 transaction_status
 *             · nullable array of { string topic · array of int32 partition } transaction_partitions
 *             · int64 transaction_entry_timestamp (last update) · int64 transaction_start_timestamp
 *
 * - the partitions are null for Empty (Kafka refuses to write Empty with partitions), an empty
 *   array for Complete*; we group them by topic in sorted order (Kafka's order is a hash map's);
 * - a null value (tombstone) removes the id: that is how an expired id (Dead) is written;
 * - one record per batch, magic 2, no compression, CreateTime, no producer id.
 */
import type { TopicPartition } from '../../common/topic-partition.js';
import { Reader, Writer } from '../../protocol/primitives.js';
import { buildRecordBatch } from '../../protocol/records/index.js';
import { TxnState, txnStateFromByte } from './transaction-state.js';

const KEY_VERSION = 0;
const VALUE_VERSION = 0;

/** A decoded value: the persisted part of TransactionMetadata. */
export interface TxnLogValue {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly txnTimeoutMs: number;
  readonly state: TxnState;
  readonly topicPartitions: readonly TopicPartition[];
  readonly txnLastUpdateTimestamp: number;
  readonly txnStartTimestamp: number;
}

export type TxnLogValueInput = Omit<TxnLogValue, 'state'> & { readonly state: TxnState };

export class TxnLogFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TxnLogFormatError';
  }
}

export function encodeTxnKey(transactionalId: string): Buffer {
  return new Writer(8 + transactionalId.length * 3).int16(KEY_VERSION).string(transactionalId).toBuffer();
}

export function decodeTxnKey(key: Buffer): string {
  const r = new Reader(key);
  const version = r.int16();
  if (version !== KEY_VERSION) throw new TxnLogFormatError(`unknown transaction log key version ${version}`);
  return r.string();
}

function byTopic(partitions: readonly TopicPartition[]): Array<[string, number[]]> {
  const topics = new Map<string, number[]>();
  for (const tp of partitions) {
    let list = topics.get(tp.topic);
    if (!list) topics.set(tp.topic, (list = []));
    if (!list.includes(tp.partition)) list.push(tp.partition);
  }
  return [...topics.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([t, ps]) => [t, ps.sort((x, y) => x - y)]);
}

export function encodeTxnValue(v: TxnLogValueInput): Buffer {
  if (v.state === TxnState.Empty && v.topicPartitions.length > 0) {
    throw new TxnLogFormatError(`an Empty transaction cannot carry partitions (${v.topicPartitions.length} given)`);
  }
  const w = new Writer(64);
  w.int16(VALUE_VERSION).int64(v.producerId).int16(v.producerEpoch).int32(v.txnTimeoutMs).int8(v.state);
  if (v.state === TxnState.Empty) {
    w.int32(-1);
  } else {
    const topics = byTopic(v.topicPartitions);
    w.int32(topics.length);
    for (const [topic, partitions] of topics) {
      w.string(topic).int32(partitions.length);
      for (const p of partitions) w.int32(p);
    }
  }
  w.int64(v.txnLastUpdateTimestamp).int64(v.txnStartTimestamp);
  return w.toBuffer();
}

/** null for a tombstone (the id was removed). */
export function decodeTxnValue(value: Buffer | null): TxnLogValue | null {
  if (value === null) return null;
  const r = new Reader(value);
  const version = r.int16();
  if (version !== VALUE_VERSION) throw new TxnLogFormatError(`unknown transaction log value version ${version}`);
  const producerId = r.int64();
  const producerEpoch = r.int16();
  const txnTimeoutMs = r.int32();
  const state = txnStateFromByte(r.int8());
  const topicCount = r.int32();
  const topicPartitions: TopicPartition[] = [];
  for (let i = 0; i < topicCount; i++) {
    const topic = r.string();
    const n = r.int32();
    for (let j = 0; j < n; j++) topicPartitions.push({ topic, partition: r.int32() });
  }
  const txnLastUpdateTimestamp = r.int64();
  const txnStartTimestamp = r.int64();
  // Kafka ignores whatever an Empty record carries (it never writes any)
  return {
    producerId,
    producerEpoch,
    txnTimeoutMs,
    state,
    topicPartitions: state === TxnState.Empty ? [] : topicPartitions,
    txnLastUpdateTimestamp,
    txnStartTimestamp,
  };
}

/** The batch appended to `__transaction_state`: one record, or one tombstone per id when `value` is null. */
export function buildTxnLogBatch(entries: ReadonlyArray<{ transactionalId: string; value: Buffer | null }>, timestamp: number): Buffer {
  return buildRecordBatch(entries.map((e) => ({ key: encodeTxnKey(e.transactionalId), value: e.value, timestamp })));
}
