/**
 * Controller → broker requests (Kafka's ControllerChannelManager + ControllerBrokerRequestBatch,
 * zk-and-controller.md §8).
 *
 * ControllerChannelManager:
 * - one queue per live (or shutting-down) broker, at most one request in flight per broker;
 * - connects to the broker's endpoint for the inter-broker listener (`inter.broker.listener.name`);
 * - a failed send is retried forever with a 100 ms backoff until it succeeds or the broker is removed;
 * - requests to a broker that has no channel are dropped (logged), as Kafka does.
 *
 * ControllerRequestBatch (one per state-machine call: newBatch → add… → send):
 * - sends LeaderAndIsr, then UpdateMetadata, then StopReplica;
 * - every LeaderAndIsr entry also adds its partition to the UpdateMetadata for all live and
 *   shutting-down brokers;
 * - UpdateMetadata partition states are snapshotted when added; topics queued for deletion go out
 *   with leader and leader epoch -2;
 * - every request is stamped with controllerId, controllerEpoch and the target broker's epoch.
 * Versions: LeaderAndIsr v4, UpdateMetadata v6, StopReplica v3.
 */
import type { Clock, Timer } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import { tpKey, type TopicPartition } from '../common/topic-partition.js';
import { BrokerClient, type AnySpec, type ApiPair, type ClientSecurity } from '../network/client.js';
import { LeaderAndIsrRequest, LeaderAndIsrResponse } from '../protocol/messages/leader-and-isr.js';
import { StopReplicaRequest, StopReplicaResponse } from '../protocol/messages/stop-replica.js';
import { UpdateMetadataRequest, UpdateMetadataResponse } from '../protocol/messages/update-metadata.js';
import type { MessageInput, MessageValue } from '../protocol/schema.js';
import type { BrokerAndEpoch } from '../zk/broker-registration.js';
import type { ReplicaAssignment } from '../zk/znodes.js';
import type { ControllerContext, LeadershipInfo } from './controller-context.js';

export const LEADER_AND_ISR_VERSION = 4;
export const UPDATE_METADATA_VERSION = 6;
export const STOP_REPLICA_VERSION = 3;
/** Kafka's controller send retry backoff (hard-coded 100 ms). */
export const CONTROLLER_RETRY_BACKOFF_MS = 100;
/** LeaderAndIsr.LeaderDuringDelete / EpochDuringDelete */
export const LEADER_DURING_DELETE = -2;
export const EPOCH_DURING_DELETE = -2;
export const NO_EPOCH = -1;

const SECURITY_PROTOCOL_ID: Record<string, number> = { PLAINTEXT: 0, SSL: 1, SASL_PLAINTEXT: 2, SASL_SSL: 3 };

export type LeaderAndIsrRequestBody = MessageInput<typeof LeaderAndIsrRequest>;
export type UpdateMetadataRequestBody = MessageInput<typeof UpdateMetadataRequest>;
export type StopReplicaRequestBody = MessageInput<typeof StopReplicaRequest>;
export type LeaderAndIsrResponseBody = MessageValue<typeof LeaderAndIsrResponse>;
export type UpdateMetadataResponseBody = MessageValue<typeof UpdateMetadataResponse>;
export type StopReplicaResponseBody = MessageValue<typeof StopReplicaResponse>;

export type ControlRequest =
  | { api: 'LeaderAndIsr'; body: LeaderAndIsrRequestBody; onResponse?: (r: LeaderAndIsrResponseBody) => void }
  | { api: 'UpdateMetadata'; body: UpdateMetadataRequestBody; onResponse?: (r: UpdateMetadataResponseBody) => void }
  | { api: 'StopReplica'; body: StopReplicaRequestBody; onResponse?: (r: StopReplicaResponseBody) => void };

/** Where a batch delivers its requests (the channel manager, or a recorder in unit tests). */
export interface ControlRequestSender {
  sendRequest(brokerId: number, request: ControlRequest): void;
}

// ---------------------------------------------------------------------------------------------- channel manager

