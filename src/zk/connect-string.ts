/**
 * Kafka's zookeeper.connect string (`h:p,h:p/chroot`). Its own module because both ZkClient (client.ts) and the
 * test-only session-expiry helper parse it, and session-expiry.ts must not import client.ts (which re-exports it).
 */

/** Splits `h:p,h:p/chroot` into servers and chroot ('' when none). */
export function parseConnectString(connect: string): { servers: string; chroot: string } {
  const slash = connect.indexOf('/');
  if (slash < 0) return { servers: connect, chroot: '' };
  const chroot = connect.slice(slash).replace(/\/+$/, '');
  return { servers: connect.slice(0, slash), chroot };
}
