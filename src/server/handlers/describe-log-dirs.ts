/**
 * DescribeLogDirs (key 35), versions 0–2.
 * Behaviour (Kafka 2.7 KafkaApis.handleDescribeLogDirsRequest + ReplicaManager.describeLogDirs):
 * - one result per configured log directory (absolute path): live directories first, then the
 *   offline ones, which answer KAFKA_STORAGE_ERROR with no topics;
 * - `topics` null = every partition this broker has a log for; otherwise only the partitions
 *   named (a partition without a log here is simply absent);
 * - per partition: partitionSize = the log's bytes, offsetLag = max(HW − LEO, 0), which is 0 for
 *   every current log (Kafka's own formula), isFutureKey false; a replica being moved
 *   (AlterReplicaLogDirs) is listed a second time in its destination dir with isFutureKey true and
 *   offsetLag = the current log's LEO − the future log's LEO;
 * - as in Kafka, a topic with logs in a directory is listed there even when none of its partitions
 *   was asked for (with an empty partition list).
 * - authorization: without DESCRIBE on the cluster the answer is an empty result list (as Kafka).
 */
import { dirname } from 'node:path';
import { tpKey } from '../../common/topic-partition.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { DescribeLogDirsRequest, DescribeLogDirsResponse } from '../../protocol/messages/describe-log-dirs.js';
import type { Log } from '../../log/log.js';
import type { BrokerDeps } from '../broker-deps.js';
import { defineHandler, type Handler } from '../handler.js';
import { AclOperation, AclResourceType, CLUSTER_NAME } from '../../common/acl.js';

interface PartitionEntry {
  partitionIndex: number;
  partitionSize: number;
  offsetLag: number;
  isFutureKey: boolean;
}

export function createDescribeLogDirsHandler(deps: BrokerDeps): Handler {
  function topicsOf(logs: ReadonlyArray<{ log: Log; future: boolean }>, wanted: ReadonlySet<string> | null) {
    const byTopic = new Map<string, PartitionEntry[]>();
    for (const { log, future } of logs) {
      let entries = byTopic.get(log.tp.topic);
      if (!entries) byTopic.set(log.tp.topic, (entries = []));
      if (wanted && !wanted.has(tpKey(log.tp))) continue;
      const offsetLag = future ? Math.max((deps.logManager.getLog(log.tp)?.logEndOffset ?? 0) - log.logEndOffset, 0) : 0;
      entries.push({ partitionIndex: log.tp.partition, partitionSize: log.size, offsetLag, isFutureKey: future });
    }
    return [...byTopic]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, partitions]) => ({ name, partitions: partitions.sort((a, b) => a.partitionIndex - b.partitionIndex) }));
  }

  return defineHandler({
    request: DescribeLogDirsRequest,
    response: DescribeLogDirsResponse,
    versions: { min: 0, max: 2 },
    handle(req, ctx) {
      if (!ctx.authorize(AclOperation.Describe, AclResourceType.Cluster, CLUSTER_NAME)) return { throttleTimeMs: 0, results: [] };
      const wanted =
        req.topics === null ? null : new Set(req.topics.flatMap((t) => t.partitionIndex.map((p) => tpKey({ topic: t.topic, partition: p }))));
      const logsByDir = new Map<string, Array<{ log: Log; future: boolean }>>();
      const add = (log: Log, future: boolean) => {
        const dir = dirname(log.dir);
        logsByDir.set(dir, [...(logsByDir.get(dir) ?? []), { log, future }]);
      };
      for (const log of deps.logManager.allLogs) add(log, false);
      for (const log of deps.logManager.allFutureLogs) add(log, true);
      const live = deps.logManager.liveLogDirs.map((logDir) => ({
        errorCode: ErrorCode.None,
        logDir,
        topics: topicsOf(logsByDir.get(logDir) ?? [], wanted),
      }));
      const offline = deps.logManager.offlineLogDirs.map((logDir) => ({ errorCode: ErrorCode.KafkaStorageError, logDir, topics: [] }));
      return { throttleTimeMs: 0, results: [...live, ...offline] };
    },
    errorResponse: () => ({ throttleTimeMs: 0, results: [] }),
  });
}
