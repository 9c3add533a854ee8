/**
 * Legacy message sets (magic 0 and 1), accepted from Produce v0–v2 and up-converted to a v2 batch
 * on append, as Kafka 2.x does (reference/protocol.md §4.6). A message set is a concatenation of
 *
 *   offset int64 | messageSize int32 | crc uint32 | magic int8 | attributes int8
 *   | [timestamp int64, magic 1 only] | key bytes (int32 length, -1 = null) | value bytes
 *
 * The CRC is CRC-32 (IEEE) over magic..end of the message. Attributes: bits 0–2 codec (0–3),
 * bit 3 LogAppendTime (magic 1). A compressed message is a wrapper whose value is a compressed
 * inner message set of uncompressed messages with the wrapper's magic; magic-1 inner offsets are
 * relative (0..n-1) and the wrapper carries the absolute offset of the last one. Nesting is one
 * level only: an inner compressed message is INVALID_RECORD, so recursion is bounded.
 *
 * Kafka 2.7 rules applied (LogValidator): a compressed wrapper must be the only entry
 * ("Compressed outer record has more than one batch") and must hold at least one message; inner
 * messages must match the wrapper's magic. v0 messages have no timestamp: NO_TIMESTAMP (-1).
 */
import { ProtocolError } from '../errors.js';
import { ErrorCode } from '../error-codes.js';
import { Reader } from '../primitives.js';
import { Compression } from './batch-layout.js';
import { decompress } from './compression/index.js';
import { crc32 } from './crc.js';
import type { ReadRecordsOptions } from './record.js';
import { NO_TIMESTAMP, TimestampType } from './record-batch.js';
import { buildRecordBatch } from './record-batch-builder.js';

const ENTRY_OVERHEAD = 12; // offset + messageSize
const MESSAGE_OVERHEAD_V0 = 14; // crc + magic + attributes + key length + value length
const MESSAGE_OVERHEAD_V1 = 22; // ... + timestamp
const MAGIC_OFFSET = 4; // within a message, after the crc
const ATTR_CODEC_MASK = 0x07;
const ATTR_LOG_APPEND_TIME = 0x08;

export interface LegacyMessage {
  offset: number;
  magic: 0 | 1;
  timestamp: number;
  timestampType: TimestampType;
  key: Buffer | null;
  value: Buffer | null;
}

export interface LegacyMessageSet {
  /** the messages, with compressed wrappers replaced by their inner messages */
  messages: LegacyMessage[];
  /** the source codec (Kafka's sourceCodec: the last non-none codec seen) */
  compression: Compression;
}

interface Entry extends LegacyMessage {
  codec: number;
}

function corrupt(reason: string): ProtocolError {
  return new ProtocolError(reason, ErrorCode.CorruptMessage);
}

function invalidRecord(reason: string): ProtocolError {
  return new ProtocolError(reason, ErrorCode.InvalidRecord);
}

export function readLegacyMessageSet(data: Buffer, options: ReadRecordsOptions): LegacyMessageSet {
  const entries = readEntries(data);
  const compressed = entries.filter((e) => e.codec !== Compression.None);
  const wrapper = compressed.at(-1);
  if (wrapper === undefined) return { messages: entries, compression: Compression.None };
  if (entries.length > 1) throw invalidRecord('Compressed outer record has more than one batch');
  return { messages: readWrapped(wrapper, options), compression: wrapper.codec as Compression };
}

