/**
 * ISR and leadership feedback from the brokers to the controller: ISR change notifications (Kafka's
 * IsrChangeNotification event, zk-and-controller.md §5) and LeaderAndIsr answers. Leaders that change an
 * ISR write the state znode themselves and drop a sequential notification under /isr_change_notification;
 * the controller re-reads those partitions' state, sends UpdateMetadata to every broker, re-checks
 * reassignments waiting for their targets to join the ISR, and deletes the notifications. Split out of controller.ts; runs on its single event loop through `ControllerServices`.
 */
import { tpKey, type TopicPartition } from '../common/topic-partition.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { ControllerServices } from './controller-services.js';

export async function processIsrChangeNotification(s: ControllerServices): Promise<void> {
  const { ctx, zk } = s;
  const names = await s.watches.watched('isr-change', () => ({ type: 'isr-change-notification' }), (w) => zk.watchIsrChangeNotifications(w!));
  if (names.length === 0) return;
  try {
    const seen = new Map<string, TopicPartition>();
    for (const n of await zk.getIsrChangeNotifications(names)) for (const tp of n.partitions) seen.set(tpKey(tp), tp);
    const tps = [...seen.values()].filter((tp) => ctx.hasPartition(tp));
    if (tps.length > 0) {
      for (const { tp, current } of await zk.getPartitionStates(tps)) {
        if (current) ctx.putLeadershipInfo(tp, { state: current.state, zkVersion: current.zkVersion });
      }
      s.log.debug({ partitions: tps.map(tpKey) }, 'ISR change notification: sending UpdateMetadata');
      s.sendUpdateMetadata(ctx.liveOrShuttingDownBrokerIds(), tps);
      for (const tp of tps.filter((x) => ctx.partitionsBeingReassigned.has(tpKey(x)))) {
        await s.reassignment.maybeCompleteReassignment(tp);
      }
    }
  } finally {
    await zk.deleteIsrChangeNotifications(ctx.fence(), names);
  }
}

/** LeaderAndIsr answers: request-level and unexpected per-partition errors are logged. */
export function processLeaderAndIsrResponse(
  s: ControllerServices,
  brokerId: number,
  response: { errorCode: number; partitionErrors: Array<{ topicName: string; partitionIndex: number; errorCode: number }> },
): Promise<void> {
  if (response.errorCode !== ErrorCode.None) {
    s.log.warn({ brokerId, errorCode: response.errorCode }, 'LeaderAndIsr answered with an error');
    return Promise.resolve();
  }
  // per-partition STALE_CONTROLLER_EPOCH ("leader epoch matches") is normal after failover; others are logged
  const errors = response.partitionErrors.filter((pe) => pe.errorCode !== ErrorCode.None && pe.errorCode !== ErrorCode.StaleControllerEpoch);
  if (errors.length > 0) {
    s.log.warn(
      { brokerId, partitions: errors.map((pe) => ({ tp: `${pe.topicName}-${pe.partitionIndex}`, errorCode: pe.errorCode })) },
      'LeaderAndIsr partition errors',
    );
  }
  return Promise.resolve();
}
