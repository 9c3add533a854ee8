/**
 * A duplicate after a dropped response (transactions-and-compaction.md §5.2 I2): one in-process broker whose
 * advertised listener is a TCP proxy. While the proxy swallows the broker's responses, an idempotent producer's
 * Produce reaches the broker and is appended; the proxy then cuts the connection. The client reconnects and
 * resends the same batch (librdkafka retries it as is; kafkajs rolls its sequence back and rebuilds the same
 * range), the broker recognises the retry (same producer id, epoch and sequence range) and answers NONE with the
 * original offset. Each message is in the log exactly once; without the duplicate check the retry would be an
 * OUT_OF_ORDER_SEQUENCE_NUMBER (fatal for librdkafka, an exception for kafkajs).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/zk/server-process.js';
import { Broker } from '../../../src/broker.js';
import { createLogger } from '../../../src/common/logger.js';
import { BrokerConfig } from '../../../src/config/broker-config.js';
import { waitFor } from '../../harness/wait-for.js';
import { removeChroot, zkConnectForTest } from '../../harness/zookeeper.js';
import { kafkaClients, pythonJson, type KafkaClients } from '../../harness/clients.js';
import { allValues, rawClient } from './eos-kit.js';

/** Forwards bytes both ways; `swallow` drops what the broker sends; `cut()` closes every connection. */
class ResponseDroppingProxy {
  swallow = false;
  private readonly sockets = new Set<net.Socket>();

  private constructor(private readonly server: net.Server) {}

  static async start(port: number, target: number): Promise<ResponseDroppingProxy> {
    const server = net.createServer();
    const proxy = new ResponseDroppingProxy(server);
    server.on('connection', (client) => {
      const upstream = net.connect(target, '127.0.0.1');
      for (const s of [client, upstream]) {
        proxy.sockets.add(s);
        s.on('close', () => {
          proxy.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
        s.on('error', () => s.destroy());
      }
      client.on('data', (d: Buffer) => upstream.write(d));
      upstream.on('data', (d: Buffer) => {
        if (!proxy.swallow) client.write(d);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  cut(): void {
    for (const s of [...this.sockets]) s.destroy();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

let broker: Broker;
let dir: string;
let clients: KafkaClients;
let proxy: ResponseDroppingProxy;
let bootstrap: string;
let brokerPort: number;
const zkConnect = zkConnectForTest();

beforeAll(async () => {
  // The broker listens on brokerPort and advertises the proxy, which is up before the broker starts. gregor/testing
  // owns its brokers' listeners (and never proxies clients), so this one broker is built here.
  brokerPort = await freePort();
  const proxyPort = await freePort();
  proxy = await ResponseDroppingProxy.start(proxyPort, brokerPort);
  dir = await mkdtemp(join(tmpdir(), 'gregor-dropped-response-'));
  broker = new Broker(
    BrokerConfig.parse({
      'broker.id': '0',
      listeners: `PLAINTEXT://127.0.0.1:${brokerPort}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxyPort}`,
      'log.dirs': join(dir, 'data'),
      'zookeeper.connect': zkConnect,
      'offsets.topic.replication.factor': '1',
      'offsets.topic.num.partitions': '5',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'group.initial.rebalance.delay.ms': '0',
    }),
    { logger: createLogger({ level: 'warn' }) },
  );
  await broker.start();
  bootstrap = `127.0.0.1:${proxyPort}`;
  clients = kafkaClients(bootstrap, { requestTimeout: 30_000 });
  const admin = await clients.admin();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'librdkafka-dup', numPartitions: 1, replicationFactor: 1 }, { topic: 'kafkajs-dup', numPartitions: 1, replicationFactor: 1 }] });
});

afterAll(async () => {
  await clients?.disconnectAll();
  await proxy?.close();
  await broker?.stop();
  await removeChroot(zkConnect);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const until = <T>(fn: () => T | Promise<T>, what: string) => waitFor(fn, { what, timeoutMs: 30_000 });
const logEnd = (topic: string) => broker.replicaManager.getPartition({ topic, partition: 0 })?.log?.logEndOffset ?? -1;

/**
 * Once `acked()` (the client has its answers so far) and `topic` holds `before` records, swallows responses
 * (then calls `swallowing()`) until the next produce is appended, then cuts the connections.
 */
async function dropTheNextResponse(topic: string, before: number, acked: () => boolean = () => true, swallowing: () => void = () => {}): Promise<void> {
  await until(() => acked() && logEnd(topic) === before, `${topic} holds ${before}, acknowledged`);
  proxy.swallow = true;
  swallowing();
  try {
    await until(() => logEnd(topic) > before, `the next produce to ${topic} was appended`);
  } finally {
    proxy.cut();
    proxy.swallow = false;
  }
}

describe('a retried batch after a dropped response is answered with its original offset', () => {
  it('librdkafka (confluent-kafka-python, enable.idempotence=true)', async () => {
    const topic = 'librdkafka-dup';
    // the script and the test take turns through two files: first acknowledged → swallowing → second produced
    const firstAcked = join(dir, 'librdkafka-first-acked');
    const go = join(dir, 'librdkafka-go');
    const producing = pythonJson<{ delivered: Array<[number, string]>; errors: string[]; fatal: string[] }>(
      `
import json, os, sys, time
from confluent_kafka import Producer
delivered, errors, fatal = [], [], []
def cb(err, msg):
    if err: errors.append(str(err))
    else: delivered.append([msg.offset(), msg.value().decode()])
def on_error(e):
    if e.fatal(): fatal.append(str(e))
p = Producer({'bootstrap.servers': sys.argv[1], 'enable.idempotence': True, 'message.timeout.ms': 60000,
              'socket.timeout.ms': 60000, 'error_cb': on_error})
p.produce(sys.argv[2], value=b'first', partition=0, on_delivery=cb)
p.flush(30)
open(sys.argv[3], 'w').close()
while not os.path.exists(sys.argv[4]): time.sleep(0.02)
p.produce(sys.argv[2], value=b'second', partition=0, on_delivery=cb)
p.flush(60)
p.produce(sys.argv[2], value=b'third', partition=0, on_delivery=cb)
p.flush(30)
print(json.dumps({'delivered': delivered, 'errors': errors, 'fatal': fatal}))
`,
      [bootstrap, topic, firstAcked, go],
      { timeoutMs: 120_000 },
    );
    await dropTheNextResponse(topic, 1, () => existsSync(firstAcked), () => writeFileSync(go, ''));
    const result = await producing;
    expect(result.fatal).toEqual([]);
    expect(result.errors).toEqual([]);
    expect(result.delivered).toEqual([[0, 'first'], [1, 'second'], [2, 'third']]);
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
