/**
 * Where Kafka 2.7's AclAuthorizer keeps ACLs in ZooKeeper (ZkData: ZkAclStore, ZkAclChangeStore,
 * ResourceZNode; KafkaZkClient's ACL methods):
 *
 * | znode | content |
 * |---|---|
 * | `/kafka-acl/<ResourceType>/<name>` | literal patterns: `{"version":1,"acls":[{"principal","permissionType","operation","host"}]}` |
 * | `/kafka-acl-extended/prefixed/<ResourceType>/<name>` | prefixed patterns, same JSON |
 * | `/kafka-acl-changes/acl_changes_<seq>` | `TOPIC:<name>` (resource type enum name, literal changes) |
 * | `/kafka-acl-extended-changes/acl_changes_<seq>` | `{"version":1,"resourceType":"TOPIC","name":"x","patternType":"PREFIXED"}` |
 *
 * ResourceType segments are Pascal case (`Topic`, `TransactionalId`). Writes are conditional on the
 * znode version (setData / create-if-absent / delete-if-version), so concurrent writers on several
 * brokers never lose each other's ACLs; every change posts a notification that all brokers follow.
 */
import {
  RESOURCE_TYPES,
  decodeAcls,
  encodeAcls,
  patternTypeEnumName,
  patternTypeFromName,
  resourceTypeEnumName,
  resourceTypeFromName,
  resourceTypeName,
  AclPatternType,
  type AccessControlEntry,
  type ResourcePattern,
} from '../common/acl.js';
import { BadVersionError, NodeExistsError, NoNodeError, type ZkClient } from './client.js';
import { ZkNotificationListener, type NotificationLogger } from './notification-listener.js';

export const LITERAL_ACL_ROOT = '/kafka-acl';
export const EXTENDED_ACL_ROOT = '/kafka-acl-extended';
export const LITERAL_ACL_CHANGES = '/kafka-acl-changes';
export const EXTENDED_ACL_CHANGES = '/kafka-acl-extended-changes';
export const ACL_CHANGE_PREFIX = 'acl_changes_';
/** ZkVersion.UnknownVersion: the resource has no znode */
export const NO_ACLS_VERSION = -1;

/** The stores, one per specific pattern type. */
const STORE_PATTERN_TYPES: readonly number[] = [AclPatternType.Literal, AclPatternType.Prefixed];

function storeRoot(patternType: number): string {
  return patternType === AclPatternType.Literal ? LITERAL_ACL_ROOT : `${EXTENDED_ACL_ROOT}/${patternTypeEnumName(patternType).toLowerCase()}`;
}

export function aclResourcePath(p: ResourcePattern): string {
  return `${storeRoot(p.patternType)}/${resourceTypeName(p.resourceType)}/${p.name}`;
}

export interface VersionedAcls {
  readonly entries: AccessControlEntry[];
  /** NO_ACLS_VERSION when the znode does not exist */
  readonly zkVersion: number;
}

/** KafkaZkClient.createAclPaths: the store roots, one child per resource type, the change roots. */
export async function createAclPaths(zk: ZkClient): Promise<void> {
  for (const pt of STORE_PATTERN_TYPES) {
    await zk.mkdirp(storeRoot(pt));
    for (const rt of RESOURCE_TYPES) await zk.mkdirp(`${storeRoot(pt)}/${resourceTypeName(rt)}`);
  }
  await zk.mkdirp(LITERAL_ACL_CHANGES);
  await zk.mkdirp(EXTENDED_ACL_CHANGES);
}

export async function getVersionedAcls(zk: ZkClient, p: ResourcePattern): Promise<VersionedAcls> {
  const r = await zk.tryGetData(aclResourcePath(p));
  return r ? { entries: decodeAcls(r.data), zkVersion: r.stat.version } : { entries: [], zkVersion: NO_ACLS_VERSION };
}

/** conditionalSetAclsForResource: the new version, or null when the znode changed or vanished. */
export async function conditionalSetAcls(zk: ZkClient, p: ResourcePattern, entries: readonly AccessControlEntry[], expectedVersion: number): Promise<number | null> {
  try {
    return (await zk.setData(aclResourcePath(p), encodeAcls(entries), expectedVersion)).version;
  } catch (err) {
    if (err instanceof BadVersionError || err instanceof NoNodeError) return null;
    throw err;
  }
}

/** createAclsForResourceIfNotExists: version 0, or null when someone created it first. */
export async function createAclsIfAbsent(zk: ZkClient, p: ResourcePattern, entries: readonly AccessControlEntry[]): Promise<number | null> {
  try {
    await zk.create(aclResourcePath(p), encodeAcls(entries), { parents: true });
    return 0;
  } catch (err) {
    if (err instanceof NodeExistsError) return null;
    throw err;
  }
}

