/**
 * The server side of SASL on one connection of a SASL_PLAINTEXT / SASL_SSL listener (Kafka 2.7's
 * SaslServerAuthenticator, plus the re-authentication and expiry rules of KafkaChannel and the
 * socket server). It sits in front of the router as that connection's request processor.
 *
 * Before authentication:
 * 1. Only ApiVersions (once, before the handshake; answered by the router) and SaslHandshake are
 *    served. Any other request, a second ApiVersions, or bytes that are not a Kafka request fail
 *    the authentication: no answer, the connection closes.
 * 2. SaslHandshake v0/v1 names the mechanism. Not enabled on this listener →
 *    UNSUPPORTED_SASL_MECHANISM with the enabled list, then close. v1 means the tokens that follow
 *    come as SaslAuthenticate requests (v0–v2); v0 means raw size-prefixed tokens without any
 *    Kafka header (what kafka-python sends), answered the same way.
 * 3. A mechanism failure answers SaslAuthenticate with SASL_AUTHENTICATION_FAILED (58) and the
 *    mechanism's message or Kafka's generic "invalid credentials" text, then closes; with raw
 *    tokens the connection just closes. A request other than SaslAuthenticate in this phase gets
 *    its own error response with ILLEGAL_SASL_STATE (the router builds it), then closes.
 * 4. Frames are limited to 512 KiB until authenticated (Kafka's MAX_RECEIVE_SIZE): a larger size
 *    prefix closes the connection before anything is read.
 * 5. Every failure is logged at INFO with the peer address ("Failed authentication with ..."), and
 *    the answer and the close are delayed by connection.failed.authentication.delay.ms.
 * After authentication the principal is `User:<authorization id>` and requests go to the router, except:
 * 6. With a session lifetime (connections.max.reauth.ms > 0, sent in SaslAuthenticate v1+), a
 *    request after the session expired closes the connection. A SaslHandshake on such a connection
 *    starts a re-authentication (KIP-368; at most one a second, else the router answers it with
 *    ILLEGAL_SASL_STATE), which must use the same mechanism and end with the same principal.
 */
import { principalToString, userPrincipal, type KafkaPrincipal, samePrincipal } from '../../common/kafka-principal.js';
import type { Logger } from '../../common/logger.js';
import type { ConnectionInfo, RequestOutcome, RequestProcessor } from '../../network/connection.js';
import { ApiKey, apiKeyName } from '../../protocol/api-keys.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { ProtocolError } from '../../protocol/errors.js';
import { decodeRequestHeader, encodeResponseFrame, peekRequestHeader } from '../../protocol/header.js';
import { ApiVersionsRequest } from '../../protocol/messages/api-versions.js';
import { isFlexible } from '../../protocol/messages/index.js';
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../../protocol/messages/sasl-authenticate.js';
import { SaslHandshakeRequest, SaslHandshakeResponse } from '../../protocol/messages/sasl-handshake.js';
import { Reader } from '../../protocol/primitives.js';
import { SaslAuthenticationError, SaslError, type SaslServer } from './mechanism.js';

/** Kafka's SaslServerAuthenticator.MAX_RECEIVE_SIZE */
export const MAX_SASL_RECEIVE_SIZE = 524_288;

export interface SaslServerSettings {
  /** enabled on this listener, in configuration order */
  readonly mechanisms: readonly string[];
  /** a fresh SaslServer for an enabled mechanism */
  createServer(mechanism: string): SaslServer;
  /** connections.max.reauth.ms for the mechanism (0 = sessions never expire) */
  maxReauthMs(mechanism: string): number;
  /** connection.failed.authentication.delay.ms */
  readonly failedAuthenticationDelayMs: number;
  readonly log: Logger;
  readonly now?: () => number;
}

type State = 'handshake-or-versions' | 'handshake' | 'authenticate' | 'complete' | 'failed';

/** A failure carrying the answer Kafka sends before closing (none for raw tokens and illegal requests). */
class AuthFailure extends Error {
  constructor(
    message: string,
    readonly response: Buffer[] | null = null,
  ) {
    super(message);
  }
}

export class SaslServerAuthenticator implements RequestProcessor {
  private state: State = 'handshake-or-versions';
  private server: SaslServer | null = null;
  private mechanism: string | null = null;
  private kafkaHeaders = false;
  private lastReauthStart = -Infinity;
  private sessionExpiresAt: number | null = null;
  private principal: KafkaPrincipal | null = null;
  /** set while re-authenticating: the mechanism and principal that must not change */
  private previous: { mechanism: string; principal: KafkaPrincipal } | null = null;
  private badReauthMechanism: string | null = null;
  private readonly now: () => number;

