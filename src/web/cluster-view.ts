/**
 * The data behind the web view, read fresh on each request:
 * - `/api/cluster`: the ZooKeeper snapshot (brokers with epochs, controller and controller epoch,
 *   topics and partitions with leader/ISR/epochs, pending admin work) and the consumer groups with
 *   their state, members, assignment and per-partition lag — asked of the cluster through the
 *   project's own client, exactly as `gregor consumer-groups --describe` does;
 * - `/api/zk?path=`: one znode of the raw tree (data, stat, children) for the ZooKeeper browser.
 */
import { describeGroup, groupOffsets, listGroups } from '../client/groups.js';
import type { KafkaClient } from '../client/kafka-client.js';
import { NoNodeError } from '../zk/client.js';
import { readZkTree, type ZkTree } from '../zk/cluster-snapshot.js';
import type { KafkaZkClient } from '../zk/kafka-zk-client.js';

export interface GroupView {
  groupId: string;
  state: string;
  protocol: string;
  coordinator: number;
  members: Array<{ memberId: string; clientId: string; host: string; assignment: string }>;
  partitions: Array<{ topic: string; partition: number; currentOffset: number | null; logEndOffset: number | null; lag: number | null; consumerId: string | null }>;
  error?: string;
}

export interface ClusterView {
  brokerId: number;
  generatedAt: number;
  zk: ZkTree;
  groups: GroupView[];
  groupsError?: string;
}

const MAX_GROUPS = 50;
const MAX_DATA_BYTES = 64 * 1024;

export async function readClusterView(opts: { brokerId: number; zk: KafkaZkClient; zkConnect: string; client: KafkaClient }): Promise<ClusterView> {
  const [zk, groups] = await Promise.all([
    readZkTree(opts.zk, opts.zkConnect),
    readGroups(opts.client).then(
      (g) => ({ groups: g }),
      (err: unknown) => ({ groups: [] as GroupView[], groupsError: err instanceof Error ? err.message : String(err) }),
    ),
  ]);
  return { brokerId: opts.brokerId, generatedAt: Date.now(), zk, ...groups };
}

async function readGroups(client: KafkaClient): Promise<GroupView[]> {
  const listed = (await listGroups(client)).slice(0, MAX_GROUPS);
  return Promise.all(
    listed.map(async (g): Promise<GroupView> => {
      try {
        const d = await describeGroup(client, g.groupId);
        const rows = await groupOffsets(client, d);
        return {
          groupId: g.groupId,
          state: d.state,
          protocol: d.protocol,
          coordinator: d.coordinator.id,
          members: d.members.map((m) => ({
            memberId: m.memberId,
            clientId: m.clientId,
            host: m.host,
            assignment: m.assignment.map((a) => `${a.topic}(${a.partitions.join(',')})`).join(', '),
          })),
          partitions: rows
            .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1))
            .map((r) => ({
              topic: r.topic,
              partition: r.partition,
              currentOffset: r.committed,
              logEndOffset: r.logEnd,
              lag: r.committed !== null && r.logEnd !== null ? r.logEnd - r.committed : null,
              consumerId: r.member?.memberId ?? null,
            })),
        };
      } catch (err) {
        return { groupId: g.groupId, state: g.state, protocol: '', coordinator: -1, members: [], partitions: [], error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
}

export interface ZNodeView {
  path: string;
  exists: boolean;
  data: string | null;
  dataBytes: number;
  stat: { version: number; cversion: number; ctime: number; mtime: number; ephemeralOwner: string; numChildren: number } | null;
  children: string[];
}

export async function readZNode(zk: KafkaZkClient, path: string): Promise<ZNodeView> {
  const p = path === '' ? '/' : path;
  const r = await zk.zk.tryGetData(p);
  if (!r) return { path: p, exists: false, data: null, dataBytes: 0, stat: null, children: [] };
  let children: string[] = [];
  try {
    children = (await zk.zk.getChildren(p)).sort();
  } catch (err) {
    if (!(err instanceof NoNodeError)) throw err;
  }
  const data = r.data;
  return {
    path: p,
    exists: true,
    data: data === null ? null : data.subarray(0, MAX_DATA_BYTES).toString('utf8'),
    dataBytes: data?.length ?? 0,
    stat: {
      version: r.stat.version,
      cversion: r.stat.cversion,
      ctime: r.stat.ctime,
      mtime: r.stat.mtime,
      ephemeralOwner: `0x${r.stat.ephemeralOwner.toString(16)}`,
      numChildren: r.stat.numChildren,
    },
    children,
  };
}
