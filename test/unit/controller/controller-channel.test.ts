import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../../src/common/clock.js';
import { silentLogger } from '../../../src/common/logger.js';
import {
  ControllerChannelManager,
  ControllerRequestBatch,
  type ControlRequest,
  type ControlRequestSender,
} from '../../../src/controller/controller-channel.js';
import { ControllerContext } from '../../../src/controller/controller-context.js';
import { SocketServer, parseListeners } from '../../../src/network/server.js';
import { UpdateMetadataRequest, UpdateMetadataResponse } from '../../../src/protocol/messages/update-metadata.js';
import { defineHandler } from '../../../src/server/handler.js';
import { createRouter } from '../../../src/server/router.js';
import type { BrokerAndEpoch } from '../../../src/zk/broker-registration.js';
import { replicaAssignment } from '../../../src/zk/znodes.js';

const broker = (id: number, port = 9000 + id): BrokerAndEpoch => ({
  id,
  version: 5,
  timestamp: null,
  features: {},
  epoch: 1000 + id,
  rack: id === 2 ? 'r2' : null,
  jmxPort: -1,
  endpoints: [
    { listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port },
    { listenerName: 'INTERNAL', securityProtocol: 'SASL_SSL', host: '10.0.0.1', port: port + 100 },
  ],
});

function context(): ControllerContext {
  const ctx = new ControllerContext();
  ctx.epoch = 7;
  ctx.addLiveBrokers([broker(1), broker(2), broker(3)]);
  ctx.shuttingDownBrokerIds.add(3);
  ctx.setAllTopics(['t', 'gone']);
  ctx.updatePartitionAssignment({ topic: 't', partition: 0 }, replicaAssignment([1, 2]));
  ctx.updatePartitionAssignment({ topic: 't', partition: 1 }, replicaAssignment([2, 4]));
  ctx.updatePartitionAssignment({ topic: 'gone', partition: 0 }, replicaAssignment([1]));
  ctx.putLeadershipInfo({ topic: 't', partition: 0 }, { state: { leader: 1, leaderEpoch: 3, isr: [1, 2], controllerEpoch: 6 }, zkVersion: 9 });
  ctx.putLeadershipInfo({ topic: 't', partition: 1 }, { state: { leader: 2, leaderEpoch: 0, isr: [2], controllerEpoch: 7 }, zkVersion: 1 });
  ctx.putLeadershipInfo({ topic: 'gone', partition: 0 }, { state: { leader: 1, leaderEpoch: 5, isr: [1], controllerEpoch: 7 }, zkVersion: 4 });
  return ctx;
}

type PartitionState = Record<string, unknown>;

/** The request bodies' topic states (typed loosely by the schema tables: nested arrays are unknown). */
function topicStatesOf(body: { topicStates?: unknown }): Array<{ topicName: string; partitionStates: PartitionState[] }> {
  return body.topicStates as Array<{ topicName: string; partitionStates: PartitionState[] }>;
}

const partitionStatesOf = (body: { topicStates?: unknown }): PartitionState[] => topicStatesOf(body)[0]!.partitionStates;

class Recorder implements ControlRequestSender {
  readonly sent: Array<{ brokerId: number; request: ControlRequest }> = [];
  sendRequest(brokerId: number, request: ControlRequest): void {
    this.sent.push({ brokerId, request });
  }
}

