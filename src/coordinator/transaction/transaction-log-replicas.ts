/**
 * The transaction coordinator's `__transaction_state` through the broker's own replicas: appends go
 * through the ReplicaManager as internal appends with acks = −1 (answered once the ISR has them,
 * or with the replication error), loads read the local leader log from log start to log end, and
 * the partition count comes from the topic's assignment in ZooKeeper.
 */
import { TRANSACTION_STATE_TOPIC } from '../../cluster/auto-topic-creation.js';
import type { ReplicaManager } from '../../cluster/replica-manager.js';
import type { ErrorCode } from '../../protocol/error-codes.js';
import type { KafkaZkClient } from '../../zk/kafka-zk-client.js';
import type { TransactionLogAccess } from './transaction-state-manager.js';

const ACKS_ALL = -1;

export function replicaTransactionLog(replicaManager: ReplicaManager, zk: KafkaZkClient): TransactionLogAccess {
  const tp = (partition: number) => ({ topic: TRANSACTION_STATE_TOPIC, partition });
  const leaderLog = (partition: number) => {
    const p = replicaManager.getPartition(tp(partition));
    return p?.isLeader && p.log && !p.log.isOffline ? p.log : null;
  };
  return {
    async append(partition: number, records: Buffer, timeoutMs: number): Promise<ErrorCode> {
      const [result] = await replicaManager.appendRecords([{ tp: tp(partition), records }], ACKS_ALL, timeoutMs, 'coordinator');
      if (!result) throw new Error(`no append result for ${TRANSACTION_STATE_TOPIC}-${partition}`);
      return result.errorCode;
    },
    bounds(partition: number) {
      const log = leaderLog(partition);
      return log ? { logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset } : null;
    },
    read(partition: number, offset: number, maxBytes: number): Buffer {
      const log = leaderLog(partition);
      if (!log) throw new Error(`no longer the leader of ${TRANSACTION_STATE_TOPIC}-${partition}`);
      return log.read(offset, maxBytes, log.logEndOffset, true);
    },
    maxMessageBytes(partition: number): number | null {
      return replicaManager.getPartition(tp(partition)) ? replicaManager.topicConfig(TRANSACTION_STATE_TOPIC).log.maxMessageBytes : null;
    },
    async partitionCount(): Promise<number | null> {
      const assignment = await zk.getTopicAssignment(TRANSACTION_STATE_TOPIC);
      return assignment ? assignment.assignment.size : null;
    },
  };
}
