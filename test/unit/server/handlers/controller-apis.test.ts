/**
 * The controller-side API handlers without ZooKeeper: ControlledShutdown v0–v3, ElectLeaders v0–v2,
 * AlterPartitionReassignments v0 and ListPartitionReassignments v0.
 * - on a broker whose KafkaController is not active (a real one, never started): NOT_CONTROLLER answers;
 * - bad input answered per partition / top level, and the grouping of results by topic, through a
 *   controller double that answers as the active controller would (the real validation and moves are
 *   covered by test/unit/controller/partition-reassignment.test.ts and the integration tests);
 * - kafkajs 2.2.4 decodes our reassignment responses (behind the flexible header's tag byte it reads as body);
 * - ControlledShutdown v0 (request header v0, no client id) goes through the router.
 */
import { describe, expect, it } from 'vitest';
import { KafkaError } from '../../../../src/common/errors.js';
import { silentLogger } from '../../../../src/common/logger.js';
import type { TopicPartition } from '../../../../src/common/topic-partition.js';
import { KafkaController } from '../../../../src/controller/controller.js';
import type { PartitionElectionResult } from '../../../../src/controller/events.js';
import type { OngoingReassignment, PartitionReassignmentResult, ReassignmentRequest } from '../../../../src/controller/partition-reassignment.js';
import { ErrorCode } from '../../../../src/protocol/error-codes.js';
import { decodeResponseHeader } from '../../../../src/protocol/header.js';
import { ControlledShutdownRequest, ControlledShutdownResponse } from '../../../../src/protocol/messages/controlled-shutdown.js';
import { Reader } from '../../../../src/protocol/primitives.js';
import { createAlterPartitionReassignmentsHandler } from '../../../../src/server/handlers/alter-partition-reassignments.js';
import { createControlledShutdownHandler } from '../../../../src/server/handlers/controlled-shutdown.js';
import { createElectLeadersHandler } from '../../../../src/server/handlers/elect-leaders.js';
import { createListPartitionReassignmentsHandler } from '../../../../src/server/handlers/list-partition-reassignments.js';
import { createRouter } from '../../../../src/server/router.js';
import { ZK_NOT_USED, buildDeps, callHandler, ledPartitions, publishMetadata } from '../../../integration/admin/handler-kit.js';
import { requestFrame } from '../../network/helpers.js';
import { kafkajsDecodeResponse } from '../../protocol/kafkajs-oracle.js';
import { withEmptyHeaderTags } from '../../protocol/messages/codec-kit.js';

const NOT_CONTROLLER_MESSAGE = 'This is not the correct controller for this cluster.';

function inactiveController(): KafkaController {
  return new KafkaController({ brokerId: 1, zkClient: ZK_NOT_USED, log: silentLogger() });
}

/** Answers as an active controller would; records what it was asked. */
class ActiveControllerDouble {
  readonly isActive = true;
  readonly calls: unknown[] = [];
  constructor(
    private readonly answers: {
      controlledShutdown?: (brokerId: number, brokerEpoch: number) => TopicPartition[];
      electLeaders?: (type: number, partitions: TopicPartition[] | null) => PartitionElectionResult[];
      alter?: (r: ReassignmentRequest[]) => PartitionReassignmentResult[];
      list?: (p: TopicPartition[] | null) => OngoingReassignment[];
      fail?: KafkaError;
    },
  ) {}
  private run<T>(fn: (() => T) | undefined): Promise<T> {
    if (this.answers.fail) return Promise.reject(this.answers.fail);
    if (!fn) return Promise.reject(new Error('not expected'));
    return Promise.resolve(fn());
  }
  controlledShutdown(brokerId: number, brokerEpoch: number): Promise<TopicPartition[]> {
    this.calls.push({ brokerId, brokerEpoch });
    return this.run(this.answers.controlledShutdown && (() => this.answers.controlledShutdown!(brokerId, brokerEpoch)));
  }
  electLeaders(type: number, partitions: TopicPartition[] | null): Promise<PartitionElectionResult[]> {
    this.calls.push({ type, partitions });
    return this.run(this.answers.electLeaders && (() => this.answers.electLeaders!(type, partitions)));
  }
  alterPartitionReassignments(r: ReassignmentRequest[]): Promise<PartitionReassignmentResult[]> {
    this.calls.push(r);
    return this.run(this.answers.alter && (() => this.answers.alter!(r)));
  }
  listPartitionReassignments(p: TopicPartition[] | null): Promise<OngoingReassignment[]> {
    this.calls.push(p);
    return this.run(this.answers.list && (() => this.answers.list!(p)));
  }
}
const asController = (d: ActiveControllerDouble): KafkaController => d as unknown as KafkaController;

