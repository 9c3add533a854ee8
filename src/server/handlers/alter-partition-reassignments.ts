/**
 * AlterPartitionReassignments (key 45), version 0 (flexible; KIP-455). Behaviour (Kafka 2.7
 * KafkaApis.handleAlterPartitionReassignmentsRequest + KafkaController.processApiPartitionReassignment):
 * - each partition's `replicas` is the target replica list; null cancels the pending reassignment;
 * - per-partition errors: INVALID_REPLICA_ASSIGNMENT (empty, duplicates, negative ids, new replicas on
 *   brokers that are not alive), NO_REASSIGNMENT_IN_PROGRESS (cancel of nothing),
 *   UNKNOWN_TOPIC_OR_PARTITION (no such partition, or its topic is being deleted);
 * - answered once the controller has started (or completed) the reassignments;
 * - on a broker that is not the controller: top-level NOT_CONTROLLER with its message, no partitions.
 * Authorization: ALTER on the cluster, else CLUSTER_AUTHORIZATION_FAILED (top level).
 * Deviation: `timeoutMs` is not used (Kafka does not wait either).
 */
import { toErrorCode } from '../../common/errors.js';
import type { KafkaController } from '../../controller/controller.js';
import { REASSIGNMENT_ERROR_MESSAGES, type PartitionReassignmentResult } from '../../controller/partition-reassignment.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import {
  AlterPartitionReassignmentsRequest,
  AlterPartitionReassignmentsResponse,
} from '../../protocol/messages/alter-partition-reassignments.js';
import type { BrokerDeps } from '../broker-deps.js';
import { defineHandler, type Handler } from '../handler.js';
import { AclOperation } from '../../common/acl.js';

function topLevel(errorCode: number, errorMessage: string | null) {
  return { throttleTimeMs: 0, errorCode, errorMessage, responses: [] };
}

function groupResults(results: readonly PartitionReassignmentResult[]) {
  const byTopic = new Map<string, { name: string; partitions: Array<{ partitionIndex: number; errorCode: number; errorMessage: string | null }> }>();
  for (const r of results) {
    let t = byTopic.get(r.tp.topic);
    if (!t) {
      t = { name: r.tp.topic, partitions: [] };
      byTopic.set(r.tp.topic, t);
    }
    t.partitions.push({ partitionIndex: r.tp.partition, errorCode: r.errorCode, errorMessage: r.errorMessage });
  }
  return [...byTopic.values()];
}

export function createAlterPartitionReassignmentsHandler(deps: BrokerDeps, controller: KafkaController): Handler {
  const log = deps.log.child({ component: 'alter-partition-reassignments' });
  return defineHandler({
    request: AlterPartitionReassignmentsRequest,
    response: AlterPartitionReassignmentsResponse,
    versions: { min: 0, max: 0 },
    async handle(req, ctx) {
      ctx.requireClusterOperation(AclOperation.Alter);
      if (!controller.isActive) return topLevel(ErrorCode.NotController, REASSIGNMENT_ERROR_MESSAGES.notController);
      const reassignments = req.topics.flatMap((t) =>
        t.partitions.map((p) => ({ tp: { topic: t.name, partition: p.partitionIndex }, targetReplicas: p.replicas })),
      );
      try {
        const results = await controller.alterPartitionReassignments(reassignments);
        log.info(
          { partitions: results.map((r) => ({ tp: `${r.tp.topic}-${r.tp.partition}`, errorCode: r.errorCode })) },
          'partition reassignment request answered',
        );
        return { throttleTimeMs: 0, errorCode: ErrorCode.None, errorMessage: null, responses: groupResults(results) };
      } catch (err) {
        const code = toErrorCode(err, log);
        return topLevel(code, code === ErrorCode.NotController ? REASSIGNMENT_ERROR_MESSAGES.notController : null);
      }
    },
    errorResponse: (_req, code) => topLevel(code, null),
  });
}
