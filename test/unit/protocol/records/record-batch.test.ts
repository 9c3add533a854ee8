import { beforeAll, describe, expect, it } from 'vitest';
import * as L from '../../../../src/protocol/records/batch-layout.js';
import {
  Compression,
  ControlRecordType,
  RecordBatch,
  TimestampType,
  buildControlBatch,
  buildRecordBatch,
  decodeEndTransactionMarker,
  initCompression,
  readRecords,
} from '../../../../src/protocol/records/index.js';
import { ProtocolError } from '../../../../src/protocol/errors.js';

const LIMIT = 1 << 20;

function sampleBatch(): Buffer {
  return buildRecordBatch(
    [
      { key: Buffer.from('k0'), value: Buffer.from('v0'), timestamp: 1000 },
      { key: null, value: Buffer.from('v1'), timestamp: 1500, headers: [{ key: 'h', value: Buffer.from('x') }] },
      { value: null, timestamp: 1200 },
    ],
    { producerId: 77, producerEpoch: 2, baseSequence: 40, isTransactional: true, partitionLeaderEpoch: 9 },
  );
}

beforeAll(async () => {
  await initCompression();
});

describe('record-batch - header view', () => {
  it('reads every header field', () => {
    const batch = new RecordBatch(sampleBatch());
    expect(batch.baseOffset).toBe(0);
    expect(batch.batchLength).toBe(batch.sizeInBytes - 12);
    expect(batch.partitionLeaderEpoch).toBe(9);
    expect(batch.magic).toBe(2);
    expect(batch.compression).toBe(Compression.None);
    expect(batch.timestampType).toBe(TimestampType.CreateTime);
    expect(batch.isTransactional).toBe(true);
    expect(batch.isControl).toBe(false);
    expect(batch.lastOffsetDelta).toBe(2);
    expect(batch.lastOffset).toBe(2);
    expect(batch.baseTimestamp).toBe(1000);
    expect(batch.maxTimestamp).toBe(1500);
    expect(batch.producerId).toBe(77);
    expect(batch.hasProducerId).toBe(true);
    expect(batch.producerEpoch).toBe(2);
    expect(batch.baseSequence).toBe(40);
    expect(batch.lastSequence).toBe(42);
    expect(batch.recordCount).toBe(3);
    expect(batch.isCrcValid()).toBe(true);
  });

  it('wraps the last sequence past Int32.MAX to 0', () => {
    const records = [0, 1, 2].map((i) => ({ value: Buffer.from([i]), timestamp: 1 }));
    const batch = new RecordBatch(buildRecordBatch(records, { producerId: 1, producerEpoch: 0, baseSequence: 0x7fff_ffff }));
    expect(batch.lastSequence).toBe(1);
  });

  it('refuses a buffer shorter than the header, or not exactly one batch long', () => {
    expect(() => new RecordBatch(Buffer.alloc(60))).toThrow(ProtocolError);
    const bytes = sampleBatch();
    expect(() => new RecordBatch(Buffer.concat([bytes, Buffer.alloc(1)]))).toThrow(ProtocolError);
    expect(() => new RecordBatch(bytes.subarray(0, bytes.length - 1))).toThrow(ProtocolError);
  });
});

