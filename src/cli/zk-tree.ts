/**
 * `gregor zk-tree [--zookeeper host:port[/chroot]] [--json]`: a read-only picture of the cluster as ZooKeeper
 * holds it (Kafka 2.7 layout) — cluster id, controller and controller epoch, registered brokers with their
 * epochs, topics with replica assignments and partition states, pending deletions/ISR notifications, and
 * consumer groups with members and committed offsets. Run it in a loop to watch a failover:
 * `watch -n1 npx gregor zk-tree`. Nothing is written (a missing chroot is reported, not created).
 */
import { endPointToString } from '../config/listeners.js';
import { ZkClient, parseConnectString } from '../zk/client.js';
import { KafkaZkClient } from '../zk/kafka-zk-client.js';
import { listConsumerGroups } from '../zk/consumer-offsets.js';
import { DeleteTopicsZNode, IsrChangeNotificationZNode, ReassignPartitionsZNode, PreferredReplicaElectionZNode } from '../zk/znodes.js';

export interface ZkTreePartition {
  partition: number;
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
  /** null when the state znode does not exist (yet) */
  leader: number | null;
  leaderEpoch: number | null;
  isr: number[] | null;
  controllerEpoch: number | null;
  zkVersion: number | null;
}

export interface ZkTree {
  zookeeper: string;
  clusterId: string | null;
  controller: { brokerId: number; epoch: number | null; epochZkVersion: number | null };
  brokers: Array<{ id: number; endpoints: string[]; rack: string | null; epoch: number; registeredAt: number | null }>;
  topics: Array<{ topic: string; config: Record<string, string>; partitions: ZkTreePartition[] }>;
  topicsPendingDeletion: string[];
  isrChangeNotifications: string[];
  reassignmentInProgress: boolean;
  preferredElectionInProgress: boolean;
  consumers: Array<{ group: string; members: string[]; offsets: Array<{ topic: string; partition: number; offset: number }> }>;
}

async function children(zk: ZkClient, path: string): Promise<string[]> {
  return (await zk.exists(path)) ? (await zk.getChildren(path).catch(() => [] as string[])).sort() : [];
}

/** Reads everything the tree shows. Znodes vanishing while we read are shown as absent. */
export async function readZkTree(kzk: KafkaZkClient, connect: string): Promise<ZkTree> {
  const zk = kzk.zk;
  const [clusterId, controllerId, controllerEpoch, brokers, topicNames] = await Promise.all([
    kzk.getClusterId(),
    kzk.getControllerId(),
    kzk.getControllerEpoch(),
    kzk.getAllBrokers(),
    kzk.getAllTopics(),
  ]);
  const topics = await Promise.all(
    topicNames.map(async (topic) => {
      const [assigned, config] = await Promise.all([
        kzk.getTopicAssignment(topic),
        kzk.getTopicConfig(topic).catch(() => ({}) as Record<string, string>),
      ]);
      const parts = [...(assigned?.assignment.entries() ?? [])].sort((a, b) => a[0] - b[0]);
      const states = await kzk.getPartitionStates(parts.map(([partition]) => ({ topic, partition })));
      const partitions: ZkTreePartition[] = parts.map(([partition, a], i) => {
        const cur = states[i]?.current ?? null;
        return {
          partition,
          replicas: a.replicas,
          addingReplicas: a.addingReplicas,
          removingReplicas: a.removingReplicas,
          leader: cur?.state.leader ?? null,
          leaderEpoch: cur?.state.leaderEpoch ?? null,
          isr: cur?.state.isr ?? null,
          controllerEpoch: cur?.state.controllerEpoch ?? null,
          zkVersion: cur?.zkVersion ?? null,
        };
      });
      return { topic, config, partitions };
    }),
  );
  const groups = await listConsumerGroups(zk);
  const consumers = await Promise.all(
    groups.map(async (group) => {
      const [members, offsets] = await Promise.all([children(zk, `/consumers/${group}/ids`), kzk.fetchOffsets(group)]);
      return { group, members, offsets: offsets.map((c) => ({ topic: c.topic, partition: c.partition, offset: c.offset })) };
    }),
  );
  const [pendingDeletion, isrNotifications, reassign, preferred] = await Promise.all([
    children(zk, DeleteTopicsZNode.path),
    children(zk, IsrChangeNotificationZNode.path),
    zk.exists(ReassignPartitionsZNode.path),
    zk.exists(PreferredReplicaElectionZNode.path),
  ]);
  return {
    zookeeper: connect,
    clusterId,
    controller: { brokerId: controllerId, epoch: controllerEpoch?.epoch ?? null, epochZkVersion: controllerEpoch?.zkVersion ?? null },
    brokers: brokers.map((b) => ({
      id: b.id,
      endpoints: b.endpoints.map(endPointToString),
      rack: b.rack,
      epoch: b.epoch,
      registeredAt: b.timestamp,
    })),
    topics,
    topicsPendingDeletion: pendingDeletion,
    isrChangeNotifications: isrNotifications,
    reassignmentInProgress: reassign !== null,
    preferredElectionInProgress: preferred !== null,
    consumers,
  };
}

