/**
 * `gregor dump-log --files f1,f2 [--print-data-log] [--deep-iteration]`: Kafka 2.7's kafka-dump-log.sh
 * (DumpLogSegments) over the files gregor writes in Kafka's layout, line for line in 2.7's format so
 * the output diffs against the real tool:
 *
 * - `.log`: `Dumping <file>`, `Starting offset: <base>`, one `baseOffset: … isvalid: true` line per
 *   batch and, with --deep-iteration or --print-data-log, one `| offset: …` line per record
 *   (`key: …` and `payload: …` as UTF-8 text with --print-data-log; control records show their
 *   `endTxnMarker: COMMIT|ABORT coordinatorEpoch: N`);
 * - `.index`: `offset: N position: P` per entry up to the first empty slot (the files are
 *   preallocated), then Kafka's index sanity check against the segment (`Mismatches in :…` on stderr,
 *   after everything else);
 * - `.timeindex`: `timestamp: T offset: N` per entry;
 * - `.snapshot` (producer-state snapshots, `<offset>.snapshot`): one line per producer,
 *   `producerId: … producerEpoch: … coordinatorEpoch: … currentTxnFirstOffset: None|Some(N)` and, when it
 *   has a batch, `firstSequence: … lastSequence: … lastOffset: … offsetDelta: … timestamp: …`; a corrupt
 *   snapshot prints the reason on stderr (exit 1 here); other suffixes are "Ignoring unknown file".
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { offsetFromFileName } from '../log/log-file-names.js';
import { readInt64 } from '../protocol/primitives.js';
import { BATCH_LENGTH, HEADER_SIZE, LOG_OVERHEAD, MAGIC } from '../protocol/records/batch-layout.js';
import { decodeEndTransactionMarker } from '../protocol/records/control-record.js';
import { RecordBatch, TimestampType } from '../protocol/records/record-batch.js';
import { readRecords } from '../protocol/records/record.js';
import { crc32c } from '../protocol/records/crc.js';
import { CorruptSnapshotError, decodeProducerSnapshot } from '../log/producer-snapshot.js';
import { NO_OPEN_TXN } from '../log/producer-state-entry.js';
import { runTool, UsageError, type ToolIo } from './tool-runtime.js';

export interface DumpLogOptions {
  files?: string;
  printDataLog?: boolean;
  deepIteration?: boolean;
  maxMessageSize?: number;
}

const CODECS = ['NONE', 'GZIP', 'SNAPPY', 'LZ4', 'ZSTD'];

function* batchesOf(data: Buffer): Generator<{ batch: RecordBatch; position: number } | { corruptAt: number }> {
  let pos = 0;
  while (pos + LOG_OVERHEAD <= data.length) {
    const size = LOG_OVERHEAD + data.readInt32BE(pos + BATCH_LENGTH);
    if (size < HEADER_SIZE || pos + size > data.length || data.readInt8(pos + MAGIC) !== 2) {
      yield { corruptAt: pos };
      return;
    }
    yield { batch: new RecordBatch(data.subarray(pos, pos + size)), position: pos };
    pos += size;
  }
}

function dumpLogFile(file: string, o: DumpLogOptions, out: (s: string) => void): void {
  const data = readFileSync(file);
  out(`Starting offset: ${offsetFromFileName(path.basename(file)) ?? 0}\n`);
  const deep = o.deepIteration || o.printDataLog;
  for (const item of batchesOf(data)) {
    if ('corruptAt' in item) {
      out(`Found ${data.length - item.corruptAt} invalid bytes at the end of ${path.basename(file)}\n`);
      return;
    }
    const { batch, position } = item;
    const ts = batch.timestampType === TimestampType.LogAppendTime ? 'LogAppendTime' : 'CreateTime';
    const lastSequence = batch.baseSequence === -1 ? -1 : batch.baseSequence + batch.lastOffsetDelta;
    const valid = crc32c(batch.buffer.subarray(21)) === batch.crc;
    out(
      `baseOffset: ${batch.baseOffset} lastOffset: ${batch.lastOffset} count: ${batch.recordCount} baseSequence: ${batch.baseSequence} ` +
        `lastSequence: ${lastSequence} producerId: ${batch.producerId} producerEpoch: ${batch.producerEpoch} ` +
        `partitionLeaderEpoch: ${batch.partitionLeaderEpoch} isTransactional: ${batch.isTransactional} isControl: ${batch.isControl} ` +
        `position: ${position} ${ts}: ${batch.maxTimestamp} size: ${batch.buffer.length} magic: ${batch.magic} ` +
        `compresscodec: ${CODECS[batch.compression] ?? batch.compression} crc: ${batch.crc} isvalid: ${valid}\n`,
    );
    if (!deep) continue;
    for (const r of readRecords(batch, { maxUncompressedBytes: o.maxMessageSize ?? 256 * 1024 * 1024 })) {
      let line =
        `| offset: ${r.offset} ${ts}: ${r.timestamp} keysize: ${r.key?.length ?? -1} valuesize: ${r.value?.length ?? -1}` +
        ` sequence: ${batch.baseSequence === -1 ? -1 : batch.baseSequence + r.offsetDelta} headerKeys: [${r.headers.map((h) => h.key).join(',')}]`;
      if (batch.isControl) {
        try {
          const marker = decodeEndTransactionMarker(r.key, r.value);
          line += ` endTxnMarker: ${marker.type === 1 ? 'COMMIT' : 'ABORT'} coordinatorEpoch: ${marker.coordinatorEpoch}`;
        } catch {
          line += ' controlType: UNKNOWN';
        }
      } else if (o.printDataLog) {
        if (r.key !== null) line += ` key: ${r.key.toString('utf8')}`;
        if (r.value !== null) line += ` payload: ${r.value.toString('utf8')}`;
      }
      out(`${line}\n`);
    }
  }
}

/** Index entries up to the first unused (zero) slot, as AbstractIndex reads a preallocated file. */
function indexEntries(file: string, entrySize: number, read: (b: Buffer, at: number) => [number, number]): Array<[number, number]> {
  const data = readFileSync(file);
  const out: Array<[number, number]> = [];
  for (let i = 0; (i + 1) * entrySize <= data.length; i++) {
    const e = read(data, i * entrySize);
    if (i > 0 && e[0] === 0 && e[1] === 0) break;
    out.push(e);
  }
  return out;
}

