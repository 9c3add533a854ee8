/**
 * Fault catalogue, client side (reliability.md §6.5 F9c, F17):
 * - F9c: an idempotent kafkajs producer whose connections to the partition leader are reset mid-stream again and
 *   again (the cluster's client proxies, `cutClients(id, { mode: 'reset' })`). Its retries resend the same sequence
 *   numbers and the broker answers them from its dedupe window: duplicates = 0, order kept;
 * - F17: the group coordinator killed -9 right after it answered an OffsetCommit: the new coordinator's OffsetFetch
 *   returns exactly what was acknowledged (the commit was in ZooKeeper before the answer).
 */
import { describe, expect } from 'vitest';
import { partitionFor } from '../../src/coordinator/coordinator-placement.js';
import { catalogue, leaderOf, SESSION_MS, sleep, waitDeregistered } from './kit/catalogue.js';
import type { FaultRow } from './kit/round.js';

const OFFSETS_PARTITIONS = 5; // the harness's offsets.topic.num.partitions

const rows: FaultRow[] = [
  {
    id: 'F9c',
    title: "an idempotent producer's connections to the leader reset mid-stream: duplicates 0, order kept",
    boundMs: 10_000,
    producer: { idempotent: true, maxInFlightRequests: 1 },
    noDuplicates: true,
    inject: async (ctx) => {
      const leader = await leaderOf(ctx);
      let resets = 0;
      const until = Date.now() + 5000;
      while (Date.now() < until) {
        // the client link resets every connection and refuses new ones for a moment
        await ctx.cluster.cutClients(leader, { mode: 'reset' });
        await sleep(100 + Math.floor(ctx.rng() * 200));
        await ctx.cluster.healClients(leader);
        resets++;
        await sleep(300 + Math.floor(ctx.rng() * 400));
      }
      ctx.note(`client link of leader ${leader} reset ${resets} times`);
    },
  },
  {
    id: 'F17',
    title: 'the group coordinator killed -9 right after an OffsetCommit answer: the next coordinator returns it',
    boundMs: SESSION_MS + 10_000,
    inject: async (ctx) => {
      const { cluster, clients, topic } = ctx;
      const group = `f17-${topic}`;
      const consumer = await clients.consumer({ groupId: group, maxWaitTimeInMs: 200 });
      const seen = new Map<number, number>();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ autoCommit: false, eachMessage: async ({ partition, message }) => void seen.set(partition, Number(message.offset)) });
      await cluster.waitFor(() => seen.size === ctx.tps.length || null, 'the group consumed from every partition', 60_000);
      const offsetsPartition = partitionFor(group, OFFSETS_PARTITIONS);
      const coordinator = await cluster.waitForLeader({ topic: '__consumer_offsets', partition: offsetsPartition });
      const committed = [...seen].map(([partition, offset]) => ({ topic, partition, offset: String(offset + 1) }));
      await consumer.commitOffsets(committed);
      await cluster.kill(coordinator); // right after the answer
      const next = await cluster.waitForLeader({ topic: '__consumer_offsets', partition: offsetsPartition }, { not: coordinator, timeoutMs: 6 * SESSION_MS });
      await consumer.stop();
      const admin = await clients.admin();
      const fetched = await cluster
        .waitFor(async () => admin.fetchOffsets({ groupId: group, topics: [topic] }), 'OffsetFetch from the new coordinator', 60_000)
        .finally(() => clients.close(admin));
      const got = Object.fromEntries(fetched[0]!.partitions.map((p) => [p.partition, p.offset]));
      expect(got).toEqual(Object.fromEntries(committed.map((c) => [c.partition, c.offset])));
      ctx.note(`coordinator ${coordinator} killed after the commit; ${next} answers the same offsets`);
      await clients.close(consumer);
      await waitDeregistered(cluster, coordinator);
      return () => cluster.start(coordinator);
    },
  },
];

describe('fault catalogue - clients', () => {
  catalogue(rows, { clientProxies: true });
});
