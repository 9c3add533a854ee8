/**
 * Whether a container engine answers (testcontainers' own runtime probe, ~0.4 s when none does).
 * Container suites skip with one clear line without one, and fail when REQUIRE_DOCKER=1 (a CI that must
 * not skip silently).
 */
import { getContainerRuntimeClient } from 'testcontainers';

export const requireDocker = process.env.REQUIRE_DOCKER === '1';

export const dockerAvailable: boolean = await getContainerRuntimeClient().then(
  () => true,
  () => false,
);

/** Logs the one skip line; returns whether the suite runs. */
export function containerSuiteRuns(name: string): boolean {
  if (dockerAvailable) return true;
  if (requireDocker) return true; // runs, and fails on the missing engine
  console.warn(`${name}: skipped — no Docker engine answers (set REQUIRE_DOCKER=1 to fail instead)`);
  return false;
}
