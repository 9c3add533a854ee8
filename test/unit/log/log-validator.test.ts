import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { logConfig, type LogConfig } from '../../../src/log/log-config.js';
import { applyRecordPolicies, RecordErrorsException } from '../../../src/log/log-validator.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ATTRIBUTES, ATTR_TIMESTAMP_TYPE, CRC, Compression } from '../../../src/protocol/records/batch-layout.js';
import { initCompression } from '../../../src/protocol/records/compression/index.js';
import { crc32c } from '../../../src/protocol/records/crc.js';
import { RecordBatch, TimestampType } from '../../../src/protocol/records/record-batch.js';
import { buildRecordBatch, type BatchOptions, type RecordInput } from '../../../src/protocol/records/record-batch-builder.js';
import { readRecords } from '../../../src/protocol/records/record.js';
import { TempDirs, openTestLog } from './log-test-kit.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());
beforeAll(() => initCompression());

const TP = { topic: 'policies', partition: 2 };
const NOW = 1_700_000_000_000;

function recs(keys: Array<string | null>, ts = NOW): RecordInput[] {
  return keys.map((k, i) => ({
    key: k === null ? null : Buffer.from(k),
    value: Buffer.from(`value-${i}`),
    timestamp: ts + i,
    headers: [{ key: 'h', value: Buffer.from(String(i)) }],
  }));
}

function apply(records: Buffer, config: Partial<LogConfig>): Buffer {
  return applyRecordPolicies(records, logConfig(config), NOW, TP);
}

