/**
 * KafkaZkClient: the typed ZooKeeper operations the broker, controller and coordinators use (after Kafka 2.7's
 * KafkaZkClient/AdminZkClient). Split by concept; this class is the one object callers hold:
 * - broker-registration.ts: /brokers/ids, /brokers/seqid (broker epoch = czxid, KAFKA-7165 handling)
 * - controller-election.ts: /controller, /controller_epoch, `ControllerFence`, `ControllerMovedError`
 * - topic-store.ts: topics, partition states, ISR writes, ISR notifications, deletion markers, configs
 * - consumer-offsets.ts: /consumers/<group>/offsets (+ our metadata sidecar)
 * Here: top-level paths, cluster id, producer-id blocks, log-dir events, and the delegating methods.
 *
 * Watch methods arm ONE-SHOT watches and return what they read under the watch; callbacks must only
 * enqueue an event, and the handler re-reads (which re-arms). Watches are lost on session expiry: rebuild
 * after `zk.on('reinitialized')` / a state-change handler.
 */
import { randomUUID } from 'node:crypto';
import type { TopicPartition } from '../common/topic-partition.js';
import { BadVersionError, ConnectionLossError, NoNodeError, NodeExistsError, SessionExpiredError, ZkClient, type ZkClientOptions, type ZkWatcher } from './client.js';
import * as brokers from './broker-registration.js';
import * as election from './controller-election.js';
import * as offsets from './consumer-offsets.js';
import * as topics from './topic-store.js';
import {
  ClusterIdZNode,
  DEFAULT_CONFIG_ENTITY,
  LogDirEventNotificationSequenceZNode,
  PRODUCER_ID_BLOCK_SIZE,
  ProducerIdBlockZNode,
  TOP_LEVEL_PATHS,
  type BrokerInfo,
  type ConfigEntityType,
  type PartitionState,
  type ProducerIdBlock,
  type TopicAssignment,
} from './znodes.js';

export type { BrokerAndEpoch, RegisterBrokerOptions } from './broker-registration.js';
export { ControllerMovedError, type ControllerFence, type ElectionResult } from './controller-election.js';
export type { CommittedOffset, OffsetToCommit } from './consumer-offsets.js';
export type { ConfigChangeNotification, CreateStateResult, PartitionStateAndVersion, UpdateStateResult } from './topic-store.js';

/** Kafka's CoreUtils.generateUuidAsBase64: a random UUID as 22 url-safe base64 characters. */
export function generateClusterId(): string {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
}

export class KafkaZkClient {
  constructor(readonly zk: ZkClient) {}

  /** Connects (creating the chroot) and wraps the client. */
  static async connect(opts: ZkClientOptions): Promise<KafkaZkClient> {
    return new KafkaZkClient(await ZkClient.connect(opts));
  }

  close(): Promise<void> {
    return this.zk.close();
  }

  // ------------------------------------------------------------------------------------------ startup

  /** The persistent paths every Kafka 2.7 broker creates at startup (§2.1), null data. */
  async createTopLevelPaths(): Promise<void> {
    for (const p of TOP_LEVEL_PATHS) await this.zk.mkdirp(p);
  }

  async getClusterId(): Promise<string | null> {
    const r = await this.zk.tryGetData(ClusterIdZNode.path);
    return r ? ClusterIdZNode.decode(r.data) : null;
  }

  /** Reads /cluster/id, creating it with `proposedId` if absent; a lost race returns the winner's id. */
  async getOrCreateClusterId(proposedId: string = generateClusterId()): Promise<string> {
    const existing = await this.getClusterId();
    if (existing !== null) return existing;
    try {
      await this.zk.create(ClusterIdZNode.path, ClusterIdZNode.encode(proposedId), { parents: true });
      return proposedId;
    } catch (err) {
      if (!(err instanceof NodeExistsError)) throw err;
      const winner = await this.getClusterId();
      if (winner === null) throw err;
      return winner;
    }
  }

  // ------------------------------------------------------------------------------------------ brokers

  registerBroker(info: BrokerInfo, opts?: brokers.RegisterBrokerOptions): Promise<number> {
    return brokers.registerBroker(this.zk, info, opts);
  }
  reregisterBroker(info: BrokerInfo, stopped: () => boolean, onRetry: (err: unknown) => void): Promise<number | null> {
    return brokers.reregisterBroker(this.zk, info, stopped, onRetry);
  }
  generateBrokerId(reservedBrokerMaxId = 1000): Promise<number> {
    return brokers.generateBrokerId(this.zk, reservedBrokerMaxId);
  }
  getAllBrokers(): Promise<brokers.BrokerAndEpoch[]> {
    return brokers.getAllBrokers(this.zk);
  }
  getBroker(id: number, watch?: ZkWatcher): Promise<brokers.BrokerAndEpoch | null> {
    return brokers.getBroker(this.zk, id, watch);
  }
  getBrokerIds(): Promise<number[]> {
    return brokers.getBrokerIds(this.zk);
  }
  /** One-shot child watch on /brokers/ids; returns the sorted ids read under it. */
  watchBrokers(cb: ZkWatcher): Promise<number[]> {
    return brokers.getBrokerIds(this.zk, cb);
  }
  /** One-shot data watch on /brokers/ids/<id> (BrokerModifications); returns its registration. */
  watchBroker(id: number, cb: ZkWatcher): Promise<brokers.BrokerAndEpoch | null> {
    return brokers.getBroker(this.zk, id, cb);
  }

