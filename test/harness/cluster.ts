/**
 * The project's integration tests use the public harness (`gregor/testing`, src/testing/) — this only points it
 * at the test run's shared ZooKeeper (zookeeper-global.ts), each cluster in a chroot of its own, unless the test
 * asks for an ensemble (or a ZooKeeper) of its own.
 */
import { startCluster as start, type Cluster, type StartClusterOptions } from '../../src/testing/index.js';
import { zkServers } from './zookeeper.js';

export type { Cluster, StartClusterOptions };

export function startCluster(opts: StartClusterOptions = {}): Promise<Cluster> {
  const own = opts.ensemble !== undefined || opts.zookeeperConnect !== undefined;
  return start(own ? opts : { ...opts, zookeeperConnect: zkServers() });
}
