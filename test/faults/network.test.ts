/**
 * Fault catalogue, network (reliability.md §6.5 F9a, F9b, F9d, F10, F16) over the harness's proxies — every link
 * between two brokers and between a broker and ZooKeeper (gregor/testing `cut`, `isolate`, `cutZk`, `delay`):
 * - F9a: the leader cut from its followers (ZooKeeper link intact): ISR shrinks to the leader, acks=all sends are
 *   refused (NOT_ENOUGH_REPLICAS, definite) — never acknowledged; healed, the ISR grows back;
 * - F9b: the leader cut from ZooKeeper past the session timeout: a new leader is elected, the old one keeps its
 *   clients but cannot acknowledge acks=all; healed, it re-registers and follows;
 * - F9d: the Jepsen 2013 replay — followers cut (ISR → {leader}), leader killed, followers restored. With
 *   min.insync.replicas=1 and unclean leader election the checker MUST find loss in at least one round (it proves
 *   the checker); with min.insync.replicas=2 and clean election, none;
 * - F10: 50–200 ms of delay and a 1 MB/s throttle on every replication link;
 * - F16: a combined nemesis — kill -9, SIGSTOP, ZooKeeper pause (mass expiry), isolation, slow links — chosen at
 *   random (seeded, printed) every 5–10 s, then everything healed.
 */
import { describe } from 'vitest';
import { catalogue, leaderOf, SESSION_MS, sleep, tp0, waitDeregistered, waitIsrFull } from './kit/catalogue.js';
import { int, pick } from '../harness/fuzz.js';
import { SOAK, type FaultRow, type RoundContext } from './kit/round.js';

const LAG_MS = 5000;

/**
 * Isolates partition 0's leader from the other brokers and waits until its ISR is the leader alone. Blackholed
 * (default), bytes in flight wait and flow when healed; with `reset`, in-flight fetch responses are lost with the
 * connections (what F9d needs: a blackholed link would still deliver the lone leader's writes to its followers
 * at the heal, its kernel having sent them before the kill).
 */
async function isolateLeader(ctx: RoundContext, mode: 'blackhole' | 'reset' = 'blackhole'): Promise<number> {
  const leader = await leaderOf(ctx);
  await ctx.cluster.isolate(leader, { mode });
  const t0 = Date.now();
  await ctx.cluster.waitForIsr(tp0(ctx), [leader], { timeoutMs: 4 * LAG_MS });
  ctx.note(`isolated leader ${leader}; ISR {${leader}} after ${Date.now() - t0} ms`);
  return leader;
}

/**
 * Jepsen 2013: followers cut, the lone leader keeps going, is killed, the followers come back. With unclean election
 * allowed a follower that never saw the lone leader's writes takes over and new writes land at their offsets; clean,
 * the partition waits offline for the killed leader. Heal = restart it (it truncates to the new leader, if any).
 */
function jepsenReplay(unclean: boolean): (ctx: RoundContext) => Promise<() => Promise<void>> {
  return async (ctx) => {
    const { cluster } = ctx;
    const leader = await isolateLeader(ctx, 'reset');
    await sleep(2000); // the lone leader acknowledges what it can meanwhile (min.insync.replicas=1) or refuses (=2)
    await cluster.kill(leader);
    await cluster.heal();
    if (unclean) {
      const next = await cluster.waitForLeader(tp0(ctx), { not: leader, timeoutMs: 6 * SESSION_MS });
      await ctx.workload.waitForMoreAcks(30, 60_000);
      ctx.note(`killed the lone leader ${leader}; ${next} elected uncleanly and took new writes`);
    } else {
      await cluster.waitFor(async () => (await cluster.partitionState(tp0(ctx)))?.leader === -1, 'partition 0 offline (no ISR member alive)', 6 * SESSION_MS);
      ctx.note(`killed the lone leader ${leader}; partition 0 offline until it returns`);
    }
    await waitDeregistered(cluster, leader);
    return () => cluster.start(leader);
  };
}

/** A fault injected: what it was (and on whom) and its heal. */
type Nemesis = (ctx: RoundContext) => Promise<{ what: string; heal: () => Promise<void> }>;

