/**
 * Test-only storage hooks for the fault catalogue (reliability.md §6.5 F13, F15), driven by environment variables
 * read once at startup; when they are unset (always, outside fault tests) each hook is one boolean check.
 *
 * - GREGOR_CRASH_AT=<point>[:<n>]: the broker SIGKILLs itself the n-th time (default 1st) it reaches <point>:
 *     roll:after-log-create      a new segment's .log exists, its indexes do not yet
 *     roll:after-index-create    the new segment's files exist, the log has not switched to it
 *     checkpoint:before-rename   a checkpoint's .tmp is written and fsynced, not yet renamed over the old one
 *     append:torn                half of a batch is written to the segment (a torn trailing write)
 * - GREGOR_SYNC_JOURNAL=<file>: after every fsync of a segment's .log, `<path>\t<bytes>` is appended to <file>:
 *   the bytes known durable. A simulated power cut (kill -9, then each .log cut back to a random length at or
 *   above its last journaled size) drops exactly what an OS crash may drop.
 */
import { appendFileSync } from 'node:fs';

export type CrashPoint = 'roll:after-log-create' | 'roll:after-index-create' | 'checkpoint:before-rename' | 'append:torn';

function parseCrashAt(spec: string | undefined): { point: string; at: number } | null {
  if (!spec) return null;
  const [point, n] = spec.split(/:(?=\d+$)/);
  return { point: point ?? '', at: Math.max(1, Number(n ?? 1) || 1) };
}

const crashAt = parseCrashAt(process.env.GREGOR_CRASH_AT);
const syncJournal = process.env.GREGOR_SYNC_JOURNAL || null;
let hits = 0;

/**
 * Counts a pass through `point`; true when this pass is the one GREGOR_CRASH_AT names. Callers that must prepare
 * the crash (a torn write: half a batch first) ask this, then call `crashNow()`.
 */
export function crashDue(point: CrashPoint): boolean {
  if (crashAt === null || crashAt.point !== point) return false;
  return ++hits >= crashAt.at;
}

/** SIGKILL, like a power cut or kill -9. */
export function crashNow(): void {
  process.kill(process.pid, 'SIGKILL');
}

/** Dies here when GREGOR_CRASH_AT names this point and its count is reached. */
export function crashPoint(point: CrashPoint): void {
  if (crashDue(point)) crashNow();
}

/** Records that the first `bytes` of `path` are durable (GREGOR_SYNC_JOURNAL). */
export function journalSync(path: string, bytes: number): void {
  if (syncJournal !== null) appendFileSync(syncJournal, `${path}\t${bytes}\n`);
}
