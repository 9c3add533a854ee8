/**
 * registerBroker when the connection is lost during its multi (the write may or may not have been applied): it is
 * sent again once reconnected, and a node left by the first attempt is recognised as ours (same session).
 * reregisterBroker (after a session expiry) retries a registration that failed until it works, the session
 * expires again or the broker stops. A fake
 * ZkClient stands in for ZooKeeper: the real-ZooKeeper cases (stale sessions, epochs) are in
 * test/integration/zk/kafka-zk-client.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ClientClosedError, ConnectionLossError, SessionExpiredError, ZkError, type ZkClient, type ZkStat } from '../../../src/zk/client.js';
import { registerBroker, reregisterBroker } from '../../../src/zk/broker-registration.js';
import type { BrokerInfo } from '../../../src/zk/znodes.js';

const info: BrokerInfo = {
  id: 2,
  endpoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 9002 }],
  rack: null,
  jmxPort: -1,
};
const SESSION = 0x1234n;
const CZXID = 77;

/** A ZooKeeper whose first multi is lost with the connection after (`applied`) or before it was applied. */
function flakyZk(applied: boolean, reconnect: () => Promise<void> = async () => {}) {
  const calls: string[] = [];
  let node: { czxid: number; owner: bigint } | null = null;
  const zk = {
    sessionId: SESSION,
    previousSessionIds: [] as bigint[],
    mkdirp: async () => {},
    waitUntilConnected: async () => {
      calls.push('wait');
      await reconnect();
    },
    multi: async () => {
      calls.push('multi');
      if (calls.filter((c) => c === 'multi').length === 1) {
        if (applied) node = { czxid: CZXID, owner: SESSION };
        throw new ConnectionLossError('/brokers/ids/2');
      }
      if (node) return { outcome: 'node-exists', index: 0 };
      node = { czxid: CZXID + 1, owner: SESSION };
      return { outcome: 'ok', results: [{ type: 'create', path: '/brokers/ids/2' }, { type: 'setData', stat: { czxid: CZXID + 1 } as ZkStat }] };
    },
    tryGetData: async () => {
      calls.push('read');
      return node ? { data: Buffer.alloc(0), stat: { czxid: node.czxid, ephemeralOwner: node.owner, version: 1 } as ZkStat } : null;
    },
  };
  return { zk: zk as unknown as ZkClient, calls };
}

describe('broker registration - connection lost during the multi', () => {
  it('applied before the loss: sent again once reconnected, the node found ours (its czxid is the epoch)', async () => {
    const { zk, calls } = flakyZk(true);
    expect(await registerBroker(zk, info)).toBe(CZXID);
    expect(calls).toEqual(['multi', 'wait', 'multi', 'read']);
  });

  it('not applied: sent again once reconnected and created then', async () => {
    const { zk, calls } = flakyZk(false);
    expect(await registerBroker(zk, info)).toBe(CZXID + 1);
    expect(calls).toEqual(['multi', 'wait', 'multi']);
  });

  it('the session expiring before the reconnection fails the registration (a new session registers afresh)', async () => {
    const { zk } = flakyZk(true, () => Promise.reject(new SessionExpiredError()));
    await expect(registerBroker(zk, info)).rejects.toBeInstanceOf(SessionExpiredError);
  });
});

describe('broker registration - again in a new session after expiry', () => {
  const timeout = () => Promise.reject(new ZkError('TIMEOUT', 'could not connect to ZooKeeper in 10 ms'));

  it('a reconnection that times out is not the end: tried again until registered', async () => {
    const { zk, calls } = flakyZk(false, timeout);
    const retried: unknown[] = [];
    expect(await reregisterBroker(zk, info, () => false, (err) => retried.push(err), 1)).toBe(CZXID + 1);
    expect(retried.map((e) => (e as ZkError).code)).toEqual(['TIMEOUT']);
    expect(calls).toEqual(['multi', 'wait', 'multi']);
  });

  it('gives up (null) when the session expires again or the client closes: the next session registers', async () => {
    for (const err of [new SessionExpiredError(), new ClientClosedError()]) {
      const { zk } = flakyZk(false, () => Promise.reject(err));
      const retried: unknown[] = [];
      expect(await reregisterBroker(zk, info, () => false, (e) => retried.push(e), 1)).toBeNull();
      expect(retried).toEqual([]);
    }
  });

  it('stops retrying once the broker is stopping', async () => {
    let stopping = false;
    const { zk, calls } = flakyZk(false, () => {
      stopping = true;
      return timeout();
    });
    expect(await reregisterBroker(zk, info, () => stopping, () => {}, 1)).toBeNull();
    expect(calls).toEqual(['multi', 'wait']);
  });
});
