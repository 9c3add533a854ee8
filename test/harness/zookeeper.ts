/**
 * Per-test-file ZooKeeper helpers on top of the run's shared server (zookeeper-global.ts).
 *
 * - `zkConnectForTest()` → `host:port/gregor-test-<random>`: a chroot of its own (created by ZkClient.connect).
 * - `connectZk()` opens a ZkClient that `closeAllZk()` closes (call it in afterAll/afterEach).
 * - `expireZkSession(client)`: expires a live session on purpose, deterministically, in about a second, with
 *   `reinitializeOnExpiry` true or false. The client is held off ZooKeeper (its reconnects go to a refused
 *   port) while `expireSession` (src/zk/client.ts) joins the session with its id + password and closes it, so it
 *   cannot take the session back in between; released, it reconnects and sees EXPIRED (its ephemerals are gone
 *   by then). Restarting ZooKeeper does NOT expire sessions; SIGSTOP of the server past the session timeout does
 *   (expires everyone: only in files that own their server).
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { ZkClient, expireSession, type ZkClientOptions } from '../../src/zk/client.js';

export function zkServers(): string {
  return inject('zkConnect');
}

export function zkConnectForTest(): string {
  return `${zkServers()}/gregor-test-${randomBytes(6).toString('hex')}`;
}

const opened = new Set<ZkClient>();

export async function connectZk(
  connectString: string,
  opts: Omit<ZkClientOptions, 'connectString'> = {},
): Promise<ZkClient> {
  const client = await ZkClient.connect({ sessionTimeoutMs: 6000, connectionTimeoutMs: 10000, ...opts, connectString });
  opened.add(client);
  return client;
}

export async function closeAllZk(): Promise<void> {
  const all = [...opened];
  opened.clear();
  await Promise.all(all.map((c) => c.close()));
}

/** Expires `client`'s current session and resolves once the client itself has seen the expiry. */
export async function expireZkSession(client: ZkClient, timeoutMs = 15000): Promise<void> {
  let onExpired = () => {};
  let timer: NodeJS.Timeout | undefined;
  const sawExpiry = new Promise<void>((resolve, reject) => {
    onExpired = resolve;
    timer = setTimeout(() => reject(new Error(`session was not expired within ${timeoutMs} ms`)), timeoutMs);
  });
  sawExpiry.catch(() => {}); // awaited below; not an unhandled rejection if expireSession throws first
  client.once('expired', onExpired);
  const release = client.holdReconnectsForTesting();
  try {
    try {
      await expireSession(client.servers, client.sessionCredentials(), timeoutMs);
    } finally {
      release(); // the client reconnects (within its spin delay, ≤ 1 s) and is told EXPIRED
    }
    await sawExpiry;
  } finally {
    clearTimeout(timer);
    client.off('expired', onExpired);
  }
}

/** Deletes a test chroot (the path after the first '/') with a fresh chroot-less client (digest-authenticated for secured trees). */
export async function removeChroot(connectString: string, digestAuth?: string): Promise<void> {
  const slash = connectString.indexOf('/');
  if (slash < 0) return;
  const root = await ZkClient.connect({ connectString: connectString.slice(0, slash), connectionTimeoutMs: 10000, digestAuth: digestAuth ?? null });
  try {
    await root.delete(connectString.slice(slash), { recursive: true }).catch(() => {});
  } finally {
    await root.close();
  }
}
