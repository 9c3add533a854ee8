/**
 * The follower fetchers of one broker (Kafka 2.7 AbstractFetcherManager / ReplicaFetcherManager).
 *
 * - Partitions are grouped by (leader broker id, fetcher id), fetcher id =
 *   Utils.abs(31 · topic.hashCode() + partition) mod num.replica.fetchers; one
 *   ReplicaFetcherThread (one connection, one loop) per group.
 * - addFetcherForPartitions reuses a group's thread when the leader's endpoint is unchanged;
 *   when the endpoint moved, the old thread is shut down and a new one started (Kafka), and its
 *   other partitions move over, truncating first from their high watermark (Kafka 2.7 drops
 *   them until the next LeaderAndIsr).
 * - A partition is never fetched by two threads: adding it removes it from any other thread.
 * - Partitions join in the `truncating` state (IBP ≥ 0.11: truncate by leader epochs first).
 * - Everything but shutdown is synchronous, so the replica manager can call it while it handles
 *   a LeaderAndIsr request (Kafka holds replicaStateChangeLock there).
 *
 * The replica manager drives it (zk-and-controller.md §8.5):
 *   makeLeaders:   removeFetcherForPartitions(tps)
 *   makeFollowers: removeFetcherForPartitions(tps); addFetcherForPartitions(targets at the local HW);
 *                  shutdownIdleFetcherThreads()
 *   StopReplica:   removeFetcherForPartitions(tps)
 *   shutdown:      shutdown()
 */
import type { ClientSecurity } from '../network/client.js';
import type { Clock } from '../common/clock.js';
import { childLogger, type Logger } from '../common/logger.js';
import { tpKey, type TopicPartition } from '../common/topic-partition.js';
import type { FollowerPartition } from './follower-partition.js';
import { ReplicaFetcherThread, type LeaderClient, type PartitionFetchStateView, type SourceBroker } from './fetcher-thread.js';
import { replicaFetcherConfig, type ReplicaFetcherConfig } from './replica-fetcher-config.js';

/** One partition to follow, as makeFollowers hands it over. */
export interface FollowerFetchTarget {
  readonly tp: TopicPartition;
  readonly leaderId: number;
  /** the leader's endpoint on inter.broker.listener.name (resolved by the caller) */
  readonly leaderEndpoint: { readonly host: string; readonly port: number };
  /** the local high watermark */
  readonly initOffset: number;
  readonly currentLeaderEpoch: number;
  readonly partition: FollowerPartition;
}

export interface ReplicaFetcherManagerOptions {
  /** a full config, or this broker's id plus overrides of Kafka's defaults */
  readonly config: ReplicaFetcherConfig | ({ brokerId: number } & Partial<ReplicaFetcherConfig>);
  readonly log: Logger;
  readonly clock?: Clock;
  /** replaces BrokerClient (tests) */
  readonly createClient?: (source: SourceBroker, clientId: string) => LeaderClient;
  /** TLS / SASL of the inter-broker listener */
  readonly clientSecurity?: ClientSecurity;
}

/** Kafka's AbstractFetcherManager.getFetcherId. */
export function fetcherIdFor(tp: TopicPartition, numFetchers: number): number {
  const h = (Math.imul(31, javaStringHashCode(tp.topic)) + tp.partition) | 0;
  const abs = h === -2147483648 ? 0 : Math.abs(h);
  return abs % numFetchers;
}

function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

export class ReplicaFetcherManager {
  private readonly config: ReplicaFetcherConfig;
  private readonly log: Logger;
  /** key `${leaderId}-${fetcherId}` */
  private readonly threads = new Map<string, ReplicaFetcherThread>();
  private readonly stopping = new Set<Promise<void>>();
  /** partitions stopped on an error until added again (Kafka's FailedPartitions) */
  private readonly failed = new Set<string>();
  private closed = false;

  constructor(private readonly opts: ReplicaFetcherManagerOptions) {
    const { brokerId, ...rest } = opts.config;
    this.config = replicaFetcherConfig(brokerId, rest);
    this.log = childLogger(opts.log, 'replica-fetcher-manager');
  }

  get threadCount(): number {
    return this.threads.size;
  }

  fetcherThreads(): ReplicaFetcherThread[] {
    return [...this.threads.values()];
  }

  /** The thread fetching `tp`, if any. */
  fetcherFor(tp: TopicPartition): ReplicaFetcherThread | undefined {
    for (const t of this.threads.values()) if (t.fetchState(tp)) return t;
    return undefined;
  }

  fetchState(tp: TopicPartition): PartitionFetchStateView | undefined {
    return this.fetcherFor(tp)?.fetchState(tp);
  }

