/**
 * Bad input one broker of a 3-broker in-process cluster must survive (reliability.md §4 and §6.7), over raw
 * sockets: bad frame sizes (negative, zero, over socket.request.max.bytes, TLS ClientHello, HTTP), garbage,
 * truncated headers and bodies, an array count far beyond the bytes sent (KAFKA-14063), unknown api keys,
 * unsupported versions (ApiVersions v9 → the v0-layout UNSUPPORTED_VERSION answer), invalid topic names
 * (Metadata and CreateTopics → INVALID_TOPIC_EXCEPTION), acks 2 (INVALID_REQUIRED_ACKS), a CRC-corrupted batch
 * (CORRUPT_MESSAGE, nothing stored), baseOffset ≠ 0 (INVALID_RECORD), pipelined requests and half frames cut
 * off by a close, Produce to an internal topic, Fetch past the log end, and a seeded mutation fuzzer over
 * valid requests of several APIs (flexible and not). After every case the broker still serves a kcat produce and consume, and the rest of the
 * connection's earlier requests were answered.
 */
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../../../src/broker.js';
import { BrokerClient } from '../../../src/network/client.js';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { decodeResponseHeader, encodeRequestHeader } from '../../../src/protocol/header.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../../src/protocol/messages/api-versions.js';
import { CreateTopicsRequest, CreateTopicsResponse } from '../../../src/protocol/messages/create-topics.js';
import { MetadataRequest, MetadataResponse } from '../../../src/protocol/messages/metadata.js';
import { FetchRequest, FetchResponse } from '../../../src/protocol/messages/fetch.js';
import { FindCoordinatorRequest } from '../../../src/protocol/messages/find-coordinator.js';
import { ListOffsetsRequest } from '../../../src/protocol/messages/list-offsets.js';
import { OffsetFetchRequest } from '../../../src/protocol/messages/offset-fetch.js';
import { ProduceRequest, ProduceResponse } from '../../../src/protocol/messages/produce.js';
import { Reader, Writer } from '../../../src/protocol/primitives.js';
import { BatchLayout, buildRecordBatch } from '../../../src/protocol/records/index.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, kcatConsume, kcatProduce } from '../../harness/clients.js';

const TOPIC = 'victim';
const MAX_REQUEST_BYTES = 1024 * 1024; // socket.request.max.bytes for this cluster
let cluster: Cluster;
let leader: number;
let broker: Broker;
let client: BrokerClient;
/** values the topic must hold, in order (only what healthy produces stored) */
const stored: string[] = [];

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 3,
    inProcess: true,
    brokerConfig: {
      'default.replication.factor': 1,
      'offsets.topic.replication.factor': 1,
      'transaction.state.log.replication.factor': 1,
      'transaction.state.log.min.isr': 1,
      'auto.create.topics.enable': false,
      'socket.request.max.bytes': MAX_REQUEST_BYTES,
    },
  });
  const clients = kafkaClients(cluster.bootstrapServers);
  try {
    const admin = await clients.admin();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await clients.disconnectAll();
  }
  leader = await cluster.waitForLeader({ topic: TOPIC, partition: 0 });
  broker = cluster.broker(leader);
  await cluster.waitFor(() => broker.replicaManager.isLeader({ topic: TOPIC, partition: 0 }), 'leadership applied');
  client = new BrokerClient({ host: '127.0.0.1', port: cluster.port(leader), clientId: 'bad-input-test', requestTimeoutMs: 10_000 });
});

afterAll(async () => {
  await client?.close();
  await cluster?.close();
});

let healthChecks = 0;
/** After every case: the broker is running and a kcat produce + consume through it works. */
afterEach(async () => {
  expect(broker.isRunning).toBe(true);
  const value = `healthy-${++healthChecks}`;
  await kcatProduce(`127.0.0.1:${cluster.port(leader)}`, TOPIC, [value], { partition: 0 });
  stored.push(value);
  const got = await kcatConsume(`127.0.0.1:${cluster.port(leader)}`, TOPIC, { partition: 0 });
  expect(got.map((m) => m.value)).toEqual(stored);
});

