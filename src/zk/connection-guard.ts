/**
 * Guards against two flaws of node-zookeeper-client 1.1.3's ConnectionManager that crash the process (found by the
 * fault catalogue's combined nemesis: a ZooKeeper pause, links cut and healed — "Unknown code: -268435430" thrown
 * out of a socket 'data' handler):
 * 1. the partial frame of a connection that closed stays in `pendingBuffer` and is glued in front of the next
 *    connection's first bytes, so every frame after it is read at the wrong offset;
 * 2. a frame it cannot parse (an unknown error code, a short payload) throws from the 'data' handler, an uncaught
 *    exception.
 * The guard empties `pendingBuffer` whenever a connection closes, and turns a parse failure into a dropped
 * connection: `onDropped` fails our requests in flight (the one whose answer could not be read would otherwise never
 * settle) and the library reconnects with the same session, as after any network error. Both handlers are bound
 * when the library opens a socket, so the guard must be installed before `connect()`.
 */
import type { Client } from 'node-zookeeper-client';
import { ZkError } from './zk-errors.js';

interface ConnectionManagerInternals {
  pendingBuffer: Buffer | null;
  socket?: { destroy(): void };
  onSocketData(buffer: Buffer): void;
  onSocketClosed(hadError: boolean): void;
}

export interface GuardLogger {
  warn(obj: object, msg: string): void;
}

export function guardConnection(client: Client, log: GuardLogger, onDropped: () => void): void {
  const cm = (client as unknown as { connectionManager?: ConnectionManagerInternals }).connectionManager;
  if (!cm || typeof cm.onSocketData !== 'function' || typeof cm.onSocketClosed !== 'function') {
    throw new ZkError('OTHER', 'node-zookeeper-client internals changed: cannot guard its connection handling');
  }
  const onSocketData = cm.onSocketData;
  const onSocketClosed = cm.onSocketClosed;
  cm.onSocketClosed = function guardedClose(this: ConnectionManagerInternals, hadError: boolean): void {
    this.pendingBuffer = null; // a frame cut off with its connection never completes on the next one
    onSocketClosed.call(this, hadError);
  };
  cm.onSocketData = function guardedData(this: ConnectionManagerInternals, buffer: Buffer): void {
    try {
      onSocketData.call(this, buffer);
    } catch (err) {
      log.warn({ err }, 'unreadable ZooKeeper response; dropping the connection (requests in flight fail with CONNECTIONLOSS)');
      this.pendingBuffer = null;
      this.socket?.destroy();
      onDropped();
    }
  };
}
