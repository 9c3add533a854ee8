/**
 * The handler registry and request dispatch (aesthetics §7.3 step 3, rule 1).
 *
 * Registry rules (checked by createRouter, at startup):
 * - one handler per api key; its version range lies inside its request and response tables;
 * - the ApiVersions table is derived from the handlers (MinVersion = the handler's min, 0 for
 *   everything served from 0, protocol.md §2.5), sorted by api key.
 *
 * Routing rules (Kafka 2.7 SocketServer / RequestContext, reliability.md §4.2):
 * 1. header shorter than 8 bytes or unparsable → close;
 * 2. unknown api key → close;
 * 3. version outside the handler's range → close, except ApiVersions, which answers
 *    UNSUPPORTED_VERSION in the v0 layout with apiKeys = [{18, min, max}] (KIP-511);
 * 4. body decode failure → close (logged);
 * 5. the handler's result is encoded with the response table at the request's version;
 *    NO_RESPONSE advances the sequence silently; CloseConnection closes; `answerLater(p)` is
 *    handed to the connection as `deferred` (the next request may start) and encoded when p settles;
 * 6. any other exception: with `errorResponse` defined, the error's code is answered
 *    (UNKNOWN_SERVER_ERROR for non-Kafka errors, logged with stack); otherwise logged and closed.
 */
import { childLogger, type Logger } from '../common/logger.js';
import { KafkaError, toErrorCode } from '../common/errors.js';
import type { ConnectionInfo, FinalOutcome, RequestOutcome, RequestProcessor } from '../network/connection.js';
import { ApiKey, apiKeyName } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { ProtocolError } from '../protocol/errors.js';
import { decodeRequestHeader, encodeResponseFrame, peekRequestHeader, type RequestHeader } from '../protocol/header.js';
import { ApiVersionsResponse } from '../protocol/messages/api-versions.js';
import { Reader } from '../protocol/primitives.js';
import type { Authorizer } from '../security/authorizer/acl-authorizer.js';
import { AnswerLater, CloseConnection, NO_RESPONSE, type Handler } from './handler.js';
import { createRequestContext, type ApiVersionEntry, type RequestContext } from './request-context.js';

export interface ApiDescription {
  apiKey: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  /** first flexible version served, or null */
  flexibleSince: number | null;
}

export interface Router extends RequestProcessor {
  /** the ApiVersions table, sorted by api key */
  readonly apiVersions: readonly ApiVersionEntry[];
  handlerFor(apiKey: number): Handler | undefined;
  /** whether (apiKey, version) uses flexible encoding (header v2), by the request table */
  isFlexible(apiKey: number, apiVersion: number): boolean;
  /** the supported-API table (README) */
  describeApis(): ApiDescription[];
  /** always present on the router (optional for other request processors) */
  errorResponse(frame: Buffer, connection: ConnectionInfo, errorCode: number): Buffer[] | null;
}

/** Told about every answered request (metrics); must be cheap, it runs once per request. */
export type ResponseObserver = (apiKey: number, apiVersion: number, request: unknown, response: unknown, totalTimeMs: number) => void;

export interface RouterOptions {
  log: Logger;
  /** authorizer.class.name's authorizer; none = every request is allowed */
  authorizer?: Authorizer | null;
  onResponse?: ResponseObserver;
}

export function createRouter(handlers: readonly Handler[], opts: RouterOptions): Router {
  const byKey = new Map<number, Handler>();
  for (const h of handlers) {
    validateHandler(h);
    if (byKey.has(h.apiKey)) throw new Error(`duplicate handler for api key ${h.apiKey} (${apiKeyName(h.apiKey)})`);
    byKey.set(h.apiKey, h);
  }
  const apiVersions: ApiVersionEntry[] = [...byKey.values()]
    .sort((a, b) => a.apiKey - b.apiKey)
    .map((h) => ({ apiKey: h.apiKey, minVersion: h.versions.min, maxVersion: h.versions.max }));
  return new RequestRouter(byKey, Object.freeze(apiVersions), childLogger(opts.log, 'request-router'), opts.authorizer ?? null, opts.onResponse ?? null);
}

