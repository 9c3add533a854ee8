/**
 * The committed-offset side of the group coordinator (Kafka 2.7 GroupMetadataManager's offset
 * half): a per-group cache in front of the OffsetStore (ZooKeeper), loaded lazily on the
 * group's first offset use after this broker became its coordinator, and the periodic expiry
 * of old offsets.
 *
 * Rules:
 * - reads never touch the store once the group is loaded; a commit is one batched store write;
 * - every store write of a group (commit, offset delete, expiry, group delete) runs in one
 *   chain per group, in request order, so the store and the cache agree;
 * - the cache is updated only after the store accepted the write, and only if the group is
 *   still alive (not unloaded or deleted meanwhile);
 * - a store failure answers the KafkaError's code, else COORDINATOR_NOT_AVAILABLE (retriable).
 */
import type { Clock } from '../common/clock.js';
import { KafkaError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { tpKey, type TopicPartition } from '../common/topic-partition.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { GroupState, type GroupMetadata, type OffsetAndMetadata } from './group-metadata.js';
import type { OffsetStore } from './offset-store.js';

export interface FetchedOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly errorCode: ErrorCode;
}

export function storeErrorCode(err: unknown): ErrorCode {
  return err instanceof KafkaError ? err.code : ErrorCode.CoordinatorNotAvailable;
}

export class OffsetManager {
  private readonly loads = new WeakMap<GroupMetadata, Promise<void>>();
  private readonly chains = new WeakMap<GroupMetadata, Promise<unknown>>();

  constructor(
    private readonly store: OffsetStore,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Reads the group's committed offsets from the store once; later calls return at once. */
  ensureLoaded(group: GroupMetadata): Promise<void> {
    if (group.offsetsLoaded) return Promise.resolve();
    let load = this.loads.get(group);
    if (!load) {
      load = this.store.fetch(group.groupId, null).then(
        (entries) => {
          for (const e of entries) {
            const key = tpKey(e);
            // a commit that landed after the read started is newer than what was read
            if (!group.offsets.has(key)) group.offsets.set(key, { ...e, expireTimestamp: null });
          }
          group.offsetsLoaded = true;
          this.loads.delete(group);
        },
        (err: unknown) => {
          this.loads.delete(group);
          this.log.warn({ err, groupId: group.groupId }, 'loading committed offsets failed');
          throw err;
        },
      );
      this.loads.set(group, load);
    }
    return load;
  }

  /** One store write for `entries`; answers the code for all of them. */
  async storeOffsets(group: GroupMetadata, entries: readonly OffsetAndMetadata[]): Promise<ErrorCode> {
    if (entries.length === 0) return ErrorCode.None;
    const keys = entries.map((e) => tpKey(e));
    for (const k of keys) group.addPendingOffsetCommit(k);
    try {
      await this.serialize(group, () => this.store.commit(group.groupId, entries.map(toCommitted)));
      if (!group.is(GroupState.Dead)) for (const e of entries) group.offsets.set(tpKey(e), e);
      return ErrorCode.None;
    } catch (err) {
      this.log.warn({ err, groupId: group.groupId, partitions: entries.length }, 'offset commit failed in the store');
      return storeErrorCode(err);
    } finally {
      for (const k of keys) group.removePendingOffsetCommit(k);
    }
  }

  /**
   * Kafka's getOffsets: requested (or all committed) partitions; −1 / "" where none; with
   * `requireStable`, a partition with a commit in flight or a pending transactional commit is
   * UNSTABLE_OFFSET_COMMIT (offset −1).
   */
  getOffsets(group: GroupMetadata | undefined, partitions: readonly TopicPartition[] | null, requireStable = false): FetchedOffset[] {
    if (!group || group.is(GroupState.Dead)) return (partitions ?? []).map(noOffset);
    const wanted: readonly TopicPartition[] =
      partitions ?? [...group.offsets.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    return wanted.map((tp) => {
      if (requireStable && group.hasPendingOffsetCommitsForTopicPartition(tp)) return { ...noOffset(tp), errorCode: ErrorCode.UnstableOffsetCommit };
      const o = group.offset(tp);
      return o ? fetched(o) : noOffset(tp);
    });
  }

  async deleteOffsets(group: GroupMetadata, partitions: readonly TopicPartition[]): Promise<ErrorCode> {
    if (partitions.length === 0) return ErrorCode.None;
    try {
      await this.serialize(group, () => this.store.deleteOffsets(group.groupId, partitions));
    } catch (err) {
      this.log.warn({ err, groupId: group.groupId }, 'deleting offsets failed in the store');
      return storeErrorCode(err);
    }
    for (const tp of partitions) group.offsets.delete(tpKey(tp));
    return ErrorCode.None;
  }

  async deleteGroup(group: GroupMetadata): Promise<ErrorCode> {
    try {
      await this.serialize(group, () => this.store.deleteGroup(group.groupId));
    } catch (err) {
      this.log.warn({ err, groupId: group.groupId }, 'deleting the group from the store failed');
      return storeErrorCode(err);
    }
    group.offsets.clear();
    return ErrorCode.None;
  }

  /** Removes the group's expired offsets (store, then cache); returns how many. */
  async expireOffsets(group: GroupMetadata, retentionMs: number): Promise<number> {
    await this.ensureLoaded(group);
    const expired = group.expiredOffsets(this.clock.now(), retentionMs);
    if (expired.length === 0) return 0;
    const code = await this.deleteOffsets(group, expired);
    if (code !== ErrorCode.None) return 0;
    this.log.info({ groupId: group.groupId, partitions: expired.map((o) => tpKey(o)) }, 'expired committed offsets');
    return expired.length;
  }

  /** Runs `write` after every store write of the group queued before it (one chain per group). */
  serialize<T>(group: GroupMetadata, write: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(group) ?? Promise.resolve();
    const next = prev.then(write, write);
    this.chains.set(
      group,
      next.catch(() => undefined),
    );
    return next;
  }
}

function toCommitted(o: OffsetAndMetadata) {
  return { topic: o.topic, partition: o.partition, offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestamp: o.commitTimestamp };
}

function fetched(o: OffsetAndMetadata): FetchedOffset {
  return { topic: o.topic, partition: o.partition, offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.None };
}

function noOffset(tp: TopicPartition): FetchedOffset {
  return { topic: tp.topic, partition: tp.partition, offset: -1, leaderEpoch: -1, metadata: '', errorCode: ErrorCode.None };
}
