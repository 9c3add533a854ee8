import { defineConfig } from 'vitest/config';

// Coordination tests wait for real timeouts (ZooKeeper sessions, replica lag): give them room.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 },
});
