import { defineConfig } from 'vitest/config';

// Three projects: fast unit tests (no processes), integration tests that start a real ZooKeeper (one per run,
// shared through globalSetup; each file uses its own chroot), and the fault catalogue (test/faults: K rounds per
// row, `npm run test:faults`). Run together (.ci/run's `npm run test:ci`) they go one after the other, in that
// order (groupOrder 0, 1, 2): the integration files and the fault rounds are timing-sensitive and get the machine
// to themselves.
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    reporters: ['default', './test/harness/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['./test/harness/zookeeper-global.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          globalSetup: ['./test/harness/zookeeper-global.ts'],
          testTimeout: 900_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
