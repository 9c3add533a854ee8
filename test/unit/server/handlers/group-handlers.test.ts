/**
 * Group handlers end to end at the byte level: kafkajs's own encoders write the requests, our
 * tables decode them, the handler answers through a real coordinator (ManualClock, in-memory
 * offset store), our tables encode the answer and kafkajs's own decoders read it.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../src/common/logger.js';
import { KafkaError } from '../../../../src/common/errors.js';
import { ErrorCode } from '../../../../src/protocol/error-codes.js';
import { Reader, Writer } from '../../../../src/protocol/primitives.js';
import type { Handler } from '../../../../src/server/handler.js';
import { createRequestContext, type RequestContext } from '../../../../src/server/request-context.js';
import { createDeleteGroupsHandler } from '../../../../src/server/handlers/delete-groups.js';
import { createDescribeGroupsHandler } from '../../../../src/server/handlers/describe-groups.js';
import { createFindCoordinatorHandler } from '../../../../src/server/handlers/find-coordinator.js';
import { createHeartbeatHandler } from '../../../../src/server/handlers/heartbeat.js';
import { createJoinGroupHandler } from '../../../../src/server/handlers/join-group.js';
import { createLeaveGroupHandler } from '../../../../src/server/handlers/leave-group.js';
import { createListGroupsHandler } from '../../../../src/server/handlers/list-groups.js';
import { createOffsetCommitHandler } from '../../../../src/server/handlers/offset-commit.js';
import { createOffsetDeleteHandler } from '../../../../src/server/handlers/offset-delete.js';
import { createOffsetFetchHandler } from '../../../../src/server/handlers/offset-fetch.js';
import { createSyncGroupHandler } from '../../../../src/server/handlers/sync-group.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../../protocol/kafkajs-oracle.js';
import { flush, makeHarness, track, type Harness } from '../../coordinator/harness.js';

const require = createRequire(import.meta.url);
const { MemberMetadata, MemberAssignment } = require('kafkajs/src/consumer/assignerProtocol.js') as {
  MemberMetadata: { encode(m: { version: number; topics: string[]; userData?: Buffer }): Buffer };
  MemberAssignment: { encode(a: { version: number; assignment: Record<string, number[]> }): Buffer };
};

function ctxFor(apiKey: number, apiVersion: number, clientId = 'kafkajs'): RequestContext {
  return createRequestContext({
    header: { apiKey, apiVersion, correlationId: 7, clientId },
    connection: { connectionId: 'c-1', clientAddress: '::ffff:10.0.0.5', clientPort: 5555, listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT' },
    receivedAt: 0,
    supportedApis: [],
    log: silentLogger(),
  });
}

/** The request body decoded by our table, answered, encoded by our table (or the error path). */
async function roundTrip(handler: Handler, version: number, body: Buffer, clientId?: string): Promise<Buffer> {
  const r = new Reader(body);
  const req = handler.request.decode(r, version);
  expect(r.remaining).toBe(0);
  const ctx = ctxFor(handler.apiKey, version, clientId);
  let res: unknown;
  try {
    res = await handler.handle(req, ctx);
  } catch (err) {
    if (!handler.errorResponse) throw err;
    res = handler.errorResponse(req, err instanceof KafkaError ? err.code : ErrorCode.UnknownServerError, ctx);
  }
  const w = new Writer();
  handler.response.encode(w, version, res as never);
  return w.toBuffer();
}

async function viaKafkajs(handler: Handler, api: string, version: number, args: unknown, clientId?: string): Promise<Record<string, unknown>> {
  const out = await roundTrip(handler, version, await kafkajsRequestBody(api, version, args), clientId);
  return kafkajsDecodeResponse(api, version, out);
}

const metadata = MemberMetadata.encode({ version: 0, topics: ['orders'] });

