/**
 * Batches as idempotent/transactional producers send them (baseOffset 0) or as replicated (baseOffset
 * given), and transaction markers, for the producer-state tests.
 */
import { buildControlBatch, buildRecordBatch, ControlRecordType } from '../../../src/protocol/records/index.js';

export const NOW = 1_000_000;

export interface IdemSpec {
  pid?: number;
  epoch?: number;
  seq: number;
  count?: number;
  txn?: boolean;
  ts?: number;
  baseOffset?: number;
}

/** A producer's batch as a client sends it (baseOffset 0) or as replicated (baseOffset given). */
export function idem(spec: IdemSpec): Buffer {
  const ts = spec.ts ?? NOW;
  const records = Array.from({ length: spec.count ?? 2 }, (_, i) => ({ value: Buffer.from(`v${spec.seq + i}`), timestamp: ts + i }));
  return buildRecordBatch(records, {
    baseOffset: spec.baseOffset ?? 0,
    producerId: spec.pid ?? 7,
    producerEpoch: spec.epoch ?? 0,
    baseSequence: spec.seq,
    isTransactional: spec.txn ?? false,
  });
}

export function marker(commit: boolean, opts: { pid?: number; epoch?: number; coordinatorEpoch?: number; ts?: number; baseOffset?: number } = {}): Buffer {
  return buildControlBatch({
    type: commit ? ControlRecordType.Commit : ControlRecordType.Abort,
    producerId: opts.pid ?? 7,
    producerEpoch: opts.epoch ?? 0,
    coordinatorEpoch: opts.coordinatorEpoch ?? 0,
    timestamp: opts.ts ?? NOW,
    ...(opts.baseOffset !== undefined ? { baseOffset: opts.baseOffset } : {}),
  });
}

