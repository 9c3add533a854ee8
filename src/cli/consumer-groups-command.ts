/**
 * `gregor consumer-groups`: Kafka 2.7's kafka-consumer-groups.sh (ConsumerGroupCommand) over the admin
 * API: --list, --describe [--offsets | --members [--verbose] | --state] for --group (repeatable) or
 * --all-groups, --reset-offsets (--to-earliest | --to-latest | --to-current | --to-offset N |
 * --shift-by N | --to-datetime | --by-duration | --from-file) scoped by --topic t[:p,p] or --all-topics,
 * a dry run unless --execute (--export prints CSV), and --delete.
 *
 * Output as 2.7 prints it: tables start with an empty line, columns are left-aligned and padded
 * (`%-Ns`, widths growing to fit), missing values print `-`; notices ("has no active members",
 * "is rebalancing") go to stderr. Departures, because errors here are one stderr line and exit 1:
 * an unknown group ("Error: Consumer group 'g' does not exist.") and a reset of an active group
 * (Kafka prints both on stdout and exits 0).
 */
import { readFile } from 'node:fs/promises';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets } from '../client/admin.js';
import { ApiError } from '../client/errors.js';
import { commitOffsets, committedOffsets, deleteGroups, describeGroup, groupOffsets, listGroups, type GroupDescription, type PartitionOffsets } from '../client/groups.js';
import type { KafkaClient } from '../client/kafka-client.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { adminClient, runTool, UsageError, type ToolIo } from './tool-runtime.js';

export interface ConsumerGroupsOptions {
  bootstrapServer?: string;
  /** --command-config: client properties (security.protocol, ssl.*, sasl.*) for --bootstrap-server */
  commandConfig?: string;
  list?: boolean;
  describe?: boolean;
  delete?: boolean;
  resetOffsets?: boolean;
  group?: string[];
  allGroups?: boolean;
  offsets?: boolean;
  members?: boolean;
  verbose?: boolean;
  state?: boolean;
  topic?: string[];
  allTopics?: boolean;
  toEarliest?: boolean;
  toLatest?: boolean;
  toCurrent?: boolean;
  toOffset?: number;
  shiftBy?: number;
  toDatetime?: string;
  byDuration?: string;
  fromFile?: string;
  dryRun?: boolean;
  execute?: boolean;
  export?: boolean;
  timeout?: number;
}

const MISSING = '-';
const pad = (v: string | number, width: number) => String(v).padEnd(width);

/** Kafka's exception class of an error code, as `Throwable.toString` prints it in the delete report. */
function javaException(err: ApiError): string {
  const names: Partial<Record<number, string>> = {
    [ErrorCode.NonEmptyGroup]: 'GroupNotEmptyException',
    [ErrorCode.GroupIdNotFound]: 'GroupIdNotFoundException',
    [ErrorCode.CoordinatorNotAvailable]: 'CoordinatorNotAvailableException',
    [ErrorCode.InvalidGroupId]: 'InvalidGroupIdException',
  };
  return `org.apache.kafka.common.errors.${names[err.code] ?? 'ApiException'}: ${err.message}`;
}

export async function runConsumerGroups(o: ConsumerGroupsOptions, io: ToolIo): Promise<number> {
  return runTool(io, 'Error: ', async () => {
    const actions = [o.list, o.describe, o.delete, o.resetOffsets].filter(Boolean).length;
    if (actions !== 1) throw new UsageError('Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets');
    if ((o.describe || o.delete || o.resetOffsets) && !o.group?.length && !o.allGroups) {
      throw new UsageError(`Option [${o.describe ? 'describe' : o.delete ? 'delete' : 'reset-offsets'}] takes one of these options: [all-groups], [group]`);
    }
    const client = adminClient({ ...o, ...(o.timeout !== undefined ? { timeoutMs: o.timeout } : {}) }, 'gregor-consumer-groups');
    try {
      if (o.list) {
        for (const g of await listGroups(client)) io.out(`${g.groupId}\n`);
        return 0;
      }
      const groups = o.allGroups ? (await listGroups(client)).map((g) => g.groupId) : [...new Set(o.group)].sort();
      if (o.delete) return await deleteCommand(client, groups, io);
      if (o.resetOffsets) return await resetCommand(client, groups, o, io);
      return await describeCommand(client, groups, o, io);
    } finally {
      await client.close();
    }
  });
}

/** ConsumerGroupCommand.shouldPrintMemberState: notices, and whether there is a table to print. */
function shouldPrint(d: GroupDescription, rows: number, io: ToolIo): boolean {
  switch (d.state) {
    case 'Dead':
      throw new Error(`Consumer group '${d.groupId}' does not exist.`);
    case 'Empty':
      io.err(`\nConsumer group '${d.groupId}' has no active members.\n`);
      break;
    case 'PreparingRebalance':
    case 'CompletingRebalance':
      io.err(`\nWarning: Consumer group '${d.groupId}' is rebalancing.\n`);
      break;
    case 'Stable':
      break;
    default:
      throw new Error(`Expected a valid consumer group state, but found '${d.state}'.`);
  }
  return rows > 0;
}