  constructor(
    private readonly settings: SaslServerSettings,
    private readonly next: RequestProcessor,
  ) {
    this.now = settings.now ?? Date.now;
  }

  maxFrameBytes(): number {
    return this.state === 'complete' ? Number.MAX_SAFE_INTEGER : MAX_SASL_RECEIVE_SIZE;
  }

  process(frame: Buffer, info: ConnectionInfo, receivedAt: number): RequestOutcome | Promise<RequestOutcome> {
    if (this.state === 'complete') return this.authenticated(frame, info, receivedAt);
    if (this.state === 'failed') return { type: 'close', reason: 'authentication failed' };
    try {
      if (this.state === 'authenticate') return this.token(frame, info);
      return this.handshakePhase(frame, info, receivedAt);
    } catch (err) {
      return this.fail(info, err);
    }
  }

  // ------------------------------------------------------------------------------------------ phases

  private authenticated(frame: Buffer, info: ConnectionInfo, receivedAt: number): RequestOutcome | Promise<RequestOutcome> {
    const h = peekRequestHeader(frame);
    // KafkaChannel.maybeBeginServerReauthentication: only sessions that expire, at most once a second.
    if (h?.apiKey === ApiKey.SaslHandshake && this.sessionExpiresAt !== null && this.now() - this.lastReauthStart >= 1000) {
      this.lastReauthStart = this.now();
      this.previous = { mechanism: this.mechanism!, principal: this.principal! };
      this.state = 'handshake';
      try {
        return this.handshakePhase(frame, info, receivedAt);
      } catch (err) {
        return this.fail(info, err);
      }
    }
    if (this.sessionExpiresAt !== null && this.now() >= this.sessionExpiresAt) {
      this.settings.log.debug({ clientAddress: info.clientAddress, principal: principalToString(this.principal!) }, 'closing a connection whose SASL session expired');
      this.state = 'failed';
      return { type: 'close', reason: 'SASL session expired' };
    }
    return this.next.process(frame, info, receivedAt);
  }

  private handshakePhase(frame: Buffer, info: ConnectionInfo, receivedAt: number): RequestOutcome | Promise<RequestOutcome> {
    const h = peekRequestHeader(frame);
    if (!h) throw new AuthFailure('Received a packet that is not a Kafka request during SASL handshake');
    if (h.apiKey === ApiKey.ApiVersions && this.state === 'handshake-or-versions' && this.previous === null) {
      // An ApiVersions version we do not know is answered by the router (KIP-511) and may be retried.
      if (h.apiVersion <= ApiVersionsRequest.maxVersion) this.state = 'handshake';
      return this.next.process(frame, info, receivedAt);
    }
    if (h.apiKey !== ApiKey.SaslHandshake) {
      throw new AuthFailure(`Unexpected Kafka request of type ${apiKeyName(h.apiKey)} during SASL handshake.`);
    }
    if (h.apiVersion > SaslHandshakeRequest.maxVersion) throw new AuthFailure(`Version ${h.apiVersion} is not supported for apiKey SASL_HANDSHAKE`);
    const { mechanism } = this.decode(frame, SaslHandshakeRequest);
    const enabled = this.settings.mechanisms;
    if (!enabled.includes(mechanism)) {
      const response = encodeResponseFrame(SaslHandshakeResponse, h.apiVersion, h.correlationId, {
        errorCode: ErrorCode.UnsupportedSaslMechanism,
        mechanisms: [...enabled],
      });
      throw new AuthFailure(`Unsupported SASL mechanism ${mechanism}`, response);
    }
    this.kafkaHeaders = h.apiVersion >= 1;
    if (this.previous && mechanism !== this.previous.mechanism) {
      this.badReauthMechanism = `SASL mechanism '${mechanism}' requested by client is not supported for re-authentication of mechanism '${this.previous.mechanism}'`;
    } else {
      this.mechanism = mechanism;
      this.server = this.settings.createServer(mechanism);
    }
    this.state = 'authenticate';
    return {
      type: 'response',
      chunks: encodeResponseFrame(SaslHandshakeResponse, h.apiVersion, h.correlationId, { errorCode: ErrorCode.None, mechanisms: [...enabled] }),
    };
  }

