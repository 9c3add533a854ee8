import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { decodeAssignment } from '../../../src/protocol/consumer-protocol.js';
import type { JoinGroupParams } from '../../../src/coordinator/group-coordinator.js';
import { assignment, flush, formGroup, joinParams, makeHarness, subscription, track, type Harness } from './harness.js';

const rr = (topics: string[]) => ({ name: 'roundrobin', metadata: subscription(topics) });
const range = (topics: string[]) => ({ name: 'range', metadata: subscription(topics) });

/** JoinGroup, letting a zero initial delay (a 0 ms purgatory timer) fire. */
async function joinNow(h: Harness, p: Partial<JoinGroupParams> & { groupId?: string }) {
  const j = track(h.coordinator.handleJoinGroup(joinParams(p.groupId ?? 'g', p)));
  await flush();
  h.clock.advance(0);
  await flush();
  return j.promise;
}

function heartbeat(h: Harness, groupId: string, memberId: string, generationId: number, groupInstanceId: string | null = null): ErrorCode {
  return h.coordinator.handleHeartbeat({ groupId, memberId, generationId, groupInstanceId });
}

function sync(h: Harness, groupId: string, memberId: string, generationId: number, assignments = new Map<string, Buffer>(), extra: { groupInstanceId?: string | null; protocolType?: string | null; protocolName?: string | null } = {}) {
  return h.coordinator.handleSyncGroup({ groupId, memberId, generationId, assignments, groupInstanceId: extra.groupInstanceId ?? null, protocolType: extra.protocolType ?? null, protocolName: extra.protocolName ?? null });
}

