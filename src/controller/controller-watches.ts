/**
 * The controller's ZooKeeper watch bookkeeping (Kafka registers ZNodeChangeHandlers with its
 * KafkaZkClient; our watches are one-shot callbacks). Split out of controller.ts so that the event
 * handler modules (broker-change.ts, topic-change.ts, …) arm watches the same way the controller does.
 *
 * A watch only ever *enqueues* a ControllerEvent on the single serial loop (aesthetics rule 6). Each key
 * holds at most one armed watcher; resignation forgets the controller-only keys (their later firings are
 * ignored) and a new ZooKeeper session forgets every key, the /controller watch included.
 */
import type { TopicPartition } from '../common/topic-partition.js';
import { tpKey } from '../common/topic-partition.js';
import type { ZkWatchEvent, ZkWatcher } from '../zk/client.js';
import type { ControllerEvent } from './events.js';

/** The /controller watch: the only key that survives resignation (it drives re-election). */
export const CONTROLLER_WATCH = 'controller';

/** Key of the PartitionReassignmentIsrChange data watch on a partition's state znode. */
export const reassignIsrWatchKey = (tp: TopicPartition): string => `reassign-isr:${tpKey(tp)}`;

export class ControllerWatches {
  /** watch key → token of the armed watcher; controller-only keys are dropped at resignation */
  private readonly armed = new Map<string, number>();
  private nextWatchToken = 1;
  private watchGeneration = 0;
  private sessionGeneration = 0;

  /** `put` enqueues an event on the controller's loop. */
  constructor(private readonly put: (event: ControllerEvent) => void) {}

  /**
   * Runs a read that can arm a one-shot watch under `key`; the watch is passed only when none is armed for
   * that key (so re-reads do not stack watchers). The watcher only enqueues `toEvent(e)`.
   */
  async watched<T>(
    key: string,
    toEvent: (e: ZkWatchEvent) => ControllerEvent | null,
    read: (watch?: ZkWatcher) => Promise<T>,
  ): Promise<T> {
    if (this.armed.has(key)) return read();
    const token = this.nextWatchToken++;
    const generation = key === CONTROLLER_WATCH ? this.sessionGeneration : this.watchGeneration;
    const watcher: ZkWatcher = (e) => {
      const current = key === CONTROLLER_WATCH ? this.sessionGeneration : this.watchGeneration;
      if (generation !== current) return;
      if (this.armed.get(key) === token) this.armed.delete(key);
      const ev = toEvent(e);
      if (ev) this.put(ev);
    };
    this.armed.set(key, token);
    try {
      return await read(watcher);
    } catch (err) {
      if (this.armed.get(key) === token) this.armed.delete(key);
      throw err;
    }
  }

  /** Forgets the bookkeeping of one key (its znode is gone, or the next read must re-arm it). */
  forget(key: string): void {
    this.armed.delete(key);
  }

  /** Drops controller-only watch bookkeeping (resignation): their later firings are ignored. */
  forgetControllerWatches(): void {
    this.watchGeneration++;
    for (const key of [...this.armed.keys()]) if (key !== CONTROLLER_WATCH) this.armed.delete(key);
  }

  /** New ZooKeeper session: every watch is gone. */
  forgetAllWatches(): void {
    this.sessionGeneration++;
    this.watchGeneration++;
    this.armed.clear();
  }
}
