/**
 * Test-only helpers for the cleaner tests: keyed batches appended to a real Log, one cleaning pass
 * run in-process (the worker's Cleaner with the log's own replaceSegments as the swap), and a
 * reader returning every batch and record of a log.
 */
import { utimesSync } from 'node:fs';
import { Cleaner, type CleanResult } from '../../../../src/log/cleaner/cleaner.js';
import { cleanJobFor, logToClean, NO_TRANSACTIONS, type CleanerTransactionView } from '../../../../src/log/cleaner/log-to-clean.js';
import type { Log } from '../../../../src/log/log.js';
import { splitBatches } from '../../../../src/protocol/records/memory-records.js';
import { readRecords } from '../../../../src/protocol/records/record.js';
import { buildRecordBatch, type BatchOptions, type RecordInput } from '../../../../src/protocol/records/record-batch-builder.js';

export type KV = readonly [key: string | null, value: string | null];

export function records(kvs: readonly KV[], timestamp = 1000): RecordInput[] {
  return kvs.map(([k, v], i) => ({ key: k === null ? null : Buffer.from(k), value: v === null ? null : Buffer.from(v), timestamp: timestamp + i }));
}

/** Append one batch of the given records; returns its [first, last] offsets. */
export function appendKV(log: Log, kvs: readonly KV[], opts: BatchOptions & { timestamp?: number } = {}): [number, number] {
  const info = log.append(buildRecordBatch(records(kvs, opts.timestamp), opts), 0);
  return [info.firstOffset, info.lastOffset];
}

export interface ReadRecord {
  offset: number;
  key: string | null;
  value: string | null;
  timestamp: number;
}

export interface ReadBatch {
  baseOffset: number;
  lastOffset: number;
  size: number;
  compression: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  isControl: boolean;
  isTransactional: boolean;
  baseTimestamp: number;
  maxTimestamp: number;
  crcValid: boolean;
  records: ReadRecord[];
}

/** Every batch from the log start to the log end, decoded. */
export function readLog(log: Log): ReadBatch[] {
  const out: ReadBatch[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const bytes = log.read(offset, 1 << 20);
    if (bytes.length === 0) break;
    for (const b of splitBatches(bytes)) {
      out.push({
        baseOffset: b.baseOffset,
        lastOffset: b.lastOffset,
        size: b.sizeInBytes,
        compression: b.compression,
        producerId: b.producerId,
        producerEpoch: b.producerEpoch,
        baseSequence: b.baseSequence,
        recordCount: b.recordCount,
        isControl: b.isControl,
        isTransactional: b.isTransactional,
        baseTimestamp: b.baseTimestamp,
        maxTimestamp: b.maxTimestamp,
        crcValid: b.isCrcValid(),
        records: readRecords(b, { maxUncompressedBytes: 1 << 24 }).map((r) => ({
          offset: r.offset,
          key: r.key?.toString() ?? null,
          value: r.value?.toString() ?? null,
          timestamp: r.timestamp,
        })),
      });
      offset = b.lastOffset + 1;
    }
  }
  return out;
}

export function readRecordsOf(log: Log): ReadRecord[] {
  return readLog(log).flatMap((b) => b.records);
}

/** key → [offset, value] of the last record of each key (what compaction must keep). */
export function latestByKey(recs: readonly ReadRecord[]): Map<string, [number, string | null]> {
  const m = new Map<string, [number, string | null]>();
  for (const r of recs) if (r.key !== null) m.set(r.key, [r.offset, r.value]);
  return m;
}

export interface PassOptions {
  checkpoint?: number;
  now?: number;
  txn?: CleanerTransactionView;
  mapMemory?: number;
}

/** One pass on `log` as the cleaner thread would run it; null when nothing is cleanable. */
export async function cleanOnce(log: Log, opts: PassOptions = {}): Promise<CleanResult | null> {
  const txn = opts.txn ?? NO_TRANSACTIONS;
  const ltc = logToClean(log, opts.checkpoint, opts.now ?? Date.now(), txn);
  if (ltc.cleanableBytes === 0) return null;
  const cleaner = new Cleaner({ mapMemory: opts.mapMemory ?? 1 << 20, loadFactor: 0.9, ioBufferSize: 64 * 1024 });
  return cleaner.clean(cleanJobFor(ltc, txn), (group) => {
    const old = log.logSegments.filter((s) => group.sources.includes(s.baseOffset));
    log.replaceSegments(group.baseOffset, old);
    return true;
  });
}

/** Set every segment's mtime (the delete horizon is judged by mtimes). */
export function setSegmentMtimes(log: Log, mtimeOf: (baseOffset: number, index: number) => number): void {
  log.logSegments.forEach((s, i) => {
    const t = mtimeOf(s.baseOffset, i) / 1000;
    utimesSync(s.file, t, t);
  });
}
