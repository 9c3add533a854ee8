/**
 * lz4 (codec 3): the LZ4 frame format (little-endian inside, unlike the rest of Kafka):
 *
 *   magic 04 22 4D 18 | FLG | BD | [content size u64, if FLG.C.Size] | [dict id u32] | HC
 *   blocks: u32 size (high bit = stored uncompressed; 0 = end mark) | data | [u32 block checksum]
 *   [u32 content checksum, if FLG.C.Checksum]
 *
 * Writing uses lz4-napi (independent blocks, no content size), which every client reads.
 * Reading is our own bounded decoder rather than lz4-napi's frame decoder, because Kafka's
 * variants need leniency the strict decoder lacks and a limit it does not offer:
 * - magic-0 messages carry a "broken" header checksum (KAFKA-3160), so HC is not verified — as
 *   Java's reader does for magic 0 and librdkafka does by fixing it up; the batch CRC already
 *   protects these bytes;
 * - the content size is optional (Java omits it) and is never trusted for allocation;
 * - output is capped at the caller's limit (an LZ4 block can expand ~255×).
 * Block and content checksums are skipped, as Java's KafkaLZ4BlockInputStream skips them.
 */
import { compressFrameSync } from 'lz4-napi';
import { ProtocolError } from '../../errors.js';
import { ErrorCode } from '../../error-codes.js';
import { BoundedOutput } from './bounded-output.js';

const FRAME_MAGIC = 0x184d2204;
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_INDEPENDENT = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_DICT_ID = 0x01;
const BLOCK_UNCOMPRESSED = 0x8000_0000;
const MIN_MATCH = 4;

function corrupt(reason: string): ProtocolError {
  return new ProtocolError(`corrupt lz4 payload: ${reason}`, ErrorCode.CorruptMessage);
}

export function lz4Compress(data: Buffer): Buffer {
  return compressFrameSync(data);
}

interface FrameHeader {
  flags: number;
  /** declared content size, or -1; only a sizing hint */
  contentSize: number;
  /** offset of the first block */
  dataStart: number;
}

function readFrameHeader(data: Buffer): FrameHeader {
  if (data.length < 7 || data.readUInt32LE(0) !== FRAME_MAGIC) throw corrupt('missing LZ4 frame magic');
  const flags = data[4]!;
  if ((flags & FLG_VERSION_MASK) !== FLG_VERSION_01) throw corrupt(`unsupported frame version in FLG ${flags}`);
  if (flags & FLG_DICT_ID) throw corrupt('frames with a dictionary id are not supported');
  let pos = 6; // past FLG and BD
  let contentSize = -1;
  if (flags & FLG_CONTENT_SIZE) {
    if (data.length < pos + 8) throw corrupt('truncated frame descriptor');
    const hi = data.readUInt32LE(pos + 4);
    // A size beyond 2^32 only matters as "too big"; keep it as a large number.
    contentSize = hi === 0 ? data.readUInt32LE(pos) : Number.MAX_SAFE_INTEGER;
    pos += 8;
  }
  pos += 1; // header checksum, deliberately not verified (see file header)
  if (pos > data.length) throw corrupt('truncated frame descriptor');
  return { flags, contentSize, dataStart: pos };
}

export function lz4Decompress(data: Buffer, limit: number): Buffer {
  const { flags, contentSize, dataStart } = readFrameHeader(data);
  const out = new BoundedOutput(limit, contentSize >= 0 ? contentSize : data.length * 4);
  const independent = (flags & FLG_BLOCK_INDEPENDENT) !== 0;
  const blockChecksumSize = flags & FLG_BLOCK_CHECKSUM ? 4 : 0;
  let pos = dataStart;
  for (;;) {
    if (pos + 4 > data.length) throw corrupt('truncated block size');
    const word = data.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break;
    const size = word & 0x7fff_ffff;
    if (pos + size + blockChecksumSize > data.length) throw corrupt('truncated block');
    const block = data.subarray(pos, pos + size);
    if (word & BLOCK_UNCOMPRESSED) out.append(block);
    else decodeBlock(block, out, independent ? out.length : 0);
    pos += size + blockChecksumSize;
  }
  if (flags & FLG_CONTENT_CHECKSUM && pos + 4 > data.length) throw corrupt('truncated content checksum');
  return out.result();
}

/**
 * Decodes one LZ4 block (sequences of token, literals, 2-byte LE offset, match) into `out`.
 * `windowStart` is the earliest output position a match may reference: the block's own start for
 * independent blocks, 0 for linked ones.
 */
function decodeBlock(src: Buffer, out: BoundedOutput, windowStart: number): void {
  let ip = 0;
  const end = src.length;
  while (ip < end) {
    const token = src[ip++]!;
    let literals = token >>> 4;
    if (literals === 15) ({ value: literals, ip } = readLengthExtension(src, ip, literals));
    if (ip + literals > end) throw corrupt('literal run past the end of the block');
    out.append(src.subarray(ip, ip + literals));
    ip += literals;
    if (ip === end) return; // the last sequence carries literals only
    if (ip + 2 > end) throw corrupt('truncated match offset');
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    let matchLength = token & 0x0f;
    if (matchLength === 15) ({ value: matchLength, ip } = readLengthExtension(src, ip, matchLength));
    copyMatch(out, offset, matchLength + MIN_MATCH, windowStart);
  }
  // The format requires every block to end with a literals-only sequence.
  throw corrupt('block does not end with literals');
}

function readLengthExtension(src: Buffer, ip: number, value: number): { value: number; ip: number } {
  let b: number;
  do {
    if (ip >= src.length) throw corrupt('truncated length extension');
    b = src[ip++]!;
    value += b;
  } while (b === 255);
  return { value, ip };
}

function copyMatch(out: BoundedOutput, offset: number, length: number, windowStart: number): void {
  const from = out.length - offset;
  if (offset === 0 || from < windowStart) throw corrupt(`match offset ${offset} outside the window`);
  out.ensure(length);
  const buf = out.buf;
  if (offset >= length) {
    buf.copy(buf, out.length, from, from + length);
  } else {
    // Overlapping match: the copy reads bytes it has just written (run-length style).
    for (let i = 0; i < length; i++) buf[out.length + i] = buf[from + i]!;
  }
  out.length += length;
}
