/**
 * ZooKeeper failures as typed errors, and the library's Stat as our `ZkStat` (split out of client.ts, which
 * holds the session itself). Every error a ZkClient call rejects with is one of these; `mapError` turns
 * node-zookeeper-client's Exception codes into them. Stat conversion keeps zxids exact (see client.ts's header:
 * throw rather than lose precision above 2^53) and session ids as bigint.
 */
import zookeeper from 'node-zookeeper-client';
import type { Stat as LibStat } from 'node-zookeeper-client';

// ---------------------------------------------------------------------------------------------- errors

export type ZkErrorCode =
  | 'NONODE'
  | 'NODEEXISTS'
  | 'BADVERSION'
  | 'NOTEMPTY'
  | 'CONNECTIONLOSS'
  | 'SESSIONEXPIRED'
  | 'CLOSED'
  | 'TIMEOUT'
  | 'BADARGUMENTS'
  | 'NOAUTH'
  | 'OTHER';

export class ZkError extends Error {
  constructor(
    readonly code: ZkErrorCode,
    message: string,
    readonly path?: string,
    options?: ErrorOptions,
  ) {
    super(path ? `${message} (${path})` : message, options);
    this.name = 'ZkError';
  }
}
export class NoNodeError extends ZkError {
  constructor(path?: string) {
    super('NONODE', 'znode does not exist', path);
    this.name = 'NoNodeError';
  }
}
/**
 * A path ZooKeeper would refuse (empty segment, trailing '/', illegal characters): the client library checks paths
 * before sending and throws; we reject with this instead (ZooKeeper's BADARGUMENTS). Reads turn it into "no such
 * znode": nothing can exist at such a path (a client-chosen topic or group name made it).
 */
export class InvalidPathError extends ZkError {
  constructor(path: string | undefined, reason: string) {
    super('BADARGUMENTS', `invalid znode path: ${reason}`, path);
    this.name = 'InvalidPathError';
  }
}
export class NodeExistsError extends ZkError {
  constructor(path?: string) {
    super('NODEEXISTS', 'znode already exists', path);
    this.name = 'NodeExistsError';
  }
}
export class BadVersionError extends ZkError {
  constructor(path?: string) {
    super('BADVERSION', 'znode version does not match', path);
    this.name = 'BadVersionError';
  }
}
export class NotEmptyError extends ZkError {
  constructor(path?: string) {
    super('NOTEMPTY', 'znode has children', path);
    this.name = 'NotEmptyError';
  }
}
export class ConnectionLossError extends ZkError {
  constructor(path?: string) {
    super('CONNECTIONLOSS', 'connection to ZooKeeper lost', path);
    this.name = 'ConnectionLossError';
  }
}
export class SessionExpiredError extends ZkError {
  constructor(path?: string) {
    super('SESSIONEXPIRED', 'ZooKeeper session expired', path);
    this.name = 'SessionExpiredError';
  }
}
export class ClientClosedError extends ZkError {
  constructor() {
    super('CLOSED', 'ZooKeeper client is closed');
    this.name = 'ClientClosedError';
  }
}
/** The znode's ACL does not let this session do that (zookeeper.set.acl). */
export class NoAuthError extends ZkError {
  constructor(path?: string) {
    super('NOAUTH', 'not authorized by the znode ACL', path);
    this.name = 'NoAuthError';
  }
}
/** A caller bug (e.g. expected version 0 inside a multi), never a cluster condition. */
export class ZkProgrammingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZkProgrammingError';
  }
}

export function mapError(err: unknown, path?: string): Error {
  const code = (err as { getCode?: () => number } | null)?.getCode?.();
  if (code === undefined) return err instanceof Error ? err : new Error(String(err));
  const E = zookeeper.Exception;
  switch (code) {
    case E.NO_NODE:
      return new NoNodeError(path);
    case E.NODE_EXISTS:
      return new NodeExistsError(path);
    case E.BAD_VERSION:
      return new BadVersionError(path);
    case E.NOT_EMPTY:
      return new NotEmptyError(path);
    case E.CONNECTION_LOSS:
      return new ConnectionLossError(path);
    case E.SESSION_EXPIRED:
      return new SessionExpiredError(path);
    case E.BAD_ARGUMENTS:
      return new InvalidPathError(path, 'refused by ZooKeeper (BADARGUMENTS)');
    case E.NO_AUTH:
      return new NoAuthError(path);
    default:
      return new ZkError('OTHER', String(err), path, { cause: err });
  }
}

// ---------------------------------------------------------------------------------------------- stat

export interface ZkStat {
  czxid: number;
  mzxid: number;
  pzxid: number;
  /** ms since epoch */
  ctime: number;
  mtime: number;
  /** data version (Kafka's "zkVersion") */
  version: number;
  cversion: number;
  aversion: number;
  /** session id owning an ephemeral node; 0n for persistent nodes */
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
}

function safeLong(buf: Buffer, what: string): number {
  const v = buf.readBigInt64BE(0);
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new ZkError('OTHER', `${what} ${v} exceeds 2^53-1`);
  }
  return Number(v);
}

export function toStat(s: LibStat): ZkStat {
  return {
    czxid: safeLong(s.czxid, 'czxid'),
    mzxid: safeLong(s.mzxid, 'mzxid'),
    pzxid: safeLong(s.pzxid, 'pzxid'),
    ctime: safeLong(s.ctime, 'ctime'),
    mtime: safeLong(s.mtime, 'mtime'),
    version: s.version,
    cversion: s.cversion,
    aversion: s.aversion,
    ephemeralOwner: s.ephemeralOwner.readBigUInt64BE(0),
    dataLength: s.dataLength,
    numChildren: s.numChildren,
  };
}

/** Session ids print as hex in ZooKeeper's logs and in zkCli (`0x100...`). */
export function sessionIdHex(id: bigint): string {
  return `0x${id.toString(16)}`;
}