function joinArgs(memberId: string) {
  return { groupId: 'g', sessionTimeout: 30000, rebalanceTimeout: 60000, memberId, groupInstanceId: null, protocolType: 'consumer', groupProtocols: [{ name: 'RoundRobinAssigner', metadata }] };
}

type GroupHandlers = Record<'join' | 'sync' | 'heartbeat' | 'commit' | 'fetch' | 'leave', Handler>;

async function withGroup(): Promise<{ h: Harness; memberId: string; generationId: number; handlers: GroupHandlers }> {
  const h = await makeHarness();
  const handlers: GroupHandlers = {
    join: createJoinGroupHandler(h.coordinator),
    sync: createSyncGroupHandler(h.coordinator),
    heartbeat: createHeartbeatHandler(h.coordinator),
    commit: createOffsetCommitHandler(h.coordinator),
    fetch: createOffsetFetchHandler(h.coordinator),
    leave: createLeaveGroupHandler(h.coordinator),
  };
  const first = await viaKafkajs(handlers.join, 'joinGroup', 5, joinArgs(''));
  expect(first).toMatchObject({ errorCode: ErrorCode.MemberIdRequired, memberId: 'kafkajs-uuid-1', generationId: -1 });
  const pending = track(viaKafkajs(handlers.join, 'joinGroup', 5, joinArgs('kafkajs-uuid-1')));
  await flush();
  h.clock.advance(3000);
  await flush();
  const joined = await pending.promise;
  expect(joined).toMatchObject({ errorCode: 0, generationId: 1, groupProtocol: 'RoundRobinAssigner', leaderId: 'kafkajs-uuid-1', memberId: 'kafkajs-uuid-1' });
  expect((joined.members as Array<{ memberId: string; memberMetadata: Buffer }>).map((m) => [m.memberId, m.memberMetadata])).toEqual([['kafkajs-uuid-1', metadata]]);
  return { h, memberId: 'kafkajs-uuid-1', generationId: 1, handlers };
}

