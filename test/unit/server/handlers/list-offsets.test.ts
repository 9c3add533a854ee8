import { afterEach, describe, expect, it } from 'vitest';
import { createListOffsetsHandler } from '../../../../src/server/handlers/list-offsets.js';
import { ErrorCode } from '../../../../src/protocol/error-codes.js';
import { batch, cacheBrokers, control, ctx, depsOf, makeKit, state, type Kit } from '../../cluster/kit.js';

let kit: Kit;
afterEach(() => kit?.close());

type Part = { partitionIndex: number; errorCode: number; oldStyleOffsets: number[]; timestamp: number; offset: number; leaderEpoch: number };
type Res = { topics: Array<{ name: string; partitions: Part[] }> };

async function setup(): Promise<ReturnType<typeof createListOffsetsHandler>> {
  kit = makeKit();
  cacheBrokers(kit.metadataCache, [1, 2], [{ topic: 't', partition: 0 }, { topic: 'elsewhere', partition: 0, leader: 2, replicas: [2] }]);
  await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0, { leaderEpoch: 4 })]);
  await kit.rm.appendRecords([{ tp: { topic: 't', partition: 0 }, records: batch(['a', 'b', 'c'], { timestamp: 100 }) }], 1, 1000);
  return createListOffsetsHandler(depsOf(kit), kit.rm);
}

const request = (parts: Array<{ topic?: string; partitionIndex?: number; timestamp: number }>, isolationLevel = 0) => ({
  replicaId: -1,
  isolationLevel,
  topics: parts.map((p) => ({ name: p.topic ?? 't', partitions: [{ partitionIndex: p.partitionIndex ?? 0, currentLeaderEpoch: -1, timestamp: p.timestamp, maxNumOffsets: 5 }] })),
});
const parts = (r: Res) => r.topics.flatMap((t) => t.partitions);

describe('list-offsets handler', () => {
  it('latest, earliest and by timestamp', async () => {
    const h = await setup();
    const rows: unknown[] = [];
    for (const timestamp of [-1, -2, 102, 999]) {
      const p = parts((await h.handle(request([{ timestamp }]), ctx(5))) as Res)[0]!;
      rows.push([p.errorCode, p.offset, p.timestamp, p.leaderEpoch]);
    }
    expect(rows).toEqual([
      [0, 3, -1, 4],
      [0, 0, -1, 4],
      [0, 2, 102, 4],
      [0, -1, -1, -1],
    ]);
  });

  it('read_committed latest is the LSO (= HW)', async () => {
    const h = await setup();
    expect(parts((await h.handle(request([{ timestamp: -1 }], 1), ctx(5))) as Res)[0]!.offset).toBe(3);
  });

  it('v0 answers old-style offsets', async () => {
    const h = await setup();
    const r = (await h.handle(request([{ timestamp: -1 }, { timestamp: -2 }]), ctx(0))) as Res;
    expect(parts(r).map((p) => p.oldStyleOffsets)).toEqual([[3, 0], [0]]);
  });

  it('INVALID_REQUEST for a duplicated partition, NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const h = await setup();
    const r = (await h.handle({
      replicaId: -1,
      isolationLevel: 0,
      topics: [
        { name: 't', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 1 }, { partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2, maxNumOffsets: 1 }] },
        { name: 'elsewhere', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 1 }] },
        { name: 'nope', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 1 }] },
      ],
    }, ctx(5))) as Res;
    expect(parts(r).map((p) => p.errorCode)).toEqual([ErrorCode.InvalidRequest, ErrorCode.InvalidRequest, ErrorCode.NotLeaderOrFollower, ErrorCode.UnknownTopicOrPartition]);
  });

  it('FENCED_LEADER_EPOCH for an old current leader epoch (v4+)', async () => {
    const h = await setup();
    const r = (await h.handle({ replicaId: -1, isolationLevel: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, currentLeaderEpoch: 3, timestamp: -1, maxNumOffsets: 1 }] }] }, ctx(5))) as Res;
    expect(parts(r)[0]).toMatchObject({ errorCode: ErrorCode.FencedLeaderEpoch, offset: -1 });
  });
});
