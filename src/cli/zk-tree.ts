/**
 * `gregor zk-tree [--zookeeper host:port[/chroot]] [--json]`: a read-only picture of the cluster as ZooKeeper
 * holds it (Kafka 2.7 layout) — cluster id, controller and controller epoch, registered brokers with their
 * epochs, topics with replica assignments and partition states, pending deletions/ISR notifications, and
 * consumer groups with members and committed offsets. Run it in a loop to watch a failover:
 * `watch -n1 npx gregor zk-tree`. Nothing is written (a missing chroot is reported, not created).
 */
import { ZkClient, parseConnectString } from '../zk/client.js';
import { KafkaZkClient } from '../zk/kafka-zk-client.js';

export { readZkTree, type ZkTree, type ZkTreePartition } from '../zk/cluster-snapshot.js';
import { readZkTree, type ZkTree } from '../zk/cluster-snapshot.js';

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