// ------------------------------------------------------------------------------------------ raw socket

interface RawResult {
  /** response frames received (without their size prefix) */
  frames: Buffer[];
  /** the broker closed the connection */
  closed: boolean;
}

/**
 * Opens a socket to the leader, writes `chunks` (one write each), then waits until the broker closes the
 * connection or `expectFrames` responses arrived (and `settleMs` more passed), at most `timeoutMs`.
 */
function raw(chunks: Buffer[], opts: { expectFrames?: number; timeoutMs?: number; settleMs?: number; endAfterWrite?: boolean } = {}): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(cluster.port(leader), '127.0.0.1');
    const frames: Buffer[] = [];
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ frames, closed });
    };
    const timer = setTimeout(() => finish(false), opts.timeoutMs ?? 3000);
    socket.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const n = buf.readInt32BE(0);
        frames.push(buf.subarray(4, 4 + n));
        buf = buf.subarray(4 + n);
      }
      if (opts.expectFrames !== undefined && frames.length >= opts.expectFrames) {
        setTimeout(() => finish(false), opts.settleMs ?? 0);
      }
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') finish(true);
      else if (!done) {
        done = true;
        clearTimeout(timer);
        reject(err);
      }
    });
    socket.on('connect', () => {
      for (const c of chunks) socket.write(c);
      if (opts.endAfterWrite) socket.end();
    });
  });
}

function frame(payload: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}

function sizeOnly(size: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(size, 0);
  return b;
}

/** A request frame: header v1/v2 as the version demands + `body` (already encoded), or the spec's encoding. */
function request(apiKey: number, apiVersion: number, correlationId: number, body: Buffer, flexible = false): Buffer {
  const w = new Writer();
  encodeRequestHeader(w, { apiKey, apiVersion, correlationId, clientId: 'raw' }, flexible);
  return frame(Buffer.concat([...w.chunksOut(), body]));
}

function metadataV1Frame(correlationId: number): Buffer {
  const w = new Writer();
  MetadataRequest.encode(w, 1, { topics: [{ name: TOPIC }] });
  return request(ApiKey.Metadata, 1, correlationId, Buffer.concat(w.chunksOut()));
}

function correlationIdOf(response: Buffer): number {
  return response.readInt32BE(0);
}

// ------------------------------------------------------------------------------------------ framing

