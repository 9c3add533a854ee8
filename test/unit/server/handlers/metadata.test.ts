import { afterEach, describe, expect, it } from 'vitest';
import { createMetadataHandler } from '../../../../src/server/handlers/metadata.js';
import { ErrorCode } from '../../../../src/protocol/error-codes.js';
import { KafkaError } from '../../../../src/common/errors.js';
import type { TopicAssignment } from '../../../../src/zk/znodes.js';
import { cacheBrokers, ctx, depsOf, makeKit, type Kit } from '../../cluster/kit.js';

let kit: Kit;
afterEach(() => kit?.close());

type Res = {
  brokers: Array<{ nodeId: number; host: string; port: number; rack: string | null }>;
  clusterId: string | null;
  controllerId: number;
  topics: Array<{ errorCode: number; name: string; isInternal: boolean; partitions: Array<{ errorCode: number; partitionIndex: number; leaderId: number }> }>;
};

/** Records the assignments written; knows brokers 1 and 2. */
function fakeZk() {
  const created = new Map<string, { assignment: TopicAssignment; config: Record<string, string> }>();
  return {
    created,
    getAllBrokers: async () => [2, 1].map((id) => ({ id, rack: null })),
    createTopicAssignment: async (topic: string, assignment: TopicAssignment, config: Record<string, string> = {}) => {
      if (created.has(topic)) throw new KafkaError(ErrorCode.TopicAlreadyExists);
      created.set(topic, { assignment, config });
    },
  };
}

function setup(props: Record<string, string> = {}) {
  kit = makeKit({ 'num.partitions': '3', 'default.replication.factor': '2', 'offsets.topic.replication.factor': '3', ...props });
  cacheBrokers(kit.metadataCache, [1, 2], [{ topic: 't', partition: 0 }, { topic: 't', partition: 1, leader: 2 }, { topic: '__consumer_offsets', partition: 0 }]);
  const zk = fakeZk();
  const h = createMetadataHandler(depsOf(kit, zk), { random: () => 0 });
  return { h, zk };
}

const req = (topics: string[] | null, allowAutoTopicCreation = true) => ({
  topics: topics === null ? null : topics.map((name) => ({ name })),
  allowAutoTopicCreation,
  includeClusterAuthorizedOperations: false,
  includeTopicAuthorizedOperations: false,
});

describe('metadata handler', () => {
  it('lists live brokers on the request listener, cluster id, controller and all topics for null', async () => {
    const { h } = setup();
    const r = (await h.handle(req(null), ctx(9))) as Res;
    expect(r.brokers).toEqual([
      { nodeId: 1, host: '127.0.0.1', port: 9001, rack: null },
      { nodeId: 2, host: '127.0.0.1', port: 9002, rack: null },
    ]);
    expect(r.clusterId).toBe('test-cluster-id-000000');
    expect(r.controllerId).toBe(1);
    expect(r.topics.map((t) => [t.name, t.isInternal, t.partitions.map((p) => [p.partitionIndex, p.leaderId])])).toEqual([
      ['t', false, [[0, 1], [1, 2]]],
      ['__consumer_offsets', true, [[0, 1]]],
    ]);
  });

  it('v0: an empty topic list means all topics', async () => {
    const { h } = setup();
    expect(((await h.handle(req([]), ctx(0))) as Res).topics).toHaveLength(2);
    expect(((await h.handle(req([]), ctx(1))) as Res).topics).toHaveLength(0);
  });

  it('auto-creates a missing topic: LEADER_NOT_AVAILABLE with no partitions, assignment over brokers sorted by id', async () => {
    const { h, zk } = setup();
    const r = (await h.handle(req(['new-topic', 'new-topic']), ctx(9))) as Res;
    expect(r.topics).toEqual([{ errorCode: ErrorCode.LeaderNotAvailable, name: 'new-topic', isInternal: false, partitions: [], topicAuthorizedOperations: -2147483648 }]);
    const written = zk.created.get('new-topic')!;
    expect([...written.assignment].map(([p, a]) => [p, a.replicas])).toEqual([
      [0, [1, 2]],
      [1, [2, 1]],
      [2, [1, 2]],
    ]);
    expect(((await h.handle(req(['new-topic']), ctx(9))) as Res).topics[0]!.errorCode).toBe(ErrorCode.LeaderNotAvailable);
  });

  it('UNKNOWN_TOPIC_OR_PARTITION when auto-creation is not allowed by the request or the broker', async () => {
    const { h, zk } = setup();
    expect(((await h.handle(req(['x'], false), ctx(9))) as Res).topics[0]!.errorCode).toBe(ErrorCode.UnknownTopicOrPartition);
    const off = setup({ 'auto.create.topics.enable': 'false' });
    expect(((await off.h.handle(req(['x']), ctx(2))) as Res).topics[0]!.errorCode).toBe(ErrorCode.UnknownTopicOrPartition);
    expect(zk.created.size + off.zk.created.size).toBe(0);
  });

  it('INVALID_TOPIC_EXCEPTION for an illegal name; INVALID_REPLICATION_FACTOR for an internal topic with too few brokers', async () => {
    const { h, zk } = setup();
    const r = (await h.handle(req(['bad name!', '__transaction_state']), ctx(9))) as Res;
    expect(r.topics.map((t) => [t.name, t.errorCode, t.isInternal])).toEqual([
      ['bad name!', ErrorCode.InvalidTopicException, false],
      ['__transaction_state', ErrorCode.InvalidReplicationFactor, true],
    ]);
    expect(zk.created.size).toBe(0);
  });

  it('INVALID_REPLICATION_FACTOR when default.replication.factor exceeds the brokers', async () => {
    const { h } = setup({ 'default.replication.factor': '3' });
    expect(((await h.handle(req(['y']), ctx(9))) as Res).topics[0]!.errorCode).toBe(ErrorCode.InvalidReplicationFactor);
  });
});
