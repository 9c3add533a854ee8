/**
 * One network link between two endpoints `a` and `b` (two brokers, a broker and a ZooKeeper member, two ZooKeeper
 * members) and the TCP connections that cross it through the harness's proxies (proxy.ts).
 *
 * A link's fault state is per direction (`a→b` = bytes sent by a, `b→a` = bytes sent by b):
 * - blackhole (`cut`): bytes in that direction are not forwarded; the proxy stops reading the sender's socket, so
 *   they wait in kernel buffers as unacknowledged TCP segments wait under an iptables DROP, and flow (late) once the
 *   link heals — unless an endpoint gave up on the connection meanwhile. A FIN or RST in a blocked direction waits
 *   too. A NEW connection is not established while either direction is blocked (the handshake needs both): the
 *   proxy holds it without connecting upstream.
 * - reset (`cut` with mode 'reset'): every connection is reset now and new ones are reset on arrival (REJECT
 *   --reject-with tcp-reset); direction does not apply.
 * - delay: every chunk is forwarded `ms` (+ up to `jitterMs`) after it was read, in order; with `bytesPerSecond`
 *   each connection's direction also carries at most that rate (a chunk leaves once the previous ones have had the
 *   time their size takes at that rate).
 * - `hold()`: a reset that nests and is released separately (session expiry uses it without disturbing a fault
 *   the test has set).
 * `heal()` clears everything but holds.
 */
import type { Socket } from 'node:net';

export interface DirectionState {
  blocked: boolean;
  delayMs: number;
  jitterMs: number;
  /** 0: unlimited */
  bytesPerSecond: number;
}

export interface CutOptions {
  /** only the bytes from a to b are dropped (b→a still flows); default both directions */
  oneWay?: boolean;
  /** 'blackhole' (default): drop silently; 'reset': reset connections and refuse new ones */
  mode?: 'blackhole' | 'reset';
}

export interface DelayOptions {
  /** only bytes from a to b are delayed; default both directions */
  oneWay?: boolean;
  /** extra random delay in [0, jitterMs) per chunk (order is kept) */
  jitterMs?: number;
  /** throttle: at most this many bytes a second per connection and direction; default unlimited */
  bytesPerSecond?: number;
}

export interface LinkState {
  a: string;
  b: string;
  aToB: Readonly<DirectionState>;
  bToA: Readonly<DirectionState>;
  reset: boolean;
  connections: number;
}

const MAX_QUEUED_BYTES = 1 << 20;

const passing = (): DirectionState => ({ blocked: false, delayMs: 0, jitterMs: 0, bytesPerSecond: 0 });

export class Link {
  private readonly ab = passing();
  private readonly ba = passing();
  private resetMode = false;
  private holds = 0;
  private readonly pipes = new Set<Pipe>();

  constructor(
    /** endpoint names, e.g. 'broker 0', 'zookeeper 2' */
    readonly a: string,
    readonly b: string,
  ) {}

  get name(): string {
    return `${this.a} <-> ${this.b}`;
  }

  get isReset(): boolean {
    return this.resetMode || this.holds > 0;
  }

  /** A new connection may be established now (no reset, no blocked direction). */
  get canConnect(): boolean {
    return !this.isReset && !this.ab.blocked && !this.ba.blocked;
  }

  direction(fromA: boolean): Readonly<DirectionState> {
    return fromA ? this.ab : this.ba;
  }

  state(): LinkState {
    return { a: this.a, b: this.b, aToB: { ...this.ab }, bToA: { ...this.ba }, reset: this.isReset, connections: this.pipes.size };
  }

  /** The directions `oneWay` names: from `a` (or from `b` when `fromA` is false), else both. */
  private directions(oneWay: boolean | undefined, fromA: boolean): DirectionState[] {
    return oneWay ? [fromA ? this.ab : this.ba] : [this.ab, this.ba];
  }

  /** `fromA` false: a one-way cut drops what `b` sends instead. */
  cut(opts: CutOptions = {}, fromA = true): void {
    if (opts.mode === 'reset') {
      this.resetMode = true;
      this.resetAll();
      return;
    }
    for (const d of this.directions(opts.oneWay, fromA)) d.blocked = true;
    this.changed();
  }

  delay(ms: number, opts: DelayOptions = {}, fromA = true): void {
    if (!(ms >= 0)) throw new Error(`delay must be >= 0 ms (got ${ms})`);
    const rate = opts.bytesPerSecond ?? 0;
    if (!(rate >= 0)) throw new Error(`bytesPerSecond must be >= 0 (got ${rate})`);
    for (const d of this.directions(opts.oneWay, fromA)) {
      d.delayMs = ms;
      d.jitterMs = opts.jitterMs ?? 0;
      d.bytesPerSecond = rate;
    }
    this.changed();
  }

  heal(): void {
    Object.assign(this.ab, passing());
    Object.assign(this.ba, passing());
    this.resetMode = false;
    this.changed();
  }

