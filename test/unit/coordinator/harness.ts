/** Builds a coordinator on a ManualClock with the in-memory store and a recording mirror. */
import { ManualClock } from '../../../src/common/clock.js';
import { silentLogger } from '../../../src/common/logger.js';
import type { TopicPartition } from '../../../src/common/topic-partition.js';
import { groupCoordinatorConfig, type GroupCoordinatorConfig } from '../../../src/coordinator/coordinator-config.js';
import { GroupCoordinator, type JoinGroupParams } from '../../../src/coordinator/group-coordinator.js';
import { encodeAssignment, encodeSubscription } from '../../../src/protocol/consumer-protocol.js';
import { InMemoryOffsetStore } from './in-memory-offset-store.js';
import { InMemoryTxnOffsetStore } from './in-memory-txn-offset-store.js';
import { RecordingGroupMirror } from './recording-mirror.js';

export const START = 1_700_000_000_000;

export interface Harness {
  coordinator: GroupCoordinator;
  clock: ManualClock;
  store: InMemoryOffsetStore;
  txnStore: InMemoryTxnOffsetStore;
  mirror: RecordingGroupMirror;
  config: GroupCoordinatorConfig;
  /** topics that exist: name → partition count */
  topics: Map<string, number>;
}

export async function makeHarness(
  overrides: Partial<GroupCoordinatorConfig> = {},
  opts: { elect?: boolean; store?: InMemoryOffsetStore; txnStore?: InMemoryTxnOffsetStore } = {},
): Promise<Harness> {
  const clock = new ManualClock(START);
  const store = opts.store ?? new InMemoryOffsetStore();
  const txnStore = opts.txnStore ?? new InMemoryTxnOffsetStore(store);
  const mirror = new RecordingGroupMirror();
  const topics = new Map([
    ['orders', 4],
    ['payments', 2],
  ]);
  const config = { ...groupCoordinatorConfig({ 'offsets.topic.num.partitions': 1 }), ...overrides };
  let seq = 0;
  const coordinator = new GroupCoordinator({
    config,
    clock,
    log: silentLogger(),
    offsetStore: store,
    txnOffsetStore: txnStore,
    mirror,
    partitionExists: (tp: TopicPartition) => tp.partition >= 0 && tp.partition < (topics.get(tp.topic) ?? 0),
    randomUUID: () => `uuid-${++seq}`,
  });
  coordinator.startup();
  if (opts.elect !== false) {
    for (let p = 0; p < config.offsetsTopicNumPartitions; p++) await coordinator.onElection(p);
  }
  return { coordinator, clock, store, txnStore, mirror, config, topics };
}

export function subscription(topics: string[]): Buffer {
  return encodeSubscription({ version: 0, topics, userData: null });
}

export function assignment(parts: Record<string, number[]>): Buffer {
  return encodeAssignment({ version: 0, assignedPartitions: Object.entries(parts).map(([topic, partitions]) => ({ topic, partitions })), userData: null });
}

export function joinParams(groupId: string, overrides: Partial<JoinGroupParams> = {}): JoinGroupParams {
  return {
    groupId,
    memberId: '',
    groupInstanceId: null,
    requireKnownMemberId: false,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    rebalanceTimeoutMs: 60_000,
    sessionTimeoutMs: 10_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription(['orders']) }],
    ...overrides,
  };
}

/** Lets promise callbacks run (the in-memory store resolves on microtasks). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Tracks whether a promise settled, without awaiting it. */
export function track<T>(p: Promise<T>): { readonly settled: boolean; readonly value: T | undefined; promise: Promise<T> } {
  const state = { settled: false, value: undefined as T | undefined, promise: p };
  void p.then((v) => {
    state.settled = true;
    state.value = v;
  });
  return state;
}

export interface FormedGroup {
  generationId: number;
  leaderId: string;
  memberIds: string[];
  protocolName: string | null;
}

/**
 * Joins every member (first-time joins, no MEMBER_ID_REQUIRED), lets the initial delay pass,
 * then syncs with the leader's assignments (member index → assignment bytes).
 */
export async function formGroup(
  h: Harness,
  groupId: string,
  members: Array<Partial<JoinGroupParams>>,
  assign: (memberIds: string[]) => Map<string, Buffer> = (ids) => new Map(ids.map((id, i) => [id, assignment({ orders: [i] })])),
): Promise<FormedGroup> {
  const joins = members.map((m) => track(h.coordinator.handleJoinGroup(joinParams(groupId, m))));
  for (let i = 0; i < 100 && !joins.every((j) => j.settled); i++) {
    h.clock.advance(h.config.groupInitialRebalanceDelayMs);
    await flush();
  }
  const results = await Promise.all(joins.map((j) => j.promise));
  for (const r of results) if (r.errorCode !== 0) throw new Error(`join failed with ${r.errorCode}`);
  const memberIds = results.map((r) => r.memberId);
  const first = results[0]!;
  const syncs = results.map((r) =>
    h.coordinator.handleSyncGroup({
      groupId,
      generationId: r.generationId,
      memberId: r.memberId,
      groupInstanceId: members[results.indexOf(r)]?.groupInstanceId ?? null,
      protocolType: null,
      protocolName: null,
      assignments: r.memberId === first.leaderId ? assign(memberIds) : new Map(),
    }),
  );
  for (const s of await Promise.all(syncs)) if (s.errorCode !== 0) throw new Error(`sync failed with ${s.errorCode}`);
  return { generationId: first.generationId, leaderId: first.leaderId, memberIds, protocolName: first.protocolName };
}
