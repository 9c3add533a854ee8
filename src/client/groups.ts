/**
 * Consumer-group administration as Kafka's ConsumerGroupCommand does it through the admin client:
 * ListGroups to every broker, FindCoordinator + DescribeGroups for a group, OffsetFetch (all
 * partitions) from its coordinator, ListOffsets (latest = high watermark, read_uncommitted) from
 * the partition leaders for the lag, OffsetCommit for a reset, DeleteGroups.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import { decodeAssignment } from '../protocol/consumer-protocol.js';
import { DeleteGroupsRequest, DeleteGroupsResponse } from '../protocol/messages/delete-groups.js';
import { DescribeGroupsRequest, DescribeGroupsResponse } from '../protocol/messages/describe-groups.js';
import { ListGroupsRequest, ListGroupsResponse } from '../protocol/messages/list-groups.js';
import { OffsetCommitRequest, OffsetCommitResponse } from '../protocol/messages/offset-commit.js';
import { OffsetFetchRequest, OffsetFetchResponse } from '../protocol/messages/offset-fetch.js';
import { LATEST_TIMESTAMP, listOffsets } from './admin.js';
import { ApiError, throwIfError } from './errors.js';
import type { KafkaClient } from './kafka-client.js';

export interface GroupListing {
  groupId: string;
  protocolType: string;
  state: string;
}

export interface GroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  host: string;
  /** topic → partitions (empty for a member without an assignment yet) */
  assignment: Array<{ topic: string; partitions: number[] }>;
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  /** the assignor, e.g. range */
  protocol: string;
  coordinator: { id: number; host: string; port: number };
  members: GroupMember[];
}

export interface PartitionOffsets {
  topic: string;
  partition: number;
  /** null when the group has no committed offset for it */
  committed: number | null;
  /** high watermark; null when the partition has no leader */
  logEnd: number | null;
  member: GroupMember | null;
}