describe('controller request batch', () => {
  it('sends LeaderAndIsr, then UpdateMetadata, then StopReplica, whatever the order of the adds', () => {
    const ctx = context();
    const rec = new Recorder();
    const batch = new ControllerRequestBatch(1, ctx, rec, 'PLAINTEXT');
    batch.newBatch();
    batch.addStopReplica([2], { topic: 't', partition: 1 }, false);
    batch.addUpdateMetadata([1], []);
    batch.addLeaderAndIsr([2], { topic: 't', partition: 0 }, ctx.leadershipInfo({ topic: 't', partition: 0 })!, ctx.fullReplicaAssignment({ topic: 't', partition: 0 }), true);
    batch.send();
    expect(rec.sent.map((s) => s.request.api)).toEqual(['LeaderAndIsr', 'UpdateMetadata', 'UpdateMetadata', 'UpdateMetadata', 'StopReplica']);
    expect(batch.isEmpty).toBe(true);
    expect(() => batch.newBatch()).not.toThrow();
  });

  it('every LeaderAndIsr entry adds the partition to an UpdateMetadata for all live and shutting-down brokers', () => {
    const ctx = context();
    const rec = new Recorder();
    const batch = new ControllerRequestBatch(1, ctx, rec, 'PLAINTEXT');
    const t0 = { topic: 't', partition: 0 };
    batch.addLeaderAndIsr([1, 2], t0, ctx.leadershipInfo(t0)!, ctx.fullReplicaAssignment(t0), false);
    batch.send();
    const um = rec.sent.filter((s) => s.request.api === 'UpdateMetadata');
    expect(um.map((s) => s.brokerId)).toEqual([1, 2, 3]);
    for (const s of um) {
      if (s.request.api !== 'UpdateMetadata') continue;
      const b = s.request.body;
      expect(b.controllerId).toBe(1);
      expect(b.controllerEpoch).toBe(7);
      expect(b.brokerEpoch).toBe(1000 + s.brokerId);
      expect(b.topicStates).toEqual([
        {
          topicName: 't',
          partitionStates: [
            { partitionIndex: 0, controllerEpoch: 6, leader: 1, leaderEpoch: 3, isr: [1, 2], zkVersion: 9, replicas: [1, 2], offlineReplicas: [] },
          ],
        },
      ]);
      expect(b.liveBrokers).toHaveLength(3);
      expect(b.liveBrokers[1]).toEqual({
        id: 2,
        rack: 'r2',
        endpoints: [
          { port: 9002, host: '127.0.0.1', listener: 'PLAINTEXT', securityProtocol: 0 },
          { port: 9102, host: '10.0.0.1', listener: 'INTERNAL', securityProtocol: 3 },
        ],
      });
    }
    const lai = rec.sent.filter((s) => s.request.api === 'LeaderAndIsr');
    expect(lai.map((s) => s.brokerId)).toEqual([1, 2]);
    const first = lai[0]!.request;
    if (first.api !== 'LeaderAndIsr') throw new Error('unreachable');
    expect(first.body).toMatchObject({ controllerId: 1, controllerEpoch: 7, brokerEpoch: 1001, liveLeaders: [{ brokerId: 1, hostName: '127.0.0.1', port: 9001 }] });
    expect(partitionStatesOf(first.body)[0]).toMatchObject({ leader: 1, leaderEpoch: 3, zkVersion: 9, isNew: false, replicas: [1, 2] });
  });

  it('UpdateMetadata marks topics queued for deletion with leader -2 and lists offline replicas; partitions without leaders are left out', () => {
    const ctx = context();
    ctx.queueTopicDeletion(['gone']);
    ctx.updatePartitionAssignment({ topic: 't', partition: 2 }, replicaAssignment([1]));
    const rec = new Recorder();
    const batch = new ControllerRequestBatch(1, ctx, rec, 'PLAINTEXT');
    batch.addUpdateMetadata([2], [{ topic: 'gone', partition: 0 }, { topic: 't', partition: 1 }, { topic: 't', partition: 2 }]);
    batch.send();
    expect(rec.sent).toHaveLength(1);
    const r = rec.sent[0]!.request;
    if (r.api !== 'UpdateMetadata') throw new Error('unreachable');
    const states = topicStatesOf(r.body).flatMap((t) => t.partitionStates.map((p) => ({ topic: t.topicName, ...p })));
    expect(states).toEqual([
      { topic: 'gone', partitionIndex: 0, controllerEpoch: 7, leader: -2, leaderEpoch: -2, isr: [1], zkVersion: 4, replicas: [1], offlineReplicas: [] },
      // broker 4 is not registered: offline
      { topic: 't', partitionIndex: 1, controllerEpoch: 7, leader: 2, leaderEpoch: 0, isr: [2], zkVersion: 1, replicas: [2, 4], offlineReplicas: [4] },
    ]);
  });

  it('StopReplica v3 merges deletePartition, uses epoch -2 for deleted topics, and is not sent to unregistered brokers', () => {
    const ctx = context();
    ctx.queueTopicDeletion(['gone']);
    const rec = new Recorder();
    const batch = new ControllerRequestBatch(1, ctx, rec, 'PLAINTEXT');
    batch.addStopReplica([1], { topic: 'gone', partition: 0 }, true);
    batch.addStopReplica([1], { topic: 'gone', partition: 0 }, false);
    batch.addStopReplica([1, 4], { topic: 't', partition: 0 }, false);
    batch.send();
    expect(rec.sent.map((s) => s.brokerId)).toEqual([1]);
    const r = rec.sent[0]!.request;
    if (r.api !== 'StopReplica') throw new Error('unreachable');
    expect(r.body).toMatchObject({ controllerId: 1, controllerEpoch: 7, brokerEpoch: 1001 });
    expect(r.body.topicStates).toEqual([
      { topicName: 'gone', partitionStates: [{ partitionIndex: 0, leaderEpoch: -2, deletePartition: true }] },
      { topicName: 't', partitionStates: [{ partitionIndex: 0, leaderEpoch: 3, deletePartition: false }] },
    ]);
  });

  it('a StopReplica(delete) answer reaches topic deletion only when the deletion had started before it was sent', () => {
    const ctx = context();
    const heard: string[] = [];
    const rec = new Recorder();
    const batch = new ControllerRequestBatch(1, ctx, rec, 'PLAINTEXT', {
      onTopicDeletionStopReplicaResponse: (brokerId, _code, errors) => heard.push(...errors.map((e) => `${brokerId}:${e.tp.topic}-${e.tp.partition}`)),
    });
    const answer = (i: number) => {
      const r = rec.sent[i]!.request;
      if (r.api !== 'StopReplica') throw new Error('unreachable');
      r.onResponse?.({
        errorCode: 0,
        partitionErrors: (r.body.topicStates as Array<{ topicName: string; partitionStates: Array<{ partitionIndex: number }> }>).flatMap((t) =>
          t.partitionStates.map((p) => ({ topicName: t.topicName, partitionIndex: p.partitionIndex, errorCode: 0 })),
        ),
      });
    };
    // a reassignment removes replica 1 of t-0 (delete=true) before t's deletion starts ...
    batch.newBatch();
    batch.addStopReplica([1], { topic: 't', partition: 0 }, true);
    batch.send();
    // ... then the deletion starts and deletes t-0 on broker 2; the reassignment's answer arrives only now
    ctx.queueTopicDeletion(['t']);
    ctx.beginTopicDeletion(['t']);
    batch.newBatch();
    batch.addStopReplica([2], { topic: 't', partition: 0 }, true);
    batch.send();
    answer(0);
    answer(1);
    expect(heard).toEqual(['2:t-0']);
  });

  it('a non-empty batch cannot be restarted; isNew sticks once set', () => {
    const ctx = context();
    const rec = new Recorder();
    const batch = new ControllerRequestBatch(1, ctx, rec, 'PLAINTEXT');
    const t0 = { topic: 't', partition: 0 };
    batch.addLeaderAndIsr([2], t0, ctx.leadershipInfo(t0)!, ctx.fullReplicaAssignment(t0), true);
    batch.addLeaderAndIsr([2], t0, ctx.leadershipInfo(t0)!, ctx.fullReplicaAssignment(t0), false);
    expect(() => batch.newBatch()).toThrow(/not empty/);
    batch.send();
    const r = rec.sent[0]!.request;
    if (r.api !== 'LeaderAndIsr') throw new Error('unreachable');
    expect(partitionStatesOf(r.body)).toHaveLength(1);
    expect(partitionStatesOf(r.body)[0]!.isNew).toBe(true);
  });
});

