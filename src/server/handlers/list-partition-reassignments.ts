/**
 * ListPartitionReassignments (key 46), version 0 (flexible; KIP-455). Behaviour (Kafka 2.7
 * KafkaApis.handleListPartitionReassignmentsRequest + KafkaController.processListPartitionReassignments):
 * - `topics` null lists every ongoing reassignment; otherwise only the named partitions that are being
 *   reassigned (unknown or idle ones are simply left out);
 * - each entry carries the full replica set (target replicas followed by the original ones still there)
 *   and the adding/removing replicas;
 * - on a broker that is not the controller: top-level NOT_CONTROLLER with its message.
 * Authorization: DESCRIBE on the cluster, else CLUSTER_AUTHORIZATION_FAILED (top level).
 */
import { toErrorCode } from '../../common/errors.js';
import type { TopicPartition } from '../../common/topic-partition.js';
import type { KafkaController } from '../../controller/controller.js';
import { REASSIGNMENT_ERROR_MESSAGES, type OngoingReassignment } from '../../controller/partition-reassignment.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import {
  ListPartitionReassignmentsRequest,
  ListPartitionReassignmentsResponse,
} from '../../protocol/messages/list-partition-reassignments.js';
import type { BrokerDeps } from '../broker-deps.js';
import { defineHandler, type Handler } from '../handler.js';
import { AclOperation } from '../../common/acl.js';

function topLevel(errorCode: number, errorMessage: string | null) {
  return { throttleTimeMs: 0, errorCode, errorMessage, topics: [] };
}

function groupOngoing(list: readonly OngoingReassignment[]) {
  type Entry = { partitionIndex: number; replicas: number[]; addingReplicas: number[]; removingReplicas: number[] };
  const byTopic = new Map<string, { name: string; partitions: Entry[] }>();
  for (const r of list) {
    let t = byTopic.get(r.tp.topic);
    if (!t) {
      t = { name: r.tp.topic, partitions: [] };
      byTopic.set(r.tp.topic, t);
    }
    t.partitions.push({
      partitionIndex: r.tp.partition,
      replicas: r.replicas,
      addingReplicas: r.addingReplicas,
      removingReplicas: r.removingReplicas,
    });
  }
  return [...byTopic.values()];
}

export function createListPartitionReassignmentsHandler(deps: BrokerDeps, controller: KafkaController): Handler {
  const log = deps.log.child({ component: 'list-partition-reassignments' });
  return defineHandler({
    request: ListPartitionReassignmentsRequest,
    response: ListPartitionReassignmentsResponse,
    versions: { min: 0, max: 0 },
    async handle(req, ctx) {
      ctx.requireClusterOperation(AclOperation.Describe);
      if (!controller.isActive) return topLevel(ErrorCode.NotController, REASSIGNMENT_ERROR_MESSAGES.notController);
      const partitions: TopicPartition[] | null =
        req.topics === null ? null : req.topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
      try {
        const ongoing = await controller.listPartitionReassignments(partitions);
        return { throttleTimeMs: 0, errorCode: ErrorCode.None, errorMessage: null, topics: groupOngoing(ongoing) };
      } catch (err) {
        const code = toErrorCode(err, log);
        return topLevel(code, code === ErrorCode.NotController ? REASSIGNMENT_ERROR_MESSAGES.notController : null);
      }
    },
    errorResponse: (_req, code) => topLevel(code, null),
  });
}