export interface ChannelManagerOptions {
  log: Logger;
  clock: Clock;
  /** inter.broker.listener.name */
  listenerName: string;
  /** controller.socket.timeout.ms: connect timeout */
  connectTimeoutMs: number;
  /** request.timeout.ms */
  requestTimeoutMs: number;
  clientId: string;
  retryBackoffMs?: number;
  /** TLS / SASL of the inter-broker listener */
  clientSecurity?: ClientSecurity;
}

interface BrokerChannel {
  readonly brokerId: number;
  readonly client: BrokerClient;
  readonly queue: ControlRequest[];
  removed: boolean;
  running: boolean;
  backoff: { timer: Timer; wake: () => void } | null;
}

export class ControllerChannelManager implements ControlRequestSender {
  private readonly channels = new Map<number, BrokerChannel>();
  private readonly retryBackoffMs: number;
  private readonly draining = new Set<Promise<void>>();

  constructor(private readonly opts: ChannelManagerOptions) {
    this.retryBackoffMs = opts.retryBackoffMs ?? CONTROLLER_RETRY_BACKOFF_MS;
  }

  hasBroker(id: number): boolean {
    return this.channels.has(id);
  }

  /** Pending (queued or in-flight) requests for a broker; 0 when it has no channel. */
  queueSize(id: number): number {
    return this.channels.get(id)?.queue.length ?? 0;
  }

  addBroker(broker: BrokerAndEpoch): void {
    if (this.channels.has(broker.id)) return;
    const ep = broker.endpoints.find((e) => e.listenerName === this.opts.listenerName);
    if (!ep) {
      this.opts.log.error(
        { brokerId: broker.id, listener: this.opts.listenerName, endpoints: broker.endpoints.map((e) => e.listenerName) },
        'broker has no endpoint for the inter-broker listener; no controller channel to it',
      );
      return;
    }
    const client = new BrokerClient({
      host: ep.host ?? 'localhost',
      port: ep.port,
      clientId: this.opts.clientId,
      connectTimeoutMs: this.opts.connectTimeoutMs,
      requestTimeoutMs: this.opts.requestTimeoutMs,
      log: this.opts.log,
      ...(this.opts.clientSecurity ? { security: this.opts.clientSecurity } : {}),
    });
    this.channels.set(broker.id, { brokerId: broker.id, client, queue: [], removed: false, running: false, backoff: null });
    this.opts.log.info({ brokerId: broker.id, host: ep.host, port: ep.port }, 'added controller channel to broker');
  }

  removeBroker(id: number): void {
    const ch = this.channels.get(id);
    if (!ch) return;
    this.channels.delete(id);
    this.closeChannel(ch);
    this.opts.log.info({ brokerId: id, dropped: ch.queue.length }, 'removed controller channel to broker');
  }

  sendRequest(brokerId: number, request: ControlRequest): void {
    const ch = this.channels.get(brokerId);
    if (!ch) {
      this.opts.log.warn({ brokerId, api: request.api }, 'not sending request to a broker that is not alive');
      return;
    }
    ch.queue.push(request);
    if (!ch.running) {
      ch.running = true;
      const p = this.drain(ch).finally(() => this.draining.delete(p));
      this.draining.add(p);
    }
  }

  async shutdown(): Promise<void> {
    for (const ch of this.channels.values()) this.closeChannel(ch);
    this.channels.clear();
    await Promise.all([...this.draining]);
  }

  private closeChannel(ch: BrokerChannel): void {
    ch.removed = true;
    ch.queue.length = 0;
    if (ch.backoff) {
      ch.backoff.timer.cancel();
      ch.backoff.wake();
    }
    void ch.client.close();
  }

  /** The per-broker send loop: head of the queue until it succeeds, then the next. */
  private async drain(ch: BrokerChannel): Promise<void> {
    try {
      while (!ch.removed) {
        const req = ch.queue[0];
        if (!req) break;
        try {
          await this.sendOne(ch, req);
          if (ch.removed) break;
          ch.queue.shift();
        } catch (err) {
          if (ch.removed) break;
          this.opts.log.warn(
            { brokerId: ch.brokerId, api: req.api, err: err instanceof Error ? err.message : String(err) },
            'controller request failed; retrying',
          );
          await new Promise<void>((resolve) => {
            const wake = (): void => {
              ch.backoff = null;
              resolve();
            };
            ch.backoff = { timer: this.opts.clock.setTimeout(wake, this.retryBackoffMs), wake };
          });
        }
      }
    } finally {
      ch.running = false; // no await between the empty-queue check and here: nothing can slip in
    }
  }

