import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { KafkaError } from '../../../src/common/errors.js';
import { childLogger, createLogger, silentLogger } from '../../../src/common/logger.js';
import type { ConnectionInfo, RequestOutcome } from '../../../src/network/connection.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../../src/protocol/messages/api-versions.js';
import { Reader } from '../../../src/protocol/primitives.js';
import { message, t } from '../../../src/protocol/schema.js';
import { answerLater, CloseConnection, NO_RESPONSE, defineHandler, type Handler } from '../../../src/server/handler.js';
import { apiVersions } from '../../../src/server/handlers/api-versions.js';
import type { RequestContext } from '../../../src/server/request-context.js';
import { apiTableMarkdown, createRouter } from '../../../src/server/router.js';
import { EchoRequest, EchoResponse, TEST_API_KEY, requestFrame } from '../network/helpers.js';

const conn: ConnectionInfo = {
  connectionId: '127.0.0.1:9092-127.0.0.1:5555-0',
  clientAddress: '127.0.0.1',
  clientPort: 5555,
  listenerName: 'PLAINTEXT',
  securityProtocol: 'PLAINTEXT',
};
const log = silentLogger();

let lastCtx: RequestContext | undefined;
function behaviour(mode: number): unknown {
  switch (mode) {
    case 1:
      return NO_RESPONSE;
    case 2:
      throw new CloseConnection('bye');
    case 3:
      throw new KafkaError(ErrorCode.NotLeaderOrFollower);
    case 4:
      throw new TypeError('a bug');
    case 5:
      return Promise.reject(new KafkaError(ErrorCode.RequestTimedOut));
    case 6:
      return { errorCode: 0, id: 2 ** 40 };
    case 7:
      return answerLater(Promise.resolve({ errorCode: 0, id: 7 }));
    case 8:
      return answerLater(Promise.reject(new KafkaError(ErrorCode.RequestTimedOut)));
    default:
      return undefined;
  }
}

const echo = defineHandler({
  request: EchoRequest,
  response: EchoResponse,
  versions: { min: 0, max: 1 },
  handle(req, ctx) {
    lastCtx = ctx;
    const special = behaviour(req.mode);
    if (special !== undefined) return special as never;
    return req.delayMs > 0 ? Promise.resolve({ errorCode: 0, id: req.id }) : { errorCode: 0, id: req.id };
  },
});
const echoWithErrors: Handler = { ...echo, errorResponse: (_req: unknown, code: ErrorCode) => ({ errorCode: code, id: -1 }) };

async function run(handlers = [apiVersions, echo], frame: Buffer): Promise<RequestOutcome> {
  return createRouter(handlers, { log }).process(frame.subarray(4), conn, 1234);
}

function responseBody(o: RequestOutcome, version = 0): { correlationId: number; errorCode: number; id: number } {
  expect(o.type).toBe('response');
  const frame = Buffer.concat(o.type === 'response' ? [...o.chunks] : []);
  expect(frame.readInt32BE(0)).toBe(frame.length - 4);
  const r = new Reader(frame, 4);
  const correlationId = r.int32();
  if (version >= 1) expect(r.uvarint()).toBe(0); // flexible response header v1: empty tags
  const body = EchoResponse.decode(r, version);
  expect(r.remaining).toBe(0);
  return { correlationId, errorCode: body.errorCode, id: body.id };
}

const echoReq = (mode: number, version = 0, delayMs = 0): Buffer => requestFrame(EchoRequest, version, 9, { id: 5, delayMs, mode });

describe('router - registry', () => {
  it('router - refuses duplicate api keys', () => {
    expect(() => createRouter([apiVersions, echo, apiVersions], { log })).toThrow(/duplicate handler for api key 18/);
  });

  it('router - refuses version ranges outside the message tables', () => {
    expect(() => createRouter([{ ...echo, versions: { min: 0, max: 2 } }], { log })).toThrow(/outside/);
    expect(() => createRouter([{ ...echo, versions: { min: 2, max: 1 } }], { log })).toThrow(/invalid version range/);
    const shortResponse = message({ apiKey: TEST_API_KEY, name: 'Short', versions: [0, 0] }, { errorCode: t.int16(), id: t.int32() });
    expect(() => createRouter([{ ...echo, response: shortResponse }], { log })).toThrow(/Short/);
  });

  it('router - refuses a table of another api key', () => {
    expect(() => createRouter([{ ...echo, response: ApiVersionsResponse }], { log })).toThrow(/api key 18/);
  });

  it('router - derives the ApiVersions table, sorted, and the README table', () => {
    const router = createRouter([echo, apiVersions], { log });
    expect(router.apiVersions).toEqual([
      { apiKey: 18, minVersion: 0, maxVersion: 3 },
      { apiKey: TEST_API_KEY, minVersion: 0, maxVersion: 1 },
    ]);
    expect(router.describeApis()).toEqual([
      { apiKey: 18, name: 'ApiVersions', minVersion: 0, maxVersion: 3, flexibleSince: 3 },
      { apiKey: TEST_API_KEY, name: `Unknown(${TEST_API_KEY})`, minVersion: 0, maxVersion: 1, flexibleSince: 1 },
    ]);
    expect(apiTableMarkdown(router)).toContain('| ApiVersions | 18 | 0–3 | 3+ |');
    expect(router.isFlexible(18, 3)).toBe(true);
    expect(router.isFlexible(18, 2)).toBe(false);
    expect(router.isFlexible(999, 5)).toBe(false);
  });
});

