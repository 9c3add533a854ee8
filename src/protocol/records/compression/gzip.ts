/**
 * gzip (codec 1): an RFC 1952 stream, possibly several concatenated members (Java's
 * GZIPInputStream reads them all, and so does Node's gunzip). zlib enforces the output ceiling
 * itself through maxOutputLength, so a gzip bomb stops at the limit.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { ProtocolError } from '../../errors.js';
import { ErrorCode } from '../../error-codes.js';
import { decompressedTooLarge } from './bounded-output.js';

export function gzipCompress(data: Buffer): Buffer {
  return gzipSync(data);
}

export function gzipDecompress(data: Buffer, limit: number): Buffer {
  let out: Buffer;
  try {
    out = gunzipSync(data, { maxOutputLength: Math.max(1, limit) });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw decompressedTooLarge(limit);
    throw new ProtocolError(`corrupt gzip payload: ${(err as Error).message}`, ErrorCode.CorruptMessage);
  }
  if (out.length > limit) throw decompressedTooLarge(limit);
  return out;
}