/** F16's faults. */
const NEMESES: Record<string, Nemesis> = {
  kill: async (ctx) => {
    const id = pick(ctx.rng, ctx.cluster.ids);
    await ctx.cluster.kill(id);
    const heal = async () => {
      await waitDeregistered(ctx.cluster, id);
      await ctx.cluster.start(id);
    };
    return { what: `kill ${id}`, heal };
  },
  pause: async (ctx) => {
    const id = pick(ctx.rng, ctx.cluster.ids);
    await ctx.cluster.pause(id);
    return { what: `pause ${id}`, heal: () => ctx.cluster.resume(id) };
  },
  'zookeeper-pause': async (ctx) => {
    const zk = ctx.cluster.zookeeper;
    const member = zk.members[0]!.id;
    await zk.pause(member);
    for (const id of ctx.cluster.ids) await ctx.cluster.cutZk(id);
    const heal = async () => {
      await zk.resume(member);
      await sleep(2000);
      await ctx.cluster.healZk();
    };
    return { what: 'zookeeper-pause', heal };
  },
  isolate: async (ctx) => {
    const id = pick(ctx.rng, ctx.cluster.ids);
    await ctx.cluster.isolate(id);
    return { what: `isolate ${id}`, heal: () => ctx.cluster.heal() };
  },
  slow: async (ctx) => {
    const ids = ctx.cluster.ids;
    for (const a of ids) for (const b of ids) if (a < b) await ctx.cluster.delay(a, b, 50, { jitterMs: 150, bytesPerSecond: 1_000_000 });
    return { what: 'slow', heal: () => ctx.cluster.heal() };
  },
};

const rows: FaultRow[] = [
  {
    id: 'F9a',
    title: 'the leader cut from its followers (ZooKeeper link intact): ISR {leader}, acks=all refused, never acknowledged',
    boundMs: 10_000,
    inject: async (ctx) => {
      await isolateLeader(ctx);
      await sleep(3000); // sends meet NOT_ENOUGH_REPLICAS meanwhile
      return () => ctx.cluster.heal();
    },
  },
  {
    id: 'F9b',
    title: 'the leader cut from ZooKeeper past the session timeout: a new leader; the old one cannot acknowledge',
    boundMs: SESSION_MS + 15_000,
    inject: async (ctx) => {
      const { cluster } = ctx;
      const leader = await leaderOf(ctx);
      await cluster.cutZk(leader);
      const t0 = Date.now();
      const next = await cluster.waitForLeader(tp0(ctx), { not: leader, timeoutMs: 6 * SESSION_MS });
      ctx.note(`cut leader ${leader} from ZooKeeper; ${next} elected after ${Date.now() - t0} ms`);
      await sleep(2000);
      return () => cluster.healZk(leader);
    },
  },
  {
    id: 'F9d-unsafe',
    title: 'Jepsen 2013 replay with min.insync.replicas=1 and unclean election: the checker must find loss',
    boundMs: SESSION_MS + 10_000,
    topicConfig: { 'min.insync.replicas': '1', 'unclean.leader.election.enable': 'true' },
    expect: 'must-find-loss',
    inject: jepsenReplay(true),
  },
  {
    id: 'F9d-safe',
    title: 'Jepsen 2013 replay with min.insync.replicas=2 and clean election: no loss',
    boundMs: SESSION_MS + 10_000,
    inject: jepsenReplay(false),
  },
  {
    id: 'F10',
    title: 'slow network: 50-200 ms and 1 MB/s on every replication link',
    boundMs: 20_000,
    inject: async (ctx) => {
      const { heal } = await NEMESES.slow!(ctx);
      await sleep(8000);
      await ctx.workload.waitForMoreAcks(15, 60_000);
      return heal;
    },
  },
  {
    id: 'F16',
    title: 'combined nemesis: kill -9, SIGSTOP, ZooKeeper pause, isolation, slow links at random every 5-10 s',
    boundMs: 30_000,
    inject: async (ctx) => {
      const names = Object.keys(NEMESES);
      for (let i = 0; i < (SOAK ? 6 : 3); i++) {
        const name = pick(ctx.rng, names);
        const { what, heal } = await NEMESES[name]!(ctx);
        const ms = 5000 + int(ctx.rng, 5000);
        await sleep(ms);
        ctx.note(`${what} ${ms} ms`);
        await heal();
        await waitIsrFull(ctx);
      }
    },
  },
];

describe('fault catalogue - network', () => {
  catalogue(rows, { ensemble: 1 });
});
