/**
 * Bad group requests through the wire (our own BrokerClient and message tables) on a 3-broker in-process
 * cluster, answered as Kafka 2.7 answers them:
 * - a broker that does not own the group: NOT_COORDINATOR (16) for JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
 *   OffsetCommit, OffsetFetch (v1 per partition, v5 top-level), DescribeGroups;
 * - JoinGroup session timeout outside [group.min.session.timeout.ms, group.max.session.timeout.ms]:
 *   INVALID_SESSION_TIMEOUT (26);
 * - unknown member id: UNKNOWN_MEMBER_ID (25) for JoinGroup (group exists), SyncGroup, Heartbeat, OffsetCommit,
 *   LeaveGroup; wrong generation: ILLEGAL_GENERATION (22) for SyncGroup, Heartbeat, OffsetCommit;
 * - oversized member metadata. Kafka 2.7 has no limit of its own on protocol metadata: any JoinGroup that fits
 *   in `socket.request.max.bytes` is accepted (and the leader gets every member's metadata back). The limit
 *   comes when the leader's SyncGroup stores the group: Kafka appends one GroupMetadata record to
 *   `__consumer_offsets`, which fails with MESSAGE_TOO_LARGE above the topic's max.message.bytes
 *   (= message.max.bytes, 1048588), and GroupMetadataManager.storeGroup turns that into UNKNOWN_SERVER_ERROR
 *   (-1) for every member's SyncGroup, and the group prepares a new rebalance. gregor computes the size of
 *   that record (it keeps membership in memory) and answers the same. A frame above socket.request.max.bytes
 *   (here lowered to 8 MiB) closes the connection, and the broker keeps serving;
 * - oversized offset commits: Kafka appends one offset batch per OffsetCommit and answers INVALID_COMMIT_OFFSET_SIZE
 *   (28) for every partition when it exceeds message.max.bytes; gregor answers the same, and also when its one
 *   ZooKeeper multi could exceed ZooKeeper's request limit (jute.maxbuffer, 1 MiB) — such a request would make
 *   ZooKeeper drop the broker's connection.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerClient } from '../../../src/network/client.js';
import { encodeAssignment, encodeSubscription } from '../../../src/protocol/consumer-protocol.js';
import { DescribeGroupsRequest, DescribeGroupsResponse } from '../../../src/protocol/messages/describe-groups.js';
import { FindCoordinatorRequest, FindCoordinatorResponse } from '../../../src/protocol/messages/find-coordinator.js';
import { HeartbeatRequest, HeartbeatResponse } from '../../../src/protocol/messages/heartbeat.js';
import { JoinGroupRequest, JoinGroupResponse } from '../../../src/protocol/messages/join-group.js';
import { LeaveGroupRequest, LeaveGroupResponse } from '../../../src/protocol/messages/leave-group.js';
import { OffsetCommitRequest, OffsetCommitResponse } from '../../../src/protocol/messages/offset-commit.js';
import { OffsetFetchRequest, OffsetFetchResponse } from '../../../src/protocol/messages/offset-fetch.js';
import { SyncGroupRequest, SyncGroupResponse } from '../../../src/protocol/messages/sync-group.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, type KafkaClients } from '../../harness/clients.js';

const TOPIC = 'groups-wire';
const E = {
  None: 0,
  UnknownServerError: -1,
  NotCoordinator: 16,
  IllegalGeneration: 22,
  UnknownMemberId: 25,
  InvalidSessionTimeout: 26,
  RebalanceInProgress: 27,
  MemberIdRequired: 79,
} as const;

const FIND = { request: FindCoordinatorRequest, response: FindCoordinatorResponse };
const JOIN = { request: JoinGroupRequest, response: JoinGroupResponse };
const SYNC = { request: SyncGroupRequest, response: SyncGroupResponse };
const HEARTBEAT = { request: HeartbeatRequest, response: HeartbeatResponse };
const LEAVE = { request: LeaveGroupRequest, response: LeaveGroupResponse };
const COMMIT = { request: OffsetCommitRequest, response: OffsetCommitResponse };
const FETCH = { request: OffsetFetchRequest, response: OffsetFetchResponse };
const DESCRIBE = { request: DescribeGroupsRequest, response: DescribeGroupsResponse };

let cluster: Cluster;
let clients: KafkaClients;
const opened: BrokerClient[] = [];

function clientFor(brokerId: number): BrokerClient {
  const c = new BrokerClient({ host: '127.0.0.1', port: cluster.port(brokerId), clientId: 'wire-test', requestTimeoutMs: 30_000 });
  opened.push(c);
  return c;
}

/** The coordinator of `group` (retrying COORDINATOR_NOT_AVAILABLE while __consumer_offsets comes up). */
async function coordinatorOf(group: string): Promise<number> {
  const c = clientFor(cluster.ids[0]!);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await c.send(FIND, 2, { key: group, keyType: 0 });
    if (r.errorCode === E.None) return r.nodeId;
    if (Date.now() > deadline) throw new Error(`FindCoordinator(${group}) kept answering ${r.errorCode}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

function subscription(userDataBytes = 0): Buffer {
  return encodeSubscription({ version: 0, topics: [TOPIC], userData: userDataBytes > 0 ? Buffer.alloc(userDataBytes, 7) : null, ownedPartitions: [] });
}

const joinRequest = (group: string, memberId: string, metadata: Buffer, sessionTimeoutMs = 10_000) => ({
  groupId: group,
  sessionTimeoutMs,
  rebalanceTimeoutMs: 10_000,
  memberId,
  groupInstanceId: null,
  protocolType: 'consumer',
  protocols: [{ name: 'range', metadata }],
});

/** JoinGroup v5 twice (MEMBER_ID_REQUIRED, then with the id): a one-member group, this member its leader. */
async function joinAlone(c: BrokerClient, group: string, metadata: Buffer = subscription()) {
  const first = await c.send(JOIN, 5, joinRequest(group, '', metadata));
  expect(first.errorCode).toBe(E.MemberIdRequired);
  expect(first.memberId).not.toBe('');
  const joined = await c.send(JOIN, 5, joinRequest(group, first.memberId, metadata));
  expect(joined.errorCode).toBe(E.None);
  expect(joined.leader).toBe(first.memberId);
  return joined;
}

function assignmentOf(partitions: number[]): Buffer {
  return encodeAssignment({ version: 0, assignedPartitions: [{ topic: TOPIC, partitions }], userData: null });
}

function commitRequest(group: string, generationId: number, memberId: string, offset = 1) {
  return { groupId: group, generationId, memberId, retentionTimeMs: -1, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: offset, committedMetadata: '' }] }] };
}

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 3,
    inProcess: true,
    brokerConfig: { 'offsets.topic.replication.factor': 1, 'socket.request.max.bytes': 8 * 1024 * 1024 },
  });
  clients = kafkaClients(cluster.bootstrapServers);
  const admin = await clients.admin();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
});

afterAll(async () => {
  await Promise.all(opened.map((c) => c.close().catch(() => {})));
  await clients?.disconnectAll();
  await cluster?.close();
});

describe('groups - bad requests on the wire', () => {
  it('groups - a broker that does not coordinate the group answers NOT_COORDINATOR', async () => {
    const group = 'wire-not-coordinator';
    const coordinator = await coordinatorOf(group);
    const other = cluster.ids.find((id) => id !== coordinator)!;
    const c = clientFor(other);
    expect((await c.send(JOIN, 5, joinRequest(group, '', subscription()))).errorCode).toBe(E.NotCoordinator);
    expect((await c.send(JOIN, 2, joinRequest(group, 'm', subscription()))).errorCode).toBe(E.NotCoordinator);
    expect((await c.send(SYNC, 3, { groupId: group, generationId: 1, memberId: 'm', groupInstanceId: null, assignments: [] })).errorCode).toBe(E.NotCoordinator);
    expect((await c.send(HEARTBEAT, 3, { groupId: group, generationId: 1, memberId: 'm', groupInstanceId: null })).errorCode).toBe(E.NotCoordinator);
    expect((await c.send(LEAVE, 1, { groupId: group, memberId: 'm' })).errorCode).toBe(E.NotCoordinator);
    const commit = await c.send(COMMIT, 2, commitRequest(group, -1, ''));
    expect(commit.topics[0]?.partitions[0]?.errorCode).toBe(E.NotCoordinator);
    const fetchV1 = await c.send(FETCH, 1, { groupId: group, topics: [{ name: TOPIC, partitionIndexes: [0] }] });
    expect(fetchV1.topics[0]?.partitions[0]).toMatchObject({ errorCode: E.NotCoordinator, committedOffset: -1 });
    const fetchV5 = await c.send(FETCH, 5, { groupId: group, topics: null });
    expect(fetchV5.errorCode).toBe(E.NotCoordinator);
    const described = await c.send(DESCRIBE, 2, { groups: [group], includeAuthorizedOperations: false });
    expect(described.groups[0]?.errorCode).toBe(E.NotCoordinator);
    // the coordinator itself takes the simple commit and the fetch
    const owner = clientFor(coordinator);
    expect((await owner.send(COMMIT, 2, commitRequest(group, -1, '', 5))).topics[0]?.partitions[0]?.errorCode).toBe(E.None);
    const fetched = await owner.send(FETCH, 1, { groupId: group, topics: [{ name: TOPIC, partitionIndexes: [0] }] });
    expect(fetched.topics[0]?.partitions[0]).toMatchObject({ errorCode: E.None, committedOffset: 5 });
  });

  it('groups - session timeouts outside the broker bounds are INVALID_SESSION_TIMEOUT', async () => {
    const group = 'wire-session-timeout';
    const c = clientFor(await coordinatorOf(group));
    for (const v of [2, 5]) {
      expect((await c.send(JOIN, v, joinRequest(group, '', subscription(), 5_999))).errorCode).toBe(E.InvalidSessionTimeout);
      expect((await c.send(JOIN, v, joinRequest(group, '', subscription(), 1_800_001))).errorCode).toBe(E.InvalidSessionTimeout);
    }
    // the bounds themselves are fine (v2: no MEMBER_ID_REQUIRED step)
    const ok = await c.send(JOIN, 2, joinRequest(group, '', subscription(), 6_000));
    expect(ok.errorCode).toBe(E.None);
    expect((await c.send(LEAVE, 1, { groupId: group, memberId: ok.memberId })).errorCode).toBe(E.None);
  });

  it('groups - unknown member ids and wrong generations', async () => {
    const group = 'wire-member-generation';
    const c = clientFor(await coordinatorOf(group));
    // unknown group, unknown member
    expect((await c.send(HEARTBEAT, 3, { groupId: group, generationId: 1, memberId: 'ghost', groupInstanceId: null })).errorCode).toBe(E.UnknownMemberId);
    expect((await c.send(JOIN, 5, joinRequest(group, 'ghost', subscription()))).errorCode).toBe(E.UnknownMemberId);

    const joined = await joinAlone(c, group);
    const { memberId, generationId } = joined;
    expect(generationId).toBe(1);
    // wrong generation while CompletingRebalance
    expect((await c.send(SYNC, 3, { groupId: group, generationId: 7, memberId, groupInstanceId: null, assignments: [] })).errorCode).toBe(E.IllegalGeneration);
    const synced = await c.send(SYNC, 3, { groupId: group, generationId, memberId, groupInstanceId: null, assignments: [{ memberId, assignment: assignmentOf([0, 1, 2]) }] });
    expect(synced.errorCode).toBe(E.None);
    expect(synced.assignment).toEqual(assignmentOf([0, 1, 2]));

    // Stable: unknown member
    expect((await c.send(JOIN, 5, joinRequest(group, 'ghost', subscription()))).errorCode).toBe(E.UnknownMemberId);
    expect((await c.send(SYNC, 3, { groupId: group, generationId, memberId: 'ghost', groupInstanceId: null, assignments: [] })).errorCode).toBe(E.UnknownMemberId);
    expect((await c.send(HEARTBEAT, 3, { groupId: group, generationId, memberId: 'ghost', groupInstanceId: null })).errorCode).toBe(E.UnknownMemberId);
    expect((await c.send(COMMIT, 7, commitRequest(group, generationId, 'ghost'))).topics[0]?.partitions[0]?.errorCode).toBe(E.UnknownMemberId);
    const leaveV3 = await c.send(LEAVE, 3, { groupId: group, members: [{ memberId: 'ghost', groupInstanceId: null }] });
    expect(leaveV3.errorCode).toBe(E.None);
    expect(leaveV3.members).toEqual([{ memberId: 'ghost', groupInstanceId: null, errorCode: E.UnknownMemberId }]);
    expect((await c.send(LEAVE, 1, { groupId: group, memberId: 'ghost' })).errorCode).toBe(E.UnknownMemberId);
    // Stable: wrong generation
    expect((await c.send(HEARTBEAT, 3, { groupId: group, generationId: generationId + 1, memberId, groupInstanceId: null })).errorCode).toBe(E.IllegalGeneration);
    expect((await c.send(SYNC, 3, { groupId: group, generationId: generationId - 1, memberId, groupInstanceId: null, assignments: [] })).errorCode).toBe(E.IllegalGeneration);
    expect((await c.send(COMMIT, 7, commitRequest(group, generationId + 1, memberId))).topics[0]?.partitions[0]?.errorCode).toBe(E.IllegalGeneration);
    // and the right ones work; nothing above disturbed the group
    expect((await c.send(HEARTBEAT, 3, { groupId: group, generationId, memberId, groupInstanceId: null })).errorCode).toBe(E.None);
    expect((await c.send(COMMIT, 7, commitRequest(group, generationId, memberId, 3))).topics[0]?.partitions[0]?.errorCode).toBe(E.None);
    const zk = await cluster.zk.zk.tryGetData(`/consumers/${group}/offsets/${TOPIC}/0`);
    expect(zk?.data?.toString()).toBe('3');
    expect((await c.send(LEAVE, 1, { groupId: group, memberId })).errorCode).toBe(E.None);
    // the member is gone
    expect((await c.send(HEARTBEAT, 3, { groupId: group, generationId, memberId, groupInstanceId: null })).errorCode).toBe(E.UnknownMemberId);
  });

  it('groups - huge member metadata: JoinGroup accepted, the group record over message.max.bytes fails SyncGroup as in Kafka', async () => {
    const group = 'wire-huge-metadata';
    const c = clientFor(await coordinatorOf(group));
    const huge = subscription(2 * 1024 * 1024); // 2 MiB of user data: framed (< 8 MiB), record > 1048588
    const joined = await joinAlone(c, group, huge);
    expect(joined.members).toHaveLength(1);
    expect(joined.members[0]!.metadata.equals(huge)).toBe(true);
    const { memberId, generationId } = joined;
    const failed = await c.send(SYNC, 3, { groupId: group, generationId, memberId, groupInstanceId: null, assignments: [{ memberId, assignment: assignmentOf([0]) }] });
    expect(failed.errorCode).toBe(E.UnknownServerError);
    expect(failed.assignment.length).toBe(0);
    // the group prepares a new rebalance: the member is told to rejoin
    expect((await c.send(HEARTBEAT, 3, { groupId: group, generationId, memberId, groupInstanceId: null })).errorCode).toBe(E.RebalanceInProgress);
    // rejoining with ordinary metadata completes it
    const again = await c.send(JOIN, 5, joinRequest(group, memberId, subscription()));
    expect(again.errorCode).toBe(E.None);
    expect(again.generationId).toBe(generationId + 1);
    const synced = await c.send(SYNC, 3, { groupId: group, generationId: again.generationId, memberId, groupInstanceId: null, assignments: [{ memberId, assignment: assignmentOf([0]) }] });
    expect(synced.errorCode).toBe(E.None);
    // metadata just under the limit goes through
    const big = subscription(900 * 1024);
    const rejoin = await c.send(JOIN, 5, joinRequest(group, memberId, big));
    expect(rejoin.errorCode).toBe(E.None);
    const ok = await c.send(SYNC, 3, { groupId: group, generationId: rejoin.generationId, memberId, groupInstanceId: null, assignments: [{ memberId, assignment: assignmentOf([0]) }] });
    expect(ok.errorCode).toBe(E.None);
    expect((await c.send(LEAVE, 1, { groupId: group, memberId })).errorCode).toBe(E.None);
  });

  it('groups - oversized offset commits: INVALID_COMMIT_OFFSET_SIZE, never a ZooKeeper request over its limit', async () => {
    const group = 'bg';
    const topic = 'groups-wire-wide';
    const admin = await clients.admin();
    // 300 partitions: 300 log dirs made and synced; kafkajs's default 5 s wait is tight on a loaded machine
    await admin.createTopics({ topics: [{ topic, numPartitions: 300, replicationFactor: 1 }], waitForLeaders: true, timeout: 30_000 });
    const coordinator = await coordinatorOf(group);
    const c = clientFor(coordinator);
    const commit = (n: number, offset: number) =>
      c.send(COMMIT, 2, {
        groupId: group,
        generationId: -1,
        memberId: '',
        retentionTimeMs: -1,
        topics: [{ name: topic, partitions: Array.from({ length: n }, (_, p) => ({ partitionIndex: p, committedOffset: offset, committedMetadata: 'm'.repeat(4000) })) }],
      });
    const codes = (r: Awaited<ReturnType<typeof commit>>) => [...new Set(r.topics[0]!.partitions.map((p) => p.errorCode))];
    // 300 × 4000 B: Kafka's offset batch (≈ 1.2 MB) is over message.max.bytes → 28 for every partition
    expect(codes(await commit(300, 7))).toEqual([28]);
    // 252 × 4000 B: fits Kafka's batch (≈ 1.02 MB) but not one ZooKeeper request (jute.maxbuffer 1 MiB) → 28 too
    expect(codes(await commit(252, 7))).toEqual([28]);
    expect(await cluster.zk.zk.exists(`/consumers/${group}/offsets/${topic}/0`)).toBeNull();
    // 200 × 4000 B fits both: stored, in ZooKeeper as decimal text, with the metadata fetched back
    expect(codes(await commit(200, 9))).toEqual([0]);
    expect((await cluster.zk.zk.getData(`/consumers/${group}/offsets/${topic}/199`)).data?.toString()).toBe('9');
    const fetched = await c.send(FETCH, 1, { groupId: group, topics: [{ name: topic, partitionIndexes: [0, 199, 200] }] });
    expect(fetched.topics[0]?.partitions.map((p) => [p.committedOffset, p.metadata?.length ?? -1])).toEqual([
      [9, 4000],
      [9, 4000],
      [-1, 0],
    ]);
    // the broker's ZooKeeper connection never broke
    expect(readFileSync(cluster.logFile(coordinator), 'utf8')).not.toMatch(/ConnectionLoss/);
  });

  it('groups - a JoinGroup frame above socket.request.max.bytes closes the connection; the broker keeps serving', async () => {
    const group = 'wire-oversized-frame';
    const coordinator = await coordinatorOf(group);
    const c = clientFor(coordinator);
    await expect(c.send(JOIN, 5, joinRequest(group, '', subscription(9 * 1024 * 1024)))).rejects.toThrow();
    const fresh = clientFor(coordinator);
    const joined = await joinAlone(fresh, group);
    expect((await fresh.send(LEAVE, 1, { groupId: group, memberId: joined.memberId })).errorCode).toBe(E.None);
  });
});
