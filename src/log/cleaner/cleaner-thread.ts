/**
 * The broker-thread side of one cleaner thread: a node:worker_threads Worker running
 * cleaner-worker.ts, started on the first pass and again after it dies. run() hands it one pass
 * and answers its swap requests through `onGroup` (which runs on the broker thread, where the
 * logs live); abort() raises the shared flag the worker checks between chunks.
 *
 * From source (tests, `tsx`) the worker has no `.js` file to load: it then starts through tsx's
 * loader, registered inside the worker.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CleaningAbortedError, type CleanJob, type CleanResult, type CleanedGroup } from './cleaner.js';
import type { CleanerWorkerData, FromWorker, ToWorker } from './cleaner-worker.js';

export interface CleanerThreadOptions {
  readonly mapMemory: number;
  readonly loadFactor: number;
  readonly ioBufferSize: number;
  readonly maxIoBytesPerSecond: number;
}

export class CleanerThread {
  private worker: Worker | null = null;
  private readonly abortFlag = new SharedArrayBuffer(4);
  private readonly abortView = new Int32Array(this.abortFlag);
  private current: { reject: (err: Error) => void } | null = null;

  constructor(
    readonly id: number,
    private readonly opts: CleanerThreadOptions,
  ) {}

  /** Run one pass; rejects with CleaningAbortedError when abandoned, or with the worker's error. */
  run(job: CleanJob, onGroup: (group: CleanedGroup) => boolean): Promise<CleanResult> {
    if (this.current) return Promise.reject(new Error(`cleaner thread ${this.id} is busy`));
    Atomics.store(this.abortView, 0, 0);
    const worker = this.ensureWorker();
    return new Promise<CleanResult>((resolve, reject) => {
      const finish = (): void => {
        worker.off('message', onMessage);
        this.current = null;
      };
      const onMessage = (m: FromWorker): void => {
        if (m.type === 'group') {
          let ok = false;
          try {
            ok = onGroup(m.group);
          } finally {
            worker.postMessage({ type: 'swapped', ok } satisfies ToWorker);
          }
          return;
        }
        finish();
        if (m.type === 'done') resolve(m.result);
        else if (m.type === 'aborted') reject(new CleaningAbortedError());
        else reject(Object.assign(new Error(m.message), { stack: m.stack }));
      };
      this.current = {
        reject: (err) => {
          finish();
          reject(err);
        },
      };
      worker.on('message', onMessage);
      worker.postMessage({ type: 'clean', job } satisfies ToWorker);
    });
  }

  /** Ask the running pass (if any) to stop at its next check. */
  abort(): void {
    Atomics.store(this.abortView, 0, 1);
  }

  async shutdown(): Promise<void> {
    this.abort();
    const worker = this.worker;
    this.worker = null;
    this.current?.reject(new CleaningAbortedError('the cleaner is shutting down'));
    if (worker) await worker.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const data: CleanerWorkerData = { ...this.opts, abortFlag: this.abortFlag };
    const worker = spawnWorker(data);
    worker.unref();
    const died = (err: Error): void => {
      if (this.worker === worker) this.worker = null;
      this.current?.reject(err);
    };
    worker.on('error', died);
    worker.on('exit', (code) => died(new Error(`cleaner worker ${this.id} exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }
}

function spawnWorker(workerData: CleanerWorkerData): Worker {
  const compiled = new URL('./cleaner-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(compiled))) return new Worker(compiled, { workerData });
  const source = new URL('./cleaner-worker.ts', import.meta.url).href;
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
