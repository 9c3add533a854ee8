/**
 * Topics, partition states, ISR writes and the notification/deletion/config znodes around them
 * (reference/zk-and-controller.md §2.4–2.5, §9.2, §10.1, §10.4, §14; Kafka's KafkaZkClient + AdminZkClient).
 *
 * Fencing: controller writes take a `ControllerFence` and go through `fencedMulti` (ControllerMovedError when
 * the controller moved). Admin writes (topic creation, config changes, CreatePartitions) are not fenced, as
 * in Kafka. The leader's ISR write (`updateLeaderAndIsr`) is conditional on the state's zkVersion only.
 *
 * Deviation (version-0 trap, aesthetics.md rule 7): a partition state znode is created with create +
 * setData(any) in the same fenced multi, so it starts at zkVersion 1 (Kafka: 0) and no later conditional
 * multi ever expects version 0. Its content is identical to Kafka's.
 */
import type { TopicPartition } from '../common/topic-partition.js';
import { KafkaError } from '../common/errors.js';
import { ErrorCode } from '../protocol/error-codes.js';
import {
  BadVersionError,
  ConnectionLossError,
  NoNodeError,
  NodeExistsError,
  type ZkClient,
  type ZkOp,
  type ZkWatcher,
  zkOp,
} from './client.js';
import { fencedMulti, type ControllerFence } from './controller-election.js';
import {
  ConfigEntityChangeNotificationSequenceZNode,
  ConfigEntityChangeNotificationZNode,
  ConfigEntityTypeZNode,
  ConfigEntityZNode,
  DeleteTopicsTopicZNode,
  DeleteTopicsZNode,
  IsrChangeNotificationSequenceZNode,
  IsrChangeNotificationZNode,
  TopicPartitionStateZNode,
  TopicPartitionZNode,
  TopicPartitionsZNode,
  TopicZNode,
  TopicsZNode,
  sequenceNumber,
  type ConfigEntityType,
  type PartitionState,
  type TopicAssignment,
} from './znodes.js';

