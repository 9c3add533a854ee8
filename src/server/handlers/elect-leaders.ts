/**
 * ElectLeaders (key 43), versions 0–2 (v0 = ElectPreferredLeaders, preferred only; KIP-183/KIP-460).
 * Behaviour (Kafka 2.7 KafkaApis.handleElectReplicaLeader + ReplicaManager.electLeaders):
 * - `electionType` 0 = PREFERRED, 1 = UNCLEAN (v1+); any other value → INVALID_REQUEST;
 * - `topicPartitions` null = every partition; the answer then leaves out ELECTION_NOT_NEEDED results;
 * - per-partition results: NONE (elected), ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE,
 *   ELIGIBLE_LEADERS_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION, INVALID_TOPIC_EXCEPTION (topic being deleted);
 * - on a broker that is not the controller every requested partition gets NOT_CONTROLLER (with null
 *   `topicPartitions`: every partition in this broker's metadata cache), top-level NONE, as Kafka does;
 * - a failure of the whole election (the controller moved meanwhile) is the top-level error (v1+) and
 *   every requested partition's error.
 * Deviation: no DelayedElectLeader wait; the answer goes out once the controller has written the new
 * leaders to ZooKeeper (brokers learn them by LeaderAndIsr/UpdateMetadata right after). `timeoutMs` is
 * not used.
 * Authorization: ALTER on the cluster, else CLUSTER_AUTHORIZATION_FAILED at the top level and for
 * every requested partition.
 */
import { toErrorCode } from '../../common/errors.js';
import { tpKey, type TopicPartition } from '../../common/topic-partition.js';
import type { KafkaController } from '../../controller/controller.js';
import { ElectionType, type PartitionElectionResult } from '../../controller/events.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { ElectLeadersRequest, ElectLeadersResponse } from '../../protocol/messages/elect-leaders.js';
import type { BrokerDeps } from '../broker-deps.js';
import { defineHandler, type Handler } from '../handler.js';
import { AclOperation, AclResourceType, CLUSTER_NAME } from '../../common/acl.js';

const NOT_CONTROLLER_MESSAGE = 'This is not the correct controller for this cluster.';

type TopicResults = {
  topic: string;
  partitionResult: Array<{ partitionId: number; errorCode: number; errorMessage: string | null }>;
};

function groupResults(results: readonly PartitionElectionResult[]): TopicResults[] {
  const byTopic = new Map<string, TopicResults>();
  for (const r of results) {
    let t = byTopic.get(r.tp.topic);
    if (!t) {
      t = { topic: r.tp.topic, partitionResult: [] };
      byTopic.set(r.tp.topic, t);
    }
    t.partitionResult.push({ partitionId: r.tp.partition, errorCode: r.errorCode, errorMessage: r.errorMessage });
  }
  return [...byTopic.values()];
}

export function createElectLeadersHandler(deps: BrokerDeps, controller: KafkaController): Handler {
  const log = deps.log.child({ component: 'elect-leaders' });

  function requested(topicPartitions: ReadonlyArray<{ topic: string; partitions: number[] }> | null): TopicPartition[] | null {
    if (topicPartitions === null) return null;
    const seen = new Map<string, TopicPartition>();
    for (const t of topicPartitions) for (const partition of t.partitions) seen.set(tpKey({ topic: t.topic, partition }), { topic: t.topic, partition });
    return [...seen.values()];
  }

  function cachedPartitions(): TopicPartition[] {
    return deps.metadataCache
      .topicNames()
      .flatMap((topic) => deps.metadataCache.partitions(topic).map((p) => ({ topic, partition: p.partition })));
  }

  return defineHandler({
    request: ElectLeadersRequest,
    response: ElectLeadersResponse,
    versions: { min: 0, max: 2 },
    async handle(req, ctx) {
      const partitions = requested(req.topicPartitions);
      const answer = (errorCode: number, results: readonly PartitionElectionResult[]) => ({
        throttleTimeMs: 0,
        errorCode,
        replicaElectionResults: groupResults(results),
      });
      const allWith = (code: number, message: string | null) =>
        (partitions ?? []).map((tp) => ({ tp, errorCode: code, errorMessage: message }));

      if (!ctx.authorize(AclOperation.Alter, AclResourceType.Cluster, CLUSTER_NAME)) {
        return answer(ErrorCode.ClusterAuthorizationFailed, allWith(ErrorCode.ClusterAuthorizationFailed, null));
      }
      if (req.electionType !== ElectionType.Preferred && req.electionType !== ElectionType.Unclean) {
        return answer(ErrorCode.InvalidRequest, allWith(ErrorCode.InvalidRequest, `Unknown election type ${req.electionType}`));
      }
      if (!controller.isActive) {
        const tps = partitions ?? cachedPartitions();
        return answer(ErrorCode.None, tps.map((tp) => ({ tp, errorCode: ErrorCode.NotController, errorMessage: NOT_CONTROLLER_MESSAGE })));
      }
      try {
        const results = await controller.electLeaders(req.electionType, partitions);
        log.info(
          { electionType: req.electionType, all: partitions === null, elected: results.filter((r) => r.errorCode === ErrorCode.None).length },
          'leader election request answered',
        );
        return answer(
          ErrorCode.None,
          partitions === null ? results.filter((r) => r.errorCode !== ErrorCode.ElectionNotNeeded) : results,
        );
      } catch (err) {
        const code = toErrorCode(err, log);
        return answer(code, allWith(code, err instanceof Error ? err.message : null));
      }
    },
    errorResponse: (req, code) => ({
      throttleTimeMs: 0,
      errorCode: code,
      replicaElectionResults: (req.topicPartitions ?? []).map((t) => ({
        topic: t.topic,
        partitionResult: t.partitions.map((partitionId) => ({ partitionId, errorCode: code, errorMessage: null })),
      })),
    }),
  });
}
