/**
 * Test-only helpers for the log tests: uncompressed RecordBatch v2 builder (header, varint
 * records, CRC-32C over ATTRIBUTES..end), temp dirs, a seeded PRNG and a Log factory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../src/common/clock.js';
import { FileHandlePool } from '../../../src/log/file-handle-pool.js';
import { logConfig, type LogConfig } from '../../../src/log/log-config.js';
import { Log, type LogOptions } from '../../../src/log/log.js';
import { ATTRIBUTES, CRC, RECORDS } from '../../../src/protocol/records/batch-layout.js';
import { crc32c } from '../../../src/protocol/records/crc.js';
import { mulberry32 as prng } from '../../../src/common/prng.js';

function zigzagVarint(value: number, out: number[]): void {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

export interface BatchSpec {
  baseOffset?: number;
  leaderEpoch?: number;
  /** one timestamp per record */
  timestamps: number[];
  valueSize: number;
  /** byte used to fill values, so reads can be checked for content */
  fill?: number;
}

export function buildBatch(spec: BatchSpec): Buffer {
  const { timestamps, valueSize } = spec;
  const baseTimestamp = timestamps[0] ?? 0;
  const value = Buffer.alloc(valueSize, spec.fill ?? 0x61);
  const records: Buffer[] = timestamps.map((ts, i) => {
    const body: number[] = [0];
    zigzagVarint(ts - baseTimestamp, body);
    zigzagVarint(i, body);
    zigzagVarint(-1, body); // null key
    zigzagVarint(valueSize, body);
    const tail: number[] = [];
    zigzagVarint(0, tail); // no headers
    const len: number[] = [];
    zigzagVarint(body.length + valueSize + tail.length, len);
    return Buffer.concat([Buffer.from(len), Buffer.from(body), value, Buffer.from(tail)]);
  });
  const batch = Buffer.concat([Buffer.alloc(RECORDS), ...records]);
  batch.writeBigInt64BE(BigInt(spec.baseOffset ?? 0), 0);
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt32BE(spec.leaderEpoch ?? -1, 12);
  batch.writeInt8(2, 16);
  batch.writeInt16BE(0, 21);
  batch.writeInt32BE(timestamps.length - 1, 23);
  batch.writeBigInt64BE(BigInt(baseTimestamp), 27);
  batch.writeBigInt64BE(BigInt(Math.max(...timestamps)), 35);
  batch.writeBigInt64BE(-1n, 43);
  batch.writeInt16BE(-1, 51);
  batch.writeInt32BE(-1, 53);
  batch.writeInt32BE(timestamps.length, 57);
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES)), CRC);
  return batch;
}

/** A batch of `count` records all stamped `timestamp` (+i), each value `valueSize` bytes. */
export function simpleBatch(count: number, valueSize: number, timestamp: number, fill?: number): Buffer {
  return buildBatch({ timestamps: Array.from({ length: count }, (_, i) => timestamp + i), valueSize, ...(fill === undefined ? {} : { fill }) });
}

/** Split concatenated batches into [baseOffset, lastOffset, bytes] triples. */
export function splitBatches(buf: Buffer): Array<{ baseOffset: number; lastOffset: number; bytes: Buffer }> {
  const out: Array<{ baseOffset: number; lastOffset: number; bytes: Buffer }> = [];
  for (let pos = 0; pos < buf.length; ) {
    const size = buf.readInt32BE(pos + 8) + 12;
    const baseOffset = Number(buf.readBigInt64BE(pos));
    out.push({ baseOffset, lastOffset: baseOffset + buf.readInt32BE(pos + 23), bytes: buf.subarray(pos, pos + size) });
    pos += size;
  }
  return out;
}

export { prng };

export class TempDirs {
  private readonly dirs: string[] = [];

  make(prefix = 'gregor-log-'): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  cleanup(): void {
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

export interface TestLogOptions extends Partial<Omit<LogOptions, 'config'>> {
  config?: Partial<LogConfig>;
}

/** Open a Log on `dir` with a ManualClock and a small pool unless given. */
export function openTestLog(dir: string, opts: TestLogOptions = {}): Log {
  return Log.open({
    tp: { topic: 't', partition: 0 },
    clock: new ManualClock(1_000_000),
    pool: new FileHandlePool(32),
    ...opts,
    dir,
    config: logConfig(opts.config),
  });
}
