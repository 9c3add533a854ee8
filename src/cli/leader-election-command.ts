/**
 * `gregor leader-election`: Kafka 2.7's kafka-leader-election.sh (LeaderElectionCommand) — ElectLeaders
 * to the controller for `--all-topic-partitions`, `--topic t --partition p`, or the partitions of
 * `--path-to-json-file` (`{"partitions":[{"topic":"foo","partition":1}]}`), `--election-type
 * preferred|unclean`. Prints 2.7's lines:
 *
 *   Successfully completed leader election (PREFERRED) for partitions foo-0, foo-1
 *   Valid replica already elected for partitions bar-0
 *   Error completing leader election (PREFERRED) for partition: baz-0: org.apache.kafka.common.errors.…Exception: …
 *
 * and exits 1 when a partition failed (`N replica(s) could not be elected` on stderr).
 */
import { readFile } from 'node:fs/promises';
import { ApiError } from '../client/errors.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { ElectLeadersRequest, ElectLeadersResponse } from '../protocol/messages/elect-leaders.js';
import { adminClient, runTool, UsageError, type ToolIo } from './tool-runtime.js';

export interface LeaderElectionOptions {
  bootstrapServer?: string;
  /** --command-config: client properties (security.protocol, ssl.*, sasl.*) for --bootstrap-server */
  commandConfig?: string;
  electionType?: string;
  allTopicPartitions?: boolean;
  topic?: string;
  partition?: number;
  pathToJsonFile?: string;
}

const EXCEPTIONS: Partial<Record<number, string>> = {
  [ErrorCode.PreferredLeaderNotAvailable]: 'PreferredLeaderNotAvailableException',
  [ErrorCode.EligibleLeadersNotAvailable]: 'EligibleLeadersNotAvailableException',
  [ErrorCode.UnknownTopicOrPartition]: 'UnknownTopicOrPartitionException',
  [ErrorCode.InvalidTopicException]: 'InvalidTopicException',
  [ErrorCode.NotController]: 'NotControllerException',
};

/** `{"partitions":[{"topic":"foo","partition":1}]}` (the preferred-replica-election JSON). */
export function parseElectionJson(text: string): Array<{ topic: string; partition: number }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`Unable to parse the partitions JSON: ${(err as Error).message}`);
  }
  const list = (parsed as { partitions?: unknown })?.partitions;
  if (!Array.isArray(list)) throw new Error('Replica election data is missing "partitions" field');
  const out = list.map((e: { topic?: unknown; partition?: unknown }) => {
    if (typeof e?.topic !== 'string' || !Number.isInteger(e?.partition)) throw new Error(`Invalid partition entry ${JSON.stringify(e)}`);
    return { topic: e.topic, partition: e.partition as number };
  });
  const keys = out.map((p) => `${p.topic}-${p.partition}`);
  const dupes = keys.filter((k, i) => keys.indexOf(k) !== i);
  if (dupes.length > 0) throw new Error(`Replica election data contains duplicate partitions: ${[...new Set(dupes)].join(',')}`);
  return out;
}

export async function runLeaderElection(o: LeaderElectionOptions, io: ToolIo): Promise<number> {
  return runTool(io, 'Error while making request: ', async () => {
    const type = (o.electionType ?? '').toUpperCase();
    if (type !== 'PREFERRED' && type !== 'UNCLEAN') throw new UsageError('Missing required option(s) [election-type] or it is not one of PREFERRED, UNCLEAN');
    const scopes = [o.allTopicPartitions, o.topic !== undefined, o.pathToJsonFile !== undefined].filter(Boolean).length;
    if (scopes !== 1) throw new UsageError('One and only one of the following options is required: all-topic-partitions, topic, path-to-json-file');
    if (o.topic !== undefined && o.partition === undefined) throw new UsageError('Missing required option(s) [partition]');
    const partitions = o.allTopicPartitions
      ? null
      : o.pathToJsonFile
        ? parseElectionJson(await readFile(o.pathToJsonFile, 'utf8'))
        : [{ topic: o.topic as string, partition: o.partition as number }];
    const byTopic = new Map<string, number[]>();
    for (const p of partitions ?? []) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    const client = adminClient(o, 'gregor-leader-election');
    try {
      const res = await client.send({ request: ElectLeadersRequest, response: ElectLeadersResponse }, 'controller', {
        electionType: type === 'PREFERRED' ? 0 : 1,
        topicPartitions: partitions === null ? null : [...byTopic].map(([topic, ps]) => ({ topic, partitions: ps })),
        timeoutMs: client.timeoutMs,
      }, { call: 'electLeaders', minVersion: type === 'UNCLEAN' ? 1 : 0 });
      if (res.errorCode !== ErrorCode.None) throw new ApiError(res.errorCode);
      const succeeded: string[] = [];
      const noop: string[] = [];
      const failed: Array<[string, string]> = [];
      for (const t of res.replicaElectionResults) {
        for (const p of t.partitionResult) {
          const tp = `${t.topic}-${p.partitionId}`;
          if (p.errorCode === ErrorCode.None) succeeded.push(tp);
          else if (p.errorCode === ErrorCode.ElectionNotNeeded) noop.push(tp);
          else {
            const e = new ApiError(p.errorCode, p.errorMessage);
            failed.push([tp, `org.apache.kafka.common.errors.${EXCEPTIONS[p.errorCode] ?? 'ApiException'}: ${e.message}`]);
          }
        }
      }
      const sort = (xs: string[]) => xs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      if (succeeded.length > 0) io.out(`Successfully completed leader election (${type}) for partitions ${sort(succeeded).join(', ')}\n`);
      if (noop.length > 0) io.out(`Valid replica already elected for partitions ${sort(noop).join(', ')}\n`);
      for (const [tp, e] of failed.sort()) io.out(`Error completing leader election (${type}) for partition: ${tp}: ${e}\n`);
      if (failed.length > 0) throw new Error(`${failed.length} replica(s) could not be elected`);
    } finally {
      await client.close();
    }
  });
}