/** All groups of the cluster (ListGroups to every broker), sorted by id. */
export async function listGroups(client: KafkaClient): Promise<GroupListing[]> {
  const md = await client.metadata([], 'listConsumerGroups');
  const out = new Map<string, GroupListing>();
  await Promise.all(
    md.brokers.map(async (b) => {
      const res = await client.send({ request: ListGroupsRequest, response: ListGroupsResponse }, b.id, { statesFilter: [] }, { call: 'listConsumerGroups' });
      throwIfError(res.errorCode);
      for (const g of res.groups) out.set(g.groupId, { groupId: g.groupId, protocolType: g.protocolType, state: g.groupState ?? '' });
    }),
  );
  return [...out.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
}

export async function describeGroup(client: KafkaClient, groupId: string): Promise<GroupDescription> {
  const coordinatorId = await client.findCoordinator(groupId, 'describeConsumerGroups');
  const res = await client.send({ request: DescribeGroupsRequest, response: DescribeGroupsResponse }, coordinatorId, {
    groups: [groupId],
    includeAuthorizedOperations: false,
  }, { call: 'describeConsumerGroups' });
  const g = res.groups[0];
  if (!g) throw new ApiError(ErrorCode.UnknownServerError, 'empty DescribeGroups response');
  throwIfError(g.errorCode);
  const node = client.node(coordinatorId);
  return {
    groupId,
    state: g.groupState,
    protocolType: g.protocolType,
    protocol: g.protocolData,
    coordinator: { id: coordinatorId, host: node?.host ?? '', port: node?.port ?? -1 },
    members: g.members.map((m) => {
      let assignment: GroupMember['assignment'] = [];
      if (g.protocolType === 'consumer' && m.memberAssignment.length > 0) {
        try {
          assignment = (decodeAssignment(m.memberAssignment)?.assignedPartitions ?? []).map((a) => ({ topic: a.topic, partitions: [...a.partitions] }));
        } catch {
          assignment = [];
        }
      }
      return { memberId: m.memberId, groupInstanceId: m.groupInstanceId ?? null, clientId: m.clientId, host: m.clientHost, assignment };
    }),
  };
}

/** Committed offsets of every partition the group has one for. */
export async function committedOffsets(client: KafkaClient, groupId: string, coordinatorId?: number): Promise<Map<string, { topic: string; partition: number; offset: number }>> {
  const coordinator = coordinatorId ?? (await client.findCoordinator(groupId, 'listConsumerGroupOffsets'));
  const res = await client.send({ request: OffsetFetchRequest, response: OffsetFetchResponse }, coordinator, {
    groupId,
    topics: null,
    requireStable: false,
  }, { call: 'listConsumerGroupOffsets', minVersion: 2 });
  throwIfError(res.errorCode);
  const out = new Map<string, { topic: string; partition: number; offset: number }>();
  for (const t of res.topics) {
    for (const p of t.partitions) {
      if (p.errorCode !== ErrorCode.None || p.committedOffset < 0) continue;
      out.set(`${t.name}-${p.partitionIndex}`, { topic: t.name, partition: p.partitionIndex, offset: p.committedOffset });
    }
  }
  return out;
}

/**
 * ConsumerGroupCommand.collectGroupOffsets: the assigned partitions of each member plus the partitions
 * with committed offsets and no owner, with their log-end offsets (high watermarks).
 */
export async function groupOffsets(client: KafkaClient, d: GroupDescription): Promise<PartitionOffsets[]> {
  const committed = await committedOffsets(client, d.groupId, d.coordinator.id);
  const rows: PartitionOffsets[] = [];
  const owned = new Set<string>();
  for (const m of d.members) {
    for (const a of m.assignment) {
      for (const partition of a.partitions) {
        const key = `${a.topic}-${partition}`;
        owned.add(key);
        rows.push({ topic: a.topic, partition, committed: committed.get(key)?.offset ?? null, logEnd: null, member: m });
      }
    }
  }
  for (const [key, c] of committed) if (!owned.has(key)) rows.push({ topic: c.topic, partition: c.partition, committed: c.offset, logEnd: null, member: null });
  await fillLogEndOffsets(client, rows);
  return rows;
}

/** Sets `logEnd` of each row (ListOffsets latest from each leader); leaderless partitions keep null. */
export async function fillLogEndOffsets(client: KafkaClient, rows: PartitionOffsets[]): Promise<void> {
  const topics = [...new Set(rows.map((r) => r.topic))];
  if (topics.length === 0) return;
  const md = await client.metadata(topics, 'listOffsets');
  const leaders = new Map<string, number>();
  for (const t of md.topics) for (const p of t.partitions) leaders.set(`${t.name}-${p.partitionIndex}`, p.leaderId);
  const withLeader = rows
    .map((r) => ({ topic: r.topic, partition: r.partition, leader: leaders.get(`${r.topic}-${r.partition}`) ?? -1 }))
    .filter((p) => p.leader >= 0);
  const ends = await listOffsets(client, withLeader, LATEST_TIMESTAMP);
  for (const r of rows) r.logEnd = ends.get(`${r.topic}-${r.partition}`) ?? null;
}

/**
 * OffsetCommit of `offsets`: as an admin (generation -1, no member id, what the reset tool does) or as
 * a member of the current generation.
 */
export async function commitOffsets(
  client: KafkaClient,
  groupId: string,
  offsets: ReadonlyArray<{ topic: string; partition: number; offset: number }>,
  member: { generationId: number; memberId: string } = { generationId: -1, memberId: '' },
): Promise<void> {
  const coordinator = await client.findCoordinator(groupId, 'alterConsumerGroupOffsets');
  const byTopic = new Map<string, Array<{ partition: number; offset: number }>>();
  for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o]);
  const res = await client.send({ request: OffsetCommitRequest, response: OffsetCommitResponse }, coordinator, {
    groupId,
    generationId: member.generationId,
    memberId: member.memberId,
    groupInstanceId: null,
    retentionTimeMs: -1,
    topics: [...byTopic].map(([name, ps]) => ({
      name,
      partitions: ps.map((p) => ({ partitionIndex: p.partition, committedOffset: p.offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '' })),
    })),
  }, { call: 'alterConsumerGroupOffsets' });
  for (const t of res.topics) for (const p of t.partitions) throwIfError(p.errorCode);
}

/** DeleteGroups per group at its coordinator; the error code of each group (NONE = deleted). */
export async function deleteGroups(client: KafkaClient, groups: readonly string[]): Promise<Map<string, ApiError | null>> {
  const out = new Map<string, ApiError | null>();
  for (const groupId of groups) {
    try {
      const coordinator = await client.findCoordinator(groupId, 'deleteConsumerGroups');
      const res = await client.send({ request: DeleteGroupsRequest, response: DeleteGroupsResponse }, coordinator, { groupsNames: [groupId] }, { call: 'deleteConsumerGroups' });
      const code = res.results[0]?.errorCode ?? ErrorCode.UnknownServerError;
      out.set(groupId, code === ErrorCode.None ? null : new ApiError(code));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      out.set(groupId, err);
    }
  }
  return out;
}
