/**
 * The coordination timeline (src/testing/timeline.ts) and what feeds it (timeline-events.ts), without a cluster:
 * time order with arrival order kept for iteration, follow()/waitFor(), the table; log records and znode changes
 * turned into typed events; a ZooKeeper partition change paired with the log record that explains it, whichever
 * arrives first.
 */
import { describe, expect, it } from 'vitest';
import { Timeline } from '../../../src/testing/timeline.js';
import { TimelineRecorder } from '../../../src/testing/timeline-events.js';
import type { ZnodeChange } from '../../../src/testing/znode-watcher.js';

const at = (ms: number) => new Date(ms).toISOString();

function stateChange(path: string, before: object | null, after: object | null, time: number, version = 1): ZnodeChange {
  const op = before === null ? 'created' : after === null ? 'deleted' : 'changed';
  return {
    op,
    path,
    data: after ? Buffer.from(JSON.stringify(after)) : null,
    previous: before ? Buffer.from(JSON.stringify(before)) : null,
    stat: after ? ({ mzxid: 100 + version, czxid: 99, version, ctime: time, mtime: time } as ZnodeChange['stat']) : null,
    time,
    missedVersions: 0,
  };
}

const state = (leader: number, epoch: number, isr: number[]) => ({ controller_epoch: 1, leader, version: 1, leader_epoch: epoch, isr });
const STATE = '/brokers/topics/t/partitions/0/state';

describe('timeline', () => {
  it('timeline - keeps events in time order, iterates in arrival order, and is a plain array to filter', async () => {
    const t = new Timeline();
    t.record({ time: 30, type: 'c', source: 'harness' });
    t.record({ time: 10, type: 'a', source: 'harness' });
    t.record({ time: 20, type: 'b', source: 'harness' });
    t.record({ time: 20, type: 'b2', source: 'harness' });
    expect(t.map((e) => e.type)).toEqual(['a', 'b', 'b2', 'c']);
    expect(t.filter((e) => e.time >= 20)).toBeInstanceOf(Array);
    expect(t.filter((e) => e.time >= 20)).not.toBeInstanceOf(Timeline);
    expect(t.since(20).map((e) => e.type)).toEqual(['b', 'b2', 'c']);
    const arrived: string[] = [];
    const iter = t.follow();
    for (let i = 0; i < 4; i++) arrived.push((await iter.next()).value!.type);
    expect(arrived).toEqual(['c', 'a', 'b', 'b2']);
    expect(JSON.parse(JSON.stringify(t))).toHaveLength(4);
  });

  it('timeline - follow() yields live events and ends when the timeline closes; waitFor finds past and future events', async () => {
    const t = new Timeline();
    t.record({ time: 1, type: 'old', source: 'harness' });
    const seen: string[] = [];
    const done = (async () => {
      for await (const e of t) seen.push(e.type);
    })();
    expect((await t.waitFor((e) => e.type === 'old')).type).toBe('old');
    const future = t.waitFor((e) => e.type === 'new', { timeoutMs: 5000 });
    setTimeout(() => t.record({ time: 2, type: 'new', source: 'harness' }), 20);
    expect((await future).type).toBe('new');
    t.close();
    await done;
    expect(seen).toEqual(['old', 'new']);
  });

  it('timeline - waitFor sees what is added to an event later (a cause)', async () => {
    const t = new Timeline();
    const e = t.record({ time: 1, type: 'leader-elected', source: 'zookeeper' });
    const explained = t.waitFor((x) => x.type === 'leader-elected' && x.cause !== undefined, { timeoutMs: 5000 });
    setTimeout(() => t.annotate(e, { cause: 'offline' }), 20);
    expect(await explained).toBe(e);
    expect(e.cause).toBe('offline');
  });

  it('timeline - waitFor times out with the table in its message', async () => {
    const t = new Timeline();
    t.origin = 1000;
    t.record({ time: 1500, type: 'fault', source: 'harness', action: 'kill', broker: 1 });
    await expect(t.waitFor((e) => e.type === 'never', { timeoutMs: 50 })).rejects.toThrow(/timed out after 50 ms[\s\S]*0\.500s\s+harness\s+b1\s+fault\s+kill/);
  });
});

