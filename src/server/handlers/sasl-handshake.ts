/**
 * SaslHandshake (key 17), versions 0–1, as KafkaApis answers it: only requests that reach the
 * router get here — on a PLAINTEXT or SSL listener, or after a SASL connection authenticated
 * without a session to renew — and they get ILLEGAL_SASL_STATE with no mechanisms. On SASL
 * listeners the handshake itself is served by the connection's authenticator
 * (src/security/sasl/server-authenticator.ts) before any request reaches the router.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { SaslHandshakeRequest, SaslHandshakeResponse } from '../../protocol/messages/sasl-handshake.js';
import { defineHandler } from '../handler.js';

export const saslHandshake = defineHandler({
  request: SaslHandshakeRequest,
  response: SaslHandshakeResponse,
  versions: { min: 0, max: 1 },
  handle: () => ({ errorCode: ErrorCode.IllegalSaslState, mechanisms: [] }),
  errorResponse: (_req, code) => ({ errorCode: code, mechanisms: [] }),
});
