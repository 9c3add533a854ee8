/**
 * Leader-side ISR management, classic mechanism (zk-and-controller.md §9.1–9.2; ARCHITECTURE
 * decision 4): Kafka 2.6's Partition.maybeExpandIsr / maybeShrinkIsr plus ReplicaManager's
 * isr-expiration and isr-change-propagation tasks.
 *
 * - Expand (on each follower fetch, after its fetch state was recorded): a follower of the
 *   assignment that is not in the ISR joins when its LEO ≥ the leader's high watermark and ≥ the
 *   leader epoch start offset.
 * - Shrink (task `isr-expiration`, every replica.lag.time.max.ms / 2): an ISR follower is out of
 *   sync when its LEO ≠ the leader LEO and now − lastCaughtUpTime > replica.lag.time.max.ms. The
 *   leader never removes itself.
 * - Each change is a setData of `/brokers/topics/<t>/partitions/<p>/state` conditional on the
 *   cached zkVersion, with the current leader epoch (the leader never bumps it) and the controller
 *   epoch of the last LeaderAndIsr. Success → the partition adopts the ISR and the new zkVersion,
 *   joins the isrChangeSet, and `onIsrChanged` completes delayed produce/fetch requests (the HW may
 *   have moved). BADVERSION → the old ISR stays ("Cached zkVersion … skip updating ISR"); the
 *   controller changed the partition and a LeaderAndIsr will follow (this is what fences a zombie
 *   leader, reliability.md §2.6).
 * - One write per partition at a time (Kafka holds the partition's leaderIsrUpdateLock across the
 *   ZooKeeper call); a result is dropped when the partition's leader epoch or zkVersion changed
 *   while it was in flight (a LeaderAndIsr came in between).
 * - Propagation (task `isr-change-propagation`, every 2500 ms): when the set is non-empty and no
 *   ISR change happened in the last 5000 ms, or 60000 ms passed since the last propagation, one
 *   `/isr_change_notification/isr_change_<seq>` lists the set, which is then cleared.
 */
import { LogEvent, tpFields } from '../common/log-events.js';
import type { Clock, Timer } from '../common/clock.js';
import { childLogger, type Logger } from '../common/logger.js';
import { tpKey, type TopicPartition } from '../common/topic-partition.js';
import type { PartitionState } from '../zk/znodes.js';
import type { Partition } from './partition.js';

/** Kafka's ReplicaManager.IsrChangePropagationBlackOut / IsrChangePropagationInterval. */
export const ISR_CHANGE_PROPAGATION_BLACKOUT_MS = 5_000;
export const ISR_CHANGE_PROPAGATION_INTERVAL_MS = 60_000;
/** the isr-change-propagation task's period */
export const ISR_CHANGE_PROPAGATION_TASK_MS = 2_500;

/** The two ZooKeeper writes the leader makes (KafkaZkClient fits). */
export interface IsrZkStore {
  updateLeaderAndIsr(
    tp: TopicPartition,
    state: PartitionState,
    expectedZkVersion: number,
  ): Promise<{ outcome: 'ok'; zkVersion: number } | { outcome: 'bad-version' }>;
  createIsrChangeNotification(tps: readonly TopicPartition[]): Promise<string>;
}

export interface IsrManagerOptions {
  readonly brokerId: number;
  readonly clock: Clock;
  readonly log: Logger;
  readonly zk: IsrZkStore;
  /** replica.lag.time.max.ms */
  readonly replicaLagTimeMaxMs: number;
  /** the partitions this broker hosts (only the ones it leads are looked at) */
  readonly partitions: () => Iterable<Partition>;
  /** after a successful ISR change: complete delayed produce/fetch requests of the partition */
  readonly onIsrChanged: (partition: Partition, highWatermarkChanged: boolean) => void;
  /** IsrShrinksPerSec / IsrExpandsPerSec */
  readonly metrics?: { isrShrunk(): void; isrExpanded(): void };
}

export class IsrManager {
  private readonly log: Logger;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly isrChangeSet = new Map<string, TopicPartition>();
  private lastIsrChangeMs: number;
  private lastIsrPropagationMs: number;
  private expirationTimer: Timer | null = null;
  private propagationTimer: Timer | null = null;
  private propagating = false;
  private stopped = false;

