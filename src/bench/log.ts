/**
 * Log append/read benchmark (reference/performance.md §2.2 and §3.1).
 *
 * Appends 16 KiB uncompressed batches of ~100-byte JSON-like records to a Log, validating each
 * batch's CRC-32C first as the produce path does, and compares with a raw `fs.writeSync` loop of
 * the same bytes in the same run (A/B interleaved, medians of 5 after a discarded warm-up). Then
 * reads the whole log back sequentially through Log.read(). Page cache only, no fsync: Kafka's
 * default flush policy. Run: `npx tsx src/bench/log.ts` (GREGOR_BENCH_MB sets the MiB per run).
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SystemClock } from '../common/clock.js';
import { FileHandlePool } from '../log/file-handle-pool.js';
import { logConfig } from '../log/log-config.js';
import { Log } from '../log/log.js';
import { ATTRIBUTES, CRC, RECORDS } from '../protocol/records/batch-layout.js';
import { crc32c } from '../protocol/records/crc.js';
import { median } from './bench-cluster.js';

const BATCH_BYTES = 16 * 1024;
const DISTINCT_BATCHES = 64;
const RUNS = 6;

/** A v2 batch of ~100-byte varied records filling ~16 KiB (header written by hand, uncompressed). */
function makeBatch(seed: number): { batch: Buffer; records: number } {
  const records: Buffer[] = [];
  let size = RECORDS;
  for (let i = 0; size < BATCH_BYTES - 128; i++) {
    const value = Buffer.from(JSON.stringify({ id: seed * 1000 + i, user: `u${(seed * 31 + i) % 977}`, event: 'page_view', path: `/p/${i % 53}`, ms: 100 + (i % 900), ua: 'Mozilla/5.0 (X11)' }));
    // Record: length, attributes, timestampDelta, offsetDelta (< 64: one zigzag byte), null key, value length, value, no headers.
    const body = Buffer.concat([Buffer.from([0, 0, i * 2]), Buffer.from([1, value.length * 2]), value, Buffer.from([0])]);
    records.push(Buffer.concat([Buffer.from([body.length * 2]), body]));
    size += body.length + 1;
  }
  const batch = Buffer.concat([Buffer.alloc(RECORDS), ...records]);
  const now = Date.now();
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt8(2, 16);
  batch.writeInt32BE(records.length - 1, 23);
  batch.writeBigInt64BE(BigInt(now), 27);
  batch.writeBigInt64BE(BigInt(now), 35);
  batch.writeBigInt64BE(-1n, 43);
  batch.writeInt16BE(-1, 51);
  batch.writeInt32BE(-1, 53);
  batch.writeInt32BE(records.length, 57);
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES)), CRC);
  return { batch, records: records.length };
}

function validCrc(b: Buffer): boolean {
  return crc32c(b.subarray(ATTRIBUTES)) === b.readUInt32BE(CRC);
}

/** The floor: one positional writeSync per batch (optionally with the CRC check) and nothing else. */
function rawAppend(dir: string, batches: Buffer[], count: number, checkCrc: boolean): number {
  const path = join(dir, 'raw.log');
  const fd = openSync(path, 'w');
  const start = process.hrtime.bigint();
  let position = 0;
  for (let i = 0; i < count; i++) {
    const b = batches[i % batches.length] as Buffer;
    if (checkCrc && !validCrc(b)) throw new Error('CRC mismatch');
    position += writeSync(fd, b, 0, b.length, position);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  closeSync(fd);
  rmSync(path);
  return seconds;
}

function logAppend(root: string, batches: Buffer[], count: number): { seconds: number; log: Log } {
  const dir = mkdtempSync(join(root, 'bench-0-'));
  const log = Log.open({ dir, tp: { topic: 'bench', partition: 0 }, config: logConfig(), clock: new SystemClock(), pool: new FileHandlePool(64) });
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const b = batches[i % batches.length] as Buffer;
    if (!validCrc(b)) throw new Error('CRC mismatch');
    log.append(b, 0);
  }
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, log };
}

