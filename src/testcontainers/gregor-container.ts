/**
 * A testcontainers module for gregor, used the way @testcontainers/kafka's KafkaContainer is:
 *
 *   const gregor = await new GregorContainer().start();          // + a ZooKeeper container of its own
 *   const kafka = new Kafka({ brokers: [gregor.getBootstrapServers()] });
 *   ...
 *   await gregor.stop();                                         // also stops its ZooKeeper and network
 *
 * - The image is built from this repository (`docker build -f config/Dockerfile -t gregor:local .`);
 *   pass another tag to the constructor.
 * - ZooKeeper: by default a `zookeeper:3.8` container on a new network (alias `zookeeper`); or
 *   `.withZooKeeper('zk:2181', network)` to use one the test started (a shared ensemble, chroots).
 * - Listeners, as KafkaContainer's: PLAINTEXT on 9093 is advertised as the host and mapped port, so
 *   clients on the host connect; BROKER on 9092 is advertised as the container's network alias, for
 *   other containers. The broker is only started once the mapped port is known: the container waits
 *   for a start script that `containerStarted` copies in, then for gregor's `broker started` log line.
 * - Single-broker settings (internal topics with replication factor 1, no initial rebalance delay);
 *   `.withBrokerConfig({ key: value })` adds server.properties overrides. The web view and /metrics are
 *   on port 8080 (`getHttpUrl()`).
 *
 * Needs a Docker engine, like every testcontainers module; `testcontainers` (^11) is a peer dependency.
 */
import type { Readable } from 'node:stream';
import {
  AbstractStartedContainer,
  GenericContainer,
  Network,
  Wait,
  type StartedNetwork,
  type StartedTestContainer,
  type StopOptions,
  type StoppedTestContainer,
} from 'testcontainers';

export const GREGOR_IMAGE = 'gregor:local';
export const ZOOKEEPER_IMAGE = 'zookeeper:3.8';
const CLIENT_PORT = 9093;
const BROKER_PORT = 9092;
const HTTP_PORT = 8080;
const START_SCRIPT = '/tmp/gregor-start.sh';
const WAITING = 'gregor: waiting for the start script';

export class GregorContainer extends GenericContainer {
  private zooKeeperConnect: string | null = null;
  private ownNetwork: StartedNetwork | null = null;
  private ownZooKeeper: StartedTestContainer | null = null;
  private readonly overrides = new Map<string, string>([
    ['broker.id', '1'],
    ['offsets.topic.replication.factor', '1'],
    ['transaction.state.log.replication.factor', '1'],
    ['transaction.state.log.min.isr', '1'],
    ['default.replication.factor', '1'],
    ['group.initial.rebalance.delay.ms', '0'],
    ['log.dirs', '/data'],
    ['http.listener', `0.0.0.0:${HTTP_PORT}`],
  ]);
  private alias = 'gregor';

  constructor(image = GREGOR_IMAGE) {
    super(image);
    this.withExposedPorts(CLIENT_PORT, HTTP_PORT)
      .withEntrypoint(['sh', '-c', `echo "${WAITING}"; while [ ! -f ${START_SCRIPT} ]; do sleep 0.1; done; exec sh ${START_SCRIPT}`])
      .withWaitStrategy(Wait.forLogMessage(WAITING))
      .withStartupTimeout(120_000);
  }

  /** Use an existing ZooKeeper (`host:port[/chroot]` as seen from inside `network`). */
  withZooKeeper(connect: string, network?: StartedNetwork): this {
    this.zooKeeperConnect = connect;
    if (network) this.withNetwork(network);
    return this;
  }

  /** server.properties overrides (Kafka 2.7 keys). */
  withBrokerConfig(config: Readonly<Record<string, string | number | boolean>>): this {
    for (const [k, v] of Object.entries(config)) this.overrides.set(k, String(v));
    return this;
  }

  override withNetworkAliases(...aliases: string[]): this {
    if (aliases[0]) this.alias = aliases[0];
    return super.withNetworkAliases(...aliases);
  }

