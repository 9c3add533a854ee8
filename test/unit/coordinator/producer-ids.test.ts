/**
 * Producer ids: the ProducerIdManager's blocks (startup claim, hand-out in order, next block when one
 * runs out, one claim shared by concurrent callers, a failed claim retried by the next call), the
 * TransactionCoordinator's InitProducerId paths (null / "" / transactional id with and without the
 * transactional side plugged in), and the InitProducerId handler's request-level rules (half-set
 * pid/epoch, PRODUCER_FENCED below v4) through our own tables at every version.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/common/logger.js';
import { ProducerIdManager, type ProducerIdBlockStore } from '../../../src/coordinator/producer-id-manager.js';
import { TransactionCoordinator, type TransactionalIdCoordinator } from '../../../src/coordinator/transaction-coordinator.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { InitProducerIdRequest, InitProducerIdResponse } from '../../../src/protocol/messages/init-producer-id.js';
import { Reader, Writer } from '../../../src/protocol/primitives.js';
import { createInitProducerIdHandler } from '../../../src/server/handlers/init-producer-id.js';
import { createRequestContext } from '../../../src/server/request-context.js';

/** Blocks of `size` handed out in order, like the znode's conditional claims; `fail` makes the next claims throw. */
function fakeStore(size = 1000): ProducerIdBlockStore & { claims: number; fail: number } {
  let end = -1;
  const store = {
    claims: 0,
    fail: 0,
    async claimProducerIdBlock() {
      await Promise.resolve();
      if (store.fail > 0) {
        store.fail--;
        throw new Error('zookeeper down');
      }
      store.claims++;
      const blockStart = end + 1;
      end += size;
      return { blockStart, blockEnd: end };
    },
  };
  return store;
}