  // ------------------------------------------------------------------------------------------ controller

  tryElectController(brokerId: number): Promise<election.ElectionResult> {
    return election.tryElectController(this.zk, brokerId);
  }
  getControllerId(): Promise<number> {
    return election.getControllerId(this.zk);
  }
  getControllerEpoch(): Promise<{ epoch: number; zkVersion: number } | null> {
    return election.getControllerEpoch(this.zk);
  }
  watchController(cb: ZkWatcher): Promise<number> {
    return election.watchController(this.zk, cb);
  }
  deleteControllerFenced(fence: election.ControllerFence): Promise<void> {
    return election.deleteControllerFenced(this.zk, fence);
  }
  resignController(brokerId: number): Promise<boolean> {
    return election.resignController(this.zk, brokerId);
  }
  fencedMulti(fence: election.ControllerFence, ops: Parameters<typeof election.fencedMulti>[2]) {
    return election.fencedMulti(this.zk, fence, ops);
  }

  // ------------------------------------------------------------------------------------------ topics

  getAllTopics(): Promise<string[]> {
    return topics.getAllTopics(this.zk);
  }
  watchTopics(cb: ZkWatcher): Promise<string[]> {
    return topics.getAllTopics(this.zk, cb);
  }
  topicExists(topic: string): Promise<boolean> {
    return topics.topicExists(this.zk, topic);
  }
  getTopicAssignment(topic: string, watch?: ZkWatcher) {
    return topics.getTopicAssignment(this.zk, topic, watch);
  }
  createTopicAssignment(topic: string, assignment: TopicAssignment, config?: Record<string, string>): Promise<void> {
    return topics.createTopicAssignment(this.zk, topic, assignment, config);
  }
  setTopicAssignment(
    fence: election.ControllerFence | null,
    topic: string,
    assignment: TopicAssignment,
    expectedZkVersion = -1,
  ): Promise<number | null> {
    return topics.setTopicAssignment(this.zk, fence, topic, assignment, expectedZkVersion);
  }
  createPartitionStates(fence: election.ControllerFence, states: ReadonlyArray<{ tp: TopicPartition; state: PartitionState }>) {
    return topics.createPartitionStates(this.zk, fence, states);
  }
  getPartitionStates(tps: readonly TopicPartition[]) {
    return topics.getPartitionStates(this.zk, tps);
  }
  getPartitionState(tp: TopicPartition, watch?: ZkWatcher) {
    return topics.getPartitionState(this.zk, tp, watch);
  }
  updatePartitionStates(
    fence: election.ControllerFence,
    updates: ReadonlyArray<{ tp: TopicPartition; state: PartitionState; expectedZkVersion: number }>,
  ) {
    return topics.updatePartitionStates(this.zk, fence, updates);
  }
  updateLeaderAndIsr(tp: TopicPartition, state: PartitionState, expectedZkVersion: number) {
    return topics.updateLeaderAndIsr(this.zk, tp, state, expectedZkVersion);
  }
  createIsrChangeNotification(tps: readonly TopicPartition[]): Promise<string> {
    return topics.createIsrChangeNotification(this.zk, tps);
  }
  getIsrChangeNotifications(names?: readonly string[]) {
    return topics.getIsrChangeNotifications(this.zk, names);
  }
  deleteIsrChangeNotifications(fence: election.ControllerFence, names: readonly string[]): Promise<void> {
    return topics.deleteIsrChangeNotifications(this.zk, fence, names);
  }
  watchIsrChangeNotifications(cb: ZkWatcher): Promise<string[]> {
    return topics.watchIsrChangeNotifications(this.zk, cb);
  }
  markTopicForDeletion(topic: string): Promise<void> {
    return topics.markTopicForDeletion(this.zk, topic);
  }
  getTopicDeletions(): Promise<string[]> {
    return topics.getTopicDeletions(this.zk);
  }
  watchTopicDeletions(cb: ZkWatcher): Promise<string[]> {
    return topics.getTopicDeletions(this.zk, cb);
  }
  deleteTopicDeletionMarkers(fence: election.ControllerFence, names: readonly string[]): Promise<void> {
    return topics.deleteTopicDeletionMarkers(this.zk, fence, names);
  }
  deleteTopicZNodes(fence: election.ControllerFence, topic: string): Promise<void> {
    return topics.deleteTopicZNodes(this.zk, fence, topic);
  }