function readAll(log: Log): { seconds: number; bytes: number } {
  const start = process.hrtime.bigint();
  let bytes = 0;
  for (let offset = 0; offset < log.logEndOffset; ) {
    const chunk = log.read(offset, 1024 * 1024);
    bytes += chunk.length;
    // The next offset follows the last whole batch returned (header fields only).
    let pos = 0;
    let last = offset;
    while (pos < chunk.length) {
      last = Number(chunk.readBigInt64BE(pos)) + chunk.readInt32BE(pos + 23);
      pos += chunk.readInt32BE(pos + 8) + 12;
    }
    offset = last + 1;
  }
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, bytes };
}

export async function runLogBench(): Promise<void> {
  const mib = Number(process.env.GREGOR_BENCH_MB ?? 512);
  const made = Array.from({ length: DISTINCT_BATCHES }, (_, i) => makeBatch(i));
  const batches = made.map((m) => m.batch);
  const cycleBytes = batches.reduce((sum, b) => sum + b.length, 0);
  const cycleRecords = made.reduce((sum, m) => sum + m.records, 0);
  const cycles = Math.max(1, Math.round((mib * 1024 * 1024) / cycleBytes));
  const count = cycles * DISTINCT_BATCHES;
  const totalBytes = cycles * cycleBytes;
  const totalMiB = totalBytes / 1024 / 1024;
  const root = mkdtempSync(join(tmpdir(), 'gregor-bench-log-'));
  const raw: number[] = [];
  const rawCrc: number[] = [];
  const appended: number[] = [];
  const reads: number[] = [];
  try {
    const avgBatch = (cycleBytes / DISTINCT_BATCHES).toFixed(0);
    const avgRecord = (cycleBytes / cycleRecords).toFixed(0);
    console.log(`log bench: ${count} batches of ~${avgBatch} B (~${avgRecord} B/record), ${totalMiB.toFixed(0)} MiB per run, ${RUNS} runs + warm-up`);
    for (let run = -1; run < RUNS; run++) {
      const dir = mkdtempSync(join(root, 'run-'));
      // Alternate which side goes first: page-cache reuse after a delete favours the second.
      const rawFirst = run % 2 === 0;
      let rawSeconds = rawFirst ? rawAppend(dir, batches, count, false) : 0;
      const { seconds, log } = logAppend(dir, batches, count);
      const read = readAll(log);
      if (read.bytes !== totalBytes) throw new Error(`read ${read.bytes} bytes, wrote ${totalBytes}`);
      log.delete();
      if (!rawFirst) rawSeconds = rawAppend(dir, batches, count, false);
      const rawCrcSeconds = rawAppend(dir, batches, count, true);
      rmSync(dir, { recursive: true, force: true });
      if (run < 0) continue; // warm-up: first-touch memory, JIT
      raw.push(totalMiB / rawSeconds);
      rawCrc.push(totalMiB / rawCrcSeconds);
      appended.push(totalMiB / seconds);
      reads.push(totalMiB / read.seconds);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const fmt = (xs: number[]): string => `${median(xs).toFixed(0)} MiB/s [${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}]`;
  const recordsPerSecond = (median(appended) * 1024 * 1024 * cycleRecords) / cycleBytes;
  console.log(`raw fs.writeSync append : ${fmt(raw)}`);
  console.log(`raw + CRC-32C check     : ${fmt(rawCrc)}  (${(median(rawCrc) / median(raw)).toFixed(2)}× raw: the CRC alone)`);
  console.log(`Log.append (CRC checked): ${fmt(appended)}  = ${(recordsPerSecond / 1e6).toFixed(2)} M records/s`);
  console.log(`ratio log/raw           : ${(median(appended) / median(raw)).toFixed(2)}× (target ≥ 0.70×)`);
  console.log(`Log.read sequential     : ${fmt(reads)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runLogBench();
}
