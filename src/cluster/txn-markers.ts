/**
 * Writing transaction markers on a partition leader (Kafka 2.7 KafkaApis.handleWriteTxnMarkersRequest;
 * transactions-and-compaction.md §2.9–2.10, §2.16).
 *
 * For each marker, every partition:
 * - no local log → UNKNOWN_TOPIC_OR_PARTITION (not leader but hosted → NOT_LEADER_OR_FOLLOWER from the
 *   append);
 * - else a 78-byte control batch (COMMIT or ABORT, the marker's producer id/epoch, sequence -1, the
 *   coordinator epoch in the record, this broker's clock) is appended as a coordinator-origin append
 *   with acks = -1, internal topics allowed, waiting in the Produce purgatory up to request.timeout.ms:
 *   a lower producer epoch → INVALID_PRODUCER_EPOCH, an older coordinator epoch →
 *   TRANSACTION_COORDINATOR_FENCED, a short ISR → NOT_ENOUGH_REPLICAS, no replication in time →
 *   REQUEST_TIMED_OUT; nothing is written on an error;
 * - once the marker is replicated, a TxnMarkerListener registered for the partition's topic (the group
 *   coordinator for `__consumer_offsets`: commit → pending transactional offsets become committed,
 *   abort → dropped) is told, and its answer becomes the partition's result.
 * The markers of one request are written concurrently; the answer comes when all are done.
 */
import { toErrorCode } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { tpKey, type TopicPartition } from '../common/topic-partition.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { ControlRecordType } from '../protocol/records/control-record.js';
import { buildControlBatch } from '../protocol/records/record-batch-builder.js';
import type { ReplicaManager } from './replica-manager.js';

export interface WritableTxnMarker {
  readonly producerId: number;
  readonly producerEpoch: number;
  /** true = COMMIT, false = ABORT */
  readonly committed: boolean;
  readonly coordinatorEpoch: number;
  readonly partitions: readonly TopicPartition[];
}

export interface TxnMarkerEvent {
  readonly tp: TopicPartition;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  readonly committed: boolean;
}

/**
 * Told after a marker was written and replicated on a partition of the topic it is registered for;
 * its error code (NONE when done) is that partition's result, so a failure makes the transaction
 * coordinator retry the marker.
 */
export interface TxnMarkerListener {
  onTxnMarker(event: TxnMarkerEvent): ErrorCode | Promise<ErrorCode>;
}

export interface PartitionMarkerResult {
  readonly tp: TopicPartition;
  readonly errorCode: ErrorCode;
}

export async function writeTxnMarker(
  replicaManager: ReplicaManager,
  marker: WritableTxnMarker,
  timeoutMs: number,
  nowMs: number,
  log: Logger,
): Promise<PartitionMarkerResult[]> {
  const codes = new Map<string, ErrorCode>();
  const entries = [];
  const type = marker.committed ? ControlRecordType.Commit : ControlRecordType.Abort;
  for (const tp of marker.partitions) {
    if (!replicaManager.getPartition(tp)?.log) {
      codes.set(tpKey(tp), ErrorCode.UnknownTopicOrPartition);
      continue;
    }
    const records = buildControlBatch({
      type,
      producerId: marker.producerId,
      producerEpoch: marker.producerEpoch,
      coordinatorEpoch: marker.coordinatorEpoch,
      timestamp: nowMs,
    });
    entries.push({ tp, records });
  }
  if (entries.length > 0) {
    const appended = await replicaManager.appendRecords(entries, -1, timeoutMs, 'coordinator');
    await Promise.all(
      appended.map(async (r) => {
        let code = r.errorCode;
        const listener = replicaManager.txnMarkerListener(r.tp.topic);
        if (code === ErrorCode.None && listener) {
          const event = { tp: r.tp, producerId: marker.producerId, producerEpoch: marker.producerEpoch, coordinatorEpoch: marker.coordinatorEpoch, committed: marker.committed };
          try {
            code = await listener.onTxnMarker(event);
          } catch (err) {
            code = toErrorCode(err, log);
          }
        }
        codes.set(tpKey(r.tp), code);
      }),
    );
  }
  return marker.partitions.map((tp) => ({ tp, errorCode: codes.get(tpKey(tp)) ?? ErrorCode.UnknownServerError }));
}
