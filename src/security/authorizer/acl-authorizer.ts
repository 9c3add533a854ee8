/**
 * Kafka 2.7's AclAuthorizer (`authorizer.class.name=kafka.security.authorizer.AclAuthorizer`, or the
 * old `kafka.security.auth.SimpleAclAuthorizer`): ACLs in ZooKeeper (src/zk/acl-store.ts), a cache
 * on every broker kept current by the ACL change notifications, and Kafka's decision rules:
 *
 * 1. A principal in `super.users` (`User:a;User:b`) may do everything.
 * 2. The ACLs that apply to (resource type, name) are those of the literal name, of the literal
 *    wildcard `*`, and of every prefixed pattern the name starts with.
 * 3. None at all → allowed only when `allow.everyone.if.no.acl.found=true`.
 * 4. A matching DENY wins over any ALLOW. An ACL matches when its principal is the request's or
 *    `User:*`, its host is the client's address or `*`, and its operation is the requested one or
 *    ALL. Allowing READ, WRITE, DELETE or ALTER implies DESCRIBE; ALTER_CONFIGS implies
 *    DESCRIBE_CONFIGS (these implications apply to ALLOW only).
 * 5. Denials are logged at INFO on the `kafka.authorizer.logger` component (when the request asked
 *    for the resource), grants at DEBUG, in Kafka's wording.
 *
 * Changes (CreateAcls/DeleteAcls on any broker) are read-modify-write of one resource znode,
 * conditional on its version, retried up to 10 times with 100–150 ms backoff; each effective change
 * posts a notification, and every broker (this one included) re-reads the resource on it.
 * Updates are serialized on a broker, as Kafka's `lock synchronized`. Decisions are memoized per
 * (principal, host, operation, resource) until the next ACL change.
 */
import {
  AclOperation,
  AclPatternType,
  AclPermissionType,
  WILDCARD_HOST,
  WILDCARD_PRINCIPAL,
  WILDCARD_RESOURCE,
  bindingProblem,
  entryFilterMatches,
  entryKey,
  matchesAtMostOne,
  operationName,
  patternFilterMatches,
  patternTypeEnumName,
  resourceTypeEnumName,
  resourceTypeName,
  type AccessControlEntry,
  type AclBinding,
  type AclBindingFilter,
  type ResourcePattern,
} from '../../common/acl.js';
import { parseKafkaPrincipal, principalToString, type KafkaPrincipal } from '../../common/kafka-principal.js';
import type { Logger } from '../../common/logger.js';
import { apiKeyName } from '../../protocol/api-keys.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import type { ZkClient } from '../../zk/client.js';
import * as store from '../../zk/acl-store.js';
import type { ZkNotificationListener } from '../../zk/notification-listener.js';

/** Who asks, from where, for what (the request context as the authorizer sees it). */
export interface AuthorizationSubject {
  readonly principal: KafkaPrincipal;
  readonly clientAddress: string;
  /** for the audit log */
  readonly apiKey: number;
}

export interface AuthorizeOptions {
  /** log a grant at DEBUG (default true) */
  readonly logIfAllowed?: boolean;
  /** log a denial at INFO (default true; false for filters and authorized-operations queries) */
  readonly logIfDenied?: boolean;
}

export interface AclResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export interface AclDeleteResult extends AclResult {
  readonly deleted: ReadonlyArray<{ binding: AclBinding } & AclResult>;
}

/** What request handlers ask of an authorizer. */
export interface Authorizer {
  authorize(subject: AuthorizationSubject, operation: number, resourceType: number, name: string, opts?: AuthorizeOptions): boolean;
  acls(filter: AclBindingFilter): AclBinding[];
  createAcls(bindings: readonly AclBinding[]): Promise<AclResult[]>;
  deleteAcls(filters: readonly AclBindingFilter[]): Promise<AclDeleteResult[]>;
}

export interface AclAuthorizerOptions {
  zk: ZkClient;
  /** `super.users` */
  superUsers: string | null;
  /** `allow.everyone.if.no.acl.found` */
  allowEveryoneIfNoAclIsFound: boolean;
  log: Logger;
  /** Kafka's maxUpdateRetries */
  maxUpdateRetries?: number;
}

interface CachedAcls {
  readonly pattern: ResourcePattern;
  readonly entries: readonly AccessControlEntry[];
  readonly zkVersion: number;
}