describe('bad input - framing', () => {
  it.each([
    ['a negative size (-1)', sizeOnly(-1)],
    ['size 0', sizeOnly(0)],
    ['size 0x7fffffff', sizeOnly(0x7fffffff)],
    ['socket.request.max.bytes + 1', Buffer.concat([sizeOnly(MAX_REQUEST_BYTES + 1), Buffer.alloc(1024)])],
    ['an HTTP request', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
    ['a TLS ClientHello', Buffer.from('160301020001000200030366', 'hex')],
  ])('closes the connection on %s without answering', async (_what, bytes) => {
    const before = process.memoryUsage().rss;
    const r = await raw([bytes]);
    expect(r.closed).toBe(true);
    expect(r.frames).toHaveLength(0);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('ignores a half-written frame cut off by the client and answers the complete ones before it', async () => {
    const half = metadataV1Frame(3).subarray(0, 12);
    const r = await raw([metadataV1Frame(1), metadataV1Frame(2), half], { endAfterWrite: true, expectFrames: 2, settleMs: 200 });
    expect(r.frames.map(correlationIdOf)).toEqual([1, 2]);
  });

  it('answers 200 pipelined requests in order, then survives an abrupt close with more in flight', async () => {
    const many = Array.from({ length: 200 }, (_, i) => metadataV1Frame(i));
    const r = await raw([Buffer.concat(many)], { expectFrames: 200, timeoutMs: 10_000 });
    expect(r.frames.map(correlationIdOf)).toEqual([...Array(200).keys()]);
    await raw([Buffer.concat(many)], { expectFrames: 1 }); // destroyed after the first answer
  });
});

// ------------------------------------------------------------------------------------------ headers

describe('bad input - headers and versions', () => {
  it('closes on garbage bytes in a well-sized frame', async () => {
    const r = await raw([frame(Buffer.from('ffffffffdeadbeefcafebabe0102030405060708', 'hex'))]);
    expect(r).toEqual({ frames: [], closed: true });
  });

  it('closes on a header truncated at each byte', async () => {
    const full = metadataV1Frame(7).subarray(4);
    for (let n = 1; n < 10; n++) {
      const r = await raw([frame(full.subarray(0, n))]);
      expect(r.closed, `header cut at ${n} bytes`).toBe(true);
      expect(r.frames).toHaveLength(0);
    }
  });

  it.each([
    ['999', 999],
    ['-1', -1],
    ['57 (not in 2.7)', 57],
  ])('closes on unknown api key %s', async (_what, apiKey) => {
    const r = await raw([request(apiKey, 0, 5, Buffer.alloc(8))]);
    expect(r).toEqual({ frames: [], closed: true });
  });

  it('closes on an unsupported version of a normal API (Metadata v99, Produce v9)', async () => {
    for (const [key, version] of [[ApiKey.Metadata, 99], [ApiKey.Produce, 9]] as const) {
      const r = await raw([request(key, version, 5, Buffer.alloc(16))]);
      expect(r, `api ${key} v${version}`).toEqual({ frames: [], closed: true });
    }
  });

  it('answers ApiVersions v9 in the v0 layout with UNSUPPORTED_VERSION and its own range, and keeps the connection', async () => {
    // a v9 body we cannot know; then a valid ApiVersions v0 on the same connection
    const w = new Writer();
    ApiVersionsRequest.encode(w, 0, {});
    const v0 = request(ApiKey.ApiVersions, 0, 2, Buffer.concat(w.chunksOut()));
    const r = await raw([request(ApiKey.ApiVersions, 9, 1, Buffer.from([0x07, 0x61, 0x62, 0x63, 0x00])), v0], { expectFrames: 2 });
    expect(r.closed).toBe(false);
    const reader = new Reader(r.frames[0]!);
    expect(decodeResponseHeader(reader, ApiKey.ApiVersions, false).correlationId).toBe(1);
    const body = ApiVersionsResponse.decode(reader, 0);
    expect(body.errorCode).toBe(ErrorCode.UnsupportedVersion);
    expect(body.apiKeys).toEqual([{ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 3 }]);
    expect(reader.remaining).toBe(0);
    const r2 = new Reader(r.frames[1]!);
    expect(decodeResponseHeader(r2, ApiKey.ApiVersions, false).correlationId).toBe(2);
    const ok = ApiVersionsResponse.decode(r2, 0);
    expect(ok.errorCode).toBe(ErrorCode.None);
    expect(ok.apiKeys.length).toBeGreaterThan(10);
  });

  it('closes on a truncated body, an absurd array count, and an over-long compact string length', async () => {
    // Metadata v1: topics array says 5 entries, none follow
    const r1 = await raw([request(ApiKey.Metadata, 1, 1, sizeOnly(5))]);
    expect(r1).toEqual({ frames: [], closed: true });
    // KAFKA-14063: a count of 0x7fffffff with a 10-byte body must not allocate
    const before = process.memoryUsage().rss;
    const r2 = await raw([request(ApiKey.Metadata, 1, 2, Buffer.concat([sizeOnly(0x7fffffff), Buffer.alloc(10)]))]);
    expect(r2).toEqual({ frames: [], closed: true });
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
    // Metadata v9 (flexible): a compact array length varint of 6 bytes
    const r3 = await raw([request(ApiKey.Metadata, 9, 3, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00]), true)]);
    expect(r3).toEqual({ frames: [], closed: true });
    // CreateTopics v3: a topic name whose length runs past the end of the frame
    const r4 = await raw([request(ApiKey.CreateTopics, 3, 4, Buffer.concat([sizeOnly(1), Buffer.from([0x7f, 0xff, 0x61])]))]);
    expect(r4).toEqual({ frames: [], closed: true });
  });
});

// ------------------------------------------------------------------------------------------ semantics

const BAD_NAMES = ['..', '.', 'bad/name', 'x'.repeat(250), 'sp ace', ''];

describe('bad input - invalid requests answered with error codes', () => {
  it('Metadata names invalid topics INVALID_TOPIC_EXCEPTION (auto-create allowed or not)', async () => {
    for (const allowAutoTopicCreation of [true, false]) {
      const res = await client.send({ request: MetadataRequest, response: MetadataResponse }, 4, {
        topics: [...BAD_NAMES, TOPIC].map((name) => ({ name })),
        allowAutoTopicCreation,
      });
      const byName = new Map(res.topics.map((t) => [t.name, t]));
      for (const name of BAD_NAMES) {
        expect(byName.get(name)?.errorCode, `topic ${JSON.stringify(name)}`).toBe(ErrorCode.InvalidTopicException);
        expect(byName.get(name)?.partitions).toEqual([]);
      }
      expect(byName.get(TOPIC)?.errorCode).toBe(ErrorCode.None);
    }
    for (const name of BAD_NAMES) if (name !== '') expect(await cluster.zk.topicExists(name).catch(() => false)).toBe(false);
  });

  it('CreateTopics answers INVALID_TOPIC_EXCEPTION for each invalid name and creates nothing', async () => {
    const controller = await cluster.controllerId();
    const admin = new BrokerClient({ host: '127.0.0.1', port: cluster.port(controller), clientId: 'bad-input-admin' });
    try {
      const res = await admin.send({ request: CreateTopicsRequest, response: CreateTopicsResponse }, 3, {
        topics: BAD_NAMES.map((name) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] })),
        timeoutMs: 5000,
        validateOnly: false,
      });
      expect(res.topics.map((t) => [t.name, t.errorCode])).toEqual(BAD_NAMES.map((n) => [n, ErrorCode.InvalidTopicException]));
    } finally {
      await admin.close();
    }
    const all = await cluster.zk.getAllTopics();
    for (const name of BAD_NAMES) expect(all).not.toContain(name);
  });

  function produce(acks: number, records: Buffer) {
    return client.send({ request: ProduceRequest, response: ProduceResponse }, 7, {
      transactionalId: null,
      acks,
      timeoutMs: 5000,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, records }] }],
    });
  }
  const good = (value: string) => buildRecordBatch([{ key: null, value: Buffer.from(value), timestamp: Date.now() }]);
  const codeOf = (res: Awaited<ReturnType<typeof produce>>) => res.responses[0]?.partitions[0]?.errorCode;

  it('Produce with acks 2 or -2 answers INVALID_REQUIRED_ACKS and stores nothing', async () => {
    const before = broker.replicaManager.getPartition({ topic: TOPIC, partition: 0 })!.log!.logEndOffset;
    expect(codeOf(await produce(2, good('acks-two')))).toBe(ErrorCode.InvalidRequiredAcks);
    expect(codeOf(await produce(-2, good('acks-minus-two')))).toBe(ErrorCode.InvalidRequiredAcks);
    expect(broker.replicaManager.getPartition({ topic: TOPIC, partition: 0 })!.log!.logEndOffset).toBe(before);
  });

  it('Produce of a CRC-corrupted batch answers CORRUPT_MESSAGE and leaves the log untouched', async () => {
    const log = () => broker.replicaManager.getPartition({ topic: TOPIC, partition: 0 })!.log!;
    const before = log().logEndOffset;
    const sizeBefore = log().size;
    const bad = good('corrupted payload');
    bad.writeUInt8(bad.readUInt8(bad.length - 3) ^ 0xff, bad.length - 3); // a record byte, covered by the CRC
    expect(codeOf(await produce(1, bad))).toBe(ErrorCode.CorruptMessage);
    const badCrc = good('bad crc field');
    badCrc.writeUInt32BE((badCrc.readUInt32BE(BatchLayout.CRC) + 1) >>> 0, BatchLayout.CRC);
    expect(codeOf(await produce(-1, badCrc))).toBe(ErrorCode.CorruptMessage);
    // a good batch and a corrupted one in the same record set: Produce v3+ allows exactly one batch (Kafka's
    // ProduceRequest.validateRecords → INVALID_RECORD), so neither is stored
    expect(codeOf(await produce(1, Buffer.concat([good('good first'), bad])))).toBe(ErrorCode.InvalidRecord);
    // a batch length that runs past the record set
    const longer = good('length lies');
    longer.writeInt32BE(longer.readInt32BE(BatchLayout.BATCH_LENGTH) + 100, BatchLayout.BATCH_LENGTH);
    expect([ErrorCode.CorruptMessage, ErrorCode.InvalidRecord]).toContain(codeOf(await produce(1, longer)));
    expect(log().logEndOffset).toBe(before);
    expect(log().size).toBe(sizeBefore);
    // and a good one is still accepted at the next offset
    const ok = await produce(1, good('good after corrupt'));
    expect(codeOf(ok)).toBe(ErrorCode.None);
    expect(ok.responses[0]?.partitions[0]?.baseOffset).toBe(before);
    stored.push('good after corrupt');
  });

  it('Produce of a batch with baseOffset ≠ 0 answers INVALID_RECORD', async () => {
    const batch = buildRecordBatch([{ key: null, value: Buffer.from('offset 5'), timestamp: Date.now() }], { baseOffset: 5 });
    expect(codeOf(await produce(1, batch))).toBe(ErrorCode.InvalidRecord);
  });

  it('Produce with acks 0 and an error closes the connection (no response)', async () => {
    const w = new Writer();
    const bad = good('acks zero corrupt');
    bad.writeUInt8(bad.readUInt8(bad.length - 2) ^ 0xff, bad.length - 2);
    ProduceRequest.encode(w, 7, { transactionalId: null, acks: 0, timeoutMs: 1000, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, records: bad }] }] });
    const r = await raw([request(ApiKey.Produce, 7, 9, Buffer.concat(w.chunksOut()))]);
    expect(r).toEqual({ frames: [], closed: true });
  });
});