function readWrapped(wrapper: Entry, options: ReadRecordsOptions): LegacyMessage[] {
  if (wrapper.value === null) throw invalidRecord('Found invalid compressed record set with null value');
  const inner = readEntries(decompress(wrapper.codec, wrapper.value, options.maxUncompressedBytes));
  const last = inner.at(-1);
  if (last === undefined) throw invalidRecord('Found invalid compressed record set with no inner records');
  return inner.map((message) => {
    if (message.codec !== Compression.None) {
      throw invalidRecord('Compressed outer record should not have an inner record with a compression attribute set');
    }
    if (message.magic !== wrapper.magic) {
      throw invalidRecord(`Compressed message magic ${message.magic} does not match wrapper magic ${wrapper.magic}`);
    }
    if (wrapper.magic === 0) return stripCodec(message);
    return {
      ...stripCodec(message),
      // magic 1: inner offsets are relative; the wrapper holds the absolute offset of the last one
      offset: wrapper.offset - last.offset + message.offset,
      timestamp: wrapper.timestampType === TimestampType.LogAppendTime ? wrapper.timestamp : message.timestamp,
      timestampType: wrapper.timestampType,
    };
  });
}

function stripCodec({ codec: _codec, ...message }: Entry): LegacyMessage {
  return message;
}

function readEntries(data: Buffer): Entry[] {
  const reader = new Reader(data);
  const entries: Entry[] = [];
  while (reader.remaining > 0) {
    if (reader.remaining < ENTRY_OVERHEAD) throw corrupt(`truncated message set: ${reader.remaining} trailing bytes`);
    const offset = reader.int64();
    const size = reader.int32();
    if (size < MESSAGE_OVERHEAD_V0) throw corrupt(`Message size ${size} is less than the minimum ${MESSAGE_OVERHEAD_V0}`);
    if (size > reader.remaining) throw corrupt(`truncated message: size ${size} but ${reader.remaining} bytes remain`);
    entries.push(readMessage(reader.raw(size), offset));
  }
  return entries;
}

function readMessage(message: Buffer, offset: number): Entry {
  const magic = message.readInt8(MAGIC_OFFSET);
  if (magic !== 0 && magic !== 1) throw corrupt(`Invalid magic found in legacy message: ${magic}`);
  if (magic === 1 && message.length < MESSAGE_OVERHEAD_V1) throw corrupt(`Message size ${message.length} too small for magic 1`);
  const storedCrc = message.readUInt32BE(0);
  const computedCrc = crc32(message.subarray(MAGIC_OFFSET));
  if (storedCrc !== computedCrc) throw corrupt(`Message is corrupt (stored crc = ${storedCrc}, computed crc = ${computedCrc})`);
  const reader = new Reader(message, MAGIC_OFFSET + 1);
  const attributes = reader.int8();
  const codec = attributes & ATTR_CODEC_MASK;
  if (codec === Compression.Zstd) {
    throw new ProtocolError('zstd requires the v2 record batch format', ErrorCode.UnsupportedCompressionType);
  }
  if (codec > Compression.Zstd) throw corrupt(`unknown compression codec ${codec}`);
  const logAppendTime = magic === 1 && (attributes & ATTR_LOG_APPEND_TIME) !== 0;
  const timestamp = magic === 1 ? reader.int64() : NO_TIMESTAMP;
  const key = reader.nullableBytes();
  const value = reader.nullableBytes();
  if (reader.remaining !== 0) throw corrupt(`legacy message has ${reader.remaining} bytes after its value`);
  const timestampType = logAppendTime ? TimestampType.LogAppendTime : TimestampType.CreateTime;
  return { offset, magic, timestamp, timestampType, key, value, codec };
}

export interface LegacyConversionOptions extends ReadRecordsOptions {
  /** Target codec; defaults to the source codec, as with compression.type=producer. */
  compression?: Compression;
}

/**
 * Up-converts a legacy message set to one v2 batch for storage: offsetDeltas 0..n-1 (the log
 * assigns baseOffset), timestamps kept (NO_TIMESTAMP for magic 0), no producer id.
 */
export function convertLegacyMessageSet(data: Buffer, options: LegacyConversionOptions): Buffer {
  const { messages, compression } = readLegacyMessageSet(data, options);
  if (messages.length === 0) throw invalidRecord('Record batch has no batches at all');
  const records = messages.map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp }));
  return buildRecordBatch(records, { compression: options.compression ?? compression });
}
