/**
 * One inbound client connection: framing, request sequence numbers, in-order responses,
 * back-pressure, idle close, capture.
 *
 * Behaviour (Kafka 2.7 SocketServer / Selector, reliability.md §4.1):
 * 1. Frames are cut by FrameDecoder; a bad size closes the connection before any allocation.
 * 2. Every frame gets the next sequence number. At most `maxInFlightRequests` frames are being
 *    processed at once; the default 1 is Kafka's muted channel (one request at a time, so the
 *    side effects of pipelined requests happen in request order). Later frames wait, parsed.
 *    A request answered `deferred` has taken all its effects and only waits for its answer (an
 *    acks = -1 Produce in the purgatory after its appends): it gives its slot back at once, so the
 *    next request starts while it waits — its side effects still come after this one's.
 * 3. Responses leave in sequence order whatever order processing finishes in (rule 8);
 *    `no-response` (acks = 0) advances the sequence without writing. Responses ready in the same
 *    turn of the event loop are written together (cork until the tick queue runs).
 * 4. Reading pauses while `maxQueuedRequests` requests are unanswered, or while the bytes of
 *    unanswered requests plus unsent response bytes exceed `maxQueuedBytes`; it resumes below.
 * 5. A connection without socket activity and with nothing outstanding for `idleTimeoutMs`
 *    (connections.max.idle.ms) is closed.
 * 6. Peer half-close: complete frames already received are still processed and answered (Kafka
 *    processes completed receives of a closing channel); a partial frame is dropped.
 * 7. Capture mode (env GREGOR_CAPTURE_DIR): each request frame (header + body, no size prefix)
 *    is written as hex to `<dir>/<api-name>/v<N>-request-<conn>-<seq>.hex` (aesthetics §7.7).
 * 8. Security hooks: the processor may lower the frame limit (`maxFrameBytes()`, read at each
 *    frame's size prefix: a SASL authenticator allows 512 KiB before authentication), and a
 *    `close` outcome may carry a last response that is written before the connection closes (an
 *    authentication failure's answer).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import type { KafkaPrincipal } from '../common/kafka-principal.js';
import type { Logger } from '../common/logger.js';
import { apiKeyName } from '../protocol/api-keys.js';
import { peekRequestHeader } from '../protocol/header.js';
import { ApiKey } from '../protocol/api-keys.js';
import { framePool } from './frame-buffers.js';
import { FrameDecoder, FrameSizeError } from './frame-decoder.js';

export interface ConnectionInfo {
  /** Kafka's form: `localHost:localPort-remoteHost:remotePort-index` */
  readonly connectionId: string;
  readonly clientAddress: string;
  readonly clientPort: number;
  readonly listenerName: string;
  readonly securityProtocol: string;
  /** who is on the other end: set by TLS client authentication or SASL; absent = User:ANONYMOUS */
  principal?: KafkaPrincipal;
}

/** What a request finally comes to. */
export type FinalOutcome =
  | { readonly type: 'response'; readonly chunks: readonly Buffer[] }
  | { readonly type: 'no-response' }
  | { readonly type: 'close'; readonly reason: string; readonly chunks?: readonly Buffer[] };

/** A final outcome, or `deferred`: the request has taken effect, its answer comes later (rule 2). */
export type RequestOutcome = FinalOutcome | { readonly type: 'deferred'; readonly answer: Promise<FinalOutcome> };

/** What turns a request frame into its outcome (the router, or an authenticator in front of it). */
export interface RequestProcessor {
  process(frame: Buffer, connection: ConnectionInfo, receivedAt: number): RequestOutcome | Promise<RequestOutcome>;
  /** the largest frame accepted right now, when lower than socket.request.max.bytes */
  maxFrameBytes?(): number;
  /** the request's own error response carrying `errorCode`, when one can be built (else null) */
  errorResponse?(frame: Buffer, connection: ConnectionInfo, errorCode: number): Buffer[] | null;
}

export interface ConnectionLimits {
  /** socket.request.max.bytes */
  maxRequestBytes: number;
  /** connections.max.idle.ms; ≤ 0 disables the idle check */
  idleTimeoutMs: number;
  /** frames processed concurrently; 1 = Kafka's muted channel */
  maxInFlightRequests: number;
  /** unanswered requests before reading pauses */
  maxQueuedRequests: number;
  /** unanswered request bytes + unsent response bytes before reading pauses */
  maxQueuedBytes: number;
  /** how long a closing connection may take to flush before it is destroyed */
  closeGraceMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxRequestBytes: 104_857_600,
  idleTimeoutMs: 600_000,
  maxInFlightRequests: 1,
  maxQueuedRequests: 500,
  maxQueuedBytes: 104_857_600,
  closeGraceMs: 1_000,
};

export interface ConnectionOptions {
  info: ConnectionInfo;
  processor: RequestProcessor;
  log: Logger;
  limits?: Partial<ConnectionLimits>;
  /** capture directory; default env GREGOR_CAPTURE_DIR; '' disables */
  captureDir?: string | undefined;
}

