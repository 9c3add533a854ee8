/**
 * The rules of OffsetCommit, OffsetFetch and OffsetDelete on the coordinator (Kafka 2.7
 * KafkaApis + GroupCoordinator.handleCommitOffsets / handleFetchOffsets / handleDeleteOffsets).
 *
 * OffsetCommit, per partition, in this order:
 * 1. partition unknown to the metadata cache → UNKNOWN_TOPIC_OR_PARTITION (no group check at all
 *    if no partition is left);
 * 2. group status (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, …) on every partition;
 * 3. unknown group: generation < 0 creates it (a "simple" consumer), else ILLEGAL_GENERATION;
 * 4. Dead → COORDINATOR_NOT_AVAILABLE; fenced static member → FENCED_INSTANCE_ID;
 *    generation < 0 on an Empty group → stored; unknown member → UNKNOWN_MEMBER_ID; wrong
 *    generation → ILLEGAL_GENERATION; CompletingRebalance → REBALANCE_IN_PROGRESS; Stable or
 *    PreparingRebalance → stored (and counts as a heartbeat);
 * 5. metadata longer than offset.metadata.max.bytes → OFFSET_METADATA_TOO_LARGE for that
 *    partition, the others are stored in one write — unless the batch of offset records Kafka
 *    would append for them exceeds message.max.bytes: INVALID_COMMIT_OFFSET_SIZE for all of them
 *    (the ZooKeeper store answers the same when its one multi could exceed ZooKeeper's limit).
 * OffsetFetch: group errors are returned whole (the handler puts them top-level for v2+, on
 * each partition for v0/v1); no offset → −1 / "" / NONE.
 * OffsetDelete: an Empty group drops the offsets; a consumer group with members refuses the
 * topics it subscribes to (GROUP_SUBSCRIBED_TO_TOPIC); any other group with members →
 * NON_EMPTY_GROUP; unknown group → GROUP_ID_NOT_FOUND.
 */
import type { Clock } from '../common/clock.js';
import type { TopicPartition } from '../common/topic-partition.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { GroupCoordinatorConfig } from './coordinator-config.js';
import { GroupState, type GroupMetadata, type OffsetAndMetadata } from './group-metadata.js';
import type { MemberMetadata } from './member-metadata.js';
import { offsetCommitRecordsSize } from './group-record-size.js';
import type { FetchedOffset, OffsetManager } from './offset-manager.js';

export interface OffsetCommitPartition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** −1 when absent (v0–v5) */
  readonly leaderEpoch: number;
  readonly metadata: string | null;
  /** OffsetCommit v1 only; −1 = now */
  readonly commitTimestamp: number;
}

export interface CommitOffsetsParams {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  /** −1 for a simple (non-member) commit */
  generationId: number;
  /** OffsetCommit v2–v4; −1 = broker default retention */
  retentionTimeMs: number;
  partitions: readonly OffsetCommitPartition[];
}

export interface FetchOffsetsResult {
  errorCode: ErrorCode;
  partitions: FetchedOffset[];
}

export interface DeleteOffsetsResult {
  errorCode: ErrorCode;
  /** empty when errorCode is not NONE */
  partitions: Array<TopicPartition & { errorCode: ErrorCode }>;
}

/** What the offset rules need from the membership side (GroupCoordinator). */
export interface GroupAccess {
  validate(groupId: string, allowEmptyId: boolean): ErrorCode | null;
  get(groupId: string): GroupMetadata | undefined;
  create(groupId: string): GroupMetadata;
  heartbeat(group: GroupMetadata, member: MemberMetadata): void;
  removeIfDeadEmpty(group: GroupMetadata): void;
}

export interface OffsetRequestsOptions {
  config: GroupCoordinatorConfig;
  clock: Clock;
  offsets: OffsetManager;
  groups: GroupAccess;
  partitionExists(tp: TopicPartition): boolean;
}

