/**
 * Transactional offset commits on the group coordinator (Kafka 2.7 GroupCoordinator.handleTxnCommitOffsets
 * and GroupMetadataManager's pending transactional offsets), with the pending offsets in ZooKeeper
 * instead of the `__consumer_offsets` log (ARCHITECTURE §13, transactions-and-compaction.md §2.15–§2.16).
 *
 * TxnOffsetCommit, per partition, in this order:
 * 1. partition unknown to the metadata cache → UNKNOWN_TOPIC_OR_PARTITION (the others proceed);
 * 2. group id "" → INVALID_GROUP_ID; coordinator status (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS,
 *    COORDINATOR_NOT_AVAILABLE); an unknown group is created Empty;
 * 3. Dead → COORDINATOR_NOT_AVAILABLE; fenced static member → FENCED_INSTANCE_ID; a member id that is not
 *    a member → UNKNOWN_MEMBER_ID; a generation ≥ 0 other than the group's → ILLEGAL_GENERATION (v0–v2
 *    send no member data, so these pass);
 * 4. metadata longer than offset.metadata.max.bytes → OFFSET_METADATA_TOO_LARGE for that partition;
 * 5. the rest is stored pending in ONE write, answered only after it: an epoch older than the one the
 *    store knows for the producer in this group → INVALID_PRODUCER_EPOCH (a zombie); a store failure →
 *    COORDINATOR_NOT_AVAILABLE.
 * As in Kafka 2.7 the coordinator does not check that AddOffsetsToTxn added this group's partition to
 * the transaction: such offsets stay pending (invisible, UNSTABLE under RequireStable) until a marker of
 * the producer reaches the group's partition.
 *
 * Markers (`handleTxnCompletion`, called by WriteTxnMarkers on the `__consumer_offsets-<p>` leader):
 * every group of partition p with pending offsets of the producer is completed in its write chain
 * (after the plain commits queued before it): COMMIT makes them the committed offsets (except where a
 * plain commit came after them), ABORT drops them. The partition's answer is NONE once every group's
 * store write succeeded; older epochs get INVALID_PRODUCER_EPOCH / TRANSACTION_COORDINATOR_FENCED; a
 * store failure REQUEST_TIMED_OUT (the transaction coordinator retries); a partition this broker does not
 * lead NOT_LEADER_OR_FOLLOWER.
 */