const deps = () => buildDeps({});

describe('controller APIs - not the controller', () => {
  it('ControlledShutdown v1–v3 answers NOT_CONTROLLER with no partitions', async () => {
    const h = createControlledShutdownHandler(deps(), inactiveController());
    for (const v of [1, 2, 3]) {
      const { response } = await callHandler(h, v, { brokerId: 2, brokerEpoch: 40 });
      expect(response, `v${v}`).toEqual({ errorCode: ErrorCode.NotController, remainingPartitions: [] });
    }
  });

  it('ElectLeaders: every requested partition NOT_CONTROLLER, top level NONE; null = the cached partitions', async () => {
    const d = deps();
    publishMetadata(d, [1, 2], [...ledPartitions('a', [[1, 2], [2, 1]]), ...ledPartitions('b', [[2]])]);
    const h = createElectLeadersHandler(d, inactiveController());
    const { response } = await callHandler(h, 1, { electionType: 0, topicPartitions: [{ topic: 'a', partitions: [1, 1] }], timeoutMs: 100 });
    expect(response).toEqual({
      throttleTimeMs: 0,
      errorCode: ErrorCode.None,
      replicaElectionResults: [{ topic: 'a', partitionResult: [{ partitionId: 1, errorCode: ErrorCode.NotController, errorMessage: NOT_CONTROLLER_MESSAGE }] }],
    });
    const all = await callHandler(h, 2, { electionType: 1, topicPartitions: null });
    expect(all.response.replicaElectionResults).toEqual([
      { topic: 'a', partitionResult: [0, 1].map((partitionId) => ({ partitionId, errorCode: ErrorCode.NotController, errorMessage: NOT_CONTROLLER_MESSAGE })) },
      { topic: 'b', partitionResult: [{ partitionId: 0, errorCode: ErrorCode.NotController, errorMessage: NOT_CONTROLLER_MESSAGE }] },
    ]);
    // v0 has no top-level error code: the per-partition one carries it
    const v0 = await callHandler(h, 0, { topicPartitions: [{ topic: 'b', partitions: [0] }] });
    expect(v0.response.replicaElectionResults[0].partitionResult[0].errorCode).toBe(ErrorCode.NotController);
  });

  it('AlterPartitionReassignments: top-level NOT_CONTROLLER; kafkajs decodes it', async () => {
    const h = createAlterPartitionReassignmentsHandler(deps(), inactiveController());
    const { body, response } = await callHandler(h, 0, { timeoutMs: 1000, topics: [{ name: 't', partitions: [{ partitionIndex: 0, replicas: [1, 2] }] }] });
    expect(response).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.NotController, errorMessage: NOT_CONTROLLER_MESSAGE, responses: [] });
    expect(await kafkajsDecodeResponse('alterPartitionReassignments', 0, withEmptyHeaderTags(body))).toEqual({
      throttleTime: 0,
      errorCode: ErrorCode.NotController,
      responses: [],
    });
  });

  it('ListPartitionReassignments: top-level NOT_CONTROLLER; kafkajs decodes it', async () => {
    const h = createListPartitionReassignmentsHandler(deps(), inactiveController());
    const { body, response } = await callHandler(h, 0, { timeoutMs: 1000, topics: null });
    expect(response).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.NotController, errorMessage: NOT_CONTROLLER_MESSAGE, topics: [] });
    const decoded = await kafkajsDecodeResponse('listPartitionReassignments', 0, withEmptyHeaderTags(body));
    expect(decoded).toEqual({ throttleTime: 0, errorCode: ErrorCode.NotController, topics: [] });
  });

  it('a controller that moves while the request waits: the rejection code is answered', async () => {
    const moved = new ActiveControllerDouble({ fail: new KafkaError(ErrorCode.NotController, 'controller event dropped') });
    const alter = await callHandler(createAlterPartitionReassignmentsHandler(deps(), asController(moved)), 0, {
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, replicas: null }] }],
    });
    expect(alter.response).toMatchObject({ errorCode: ErrorCode.NotController, responses: [] });
    const stale = new ActiveControllerDouble({ fail: new KafkaError(ErrorCode.StaleControllerEpoch) });
    const cs = await callHandler(createControlledShutdownHandler(deps(), asController(stale)), 3, { brokerId: 2, brokerEpoch: 5 });
    expect(cs.response).toEqual({ errorCode: ErrorCode.StaleControllerEpoch, remainingPartitions: [] });
    const el = await callHandler(createElectLeadersHandler(deps(), asController(stale)), 1, {
      electionType: 0,
      topicPartitions: [{ topic: 'x', partitions: [0] }],
    });
    expect(el.response.errorCode).toBe(ErrorCode.StaleControllerEpoch);
    expect(el.response.replicaElectionResults[0].partitionResult[0].errorCode).toBe(ErrorCode.StaleControllerEpoch);
  });
});

