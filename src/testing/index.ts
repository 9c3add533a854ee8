/**
 * `gregor/testing`: a ZooKeeper-mode gregor cluster for integration tests (vitest, jest, plain Node), with
 * faults as one-line calls and a coordination timeline. See README "Using gregor in your tests".
 */
export { Cluster, startCluster, type BrokerHandle, type StartClusterOptions, type StartupTimings } from './cluster.js';
export type { WaitOptions } from './cluster-views.js';
export type { ListenerSecurityOptions, Props, PropValue, SecurityProtocol } from './broker-node.js';
export { BrokerProcess, type ExitStatus } from './broker-process.js';
export { tmpfsUnavailable } from './disk.js';
export type { CutOptions, DelayOptions, DirectionState, LinkState } from './link.js';
export type { ZkLinkOptions } from './network.js';
export { Timeline, type TimelineEvent, type TimelineSource, type WaitForEventOptions } from './timeline.js';
export { ZooKeeper, ZooKeeperMember, type ZooKeeperMode } from './zookeeper.js';