  protected override async beforeContainerCreated(): Promise<void> {
    if (this.zooKeeperConnect !== null) return;
    this.ownNetwork = await new Network().start();
    this.ownZooKeeper = await new GenericContainer(ZOOKEEPER_IMAGE)
      .withNetwork(this.ownNetwork)
      .withNetworkAliases('zookeeper')
      .withEnvironment({ ZOO_4LW_COMMANDS_WHITELIST: 'srvr,ruok', ZOO_ADMINSERVER_ENABLED: 'false' })
      .withWaitStrategy(Wait.forLogMessage(/binding to port/i))
      .start();
    this.zooKeeperConnect = 'zookeeper:2181';
    this.withNetwork(this.ownNetwork).withNetworkAliases(this.alias);
  }

  protected override async containerStarted(container: StartedTestContainer): Promise<void> {
    const overrides = new Map(this.overrides);
    overrides.set('zookeeper.connect', this.zooKeeperConnect as string);
    overrides.set('listeners', `BROKER://0.0.0.0:${BROKER_PORT},PLAINTEXT://0.0.0.0:${CLIENT_PORT}`);
    overrides.set('advertised.listeners', `BROKER://${this.alias}:${BROKER_PORT},PLAINTEXT://${container.getHost()}:${container.getMappedPort(CLIENT_PORT)}`);
    overrides.set('listener.security.protocol.map', 'BROKER:PLAINTEXT,PLAINTEXT:PLAINTEXT');
    overrides.set('inter.broker.listener.name', 'BROKER');
    const args = [...overrides].map(([k, v]) => `--override '${`${k}=${v}`.replace(/'/g, "'\\''")}'`).join(' ');
    await container.copyContentToContainer([{ content: `exec node /app/dist/cli/main.js broker start /config/server.properties ${args}\n`, target: START_SCRIPT }]);
    await waitForLog(await container.logs(), /"msg":"broker started"/, 120_000);
  }

  override async start(): Promise<StartedGregorContainer> {
    try {
      return new StartedGregorContainer(await super.start(), this.ownZooKeeper, this.ownNetwork);
    } catch (err) {
      await this.ownZooKeeper?.stop().catch(() => undefined);
      await this.ownNetwork?.stop().catch(() => undefined);
      throw err;
    }
  }
}

export class StartedGregorContainer extends AbstractStartedContainer {
  constructor(
    started: StartedTestContainer,
    private readonly zooKeeper: StartedTestContainer | null,
    private readonly network: StartedNetwork | null,
  ) {
    super(started);
  }

  /** `host:port` for clients on the host. */
  getBootstrapServers(): string {
    return `${this.getHost()}:${this.getMappedPort(CLIENT_PORT)}`;
  }

  /** The web view; `${getHttpUrl()}metrics` is the Prometheus endpoint. */
  getHttpUrl(): string {
    return `http://${this.getHost()}:${this.getMappedPort(HTTP_PORT)}/`;
  }

  override async stop(options?: Partial<StopOptions>): Promise<StoppedTestContainer> {
    const stopped = await super.stop(options);
    await this.zooKeeper?.stop();
    await this.network?.stop();
    return stopped;
  }
}

/** Resolves when a line of `stream` matches, rejects after `timeoutMs` or when the stream ends first. */
function waitForLog(stream: Readable, pattern: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const done = (err?: Error) => {
      clearTimeout(timer);
      stream.removeAllListeners('data');
      stream.destroy();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => done(new Error(`gregor did not log ${pattern} within ${timeoutMs} ms`)), timeoutMs);
    stream.on('data', (chunk: Buffer | string) => {
      buffered += chunk.toString();
      if (pattern.test(buffered)) done();
      else if (buffered.length > 1 << 20) buffered = buffered.slice(-4096);
    });
    stream.once('end', () => done(new Error(`the gregor container exited before logging ${pattern}`)));
    stream.once('error', (err: Error) => done(err));
  });
}