async function childrenOrEmpty(zk: ZkClient, path: string, watch?: ZkWatcher): Promise<string[]> {
  try {
    return await zk.getChildren(path, watch);
  } catch (err) {
    if (err instanceof NoNodeError) return [];
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------- topics

/** Topic names, sorted. With a watcher: one-shot child watch on /brokers/topics. */
export async function getAllTopics(zk: ZkClient, watch?: ZkWatcher): Promise<string[]> {
  return (await childrenOrEmpty(zk, TopicsZNode.path, watch)).sort();
}

export async function topicExists(zk: ZkClient, topic: string): Promise<boolean> {
  return (await zk.exists(TopicZNode.path(topic))) !== null;
}

/** Assignment + znode version, or null. With a watcher: data watch (existence watch if absent). */
export async function getTopicAssignment(
  zk: ZkClient,
  topic: string,
  watch?: ZkWatcher,
): Promise<{ assignment: TopicAssignment; zkVersion: number } | null> {
  const r = await zk.tryGetData(TopicZNode.path(topic), watch);
  return r ? { assignment: TopicZNode.decode(topic, r.data), zkVersion: r.stat.version } : null;
}

/**
 * AdminZkClient.createTopicWithAssignment: refuse an existing topic (TOPIC_ALREADY_EXISTS), write
 * /config/topics/<t> (set or create; no change notification), then create /brokers/topics/<t>.
 */
export async function createTopicAssignment(
  zk: ZkClient,
  topic: string,
  assignment: TopicAssignment,
  config: Record<string, string> = {},
): Promise<void> {
  if (await topicExists(zk, topic)) {
    throw new KafkaError(ErrorCode.TopicAlreadyExists, `Topic '${topic}' already exists.`);
  }
  await setOrCreateEntityConfig(zk, 'topics', topic, config);
  try {
    await zk.create(TopicZNode.path(topic), TopicZNode.encode(assignment), { parents: true });
  } catch (err) {
    if (err instanceof NodeExistsError) {
      throw new KafkaError(ErrorCode.TopicAlreadyExists, `Topic '${topic}' already exists.`);
    }
    throw err;
  }
}

/**
 * Rewrites /brokers/topics/<t>. With a fence (controller: reassignment, dropping partitions of a topic being
 * deleted) the write is fenced; with `null` it is the admin path (CreatePartitions), as in Kafka.
 * `expectedZkVersion` -1 = any. Returns the new zkVersion, or null on BADVERSION / NONODE.
 */
export async function setTopicAssignment(
  zk: ZkClient,
  fence: ControllerFence | null,
  topic: string,
  assignment: TopicAssignment,
  expectedZkVersion = -1,
): Promise<number | null> {
  const path = TopicZNode.path(topic);
  const data = TopicZNode.encode(assignment);
  if (fence === null) {
    try {
      return (await zk.setData(path, data, expectedZkVersion)).version;
    } catch (err) {
      if (err instanceof BadVersionError || err instanceof NoNodeError) return null;
      throw err;
    }
  }
  const r = await fencedMulti(zk, fence, [zkOp.setData(path, data, expectedZkVersion)]);
  if (r.outcome !== 'ok') return null;
  const res = r.results[0];
  return res?.type === 'setData' ? res.stat.version : null;
}

// ---------------------------------------------------------------------------------------------- partition states

export type CreateStateResult = { tp: TopicPartition; outcome: 'ok'; zkVersion: number } | { tp: TopicPartition; outcome: 'node-exists' };

/**
 * Controller (NewPartition → OnlinePartition): creates .../partitions, .../partitions/<p> (fenced, existing
 * ones are fine) and the state znode (fenced) for each partition. Per-partition outcome; ControllerMovedError
 * if fenced out.
 */
export async function createPartitionStates(
  zk: ZkClient,
  fence: ControllerFence,
  states: ReadonlyArray<{ tp: TopicPartition; state: PartitionState }>,
): Promise<CreateStateResult[]> {
  const parents = new Set<string>();
  for (const { tp } of states) {
    parents.add(TopicPartitionsZNode.path(tp.topic));
    parents.add(TopicPartitionZNode.path(tp));
  }
  // parents first (sorted, so /partitions precedes /partitions/<p>), each its own fenced create
  for (const path of [...parents].sort((a, b) => a.length - b.length || a.localeCompare(b))) {
    const r = await fencedMulti(zk, fence, [zkOp.create(path, null)]);
    if (r.outcome !== 'ok' && r.outcome !== 'node-exists') throw new NoNodeError(r.path);
  }
  return Promise.all(
    states.map(async ({ tp, state }): Promise<CreateStateResult> => {
      const path = TopicPartitionStateZNode.path(tp);
      const data = TopicPartitionStateZNode.encode(state);
      const r = await fencedMulti(zk, fence, [zkOp.create(path, data), zkOp.setData(path, data, -1)]);
      if (r.outcome === 'ok') {
        const set = r.results[1];
        return { tp, outcome: 'ok', zkVersion: set?.type === 'setData' ? set.stat.version : 1 };
      }
      if (r.outcome === 'node-exists') return { tp, outcome: 'node-exists' };
      throw new NoNodeError(r.path);
    }),
  );
}

export interface PartitionStateAndVersion {
  state: PartitionState;
  zkVersion: number;
}

/** State + zkVersion for each partition, in the order asked (`current` null when the znode is absent). */
export async function getPartitionStates(
  zk: ZkClient,
  tps: readonly TopicPartition[],
): Promise<Array<{ tp: TopicPartition; current: PartitionStateAndVersion | null }>> {
  const results = await Promise.all(tps.map((tp) => getPartitionState(zk, tp)));
  return tps.map((tp, i) => ({ tp, current: results[i] ?? null }));
}

export async function getPartitionState(
  zk: ZkClient,
  tp: TopicPartition,
  watch?: ZkWatcher,
): Promise<PartitionStateAndVersion | null> {
  const r = await zk.tryGetData(TopicPartitionStateZNode.path(tp), watch);
  return r ? { state: TopicPartitionStateZNode.decode(tp, r.data), zkVersion: r.stat.version } : null;
}

export type UpdateStateResult =
  | { tp: TopicPartition; outcome: 'ok'; zkVersion: number }
  | { tp: TopicPartition; outcome: 'bad-version' | 'no-node' };

/** Controller updates (elections, ISR removal), each fenced and conditional on its zkVersion. */
export async function updatePartitionStates(
  zk: ZkClient,
  fence: ControllerFence,
  updates: ReadonlyArray<{ tp: TopicPartition; state: PartitionState; expectedZkVersion: number }>,
): Promise<UpdateStateResult[]> {
  return Promise.all(
    updates.map(async ({ tp, state, expectedZkVersion }): Promise<UpdateStateResult> => {
      const path = TopicPartitionStateZNode.path(tp);
      const r = await fencedMulti(zk, fence, [zkOp.setData(path, TopicPartitionStateZNode.encode(state), expectedZkVersion)]);
      if (r.outcome === 'ok') {
        const set = r.results[0];
        return { tp, outcome: 'ok', zkVersion: set?.type === 'setData' ? set.stat.version : expectedZkVersion + 1 };
      }
      return { tp, outcome: r.outcome === 'no-node' ? 'no-node' : 'bad-version' };
    }),
  );
}

const sameState = (a: PartitionState, b: PartitionState): boolean =>
  a.leader === b.leader &&
  a.leaderEpoch === b.leaderEpoch &&
  a.controllerEpoch === b.controllerEpoch &&
  a.isr.length === b.isr.length &&
  a.isr.every((r, i) => r === b.isr[i]);

/**
 * The classic leader-side ISR write (§9.2): setData conditional on the cached zkVersion, NOT fenced by the
 * controller epoch. After a connection-loss retry that meets BADVERSION, Kafka's checker re-reads the znode
 * and counts the write as done when the stored state equals ours.
 */
export async function updateLeaderAndIsr(
  zk: ZkClient,
  tp: TopicPartition,
  state: PartitionState,
  expectedZkVersion: number,
): Promise<{ outcome: 'ok'; zkVersion: number } | { outcome: 'bad-version' }> {
  const path = TopicPartitionStateZNode.path(tp);
  const data = TopicPartitionStateZNode.encode(state);
  let retried = false;
  for (;;) {
    try {
      const stat = await zk.setData(path, data, expectedZkVersion);
      return { outcome: 'ok', zkVersion: stat.version };
    } catch (err) {
      if (err instanceof ConnectionLossError) {
        retried = true;
        await zk.waitUntilConnected();
        continue;
      }
      if (err instanceof BadVersionError || err instanceof NoNodeError) {
        if (retried) {
          const cur = await getPartitionState(zk, tp);
          if (cur && sameState(cur.state, state)) return { outcome: 'ok', zkVersion: cur.zkVersion };
        }
        return { outcome: 'bad-version' };
      }
      throw err;
    }
  }
}

// ---------------------------------------------------------------------------------------------- ISR notifications

/** Leader: posts /isr_change_notification/isr_change_<seq>; returns the child name. */
export async function createIsrChangeNotification(zk: ZkClient, tps: readonly TopicPartition[]): Promise<string> {
  const path = await zk.create(
    IsrChangeNotificationSequenceZNode.createPath,
    IsrChangeNotificationSequenceZNode.encode([...tps]),
    { mode: 'persistent-sequential', parents: true },
  );
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Child names sorted by sequence. With a watcher: one-shot child watch. */
export async function getIsrChangeNotificationNames(zk: ZkClient, watch?: ZkWatcher): Promise<string[]> {
  const names = await childrenOrEmpty(zk, IsrChangeNotificationZNode.path, watch);
  const prefix = IsrChangeNotificationSequenceZNode.prefix;
  return names
    .filter((n) => n.startsWith(prefix))
    .sort((a, b) => sequenceNumber(a, prefix) - sequenceNumber(b, prefix));
}

/** Arms the child watch and returns the current names (controller failover / IsrChangeNotification event). */
export function watchIsrChangeNotifications(zk: ZkClient, watch: ZkWatcher): Promise<string[]> {
  return getIsrChangeNotificationNames(zk, watch);
}

/** Reads notifications (all, or the given names); vanished ones are skipped. */
export async function getIsrChangeNotifications(
  zk: ZkClient,
  names?: readonly string[],
): Promise<Array<{ name: string; sequence: number; partitions: TopicPartition[] }>> {
  const list = names ?? (await getIsrChangeNotificationNames(zk));
  const prefix = IsrChangeNotificationSequenceZNode.prefix;
  const read = await Promise.all(list.map((n) => zk.tryGetData(IsrChangeNotificationSequenceZNode.path(n))));
  const out: Array<{ name: string; sequence: number; partitions: TopicPartition[] }> = [];
  list.forEach((name, i) => {
    const r = read[i];
    if (r) out.push({ name, sequence: sequenceNumber(name, prefix), partitions: IsrChangeNotificationSequenceZNode.decode(name, r.data) });
  });
  return out;
}

/** Controller: deletes processed notifications (fenced; already-gone ones are fine). */
export async function deleteIsrChangeNotifications(zk: ZkClient, fence: ControllerFence, names: readonly string[]): Promise<void> {
  await deleteChildrenFenced(zk, fence, names.map((n) => IsrChangeNotificationSequenceZNode.path(n)));
}

async function deleteChildrenFenced(zk: ZkClient, fence: ControllerFence, paths: readonly string[]): Promise<void> {
  await Promise.all(
    paths.map(async (path) => {
      const r = await fencedMulti(zk, fence, [zkOp.delete(path, -1)]);
      if (r.outcome !== 'ok' && r.outcome !== 'no-node') throw new Error(`deleting ${path}: ${r.outcome}`);
    }),
  );
}

// ---------------------------------------------------------------------------------------------- deletion

/** Admin side of DeleteTopics: creates /admin/delete_topics/<t>. UNKNOWN_TOPIC_OR_PARTITION if no topic. */
export async function markTopicForDeletion(zk: ZkClient, topic: string): Promise<void> {
  if (!(await topicExists(zk, topic))) {
    throw new KafkaError(ErrorCode.UnknownTopicOrPartition, `Topic ${topic} does not exist`);
  }
  try {
    await zk.create(DeleteTopicsTopicZNode.path(topic), null, { parents: true });
  } catch (err) {
    if (!(err instanceof NodeExistsError)) throw err; // already marked: success
  }
}

/** Topics marked for deletion, sorted. With a watcher: one-shot child watch. */
export async function getTopicDeletions(zk: ZkClient, watch?: ZkWatcher): Promise<string[]> {
  return (await childrenOrEmpty(zk, DeleteTopicsZNode.path, watch)).sort();
}

export async function deleteTopicDeletionMarkers(zk: ZkClient, fence: ControllerFence, topics: readonly string[]): Promise<void> {
  await deleteChildrenFenced(zk, fence, topics.map((t) => DeleteTopicsTopicZNode.path(t)));
}

async function subtree(zk: ZkClient, path: string): Promise<string[]> {
  const children = await childrenOrEmpty(zk, path);
  const nested = await Promise.all(children.map((c) => subtree(zk, `${path}/${c}`)));
  return [...nested.flat(), path]; // post-order: children before parent
}

/**
 * Controller, deletion complete (§10.4 step 5): deletes /brokers/topics/<t> recursively, /config/topics/<t>
 * and /admin/delete_topics/<t>, each fenced.
 */
export async function deleteTopicZNodes(zk: ZkClient, fence: ControllerFence, topic: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const root = TopicZNode.path(topic);
    const paths = (await zk.exists(root)) ? await subtree(zk, root) : [];
    if (paths.length === 0) break;
    const r = await fencedMulti(zk, fence, paths.map((p): ZkOp => zkOp.delete(p, -1)));
    if (r.outcome === 'ok') break;
    if (attempt >= 3) throw new Error(`deleting topic ${topic} znodes: ${r.outcome} at ${r.path}`);
  }
  await deleteChildrenFenced(zk, fence, [ConfigEntityZNode.path('topics', topic), DeleteTopicsTopicZNode.path(topic)]);
}

// ---------------------------------------------------------------------------------------------- configs (§14)

/** /config/<type>/<name> content ({} when absent or empty). */
export async function getEntityConfig(zk: ZkClient, type: ConfigEntityType, name: string): Promise<Record<string, string>> {
  const path = ConfigEntityZNode.path(type, name);
  const r = await zk.tryGetData(path);
  return r ? ConfigEntityZNode.decode(path, r.data) : {};
}

/** AdminZkClient.fetchAllEntityConfigs: every /config/<type>/<name> (names as stored, i.e. sanitized). */
export async function getAllEntityConfigs(zk: ZkClient, type: ConfigEntityType): Promise<Map<string, Record<string, string>>> {
  const names = await childrenOrEmpty(zk, ConfigEntityTypeZNode.path(type));
  const configs = await Promise.all(names.map((n) => getEntityConfig(zk, type, n)));
  return new Map(names.map((n, i) => [n, configs[i]!]));
}

/** Kafka's setOrCreateEntityConfigs: setData with any version, create (with parents) on NONODE. */
export async function setOrCreateEntityConfig(
  zk: ZkClient,
  type: ConfigEntityType,
  name: string,
  config: Record<string, string>,
): Promise<void> {
  const path = ConfigEntityZNode.path(type, name);
  const data = ConfigEntityZNode.encode(config);
  for (;;) {
    try {
      await zk.setData(path, data, -1);
      return;
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
    }
    try {
      await zk.create(path, data, { parents: true });
      return;
    } catch (err) {
      if (!(err instanceof NodeExistsError)) throw err;
    }
  }
}

/** AdminZkClient.changeEntityConfig: write the entity, then post /config/changes/config_change_<seq>. */
export async function changeEntityConfig(
  zk: ZkClient,
  type: ConfigEntityType,
  name: string,
  config: Record<string, string>,
): Promise<string> {
  await setOrCreateEntityConfig(zk, type, name, config);
  const path = await zk.create(
    ConfigEntityChangeNotificationSequenceZNode.createPath,
    ConfigEntityChangeNotificationSequenceZNode.encode(`${type}/${name}`),
    { mode: 'persistent-sequential', parents: true },
  );
  return path.slice(path.lastIndexOf('/') + 1);
}

export interface ConfigChangeNotification {
  name: string;
  sequence: number;
  /** e.g. "topics/my-topic" */
  entityPath: string;
  /** ms; notifications older than 15 min are purged by brokers */
  ctime: number;
}

/** Config change notifications sorted by sequence. With a watcher: one-shot child watch on /config/changes. */
export async function getConfigChangeNotifications(zk: ZkClient, watch?: ZkWatcher): Promise<ConfigChangeNotification[]> {
  const prefix = ConfigEntityChangeNotificationSequenceZNode.prefix;
  const names = (await childrenOrEmpty(zk, ConfigEntityChangeNotificationZNode.path, watch)).filter((n) => n.startsWith(prefix));
  const read = await Promise.all(names.map((n) => zk.tryGetData(ConfigEntityChangeNotificationSequenceZNode.path(n))));
  const out: ConfigChangeNotification[] = [];
  names.forEach((name, i) => {
    const r = read[i];
    if (!r) return;
    out.push({
      name,
      sequence: sequenceNumber(name, prefix),
      entityPath: ConfigEntityChangeNotificationSequenceZNode.decode(name, r.data),
      ctime: r.stat.ctime,
    });
  });
  return out.sort((a, b) => a.sequence - b.sequence);
}
