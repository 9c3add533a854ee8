import { describe, expect, it } from 'vitest';
import { GroupMetadata, GroupState, GROUP_STATES } from '../../../src/coordinator/group-metadata.js';
import { MemberMetadata, NEW_MEMBER_JOIN_TIMEOUT_MS } from '../../../src/coordinator/member-metadata.js';

function member(id: string, protocols: string[], instance: string | null = null): MemberMetadata {
  return new MemberMetadata({
    memberId: id,
    groupId: 'g',
    groupInstanceId: instance,
    clientId: 'c',
    clientHost: '/h',
    rebalanceTimeoutMs: 1000,
    sessionTimeoutMs: 500,
    protocolType: 'consumer',
    supportedProtocols: protocols.map((name) => ({ name, metadata: Buffer.from(name) })),
  });
}

const ALLOWED: Record<GroupState, GroupState[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

function groupIn(state: GroupState): GroupMetadata {
  const g = new GroupMetadata('g', GroupState.Empty, 0);
  const path: Record<GroupState, GroupState[]> = {
    Empty: [],
    PreparingRebalance: ['PreparingRebalance'],
    CompletingRebalance: ['PreparingRebalance', 'CompletingRebalance'],
    Stable: ['PreparingRebalance', 'CompletingRebalance', 'Stable'],
    Dead: ['Dead'],
  };
  for (const s of path[state]) g.transitionTo(s, 0);
  return g;
}

describe('group-metadata', () => {
  for (const from of GROUP_STATES) {
    for (const to of GROUP_STATES) {
      const ok = ALLOWED[to].includes(from);
      it(`group-metadata - ${from} → ${to} is ${ok ? 'allowed' : 'refused'}`, () => {
        const g = groupIn(from);
        if (ok) {
          g.transitionTo(to, 42);
          expect(g.currentState).toBe(to);
          expect(g.currentStateTimestamp).toBe(42);
        } else {
          expect(() => g.transitionTo(to, 42)).toThrow(/should be in/);
          expect(g.currentState).toBe(from);
        }
      });
    }
  }

  it('group-metadata - selectProtocol votes among the protocols every member supports', () => {
    const g = new GroupMetadata('g', GroupState.Empty, 0);
    g.add(member('a', ['roundrobin', 'range', 'sticky']), null);
    g.add(member('b', ['range', 'roundrobin']), null);
    g.add(member('c', ['range', 'sticky', 'roundrobin']), null);
    expect([...g.candidateProtocols()].sort()).toEqual(['range', 'roundrobin']);
    expect(g.selectProtocol()).toBe('range'); // a votes roundrobin; b and c vote range
    expect(g.leaderId).toBe('a');
  });

  it('group-metadata - supportsProtocols: Empty takes any non-empty set, then only a shared protocol of the same type', () => {
    const g = new GroupMetadata('g', GroupState.Empty, 0);
    expect(g.supportsProtocols('', ['range'])).toBe(false);
    expect(g.supportsProtocols('consumer', [])).toBe(false);
    expect(g.supportsProtocols('consumer', ['range'])).toBe(true);
    g.add(member('a', ['range']), null);
    g.transitionTo(GroupState.PreparingRebalance, 0);
    expect(g.supportsProtocols('consumer', ['roundrobin'])).toBe(false);
    expect(g.supportsProtocols('connect', ['range'])).toBe(false);
    expect(g.supportsProtocols('consumer', ['roundrobin', 'range'])).toBe(true);
  });

  it('group-metadata - removing the leader hands leadership to another member', () => {
    const g = new GroupMetadata('g', GroupState.Empty, 0);
    g.add(member('a', ['range']), null);
    g.add(member('b', ['range']), null);
    g.remove('a');
    expect(g.leaderId).toBe('b');
    g.remove('b');
    expect(g.leaderId).toBeNull();
    expect(() => g.selectProtocol()).toThrow(/empty group/);
  });

  it('group-metadata - a new member waiting in JoinGroup is kept only for the new-member timeout', () => {
    const m = member('a', ['range']);
    m.latestHeartbeat = 0;
    m.awaitingJoinCallback = () => {};
    m.isNew = true;
    expect(m.shouldKeepAlive(NEW_MEMBER_JOIN_TIMEOUT_MS - 1)).toBe(true);
    expect(m.shouldKeepAlive(NEW_MEMBER_JOIN_TIMEOUT_MS)).toBe(false);
    m.isNew = false;
    expect(m.shouldKeepAlive(10 * NEW_MEMBER_JOIN_TIMEOUT_MS)).toBe(true);
    m.awaitingJoinCallback = null;
    expect(m.shouldKeepAlive(499)).toBe(true);
    expect(m.shouldKeepAlive(500)).toBe(false);
    m.awaitingSyncCallback = () => {};
    expect(m.shouldKeepAlive(10_000)).toBe(true);
  });

  it('group-metadata - metadata and vote refuse protocols the member does not support', () => {
    const m = member('a', ['range']);
    expect(() => m.metadata('sticky')).toThrow(/does not support/);
    expect(() => m.vote(new Set(['sticky']))).toThrow(/candidate/);
    expect(() => new GroupMetadata('g', GroupState.Empty, 0).get('x')).toThrow(/not in group/);
  });

  it('group-metadata - currentMemberMetadata is refused while preparing a rebalance', () => {
    const g = groupIn(GroupState.PreparingRebalance);
    expect(() => g.currentMemberMetadata()).toThrow(/no current member metadata/);
  });
});
