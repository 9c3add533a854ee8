/**
 * DescribeLogDirs (key 35), v0–v2; v2 is flexible (Kafka 2.7 DescribeLogDirsRequest/
 * Response.json).
 *
 * Who sends it: none of kafkajs 2.2.4, librdkafka 2.0.2 or kafka-python 2.0.2 (protocol.md
 * §2.4); Kafka's kafka-log-dirs.sh and the Java admin client do. Sent to each broker.
 *
 * Traps:
 * - `topics` null = every partition in every log directory.
 * - `offsetLag` is LEO − HW for a current log, or the lag behind the current log for a future
 *   (AlterReplicaLogDirs) one, flagged by `isFutureKey`.
 * - The top-level response `errorCode` is v3 (Kafka 3.0); not here.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const DescribeLogDirsRequest = message(
  { apiKey: ApiKey.DescribeLogDirs, name: 'DescribeLogDirsRequest', versions: [0, 2], flexibleSince: 2 },
  {
    topics: t.structs(
      {
        topic: t.string(),
        partitionIndex: t.array(t.int32()),
      },
      { nullable: true },
    ),
  },
);

export const DescribeLogDirsResponse = message(
  { apiKey: ApiKey.DescribeLogDirs, name: 'DescribeLogDirsResponse', versions: [0, 2], flexibleSince: 2 },
  {
    throttleTimeMs: t.int32(),
    results: t.structs({
      errorCode: t.int16(),
      logDir: t.string(),
      topics: t.structs({
        name: t.string(),
        partitions: t.structs({
          partitionIndex: t.int32(),
          partitionSize: t.int64(),
          offsetLag: t.int64(),
          isFutureKey: t.bool(),
        }),
      }),
    }),
  },
);