  private async sendOne(ch: BrokerChannel, req: ControlRequest): Promise<void> {
    switch (req.api) {
      case 'LeaderAndIsr':
        return exchange(ch, { request: LeaderAndIsrRequest, response: LeaderAndIsrResponse }, LEADER_AND_ISR_VERSION, req.body, req.onResponse);
      case 'UpdateMetadata':
        return exchange(ch, { request: UpdateMetadataRequest, response: UpdateMetadataResponse }, UPDATE_METADATA_VERSION, req.body, req.onResponse);
      case 'StopReplica':
        return exchange(ch, { request: StopReplicaRequest, response: StopReplicaResponse }, STOP_REPLICA_VERSION, req.body, req.onResponse);
    }
  }
}

/** Sends one request on the channel; the response goes to `onResponse` unless the channel was removed meanwhile. */
async function exchange<Req extends AnySpec, Res extends AnySpec>(
  ch: BrokerChannel,
  api: ApiPair<Req, Res>,
  version: number,
  body: MessageInput<Req>,
  onResponse: ((r: MessageValue<Res>) => void) | undefined,
): Promise<void> {
  const r = await ch.client.send(api, version, body);
  if (!ch.removed) onResponse?.(r);
}

// ---------------------------------------------------------------------------------------------- request batch

/** A partition state as the request carries it (grouped under its topic: no topicName). */
type LeaderAndIsrPartitionState = Omit<MessageValue<typeof LeaderAndIsrRequest>['topicStates'][number]['partitionStates'][number], 'topicName'>;
type UpdateMetadataPartitionState = Omit<MessageValue<typeof UpdateMetadataRequest>['topicStates'][number]['partitionStates'][number], 'topicName'>;

interface StopReplicaEntry {
  tp: TopicPartition;
  leaderEpoch: number;
  deletePartition: boolean;
}

export interface RequestBatchCallbacks {
  onLeaderAndIsrResponse?(brokerId: number, response: LeaderAndIsrResponseBody): void;
  /** responses for partitions sent with deletePartition=true of topics whose deletion has started */
  onTopicDeletionStopReplicaResponse?(
    brokerId: number,
    requestErrorCode: number,
    partitionErrors: Array<{ tp: TopicPartition; errorCode: number }>,
  ): void;
}

export class ControllerRequestBatch {
  private readonly leaderAndIsr = new Map<number, Map<string, { tp: TopicPartition; state: LeaderAndIsrPartitionState }>>();
  private readonly updateMetadataBrokers = new Set<number>();
  private readonly updateMetadataPartitions = new Map<string, { tp: TopicPartition; state: UpdateMetadataPartitionState }>();
  private readonly stopReplica = new Map<number, Map<string, StopReplicaEntry>>();

  constructor(
    private readonly controllerId: number,
    private readonly ctx: ControllerContext,
    private readonly sender: ControlRequestSender,
    private readonly listenerName: string,
    private readonly callbacks: RequestBatchCallbacks = {},
    private readonly log?: Logger,
  ) {}

  get isEmpty(): boolean {
    return this.leaderAndIsr.size === 0 && this.updateMetadataBrokers.size === 0 && this.stopReplica.size === 0;
  }

  /** Starts a batch; a non-empty leftover is a bug in the caller (Kafka throws IllegalStateException). */
  newBatch(): void {
    if (!this.isEmpty) {
      throw new Error('controller request batch is not empty: a previous state change did not send or clear it');
    }
  }

  clear(): void {
    this.leaderAndIsr.clear();
    this.updateMetadataBrokers.clear();
    this.updateMetadataPartitions.clear();
    this.stopReplica.clear();
  }

