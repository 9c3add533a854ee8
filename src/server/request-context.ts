/**
 * What a handler knows about the request besides its body: the decoded header, the connection
 * it arrived on (client address, listener), when its last byte was received, the ApiVersions
 * table of this broker, and a child logger bound to the request (created on first use, so the
 * hot path pays nothing when a handler does not log).
 */
import type { Logger } from '../common/logger.js';
import type { ConnectionInfo } from '../network/connection.js';
import type { RequestHeader } from '../protocol/header.js';

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
}

class Context implements RequestContext {
  private childLog: Logger | undefined;

  constructor(
    readonly header: RequestHeader,
    readonly connection: ConnectionInfo,
    readonly receivedAt: number,
    readonly supportedApis: readonly ApiVersionEntry[],
    private readonly parentLog: Logger,
  ) {}

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
}): RequestContext {
  return new Context(args.header, args.connection, args.receivedAt, args.supportedApis, args.log);
}
