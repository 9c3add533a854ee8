/**
 * Bounding a wait that may never end on its own (a lost peer, an unreachable ZooKeeper): the promise settles as
 * `p` does, or rejects with `onTimeout()` at `deadline` (epoch ms). `p` itself is not cancelled; callers that care
 * close what it waits on.
 */
export function withDeadline<T>(p: Promise<T>, deadline: number, onTimeout: () => Error): Promise<T> {
  const ms = deadline - Date.now();
  if (ms <= 0) {
    p.catch(() => {}); // abandoned: its later rejection is not an unhandled one
    return Promise.reject(onTimeout());
  }
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

export class DeadlineExceededError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms`);
    this.name = 'DeadlineExceededError';
  }
}

/** `withDeadline` over a duration, rejecting with DeadlineExceededError naming `what`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return withDeadline(p, Date.now() + ms, () => new DeadlineExceededError(what, ms));
}
