/**
 * What the partition and the replica state machine share: their dependencies, the request batch around each
 * state-machine call, and the conditional write of partition state znodes.
 */
import type { Logger } from '../common/logger.js';
import type { TopicPartition } from '../common/topic-partition.js';
import { ControllerMovedError, type KafkaZkClient } from '../zk/kafka-zk-client.js';
import type { PartitionState } from '../zk/znodes.js';
import type { ControllerRequestBatch } from './controller-channel.js';
import type { ControllerContext, LeadershipInfo } from './controller-context.js';

export interface StateMachineDeps {
  ctx: ControllerContext;
  zk: KafkaZkClient;
  batch: ControllerRequestBatch;
  log: Logger;
  /** state-change log (Kafka's state-change.log) */
  stateLog: Logger;
}

/**
 * One state-machine call: a new batch, `fill` (the state changes, adding requests), then the batch sent. On an error
 * the batch is cleared; a ControllerMovedError is rethrown, any other answered by `onError`.
 */
export async function inRequestBatch<T>(batch: ControllerRequestBatch, fill: () => Promise<T>, onError: (err: unknown) => T): Promise<T> {
  batch.newBatch();
  try {
    const result = await fill();
    batch.send();
    return result;
  } catch (err) {
    batch.clear();
    if (err instanceof ControllerMovedError) throw err;
    return onError(err);
  }
}

/**
 * Writes new partition states, each conditional on the zkVersion it was computed from and fenced by the controller
 * epoch. A written state becomes the partition's cached leadership and goes to `onWritten`; a vanished znode goes to
 * `onVanished`. Returns the partitions whose write met BADVERSION (to read again and retry).
 */
export async function writePartitionStates<U extends { tp: TopicPartition; state: PartitionState; expectedZkVersion: number }>(
  d: Pick<StateMachineDeps, 'ctx' | 'zk'>,
  updates: readonly U[],
  onWritten: (u: U, info: LeadershipInfo) => void,
  onVanished: (u: U) => void,
): Promise<TopicPartition[]> {
  const retry: TopicPartition[] = [];
  const written = await d.zk.updatePartitionStates(d.ctx.fence(), updates);
  written.forEach((w, i) => {
    const u = updates[i]!;
    if (w.outcome === 'ok') {
      const info: LeadershipInfo = { state: u.state, zkVersion: w.zkVersion };
      d.ctx.putLeadershipInfo(u.tp, info);
      onWritten(u, info);
    } else if (w.outcome === 'bad-version') {
      retry.push(u.tp);
    } else {
      onVanished(u);
    }
  });
  return retry;
}
