/**
 * The web view's timeline: the broker's records with an `event` field (src/common/log-events.ts:
 * controller elections, partition and replica state changes, become-leader/follower, ISR changes,
 * registrations, ZooKeeper sessions) and the rest of its controller records (controller.log /
 * state-change.log as structured pino records: `component: 'controller'`, `log: 'state-change'`),
 * parsed from the serialized log lines as they are written (log-tap.ts) — the same records the test
 * harness's timeline reads, so their format is the contract. Keeps the last `capacity` events and pushes each new one to subscribers (Server-Sent
 * Events). Lines are tested with a substring check before any JSON parse: the rest of the log costs
 * one `includes` per line.
 */

export interface TimelineEvent {
  seq: number;
  /** epoch ms */
  time: number;
  brokerId: number | null;
  component: string;
  /** 'controller' (controller.log) or 'state-change' (state-change.log) or 'broker' */
  log: string;
  /** the record's `event` (log-events.ts), or null */
  event: string | null;
  level: string;
  msg: string;
  /** the record's other fields (tp, epoch, leader, isr, ...) */
  fields: Record<string, unknown>;
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const MARKERS = ['"event":"', '"component":"controller"', '"log":"state-change"'];
const OMITTED = new Set(['level', 'time', 'pid', 'hostname', 'brokerId', 'msg', 'component', 'log', 'event']);

/** The timeline event of one log line, or null when the line is not one. */
export function parseTimelineLine(line: string, seq: number): TimelineEvent | null {
  if (!MARKERS.some((m) => line.includes(m))) return null;
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
  const level = typeof rec.level === 'number' ? rec.level : 30;
  if (level < 30) return null;
  const component = typeof rec.component === 'string' ? rec.component : 'broker';
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rec)) if (!OMITTED.has(k)) fields[k] = v;
  const time = typeof rec.time === 'number' ? rec.time : Date.parse(String(rec.time));
  return {
    seq,
    time: Number.isFinite(time) ? time : Date.now(),
    brokerId: typeof rec.brokerId === 'number' ? rec.brokerId : null,
    component,
    log: typeof rec.log === 'string' ? rec.log : component === 'controller' ? 'controller' : 'broker',
    event: typeof rec.event === 'string' ? rec.event : null,
    level: LEVELS[level] ?? String(level),
    msg: typeof rec.msg === 'string' ? rec.msg : '',
    fields,
  };
}

export class CoordinationTimeline {
  private readonly events: TimelineEvent[] = [];
  private readonly subscribers = new Set<(e: TimelineEvent) => void>();
  private seq = 0;

  constructor(private readonly capacity = 1000) {}

  /** A serialized log line (from the tee); kept when it is a timeline record. */
  offer(line: string): void {
    const e = parseTimelineLine(line, this.seq + 1);
    if (!e) return;
    this.seq = e.seq;
    this.events.push(e);
    if (this.events.length > this.capacity) this.events.splice(0, this.events.length - this.capacity);
    for (const s of this.subscribers) s(e);
  }

  /** Events after `afterSeq` (all kept ones by default), oldest first. */
  recent(afterSeq = 0): TimelineEvent[] {
    return this.events.filter((e) => e.seq > afterSeq);
  }

  subscribe(fn: (e: TimelineEvent) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }
}