describe('group handlers - kafkajs request and response codecs', () => {
  it('group-handlers - JoinGroup v5 (MEMBER_ID_REQUIRED, then join), SyncGroup v3, Heartbeat v3', async () => {
    const { h, memberId, handlers } = await withGroup();
    const assign = MemberAssignment.encode({ version: 0, assignment: { orders: [0, 1, 2, 3] } });
    const synced = await viaKafkajs(handlers.sync, 'syncGroup', 3, { groupId: 'g', generationId: 1, memberId, groupInstanceId: null, groupAssignment: [{ memberId, memberAssignment: assign }] });
    expect(synced).toMatchObject({ errorCode: 0, memberAssignment: assign });
    expect(await viaKafkajs(handlers.heartbeat, 'heartbeat', 3, { groupId: 'g', groupGenerationId: 1, memberId, groupInstanceId: null })).toMatchObject({ errorCode: 0 });
    expect(await viaKafkajs(handlers.heartbeat, 'heartbeat', 3, { groupId: 'g', groupGenerationId: 9, memberId, groupInstanceId: null })).toMatchObject({ errorCode: ErrorCode.IllegalGeneration });
    const described = h.coordinator.handleDescribeGroup('g').summary.members[0]!;
    expect(described).toMatchObject({ clientId: 'kafkajs', clientHost: '/10.0.0.5' });
  });

  it.each([0, 1, 2])('group-handlers - JoinGroup v%i answers (v0 uses the session timeout as rebalance timeout)', async (v) => {
    const h = await makeHarness();
    const join = createJoinGroupHandler(h.coordinator);
    const pending = track(viaKafkajs(join, 'joinGroup', v, joinArgs('')));
    await flush();
    h.clock.advance(3000);
    await flush();
    expect(await pending.promise).toMatchObject({ errorCode: 0, generationId: 1, memberId: 'kafkajs-uuid-1', leaderId: 'kafkajs-uuid-1' });
  });

  it('group-handlers - JoinGroup errors keep an empty protocol name below v7 and null from v7', async () => {
    const h = await makeHarness();
    const join = createJoinGroupHandler(h.coordinator);
    const bad = await viaKafkajs(join, 'joinGroup', 5, { ...joinArgs(''), sessionTimeout: 10 });
    expect(bad).toMatchObject({ errorCode: ErrorCode.InvalidSessionTimeout, generationId: -1, groupProtocol: '', leaderId: '' });
    const req = { groupId: 'g', sessionTimeoutMs: 10, rebalanceTimeoutMs: 10, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [] };
    const res = (await join.handle(req, ctxFor(11, 7))) as Record<string, unknown>;
    expect(res).toMatchObject({ errorCode: ErrorCode.InvalidSessionTimeout, protocolName: null, protocolType: null });
    const err = join.errorResponse!(req, ErrorCode.NotCoordinator, ctxFor(11, 7)) as Record<string, unknown>;
    expect(err).toMatchObject({ errorCode: ErrorCode.NotCoordinator, protocolName: null, generationId: -1 });
    const err6 = join.errorResponse!(req, ErrorCode.NotCoordinator, ctxFor(11, 6)) as Record<string, unknown>;
    expect(err6.protocolName).toBe('');
  });

  it('group-handlers - SyncGroup v5 without protocol type/name is INCONSISTENT_GROUP_PROTOCOL', async () => {
    const { h, memberId } = await withGroup();
    const sync = createSyncGroupHandler(h.coordinator);
    const base = { groupId: 'g', generationId: 1, memberId, groupInstanceId: null, assignments: [] };
    expect(await sync.handle({ ...base, protocolType: null, protocolName: 'RoundRobinAssigner' }, ctxFor(14, 5))).toMatchObject({ errorCode: ErrorCode.InconsistentGroupProtocol });
    expect(await sync.handle({ ...base, protocolType: 'consumer', protocolName: 'RoundRobinAssigner' }, ctxFor(14, 5))).toMatchObject({
      errorCode: 0,
      protocolType: 'consumer',
      protocolName: 'RoundRobinAssigner',
    });
    expect(sync.errorResponse!({ ...base, protocolType: null, protocolName: null }, ErrorCode.NotCoordinator, ctxFor(14, 5))).toMatchObject({ errorCode: ErrorCode.NotCoordinator });
  });

  it.each([2, 3, 4, 5])('group-handlers - OffsetCommit v%i then OffsetFetch v4 through kafkajs', async (v) => {
    const { memberId, handlers } = await withGroup();
    // CompletingRebalance refuses commits (REBALANCE_IN_PROGRESS): sync first
    const early = await viaKafkajs(handlers.commit, 'offsetCommit', v, { groupId: 'g', groupGenerationId: 1, memberId, retentionTime: -1, topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: '1' }] }] });
    expect((early.responses as Array<{ partitions: Array<{ errorCode: number }> }>)[0]!.partitions[0]!.errorCode).toBe(ErrorCode.RebalanceInProgress);
    await viaKafkajs(handlers.sync, 'syncGroup', 3, { groupId: 'g', generationId: 1, memberId, groupInstanceId: null, groupAssignment: [] });
    const commitArgs = {
      groupId: 'g',
      groupGenerationId: 1,
      memberId,
      retentionTime: -1,
      topics: [
        { topic: 'orders', partitions: [{ partition: 0, offset: '42', metadata: 'hi' }, { partition: 9, offset: '1' }] },
        { topic: 'payments', partitions: [{ partition: 1, offset: '7', metadata: null }] },
      ],
    };
    const committed = await viaKafkajs(handlers.commit, 'offsetCommit', v, commitArgs);
    expect(committed.responses).toEqual([
      { topic: 'orders', partitions: [{ partition: 0, errorCode: 0 }, { partition: 9, errorCode: ErrorCode.UnknownTopicOrPartition }] },
      { topic: 'payments', partitions: [{ partition: 1, errorCode: 0 }] },
    ]);
    const fetched = await viaKafkajs(handlers.fetch, 'offsetFetch', 4, {
      groupId: 'g',
      topics: [
        { topic: 'orders', partitions: [{ partition: 0 }, { partition: 1 }] },
        { topic: 'payments', partitions: [{ partition: 1 }] },
      ],
    });
    expect(fetched.errorCode).toBe(0);
    expect(fetched.responses).toEqual([
      {
        topic: 'orders',
        partitions: [
          { partition: 0, offset: '42', metadata: 'hi', errorCode: 0 },
          { partition: 1, offset: '-1', metadata: '', errorCode: 0 },
        ],
      },
      { topic: 'payments', partitions: [{ partition: 1, offset: '7', metadata: '', errorCode: 0 }] },
    ]);
    const stale = await viaKafkajs(handlers.commit, 'offsetCommit', v, { ...commitArgs, groupGenerationId: 5 });
    expect((stale.responses as Array<{ partitions: Array<{ errorCode: number }> }>)[0]!.partitions[0]!.errorCode).toBe(ErrorCode.IllegalGeneration);
  });

  it('group-handlers - OffsetFetch group errors: top-level from v2, per partition in v1', async () => {
    const h = await makeHarness({ offsetsTopicNumPartitions: 50 }, { elect: false });
    const fetch = createOffsetFetchHandler(h.coordinator);
    const args = { groupId: 'hello', topics: [{ topic: 'orders', partitions: [{ partition: 0 }] }] };
    const v1 = await viaKafkajs(fetch, 'offsetFetch', 1, args);
    expect(v1.responses).toEqual([{ topic: 'orders', partitions: [{ partition: 0, offset: '-1', metadata: '', errorCode: ErrorCode.NotCoordinator }] }]);
    const v3 = await viaKafkajs(fetch, 'offsetFetch', 3, args);
    expect(v3).toMatchObject({ errorCode: ErrorCode.NotCoordinator, responses: [] });
  });

  it('group-handlers - OffsetFetch v7 with Topics null returns every committed partition; v0 keeps ZooKeeper-era answers', async () => {
    const h = await makeHarness();
    const commit = createOffsetCommitHandler(h.coordinator);
    const fetch = createOffsetFetchHandler(h.coordinator);
    const body = await kafkajsRequestBody('offsetCommit', 2, { groupId: 's', groupGenerationId: -1, memberId: '', retentionTime: -1, topics: [{ topic: 'payments', partitions: [{ partition: 1, offset: '5', metadata: 'm' }] }, { topic: 'orders', partitions: [{ partition: 3, offset: '9' }] }] });
    await roundTrip(commit, 2, body);
    const all = (await fetch.handle({ groupId: 's', topics: null, requireStable: true }, ctxFor(9, 7))) as { topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; committedOffset: number }> }>; errorCode: number };
    expect(all.errorCode).toBe(0);
    expect(all.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.committedOffset])])).toEqual([
      ['orders', [[3, 9]]],
      ['payments', [[1, 5]]],
    ]);
    const v0 = (await fetch.handle({ groupId: 's', topics: [{ name: 'payments', partitionIndexes: [1, 0] }], requireStable: false }, ctxFor(9, 0))) as {
      topics: Array<{ partitions: Array<{ metadata: string; errorCode: number; committedOffset: number }> }>;
    };
    expect(v0.topics[0]!.partitions).toEqual([
      expect.objectContaining({ committedOffset: 5, metadata: '', errorCode: 0 }),
      expect.objectContaining({ committedOffset: -1, metadata: '', errorCode: ErrorCode.UnknownTopicOrPartition }),
    ]);
  });

  it('group-handlers - OffsetCommit errorResponse puts the code on every partition', async () => {
    const h = await makeHarness();
    const commit = createOffsetCommitHandler(h.coordinator);
    const req = { groupId: 'g', generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null }] }] };
    expect(commit.errorResponse!(req, ErrorCode.UnknownServerError, ctxFor(8, 5))).toEqual({ throttleTimeMs: 0, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.UnknownServerError }] }] });
  });

  it('group-handlers - LeaveGroup v1 folds the member error into the top level; v3 reports per member', async () => {
    const { memberId, handlers } = await withGroup();
    expect(await viaKafkajs(handlers.leave, 'leaveGroup', 1, { groupId: 'g', memberId: 'ghost' })).toMatchObject({ errorCode: ErrorCode.UnknownMemberId });
    const v3 = await viaKafkajs(handlers.leave, 'leaveGroup', 3, { groupId: 'g', members: [{ memberId, groupInstanceId: null }, { memberId: 'ghost' }] });
    expect(v3).toMatchObject({ errorCode: 0, members: [{ memberId, errorCode: 0 }, { memberId: 'ghost', errorCode: ErrorCode.UnknownMemberId }] });
  });

  it('group-handlers - DescribeGroups v2, ListGroups v2 and DeleteGroups v1 through kafkajs', async () => {
    const { h, memberId, handlers } = await withGroup();
    const describe = createDescribeGroupsHandler(h.coordinator);
    const list = createListGroupsHandler(h.coordinator);
    const del = createDeleteGroupsHandler(h.coordinator);
    const d = await viaKafkajs(describe, 'describeGroups', 2, { groupIds: ['g', 'unknown'] });
    expect(d.groups).toEqual([
      expect.objectContaining({ groupId: 'g', errorCode: 0, state: 'CompletingRebalance', protocolType: 'consumer', protocol: '' }),
      expect.objectContaining({ groupId: 'unknown', errorCode: 0, state: 'Dead', members: [] }),
    ]);
    expect((d.groups as Array<{ members: Array<{ clientHost: string }> }>)[0]!.members[0]!.clientHost).toBe('/10.0.0.5');
    expect(await viaKafkajs(list, 'listGroups', 2, {})).toMatchObject({ errorCode: 0, groups: [{ groupId: 'g', protocolType: 'consumer' }] });
    const refused = await viaKafkajs(del, 'deleteGroups', 1, ['g']);
    expect(refused.results).toEqual([expect.objectContaining({ groupId: 'g', errorCode: ErrorCode.NonEmptyGroup })]);
    await viaKafkajs(handlers.leave, 'leaveGroup', 3, { groupId: 'g', members: [{ memberId }] });
    h.clock.advance(3000);
    await flush();
    const deleted = await viaKafkajs(del, 'deleteGroups', 1, ['g', 'nope']);
    expect(deleted.results).toEqual([
      expect.objectContaining({ groupId: 'g', errorCode: 0 }),
      expect.objectContaining({ groupId: 'nope', errorCode: ErrorCode.GroupIdNotFound }),
    ]);
  });

  it('group-handlers - DescribeGroups v3+ reports authorized operations only when asked; ListGroups v4 filters', async () => {
    const { h } = await withGroup();
    const describe = createDescribeGroupsHandler(h.coordinator);
    const asked = (await describe.handle({ groups: ['g'], includeAuthorizedOperations: true }, ctxFor(15, 4))) as { groups: Array<{ authorizedOperations: number }> };
    expect(asked.groups[0]!.authorizedOperations).toBe((1 << 3) | (1 << 6) | (1 << 8)); // READ, DELETE, DESCRIBE without an authorizer
    const notAsked = (await describe.handle({ groups: ['g'], includeAuthorizedOperations: false }, ctxFor(15, 4))) as { groups: Array<{ authorizedOperations: number }> };
    expect(notAsked.groups[0]!.authorizedOperations).toBe(-2147483648);
    const list = createListGroupsHandler(h.coordinator);
    expect(await list.handle({ statesFilter: ['Stable'] }, ctxFor(16, 4))).toMatchObject({ errorCode: 0, groups: [] });
    expect(await list.handle({ statesFilter: ['CompletingRebalance'] }, ctxFor(16, 4))).toMatchObject({ groups: [{ groupId: 'g', groupState: 'CompletingRebalance' }] });
  });

  it('group-handlers - OffsetDelete v0 answers per partition in request order, group errors top-level', async () => {
    const h = await makeHarness();
    const commit = createOffsetCommitHandler(h.coordinator);
    const del = createOffsetDeleteHandler(h.coordinator);
    await roundTrip(commit, 2, await kafkajsRequestBody('offsetCommit', 2, { groupId: 's', groupGenerationId: -1, memberId: '', retentionTime: -1, topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: '5' }] }] }));
    const res = await del.handle({ groupId: 's', topics: [{ name: 'orders', partitions: [{ partitionIndex: 0 }] }, { name: 'gone', partitions: [{ partitionIndex: 0 }] }] }, ctxFor(47, 0));
    expect(res).toEqual({
      errorCode: 0,
      throttleTimeMs: 0,
      topics: [
        { name: 'orders', partitions: [{ partitionIndex: 0, errorCode: 0 }] },
        { name: 'gone', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.UnknownTopicOrPartition }] },
      ],
    });
    expect(await del.handle({ groupId: 'none', topics: [] }, ctxFor(47, 0))).toEqual({ errorCode: ErrorCode.GroupIdNotFound, throttleTimeMs: 0, topics: [] });
  });
});

