/**
 * Test kit for the follower fetcher: a fake partition leader (a real SocketServer + router on
 * 127.0.0.1 answering Fetch, OffsetForLeaderEpoch and ListOffsets from real `Log`s in temp dirs,
 * with long polling and leader-epoch fencing as a Kafka 2.7 leader does), follower partitions
 * over real `Log`s, and helpers to compare logs byte for byte.
 */
import { Writable } from 'node:stream';
import { KafkaError } from '../../../src/common/errors.js';
import { createLogger, silentLogger, type Logger } from '../../../src/common/logger.js';
import { tpKey, type TopicPartition } from '../../../src/common/topic-partition.js';
import type { Log } from '../../../src/log/log.js';
import type { FollowerFetchTarget } from '../../../src/replication/fetcher-manager.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { FetchRequest, FetchResponse } from '../../../src/protocol/messages/fetch.js';
import { ListOffsetsRequest, ListOffsetsResponse } from '../../../src/protocol/messages/list-offsets.js';
import { OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from '../../../src/protocol/messages/offset-for-leader-epoch.js';
import { defineHandler } from '../../../src/server/handler.js';
import { LogFollowerPartition } from '../../../src/replication/log-follower-partition.js';
import { buildBatch, openTestLog, splitBatches, TempDirs } from '../log/log-test-kit.js';
import { startTestServer, type TestServer } from '../network/helpers.js';

export const T0: TopicPartition = { topic: 't', partition: 0 };
export const T1: TopicPartition = { topic: 't', partition: 1 };

/** `count` records of 16 bytes filled with `fill`, as one uncompressed batch (offsets/epoch set by the log or given). */
export function batch(count: number, fill: number, opts: { baseOffset?: number; leaderEpoch?: number } = {}): Buffer {
  return buildBatch({ timestamps: Array.from({ length: count }, (_, i) => 1_000 + i), valueSize: 16, fill, ...opts });
}

export function openLog(dirs: TempDirs, tp: TopicPartition = T0): Log {
  return openTestLog(dirs.make('gregor-repl-'), { tp });
}

/** Every batch of a log, from its start to its end, concatenated (across segments). */
export function readAll(log: Log): Buffer {
  const parts: Buffer[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const chunk = log.read(offset, 64 * 1024 * 1024);
    const batches = splitBatches(chunk);
    const last = batches[batches.length - 1];
    if (!last) break;
    parts.push(chunk);
    offset = last.lastOffset + 1;
  }
  return Buffer.concat(parts);
}

interface LeaderPartition {
  log: Log;
  leaderEpoch: number;
  highWatermark: number;
}

type Waiter = () => void;

export interface FetchSeen {
  replicaId: number;
  partitions: Array<{ key: string; fetchOffset: number; currentLeaderEpoch: number; logStartOffset: number }>;
}

export interface EpochRequestSeen {
  replicaId: number;
  key: string;
  currentLeaderEpoch: number;
  leaderEpoch: number;
}

/** The leader side of a Kafka 2.7 partition, as much of it as a follower talks to. */
export class FakeLeader {
  readonly partitions = new Map<string, LeaderPartition>();
  readonly fetches: FetchSeen[] = [];
  readonly epochRequests: EpochRequestSeen[] = [];
  readonly listOffsets: Array<{ key: string; timestamp: number }> = [];
  private readonly waiters = new Set<Waiter>();
  private server: TestServer | null = null;
  private lastPort = 0;

  addPartition(tp: TopicPartition, log: Log, leaderEpoch: number): void {
    this.partitions.set(tpKey(tp), { log, leaderEpoch, highWatermark: 0 });
  }

  partition(tp: TopicPartition): LeaderPartition {
    const p = this.partitions.get(tpKey(tp));
    if (!p) throw new Error(`no leader partition ${tpKey(tp)}`);
    return p;
  }

  get port(): number {
    return this.lastPort;
  }

  get connectionCount(): number {
    return this.server?.server.connectionCount ?? 0;
  }

  /** Appends as leader (offsets and epoch assigned) and wakes parked fetches. */
  append(tp: TopicPartition, records: Buffer): void {
    const p = this.partition(tp);
    p.log.append(records, p.leaderEpoch);
    this.notify();
  }

  /** A new leader epoch (the controller re-elected this broker): recorded in the epoch cache at the LEO. */
  bumpEpoch(tp: TopicPartition, epoch: number): void {
    const p = this.partition(tp);
    p.leaderEpoch = epoch;
    p.log.leaderEpochCache.assign(epoch, p.log.logEndOffset);
    this.notify();
  }

  fetchesOf(tp: TopicPartition): number {
    const key = tpKey(tp);
    return this.fetches.filter((f) => f.partitions.some((p) => p.key === key)).length;
  }

  async start(port = 0): Promise<number> {
    this.server = await startTestServer({ handlers: this.handlers(), port });
    this.lastPort = this.server.port;
    return this.lastPort;
  }

  async stop(): Promise<void> {
    this.notify();
    const s = this.server;
    this.server = null;
    await s?.stop();
  }

  private notify(): void {
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }

  private waitForChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  private epochError(p: LeaderPartition | undefined, currentLeaderEpoch: number): number {
    if (!p) return ErrorCode.UnknownTopicOrPartition;
    if (currentLeaderEpoch >= 0 && currentLeaderEpoch < p.leaderEpoch) return ErrorCode.FencedLeaderEpoch;
    if (currentLeaderEpoch > p.leaderEpoch) return ErrorCode.UnknownLeaderEpoch;
    return ErrorCode.None;
  }

  private handlers() {
    const fetch = defineHandler({
      request: FetchRequest,
      response: FetchResponse,
      versions: { min: 4, max: 11 },
      handle: async (req) => {
        this.fetches.push({
          replicaId: req.replicaId,
          partitions: req.topics.flatMap((t) =>
            t.partitions.map((p) => ({ key: tpKey({ topic: t.topic, partition: p.partition }), fetchOffset: p.fetchOffset, currentLeaderEpoch: p.currentLeaderEpoch, logStartOffset: p.logStartOffset })),
          ),
        });
        let result = this.readForFetch(req);
        const deadline = Date.now() + req.maxWaitMs;
        while (result.bytes < req.minBytes && !result.errored && Date.now() < deadline && this.server) {
          await this.waitForChange(deadline - Date.now());
          result = this.readForFetch(req);
        }
        return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: result.responses };
      },
    });
    const offsetForLeaderEpoch = defineHandler({
      request: OffsetForLeaderEpochRequest,
      response: OffsetForLeaderEpochResponse,
      versions: { min: 3, max: 3 },
      handle: (req) => ({
        throttleTimeMs: 0,
        topics: req.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((rp) => {
            const key = tpKey({ topic: t.name, partition: rp.partitionIndex });
            this.epochRequests.push({ replicaId: req.replicaId, key, currentLeaderEpoch: rp.currentLeaderEpoch, leaderEpoch: rp.leaderEpoch });
            const p = this.partitions.get(key);
            const errorCode = this.epochError(p, rp.currentLeaderEpoch);
            if (errorCode !== ErrorCode.None || !p) return { errorCode, partitionIndex: rp.partitionIndex, leaderEpoch: -1, endOffset: -1 };
            const answer = p.log.endOffsetForEpoch(rp.leaderEpoch);
            return { errorCode, partitionIndex: rp.partitionIndex, leaderEpoch: answer.leaderEpoch, endOffset: answer.endOffset };
          }),
        })),
      }),
    });
    const listOffsets = defineHandler({
      request: ListOffsetsRequest,
      response: ListOffsetsResponse,
      versions: { min: 1, max: 5 },
      handle: (req) => ({
        throttleTimeMs: 0,
        topics: req.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((rp) => {
            const key = tpKey({ topic: t.name, partition: rp.partitionIndex });
            this.listOffsets.push({ key, timestamp: rp.timestamp });
            const p = this.partitions.get(key);
            const errorCode = this.epochError(p, rp.currentLeaderEpoch);
            if (errorCode !== ErrorCode.None || !p) return { partitionIndex: rp.partitionIndex, errorCode, oldStyleOffsets: [], timestamp: -1, offset: -1, leaderEpoch: -1 };
            const offset = rp.timestamp === -2 ? p.log.logStartOffset : p.log.logEndOffset; // a follower asks for the LEO
            return { partitionIndex: rp.partitionIndex, errorCode, oldStyleOffsets: [], timestamp: -1, offset, leaderEpoch: p.leaderEpoch };
          }),
        })),
      }),
    });
    return [fetch, offsetForLeaderEpoch, listOffsets];
  }

  /** One read of every requested partition: follower reads go to the LEO and move the HW (single follower in the ISR). */
  private readForFetch(req: { replicaId: number; topics: Array<{ topic: string; partitions: Array<{ partition: number; currentLeaderEpoch: number; fetchOffset: number; partitionMaxBytes: number }> }> }) {
    let bytes = 0;
    let errored = false;
    const responses = req.topics.map((t) => ({
      topic: t.topic,
      partitionResponses: t.partitions.map((rp) => {
        const p = this.partitions.get(tpKey({ topic: t.topic, partition: rp.partition }));
        const failed = (errorCode: number) => {
          errored = true;
          return { partition: rp.partition, errorCode, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, abortedTransactions: null, preferredReadReplica: -1, recordSet: Buffer.alloc(0) };
        };
        const epochError = this.epochError(p, rp.currentLeaderEpoch);
        if (epochError !== ErrorCode.None || !p) return failed(epochError);
        let records: Buffer;
        try {
          records = p.log.read(rp.fetchOffset, rp.partitionMaxBytes);
        } catch (err) {
          if (err instanceof KafkaError) return failed(err.code);
          throw err;
        }
        if (req.replicaId >= 0) p.highWatermark = Math.max(p.highWatermark, Math.min(rp.fetchOffset, p.log.logEndOffset));
        bytes += records.length;
        return {
          partition: rp.partition,
          errorCode: 0,
          highWatermark: p.highWatermark,
          lastStableOffset: p.highWatermark,
          logStartOffset: p.log.logStartOffset,
          abortedTransactions: null,
          preferredReadReplica: -1,
          recordSet: records,
        };
      }),
    }));
    return { responses, bytes, errored };
  }
}

