#!/usr/bin/env node
/**
 * `gregor`: the command line (Kafka 2.7's bin/ scripts, as one program).
 *
 *   gregor broker start <server.properties> [--override key=value]...   kafka-server-start.sh
 *   gregor zookeeper start [--port 2181] [--data-dir DIR]                zookeeper-server-start.sh
 *   gregor local-cluster [--brokers 3] [--data-dir ./data] ...           ZooKeeper + N brokers (npm start)
 *   gregor zk-tree [--zookeeper 127.0.0.1:2181]                          read-only view of the cluster's znodes
 *   gregor api-versions [--bootstrap 127.0.0.1:9092]                     the APIs and versions a broker serves
 *   gregor topics|console-producer|console-consumer|consumer-groups|...  Kafka 2.7's operator scripts (kafka-tools.ts)
 *
 * Each command's module is imported when the command runs, so `--help` and config errors do not load the
 * broker. Actions resolve with the process exit code.
 */
import { Command, InvalidArgumentError } from 'commander';
import { registerKafkaTools } from './kafka-tools.js';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function portNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`not a port number: ${value}`);
  return n;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`not a positive integer: ${value}`);
  return n;
}

function exitWith(code: number): void {
  // stdout may be a pipe: let pending writes drain before exiting.
  process.stdout.write('', () => process.exit(code));
}

function buildProgram(): Command {
  const program = new Command('gregor')
    .description('A Kafka-wire-compatible, ZooKeeper-coordinated broker cluster (Kafka 2.7 semantics)')
    .showHelpAfterError('(add --help for usage)');

  const broker = program.command('broker').description('run a broker (kafka-server-start.sh)');
  broker
    .command('start')
    .description(
      'start a broker in the foreground with a server.properties file; JSON logs on stdout; ' +
        'SIGTERM/SIGINT → controlled shutdown, exit 0',
    )
    .argument('<server.properties>', 'broker configuration (Kafka 2.7 keys, see config/server.properties)')
    .option('--override <key=value>', 'override a property of the file (repeatable)', collect)
    .action(async (propsPath: string, opts: { override?: string[] }) => {
      const { runBrokerStart } = await import('./broker-command.js');
      exitWith(await runBrokerStart(propsPath, opts.override ?? []));
    });

  const zookeeper = program.command('zookeeper').description('run Apache ZooKeeper (zookeeper-server-start.sh)');
  zookeeper
    .command('start')
    .description('start a standalone Apache ZooKeeper in the foreground (installs the Debian package when root)')
    .option('--port <port>', 'client port (bound on 127.0.0.1)', portNumber, 2181)
    .option('--host <address>', 'address the client port binds to', '127.0.0.1')
    .option('--data-dir <dir>', 'data directory (kept on exit); default a temporary one (removed on exit)')
    .action(async (opts: { port: number; host: string; dataDir?: string }) => {
      const { runZooKeeperStart } = await import('./zookeeper-command.js');
      exitWith(await runZooKeeperStart(opts));
    });

  program
    .command('api-versions')
    .description('print the APIs and versions a running broker serves (its ApiVersions answer)')
    .option('--bootstrap <host:port>', 'broker to ask', '127.0.0.1:9092')
    .option('--markdown', 'print a markdown table')
    .action(async (opts: { bootstrap: string; markdown?: boolean }) => {
      const { runApiVersions } = await import('./api-versions-command.js');
      exitWith(await runApiVersions({ bootstrap: opts.bootstrap, markdown: opts.markdown === true }));
    });

  program
    .command('local-cluster')
    .description('start ZooKeeper and N brokers on 127.0.0.1 as child processes; Ctrl-C stops everything')
    .option('--brokers <n>', 'number of brokers', positiveInt, 3)
    .option('--data-dir <dir>', 'where ZooKeeper data and broker logs live (kept between runs)', './data')
    .option('--zk-port <port>', 'ZooKeeper client port', portNumber, 2181)
    .option('--base-port <port>', 'broker i listens on base-port + i', portNumber, 9092)
    .option('--http-base-port <port>', 'broker i serves /metrics and the web view on http-base-port + i', portNumber, 8080)
    .option('--override <key=value>', 'extra broker property for every broker (repeatable)', collect)
    .option('--json-logs', 'forward the brokers\' JSON log lines unchanged instead of the compact form')
    .action(
      async (opts: {
        brokers: number;
        dataDir: string;
        zkPort: number;
        basePort: number;
        httpBasePort: number;
        override?: string[];
        jsonLogs?: boolean;
      }) => {
        const { runLocalCluster } = await import('./local-cluster.js');
        exitWith(
          await runLocalCluster({
            brokers: opts.brokers,
            dataDir: opts.dataDir,
            zkPort: opts.zkPort,
            basePort: opts.basePort,
            httpBasePort: opts.httpBasePort,
            overrides: opts.override ?? [],
            jsonLogs: opts.jsonLogs ?? false,
          }),
        );
      },
    );

  program
    .command('zk-tree')
    .description('print the cluster as ZooKeeper holds it: brokers, controller, topics and partition states, consumers')
    .option('--zookeeper <connect>', 'host:port[,host:port...][/chroot]', '127.0.0.1:2181')
    .option('--json', 'print one JSON document instead of text')
    .option('--timeout-ms <ms>', 'connection timeout', positiveInt, 10000)
    .action(async (opts: { zookeeper: string; json?: boolean; timeoutMs: number }) => {
      const { runZkTree } = await import('./zk-tree.js');
      exitWith(await runZkTree({ connect: opts.zookeeper, json: opts.json ?? false, timeoutMs: opts.timeoutMs }));
    });

  registerKafkaTools(program, exitWith);
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`gregor: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  exitWith(1);
}
