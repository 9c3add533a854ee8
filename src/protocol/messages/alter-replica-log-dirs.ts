/**
 * AlterReplicaLogDirs (key 34), v0–v1 (Kafka 2.7 AlterReplicaLogDirsRequest/Response.json; v1 only
 * changes the throttling behaviour; v2, flexible, is Kafka 2.8).
 *
 * Who sends it: Kafka's kafka-reassign-partitions.sh (`log_dirs` in the reassignment JSON) and the
 * Java/kafka-python admin clients. Sent to the broker that hosts the replica.
 *
 * Traps:
 * - the request groups by destination directory (an absolute path), the response by topic;
 * - a partition whose log does not exist on the broker yet answers NOT_LEADER_OR_FOLLOWER (the
 *   destination is remembered for when the log gets created).
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const AlterReplicaLogDirsRequest = message(
  { apiKey: ApiKey.AlterReplicaLogDirs, name: 'AlterReplicaLogDirsRequest', versions: [0, 1] },
  {
    dirs: t.structs({
      path: t.string(),
      topics: t.structs({
        name: t.string(),
        partitions: t.array(t.int32()),
      }),
    }),
  },
);

export const AlterReplicaLogDirsResponse = message(
  { apiKey: ApiKey.AlterReplicaLogDirs, name: 'AlterReplicaLogDirsResponse', versions: [0, 1] },
  {
    throttleTimeMs: t.int32(),
    results: t.structs({
      topicName: t.string(),
      partitions: t.structs({
        partitionIndex: t.int32(),
        errorCode: t.int16(),
      }),
    }),
  },
);
