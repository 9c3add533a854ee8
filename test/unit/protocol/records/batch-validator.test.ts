import { beforeAll, describe, expect, it } from 'vitest';
import * as L from '../../../../src/protocol/records/batch-layout.js';
import {
  Compression,
  RecordBatch,
  RecordValidationError,
  buildControlBatch,
  buildRecordBatch,
  ControlRecordType,
  initCompression,
  peekMagic,
  splitBatches,
  validateBatch,
  validateBatchRecords,
  validateProduceRecords,
  type RecordInput,
} from '../../../../src/protocol/records/index.js';
import { crc32c } from '../../../../src/protocol/records/crc.js';
import { ErrorCode } from '../../../../src/protocol/error-codes.js';
import { ProtocolError } from '../../../../src/protocol/errors.js';
import { writeInt64 } from '../../../../src/protocol/primitives.js';

const LIMIT = 1 << 20;
const CLIENT = { fromClient: true } as const;

function records(n: number): RecordInput[] {
  return Array.from({ length: n }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`value ${i}`), timestamp: 1000 + i }));
}

function codeOf(fn: () => unknown): ErrorCode {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    return (err as ProtocolError).code;
  }
  throw new Error('expected a ProtocolError');
}

/** Edits a header field and re-signs the batch, so only the edited rule can fail. */
function edited(batch: Buffer, edit: (b: Buffer) => void): RecordBatch {
  const copy = Buffer.from(batch);
  edit(copy);
  copy.writeUInt32BE(crc32c(copy.subarray(L.ATTRIBUTES)), L.CRC);
  return new RecordBatch(copy);
}

beforeAll(async () => {
  await initCompression();
});

describe('memory-records - splitting', () => {
  it('cuts concatenated batches into zero-copy views', () => {
    const a = buildRecordBatch(records(2));
    const b = buildRecordBatch(records(3), { compression: Compression.Gzip, baseOffset: 2 });
    const blob = Buffer.concat([a, b]);
    const batches = splitBatches(blob);
    expect(batches.map((x) => [x.baseOffset, x.recordCount, x.sizeInBytes])).toEqual([
      [0, 2, a.length],
      [2, 3, b.length],
    ]);
    batches[1]!.setBaseOffset(77);
    expect(blob.readInt32BE(a.length + 4)).toBe(77); // the view shares the request's memory
    expect(splitBatches(Buffer.alloc(0))).toEqual([]);
  });

  it('rejects a blob truncated at every byte boundary with CORRUPT_MESSAGE', () => {
    const blob = Buffer.concat([buildRecordBatch(records(3)), buildRecordBatch(records(2), { compression: Compression.Lz4 })]);
    const first = 12 + blob.readInt32BE(L.BATCH_LENGTH);
    for (let cut = 1; cut < blob.length; cut++) {
      if (cut === first) continue; // a whole batch
      expect(codeOf(() => splitBatches(blob.subarray(0, cut))), `cut at ${cut}`).toBe(ErrorCode.CorruptMessage);
      expect(codeOf(() => validateProduceRecords(blob.subarray(0, cut), 7, {})), `cut at ${cut}`).not.toBe(ErrorCode.None);
    }
  });

  it.each([-1, -(2 ** 31), 0, 48, 2 ** 31 - 1])('batchLength %i is CORRUPT_MESSAGE', (length) => {
    const bytes = buildRecordBatch(records(1));
    bytes.writeInt32BE(length, L.BATCH_LENGTH);
    expect(codeOf(() => splitBatches(bytes))).toBe(ErrorCode.CorruptMessage);
  });

  it('legacy magic is INVALID_RECORD here; any other magic is CORRUPT_MESSAGE', () => {
    for (const [magic, code] of [
      [0, ErrorCode.InvalidRecord],
      [1, ErrorCode.InvalidRecord],
      [3, ErrorCode.CorruptMessage],
      [-1, ErrorCode.CorruptMessage],
    ] as const) {
      const bytes = buildRecordBatch(records(1));
      bytes.writeInt8(magic, L.MAGIC);
      expect(peekMagic(bytes)).toBe(magic);
      expect(codeOf(() => splitBatches(bytes))).toBe(code);
    }
    expect(codeOf(() => peekMagic(Buffer.alloc(16)))).toBe(ErrorCode.CorruptMessage);
  });
});