  addLeaderAndIsr(
    brokerIds: readonly number[],
    tp: TopicPartition,
    info: LeadershipInfo,
    assignment: ReplicaAssignment,
    isNew: boolean,
  ): void {
    const key = tpKey(tp);
    for (const brokerId of brokerIds) {
      if (brokerId < 0) continue;
      const m = getOrCreate(this.leaderAndIsr, brokerId, () => new Map());
      const alreadyNew = m.get(key)?.state.isNew ?? false;
      m.set(key, {
        tp,
        state: {
          partitionIndex: tp.partition,
          controllerEpoch: info.state.controllerEpoch,
          leader: info.state.leader,
          leaderEpoch: info.state.leaderEpoch,
          isr: [...info.state.isr],
          zkVersion: info.zkVersion,
          replicas: [...assignment.replicas],
          addingReplicas: [...assignment.addingReplicas],
          removingReplicas: [...assignment.removingReplicas],
          isNew: isNew || alreadyNew,
        },
      });
    }
    this.addUpdateMetadata(this.ctx.liveOrShuttingDownBrokerIds(), [tp]);
  }

  /** Adds brokers to the UpdateMetadata recipient set and (snapshotted) partition states to its content. */
  addUpdateMetadata(brokerIds: readonly number[], tps: readonly TopicPartition[]): void {
    for (const id of brokerIds) if (id >= 0) this.updateMetadataBrokers.add(id);
    for (const tp of tps) {
      const info = this.ctx.leadershipInfo(tp);
      if (!info) {
        this.log?.debug({ tp: tpKey(tp) }, 'leader not yet assigned; partition left out of UpdateMetadata');
        continue;
      }
      const beingDeleted = this.ctx.isTopicQueuedUpForDeletion(tp.topic);
      const replicas = this.ctx.partitionReplicaAssignment(tp);
      this.updateMetadataPartitions.set(tpKey(tp), {
        tp,
        state: {
          partitionIndex: tp.partition,
          controllerEpoch: info.state.controllerEpoch,
          leader: beingDeleted ? LEADER_DURING_DELETE : info.state.leader,
          leaderEpoch: beingDeleted ? EPOCH_DURING_DELETE : info.state.leaderEpoch,
          isr: [...info.state.isr],
          zkVersion: info.zkVersion,
          replicas: [...replicas],
          offlineReplicas: replicas.filter((r) => !this.ctx.isReplicaOnline(r)),
        },
      });
    }
  }

  addStopReplica(brokerIds: readonly number[], tp: TopicPartition, deletePartition: boolean): void {
    const leaderEpoch = this.ctx.isTopicQueuedUpForDeletion(tp.topic)
      ? EPOCH_DURING_DELETE
      : (this.ctx.leadershipInfo(tp)?.state.leaderEpoch ?? NO_EPOCH);
    const key = tpKey(tp);
    for (const brokerId of brokerIds) {
      if (brokerId < 0) continue;
      const m = getOrCreate(this.stopReplica, brokerId, () => new Map());
      const alreadyDelete = m.get(key)?.deletePartition ?? false;
      m.set(key, { tp, leaderEpoch, deletePartition: deletePartition || alreadyDelete });
    }
  }

  /** Sends what was accumulated (LeaderAndIsr, UpdateMetadata, StopReplica) and empties the batch. */
  send(): void {
    try {
      this.sendLeaderAndIsr();
      this.sendUpdateMetadata();
      this.sendStopReplica();
    } finally {
      this.clear();
    }
  }

  private stamp(brokerId: number): { controllerId: number; controllerEpoch: number; brokerEpoch: number } {
    return { controllerId: this.controllerId, controllerEpoch: this.ctx.epoch, brokerEpoch: this.ctx.brokerEpoch(brokerId) ?? -1 };
  }