/** Per-partition codes with the partitions unknown to the cluster answered; `setAll` answers the known ones. */
export function partitionCodes(partitions: readonly TopicPartition[], exists: (tp: TopicPartition) => boolean) {
  const codes: ErrorCode[] = partitions.map((tp) => (exists(tp) ? ErrorCode.None : ErrorCode.UnknownTopicOrPartition));
  const known = codes.flatMap((c, i) => (c === ErrorCode.None ? [i] : []));
  const setAll = (code: ErrorCode): ErrorCode[] => {
    for (const i of known) codes[i] = code;
    return codes;
  };
  return { codes, known, setAll };
}

/**
 * The entries to store for the `known` partitions, with the times `stamp` gives; metadata longer than
 * `maxMetadata` (UTF-16 length, as Kafka compares it) gets OFFSET_METADATA_TOO_LARGE in `codes`
 * instead. `stored` are the indexes of the entries.
 */
export function offsetEntries<P extends Omit<OffsetCommitPartition, 'commitTimestamp'>>(
  partitions: readonly P[],
  known: readonly number[],
  codes: ErrorCode[],
  maxMetadata: number,
  stamp: (tp: P) => Pick<OffsetAndMetadata, 'commitTimestamp' | 'expireTimestamp'>,
): { entries: OffsetAndMetadata[]; stored: number[] } {
  const entries: OffsetAndMetadata[] = [];
  const stored: number[] = [];
  for (const i of known) {
    const tp = partitions[i]!;
    const metadata = tp.metadata ?? '';
    if (metadata.length > maxMetadata) {
      codes[i] = ErrorCode.OffsetMetadataTooLarge;
      continue;
    }
    stored.push(i);
    entries.push({ topic: tp.topic, partition: tp.partition, offset: tp.offset, leaderEpoch: tp.leaderEpoch, metadata, ...stamp(tp) });
  }
  return { entries, stored };
}

export class OffsetRequests {
  constructor(private readonly o: OffsetRequestsOptions) {}

  /** Per-partition codes, aligned with `p.partitions`. */
  async commit(p: CommitOffsetsParams): Promise<ErrorCode[]> {
    const { codes, known, setAll } = partitionCodes(p.partitions, this.o.partitionExists);
    if (known.length === 0) return codes;
    const group = await this.loadedGroupForCommit(p);
    if (typeof group === 'number') return setAll(group);
    const decision = this.commitDecision(group, p);
    if (decision !== null) return setAll(decision);

    const now = this.o.clock.now();
    const { entries, stored } = offsetEntries(p.partitions, known, codes, this.o.config.offsetMetadataMaxBytes, (tp) => ({
      commitTimestamp: tp.commitTimestamp === -1 ? now : tp.commitTimestamp,
      expireTimestamp: p.retentionTimeMs === -1 ? null : now + p.retentionTimeMs,
    }));
    // Kafka appends the commit as one batch to __consumer_offsets: above max.message.bytes it fails
    // (MESSAGE_TOO_LARGE), answered INVALID_COMMIT_OFFSET_SIZE for every partition of the batch.
    const code =
      offsetCommitRecordsSize(p.groupId, entries) > this.o.config.maxMessageBytes
        ? ErrorCode.InvalidCommitOffsetSize
        : await this.o.offsets.storeOffsets(group, entries);
    for (const i of stored) codes[i] = code;
    return codes;
  }

  /** The group, offsets loaded, or the code every partition gets. */
  private async loadedGroupForCommit(p: CommitOffsetsParams): Promise<GroupMetadata | ErrorCode> {
    const error = this.o.groups.validate(p.groupId, true);
    if (error !== null) return error;
    let group = this.o.groups.get(p.groupId);
    if (!group) {
      // generation < 0: a group that uses Kafka only to store offsets; else a stale generation
      if (p.generationId >= 0) return ErrorCode.IllegalGeneration;
      group = this.o.groups.create(p.groupId);
    }
    try {
      await this.o.offsets.ensureLoaded(group);
    } catch {
      return ErrorCode.CoordinatorLoadInProgress;
    }
    // the partition may have moved away while the offsets were read
    const again = this.o.groups.validate(p.groupId, true);
    if (again !== null) return again;
    return group;
  }