  /** Whether `tp` stopped on an error (fenced, storage) and waits to be added again. */
  isFailed(tp: TopicPartition): boolean {
    return this.failed.has(tpKey(tp));
  }

  get failedPartitionCount(): number {
    return this.failed.size;
  }

  addFetcherForPartitions(targets: ReadonlyMap<string, FollowerFetchTarget> | Iterable<FollowerFetchTarget>): void {
    if (this.closed) throw new Error('replica fetcher manager is shut down');
    const list = targets instanceof Map ? [...(targets as ReadonlyMap<string, FollowerFetchTarget>).values()] : [...(targets as Iterable<FollowerFetchTarget>)];
    const groups = new Map<string, { source: SourceBroker; fetcherId: number; targets: FollowerFetchTarget[] }>();
    for (const t of list) {
      const fetcherId = fetcherIdFor(t.tp, this.config.numFetchers);
      const key = `${t.leaderId}-${fetcherId}`;
      const group = groups.get(key) ?? { source: { id: t.leaderId, host: t.leaderEndpoint.host, port: t.leaderEndpoint.port }, fetcherId, targets: [] };
      group.targets.push(t);
      groups.set(key, group);
    }
    for (const [key, group] of groups) {
      const thread = this.threadFor(key, group.source, group.fetcherId);
      const tps = group.targets.map((t) => t.tp);
      for (const [otherKey, other] of this.threads) if (otherKey !== key) other.removePartitions(tps);
      thread.addPartitions(group.targets.map((t) => ({ tp: t.tp, initOffset: t.initOffset, currentLeaderEpoch: t.currentLeaderEpoch, partition: t.partition })));
      this.log.info(
        { leaderId: group.source.id, fetcherId: group.fetcherId, partitions: group.targets.map((t) => ({ tp: tpKey(t.tp), initOffset: t.initOffset, leaderEpoch: t.currentLeaderEpoch })) },
        'added fetcher',
      );
    }
  }

  /** Stops fetching these partitions at once (a response already on its way is ignored). */
  removeFetcherForPartitions(tps: Iterable<TopicPartition>): Map<string, PartitionFetchStateView> {
    const list = [...tps];
    const removed = new Map<string, PartitionFetchStateView>();
    for (const t of this.threads.values()) for (const [k, v] of t.removePartitions(list)) removed.set(k, v);
    for (const tp of list) this.failed.delete(tpKey(tp));
    if (list.length > 0) this.log.info({ partitions: list.map(tpKey) }, 'removed fetcher');
    return removed;
  }

  /** Shuts down threads left without partitions. */
  async shutdownIdleFetcherThreads(): Promise<void> {
    const idle: Promise<void>[] = [];
    for (const [key, t] of this.threads) {
      if (t.partitionCount > 0) continue;
      this.threads.delete(key);
      idle.push(this.stopThread(t));
    }
    await Promise.all(idle);
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    const all = [...this.threads.values()].map((t) => this.stopThread(t));
    this.threads.clear();
    await Promise.all([...all, ...this.stopping]);
    this.log.info('shut down');
  }

  private threadFor(key: string, source: SourceBroker, fetcherId: number): ReplicaFetcherThread {
    const current = this.threads.get(key);
    if (current && current.sourceBroker.host === source.host && current.sourceBroker.port === source.port) return current;
    const thread = new ReplicaFetcherThread({
      fetcherId,
      sourceBroker: source,
      config: this.config,
      log: this.opts.log,
      ...(this.opts.clock ? { clock: this.opts.clock } : {}),
      ...(this.opts.createClient ? { createClient: this.opts.createClient } : {}),
      ...(this.opts.clientSecurity ? { clientSecurity: this.opts.clientSecurity } : {}),
      failedPartitions: this.failed,
    });
    this.threads.set(key, thread);
    thread.start();
    if (current) {
      // The leader's endpoint moved: the old thread's partitions start over here (truncating first).
      thread.addPartitions(current.drainPartitions());
      this.log.info({ leaderId: source.id, from: `${current.sourceBroker.host}:${current.sourceBroker.port}`, to: `${source.host}:${source.port}` }, 'leader endpoint changed; fetcher replaced');
      void this.stopThread(current);
    }
    return thread;
  }

  private stopThread(t: ReplicaFetcherThread): Promise<void> {
    const p = t.shutdown().catch((err: unknown) => this.log.error({ err, fetcher: t.name }, 'fetcher shutdown failed'));
    this.stopping.add(p);
    void p.finally(() => this.stopping.delete(p));
    return p;
  }
}
