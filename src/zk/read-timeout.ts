/**
 * The read timeout node-zookeeper-client lacks and ZooKeeper's Java client has (ClientCnxn: "Client session timed
 * out, have not heard from server in Xms"): when nothing has been heard from the server for 2/3 of the negotiated
 * session timeout — an idle client pings after 1/3, and the server answers — the connection is dropped, and the
 * library reconnects to the next server of the connect string with the same session. Without it a client connected
 * to a paused (SIGSTOP) or partitioned ensemble member waits on it forever while the other members serve, and its
 * session expires although a quorum was there all along.
 * The handshake is bounded too, as the Java client bounds it (its connect timeout, session timeout / number of
 * servers, counts until the server's ConnectResponse): the library stops its connect timer once TCP connects, so a
 * server that takes the connection and never answers (a ZooKeeper still starting can leave one open that way) would
 * hold the client in CONNECTING forever, its requests queued, its session expiring.
 * Relies on node-zookeeper-client 1.1.3 internals (`connectionManager.socket`, `.state`, `.sessionTimeout`,
 * `.connectTimeout`), as
 * session-expiry.ts does; throws if they are not there.
 */
import type { Socket } from 'node:net';
import type { Client } from 'node-zookeeper-client';
import { ZkError } from './zk-errors.js';

// ConnectionManager's STATES
const CONNECTING = 1;
const CONNECTED = 2;
const CONNECTED_READ_ONLY = 3;
const CLOSED = -2;
const SESSION_EXPIRED = -3;

const CHECK_INTERVAL_MS = 100;

interface ConnectionManager {
  socket?: Socket;
  state: number;
  sessionTimeout: number;
  /** session timeout / number of servers (the library's, kept in step with the negotiated timeout) */
  connectTimeout: number;
}

/** Watches `client`'s connections until it is closed or expired; `onTimeout` is told before a connection is dropped. */
export function dropSilentConnections(client: Client, onTimeout: (silentMs: number) => void): void {
  const cm = (client as unknown as { connectionManager?: ConnectionManager }).connectionManager;
  if (!cm || typeof cm.sessionTimeout !== 'number' || typeof cm.connectTimeout !== 'number') {
    throw new ZkError('OTHER', 'node-zookeeper-client internals changed: cannot watch for silent servers');
  }
  let socket: Socket | undefined;
  let lastHeard = Date.now();
  let lastCheck = lastHeard;
  const heard = () => void (lastHeard = Date.now());
  const check = () => {
    if (cm.state === CLOSED || cm.state === SESSION_EXPIRED) return void clearInterval(timer);
    // Time this process could not run (its event loop blocked by a long synchronous step, e.g. loading many logs at
    // startup) is not the server's silence: what the server sent meanwhile waits unread, and is read after timers.
    const now = Date.now();
    const stalledMs = now - lastCheck - CHECK_INTERVAL_MS;
    lastCheck = now;
    if (stalledMs > 0) lastHeard = Math.min(now, lastHeard + stalledMs);
    if (cm.socket !== socket) {
      socket?.off('data', heard);
      socket = cm.socket;
      socket?.on('data', heard);
      lastHeard = Date.now();
    }
    const silentMs = Date.now() - lastHeard;
    const connected = cm.state === CONNECTED || cm.state === CONNECTED_READ_ONLY;
    const limitMs = connected ? (cm.sessionTimeout * 2) / 3 : cm.connectTimeout;
    if (socket && !socket.destroyed && (connected || cm.state === CONNECTING) && silentMs > limitMs) {
      onTimeout(silentMs);
      socket.destroy(); // the library's close handler reconnects to the next server
    }
  };
  const timer = setInterval(check, CHECK_INTERVAL_MS);
  timer.unref();
}
