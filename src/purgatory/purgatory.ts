/**
 * The purgatory: requests that wait for a condition or a deadline, as named objects (rule 9;
 * Kafka's DelayedOperationPurgatory). DelayedProduce waits for followers, DelayedFetch for bytes,
 * group operations for members; each is watched under string keys (`tpKey(tp)`, group ids).
 *
 * Contract of a DelayedOperation:
 * - `tryComplete()` checks whether the operation can complete now and returns true if so; it
 *   must not respond itself. The purgatory then calls `onComplete()`.
 * - `onComplete()` is called exactly once per operation, whatever completes it: tryComplete
 *   returning true, `forceComplete`, or expiry.
 * - On expiry the purgatory calls `onExpire()` first (optional: adjust state, e.g. mark the
 *   partitions still waiting as REQUEST_TIMED_OUT), then `onComplete()`.
 * - A completed operation is removed from every watch list and its timer is cancelled at once,
 *   so memory is bounded by the operations still pending (Kafka purges lazily; we can afford to
 *   do it eagerly, with Sets).
 * Time comes from the injected Clock (SystemClock in production, ManualClock in tests).
 */
import type { Clock, Timer } from '../common/clock.js';
import type { Logger } from '../common/logger.js';

export interface DelayedOperation {
  /** absolute deadline, in the purgatory clock's milliseconds */
  readonly deadline: number;
  tryComplete(): boolean;
  onComplete(): void;
  onExpire?(): void;
}

interface Entry {
  readonly keys: readonly string[];
  readonly timer: Timer;
}

export interface PurgatoryOptions {
  /** purgatory name for logs and metrics: 'Produce', 'Fetch', 'Rebalance', 'Heartbeat', ... */
  name: string;
  clock: Clock;
  log: Logger;
}

export class Purgatory<Op extends DelayedOperation = DelayedOperation> {
  readonly name: string;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly pending = new Map<Op, Entry>();
  private readonly watchers = new Map<string, Set<Op>>();
  private readonly finished = new WeakSet<Op>();

  constructor(opts: PurgatoryOptions) {
    this.name = opts.name;
    this.clock = opts.clock;
    this.log = opts.log;
  }

  /** Operations waiting (Kafka's PurgatorySize metric). */
  get delayed(): number {
    return this.pending.size;
  }

  /** Keys with at least one waiting operation. */
  get watchedKeys(): number {
    return this.watchers.size;
  }

  /** Waiting operations watched under `key`. */
  watched(key: string): number {
    return this.watchers.get(key)?.size ?? 0;
  }

  isPending(op: Op): boolean {
    return this.pending.has(op);
  }

  /**
   * Completes `op` now if it can; otherwise watches it under every key until a
   * checkAndComplete on one of them completes it, or its deadline passes.
   * Returns true if it completed immediately.
   */
  tryCompleteElseWatch(op: Op, keys: readonly string[]): boolean {
    if (keys.length === 0) throw new Error(`${this.name} purgatory: an operation needs at least one key`);
    if (this.pending.has(op) || this.finished.has(op)) throw new Error(`${this.name} purgatory: operation submitted twice`);
    if (this.safeTryComplete(op)) {
      this.finish(op, false);
      return true;
    }
    const unique = [...new Set(keys)];
    const timer = this.clock.setTimeout(() => this.expire(op), op.deadline - this.clock.now());
    this.pending.set(op, { keys: unique, timer });
    for (const key of unique) {
      let set = this.watchers.get(key);
      if (!set) this.watchers.set(key, (set = new Set()));
      set.add(op);
    }
    return false;
  }

  /** Re-checks the operations watched under `key`; returns how many completed. */
  checkAndComplete(key: string): number {
    const set = this.watchers.get(key);
    if (!set) return 0;
    let completed = 0;
    for (const op of [...set]) {
      if (this.pending.has(op) && this.safeTryComplete(op)) {
        if (this.complete(op, false)) completed++;
      }
    }
    return completed;
  }

  /** Completes `op` regardless of its condition; false if it was no longer pending. */
  forceComplete(op: Op): boolean {
    return this.complete(op, false);
  }

  /** Stops watching every operation under `key` without completing them; returns them. */
  cancelForKey(key: string): Op[] {
    const set = this.watchers.get(key);
    if (!set) return [];
    const ops = [...set].filter((op) => this.detach(op));
    for (const op of ops) this.finished.add(op);
    return ops;
  }

  /** Cancels every timer and forgets every operation (broker shutdown). */
  shutdown(): void {
    for (const op of [...this.pending.keys()]) this.detach(op);
  }

  private expire(op: Op): void {
    if (!this.pending.has(op)) return;
    this.complete(op, true);
  }

  private complete(op: Op, expired: boolean): boolean {
    if (!this.detach(op)) return false;
    this.finish(op, expired);
    return true;
  }

  /** Removes a pending op from its watch lists and cancels its timer; false if not pending. */
  private detach(op: Op): boolean {
    const entry = this.pending.get(op);
    if (!entry) return false;
    this.pending.delete(op);
    entry.timer.cancel();
    for (const key of entry.keys) {
      const set = this.watchers.get(key);
      if (!set) continue;
      set.delete(op);
      if (set.size === 0) this.watchers.delete(key);
    }
    return true;
  }

  private finish(op: Op, expired: boolean): void {
    this.finished.add(op);
    try {
      if (expired) op.onExpire?.();
      op.onComplete();
    } catch (err) {
      this.log.error({ err, purgatory: this.name, expired }, 'delayed operation failed to complete');
    }
  }

  private safeTryComplete(op: Op): boolean {
    try {
      return op.tryComplete();
    } catch (err) {
      this.log.error({ err, purgatory: this.name }, 'delayed operation tryComplete threw; left waiting');
      return false;
    }
  }
}
