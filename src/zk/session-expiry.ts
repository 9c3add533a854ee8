/**
 * Test-only session expiry (split out of client.ts): `expireSession` ends a ZooKeeper session from outside
 * through a raw wire-protocol twin connection, and `holdReconnects` keeps the owning ZkClient from taking its
 * session back meanwhile. Production code never calls these; the test harness (test/harness/zookeeper.ts,
 * cluster.ts) does, through the re-exports in client.ts.
 */
import { connect as netConnect } from 'node:net';
import type { Client } from 'node-zookeeper-client';
import { parseConnectString } from './connect-string.js';
import { ZkError } from './zk-errors.js';

export interface SessionCredentials {
  sessionId: Buffer;
  sessionPassword: Buffer;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Test/fault-injection hook behind `ZkClient.holdReconnectsForTesting`: until the returned function is called,
 * the library's reconnects of `client`'s current connection go to 127.0.0.1:0 (refused at once) instead of
 * ZooKeeper. Relies on node-zookeeper-client 1.1.3 internals (`connectionManager.servers`, read at each
 * reconnect); throws if they are not there.
 */
export function holdReconnects(client: Client): () => void {
  const lib = client as unknown as { connectionManager?: { servers?: unknown } };
  const cm = lib.connectionManager;
  if (!cm || !Array.isArray(cm.servers)) {
    throw new ZkError('OTHER', 'node-zookeeper-client internals changed: cannot hold reconnects');
  }
  const servers: unknown[] = cm.servers;
  cm.servers = servers.map(() => ({ host: '127.0.0.1', port: 0 })); // same length: timeouts derive from it
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    cm.servers = servers;
  };
}

/**
 * Expires a session on purpose (tests, fault injection) and resolves once ZooKeeper has ended it (its ephemerals
 * are gone; the owner sees EXPIRED when it reconnects).
 *
 * A second connection joins the session with its id and password and closes it. The join makes the server drop
 * the owner's connection, and node-zookeeper-client reconnects at once (next tick). If the owner's reconnect
 * lands between the join and the close, the close is lost (the owner has the session again), or worse: ZooKeeper
 * 3.8's session→connection map can lose the owner's new connection, the close then removes the session without
 * closing that connection, and the owner (no read timeout in the library) stays "connected" to a dead session
 * and never sees EXPIRED. So an owner in this process must be held first (`ZkClient.holdReconnectsForTesting`,
 * as test/harness/zookeeper.ts `expireZkSession` does); then nothing competes and this is deterministic.
 * The twin speaks the wire protocol itself and sends ConnectRequest and CloseSession in ONE write (no client
 * library, no reconnect loop, which also narrows the race for owners that cannot be held). Done when the close
 * is answered or a join is answered "expired"; an attempt cut off without an answer (ZooKeeper may close the
 * connection before the close reply) is retried, and the retry's join then reports "expired".
 */
export async function expireSession(servers: string, creds: SessionCredentials, timeoutMs = 15000): Promise<void> {
  const hosts = parseConnectString(servers)
    .servers.split(',')
    .map((hp) => {
      const i = hp.lastIndexOf(':');
      return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
    });
  const deadline = Date.now() + timeoutMs;
  let lastOutcome = 'no attempt';
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    const target = hosts[attempt % hosts.length]!;
    const outcome = await joinAndClose(target.host, target.port, creds, Math.min(5000, deadline - Date.now()));
    if (outcome === 'closed' || outcome === 'expired') return;
    lastOutcome = outcome;
    await sleep(Math.min(50 * (attempt + 1), 500));
  }
  throw new ZkError('TIMEOUT', `could not expire session within ${timeoutMs} ms (last attempt: ${lastOutcome})`);
}

const OP_CLOSE_SESSION = -11; // jute OpCode.closeSession
const CLOSE_XID = 1;

/** One raw attempt: ConnectRequest(session id + password) and CloseSession pipelined on a fresh socket. */
function joinAndClose(
  host: string,
  port: number,
  creds: SessionCredentials,
  timeoutMs: number,
): Promise<'closed' | 'expired' | 'cut-off' | 'timeout' | 'error'> {
  const passwd = creds.sessionPassword;
  const connectReq = Buffer.alloc(4 + 4 + 8 + 4 + 8 + 4 + passwd.length + 1);
  let o = connectReq.writeInt32BE(connectReq.length - 4, 0);
  o = connectReq.writeInt32BE(0, o); // protocolVersion
  o = connectReq.writeBigInt64BE(0n, o); // lastZxidSeen (0: never "ahead" of the server)
  o = connectReq.writeInt32BE(30000, o); // timeOut (negotiated; irrelevant, we close at once)
  o += creds.sessionId.copy(connectReq, o, 0, 8);
  o = connectReq.writeInt32BE(passwd.length, o);
  o += passwd.copy(connectReq, o);
  connectReq.writeUInt8(0, o); // readOnly = false
  const closeReq = Buffer.alloc(12);
  closeReq.writeInt32BE(8, 0);
  closeReq.writeInt32BE(CLOSE_XID, 4);
  closeReq.writeInt32BE(OP_CLOSE_SESSION, 8);

  return new Promise((resolve) => {
    const sock = netConnect({ host, port });
    let buf = Buffer.alloc(0);
    let joined = false;
    let done = false;
    const finish = (r: 'closed' | 'expired' | 'cut-off' | 'timeout' | 'error') => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish('timeout'), Math.max(100, timeoutMs));
    sock.setNoDelay(true);
    sock.on('connect', () => sock.write(Buffer.concat([connectReq, closeReq])));
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 4) {
        const len = buf.readInt32BE(0);
        if (buf.length < 4 + len) return;
        const frame = buf.subarray(4, 4 + len);
        buf = buf.subarray(4 + len);
        if (!joined) {
          // ConnectResponse: protocolVersion, timeOut, sessionId, passwd[, readOnly]. timeOut <= 0: expired.
          if (frame.length < 8 || frame.readInt32BE(4) <= 0) return finish('expired');
          joined = true;
        } else if (frame.length >= 16 && frame.readInt32BE(0) === CLOSE_XID) {
          // ReplyHeader(xid, zxid, err): the server has run closeSession; the session is gone.
          return finish('closed');
        }
      }
    });
    sock.on('error', () => finish('error'));
    sock.on('close', () => finish('cut-off'));
  });
}