describe('group handlers - FindCoordinator', () => {
  const node = { nodeId: 2, host: 'broker-2', port: 9093 };

  it('group-handlers - FindCoordinator v2 through kafkajs: group found, transaction without a locator', async () => {
    const seen: Array<[string, string]> = [];
    const find = createFindCoordinatorHandler({ groups: { findCoordinator: (key, listener) => (seen.push([key, listener]), node) } });
    const found = await viaKafkajs(find, 'findCoordinator', 2, { coordinatorKey: 'g', coordinatorType: 0 });
    expect(found).toMatchObject({ errorCode: 0, errorMessage: null, coordinator: { nodeId: 2, host: 'broker-2', port: 9093 } });
    expect(seen).toEqual([['g', 'PLAINTEXT']]);
    const txn = await viaKafkajs(find, 'findCoordinator', 2, { coordinatorKey: 'tx', coordinatorType: 1 });
    expect(txn).toMatchObject({ errorCode: ErrorCode.CoordinatorNotAvailable, errorMessage: 'The coordinator is not available.', coordinator: { nodeId: -1, host: '', port: -1 } });
  });

  it('group-handlers - FindCoordinator: transaction locator, locator errors, bad key type, v0', async () => {
    const find = createFindCoordinatorHandler({
      groups: { findCoordinator: async () => ErrorCode.CoordinatorNotAvailable },
      transactions: { findCoordinator: () => node },
    });
    expect(await find.handle({ key: 'tx', keyType: 1 }, ctxFor(10, 2))).toMatchObject({ errorCode: 0, nodeId: 2 });
    expect(await find.handle({ key: 'g', keyType: 0 }, ctxFor(10, 2))).toMatchObject({ errorCode: ErrorCode.CoordinatorNotAvailable, nodeId: -1, host: '', port: -1 });
    expect(await find.handle({ key: 'g', keyType: 7 }, ctxFor(10, 2))).toMatchObject({ errorCode: ErrorCode.InvalidRequest, nodeId: -1 });
    const v0 = await viaKafkajs(find, 'findCoordinator', 0, { groupId: 'g' });
    expect(v0).toMatchObject({ errorCode: ErrorCode.CoordinatorNotAvailable });
    expect(find.errorResponse!({ key: 'g', keyType: 0 }, ErrorCode.UnknownServerError, ctxFor(10, 2))).toMatchObject({ errorCode: ErrorCode.UnknownServerError, nodeId: -1 });
  });
});