describe('controller channel manager', () => {
  const log = silentLogger();
  let cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup = [];
  });

  async function freePort(): Promise<number> {
    const s: Server = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as { port: number }).port;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
  }

  it('retries a request until the broker answers, in order, one at a time; unknown brokers are skipped', async () => {
    const port = await freePort();
    const mgr = new ControllerChannelManager({
      log,
      clock: new SystemClock(),
      listenerName: 'PLAINTEXT',
      connectTimeoutMs: 1000,
      requestTimeoutMs: 1000,
      clientId: 'controller-1',
      retryBackoffMs: 20,
    });
    cleanup.push(() => mgr.shutdown());
    mgr.addBroker(broker(5, port));
    const answered: number[] = [];
    const seen: number[] = [];
    for (const epoch of [1, 2, 3]) {
      mgr.sendRequest(5, {
        api: 'UpdateMetadata',
        body: { controllerId: 1, controllerEpoch: epoch, brokerEpoch: 1, topicStates: [], liveBrokers: [] },
        onResponse: () => answered.push(epoch),
      });
    }
    mgr.sendRequest(6, { api: 'UpdateMetadata', body: { controllerId: 1, controllerEpoch: 9, topicStates: [], liveBrokers: [] } });
    expect(mgr.hasBroker(6)).toBe(false);
    await new Promise((r) => setTimeout(r, 150)); // nothing listens yet: retries
    expect(answered).toEqual([]);
    expect(mgr.queueSize(5)).toBe(3);

    const server = new SocketServer({
      listeners: parseListeners(`PLAINTEXT://127.0.0.1:${port}`),
      processor: createRouter(
        [
          defineHandler({
            request: UpdateMetadataRequest,
            response: UpdateMetadataResponse,
            versions: { min: 0, max: 6 },
            handle: (req) => {
              seen.push(req.controllerEpoch);
              return { errorCode: 0 };
            },
          }),
        ],
        { log },
      ),
      log,
    });
    await server.start();
    cleanup.push(() => server.stop(100));
    const deadline = Date.now() + 5000;
    while (answered.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(answered).toEqual([1, 2, 3]);
    expect(seen).toEqual([1, 2, 3]);
    expect(mgr.queueSize(5)).toBe(0);
  });

  it('removing a broker stops its retries and drops its queue', async () => {
    const port = await freePort();
    const mgr = new ControllerChannelManager({
      log,
      clock: new SystemClock(),
      listenerName: 'PLAINTEXT',
      connectTimeoutMs: 500,
      requestTimeoutMs: 500,
      clientId: 'controller-1',
      retryBackoffMs: 10,
    });
    cleanup.push(() => mgr.shutdown());
    mgr.addBroker(broker(7, port));
    mgr.sendRequest(7, { api: 'UpdateMetadata', body: { controllerId: 1, controllerEpoch: 1, topicStates: [], liveBrokers: [] } });
    await new Promise((r) => setTimeout(r, 50));
    expect(mgr.queueSize(7)).toBe(1);
    mgr.removeBroker(7);
    expect(mgr.hasBroker(7)).toBe(false);
    expect(mgr.queueSize(7)).toBe(0);
    await mgr.shutdown();
  });

  it('a broker without the inter-broker listener gets no channel', () => {
    const mgr = new ControllerChannelManager({
      log,
      clock: new SystemClock(),
      listenerName: 'REPLICATION',
      connectTimeoutMs: 500,
      requestTimeoutMs: 500,
      clientId: 'controller-1',
    });
    mgr.addBroker(broker(8));
    expect(mgr.hasBroker(8)).toBe(false);
  });
});
