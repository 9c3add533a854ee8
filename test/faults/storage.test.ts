/**
 * Fault catalogue, storage (reliability.md §6.5 F11–F15):
 * - F11: the leader's log dir (a tmpfs) filled up: the append fails with ENOSPC, the dir goes offline and, being the
 *   broker's only one, the broker halts as Kafka's does; leadership moves; freed and restarted, recovery finds no
 *   corrupt batch and the broker rejoins the ISR;
 * - F12: EIO injected into the running leader's positional writes (strace attached to its PID, on pwrite64 only:
 *   sockets and logging use other calls): same outcome as F11;
 * - F13: crash points inside the broker (src/log/test-hooks.ts, GREGOR_CRASH_AT) — right after a new segment's .log
 *   is created, after its indexes are, before a checkpoint's rename, and half-way through an append — with a small
 *   segment.bytes so that rolls are frequent: the restarted broker recovers and rejoins, nothing acknowledged lost;
 * - F14: a torn trailing write: a follower killed -9, its active segment cut at a random byte inside its last batch;
 *   recovery truncates to the last whole batch and the follower fetches the rest again;
 * - F15: simulated power loss (GREGOR_SYNC_JOURNAL records what each fsync made durable; the power cut kills -9 and
 *   cuts every .log back to a random length at or above that): one broker — no loss; every broker at once with
 *   Kafka's default flush settings — loss is expected (Kafka relies on replication, not fsync; KIP-966) and only
 *   reported; every broker at once with flush.messages=1 (log.flush.interval.messages) — no loss.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { tmpfsUnavailable } from '../../src/testing/index.js';
import { int } from '../harness/fuzz.js';
import { catalogue, leaderOf, SESSION_MS, sleep, until, waitDeregistered } from './kit/catalogue.js';
import type { FaultRow, Heal, RoundContext } from './kit/round.js';

/** Waits until broker `id` (told to be expected to exit: `expectExit`) has stopped by itself. */
async function waitHalted(ctx: RoundContext, id: number, timeoutMs = 30_000): Promise<void> {
  const t0 = Date.now();
  await until(() => !ctx.cluster.isRunning(id), `broker ${id} halts`, timeoutMs);
  ctx.note(`broker ${id} halted after ${Date.now() - t0} ms`);
}

/** What F11/F12 did to fail the leader's log dir: what to undo once it halted, and before it restarts. */
interface DirFailure {
  afterHalt?: () => void;
  beforeRestart?: () => Promise<unknown>;
}

/**
 * F11/F12: `fail` makes partition 0's leader's log dir fail; the leader halts by itself and leadership moves; the
 * heal restarts it once its registration is gone.
 */
async function leaderDirFails(ctx: RoundContext, fail: (leader: number) => Promise<DirFailure>): Promise<Heal> {
  const leader = await leaderOf(ctx);
  ctx.cluster.expectExit(leader); // it halts
  const failure = await fail(leader);
  try {
    await waitHalted(ctx, leader);
  } finally {
    failure.afterHalt?.();
  }
  await ctx.cluster.waitForLeader(ctx.tps[0]!, { not: leader, timeoutMs: 4 * SESSION_MS });
  return async () => {
    await failure.beforeRestart?.();
    await waitDeregistered(ctx.cluster, leader);
    await ctx.cluster.start(leader);
  };
}

/** The .log files of every partition directory under a broker's data dir. */
function segmentFiles(dataDir: string): string[] {
  const out: string[] = [];
  for (const d of readdirSync(dataDir)) {
    const dir = path.join(dataDir, d);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir)) if (f.endsWith('.log')) out.push(path.join(dir, f));
  }
  return out;
}

/** Byte offsets at which the batches of a segment file start. */
function batchStarts(file: string): number[] {
  const buf = readFileSync(file);
  const starts: number[] = [];
  for (let pos = 0; pos + 12 <= buf.length; ) {
    starts.push(pos);
    const len = buf.readInt32BE(pos + 8);
    if (len <= 0) break;
    pos += 12 + len;
  }
  return starts;
}

const CRASH_POINTS = ['roll:after-log-create:2', 'roll:after-index-create:2', 'checkpoint:before-rename:2', 'append:torn:20'] as const;

/** Restarts broker `id` with GREGOR_CRASH_AT set, waits for it to kill itself there, starts it again normally. */
async function crashAt(ctx: RoundContext, id: number, point: string): Promise<() => Promise<void>> {
  const { cluster } = ctx;
  await cluster.kill(id);
  await waitDeregistered(cluster, id);
  // the crash point may be reached before the broker reports started (a roll or checkpoint while it catches up)
  await cluster.start(id, { env: { GREGOR_CRASH_AT: point }, expectExit: true });
  await waitHalted(ctx, id, 60_000);
  ctx.note(`broker ${id} crashed at ${point}`);
  await waitDeregistered(cluster, id);
  return () => cluster.start(id);
}

// ------------------------------------------------------------------------------------------ power loss

const JOURNAL = path.join(os.tmpdir(), `gregor-sync-journal-${process.pid}.tsv`);

/** Durable bytes per .log path, from the journal. */
function syncedBytes(): Map<string, number> {
  const out = new Map<string, number>();
  if (!existsSync(JOURNAL)) return out;
  for (const line of readFileSync(JOURNAL, 'utf8').split('\n')) {
    const [file, bytes] = line.split('\t');
    if (file && bytes) out.set(file, Number(bytes));
  }
  return out;
}

