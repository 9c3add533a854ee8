/**
 * A broker whose only log dir fails halts (Kafka's LogManager.handleLogDirFailure), but the produce request that met
 * the failure is answered first, with KAFKA_STORAGE_ERROR, as Kafka's request thread answers it while the failure
 * handler halts: the client sees a Kafka error, not a connection closed without an answer.
 * The failure is EIO injected into the broker process's positional writes by strace (pwrite64 only: sockets and
 * logging use other calls), as the fault catalogue's F12 does.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, kcatProduce, type KafkaClients } from '../../harness/clients.js';
import { waitFor } from '../../harness/wait-for.js';

let cluster: Cluster | undefined;
let clients: KafkaClients | undefined;
let strace: ChildProcess | undefined;

afterAll(async () => {
  if (strace?.pid !== undefined && strace.exitCode === null) process.kill(strace.pid, 'SIGKILL');
  await clients?.disconnectAll();
  await cluster?.close();
});

const tracerPid = (pid: number): number => Number(/TracerPid:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

it('the last log dir failing: the produce that met it is answered KAFKA_STORAGE_ERROR, then the broker halts', async () => {
  expect(spawnSync('strace', ['-V']).status, 'strace is needed (.ci/run installs it)').toBe(0);
  cluster = await startCluster({ brokers: 1 });
  clients = kafkaClients(cluster.bootstrapServers);
  const admin = await clients.admin();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'dir-fails', numPartitions: 1, replicationFactor: 1 }] });
  const producer = await clients.producer();
  await producer.send({ topic: 'dir-fails', acks: 1, messages: [{ value: 'before' }] });

  const [id] = cluster.ids as [number];
  const pid = cluster.process(id).pid;
  cluster.expectExit(id); // it halts
  strace = spawn('strace', ['-f', '-qq', '-o', '/dev/null', '-p', String(pid), '-e', 'trace=pwrite64', '-e', 'inject=pwrite64:error=EIO'], { stdio: 'ignore' });
  await waitFor(() => tracerPid(pid) !== 0, { what: 'strace attached to the broker', timeoutMs: 20_000 });

  // kcat (librdkafka), no retries: the delivery report carries the error the broker answered
  const err = await kcatProduce(cluster.bootstrapServers, 'dir-fails', ['meets the failure'], {
    acks: 1,
    partition: 0,
    props: { 'message.send.max.retries': 0 },
  }).then(
    () => undefined,
    (e: unknown) => (e instanceof Error ? e.message : String(e)),
  );
  expect(err, 'the send must fail').toBeDefined();
  expect(err).toMatch(/KAFKA_STORAGE_ERROR|Disk error/);
  await waitFor(() => cluster!.process(id).exitStatus, { what: 'the broker halts', timeoutMs: 30_000 });
  expect(cluster.process(id).exitStatus?.code).toBe(1);
});