describe('group-coordinator - join and sync', () => {
  it('group-coordinator - three members join through the initial delay; leader, protocol and assignments', async () => {
    const h = await makeHarness();
    const a = track(h.coordinator.handleJoinGroup(joinParams('g', { clientId: 'a', protocols: [rr(['orders']), range(['orders'])] })));
    const b = track(h.coordinator.handleJoinGroup(joinParams('g', { clientId: 'b', protocols: [range(['orders', 'payments']), rr(['orders', 'payments'])] })));
    h.clock.advance(1000);
    const c = track(h.coordinator.handleJoinGroup(joinParams('g', { clientId: 'c', protocols: [range(['payments']), rr(['payments'])] })));
    // 3000 ms initial delay, extended once (new members arrived during it): complete at 6000
    h.clock.advance(4999);
    await flush();
    expect([a.settled, b.settled, c.settled]).toEqual([false, false, false]);
    expect(h.coordinator.handleDescribeGroup('g').summary.state).toBe('PreparingRebalance');
    h.clock.advance(1);
    await flush();
    const [ra, rb, rc] = await Promise.all([a.promise, b.promise, c.promise]);
    expect(ra).toMatchObject({ errorCode: 0, memberId: 'a-uuid-1', generationId: 1, protocolName: 'range', protocolType: 'consumer', leaderId: 'a-uuid-1' });
    expect(rb).toMatchObject({ errorCode: 0, memberId: 'b-uuid-2', generationId: 1, protocolName: 'range', leaderId: 'a-uuid-1', members: [] });
    expect(rc).toMatchObject({ errorCode: 0, memberId: 'c-uuid-3', generationId: 1, protocolName: 'range', members: [] });
    expect(ra.members.map((m) => [m.memberId, m.metadata])).toEqual([
      ['a-uuid-1', subscription(['orders'])],
      ['b-uuid-2', subscription(['orders', 'payments'])],
      ['c-uuid-3', subscription(['payments'])],
    ]);
    expect(heartbeat(h, 'g', 'b-uuid-2', 1)).toBe(ErrorCode.None); // CompletingRebalance → NONE

    // followers wait for the leader; c is left out by the leader and gets empty bytes
    const sb = track(sync(h, 'g', 'b-uuid-2', 1));
    const sc = track(sync(h, 'g', 'c-uuid-3', 1));
    await flush();
    expect(sb.settled || sc.settled).toBe(false);
    const aAssign = assignment({ orders: [0, 1] });
    const bAssign = assignment({ orders: [2, 3], payments: [0, 1] });
    const sa = await sync(h, 'g', 'a-uuid-1', 1, new Map([['a-uuid-1', aAssign], ['b-uuid-2', bAssign]]));
    expect(sa).toMatchObject({ errorCode: 0, assignment: aAssign, protocolName: 'range', protocolType: 'consumer' });
    expect((await sb.promise).assignment).toEqual(bAssign);
    expect((await sc.promise).assignment).toEqual(Buffer.alloc(0));
    const described = h.coordinator.handleDescribeGroup('g').summary;
    expect(described).toMatchObject({ state: 'Stable', protocolType: 'consumer', protocol: 'range' });
    expect(described.members.map((m) => [m.memberId, m.clientId, m.clientHost, m.assignment])).toEqual([
      ['a-uuid-1', 'a', '/127.0.0.1', aAssign],
      ['b-uuid-2', 'b', '/127.0.0.1', bAssign],
      ['c-uuid-3', 'c', '/127.0.0.1', Buffer.alloc(0)],
    ]);
    // a Stable group answers a late SyncGroup with the member's assignment
    expect((await sync(h, 'g', 'b-uuid-2', 1)).assignment).toEqual(bAssign);

    // mirror: every member at generation 1, then the owner table
    expect(h.mirror.of('joined').map((e) => [e.member.memberId, e.member.generationId, e.member.subscription])).toEqual([
      ['a-uuid-1', 1, ['orders']],
      ['b-uuid-2', 1, ['orders', 'payments']],
      ['c-uuid-3', 1, ['payments']],
    ]);
    expect(h.mirror.of('owners')).toEqual([
      { type: 'owners', groupId: 'g', generationId: 1, owners: { orders: { 0: 'a-uuid-1', 1: 'a-uuid-1', 2: 'b-uuid-2', 3: 'b-uuid-2' }, payments: { 0: 'b-uuid-2', 1: 'b-uuid-2' } } },
    ]);
  });

  it('group-coordinator - the initial delay is extended at most up to the rebalance timeout', async () => {
    const h = await makeHarness();
    const first = track(h.coordinator.handleJoinGroup(joinParams('g', { clientId: 'a', rebalanceTimeoutMs: 7000 })));
    // a new member every 2.5 s would extend forever; remaining budget 7000 − 3000 = 4000
    const others = [];
    for (let i = 0; i < 4; i++) {
      h.clock.advance(2500);
      others.push(track(h.coordinator.handleJoinGroup(joinParams('g', { clientId: `m${i}`, rebalanceTimeoutMs: 7000 }))));
      await flush();
    }
    // delays: 3000 (extended) + 3000 (extended) + 1000 → completes at 7000
    expect(first.settled).toBe(true);
    const r = await first.promise;
    expect(r.generationId).toBe(1);
    expect(r.members).toHaveLength(3); // joined at 0, 2500 and 5000; the one at 7500 waits for the next rebalance
    expect(others[2]!.settled).toBe(false);
    expect(h.coordinator.handleDescribeGroup('g').summary.state).toBe('PreparingRebalance');
  });

  it('group-coordinator - a leaving member triggers a rebalance; the others get generation + 1', async () => {
    const h = await makeHarness();
    const g = await formGroup(h, 'g', [{ clientId: 'a' }, { clientId: 'b' }, { clientId: 'c' }]);
    expect(g.generationId).toBe(1);
    h.mirror.clear();
    const left = h.coordinator.handleLeaveGroup('g', [{ memberId: g.memberIds[2]!, groupInstanceId: null }]);
    expect(left).toEqual({ errorCode: 0, members: [{ memberId: 'c-uuid-3', groupInstanceId: null, errorCode: 0 }] });
    expect(h.mirror.of('left').map((e) => e.memberId)).toEqual(['c-uuid-3']);
    expect(heartbeat(h, 'g', 'a-uuid-1', 1)).toBe(ErrorCode.RebalanceInProgress);
    expect((await sync(h, 'g', 'a-uuid-1', 1)).errorCode).toBe(ErrorCode.RebalanceInProgress);
    const ja = track(h.coordinator.handleJoinGroup(joinParams('g', { memberId: 'a-uuid-1' })));
    await flush();
    expect(ja.settled).toBe(false); // b has not rejoined yet
    const rb = await h.coordinator.handleJoinGroup(joinParams('g', { memberId: 'b-uuid-2' }));
    const ra = await ja.promise;
    expect([ra.generationId, rb.generationId]).toEqual([2, 2]);
    expect(ra.members.map((m) => m.memberId)).toEqual(['a-uuid-1', 'b-uuid-2']);
    const newAssign = assignment({ orders: [0, 1, 2, 3] });
    const sb = track(sync(h, 'g', 'b-uuid-2', 2));
    await sync(h, 'g', 'a-uuid-1', 2, new Map([['b-uuid-2', newAssign]]));
    expect((await sb.promise).assignment).toEqual(newAssign);
    expect(h.mirror.of('owners').at(-1)).toMatchObject({ generationId: 2, owners: { orders: { 0: 'b-uuid-2', 3: 'b-uuid-2' } } });
  });

  it('group-coordinator - session expiry removes a silent member and rebalances the rest', async () => {
    const h = await makeHarness();
    const g = await formGroup(h, 'g', [{ clientId: 'a' }, { clientId: 'b' }]);
    for (let t = 0; t < 3; t++) {
      h.clock.advance(3000);
      expect(heartbeat(h, 'g', 'a-uuid-1', g.generationId)).toBe(ErrorCode.None);
    }
    expect(h.mirror.of('left')).toEqual([]);
    h.clock.advance(1000);
    // b last heard from at sync time, 10 s ago with a 10 s session: it is gone
    expect(heartbeat(h, 'g', 'b-uuid-2', g.generationId)).toBe(ErrorCode.UnknownMemberId);
    expect(h.mirror.of('left').map((e) => e.memberId)).toEqual(['b-uuid-2']);
    expect(heartbeat(h, 'g', 'a-uuid-1', g.generationId)).toBe(ErrorCode.RebalanceInProgress);
    const ra = await h.coordinator.handleJoinGroup(joinParams('g', { memberId: 'a-uuid-1' }));
    expect(ra).toMatchObject({ errorCode: 0, generationId: 2, leaderId: 'a-uuid-1' });
    expect(ra.members.map((m) => m.memberId)).toEqual(['a-uuid-1']);
  });

  it('group-coordinator - members that do not rejoin within the rebalance timeout are removed', async () => {
    const h = await makeHarness();
    const g = await formGroup(h, 'g', [{ clientId: 'a', rebalanceTimeoutMs: 20_000 }, { clientId: 'b', rebalanceTimeoutMs: 20_000 }]);
    // the leader rejoining with the same metadata still forces a rebalance
    const ja = track(h.coordinator.handleJoinGroup(joinParams('g', { memberId: 'a-uuid-1', rebalanceTimeoutMs: 20_000 })));
    for (let i = 0; i < 4; i++) {
      h.clock.advance(4000);
      expect(heartbeat(h, 'g', 'b-uuid-2', g.generationId)).toBe(ErrorCode.RebalanceInProgress);
    }
    await flush();
    expect(ja.settled).toBe(false);
    h.clock.advance(4000);
    await flush();
    const ra = await ja.promise;
    expect(ra).toMatchObject({ generationId: 2, leaderId: 'a-uuid-1' });
    expect(ra.members.map((m) => m.memberId)).toEqual(['a-uuid-1']);
    expect(heartbeat(h, 'g', 'b-uuid-2', 1)).toBe(ErrorCode.UnknownMemberId);
  });

  it('group-coordinator - a follower rejoining a Stable group unchanged gets the current generation without a rebalance', async () => {
    const h = await makeHarness();
    const g = await formGroup(h, 'g', [{ clientId: 'a' }, { clientId: 'b' }]);
    const rb = await h.coordinator.handleJoinGroup(joinParams('g', { memberId: 'b-uuid-2' }));
    expect(rb).toMatchObject({ errorCode: 0, generationId: g.generationId, leaderId: 'a-uuid-1', members: [] });
    expect(h.coordinator.handleDescribeGroup('g').summary.state).toBe('Stable');
  });

  it('group-coordinator - a JoinGroup repeated during CompletingRebalance is answered as before; changed metadata restarts', async () => {
    const h = await makeHarness({ groupInitialRebalanceDelayMs: 0 });
    const first = await joinNow(h, { clientId: 'a' });
    expect(first.generationId).toBe(1);
    const again = await h.coordinator.handleJoinGroup(joinParams('g', { memberId: first.memberId }));
    expect(again).toMatchObject({ errorCode: 0, generationId: 1, leaderId: first.memberId });
    expect(again.members).toHaveLength(1);
    const changed = track(h.coordinator.handleJoinGroup(joinParams('g', { memberId: first.memberId, protocols: [range(['payments'])] })));
    await flush();
    expect((await changed.promise).generationId).toBe(2);
  });
});