  private sendLeaderAndIsr(): void {
    for (const [brokerId, entries] of this.leaderAndIsr) {
      const leaderIds = new Set([...entries.values()].map((e) => e.state.leader));
      const liveLeaders = this.ctx
        .liveOrShuttingDownBrokers()
        .filter((b) => leaderIds.has(b.id))
        .flatMap((b) => {
          const ep = b.endpoints.find((e) => e.listenerName === this.listenerName);
          return ep ? [{ brokerId: b.id, hostName: ep.host ?? 'localhost', port: ep.port }] : [];
        });
      const body: LeaderAndIsrRequestBody = {
        ...this.stamp(brokerId),
        topicStates: groupByTopic([...entries.values()]).map(([topicName, states]) => ({ topicName, partitionStates: states })),
        liveLeaders,
      };
      const cb = this.callbacks.onLeaderAndIsrResponse;
      this.sender.sendRequest(brokerId, {
        api: 'LeaderAndIsr',
        body,
        onResponse: cb ? (r) => cb(brokerId, r) : undefined,
      });
    }
  }

  private sendUpdateMetadata(): void {
    if (this.updateMetadataBrokers.size === 0) return;
    const liveBrokers = this.ctx.liveOrShuttingDownBrokers().map((b) => ({
      id: b.id,
      endpoints: b.endpoints.map((e) => ({
        port: e.port,
        host: e.host ?? '',
        listener: e.listenerName,
        securityProtocol: SECURITY_PROTOCOL_ID[e.securityProtocol] ?? 0,
      })),
      rack: b.rack,
    }));
    const topicStates = groupByTopic([...this.updateMetadataPartitions.values()]).map(([topicName, states]) => ({
      topicName,
      partitionStates: states,
    }));
    for (const brokerId of [...this.updateMetadataBrokers].sort((a, b) => a - b)) {
      this.sender.sendRequest(brokerId, {
        api: 'UpdateMetadata',
        body: { ...this.stamp(brokerId), topicStates, liveBrokers },
      });
    }
  }

  private sendStopReplica(): void {
    for (const [brokerId, entries] of this.stopReplica) {
      if (!this.ctx.isLiveOrShuttingDown(brokerId)) continue;
      const list = [...entries.values()];
      const byTopic = groupByTopic(list.map((e) => ({ tp: e.tp, state: e })));
      const body: StopReplicaRequestBody = {
        ...this.stamp(brokerId),
        topicStates: byTopic.map(([topicName, states]) => ({
          topicName,
          partitionStates: states.map((s) => ({
            partitionIndex: s.tp.partition,
            leaderEpoch: s.leaderEpoch,
            deletePartition: s.deletePartition,
          })),
        })),
      };
      // Only the StopReplica(delete) sent for a topic deletion is the deletion's to hear back from. A reassignment's
      // removal of a replica sends one too, and when the topic's deletion starts before its answer arrives, that
      // answer would complete a replica the reassignment already dropped (NonExistentReplica → ReplicaDeletionSuccessful).
      const deleted = new Set(list.filter((e) => e.deletePartition && this.ctx.isTopicDeletionInProgress(e.tp.topic)).map((e) => tpKey(e.tp)));
      const cb = this.callbacks.onTopicDeletionStopReplicaResponse;
      this.sender.sendRequest(brokerId, {
        api: 'StopReplica',
        body,
        onResponse:
          cb && deleted.size > 0
            ? (r) => {
                const partitionErrors = r.partitionErrors
                  .map((pe) => ({ tp: { topic: pe.topicName, partition: pe.partitionIndex }, errorCode: pe.errorCode }))
                  .filter((pe) => deleted.has(tpKey(pe.tp)) && this.ctx.isTopicDeletionInProgress(pe.tp.topic));
                if (partitionErrors.length > 0) cb(brokerId, r.errorCode, partitionErrors);
              }
            : undefined,
      });
    }
  }
}

function groupByTopic<S>(entries: ReadonlyArray<{ tp: TopicPartition; state: S }>): Array<[string, S[]]> {
  const m = new Map<string, Array<{ p: number; s: S }>>();
  for (const e of entries) getOrCreate(m, e.tp.topic, () => []).push({ p: e.tp.partition, s: e.state });
  return [...m.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([t, l]) => [t, l.sort((a, b) => a.p - b.p).map((x) => x.s)]);
}

function getOrCreate<K, V>(m: Map<K, V>, key: K, create: () => V): V {
  let v = m.get(key);
  if (v === undefined) {
    v = create();
    m.set(key, v);
  }
  return v;
}
