/**
 * A small producer for the tools (Kafka's KafkaProducer as the console producer uses it): records
 * are placed by Java's default partitioner (murmur2 of the key; keyless records stick to one
 * partition per batch, KIP-480), collected per partition and sent as one RecordBatch v2 per
 * partition in a Produce request to each leader. Retriable errors (no leader, not the leader, ...)
 * refresh metadata and retry until the deadline; any other error rejects the send.
 */
import { ErrorCode } from '../protocol/error-codes.js';
import { ProduceRequest, ProduceResponse } from '../protocol/messages/produce.js';
import { Compression } from '../protocol/records/batch-layout.js';
import { buildRecordBatch, type RecordInput } from '../protocol/records/record-batch-builder.js';
import { ApiError } from './errors.js';
import type { KafkaClient } from './kafka-client.js';

/** Kafka's Utils.murmur2 (the hash of the default partitioner), as a signed 32-bit int. */
export function murmur2(data: Buffer): number {
  const length = data.length;
  const m = 0x5bd1e995;
  const r = 24;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = (data[i4]! & 0xff) + ((data[i4 + 1]! & 0xff) << 8) + ((data[i4 + 2]! & 0xff) << 16) + ((data[i4 + 3]! & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const rest = length & 3;
  const base = length & ~3;
  if (rest === 3) h ^= (data[base + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[base + 1]! & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[base]! & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's default partitioner for a keyed record. */
export function partitionForKey(key: Buffer, numPartitions: number): number {
  return (murmur2(key) & 0x7fffffff) % numPartitions;
}

export const COMPRESSION_CODECS: Record<string, Compression> = {
  none: Compression.None,
  gzip: Compression.Gzip,
  snappy: Compression.Snappy,
  lz4: Compression.Lz4,
  zstd: Compression.Zstd,
};

export interface ProducerOptions {
  /** -1 (all), 0, 1 */
  acks: number;
  compression: Compression;
  /** request.timeout.ms of Produce */
  requestTimeoutMs: number;
  /** how long a send may keep retrying */
  deliveryTimeoutMs: number;
}

export interface ProducerRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers?: Array<{ key: string; value: Buffer | null }>;
  timestamp?: number;
  partition?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Producer {
  private partitionCounts = new Map<string, number>();
  private leaders = new Map<string, number>();
  private sticky = new Map<string, number>();

  constructor(
    private readonly client: KafkaClient,
    private readonly opts: ProducerOptions,
  ) {}

  /** Sends the records of one topic; resolves when every partition's batch is acknowledged (or acks=0). */
  async send(topic: string, records: readonly ProducerRecord[]): Promise<void> {
    if (records.length === 0) return;
    const deadline = Date.now() + this.opts.deliveryTimeoutMs;
    await this.refresh(topic, deadline);
    const count = this.partitionCounts.get(topic) as number;
    let stickyPartition = this.sticky.get(topic) ?? Math.floor(Math.random() * count);
    const byPartition = new Map<number, RecordInput[]>();
    const now = Date.now();
    for (const r of records) {
      const p = r.partition ?? (r.key !== null ? partitionForKey(r.key, count) : stickyPartition);
      if (p < 0 || p >= count) throw new Error(`Invalid partition given with record: ${p} is not in the range [0...${count}].`);
      const list = byPartition.get(p) ?? [];
      list.push({ key: r.key, value: r.value, headers: r.headers ?? [], timestamp: r.timestamp ?? now });
      byPartition.set(p, list);
    }
    // KIP-480: the next batch of keyless records goes to another partition
    stickyPartition = count > 1 ? (stickyPartition + 1 + Math.floor(Math.random() * (count - 1))) % count : 0;
    this.sticky.set(topic, stickyPartition);
    let pending = new Map([...byPartition].map(([p, rs]) => [p, buildRecordBatch(rs, { compression: this.opts.compression })]));
    for (;;) {
      pending = await this.sendOnce(topic, pending);
      if (pending.size === 0) return;
      if (Date.now() > deadline) throw new ApiError(ErrorCode.RequestTimedOut, `Expiring ${pending.size} record batch(es) for ${topic}: the delivery timeout passed`);
      await sleep(100);
      await this.refresh(topic, deadline, true);
    }
  }

  /** Sends each partition's batch to its leader; returns the batches to retry. */
  private async sendOnce(topic: string, batches: Map<number, Buffer>): Promise<Map<number, Buffer>> {
    const byLeader = new Map<number, number[]>();
    const retry = new Map<number, Buffer>();
    for (const p of batches.keys()) {
      const leader = this.leaders.get(`${topic}-${p}`) ?? -1;
      if (leader < 0) retry.set(p, batches.get(p) as Buffer);
      else byLeader.set(leader, [...(byLeader.get(leader) ?? []), p]);
    }
    await Promise.all(
      [...byLeader].map(async ([leader, partitions]) => {
        let res;
        try {
          res = await this.client.send({ request: ProduceRequest, response: ProduceResponse }, leader, {
            transactionalId: null,
            acks: this.opts.acks,
            timeoutMs: this.opts.requestTimeoutMs,
            topics: [{ name: topic, partitions: partitions.map((p) => ({ partitionIndex: p, records: batches.get(p) as Buffer })) }],
          }, { call: 'produce', minVersion: 3, timeoutMs: this.opts.requestTimeoutMs + 5000 });
        } catch (err) {
          if (err instanceof ApiError) throw err;
          for (const p of partitions) retry.set(p, batches.get(p) as Buffer);
          return;
        }
        if (this.opts.acks === 0) return;
        for (const t of res.responses) {
          for (const p of t.partitions) {
            if (p.errorCode === ErrorCode.None) continue;
            const e = new ApiError(p.errorCode, p.errorMessage ?? null);
            if (!e.retriable) throw e;
            retry.set(p.partitionIndex, batches.get(p.partitionIndex) as Buffer);
          }
        }
      }),
    );
    return retry;
  }

  /** Partition count and leaders of `topic` (auto-creating it as a producer's metadata request may). */
  private async refresh(topic: string, deadline: number, force = false): Promise<void> {
    if (!force && this.partitionCounts.has(topic)) return;
    for (;;) {
      const md = await this.client.metadata([topic], 'send', true);
      const t = md.topics.find((x) => x.name === topic);
      if (t && t.errorCode === ErrorCode.None && t.partitions.length > 0) {
        this.partitionCounts.set(topic, t.partitions.length);
        for (const p of t.partitions) this.leaders.set(`${topic}-${p.partitionIndex}`, p.leaderId);
        return;
      }
      const code = t?.errorCode ?? ErrorCode.UnknownTopicOrPartition;
      const retriable = code === ErrorCode.LeaderNotAvailable || code === ErrorCode.UnknownTopicOrPartition || new ApiError(code).retriable;
      if (!retriable) throw new ApiError(code);
      if (Date.now() > deadline) throw new ApiError(ErrorCode.RequestTimedOut, `Topic ${topic} not present in metadata after ${this.opts.deliveryTimeoutMs} ms.`);
      await sleep(100);
    }
  }
}
