/**
 * The coordination timeline of a test cluster: every znode change under its chroot, every controller event and
 * state change, every ISR change and leadership change the brokers log, and every fault the harness injected,
 * each with `time` (ms since the epoch) and `type`. timeline-events.ts says which types exist.
 *
 * `Timeline` IS an array (ordered by `time`, ties in arrival order), so `filter`, `find`, `some`, `at` work
 * and `expect(cluster.timeline).toContainEqual(...)` reads naturally; on top:
 * - `follow()` / `for await (const e of cluster.timeline)`: every event in ARRIVAL order, the recorded ones
 *   first, then live ones as they come, until the cluster closes (or `break`);
 * - `waitFor(predicate, { timeoutMs })`: the first event (recorded or to come) that matches;
 * - `format()`: a readable table; `JSON.stringify(timeline)`: the raw events.
 */

export type TimelineSource = 'zookeeper' | 'broker' | 'harness';

export interface TimelineEvent {
  /** ms since the epoch (ZooKeeper's ctime/mtime for znode changes, the log record's time for broker events) */
  time: number;
  /** e.g. 'leader-elected', 'isr-changed', 'controller-elected', 'broker-registered', 'fault' (timeline-events.ts) */
  type: string;
  source: TimelineSource;
  /** arrival order, from 0 */
  seq: number;
  /** the broker that logged the event, or the broker it is about */
  broker?: number;
  topic?: string;
  partition?: number;
  leader?: number;
  leaderEpoch?: number;
  isr?: number[];
  controllerEpoch?: number;
  /** what led to it, when known (e.g. 'OfflinePartitionLeaderElection (controller 2: broker-change)') */
  cause?: string;
  /** fault events: 'kill', 'stop', 'start', 'pause', 'resume', 'expire-session', 'cut', 'delay', 'heal', ... */
  action?: string;
  /** fault events on a link: the broker at its other end */
  peer?: number;
  /** the ZooKeeper member an event is about */
  member?: number;
  /** znode events: the path under the cluster's chroot, the operation, the zxid that made the change */
  path?: string;
  op?: 'created' | 'changed' | 'deleted' | 'missed';
  zxid?: number;
  /** everything else the source said */
  detail?: Record<string, unknown>;
}

export type NewTimelineEvent = Omit<TimelineEvent, 'seq'>;

export interface WaitForEventOptions {
  /** default 30 s */
  timeoutMs?: number;
  /** only events recorded at or after this time (ms since the epoch) */
  since?: number;
}

export class Timeline extends Array<TimelineEvent> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  #arrived: TimelineEvent[] = [];
  #wakers = new Set<() => void>();
  #closed = false;
  #origin = Date.now();

  /** ms since the epoch when the cluster started: `format()` prints times relative to it */
  get origin(): number {
    return this.#origin;
  }

  set origin(ms: number) {
    this.#origin = ms;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Records an event (the harness does; tests may add their own markers) and returns it. */
  record(event: NewTimelineEvent): TimelineEvent {
    const e: TimelineEvent = { ...event, seq: this.#arrived.length };
    this.#arrived.push(e);
    let i = this.length;
    while (i > 0 && this[i - 1]!.time > e.time) i--;
    this.splice(i, 0, e);
    for (const wake of [...this.#wakers]) wake();
    return e;
  }

  /** Events in arrival order from `fromSeq`, then live ones until the timeline closes or the consumer stops. */
  async *follow(opts: { fromSeq?: number; signal?: AbortSignal } = {}): AsyncGenerator<TimelineEvent, void, undefined> {
    let next = opts.fromSeq ?? 0;
    for (;;) {
      while (next < this.#arrived.length) yield this.#arrived[next++]!;
      if (this.#closed || opts.signal?.aborted) return;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#wakers.delete(wake);
          opts.signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.#wakers.add(wake);
        opts.signal?.addEventListener('abort', wake);
      });
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<TimelineEvent, void, undefined> {
    return this.follow();
  }

  /**
   * The first event (in arrival order) matching `predicate`, already recorded or still to come. The predicate is
   * asked again whenever the timeline changes, so it may wait for what is added to an event later (its `cause`).
   */
  async waitFor(predicate: (e: TimelineEvent) => boolean, opts: WaitForEventOptions = {}): Promise<TimelineEvent> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const since = opts.since ?? -Infinity;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.#arrived.find((e) => e.time >= since && predicate(e));
      if (hit) return hit;
      if (this.#closed || Date.now() >= deadline) break;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#wakers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, deadline - Date.now());
        this.#wakers.add(wake);
      });
    }
    throw new Error(
      `${this.#closed ? 'the cluster closed' : `timed out after ${timeoutMs} ms`} waiting for a timeline event matching ${predicate.toString()}\n${this.format()}`,
    );
  }

  /** Adds fields to a recorded event (the recorder's causes) and tells the waiting `waitFor`s. */
  annotate(event: TimelineEvent, fields: Partial<Omit<TimelineEvent, 'seq' | 'time'>>): void {
    Object.assign(event, fields);
    for (const wake of [...this.#wakers]) wake();
  }

  /** Events at or after `time`, in time order. */
  since(time: number): TimelineEvent[] {
    return this.filter((e) => e.time >= time);
  }

  /** Ends every `follow()` once it has yielded what is recorded. */
  close(): void {
    this.#closed = true;
    for (const wake of [...this.#wakers]) wake();
  }

  /** A readable table: time since the cluster started, source, broker, type, and what the event says. */
  format(opts: { since?: number; types?: readonly string[] } = {}): string {
    const rows = this.filter((e) => e.time >= (opts.since ?? -Infinity) && (!opts.types || opts.types.includes(e.type)));
    const lines = rows.map((e) => {
      const t = ((e.time - this.#origin) / 1000).toFixed(3).padStart(9);
      const who = e.broker !== undefined ? `b${e.broker}` : '';
      return `${t}s  ${e.source.padEnd(9)} ${who.padEnd(4)} ${e.type.padEnd(26)} ${describe(e)}`;
    });
    return [`    time   source    who  type                       what (${rows.length} events)`, ...lines].join('\n');
  }

  override toString(): string {
    return this.format();
  }
}

function describe(e: TimelineEvent): string {
  const parts: string[] = [];
  if (e.topic !== undefined) parts.push(e.partition !== undefined ? `${e.topic}-${e.partition}` : e.topic);
  if (e.action !== undefined) parts.push(e.action);
  if (e.peer !== undefined) parts.push(`peer=${e.peer}`);
  if (e.member !== undefined) parts.push(`zookeeper=${e.member}`);
  if (e.leader !== undefined) parts.push(`leader=${e.leader}`);
  if (e.leaderEpoch !== undefined) parts.push(`epoch=${e.leaderEpoch}`);
  if (e.isr !== undefined) parts.push(`isr=[${e.isr.join(',')}]`);
  if (e.controllerEpoch !== undefined) parts.push(`controllerEpoch=${e.controllerEpoch}`);
  if (e.path !== undefined && e.topic === undefined) parts.push(`${e.op ?? ''} ${e.path}`.trim());
  if (e.detail) {
    for (const [k, v] of Object.entries(e.detail)) {
      if (v === undefined) continue;
      const text = typeof v === 'string' ? v : JSON.stringify(v);
      parts.push(`${k}=${text.length > 80 ? `${text.slice(0, 77)}...` : text}`);
    }
  }
  if (e.cause !== undefined) parts.push(`<- ${e.cause}`);
  return parts.join(' ');
}