  /** null when the commit may be stored. */
  private commitDecision(group: GroupMetadata, p: CommitOffsetsParams): ErrorCode | null {
    if (group.is(GroupState.Dead)) return ErrorCode.CoordinatorNotAvailable;
    if (group.isStaticMemberFenced(p.memberId, p.groupInstanceId)) return ErrorCode.FencedInstanceId;
    if (p.generationId < 0 && group.is(GroupState.Empty)) return null;
    if (!group.has(p.memberId)) return ErrorCode.UnknownMemberId;
    if (p.generationId !== group.generationId) return ErrorCode.IllegalGeneration;
    switch (group.currentState) {
      case GroupState.Stable:
      case GroupState.PreparingRebalance:
        // still allowed while preparing: the heartbeat answer tells the member to rejoin
        this.o.groups.heartbeat(group, group.get(p.memberId));
        return null;
      case GroupState.CompletingRebalance:
        return ErrorCode.RebalanceInProgress;
      case GroupState.Empty:
      case GroupState.Dead:
        return ErrorCode.UnknownMemberId;
    }
  }

  async fetch(groupId: string, partitions: readonly TopicPartition[] | null, requireStable: boolean): Promise<FetchOffsetsResult> {
    const error = this.o.groups.validate(groupId, true);
    if (error !== null) return { errorCode: error, partitions: [] };
    const group = this.o.groups.get(groupId);
    if (group) {
      try {
        await this.o.offsets.ensureLoaded(group);
      } catch {
        return { errorCode: ErrorCode.CoordinatorLoadInProgress, partitions: [] };
      }
      const again = this.o.groups.validate(groupId, true);
      if (again !== null) return { errorCode: again, partitions: [] };
    }
    return { errorCode: ErrorCode.None, partitions: this.o.offsets.getOffsets(group, partitions, requireStable) };
  }

  async deleteOffsets(groupId: string, requested: readonly TopicPartition[]): Promise<DeleteOffsetsResult> {
    const error = this.o.groups.validate(groupId, false);
    if (error !== null) return { errorCode: error, partitions: [] };
    const group = this.o.groups.get(groupId);
    if (!group || group.is(GroupState.Dead)) return { errorCode: ErrorCode.GroupIdNotFound, partitions: [] };
    const known = requested.filter((tp) => this.o.partitionExists(tp));
    const out = requested.filter((tp) => !this.o.partitionExists(tp)).map((tp) => ({ ...tp, errorCode: ErrorCode.UnknownTopicOrPartition as ErrorCode }));
    let eligible: TopicPartition[];
    if (group.is(GroupState.Empty)) {
      eligible = known;
    } else if (group.isConsumerGroup()) {
      eligible = known.filter((tp) => !group.isSubscribedToTopic(tp.topic));
      for (const tp of known) if (group.isSubscribedToTopic(tp.topic)) out.push({ ...tp, errorCode: ErrorCode.GroupSubscribedToTopic });
    } else {
      return { errorCode: ErrorCode.NonEmptyGroup, partitions: [] };
    }
    if (eligible.length > 0) {
      try {
        await this.o.offsets.ensureLoaded(group);
      } catch {
        return { errorCode: ErrorCode.CoordinatorLoadInProgress, partitions: [] };
      }
      const code = await this.o.offsets.deleteOffsets(group, eligible);
      for (const tp of eligible) out.push({ ...tp, errorCode: code });
      this.o.groups.removeIfDeadEmpty(group);
    }
    return { errorCode: ErrorCode.None, partitions: out };
  }
}