  constructor(private readonly opts: IsrManagerOptions) {
    this.log = childLogger(opts.log, 'isr-manager');
    this.lastIsrChangeMs = opts.clock.now();
    this.lastIsrPropagationMs = opts.clock.now();
  }

  /** Starts the isr-expiration and isr-change-propagation tasks. */
  startup(): void {
    const expirationMs = Math.max(1, Math.floor(this.opts.replicaLagTimeMaxMs / 2));
    const expire = (): void => {
      this.expirationTimer = null;
      if (this.stopped) return;
      try {
        this.maybeShrinkIsr();
      } catch (err) {
        this.log.error({ err }, 'isr-expiration failed');
      }
      if (!this.stopped) this.expirationTimer = this.opts.clock.setTimeout(expire, expirationMs);
    };
    const propagate = (): void => {
      this.propagationTimer = null;
      if (this.stopped) return;
      void this.maybePropagateIsrChanges();
      if (!this.stopped) this.propagationTimer = this.opts.clock.setTimeout(propagate, ISR_CHANGE_PROPAGATION_TASK_MS);
    };
    this.expirationTimer = this.opts.clock.setTimeout(expire, expirationMs);
    this.propagationTimer = this.opts.clock.setTimeout(propagate, ISR_CHANGE_PROPAGATION_TASK_MS);
  }

  /** Stops the tasks; results of writes still in flight are dropped. */
  shutdown(): void {
    this.stopped = true;
    this.expirationTimer?.cancel();
    this.propagationTimer?.cancel();
    this.expirationTimer = null;
    this.propagationTimer = null;
  }

