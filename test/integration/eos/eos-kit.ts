/**
 * A raw Kafka client for the exactly-once tests: the project's own codec over a socket (BrokerClient),
 * so requests carry exact producer ids, epochs, sequences and markers. Batches are built with the
 * project's record-batch builder; values are `v<n>` strings.
 */
import type { Admin } from 'kafkajs';
import { BrokerClient } from '../../../src/network/client.js';
import { FetchRequest, FetchResponse } from '../../../src/protocol/messages/fetch.js';
import { InitProducerIdRequest, InitProducerIdResponse } from '../../../src/protocol/messages/init-producer-id.js';
import { ListOffsetsRequest, ListOffsetsResponse } from '../../../src/protocol/messages/list-offsets.js';
import { ProduceRequest, ProduceResponse } from '../../../src/protocol/messages/produce.js';
import { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../../../src/protocol/messages/write-txn-markers.js';
import { buildRecordBatch, readRecords, splitBatches } from '../../../src/protocol/records/index.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, type KafkaClients } from '../../harness/clients.js';

export function rawClient(port: number, clientId = 'eos-test'): BrokerClient {
  return new BrokerClient({ host: '127.0.0.1', port, clientId, requestTimeoutMs: 30_000 });
}

/** One raw client per broker id, made on first use; `drop(id)` after that broker went away. */
export class RawClients {
  private readonly clients = new Map<number, BrokerClient>();

  constructor(private readonly portOf: (id: number) => number) {}

  get(id: number): BrokerClient {
    let c = this.clients.get(id);
    if (!c) this.clients.set(id, (c = rawClient(this.portOf(id))));
    return c;
  }

  async drop(id: number): Promise<void> {
    await this.clients.get(id)?.close();
    this.clients.delete(id);
  }

  async closeAll(): Promise<void> {
    for (const id of [...this.clients.keys()]) await this.drop(id);
  }
}

export interface EosCluster {
  readonly cluster: Cluster;
  readonly clients: KafkaClients;
  readonly admin: Admin;
  readonly raw: RawClients;
  close(): Promise<void>;
}

/** Three in-process brokers (no automatic leader rebalance, so leaders stay where tests put them), kafkajs and raw clients. */
export async function startEosCluster(config: Readonly<Record<string, string | number | boolean>> = {}): Promise<EosCluster> {
  const cluster = await startCluster({ brokers: 3, inProcess: true, brokerConfig: { 'auto.leader.rebalance.enable': false, ...config } });
  const clients = kafkaClients(cluster.bootstrapServers);
  const raw = new RawClients((id) => cluster.port(id));
  return {
    cluster,
    clients,
    admin: await clients.admin(),
    raw,
    close: async () => {
      await raw.closeAll();
      await clients.disconnectAll();
      await cluster.close();
    },
  };
}

/** Creates a 1-partition topic (RF 3, min ISR 2, or the given assignment) and waits until its leader acts as one. */
export async function createTopicAndWait(
  cluster: Cluster,
  admin: Admin,
  topic: string,
  opts: { partitions?: number; assignment?: number[][] } = {},
): Promise<number> {
  const partitions = opts.assignment?.length ?? opts.partitions ?? 1;
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      opts.assignment
        ? { topic, replicaAssignment: opts.assignment.map((replicas, partition) => ({ partition, replicas })) }
        : { topic, numPartitions: partitions, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] },
    ],
  });
  for (let partition = 0; partition < partitions; partition++) {
    if (!opts.assignment) await cluster.waitForIsr({ topic, partition }, cluster.ids);
    await waitForLeaderActing(cluster, topic, partition);
  }
  return waitForLeaderActing(cluster, topic, 0);
}

/** The partition's leader from ZooKeeper, once its broker has applied the leadership (in-process clusters). */
export async function waitForLeaderActing(cluster: Cluster, topic: string, partition = 0): Promise<number> {
  const leader = await cluster.waitForLeader({ topic, partition });
  await cluster.waitFor(() => cluster.broker(leader).replicaManager.isLeader({ topic, partition }), `broker ${leader} leads ${topic}-${partition}`);
  return leader;
}

/**
 * The start of a confluent-kafka-python producer script: imports, and delivery/error callbacks collecting
 * `delivered` ([partition, offset, value]), `errors` (failed deliveries) and `fatal` (fatal producer errors);
 * `result(**extra)` prints them (and `extra`) as the JSON line pythonJson reads.
 */
export const PY_PRODUCER = `
import json, os, sys, time
from confluent_kafka import Producer
delivered, errors, fatal = [], [], []
def on_delivery(err, msg):
    if err: errors.append(str(err))
    else: delivered.append([msg.partition(), msg.offset(), msg.value().decode()])
def on_error(e):
    if e.fatal(): fatal.append(str(e))
def result(**extra):
    print(json.dumps(dict(delivered=delivered, errors=errors, fatal=fatal, **extra)))
`;

export interface PyProducerResult {
  delivered: Array<[number, number, string]>;
  errors: string[];
  fatal: string[];
}

export interface ProducerBatch {
  pid: number;
  epoch?: number;
  seq: number;
  values: string[];
  txn?: boolean;
}

export function producerBatch(b: ProducerBatch): Buffer {
  return buildRecordBatch(
    b.values.map((v) => ({ key: Buffer.from('k'), value: Buffer.from(v), timestamp: Date.now() })),
    { producerId: b.pid, producerEpoch: b.epoch ?? 0, baseSequence: b.seq, isTransactional: b.txn ?? false },
  );
}