function validateHandler(h: Handler): void {
  const name = apiKeyName(h.apiKey);
  const { min, max } = h.versions;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || min > max) {
    throw new Error(`${name}: invalid version range ${min}..${max}`);
  }
  for (const spec of [h.request, h.response]) {
    if (spec.apiKey !== h.apiKey) throw new Error(`${name}: table ${spec.name} is for api key ${spec.apiKey}`);
    if (min < spec.minVersion || max > spec.maxVersion) {
      throw new Error(`${name}: versions ${min}..${max} outside ${spec.name}'s ${spec.minVersion}..${spec.maxVersion}`);
    }
  }
}

class RequestRouter implements Router {
  constructor(
    private readonly byKey: ReadonlyMap<number, Handler>,
    readonly apiVersions: readonly ApiVersionEntry[],
    private readonly log: Logger,
    private readonly authorizer: Authorizer | null,
    private readonly onResponse: ResponseObserver | null,
  ) {}

  handlerFor(apiKey: number): Handler | undefined {
    return this.byKey.get(apiKey);
  }

  isFlexible(apiKey: number, apiVersion: number): boolean {
    return this.byKey.get(apiKey)?.request.isFlexible(apiVersion) ?? false;
  }

  describeApis(): ApiDescription[] {
    return this.apiVersions.map((e) => {
      const flex = this.byKey.get(e.apiKey)!.request.flexibleSince;
      return {
        apiKey: e.apiKey,
        name: apiKeyName(e.apiKey),
        minVersion: e.minVersion,
        maxVersion: e.maxVersion,
        flexibleSince: flex <= e.maxVersion ? Math.max(flex, e.minVersion) : null,
      };
    });
  }

  process(frame: Buffer, connection: ConnectionInfo, receivedAt: number): RequestOutcome | Promise<RequestOutcome> {
    const peek = peekRequestHeader(frame);
    if (!peek) return this.reject(connection, 'request header truncated', { frameBytes: frame.length });
    const handler = this.byKey.get(peek.apiKey);
    if (!handler) return this.reject(connection, 'unknown api key', peek);
    if (peek.apiVersion < handler.versions.min || peek.apiVersion > handler.versions.max) {
      if (peek.apiKey === ApiKey.ApiVersions) return this.unsupportedApiVersions(handler, peek.correlationId);
      return this.reject(connection, 'unsupported api version', peek);
    }
    const r = new Reader(frame);
    let header: RequestHeader;
    let body: unknown;
    try {
      header = decodeRequestHeader(r, (k, v) => this.isFlexible(k, v));
      body = handler.request.decode(r, peek.apiVersion);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      return this.reject(connection, `malformed request: ${err.message}`, peek);
    }
    const ctx = createRequestContext({ header, connection, receivedAt, supportedApis: this.apiVersions, log: this.log, authorizer: this.authorizer });
    let result: unknown;
    try {
      result = handler.handle(body, ctx);
    } catch (err) {
      return this.onHandlerError(handler, body, ctx, err);
    }
    if (result instanceof AnswerLater) {
      const answer: Promise<unknown> = result.answer;
      return {
        type: 'deferred',
        answer: answer.then(
          (value: unknown) => this.respond(handler, ctx, value, body),
          (err: unknown) => this.onHandlerError(handler, body, ctx, err),
        ),
      };
    }
    if (result instanceof Promise) {
      return result.then(
        (value: unknown) => this.respond(handler, ctx, value, body),
        (err: unknown) => this.onHandlerError(handler, body, ctx, err),
      );
    }
    return this.respond(handler, ctx, result, body);
  }

