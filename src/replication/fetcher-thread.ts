/**
 * One follower fetcher (Kafka 2.7 AbstractFetcherThread + ReplicaFetcherThread): one connection to
 * one source (leader) broker, the partitions this broker follows there, one loop.
 *
 * Partition states: `truncating` (must learn where its log diverges from the leader's) →
 * `fetching`; either may be delayed until a time (after an error, replica.fetch.backoff.ms).
 * A partition that cannot go on (fenced, storage error, unexpected failure) is removed and
 * remembered as failed until the replica manager adds it again (a new LeaderAndIsr).
 *
 * Loop (never more than one request in flight; responses are applied and dropped at once):
 * 1. truncate: partitions without an epoch cache truncate to their initial offset (the high
 *    watermark); the others go into one OffsetForLeaderEpoch v3 request (replicaId = us,
 *    currentLeaderEpoch, leaderEpoch = our latest) and truncate per KIP-279 (truncation.ts),
 *    asking again while the leader names an epoch we never saw. FENCED_LEADER_EPOCH → failed;
 *    other errors (UNKNOWN_LEADER_EPOCH, NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, a
 *    lost connection) → delayed and retried.
 * 2. fetch: one Fetch v11 for every ready `fetching` partition (replicaId = us, maxWaitMs,
 *    minBytes, maxBytes, per partition currentLeaderEpoch, fetchOffset, our logStartOffset,
 *    partitionMaxBytes); records are appended as follower, the fetch offset moves to the LEO,
 *    then the follower HW = min(leader HW, LEO) and the log start follows the leader's.
 *    OFFSET_OUT_OF_RANGE → ListOffsets v5: leader LEO < ours → truncate to it; else fetch from
 *    max(leader log start, our LEO), restarting the log at the leader's start when ours ends
 *    below it. FENCED_LEADER_EPOCH → failed; other partition errors and a lost connection →
 *    delayed (partitions kept).
 * 3. nothing ready → sleep until the earliest delay ends (at most the backoff), woken early by
 *    addPartitions / removePartitions / shutdown.
 * A response is applied to a partition only if it is still the same state object, in the same
 * state and at the same fetch offset as when the request was built (removed or re-added
 * partitions ignore late answers).
 *
 * Version choice: Fetch v11, OffsetForLeaderEpoch v3, ListOffsets v5 — what a 2.7 follower sends
 * at inter.broker.protocol.version 2.3-IV1 … 2.7-IV0. Kafka 2.7 at IBP 2.7-IV1 sends Fetch v12,
 * whose point is truncation on fetch (KIP-595 lastFetchedEpoch/divergingEpoch); gregor keeps the
 * OffsetsForLeaderEpoch-first protocol of ARCHITECTURE §5 and stays off flexible versions (no
 * tagged fields, decision 9).
 * Deviations from Kafka: no incremental fetch sessions (sessionId 0, epoch -1: gregor's leaders
 * are sessionless); a partial trailing batch in a response is dropped before appending.
 */
