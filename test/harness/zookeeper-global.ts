/**
 * vitest globalSetup for the `integration` project: starts ONE real ZooKeeper per test run (the harness's
 * standalone server, src/testing/zookeeper.ts: Debian's jar on the machine's Java, free loopback port, registered
 * with the janitor so that it dies with the run) and provides its connect string as `inject('zkConnect')`. Each
 * test file isolates itself with its own chroot (test/harness/zookeeper.ts, cluster.ts).
 *
 * `GREGOR_TEST_ZK_CONNECT=host:port[,...]` uses an existing ZooKeeper/ensemble instead (nothing is started;
 * `zkPid` is then -1).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { Janitor } from '../../src/testing/janitor.js';
import { ZooKeeper } from '../../src/testing/zookeeper.js';

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
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gregor-test-zk-'));
  Janitor.trackPath(dir);
  const server = await ZooKeeper.start({ size: 1, dir });
  project.provide('zkConnect', server.connectString);
  project.provide('zkPid', server.members[0]?.pid ?? -1);
  return async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
    Janitor.untrackPath(dir);
  };
}
