/**
 * Broker membership changes on the controller (Kafka's BrokerChange / BrokerModifications events and
 * onBrokerStartup / onBrokerFailure, zk-and-controller.md §5). Split out of controller.ts; runs on its
 * single event loop through `ControllerServices`.
 *
 * A BrokerChange re-reads /brokers/ids and classifies the brokers as new, dead, or bounced (registered
 * again with a larger czxid = broker epoch, KIP-380): bounced ones go through failure then startup.
 * A BrokerModification (data change of /brokers/ids/<id> at the same epoch) only refreshes endpoints.
 */
import type { BrokerAndEpoch } from '../zk/broker-registration.js';
import type { PartitionReplica } from './controller-context.js';
import type { ControllerServices } from './controller-services.js';
import { targetReplicas } from './partition-reassignment.js';
import { PartitionStateName } from './partition-state-machine.js';
import { ReplicaStateName } from './replica-state-machine.js';


/** Broker change classification (BrokerChange, §5): new, dead, and bounced (czxid grew). */
export function classifyBrokerChange(
  cached: ReadonlyMap<number, number>,
  current: ReadonlyMap<number, number>,
): { newBrokerIds: number[]; deadBrokerIds: number[]; bouncedBrokerIds: number[] } {
  const sort = (a: number[]): number[] => a.sort((x, y) => x - y);
  return {
    newBrokerIds: sort([...current.keys()].filter((id) => !cached.has(id))),
    deadBrokerIds: sort([...cached.keys()].filter((id) => !current.has(id))),
    bouncedBrokerIds: sort([...current.entries()].filter(([id, epoch]) => cached.has(id) && epoch > cached.get(id)!).map(([id]) => id)),
  };
}

export async function processBrokerChange(s: ControllerServices): Promise<void> {
  const { ctx } = s;
  const ids = await s.watches.watched('brokers', () => ({ type: 'broker-change' }), (w) => s.zk.watchBrokers(w!));
  const current = (await Promise.all(ids.map((id) => s.zk.getBroker(id)))).filter((b): b is BrokerAndEpoch => b !== null);
  const byId = new Map(current.map((b) => [b.id, b]));
  const { newBrokerIds, deadBrokerIds, bouncedBrokerIds } = classifyBrokerChange(
    ctx.liveBrokerIdAndEpochs(),
    new Map(current.map((b) => [b.id, b.epoch])),
  );
  s.log.info(
    { newBrokerIds, deadBrokerIds, bouncedBrokerIds, liveBrokers: ids },
    'broker change: newly added, dead and bounced brokers',
  );
  const channel = s.channel;
  for (const id of newBrokerIds) channel?.addBroker(byId.get(id)!);
  for (const id of bouncedBrokerIds) {
    channel?.removeBroker(id);
    channel?.addBroker(byId.get(id)!);
  }
  for (const id of deadBrokerIds) channel?.removeBroker(id);
  if (newBrokerIds.length > 0) {
    ctx.addLiveBrokers(newBrokerIds.map((id) => byId.get(id)!));
    await onBrokerStartup(s, newBrokerIds);
  }
  if (bouncedBrokerIds.length > 0) {
    ctx.removeLiveBrokers(bouncedBrokerIds);
    await onBrokerFailure(s, bouncedBrokerIds);
    ctx.addLiveBrokers(bouncedBrokerIds.map((id) => byId.get(id)!));
    await onBrokerStartup(s, bouncedBrokerIds);
  }
  if (deadBrokerIds.length > 0) {
    ctx.removeLiveBrokers(deadBrokerIds);
    await onBrokerFailure(s, deadBrokerIds);
  }
}

export async function onBrokerStartup(s: ControllerServices, newBrokerIds: readonly number[]): Promise<void> {
  const { ctx } = s;
  s.log.info({ newBrokerIds }, 'new broker startup callback');
  const newSet = new Set(newBrokerIds);
  s.sendUpdateMetadata(ctx.liveOrShuttingDownBrokerIds().filter((id) => !newSet.has(id)), []);
  s.sendUpdateMetadata(newBrokerIds, ctx.partitionsWithLeaders());
  const replicasOnNew = ctx.replicasOnBrokers(newSet);
  await s.replicaStateMachine.handleStateChanges(replicasOnNew, ReplicaStateName.OnlineReplica);
  await s.partitionStateMachine.triggerOnlinePartitionStateChange();
  await s.reassignment.resumeReassignments((_tp, a) => targetReplicas(a).some((r) => newSet.has(r)));
  const deletionTopics = new Set(replicasOnNew.map((r) => r.tp.topic).filter((t) => ctx.isTopicQueuedUpForDeletion(t)));
  if (deletionTopics.size > 0) await s.topicDeletionManager.resumeDeletionForTopics(deletionTopics);
  for (const id of newBrokerIds) await watchBroker(s, id);
}

export async function onBrokerFailure(s: ControllerServices, deadBrokerIds: readonly number[]): Promise<void> {
  s.log.info({ deadBrokerIds }, 'broker failure callback');
  for (const id of deadBrokerIds) s.ctx.shuttingDownBrokerIds.delete(id);
  await onReplicasBecomeOffline(s, s.ctx.replicasOnBrokers(new Set(deadBrokerIds)));
  for (const id of deadBrokerIds) s.watches.forget(`broker:${id}`);
}

export async function onReplicasBecomeOffline(s: ControllerServices, replicas: readonly PartitionReplica[]): Promise<void> {
  const { ctx } = s;
  const forDeletion = replicas.filter((r) => ctx.isTopicQueuedUpForDeletion(r.tp.topic));
  const notForDeletion = replicas.filter((r) => !ctx.isTopicQueuedUpForDeletion(r.tp.topic));
  const offlineLeader = ctx.partitionsWithOfflineLeader();
  await s.partitionStateMachine.handleStateChanges(offlineLeader, PartitionStateName.OfflinePartition);
  await s.partitionStateMachine.triggerOnlinePartitionStateChange();
  await s.replicaStateMachine.handleStateChanges(notForDeletion, ReplicaStateName.OfflineReplica);
  if (forDeletion.length > 0) await s.topicDeletionManager.failReplicaDeletion(forDeletion);
  if (offlineLeader.length === 0) s.sendUpdateMetadata(ctx.liveOrShuttingDownBrokerIds(), []);
}

export async function processBrokerModification(s: ControllerServices, brokerId: number): Promise<void> {
  const cached = s.ctx.broker(brokerId);
  if (!cached) return;
  const b = await watchBroker(s, brokerId);
  if (!b || b.epoch !== cached.epoch) return; // gone or bounced: BrokerChange handles it
  const same =
    JSON.stringify(b.endpoints) === JSON.stringify(cached.endpoints) &&
    JSON.stringify(b.features) === JSON.stringify(cached.features) &&
    b.rack === cached.rack;
  if (same) return;
  s.log.info({ brokerId, endpoints: b.endpoints }, 'broker registration changed; updating endpoints');
  s.ctx.addLiveBrokers([b]);
  s.sendUpdateMetadata(s.ctx.liveOrShuttingDownBrokerIds(), []);
}

export function watchBroker(s: ControllerServices, id: number): Promise<BrokerAndEpoch | null> {
  return s.watches.watched(`broker:${id}`, () => ({ type: 'broker-modification', brokerId: id }), (w) => s.zk.getBroker(id, w));
}