const patternKey = (p: ResourcePattern): string => `${p.resourceType}\u0000${p.patternType}\u0000${p.name}`;

/** IPv4 clients of a dual-stack socket show up as ::ffff:a.b.c.d; Java reports a.b.c.d. */
export function hostAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

const MAX_MEMO = 10_000;

export class AclAuthorizer implements Authorizer {
  private readonly superUsers: ReadonlySet<string>;
  private readonly audit: Logger;
  private readonly cache = new Map<string, CachedAcls>();
  /** prefixed patterns by resource type (a name is checked against each) */
  private readonly prefixed = new Map<number, Map<string, CachedAcls>>();
  private readonly memo = new Map<string, boolean>();
  private listeners: ZkNotificationListener[] = [];
  private lock: Promise<unknown> = Promise.resolve();
  private readonly maxUpdateRetries: number;

  constructor(private readonly opts: AclAuthorizerOptions) {
    this.superUsers = new Set(
      (opts.superUsers ?? '')
        .split(';')
        .map((s) => s.trim())
        .filter((s) => s !== '')
        .map((s) => principalToString(parseKafkaPrincipal(s))),
    );
    this.audit = opts.log.child({ component: 'kafka.authorizer.logger' });
    this.maxUpdateRetries = opts.maxUpdateRetries ?? 10;
  }

  /** configure(): create the ACL paths, start the change listeners, then load every ACL. */
  async startup(): Promise<void> {
    const zk = this.opts.zk;
    await store.createAclPaths(zk);
    // Listeners first, then the load, so that no change falls between the two (as Kafka).
    this.listeners = store.aclChangeListeners(zk, this.opts.log, (p) => this.serialized(() => this.reload(p)));
    for (const l of this.listeners) await l.startup();
    await this.serialized(async () => {
      for (const { pattern, acls } of await store.loadAllAcls(zk, (segment) => this.opts.log.warn({ segment }, 'Ignoring unknown ResourceType'))) {
        this.updateCache(pattern, acls);
      }
    });
    this.opts.log.info({ resources: this.cache.size, superUsers: [...this.superUsers] }, 'ACL authorizer started');
  }

  async shutdown(): Promise<void> {
    for (const l of this.listeners) await l.shutdown();
    this.listeners = [];
  }

  // ------------------------------------------------------------------------------------------ decisions

  authorize(subject: AuthorizationSubject, operation: number, resourceType: number, name: string, opts: AuthorizeOptions = {}): boolean {
    const principal = principalToString(subject.principal);
    const host = hostAddress(subject.clientAddress);
    const key = `${principal}\u0000${host}\u0000${operation}\u0000${resourceType}\u0000${name}`;
    let allowed = this.memo.get(key);
    if (allowed === undefined) {
      allowed = this.superUsers.has(principal) || this.aclsAllow(principal, host, operation, resourceType, name);
      if (this.memo.size >= MAX_MEMO) this.memo.clear();
      this.memo.set(key, allowed);
    }
    if (allowed ? (opts.logIfAllowed ?? true) : (opts.logIfDenied ?? true)) {
      const msg =
        `Principal = ${principal} is ${allowed ? 'Allowed' : 'Denied'} Operation = ${operationName(operation)} from host = ${host} ` +
        `on resource = ${resourceTypeName(resourceType)}:LITERAL:${name} for request = ${apiKeyName(subject.apiKey)} with resourceRefCount = 1`;
      if (allowed) this.audit.debug(msg);
      else this.audit.info(msg);
    }
    return allowed;
  }

  private aclsAllow(principal: string, host: string, operation: number, resourceType: number, name: string): boolean {
    const acls = this.matchingAcls(resourceType, name);
    if (acls.length === 0) return this.opts.allowEveryoneIfNoAclIsFound;
    const matches = (e: AccessControlEntry, op: number, permission: number): boolean =>
      e.permissionType === permission &&
      (e.principal === principal || e.principal === WILDCARD_PRINCIPAL) &&
      (e.operation === op || e.operation === AclOperation.All) &&
      (e.host === WILDCARD_HOST || e.host === host);
    if (acls.some((e) => matches(e, operation, AclPermissionType.Deny))) return false;
    const allowOps =
      operation === AclOperation.Describe
        ? [AclOperation.Describe, AclOperation.Read, AclOperation.Write, AclOperation.Delete, AclOperation.Alter]
        : operation === AclOperation.DescribeConfigs
          ? [AclOperation.DescribeConfigs, AclOperation.AlterConfigs]
          : [operation];
    return allowOps.some((op) => acls.some((e) => matches(e, op, AclPermissionType.Allow)));
  }