import type { Clock } from '../common/clock.js';
import { KafkaError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { tpKey, type TopicPartition } from '../common/topic-partition.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { GroupCoordinatorConfig } from './coordinator-config.js';
import { GroupState, type GroupMetadata, type OffsetAndMetadata } from './group-metadata.js';
import type { OffsetManager } from './offset-manager.js';
import { offsetEntries, partitionCodes, type GroupAccess, type OffsetCommitPartition } from './offset-requests.js';
import type { CommittedOffset, TxnMarker, TxnOffsetStore } from './offset-store.js';

export interface TxnCommitOffsetsParams {
  groupId: string;
  producerId: number;
  producerEpoch: number;
  /** "" for v0–v2 */
  memberId: string;
  groupInstanceId: string | null;
  /** −1 for v0–v2 */
  generationId: number;
  partitions: readonly Omit<OffsetCommitPartition, 'commitTimestamp'>[];
}

/** The pending offsets of a `__consumer_offsets` partition's groups, by group and producer id. */
export type PartitionPending = Array<{ groupId: string; producers: Array<{ producerId: number; offsets: CommittedOffset[] }> }>;

export interface TxnOffsetRequestsOptions {
  config: GroupCoordinatorConfig;
  clock: Clock;
  log: Logger;
  store: TxnOffsetStore;
  offsets: OffsetManager;
  groups: GroupAccess;
  partitionExists(tp: TopicPartition): boolean;
  partitionFor(groupId: string): number;
  /** resolves when the `__consumer_offsets` partition is loaded here; false when this broker does not lead it */
  awaitPartition(partition: number): Promise<boolean>;
}

export class TxnOffsetRequests {
  /** producer id → groups with pending offsets of it (Kafka's openGroupsForProducer) */
  private readonly openGroupsForProducer = new Map<number, Set<string>>();

  constructor(private readonly o: TxnOffsetRequestsOptions) {}

  /** Per-partition codes, aligned with `p.partitions`. */
  async commit(p: TxnCommitOffsetsParams): Promise<ErrorCode[]> {
    const { codes, known, setAll } = partitionCodes(p.partitions, this.o.partitionExists);
    if (known.length === 0) return codes;
    const status = this.o.groups.validate(p.groupId, false);
    if (status !== null) return setAll(status);
    const group = this.o.groups.get(p.groupId) ?? this.o.groups.create(p.groupId);
    const refused = memberCheck(group, p);
    if (refused !== null) return setAll(refused);

    const now = this.o.clock.now();
    const { entries, stored } = offsetEntries(p.partitions, known, codes, this.o.config.offsetMetadataMaxBytes, () => ({ commitTimestamp: now, expireTimestamp: null }));
    if (entries.length === 0) return codes;
    const code = await this.o.offsets.serialize(group, async () => {
      try {
        await this.o.store.storePending(p.groupId, p.producerId, p.producerEpoch, entries, now);
      } catch (err) {
        if (err instanceof KafkaError) return err.code;
        this.o.log.warn({ err, groupId: p.groupId, producerId: p.producerId }, 'storing pending transactional offsets failed');
        return ErrorCode.CoordinatorNotAvailable;
      }
      if (!group.is(GroupState.Dead)) this.addPending(group, p.producerId, entries);
      return ErrorCode.None;
    });
    for (const i of stored) codes[i] = code;
    return codes;
  }

  /** A COMMIT/ABORT marker of `marker.producerId` for `__consumer_offsets-<partition>`. */
  async complete(partition: number, marker: TxnMarker): Promise<ErrorCode> {
    if (!(await this.o.awaitPartition(partition))) return ErrorCode.NotLeaderOrFollower;
    const groupIds = [...(this.openGroupsForProducer.get(marker.producerId) ?? [])].filter((g) => this.o.partitionFor(g) === partition);
    const codes = await Promise.all(groupIds.map((groupId) => this.completeGroup(groupId, marker)));
    return codes.find((c) => c !== ErrorCode.None) ?? ErrorCode.None;
  }

  private async completeGroup(groupId: string, marker: TxnMarker): Promise<ErrorCode> {
    const group = this.o.groups.get(groupId);
    if (!group) {
      this.forget(groupId, marker.producerId);
      return ErrorCode.None;
    }
    return this.o.offsets.serialize(group, async () => {
      let result: { errorCode: ErrorCode; committed: readonly CommittedOffset[] };
      try {
        result = await this.o.store.complete(groupId, marker, this.o.clock.now());
      } catch (err) {
        this.o.log.warn({ err, groupId, producerId: marker.producerId }, 'completing pending transactional offsets failed');
        return ErrorCode.RequestTimedOut;
      }
      if (result.errorCode !== ErrorCode.None) return result.errorCode;
      if (group.offsetsLoaded) for (const c of result.committed) group.offsets.set(tpKey(c), { ...c, expireTimestamp: null });
      group.pendingTxnOffsets.delete(marker.producerId);
      this.forget(groupId, marker.producerId);
      this.o.log.info({ groupId, producerId: marker.producerId, commit: marker.commit, committed: result.committed.length }, 'transactional offsets completed');
      return ErrorCode.None;
    });
  }

  /** At election: the pending offsets of the partition's groups, read from the store. */
  async readPartition(partition: number): Promise<PartitionPending> {
    const out: PartitionPending = [];
    for (const groupId of await this.o.store.listGroupsWithPending()) {
      if (this.o.partitionFor(groupId) !== partition) continue;
      const pending = await this.o.store.loadPending(groupId);
      const producers = [...pending].filter(([, p]) => p.offsets.length > 0).map(([producerId, p]) => ({ producerId, offsets: p.offsets }));
      if (producers.length > 0) out.push({ groupId, producers });
    }
    return out;
  }

  /** Installs what readPartition found (groups known only from the store load their offsets lazily). */
  installPending(pending: PartitionPending): void {
    for (const { groupId, producers } of pending) {
      let group = this.o.groups.get(groupId);
      if (!group) {
        group = this.o.groups.create(groupId);
        group.offsetsLoaded = false;
      }
      for (const { producerId, offsets } of producers) this.addPending(group, producerId, offsets.map((c) => ({ ...c, expireTimestamp: null })));
    }
  }

  /**
   * OffsetDelete removed these partitions' committed offsets: their pending transactional offsets go too
   * (Kafka's GroupMetadata.removeOffsets). Resolves to NONE or the store's failure.
   */
  async deletePending(group: GroupMetadata, partitions: readonly TopicPartition[]): Promise<ErrorCode> {
    const keys = new Set(partitions.map(tpKey));
    const affected = [...group.pendingTxnOffsets].filter(([, pending]) => [...pending.keys()].some((k) => keys.has(k)));
    if (affected.length === 0) return ErrorCode.None;
    return this.o.offsets.serialize(group, async () => {
      try {
        await this.o.store.deletePending(group.groupId, partitions);
      } catch (err) {
        this.o.log.warn({ err, groupId: group.groupId }, 'deleting pending transactional offsets failed');
        return ErrorCode.CoordinatorNotAvailable;
      }
      for (const [producerId, pending] of affected) {
        for (const k of keys) pending.delete(k);
        // the producer stays indexed: its marker still updates its epoch in the store
        if (pending.size === 0) group.pendingTxnOffsets.delete(producerId);
      }
      return ErrorCode.None;
    });
  }

  /** The partition's groups left this broker (or a group was deleted): forget their producers. */
  unloadGroup(groupId: string): void {
    for (const [producerId, groups] of this.openGroupsForProducer) {
      groups.delete(groupId);
      if (groups.size === 0) this.openGroupsForProducer.delete(producerId);
    }
  }

  private addPending(group: GroupMetadata, producerId: number, entries: readonly OffsetAndMetadata[]): void {
    let pending = group.pendingTxnOffsets.get(producerId);
    if (!pending) group.pendingTxnOffsets.set(producerId, (pending = new Map()));
    for (const e of entries) pending.set(tpKey(e), e);
    let groups = this.openGroupsForProducer.get(producerId);
    if (!groups) this.openGroupsForProducer.set(producerId, (groups = new Set()));
    groups.add(group.groupId);
  }

  private forget(groupId: string, producerId: number): void {
    const groups = this.openGroupsForProducer.get(producerId);
    groups?.delete(groupId);
    if (groups?.size === 0) this.openGroupsForProducer.delete(producerId);
  }
}

/** Kafka's doTxnCommitOffsets member checks; null when the commit may be stored. */
function memberCheck(group: GroupMetadata, p: TxnCommitOffsetsParams): ErrorCode | null {
  if (group.is(GroupState.Dead)) return ErrorCode.CoordinatorNotAvailable;
  if (group.isStaticMemberFenced(p.memberId, p.groupInstanceId)) return ErrorCode.FencedInstanceId;
  if (p.memberId !== '' && !group.has(p.memberId)) return ErrorCode.UnknownMemberId;
  if (p.generationId >= 0 && p.generationId !== group.generationId) return ErrorCode.IllegalGeneration;
  return null;
}