  // ------------------------------------------------------------------------------------------ configs

  getTopicConfig(topic: string): Promise<Record<string, string>> {
    return topics.getEntityConfig(this.zk, 'topics', topic);
  }
  /** AlterConfigs on a topic: write /config/topics/<t> and post a change notification. */
  changeTopicConfig(topic: string, config: Record<string, string>): Promise<string> {
    return topics.changeEntityConfig(this.zk, 'topics', topic, config);
  }
  /** Broker id or `<default>` */
  getBrokerConfig(entity: number | typeof DEFAULT_CONFIG_ENTITY): Promise<Record<string, string>> {
    return topics.getEntityConfig(this.zk, 'brokers', String(entity));
  }
  getEntityConfig(type: ConfigEntityType, name: string): Promise<Record<string, string>> {
    return topics.getEntityConfig(this.zk, type, name);
  }
  /** Names of the entities of a type that have a config znode (kafka-configs --describe without a name). */
  async getEntityNames(type: ConfigEntityType): Promise<string[]> {
    return (await this.zk.exists(`/config/${type}`)) ? (await this.zk.getChildren(`/config/${type}`)).sort() : [];
  }
  changeEntityConfig(type: ConfigEntityType, name: string, config: Record<string, string>): Promise<string> {
    return topics.changeEntityConfig(this.zk, type, name, config);
  }
  /** Every entity of a type with its config, by (sanitized) znode name. */
  getAllEntityConfigs(type: ConfigEntityType): Promise<Map<string, Record<string, string>>> {
    return topics.getAllEntityConfigs(this.zk, type);
  }
  getConfigChangeNotifications(watch?: ZkWatcher) {
    return topics.getConfigChangeNotifications(this.zk, watch);
  }

  // ------------------------------------------------------------------------------------------ consumer offsets

  commitOffsets(group: string, list: readonly offsets.OffsetToCommit[]): Promise<void> {
    return offsets.commitOffsets(this.zk, group, list);
  }
  fetchOffsets(group: string, tps?: readonly TopicPartition[]): Promise<offsets.CommittedOffset[]> {
    return offsets.fetchOffsets(this.zk, group, tps);
  }

  // ------------------------------------------------------------------------------------------ misc

  /** Posts /log_dir_event_notification/log_dir_event_<seq> for this broker (LogDirFailure). */
  async createLogDirEventNotification(brokerId: number): Promise<string> {
    const path = await this.zk.create(
      LogDirEventNotificationSequenceZNode.createPath,
      LogDirEventNotificationSequenceZNode.encode(brokerId),
      { mode: 'persistent-sequential', parents: true },
    );
    return path.slice(path.lastIndexOf('/') + 1);
  }

  /**
   * Claims the next block of producer ids (§13): read data+zkVersion, compute [end+1, end+size] (or [0, size-1]
   * on first use), conditional setData; loop on BADVERSION, so two brokers never get the same block. After a
   * connection loss (or session expiry) the write may or may not have happened: read again, and if the znode
   * holds exactly our block the claim succeeded (Kafka's checker function), else claim anew.
   * Plain setData handles an expected version of 0 (only multi-ops have the version-0 trap).
   */
  async claimProducerIdBlock(brokerId: number, blockSize = PRODUCER_ID_BLOCK_SIZE): Promise<ProducerIdBlock> {
    for (;;) {
      const cur = await this.zk.tryGetData(ProducerIdBlockZNode.path);
      const prev = cur ? ProducerIdBlockZNode.decode(cur.data) : null;
      const start = prev ? prev.blockEnd + 1 : 0;
      const block = { brokerId, blockStart: start, blockEnd: start + blockSize - 1 };
      if (!Number.isSafeInteger(block.blockEnd)) throw new Error('producer id space exhausted');
      try {
        if (cur) await this.zk.setData(ProducerIdBlockZNode.path, ProducerIdBlockZNode.encode(block), cur.stat.version);
        else await this.zk.create(ProducerIdBlockZNode.path, ProducerIdBlockZNode.encode(block), { parents: true });
        return block;
      } catch (err) {
        if (err instanceof ConnectionLossError || err instanceof SessionExpiredError) {
          const now = await this.zk.tryGetData(ProducerIdBlockZNode.path);
          if (now && now.data && now.data.equals(ProducerIdBlockZNode.encode(block))) return block;
          continue;
        }
        if (!(err instanceof BadVersionError) && !(err instanceof NodeExistsError) && !(err instanceof NoNodeError)) throw err;
      }
    }
  }
}
