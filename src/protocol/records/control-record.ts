/**
 * Control records (transaction markers, KIP-98), the single record of a control batch
 * (reference/transactions-and-compaction.md §2.10):
 *
 *   key   (4 bytes): int16 version (0) | int16 type (0 = ABORT, 1 = COMMIT)
 *   value (6 bytes): int16 version (0) | int32 coordinatorEpoch
 *
 * Types 2/3 are raft records of later Kafka versions; 2.7 never writes them.
 */
import { ProtocolError } from '../errors.js';
import { ErrorCode } from '../error-codes.js';

export const ControlRecordType = { Abort: 0, Commit: 1 } as const;
export type ControlRecordType = (typeof ControlRecordType)[keyof typeof ControlRecordType];

const CURRENT_VERSION = 0;
const KEY_SIZE = 4;
const VALUE_SIZE = 6;

export interface EndTransactionMarker {
  type: ControlRecordType;
  coordinatorEpoch: number;
}

export function encodeControlKey(type: ControlRecordType): Buffer {
  const key = Buffer.alloc(KEY_SIZE);
  key.writeInt16BE(CURRENT_VERSION, 0);
  key.writeInt16BE(type, 2);
  return key;
}

export function encodeMarkerValue(coordinatorEpoch: number): Buffer {
  const value = Buffer.alloc(VALUE_SIZE);
  value.writeInt16BE(CURRENT_VERSION, 0);
  value.writeInt32BE(coordinatorEpoch, 2);
  return value;
}

/** Reads a transaction marker from a control record's key and value. */
export function decodeEndTransactionMarker(key: Buffer | null, value: Buffer | null): EndTransactionMarker {
  // Like Kafka, newer versions may append fields, so only a minimum size is required.
  if (key === null || key.length < KEY_SIZE) throw new ProtocolError('control record key too short', ErrorCode.InvalidRecord);
  const type = key.readInt16BE(2);
  if (type !== ControlRecordType.Abort && type !== ControlRecordType.Commit) {
    throw new ProtocolError(`control record type ${type} is not a transaction marker`, ErrorCode.InvalidRecord);
  }
  if (value === null || value.length < VALUE_SIZE) {
    throw new ProtocolError('transaction marker value too short', ErrorCode.InvalidRecord);
  }
  return { type, coordinatorEpoch: value.readInt32BE(2) };
}
