/**
 * The worker thread of one cleaner thread (node:worker_threads): it runs the Cleaner's file work —
 * reading segments, hashing keys, filtering and writing `.cleaned` segments — off the broker's
 * event loop. The broker thread owns the logs: after each cleaned group the worker asks it to
 * swap the group in and waits for the answer before writing the next one.
 *
 * Messages in:  { type: 'clean', job } · { type: 'swapped', ok }
 * Messages out: { type: 'group', group } · { type: 'done', result } · { type: 'aborted' } ·
 *               { type: 'error', message, stack }
 * The shared `abortFlag` (set by the broker thread on truncation, deletion or shutdown) stops a
 * pass between two chunks.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initCompression } from '../../protocol/records/compression/index.js';
import { Cleaner, CleaningAbortedError, type CleanJob, type CleanedGroup } from './cleaner.js';

export interface CleanerWorkerData {
  readonly mapMemory: number;
  readonly loadFactor: number;
  readonly ioBufferSize: number;
  /** log.cleaner.io.max.bytes.per.second (Infinity = unthrottled) */
  readonly maxIoBytesPerSecond: number;
  /** Int32Array over a SharedArrayBuffer: [0] = 1 while the current pass must stop */
  readonly abortFlag: SharedArrayBuffer;
}

export type ToWorker = { type: 'clean'; job: CleanJob } | { type: 'swapped'; ok: boolean };
export type FromWorker =
  | { type: 'group'; group: CleanedGroup }
  | { type: 'done'; result: Awaited<ReturnType<Cleaner['clean']>> }
  | { type: 'aborted' }
  | { type: 'error'; message: string; stack: string | undefined };

/**
 * Kafka's Throttler: when more than the allowed bytes went by in the current window, block this
 * thread (only the worker) until the rate is back under the limit.
 */
class Throttler {
  private windowStart = Date.now();
  private observed = 0;
  private readonly sleeper = new Int32Array(new SharedArrayBuffer(4));

  constructor(private readonly bytesPerSecond: number) {}

  observe(bytes: number): void {
    this.observed += bytes;
    const elapsed = Date.now() - this.windowStart;
    if (elapsed < 100) return;
    const allowedMs = (this.observed / this.bytesPerSecond) * 1000;
    if (allowedMs > elapsed) Atomics.wait(this.sleeper, 0, 0, allowedMs - elapsed);
    this.windowStart = Date.now();
    this.observed = 0;
  }
}

function main(): void {
  const port = parentPort;
  if (!port) throw new Error('cleaner-worker must run in a worker thread');
  const data = workerData as CleanerWorkerData;
  const abort = new Int32Array(data.abortFlag);
  const throttler = Number.isFinite(data.maxIoBytesPerSecond) ? new Throttler(data.maxIoBytesPerSecond) : null;
  const cleaner = new Cleaner({
    mapMemory: data.mapMemory,
    loadFactor: data.loadFactor,
    ioBufferSize: data.ioBufferSize,
    checkDone: () => {
      if (Atomics.load(abort, 0) !== 0) throw new CleaningAbortedError();
    },
    ...(throttler ? { throttle: (bytes: number) => throttler.observe(bytes) } : {}),
  });
  let swapReply: ((ok: boolean) => void) | null = null;
  const post = (m: FromWorker): void => port.postMessage(m);
  const ready = initCompression();
  port.on('message', (m: ToWorker) => {
    if (m.type === 'swapped') {
      swapReply?.(m.ok);
      swapReply = null;
      return;
    }
    void ready
      .then(() =>
        cleaner.clean(m.job, (group) => {
          post({ type: 'group', group });
          return new Promise<boolean>((resolve) => (swapReply = resolve));
        }),
      )
      .then(
        (result) => post({ type: 'done', result }),
        (err: unknown) => {
          if (err instanceof CleaningAbortedError) post({ type: 'aborted' });
          else post({ type: 'error', message: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined });
        },
      );
  });
}

main();