  private matchingAcls(resourceType: number, name: string): AccessControlEntry[] {
    const out: AccessControlEntry[] = [];
    const add = (c: CachedAcls | undefined): void => {
      if (c) for (const e of c.entries) out.push(e);
    };
    add(this.cache.get(patternKey({ resourceType, name: WILDCARD_RESOURCE, patternType: AclPatternType.Literal })));
    if (name !== WILDCARD_RESOURCE) add(this.cache.get(patternKey({ resourceType, name, patternType: AclPatternType.Literal })));
    for (const c of this.prefixed.get(resourceType)?.values() ?? []) if (name.startsWith(c.pattern.name)) add(c);
    return out;
  }

  // ------------------------------------------------------------------------------------------ ACL APIs

  acls(filter: AclBindingFilter): AclBinding[] {
    const out: AclBinding[] = [];
    for (const c of this.cache.values()) {
      if (!patternFilterMatches(filter.pattern, c.pattern)) continue;
      for (const entry of c.entries) if (entryFilterMatches(filter.entry, entry)) out.push({ pattern: c.pattern, entry });
    }
    return out;
  }

  createAcls(bindings: readonly AclBinding[]): Promise<AclResult[]> {
    return this.serialized(async () => {
      const results: AclResult[] = bindings.map(() => ({ errorCode: ErrorCode.None, errorMessage: null }));
      const byPattern = new Map<string, { pattern: ResourcePattern; indexes: number[] }>();
      bindings.forEach((b, i) => {
        const problem = bindingProblem(b) ?? (b.pattern.name.includes('/') ? `ACL binding contains invalid resource name: ${b.pattern.name}` : null);
        if (problem !== null) {
          results[i] = { errorCode: ErrorCode.InvalidRequest, errorMessage: `Failed to create ACL: ${problem}` };
          return;
        }
        const k = patternKey(b.pattern);
        const group = byPattern.get(k) ?? { pattern: b.pattern, indexes: [] };
        group.indexes.push(i);
        byPattern.set(k, group);
      });
      for (const { pattern, indexes } of byPattern.values()) {
        // Kafka parses the principals while updating the pattern's znode: one that is not
        // `Type:name` fails every creation of that pattern, as an UNKNOWN_SERVER_ERROR without message
        if (indexes.some((i) => principalProblem(bindings[i]!.entry.principal) !== null)) {
          for (const i of indexes) results[i] = { errorCode: ErrorCode.UnknownServerError, errorMessage: null };
          continue;
        }
        try {
          await this.updateResourceAcls(pattern, (current) => dedupe([...current, ...indexes.map((i) => bindings[i]!.entry)]));
        } catch (err) {
          for (const i of indexes) results[i] = { errorCode: ErrorCode.UnknownServerError, errorMessage: (err as Error).message };
        }
      }
      return results;
    });
  }

  deleteAcls(filters: readonly AclBindingFilter[]): Promise<AclDeleteResult[]> {
    return this.serialized(async () => {
      const deleted = filters.map(() => [] as Array<{ binding: AclBinding } & AclResult>);
      const resources = new Map<string, ResourcePattern>();
      for (const c of this.cache.values()) resources.set(patternKey(c.pattern), c.pattern);
      for (const f of filters) {
        if (!matchesAtMostOne(f.pattern)) continue;
        const types = f.pattern.patternType === AclPatternType.Any ? [AclPatternType.Literal, AclPatternType.Prefixed] : [f.pattern.patternType];
        for (const patternType of types) {
          const p = { resourceType: f.pattern.resourceType, name: f.pattern.name!, patternType };
          resources.set(patternKey(p), p);
        }
      }
      for (const pattern of resources.values()) {
        const matching = filters.map((f, i) => ({ f, i })).filter(({ f }) => patternFilterMatches(f.pattern, pattern));
        if (matching.length === 0) continue;
        const removed: Array<{ entry: AccessControlEntry; filter: number }> = [];
        try {
          await this.updateResourceAcls(pattern, (current) => {
            removed.length = 0;
            return current.filter((entry) => {
              const hit = matching.find(({ f }) => entryFilterMatches(f.entry, entry));
              if (hit) removed.push({ entry, filter: hit.i });
              return !hit;
            });
          });
          for (const r of removed) deleted[r.filter]!.push({ binding: { pattern, entry: r.entry }, errorCode: ErrorCode.None, errorMessage: null });
        } catch (err) {
          for (const r of removed) {
            deleted[r.filter]!.push({ binding: { pattern, entry: r.entry }, errorCode: ErrorCode.UnknownServerError, errorMessage: (err as Error).message });
          }
        }
      }
      return deleted.map((d) => ({ errorCode: ErrorCode.None, errorMessage: null, deleted: d }));
    });
  }