/** The offsets rows in Kafka's order: members with most partitions first, each by partition; then the unowned. */
export function offsetRows(rows: readonly PartitionOffsets[], d: GroupDescription): PartitionOffsets[] {
  const members = d.members.filter((m) => m.assignment.some((a) => a.partitions.length > 0));
  const size = (m: (typeof members)[number]) => m.assignment.reduce((n, a) => n + a.partitions.length, 0);
  const ordered = [...members].sort((a, b) => size(b) - size(a));
  const out: PartitionOffsets[] = [];
  for (const m of ordered) out.push(...rows.filter((r) => r.member === m).sort((a, b) => a.partition - b.partition));
  out.push(...rows.filter((r) => r.member === null).sort((a, b) => a.partition - b.partition || (a.topic < b.topic ? -1 : 1)));
  return out;
}

async function describeCommand(client: KafkaClient, groups: readonly string[], o: ConsumerGroupsOptions, io: ToolIo): Promise<number> {
  const sub = [o.members, o.offsets, o.state].filter(Boolean).length;
  if (sub > 1) throw new UsageError('Option [describe] takes at most one of these options: [members], [offsets], [state]');
  for (const groupId of groups) {
    const d = await describeGroup(client, groupId);
    if (o.members) {
      if (!shouldPrint(d, d.members.length, io)) continue;
      const w = { group: 15, id: 15, host: 15, client: 15 };
      for (const m of d.members) {
        w.group = Math.max(w.group, groupId.length);
        w.id = Math.max(w.id, m.memberId.length);
        w.host = Math.max(w.host, m.host.length);
        w.client = Math.max(w.client, m.clientId.length);
      }
      const line = (g: string, id: string, host: string, client: string, n: string | number) => `${pad(g, w.group)} ${pad(id, w.id)} ${pad(host, w.host)} ${pad(client, w.client)} ${pad(n, 15)} `;
      io.out(`\n${line('GROUP', 'CONSUMER-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS')}${o.verbose ? 'ASSIGNMENT' : ''}\n`);
      for (const m of d.members) {
        const n = m.assignment.reduce((s, a) => s + a.partitions.length, 0);
        const assignment = n === 0 ? MISSING : m.assignment.filter((a) => a.partitions.length > 0).map((a) => `${a.topic}(${[...a.partitions].sort((x, y) => x - y).join(',')})`).sort().join(', ');
        io.out(`${line(groupId, m.memberId, m.host, m.clientId, n)}${o.verbose ? assignment : ''}\n`);
      }
    } else if (o.state) {
      if (!shouldPrint(d, 1, io)) continue;
      const coordinator = `${d.coordinator.host}:${d.coordinator.port} (${d.coordinator.id})`;
      const width = Math.max(25, coordinator.length);
      const line = (a: string, b: string, c: string, s: string, n: string | number) => `\n${pad(a, width)} ${pad(b, 25)} ${pad(c, 20)} ${pad(s, 15)} ${n}`;
      io.out(`${line('GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS')}${line(groupId, coordinator, d.protocol, d.state, d.members.length)}\n`);
    } else {
      const rows = d.state === 'Dead' ? [] : offsetRows(await groupOffsets(client, d), d);
      if (!shouldPrint(d, rows.length, io)) continue;
      const w = { group: 15, topic: 15, id: 15, host: 15 };
      for (const r of rows) {
        w.group = Math.max(w.group, groupId.length);
        w.topic = Math.max(w.topic, r.topic.length);
        w.id = Math.max(w.id, (r.member?.memberId ?? MISSING).length);
        w.host = Math.max(w.host, (r.member?.host ?? MISSING).length);
      }
      const line = (g: string, t: string, p: string | number, cur: string | number, end: string | number, lag: string | number, id: string, host: string, client: string) =>
        `${pad(g, w.group)} ${pad(t, w.topic)} ${pad(p, 10)} ${pad(cur, 15)} ${pad(end, 15)} ${pad(lag, 15)} ${pad(id, w.id)} ${pad(host, w.host)} ${client}\n`;
      io.out(`\n${line('GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID')}`);
      for (const r of rows) {
        const lag = r.committed !== null && r.logEnd !== null ? r.logEnd - r.committed : MISSING;
        io.out(line(groupId, r.topic, r.partition, r.committed ?? MISSING, r.logEnd ?? MISSING, lag, r.member?.memberId ?? MISSING, r.member?.host ?? MISSING, r.member?.clientId ?? MISSING));
      }
    }
  }
  return 0;
}