  /** Resolves when every ISR write in flight now has been applied or dropped (tests). */
  async awaitInFlight(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight.values()]);
  }

  /** Partitions whose ISR changed and are not yet propagated. */
  get pendingIsrChanges(): TopicPartition[] {
    return [...this.isrChangeSet.values()];
  }

  /** Kafka's Partition.maybeExpandIsr, after `followerId`'s fetch state was recorded. */
  maybeExpandIsr(partition: Partition, followerId: number): void {
    if (this.stopped || !partition.isLeader || !partition.log) return;
    if (partition.isr.includes(followerId) || !partition.assignment.includes(followerId)) return;
    if (this.inFlight.has(partition.key)) return;
    const f = partition.followerState(followerId);
    if (!f) return;
    if (f.logEndOffset < partition.highWatermark || f.logEndOffset < partition.leaderEpochStartOffset) return;
    const newIsr = [...partition.isr, followerId];
    this.log.info(
      {
        event: LogEvent.IsrExpand,
        tp: partition.key,
        ...tpFields(partition.tp),
        leaderEpoch: partition.leaderEpoch,
        isr: partition.isr,
        newIsr,
        follower: followerId,
        followerLeo: f.logEndOffset,
        highWatermark: partition.highWatermark,
      },
      `Expanding ISR from ${partition.isr.join(',')} to ${newIsr.join(',')}`,
    );
    this.opts.metrics?.isrExpanded();
    this.writeIsr(partition, newIsr);
  }

  /** Kafka's isr-expiration task over every partition this broker leads. */
  maybeShrinkIsr(): void {
    if (this.stopped) return;
    const now = this.opts.clock.now();
    for (const p of this.opts.partitions()) {
      if (!p.isLeader || !p.log || this.inFlight.has(p.key)) continue;
      const outOfSync = this.outOfSyncReplicas(p, now);
      if (outOfSync.length === 0) continue;
      const newIsr = p.isr.filter((id) => !outOfSync.includes(id));
      const leaderLeo = p.log.logEndOffset;
      this.log.info(
        {
          event: LogEvent.IsrShrink,
          tp: p.key,
          ...tpFields(p.tp),
          leaderEpoch: p.leaderEpoch,
          isr: p.isr,
          newIsr,
          leaderEndOffset: leaderLeo,
          lagging: outOfSync.map((id) => {
            const f = p.followerState(id);
            return { id, logEndOffset: f?.logEndOffset ?? -1, lastCaughtUpTimeMs: f?.lastCaughtUpTimeMs ?? 0 };
          }),
        },
        `Shrinking ISR from ${p.isr.join(',')} to ${newIsr.join(',')}`,
      );
      this.opts.metrics?.isrShrunk();
      this.writeIsr(p, newIsr);
    }
  }

  /** ISR followers with LEO ≠ leader LEO not caught up for longer than replica.lag.time.max.ms. */
  outOfSyncReplicas(p: Partition, now: number): number[] {
    const leaderLeo = p.log?.logEndOffset ?? -1;
    return p.isr.filter((id) => {
      if (id === this.opts.brokerId) return false;
      const f = p.followerState(id);
      if (!f) return true;
      return f.logEndOffset !== leaderLeo && now - f.lastCaughtUpTimeMs > this.opts.replicaLagTimeMaxMs;
    });
  }

  /** Kafka's ReplicaManager.recordIsrChange. */
  recordIsrChange(tp: TopicPartition): void {
    this.isrChangeSet.set(tpKey(tp), tp);
    this.lastIsrChangeMs = this.opts.clock.now();
  }

  /** Kafka's ReplicaManager.maybePropagateIsrChanges. Returns whether a notification was written. */
  async maybePropagateIsrChanges(): Promise<boolean> {
    if (this.propagating || this.isrChangeSet.size === 0) return false;
    const now = this.opts.clock.now();
    if (this.lastIsrChangeMs + ISR_CHANGE_PROPAGATION_BLACKOUT_MS >= now && this.lastIsrPropagationMs + ISR_CHANGE_PROPAGATION_INTERVAL_MS >= now) {
      return false;
    }
    const tps = [...this.isrChangeSet.values()];
    this.isrChangeSet.clear();
    this.lastIsrPropagationMs = now;
    this.propagating = true;
    try {
      const name = await this.opts.zk.createIsrChangeNotification(tps);
      this.log.debug({ notification: name, partitions: tps.map(tpKey) }, 'propagated ISR changes');
      return true;
    } catch (err) {
      // Put them back for the next round (unless a newer change re-added them already).
      for (const tp of tps) if (!this.isrChangeSet.has(tpKey(tp))) this.isrChangeSet.set(tpKey(tp), tp);
      if (!this.stopped) this.log.warn({ err, partitions: tps.map(tpKey) }, 'writing the ISR change notification failed; will retry');
      return false;
    } finally {
      this.propagating = false;
    }
  }

  private writeIsr(partition: Partition, newIsr: readonly number[]): void {
    const key = partition.key;
    const leaderEpoch = partition.leaderEpoch;
    const zkVersion = partition.zkVersion;
    const state: PartitionState = {
      leader: this.opts.brokerId,
      leaderEpoch,
      isr: [...newIsr],
      controllerEpoch: partition.controllerEpoch,
    };
    const run = async (): Promise<void> => {
      try {
        const result = await this.opts.zk.updateLeaderAndIsr(partition.tp, state, zkVersion);
        if (this.stopped) return;
        const unchanged = partition.isLeader && partition.leaderEpoch === leaderEpoch && partition.zkVersion === zkVersion;
        if (result.outcome === 'bad-version') {
          this.log.info(
            { tp: key, zkVersion, isr: partition.isr, newIsr },
            `Cached zkVersion ${zkVersion} not equal to that in zookeeper, skip updating ISR`,
          );
          return;
        }
        if (!unchanged) {
          this.log.info({ tp: key, newIsr, zkVersion: result.zkVersion }, 'partition state changed while the ISR write was in flight; result dropped');
          return;
        }
        const hwChanged = partition.updateIsr(newIsr, result.zkVersion, this.opts.clock.now());
        this.log.info(
          {
            event: LogEvent.IsrUpdated,
            tp: key,
            ...tpFields(partition.tp),
            leaderEpoch,
            isr: newIsr,
            zkVersion: result.zkVersion,
            highWatermark: partition.highWatermark,
          },
          'ISR updated',
        );
        this.recordIsrChange(partition.tp);
        this.opts.onIsrChanged(partition, hwChanged);
      } catch (err) {
        if (!this.stopped) this.log.error({ err, tp: key, newIsr }, 'writing the ISR to ZooKeeper failed; keeping the old ISR');
      } finally {
        this.inFlight.delete(key);
      }
    };
    this.inFlight.set(key, Promise.resolve().then(run));
  }
}
