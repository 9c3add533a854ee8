/**
 * Builders of legacy (magic 0/1) message sets for tests: what Produce v0–v2 clients send, one message or a
 * compressed wrapper around an inner set. Shared by the legacy message-set unit tests and the request fuzzer.
 */
import { compress, crc32 } from '../../src/protocol/records/index.js';

/** One legacy message (crc | magic | attributes | [timestamp] | key | value), CRC-32 signed. */
export function legacyMessage(magic: 0 | 1, attributes: number, timestamp: number, key: Buffer | null, value: Buffer | null): Buffer {
  const bytes = (b: Buffer | null): Buffer[] => {
    const len = Buffer.alloc(4);
    len.writeInt32BE(b === null ? -1 : b.length);
    return b === null ? [len] : [len, b];
  };
  const head = Buffer.alloc(magic === 1 ? 10 : 2);
  head.writeInt8(magic, 0);
  head.writeInt8(attributes, 1);
  if (magic === 1) head.writeBigInt64BE(BigInt(timestamp), 2);
  const body = Buffer.concat([head, ...bytes(key), ...bytes(value)]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([crc, body]);
}

/** A message-set entry: offset int64, size int32, message. */
export function legacyEntry(offset: number, msg: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeBigInt64BE(BigInt(offset), 0);
  head.writeInt32BE(msg.length, 8);
  return Buffer.concat([head, msg]);
}

/** `n` uncompressed messages k<i>/v<i> at offsets firstOffset.. */
export function legacyInnerSet(magic: 0 | 1, n: number, firstOffset = 0): Buffer {
  return Buffer.concat(
    Array.from({ length: n }, (_, i) => legacyEntry(firstOffset + i, legacyMessage(magic, 0, 5000 + i, Buffer.from(`k${i}`), Buffer.from(`v${i}`)))),
  );
}

/** A compressed wrapper message holding `inner`. */
export function legacyWrapper(magic: 0 | 1, codec: number, offset: number, inner: Buffer, attributes = 0, timestamp = 9000): Buffer {
  return legacyEntry(offset, legacyMessage(magic, codec | attributes, timestamp, null, compress(codec, inner)));
}

/** Re-signs the first message of a set after its bytes were changed (so that deeper checks are reached). */
export function resignFirstLegacyMessage(set: Buffer): void {
  if (set.length < 12 + 4 + 2) return;
  const size = set.readInt32BE(8);
  const end = Math.min(set.length, 12 + Math.max(4, size));
  set.writeUInt32BE(crc32(set.subarray(16, end)), 12);
}