/** kill -9 `ids`, then cut every .log of theirs back to a random length ≥ what its last fsync made durable. */
async function powerCut(ctx: RoundContext, ids: readonly number[]): Promise<void> {
  await Promise.all(ids.map((id) => ctx.cluster.kill(id)));
  const synced = syncedBytes();
  let cut = 0;
  for (const id of ids) {
    for (const file of segmentFiles(ctx.cluster.dataDir(id))) {
      const size = statSync(file).size;
      const durable = Math.min(size, synced.get(file) ?? 0);
      const keep = durable + int(ctx.rng, size - durable + 1);
      if (keep < size) {
        truncateSync(file, keep);
        cut += size - keep;
      }
    }
  }
  ctx.note(`power cut on ${ids.join(',')}: ${cut} unsynced bytes dropped`);
}

// ------------------------------------------------------------------------------------------ rows

const smallDisk: FaultRow[] = [
  {
    id: 'F11',
    title: "disk full on the leader's log dir: it halts, leadership moves; restarted with space it recovers",
    boundMs: SESSION_MS + 15_000,
    inject: (ctx) =>
      leaderDirFails(ctx, async (leader) => {
        ctx.note(`filled ${await ctx.cluster.fillDisk(leader)} bytes`);
        return { beforeRestart: () => ctx.cluster.freeDisk(leader) };
      }),
  },
];

const rows: FaultRow[] = [
  {
    id: 'F12',
    title: "EIO on the running leader's writes (strace inject): it halts, leadership moves; restarted it recovers",
    boundMs: SESSION_MS + 15_000,
    inject: (ctx) =>
      leaderDirFails(ctx, async (leader) => {
        const pid = String(ctx.cluster.process(leader).pid);
        const strace = spawn('strace', ['-f', '-qq', '-o', '/dev/null', '-p', pid, '-e', 'trace=pwrite64', '-e', 'inject=pwrite64:error=EIO'], { stdio: 'ignore' });
        return {
          afterHalt: () => {
            if (strace.pid !== undefined && strace.exitCode === null) process.kill(strace.pid, 'SIGKILL');
          },
        };
      }),
  },
  {
    id: 'F13',
    title: 'crash points: segment roll (after the .log, after the indexes), checkpoint before rename, torn append',
    boundMs: 15_000,
    topicConfig: { 'segment.bytes': String(16 * 1024) },
    inject: async (ctx) => {
      const point = CRASH_POINTS[(ctx.round - 1) % CRASH_POINTS.length]!;
      // a follower of partition 0 (restarted, it follows every partition it hosts and rolls as it catches up)
      const leader = await leaderOf(ctx);
      const victim = ctx.cluster.ids.find((id) => id !== leader)!;
      return crashAt(ctx, victim, point);
    },
  },
  {
    id: 'F14',
    title: "a torn trailing write: a follower's active segment cut inside its last batch, then restarted",
    boundMs: 15_000,
    inject: async (ctx) => {
      const { cluster } = ctx;
      const leader = await leaderOf(ctx);
      const follower = cluster.ids.find((id) => id !== leader)!;
      await cluster.kill(follower);
      const dir = path.join(cluster.dataDir(follower), `${ctx.topic}-0`);
      const active = readdirSync(dir).filter((f) => f.endsWith('.log')).sort().at(-1)!;
      const file = path.join(dir, active);
      const size = statSync(file).size;
      const last = batchStarts(file).at(-1) ?? 0;
      const at = last + 1 + int(ctx.rng, Math.max(1, size - last - 1));
      truncateSync(file, Math.min(at, size - 1));
      ctx.note(`cut ${active} of broker ${follower} from ${size} to ${Math.min(at, size - 1)} bytes (last batch at ${last})`);
      await waitDeregistered(cluster, follower);
      return () => cluster.start(follower);
    },
  },
  {
    id: 'F15a',
    title: 'power loss of one broker (the leader): unsynced suffixes dropped; no loss',
    boundMs: 15_000,
    inject: async (ctx) => {
      const leader = await leaderOf(ctx);
      await powerCut(ctx, [leader]);
      await waitDeregistered(ctx.cluster, leader);
      return () => ctx.cluster.start(leader);
    },
  },
  {
    id: 'F15b',
    title: 'power loss of every broker at once, default flush settings: loss expected (as Kafka), reported only',
    boundMs: 30_000,
    expect: 'loss-allowed',
    inject: async (ctx) => {
      const ids = ctx.cluster.ids;
      await powerCut(ctx, ids);
      for (const id of ids) await waitDeregistered(ctx.cluster, id);
      return async () => {
        for (const id of ids) await ctx.cluster.start(id);
      };
    },
  },
  {
    id: 'F15c',
    title: 'power loss of every broker at once with flush.messages=1: no loss',
    boundMs: 30_000,
    topicConfig: { 'flush.messages': '1' },
    inject: async (ctx) => {
      const ids = ctx.cluster.ids;
      await powerCut(ctx, ids);
      for (const id of ids) await waitDeregistered(ctx.cluster, id);
      return async () => {
        for (const id of ids) await ctx.cluster.start(id);
      };
    },
  },
];

describe('fault catalogue - storage', () => {
  beforeAll(() => {
    process.env.GREGOR_SYNC_JOURNAL = JOURNAL; // every broker of this cluster journals its fsyncs (F15)
  });
  afterAll(() => {
    delete process.env.GREGOR_SYNC_JOURNAL;
  });
  catalogue(rows);
});

const noTmpfs = await tmpfsUnavailable();
if (noTmpfs) console.warn(`F11 (disk full) skipped: ${noTmpfs}`);

describe.skipIf(noTmpfs !== null)('fault catalogue - a full disk', () => {
  catalogue(smallDisk, { smallDisks: 16 * 1024 * 1024 });
});
