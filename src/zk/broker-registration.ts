/**
 * Broker registration under /brokers/ids (reference/zk-and-controller.md §3.1–3.3; Kafka's
 * KafkaZkClient.registerBroker / CheckedEphemeral, generateBrokerSequenceId, getAllBrokerAndEpochsInCluster).
 *
 * - `registerBroker` creates the ephemeral `/brokers/ids/<id>` as Kafka does, in one multi: create, then
 *   setData(data, any) — the znode ends at version 1 and the setData stat gives the czxid = broker epoch.
 *   (Kafka writes setData with version 0; "any" is equivalent inside the same multi and avoids the
 *   library's version-0 trap.)
 * - NODEEXISTS (KAFKA-7165 / ZOOKEEPER-2985), by owner of the existing node:
 *   current session → ours (epoch = its czxid); a previous session of this client → delete it and retry;
 *   anyone else → `NodeExistsError` (Kafka aborts startup), unless `waitForStaleMs` is given: then we wait that
 *   long for the other session to expire (a broker restarted before its old session timed out).
 * - CONNECTIONLOSS (the multi may or may not have been applied): sent again once reconnected, as Kafka's
 *   retryRequestUntilConnected does; if the first one was applied, the node is ours by the rule above.
 */
import {
  ClientClosedError,
  ConnectionLossError,
  NoNodeError,
  NodeExistsError,
  SessionExpiredError,
  type ZkClient,
  type ZkWatcher,
  zkOp,
  sessionIdHex,
} from './client.js';
import { BrokerIdZNode, BrokerIdsZNode, BrokerSequenceIdZNode, type BrokerInfo, type BrokerRegistration } from './znodes.js';

export interface BrokerAndEpoch extends BrokerRegistration {
  /** czxid of /brokers/ids/<id> (KIP-380) */
  epoch: number;
}

export interface RegisterBrokerOptions {
  /** wait up to this long for a node owned by an unknown session to go away; default 0 (fail at once) */
  waitForStaleMs?: number;
  nowMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Registers the broker; returns its broker epoch (czxid). */
export async function registerBroker(zk: ZkClient, info: BrokerInfo, opts: RegisterBrokerOptions = {}): Promise<number> {
  const path = BrokerIdZNode.path(info.id);
  const data = BrokerIdZNode.encode(info, opts.nowMs ?? Date.now());
  const deadline = Date.now() + (opts.waitForStaleMs ?? 0);
  await zk.mkdirp(BrokerIdsZNode.path);
  for (;;) {
    let r;
    try {
      r = await zk.multi([zkOp.create(path, null, 'ephemeral'), zkOp.setData(path, data, -1)]);
    } catch (err) {
      if (!(err instanceof ConnectionLossError)) throw err;
      await zk.waitUntilConnected();
      continue;
    }
    if (r.outcome === 'ok') {
      const set = r.results[1];
      if (set?.type !== 'setData') throw new Error('broker registration multi: missing setData result');
      return set.stat.czxid;
    }
    if (r.outcome !== 'node-exists') throw new Error(`registering ${path}: ${r.outcome}`);
    const existing = await zk.tryGetData(path);
    if (!existing) continue; // went away while we looked: create again
    const owner = existing.stat.ephemeralOwner;
    if (owner === zk.sessionId) return existing.stat.czxid;
    if (zk.previousSessionIds.includes(owner)) {
      try {
        await zk.delete(path, { version: existing.stat.version });
      } catch (err) {
        if (!(err instanceof NoNodeError)) throw err;
      }
      continue;
    }
    if (Date.now() >= deadline) {
      const e = new NodeExistsError(path);
      e.message =
        `Error while creating ephemeral at ${path}, node already exists and owner '${sessionIdHex(owner)}' ` +
        `does not match current session '${sessionIdHex(zk.sessionId)}'`;
      throw e;
    }
    await sleep(200);
  }
}

/**
 * Registration in a new session after expiry (Kafka's RegisterBrokerAndReelect), retried every `retryMs` until it
 * works. Kafka tries once; a failure there (ZooKeeper unreachable past the connection timeout, as on a loaded
 * machine after a ZooKeeper pause) leaves a running broker unregistered, so never given leadership or ISR again,
 * until its next session. Returns null, having given up, when the session expired once more (the next session
 * registers) or `stopped()` says the broker is stopping.
 */
export async function reregisterBroker(
  zk: ZkClient,
  info: BrokerInfo,
  stopped: () => boolean,
  onRetry: (err: unknown) => void,
  retryMs = 1000,
): Promise<number | null> {
  for (;;) {
    if (stopped()) return null;
    try {
      return await registerBroker(zk, info);
    } catch (err) {
      if (err instanceof SessionExpiredError || err instanceof ClientClosedError) return null;
      onRetry(err);
      await sleep(retryMs);
    }
  }
}

/** Kafka's generateBrokerSequenceId + reserved.broker.max.id: the first generated id is 1001 by default. */
export async function generateBrokerId(zk: ZkClient, reservedBrokerMaxId = 1000): Promise<number> {
  for (;;) {
    try {
      const stat = await zk.setData(BrokerSequenceIdZNode.path, Buffer.alloc(0), -1);
      return stat.version + reservedBrokerMaxId;
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
      try {
        await zk.create(BrokerSequenceIdZNode.path, Buffer.alloc(0), { parents: true });
      } catch (err2) {
        if (!(err2 instanceof NodeExistsError)) throw err2;
      }
    }
  }
}

/** Registered broker ids, sorted. With a watcher: a one-shot child watch on /brokers/ids. */
export async function getBrokerIds(zk: ZkClient, watch?: ZkWatcher): Promise<number[]> {
  try {
    const children = await zk.getChildren(BrokerIdsZNode.path, watch);
    return children.map(Number).filter(Number.isInteger).sort((a, b) => a - b);
  } catch (err) {
    if (err instanceof NoNodeError) return [];
    throw err;
  }
}

/** One broker with its epoch, or null. With a watcher: data watch (existence watch if absent). */
export async function getBroker(zk: ZkClient, id: number, watch?: ZkWatcher): Promise<BrokerAndEpoch | null> {
  const r = await zk.tryGetData(BrokerIdZNode.path(id), watch);
  return r ? { ...BrokerIdZNode.decode(id, r.data), epoch: r.stat.czxid } : null;
}

/** Every registered broker with its epoch, sorted by id (brokers vanishing meanwhile are skipped). */
export async function getAllBrokers(zk: ZkClient): Promise<BrokerAndEpoch[]> {
  const ids = await getBrokerIds(zk);
  const brokers = await Promise.all(ids.map((id) => getBroker(zk, id)));
  return brokers.filter((b): b is BrokerAndEpoch => b !== null);
}
