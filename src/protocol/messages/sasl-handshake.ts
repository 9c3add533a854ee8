/**
 * SaslHandshake (key 17), v0–v1; never flexible (Kafka 2.7 SaslHandshake{Request,Response}.json).
 *
 * Sent by: kafkajs v1, librdkafka v1 (both then use SaslAuthenticate), kafka-python v0 (then
 * raw length-prefixed SASL tokens on the socket, not SaslAuthenticate frames).
 *
 * Traps:
 * - The version decides what follows: v0 = raw tokens outside the Kafka framing (KIP-43),
 *   v1 = SaslAuthenticate requests (KIP-152).
 * - An unsupported mechanism is UNSUPPORTED_SASL_MECHANISM (33) with the enabled list filled in.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const SaslHandshakeRequest = message(
  { apiKey: ApiKey.SaslHandshake, name: 'SaslHandshakeRequest', versions: [0, 1] },
  {
    mechanism: t.string(),
  },
);

export const SaslHandshakeResponse = message(
  { apiKey: ApiKey.SaslHandshake, name: 'SaslHandshakeResponse', versions: [0, 1] },
  {
    errorCode: t.int16(),
    mechanisms: t.array(t.string()),
  },
);