describe('controller APIs - answers and bad input', () => {
  it('AlterPartitionReassignments: per-partition errors grouped by topic in request order; kafkajs reads them', async () => {
    const ctl = new ActiveControllerDouble({
      alter: (r) =>
        r.map((x) => ({
          tp: x.tp,
          errorCode:
            x.targetReplicas === null
              ? ErrorCode.NoReassignmentInProgress
              : x.targetReplicas.length === 0
                ? ErrorCode.InvalidReplicaAssignment
                : x.tp.topic === 'ghost'
                  ? ErrorCode.UnknownTopicOrPartition
                  : ErrorCode.None,
          errorMessage: null,
        })),
    });
    const h = createAlterPartitionReassignmentsHandler(deps(), asController(ctl));
    const { body, response } = await callHandler(h, 0, {
      topics: [
        { name: 'orders', partitions: [{ partitionIndex: 0, replicas: [2, 3] }, { partitionIndex: 1, replicas: [] }, { partitionIndex: 2, replicas: null }] },
        { name: 'ghost', partitions: [{ partitionIndex: 0, replicas: [1] }] },
      ],
    });
    expect(ctl.calls[0]).toEqual([
      { tp: { topic: 'orders', partition: 0 }, targetReplicas: [2, 3] },
      { tp: { topic: 'orders', partition: 1 }, targetReplicas: [] },
      { tp: { topic: 'orders', partition: 2 }, targetReplicas: null },
      { tp: { topic: 'ghost', partition: 0 }, targetReplicas: [1] },
    ]);
    expect(response.errorCode).toBe(ErrorCode.None);
    expect(await kafkajsDecodeResponse('alterPartitionReassignments', 0, withEmptyHeaderTags(body))).toEqual({
      throttleTime: 0,
      errorCode: 0,
      responses: [
        {
          topic: 'orders',
          partitions: [
            { partition: 0, errorCode: ErrorCode.None },
            { partition: 1, errorCode: ErrorCode.InvalidReplicaAssignment },
            { partition: 2, errorCode: ErrorCode.NoReassignmentInProgress },
          ],
        },
        { topic: 'ghost', partitions: [{ partition: 0, errorCode: ErrorCode.UnknownTopicOrPartition }] },
      ],
    });
  });

  it('ListPartitionReassignments: requested partitions passed on, ongoing moves reported with adding/removing; kafkajs reads them', async () => {
    const ctl = new ActiveControllerDouble({
      list: () => [
        { tp: { topic: 'orders', partition: 0 }, replicas: [1, 2, 0], addingReplicas: [2], removingReplicas: [0] },
        { tp: { topic: 'orders', partition: 3 }, replicas: [4, 5], addingReplicas: [5], removingReplicas: [] },
      ],
    });
    const h = createListPartitionReassignmentsHandler(deps(), asController(ctl));
    const { body } = await callHandler(h, 0, { topics: [{ name: 'orders', partitionIndexes: [0, 3, 9] }] });
    expect(ctl.calls[0]).toEqual([0, 3, 9].map((partition) => ({ topic: 'orders', partition })));
    const decoded = await kafkajsDecodeResponse('listPartitionReassignments', 0, withEmptyHeaderTags(body));
    expect(decoded).toEqual({
      throttleTime: 0,
      errorCode: 0,
      topics: [
        {
          name: 'orders',
          partitions: [
            { partition: 0, replicas: [1, 2, 0], addingReplicas: [2], removingReplicas: [0] },
            { partition: 3, replicas: [4, 5], addingReplicas: [5], removingReplicas: [] },
          ],
        },
      ],
    });
  });

  it('ElectLeaders: unknown election type → INVALID_REQUEST; null partitions leave out ELECTION_NOT_NEEDED', async () => {
    const ctl = new ActiveControllerDouble({
      electLeaders: () => [
        { tp: { topic: 'a', partition: 0 }, errorCode: ErrorCode.ElectionNotNeeded, errorMessage: null },
        { tp: { topic: 'a', partition: 1 }, errorCode: ErrorCode.None, errorMessage: null, leader: 2 },
        { tp: { topic: 'b', partition: 0 }, errorCode: ErrorCode.PreferredLeaderNotAvailable, errorMessage: 'no' },
      ],
    });
    const h = createElectLeadersHandler(deps(), asController(ctl));
    const bad = await callHandler(h, 1, { electionType: 5, topicPartitions: [{ topic: 'a', partitions: [0] }] });
    expect(bad.response.errorCode).toBe(ErrorCode.InvalidRequest);
    expect(bad.response.replicaElectionResults[0].partitionResult[0].errorCode).toBe(ErrorCode.InvalidRequest);
    expect(ctl.calls).toHaveLength(0);

    const all = await callHandler(h, 2, { electionType: 0, topicPartitions: null });
    expect(ctl.calls[0]).toEqual({ type: 0, partitions: null });
    expect(all.response).toEqual({
      throttleTimeMs: 0,
      errorCode: ErrorCode.None,
      replicaElectionResults: [
        { topic: 'a', partitionResult: [{ partitionId: 1, errorCode: ErrorCode.None, errorMessage: null }] },
        { topic: 'b', partitionResult: [{ partitionId: 0, errorCode: ErrorCode.PreferredLeaderNotAvailable, errorMessage: 'no' }] },
      ],
    });
    // named partitions: every result is returned, ELECTION_NOT_NEEDED included
    const named = await callHandler(h, 1, { electionType: 0, topicPartitions: [{ topic: 'a', partitions: [0, 1] }, { topic: 'b', partitions: [0] }] });
    expect(named.response.replicaElectionResults[0].partitionResult.map((p: { errorCode: number }) => p.errorCode)).toEqual([
      ErrorCode.ElectionNotNeeded,
      ErrorCode.None,
    ]);
  });

  it('ControlledShutdown: remaining partitions answered; STALE_BROKER_EPOCH passed through; v0/v1 send epoch -1', async () => {
    const ctl = new ActiveControllerDouble({
      controlledShutdown: (_id, epoch) => {
        if (epoch !== -1 && epoch < 10) throw new KafkaError(ErrorCode.StaleBrokerEpoch);
        return [{ topic: 'solo', partition: 2 }];
      },
    });
    const h = createControlledShutdownHandler(deps(), asController(ctl));
    expect((await callHandler(h, 3, { brokerId: 4, brokerEpoch: 3 })).response).toEqual({
      errorCode: ErrorCode.StaleBrokerEpoch,
      remainingPartitions: [],
    });
    expect((await callHandler(h, 2, { brokerId: 4, brokerEpoch: 12 })).response).toEqual({
      errorCode: ErrorCode.None,
      remainingPartitions: [{ topicName: 'solo', partitionIndex: 2 }],
    });
    await callHandler(h, 1, { brokerId: 4 });
    expect(ctl.calls.at(-1)).toEqual({ brokerId: 4, brokerEpoch: -1 });
  });

  it('ControlledShutdown v0 (request header v0, no client id) is routed and answered', async () => {
    const ctl = new ActiveControllerDouble({ controlledShutdown: () => [] });
    const router = createRouter([createControlledShutdownHandler(deps(), asController(ctl))], { log: silentLogger() });
    const frame = requestFrame(ControlledShutdownRequest, 0, 77, { brokerId: 6 }, null);
    const outcome = await router.process(frame.subarray(4), {
      connectionId: 'c',
      clientAddress: '127.0.0.1',
      clientPort: 1,
      listenerName: 'PLAINTEXT',
      securityProtocol: 'PLAINTEXT',
    }, 0);
    expect(outcome.type).toBe('response');
    const bytes = Buffer.concat(outcome.type === 'response' ? [...outcome.chunks] : []);
    const r = new Reader(bytes.subarray(4));
    expect(decodeResponseHeader(r, ControlledShutdownRequest.apiKey, false).correlationId).toBe(77);
    expect(ControlledShutdownResponse.decode(r, 0)).toEqual({ errorCode: ErrorCode.None, remainingPartitions: [] });
    expect(ctl.calls).toEqual([{ brokerId: 6, brokerEpoch: -1 }]);
  });
});