import { SystemClock, type Clock, type Timer } from '../common/clock.js';
import { KafkaError } from '../common/errors.js';
import { childLogger, type Logger } from '../common/logger.js';
import { tpKey, type TopicPartition } from '../common/topic-partition.js';
import { BrokerClient, type ClientSecurity } from '../network/client.js';
import { ClientClosedError } from '../network/errors.js';
import { ErrorCode, errorInfo } from '../protocol/error-codes.js';
import { FetchRequest, FetchResponse } from '../protocol/messages/fetch.js';
import { ListOffsetsRequest, ListOffsetsResponse } from '../protocol/messages/list-offsets.js';
import { OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from '../protocol/messages/offset-for-leader-epoch.js';
import {
  completeBatches,
  view,
  type InitialFetchState,
  type LeaderClient,
  type PartitionFetchState,
  type PartitionFetchStateView,
  type SourceBroker,
} from './fetch-state.js';
import type { EpochEndOffset } from './follower-partition.js';
import type { ReplicaFetcherConfig } from './replica-fetcher-config.js';
import { offsetTruncationState, type OffsetTruncationState } from './truncation.js';

export { completeBatches, type InitialFetchState, type LeaderClient, type PartitionFetchStateView, type ReplicaState, type SourceBroker } from './fetch-state.js';

export const FETCH_VERSION = 11;
export const OFFSET_FOR_LEADER_EPOCH_VERSION = 3;
export const LIST_OFFSETS_VERSION = 5;
const LATEST_TIMESTAMP = -1;
const EARLIEST_TIMESTAMP = -2;

const FetchApi = { request: FetchRequest, response: FetchResponse };
const OffsetForLeaderEpochApi = { request: OffsetForLeaderEpochRequest, response: OffsetForLeaderEpochResponse };
const ListOffsetsApi = { request: ListOffsetsRequest, response: ListOffsetsResponse };

export interface ReplicaFetcherThreadOptions {
  readonly fetcherId: number;
  readonly sourceBroker: SourceBroker;
  readonly config: ReplicaFetcherConfig;
  readonly log: Logger;
  readonly clock?: Clock;
  readonly createClient?: (source: SourceBroker, clientId: string) => LeaderClient;
  /** partitions stopped on an error, shared by a manager's threads (Kafka's FailedPartitions) */
  readonly failedPartitions?: Set<string>;
  /** TLS / SASL of the inter-broker listener */
  readonly clientSecurity?: ClientSecurity;
}

type FetchPartitionAnswer = { partition: number; errorCode: number; highWatermark: number; logStartOffset: number; recordSet: Buffer | null };
type FetchRequestTopic = { topic: string; partitions: Array<{ partition: number; currentLeaderEpoch: number; fetchOffset: number; logStartOffset: number; partitionMaxBytes: number }> };

export class ReplicaFetcherThread {
  readonly name: string;
  readonly sourceBroker: SourceBroker;
  private readonly config: ReplicaFetcherConfig;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly client: LeaderClient;
  /** insertion order = fetch order; a partition that got data moves to the end (fairness) */
  private readonly states = new Map<string, PartitionFetchState>();
  private readonly failed: Set<string>;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(opts: ReplicaFetcherThreadOptions) {
    this.sourceBroker = opts.sourceBroker;
    this.config = opts.config;
    this.clock = opts.clock ?? new SystemClock();
    this.failed = opts.failedPartitions ?? new Set();
    this.name = `ReplicaFetcherThread-${opts.fetcherId}-${opts.sourceBroker.id}`;
    this.log = childLogger(opts.log, 'replica-fetcher', { leaderId: opts.sourceBroker.id, fetcherId: opts.fetcherId });
    const clientId = `broker-${opts.config.brokerId}-fetcher-${opts.fetcherId}`;
    this.client = opts.createClient
      ? opts.createClient(opts.sourceBroker, clientId)
      : new BrokerClient({
          host: opts.sourceBroker.host,
          port: opts.sourceBroker.port,
          clientId,
          connectTimeoutMs: opts.config.socketTimeoutMs,
          requestTimeoutMs: opts.config.requestTimeoutMs + opts.config.fetchWaitMaxMs,
          // Kafka's ReplicaFetcherBlockingSend reconnects after replica.fetch.backoff.ms, not growing.
          reconnectBackoffMs: opts.config.fetchBackoffMs,
          reconnectBackoffMaxMs: opts.config.fetchBackoffMs,
          log: this.log,
          ...(opts.clientSecurity ? { security: opts.clientSecurity } : {}),
        });
  }

  get isRunning(): boolean {
    return this.running;
  }

  get partitionCount(): number {
    return this.states.size;
  }

  partitions(): TopicPartition[] {
    return [...this.states.values()].map((s) => s.tp);
  }

  fetchState(tp: TopicPartition): PartitionFetchStateView | undefined {
    const s = this.states.get(tpKey(tp));
    return s && view(s);
  }

  isFailed(tp: TopicPartition): boolean {
    return this.failed.has(tpKey(tp));
  }

  start(): void {
    if (this.running || this.loop) throw new Error(`${this.name} already started`);
    this.running = true;
    this.loop = this.run();
  }

  /**
   * Adds partitions in the `truncating` state (KIP-101: truncate by epochs before fetching). A
   * partition already here with the same leader epoch keeps its state (Kafka skips truncation).
   */
  addPartitions(initial: Iterable<InitialFetchState>): void {
    for (const init of initial) {
      if (!Number.isSafeInteger(init.initOffset) || init.initOffset < 0) {
        throw new RangeError(`initial fetch offset of ${tpKey(init.tp)} must be ≥ 0, got ${init.initOffset}`);
      }
      const key = tpKey(init.tp);
      this.failed.delete(key);
      const current = this.states.get(key);
      if (current && current.currentLeaderEpoch === init.currentLeaderEpoch && current.partition === init.partition) continue;
      this.states.delete(key);
      this.states.set(key, {
        tp: init.tp,
        key,
        partition: init.partition,
        currentLeaderEpoch: init.currentLeaderEpoch,
        fetchOffset: init.initOffset,
        state: 'truncating',
        delayedUntil: 0,
        lag: null,
      });
      this.log.info({ tp: key, initOffset: init.initOffset, currentLeaderEpoch: init.currentLeaderEpoch }, 'added partition, truncating first');
    }
    this.wakeup();
  }

  /** Stops fetching these partitions; an answer already on its way is ignored. Returns their last states. */
  removePartitions(tps: Iterable<TopicPartition>): Map<string, PartitionFetchStateView> {
    const removed = new Map<string, PartitionFetchStateView>();
    for (const tp of tps) {
      const key = tpKey(tp);
      this.failed.delete(key);
      const s = this.states.get(key);
      if (!s) continue;
      this.states.delete(key);
      removed.set(key, view(s));
    }
    if (removed.size > 0) this.wakeup();
    return removed;
  }

  /** Removes every partition, returned as initial states at their high watermark (to move them to another fetcher). */
  drainPartitions(): InitialFetchState[] {
    const out: InitialFetchState[] = [];
    for (const s of this.states.values()) {
      let initOffset = s.fetchOffset;
      try {
        initOffset = Math.min(s.partition.highWatermark, s.partition.logEndOffset);
      } catch {
        // an unreadable log keeps the last fetch offset; the new fetcher will meet the same error
      }
      out.push({ tp: s.tp, initOffset, currentLeaderEpoch: s.currentLeaderEpoch, partition: s.partition });
    }
    this.states.clear();
    this.wakeup();
    return out;
  }

  /** Stops the loop and closes the connection (an in-flight request is abandoned). */
  async shutdown(): Promise<void> {
    this.running = false;
    this.wakeup();
    await this.client.close();
    await this.loop;
    this.loop = null;
  }

  private async run(): Promise<void> {
    this.log.info({ leader: `${this.sourceBroker.host}:${this.sourceBroker.port}` }, 'starting');
    while (this.running) {
      try {
        await this.maybeTruncate();
        if (this.running) await this.maybeFetch();
      } catch (err) {
        if (!this.running) break;
        this.log.error({ err }, 'unexpected error in the fetcher loop; backing off');
        await this.sleep(this.config.fetchBackoffMs);
      }
    }
    this.log.info('stopped');
  }

  // ---- truncation -------------------------------------------------------------------------

  private async maybeTruncate(): Promise<void> {
    const now = this.clock.now();
    const withEpochs = new Map<string, { state: PartitionFetchState; latestEpoch: number }>();
    for (const s of [...this.states.values()]) {
      if (s.state !== 'truncating' || s.delayedUntil > now) continue;
      let latestEpoch: number | undefined;
      try {
        latestEpoch = s.partition.latestEpoch();
      } catch (err) {
        this.onPartitionException(s, err, 'reading the leader-epoch cache');
        continue;
      }
      if (latestEpoch === undefined) this.truncateToHighWatermark(s);
      else withEpochs.set(s.key, { state: s, latestEpoch });
    }
    if (withEpochs.size > 0) await this.truncateToEpochEndOffsets(withEpochs);
  }

  /** No epoch cache (Kafka: old message format or an empty log): the initial offset (HW) is all we have. */
  private truncateToHighWatermark(s: PartitionFetchState): void {
    this.log.info({ tp: s.key, highWatermark: s.fetchOffset }, `Truncating partition ${s.key} to local high watermark ${s.fetchOffset}`);
    this.truncate(s, { offset: s.fetchOffset, truncationCompleted: true });
  }

  private async truncateToEpochEndOffsets(requested: Map<string, { state: PartitionFetchState; latestEpoch: number }>): Promise<void> {
    const topics = new Map<string, Array<{ partitionIndex: number; currentLeaderEpoch: number; leaderEpoch: number }>>();
    for (const { state, latestEpoch } of requested.values()) {
      const list = topics.get(state.tp.topic) ?? [];
      list.push({ partitionIndex: state.tp.partition, currentLeaderEpoch: state.currentLeaderEpoch, leaderEpoch: latestEpoch });
      topics.set(state.tp.topic, list);
    }
    let response;
    try {
      response = await this.client.send(OffsetForLeaderEpochApi, OFFSET_FOR_LEADER_EPOCH_VERSION, {
        replicaId: this.config.brokerId,
        topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
      });
    } catch (err) {
      if (!this.running || err instanceof ClientClosedError) return;
      this.log.warn({ err: errMessage(err), partitions: requested.size }, 'OffsetForLeaderEpoch failed; retrying after backoff');
      for (const { state } of requested.values()) this.delay(state);
      return;
    }
    const replies = new Map<string, { errorCode: number; leaderEpoch: number; endOffset: number }>();
    for (const t of response.topics) for (const p of t.partitions) replies.set(tpKey({ topic: t.name, partition: p.partitionIndex }), p);
    for (const [key, { state }] of requested) {
      if (this.states.get(key) !== state || state.state !== 'truncating') continue; // removed or re-added meanwhile
      const reply = replies.get(key);
      if (!reply) {
        this.log.warn({ tp: key }, 'OffsetForLeaderEpoch response has no entry for the partition; retrying after backoff');
        this.delay(state);
      } else if (reply.errorCode === ErrorCode.None) {
        const leader: EpochEndOffset = { leaderEpoch: reply.leaderEpoch, endOffset: reply.endOffset };
        try {
          const truncation = offsetTruncationState(state.partition, leader, state.fetchOffset);
          this.log.info(
            { tp: key, truncationState: truncation, epochEndOffset: leader },
            `Truncating partition ${key} with TruncationState(offset=${truncation.offset}, completed=${truncation.truncationCompleted}) ` +
              `due to leader epoch and offset EpochEndOffset(errorCode=0, partition=${key}, leaderEpoch=${leader.leaderEpoch}, endOffset=${leader.endOffset})`,
          );
          this.truncate(state, truncation);
        } catch (err) {
          this.onPartitionException(state, err, 'truncating');
        }
      } else if (reply.errorCode === ErrorCode.FencedLeaderEpoch) {
        this.onPartitionFenced(state, 'OffsetForLeaderEpoch');
      } else {
        this.log.info({ tp: key, error: errorInfo(reply.errorCode).name }, 'retrying OffsetForLeaderEpoch after the leader reported an error');
        this.delay(state);
      }
    }
  }

  /** Truncates, then fetches from the new LEO (or asks again when the truncation is not complete). */
  private truncate(s: PartitionFetchState, truncation: OffsetTruncationState): void {
    try {
      const p = s.partition;
      if (truncation.offset < p.highWatermark) {
        this.log.warn({ tp: s.key, offset: truncation.offset, highWatermark: p.highWatermark }, 'truncating below the high watermark');
      }
      p.truncateTo(truncation.offset);
      s.fetchOffset = p.logEndOffset;
      if (truncation.truncationCompleted) s.state = 'fetching';
    } catch (err) {
      this.onPartitionException(s, err, 'truncating');
    }
  }

  // ---- fetching ---------------------------------------------------------------------------

  private async maybeFetch(): Promise<void> {
    const now = this.clock.now();
    const sent = new Map<string, { state: PartitionFetchState; fetchOffset: number }>();
    const topics: FetchRequestTopic[] = [];
    for (const s of [...this.states.values()]) {
      if (s.state !== 'fetching' || s.delayedUntil > now) continue;
      let logStartOffset: number;
      try {
        logStartOffset = s.partition.logStartOffset;
      } catch (err) {
        this.onPartitionException(s, err, 'reading the log start offset');
        continue;
      }
      const last = topics[topics.length - 1];
      const topic = last && last.topic === s.tp.topic ? last : { topic: s.tp.topic, partitions: [] };
      if (topic !== last) topics.push(topic);
      topic.partitions.push({
        partition: s.tp.partition,
        currentLeaderEpoch: s.currentLeaderEpoch,
        fetchOffset: s.fetchOffset,
        logStartOffset,
        partitionMaxBytes: this.config.fetchMaxBytes,
      });
      sent.set(s.key, { state: s, fetchOffset: s.fetchOffset });
    }
    if (sent.size === 0) {
      await this.idle();
      return;
    }
    let outOfRange: PartitionFetchState[];
    try {
      // The answer is applied inside sendThen: its records live in reused memory only until then.
      outOfRange = await this.client.sendThen(
        FetchApi,
        FETCH_VERSION,
        {
          replicaId: this.config.brokerId,
          maxWaitMs: this.config.fetchWaitMaxMs,
          minBytes: this.config.fetchMinBytes,
          maxBytes: this.config.fetchResponseMaxBytes,
          isolationLevel: 0,
          sessionId: 0,
          sessionEpoch: -1,
          topics,
          forgottenTopicsData: [],
          rackId: '',
        },
        (response) => this.applyFetchResponse(response, sent, now),
      );
    } catch (err) {
      if (!this.running || err instanceof ClientClosedError) return;
      this.log.warn({ err: errMessage(err), partitions: sent.size }, 'fetch failed; retrying after backoff');
      for (const s of this.states.values()) this.delay(s);
      return;
    }
    if (outOfRange.length > 0) await this.handleOutOfRange(outOfRange);
  }

  /** Applies a Fetch answer to the partitions it was asked for; returns those answered OFFSET_OUT_OF_RANGE. */
  private applyFetchResponse(
    response: { errorCode: number; responses: Array<{ topic: string; partitionResponses: FetchPartitionAnswer[] }> },
    sent: ReadonlyMap<string, { state: PartitionFetchState; fetchOffset: number }>,
    now: number,
  ): PartitionFetchState[] {
    const outOfRange: PartitionFetchState[] = [];
    if (response.errorCode !== ErrorCode.None) {
      this.log.warn({ error: errorInfo(response.errorCode).name }, 'fetch answered with a top-level error; retrying after backoff');
      for (const { state } of sent.values()) this.delay(state);
      return outOfRange;
    }
    for (const t of response.responses) {
      for (const p of t.partitionResponses) {
        const key = tpKey({ topic: t.topic, partition: p.partition });
        const req = sent.get(key);
        const s = this.states.get(key);
        if (!req || s !== req.state || s.state !== 'fetching' || s.fetchOffset !== req.fetchOffset || s.delayedUntil > now) continue;
        this.processPartitionResponse(s, p, outOfRange);
      }
    }
    return outOfRange;
  }

  private processPartitionResponse(s: PartitionFetchState, p: FetchPartitionAnswer, outOfRange: PartitionFetchState[]): void {
    switch (p.errorCode) {
      case ErrorCode.None:
        try {
          this.processPartitionData(s, p.recordSet, p.highWatermark, p.logStartOffset);
        } catch (err) {
          this.onPartitionException(s, err, 'appending fetched records');
        }
        return;
      case ErrorCode.OffsetOutOfRange:
        outOfRange.push(s);
        return;
      case ErrorCode.FencedLeaderEpoch:
        this.onPartitionFenced(s, 'Fetch');
        return;
      default:
        // UNKNOWN_LEADER_EPOCH (the leader is behind us), NOT_LEADER_OR_FOLLOWER (leadership moving),
        // UNKNOWN_TOPIC_OR_PARTITION (being created or deleted) and anything else: retry later.
        this.log.info({ tp: s.key, fetchOffset: s.fetchOffset, error: errorInfo(p.errorCode).name }, 'fetch error for partition; retrying after backoff');
        this.delay(s);
    }
  }

  /** Kafka's ReplicaFetcherThread.processPartitionData. */
  private processPartitionData(s: PartitionFetchState, recordSet: Buffer | null, leaderHighWatermark: number, leaderLogStartOffset: number): void {
    const p = s.partition;
    const logEndOffset = p.logEndOffset;
    if (s.fetchOffset !== logEndOffset) {
      throw new Error(`offset mismatch for partition ${s.key}: fetched offset = ${s.fetchOffset}, log end offset = ${logEndOffset}`);
    }
    const records = completeBatches(recordSet);
    let nextOffset = s.fetchOffset;
    if (records.length > 0) {
      const info = p.appendAsFollower(records);
      if (info.validBytes > 0) nextOffset = info.lastOffset + 1;
    }
    p.updateFollowerHighWatermark(leaderHighWatermark);
    if (leaderLogStartOffset >= 0) p.maybeUpdateLogStartOffset(leaderLogStartOffset);
    s.lag = Math.max(0, leaderHighWatermark - nextOffset);
    if (nextOffset !== s.fetchOffset) {
      s.fetchOffset = nextOffset;
      this.states.delete(s.key);
      this.states.set(s.key, s);
    }
  }

  /** Kafka's fetchOffsetAndTruncate, for every partition the leader answered OFFSET_OUT_OF_RANGE. */
  private async handleOutOfRange(partitions: PartitionFetchState[]): Promise<void> {
    const latest = await this.listOffsets(partitions, LATEST_TIMESTAMP);
    const needStart: Array<{ s: PartitionFetchState; leaderEndOffset: number }> = [];
    for (const [s, leaderEndOffset] of latest) {
      try {
        const logEndOffset = s.partition.logEndOffset;
        if (leaderEndOffset < logEndOffset) {
          this.log.warn({ tp: s.key, from: logEndOffset, to: leaderEndOffset }, `Reset fetch offset for partition ${s.key} from ${logEndOffset} to current leader's latest offset ${leaderEndOffset}`);
          this.truncate(s, { offset: leaderEndOffset, truncationCompleted: true });
          s.lag = 0;
        } else {
          needStart.push({ s, leaderEndOffset });
        }
      } catch (err) {
        this.onPartitionException(s, err, 'handling OFFSET_OUT_OF_RANGE');
      }
    }
    if (needStart.length === 0) return;
    const earliest = await this.listOffsets(needStart.map((x) => x.s), EARLIEST_TIMESTAMP);
    for (const { s, leaderEndOffset } of needStart) {
      const leaderStartOffset = earliest.get(s);
      if (leaderStartOffset === undefined) continue;
      try {
        const logEndOffset = s.partition.logEndOffset;
        this.log.warn({ tp: s.key, from: logEndOffset, leaderStartOffset }, `Reset fetch offset for partition ${s.key} from ${logEndOffset} to current leader's start offset ${leaderStartOffset}`);
        // Only a log that ends below the leader's start is thrown away; otherwise keep it and fetch on.
        if (leaderStartOffset > logEndOffset) s.partition.truncateFullyAndStartAt(leaderStartOffset);
        s.fetchOffset = Math.max(leaderStartOffset, logEndOffset);
        s.lag = Math.max(0, leaderEndOffset - s.fetchOffset);
      } catch (err) {
        this.onPartitionException(s, err, 'handling OFFSET_OUT_OF_RANGE');
      }
    }
  }

  /** ListOffsets v5 as a follower; returns the offsets of the partitions that are still current and got one. */
  private async listOffsets(partitions: PartitionFetchState[], timestamp: number): Promise<Map<PartitionFetchState, number>> {
    const out = new Map<PartitionFetchState, number>();
    const topics = new Map<string, Array<{ partitionIndex: number; currentLeaderEpoch: number; timestamp: number }>>();
    for (const s of partitions) {
      const list = topics.get(s.tp.topic) ?? [];
      list.push({ partitionIndex: s.tp.partition, currentLeaderEpoch: s.currentLeaderEpoch, timestamp });
      topics.set(s.tp.topic, list);
    }
    let response;
    try {
      response = await this.client.send(ListOffsetsApi, LIST_OFFSETS_VERSION, {
        replicaId: this.config.brokerId,
        isolationLevel: 0,
        topics: [...topics].map(([name, ps]) => ({ name, partitions: ps })),
      });
    } catch (err) {
      if (!this.running || err instanceof ClientClosedError) return out;
      this.log.warn({ err: errMessage(err) }, 'ListOffsets failed; retrying after backoff');
      for (const s of partitions) this.delay(s);
      return out;
    }
    const replies = new Map<string, { errorCode: number; offset: number }>();
    for (const t of response.topics) for (const p of t.partitions) replies.set(tpKey({ topic: t.name, partition: p.partitionIndex }), p);
    for (const s of partitions) {
      if (this.states.get(s.key) !== s || s.state !== 'fetching') continue;
      const reply = replies.get(s.key);
      if (reply?.errorCode === ErrorCode.None && reply.offset >= 0) out.set(s, reply.offset);
      else if (reply?.errorCode === ErrorCode.FencedLeaderEpoch) this.onPartitionFenced(s, 'ListOffsets');
      else {
        this.log.info({ tp: s.key, error: reply ? errorInfo(reply.errorCode).name : 'missing' }, 'could not fetch the leader offset; retrying after backoff');
        this.delay(s);
      }
    }
    return out;
  }

  // ---- partition errors -------------------------------------------------------------------

  /** Our epoch is older than the leader's: stop until the controller tells us the new state. */
  private onPartitionFenced(s: PartitionFetchState, during: string): void {
    this.log.info(
      { tp: s.key, currentLeaderEpoch: s.currentLeaderEpoch, during },
      `Partition ${s.key} has an older epoch (${s.currentLeaderEpoch}) than the current leader. Will await the new LeaderAndIsr state before resuming fetching.`,
    );
    this.markPartitionFailed(s);
  }

  private onPartitionException(s: PartitionFetchState, err: unknown, during: string): void {
    if (err instanceof KafkaError && err.code === ErrorCode.KafkaStorageError) {
      this.log.error({ tp: s.key, err, during }, 'storage error; stopping replication of the partition');
      this.markPartitionFailed(s);
      s.partition.onStorageError(err);
    } else if (err instanceof KafkaError && (err.code === ErrorCode.CorruptMessage || err.code === ErrorCode.InvalidRecord)) {
      // Kafka logs and retries: a transient state on the leader (a partial write) heals itself.
      this.log.error({ tp: s.key, err, fetchOffset: s.fetchOffset, during }, 'invalid records fetched; retrying after backoff');
      this.delay(s);
    } else {
      this.log.error({ tp: s.key, err, fetchOffset: s.fetchOffset, during }, 'unexpected error; stopping replication of the partition');
      this.markPartitionFailed(s);
    }
  }

  private markPartitionFailed(s: PartitionFetchState): void {
    if (this.states.get(s.key) !== s) return;
    this.states.delete(s.key);
    this.failed.add(s.key);
  }

  private delay(s: PartitionFetchState): void {
    const now = this.clock.now();
    if (s.delayedUntil > now) return;
    s.delayedUntil = now + this.config.fetchBackoffMs;
  }

  // ---- waiting ----------------------------------------------------------------------------

  /** Nothing to fetch: go on at once if a truncation is ready, else sleep until the next delay ends. */
  private async idle(): Promise<void> {
    const now = this.clock.now();
    let wait = this.config.fetchBackoffMs;
    for (const s of this.states.values()) {
      if (s.delayedUntil <= now) {
        if (s.state === 'truncating') return;
        continue;
      }
      wait = Math.min(wait, s.delayedUntil - now);
    }
    await this.sleep(Math.max(1, wait));
  }

  private sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let timer: Timer | null = null;
      const done = (): void => {
        timer?.cancel();
        if (this.wake === done) this.wake = null;
        resolve();
      };
      this.wake = done;
      timer = this.clock.setTimeout(done, ms);
    });
  }

  private wakeup(): void {
    this.wake?.();
  }
}

function errMessage(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
