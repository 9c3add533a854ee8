/**
 * zstd (codec 4): standard zstd frames (magic 28 B5 2F FD), through @bokuweb/zstd-wasm, which must
 * be initialised once (`initZstd`, awaited by `initCompression`).
 *
 * The wasm decompress() sizes its output from the frame's content size when present, and from
 * `defaultHeapSize` when not (streaming producers omit it). So we parse the frame header first:
 * a declared size above the limit is refused before anything is allocated, and for frames without
 * one we start small and double the capacity (up to the limit) while zstd reports
 * dstSize_tooSmall.
 */
import { compress as wasmCompress, decompress as wasmDecompress, init as wasmInit } from '@bokuweb/zstd-wasm';
import { ProtocolError } from '../../errors.js';
import { ErrorCode } from '../../error-codes.js';
import { decompressedTooLarge } from './bounded-output.js';

const FRAME_MAGIC = 0xfd2fb528;
const ZSTD_ERROR_DST_SIZE_TOO_SMALL = 70;
const DEFAULT_LEVEL = 3;
const MIN_CAPACITY = 64 * 1024;
const FCS_FIELD_SIZES = [0, 2, 4, 8] as const;
const DICT_ID_FIELD_SIZES = [0, 1, 2, 4] as const;

let initialised: Promise<void> | undefined;
let ready = false;

export function initZstd(): Promise<void> {
  initialised ??= wasmInit().then(() => {
    ready = true;
  });
  return initialised;
}

function assertReady(): void {
  if (!ready) throw new Error('zstd is not initialised: await initCompression() once at startup');
}

function corrupt(reason: string): ProtocolError {
  return new ProtocolError(`corrupt zstd payload: ${reason}`, ErrorCode.CorruptMessage);
}

export function zstdCompress(data: Buffer): Buffer {
  assertReady();
  const out = wasmCompress(data, DEFAULT_LEVEL);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** The first frame's declared content size, or -1 when the header leaves it out. */
export function zstdFrameContentSize(data: Buffer): number {
  if (data.length < 5 || data.readUInt32LE(0) !== FRAME_MAGIC) throw corrupt('missing zstd frame magic');
  const descriptor = data[4]!;
  const fcsFlag = descriptor >>> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  if (descriptor & 0x08) throw corrupt('reserved bit set in frame header');
  const fcsSize = fcsFlag === 0 && singleSegment ? 1 : FCS_FIELD_SIZES[fcsFlag]!;
  const pos = 5 + (singleSegment ? 0 : 1) + DICT_ID_FIELD_SIZES[descriptor & 0x03]!;
  if (data.length < pos + fcsSize) throw corrupt('truncated frame header');
  switch (fcsSize) {
    case 0:
      return -1;
    case 1:
      return data[pos]!;
    case 2:
      return data.readUInt16LE(pos) + 256;
    case 4:
      return data.readUInt32LE(pos);
    default:
      return data.readUInt32LE(pos + 4) === 0 ? data.readUInt32LE(pos) : Number.MAX_SAFE_INTEGER;
  }
}

export function zstdDecompress(data: Buffer, limit: number): Buffer {
  assertReady();
  const contentSize = zstdFrameContentSize(data);
  if (contentSize > limit) throw decompressedTooLarge(limit);
  let capacity = Math.min(limit, Math.max(MIN_CAPACITY, data.length * 4));
  for (;;) {
    try {
      const out = wasmDecompress(data, { defaultHeapSize: capacity });
      return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    } catch (err) {
      const tooSmall = zstdErrorCode(err) === ZSTD_ERROR_DST_SIZE_TOO_SMALL;
      if (!tooSmall || contentSize >= 0) throw corrupt((err as Error).message);
      if (capacity >= limit) throw decompressedTooLarge(limit);
      capacity = Math.min(limit, capacity * 2);
    }
  }
}

/** The library reports failures as "Failed to compress with code -<ZSTD_ErrorCode>". */
function zstdErrorCode(err: unknown): number | undefined {
  const match = /code (-?\d+)/.exec(err instanceof Error ? err.message : '');
  return match ? Math.abs(Number(match[1])) : undefined;
}