function refusal(fn: () => unknown): RecordErrorsException {
  try {
    fn();
  } catch (err) {
    if (err instanceof RecordErrorsException) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

function decoded(buf: Buffer) {
  const batch = new RecordBatch(buf);
  return readRecords(batch, { maxUncompressedBytes: 1 << 20 }).map((r) => ({
    key: r.key?.toString() ?? null,
    value: r.value?.toString(),
    timestamp: r.timestamp,
    offsetDelta: r.offsetDelta,
    headers: r.headers.map((h) => [h.key, h.value?.toString()]),
  }));
}

describe('log validator - record policies', () => {
  it('no policy: the very same Buffer comes back, untouched', () => {
    const batch = buildRecordBatch(recs([null, 'k']), { compression: Compression.Gzip });
    const copy = Buffer.from(batch);
    expect(apply(batch, {})).toBe(batch);
    expect(batch.equals(copy)).toBe(true);
  });

  it('compacted topic: keyless records are refused with INVALID_RECORD and one RecordErrors entry each', () => {
    for (const compression of [Compression.None, Compression.Gzip, Compression.Lz4]) {
      const batch = buildRecordBatch(recs(['a', null, 'b', null]), { compression });
      const err = refusal(() => apply(batch, { cleanupPolicy: ['compact', 'delete'] }));
      expect(err.code).toBe(ErrorCode.InvalidRecord);
      expect(err.message).toBe('One or more records have been rejected');
      expect(err.recordErrors).toEqual([
        { batchIndex: 1, message: 'Compacted topic cannot accept message without key in topic partition policies-2.' },
        { batchIndex: 3, message: 'Compacted topic cannot accept message without key in topic partition policies-2.' },
      ]);
    }
    const keyed = buildRecordBatch(recs(['a', 'b']), { compression: Compression.Snappy });
    expect(apply(keyed, { cleanupPolicy: ['compact'] })).toBe(keyed);
  });

  it('compression.type differing from the batch codec rebuilds the batch in that codec, keeping producer fields and records', () => {
    const opts: BatchOptions = { producerId: 42, producerEpoch: 3, baseSequence: 17, isTransactional: true };
    const batch = buildRecordBatch(recs(['a', null, 'c']), opts);
    const before = decoded(batch);
    const out = apply(batch, { compressionType: 'gzip' });
    const rebuilt = new RecordBatch(out);
    expect(rebuilt.compression).toBe(Compression.Gzip);
    expect(rebuilt).toMatchObject({ producerId: 42, producerEpoch: 3, baseSequence: 17, isTransactional: true, lastOffsetDelta: 2, recordCount: 3 });
    expect(rebuilt.isCrcValid()).toBe(true);
    expect(rebuilt.baseTimestamp).toBe(NOW);
    expect(rebuilt.maxTimestamp).toBe(NOW + 2);
    expect(decoded(out)).toEqual(before);
    // And back to uncompressed; the same codec is left alone.
    const plain = apply(out, { compressionType: 'uncompressed' });
    expect(new RecordBatch(plain).compression).toBe(Compression.None);
    expect(decoded(plain)).toEqual(before);
    expect(apply(out, { compressionType: 'gzip' })).toBe(out);
    for (const codec of ['snappy', 'lz4', 'zstd'] as const) expect(decoded(apply(batch, { compressionType: codec }))).toEqual(before);
  });

  it('max.message.bytes applies to the rebuilt batch (MESSAGE_TOO_LARGE)', () => {
    const big = buildRecordBatch([{ key: Buffer.from('k'), value: Buffer.alloc(50_000, 0x61), timestamp: NOW }], { compression: Compression.Gzip });
    expect(big.length).toBeLessThan(2000);
    expect(() => apply(big, { compressionType: 'uncompressed', maxMessageBytes: 10_000 })).toThrow(
      expect.objectContaining({ code: ErrorCode.MessageTooLarge, message: expect.stringContaining('exceeds the maximum configured size of 10000') }),
    );
    expect(new RecordBatch(apply(big, { compressionType: 'uncompressed', maxMessageBytes: 60_000 })).compression).toBe(Compression.None);
  });

  it('message.timestamp.difference.max.ms refuses records too far from the broker clock with INVALID_TIMESTAMP', () => {
    const records: RecordInput[] = [
      { key: Buffer.from('ok'), value: null, timestamp: NOW - 500 },
      { key: Buffer.from('old'), value: null, timestamp: NOW - 5000 },
      { key: Buffer.from('none'), value: null, timestamp: -1 },
      { key: Buffer.from('future'), value: null, timestamp: NOW + 1001 },
    ];
    const batch = buildRecordBatch(records, { compression: Compression.Snappy });
    const err = refusal(() => apply(batch, { messageTimestampDifferenceMaxMs: 1000 }));
    expect(err.code).toBe(ErrorCode.InvalidTimestamp);
    expect(err.message).toBe('One or more records have been rejected due to invalid timestamp');
    expect(err.recordErrors.map((e) => e.batchIndex)).toEqual([1, 3]);
    expect(err.recordErrors[0]!.message).toBe(
      `Timestamp ${NOW - 5000} of message with offset 1 is out of range. The timestamp should be within [${NOW - 1000}, ${NOW + 1000}]`,
    );
    expect(apply(batch, { messageTimestampDifferenceMaxMs: 10_000 })).toBe(batch);
    // Not checked when the broker assigns the time.
    expect(apply(batch, { messageTimestampDifferenceMaxMs: 1000, messageTimestampType: 'LogAppendTime' })).toBe(batch);
  });

  it('a client batch marked LogAppendTime is refused with INVALID_TIMESTAMP', () => {
    const batch = buildRecordBatch(recs(['a', 'b']), { logAppendTime: NOW });
    const err = refusal(() => apply(batch, {}));
    expect(err.code).toBe(ErrorCode.InvalidTimestamp);
    expect(err.recordErrors.map((e) => e.batchIndex)).toEqual([0, 1]);
  });

  it('a compressed batch whose inner offsets are not 0..n-1 is INVALID_RECORD when the broker looks inside', () => {
    const records = recs(['a', 'b']).map((r, i) => ({ ...r, offsetDelta: i * 2 }));
    const batch = buildRecordBatch(records, { compression: Compression.Gzip, lastOffsetDelta: 1 });
    const err = refusal(() => apply(batch, { cleanupPolicy: ['compact'] }));
    expect(err.code).toBe(ErrorCode.InvalidRecord);
    expect(err.recordErrors).toEqual([{ batchIndex: 1, message: null }]);
  });

  it('records that do not parse are INVALID_RECORD, never a crash', () => {
    const batch = buildRecordBatch(recs(['a']));
    batch.fill(0xff, 61);
    batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES)), CRC);
    expect(() => apply(batch, { cleanupPolicy: ['compact'] })).toThrow(expect.objectContaining({ code: ErrorCode.InvalidRecord }));
  });
});

describe('log - LogAppendTime', () => {
  it('the leader stamps every appended batch: timestamp-type bit, MaxTimestamp = append time, valid CRC', () => {
    const clock = new ManualClock(NOW + 777);
    const log = openTestLog(dirs.make(), { clock, config: { messageTimestampType: 'LogAppendTime' } });
    const info = log.append(buildRecordBatch(recs(['a', 'b']), { compression: Compression.Gzip }), 0);
    expect(info.logAppendTime).toBe(NOW + 777);
    const stored = new RecordBatch(log.read(0, 1 << 20));
    expect(stored.attributes & ATTR_TIMESTAMP_TYPE).toBe(ATTR_TIMESTAMP_TYPE);
    expect(stored.timestampType).toBe(TimestampType.LogAppendTime);
    expect(stored.maxTimestamp).toBe(NOW + 777);
    expect(stored.isCrcValid()).toBe(true);
    expect(readRecords(stored, { maxUncompressedBytes: 1 << 20 }).map((r) => r.timestamp)).toEqual([NOW + 777, NOW + 777]);
    log.close();
  });
});
