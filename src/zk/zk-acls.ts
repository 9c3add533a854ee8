/**
 * The ZooKeeper ACLs Kafka 2.7 puts on the znodes it creates (ZkData.defaultAcls), used when
 * `zookeeper.set.acl=true`:
 * - every znode: CREATOR_ALL (all rights for the identity that created it — here the brokers'
 *   digest identity) plus world READ;
 * - the sensitive roots `/config/users` (SCRAM credentials), `/config/brokers` and
 *   `/delegation_token/tokens` (and everything below them): CREATOR_ALL only, not even readable;
 * - `/consumers` itself stays world-open, because old consumers write below it.
 * Without secure ACLs every znode is OPEN_ACL_UNSAFE, ZooKeeper's default.
 * Paths are relative to the chroot, as Kafka's are.
 */
import zookeeper, { type ACL } from 'node-zookeeper-client';

export const SENSITIVE_ROOT_PATHS: readonly string[] = ['/config/users', '/config/brokers', '/delegation_token/tokens'];

export function isSensitivePath(path: string): boolean {
  return SENSITIVE_ROOT_PATHS.some((root) => path.startsWith(root));
}

const { ACL: Acl, Id, Permission } = zookeeper;
const WORLD = new Id('world', 'anyone');
/** `auth` with an empty id: every identity the creating session authenticated as */
const CREATOR = new Id('auth', '');
const OPEN: ACL[] = [new Acl(Permission.ALL, WORLD)];
const CREATOR_ALL: ACL[] = [new Acl(Permission.ALL, CREATOR)];
const CREATOR_ALL_WORLD_READ: ACL[] = [new Acl(Permission.ALL, CREATOR), new Acl(Permission.READ, WORLD)];

export function defaultAcls(secure: boolean, path: string): ACL[] {
  if (!secure || path === '/consumers') return OPEN;
  return isSensitivePath(path) ? CREATOR_ALL : CREATOR_ALL_WORLD_READ;
}
