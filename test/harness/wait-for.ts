/** Poll-until with a timeout and a descriptive failure (aesthetics.md §7.7). */

export interface WaitForOptions {
  /** What we are waiting for, used in the failure message ("broker 1 registered"). */
  what: string;
  timeoutMs?: number; // default 10000
  intervalMs?: number; // default 50
}

/**
 * Calls `fn` until it returns a value other than false/null/undefined without throwing, and returns that
 * value. On timeout throws `timed out after N ms waiting for <what>` with the last error or value.
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  opts: WaitForOptions,
): Promise<Exclude<T, false | null | undefined>> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let last: string = 'never called';
  for (;;) {
    try {
      const value = await fn();
      if (value !== false && value !== null && value !== undefined) {
        return value as Exclude<T, false | null | undefined>;
      }
      last = `last value: ${String(value)}`;
    } catch (err) {
      last = `last error: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what} (${last})`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