describe('router - dispatch', () => {
  it('router - answers with the encoded response and a context for the request', async () => {
    expect(responseBody(await run(undefined, echoReq(0)))).toEqual({ correlationId: 9, errorCode: 0, id: 5 });
    expect(lastCtx).toMatchObject({ apiKey: TEST_API_KEY, apiVersion: 0, correlationId: 9, clientId: 'test-client', receivedAt: 1234 });
    expect(lastCtx!.connection).toBe(conn);
    expect(lastCtx!.supportedApis.map((a) => a.apiKey)).toEqual([18, TEST_API_KEY]);
    expect(responseBody(await run(undefined, echoReq(0, 1, 5)), 1)).toEqual({ correlationId: 9, errorCode: 0, id: 5 });
  });

  it('router - NO_RESPONSE and CloseConnection', async () => {
    expect(await run(undefined, echoReq(1))).toEqual({ type: 'no-response' });
    expect(await run(undefined, echoReq(2))).toEqual({ type: 'close', reason: 'bye' });
  });

  it('router - errors without errorResponse close the connection', async () => {
    for (const mode of [3, 4, 5]) expect((await run(undefined, echoReq(mode))).type).toBe('close');
  });

  it('router - errors with errorResponse are answered with their code', async () => {
    const handlers = [apiVersions, echoWithErrors];
    expect(responseBody(await run(handlers, echoReq(3)))).toMatchObject({ errorCode: ErrorCode.NotLeaderOrFollower, id: -1 });
    expect(responseBody(await run(handlers, echoReq(4)))).toMatchObject({ errorCode: ErrorCode.UnknownServerError });
    expect(responseBody(await run(handlers, echoReq(5)))).toMatchObject({ errorCode: ErrorCode.RequestTimedOut });
  });

  it('router - answerLater becomes a deferred outcome whose answer is encoded (or an error answered) when it settles', async () => {
    const deferred = await run(undefined, echoReq(7));
    expect(deferred.type).toBe('deferred');
    if (deferred.type !== 'deferred') return;
    expect(responseBody(await deferred.answer)).toEqual({ correlationId: 9, errorCode: 0, id: 7 });
    const failing = await run([apiVersions, echoWithErrors], echoReq(8));
    if (failing.type !== 'deferred') throw new Error('expected deferred');
    expect(responseBody(await failing.answer)).toMatchObject({ errorCode: ErrorCode.RequestTimedOut, id: -1 });
    const closing = await run(undefined, echoReq(8));
    if (closing.type !== 'deferred') throw new Error('expected deferred');
    expect((await closing.answer).type).toBe('close');
  });

  it('router - a response that cannot be encoded closes the connection', async () => {
    expect(await run(undefined, echoReq(6))).toEqual({ type: 'close', reason: 'response encoding failed' });
  });

  it('router - unknown key, unsupported version, bad header or body close', async () => {
    const unknown = requestFrame({ ...EchoRequest, apiKey: 31000 }, 0, 1, { id: 1, delayMs: 0, mode: 0 });
    expect((await run(undefined, unknown)).type).toBe('close');
    const v2 = echoReq(0);
    v2.writeInt16BE(2, 6);
    expect((await run(undefined, v2)).type).toBe('close');
    expect((await run(undefined, Buffer.from([0, 0, 0, 0, 0, 18, 0]))).type).toBe('close');
    const badClientId = requestFrame(ApiVersionsRequest, 0, 1, {});
    badClientId.writeInt16BE(200, 12); // client id length beyond the frame
    expect((await run(undefined, badClientId)).type).toBe('close');
    const truncated = echoReq(0).subarray(0, 20);
    expect((await run(undefined, truncated)).type).toBe('close');
  });

  it('router - an ApiVersions version above the range is answered in the v0 layout', async () => {
    const f = requestFrame(ApiVersionsRequest, 0, 33, {});
    f.writeInt16BE(4, 6);
    const o = await run(undefined, f);
    const frame = Buffer.concat(o.type === 'response' ? [...o.chunks] : []);
    expect(frame.subarray(4).toString('hex')).toBe(
      // corr id | error 35 | 1 entry: key 18, min 0, max 3
      '00000021' + '0023' + '00000001' + '0012' + '0000' + '0003',
    );
  });

  it('router - errorResponse builds the request\'s own error response (ILLEGAL_SASL_STATE for an authenticator), or null', () => {
    const router = createRouter([apiVersions, echoWithErrors], { log });
    const chunks = router.errorResponse(echoReq(0, 1).subarray(4), conn, ErrorCode.IllegalSaslState);
    expect(chunks).not.toBeNull();
    expect(responseBody({ type: 'response', chunks: chunks! }, 1)).toEqual({ correlationId: 9, errorCode: ErrorCode.IllegalSaslState, id: -1 });
    const noErrorResponse = createRouter([apiVersions, echo], { log });
    expect(noErrorResponse.errorResponse(echoReq(0).subarray(4), conn, ErrorCode.IllegalSaslState)).toBeNull();
    expect(router.errorResponse(Buffer.alloc(3), conn, ErrorCode.IllegalSaslState)).toBeNull();
    const badVersion = echoReq(0);
    badVersion.writeInt16BE(7, 6);
    expect(router.errorResponse(badVersion.subarray(4), conn, ErrorCode.IllegalSaslState)).toBeNull();
  });
});

describe('logger', () => {
  it('logger - child loggers carry component and brokerId', () => {
    const lines: string[] = [];
    const dest = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const root = createLogger({ level: 'info', brokerId: 3, destination: dest });
    childLogger(root, 'replica-manager', { tp: 'a-0' }).info('hello');
    const rec = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(rec).toMatchObject({ brokerId: 3, component: 'replica-manager', tp: 'a-0', msg: 'hello', level: 30 });
  });
});
