/**
 * A duplicate after a dropped response (transactions-and-compaction.md §5.2 I2): one in-process broker whose
 * clients reach it through the harness's client proxy (`clientProxies`). While the link drops what the broker sends
 * (`cutClients(0, { oneWay: true })`), an idempotent producer's Produce reaches the broker and is appended; the link
 * is then reset. The client reconnects and
 * resends the same batch (librdkafka retries it as is; kafkajs rolls its sequence back and rebuilds the same
 * range), the broker recognises the retry (same producer id, epoch and sequence range) and answers NONE with the
 * original offset. Each message is in the log exactly once; without the duplicate check the retry would be an
 * OUT_OF_ORDER_SEQUENCE_NUMBER (fatal for librdkafka, an exception for kafkajs).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, pythonJson, type KafkaClients } from '../../harness/clients.js';
import { allValues, PY_PRODUCER, rawClient, type PyProducerResult } from './eos-kit.js';

let cluster: Cluster;
let clients: KafkaClients;
let bootstrap: string;
let brokerPort: number;

beforeAll(async () => {
  // Clients bootstrap from the broker's client proxy, which it also advertises; brokerPort bypasses the proxy.
  cluster = await startCluster({ brokers: 1, inProcess: true, clientProxies: true });
  bootstrap = cluster.bootstrapServers;
  brokerPort = cluster.directPort(0);
  clients = kafkaClients(bootstrap, { requestTimeout: 30_000 });
  const admin = await clients.admin();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'librdkafka-dup', numPartitions: 1, replicationFactor: 1 }, { topic: 'kafkajs-dup', numPartitions: 1, replicationFactor: 1 }] });
});

afterAll(async () => {
  await clients?.disconnectAll();
  await cluster?.close();
});

const logEnd = (topic: string) => cluster.broker(0).replicaManager.getPartition({ topic, partition: 0 })?.log?.logEndOffset ?? -1;

/**
 * Once `acked()` (the client has its answers so far) and `topic` holds `before` records, swallows responses
 * (then calls `swallowing()`) until the next produce is appended, then cuts the connections.
 */
async function dropTheNextResponse(topic: string, before: number, acked: () => boolean = () => true, swallowing: () => void = () => {}): Promise<void> {
  await cluster.waitFor(() => acked() && logEnd(topic) === before, `${topic} holds ${before}, acknowledged`);
  await cluster.cutClients(0, { oneWay: true }); // what the broker sends is held back
  swallowing();
  try {
    await cluster.waitFor(() => logEnd(topic) > before, `the next produce to ${topic} was appended`);
  } finally {
    await cluster.cutClients(0, { mode: 'reset' }); // the held responses go with the connections
    await cluster.healClients(0);
  }
}

describe('a retried batch after a dropped response is answered with its original offset', () => {
  it('librdkafka (confluent-kafka-python, enable.idempotence=true)', async () => {
    const topic = 'librdkafka-dup';
    // the script and the test take turns through two files: first acknowledged → swallowing → second produced
    const firstAcked = join(cluster.dir, 'librdkafka-first-acked');
    const go = join(cluster.dir, 'librdkafka-go');
    const producing = pythonJson<PyProducerResult>(
      `${PY_PRODUCER}
p = Producer({'bootstrap.servers': sys.argv[1], 'enable.idempotence': True, 'message.timeout.ms': 60000,
              'socket.timeout.ms': 60000, 'error_cb': on_error})
p.produce(sys.argv[2], value=b'first', partition=0, on_delivery=on_delivery)
p.flush(30)
open(sys.argv[3], 'w').close()
while not os.path.exists(sys.argv[4]): time.sleep(0.02)
p.produce(sys.argv[2], value=b'second', partition=0, on_delivery=on_delivery)
p.flush(60)
p.produce(sys.argv[2], value=b'third', partition=0, on_delivery=on_delivery)
p.flush(30)
result()
`,
      [bootstrap, topic, firstAcked, go],
      { timeoutMs: 120_000 },
    );
    await dropTheNextResponse(topic, 1, () => existsSync(firstAcked), () => writeFileSync(go, ''));
    const result = await producing;
    expect(result.fatal).toEqual([]);
    expect(result.errors).toEqual([]);
    expect(result.delivered).toEqual([[0, 0, 'first'], [0, 1, 'second'], [0, 2, 'third']]);
    const c = rawClient(brokerPort);
    try {
      expect(await allValues(c, topic, 0)).toEqual(['first', 'second', 'third']);
    } finally {
      await c.close();
    }
  });

  it('kafkajs (idempotent: true, maxInFlightRequests 1)', async () => {
    const topic = 'kafkajs-dup';
    const producer = await clients.producer({ idempotent: true, maxInFlightRequests: 1 });
    const first = await producer.send({ topic, acks: -1, messages: [{ value: 'a', partition: 0 }, { value: 'b', partition: 0 }] });
    expect(first[0]!.baseOffset).toBe('0');
    const retried = producer.send({ topic, acks: -1, messages: [{ value: 'c', partition: 0 }, { value: 'd', partition: 0 }] });
    await dropTheNextResponse(topic, 2);
    expect((await retried)[0]!.baseOffset).toBe('2');
    await producer.send({ topic, acks: -1, messages: [{ value: 'e', partition: 0 }] });
    const c = rawClient(brokerPort);
    try {
      expect(await allValues(c, topic, 0)).toEqual(['a', 'b', 'c', 'd', 'e']);
    } finally {
      await c.close();
    }
  });
});
