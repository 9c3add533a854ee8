/**
 * ZooKeeper multi-op (transaction) building and result interpretation for `ZkClient.multi`, split out of
 * client.ts. Holds the op/result types callers build (`zkOp.*`), the version-0 guard (node-zookeeper-client's
 * Transaction turns an expected version 0 into "any version", aesthetics.md rule 7), and the mapping of
 * ZooKeeper's per-op error results to a typed `MultiResult` (`bad-version`, `node-exists`, `no-node`,
 * `not-empty` + the failing op's index). Also the create-mode mapping shared with `ZkClient.create`.
 */
import zookeeper from 'node-zookeeper-client';
import type { ACL, Stat as LibStat, Transaction } from 'node-zookeeper-client';
import { BadVersionError, mapError, NodeExistsError, NoNodeError, NotEmptyError, toStat, ZkError, ZkProgrammingError, type ZkStat } from './zk-errors.js';

export type CreateMode = 'persistent' | 'ephemeral' | 'persistent-sequential' | 'ephemeral-sequential';

export function libMode(mode: CreateMode): number {
  const M = zookeeper.CreateMode;
  switch (mode) {
    case 'persistent':
      return M.PERSISTENT;
    case 'ephemeral':
      return M.EPHEMERAL;
    case 'persistent-sequential':
      return M.PERSISTENT_SEQUENTIAL;
    case 'ephemeral-sequential':
      return M.EPHEMERAL_SEQUENTIAL;
  }
}

/** Expected version -1 = any version. 0 is rejected inside a multi (see header). */
export type ZkOp =
  | { type: 'check'; path: string; version: number }
  | { type: 'create'; path: string; data: Buffer | null; mode: CreateMode }
  | { type: 'setData'; path: string; data: Buffer | null; version: number }
  | { type: 'delete'; path: string; version: number };

export const zkOp = {
  check: (path: string, version: number): ZkOp => ({ type: 'check', path, version }),
  create: (path: string, data: Buffer | null, mode: CreateMode = 'persistent'): ZkOp => ({
    type: 'create',
    path,
    data,
    mode,
  }),
  setData: (path: string, data: Buffer | null, version: number): ZkOp => ({ type: 'setData', path, data, version }),
  delete: (path: string, version = -1): ZkOp => ({ type: 'delete', path, version }),
};

export type ZkOpResult =
  | { type: 'check' }
  | { type: 'create'; path: string }
  | { type: 'setData'; stat: ZkStat }
  | { type: 'delete' };

export type MultiFailure = 'bad-version' | 'node-exists' | 'no-node' | 'not-empty';
export type MultiResult =
  | { outcome: 'ok'; results: ZkOpResult[] }
  | { outcome: MultiFailure; failedOp: number; path: string };

export function checkVersion(op: ZkOp): void {
  if (op.type === 'create') return;
  const v = op.version;
  if (!Number.isInteger(v) || v < -1) throw new ZkProgrammingError(`multi ${op.type} ${op.path}: bad version ${v}`);
  if (v === 0) {
    throw new ZkProgrammingError(
      `multi ${op.type} ${op.path} with expected version 0: node-zookeeper-client's Transaction turns 0 into ` +
        `"any version"; keep conditionally-updated znodes at version >= 1 (aesthetics.md rule 7)`,
    );
  }
}

/** Adds `ops` (already version-checked) to a library transaction; creates get `aclsFor(path)`. */
export function addOpsToTransaction(tx: Transaction, ops: readonly ZkOp[], aclsFor: (path: string) => ACL[]): void {
  for (const op of ops) {
    switch (op.type) {
      case 'check':
        tx.check(op.path, op.version);
        break;
      case 'create':
        if (op.data === null) tx.create(op.path, aclsFor(op.path), libMode(op.mode));
        else tx.create(op.path, op.data, aclsFor(op.path), libMode(op.mode));
        break;
      case 'setData':
        tx.setData(op.path, op.data, op.version);
        break;
      case 'delete':
        tx.remove(op.path, op.version);
        break;
    }
  }
}

const OP_ERROR = -1; // jute OpCode.error

export interface RawResult {
  type: number;
  path?: string;
  stat?: LibStat;
  err?: number;
}

function toOpResult(r: RawResult, op: ZkOp | undefined): ZkOpResult {
  switch (op?.type) {
    case 'create':
      return { type: 'create', path: r.path ?? op.path };
    case 'setData':
      if (!r.stat) throw new ZkError('OTHER', 'multi setData result without stat', op.path);
      return { type: 'setData', stat: toStat(r.stat) };
    case 'check':
      return { type: 'check' };
    default:
      return { type: 'delete' };
  }
}

/**
 * The outcome of a committed transaction: ok with per-op results, or the typed failure. Connection loss,
 * expiry and other errors are thrown.
 */
export function multiOutcome(err: unknown, rawResults: RawResult[] | undefined, ops: readonly ZkOp[]): MultiResult {
  const results = rawResults ?? [];
  if (!err) return { outcome: 'ok', results: results.map((r, i) => toOpResult(r, ops[i])) };
  // ZooKeeper answers a failed multi with one error result per op: OK before the culprit, the real code for
  // it, RUNTIMEINCONSISTENCY after it.
  const failedOp = results.findIndex((r) => r.type === OP_ERROR && r.err !== undefined && r.err !== 0);
  const mapped = mapError(err, ops[failedOp]?.path);
  const path = ops[failedOp]?.path ?? '';
  if (mapped instanceof BadVersionError) return { outcome: 'bad-version', failedOp, path };
  if (mapped instanceof NodeExistsError) return { outcome: 'node-exists', failedOp, path };
  if (mapped instanceof NoNodeError) return { outcome: 'no-node', failedOp, path };
  if (mapped instanceof NotEmptyError) return { outcome: 'not-empty', failedOp, path };
  throw mapped;
}
