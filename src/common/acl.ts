/**
 * Kafka's ACL model (org.apache.kafka.common.acl / .resource, kafka.security.authorizer.AclEntry):
 * resource patterns, access control entries, bindings, the filters the ACL APIs use, the names
 * Kafka writes into ZooKeeper and the JSON of an ACL znode.
 *
 * Wire codes (the ACL APIs): ResourceType 2 TOPIC, 3 GROUP, 4 CLUSTER, 5 TRANSACTIONAL_ID,
 * 6 DELEGATION_TOKEN (1 ANY only in filters); PatternType 3 LITERAL, 4 PREFIXED (1 ANY, 2 MATCH
 * only in filters); Operation 2 ALL … 12 IDEMPOTENT_WRITE (1 ANY in filters); Permission 2 DENY,
 * 3 ALLOW. Names are Pascal case in ZooKeeper (`Topic`, `IdempotentWrite`, `Allow`), parsed
 * case-insensitively as Kafka's SecurityUtils does (`TOPIC`, `idempotentwrite` also accepted).
 */
import { AclOperation, AclPatternType, AclPermissionType, AclResourceType } from '../protocol/messages/describe-acls.js';

export { AclOperation, AclPatternType, AclPermissionType, AclResourceType };

export const WILDCARD_RESOURCE = '*';
export const WILDCARD_HOST = '*';
export const WILDCARD_PRINCIPAL = 'User:*';
/** The one name of the CLUSTER resource. */
export const CLUSTER_NAME = 'kafka-cluster';

export interface ResourcePattern {
  readonly resourceType: number;
  readonly name: string;
  readonly patternType: number;
}

export interface AccessControlEntry {
  /** `Type:name`, e.g. `User:alice`, `User:*` */
  readonly principal: string;
  readonly host: string;
  readonly operation: number;
  readonly permissionType: number;
}

export interface AclBinding {
  readonly pattern: ResourcePattern;
  readonly entry: AccessControlEntry;
}

export interface ResourcePatternFilter {
  readonly resourceType: number;
  /** null = any name */
  readonly name: string | null;
  readonly patternType: number;
}

export interface AccessControlEntryFilter {
  readonly principal: string | null;
  readonly host: string | null;
  readonly operation: number;
  readonly permissionType: number;
}

export interface AclBindingFilter {
  readonly pattern: ResourcePatternFilter;
  readonly entry: AccessControlEntryFilter;
}

// ---------------------------------------------------------------------------------------------- names

function pascal(enumName: string): string {
  return enumName
    .split('_')
    .map((w) => w.charAt(0) + w.slice(1).toLowerCase())
    .join('');
}

const RESOURCE_TYPE_ENUM: Record<number, string> = { 2: 'TOPIC', 3: 'GROUP', 4: 'CLUSTER', 5: 'TRANSACTIONAL_ID', 6: 'DELEGATION_TOKEN' };
const OPERATION_ENUM: Record<number, string> = {
  2: 'ALL',
  3: 'READ',
  4: 'WRITE',
  5: 'CREATE',
  6: 'DELETE',
  7: 'ALTER',
  8: 'DESCRIBE',
  9: 'CLUSTER_ACTION',
  10: 'DESCRIBE_CONFIGS',
  11: 'ALTER_CONFIGS',
  12: 'IDEMPOTENT_WRITE',
};
const PERMISSION_ENUM: Record<number, string> = { 2: 'DENY', 3: 'ALLOW' };
const PATTERN_ENUM: Record<number, string> = { 1: 'ANY', 2: 'MATCH', 3: 'LITERAL', 4: 'PREFIXED' };

function lookup(table: Record<number, string>, name: string): number {
  const wanted = name.toUpperCase();
  for (const [code, n] of Object.entries(table)) if (n === wanted || pascal(n).toUpperCase() === wanted) return Number(code);
  return 0;
}

/** `Topic`, `TransactionalId`, ... (the znode path segment). */
export const resourceTypeName = (code: number): string => pascal(RESOURCE_TYPE_ENUM[code] ?? 'UNKNOWN');
/** `TOPIC`, `TRANSACTIONAL_ID` (Java enum name: change notifications, logs). */
export const resourceTypeEnumName = (code: number): string => RESOURCE_TYPE_ENUM[code] ?? 'UNKNOWN';
export const operationName = (code: number): string => pascal(OPERATION_ENUM[code] ?? 'UNKNOWN');
export const permissionTypeName = (code: number): string => pascal(PERMISSION_ENUM[code] ?? 'UNKNOWN');
export const patternTypeEnumName = (code: number): string => PATTERN_ENUM[code] ?? 'UNKNOWN';
/** 0 (UNKNOWN) for a name Kafka would not know. */
export const resourceTypeFromName = (name: string): number => lookup(RESOURCE_TYPE_ENUM, name);
export const operationFromName = (name: string): number => lookup(OPERATION_ENUM, name);
export const permissionTypeFromName = (name: string): number => lookup(PERMISSION_ENUM, name);
export const patternTypeFromName = (name: string): number => lookup(PATTERN_ENUM, name);

/** The concrete resource types an ACL can name. */
export const RESOURCE_TYPES: readonly number[] = [2, 3, 4, 5, 6];

