import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { silentLogger } from '../../../src/common/logger.js';
import { Purgatory, type DelayedOperation } from '../../../src/purgatory/purgatory.js';

/** Completes when the watched "high watermark" reaches `required`; records what happened. */
class WaitForOffset implements DelayedOperation {
  events: string[] = [];
  constructor(
    readonly deadline: number,
    private readonly state: { hw: number },
    private readonly required: number,
  ) {}
  tryComplete(): boolean {
    this.events.push('try');
    return this.state.hw >= this.required;
  }
  onComplete(): void {
    this.events.push('complete');
  }
  onExpire(): void {
    this.events.push('expire');
  }
  get outcome(): string[] {
    return this.events.filter((e) => e !== 'try');
  }
}

function setup() {
  const clock = new ManualClock(1_000);
  const purgatory = new Purgatory<WaitForOffset>({ name: 'Produce', clock, log: silentLogger() });
  const state = { hw: 0 };
  return { clock, purgatory, state };
}

describe('purgatory', () => {
  it('purgatory - completes at once when the condition already holds, without watching', () => {
    const { purgatory, state, clock } = setup();
    state.hw = 5;
    const op = new WaitForOffset(clock.now() + 100, state, 5);
    expect(purgatory.tryCompleteElseWatch(op, ['t-0'])).toBe(true);
    expect(op.outcome).toEqual(['complete']);
    expect(purgatory.delayed).toBe(0);
    expect(purgatory.watchedKeys).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('purgatory - checkAndComplete completes waiting operations once the condition holds', () => {
    const { purgatory, state, clock } = setup();
    const a = new WaitForOffset(clock.now() + 1000, state, 3);
    const b = new WaitForOffset(clock.now() + 1000, state, 10);
    expect(purgatory.tryCompleteElseWatch(a, ['t-0', 't-1'])).toBe(false);
    expect(purgatory.tryCompleteElseWatch(b, ['t-0'])).toBe(false);
    expect(purgatory.watched('t-0')).toBe(2);
    expect(purgatory.checkAndComplete('t-0')).toBe(0);
    state.hw = 3;
    expect(purgatory.checkAndComplete('other')).toBe(0);
    expect(purgatory.checkAndComplete('t-1')).toBe(1);
    expect(a.outcome).toEqual(['complete']);
    expect(b.outcome).toEqual([]);
    // a left every watch list it was on; its timer is gone
    expect(purgatory.watched('t-0')).toBe(1);
    expect(purgatory.watched('t-1')).toBe(0);
    expect(purgatory.delayed).toBe(1);
    expect(clock.pendingTimers).toBe(1);
    state.hw = 10;
    expect(purgatory.checkAndComplete('t-0')).toBe(1);
    expect(b.outcome).toEqual(['complete']);
    expect(purgatory.watchedKeys).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('purgatory - expires on the injected clock: onExpire, then onComplete', () => {
    const { purgatory, state, clock } = setup();
    const op = new WaitForOffset(clock.now() + 500, state, 1);
    purgatory.tryCompleteElseWatch(op, ['t-0']);
    clock.advance(499);
    expect(op.outcome).toEqual([]);
    clock.advance(1);
    expect(op.outcome).toEqual(['expire', 'complete']);
    expect(purgatory.delayed).toBe(0);
    expect(purgatory.watchedKeys).toBe(0);
    state.hw = 1;
    expect(purgatory.checkAndComplete('t-0')).toBe(0);
    expect(op.outcome).toEqual(['expire', 'complete']);
  });

  it('purgatory - completes exactly once whatever races to complete it', () => {
    const { purgatory, state, clock } = setup();
    const op = new WaitForOffset(clock.now() + 100, state, 1);
    purgatory.tryCompleteElseWatch(op, ['t-0', 't-1', 't-0']);
    expect(purgatory.watched('t-0')).toBe(1);
    state.hw = 1;
    expect(purgatory.checkAndComplete('t-0')).toBe(1);
    expect(purgatory.checkAndComplete('t-1')).toBe(0);
    expect(purgatory.forceComplete(op)).toBe(false);
    clock.advance(1000);
    expect(op.outcome).toEqual(['complete']);
    expect(() => purgatory.tryCompleteElseWatch(op, ['t-0'])).toThrow(/twice/);
  });

  it('purgatory - forceComplete completes a waiting operation regardless of its condition', () => {
    const { purgatory, state, clock } = setup();
    const op = new WaitForOffset(clock.now() + 100, state, 99);
    purgatory.tryCompleteElseWatch(op, ['g1']);
    expect(purgatory.forceComplete(op)).toBe(true);
    clock.advance(200);
    expect(op.outcome).toEqual(['complete']);
    expect(purgatory.delayed).toBe(0);
  });

  it('purgatory - an operation completing another from onComplete is safe', () => {
    const { purgatory, state, clock } = setup();
    const inner = new WaitForOffset(clock.now() + 100, state, 99);
    const outer = new WaitForOffset(clock.now() + 100, state, 1);
    outer.onComplete = () => {
      outer.events.push('complete');
      purgatory.forceComplete(inner);
    };
    purgatory.tryCompleteElseWatch(inner, ['k']);
    purgatory.tryCompleteElseWatch(outer, ['k']);
    state.hw = 1;
    expect(purgatory.checkAndComplete('k')).toBe(1);
    expect(inner.outcome).toEqual(['complete']);
    expect(purgatory.delayed).toBe(0);
  });

  it('purgatory - a throwing operation does not stop the others', () => {
    const { purgatory, state, clock } = setup();
    const bad = new WaitForOffset(clock.now() + 100, state, 1);
    bad.tryComplete = () => {
      throw new Error('boom');
    };
    const good = new WaitForOffset(clock.now() + 100, state, 1);
    purgatory.tryCompleteElseWatch(bad, ['k']);
    purgatory.tryCompleteElseWatch(good, ['k']);
    state.hw = 1;
    expect(purgatory.checkAndComplete('k')).toBe(1);
    expect(good.outcome).toEqual(['complete']);
    clock.advance(100);
    expect(bad.outcome).toEqual(['expire', 'complete']);
  });

  it('purgatory - memory stays bounded: many completed operations leave nothing behind', () => {
    const { purgatory, state, clock } = setup();
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 200; i++) {
        purgatory.tryCompleteElseWatch(new WaitForOffset(clock.now() + 10_000, state, state.hw + 1), [`t-${i % 7}`, 'all']);
      }
      state.hw++;
      expect(purgatory.checkAndComplete('all')).toBe(200);
      expect(purgatory.delayed).toBe(0);
      expect(purgatory.watchedKeys).toBe(0);
      expect(clock.pendingTimers).toBe(0);
    }
  });

  it('purgatory - cancelForKey and shutdown drop operations without completing them', () => {
    const { purgatory, state, clock } = setup();
    const a = new WaitForOffset(clock.now() + 100, state, 5);
    const b = new WaitForOffset(clock.now() + 100, state, 5);
    purgatory.tryCompleteElseWatch(a, ['t-0', 't-1']);
    purgatory.tryCompleteElseWatch(b, ['t-1']);
    expect(purgatory.cancelForKey('t-0')).toEqual([a]);
    expect(purgatory.watched('t-1')).toBe(1);
    purgatory.shutdown();
    expect(purgatory.delayed).toBe(0);
    expect(clock.pendingTimers).toBe(0);
    clock.advance(1000);
    expect(a.outcome).toEqual([]);
    expect(b.outcome).toEqual([]);
  });
});
