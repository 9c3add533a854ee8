/**
 * Small text checkpoint files, in Kafka's exact format (CheckpointFile.scala):
 *
 *   0                      version
 *   <n>                    number of entries
 *   <entry line> × n       `topic partition offset` (offset checkpoints) or `epoch startOffset`
 *
 * Written crash-safely as Kafka does: the whole file goes to `<file>.tmp`, which is fsynced and
 * atomically renamed over the old file; the directory is then fsynced so the rename is durable.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { crashPoint } from './test-hooks.js';
import { dirname } from 'node:path';
import { KafkaError } from '../common/errors.js';
import type { TopicPartition } from '../common/topic-partition.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { TMP_SUFFIX } from './log-file-names.js';

const CURRENT_VERSION = 0;

export interface CheckpointFormat<T> {
  toLine(entry: T): string;
  /** null when the line is malformed */
  fromLine(line: string): T | null;
}

export class CheckpointFile<T> {
  constructor(
    readonly path: string,
    private readonly format: CheckpointFormat<T>,
  ) {}

  write(entries: readonly T[]): void {
    const lines = [String(CURRENT_VERSION), String(entries.length), ...entries.map((e) => this.format.toLine(e))];
    const tmp = this.path + TMP_SUFFIX;
    const fd = openSync(tmp, 'w', 0o644);
    try {
      const bytes = Buffer.from(lines.join('\n') + '\n', 'utf8');
      let done = 0;
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    crashPoint('checkpoint:before-rename');
    renameSync(tmp, this.path);
    fsyncDirectory(dirname(this.path));
  }

  /** The entries; [] when the file does not exist. Throws KafkaError(KAFKA_STORAGE_ERROR) if malformed. */
  read(): T[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    if (lines[0] !== String(CURRENT_VERSION)) throw this.malformed(`unrecognized version ${lines[0]}`);
    const count = Number(lines[1]);
    if (!Number.isInteger(count) || count < 0 || lines.length !== count + 2) {
      throw this.malformed(`expected ${lines[1]} entries, found ${lines.length - 2}`);
    }
    return lines.slice(2).map((line) => this.format.fromLine(line) ?? this.fail(line));
  }

  private fail(line: string): never {
    throw this.malformed(`malformed line "${line}"`);
  }

  private malformed(why: string): KafkaError {
    return new KafkaError(ErrorCode.KafkaStorageError, `checkpoint file ${this.path}: ${why}`);
  }
}

export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const NON_NEGATIVE_INT = /^\d+$/;
const INTEGER = /^-?\d+$/;

function safeNumber(text: string | undefined, pattern: RegExp): number | null {
  if (text === undefined || !pattern.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

export interface TopicPartitionOffset extends TopicPartition {
  readonly offset: number;
}

/** recovery-point-offset-checkpoint, replication-offset-checkpoint, log-start-offset-checkpoint. */
export const OffsetCheckpointFormat: CheckpointFormat<TopicPartitionOffset> = {
  toLine: (e) => `${e.topic} ${e.partition} ${e.offset}`,
  fromLine: (line) => {
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 3 || !parts[0]) return null;
    const partition = safeNumber(parts[1], NON_NEGATIVE_INT);
    const offset = safeNumber(parts[2], INTEGER);
    return partition === null || offset === null ? null : { topic: parts[0], partition, offset };
  },
};

export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: number;
}

/** leader-epoch-checkpoint. */
export const LeaderEpochCheckpointFormat: CheckpointFormat<EpochEntry> = {
  toLine: (e) => `${e.epoch} ${e.startOffset}`,
  fromLine: (line) => {
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 2) return null;
    const epoch = safeNumber(parts[0], NON_NEGATIVE_INT);
    const startOffset = safeNumber(parts[1], NON_NEGATIVE_INT);
    return epoch === null || startOffset === null ? null : { epoch, startOffset };
  },
};