describe('group-coordinator - member ids', () => {
  it('group-coordinator - v4+ first join gets MEMBER_ID_REQUIRED and a pending id, then joins with it', async () => {
    const h = await makeHarness({ groupInitialRebalanceDelayMs: 0 });
    const first = await h.coordinator.handleJoinGroup(joinParams('g', { clientId: 'kafkajs', requireKnownMemberId: true }));
    expect(first).toMatchObject({ errorCode: ErrorCode.MemberIdRequired, memberId: 'kafkajs-uuid-1', generationId: -1, leaderId: '', members: [] });
    expect(h.coordinator.handleDescribeGroup('g').summary).toMatchObject({ state: 'Empty', members: [] });
    const second = await joinNow(h, { clientId: 'kafkajs', memberId: 'kafkajs-uuid-1', requireKnownMemberId: true });
    expect(second).toMatchObject({ errorCode: 0, memberId: 'kafkajs-uuid-1', generationId: 1, leaderId: 'kafkajs-uuid-1' });
  });

  it('group-coordinator - a pending member id that never rejoins expires after the session timeout', async () => {
    const h = await makeHarness({ groupInitialRebalanceDelayMs: 0 });
    const first = await h.coordinator.handleJoinGroup(joinParams('g', { requireKnownMemberId: true, sessionTimeoutMs: 6000 }));
    h.clock.advance(6000);
    const late = await h.coordinator.handleJoinGroup(joinParams('g', { memberId: first.memberId, requireKnownMemberId: true }));
    expect(late.errorCode).toBe(ErrorCode.UnknownMemberId);
  });

  it('group-coordinator - a pending member holds the rebalance until it joins or leaves', async () => {
    const h = await makeHarness({ groupInitialRebalanceDelayMs: 0 });
    const g = await formGroup(h, 'g', [{ clientId: 'a' }]);
    const pending = await h.coordinator.handleJoinGroup(joinParams('g', { clientId: 'b', requireKnownMemberId: true }));
    const ja = track(h.coordinator.handleJoinGroup(joinParams('g', { memberId: g.memberIds[0]! })));
    await flush();
    expect(ja.settled).toBe(false);
    const left = h.coordinator.handleLeaveGroup('g', [{ memberId: pending.memberId, groupInstanceId: null }]);
    expect(left.members[0]!.errorCode).toBe(ErrorCode.None);
    await flush();
    expect((await ja.promise).generationId).toBe(2);
  });

  it('group-coordinator - a static member rejoining with an unknown id takes over its old member and keeps its assignment', async () => {
    const h = await makeHarness();
    const g = await formGroup(h, 'g', [{ clientId: 'a', groupInstanceId: 'pod-a' }, { clientId: 'b', groupInstanceId: 'pod-b' }]);
    expect(g.memberIds).toEqual(['pod-a-uuid-1', 'pod-b-uuid-2']);
    h.mirror.clear();
    const rejoin = await h.coordinator.handleJoinGroup(joinParams('g', { clientId: 'b', groupInstanceId: 'pod-b', requireKnownMemberId: false }));
    expect(rejoin).toMatchObject({ errorCode: 0, memberId: 'pod-b-uuid-3', generationId: 1, leaderId: 'pod-a-uuid-1', members: [] });
    expect(h.coordinator.handleDescribeGroup('g').summary.state).toBe('Stable');
    const s = await sync(h, 'g', 'pod-b-uuid-3', 1, new Map(), { groupInstanceId: 'pod-b' });
    expect(decodeAssignment(s.assignment)?.assignedPartitions).toEqual([{ topic: 'orders', partitions: [1] }]);
    // the old member id is fenced everywhere
    expect(heartbeat(h, 'g', 'pod-b-uuid-2', 1, 'pod-b')).toBe(ErrorCode.FencedInstanceId);
    expect((await sync(h, 'g', 'pod-b-uuid-2', 1, new Map(), { groupInstanceId: 'pod-b' })).errorCode).toBe(ErrorCode.FencedInstanceId);
    expect((await h.coordinator.handleJoinGroup(joinParams('g', { memberId: 'pod-b-uuid-2', groupInstanceId: 'pod-b' }))).errorCode).toBe(ErrorCode.FencedInstanceId);
    expect(heartbeat(h, 'g', 'pod-b-uuid-3', 1, 'pod-b')).toBe(ErrorCode.None);
    expect(h.mirror.events.map((e) => e.type)).toEqual(['left', 'joined', 'owners']);
    expect(h.mirror.of('owners')[0]!.owners).toEqual({ orders: { 0: 'pod-a-uuid-1', 1: 'pod-b-uuid-3' } });
  });

  it('group-coordinator - a static leader rejoining is answered with the old leader id so it computes no assignment', async () => {
    const h = await makeHarness();
    await formGroup(h, 'g', [{ clientId: 'a', groupInstanceId: 'pod-a' }, { clientId: 'b', groupInstanceId: 'pod-b' }]);
    const rejoin = await h.coordinator.handleJoinGroup(joinParams('g', { clientId: 'a', groupInstanceId: 'pod-a' }));
    expect(rejoin).toMatchObject({ errorCode: 0, memberId: 'pod-a-uuid-3', leaderId: 'pod-a-uuid-1', members: [] });
  });

  it('group-coordinator - a static member with new metadata that changes the protocol triggers a rebalance', async () => {
    const h = await makeHarness();
    await formGroup(h, 'g', [{ clientId: 'a', groupInstanceId: 'pod-a', protocols: [range(['orders']), rr(['orders'])] }]);
    const rejoin = track(h.coordinator.handleJoinGroup(joinParams('g', { groupInstanceId: 'pod-a', protocols: [rr(['orders']), range(['orders'])] })));
    await flush();
    // everyone (the one member) has rejoined: the new generation forms at once
    expect(h.coordinator.handleDescribeGroup('g').summary.state).toBe('CompletingRebalance');
    expect((await rejoin.promise)).toMatchObject({ errorCode: 0, generationId: 2, protocolName: 'roundrobin' });
  });

  it('group-coordinator - a static member unknown to the group, with a member id, is UNKNOWN_MEMBER_ID', async () => {
    const h = await makeHarness();
    const g = await formGroup(h, 'g', [{ clientId: 'a' }]);
    const r = await h.coordinator.handleJoinGroup(joinParams('g', { memberId: g.memberIds[0]!, groupInstanceId: 'pod-x' }));
    expect(r.errorCode).toBe(ErrorCode.UnknownMemberId);
  });
});

