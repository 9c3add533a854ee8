/**
 * Registers Kafka 2.7's operator scripts as `gregor` subcommands (kafka-topics.sh → `gregor topics`,
 * ...), with Kafka's long option names. Each command's module is imported only when it runs.
 * Every action resolves with the exit code, which `exit` ends the process with.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { processIo, type ToolIo } from './tool-runtime.js';

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function integer(value: string): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`not an integer: ${value}`);
  return n;
}

const BOOTSTRAP = ['--bootstrap-server <servers>', 'REQUIRED (unless --zookeeper): the Kafka server(s) to connect to, host:port[,host:port...]'] as const;

export function registerKafkaTools(program: Command, exit: (code: number) => void, io: ToolIo = processIo): void {
  program
    .command('topics')
    .description('create, delete, describe, or change a topic (kafka-topics.sh)')
    .option(...BOOTSTRAP)
    .option('--zookeeper <connect>', 'DEPRECATED (pre-2.8 mode): talk to ZooKeeper directly, host:port[/chroot]')
    .option('--create', 'Create a new topic.')
    .option('--list', 'List all available topics.')
    .option('--describe', 'List details for the given topics.')
    .option('--alter', 'Alter the number of partitions (and, with --zookeeper, the configuration) of the topic.')
    .option('--delete', 'Delete a topic')
    .option('--topic <topic>', 'The topic to create, alter, describe or delete; a regular expression except for --create.')
    .option('--partitions <n>', 'The number of partitions for the topic being created or altered.', integer)
    .option('--replication-factor <n>', 'The replication factor for each partition in the topic being created.', integer)
    .option('--replica-assignment <list>', 'Manual partition-to-broker assignments: b1:b2,b2:b3,...')
    .option('--config <name=value>', 'A topic configuration override for the topic being created (repeatable).', collect)
    .option('--delete-config <name>', 'A topic configuration override to be removed (--zookeeper only).', collect)
    .option('--if-exists', 'Only alter, delete or describe the topic if it exists.')
    .option('--if-not-exists', 'Only create the topic if it does not already exist.')
    .option('--exclude-internal', 'Exclude internal topics when listing or describing.')
    .option('--under-replicated-partitions', 'When describing, only show under-replicated partitions.')
    .option('--unavailable-partitions', 'When describing, only show partitions whose leader is not available.')
    .option('--under-min-isr-partitions', 'When describing, only show partitions whose ISR is smaller than min.insync.replicas.')
    .option('--at-min-isr-partitions', 'When describing, only show partitions whose ISR size equals min.insync.replicas.')
    .option('--topics-with-overrides', 'When describing, only show topics that have overridden configs.')
    .option('--disable-rack-aware', 'Accepted for compatibility (placement is rack-aware when brokers have racks).')
    .option('--timeout-ms <ms>', 'How long to wait for the cluster to answer.', integer)
    .action(async (opts) => {
      const { runTopics } = await import('./topics-command.js');
      exit(await runTopics(opts, io));
    });
}
