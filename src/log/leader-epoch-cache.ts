/**
 * The leader-epoch cache of one partition (Kafka 2.7's LeaderEpochFileCache, KIP-101/KIP-279):
 * the start offset of every leader epoch seen in the log, persisted to `leader-epoch-checkpoint`
 * after every change.
 *
 * Rules, as in Kafka 2.7:
 * 1. assign(epoch, startOffset) is a no-op for the latest epoch at a start offset not lower than
 *    its own; otherwise entries whose epoch ≥ the new epoch or whose start offset ≥ the new start
 *    offset are removed first, so the cache stays increasing in both.
 * 2. endOffsetFor(epoch), for OffsetsForLeaderEpoch: the latest epoch → (epoch, logEndOffset); an
 *    epoch with a higher epoch after it → (largest known epoch ≤ it, start offset of the first
 *    higher epoch) — when no known epoch is ≤ it, the requested epoch itself is returned with that
 *    start offset (the data below was deleted); undefined epoch or above every known epoch →
 *    (-1, -1).
 * 3. Log truncation removes entries starting at or after the new end; log-start moves drop older
 *    entries, keeping the last one below the new start but moved up to it.
 */
import type { CheckpointFile, EpochEntry } from './checkpoint.js';

export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export interface EpochEndOffset {
  readonly leaderEpoch: number;
  readonly endOffset: number;
}

export class LeaderEpochFileCache {
  private epochs: EpochEntry[];

  constructor(
    private readonly checkpoint: CheckpointFile<EpochEntry> | null,
    initial: readonly EpochEntry[] = [],
  ) {
    this.epochs = [...initial];
  }

  get entries(): readonly EpochEntry[] {
    return this.epochs;
  }

  get latestEpoch(): number | undefined {
    return this.epochs[this.epochs.length - 1]?.epoch;
  }

  assign(epoch: number, startOffset: number): void {
    if (epoch < 0 || startOffset < 0) throw new RangeError(`invalid epoch entry (${epoch}, ${startOffset})`);
    const latest = this.epochs[this.epochs.length - 1];
    if (latest && epoch === latest.epoch && startOffset >= latest.startOffset) return;
    this.epochs = this.epochs.filter((e) => e.epoch < epoch && e.startOffset < startOffset);
    this.epochs.push({ epoch, startOffset });
    this.flush();
  }

  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset {
    if (requestedEpoch === UNDEFINED_EPOCH) return UNDEFINED;
    if (requestedEpoch === this.latestEpoch) return { leaderEpoch: requestedEpoch, endOffset: logEndOffset };
    const higher = this.epochs.find((e) => e.epoch > requestedEpoch);
    if (!higher) return UNDEFINED;
    let floor: EpochEntry | undefined;
    for (const e of this.epochs) if (e.epoch <= requestedEpoch) floor = e;
    return { leaderEpoch: floor ? floor.epoch : requestedEpoch, endOffset: higher.startOffset };
  }

  /** The epoch of the leader that wrote `offset` (Kafka's epochForOffset). */
  epochForOffset(offset: number): number | undefined {
    let previous: number | undefined;
    for (const e of this.epochs) {
      if (e.startOffset === offset) return e.epoch;
      if (e.startOffset > offset) return previous;
      previous = e.epoch;
    }
    return previous;
  }

  truncateFromEnd(endOffset: number): void {
    const latest = this.epochs[this.epochs.length - 1];
    if (endOffset < 0 || !latest || latest.startOffset < endOffset) return;
    this.epochs = this.epochs.filter((e) => e.startOffset < endOffset);
    this.flush();
  }

  truncateFromStart(startOffset: number): void {
    const removed = this.epochs.filter((e) => e.startOffset <= startOffset);
    const lastRemoved = removed[removed.length - 1];
    if (!lastRemoved) return;
    if (removed.length === 1 && lastRemoved.startOffset === startOffset) return;
    this.epochs = [{ epoch: lastRemoved.epoch, startOffset }, ...this.epochs.slice(removed.length)];
    this.flush();
  }

  clearAndFlush(): void {
    this.epochs = [];
    this.flush();
  }

  private flush(): void {
    this.checkpoint?.write(this.epochs);
  }
}

const UNDEFINED: EpochEndOffset = Object.freeze({ leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET });
