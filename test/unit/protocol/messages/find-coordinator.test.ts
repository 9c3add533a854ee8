import { describe, expect, it } from 'vitest';
import { FindCoordinatorRequest, FindCoordinatorResponse } from '../../../../src/protocol/messages/find-coordinator.js';
import {
  checkAllVersions,
  checkUnknownTagsSkipped,
  decode,
  decodeKafkajsRequest,
  kafkajsEncoder,
  kafkajsReadsResponse,
} from './codec-kit.js';

describe('find-coordinator - kafkajs oracle', () => {
  it('decodes the v0 request kafkajs writes (group key only)', async () => {
    const req = await decodeKafkajsRequest(FindCoordinatorRequest, 'findCoordinator', 0, { groupId: 'orders-app' });
    expect(req).toEqual({ key: 'orders-app', keyType: 0 });
  });

  it.each([1, 2])('decodes the v%i request kafkajs writes (transactional key)', async (v) => {
    const req = await decodeKafkajsRequest(FindCoordinatorRequest, 'findCoordinator', v, {
      coordinatorKey: 'txn-payments-1',
      coordinatorType: 1,
    });
    expect(req).toEqual({ key: 'txn-payments-1', keyType: 1 });
  });

  it('kafkajs reads our v0 response', async () => {
    const res = await kafkajsReadsResponse(FindCoordinatorResponse, 'findCoordinator', 0, {
      errorCode: 0,
      nodeId: 2,
      host: 'broker-2.local',
      port: 9093,
    });
    expect(res).toEqual({ errorCode: 0, coordinator: { nodeId: 2, host: 'broker-2.local', port: 9093 } });
  });

  it.each([1, 2])('kafkajs reads our v%i response, errors and null message included', async (v) => {
    const ok = await kafkajsReadsResponse(FindCoordinatorResponse, 'findCoordinator', v, {
      throttleTimeMs: 7,
      errorCode: 0,
      errorMessage: null,
      nodeId: 3,
      host: 'b3',
      port: 19092,
    });
    expect(ok).toMatchObject({ errorCode: 0, errorMessage: null, coordinator: { nodeId: 3, host: 'b3', port: 19092 } });
    expect(v === 1 ? ok.throttleTime : ok.clientSideThrottleTime).toBe(7);
    const unavailable = await kafkajsReadsResponse(FindCoordinatorResponse, 'findCoordinator', v, {
      throttleTimeMs: 0,
      errorCode: 15,
      errorMessage: 'The coordinator is not available.',
      nodeId: -1,
      host: '',
      port: -1,
    });
    expect(unavailable).toMatchObject({
      errorCode: 15,
      errorMessage: 'The coordinator is not available.',
      coordinator: { nodeId: -1, host: '', port: -1 },
    });
  });
});

describe('find-coordinator - every version', () => {
  it('round-trips requests v0–v3 and rejects every truncation', () => {
    expect(checkAllVersions(FindCoordinatorRequest, () => ({ key: 'g-1', keyType: 1 }))).toEqual([0, 1, 2, 3]);
  });

  it('round-trips responses v0–v3 and rejects every truncation', () => {
    const seen = checkAllVersions(FindCoordinatorResponse, (v) => ({
      throttleTimeMs: 12,
      errorCode: 0,
      errorMessage: v >= 1 ? null : '',
      nodeId: 1,
      host: 'localhost',
      port: 9092,
    }));
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  it('v3 request layout is compact (hand-built with kafkajs Encoder) and skips unknown tags', () => {
    const body = kafkajsEncoder().writeUVarIntString('g-1').writeInt8(0).writeUVarInt(0).buffer;
    expect(decode(FindCoordinatorRequest, 3, body)).toEqual({ key: 'g-1', keyType: 0 });
    expect(checkUnknownTagsSkipped(FindCoordinatorRequest, () => ({ key: 'g-1', keyType: 0 }))).toEqual([3]);
  });

  it('a v0 request carries no key type: a group lookup', () => {
    expect(FindCoordinatorRequest.defaults()).toEqual({ key: '', keyType: 0 });
  });
});