/** AclEntry.supportedOperations: what Metadata / DescribeGroups report as authorized operations. */
export function supportedOperations(resourceType: number): readonly number[] {
  switch (resourceType) {
    case AclResourceType.Topic:
      return [AclOperation.Read, AclOperation.Write, AclOperation.Create, AclOperation.Describe, AclOperation.Delete, AclOperation.Alter, AclOperation.DescribeConfigs, AclOperation.AlterConfigs];
    case AclResourceType.Group:
      return [AclOperation.Read, AclOperation.Describe, AclOperation.Delete];
    case AclResourceType.Cluster:
      return [AclOperation.Create, AclOperation.ClusterAction, AclOperation.DescribeConfigs, AclOperation.AlterConfigs, AclOperation.IdempotentWrite, AclOperation.Alter, AclOperation.Describe];
    case AclResourceType.TransactionalId:
      return [AclOperation.Describe, AclOperation.Write];
    case AclResourceType.DelegationToken:
      return [AclOperation.Describe];
    default:
      throw new Error('Not a concrete resource type');
  }
}

/** Utils.to32BitField: bit n set for operation code n. */
export function toBitField(operations: Iterable<number>): number {
  let field = 0;
  for (const op of operations) field |= 1 << op;
  return field;
}

// ---------------------------------------------------------------------------------------------- filters

/** ResourcePatternFilter.matches */
export function patternFilterMatches(f: ResourcePatternFilter, p: ResourcePattern): boolean {
  if (f.resourceType !== AclResourceType.Any && f.resourceType !== p.resourceType) return false;
  if (f.patternType !== AclPatternType.Any && f.patternType !== AclPatternType.Match && f.patternType !== p.patternType) return false;
  if (f.name === null) return true;
  if (f.patternType === AclPatternType.Any || f.patternType === p.patternType) return f.name === p.name;
  if (p.patternType === AclPatternType.Literal) return f.name === p.name || p.name === WILDCARD_RESOURCE;
  if (p.patternType === AclPatternType.Prefixed) return f.name.startsWith(p.name);
  return false;
}

/** ResourcePatternFilter.matchesAtMostOne */
export function matchesAtMostOne(f: ResourcePatternFilter): boolean {
  return (
    f.resourceType !== AclResourceType.Any &&
    f.resourceType !== AclResourceType.Unknown &&
    f.name !== null &&
    f.patternType !== AclPatternType.Match &&
    f.patternType !== AclPatternType.Unknown
  );
}

/** AccessControlEntryFilter.matches */
export function entryFilterMatches(f: AccessControlEntryFilter, e: AccessControlEntry): boolean {
  if (f.principal !== null && f.principal !== e.principal) return false;
  if (f.host !== null && f.host !== e.host) return false;
  if (f.operation !== AclOperation.Any && f.operation !== e.operation) return false;
  return f.permissionType === AclPermissionType.Any || f.permissionType === e.permissionType;
}

/** Whether a binding (as a creation) names only concrete values (AclBinding.isUnknown / ANY checks). */
export function bindingProblem(b: AclBinding): string | null {
  if (!RESOURCE_TYPES.includes(b.pattern.resourceType)) return 'ACL binding contains an unknown or ANY resource type';
  if (b.pattern.patternType !== AclPatternType.Literal && b.pattern.patternType !== AclPatternType.Prefixed) return 'ACL binding contains an unknown, ANY or MATCH pattern type';
  if (!(b.entry.operation >= AclOperation.All && b.entry.operation <= AclOperation.IdempotentWrite)) return 'ACL binding contains an unknown or ANY operation';
  if (b.entry.permissionType !== AclPermissionType.Allow && b.entry.permissionType !== AclPermissionType.Deny) return 'ACL binding contains an unknown or ANY permission type';
  return null;
}

// ---------------------------------------------------------------------------------------------- JSON

export function entryKey(e: AccessControlEntry): string {
  return `${e.principal}\u0000${e.host}\u0000${e.operation}\u0000${e.permissionType}`;
}

/** The znode JSON: `{"version":1,"acls":[{"principal","permissionType","operation","host"}]}`. */
export function encodeAcls(entries: readonly AccessControlEntry[]): Buffer {
  const acls = entries.map((e) => ({
    principal: e.principal,
    permissionType: permissionTypeName(e.permissionType),
    operation: operationName(e.operation),
    host: e.host,
  }));
  return Buffer.from(JSON.stringify({ version: 1, acls }), 'utf8');
}

/** AclEntry.fromBytes: an empty znode holds no ACLs; version must be 1. */
export function decodeAcls(data: Buffer | null): AccessControlEntry[] {
  if (!data || data.length === 0) return [];
  const json = JSON.parse(data.toString('utf8')) as { version?: unknown; acls?: unknown };
  if (json.version !== 1) throw new Error(`unsupported ACL znode version ${String(json.version)}`);
  if (!Array.isArray(json.acls)) throw new Error('ACL znode without an acls array');
  return json.acls.map((a: Record<string, unknown>) => {
    const principal = String(a.principal);
    if (!principal.includes(':')) throw new Error(`expected a string in format principalType:principalName but got ${principal}`);
    return {
      principal,
      host: String(a.host),
      operation: operationFromName(String(a.operation)),
      permissionType: permissionTypeFromName(String(a.permissionType)),
    };
  });
}