export async function initProducerId(client: BrokerClient, version = 4, transactionalId: string | null = null) {
  return client.send({ request: InitProducerIdRequest, response: InitProducerIdResponse }, version, { transactionalId, transactionTimeoutMs: -1 });
}

export interface PartitionProduceResult {
  errorCode: number;
  baseOffset: number;
  logAppendTimeMs: number;
}

export async function produce(
  client: BrokerClient,
  topic: string,
  partition: number,
  records: Buffer,
  opts: { acks?: number; transactionalId?: string | null; version?: number } = {},
): Promise<PartitionProduceResult> {
  const res = await client.send({ request: ProduceRequest, response: ProduceResponse }, opts.version ?? 8, {
    transactionalId: opts.transactionalId ?? null,
    acks: opts.acks ?? -1,
    timeoutMs: 20_000,
    topics: [{ name: topic, partitions: [{ partitionIndex: partition, records }] }],
  });
  const p = res.responses[0]!.partitions[0]!;
  return { errorCode: p.errorCode, baseOffset: p.baseOffset, logAppendTimeMs: p.logAppendTimeMs };
}

export interface Marker {
  pid: number;
  epoch?: number;
  commit: boolean;
  coordinatorEpoch?: number;
  partitions: Array<{ topic: string; partition: number }>;
}

/** WriteTxnMarkers v0; returns the error code of every partition of every marker, in request order. */
export async function writeMarkers(client: BrokerClient, markers: Marker[]): Promise<number[][]> {
  const res = await client.send({ request: WriteTxnMarkersRequest, response: WriteTxnMarkersResponse }, 0, {
    markers: markers.map((m) => {
      const topics = [...new Set(m.partitions.map((p) => p.topic))];
      return {
        producerId: m.pid,
        producerEpoch: m.epoch ?? 0,
        transactionResult: m.commit,
        coordinatorEpoch: m.coordinatorEpoch ?? 0,
        topics: topics.map((name) => ({ name, partitionIndexes: m.partitions.filter((p) => p.topic === name).map((p) => p.partition) })),
      };
    }),
  });
  return res.markers.map((m) => m.topics.flatMap((t) => t.partitions.map((p) => p.errorCode)));
}

export interface FetchedPartition {
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  abortedTransactions: Array<{ producerId: number; firstOffset: number }> | null;
  /** every batch: base offset, producer id and epoch, control flag, and decoded values */
  batches: Array<{ baseOffset: number; producerId: number; producerEpoch: number; isControl: boolean; isTransactional: boolean; values: string[] }>;
}

export async function fetch(
  client: BrokerClient,
  topic: string,
  partition: number,
  fetchOffset: number,
  opts: { readCommitted?: boolean; maxWaitMs?: number; minBytes?: number; version?: number } = {},
): Promise<FetchedPartition> {
  const res = await client.send(
    { request: FetchRequest, response: FetchResponse },
    opts.version ?? 11,
    {
      replicaId: -1,
      maxWaitMs: opts.maxWaitMs ?? 0,
      minBytes: opts.minBytes ?? 1,
      maxBytes: 1 << 20,
      isolationLevel: opts.readCommitted ? 1 : 0,
      topics: [{ topic, partitions: [{ partition, fetchOffset, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [],
    },
    { timeoutMs: (opts.maxWaitMs ?? 0) + 30_000 },
  );
  const p = res.responses[0]!.partitionResponses[0]!;
  const batches = splitBatches(p.recordSet ?? Buffer.alloc(0)).map((b) => ({
    baseOffset: b.baseOffset,
    producerId: b.producerId,
    producerEpoch: b.producerEpoch,
    isControl: b.isControl,
    isTransactional: b.isTransactional,
    values: b.isControl ? [] : readRecords(b, { maxUncompressedBytes: 1 << 24 }).map((r) => r.value?.toString() ?? ''),
  }));
  return { errorCode: p.errorCode, highWatermark: p.highWatermark, lastStableOffset: p.lastStableOffset, abortedTransactions: p.abortedTransactions, batches };
}

/** ListOffsets v5 latest (timestamp -1) as a consumer. */
export async function latestOffset(client: BrokerClient, topic: string, partition: number, readCommitted: boolean): Promise<{ errorCode: number; offset: number }> {
  const res = await client.send({ request: ListOffsetsRequest, response: ListOffsetsResponse }, 5, {
    replicaId: -1,
    isolationLevel: readCommitted ? 1 : 0,
    topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp: -1 }] }],
  });
  const p = res.topics[0]!.partitions[0]!;
  return { errorCode: p.errorCode, offset: p.offset };
}

/** Every value of a partition from `from`, read_uncommitted, control batches excluded. */
export async function allValues(client: BrokerClient, topic: string, partition: number, from = 0): Promise<string[]> {
  const out: string[] = [];
  let offset = from;
  for (;;) {
    const f = await fetch(client, topic, partition, offset);
    if (f.errorCode !== 0) throw new Error(`fetch error ${f.errorCode}`);
    if (f.batches.length === 0) return out;
    for (const b of f.batches) {
      if (!b.isControl) out.push(...b.values);
      offset = b.baseOffset + Math.max(1, b.values.length);
    }
  }
}
