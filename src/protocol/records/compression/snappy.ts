/**
 * snappy (codec 2). Two framings reach a broker (reference/protocol.md §5.2):
 * - raw: one snappy block (uvarint uncompressed length, then snappy ops) — librdkafka, kafkajs-snappy;
 * - xerial (snappy-java SnappyOutputStream) — Java and kafka-python:
 *     magic 82 53 4E 41 50 50 59 00 | int32 version | int32 compatible version
 *     then repeated [int32 BE compressed length][raw snappy block]
 * Readers accept both by looking for the magic, as every Kafka client does. We write xerial with
 * 32 KiB blocks, as a Java broker does when it recompresses.
 *
 * Each block's uncompressed length is read from its preamble and checked against the remaining
 * budget before the native decoder allocates anything.
 */
import { compressSync, uncompressSync } from 'snappy';
import { Reader } from '../../primitives.js';
import { ProtocolError } from '../../errors.js';
import { ErrorCode } from '../../error-codes.js';
import { decompressedTooLarge } from './bounded-output.js';

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
const XERIAL_VERSION = 1;
const XERIAL_BLOCK_SIZE = 32 * 1024;

function corrupt(reason: string): ProtocolError {
  return new ProtocolError(`corrupt snappy payload: ${reason}`, ErrorCode.CorruptMessage);
}

export function isXerialFramed(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER_SIZE && data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC);
}

export function snappyCompress(data: Buffer): Buffer {
  // A header-only xerial stream (16 bytes) is not recognised as xerial by kafka-python (it wants
  // more than 16 bytes) or librdkafka (more than 20), so empty input goes out as a raw block.
  if (data.length === 0) return compressSync(data);
  const parts: Buffer[] = [XERIAL_MAGIC, int32(XERIAL_VERSION), int32(XERIAL_VERSION)];
  for (let pos = 0; pos < data.length; pos += XERIAL_BLOCK_SIZE) {
    const block = compressSync(data.subarray(pos, pos + XERIAL_BLOCK_SIZE));
    parts.push(int32(block.length), block);
  }
  return Buffer.concat(parts);
}

export function snappyDecompress(data: Buffer, limit: number): Buffer {
  if (!isXerialFramed(data)) return decompressRawBlock(data, limit, limit);
  const reader = new Reader(data, XERIAL_HEADER_SIZE);
  const blocks: Buffer[] = [];
  let total = 0;
  try {
    while (reader.remaining > 0) {
      const size = reader.int32();
      if (size < 0) throw corrupt(`negative xerial block length ${size}`);
      const block = decompressRawBlock(reader.raw(size), limit - total, limit);
      total += block.length;
      blocks.push(block);
    }
  } catch (err) {
    if (err instanceof ProtocolError && err.message.startsWith('truncated')) throw corrupt(err.message);
    throw err;
  }
  return Buffer.concat(blocks, total);
}

/** `budget` is what is left of `limit` for this block. */
function decompressRawBlock(block: Buffer, budget: number, limit: number): Buffer {
  let declared: number;
  try {
    declared = new Reader(block).uvarint();
  } catch {
    throw corrupt('unreadable block length preamble');
  }
  if (declared > budget) throw decompressedTooLarge(limit);
  try {
    return uncompressSync(block, { asBuffer: true }) as Buffer;
  } catch (err) {
    throw corrupt((err as Error).message);
  }
}

function int32(v: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(v, 0);
  return b;
}