describe('timeline recorder', () => {
  it('recorder - log records become typed events with the logging broker and partition fields', () => {
    const t = new Timeline();
    const r = new TimelineRecorder(t);
    r.logLine(JSON.stringify({ level: 30, time: at(1000), brokerId: 2, event: 'controller-elected', epoch: 7, msg: 'elected as the controller' }), 2);
    r.logLine(JSON.stringify({ time: at(1001), brokerId: 2, event: 'controller-event', controllerEvent: 'broker-change' }), 2);
    r.logLine(
      JSON.stringify({ time: at(1002), brokerId: 2, event: 'partition-state-change', topic: 't', partition: 0, from: 'OfflinePartition', to: 'OnlinePartition', strategy: 'offline', leader: 1, leaderEpoch: 3, isr: [1] }),
      2,
    );
    r.logLine(JSON.stringify({ time: at(1003), brokerId: 1, event: 'isr-shrink', topic: 't', partition: 0, leaderEpoch: 3, isr: [1, 0], newIsr: [1], lagging: [{ id: 0 }] }), 1);
    r.logLine('not json', 1);
    r.logLine(JSON.stringify({ time: at(1004), msg: 'no event field' }), 1);
    expect(t.map((e) => [e.type, e.broker])).toEqual([
      ['controller-elected', 2],
      ['controller-event', 2],
      ['partition-state-change', 2],
      ['isr-shrink', 1],
    ]);
    expect(t[0]).toMatchObject({ time: 1000, source: 'broker', controllerEpoch: 7 });
    expect(t[2]).toMatchObject({ topic: 't', partition: 0, leader: 1, leaderEpoch: 3, isr: [1], cause: 'offline (controller 2: broker-change)' });
    expect(t[3]).toMatchObject({ leader: 1, isr: [1], detail: { previousIsr: [1, 0] } });
  });

  it('recorder - znode changes become typed events: registrations, controller, partition states (created, leader, ISR)', () => {
    const t = new Timeline();
    const r = new TimelineRecorder(t);
    r.znode({ ...stateChange('/brokers/ids/1', null, { version: 5, endpoints: ['PLAINTEXT://h:1'] }, 10, 0) });
    r.znode(stateChange('/controller', null, { version: 1, brokerid: 1, timestamp: '1' }, 11, 0));
    r.znode(stateChange(STATE, null, state(0, 0, [0, 1, 2]), 12, 0));
    r.znode(stateChange(STATE, state(0, 0, [0, 1, 2]), state(0, 0, [0, 1]), 13, 1));
    r.znode(stateChange(STATE, state(0, 0, [0, 1]), state(1, 1, [1]), 14, 2));
    r.znode(stateChange(STATE, state(1, 1, [1]), state(-1, 2, [1]), 15, 3));
    r.znode(stateChange('/controller', { brokerid: 1 }, null, 16));
    r.znode(stateChange('/brokers/ids/1', { version: 5 }, null, 17));
    r.znode(stateChange('/consumers/g/offsets/t/0', null, null, 18, 0));
    expect(t.map((e) => e.type)).toEqual([
      'broker-registered',
      'controller-changed',
      'partition-created',
      'isr-changed',
      'leader-elected',
      'leader-lost',
      'controller-changed',
      'broker-deregistered',
      'znode-created',
    ]);
    expect(t[0]).toMatchObject({ broker: 1, source: 'zookeeper', path: '/brokers/ids/1', detail: { brokerEpoch: 99 } });
    expect(t[1]).toMatchObject({ broker: 1 });
    expect(t[4]).toMatchObject({ topic: 't', partition: 0, leader: 1, leaderEpoch: 1, isr: [1], detail: { previous: { leader: 0, leaderEpoch: 0, isr: [0, 1] } } });
    expect(t[6]).toMatchObject({ broker: -1, op: 'deleted' });
  });

  it('recorder - a ZooKeeper partition change gets the cause its writer logged, whichever arrives first', () => {
    const t = new Timeline();
    const r = new TimelineRecorder(t);
    r.logLine(JSON.stringify({ time: at(100), event: 'controller-event', controllerEvent: 'broker-change' }), 2);
    // log first, then ZooKeeper
    r.logLine(JSON.stringify({ time: at(101), event: 'partition-state-change', topic: 't', partition: 0, to: 'OnlinePartition', strategy: 'offline', leader: 1, leaderEpoch: 1, isr: [1, 2] }), 2);
    r.znode(stateChange(STATE, state(0, 0, [0, 1, 2]), state(1, 1, [1, 2]), 102, 1));
    expect(t.find((e) => e.type === 'leader-elected')?.cause).toBe('offline (controller 2: broker-change)');
    // ZooKeeper first, then the leader's ISR shrink
    r.znode(stateChange(STATE, state(1, 1, [1, 2]), state(1, 1, [1]), 103, 2));
    const isr = t.find((e) => e.type === 'isr-changed')!;
    expect(isr.cause).toBeUndefined();
    r.logLine(JSON.stringify({ time: at(103), event: 'isr-shrink', topic: 't', partition: 0, leaderEpoch: 1, isr: [1, 2], newIsr: [1], lagging: [{ id: 2 }] }), 1);
    expect(isr.cause).toBe('isr-shrink by leader 1 (lagging: 2)');
    // the controller taking an offline replica out of the ISR
    r.logLine(JSON.stringify({ time: at(104), event: 'controller-event', controllerEvent: 'broker-change' }), 2);
    r.logLine(JSON.stringify({ time: at(105), event: 'replica-state-change', topic: 't', partition: 0, replica: 1, from: 'OnlineReplica', to: 'OfflineReplica' }), 2);
    r.znode(stateChange(STATE, state(1, 1, [1]), state(-1, 2, []), 106, 3));
    expect(t.find((e) => e.type === 'leader-lost')?.cause).toBe('replica 1 OnlineReplica -> OfflineReplica (controller 2: broker-change)');
  });

  it('recorder - one log record explains one ZooKeeper change, and only one close to it in time', () => {
    const t = new Timeline();
    const r = new TimelineRecorder(t);
    const shrink = (time: number) =>
      r.logLine(JSON.stringify({ time: at(time), event: 'isr-shrink', topic: 't', partition: 0, leaderEpoch: 1, isr: [1, 2], newIsr: [1], lagging: [{ id: 2 }] }), 1);
    shrink(100);
    r.znode(stateChange(STATE, state(1, 1, [1, 2]), state(1, 1, [1]), 101, 1));
    r.znode(stateChange(STATE, state(1, 1, [1]), state(1, 1, [1, 2]), 200, 2));
    // the same shrink again, much later: the old record must not explain it
    r.znode(stateChange(STATE, state(1, 1, [1, 2]), state(1, 1, [1]), 10_000, 3));
    const shrinks = t.filter((e) => e.type === 'isr-changed' && e.isr?.length === 1);
    expect(shrinks.map((e) => e.cause)).toEqual(['isr-shrink by leader 1 (lagging: 2)', undefined]);
    shrink(10_001);
    expect(shrinks.map((e) => e.cause)).toEqual(['isr-shrink by leader 1 (lagging: 2)', 'isr-shrink by leader 1 (lagging: 2)']);
  });

  it('recorder - harness faults are events with their action', () => {
    const t = new Timeline();
    const r = new TimelineRecorder(t);
    r.fault('kill', { broker: 1 });
    r.fault('cut', { broker: 0, peer: 2, detail: { oneWay: true } });
    expect(t.map((e) => [e.type, e.action, e.broker, e.peer])).toEqual([
      ['fault', 'kill', 1, undefined],
      ['fault', 'cut', 0, 2],
    ]);
    expect(t.format()).toMatch(/harness\s+b0\s+fault\s+cut peer=2 oneWay=true/);
  });
});