describe('batch-validator - hot path', () => {
  it('accepts what producers send', () => {
    for (const codec of [Compression.None, Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd]) {
      const batch = new RecordBatch(buildRecordBatch(records(4), { compression: codec, producerId: 3, producerEpoch: 0, baseSequence: 0 }));
      expect(() => validateBatch(batch, CLIENT)).not.toThrow();
    }
  });

  it('CRC mismatch is CORRUPT_MESSAGE', () => {
    const bytes = buildRecordBatch(records(2));
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    expect(codeOf(() => validateBatch(new RecordBatch(bytes), CLIENT))).toBe(ErrorCode.CorruptMessage);
    expect(codeOf(() => validateBatch(new RecordBatch(bytes), { fromClient: false }))).toBe(ErrorCode.CorruptMessage);
  });

  it('client-only rules are INVALID_RECORD; replication skips them', () => {
    const base = buildRecordBatch(records(3), { producerId: 9, producerEpoch: 1, baseSequence: 0 });
    const cases: [string, RecordBatch][] = [
      ['baseOffset != 0', new RecordBatch((() => { const b = Buffer.from(base); writeInt64(b, 0, 5); return b; })())],
      ['count above lastOffsetDelta + 1', edited(base, (b) => b.writeInt32BE(4, L.RECORD_COUNT))],
      ['count below lastOffsetDelta + 1', edited(base, (b) => b.writeInt32BE(2, L.RECORD_COUNT))],
      ['zero count', edited(base, (b) => { b.writeInt32BE(0, L.RECORD_COUNT); b.writeInt32BE(-1, L.LAST_OFFSET_DELTA); })],
      ['negative lastOffsetDelta', edited(base, (b) => b.writeInt32BE(-5, L.LAST_OFFSET_DELTA))],
      ['negative sequence with a producer id', edited(base, (b) => b.writeInt32BE(-1, L.BASE_SEQUENCE))],
      ['control batch', edited(base, (b) => b.writeInt16BE(0x30, L.ATTRIBUTES))],
      ['records cannot fit the count', edited(buildRecordBatch(records(1)), (b) => { b.writeInt32BE(99, L.RECORD_COUNT); b.writeInt32BE(98, L.LAST_OFFSET_DELTA); })],
    ];
    for (const [name, batch] of cases) {
      expect(codeOf(() => validateBatch(batch, CLIENT)), name).toBe(ErrorCode.InvalidRecord);
      expect(() => validateBatch(batch, { fromClient: false }), name).not.toThrow();
    }
  });

  it('a batch above max.message.bytes is MESSAGE_TOO_LARGE', () => {
    const batch = new RecordBatch(buildRecordBatch(records(3)));
    expect(codeOf(() => validateBatch(batch, { fromClient: true, maxBatchSize: batch.sizeInBytes - 1 }))).toBe(ErrorCode.MessageTooLarge);
    expect(() => validateBatch(batch, { fromClient: true, maxBatchSize: batch.sizeInBytes })).not.toThrow();
  });

  it.each([5, 6, 7])('codec %i is CORRUPT_MESSAGE', (codec) => {
    expect(codeOf(() => validateBatch(edited(buildRecordBatch(records(1)), (b) => b.writeInt16BE(codec, L.ATTRIBUTES)), CLIENT))).toBe(
      ErrorCode.CorruptMessage,
    );
  });

  it('a broker-written control batch passes replication validation', () => {
    const marker = new RecordBatch(buildControlBatch({ type: ControlRecordType.Commit, producerId: 1, producerEpoch: 0, coordinatorEpoch: 0, timestamp: 1 }));
    expect(() => validateBatch(marker, { fromClient: false })).not.toThrow();
    expect(codeOf(() => validateBatch(marker, CLIENT))).toBe(ErrorCode.InvalidRecord);
  });
});

describe('batch-validator - produce rules', () => {
  const one = buildRecordBatch(records(2));
  it('exactly one magic-2 batch: v3+ by Produce, v0–v2 by the log validator', () => {
    expect(validateProduceRecords(one, 3, {})).toHaveLength(1);
    expect(codeOf(() => validateProduceRecords(Buffer.concat([one, one]), 3, {}))).toBe(ErrorCode.InvalidRecord);
    expect(codeOf(() => validateProduceRecords(Buffer.alloc(0), 8, {}))).toBe(ErrorCode.InvalidRecord);
    expect(validateProduceRecords(one, 2, {})).toHaveLength(1);
    expect(codeOf(() => validateProduceRecords(Buffer.concat([one, one]), 2, {}))).toBe(ErrorCode.InvalidRecord);
  });

  it('zstd needs Produce v7', () => {
    const zstd = buildRecordBatch(records(2), { compression: Compression.Zstd });
    expect(codeOf(() => validateProduceRecords(zstd, 6, {}))).toBe(ErrorCode.UnsupportedCompressionType);
    expect(validateProduceRecords(zstd, 7, {})[0]!.compression).toBe(Compression.Zstd);
  });
});

