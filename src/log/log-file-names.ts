/**
 * Kafka's on-disk names (Log.scala companion object):
 * - a partition directory `<topic>-<partition>` inside a log dir; a deleted partition's directory
 *   is first renamed `<topic>-<partition>.<uuid>-delete`;
 * - segment files `<20-digit zero-padded base offset>.log|.index|.timeindex|.txnindex`, and producer
 *   state snapshots `<offset>.snapshot` (producer-snapshot.ts);
 * - temporary suffixes `.deleted` (awaiting file.delete.delay.ms), `.cleaned`/`.swap` (cleaner),
 *   `.tmp` (checkpoint being written).
 */
import { join } from 'node:path';
import type { TopicPartition } from '../common/topic-partition.js';

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
export const TXN_INDEX_SUFFIX = '.txnindex';
/** The files that make one segment; the log file first. */
export const SEGMENT_FILE_SUFFIXES = [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX] as const;
export const DELETED_SUFFIX = '.deleted';
export const CLEANED_SUFFIX = '.cleaned';
export const SWAP_SUFFIX = '.swap';
export const TMP_SUFFIX = '.tmp';
export const DELETE_DIR_SUFFIX = '-delete';
/** A replica being moved to another log dir (AlterReplicaLogDirs): `<topic>-<partition>.<uuid>-future`. */
export const FUTURE_DIR_SUFFIX = '-future';

export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';
export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const REPLICATION_OFFSET_CHECKPOINT = 'replication-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint';

/** `00000000000000000042` for 42. */
export function filenamePrefixFromOffset(offset: number): string {
  return String(offset).padStart(20, '0');
}

export function segmentFile(dir: string, baseOffset: number, suffix: string): string {
  return join(dir, filenamePrefixFromOffset(baseOffset) + suffix);
}

/** Base offset of a segment file name such as `00000000000000000042.index`, or null. */
export function offsetFromFileName(name: string): number | null {
  const match = /^(\d{20})\./.exec(name);
  if (!match?.[1]) return null;
  const offset = Number(match[1]);
  return Number.isSafeInteger(offset) ? offset : null;
}

export interface SegmentFileName {
  readonly baseOffset: number;
  /** `.log`, `.index`, `.timeindex` or `.txnindex` */
  readonly kind: (typeof SEGMENT_FILE_SUFFIXES)[number];
  /** '' or a temporary suffix (`.deleted`, `.cleaned`, `.swap`) */
  readonly suffix: string;
}

/** `00000000000000000042.index.swap` → { 42, '.index', '.swap' }; null for other names. */
export function parseSegmentFileName(name: string): SegmentFileName | null {
  const match = /^(\d{20})(\.[a-z]+)(\.[a-z]+)?$/.exec(name);
  if (!match?.[1] || !match[2]) return null;
  const kind = SEGMENT_FILE_SUFFIXES.find((k) => k === match[2]);
  const suffix = match[3] ?? '';
  if (kind === undefined || !['', DELETED_SUFFIX, CLEANED_SUFFIX, SWAP_SUFFIX].includes(suffix)) return null;
  const baseOffset = Number(match[1]);
  return Number.isSafeInteger(baseOffset) ? { baseOffset, kind, suffix } : null;
}

export function partitionDirName(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

/** Parse `<topic>-<partition>`; null for anything else (including `-delete` directories). */
export function parsePartitionDirName(name: string): TopicPartition | null {
  const dash = name.lastIndexOf('-');
  if (dash <= 0) return null;
  const partitionText = name.slice(dash + 1);
  if (!/^\d+$/.test(partitionText)) return null;
  const partition = Number(partitionText);
  if (partition > 0x7fffffff) return null;
  return { topic: name.slice(0, dash), partition };
}