async function deleteCommand(client: KafkaClient, groups: readonly string[], io: ToolIo): Promise<number> {
  const results = await deleteGroups(client, groups);
  const ok = [...results].filter(([, e]) => e === null).map(([g]) => g);
  const failed = [...results].filter((r): r is [string, ApiError] => r[1] !== null);
  const quoted = (gs: readonly string[]) => `'${gs.join("', '")}'`;
  if (failed.length === 0) {
    io.out(`Deletion of requested consumer groups (${quoted(ok)}) was successful.\n`);
    return 0;
  }
  io.err('\nError: Deletion of some consumer groups failed:\n');
  for (const [g, e] of failed) io.err(`* Group '${g}' could not be deleted due to: ${javaException(e)}\n`);
  if (ok.length > 0) io.out(`\nThese consumer groups were deleted successfully: ${quoted(ok)}\n`);
  return 1;
}

/** Kafka's Utils.getDateTime: `yyyy-MM-ddTHH:mm:ss.SSS` in local time, or with a Z / ±HH:mm zone. */
export function parseDateTime(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(Z|[+-]\d{2}:?\d{2})?$/.exec(s.trim());
  if (!m) throw new Error(`Error parsing timestamp. It does not contain a 'T' according to ISO8601 format: ${s}`);
  const [, y, mo, d, h, mi, sec, ms, zone] = m;
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), Number((ms ?? '0').padEnd(3, '0'))] as const;
  if (!zone) return new Date(...parts).getTime();
  const utc = Date.UTC(...parts);
  if (zone === 'Z') return utc;
  const z = /([+-])(\d{2}):?(\d{2})/.exec(zone)!;
  const offset = (Number(z[2]) * 60 + Number(z[3])) * 60_000 * (z[1] === '-' ? -1 : 1);
  return utc - offset;
}

/** java.time.Duration.parse for PnDTnHnMn.nS (what --by-duration takes), in ms. */
export function parseDuration(s: string): number {
  const m = /^([-+]?)P(?:([-+]?\d+)D)?(?:T(?:([-+]?\d+)H)?(?:([-+]?\d+)M)?(?:([-+]?\d+(?:\.\d{1,9})?)S)?)?$/i.exec(s.trim());
  if (!m || s.trim().toUpperCase().endsWith('T') || (!m[2] && !m[3] && !m[4] && !m[5])) throw new Error(`Text cannot be parsed to a Duration: ${s}`);
  const ms = (Number(m[2] ?? 0) * 86400 + Number(m[3] ?? 0) * 3600 + Number(m[4] ?? 0) * 60 + Number(m[5] ?? 0)) * 1000;
  return m[1] === '-' ? -ms : ms;
}

type Tp = { topic: string; partition: number };
const key = (tp: Tp) => `${tp.topic}-${tp.partition}`;

async function partitionsToReset(client: KafkaClient, groupId: string, o: ConsumerGroupsOptions, plan: Map<string, Map<string, Tp & { offset: number }>> | null): Promise<Tp[]> {
  if (o.allTopics) return [...(await committedOffsets(client, groupId)).values()].map(({ topic, partition }) => ({ topic, partition }));
  if (o.topic?.length) {
    const out: Tp[] = [];
    for (const arg of o.topic) {
      const colon = arg.indexOf(':');
      if (colon >= 0) {
        for (const p of arg.slice(colon + 1).split(',')) out.push({ topic: arg.slice(0, colon), partition: Number(p) });
        continue;
      }
      const md = await client.metadata([arg], 'partitionsFor');
      for (const t of md.topics) if (t.errorCode === 0) for (const p of t.partitions) out.push({ topic: arg, partition: p.partitionIndex });
    }
    return out;
  }
  if (plan) return [];
  throw new UsageError('One of the reset scopes should be defined: --all-topics, --topic.');
}

async function withLeaders(client: KafkaClient, tps: readonly Tp[]): Promise<Array<Tp & { leader: number }>> {
  const md = await client.metadata([...new Set(tps.map((t) => t.topic))], 'listOffsets');
  const leaders = new Map<string, number>();
  for (const t of md.topics) for (const p of t.partitions) leaders.set(`${t.name}-${p.partitionIndex}`, p.leaderId);
  return tps.map((tp) => ({ ...tp, leader: leaders.get(key(tp)) ?? -1 }));
}

