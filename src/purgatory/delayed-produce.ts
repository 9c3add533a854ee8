/**
 * DelayedProduce: an acks = -1 produce waiting until every appended partition is replicated to
 * the ISR (Kafka's DelayedProduce). Watched under `tpKey(tp)` of each partition.
 *
 * - A partition that failed to append is not waited on (its error is already final).
 * - tryComplete asks `check(tp, requiredOffset)` for each partition still waiting: the partition
 *   answers done once its high watermark ≥ requiredOffset (lastOffset + 1), with NONE or
 *   NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below min.insync.replicas, or done with
 *   NOT_LEADER_OR_FOLLOWER / UNKNOWN_TOPIC_OR_PARTITION when leadership is gone.
 * - On expiry the partitions still waiting get REQUEST_TIMED_OUT.
 */
import type { TopicPartition } from '../common/topic-partition.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { DelayedOperation } from './purgatory.js';

export interface ProducePartitionStatus {
  readonly tp: TopicPartition;
  /** lastOffset + 1 of what was appended */
  readonly requiredOffset: number;
  acksPending: boolean;
  errorCode: ErrorCode;
}

/** `null` = not yet; otherwise the partition's final code. */
export type ReplicationCheck = (tp: TopicPartition, requiredOffset: number) => ErrorCode | null;

export class DelayedProduce implements DelayedOperation {
  constructor(
    readonly deadline: number,
    readonly statuses: readonly ProducePartitionStatus[],
    private readonly check: ReplicationCheck,
    private readonly respond: (statuses: readonly ProducePartitionStatus[]) => void,
  ) {}

  tryComplete(): boolean {
    let pending = false;
    for (const s of this.statuses) {
      if (!s.acksPending) continue;
      const code = this.check(s.tp, s.requiredOffset);
      if (code === null) {
        pending = true;
      } else {
        s.acksPending = false;
        s.errorCode = code;
      }
    }
    return !pending;
  }

  onExpire(): void {
    for (const s of this.statuses) {
      if (s.acksPending) {
        s.acksPending = false;
        s.errorCode = ErrorCode.RequestTimedOut;
      }
    }
  }

  onComplete(): void {
    this.respond(this.statuses);
  }
}
