/**
 * vitest globalSetup for the `integration` project: starts ONE real ZooKeeper per test run (Debian jar on the
 * machine's Java, src/zk/server-process.ts) on a free loopback port and provides its connect string as
 * `inject('zkConnect')`. Each test file isolates itself with its own chroot (test/harness/zookeeper.ts).
 *
 * `GREGOR_TEST_ZK_CONNECT=host:port[,...]` uses an existing ZooKeeper/ensemble instead (nothing is started;
 * `zkPid` is then -1).
 */
import type { TestProject } from 'vitest/node';
import { startZooKeeper, type ZooKeeperServer } from '../../src/zk/server-process.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `host:port` of the run's ZooKeeper, without chroot */
    zkConnect: string;
    /** PID of the ZooKeeper we started (-1 for an external one) */
    zkPid: number;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.GREGOR_TEST_ZK_CONNECT;
  if (external) {
    project.provide('zkConnect', external);
    project.provide('zkPid', -1);
    return async () => {};
  }
  const quiet = { info: () => {}, warn: (obj: object, msg: string) => console.warn(msg, obj) };
  const server: ZooKeeperServer = await startZooKeeper({
    tickTimeMs: 500,
    minSessionTimeoutMs: 1000,
    maxSessionTimeoutMs: 60000,
    log: quiet,
  });
  project.provide('zkConnect', server.connectString);
  project.provide('zkPid', server.pid);
  return async () => {
    await server.stop({ removeData: true });
  };
}
