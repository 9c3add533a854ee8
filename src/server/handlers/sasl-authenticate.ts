/**
 * SaslAuthenticate (key 36), versions 0–2, as KafkaApis answers it: a SaslAuthenticate that
 * reaches the router arrived outside a SASL exchange (a PLAINTEXT or SSL listener, or an already
 * authenticated SASL connection), so it is ILLEGAL_SASL_STATE. The exchange itself is served by
 * the connection's authenticator (src/security/sasl/server-authenticator.ts).
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../../protocol/messages/sasl-authenticate.js';
import { defineHandler } from '../handler.js';

const EMPTY = Buffer.alloc(0);

export const saslAuthenticate = defineHandler({
  request: SaslAuthenticateRequest,
  response: SaslAuthenticateResponse,
  versions: { min: 0, max: 2 },
  handle: () => ({
    errorCode: ErrorCode.IllegalSaslState,
    errorMessage: 'SaslAuthenticate request received after successful authentication',
    authBytes: EMPTY,
    sessionLifetimeMs: 0,
  }),
  errorResponse: (_req, code) => ({ errorCode: code, errorMessage: null, authBytes: EMPTY, sessionLifetimeMs: 0 }),
});