describe('record-batch - CRC range', () => {
  it('ignores bytes before attributes and covers every byte from attributes to the end', () => {
    const original = sampleBatch();
    for (let i = 0; i < original.length; i++) {
      if (i >= L.CRC && i < L.ATTRIBUTES) continue; // the CRC field itself
      if (i >= L.BATCH_LENGTH && i < L.PARTITION_LEADER_EPOCH) continue; // framing, checked by the view
      const bytes = Buffer.from(original);
      bytes[i] = bytes[i]! ^ 0x01;
      expect(new RecordBatch(bytes).isCrcValid(), `flipped byte ${i}`).toBe(i < L.CRC);
    }
  });

  it('keeps the CRC valid through in-place baseOffset and leader-epoch rewrites', () => {
    const bytes = sampleBatch();
    const batch = new RecordBatch(bytes);
    batch.setBaseOffset(2 ** 40 + 5);
    batch.setPartitionLeaderEpoch(123);
    expect(batch.isCrcValid()).toBe(true);
    expect(batch.baseOffset).toBe(2 ** 40 + 5);
    expect(batch.lastOffset).toBe(2 ** 40 + 7);
    expect(batch.partitionLeaderEpoch).toBe(123);
    expect(readRecords(batch, { maxUncompressedBytes: LIMIT }).map((r) => r.offset)).toEqual([2 ** 40 + 5, 2 ** 40 + 6, 2 ** 40 + 7]);
  });

  it('recomputes the CRC when stamping LogAppendTime, and records then carry that time', () => {
    const batch = new RecordBatch(sampleBatch());
    batch.setLogAppendTime(99_000);
    expect(batch.isCrcValid()).toBe(true);
    expect(batch.timestampType).toBe(TimestampType.LogAppendTime);
    expect(batch.maxTimestamp).toBe(99_000);
    expect(readRecords(batch, { maxUncompressedBytes: LIMIT }).map((r) => r.timestamp)).toEqual([99_000, 99_000, 99_000]);
  });
});

describe('record-batch-builder - records and codecs', () => {
  const codecs = [Compression.None, Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd];
  it.each(codecs)('round-trips records with codec %i', (codec) => {
    const input = Array.from({ length: 50 }, (_, i) => ({
      key: i % 4 === 0 ? null : Buffer.from(`key-${i}`),
      value: i === 7 ? null : Buffer.from(`value-${i}-`.repeat(i + 1)),
      headers: i % 5 === 0 ? [{ key: 'trace', value: Buffer.from(String(i)) }, { key: 'empty', value: null }] : [],
      timestamp: 1_700_000_000_000 + (i % 9) * 1000,
    }));
    const batch = new RecordBatch(buildRecordBatch(input, { compression: codec, baseOffset: 1000 }));
    expect(batch.compression).toBe(codec);
    expect(batch.maxTimestamp).toBe(1_700_000_008_000);
    const records = readRecords(batch, { maxUncompressedBytes: LIMIT });
    expect(records).toEqual(
      input.map((r, i) => ({ offset: 1000 + i, offsetDelta: i, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers })),
    );
  });

  it('builds 78-byte COMMIT and ABORT control batches (transactions-and-compaction §2.10)', () => {
    for (const type of [ControlRecordType.Commit, ControlRecordType.Abort]) {
      const bytes = buildControlBatch({ type, producerId: 5000, producerEpoch: 7, coordinatorEpoch: 12, timestamp: 1234, baseOffset: 42 });
      expect(bytes.length).toBe(78);
      const batch = new RecordBatch(bytes);
      expect(batch.batchLength).toBe(66);
      expect(batch.attributes).toBe(0x30);
      expect([batch.isControl, batch.isTransactional]).toEqual([true, true]);
      expect([batch.baseSequence, batch.recordCount, batch.lastOffsetDelta]).toEqual([-1, 1, 0]);
      expect([batch.baseTimestamp, batch.maxTimestamp, batch.producerId, batch.producerEpoch]).toEqual([1234, 1234, 5000, 7]);
      expect(batch.isCrcValid()).toBe(true);
      const [record] = readRecords(batch, { maxUncompressedBytes: LIMIT });
      expect(record!.offset).toBe(42);
      expect(record!.key).toEqual(Buffer.from([0, 0, 0, type]));
      expect(decodeEndTransactionMarker(record!.key, record!.value)).toEqual({ type, coordinatorEpoch: 12 });
    }
  });

  it('rejects control records that are not transaction markers', () => {
    expect(() => decodeEndTransactionMarker(Buffer.from([0, 0, 0, 2]), Buffer.alloc(6))).toThrow(ProtocolError);
    expect(() => decodeEndTransactionMarker(Buffer.from([0, 0]), Buffer.alloc(6))).toThrow(ProtocolError);
    expect(() => decodeEndTransactionMarker(Buffer.from([0, 0, 0, 1]), null)).toThrow(ProtocolError);
  });
});