describe('ProducerIdManager', () => {
  it('claims a block at startup and hands out its ids in order, then claims the next block', async () => {
    const store = fakeStore(3);
    const m = new ProducerIdManager(1, store, silentLogger());
    await m.startup();
    expect(m.currentBlock).toEqual({ blockStart: 0, blockEnd: 2, next: 0 });
    const ids = [];
    for (let i = 0; i < 7; i++) ids.push(await m.generateProducerId());
    expect(ids).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(store.claims).toBe(3);
  });

  it('concurrent callers share one claim and never get the same id', async () => {
    const store = fakeStore(2);
    const m = new ProducerIdManager(1, store, silentLogger());
    const ids = await Promise.all(Array.from({ length: 5 }, () => m.generateProducerId()));
    expect(new Set(ids).size).toBe(5);
    expect(ids.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(store.claims).toBe(3);
  });

  it('a failed claim fails its callers; the next call claims again', async () => {
    const store = fakeStore();
    store.fail = 1;
    const m = new ProducerIdManager(1, store, silentLogger());
    await expect(m.generateProducerId()).rejects.toThrow('zookeeper down');
    expect(await m.generateProducerId()).toBe(0);
  });
});

describe('TransactionCoordinator.handleInitProducerId', () => {
  const make = async (transactionalIds?: TransactionalIdCoordinator) => {
    const producerIds = new ProducerIdManager(1, fakeStore(), silentLogger());
    await producerIds.startup();
    return new TransactionCoordinator({ producerIds, log: silentLogger(), ...(transactionalIds ? { transactionalIds } : {}) });
  };

  it('null transactional id: a fresh producer id with epoch 0 each time, whatever pid/epoch was sent', async () => {
    const c = await make();
    expect(await c.handleInitProducerId(null, -1, null)).toEqual({ errorCode: ErrorCode.None, producerId: 0, producerEpoch: 0 });
    expect(await c.handleInitProducerId(null, 60000, { producerId: 0, producerEpoch: 0 })).toEqual({ errorCode: ErrorCode.None, producerId: 1, producerEpoch: 0 });
  });

  it('empty transactional id → INVALID_REQUEST; a real one without the transactional side → COORDINATOR_NOT_AVAILABLE', async () => {
    const c = await make();
    expect(await c.handleInitProducerId('', 1000, null)).toEqual({ errorCode: ErrorCode.InvalidRequest, producerId: -1, producerEpoch: -1 });
    expect(await c.handleInitProducerId('txn-a', 1000, null)).toEqual({ errorCode: ErrorCode.CoordinatorNotAvailable, producerId: -1, producerEpoch: -1 });
  });

  it('a plugged-in transactional side gets the id, timeout and expected pid/epoch', async () => {
    const seen: unknown[] = [];
    const c = await make();
    c.setTransactionalIdCoordinator({
      async initProducerId(id, timeout, expected) {
        seen.push([id, timeout, expected]);
        return { errorCode: ErrorCode.None, producerId: 42, producerEpoch: 3 };
      },
    });
    expect(await c.handleInitProducerId('t', 5000, { producerId: 42, producerEpoch: 2 })).toEqual({ errorCode: ErrorCode.None, producerId: 42, producerEpoch: 3 });
    expect(seen).toEqual([['t', 5000, { producerId: 42, producerEpoch: 2 }]]);
  });

  it('ZooKeeper unable to give a block → COORDINATOR_NOT_AVAILABLE (retriable), not a stalled request', async () => {
    const store = fakeStore();
    store.fail = 1;
    const c = new TransactionCoordinator({ producerIds: new ProducerIdManager(1, store, silentLogger()), log: silentLogger() });
    expect(await c.handleInitProducerId(null, -1, null)).toEqual({ errorCode: ErrorCode.CoordinatorNotAvailable, producerId: -1, producerEpoch: -1 });
  });
});

describe('InitProducerId handler', () => {
  async function call(version: number, body: { transactionalId: string | null; producerId?: number; producerEpoch?: number }, txn?: TransactionalIdCoordinator) {
    const producerIds = new ProducerIdManager(1, fakeStore(), silentLogger());
    const handler = createInitProducerIdHandler(new TransactionCoordinator({ producerIds, log: silentLogger(), ...(txn ? { transactionalIds: txn } : {}) }));
    const w = new Writer();
    InitProducerIdRequest.encode(w, version, { transactionTimeoutMs: 60000, ...body });
    const req = InitProducerIdRequest.decode(new Reader(w.toBuffer()), version);
    const ctx = createRequestContext({
      header: { apiKey: 22, apiVersion: version, correlationId: 1, clientId: 'test' },
      connection: { connectionId: 'c', clientAddress: '127.0.0.1', clientPort: 1, listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT' },
      receivedAt: 0,
      supportedApis: [],
      log: silentLogger(),
    });
    const res = await handler.handle(req, ctx);
    const out = new Writer();
    InitProducerIdResponse.encode(out, version, res as never);
    return InitProducerIdResponse.decode(new Reader(out.toBuffer()), version);
  }

  it.each([0, 1, 2, 3, 4])('v%i: idempotent producer gets a new id and epoch 0', async (v) => {
    expect(await call(v, { transactionalId: null })).toMatchObject({ errorCode: 0, producerId: 0, producerEpoch: 0 });
  });

  it.each([3, 4])('v%i: exactly one of ProducerId/ProducerEpoch set → INVALID_REQUEST with -1/-1', async (v) => {
    expect(await call(v, { transactionalId: null, producerId: 5, producerEpoch: -1 })).toMatchObject({ errorCode: ErrorCode.InvalidRequest, producerId: -1, producerEpoch: -1 });
    expect(await call(v, { transactionalId: null, producerId: -1, producerEpoch: 0 })).toMatchObject({ errorCode: ErrorCode.InvalidRequest, producerId: -1, producerEpoch: -1 });
  });

  it('PRODUCER_FENCED from the transactional side reaches v4 as 90 and older versions as INVALID_PRODUCER_EPOCH', async () => {
    const fenced: TransactionalIdCoordinator = { initProducerId: async () => ({ errorCode: ErrorCode.ProducerFenced, producerId: -1, producerEpoch: -1 }) };
    expect((await call(4, { transactionalId: 't' }, fenced)).errorCode).toBe(ErrorCode.ProducerFenced);
    expect((await call(3, { transactionalId: 't' }, fenced)).errorCode).toBe(ErrorCode.InvalidProducerEpoch);
    expect((await call(1, { transactionalId: 't' }, fenced)).errorCode).toBe(ErrorCode.InvalidProducerEpoch);
  });
});
