/**
 * Checksums. RecordBatch v2 uses CRC-32C (Castagnoli) over ATTRIBUTES..end of the batch; the
 * legacy message formats (magic 0/1) use CRC-32 (IEEE). CRC-32C runs on the hot produce path, so
 * it uses @node-rs/crc32's hardware-accelerated build; crc-32 (pure JS) serves the legacy path.
 */
import { crc32c as nativeCrc32c } from '@node-rs/crc32';
import CRC32 from 'crc-32';

/** Unsigned CRC-32C of `buf` (pass a subarray to checksum a range without copying). */
export function crc32c(buf: Buffer): number {
  return nativeCrc32c(buf) >>> 0;
}

/** Unsigned CRC-32 (IEEE) of `buf`. */
export function crc32(buf: Buffer): number {
  return CRC32.buf(buf) >>> 0;
}