describe('batch-validator - deep validation', () => {
  it('returns the records and whether offsets are 0..n-1', () => {
    const plain = new RecordBatch(buildRecordBatch(records(3), { compression: Compression.Snappy }));
    const result = validateBatchRecords(plain, { maxUncompressedBytes: LIMIT });
    expect(result.records.map((r) => r.key?.toString())).toEqual(['k0', 'k1', 'k2']);
    expect(result.offsetsSequential).toBe(true);
    const gappy = records(3).map((r, i) => ({ ...r, offsetDelta: i * 2 }));
    expect(validateBatchRecords(new RecordBatch(buildRecordBatch(gappy)), { maxUncompressedBytes: LIMIT }).offsetsSequential).toBe(false);
  });

  it.each([Compression.None, Compression.Gzip, Compression.Zstd])('count against the records present (codec %i) is INVALID_RECORD', (codec) => {
    const base = buildRecordBatch(records(3), { compression: codec });
    for (const count of [2, 4]) {
      const batch = edited(base, (b) => b.writeInt32BE(count, L.RECORD_COUNT));
      expect(codeOf(() => validateBatchRecords(batch, { maxUncompressedBytes: LIMIT })), `count ${count}`).toBe(ErrorCode.InvalidRecord);
    }
  });

  it('a record length reaching past its batch is INVALID_RECORD', () => {
    const base = buildRecordBatch(records(1));
    const batch = edited(base, (b) => b.writeUInt8(0x7e, L.RECORDS)); // zig-zag 63: far more than present
    expect(codeOf(() => validateBatchRecords(batch, { maxUncompressedBytes: LIMIT }))).toBe(ErrorCode.InvalidRecord);
  });

  it('garbage inside a compressed payload is CORRUPT_MESSAGE, a zip bomb too', () => {
    const gzip = buildRecordBatch(records(3), { compression: Compression.Gzip });
    const garbage = edited(gzip, (b) => b.fill(0x55, L.RECORDS + 10));
    expect(codeOf(() => validateBatchRecords(garbage, { maxUncompressedBytes: LIMIT }))).toBe(ErrorCode.CorruptMessage);
    const bomb = new RecordBatch(buildRecordBatch([{ value: Buffer.alloc(2 * LIMIT), timestamp: 0 }], { compression: Compression.Lz4 }));
    expect(bomb.sizeInBytes).toBeLessThan(LIMIT / 10);
    expect(codeOf(() => validateBatchRecords(bomb, { maxUncompressedBytes: LIMIT }))).toBe(ErrorCode.CorruptMessage);
  });

  it('compacted topics reject key-less records with the record index', () => {
    const input = records(4);
    input[2] = { ...input[2]!, key: null };
    const batch = new RecordBatch(buildRecordBatch(input, { compression: Compression.Gzip }));
    expect(() => validateBatchRecords(batch, { maxUncompressedBytes: LIMIT })).not.toThrow();
    try {
      validateBatchRecords(batch, { maxUncompressedBytes: LIMIT, compacted: true });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(RecordValidationError);
      expect((err as RecordValidationError).code).toBe(ErrorCode.InvalidRecord);
      expect((err as RecordValidationError).recordIndex).toBe(2);
    }
  });

  it('random corruption of a re-signed batch never escapes as anything but ProtocolError', () => {
    const base = buildRecordBatch(records(5).map((r) => ({ ...r, headers: [{ key: 'h', value: Buffer.from('v') }] })));
    let seed = 7;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
    for (let i = 0; i < 500; i++) {
      const batch = edited(base, (b) => {
        for (let j = 0; j < 3; j++) b[L.RECORDS + rand(b.length - L.RECORDS)] = rand(256);
      });
      try {
        validateBatchRecords(batch, { maxUncompressedBytes: LIMIT });
      } catch (err) {
        expect(err).toBeInstanceOf(ProtocolError);
      }
    }
  });
});