  private token(frame: Buffer, info: ConnectionInfo): RequestOutcome {
    if (!this.kafkaHeaders) {
      if (this.badReauthMechanism) throw new AuthFailure(this.badReauthMechanism);
      const response = this.evaluate(frame, (msg) => new AuthFailure(msg));
      const done = this.server!.isComplete;
      if (done) this.complete(info);
      return { type: 'response', chunks: [sizeOf(response), response] };
    }
    const h = peekRequestHeader(frame);
    if (!h || h.apiKey !== ApiKey.SaslAuthenticate) {
      // Kafka answers the request's own error response with ILLEGAL_SASL_STATE, then closes
      const response = h ? (this.next.errorResponse?.(frame, info, ErrorCode.IllegalSaslState) ?? null) : null;
      throw new AuthFailure(`Unexpected Kafka request of type ${h ? apiKeyName(h.apiKey) : 'unknown'} during SASL authentication.`, response);
    }
    if (h.apiVersion > SaslAuthenticateRequest.maxVersion) throw new AuthFailure(`Version ${h.apiVersion} is not supported for apiKey SASL_AUTHENTICATE`);
    const failure = (message: string): AuthFailure =>
      new AuthFailure(
        message,
        encodeResponseFrame(SaslAuthenticateResponse, h.apiVersion, h.correlationId, {
          errorCode: ErrorCode.SaslAuthenticationFailed,
          errorMessage: message,
          authBytes: Buffer.alloc(0),
          sessionLifetimeMs: 0,
        }),
      );
    if (this.badReauthMechanism) throw failure(this.badReauthMechanism);
    const { authBytes } = this.decode(frame, SaslAuthenticateRequest);
    const response = this.evaluate(authBytes, failure);
    let sessionLifetimeMs = 0;
    if (this.server!.isComplete) sessionLifetimeMs = this.complete(info, failure);
    return {
      type: 'response',
      chunks: encodeResponseFrame(SaslAuthenticateResponse, h.apiVersion, h.correlationId, {
        errorCode: ErrorCode.None,
        errorMessage: null,
        authBytes: response,
        sessionLifetimeMs,
      }),
    };
  }

  // ------------------------------------------------------------------------------------------ helpers

  /** Runs the mechanism; its errors become AuthFailures with the message Kafka lets the client see. */
  private evaluate(token: Buffer, failure: (message: string) => AuthFailure): Buffer {
    try {
      return this.server!.evaluate(token);
    } catch (err) {
      if (err instanceof SaslAuthenticationError) throw failure(err.message);
      const generic = `Authentication failed during ${this.previous ? 're-authentication' : 'authentication'} due to invalid credentials with SASL mechanism ${this.mechanism}`;
      const f = failure(generic);
      f.message = `${generic} (${err instanceof SaslError ? err.message : String(err)})`;
      throw f;
    }
  }

  /** The exchange is complete: principal, session lifetime; returns the lifetime to announce. */
  private complete(info: ConnectionInfo, failure?: (message: string) => AuthFailure): number {
    const principal = userPrincipal(this.server!.authorizationId());
    if (this.previous && !samePrincipal(principal, this.previous.principal)) {
      const msg = `Cannot change principals during re-authentication from ${this.previous.principal.type}.${this.previous.principal.name}: ${principal.type}.${principal.name}`;
      throw failure ? failure(msg) : new AuthFailure(msg);
    }
    const lifetime = Math.max(0, this.settings.maxReauthMs(this.mechanism!));
    this.sessionExpiresAt = lifetime > 0 ? this.now() + lifetime : null;
    this.principal = principal;
    info.principal = principal;
    this.previous = null;
    this.server = null;
    this.state = 'complete';
    this.settings.log.debug({ clientAddress: info.clientAddress, principal: principalToString(principal), mechanism: this.mechanism }, 'SASL authentication complete');
    return lifetime;
  }

  private decode<T>(frame: Buffer, spec: { decode(r: Reader, v: number): T; apiKey: number }): T {
    const r = new Reader(frame);
    try {
      const header = decodeRequestHeader(r, isFlexible);
      return spec.decode(r, header.apiVersion);
    } catch (err) {
      if (err instanceof ProtocolError) throw new AuthFailure(`malformed ${apiKeyName(spec.apiKey)} request: ${err.message}`);
      throw err;
    }
  }

  private fail(info: ConnectionInfo, err: unknown): Promise<RequestOutcome> {
    const reauth = this.previous !== null;
    this.state = 'failed';
    this.server = null;
    const message = err instanceof Error ? err.message : String(err);
    this.settings.log.info(
      { listener: info.listenerName, clientAddress: info.clientAddress, clientPort: info.clientPort, mechanism: this.mechanism },
      `Failed ${reauth ? 're-' : ''}authentication with /${info.clientAddress} (${message})`,
    );
    const response = err instanceof AuthFailure ? err.response : null;
    const outcome: RequestOutcome = response ? { type: 'close', reason: 'authentication failed', chunks: response } : { type: 'close', reason: 'authentication failed' };
    const delay = this.settings.failedAuthenticationDelayMs;
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(outcome), delay);
      t.unref?.();
    });
  }
}

function sizeOf(token: Buffer): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(token.length, 0);
  return b;
}