  // ------------------------------------------------------------------------------------------ storage

  /** Read-modify-write of one resource znode, conditional on its version (AclAuthorizer.updateResourceAcls). */
  private async updateResourceAcls(pattern: ResourcePattern, transform: (current: readonly AccessControlEntry[]) => AccessControlEntry[]): Promise<void> {
    const zk = this.opts.zk;
    const cached = this.cache.get(patternKey(pattern));
    let current: store.VersionedAcls = cached ? { entries: [...cached.entries], zkVersion: cached.zkVersion } : await store.getVersionedAcls(zk, pattern);
    for (let retries = 0; ; retries++) {
      const next = transform(current.entries);
      let version: number | null;
      if (next.length > 0) {
        version = current.zkVersion === store.NO_ACLS_VERSION ? await store.createAclsIfAbsent(zk, pattern, next) : await store.conditionalSetAcls(zk, pattern, next, current.zkVersion);
      } else {
        version = (await store.conditionalDeleteAcls(zk, pattern, current.zkVersion)) ? store.NO_ACLS_VERSION : null;
      }
      if (version !== null) {
        const changed = !sameEntries(next, current.entries);
        this.updateCache(pattern, { entries: next, zkVersion: version });
        if (changed) {
          this.opts.log.info({ resource: describePattern(pattern), zkVersion: version }, 'Updated ACLs');
          await store.createAclChangeNotification(zk, pattern);
        }
        return;
      }
      if (retries >= this.maxUpdateRetries) throw new Error(`Failed to update ACLs for ${describePattern(pattern)} after trying a maximum of ${this.maxUpdateRetries} times`);
      await new Promise((r) => setTimeout(r, 100 + Math.floor(Math.random() * 50)));
      current = await store.getVersionedAcls(zk, pattern);
    }
  }

  /** A change notification: the resource is re-read from ZooKeeper. */
  private async reload(pattern: ResourcePattern): Promise<void> {
    const acls = await store.getVersionedAcls(this.opts.zk, pattern);
    this.opts.log.info({ resource: describePattern(pattern), acls: acls.entries.length, zkVersion: acls.zkVersion }, 'Processing Acl change notification');
    this.updateCache(pattern, acls);
  }

  private updateCache(pattern: ResourcePattern, acls: store.VersionedAcls): void {
    const k = patternKey(pattern);
    const entry: CachedAcls = { pattern, entries: acls.entries, zkVersion: acls.zkVersion };
    const prefixed = pattern.patternType === AclPatternType.Prefixed;
    if (acls.entries.length > 0) {
      this.cache.set(k, entry);
      if (prefixed) {
        const m = this.prefixed.get(pattern.resourceType) ?? new Map<string, CachedAcls>();
        m.set(pattern.name, entry);
        this.prefixed.set(pattern.resourceType, m);
      }
    } else {
      this.cache.delete(k);
      if (prefixed) this.prefixed.get(pattern.resourceType)?.delete(pattern.name);
    }
    this.memo.clear();
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => {});
    return run;
  }
}

function dedupe(entries: readonly AccessControlEntry[]): AccessControlEntry[] {
  const seen = new Map<string, AccessControlEntry>();
  for (const e of entries) if (!seen.has(entryKey(e))) seen.set(entryKey(e), e);
  return [...seen.values()];
}

function sameEntries(a: readonly AccessControlEntry[], b: readonly AccessControlEntry[]): boolean {
  if (a.length !== b.length) return false;
  const keys = new Set(b.map(entryKey));
  return a.every((e) => keys.has(entryKey(e)));
}

function principalProblem(principal: string): string | null {
  try {
    parseKafkaPrincipal(principal);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

function describePattern(p: ResourcePattern): string {
  return `ResourcePattern(resourceType=${resourceTypeEnumName(p.resourceType)}, name=${p.name}, patternType=${patternTypeEnumName(p.patternType)})`;
}
