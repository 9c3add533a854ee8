/**
 * CreatePartitions handler against a real ZooKeeper: the continued assignment written to
 * `/brokers/topics/<t>`, the wait for the new partitions' leaders, validateOnly and every error.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { createCreatePartitionsHandler } from '../../../src/server/handlers/create-partitions.js';
import type { BrokerInfo } from '../../../src/zk/znodes.js';
import { replicaAssignment } from '../../../src/zk/znodes.js';
import { waitFor } from '../../harness/wait-for.js';
import { buildDeps, callHandler, ledPartitions, publishMetadata } from './handler-kit.js';
import { readJson, useZooKeeper } from './zk-kit.js';

const fx = useZooKeeper();
const BROKERS = [1, 2, 3];

const brokerInfo = (id: number): BrokerInfo => ({
  id,
  endpoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + id }],
  rack: null,
  jmxPort: -1,
});

let registered = false;
async function setup(name: string, replicas: number[][]) {
  if (!registered) {
    for (const id of BROKERS) await fx.zk.registerBroker(brokerInfo(id));
    registered = true;
  }
  await fx.zk.createTopicAssignment(name, new Map(replicas.map((r, p) => [p, replicaAssignment(r)])));
  const deps = buildDeps({ zk: fx.zk });
  publishMetadata(deps, BROKERS, ledPartitions(name, replicas));
  return { deps, handler: createCreatePartitionsHandler(deps) };
}

const req = (name: string, count: number, extra: Record<string, unknown> = {}) => ({
  topics: [{ name, count, assignments: null }],
  timeoutMs: 0,
  validateOnly: false,
  ...extra,
});

describe('admin create-partitions - placement and wait', () => {
  it('continues the assignment (start after partition 0 leader, same RF) and waits for the new leaders', async () => {
    const { deps, handler } = await setup('grow', [[1, 2], [2, 3]]);
    const pending = callHandler(handler, 1, req('grow', 4, { timeoutMs: 10_000 }));
    await waitFor(() => deps.adminPurgatory.delayed === 1, { what: 'CreatePartitions waiting' });
    // assignNewPartitions(brokers 1..3, existing, 4): fixed start index 0 (broker 1), from partition 2
    expect(await readJson(fx.raw, '/brokers/topics/grow')).toEqual({
      version: 2,
      partitions: { '0': [1, 2], '1': [2, 3], '2': [3, 1], '3': [1, 3] },
      adding_replicas: {},
      removing_replicas: {},
    });
    publishMetadata(deps, BROKERS, ledPartitions('grow', [[3, 1]], 2));
    expect(deps.adminPurgatory.delayed).toBe(1);
    publishMetadata(deps, BROKERS, ledPartitions('grow', [[1, 3]], 3));
    expect((await pending).response.results).toEqual([{ name: 'grow', errorCode: ErrorCode.None, errorMessage: null }]);
  });

  it('explicit assignments are written as given; timeout → REQUEST_TIMED_OUT', async () => {
    const { deps, handler } = await setup('explicit', [[1]]);
    const pending = callHandler(handler, 3, {
      topics: [{ name: 'explicit', count: 3, assignments: [{ brokerIds: [3] }, { brokerIds: [2] }] }],
      timeoutMs: 500,
      validateOnly: false,
    });
    await waitFor(() => deps.adminPurgatory.delayed === 1, { what: 'CreatePartitions waiting' });
    expect(((await readJson(fx.raw, '/brokers/topics/explicit')) as { partitions: unknown }).partitions).toEqual({ '0': [1], '1': [3], '2': [2] });
    deps.clock.advance(500);
    expect((await pending).response.results[0].errorCode).toBe(ErrorCode.RequestTimedOut);
  });

  it('validateOnly writes nothing and answers NONE; timeoutMs 0 answers REQUEST_TIMED_OUT after writing', async () => {
    const { handler } = await setup('checked', [[1], [2]]);
    expect((await callHandler(handler, 0, req('checked', 5, { validateOnly: true, timeoutMs: 1000 }))).response.results[0].errorCode).toBe(ErrorCode.None);
    expect((await fx.zk.getTopicAssignment('checked'))?.assignment.size).toBe(2);
    expect((await callHandler(handler, 0, req('checked', 3))).response.results[0].errorCode).toBe(ErrorCode.RequestTimedOut);
    expect((await fx.zk.getTopicAssignment('checked'))?.assignment.size).toBe(3);
  });
});

describe('admin create-partitions - errors', () => {
  it('a count not above the current one → INVALID_PARTITIONS', async () => {
    const { handler } = await setup('fixed', [[1], [2]]);
    const lower = (await callHandler(handler, 1, req('fixed', 1))).response.results[0];
    expect(lower).toEqual({ name: 'fixed', errorCode: ErrorCode.InvalidPartitions, errorMessage: 'Topic currently has 2 partitions, which is higher than the requested 1.' });
    const equal = (await callHandler(handler, 1, req('fixed', 2))).response.results[0];
    expect(equal).toMatchObject({ errorCode: ErrorCode.InvalidPartitions, errorMessage: 'Topic already has 2 partitions.' });
  });

  it('an unknown topic → UNKNOWN_TOPIC_OR_PARTITION; a topic named twice → INVALID_REQUEST', async () => {
    const { handler } = await setup('dup', [[1]]);
    expect((await callHandler(handler, 1, req('missing', 3))).response.results[0].errorCode).toBe(ErrorCode.UnknownTopicOrPartition);
    const both = { name: 'dup', count: 2, assignments: null };
    const { response } = await callHandler(handler, 1, { topics: [both, both], timeoutMs: 0, validateOnly: false });
    expect(response.results.map((r: { errorCode: number }) => r.errorCode)).toEqual([ErrorCode.InvalidRequest, ErrorCode.InvalidRequest]);
    expect((await fx.zk.getTopicAssignment('dup'))?.assignment.size).toBe(1);
  });

  it('a topic queued for deletion → INVALID_TOPIC_EXCEPTION', async () => {
    const { handler } = await setup('going', [[1]]);
    await fx.zk.markTopicForDeletion('going');
    const r = (await callHandler(handler, 1, req('going', 2))).response.results[0];
    expect(r).toMatchObject({ errorCode: ErrorCode.InvalidTopicException, errorMessage: 'The topic is queued for deletion.' });
  });

  it('a partition being reassigned → REASSIGNMENT_IN_PROGRESS', async () => {
    const { handler } = await setup('moving', [[1]]);
    await fx.zk.setTopicAssignment(null, 'moving', new Map([[0, { replicas: [1, 2], addingReplicas: [2], removingReplicas: [] }]]));
    expect((await callHandler(handler, 1, req('moving', 2))).response.results[0].errorCode).toBe(ErrorCode.ReassignmentInProgress);
  });

  it('bad explicit assignments → INVALID_REPLICA_ASSIGNMENT; RF above the brokers → INVALID_REPLICATION_FACTOR', async () => {
    const { handler } = await setup('shape', [[1, 2]]);
    const cases: Array<[number, number[][], RegExp]> = [
      [2, [[1, 9]], /Unknown broker\(s\) in replica assignment: 9\./],
      [3, [[1, 2]], /Increasing the number of partitions by 2 but 1 assignments provided/],
      [2, [[]], /Cannot have replication factor of 0 for partition id 1/],
      [2, [[3, 3]], /Duplicate brokers not allowed/],
      [2, [[3]], /Inconsistent replication factor between partitions, partition 0 has 2 while partitions \[1\] have replication factors \[1\]/],
    ];
    for (const [count, lists, message] of cases) {
      const r = (await callHandler(handler, 1, { topics: [{ name: 'shape', count, assignments: lists.map((brokerIds) => ({ brokerIds })) }], timeoutMs: 0, validateOnly: false })).response.results[0];
      expect(r.errorCode, String(message)).toBe(ErrorCode.InvalidReplicaAssignment);
      expect(r.errorMessage).toMatch(message);
    }
    const wide = await setup('wide', [[1, 2, 3]]);
    await fx.zk.zk.delete('/brokers/ids/3'); // broker 3 deregistered
    const r = (await callHandler(wide.handler, 1, req('wide', 2))).response.results[0];
    expect(r.errorCode).toBe(ErrorCode.InvalidReplicationFactor);
    expect((await fx.zk.getTopicAssignment('shape'))?.assignment.size).toBe(1);
  });

  it('errorResponse puts the code on every topic', async () => {
    const { handler } = await setup('err', [[1]]);
    const res = handler.errorResponse?.(req('err', 2), ErrorCode.NotController, {} as never) as { results: Array<{ errorCode: number }> };
    expect(res.results[0]?.errorCode).toBe(ErrorCode.NotController);
  });
});
