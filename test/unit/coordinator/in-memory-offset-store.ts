/**
 * An OffsetStore in memory, for coordinator tests: counts calls (so tests can prove reads come
 * from the cache) and can be told to fail the next call of a method.
 */
import { tpKey, type TopicPartition } from '../../../src/common/topic-partition.js';
import type { CommittedOffset, OffsetStore } from '../../../src/coordinator/offset-store.js';

type Method = 'commit' | 'fetch' | 'deleteGroup' | 'deleteOffsets' | 'listGroupsWithOffsets';

/** Orders every write of both stores, as ZooKeeper's zxids do. */
let writeSeq = 0;
export const nextWriteSeq = (): number => ++writeSeq;

export class InMemoryOffsetStore implements OffsetStore {
  readonly groups = new Map<string, Map<string, CommittedOffset>>();
  /** group → tpKey → when the committed offset was last written */
  readonly written = new Map<string, Map<string, number>>();
  readonly calls: Record<Method, number> = { commit: 0, fetch: 0, deleteGroup: 0, deleteOffsets: 0, listGroupsWithOffsets: 0 };
  private readonly failures = new Map<Method, unknown>();

  /** The next call of `method` rejects with `err`. */
  failNext(method: Method, err: unknown): void {
    this.failures.set(method, err);
  }

  /** Puts offsets in the store directly (as if committed before this coordinator existed). */
  seed(groupId: string, entries: CommittedOffset[]): void {
    let g = this.groups.get(groupId);
    if (!g) this.groups.set(groupId, (g = new Map()));
    let w = this.written.get(groupId);
    if (!w) this.written.set(groupId, (w = new Map()));
    for (const e of entries) {
      g.set(tpKey(e), e);
      w.set(tpKey(e), nextWriteSeq());
    }
  }

  offsetOf(groupId: string, tp: TopicPartition): number | undefined {
    return this.groups.get(groupId)?.get(tpKey(tp))?.offset;
  }

  private async enter(method: Method): Promise<void> {
    this.calls[method]++;
    await Promise.resolve();
    if (this.failures.has(method)) {
      const err = this.failures.get(method);
      this.failures.delete(method);
      throw err;
    }
  }

  async commit(groupId: string, entries: readonly CommittedOffset[]): Promise<void> {
    await this.enter('commit');
    this.seed(groupId, [...entries]);
  }

  async fetch(groupId: string, partitions: readonly TopicPartition[] | null): Promise<CommittedOffset[]> {
    await this.enter('fetch');
    const g = this.groups.get(groupId);
    if (!g) return [];
    if (partitions === null) return [...g.values()];
    return partitions.flatMap((tp) => {
      const e = g.get(tpKey(tp));
      return e ? [e] : [];
    });
  }

  async deleteGroup(groupId: string): Promise<void> {
    await this.enter('deleteGroup');
    this.groups.delete(groupId);
  }

  async deleteOffsets(groupId: string, partitions: readonly TopicPartition[]): Promise<void> {
    await this.enter('deleteOffsets');
    const g = this.groups.get(groupId);
    if (!g) return;
    for (const tp of partitions) g.delete(tpKey(tp));
    if (g.size === 0) this.groups.delete(groupId);
  }

  async listGroupsWithOffsets(): Promise<string[]> {
    await this.enter('listGroupsWithOffsets');
    return [...this.groups.keys()];
  }
}
