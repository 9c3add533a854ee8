/** The web view's timeline reads the broker's controller/state-change log records (the records' format is the contract). */
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { CoordinationTimeline, parseTimelineLine } from '../../../src/web/coordination-timeline.js';
import { teeLogger } from '../../../src/web/log-tap.js';

describe('coordination timeline', () => {
  it('keeps controller and state-change records, skips the rest and debug lines', () => {
    const line = (o: object) => JSON.stringify({ level: 30, time: '2026-01-01T00:00:00.000Z', pid: 1, brokerId: 2, ...o });
    expect(parseTimelineLine(line({ component: 'controller', msg: 'elected as the controller', epoch: 3 }), 1)).toEqual({
      seq: 1,
      time: Date.parse('2026-01-01T00:00:00.000Z'),
      brokerId: 2,
      component: 'controller',
      log: 'controller',
      event: null,
      level: 'INFO',
      msg: 'elected as the controller',
      fields: { epoch: 3 },
    });
    expect(parseTimelineLine(line({ component: 'controller', log: 'state-change', msg: 'partition state change', tp: 't-0' }), 2)?.log).toBe('state-change');
    expect(parseTimelineLine(line({ component: 'replica-manager', event: 'become-leader', msg: 'Leader t-0 starts', topic: 't', partition: 0 }), 3)).toMatchObject({
      component: 'replica-manager',
      event: 'become-leader',
      fields: { topic: 't', partition: 0 },
    });
    expect(parseTimelineLine(line({ component: 'log-manager', msg: 'rolled segment' }), 4)).toBeNull();
    expect(parseTimelineLine(line({ level: 20, component: 'controller', msg: 'debug detail' }), 5)).toBeNull();
    expect(parseTimelineLine('{"component":"controller", broken', 6)).toBeNull();
  });

  it('the log tee leaves the broker\'s log unchanged and feeds the timeline; subscribers get new events; capacity bounds it', () => {
    const written: string[] = [];
    const root = pino({ level: 'info', base: { brokerId: 1 } }, { write: (s: string) => void written.push(s) });
    const timeline = new CoordinationTimeline(2);
    const seen: string[] = [];
    timeline.subscribe((e) => seen.push(e.msg));
    const log = teeLogger(root, (l) => timeline.offer(l)).child({ component: 'controller' });
    log.info({ epoch: 1 }, 'one');
    log.info('two');
    log.info('three');
    root.info('not through the tee');
    expect(written).toHaveLength(4);
    expect(JSON.parse(written[0]!)).toMatchObject({ component: 'controller', msg: 'one', epoch: 1, brokerId: 1 });
    expect(seen).toEqual(['one', 'two', 'three']);
    expect(timeline.recent().map((e) => e.msg)).toEqual(['two', 'three']);
    expect(timeline.recent(2).map((e) => e.msg)).toEqual(['three']);
  });
});
