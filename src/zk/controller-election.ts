/**
 * Controller election and fencing (reference/zk-and-controller.md §1.3, §4.2–4.3; Kafka's KafkaZkClient
 * `registerControllerAndIncrementControllerEpoch` and the `checkedControllerEpoch` multi wrapper).
 *
 * - Election = ONE multi: create ephemeral `/controller` + setData(`/controller_epoch`, epoch+1, zkVersion read).
 * - Every controller write goes through `fencedMulti`: check(`/controller_epoch`, epochZkVersion) first;
 *   BADVERSION (or NONODE) on that check → `ControllerMovedError`.
 * Deviation from Kafka (the version-0 trap, aesthetics.md rule 7): a missing `/controller_epoch` is created
 * with "0" and immediately bumped to zkVersion 1 with a plain conditional setData, so no multi ever expects
 * version 0. The first controller therefore gets epoch 1 with epochZkVersion 2 (Kafka: 1 and 1); only the
 * epoch value travels in requests, the zkVersion is a private fencing token.
 */
import { ConnectionLossError, NodeExistsError, BadVersionError, type MultiResult, type ZkClient, type ZkOp, type ZkWatcher, zkOp } from './client.js';
import { ControllerEpochZNode, ControllerZNode } from './znodes.js';

export interface ControllerFence {
  /** the controller epoch this controller won */
  epoch: number;
  /** zkVersion of /controller_epoch after the win: the fencing token */
  epochZkVersion: number;
}

export type ElectionResult = ({ elected: true } & ControllerFence) | { elected: false; controllerId: number };

/** Another controller has been elected since this one won (Kafka's ControllerMovedException). */
export class ControllerMovedError extends Error {
  constructor(message = 'controller epoch zkVersion moved: this broker is no longer the controller') {
    super(message);
    this.name = 'ControllerMovedError';
  }
}

/** `multi([check(/controller_epoch, fence.epochZkVersion), ...ops])`; failedOp indexes refer to `ops`. */
export async function fencedMulti(zk: ZkClient, fence: ControllerFence, ops: readonly ZkOp[]): Promise<MultiResult> {
  const r = await zk.multi([zkOp.check(ControllerEpochZNode.path, fence.epochZkVersion), ...ops]);
  if (r.outcome === 'ok') return { outcome: 'ok', results: r.results.slice(1) };
  if (r.failedOp === 0) throw new ControllerMovedError();
  return { ...r, failedOp: r.failedOp - 1 };
}

/** Current controller id, -1 when none. */
export async function getControllerId(zk: ZkClient, watch?: ZkWatcher): Promise<number> {
  const r = await zk.tryGetData(ControllerZNode.path, watch);
  return r ? ControllerZNode.decode(r.data).brokerId : -1;
}

/** (epoch, zkVersion) of /controller_epoch, or null when absent. */
export async function getControllerEpoch(zk: ZkClient): Promise<{ epoch: number; zkVersion: number } | null> {
  const r = await zk.tryGetData(ControllerEpochZNode.path);
  return r ? { epoch: ControllerEpochZNode.decode(r.data), zkVersion: r.stat.version } : null;
}

/** Reads /controller_epoch, creating it ("0", then bumped to zkVersion ≥ 1) when missing. */
async function readOrCreateEpoch(zk: ZkClient): Promise<{ epoch: number; zkVersion: number }> {
  for (;;) {
    const cur = await getControllerEpoch(zk);
    if (cur && cur.zkVersion >= 1) return cur;
    if (!cur) {
      try {
        await zk.create(ControllerEpochZNode.path, ControllerEpochZNode.encode(0));
      } catch (err) {
        if (!(err instanceof NodeExistsError)) throw err;
      }
    }
    try {
      await zk.setData(ControllerEpochZNode.path, ControllerEpochZNode.encode(cur?.epoch ?? 0), 0);
    } catch (err) {
      if (!(err instanceof BadVersionError)) throw err; // someone else bumped it
    }
  }
}

/**
 * One election attempt (§4.2). Returns the fence on a win; otherwise the id of the controller that is in
 * place (-1 if it vanished meanwhile: the caller's /controller watch will trigger a new attempt).
 */
export async function tryElectController(zk: ZkClient, brokerId: number, nowMs = Date.now()): Promise<ElectionResult> {
  const existing = await getControllerId(zk);
  if (existing !== -1) return { elected: false, controllerId: existing };
  const { epoch, zkVersion } = await readOrCreateEpoch(zk);
  const newEpoch = epoch + 1;
  let r: MultiResult;
  try {
    r = await zk.multi([
      zkOp.create(ControllerZNode.path, ControllerZNode.encode(brokerId, nowMs), 'ephemeral'),
      zkOp.setData(ControllerEpochZNode.path, ControllerEpochZNode.encode(newEpoch), zkVersion),
    ]);
  } catch (err) {
    if (!(err instanceof ConnectionLossError)) throw err;
    await zk.waitUntilConnected();
    r = { outcome: 'node-exists', failedOp: 0, path: ControllerZNode.path }; // re-check below
  }
  if (r.outcome === 'ok') {
    const set = r.results[1];
    if (set?.type !== 'setData') throw new Error('election multi: missing setData result');
    return { elected: true, epoch: newEpoch, epochZkVersion: set.stat.version };
  }
  // NODEEXISTS / BADVERSION (or an unknown outcome after connection loss): did we win anyway?
  const controller = await zk.tryGetData(ControllerZNode.path);
  const current = await getControllerEpoch(zk);
  if (controller) {
    const id = ControllerZNode.decode(controller.data).brokerId;
    if (id === brokerId && controller.stat.ephemeralOwner === zk.sessionId && current?.epoch === newEpoch) {
      return { elected: true, epoch: newEpoch, epochZkVersion: current.zkVersion };
    }
    return { elected: false, controllerId: id };
  }
  return { elected: false, controllerId: -1 };
}

/**
 * Arms a one-shot watch on /controller (creation, deletion, data change) and returns the current controller
 * id (-1 when none) read under that watch.
 */
export function watchController(zk: ZkClient, watch: ZkWatcher): Promise<number> {
  return getControllerId(zk, watch);
}

/** Kafka's triggerControllerMove/resign: fenced delete of /controller. */
export async function deleteControllerFenced(zk: ZkClient, fence: ControllerFence): Promise<void> {
  const r = await fencedMulti(zk, fence, [zkOp.delete(ControllerZNode.path, -1)]);
  if (r.outcome !== 'ok' && r.outcome !== 'no-node') throw new Error(`deleting /controller: ${r.outcome}`);
}

/** Deletes /controller only if this session owns it (resignation without a fence, e.g. at shutdown). */
export async function resignController(zk: ZkClient, brokerId: number): Promise<boolean> {
  const r = await zk.tryGetData(ControllerZNode.path);
  if (!r || ControllerZNode.decode(r.data).brokerId !== brokerId || r.stat.ephemeralOwner !== zk.sessionId) return false;
  try {
    await zk.delete(ControllerZNode.path, { version: r.stat.version });
    return true;
  } catch {
    return false;
  }
}
