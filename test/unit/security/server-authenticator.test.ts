/**
 * SaslServerAuthenticator's timing rules, with fake timers and an injected clock (the integration
 * tests in test/integration/security/bad-input.test.ts drive it with real sockets):
 * - connection.failed.authentication.delay.ms holds back the answer and the close of a failure;
 * - a session with a lifetime closes on the first request after it expired; re-authentication is
 *   accepted at most once a second.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../src/common/logger.js';
import type { ConnectionInfo, RequestOutcome, RequestProcessor } from '../../../src/network/connection.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { MetadataRequest } from '../../../src/protocol/messages/metadata.js';
import { SaslAuthenticateRequest } from '../../../src/protocol/messages/sasl-authenticate.js';
import { SaslHandshakeRequest } from '../../../src/protocol/messages/sasl-handshake.js';
import { PlainSaslServer } from '../../../src/security/sasl/plain.js';
import { MAX_SASL_RECEIVE_SIZE, SaslServerAuthenticator } from '../../../src/security/sasl/server-authenticator.js';
import { requestFrame } from '../network/helpers.js';

const info = (): ConnectionInfo => ({
  connectionId: '127.0.0.1:9092-10.1.2.3:5555-0',
  clientAddress: '10.1.2.3',
  clientPort: 5555,
  listenerName: 'SASL_PLAINTEXT',
  securityProtocol: 'SASL_PLAINTEXT',
});

/** what the connection hands its processor: the frame without its size prefix */
const unsized = (frame: Buffer) => frame.subarray(4);
const handshake = (id = 1, mechanism = 'PLAIN') => unsized(requestFrame(SaslHandshakeRequest, 1, id, { mechanism }));
const authenticate = (password: string, id = 2) => unsized(requestFrame(SaslAuthenticateRequest, 1, id, { authBytes: Buffer.from(`\u0000alice\u0000${password}`) }));
const metadata = (id = 3) =>
  unsized(requestFrame(MetadataRequest, 1, id, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }));

let clock = 0;
const served: Buffer[] = [];
const router: RequestProcessor = {
  process(frame): RequestOutcome {
    served.push(frame);
    return { type: 'response', chunks: [Buffer.from('ok')] };
  },
};

function authenticator(opts: { delayMs?: number; reauthMs?: number } = {}) {
  const log = silentLogger();
  const failures = vi.spyOn(log, 'info');
  const a = new SaslServerAuthenticator(
    {
      mechanisms: ['PLAIN'],
      createServer: () => new PlainSaslServer(new Map([['alice', 'alice-secret']])),
      maxReauthMs: () => opts.reauthMs ?? 0,
      failedAuthenticationDelayMs: opts.delayMs ?? 100,
      log,
      now: () => clock,
    },
    router,
  );
  return { a, failures };
}

beforeEach(() => {
  vi.useFakeTimers();
  clock = 1_000_000;
  served.length = 0;
});
afterEach(() => vi.useRealTimers());

describe('connection.failed.authentication.delay.ms', () => {
  it('holds the failure answer and the close back for the configured delay, and logs the peer once', async () => {
    const { a, failures } = authenticator({ delayMs: 250 });
    expect(a.process(handshake(), info(), 0)).toMatchObject({ type: 'response' });
    let outcome: RequestOutcome | null = null;
    void Promise.resolve(a.process(authenticate('wrong'), info(), 0)).then((o) => (outcome = o));
    await vi.advanceTimersByTimeAsync(249);
    expect(outcome).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    const failed = outcome as RequestOutcome | null;
    expect(failed).toMatchObject({ type: 'close', reason: 'authentication failed' });
    expect(failed?.type === 'close' && failed.chunks?.length).toBeGreaterThan(0);
    expect(failures).toHaveBeenCalledTimes(1);
    expect(failures.mock.calls[0]![1]).toMatch(/^Failed authentication with \/10\.1\.2\.3 \(Authentication failed: Invalid username or password\)$/);
    // nothing is served on a failed connection, whatever follows
    expect(await a.process(metadata(), info(), 0)).toEqual({ type: 'close', reason: 'authentication failed' });
    expect(served).toHaveLength(0);
  });

  it('delays a request that is not allowed before authentication the same way (no answer, then close)', async () => {
    const { a } = authenticator({ delayMs: 100 });
    let outcome: RequestOutcome | null = null;
    void Promise.resolve(a.process(metadata(), info(), 0)).then((o) => (outcome = o));
    await vi.advanceTimersByTimeAsync(99);
    expect(outcome).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome).toEqual({ type: 'close', reason: 'authentication failed' });
    expect(served).toHaveLength(0);
  });

  it('a delay of 0 answers on the next turn of the event loop', async () => {
    const { a } = authenticator({ delayMs: 0 });
    a.process(handshake(), info(), 0);
    const p = Promise.resolve(a.process(authenticate('wrong'), info(), 0));
    await vi.advanceTimersByTimeAsync(0);
    await expect(p).resolves.toMatchObject({ type: 'close' });
  });
});

describe('sessions (connections.max.reauth.ms)', () => {
  it('limits frames to 512 KiB until authenticated, then serves requests until the session expires', async () => {
    const { a } = authenticator({ reauthMs: 5000 });
    expect(a.maxFrameBytes()).toBe(MAX_SASL_RECEIVE_SIZE);
    a.process(handshake(), info(), 0);
    const c = info();
    expect(a.process(authenticate('alice-secret'), c, 0)).toMatchObject({ type: 'response' });
    expect(c.principal).toEqual({ type: 'User', name: 'alice' });
    expect(a.maxFrameBytes()).toBe(Number.MAX_SAFE_INTEGER);
    clock += 4999;
    expect(await a.process(metadata(), c, 0)).toMatchObject({ type: 'response' });
    expect(served).toHaveLength(1);
    clock += 1;
    expect(await a.process(metadata(), c, 0)).toEqual({ type: 'close', reason: 'SASL session expired' });
    expect(served).toHaveLength(1);
  });

  it('re-authentication renews the session; a second handshake within a second is left to the router (ILLEGAL_SASL_STATE there)', async () => {
    const { a } = authenticator({ reauthMs: 5000 });
    const c = info();
    a.process(handshake(), c, 0);
    a.process(authenticate('alice-secret'), c, 0);
    clock += 4000;
    expect(a.process(handshake(10), c, 0)).toMatchObject({ type: 'response' });
    expect(a.process(authenticate('alice-secret', 11), c, 0)).toMatchObject({ type: 'response' });
    clock += 500;
    // within a second of the last re-authentication start: not a re-authentication, the router answers
    await a.process(handshake(12), c, 0);
    expect(served).toHaveLength(1);
    clock += 4000; // 4.5 s after the renewal: still inside the new session
    expect(await a.process(metadata(), c, 0)).toMatchObject({ type: 'response' });
    clock += 1000;
    expect(await a.process(metadata(), c, 0)).toEqual({ type: 'close', reason: 'SASL session expired' });
  });

  it('an unknown mechanism is answered with the enabled list after the delay', async () => {
    const { a } = authenticator({ delayMs: 10 });
    const p = Promise.resolve(a.process(handshake(1, 'GSSAPI'), info(), 0));
    await vi.advanceTimersByTimeAsync(10);
    const outcome = await p;
    expect(outcome.type).toBe('close');
    const chunks = outcome.type === 'close' ? Buffer.concat(outcome.chunks ?? []) : Buffer.alloc(0);
    // size, correlation id, then error code 33 (UNSUPPORTED_SASL_MECHANISM)
    expect(chunks.readInt16BE(8)).toBe(ErrorCode.UnsupportedSaslMechanism);
  });
});
