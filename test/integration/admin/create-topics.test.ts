/**
 * CreateTopics handler against a real ZooKeeper: Kafka's znodes written, the wait for leaders in
 * the admin purgatory (completed by a simulated UpdateMetadata, or expired on the manual clock),
 * validateOnly, v5 response fields, and every per-topic error.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { createCreateTopicsHandler } from '../../../src/server/handlers/create-topics.js';
import { waitFor } from '../../harness/wait-for.js';
import { kafkajsDecodeResponse } from '../../unit/protocol/kafkajs-oracle.js';
import { buildDeps, callHandler, ledPartitions, publishMetadata, type TestDeps } from './handler-kit.js';
import { readJson, useZooKeeper } from './zk-kit.js';

const fx = useZooKeeper();

function setup(props: Record<string, string> = {}, brokers = [1, 2, 3]): { deps: TestDeps; handler: ReturnType<typeof createCreateTopicsHandler> } {
  const deps = buildDeps({ zk: fx.zk, props });
  publishMetadata(deps, brokers);
  return { deps, handler: createCreateTopicsHandler(deps) };
}

const topic = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  numPartitions: -1,
  replicationFactor: -1,
  assignments: [],
  configs: [],
  ...extra,
});

async function createOne(version: number, t: ReturnType<typeof topic>, opts: { timeoutMs?: number; validateOnly?: boolean } = {}, s = setup()) {
  const { response } = await callHandler(s.handler, version, { topics: [t], timeoutMs: opts.timeoutMs ?? 0, validateOnly: opts.validateOnly ?? false });
  return response.topics[0];
}

describe('admin create-topics - writes and waits', () => {
  it('writes /config/topics then /brokers/topics with Kafka JSON and answers once every partition has a leader', async () => {
    const { deps, handler } = setup();
    const pending = callHandler(handler, 5, {
      topics: [
        topic('orders', {
          assignments: [
            { partitionIndex: 0, brokerIds: [1, 2] },
            { partitionIndex: 1, brokerIds: [2, 3] },
          ],
          configs: [{ name: 'cleanup.policy', value: 'compact' }],
        }),
      ],
      timeoutMs: 30_000,
      validateOnly: false,
    });
    await waitFor(() => deps.adminPurgatory.delayed === 1, { what: 'CreateTopics waiting in the purgatory' });
    expect(await readJson(fx.raw, '/brokers/topics/orders')).toEqual({
      version: 2,
      partitions: { '0': [1, 2], '1': [2, 3] },
      adding_replicas: {},
      removing_replicas: {},
    });
    expect(await readJson(fx.raw, '/config/topics/orders')).toEqual({ version: 1, config: { 'cleanup.policy': 'compact' } });

    publishMetadata(deps, [1, 2, 3], ledPartitions('orders', [[1, 2]])); // one of two partitions led: still waiting
    expect(deps.adminPurgatory.delayed).toBe(1);
    publishMetadata(deps, [1, 2, 3], ledPartitions('orders', [[1, 2], [2, 3]]));
    const { response } = await pending;
    const r = response.topics[0];
    expect(r).toMatchObject({ name: 'orders', errorCode: ErrorCode.None, errorMessage: null, numPartitions: 2, replicationFactor: 2 });
    const policy = r.configs.find((c: { name: string }) => c.name === 'cleanup.policy');
    expect(policy).toEqual({ name: 'cleanup.policy', value: 'compact', readOnly: false, configSource: 1, isSensitive: false });
    const segment = r.configs.find((c: { name: string }) => c.name === 'segment.bytes');
    expect(segment).toMatchObject({ value: '1073741824', configSource: 5 });
  });

  it('answers REQUEST_TIMED_OUT when no leader shows before timeoutMs; the topic stays created', async () => {
    const { deps, handler } = setup();
    const pending = callHandler(handler, 3, { topics: [topic('slow', { numPartitions: 2, replicationFactor: 1 })], timeoutMs: 5000 });
    await waitFor(() => deps.adminPurgatory.delayed === 1, { what: 'CreateTopics waiting' });
    deps.clock.advance(4999);
    expect(deps.adminPurgatory.delayed).toBe(1);
    deps.clock.advance(1);
    const { response } = await pending;
    expect(response.topics[0]).toMatchObject({ name: 'slow', errorCode: ErrorCode.RequestTimedOut });
    expect(await fx.zk.topicExists('slow')).toBe(true);
  });

  it('timeoutMs 0 answers at once with REQUEST_TIMED_OUT for a topic it created (Kafka), nothing waits', async () => {
    const s = setup();
    const r = await createOne(5, topic('at-once', { numPartitions: 1, replicationFactor: 1 }), { timeoutMs: 0 }, s);
    expect(r).toMatchObject({ errorCode: ErrorCode.RequestTimedOut, numPartitions: -1, replicationFactor: -1, configs: [] });
    expect(s.deps.adminPurgatory.delayed).toBe(0);
    expect(await fx.zk.topicExists('at-once')).toBe(true);
  });

  it('-1 counts take num.partitions and default.replication.factor; replicas spread over live brokers', async () => {
    const { deps, handler } = setup({ 'num.partitions': '4', 'default.replication.factor': '2' });
    const pending = callHandler(handler, 4, { topics: [topic('defaults')], timeoutMs: 10_000 });
    await waitFor(() => deps.adminPurgatory.delayed === 1, { what: 'CreateTopics waiting' });
    const stored = (await readJson(fx.raw, '/brokers/topics/defaults')) as { partitions: Record<string, number[]> };
    const lists = Object.values(stored.partitions);
    expect(Object.keys(stored.partitions)).toEqual(['0', '1', '2', '3']);
    for (const r of lists) {
      expect(r).toHaveLength(2);
      expect(new Set(r).size).toBe(2);
      for (const b of r) expect([1, 2, 3]).toContain(b);
    }
    expect(await readJson(fx.raw, '/config/topics/defaults')).toEqual({ version: 1, config: {} });
    publishMetadata(deps, [1, 2, 3], ledPartitions('defaults', lists));
    expect((await pending).response.topics[0].errorCode).toBe(ErrorCode.None);
  });

  it('validateOnly writes nothing and (v5) still describes the topic', async () => {
    const s = setup();
    const r = await createOne(
      5,
      topic('dry-run', { numPartitions: 3, replicationFactor: 2, configs: [{ name: 'retention.ms', value: '1000' }] }),
      { validateOnly: true, timeoutMs: 10_000 },
      s,
    );
    expect(r).toMatchObject({ errorCode: ErrorCode.None, numPartitions: 3, replicationFactor: 2 });
    expect(r.configs.find((c: { name: string }) => c.name === 'retention.ms')).toMatchObject({ value: '1000', configSource: 1 });
    expect(s.deps.adminPurgatory.delayed).toBe(0);
    expect(await fx.zk.topicExists('dry-run')).toBe(false);
    expect(await fx.raw.exists('/config/topics/dry-run')).toBeNull();
  });

  it('kafkajs decodes the v3 answer', async () => {
    const s = setup();
    const { body } = await callHandler(s.handler, 3, { topics: [topic('Bad Name')], timeoutMs: 0, validateOnly: false });
    const decoded = await kafkajsDecodeResponse('createTopics', 3, body);
    expect(decoded.topicErrors).toEqual([expect.objectContaining({ topic: 'Bad Name', errorCode: ErrorCode.InvalidTopicException })]);
  });
});

describe('admin create-topics - per-topic errors', () => {
  it('duplicate names in one request → INVALID_REQUEST on each entry, nothing created', async () => {
    const { handler } = setup();
    const { response } = await callHandler(handler, 2, { topics: [topic('twice'), topic('twice')], timeoutMs: 0, validateOnly: false });
    expect(response.topics.map((t: { errorCode: number }) => t.errorCode)).toEqual([ErrorCode.InvalidRequest, ErrorCode.InvalidRequest]);
    expect(response.topics[0].errorMessage).toBe('Found multiple entries for this topic.');
    expect(await fx.zk.topicExists('twice')).toBe(false);
  });

  it('invalid names → INVALID_TOPIC_EXCEPTION', async () => {
    for (const name of ['has space', '..', 'x'.repeat(250)]) {
      expect((await createOne(1, topic(name))).errorCode).toBe(ErrorCode.InvalidTopicException);
    }
  });

  it('a name colliding with an existing one through . and _ → INVALID_TOPIC_EXCEPTION', async () => {
    expect((await createOne(1, topic('metrics.raw', { numPartitions: 1, replicationFactor: 1 }))).errorCode).toBe(ErrorCode.RequestTimedOut);
    const r = await createOne(1, topic('metrics_raw', { numPartitions: 1, replicationFactor: 1 }));
    expect(r).toMatchObject({ errorCode: ErrorCode.InvalidTopicException, errorMessage: "Topic 'metrics_raw' collides with existing topic: metrics.raw" });
  });

  it('a topic in the metadata cache, or only in ZooKeeper → TOPIC_ALREADY_EXISTS', async () => {
    const s = setup();
    publishMetadata(s.deps, [1, 2, 3], ledPartitions('cached', [[1]]));
    expect(await createOne(1, topic('cached'), {}, s)).toMatchObject({ errorCode: ErrorCode.TopicAlreadyExists, errorMessage: "Topic 'cached' already exists." });
    expect((await createOne(1, topic('in-zk', { numPartitions: 1, replicationFactor: 1 }))).errorCode).toBe(ErrorCode.RequestTimedOut);
    expect((await createOne(1, topic('in-zk', { numPartitions: 1, replicationFactor: 1 }))).errorCode).toBe(ErrorCode.TopicAlreadyExists);
  });

  it('replication factor above the live brokers, or 0 → INVALID_REPLICATION_FACTOR', async () => {
    const r = await createOne(1, topic('too-many', { numPartitions: 1, replicationFactor: 4 }));
    expect(r).toMatchObject({ errorCode: ErrorCode.InvalidReplicationFactor, errorMessage: 'Replication factor: 4 larger than available brokers: 3.' });
    expect((await createOne(1, topic('rf-zero', { numPartitions: 1, replicationFactor: 0 }))).errorCode).toBe(ErrorCode.InvalidReplicationFactor);
    expect(await fx.zk.topicExists('too-many')).toBe(false);
  });

  it('a partition count of 0 → INVALID_PARTITIONS', async () => {
    expect((await createOne(1, topic('no-partitions', { numPartitions: 0, replicationFactor: 1 }))).errorCode).toBe(ErrorCode.InvalidPartitions);
  });

  it('counts and assignments together → INVALID_REQUEST', async () => {
    const r = await createOne(1, topic('both', { numPartitions: 1, assignments: [{ partitionIndex: 0, brokerIds: [1] }] }));
    expect(r.errorCode).toBe(ErrorCode.InvalidRequest);
    expect(r.errorMessage).toMatch(/Both numPartitions or replicationFactor and replicasAssignments were set/);
  });

  it('bad explicit assignments → INVALID_REPLICA_ASSIGNMENT', async () => {
    const cases: Array<[string, Array<{ partitionIndex: number; brokerIds: number[] }>, RegExp]> = [
      ['unknown-broker', [{ partitionIndex: 0, brokerIds: [1, 9] }], /Unknown broker\(s\) in replica assignment: 9/],
      ['dup-broker', [{ partitionIndex: 0, brokerIds: [2, 2] }], /Duplicate replica assignment found/],
      ['uneven-rf', [{ partitionIndex: 0, brokerIds: [1, 2] }, { partitionIndex: 1, brokerIds: [3] }], /same number of replicas/],
      ['empty-rf', [{ partitionIndex: 0, brokerIds: [] }], /same number of replicas/],
      ['gap', [{ partitionIndex: 0, brokerIds: [1] }, { partitionIndex: 2, brokerIds: [2] }], /consecutive 0-based/],
      ['same-partition', [{ partitionIndex: 0, brokerIds: [1] }, { partitionIndex: 0, brokerIds: [2] }], /assigned more than once/],
    ];
    for (const [name, assignments, message] of cases) {
      const r = await createOne(1, topic(name, { assignments }));
      expect(r.errorCode, name).toBe(ErrorCode.InvalidReplicaAssignment);
      expect(r.errorMessage, name).toMatch(message);
      expect(await fx.zk.topicExists(name)).toBe(false);
    }
  });

  it('invalid topic configs → INVALID_CONFIG with the reason; a null value → INVALID_REQUEST', async () => {
    const unknown = await createOne(1, topic('bad-config', { numPartitions: 1, replicationFactor: 1, configs: [{ name: 'retention.mss', value: '1' }] }));
    expect(unknown).toMatchObject({ errorCode: ErrorCode.InvalidConfig, errorMessage: 'Unknown topic config name: retention.mss' });
    const badValue = await createOne(1, topic('bad-value', { numPartitions: 1, replicationFactor: 1, configs: [{ name: 'segment.bytes', value: '1' }] }));
    expect(badValue.errorCode).toBe(ErrorCode.InvalidConfig);
    expect(badValue.errorMessage).toMatch(/segment\.bytes/);
    const nullValue = await createOne(1, topic('null-value', { numPartitions: 1, replicationFactor: 1, configs: [{ name: 'retention.ms', value: null }] }));
    expect(nullValue).toMatchObject({ errorCode: ErrorCode.InvalidRequest, errorMessage: 'Null value not supported for topic configs : retention.ms' });
    for (const t of ['bad-config', 'bad-value', 'null-value']) expect(await fx.zk.topicExists(t)).toBe(false);
  });

  it('a failed topic beside a good one: only the good one waits; v5 failures carry -1 and no configs', async () => {
    const { deps, handler } = setup();
    const pending = callHandler(handler, 5, {
      topics: [topic('good-one', { numPartitions: 1, replicationFactor: 1 }), topic('bad one')],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    await waitFor(() => deps.adminPurgatory.delayed === 1, { what: 'CreateTopics waiting' });
    const stored = (await readJson(fx.raw, '/brokers/topics/good-one')) as { partitions: Record<string, number[]> };
    publishMetadata(deps, [1, 2, 3], ledPartitions('good-one', Object.values(stored.partitions)));
    const { response } = await pending;
    expect(response.topics[0]).toMatchObject({ name: 'good-one', errorCode: ErrorCode.None, numPartitions: 1, replicationFactor: 1 });
    expect(response.topics[1]).toMatchObject({ name: 'bad one', errorCode: ErrorCode.InvalidTopicException, numPartitions: -1, replicationFactor: -1, configs: [] });
  });

  it('errorResponse puts the code on every topic', () => {
    const { handler } = setup();
    const res = handler.errorResponse?.({ topics: [topic('a'), topic('b')], timeoutMs: 0, validateOnly: false }, ErrorCode.NotController, {} as never) as {
      topics: Array<{ errorCode: number }>;
    };
    expect(res.topics.map((t) => t.errorCode)).toEqual([ErrorCode.NotController, ErrorCode.NotController]);
  });
});
