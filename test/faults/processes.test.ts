/**
 * Fault catalogue, broker processes (reliability.md §6.5 F1, F1b, F2, F3, F4, F5, F8): kill -9 (waiting for the
 * session to expire, or restarting at once), controlled shutdown, SIGSTOP past the session timeout, forced session
 * expiry — of the partition leader and of the controller — each under the recording producer and the checker
 * (test/faults/kit/round.ts). Soak (GREGOR_SOAK=1): F1 chases the leader ×5, F2 the controller ×3, F3 ×5 a round.
 */
import { describe, expect } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { kcatMetadata } from '../harness/clients.js';
import { catalogue, leaderOf, probeAcksAll, SESSION_MS, sleep, tp0, waitDeregistered, waitIsrFull } from './kit/catalogue.js';
import { SOAK, type FaultRow, type RoundContext } from './kit/round.js';

/** kill -9 `id`, a new leader for partition 0 if it led it, its registration gone (if `wait`); heal = start it. */
async function kill(ctx: RoundContext, id: number, wait: boolean): Promise<() => Promise<void>> {
  const { cluster } = ctx;
  const ledP0 = (await cluster.partitionState(tp0(ctx)))?.leader === id;
  const t0 = Date.now();
  await cluster.kill(id);
  if (ledP0) {
    const next = await cluster.waitForLeader(tp0(ctx), { not: id, timeoutMs: 4 * SESSION_MS });
    ctx.note(`killed ${id}; partition 0 led by ${next} after ${Date.now() - t0} ms`);
  }
  if (wait) await waitDeregistered(cluster, id);
  return () => cluster.start(id);
}

/** Repeats `fault` (returning its heal) `times`, healing and waiting for a full ISR between; returns the last heal. */
async function chase(ctx: RoundContext, times: number, fault: () => Promise<() => Promise<void>>): Promise<() => Promise<void>> {
  for (let i = 1; i < times; i++) {
    await (await fault())();
    await waitIsrFull(ctx);
  }
  return fault();
}

/**
 * Pauses broker `id` until partition 0 has moved on without it, and `ms` in all (past the session timeout), with an
 * acks=all produce sent straight to it meanwhile; heal = SIGCONT, after which its answer must not be NONE.
 */
async function pauseAndProbe(ctx: RoundContext, id: number, ms: number): Promise<() => Promise<void>> {
  const { cluster } = ctx;
  const probe = probeAcksAll(cluster, id, tp0(ctx), `probe-${ctx.topic}`, ms + 20_000);
  await cluster.pause(id);
  const t0 = Date.now();
  const others = cluster.ids.filter((x) => x !== id);
  await cluster.waitFor(async () => {
    const s = await cluster.partitionState(tp0(ctx));
    return s !== null && others.includes(s.leader) && !s.isr.includes(id);
  }, `partition 0 led without broker ${id}`, 4 * SESSION_MS);
  ctx.note(`paused ${id}; partition 0 moved on after ${Date.now() - t0} ms`);
  await sleep(Math.max(0, t0 + ms - Date.now()));
  return async () => {
    await cluster.resume(id);
    const answer = await probe.answer;
    await probe.close();
    ctx.note(`the zombie's answer to an acks=all produce sent while it was paused: ${answer}`);
    // a zombie never acknowledges acks=all: its followers fetch from the new leader
    expect(answer).not.toBe(ErrorCode.None);
  };
}

const rows: FaultRow[] = [
  {
    id: 'F1',
    title: 'kill -9 the partition leader, restart after its session expired',
    boundMs: SESSION_MS + 10_000,
    inject: async (ctx) => chase(ctx, SOAK ? 5 : 1, async () => kill(ctx, await leaderOf(ctx), true)),
  },
  {
    id: 'F1b',
    title: 'kill -9 the partition leader, restart at once (its old registration still there)',
    boundMs: 2 * SESSION_MS + 10_000,
    inject: async (ctx) => kill(ctx, await leaderOf(ctx), false),
  },
  {
    id: 'F2',
    title: 'kill -9 the controller',
    boundMs: SESSION_MS + 10_000,
    inject: async (ctx) =>
      chase(ctx, SOAK ? 3 : 1, async () => {
        const { cluster } = ctx;
        const controller = await cluster.waitForController();
        const epoch = (await cluster.controllerEpoch()) ?? 0;
        const t0 = Date.now();
        await cluster.kill(controller);
        const next = await cluster.waitForController({ not: controller, timeoutMs: 4 * SESSION_MS });
        expect((await cluster.controllerEpoch()) ?? 0).toBeGreaterThan(epoch);
        ctx.note(`killed controller ${controller}; ${next} elected after ${Date.now() - t0} ms`);
        await waitDeregistered(cluster, controller);
        return () => cluster.start(controller);
      }),
  },
  {
    id: 'F3',
    title: 'controlled shutdown (SIGTERM) of the leader, or of the controller in even rounds',
    boundMs: 10_000,
    inject: async (ctx) =>
      chase(ctx, SOAK ? 5 : 1, async () => {
        const { cluster } = ctx;
        const id = ctx.round % 2 === 0 ? await cluster.waitForController() : await leaderOf(ctx);
        const t0 = Date.now();
        await cluster.stop(id);
        ctx.note(`stopped ${id} in ${Date.now() - t0} ms`);
        return () => cluster.start(id);
      }),
  },
  {
    id: 'F4',
    title: 'zombie leader: SIGSTOP the leader past the session timeout, SIGCONT',
    boundMs: SESSION_MS + 15_000,
    inject: async (ctx) => pauseAndProbe(ctx, await leaderOf(ctx), SESSION_MS + 4000),
  },
  {
    id: 'F5',
    title: 'zombie controller: SIGSTOP the controller past the session timeout, SIGCONT; one controller after',
    boundMs: SESSION_MS + 15_000,
    inject: async (ctx) => {
      const { cluster } = ctx;
      const controller = await cluster.waitForController();
      await cluster.pause(controller);
      const next = await cluster.waitForController({ not: controller, timeoutMs: 4 * SESSION_MS });
      await sleep(SESSION_MS + 4000);
      return async () => {
        await cluster.resume(controller);
        // single authority: the zombie resigns; /controller names one registered broker
        await waitIsrFull(ctx);
        const current = await cluster.waitForController();
        await cluster.waitFor(
          async () => {
            for (const id of cluster.ids) if ((await kcatMetadata(cluster.bootstrapFor([id]), { timeoutMs: 5000 })).controllerid !== current) return false;
            return true;
          },
          `every broker names controller ${current}`,
          30_000,
        );
        ctx.note(`controller ${controller} paused, ${next} took over; ${current} in charge after`);
      };
    },
  },
  {
    id: 'F8',
    title: 'forced session expiry of the leader, or of the controller in even rounds',
    boundMs: SESSION_MS + 10_000,
    inject: async (ctx) => {
      const { cluster } = ctx;
      const id = ctx.round % 2 === 0 ? await cluster.waitForController() : await leaderOf(ctx);
      const t0 = Date.now();
      await cluster.expireSession(id);
      ctx.note(`expired ${id}'s session; re-registered after ${Date.now() - t0} ms`);
    },
  },
];

describe('fault catalogue - broker processes', () => {
  catalogue(rows);
});
