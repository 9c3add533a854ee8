/**
 * DeleteRecords handler over a real log: the partition layer is a small leader-only
 * PartitionAccess on a LogManager's log (the high watermark is the log end here), so the handler's
 * own rules (internal topics, unknown partitions, invalid offsets, per-partition errors) and its
 * answer (lowWatermark, -1 on error; kafkajs decode) are what is tested.
 */
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaError } from '../../../../src/common/errors.js';
import { tpKey, type TopicPartition } from '../../../../src/common/topic-partition.js';
import { ErrorCode } from '../../../../src/protocol/error-codes.js';
import type { PartitionAccess } from '../../../../src/server/broker-deps.js';
import { createDeleteRecordsHandler } from '../../../../src/server/handlers/delete-records.js';
import { buildDeps, callHandler, ledPartitions, publishMetadata, type TestDeps } from '../../../integration/admin/handler-kit.js';
import { simpleBatch } from '../../log/log-test-kit.js';

const require = createRequire(import.meta.url);

/** kafkajs's DeleteRecords response module is a factory taking the request's topics. */
async function kafkajsDecode(v: number, body: Buffer): Promise<Record<string, unknown>> {
  const factory = require(`kafkajs/src/protocol/requests/deleteRecords/v${v}/response.js`) as (a: unknown) => {
    decode(b: Buffer): Promise<Record<string, unknown>>;
  };
  return factory({ topics: [] }).decode(body);
}

let deps: TestDeps | undefined;
afterEach(() => {
  deps?.logManager.shutdown();
  for (const dir of deps?.logManager.liveLogDirs ?? []) rmSync(dir, { recursive: true, force: true });
  deps = undefined;
});

/** Leads `led`; deleteRecords moves the log start offset (offset -1 = high watermark = log end). */
function leaderOnly(getDeps: () => TestDeps, led: ReadonlySet<string>): PartitionAccess {
  return {
    isLeader: (tp) => led.has(tpKey(tp)),
    async deleteRecords(tp: TopicPartition, offset: number) {
      if (!led.has(tpKey(tp))) throw new KafkaError(ErrorCode.NotLeaderOrFollower);
      const log = getDeps().logManager.getLog(tp);
      if (!log) throw new KafkaError(ErrorCode.UnknownTopicOrPartition);
      const target = offset === -1 ? log.logEndOffset : offset;
      log.maybeIncrementLogStartOffset(target);
      return log.logStartOffset;
    },
  };
}

function setup() {
  const led = new Set(['orders-0', 'orders-1', '__consumer_offsets-0']);
  const d = buildDeps({ partitions: leaderOnly(() => d, led) });
  deps = d;
  publishMetadata(d, [1, 2], [...ledPartitions('orders', [[1], [1], [2]]), ...ledPartitions('__consumer_offsets', [[1]])]);
  for (const partition of [0, 1]) d.logManager.getOrCreateLog({ topic: 'orders', partition }).append(simpleBatch(10, 20, 1000), 0);
  return { deps: d, handler: createDeleteRecordsHandler(d) };
}

const request = (partitions: Array<[string, number, number]>) => {
  const byTopic = new Map<string, Array<{ partitionIndex: number; offset: number }>>();
  for (const [topic, partitionIndex, offset] of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partitionIndex, offset }]);
  return { topics: [...byTopic].map(([name, ps]) => ({ name, partitions: ps })), timeoutMs: 1000 };
};

describe('admin delete-records', () => {
  it('moves the log start offset and answers it as lowWatermark; -1 = the high watermark', async () => {
    const { deps: d, handler } = setup();
    const { response } = await callHandler(handler, 2, request([['orders', 0, 4], ['orders', 1, -1]]));
    expect(response.topics).toEqual([
      {
        name: 'orders',
        partitions: [
          { partitionIndex: 0, lowWatermark: 4, errorCode: ErrorCode.None },
          { partitionIndex: 1, lowWatermark: 10, errorCode: ErrorCode.None },
        ],
      },
    ]);
    expect(d.logManager.getLog({ topic: 'orders', partition: 0 })?.logStartOffset).toBe(4);
  });

  it('per-partition errors with lowWatermark -1: offset above the HW, below -1, not leader, unknown, internal topic', async () => {
    const { handler } = setup();
    const { response } = await callHandler(
      handler,
      1,
      request([['orders', 0, 11], ['orders', 1, -2], ['orders', 2, 1], ['orders', 9, 1], ['missing', 0, 1], ['__consumer_offsets', 0, 1]]),
    );
    const codes = response.topics.flatMap((t: { name: string; partitions: Array<{ partitionIndex: number; lowWatermark: number; errorCode: number }> }) =>
      t.partitions.map((p) => [`${t.name}-${p.partitionIndex}`, p.errorCode, p.lowWatermark]),
    );
    expect(codes).toEqual([
      ['orders-0', ErrorCode.OffsetOutOfRange, -1],
      ['orders-1', ErrorCode.OffsetOutOfRange, -1],
      ['orders-2', ErrorCode.NotLeaderOrFollower, -1],
      ['orders-9', ErrorCode.UnknownTopicOrPartition, -1],
      ['missing-0', ErrorCode.UnknownTopicOrPartition, -1],
      ['__consumer_offsets-0', ErrorCode.InvalidTopicException, -1],
    ]);
  });

  it('an unexpected failure of the partition layer → UNKNOWN_SERVER_ERROR for that partition only', async () => {
    const d = buildDeps({
      partitions: { isLeader: () => true, deleteRecords: () => Promise.reject(new Error('disk on fire')) },
    });
    deps = d;
    publishMetadata(d, [1], ledPartitions('t', [[1]]));
    const { response } = await callHandler(createDeleteRecordsHandler(d), 0, request([['t', 0, 1]]));
    expect(response.topics[0].partitions[0]).toEqual({ partitionIndex: 0, lowWatermark: -1, errorCode: ErrorCode.UnknownServerError });
  });

  it('kafkajs decodes the v1 answer; errorResponse marks every partition', async () => {
    const { handler } = setup();
    const { body } = await callHandler(handler, 1, request([['orders', 0, 2]]));
    const decoded = (await kafkajsDecode(1, body)) as { topics: unknown[] };
    expect(decoded.topics).toEqual([{ topic: 'orders', partitions: [{ partition: 0, lowWatermark: 2n, errorCode: 0 }] }]);
    const res = handler.errorResponse?.(request([['orders', 0, 2], ['orders', 1, 3]]), ErrorCode.NotController, {} as never) as {
      topics: Array<{ partitions: Array<{ errorCode: number; lowWatermark: number }> }>;
    };
    expect(res.topics[0]?.partitions).toEqual([
      { partitionIndex: 0, lowWatermark: -1, errorCode: ErrorCode.NotController },
      { partitionIndex: 1, lowWatermark: -1, errorCode: ErrorCode.NotController },
    ]);
  });
});
