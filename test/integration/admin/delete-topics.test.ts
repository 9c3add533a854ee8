/**
 * DeleteTopics handler against a real ZooKeeper: the `/admin/delete_topics/<t>` marker, the wait
 * until the metadata cache drops the topic, expiry, and the error codes.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { createDeleteTopicsHandler } from '../../../src/server/handlers/delete-topics.js';
import { replicaAssignment } from '../../../src/zk/znodes.js';
import { waitFor } from '../../harness/wait-for.js';
import { kafkajsDecodeResponse } from '../../unit/protocol/kafkajs-oracle.js';
import { buildDeps, callHandler, ledPartitions, publishDeletion, publishMetadata } from './handler-kit.js';
import { useZooKeeper } from './zk-kit.js';

const fx = useZooKeeper();

async function existingTopic(name: string, props: Record<string, string> = {}) {
  await fx.zk.createTopicAssignment(name, new Map([[0, replicaAssignment([1])], [1, replicaAssignment([2])]]));
  const deps = buildDeps({ zk: fx.zk, props });
  publishMetadata(deps, [1, 2], ledPartitions(name, [[1], [2]]));
  return { deps, handler: createDeleteTopicsHandler(deps) };
}

describe('admin delete-topics', () => {
  it('writes /admin/delete_topics/<t> and answers once the cache no longer has the topic', async () => {
    const { deps, handler } = await existingTopic('doomed');
    const pending = callHandler(handler, 5, { topicNames: ['doomed'], timeoutMs: 30_000 });
    await waitFor(() => deps.adminPurgatory.delayed === 1, { what: 'DeleteTopics waiting' });
    expect(await fx.raw.exists('/admin/delete_topics/doomed')).not.toBeNull();
    publishMetadata(deps, [1, 2]); // unrelated UpdateMetadata: still waiting
    expect(deps.adminPurgatory.delayed).toBe(1);
    publishDeletion(deps, [1, 2], 'doomed', 2);
    const { response } = await pending;
    expect(response.responses).toEqual([{ name: 'doomed', errorCode: ErrorCode.None, errorMessage: null }]);
  });

  it('REQUEST_TIMED_OUT when the topic is still cached at timeoutMs; the marker stays', async () => {
    const { deps, handler } = await existingTopic('lingering');
    const pending = callHandler(handler, 1, { topicNames: ['lingering'], timeoutMs: 2000 });
    await waitFor(() => deps.adminPurgatory.delayed === 1, { what: 'DeleteTopics waiting' });
    deps.clock.advance(2000);
    expect((await pending).response.responses[0].errorCode).toBe(ErrorCode.RequestTimedOut);
    expect(await fx.raw.exists('/admin/delete_topics/lingering')).not.toBeNull();
  });

  it('timeoutMs 0 marks the topic and answers REQUEST_TIMED_OUT at once', async () => {
    const { deps, handler } = await existingTopic('quick');
    const { response } = await callHandler(handler, 3, { topicNames: ['quick'], timeoutMs: 0 });
    expect(response.responses[0].errorCode).toBe(ErrorCode.RequestTimedOut);
    expect(deps.adminPurgatory.delayed).toBe(0);
    expect(await fx.raw.exists('/admin/delete_topics/quick')).not.toBeNull();
  });

  it('an unknown topic → UNKNOWN_TOPIC_OR_PARTITION, beside a known one that waits', async () => {
    const { deps, handler } = await existingTopic('known');
    const pending = callHandler(handler, 4, { topicNames: ['nope', 'known'], timeoutMs: 10_000 });
    await waitFor(() => deps.adminPurgatory.delayed === 1, { what: 'DeleteTopics waiting' });
    publishDeletion(deps, [1, 2], 'known', 2);
    const { response } = await pending;
    expect(response.responses.map((r: { errorCode: number }) => r.errorCode)).toEqual([ErrorCode.UnknownTopicOrPartition, ErrorCode.None]);
    expect(await fx.raw.exists('/admin/delete_topics/nope')).toBeNull();
  });

  it('a topic in the cache but gone from ZooKeeper → UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const deps = buildDeps({ zk: fx.zk });
    publishMetadata(deps, [1], ledPartitions('ghost', [[1]]));
    const { response } = await callHandler(createDeleteTopicsHandler(deps), 1, { topicNames: ['ghost'], timeoutMs: 1000 });
    expect(response.responses[0].errorCode).toBe(ErrorCode.UnknownTopicOrPartition);
  });

  it('delete.topic.enable=false → TOPIC_DELETION_DISABLED from v3, INVALID_REQUEST before; nothing marked', async () => {
    const { handler } = await existingTopic('kept', { 'delete.topic.enable': 'false' });
    expect((await callHandler(handler, 3, { topicNames: ['kept'], timeoutMs: 0 })).response.responses[0].errorCode).toBe(ErrorCode.TopicDeletionDisabled);
    expect((await callHandler(handler, 2, { topicNames: ['kept'], timeoutMs: 0 })).response.responses[0].errorCode).toBe(ErrorCode.InvalidRequest);
    expect(await fx.raw.exists('/admin/delete_topics/kept')).toBeNull();
  });

  it('internal topics are marked like any other (Kafka 2.7 refuses them only in kafka-topics.sh)', async () => {
    const { handler } = await existingTopic('__consumer_offsets');
    const { body } = await callHandler(handler, 1, { topicNames: ['__consumer_offsets'], timeoutMs: 0 });
    expect(await fx.raw.exists('/admin/delete_topics/__consumer_offsets')).not.toBeNull();
    const decoded = await kafkajsDecodeResponse('deleteTopics', 1, body);
    expect(decoded.topicErrors).toEqual([{ topic: '__consumer_offsets', errorCode: ErrorCode.RequestTimedOut }]);
  });

  it('errorResponse puts the code on every topic', async () => {
    const { handler } = await existingTopic('any');
    const res = handler.errorResponse?.({ topicNames: ['a', 'b'], timeoutMs: 0 }, ErrorCode.NotController, {} as never) as {
      responses: Array<{ errorCode: number }>;
    };
    expect(res.responses.map((r) => r.errorCode)).toEqual([ErrorCode.NotController, ErrorCode.NotController]);
  });
});
