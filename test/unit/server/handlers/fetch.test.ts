import { afterEach, describe, expect, it } from 'vitest';
import { createFetchHandler } from '../../../../src/server/handlers/fetch.js';
import { ErrorCode } from '../../../../src/protocol/error-codes.js';
import { splitBatches } from '../../../../src/protocol/records/index.js';
import { batch, cacheBrokers, control, ctx, depsOf, makeKit, state, type Kit } from '../../cluster/kit.js';

let kit: Kit;
afterEach(() => kit?.close());

type Part = { partition: number; errorCode: number; highWatermark: number; lastStableOffset: number; logStartOffset: number; abortedTransactions: unknown; preferredReadReplica: number; recordSet: Buffer };
type Res = { errorCode: number; sessionId: number; responses: Array<{ topic: string; partitionResponses: Part[] }> };

async function setup(): Promise<ReturnType<typeof createFetchHandler>> {
  kit = makeKit();
  cacheBrokers(kit.metadataCache, [1], [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }]);
  await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0), state('t', 1)]);
  return createFetchHandler(depsOf(kit), kit.rm);
}

function req(partitions: Array<{ partition: number; fetchOffset: number; partitionMaxBytes?: number }>, extra: Record<string, unknown> = {}) {
  return {
    clusterId: null,
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: 't', partitions: partitions.map((p) => ({ currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, ...p })) }],
    forgottenTopicsData: [],
    rackId: '',
    ...extra,
  };
}

