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
const COMMAND_CONFIG = ['--command-config <file>', 'A client properties file: security.protocol, ssl.* and sasl.* settings to reach a secure listener.'] as const;

export function registerKafkaTools(program: Command, exit: (code: number) => void, io: ToolIo = processIo): void {
  program
    .command('topics')
    .description('create, delete, describe, or change a topic (kafka-topics.sh)')
    .option(...BOOTSTRAP)
    .option(...COMMAND_CONFIG)
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

  program
    .command('consumer-groups')
    .description('list, describe, delete consumer groups, reset their offsets (kafka-consumer-groups.sh)')
    .option(...BOOTSTRAP)
    .option(...COMMAND_CONFIG)
    .option('--list', 'List all consumer groups.')
    .option('--describe', 'Describe consumer group(s): offsets and lag (default), --members or --state.')
    .option('--delete', 'Delete the given group(s) (they must have no active members).')
    .option('--reset-offsets', 'Reset the offsets of the group(s); a dry run unless --execute.')
    .option('--group <group>', 'The consumer group (repeatable).', collect)
    .option('--all-groups', 'Apply to all consumer groups.')
    .option('--offsets', 'With --describe: offsets and lag (the default).')
    .option('--members', 'With --describe: the members of the group.')
    .option('--verbose', 'With --describe --members: each member\'s assignment.')
    .option('--state', 'With --describe: the group\'s coordinator, assignor, state and member count.')
    .option('--topic <topic[:partitions]>', 'With --reset-offsets: a topic, or topic:0,1 (repeatable).', collect)
    .option('--all-topics', 'With --reset-offsets: every partition the group has an offset for.')
    .option('--to-earliest', 'Reset to the earliest offset.')
    .option('--to-latest', 'Reset to the latest offset (high watermark).')
    .option('--to-current', 'Reset to the current committed offset.')
    .option('--to-offset <offset>', 'Reset to this offset (clamped to the log).', integer)
    .option('--shift-by <n>', 'Shift the current offset by n (may be negative; clamped).', integer)
    .option('--to-datetime <datetime>', 'Reset to the first offset at or after YYYY-MM-DDTHH:mm:SS.sss[Z|±hh:mm].')
    .option('--by-duration <duration>', 'Reset to the offsets of now minus a duration, PnDTnHnMnS.')
    .option('--from-file <csv>', 'Reset to the offsets of a CSV file (topic,partition,offset or group,topic,partition,offset).')
    .option('--dry-run', 'Only show the result (the default).')
    .option('--execute', 'Commit the new offsets.')
    .option('--export', 'Print the result as CSV (for --from-file).')
    .option('--timeout <ms>', 'How long to wait for the cluster to answer.', integer)
    .action(async (opts) => {
      const { runConsumerGroups } = await import('./consumer-groups-command.js');
      exit(await runConsumerGroups(opts, io));
    });

  program
    .command('console-producer')
    .description('send stdin lines to a topic (kafka-console-producer.sh)')
    .option(...BOOTSTRAP)
    .option('--broker-list <servers>', 'DEPRECATED: same as --bootstrap-server')
    .option('--topic <topic>', 'REQUIRED: the topic to produce to.')
    .option('--property <name=value>', 'Line reader properties: parse.key, key.separator, ignore.error (repeatable).', collect)
    .option('--producer.config <file>', 'A producer properties file (its security.protocol, ssl.* and sasl.* settings are used).')
    .option('--producer-property <name=value>', 'Producer properties: acks, compression.type, linger.ms, request.timeout.ms, client.id (repeatable).', collect)
    .option('--request-required-acks <acks>', 'The required acks of the produce requests: -1/all, 0, 1 (default 1).')
    .option('--compression-codec [codec]', 'none, gzip (the default when given without a value), snappy, lz4 or zstd.')
    .option('--sync', 'Send each line as its own request and wait for it.')
    .option('--batch-size <n>', 'Lines sent together (default 200).', integer)
    .option('--timeout <ms>', 'How long a partial batch waits for more lines (linger.ms, default 1000).', integer)
    .option('--request-timeout-ms <ms>', 'The produce request timeout (default 1500).', integer)
    .action(async (opts) => {
      const { runConsoleProducer } = await import('./console-producer.js');
      exit(await runConsoleProducer({ ...opts, producerConfig: opts['producer.config'] }, io));
    });

  program
    .command('console-consumer')
    .description('print the records of a topic (kafka-console-consumer.sh)')
    .option(...BOOTSTRAP)
    .option('--topic <topic>', 'The topic to consume.')
    .option('--whitelist <regex>', 'A regular expression of the topics to consume.')
    .option('--group <group>', 'The consumer group (default console-consumer-<random>).')
    .option('--from-beginning', 'Start at the earliest offset when the group has no committed offset.')
    .option('--partition <n>', 'Consume only this partition (no group).', integer)
    .option('--offset <offset>', 'With --partition: earliest, latest (default) or an offset.')
    .option('--max-messages <n>', 'Exit after this many records.', integer)
    .option('--timeout-ms <ms>', 'Exit when no record came for this long.', integer)
    .option('--isolation-level <level>', 'read_committed or read_uncommitted (default).')
    .option('--property <name=value>', 'Formatter properties: print.timestamp, print.partition, print.offset, print.headers, print.key, print.value, key.separator, line.separator, headers.separator, null.literal (repeatable).', collect)
    .option('--consumer.config <file>', 'A consumer properties file (its security.protocol, ssl.* and sasl.* settings are used).')
    .option('--consumer-property <name=value>', 'Consumer properties: group.id, auto.offset.reset, enable.auto.commit, client.id (repeatable).', collect)
    .option('--skip-message-on-error', 'Accepted for compatibility.')
    .action(async (opts) => {
      const { runConsoleConsumer } = await import('./console-consumer.js');
      exit(await runConsoleConsumer({ ...opts, consumerConfig: opts['consumer.config'] }, io));
    });

  program
    .command('configs')
    .description('describe or alter topic, broker, broker-logger, user and client configs (kafka-configs.sh)')
    .option(...BOOTSTRAP)
    .option(...COMMAND_CONFIG)
    .option('--zookeeper <connect>', 'DEPRECATED (pre-2.8 mode): read and write /config/<type>/<name> directly')
    .option('--describe', 'List the configs of the entity.')
    .option('--all', 'With --describe: every config, not only the dynamic ones.')
    .option('--alter', 'Alter the configs of the entity.')
    .option('--entity-type <type>', 'topics, brokers, users, clients or broker-loggers.', collect)
    .option('--entity-name <name>', 'Name of the entity (topic name, broker id, user, client id).', collect)
    .option('--entity-default', 'The default entity (brokers: the cluster-wide dynamic defaults).')
    .option('--topic <topic>', 'Shortcut for --entity-type topics --entity-name <topic>.')
    .option('--broker <id>', 'Shortcut for --entity-type brokers --entity-name <id>.')
    .option('--broker-defaults', 'Shortcut for --entity-type brokers --entity-default.')
    .option('--broker-logger <id>', 'Shortcut for --entity-type broker-loggers --entity-name <id>.')
    .option('--user <user>', 'Shortcut for --entity-type users --entity-name <user>.')
    .option('--client <client>', 'Shortcut for --entity-type clients --entity-name <client>.')
    .option('--add-config <k=v,k2=[v1,v2]>', 'Configs to add or set; [] groups a list value.')
    .option('--add-config-file <file>', 'A properties file of configs to add.')
    .option('--delete-config <k1,k2>', 'Configs to remove.')
    .action(async (opts) => {
      const { runConfigs } = await import('./configs-command.js');
      exit(await runConfigs(opts, io));
    });

  program
    .command('reassign-partitions')
    .description('move partitions between brokers and replicas between log dirs (kafka-reassign-partitions.sh)')
    .option(...BOOTSTRAP)
    .option(...COMMAND_CONFIG)
    .option('--generate', 'Propose an assignment of --topics-to-move-json-file over --broker-list.')
    .option('--execute', 'Start the reassignment of --reassignment-json-file.')
    .option('--verify', 'Show the status of the reassignment of --reassignment-json-file; clears throttles when done.')
    .option('--topics-to-move-json-file <file>', '{"version":1,"topics":[{"topic":"foo"}]}')
    .option('--reassignment-json-file <file>', '{"version":1,"partitions":[{"topic":"foo","partition":0,"replicas":[1,2],"log_dirs":["any","/data/b"]}]}')
    .option('--broker-list <ids>', 'With --generate: the brokers to place replicas on, e.g. 0,1,2.')
    .option('--additional', 'With --execute: add to a reassignment already in progress.')
    .option('--throttle <bytes/s>', 'With --execute: store Kafka\'s replication throttle configs (not enforced by gregor).', integer)
    .option('--replica-alter-log-dirs-throttle <bytes/s>', 'With --execute: replica.alter.log.dirs.io.max.bytes.per.second (stored).', integer)
    .option('--timeout <ms>', 'With --execute: how long to retry starting log dir moves (default 10000).', integer)
    .option('--preserve-throttles', 'With --verify: do not clear the throttles.')
    .option('--disable-rack-aware', 'With --generate: ignore broker racks.')
    .action(async (opts) => {
      const { runReassignPartitions } = await import('./reassign-partitions-command.js');
      exit(await runReassignPartitions(opts, io));
    });

  program
    .command('leader-election')
    .description('elect preferred or unclean leaders (kafka-leader-election.sh)')
    .option(...BOOTSTRAP)
    .option('--election-type <type>', 'PREFERRED or UNCLEAN.')
    .option('--all-topic-partitions', 'Elect leaders of every partition.')
    .option('--topic <topic>', 'The topic of --partition.')
    .option('--partition <n>', 'The partition to elect a leader for.', integer)
    .option('--path-to-json-file <file>', '{"partitions":[{"topic":"foo","partition":1}]}')
    .option('--admin.config <file>', 'A client properties file: security.protocol, ssl.* and sasl.* settings to reach a secure listener.')
    .action(async (opts) => {
      const { runLeaderElection } = await import('./leader-election-command.js');
      exit(await runLeaderElection({ ...opts, commandConfig: opts['admin.config'] }, io));
    });

  program
    .command('log-dirs')
    .description('describe the log dirs of brokers as JSON (kafka-log-dirs.sh)')
    .option(...BOOTSTRAP)
    .option(...COMMAND_CONFIG)
    .option('--describe', 'REQUIRED: describe the log dirs.')
    .option('--broker-list <ids>', 'The brokers to ask (default: all).')
    .option('--topic-list <topics>', 'Only these topics (comma-separated).')
    .action(async (opts) => {
      const { runLogDirs } = await import('./log-dirs-command.js');
      exit(await runLogDirs(opts, io));
    });

  program
    .command('dump-log')
    .description('print the contents of log segment, index and time index files (kafka-dump-log.sh)')
    .option('--files <files>', 'REQUIRED: comma-separated .log, .index, .timeindex and .snapshot files.')
    .option('--print-data-log', 'Print the keys and values of the records.')
    .option('--deep-iteration', 'Print every record, not only the batches.')
    .option('--max-message-size <bytes>', 'Largest decompressed batch to read.', integer)
    .action(async (opts) => {
      const { runDumpLog } = await import('./dump-log-command.js');
      exit(await runDumpLog(opts, io));
    });

  program
    .command('zookeeper-shell')
    .description('run one read-only ZooKeeper command: ls, get or stat (zookeeper-shell.sh)')
    .argument('[connect]', 'host:port[,host:port][/chroot]')
    .argument('[command...]', 'ls <path> | get <path> | stat <path>')
    .action(async (connect: string | undefined, command: string[]) => {
      const { runZookeeperShell } = await import('./zookeeper-shell.js');
      exit(await runZookeeperShell(connect, command, io));
    });
}
