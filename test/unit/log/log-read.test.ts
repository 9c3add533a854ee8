import { afterEach, describe, expect, it } from 'vitest';
import { KafkaError } from '../../../src/common/errors.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { crc32c } from '../../../src/protocol/records/crc.js';
import { TempDirs, openTestLog, simpleBatch, splitBatches } from './log-test-kit.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

function outOfRange(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(KafkaError);
    expect((err as KafkaError).code).toBe(ErrorCode.OffsetOutOfRange);
    return;
  }
  throw new Error('expected OFFSET_OUT_OF_RANGE');
}

describe('log - append', () => {
  it('assigns offsets by rewriting baseOffset and partitionLeaderEpoch in place, CRC unchanged', () => {
    const log = openTestLog(dirs.make());
    const first = simpleBatch(3, 10, 1000);
    const second = simpleBatch(2, 10, 1000);
    const crcBefore = second.readUInt32BE(17);
    const a = log.append(first, 5);
    const info = log.append(second, 5);
    expect(a).toMatchObject({ firstOffset: 0, lastOffset: 2, batchCount: 1 });
    expect(info).toMatchObject({ firstOffset: 3, lastOffset: 4, maxTimestamp: 1001, offsetOfMaxTimestamp: 4, logAppendTime: -1 });
    // The caller's buffer itself was rewritten (no copy).
    expect(Number(second.readBigInt64BE(0))).toBe(3);
    expect(second.readInt32BE(12)).toBe(5);
    expect(second.readUInt32BE(17)).toBe(crcBefore);
    expect(crc32c(second.subarray(21))).toBe(crcBefore);
    expect(log.logEndOffset).toBe(5);
    expect(log.read(3, 1 << 20).equals(second)).toBe(true);
    log.close();
  });

  it('rejects a corrupt header with CORRUPT_MESSAGE and an oversized batch with MESSAGE_TOO_LARGE', () => {
    const log = openTestLog(dirs.make(), { config: { maxMessageBytes: 500 } });
    const bad = simpleBatch(1, 10, 0);
    bad.writeInt32BE(5, 8);
    expect(() => log.append(bad, 0)).toThrow(expect.objectContaining({ code: ErrorCode.CorruptMessage }));
    const trailing = Buffer.concat([simpleBatch(1, 10, 0), Buffer.from([1, 2, 3])]);
    expect(() => log.append(trailing, 0)).toThrow(expect.objectContaining({ code: ErrorCode.CorruptMessage }));
    const magic = simpleBatch(1, 10, 0);
    magic.writeInt8(1, 16);
    expect(() => log.append(magic, 0)).toThrow(expect.objectContaining({ code: ErrorCode.CorruptMessage }));
    expect(() => log.append(simpleBatch(1, 600, 0), 0)).toThrow(expect.objectContaining({ code: ErrorCode.MessageTooLarge }));
    expect(log.logEndOffset).toBe(0);
    log.close();
  });

  it('as follower keeps offsets, requires them to increase and verifies the CRC', () => {
    const log = openTestLog(dirs.make());
    const a = simpleBatch(2, 10, 0);
    a.writeBigInt64BE(10n, 0);
    const info = log.appendAsFollower(a);
    expect(info).toMatchObject({ firstOffset: 10, lastOffset: 11 });
    expect(log.logEndOffset).toBe(12);
    expect(log.segmentBaseOffsets).toEqual([10]);
    const stale = simpleBatch(1, 10, 0);
    stale.writeBigInt64BE(11n, 0);
    expect(() => log.appendAsFollower(stale)).toThrow(KafkaError);
    const corrupt = simpleBatch(1, 10, 0);
    corrupt.writeBigInt64BE(12n, 0);
    corrupt[70] = (corrupt[70] ?? 0) ^ 0xff;
    expect(() => log.appendAsFollower(corrupt)).toThrow(expect.objectContaining({ code: ErrorCode.CorruptMessage }));
    expect(log.logEndOffset).toBe(12);
    log.close();
  });
});

describe('log - read', () => {
  it('returns whole batches only, within maxBytes', () => {
    const log = openTestLog(dirs.make());
    const sizes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const b = simpleBatch(2, 100, 0);
      sizes.push(b.length);
      log.append(b, 0);
    }
    const size = sizes[0] ?? 0;
    const got = log.read(0, size * 3 + size - 1);
    expect(got.length).toBe(size * 3);
    expect(splitBatches(got).map((b) => b.baseOffset)).toEqual([0, 2, 4]);
    // An offset inside a batch starts at that batch.
    expect(splitBatches(log.read(5, size))[0]?.baseOffset).toBe(4);
    log.close();
  });

  it('returns the first batch whole even when larger than maxBytes (minOneBatch), else nothing', () => {
    const log = openTestLog(dirs.make());
    const big = simpleBatch(5, 2000, 0);
    log.append(big, 0);
    log.append(simpleBatch(1, 10, 0), 0);
    const got = log.read(0, 100);
    expect(got.length).toBe(big.length);
    expect(log.read(0, 100, undefined, false).length).toBe(0);
    log.close();
  });

  it('never returns a batch at or past upperBound', () => {
    const log = openTestLog(dirs.make());
    for (let i = 0; i < 5; i++) log.append(simpleBatch(2, 10, 0), 0);
    expect(splitBatches(log.read(0, 1 << 20, 6)).map((b) => b.lastOffset)).toEqual([1, 3, 5]);
    expect(splitBatches(log.read(0, 1 << 20, 5)).map((b) => b.lastOffset)).toEqual([1, 3]);
    expect(log.read(6, 1 << 20, 6).length).toBe(0);
    expect(log.read(0, 1 << 20, 0).length).toBe(0);
    log.close();
  });

  it('throws OFFSET_OUT_OF_RANGE outside [logStartOffset, logEndOffset] and is empty at the end', () => {
    const log = openTestLog(dirs.make());
    for (let i = 0; i < 4; i++) log.append(simpleBatch(1, 10, 0), 0);
    outOfRange(() => log.read(5, 100));
    outOfRange(() => log.read(-1, 100));
    expect(log.read(4, 100).length).toBe(0);
    log.maybeIncrementLogStartOffset(2);
    outOfRange(() => log.read(1, 100));
    expect(splitBatches(log.read(2, 1000))[0]?.baseOffset).toBe(2);
    outOfRange(() => log.maybeIncrementLogStartOffset(10));
    log.close();
  });

  it('crosses to the next segment when the offset is past the end of one', () => {
    const log = openTestLog(dirs.make());
    log.append(simpleBatch(3, 10, 0), 0);
    log.roll();
    log.append(simpleBatch(3, 10, 0), 0);
    expect(log.segmentBaseOffsets).toEqual([0, 3]);
    expect(splitBatches(log.read(3, 1000)).map((b) => b.baseOffset)).toEqual([3]);
    // A read returns batches of one segment only, like Kafka.
    expect(splitBatches(log.read(0, 1 << 20)).map((b) => b.baseOffset)).toEqual([0]);
    log.close();
  });
});
