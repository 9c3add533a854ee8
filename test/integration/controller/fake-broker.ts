/**
 * A fake broker for controller integration tests: a real TCP server (src/network/server.ts + router) whose
 * LeaderAndIsr / UpdateMetadata / StopReplica handlers record what they receive and answer NONE; registered in
 * ZooKeeper through src/zk broker registration, with its own ZooKeeper session and its own KafkaController, so
 * the controller election is real. Session expiry is wired as a broker does it: Expire → controller
 * resigns; new session → re-register, then the controller re-elects.
 */
import { silentLogger, type Logger } from '../../../src/common/logger.js';
import { KafkaController, type KafkaControllerOptions } from '../../../src/controller/controller.js';
import { SocketServer, parseListeners } from '../../../src/network/server.js';
import { LeaderAndIsrRequest, LeaderAndIsrResponse } from '../../../src/protocol/messages/leader-and-isr.js';
import { StopReplicaRequest, StopReplicaResponse } from '../../../src/protocol/messages/stop-replica.js';
import { UpdateMetadataRequest, UpdateMetadataResponse } from '../../../src/protocol/messages/update-metadata.js';
import type { MessageValue } from '../../../src/protocol/schema.js';
import { defineHandler } from '../../../src/server/handler.js';
import { createRouter } from '../../../src/server/router.js';
import { KafkaZkClient } from '../../../src/zk/kafka-zk-client.js';
import type { BrokerInfo } from '../../../src/zk/znodes.js';
import { connectZk } from '../../harness/zookeeper.js';

export type Received =
  | { api: 'LeaderAndIsr'; body: MessageValue<typeof LeaderAndIsrRequest>; seq: number }
  | { api: 'UpdateMetadata'; body: MessageValue<typeof UpdateMetadataRequest>; seq: number }
  | { api: 'StopReplica'; body: MessageValue<typeof StopReplicaRequest>; seq: number };

let globalSeq = 0;

export class FakeBroker {
  brokerEpoch = -1;
  private stopped = false;

  private constructor(
    readonly id: number,
    readonly kzk: KafkaZkClient,
    readonly server: SocketServer,
    readonly controller: KafkaController,
    private readonly info: BrokerInfo,
    readonly received: Received[],
  ) {}

  static async start(
    connect: string,
    id: number,
    opts: Partial<KafkaControllerOptions> & { log?: Logger; sessionTimeoutMs?: number; stopReplicaDelayMs?: number } = {},
  ): Promise<FakeBroker> {
    const log = opts.log ?? silentLogger();
    const received: Received[] = [];
    const handlers = [
      defineHandler({
        request: LeaderAndIsrRequest,
        response: LeaderAndIsrResponse,
        versions: { min: 0, max: 4 },
        handle: (req) => {
          received.push({ api: 'LeaderAndIsr', body: req, seq: globalSeq++ });
          return {
            errorCode: 0,
            partitionErrors: req.topicStates.flatMap((t) =>
              t.partitionStates.map((p) => ({ topicName: t.topicName, partitionIndex: p.partitionIndex, errorCode: 0 })),
            ),
          };
        },
      }),
      defineHandler({
        request: UpdateMetadataRequest,
        response: UpdateMetadataResponse,
        versions: { min: 0, max: 6 },
        handle: (req) => {
          received.push({ api: 'UpdateMetadata', body: req, seq: globalSeq++ });
          return { errorCode: 0 };
        },
      }),
      defineHandler({
        request: StopReplicaRequest,
        response: StopReplicaResponse,
        versions: { min: 0, max: 3 },
        handle: async (req) => {
          received.push({ api: 'StopReplica', body: req, seq: globalSeq++ });
          // a real broker answers StopReplica(delete) only after removing the log: later than the request's neighbours
          if (opts.stopReplicaDelayMs) await new Promise((r) => setTimeout(r, opts.stopReplicaDelayMs));
          return {
            errorCode: 0,
            partitionErrors: req.topicStates.flatMap((t) =>
              t.partitionStates.map((p) => ({ topicName: t.topicName, partitionIndex: p.partitionIndex, errorCode: 0 })),
            ),
          };
        },
      }),
    ];
    const server = new SocketServer({ listeners: parseListeners('PLAINTEXT://127.0.0.1:0'), processor: createRouter(handlers, { log }), log });
    const [bound] = await server.start();
    const zk = await connectZk(connect, { sessionTimeoutMs: opts.sessionTimeoutMs ?? 4000 });
    const kzk = new KafkaZkClient(zk);
    await kzk.createTopLevelPaths();
    const info: BrokerInfo = {
      id,
      endpoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: bound!.port }],
      rack: null,
      jmxPort: -1,
    };
    const { stopReplicaDelayMs: _delay, sessionTimeoutMs: _session, ...controllerOpts } = opts;
    const controller = new KafkaController({
      brokerId: id,
      zkClient: kzk,
      log,
      autoLeaderRebalanceEnable: false,
      controllerSocketTimeoutMs: 3000,
      requestTimeoutMs: 3000,
      ...controllerOpts,
    });
    const broker = new FakeBroker(id, kzk, server, controller, info, received);
    zk.registerStateChangeHandler({
      name: `fake-broker-${id}`,
      beforeInitializingSession: () => controller.onSessionExpired(),
      afterInitializingSession: async () => {
        broker.brokerEpoch = await kzk.registerBroker(info);
        await controller.onNewSession();
      },
    });
    broker.brokerEpoch = await kzk.registerBroker(info);
    await controller.startup();
    return broker;
  }

  get port(): number {
    return this.info.endpoints[0]!.port;
  }

  of<A extends Received['api']>(api: A): Array<Extract<Received, { api: A }>> {
    return this.received.filter((r): r is Extract<Received, { api: A }> => r.api === api);
  }

  clear(): void {
    this.received.length = 0;
  }

  /** Orderly stop: controller, then the ZooKeeper session (ephemerals go), then the server. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.controller.shutdown();
    await this.kzk.close();
    await this.server.stop(100);
  }
}

/** LeaderAndIsr partition states received by `b` for `topic`, flattened. */
export function leaderAndIsrStates(b: FakeBroker, topic: string) {
  return b.of('LeaderAndIsr').flatMap((r) =>
    r.body.topicStates.filter((t) => t.topicName === topic).flatMap((t) => t.partitionStates),
  );
}

export function updateMetadataStates(b: FakeBroker, topic: string) {
  return b.of('UpdateMetadata').flatMap((r) =>
    r.body.topicStates.filter((t) => t.topicName === topic).flatMap((t) => t.partitionStates),
  );
}
