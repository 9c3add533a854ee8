import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaError } from '../../../src/common/errors.js';
import { CheckpointFile, LeaderEpochCheckpointFormat, OffsetCheckpointFormat } from '../../../src/log/checkpoint.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { TempDirs } from './log-test-kit.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

describe('checkpoint files', () => {
  it('writes offset checkpoints in Kafka text format and reads them back', () => {
    const path = join(dirs.make(), 'recovery-point-offset-checkpoint');
    const file = new CheckpointFile(path, OffsetCheckpointFormat);
    const entries = [
      { topic: 'orders', partition: 0, offset: 42 },
      { topic: 'my-topic.v2', partition: 11, offset: 9007199254740991 },
    ];
    file.write(entries);
    expect(readFileSync(path, 'utf8')).toBe('0\n2\norders 0 42\nmy-topic.v2 11 9007199254740991\n');
    expect(file.read()).toEqual(entries);
    expect(existsSync(path + '.tmp')).toBe(false);
  });

  it('writes leader-epoch-checkpoint in Kafka text format', () => {
    const path = join(dirs.make(), 'leader-epoch-checkpoint');
    const file = new CheckpointFile(path, LeaderEpochCheckpointFormat);
    file.write([]);
    expect(readFileSync(path, 'utf8')).toBe('0\n0\n');
    file.write([
      { epoch: 0, startOffset: 0 },
      { epoch: 3, startOffset: 120 },
    ]);
    expect(readFileSync(path, 'utf8')).toBe('0\n2\n0 0\n3 120\n');
    expect(file.read()).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 3, startOffset: 120 },
    ]);
  });

  it('reads a file written by Kafka (extra whitespace tolerated) and returns [] when missing', () => {
    const dir = dirs.make();
    const path = join(dir, 'log-start-offset-checkpoint');
    writeFileSync(path, '0\n1\n__consumer_offsets  7   300\n');
    expect(new CheckpointFile(path, OffsetCheckpointFormat).read()).toEqual([{ topic: '__consumer_offsets', partition: 7, offset: 300 }]);
    expect(new CheckpointFile(join(dir, 'nope'), OffsetCheckpointFormat).read()).toEqual([]);
  });

  it.each([
    ['wrong version', '1\n0\n'],
    ['count mismatch', '0\n2\nt 0 1\n'],
    ['malformed line', '0\n1\nt zero 1\n'],
    ['empty file', ''],
    ['garbage', '\u0000\u0001\u0002'],
  ])('throws KAFKA_STORAGE_ERROR on a corrupt file (%s)', (_, text) => {
    const path = join(dirs.make(), 'replication-offset-checkpoint');
    writeFileSync(path, text);
    const read = (): unknown => new CheckpointFile(path, OffsetCheckpointFormat).read();
    expect(read).toThrow(KafkaError);
    expect(read).toThrow(expect.objectContaining({ code: ErrorCode.KafkaStorageError }));
  });

  it('replaces the file atomically (a stale .tmp is overwritten)', () => {
    const dir = dirs.make();
    const path = join(dir, 'replication-offset-checkpoint');
    writeFileSync(path + '.tmp', 'half-written junk');
    const file = new CheckpointFile(path, OffsetCheckpointFormat);
    file.write([{ topic: 't', partition: 0, offset: 1 }]);
    expect(file.read()).toEqual([{ topic: 't', partition: 0, offset: 1 }]);
    expect(existsSync(path + '.tmp')).toBe(false);
  });
});
