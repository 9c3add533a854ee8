/**
 * Compression codecs of record batches, by the codec id in the batch attributes (bits 0–2):
 * 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd; 5–7 do not exist. All functions are synchronous (the
 * broker decompresses only off the hot path, ARCHITECTURE §7) and every decompression is bounded
 * by a caller-given limit, so a zip bomb ends in CORRUPT_MESSAGE instead of an allocation.
 */
import { ProtocolError } from '../../errors.js';
import { ErrorCode } from '../../error-codes.js';
import { Compression } from '../batch-layout.js';
import { gzipCompress, gzipDecompress } from './gzip.js';
import { lz4Compress, lz4Decompress } from './lz4.js';
import { snappyCompress, snappyDecompress } from './snappy.js';
import { initZstd, zstdCompress, zstdDecompress } from './zstd.js';

export { isXerialFramed } from './snappy.js';

/** Loads the zstd wasm module; await once before any zstd use. Safe to call repeatedly. */
export function initCompression(): Promise<void> {
  return initZstd();
}

/**
 * Unknown codec ids mean the attributes are corrupt. (Kafka 2.7 fails with an
 * IllegalArgumentException from CompressionType.forId, i.e. UNKNOWN_SERVER_ERROR; a client error
 * code is more useful and no client depends on the difference.)
 */
function unknownCodec(codec: number): ProtocolError {
  return new ProtocolError(`unknown compression codec ${codec}`, ErrorCode.CorruptMessage);
}

export function compress(codec: number, data: Buffer): Buffer {
  switch (codec) {
    case Compression.None:
      return data;
    case Compression.Gzip:
      return gzipCompress(data);
    case Compression.Snappy:
      return snappyCompress(data);
    case Compression.Lz4:
      return lz4Compress(data);
    case Compression.Zstd:
      return zstdCompress(data);
    default:
      throw unknownCodec(codec);
  }
}

/**
 * The ceiling on one batch's decompressed records when the broker must look inside (record
 * policies, up-conversion, cleaning): 16 times the batch limit, at least 16 MiB.
 */
export function decompressionLimit(maxMessageBytes: number): number {
  return Math.max(maxMessageBytes, 1 << 20) * 16;
}

/** Decompresses `data`; more than `limit` output bytes, or a corrupt payload, is CORRUPT_MESSAGE. */
export function decompress(codec: number, data: Buffer, limit: number): Buffer {
  switch (codec) {
    case Compression.None:
      if (data.length > limit) throw new ProtocolError(`records exceed the limit of ${limit} bytes`);
      return data;
    case Compression.Gzip:
      return gzipDecompress(data, limit);
    case Compression.Snappy:
      return snappyDecompress(data, limit);
    case Compression.Lz4:
      return lz4Decompress(data, limit);
    case Compression.Zstd:
      return zstdDecompress(data, limit);
    default:
      throw unknownCodec(codec);
  }
}
