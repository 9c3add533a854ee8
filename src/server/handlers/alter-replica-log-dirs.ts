/**
 * AlterReplicaLogDirs (key 34), versions 0–1.
 * Behaviour (Kafka 2.7 KafkaApis.handleAlterReplicaLogDirsRequest + ReplicaManager.alterReplicaLogDirs):
 * every (destination dir, partition) of the request is answered per partition, grouped by topic:
 * LOG_DIR_NOT_FOUND for a dir that is not one of log.dirs, KAFKA_STORAGE_ERROR for an offline dir (or while
 * any dir is offline), NOT_LEADER_OR_FOLLOWER for a partition without a log here (its log will be created in
 * that dir), else NONE: the replica is copied to a `-future` log in the destination and swapped in when
 * caught up (src/cluster/replica-alter-log-dirs.ts). DescribeLogDirs shows the future log meanwhile.
 * ALTER on the cluster is required first (CLUSTER_AUTHORIZATION_FAILED on every partition).
 * Deviations from Kafka: no replica.alter.log.dirs.io.max.bytes.per.second throttle.
 */
import { AclOperation } from '../../common/acl.js';
import type { ReplicaManager } from '../../cluster/replica-manager.js';
import { AlterReplicaLogDirsRequest, AlterReplicaLogDirsResponse } from '../../protocol/messages/alter-replica-log-dirs.js';
import { defineHandler, type Handler } from '../handler.js';

export function createAlterReplicaLogDirsHandler(replicaManager: ReplicaManager): Handler {
  return defineHandler({
    request: AlterReplicaLogDirsRequest,
    response: AlterReplicaLogDirsResponse,
    versions: { min: 0, max: 1 },
    handle(req, ctx) {
      ctx.requireClusterOperation(AclOperation.Alter);
      const requests = req.dirs.flatMap((d) => d.topics.flatMap((t) => t.partitions.map((partition) => ({ tp: { topic: t.name, partition }, dir: d.path }))));
      const codes = replicaManager.alterReplicaLogDirs(requests);
      const byTopic = new Map<string, Array<{ partitionIndex: number; errorCode: number }>>();
      requests.forEach((r, i) => {
        byTopic.set(r.tp.topic, [...(byTopic.get(r.tp.topic) ?? []), { partitionIndex: r.tp.partition, errorCode: codes[i] ?? 0 }]);
      });
      return { throttleTimeMs: 0, results: [...byTopic].map(([topicName, partitions]) => ({ topicName, partitions })) };
    },
    errorResponse: (req, code) => ({
      throttleTimeMs: 0,
      results: req.dirs.flatMap((d) => d.topics.map((t) => ({ topicName: t.name, partitions: t.partitions.map((partitionIndex) => ({ partitionIndex, errorCode: code })) }))),
    }),
  });
}
