/**
 * SaslAuthenticate (key 36), v0–v2; v2 is flexible (Kafka 2.7 SaslAuthenticate{Request,Response}.json).
 *
 * Sent by: kafkajs v1, librdkafka v0 (after SaslHandshake v1). kafka-python never (raw tokens).
 *
 * Traps:
 * - AuthBytes is the mechanism's token as a BYTES field. kafkajs builds its request body from a
 *   token its mechanism already length-prefixed, which is exactly this field's wire form.
 * - ErrorMessage is nullable; failures are SASL_AUTHENTICATION_FAILED (58) and the broker then
 *   closes the connection.
 * - SessionLifetimeMs (v1+, KIP-368) 0 = no re-authentication required.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const SaslAuthenticateRequest = message(
  { apiKey: ApiKey.SaslAuthenticate, name: 'SaslAuthenticateRequest', versions: [0, 2], flexibleSince: 2 },
  {
    authBytes: t.bytes(),
  },
);

export const SaslAuthenticateResponse = message(
  { apiKey: ApiKey.SaslAuthenticate, name: 'SaslAuthenticateResponse', versions: [0, 2], flexibleSince: 2 },
  {
    errorCode: t.int16(),
    errorMessage: t.string({ nullable: true }),
    authBytes: t.bytes(),
    sessionLifetimeMs: t.int64({ since: 1, default: 0 }),
  },
);
