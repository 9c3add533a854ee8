/**
 * What goes into a cluster's timeline (timeline.ts) and how: znode changes (znode-watcher.ts), the brokers'
 * structured log records (src/common/log-events.ts — the contract), and the harness's own fault injections.
 *
 * From ZooKeeper (source 'zookeeper'; every event has `path`, `op`, `zxid`, `detail.version`):
 *   controller-changed (broker = the controller, -1 when /controller is deleted) · controller-epoch ·
 *   broker-registered (detail.brokerEpoch) / broker-deregistered / broker-registration-changed ·
 *   topic-created / topic-changed / topic-deleted (detail.partitions: the assignment) ·
 *   partition-created, leader-elected (a new leader, or a new leader epoch with the same ISR), leader-lost
 *   (leader -1: no replica in the ISR is alive), isr-changed (same leader, new ISR),
 *   partition-state-changed (anything else), partition-deleted — all with topic, partition, leader,
 *   leaderEpoch, isr, controllerEpoch and detail.previous ·
 *   isr-change-notification (detail.partitions) · topic-deletion-requested · reassignment-requested /
 *   reassignment-completed · preferred-election-requested ·
 *   znode-created / znode-changed / znode-deleted (any other path) · znodes-missed (detail.count children of
 *   `path` that came and went between two reads).
 * From the brokers' logs (source 'broker', `broker` = the logging broker): controller-elected /
 *   controller-resigned (controllerEpoch) · controller-event (detail.controllerEvent) · partition-state-change
 *   and replica-state-change (the controller's state machines: detail.from/to, strategy) · become-leader /
 *   become-follower (LeaderAndIsr applied) · isr-shrink / isr-expand (the leader's decision: isr = the new ISR,
 *   detail.previousIsr) · broker-started / broker-stopped / broker-start-failed · zk-session-expired /
 *   zk-session-established.
 * From the harness (source 'harness'): fault (action = kill, stop, start, restart, pause, resume,
 *   expire-session, cut, delay, heal, fill-disk, free-disk, zookeeper-kill, ...).
 *
 * Causes: a partition event from ZooKeeper gets the `cause` its writer logged — the controller's election
 * (strategy and the controller event being processed), the leader's ISR shrink/expand, or the controller taking
 * an offline replica out of the ISR — whichever of the two records arrives first.
 */
import { LogEvent } from '../common/log-events.js';
import type { Timeline, TimelineEvent } from './timeline.js';
import type { ZnodeChange } from './znode-watcher.js';

type Rec = Record<string, unknown>;

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const nums = (v: unknown): number[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined);

