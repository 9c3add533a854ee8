/**
 * WriteTxnMarkers (key 27), version 0 (Kafka 2.7; transactions-and-compaction.md §2.9). Sent by a
 * transaction coordinator to each partition leader a transaction touched; no client sends it.
 * Behavior, per marker and partition (cluster/txn-markers.ts): UNKNOWN_TOPIC_OR_PARTITION without a
 * local log; else the COMMIT/ABORT control batch is appended with acks = -1 and the answer waits for
 * replication — NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT (request.timeout.ms),
 * INVALID_PRODUCER_EPOCH (marker epoch below the partition's), TRANSACTION_COORDINATOR_FENCED (coordinator
 * epoch below the last marker's), or what the topic's TxnMarkerListener answers (`__consumer_offsets`).
 * Errors are per partition, grouped by topic in request order. CLUSTER_ACTION is required
 * (CLUSTER_AUTHORIZATION_FAILED on every partition), as for every inter-broker request.
 */
import { AclOperation } from '../../common/acl.js';
import { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../../protocol/messages/write-txn-markers.js';
import type { ReplicaManager } from '../../cluster/replica-manager.js';
import { writeTxnMarker } from '../../cluster/txn-markers.js';
import type { BrokerDeps } from '../broker-deps.js';
import { defineHandler, type Handler } from '../handler.js';

export function createWriteTxnMarkersHandler(deps: BrokerDeps, replicaManager: ReplicaManager): Handler {
  const timeoutMs = deps.config.values['request.timeout.ms'];
  return defineHandler({
    request: WriteTxnMarkersRequest,
    response: WriteTxnMarkersResponse,
    versions: { min: 0, max: 0 },
    async handle(req, ctx) {
      ctx.requireClusterOperation(AclOperation.ClusterAction);
      const now = deps.clock.now();
      const markers = await Promise.all(
        req.markers.map(async (m) => {
          const partitions = m.topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
          const marker = { producerId: m.producerId, producerEpoch: m.producerEpoch, committed: m.transactionResult, coordinatorEpoch: m.coordinatorEpoch, partitions };
          const results = await writeTxnMarker(replicaManager, marker, timeoutMs, now, ctx.log);
          let i = 0;
          return {
            producerId: m.producerId,
            topics: m.topics.map((t) => ({
              name: t.name,
              partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode: results[i++]!.errorCode })),
            })),
          };
        }),
      );
      return { markers };
    },
    errorResponse: (req, code) => ({
      markers: req.markers.map((m) => ({
        producerId: m.producerId,
        topics: m.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode: code })) })),
      })),
    }),
  });
}