/** The follower's partition: a real Log, the HW kept beside it as cluster/partition does. */
export class TestFollower {
  highWatermark = 0;
  readonly storageErrors: unknown[] = [];
  readonly partition: LogFollowerPartition;

  constructor(
    readonly tp: TopicPartition,
    readonly log: Log,
  ) {
    this.partition = new LogFollowerPartition(this, { onStorageError: (err) => this.storageErrors.push(err) });
  }

  updateFollowerHighWatermark(leaderHighWatermark: number): boolean {
    const hw = Math.min(leaderHighWatermark, this.log.logEndOffset);
    const changed = hw !== this.highWatermark;
    this.highWatermark = hw;
    return changed;
  }
}

/** What makeFollowers hands the manager for `follower` (initial offset = its HW unless given). */
export function fetchTarget(follower: TestFollower, leader: FakeLeader, currentLeaderEpoch: number, initOffset = follower.highWatermark): FollowerFetchTarget {
  return { tp: follower.tp, leaderId: 1, leaderEndpoint: { host: '127.0.0.1', port: leader.port }, initOffset, currentLeaderEpoch, partition: follower.partition };
}

/** A pino logger whose records land in an array (to assert structured log records). */
export function capturingLogger(): { log: Logger; records: Array<Record<string, unknown>> } {
  const records: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) records.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { log: createLogger({ level: 'info', destination }), records };
}

export { silentLogger, TempDirs };

/** Polls until `cond` holds (or fails after `timeoutMs`). */
export async function waitFor(cond: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