function json(data: Buffer | null): Rec | null {
  if (!data || data.length === 0) return null;
  try {
    const v: unknown = JSON.parse(data.toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : null;
  } catch {
    return null;
  }
}

const sameIsr = (a?: readonly number[], b?: readonly number[]) =>
  a !== undefined && b !== undefined && a.length === b.length && [...a].sort().join() === [...b].sort().join();

/** How far back (events) a new event looks for its partner when correlating causes, and how far apart in time. */
const CORRELATION_WINDOW = 400;
const CORRELATION_MS = 2000;

export class TimelineRecorder {
  /** the controller event each broker's controller is processing (from its last controller-event record) */
  private readonly processing = new Map<number, string>();
  /** log records that explained a ZooKeeper change already: each explains one */
  private readonly used = new WeakSet<TimelineEvent>();

  constructor(readonly timeline: Timeline) {}

  fault(action: string, fields: Omit<TimelineEvent, 'seq' | 'time' | 'type' | 'source' | 'action'> = {}): TimelineEvent {
    return this.timeline.record({ time: Date.now(), type: 'fault', source: 'harness', action, ...fields });
  }

  /** One line of a broker's stdout; lines that are not structured events are ignored. */
  logLine(line: string, brokerId: number): void {
    if (!line.includes('"event":"')) return;
    let rec: Rec;
    try {
      rec = JSON.parse(line) as Rec;
    } catch {
      return;
    }
    this.logRecord(rec, brokerId);
  }

  logRecord(rec: Rec, brokerId: number): void {
    const event = str(rec.event);
    if (!event) return;
    const time = typeof rec.time === 'string' ? Date.parse(rec.time) : (num(rec.time) ?? Date.now());
    const base = { time, source: 'broker' as const, broker: num(rec.brokerId) ?? brokerId };
    const tp = { topic: str(rec.topic), partition: num(rec.partition) };
    const r = (type: string, fields: Partial<TimelineEvent> = {}): void => void this.add({ ...base, type, ...fields });
    switch (event) {
      case LogEvent.ControllerElected:
        return r('controller-elected', { controllerEpoch: num(rec.epoch) });
      case LogEvent.ControllerResigned:
        return r('controller-resigned', { controllerEpoch: num(rec.epoch) });
      case LogEvent.ControllerEvent: {
        const controllerEvent = str(rec.controllerEvent) ?? '?';
        this.processing.set(base.broker, controllerEvent);
        return r('controller-event', { ...tp, detail: { controllerEvent, subjectBroker: num(rec.subjectBroker) } });
      }
      case LogEvent.PartitionStateChange:
        return r('partition-state-change', {
          ...tp,
          leader: num(rec.leader),
          leaderEpoch: num(rec.leaderEpoch),
          isr: nums(rec.isr),
          cause: this.controllerCause(base.broker, str(rec.strategy) ?? `${str(rec.from)} -> ${str(rec.to)}`),
          detail: { from: rec.from, to: rec.to, strategy: rec.strategy },
        });
      case LogEvent.ReplicaStateChange:
        return r('replica-state-change', {
          ...tp,
          cause: this.controllerCause(base.broker, `replica ${num(rec.replica)} ${str(rec.from)} -> ${str(rec.to)}`),
          detail: { replica: rec.replica, from: rec.from, to: rec.to },
        });
      case LogEvent.BecomeLeader:
      case LogEvent.BecomeFollower:
        return r(event, { ...tp, leader: num(rec.leader), leaderEpoch: num(rec.leaderEpoch), isr: nums(rec.isr), controllerEpoch: num(rec.controllerEpoch) });
      case LogEvent.IsrShrink:
      case LogEvent.IsrExpand:
        return r(event, {
          ...tp,
          leader: base.broker,
          leaderEpoch: num(rec.leaderEpoch),
          isr: nums(rec.newIsr),
          detail: { previousIsr: rec.isr, lagging: rec.lagging, follower: rec.follower },
        });
      case LogEvent.BrokerStarted:
      case LogEvent.BrokerStopped:
      case LogEvent.ZkSessionExpired:
      case LogEvent.ZkSessionEstablished:
        return r(event, { detail: rec.sessionId !== undefined ? { sessionId: rec.sessionId } : undefined });
      case LogEvent.BrokerStartFailed: {
        const err = rec.err as Rec | undefined;
        return r(event, { detail: { error: str(err?.message), code: str(err?.code) } });
      }
      default:
        return; // broker-listening, broker-registered (ZooKeeper says it), isr-updated (ZooKeeper says it)
    }
  }

  private controllerCause(controller: number, what: string): string {
    return `${what} (controller ${controller}: ${this.processing.get(controller) ?? '?'})`;
  }

  /** One znode change under the chroot. */
  znode(c: ZnodeChange): void {
    const base = { time: c.time, source: 'zookeeper' as const, path: c.path, op: c.op, zxid: c.stat?.mzxid };
    const data = json(c.data);
    const parts = c.path.split('/').slice(1);
    const r = (type: string, fields: Partial<TimelineEvent> = {}): void =>
      void this.add({ ...base, type, ...fields, detail: { version: c.stat?.version, ...fields.detail } });
    if (c.op === 'missed') return r('znodes-missed', { detail: { count: c.missedVersions } });
    const missed = c.missedVersions > 0 && c.op === 'changed' ? { missedVersions: c.missedVersions } : {};
    if (c.path === '/controller') {
      return r('controller-changed', { broker: c.op === 'deleted' ? -1 : num(data?.brokerid), detail: missed });
    }
    if (c.path === '/controller_epoch' && c.op !== 'deleted') return r('controller-epoch', { controllerEpoch: Number(c.data?.toString() ?? NaN) });
    if (parts[0] === 'brokers' && parts[1] === 'ids' && parts.length === 3) {
      const broker = Number(parts[2]);
      if (c.op === 'created') return r('broker-registered', { broker, detail: { brokerEpoch: c.stat?.czxid, endpoints: data?.endpoints } });
      if (c.op === 'deleted') return r('broker-deregistered', { broker });
      return r('broker-registration-changed', { broker, detail: { endpoints: data?.endpoints } });
    }
    if (parts[0] === 'brokers' && parts[1] === 'topics' && parts.length === 3) {
      const type = c.op === 'created' ? 'topic-created' : c.op === 'deleted' ? 'topic-deleted' : 'topic-changed';
      return r(type, { topic: parts[2], detail: { partitions: data?.partitions } });
    }
    if (parts[0] === 'brokers' && parts[1] === 'topics' && parts[3] === 'partitions' && parts[5] === 'state' && parts.length === 6) {
      return this.partitionState(c, parts[2]!, Number(parts[4]), base);
    }
    if (parts[0] === 'isr_change_notification' && parts.length === 2 && c.op === 'created') {
      return r('isr-change-notification', { detail: { partitions: data?.partitions } });
    }
    if (parts[0] === 'admin' && parts[1] === 'delete_topics' && parts.length === 3 && c.op === 'created') {
      return r('topic-deletion-requested', { topic: parts[2] });
    }
    if (c.path === '/admin/reassign_partitions' && c.op !== 'changed') {
      return r(c.op === 'created' ? 'reassignment-requested' : 'reassignment-completed', { detail: { partitions: data?.partitions } });
    }
    if (c.path === '/admin/preferred_replica_election' && c.op === 'created') {
      return r('preferred-election-requested', { detail: { partitions: data?.partitions } });
    }
    return r(`znode-${c.op}`, { detail: missed });
  }

  private partitionState(c: ZnodeChange, topic: string, partition: number, base: Omit<TimelineEvent, 'seq' | 'type'>): void {
    const now = json(c.data);
    const before = json(c.previous);
    const state = (s: Rec | null) => ({ leader: num(s?.leader), leaderEpoch: num(s?.leader_epoch), isr: nums(s?.isr), controllerEpoch: num(s?.controller_epoch) });
    const after = state(now);
    const prev = state(before);
    let type: string;
    if (c.op === 'created') type = 'partition-created';
    else if (c.op === 'deleted') type = 'partition-deleted';
    else if (after.leader === -1 && prev.leader !== -1) type = 'leader-lost';
    else if (after.leader !== prev.leader || (after.leaderEpoch !== prev.leaderEpoch && sameIsr(after.isr, prev.isr))) type = 'leader-elected';
    else type = sameIsr(after.isr, prev.isr) ? 'partition-state-changed' : 'isr-changed';
    const fields = c.op === 'deleted' ? prev : after;
    this.add({
      ...base,
      type,
      topic,
      partition,
      ...fields,
      detail: { version: c.stat?.version, previous: c.op === 'created' ? undefined : prev, ...(c.missedVersions > 0 ? { missedVersions: c.missedVersions } : {}) },
    });
  }

  /** Records the event, then pairs a partition change from ZooKeeper with the log record that explains it. */
  private add(fields: Omit<TimelineEvent, 'seq'>): void {
    const e = this.timeline.record(fields);
    if (e.topic === undefined || e.partition === undefined) return;
    const recent = this.timeline.slice(-CORRELATION_WINDOW);
    for (let i = recent.length - 1; i >= 0; i--) {
      const other = recent[i]!;
      if (other === e || other.topic !== e.topic || other.partition !== e.partition) continue;
      const [zk, log] = e.source === 'zookeeper' ? [e, other] : other.source === 'zookeeper' ? [other, e] : [null, null];
      if (!zk || !log || zk.cause !== undefined || this.used.has(log) || Math.abs(zk.time - log.time) > CORRELATION_MS) continue;
      const cause = explains(log, zk);
      if (cause) {
        this.used.add(log);
        this.timeline.annotate(zk, { cause });
        if (e === zk) return;
      }
    }
  }
}

/** The cause `log` gives for the ZooKeeper partition event `zk`, when it is the record of that very write. */
function explains(log: TimelineEvent, zk: TimelineEvent): string | null {
  const prevIsr = (zk.detail?.previous as { isr?: number[] } | undefined)?.isr;
  switch (log.type) {
    case 'partition-state-change':
      return log.leaderEpoch === zk.leaderEpoch && log.leader === zk.leader && (zk.type === 'leader-elected' || zk.type === 'partition-created')
        ? (log.cause ?? null)
        : null;
    case 'isr-shrink':
    case 'isr-expand':
      return zk.type === 'isr-changed' && log.leaderEpoch === zk.leaderEpoch && sameIsr(log.isr, zk.isr)
        ? `${log.type} by leader ${log.broker}${log.type === 'isr-shrink' ? ` (lagging: ${laggingIds(log.detail?.lagging)})` : ` (follower ${String(log.detail?.follower)} caught up)`}`
        : null;
    case 'replica-state-change': {
      const replica = log.detail?.replica;
      return log.detail?.to === 'OfflineReplica' && typeof replica === 'number' && prevIsr?.includes(replica) && !zk.isr?.includes(replica)
        ? (log.cause ?? null)
        : null;
    }
    default:
      return null;
  }
}

function laggingIds(lagging: unknown): string {
  return Array.isArray(lagging) ? lagging.map((l) => String((l as { id?: unknown }).id)).join(',') : '?';
}
