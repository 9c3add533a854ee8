/**
 * Time and timers, injected (aesthetics rule 10) so tests can run on a ManualClock: Kafka passes
 * `time: Time` into Log and LogSegment for the same reason (segment.ms rolls, retention.ms,
 * scheduled deletes are all judged by it).
 */

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch (wall clock: compared with record timestamps). */
  now(): number;
  /** Run `callback` once after `delayMs`; the returned Timer cancels it. */
  setTimeout(callback: () => void, delayMs: number): Timer;
}

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  setTimeout(callback: () => void, delayMs: number): Timer {
    // unref: background work (retention, checkpoints) must never keep the process alive.
    const handle = setTimeout(callback, Math.max(0, delayMs));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  }
}

interface PendingTimer {
  readonly deadline: number;
  readonly seq: number;
  readonly callback: () => void;
}

/** A clock that moves only when told to; due timers fire inside advance(), in deadline order. */
export class ManualClock implements Clock {
  private readonly timers = new Set<PendingTimer>();
  private seq = 0;

  constructor(private current = 0) {}

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, delayMs: number): Timer {
    const timer: PendingTimer = { deadline: this.current + Math.max(0, delayMs), seq: this.seq++, callback };
    this.timers.add(timer);
    return { cancel: () => this.timers.delete(timer) };
  }

  /** Move time forward by `ms`, firing every timer that falls due (including ones they schedule). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (let next = this.nextDue(target); next; next = this.nextDue(target)) {
      this.timers.delete(next);
      this.current = Math.max(this.current, next.deadline);
      next.callback();
    }
    this.current = target;
  }

  /** Number of timers not yet fired (lets tests check that work was scheduled or cancelled). */
  get pendingTimers(): number {
    return this.timers.size;
  }

  private nextDue(target: number): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.timers) {
      if (t.deadline > target) continue;
      if (!best || t.deadline < best.deadline || (t.deadline === best.deadline && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
