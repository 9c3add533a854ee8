/**
 * The handler definition: one Kafka API, its message tables, the version range it serves, and
 * the function answering a decoded request (aesthetics rule 1). ApiVersions is derived from the
 * registered handlers by the router.
 *
 * `handle(req, ctx)` returns (or resolves to) one of:
 * - the response value (encoded by the router with the response table, same version);
 * - `NO_RESPONSE`: nothing is written but the connection's response sequence moves on
 *   (Produce with acks = 0, protocol.md §3.5);
 * - `answerLater(promise)`: the request has taken every effect it has (an acks = -1 Produce after
 *   its appends, waiting in the purgatory); the connection may start its next request while the
 *   promise is pending, and answers still leave in request order. A handler that still has effects
 *   to take must return a Promise instead: the connection then waits for it (one request at a time,
 *   so the effects of one connection's requests keep their order);
 * or throws:
 * - `CloseConnection`: the connection is closed without an answer (acks = 0 produce that failed);
 * - `KafkaError` / anything else: answered with `errorResponse(req, code)` when the handler
 *   defines one (Kafka's `getErrorResponse`), otherwise logged and the connection closed.
 */
import type { ErrorCode } from '../protocol/error-codes.js';
import type { MessageInput, MessageSpec, MessageValue } from '../protocol/schema.js';
import type { RequestContext } from './request-context.js';

/** Any message table (the field set is erased at the registry boundary). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySpec = MessageSpec<any>;

/** Returned by a handler that must not answer (acks = 0); the sequence still advances. */
export const NO_RESPONSE: unique symbol = Symbol('NO_RESPONSE');
export type NoResponse = typeof NO_RESPONSE;

/** Thrown by a handler to close the client's connection instead of answering. */
export class CloseConnection extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'CloseConnection';
  }
}

export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

/** A handler's answer that comes later, all effects of its request taken (see the contract above). */
export class AnswerLater<T> {
  constructor(readonly answer: Promise<T>) {}
}

export function answerLater<T>(answer: Promise<T>): AnswerLater<T> {
  return new AnswerLater(answer);
}

export type HandlerResult<Res extends AnySpec> = MessageInput<Res> | NoResponse | AnswerLater<MessageInput<Res> | NoResponse>;

export interface HandlerDefinition<Req extends AnySpec, Res extends AnySpec> {
  /** defaults to `request.apiKey`; must match both tables */
  apiKey?: number;
  request: Req;
  response: Res;
  /** the versions this broker serves; must lie inside both tables' ranges */
  versions: VersionRange;
  handle(req: MessageValue<Req>, ctx: RequestContext): HandlerResult<Res> | Promise<HandlerResult<Res>>;
  /** the response carrying `code` everywhere (Kafka's AbstractRequest.getErrorResponse) */
  errorResponse?(req: MessageValue<Req>, code: ErrorCode, ctx: RequestContext): MessageInput<Res>;
}

/** A handler as the router sees it: types erased, api key resolved. */
export interface Handler {
  readonly apiKey: number;
  readonly request: AnySpec;
  readonly response: AnySpec;
  readonly versions: VersionRange;
  handle(req: unknown, ctx: RequestContext): unknown;
  errorResponse?(req: unknown, code: ErrorCode, ctx: RequestContext): unknown;
}

export function defineHandler<Req extends AnySpec, Res extends AnySpec>(def: HandlerDefinition<Req, Res>): Handler {
  return { ...def, apiKey: def.apiKey ?? def.request.apiKey } as Handler;
}