interface Pending {
  readonly seq: number;
  readonly frame: Buffer;
  readonly receivedAt: number;
}

export class Connection {
  readonly info: ConnectionInfo;
  private readonly limits: ConnectionLimits;
  private readonly decoder: FrameDecoder;
  private readonly log: Logger;
  private readonly captureDir: string | undefined;

  private nextSeq = 0;
  private nextToWrite = 0;
  private readonly ready = new Map<number, readonly Buffer[] | null>();
  private readonly waiting: Pending[] = [];
  private waitingHead = 0;
  private inFlight = 0;
  /** bytes of requests received and not yet answered */
  private requestBytes = 0;
  private pumping = false;
  private paused = false;
  private corked = false;
  private peerEnded = false;
  private state: 'open' | 'closing' | 'closed' = 'open';
  private lastActivity = Date.now();
  private idleTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private received = 0;
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;

  constructor(
    private readonly socket: Socket,
    private readonly opts: ConnectionOptions,
  ) {
    this.info = opts.info;
    this.limits = { ...DEFAULT_CONNECTION_LIMITS, ...opts.limits };
    const processorLimit = opts.processor.maxFrameBytes?.bind(opts.processor);
    // Produce frames spread over socket reads are assembled in reused memory, given back when answered.
    this.decoder = new FrameDecoder(
      processorLimit ? () => Math.min(processorLimit(), this.limits.maxRequestBytes) : this.limits.maxRequestBytes,
      (size, head) => (head.length >= 2 && head.readInt16BE(0) === ApiKey.Produce ? framePool.acquire(size) : null),
    );
    this.log = opts.log.child({ connectionId: opts.info.connectionId });
    this.captureDir = (opts.captureDir ?? process.env.GREGOR_CAPTURE_DIR) || undefined;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onPeerEnd());
    socket.on('error', (err) => this.log.debug({ err }, 'socket error'));
    socket.on('close', () => this.onClosed());
    this.armIdleTimer();
  }

  /** Requests received and not yet answered (waiting, running, or ready out of order). */
  get outstanding(): number {
    return this.nextSeq - this.nextToWrite;
  }

  /** Request frames received so far (metrics, tests). */
  get requestsReceived(): number {
    return this.received;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Closes the connection: pending writes are flushed for up to closeGraceMs, reads stop. */
  close(reason: string): void {
    if (this.state !== 'open') return;
    this.state = 'closing';
    this.log.debug({ reason }, 'closing connection');
    this.clearIdleTimer();
    this.waiting.length = 0;
    this.waitingHead = 0;
    this.ready.clear();
    if (this.socket.destroyed) return;
    this.socket.end();
    this.graceTimer = setTimeout(() => this.socket.destroy(), this.limits.closeGraceMs);
    this.graceTimer.unref();
  }

  /** Abortive close (server shutdown after the grace period). */
  destroy(): void {
    this.state = this.state === 'closed' ? 'closed' : 'closing';
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.state !== 'open') return;
    this.lastActivity = Date.now();
    try {
      this.decoder.push(chunk, (frame) => this.onFrame(frame));
    } catch (err) {
      if (err instanceof FrameSizeError) {
        this.log.info({ size: err.size }, 'closing connection: bad request size');
        this.close(err.message);
      } else {
        this.log.error({ err }, 'closing connection: unexpected error while reading');
        this.close('read failed');
      }
    }
  }

  private onFrame(frame: Buffer): boolean {
    if (this.state !== 'open') return false;
    const seq = this.nextSeq++;
    this.received++;
    this.requestBytes += frame.length;
    if (this.captureDir !== undefined) this.capture(frame, seq);
    this.waiting.push({ seq, frame, receivedAt: Date.now() });
    this.maybePause();
    this.pump();
    return this.state === 'open';
  }

  /** Starts waiting frames while the in-flight limit allows; iterative, so sync handlers never recurse. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.state === 'open' && this.inFlight < this.limits.maxInFlightRequests && this.waitingHead < this.waiting.length) {
        const p = this.waiting[this.waitingHead]!;
        this.waiting[this.waitingHead++] = undefined as unknown as Pending;
        if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
          this.waiting.splice(0, this.waitingHead);
          this.waitingHead = 0;
        }
        this.inFlight++;
        this.run(p);
      }
    } finally {
      this.pumping = false;
    }
  }

  private run(p: Pending): void {
    let outcome: RequestOutcome | Promise<RequestOutcome>;
    try {
      outcome = this.opts.processor.process(p.frame, this.info, p.receivedAt);
    } catch (err) {
      this.log.error({ err }, 'request processor threw');
      outcome = { type: 'close', reason: 'request processing failed' };
    }
    if (outcome instanceof Promise) {
      outcome.then(
        (o) => this.settle(p, o),
        (err: unknown) => {
          this.log.error({ err }, 'request processor rejected');
          this.finish(p, { type: 'close', reason: 'request processing failed' }, true);
        },
      );
    } else {
      this.settle(p, outcome);
    }
  }

  private settle(p: Pending, outcome: RequestOutcome): void {
    if (outcome.type !== 'deferred') {
      this.finish(p, outcome, true);
      return;
    }
    // Rule 2: its effects are done; the next request may start while its answer waits.
    this.inFlight--;
    outcome.answer.then(
      (o) => this.finish(p, o, false),
      (err: unknown) => {
        this.log.error({ err }, 'deferred answer rejected');
        this.finish(p, { type: 'close', reason: 'request processing failed' }, false);
      },
    );
    this.pump();
  }

  private finish(p: Pending, outcome: FinalOutcome, holdsSlot: boolean): void {
    if (holdsSlot) this.inFlight--;
    this.requestBytes -= p.frame.length;
    framePool.release(p.frame);
    if (this.state !== 'open') return;
    if (outcome.type === 'close') {
      if (outcome.chunks) this.complete(p.seq, outcome.chunks);
      this.close(outcome.reason);
      return;
    }
    this.complete(p.seq, outcome.type === 'response' ? outcome.chunks : null);
    this.pump();
    this.maybeResume();
    this.maybeEndAfterPeer();
  }

  /** Rule 8: hand in a finished response; everything ready in sequence order is written. */
  private complete(seq: number, chunks: readonly Buffer[] | null): void {
    this.ready.set(seq, chunks);
    if (seq !== this.nextToWrite) return;
    const canWrite = this.socket.writable;
    const out: Buffer[] = [];
    while (this.ready.has(this.nextToWrite)) {
      const next = this.ready.get(this.nextToWrite);
      this.ready.delete(this.nextToWrite++);
      if (next && canWrite) for (let i = 0; i < next.length; i++) out.push(next[i]!);
    }
    if (out.length === 0) return;
    this.lastActivity = Date.now();
    // Responses completed in the same turn of the event loop (one high-watermark move answers many
    // acks = -1 Produce requests of a connection) leave in one writev: the socket stays corked until
    // the tick queue runs.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    const last = out.length - 1;
    for (let i = 0; i < last; i++) this.socket.write(out[i]!);
    // Resume once the bytes leave the user-space buffer (covers writes that never hit 'drain').
    this.socket.write(out[last]!, this.onWritten);
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  private readonly onWritten = (): void => this.maybeResume();

  private overLimits(): boolean {
    return (
      this.outstanding >= this.limits.maxQueuedRequests ||
      this.requestBytes + this.socket.writableLength >= this.limits.maxQueuedBytes
    );
  }

  private maybePause(): void {
    if (this.paused || !this.overLimits()) return;
    this.paused = true;
    this.socket.pause();
    this.log.debug({ outstanding: this.outstanding, requestBytes: this.requestBytes }, 'reading paused');
  }

  private maybeResume(): void {
    if (!this.paused || this.state !== 'open' || this.overLimits()) return;
    this.paused = false;
    this.socket.resume();
    this.log.debug('reading resumed');
  }

  private onPeerEnd(): void {
    this.peerEnded = true;
    if (this.decoder.bufferedBytes > 0) this.log.debug('peer closed with a partial frame; dropped');
    this.maybeEndAfterPeer();
  }

  private maybeEndAfterPeer(): void {
    if (this.peerEnded && this.state === 'open' && this.outstanding === 0) this.close('peer closed');
  }

  private onClosed(): void {
    this.state = 'closed';
    this.clearIdleTimer();
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.waiting.length = 0;
    this.ready.clear();
    this.resolveClosed();
  }

  private armIdleTimer(): void {
    if (this.limits.idleTimeoutMs <= 0 || this.state !== 'open') return;
    const due = this.lastActivity + this.limits.idleTimeoutMs - Date.now();
    this.idleTimer = setTimeout(() => this.checkIdle(), Math.max(due, 1));
    this.idleTimer.unref();
  }

  private checkIdle(): void {
    this.idleTimer = undefined;
    if (this.state !== 'open') return;
    const idleFor = Date.now() - this.lastActivity;
    if (idleFor >= this.limits.idleTimeoutMs && this.outstanding === 0) {
      this.log.debug({ idleFor }, 'closing idle connection');
      this.close('idle');
      return;
    }
    if (this.outstanding > 0) this.lastActivity = Date.now();
    this.armIdleTimer();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private capture(frame: Buffer, seq: number): void {
    try {
      const h = peekRequestHeader(frame);
      const api = h ? kebab(apiKeyName(h.apiKey)) : 'unparsable';
      const dir = join(this.captureDir!, api);
      mkdirSync(dir, { recursive: true });
      const conn = this.info.connectionId.replace(/[^A-Za-z0-9.-]/g, '_');
      writeFileSync(join(dir, `v${h?.apiVersion ?? 'x'}-request-${conn}-${seq}.hex`), frame.toString('hex') + '\n');
    } catch (err) {
      this.log.warn({ err }, 'capture failed');
    }
  }
}

function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9-]/g, '')
    .toLowerCase();
}