describe('fetch handler', () => {
  it('returns the stored batches with HW, LSO, log start, null aborted transactions and session id 0', async () => {
    const h = await setup();
    await kit.rm.appendRecords([{ tp: { topic: 't', partition: 0 }, records: batch(['a', 'b']) }], 1, 1000);
    const r = (await h.handle(req([{ partition: 0, fetchOffset: 1 }, { partition: 1, fetchOffset: 0 }]), ctx(11))) as Res;
    expect(r.errorCode).toBe(0);
    expect(r.sessionId).toBe(0);
    const [p0, p1] = r.responses[0]!.partitionResponses;
    expect(p0).toMatchObject({ errorCode: 0, highWatermark: 2, lastStableOffset: 2, logStartOffset: 0, abortedTransactions: null, preferredReadReplica: -1 });
    expect(splitBatches(p0!.recordSet).map((b) => [b.baseOffset, b.recordCount])).toEqual([[0, 2]]);
    expect(p1!.recordSet.length).toBe(0);
  });

  it('read_committed gets an empty aborted-transactions list', async () => {
    const h = await setup();
    const r = (await h.handle(req([{ partition: 0, fetchOffset: 0 }], { isolationLevel: 1 }), ctx(11))) as Res;
    expect(r.responses[0]!.partitionResponses[0]!.abortedTransactions).toEqual([]);
  });

  it('FETCH_SESSION_ID_NOT_FOUND for an incremental session epoch', async () => {
    const h = await setup();
    const r = (await h.handle(req([{ partition: 0, fetchOffset: 0 }], { sessionId: 5, sessionEpoch: 3 }), ctx(11))) as Res;
    expect(r).toMatchObject({ errorCode: ErrorCode.FetchSessionIdNotFound, sessionId: 0, responses: [] });
    const full = (await h.handle(req([{ partition: 0, fetchOffset: 0 }], { sessionId: 5, sessionEpoch: 0 }), ctx(11))) as Res;
    expect(full).toMatchObject({ errorCode: 0, sessionId: 0 });
  });

  it('OFFSET_OUT_OF_RANGE with -1 offsets; UNKNOWN_TOPIC_OR_PARTITION for an unknown partition', async () => {
    const h = await setup();
    const r = (await h.handle(req([{ partition: 0, fetchOffset: 5 }, { partition: 9, fetchOffset: 0 }]), ctx(11))) as Res;
    const [a, b] = r.responses[0]!.partitionResponses;
    expect(a).toMatchObject({ errorCode: ErrorCode.OffsetOutOfRange, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1 });
    expect(b!.errorCode).toBe(ErrorCode.UnknownTopicOrPartition);
  });

  it('v3+: the first batch is returned whole even above the partition limit; later partitions respect the limits', async () => {
    const h = await setup();
    await kit.rm.appendRecords([{ tp: { topic: 't', partition: 0 }, records: batch(['x'.repeat(500)]) }], 1, 1000);
    await kit.rm.appendRecords([{ tp: { topic: 't', partition: 1 }, records: batch(['y'.repeat(500)]) }], 1, 1000);
    const r = (await h.handle(req([{ partition: 0, fetchOffset: 0, partitionMaxBytes: 10 }, { partition: 1, fetchOffset: 0, partitionMaxBytes: 10 }]), ctx(11))) as Res;
    const [a, b] = r.responses[0]!.partitionResponses;
    expect(splitBatches(a!.recordSet)).toHaveLength(1);
    expect(b!.recordSet.length).toBe(0);
    expect(b!.errorCode).toBe(0);
  });

  it('long poll: waits for an append, or answers empty at the deadline', async () => {
    const h = await setup();
    const waiting = h.handle(req([{ partition: 0, fetchOffset: 0 }], { maxWaitMs: 500 }), ctx(11)) as Promise<Res>;
    expect(kit.rm.fetchPurgatory.delayed).toBe(1);
    await kit.rm.appendRecords([{ tp: { topic: 't', partition: 0 }, records: batch(['a']) }], 1, 1000);
    expect(splitBatches((await waiting).responses[0]!.partitionResponses[0]!.recordSet)).toHaveLength(1);
    const expiring = h.handle(req([{ partition: 0, fetchOffset: 1 }], { maxWaitMs: 500 }), ctx(11)) as Promise<Res>;
    kit.clock.advance(500);
    expect((await expiring).responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: 0, highWatermark: 1 });
  });

  it('v0–v3 consumers get UNSUPPORTED_VERSION where data would need down-conversion', async () => {
    const h = await setup();
    await kit.rm.appendRecords([{ tp: { topic: 't', partition: 0 }, records: batch(['a']) }], 1, 1000);
    const r = (await h.handle(req([{ partition: 0, fetchOffset: 0 }, { partition: 1, fetchOffset: 0 }]), ctx(3))) as Res;
    const [a, b] = r.responses[0]!.partitionResponses;
    expect(a).toMatchObject({ errorCode: ErrorCode.UnsupportedVersion, recordSet: Buffer.alloc(0) });
    expect(b!.errorCode).toBe(0);
  });

  it('FENCED_LEADER_EPOCH for an older current leader epoch (v9+)', async () => {
    const h = await setup();
    const r = (await h.handle(
      { ...req([{ partition: 0, fetchOffset: 0 }]), topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 0, currentLeaderEpoch: 7, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 100 }] }] },
      ctx(11),
    )) as Res;
    expect(r.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.UnknownLeaderEpoch);
  });

  it('KIP-392: a v11 consumer fetch carries its rack id to the replica selector; before v11 the leader serves', async () => {
    kit = makeKit({ 'replica.selector.class': 'org.apache.kafka.common.replica.RackAwareReplicaSelector' });
    cacheBrokers(kit.metadataCache, [1, 2], [{ topic: 't', partition: 0, replicas: [1, 2], isr: [1, 2] }], { 1: 'a', 2: 'b' });
    await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0, { replicas: [1, 2], isr: [1, 2] })]);
    const h = createFetchHandler(depsOf(kit), kit.rm);
    await kit.rm.appendRecords([{ tp: { topic: 't', partition: 0 }, records: batch(['a']) }], 1, 1000);
    // the follower fetches everything: the HW is 1
    const follower = req([{ partition: 0, fetchOffset: 1 }], { replicaId: 2 });
    follower.topics[0]!.partitions[0]!.logStartOffset = 0;
    await h.handle(follower, ctx(11));
    const v11 = (await h.handle(req([{ partition: 0, fetchOffset: 0 }], { rackId: 'b' }), ctx(11))) as Res;
    expect(v11.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: 0, preferredReadReplica: 2, highWatermark: 1 });
    expect(v11.responses[0]!.partitionResponses[0]!.recordSet.length).toBe(0);
    const v10 = (await h.handle(req([{ partition: 0, fetchOffset: 0 }], { rackId: 'b' }), ctx(10))) as Res;
    expect(v10.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: 0, preferredReadReplica: -1 });
    expect(splitBatches(v10.responses[0]!.partitionResponses[0]!.recordSet)).toHaveLength(1);
  });
});
