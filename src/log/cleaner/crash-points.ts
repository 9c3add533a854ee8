/**
 * Test-only crash points of a cleaning pass, so the fault tests can kill -9 a broker between any
 * two steps of a segment swap and check what recovery makes of the files. Inert unless the
 * process was started with GREGOR_TEST_CLEANER_CRASH=<step>[:<topic>]; then, the first time the
 * cleaner reaches that step (for that topic), the process SIGKILLs itself.
 *
 * Steps, in order: `cleaned` (the `.cleaned` segment is written and flushed), `swap` (renamed to
 * `.swap`), `deleted` (the replaced segments renamed to `.deleted`), `renamed` (the `.swap` files
 * took their final names; the cleaner checkpoint is not yet written).
 */
export type CrashStep = 'cleaned' | 'swap' | 'deleted' | 'renamed';

const SPEC = process.env.GREGOR_TEST_CLEANER_CRASH ?? '';

export function crashPoint(step: CrashStep, topic: string): void {
  if (SPEC === '') return;
  const [wantedStep, wantedTopic] = SPEC.split(':');
  if (wantedStep !== step || (wantedTopic !== undefined && wantedTopic !== topic)) return;
  process.kill(process.pid, 'SIGKILL');
}