function dumpIndexFile(file: string, out: (s: string) => void, mismatchesOut: Map<string, string[]>): void {
  const base = offsetFromFileName(path.basename(file)) ?? 0;
  const entries = indexEntries(file, 8, (b, at) => [b.readInt32BE(at), b.readInt32BE(at + 4)]);
  const logFile = file.replace(/\.index$/, '.log');
  const log = existsSync(logFile) ? readFileSync(logFile) : null;
  const mismatches: string[] = [];
  for (const [i, [rel, position]] of entries.entries()) {
    if (i > 0 && rel === 0) break;
    out(`offset: ${base + rel} position: ${position}\n`);
    // Kafka's sanity check: the batch at `position` must end at the indexed offset
    if (log && position + HEADER_SIZE <= log.length) {
      const size = LOG_OVERHEAD + log.readInt32BE(position + BATCH_LENGTH);
      if (position + size <= log.length) {
        const last = new RecordBatch(log.subarray(position, position + size)).lastOffset;
        if (last !== base + rel) mismatches.push(`  Index offset: ${base + rel}, log offset: ${last}`);
      }
    }
  }
  if (mismatches.length > 0) mismatchesOut.set(file, mismatches);
}

function dumpTimeIndexFile(file: string, out: (s: string) => void): void {
  const base = offsetFromFileName(path.basename(file)) ?? 0;
  const entries = indexEntries(file, 12, (b, at) => [readInt64(b, at), b.readInt32BE(at + 8)]);
  for (const [timestamp, rel] of entries) out(`timestamp: ${timestamp} offset: ${base + rel}\n`);
}

/** DumpLogSegments.dumpProducerIdSnapshot (2.7 prints currentTxnFirstOffset as a Scala Option). */
function dumpProducerSnapshot(file: string, out: (s: string) => void): void {
  for (const e of decodeProducerSnapshot(readFileSync(file))) {
    let line =
      `producerId: ${e.producerId} producerEpoch: ${e.producerEpoch} coordinatorEpoch: ${e.coordinatorEpoch} ` +
      `currentTxnFirstOffset: ${e.currentTxnFirstOffset === NO_OPEN_TXN ? 'None' : `Some(${e.currentTxnFirstOffset})`} `;
    if (e.batchCount > 0) {
      const b = e.batch(0);
      line += `firstSequence: ${b.firstSeq} lastSequence: ${b.lastSeq} lastOffset: ${b.lastOffset} offsetDelta: ${b.offsetDelta} timestamp: ${b.timestamp}`;
    }
    out(`${line}\n`);
  }
}

export async function runDumpLog(o: DumpLogOptions, io: ToolIo): Promise<number> {
  return runTool(io, '', async () => {
    if (!o.files) throw new UsageError('Missing required argument "[files]"');
    let failed = false;
    const mismatches = new Map<string, string[]>();
    for (const file of o.files.split(',').map((f) => f.trim()).filter((f) => f !== '')) {
      io.out(`Dumping ${file}\n`);
      if (!existsSync(file)) throw new Error(`${file} (No such file or directory)`);
      const out = (s: string) => io.out(s);
      switch (path.extname(file)) {
        case '.log':
          dumpLogFile(file, o, out);
          break;
        case '.index':
          dumpIndexFile(file, out, mismatches);
          break;
        case '.timeindex':
          dumpTimeIndexFile(file, out);
          break;
        case '.snapshot':
          try {
            dumpProducerSnapshot(file, out);
          } catch (err) {
            if (!(err instanceof CorruptSnapshotError)) throw err;
            io.err(`${err.message}\n`);
            failed = true;
          }
          break;
        default:
          io.err(`Ignoring unknown file ${file}\n`);
      }
    }
    // as Kafka, at the end and on stderr (an active segment's preallocated index reports its empty slot 0 too)
    for (const [file, lines] of mismatches) io.err(`Mismatches in :${file}\n${lines.join('\n')}\n`);
    return failed ? 1 : 0;
  });
}