  /**
   * The request's error response with `errorCode` (its handler's errorResponse, at the request's
   * version), or null when the request cannot be decoded or its API has none: what Kafka's
   * `request.getErrorResponse(e)` answers, e.g. ILLEGAL_SASL_STATE during a SASL exchange.
   */
  errorResponse(frame: Buffer, connection: ConnectionInfo, errorCode: number): Buffer[] | null {
    const peek = peekRequestHeader(frame);
    const handler = peek ? this.byKey.get(peek.apiKey) : undefined;
    if (!peek || !handler?.errorResponse || peek.apiVersion < handler.versions.min || peek.apiVersion > handler.versions.max) return null;
    try {
      const r = new Reader(frame);
      const header = decodeRequestHeader(r, (k, v) => this.isFlexible(k, v));
      const body = handler.request.decode(r, peek.apiVersion);
      const ctx = createRequestContext({ header, connection, receivedAt: 0, supportedApis: this.apiVersions, log: this.log, authorizer: null });
      return encodeResponseFrame(handler.response, peek.apiVersion, peek.correlationId, handler.errorResponse(body, errorCode as ErrorCode, ctx) as never);
    } catch {
      return null;
    }
  }

  private respond(handler: Handler, ctx: RequestContext, value: unknown, body?: unknown): FinalOutcome {
    this.onResponse?.(ctx.apiKey, ctx.apiVersion, body, value === NO_RESPONSE ? null : value, Date.now() - ctx.receivedAt);
    if (value === NO_RESPONSE) return { type: 'no-response' };
    const v = ctx.apiVersion;
    try {
      return { type: 'response', chunks: encodeResponseFrame(handler.response, v, ctx.correlationId, value as never) };
    } catch (err) {
      ctx.log.error({ err }, 'response encoding failed; closing connection');
      return { type: 'close', reason: 'response encoding failed' };
    }
  }

  private onHandlerError(handler: Handler, body: unknown, ctx: RequestContext, err: unknown): FinalOutcome {
    if (err instanceof CloseConnection) {
      ctx.log.debug({ reason: err.message }, 'handler closed the connection');
      return { type: 'close', reason: err.message };
    }
    if (handler.errorResponse) {
      const code = toErrorCode(err, ctx.log);
      try {
        return this.respond(handler, ctx, handler.errorResponse(body, code, ctx), body);
      } catch (e) {
        ctx.log.error({ err: e }, 'building the error response failed');
        return { type: 'close', reason: 'error response failed' };
      }
    }
    if (err instanceof KafkaError) ctx.log.info({ code: err.code, msg: err.message }, 'handler failed; closing connection');
    else ctx.log.error({ err }, 'handler failed unexpectedly; closing connection');
    return { type: 'close', reason: 'handler failed' };
  }

  /** KIP-511: an ApiVersions version we do not know is answered, in the v0 layout, not closed. */
  private unsupportedApiVersions(handler: Handler, correlationId: number): FinalOutcome {
    const chunks = encodeResponseFrame(ApiVersionsResponse, 0, correlationId, {
      errorCode: ErrorCode.UnsupportedVersion,
      apiKeys: [{ apiKey: ApiKey.ApiVersions, minVersion: handler.versions.min, maxVersion: handler.versions.max }],
    });
    return { type: 'response', chunks };
  }

  private reject(connection: ConnectionInfo, reason: string, details: object): FinalOutcome {
    this.log.info({ connectionId: connection.connectionId, clientAddress: connection.clientAddress, ...details }, `closing connection: ${reason}`);
    return { type: 'close', reason };
  }
}

/** The README's supported-API table, as Markdown. */
export function apiTableMarkdown(router: Router): string {
  const rows = router
    .describeApis()
    .map((a) => `| ${a.name} | ${a.apiKey} | ${a.minVersion}–${a.maxVersion} | ${a.flexibleSince === null ? '–' : `${a.flexibleSince}+`} |`);
  return ['| API | Key | Versions | Flexible |', '|---|---|---|---|', ...rows].join('\n');
}