  /** Resets every connection now and refuses new ones until the returned function is called. */
  hold(): () => void {
    this.holds++;
    this.resetAll();
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.holds--;
      this.changed();
    };
  }

  /** Called by the proxy for each connection it has joined to its upstream. */
  attach(client: Socket, upstream: Socket, clientIsA: boolean): void {
    const pipe = new Pipe(this, client, upstream, clientIsA, () => this.pipes.delete(pipe));
    this.pipes.add(pipe);
    if (this.isReset) pipe.reset();
  }

  /** Resets every connection (the proxy is closing). */
  closeAll(): void {
    this.resetAll();
  }

  private resetAll(): void {
    for (const p of this.pipes) p.reset();
  }

  private readonly waiters = new Set<() => void>();

  /** Runs `fn` the next time the link's state changes (proxies waiting to connect a held connection). */
  onChange(fn: () => void): () => void {
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }

  private changed(): void {
    for (const p of this.pipes) p.pump();
    for (const w of [...this.waiters]) w();
  }
}

/** The links between the members of a group (brokers, ZooKeeper servers): one per unordered pair, lower id = `a`. */
export class LinkPairs {
  private readonly links = new Map<string, Link>();

  /** `kind` names the ends: `${kind} ${id}`. */
  constructor(private readonly kind: string) {}

  get(i: number, j: number): Link {
    if (i === j) throw new Error(`a link joins two different ${this.kind}s (got ${i} twice)`);
    const [a, b] = i < j ? [i, j] : [j, i];
    const key = `${a}-${b}`;
    let link = this.links.get(key);
    if (!link) {
      link = new Link(`${this.kind} ${a}`, `${this.kind} ${b}`);
      this.links.set(key, link);
    }
    return link;
  }

  all(): Link[] {
    return [...this.links.values()];
  }
}

/** One proxied connection: two pumps, one per direction. */
class Pipe {
  private readonly up: Pump;
  private readonly down: Pump;
  private done = false;

  constructor(
    link: Link,
    readonly client: Socket,
    readonly upstream: Socket,
    clientIsA: boolean,
    private readonly onClose: () => void,
  ) {
    const close = (): void => this.close();
    this.up = new Pump(client, upstream, () => link.direction(clientIsA), close);
    this.down = new Pump(upstream, client, () => link.direction(!clientIsA), close);
  }

  pump(): void {
    this.up.pump();
    this.down.pump();
  }

  reset(): void {
    if (this.done) return;
    this.client.resetAndDestroy();
    this.upstream.resetAndDestroy();
    this.close();
  }

  private close(): void {
    if (this.done) return;
    this.done = true;
    this.up.stop();
    this.down.stop();
    this.client.destroy();
    this.upstream.destroy();
    this.onClose();
  }
}

type Item = { chunk: Buffer; due: number } | { end: true; due: number };

/** Forwards src → dst honouring the direction's state; an end of src is forwarded in order, like a FIN. */
class Pump {
  private readonly queue: Item[] = [];
  private queuedBytes = 0;
  private lastDue = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly src: Socket,
    private readonly dst: Socket,
    private readonly state: () => Readonly<DirectionState>,
    private readonly closePipe: () => void,
  ) {
    src.on('data', (chunk: Buffer) => this.push({ chunk, due: this.dueTime(chunk.length) }));
    src.on('end', () => this.push({ end: true, due: this.dueTime(0) }));
    src.on('error', () => this.push({ end: true, due: this.dueTime(0) }));
    src.on('close', () => this.push({ end: true, due: this.dueTime(0) }));
    dst.on('drain', () => this.pump());
  }

  private dueTime(bytes: number): number {
    const s = this.state();
    if (s.delayMs <= 0 && s.jitterMs <= 0 && s.bytesPerSecond <= 0) return 0;
    // never before the previous chunk: order is kept whatever the jitter; a throttle adds the chunk's own time
    const sendMs = s.bytesPerSecond > 0 ? (bytes * 1000) / s.bytesPerSecond : 0;
    this.lastDue = Math.max(this.lastDue, Date.now() + s.delayMs + Math.random() * s.jitterMs) + sendMs;
    return this.lastDue;
  }

  private push(item: Item): void {
    if (this.stopped) return;
    if ('end' in item && this.queue.some((q) => 'end' in q)) return;
    this.queue.push(item);
    if ('chunk' in item) this.queuedBytes += item.chunk.length;
    this.pump();
  }

  pump(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const s = this.state();
    if (!s.blocked) {
      const now = Date.now();
      while (this.queue.length > 0 && this.queue[0]!.due <= now) {
        const item = this.queue.shift()!;
        if ('end' in item) return this.closePipe();
        this.queuedBytes -= item.chunk.length;
        if (this.dst.destroyed) return this.closePipe(); // the peer is gone: what TCP answers with a RST
        this.dst.write(item.chunk);
      }
      const head = this.queue[0];
      if (head) this.timer = setTimeout(() => this.pump(), Math.max(1, head.due - now));
    }
    if (s.blocked || this.queuedBytes > MAX_QUEUED_BYTES || this.dst.writableNeedDrain) this.src.pause();
    else if (!this.src.destroyed) this.src.resume();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.queue.length = 0;
  }
}