/** conditionalDelete: true when deleted (or already gone), false on a version mismatch. */
export async function conditionalDeleteAcls(zk: ZkClient, p: ResourcePattern, expectedVersion: number): Promise<boolean> {
  try {
    await zk.delete(aclResourcePath(p), { version: expectedVersion });
    return true;
  } catch (err) {
    if (err instanceof NoNodeError) return true;
    if (err instanceof BadVersionError) return false;
    throw err;
  }
}

/** Posts the change notification of a resource (literal: `TOPIC:name`; others: JSON). */
export async function createAclChangeNotification(zk: ZkClient, p: ResourcePattern): Promise<void> {
  if (p.patternType === AclPatternType.Literal) {
    await zk.create(`${LITERAL_ACL_CHANGES}/${ACL_CHANGE_PREFIX}`, Buffer.from(`${resourceTypeEnumName(p.resourceType)}:${p.name}`, 'utf8'), {
      mode: 'persistent-sequential',
      parents: true,
    });
    return;
  }
  const json = { version: 1, resourceType: resourceTypeEnumName(p.resourceType), name: p.name, patternType: patternTypeEnumName(p.patternType) };
  await zk.create(`${EXTENDED_ACL_CHANGES}/${ACL_CHANGE_PREFIX}`, Buffer.from(JSON.stringify(json), 'utf8'), { mode: 'persistent-sequential', parents: true });
}

/** LiteralAclChangeStore.decode: `ResourceType:name` (either case of the type name). */
export function decodeLiteralAclChange(data: Buffer | null): ResourcePattern {
  const s = (data ?? Buffer.alloc(0)).toString('utf8');
  const colon = s.indexOf(':');
  if (colon < 0) throw new Error(`expected a string in format ResourceType:ResourceName but got ${s}`);
  return { resourceType: resourceTypeFromName(s.slice(0, colon)), name: s.slice(colon + 1), patternType: AclPatternType.Literal };
}

/** ExtendedAclChangeStore.decode */
export function decodeExtendedAclChange(data: Buffer | null): ResourcePattern {
  const o = JSON.parse((data ?? Buffer.alloc(0)).toString('utf8')) as Record<string, unknown>;
  if (typeof o.version !== 'number' || o.version > 1) throw new Error(`Acl change event received for unsupported version: ${String(o.version)}`);
  return { resourceType: resourceTypeFromName(String(o.resourceType)), name: String(o.name), patternType: patternTypeFromName(String(o.patternType)) };
}

/** Every stored resource pattern with its ACLs (AclAuthorizer.loadAllAcls); unknown type segments skipped. */
export async function loadAllAcls(zk: ZkClient, onUnknownType: (segment: string) => void): Promise<Array<{ pattern: ResourcePattern; acls: VersionedAcls }>> {
  const out: Array<{ pattern: ResourcePattern; acls: VersionedAcls }> = [];
  for (const patternType of STORE_PATTERN_TYPES) {
    const root = storeRoot(patternType);
    const types = await zk.getChildren(root).catch((err: unknown) => {
      if (err instanceof NoNodeError) return [] as string[];
      throw err;
    });
    for (const segment of types) {
      const resourceType = resourceTypeFromName(segment);
      if (resourceType === 0) {
        onUnknownType(segment);
        continue;
      }
      const names = await zk.getChildren(`${root}/${segment}`).catch((err: unknown) => {
        if (err instanceof NoNodeError) return [] as string[];
        throw err;
      });
      for (const name of names) {
        const pattern = { resourceType, name, patternType };
        out.push({ pattern, acls: await getVersionedAcls(zk, pattern) });
      }
    }
  }
  return out;
}

/** The two change listeners (literal and extended); `onChange` re-reads the named resource. */
export function aclChangeListeners(zk: ZkClient, log: NotificationLogger, onChange: (p: ResourcePattern) => Promise<void>): ZkNotificationListener[] {
  const listener = (root: string, decode: (data: Buffer | null) => ResourcePattern): ZkNotificationListener =>
    new ZkNotificationListener({
      zk,
      root,
      prefix: ACL_CHANGE_PREFIX,
      name: `acl-change-listener${root}`,
      log,
      handle: async (name, data) => {
        let pattern: ResourcePattern;
        try {
          pattern = decode(data);
        } catch (err) {
          log.warn({ err, notification: `${root}/${name}` }, 'undecodable ACL change notification; skipped');
          return;
        }
        await onChange(pattern);
      },
    });
  return [listener(LITERAL_ACL_CHANGES, decodeLiteralAclChange), listener(EXTENDED_ACL_CHANGES, decodeExtendedAclChange)];
}
