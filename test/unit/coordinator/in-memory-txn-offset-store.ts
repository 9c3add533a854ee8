/**
 * A TxnOffsetStore in memory, over an InMemoryOffsetStore for the committed side: the same rules as
 * the ZooKeeper store (epoch fencing, a plain commit after the TxnOffsetCommit wins, ordered by one
 * write sequence standing in for zxids), and calls that can be made to fail.
 */
import { KafkaError } from '../../../src/common/errors.js';
import { tpKey, type TopicPartition } from '../../../src/common/topic-partition.js';
import type { CommittedOffset, TxnMarker, TxnOffsetStore } from '../../../src/coordinator/offset-store.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { nextWriteSeq, type InMemoryOffsetStore } from './in-memory-offset-store.js';

interface Producer {
  producerEpoch: number;
  coordinatorEpoch: number;
  pending: Map<string, { offset: CommittedOffset; seq: number }>;
}

type Method = 'storePending' | 'complete' | 'loadPending' | 'listGroupsWithPending' | 'deleteGroup' | 'deletePending';

export class InMemoryTxnOffsetStore implements TxnOffsetStore {
  /** group → producer id → state */
  readonly groups = new Map<string, Map<number, Producer>>();
  private readonly failures = new Map<Method, unknown>();

  constructor(private readonly committed: InMemoryOffsetStore) {}

  failNext(method: Method, err: unknown): void {
    this.failures.set(method, err);
  }

  pendingOf(groupId: string, producerId: number): CommittedOffset[] {
    return [...(this.groups.get(groupId)?.get(producerId)?.pending.values() ?? [])].map((p) => p.offset);
  }

  epochOf(groupId: string, producerId: number): number | undefined {
    return this.groups.get(groupId)?.get(producerId)?.producerEpoch;
  }

  private async enter(method: Method): Promise<void> {
    await Promise.resolve();
    if (this.failures.has(method)) {
      const err = this.failures.get(method);
      this.failures.delete(method);
      throw err;
    }
  }

  async storePending(groupId: string, producerId: number, producerEpoch: number, offsets: readonly CommittedOffset[]): Promise<void> {
    await this.enter('storePending');
    let g = this.groups.get(groupId);
    if (!g) this.groups.set(groupId, (g = new Map()));
    const p = g.get(producerId);
    if (p && p.producerEpoch > producerEpoch) throw new KafkaError(ErrorCode.InvalidProducerEpoch);
    const producer = p ?? { producerEpoch, coordinatorEpoch: -1, pending: new Map() };
    producer.producerEpoch = Math.max(producer.producerEpoch, producerEpoch);
    for (const o of offsets) producer.pending.set(tpKey(o), { offset: o, seq: nextWriteSeq() });
    g.set(producerId, producer);
  }

  async complete(groupId: string, marker: TxnMarker): Promise<{ errorCode: ErrorCode; committed: readonly CommittedOffset[] }> {
    await this.enter('complete');
    const p = this.groups.get(groupId)?.get(marker.producerId);
    if (!p) return { errorCode: ErrorCode.None, committed: [] };
    if (marker.producerEpoch < p.producerEpoch) return { errorCode: ErrorCode.InvalidProducerEpoch, committed: [] };
    if (marker.coordinatorEpoch < p.coordinatorEpoch) return { errorCode: ErrorCode.TransactionCoordinatorFenced, committed: [] };
    const committed: CommittedOffset[] = [];
    if (marker.commit) {
      for (const [key, { offset, seq }] of p.pending) {
        const plainSeq = this.committed.written.get(groupId)?.get(key);
        if (plainSeq !== undefined && plainSeq > seq) continue;
        committed.push(offset);
      }
      if (committed.length > 0) this.committed.seed(groupId, committed);
    }
    p.pending.clear();
    p.producerEpoch = Math.max(p.producerEpoch, marker.producerEpoch);
    p.coordinatorEpoch = Math.max(p.coordinatorEpoch, marker.coordinatorEpoch);
    return { errorCode: ErrorCode.None, committed };
  }

  async loadPending(groupId: string): Promise<Map<number, { producerEpoch: number; offsets: CommittedOffset[] }>> {
    await this.enter('loadPending');
    const out = new Map<number, { producerEpoch: number; offsets: CommittedOffset[] }>();
    for (const [producerId, p] of this.groups.get(groupId) ?? []) out.set(producerId, { producerEpoch: p.producerEpoch, offsets: [...p.pending.values()].map((v) => v.offset) });
    return out;
  }

  async listGroupsWithPending(): Promise<string[]> {
    await this.enter('listGroupsWithPending');
    return [...this.groups.keys()];
  }

  async deleteGroup(groupId: string): Promise<void> {
    await this.enter('deleteGroup');
    this.groups.delete(groupId);
  }

  async deletePending(groupId: string, partitions: readonly TopicPartition[]): Promise<void> {
    await this.enter('deletePending');
    for (const p of this.groups.get(groupId)?.values() ?? []) for (const tp of partitions) p.pending.delete(tpKey(tp));
  }
}