async function resetCommand(client: KafkaClient, groups: readonly string[], o: ConsumerGroupsOptions, io: ToolIo): Promise<number> {
  const scenarios = [o.toEarliest, o.toLatest, o.toCurrent, o.toOffset !== undefined, o.shiftBy !== undefined, o.toDatetime, o.byDuration, o.fromFile].filter(Boolean).length;
  if (scenarios !== 1) {
    throw new UsageError('Option [reset-offsets] takes one of these options: [to-datetime], [by-duration], [to-earliest], [to-latest], [shift-by], [from-file], [to-current], [to-offset]');
  }
  if (o.dryRun && o.execute) throw new UsageError('Option [dry-run] can\'t be used with option [execute]');
  const plan = o.fromFile ? parseResetPlan(await readFile(o.fromFile, 'utf8'), groups) : null;
  const result = new Map<string, Array<Tp & { offset: number }>>();
  for (const groupId of groups) {
    const d = await describeGroup(client, groupId);
    if (d.state !== 'Empty' && d.state !== 'Dead') {
      throw new Error(`Assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${d.state}.`);
    }
    const tps = await partitionsToReset(client, groupId, o, plan);
    const located = await withLeaders(client, plan ? [...(plan.get(groupId)?.values() ?? [])] : tps);
    const [starts, ends] = await Promise.all([listOffsets(client, located, EARLIEST_TIMESTAMP), listOffsets(client, located, LATEST_TIMESTAMP)]);
    const clamp = (tp: Tp, offset: number) => Math.min(Math.max(offset, starts.get(key(tp)) ?? offset), ends.get(key(tp)) ?? offset);
    let offsets: Array<Tp & { offset: number }>;
    if (o.toEarliest) offsets = located.map((tp) => ({ ...tp, offset: starts.get(key(tp)) ?? 0 }));
    else if (o.toLatest) offsets = located.map((tp) => ({ ...tp, offset: ends.get(key(tp)) ?? 0 }));
    else if (o.toOffset !== undefined) offsets = located.map((tp) => ({ ...tp, offset: clamp(tp, o.toOffset as number) }));
    else if (o.shiftBy !== undefined || o.toCurrent) {
      const current = await committedOffsets(client, groupId, d.coordinator.id);
      offsets = located.map((tp) => {
        const c = current.get(key(tp));
        if (o.toCurrent) return { ...tp, offset: c?.offset ?? ends.get(key(tp)) ?? 0 };
        if (!c) throw new Error(`Cannot shift offset for partition ${key(tp)} since there is no current committed offset`);
        return { ...tp, offset: clamp(tp, c.offset + (o.shiftBy as number)) };
      });
    } else if (o.toDatetime || o.byDuration) {
      const ts = o.toDatetime ? parseDateTime(o.toDatetime) : Date.now() - parseDuration(o.byDuration as string);
      const byTime = await listOffsets(client, located, ts);
      offsets = located.map((tp) => {
        const at = byTime.get(key(tp));
        return { ...tp, offset: at === undefined || at < 0 ? (ends.get(key(tp)) ?? 0) : at };
      });
    } else {
      offsets = located.map((tp) => ({ ...tp, offset: clamp(tp, plan?.get(groupId)?.get(key(tp))?.offset ?? 0) }));
    }
    offsets = offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })).sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
    if (o.execute && offsets.length > 0) await commitOffsets(client, groupId, offsets);
    result.set(groupId, offsets);
  }
  if (o.export) {
    const single = groups.length === 1 && !o.allGroups;
    const rows = [...result].flatMap(([g, offsets]) => offsets.map((x) => (single ? `${x.topic},${x.partition},${x.offset}\n` : `${g},${x.topic},${x.partition},${x.offset}\n`)));
    io.out(`${rows.join('')}\n`);
    return 0;
  }
  if (result.size > 0) io.out(`\n${pad('GROUP', 30)} ${pad('TOPIC', 30)} ${pad('PARTITION', 10)} ${pad('NEW-OFFSET', 15)}\n`);
  for (const [g, offsets] of result) for (const x of offsets) io.out(`${pad(g, 30)} ${pad(x.topic, 30)} ${pad(x.partition, 10)} ${pad(x.offset, 15)}\n`);
  return 0;
}

/** --from-file CSV: `topic,partition,offset` (one group) or `group,topic,partition,offset`. */
export function parseResetPlan(csv: string, groups: readonly string[]): Map<string, Map<string, Tp & { offset: number }>> {
  const plan = new Map<string, Map<string, Tp & { offset: number }>>();
  for (const line of csv.split('\n').map((l) => l.trim()).filter((l) => l !== '')) {
    const f = line.split(',');
    const [group, topic, partition, offset] = f.length === 3 && groups.length === 1 ? [groups[0] as string, ...f] : f;
    if (f.length < 3 || f.length > 4 || topic === undefined || !/^\d+$/.test(partition ?? '') || !/^-?\d+$/.test(offset ?? '')) throw new Error(`Invalid reset plan line: ${line}`);
    const g = plan.get(group as string) ?? new Map();
    g.set(`${topic}-${partition}`, { topic, partition: Number(partition), offset: Number(offset) });
    plan.set(group as string, g);
  }
  return plan;
}
