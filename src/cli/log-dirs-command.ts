/**
 * `gregor log-dirs --describe [--broker-list 0,1] [--topic-list a,b]`: Kafka 2.7's kafka-log-dirs.sh
 * (LogDirsCommand): DescribeLogDirs to each broker, then
 *
 *   Querying brokers for log directories information
 *   Received log directory information from brokers 0,1,2
 *   {"version":1,"brokers":[{"broker":0,"logDirs":[{"logDir":"/data","error":null,"partitions":[{"partition":"foo-0","size":1234,"offsetLag":0,"isFuture":false}]}]}]}
 *
 * with the JSON's maps in java.util.HashMap order (brokers by id, log dirs and partitions by their
 * Java hash codes), as Kafka's Jackson encoding of those maps prints them. A replica being moved
 * between dirs shows a second entry with isFuture true in its destination dir.
 */
import { DescribeLogDirsRequest, DescribeLogDirsResponse } from '../protocol/messages/describe-log-dirs.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { KafkaClient } from '../client/kafka-client.js';
import { adminClient, javaHashMapOrder, runTool, topicPartitionHash, UsageError, type ToolIo } from './tool-runtime.js';

export interface LogDirsOptions {
  bootstrapServer?: string;
  /** --command-config: client properties (security.protocol, ssl.*, sasl.*) for --bootstrap-server */
  commandConfig?: string;
  describe?: boolean;
  brokerList?: string;
  topicList?: string;
}

export interface ReplicaLogDirInfo {
  topic: string;
  partition: number;
  size: number;
  offsetLag: number;
  isFuture: boolean;
}

/** broker → log dir → (error code, replicas) */
export async function describeLogDirs(client: KafkaClient, brokers: readonly number[]): Promise<Map<number, Map<string, { errorCode: number; replicas: ReplicaLogDirInfo[] }>>> {
  const out = new Map<number, Map<string, { errorCode: number; replicas: ReplicaLogDirInfo[] }>>();
  await Promise.all(
    brokers.map(async (id) => {
      const res = await client.send({ request: DescribeLogDirsRequest, response: DescribeLogDirsResponse }, id, { topics: null }, { call: 'describeLogDirs' });
      const dirs = new Map<string, { errorCode: number; replicas: ReplicaLogDirInfo[] }>();
      for (const r of res.results) {
        dirs.set(r.logDir, {
          errorCode: r.errorCode,
          replicas: r.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, size: p.partitionSize, offsetLag: p.offsetLag, isFuture: p.isFutureKey }))),
        });
      }
      out.set(id, dirs);
    }),
  );
  return out;
}

export async function runLogDirs(o: LogDirsOptions, io: ToolIo): Promise<number> {
  return runTool(io, '', async () => {
    if (!o.describe) throw new UsageError('Missing required argument "[describe]"');
    const client = adminClient(o, 'gregor-log-dirs');
    try {
      const all = (await client.metadata([], 'describeCluster')).brokers.map((b) => b.id);
      const brokers = o.brokerList ? o.brokerList.split(',').map((s) => Number(s.trim())) : all;
      const topics = new Set((o.topicList ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''));
      io.out('Querying brokers for log directories information\n');
      const info = await describeLogDirs(client, brokers);
      io.out(`Received log directory information from brokers ${brokers.join(',')}\n`);
      const json = {
        version: 1,
        brokers: javaHashMapOrder([...info.keys()], 16, (id) => id).map((broker) => {
          const dirs = info.get(broker) as Map<string, { errorCode: number; replicas: ReplicaLogDirInfo[] }>;
          return {
            broker,
            logDirs: javaHashMapOrder([...dirs.keys()], 16).map((logDir) => {
              const d = dirs.get(logDir) as { errorCode: number; replicas: ReplicaLogDirInfo[] };
              const replicas = d.replicas.filter((r) => topics.size === 0 || topics.has(r.topic));
              return {
                logDir,
                error: d.errorCode === ErrorCode.None ? null : d.errorCode === ErrorCode.KafkaStorageError ? 'org.apache.kafka.common.errors.KafkaStorageException' : `error code ${d.errorCode}`,
                partitions: javaHashMapOrder(replicas, 16, topicPartitionHash).map((r) => ({ partition: `${r.topic}-${r.partition}`, size: r.size, offsetLag: r.offsetLag, isFuture: r.isFuture })),
              };
            }),
          };
        }),
      };
      io.out(`${JSON.stringify(json)}\n`);
    } finally {
      await client.close();
    }
  });
}
