/**
 * docker-compose.yml and the testcontainers module:
 * - `docker-compose config` (Debian's docker-compose) accepts the file, which defines a 3-node ZooKeeper
 *   ensemble and 3 brokers built from this repository with internal and external listeners, the HTTP
 *   listener and health checks — checked without an engine;
 * - with a Docker engine: the compose file is brought up through testcontainers, kafkajs produces and
 *   consumes through the external listeners, a broker container is killed and the cluster keeps serving;
 *   GregorContainer starts a single broker (with its own ZooKeeper container) for another project's tests.
 * Where no engine answers the container tests are skipped with one line (REQUIRE_DOCKER=1 makes them run
 * and fail).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { DockerComposeEnvironment, Wait, type StartedDockerComposeEnvironment } from 'testcontainers';
import { describe, expect, it } from 'vitest';
import { GregorContainer } from '../../../src/testcontainers/gregor-container.js';
import { kafkaClients } from '../../harness/clients.js';
import { containerSuiteRuns } from '../../harness/docker.js';
import { waitFor } from '../../harness/wait-for.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const run = promisify(execFile);

describe('docker-compose.yml', () => {
  it('compose - docker-compose config accepts it: ZooKeeper ensemble, 3 brokers with internal/external listeners and the HTTP listener', async () => {
    const { stdout } = await run('docker-compose', ['-f', path.join(ROOT, 'docker-compose.yml'), 'config'], { cwd: ROOT, timeout: 60_000 });
    for (const s of ['zoo1', 'zoo2', 'zoo3', 'broker1', 'broker2', 'broker3']) expect(stdout).toMatch(new RegExp(`^  ${s}:$`, 'm'));
    expect(stdout).toContain('ZOO_SERVERS: server.1=zoo1:2888:3888;2181 server.2=zoo2:2888:3888;2181 server.3=zoo3:2888:3888;2181');
    for (const [i, port] of [[1, 9092], [2, 9093], [3, 9094]] as const) {
      expect(stdout).toContain(`advertised.listeners=INTERNAL://broker${i}:19092,EXTERNAL://127.0.0.1:${port}`);
    }
    expect(stdout.match(/inter\.broker\.listener\.name=INTERNAL/g)).toHaveLength(3);
    expect(stdout.match(/http\.listener=0\.0\.0\.0:8080/g)).toHaveLength(3);
    expect(stdout).toContain('dockerfile: config/Dockerfile');
    expect(stdout.match(/condition: service_healthy/g)?.length).toBe(9);
  });
});

describe.runIf(containerSuiteRuns('compose cluster in Docker'))('compose cluster in Docker (testcontainers)', () => {
  it('compose - up: produce and consume through the external listeners, kill a broker container, still serving', async () => {
    let env: StartedDockerComposeEnvironment | undefined;
    const clients = kafkaClients('127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094');
    try {
      env = await new DockerComposeEnvironment(ROOT, 'docker-compose.yml')
        .withBuild()
        .withWaitStrategy('broker1-1', Wait.forHealthCheck())
        .withWaitStrategy('broker2-1', Wait.forHealthCheck())
        .withWaitStrategy('broker3-1', Wait.forHealthCheck())
        .withStartupTimeout(300_000)
        .up();
      const admin = await clients.admin();
      await admin.createTopics({ topics: [{ topic: 'compose', numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });
      const producer = await clients.producer();
      await producer.send({ topic: 'compose', acks: -1, messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
      await env.getContainer('broker2-1').stop({ timeout: 0 }); // SIGKILL
      await producer.send({ topic: 'compose', acks: -1, messages: [{ key: 'after', value: 'kill' }] });
      const consumer = await clients.consumer({ groupId: 'compose-readers' });
      await consumer.subscribe({ topics: ['compose'], fromBeginning: true });
      let seen = 0;
      await consumer.run({ eachMessage: async () => void seen++ });
      await waitFor(() => seen >= 31, { what: '31 records consumed after the kill', timeoutMs: 60_000 });
    } finally {
      await clients.disconnectAll();
      await env?.down({ removeVolumes: true });
    }
  }, 600_000);

  it('GregorContainer - one broker and its ZooKeeper container, reachable from the host', async () => {
    const gregor = await new GregorContainer().start();
    const clients = kafkaClients(gregor.getBootstrapServers());
    try {
      const producer = await clients.producer({ allowAutoTopicCreation: true });
      await producer.send({ topic: 'tc', messages: [{ value: 'hello' }] });
      expect((await fetch(`${gregor.getHttpUrl()}metrics`)).status).toBe(200);
    } finally {
      await clients.disconnectAll();
      await gregor.stop();
    }
  }, 600_000);
});