describe('group-coordinator - errors', () => {
  it('group-coordinator - INVALID_GROUP_ID for an empty group id', async () => {
    const h = await makeHarness();
    expect((await h.coordinator.handleJoinGroup(joinParams(''))).errorCode).toBe(ErrorCode.InvalidGroupId);
    expect((await sync(h, '', 'm', 1)).errorCode).toBe(ErrorCode.InvalidGroupId);
    expect(heartbeat(h, '', 'm', 1)).toBe(ErrorCode.InvalidGroupId);
    expect(h.coordinator.handleLeaveGroup('', [{ memberId: 'm', groupInstanceId: null }]).errorCode).toBe(ErrorCode.InvalidGroupId);
  });

  it.each([5999, 1_800_001])('group-coordinator - INVALID_SESSION_TIMEOUT for %i ms', async (sessionTimeoutMs) => {
    const h = await makeHarness();
    expect((await h.coordinator.handleJoinGroup(joinParams('g', { sessionTimeoutMs }))).errorCode).toBe(ErrorCode.InvalidSessionTimeout);
  });

  it('group-coordinator - UNKNOWN_MEMBER_ID for member ids the group does not know', async () => {
    const h = await makeHarness();
    expect((await h.coordinator.handleJoinGroup(joinParams('nowhere', { memberId: 'ghost' }))).errorCode).toBe(ErrorCode.UnknownMemberId);
    expect((await sync(h, 'nowhere', 'ghost', 1)).errorCode).toBe(ErrorCode.UnknownMemberId);
    expect(heartbeat(h, 'nowhere', 'ghost', 1)).toBe(ErrorCode.UnknownMemberId);
    await formGroup(h, 'g', [{ clientId: 'a' }]);
    expect((await h.coordinator.handleJoinGroup(joinParams('g', { memberId: 'ghost' }))).errorCode).toBe(ErrorCode.UnknownMemberId);
    expect((await sync(h, 'g', 'ghost', 1)).errorCode).toBe(ErrorCode.UnknownMemberId);
    expect(heartbeat(h, 'g', 'ghost', 1)).toBe(ErrorCode.UnknownMemberId);
    expect(h.coordinator.handleLeaveGroup('nowhere', [{ memberId: 'ghost', groupInstanceId: null }])).toEqual({
      errorCode: 0,
      members: [{ memberId: 'ghost', groupInstanceId: null, errorCode: ErrorCode.UnknownMemberId }],
    });
  });

  it('group-coordinator - INCONSISTENT_GROUP_PROTOCOL for no shared protocol, another type, or no protocol at all', async () => {
    const h = await makeHarness();
    expect((await h.coordinator.handleJoinGroup(joinParams('g', { protocols: [] }))).errorCode).toBe(ErrorCode.InconsistentGroupProtocol);
    expect((await h.coordinator.handleJoinGroup(joinParams('g', { protocolType: '' }))).errorCode).toBe(ErrorCode.InconsistentGroupProtocol);
    const g = await formGroup(h, 'g2', [{ clientId: 'a', protocols: [range(['orders'])] }]);
    expect((await h.coordinator.handleJoinGroup(joinParams('g2', { protocols: [rr(['orders'])] }))).errorCode).toBe(ErrorCode.InconsistentGroupProtocol);
    expect((await h.coordinator.handleJoinGroup(joinParams('g2', { protocolType: 'connect', protocols: [range(['orders'])] }))).errorCode).toBe(ErrorCode.InconsistentGroupProtocol);
    expect((await h.coordinator.handleJoinGroup(joinParams('g2', { memberId: g.memberIds[0]!, protocols: [rr(['orders'])] }))).errorCode).toBe(
      ErrorCode.InconsistentGroupProtocol,
    );
    // SyncGroup v5 fields must match the group's
    expect((await sync(h, 'g2', g.memberIds[0]!, 1, new Map(), { protocolType: 'consumer', protocolName: 'roundrobin' })).errorCode).toBe(ErrorCode.InconsistentGroupProtocol);
    expect((await sync(h, 'g2', g.memberIds[0]!, 1, new Map(), { protocolType: 'connect', protocolName: 'range' })).errorCode).toBe(ErrorCode.InconsistentGroupProtocol);
    expect(await sync(h, 'g2', g.memberIds[0]!, 1, new Map(), { protocolType: 'consumer', protocolName: 'range' })).toMatchObject({ errorCode: 0, protocolName: 'range' });
  });

  it('group-coordinator - GROUP_MAX_SIZE_REACHED once group.max.size members are in', async () => {
    const h = await makeHarness({ groupMaxSize: 2 });
    await formGroup(h, 'g', [{ clientId: 'a' }, { clientId: 'b' }]);
    const third = await h.coordinator.handleJoinGroup(joinParams('g', { clientId: 'c' }));
    expect(third).toMatchObject({ errorCode: ErrorCode.GroupMaxSizeReached, memberId: '' });
    expect(h.coordinator.handleDescribeGroup('g').summary.members).toHaveLength(2);
  });

  it('group-coordinator - ILLEGAL_GENERATION and REBALANCE_IN_PROGRESS', async () => {
    const h = await makeHarness();
    const g = await formGroup(h, 'g', [{ clientId: 'a' }, { clientId: 'b' }]);
    expect(heartbeat(h, 'g', g.memberIds[1]!, 0)).toBe(ErrorCode.IllegalGeneration);
    expect((await sync(h, 'g', g.memberIds[1]!, 7)).errorCode).toBe(ErrorCode.IllegalGeneration);
    void h.coordinator.handleJoinGroup(joinParams('g', { memberId: g.memberIds[0]! }));
    expect((await sync(h, 'g', g.memberIds[1]!, 1)).errorCode).toBe(ErrorCode.RebalanceInProgress);
    expect(heartbeat(h, 'g', g.memberIds[1]!, 1)).toBe(ErrorCode.RebalanceInProgress);
  });

  it('group-coordinator - a rebalance while followers wait in SyncGroup answers them REBALANCE_IN_PROGRESS', async () => {
    const h = await makeHarness({ groupInitialRebalanceDelayMs: 0 });
    const ja = track(h.coordinator.handleJoinGroup(joinParams('g', { clientId: 'a' })));
    const jb = track(h.coordinator.handleJoinGroup(joinParams('g', { clientId: 'b' })));
    h.clock.advance(0);
    await flush();
    const [ra, rb] = await Promise.all([ja.promise, jb.promise]);
    const sb = track(sync(h, 'g', rb.memberId, rb.generationId));
    void h.coordinator.handleJoinGroup(joinParams('g', { memberId: ra.memberId, protocols: [range(['payments'])] }));
    await flush();
    expect(await sb.promise).toMatchObject({ errorCode: ErrorCode.RebalanceInProgress, assignment: Buffer.alloc(0) });
  });

  it('group-coordinator - LeaveGroup batch: per-member errors, static members by instance id alone', async () => {
    const h = await makeHarness();
    const g = await formGroup(h, 'g', [{ clientId: 'a', groupInstanceId: 'pod-a' }, { clientId: 'b', groupInstanceId: 'pod-b' }, { clientId: 'c' }]);
    const r = h.coordinator.handleLeaveGroup('g', [
      { memberId: 'wrong-id', groupInstanceId: 'pod-a' },
      { memberId: '', groupInstanceId: 'pod-b' },
      { memberId: 'ghost', groupInstanceId: null },
      { memberId: g.memberIds[2]!, groupInstanceId: null },
    ]);
    expect(r.errorCode).toBe(0);
    expect(r.members.map((m) => m.errorCode)).toEqual([ErrorCode.FencedInstanceId, 0, ErrorCode.UnknownMemberId, 0]);
    expect(h.coordinator.handleDescribeGroup('g').summary.members.map((m) => m.memberId)).toEqual([g.memberIds[0]]);
  });

  it('group-coordinator - NOT_COORDINATOR for groups of partitions this broker does not lead', async () => {
    const h = await makeHarness({ offsetsTopicNumPartitions: 50 }, { elect: false });
    await h.coordinator.onElection(47); // "a" → 97 % 50 = 47
    expect(h.coordinator.isCoordinatorFor('a')).toBe(true);
    expect(h.coordinator.isCoordinatorFor('hello')).toBe(false);
    expect((await h.coordinator.handleJoinGroup(joinParams('hello'))).errorCode).toBe(ErrorCode.NotCoordinator);
    expect((await sync(h, 'hello', 'm', 1)).errorCode).toBe(ErrorCode.NotCoordinator);
    expect(heartbeat(h, 'hello', 'm', 1)).toBe(ErrorCode.NotCoordinator);
    expect(h.coordinator.handleLeaveGroup('hello', [{ memberId: 'm', groupInstanceId: null }])).toEqual({ errorCode: ErrorCode.NotCoordinator, members: [] });
    expect(h.coordinator.handleDescribeGroup('hello')).toMatchObject({ errorCode: ErrorCode.NotCoordinator, summary: { state: '' } });
    expect(await h.coordinator.handleDeleteGroups(['hello'])).toEqual([{ groupId: 'hello', errorCode: ErrorCode.NotCoordinator }]);
    const own = track(h.coordinator.handleJoinGroup(joinParams('a')));
    h.clock.advance(3000);
    expect((await own.promise).errorCode).toBe(0);
  });

  it('group-coordinator - COORDINATOR_LOAD_IN_PROGRESS while a partition loads (Heartbeat NONE, SyncGroup REBALANCE_IN_PROGRESS)', async () => {
    const h = await makeHarness({}, { elect: false });
    h.store.failNext('listGroupsWithOffsets', new Error('zk down'));
    const election = track(h.coordinator.onElection(0));
    await flush();
    expect(election.settled).toBe(false);
    expect((await h.coordinator.handleJoinGroup(joinParams('g'))).errorCode).toBe(ErrorCode.CoordinatorLoadInProgress);
    expect(heartbeat(h, 'g', 'm', 1)).toBe(ErrorCode.None);
    expect((await sync(h, 'g', 'm', 1)).errorCode).toBe(ErrorCode.RebalanceInProgress);
    expect(h.coordinator.handleListGroups().errorCode).toBe(ErrorCode.CoordinatorLoadInProgress);
    expect(h.coordinator.isCoordinatorFor('g')).toBe(false);
    h.clock.advance(1000); // the load is retried
    await flush();
    expect(election.settled).toBe(true);
    expect(h.coordinator.isCoordinatorFor('g')).toBe(true);
    expect(h.store.calls.listGroupsWithOffsets).toBe(2);
  });

  it('group-coordinator - COORDINATOR_NOT_AVAILABLE before startup and after shutdown', async () => {
    const h = await makeHarness();
    h.coordinator.shutdown();
    expect((await h.coordinator.handleJoinGroup(joinParams('g'))).errorCode).toBe(ErrorCode.CoordinatorNotAvailable);
    expect(heartbeat(h, 'g', 'm', 1)).toBe(ErrorCode.CoordinatorNotAvailable);
    expect(h.coordinator.handleListGroups()).toEqual({ errorCode: ErrorCode.CoordinatorNotAvailable, groups: [] });
  });

  it('group-coordinator - resignation answers pending joins and syncs NOT_COORDINATOR and drops the groups', async () => {
    const h = await makeHarness();
    const g2 = await formGroup(h, 'g2', [{ clientId: 'x' }, { clientId: 'y' }]);
    void h.coordinator.handleJoinGroup(joinParams('g2', { memberId: g2.memberIds[0]! }));
    const rejoinY = await h.coordinator.handleJoinGroup(joinParams('g2', { memberId: g2.memberIds[1]! }));
    const waitingSync = track(sync(h, 'g2', g2.memberIds[1]!, rejoinY.generationId));
    const a = track(h.coordinator.handleJoinGroup(joinParams('g', { clientId: 'a' })));
    const b = track(h.coordinator.handleJoinGroup(joinParams('g', { clientId: 'b' })));
    await flush();
    expect([a.settled, b.settled, waitingSync.settled]).toEqual([false, false, false]);
    h.mirror.clear();
    h.coordinator.onResignation(0);
    await flush();
    expect((await a.promise).errorCode).toBe(ErrorCode.NotCoordinator);
    expect((await b.promise).errorCode).toBe(ErrorCode.NotCoordinator);
    expect((await waitingSync.promise).errorCode).toBe(ErrorCode.NotCoordinator);
    expect(heartbeat(h, 'g2', g2.memberIds[0]!, rejoinY.generationId)).toBe(ErrorCode.NotCoordinator);
    expect(h.coordinator.isCoordinatorFor('g')).toBe(false);
    expect(h.mirror.of('left').map((e) => e.memberId).sort()).toEqual(['a-uuid-3', 'b-uuid-4', g2.memberIds[0], g2.memberIds[1]].sort());
    // no timer of the dropped groups fires into them later
    h.clock.advance(10 * 60_000);
    await flush();
    await h.coordinator.onElection(0);
    expect(h.coordinator.handleListGroups().groups).toEqual([]);
  });
});