describe('bad input - more error codes and a mutation fuzzer', () => {
  it('Produce to __consumer_offsets from a client answers INVALID_TOPIC_EXCEPTION', async () => {
    const res = await client.send({ request: ProduceRequest, response: ProduceResponse }, 7, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 5000,
      topics: [{ name: '__consumer_offsets', partitions: [{ partitionIndex: 0, records: buildRecordBatch([{ key: null, value: Buffer.from('x'), timestamp: Date.now() }]) }] }],
    });
    expect(res.responses[0]?.partitions[0]?.errorCode).toBe(ErrorCode.InvalidTopicException);
  });

  it('Fetch at the log end + 10 answers OFFSET_OUT_OF_RANGE', async () => {
    const leo = broker.replicaManager.getPartition({ topic: TOPIC, partition: 0 })!.log!.logEndOffset;
    const res = await client.send({ request: FetchRequest, response: FetchResponse }, 11, {
      replicaId: -1,
      maxWaitMs: 100,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: leo + 10, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [],
      rackId: '',
    });
    expect(res.responses[0]?.partitionResponses[0]?.errorCode).toBe(ErrorCode.OffsetOutOfRange);
  });

  it('survives 1500 seeded mutations of valid requests (ApiVersions, Metadata, Produce, Fetch, ListOffsets, FindCoordinator, OffsetFetch)', async () => {
    const enc = (spec: { apiKey: number; isFlexible(v: number): boolean; encode(w: Writer, v: number, value: never): void }, v: number, value: unknown): Buffer => {
      const w = new Writer();
      spec.encode(w, v, value as never);
      return request(spec.apiKey, v, 1, Buffer.concat(w.chunksOut()), spec.isFlexible(v)).subarray(4);
    };
    const batch = buildRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('fuzz'), timestamp: Date.now() }]);
    const fetchTopics = [{ topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 4096 }] }];
    const seeds: Buffer[] = [
      enc(ApiVersionsRequest, 3, { clientSoftwareName: 'fuzz', clientSoftwareVersion: '1.0' }),
      enc(ApiVersionsRequest, 0, {}),
      enc(MetadataRequest, 9, { topics: [{ name: TOPIC }], allowAutoTopicCreation: false }),
      enc(MetadataRequest, 4, { topics: [{ name: TOPIC }, { name: 'other' }], allowAutoTopicCreation: false }),
      enc(ProduceRequest, 7, { transactionalId: null, acks: 1, timeoutMs: 1000, topics: [{ name: 'fuzz-nowhere', partitions: [{ partitionIndex: 0, records: batch }] }] }),
      enc(FetchRequest, 11, { replicaId: -1, maxWaitMs: 10, minBytes: 1, maxBytes: 65536, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: fetchTopics, forgottenTopicsData: [], rackId: '' }),
      enc(FetchRequest, 12, { replicaId: -1, maxWaitMs: 10, minBytes: 1, maxBytes: 65536, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: fetchTopics, forgottenTopicsData: [], rackId: '' }),
      enc(ListOffsetsRequest, 5, { replicaId: -1, isolationLevel: 0, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }] }),
      enc(FindCoordinatorRequest, 3, { key: 'fuzz-group', keyType: 0 }),
      enc(OffsetFetchRequest, 7, { groupId: 'fuzz-group', topics: [{ name: TOPIC, partitionIndexes: [0] }], requireStable: false }),
    ];
    // mulberry32: deterministic
    let state = 0x5eed1234;
    const rand = () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = (n: number) => Math.floor(rand() * n);
    const mutate = (seed: Buffer): Buffer => {
      let b = Buffer.from(seed);
      const edits = 1 + pick(4);
      for (let i = 0; i < edits; i++) {
        // keep the api key and version (bytes 0-3) mostly intact so the body decoders are reached
        const at = b.length > 4 && rand() < 0.9 ? 4 + pick(b.length - 4) : pick(b.length);
        switch (pick(6)) {
          case 0: b[at] = pick(256); break;
          case 1: b[at] = 0xff; break;
          case 2: b[at] = 0x00; break;
          case 3: b = b.subarray(0, Math.max(1, at)); break;
          case 4: b = Buffer.concat([b.subarray(0, at), Buffer.from([pick(256), pick(256), pick(256), pick(256)]), b.subarray(at)]); break;
          default: if (at + 4 <= b.length) b.writeInt32BE(rand() < 0.5 ? 0x7fffffff : -1 - pick(5), at);
        }
      }
      return b;
    };
    // One mutated frame per connection, followed by a clean Metadata request: the broker either closes the
    // connection or answers both, in order (a close right after a mutation is the documented outcome).
    const rssBefore = process.memoryUsage().rss;
    const CASES = 1500;
    const frames = Array.from({ length: CASES }, () => frame(mutate(seeds[pick(seeds.length)]!)));
    const outcomes = { closed: 0, answered: 0, pending: 0 };
    for (let i = 0; i < CASES; i += 25) {
      const results = await Promise.all(
        frames.slice(i, i + 25).map((f) => raw([f, metadataV1Frame(777)], { expectFrames: 2, timeoutMs: 1500 })),
      );
      for (const r of results) {
        if (r.frames.length === 2) {
          outcomes.answered++;
          expect(correlationIdOf(r.frames[1]!)).toBe(777);
        } else if (r.closed) outcomes.closed++;
        else outcomes.pending++; // a long poll (a mutated maxWaitMs) still holding the connection
      }
    }
    expect(outcomes.closed + outcomes.answered + outcomes.pending).toBe(CASES);
    expect(outcomes.closed).toBeGreaterThan(CASES / 10);
    expect(outcomes.answered).toBeGreaterThan(CASES / 10);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(128 * 1024 * 1024);
    // the broker still answers a clean request on a fresh connection
    const r = await raw([metadataV1Frame(42)], { expectFrames: 1 });
    expect(r.frames.map(correlationIdOf)).toEqual([42]);
  });
});