const list = (xs: readonly number[] | null): string => (xs === null ? '-' : `[${xs.join(',')}]`);

function time(ms: number | null): string {
  return ms === null ? '?' : new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

export function renderZkTree(t: ZkTree): string {
  const out: string[] = [];
  out.push(`ZooKeeper ${t.zookeeper}   cluster id: ${t.clusterId ?? '(none)'}`);
  out.push(
    `controller: ${t.controller.brokerId >= 0 ? `broker ${t.controller.brokerId}` : 'none'}` +
      `   controller epoch: ${t.controller.epoch ?? '-'} (zkVersion ${t.controller.epochZkVersion ?? '-'})`,
  );
  out.push(`brokers (${t.brokers.length}):`);
  for (const b of t.brokers) {
    out.push(
      `  ${b.id}${b.id === t.controller.brokerId ? '*' : ' '} ${b.endpoints.join(',')}  epoch ${b.epoch}` +
        `${b.rack ? `  rack ${b.rack}` : ''}  registered ${time(b.registeredAt)}`,
    );
  }
  out.push(`topics (${t.topics.length}):`);
  for (const topic of t.topics) {
    const cfg = Object.entries(topic.config);
    out.push(
      `  ${topic.topic}  partitions ${topic.partitions.length}` +
        `${cfg.length ? `  config ${cfg.map(([k, v]) => `${k}=${v}`).join(',')}` : ''}` +
        `${t.topicsPendingDeletion.includes(topic.topic) ? '  (marked for deletion)' : ''}`,
    );
    for (const p of topic.partitions) {
      const offline = p.leader === -1 ? '  OFFLINE' : '';
      const extra =
        (p.addingReplicas.length ? `  adding ${list(p.addingReplicas)}` : '') +
        (p.removingReplicas.length ? `  removing ${list(p.removingReplicas)}` : '');
      out.push(
        `    ${topic.topic}-${p.partition}  leader ${p.leader ?? '-'}  leader epoch ${p.leaderEpoch ?? '-'}` +
          `  isr ${list(p.isr)}  replicas ${list(p.replicas)}${extra}` +
          `  (controller epoch ${p.controllerEpoch ?? '-'}, zkVersion ${p.zkVersion ?? '-'})${offline}`,
      );
    }
  }
  const pending: string[] = [];
  if (t.topicsPendingDeletion.length) pending.push(`topic deletions [${t.topicsPendingDeletion.join(',')}]`);
  if (t.isrChangeNotifications.length) pending.push(`${t.isrChangeNotifications.length} ISR change notification(s)`);
  if (t.reassignmentInProgress) pending.push('partition reassignment');
  if (t.preferredElectionInProgress) pending.push('preferred replica election');
  out.push(`pending admin work: ${pending.length ? pending.join(', ') : 'none'}`);
  out.push(`consumer groups (${t.consumers.length}):`);
  for (const g of t.consumers) {
    const offsets = g.offsets.map((o) => `${o.topic}-${o.partition}=${o.offset}`).join(' ');
    out.push(`  ${g.group}  members ${g.members.length}${offsets ? `  offsets ${offsets}` : ''}`);
  }
  return out.join('\n');
}

export async function runZkTree(o: { connect: string; json: boolean; timeoutMs: number }): Promise<number> {
  const { servers, chroot } = parseConnectString(o.connect);
  let kzk: KafkaZkClient | undefined;
  try {
    if (chroot) {
      // ZkClient.connect creates a missing chroot; this tool must not write, so look first.
      const root = await ZkClient.connect({ connectString: servers, connectionTimeoutMs: o.timeoutMs, reinitializeOnExpiry: false });
      const exists = await root.exists(chroot).finally(() => root.close());
      if (!exists) {
        process.stderr.write(`gregor zk-tree: ${chroot} does not exist on ${servers}\n`);
        return 1;
      }
    }
    kzk = new KafkaZkClient(
      await ZkClient.connect({ connectString: o.connect, connectionTimeoutMs: o.timeoutMs, reinitializeOnExpiry: false }),
    );
    const tree = await readZkTree(kzk, o.connect);
    process.stdout.write(o.json ? `${JSON.stringify(tree, null, 2)}\n` : `${renderZkTree(tree)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`gregor zk-tree: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await kzk?.close().catch(() => {});
  }
}
