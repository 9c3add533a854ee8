/**
 * What a handler knows about the request besides its body: the decoded header, the connection
 * it arrived on (client address, listener), when its last byte was received, the ApiVersions
 * table of this broker, and a child logger bound to the request (created on first use, so the
 * hot path pays nothing when a handler does not log).
 *
 * Authorization (KafkaApis' authorize / filterByAuthorized / authorizedOperations): the session's
 * principal and the broker's authorizer, if one is configured. Without one everything is allowed
 * and the authorized operations are every operation the resource type supports, as in Kafka.
 */
import { CLUSTER_NAME, AclResourceType, supportedOperations, toBitField } from '../common/acl.js';
import { KafkaError } from '../common/errors.js';
import { ANONYMOUS, type KafkaPrincipal } from '../common/kafka-principal.js';
import type { Logger } from '../common/logger.js';
import type { ConnectionInfo } from '../network/connection.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { RequestHeader } from '../protocol/header.js';
import type { AuthorizeOptions, Authorizer } from '../security/authorizer/acl-authorizer.js';

export interface ApiVersionEntry {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

export interface RequestContext {
  readonly header: RequestHeader;
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly connection: ConnectionInfo;
  /** ms (Date.now()-based) when the request's frame was complete */
  readonly receivedAt: number;
  /** the ApiVersions table this broker advertises (derived from its handlers) */
  readonly supportedApis: readonly ApiVersionEntry[];
  /** `{ apiKey, apiVersion, correlationId, clientId, connectionId }` bound */
  readonly log: Logger;
  /** User:ANONYMOUS, the TLS client certificate's principal, or the SASL user */
  readonly principal: KafkaPrincipal;
  /** the configured authorizer (authorizer.class.name), or null */
  readonly authorizer: Authorizer | null;
  /** whether the principal may do `operation` on the literal resource (true without an authorizer) */
  authorize(operation: number, resourceType: number, name: string, opts?: AuthorizeOptions): boolean;
  /** the names of `names` the principal may do `operation` on */
  authorizedNames(operation: number, resourceType: number, names: Iterable<string>, opts?: AuthorizeOptions): Set<string>;
  /** CLUSTER_AUTHORIZATION_FAILED unless allowed on the cluster (KafkaApis.authorizeClusterOperation) */
  requireClusterOperation(operation: number): void;
  /** the bit field of the operations the principal holds on a resource (Metadata v8+, DescribeGroups v3+) */
  authorizedOperations(resourceType: number, name: string): number;
}

class Context implements RequestContext {
  private childLog: Logger | undefined;

  constructor(
    readonly header: RequestHeader,
    readonly connection: ConnectionInfo,
    readonly receivedAt: number,
    readonly supportedApis: readonly ApiVersionEntry[],
    private readonly parentLog: Logger,
    readonly authorizer: Authorizer | null,
  ) {}

  get principal(): KafkaPrincipal {
    return this.connection.principal ?? ANONYMOUS;
  }

  authorize(operation: number, resourceType: number, name: string, opts?: AuthorizeOptions): boolean {
    if (this.authorizer === null) return true;
    const subject = { principal: this.principal, clientAddress: this.connection.clientAddress, apiKey: this.header.apiKey };
    return this.authorizer.authorize(subject, operation, resourceType, name, opts);
  }

  authorizedNames(operation: number, resourceType: number, names: Iterable<string>, opts?: AuthorizeOptions): Set<string> {
    const out = new Set<string>();
    for (const n of names) if (!out.has(n) && this.authorize(operation, resourceType, n, opts)) out.add(n);
    return out;
  }

  requireClusterOperation(operation: number): void {
    if (!this.authorize(operation, AclResourceType.Cluster, CLUSTER_NAME)) {
      throw new KafkaError(ErrorCode.ClusterAuthorizationFailed, `Request ${this.header.correlationId} is not authorized.`);
    }
  }

  authorizedOperations(resourceType: number, name: string): number {
    const quiet = { logIfAllowed: false, logIfDenied: false };
    return toBitField(supportedOperations(resourceType).filter((op) => this.authorize(op, resourceType, name, quiet)));
  }

  get apiKey(): number {
    return this.header.apiKey;
  }
  get apiVersion(): number {
    return this.header.apiVersion;
  }
  get correlationId(): number {
    return this.header.correlationId;
  }
  get clientId(): string | null {
    return this.header.clientId;
  }

  get log(): Logger {
    this.childLog ??= this.parentLog.child({
      apiKey: this.header.apiKey,
      apiVersion: this.header.apiVersion,
      correlationId: this.header.correlationId,
      clientId: this.header.clientId,
      connectionId: this.connection.connectionId,
    });
    return this.childLog;
  }
}

export function createRequestContext(args: {
  header: RequestHeader;
  connection: ConnectionInfo;
  receivedAt: number;
  supportedApis: readonly ApiVersionEntry[];
  log: Logger;
  authorizer?: Authorizer | null;
}): RequestContext {
  return new Context(args.header, args.connection, args.receivedAt, args.supportedApis, args.log, args.authorizer ?? null);
}