describe('group-coordinator - describe, list, delete', () => {
  it('group-coordinator - DescribeGroups of an unknown group is NONE / Dead; members carry no bytes unless Stable', async () => {
    const h = await makeHarness();
    expect(h.coordinator.handleDescribeGroup('nope')).toEqual({ errorCode: 0, summary: { state: 'Dead', protocolType: '', protocol: '', members: [] } });
    void h.coordinator.handleJoinGroup(joinParams('g', { clientId: 'a' }));
    const d = h.coordinator.handleDescribeGroup('g').summary;
    expect(d).toMatchObject({ state: 'PreparingRebalance', protocolType: 'consumer', protocol: '' });
    expect(d.members[0]).toMatchObject({ clientId: 'a', metadata: Buffer.alloc(0), assignment: Buffer.alloc(0) });
  });

  it('group-coordinator - ListGroups lists every coordinated group, filtered by state', async () => {
    const h = await makeHarness();
    await formGroup(h, 'stable', [{ clientId: 'a' }]);
    void h.coordinator.handleJoinGroup(joinParams('joining'));
    await h.coordinator.handleCommitOffsets({ groupId: 'simple', memberId: '', groupInstanceId: null, generationId: -1, retentionTimeMs: -1, partitions: [{ topic: 'orders', partition: 0, offset: 5, leaderEpoch: -1, metadata: null, commitTimestamp: -1 }] });
    const all = h.coordinator.handleListGroups();
    expect(all.errorCode).toBe(0);
    expect(all.groups.map((g) => [g.groupId, g.protocolType, g.state])).toEqual([
      ['stable', 'consumer', 'Stable'],
      ['joining', 'consumer', 'PreparingRebalance'],
      ['simple', '', 'Empty'],
    ]);
    expect(h.coordinator.handleListGroups(['Empty', 'Stable']).groups.map((g) => g.groupId)).toEqual(['stable', 'simple']);
    expect(h.coordinator.handleListGroups(['stable']).groups).toEqual([]);
  });

  it('group-coordinator - DeleteGroups: NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND, and NONE deleting the offsets', async () => {
    const h = await makeHarness();
    await formGroup(h, 'busy', [{ clientId: 'a' }]);
    await h.coordinator.handleCommitOffsets({ groupId: 'idle', memberId: '', groupInstanceId: null, generationId: -1, retentionTimeMs: -1, partitions: [{ topic: 'orders', partition: 0, offset: 5, leaderEpoch: -1, metadata: null, commitTimestamp: -1 }] });
    expect(h.store.offsetOf('idle', { topic: 'orders', partition: 0 })).toBe(5);
    const r = await h.coordinator.handleDeleteGroups(['busy', 'idle', 'missing', 'idle']);
    expect(r).toEqual([
      { groupId: 'busy', errorCode: ErrorCode.NonEmptyGroup },
      { groupId: 'idle', errorCode: 0 },
      { groupId: 'missing', errorCode: ErrorCode.GroupIdNotFound },
    ]);
    expect(h.store.groups.has('idle')).toBe(false);
    expect(h.coordinator.handleDescribeGroup('idle').summary.state).toBe('Dead');
    expect(await h.coordinator.handleDeleteGroups(['idle'])).toEqual([{ groupId: 'idle', errorCode: ErrorCode.GroupIdNotFound }]);
  });

  it('group-coordinator - DeleteGroups whose store delete fails keeps the group and answers the error', async () => {
    const h = await makeHarness();
    await h.coordinator.handleCommitOffsets({ groupId: 'idle', memberId: '', groupInstanceId: null, generationId: -1, retentionTimeMs: -1, partitions: [{ topic: 'orders', partition: 0, offset: 5, leaderEpoch: -1, metadata: null, commitTimestamp: -1 }] });
    h.store.failNext('deleteGroup', new Error('zk down'));
    expect(await h.coordinator.handleDeleteGroups(['idle'])).toEqual([{ groupId: 'idle', errorCode: ErrorCode.CoordinatorNotAvailable }]);
    expect(h.coordinator.handleDescribeGroup('idle').summary.state).toBe('Empty');
    expect((await h.coordinator.handleFetchOffsets('idle', null)).partitions.map((p) => p.offset)).toEqual([5]);
  });
});
