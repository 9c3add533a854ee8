/**
 * The client side of SASL for this broker's own connections to other brokers (controller channel,
 * follower fetchers, transaction markers, controlled shutdown), as Kafka's SaslClientAuthenticator
 * does it with KIP-152 framing: SaslHandshake v1 naming `sasl.mechanism.inter.broker.protocol`,
 * then SaslAuthenticate v1 requests carrying the mechanism's tokens until it completes. The broker
 * credentials are the `username` / `password` options of the inter-broker listener's JAAS entry
 * for that mechanism. Resolves with the session lifetime the other broker granted (KIP-368).
 */
import { AuthenticationError } from '../../network/errors.js';
import type { ClientAuthenticator } from '../../network/client.js';
import { ErrorCode, errorInfo } from '../../protocol/error-codes.js';
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../../protocol/messages/sasl-authenticate.js';
import { SaslHandshakeRequest, SaslHandshakeResponse } from '../../protocol/messages/sasl-handshake.js';
import type { MessageValue } from '../../protocol/schema.js';
import type { SaslClient } from './mechanism.js';
import { PlainSaslClient } from './plain.js';
import { ScramSaslClient, scramMechanism } from './scram.js';

const HANDSHAKE = { request: SaslHandshakeRequest, response: SaslHandshakeResponse };
const AUTHENTICATE = { request: SaslAuthenticateRequest, response: SaslAuthenticateResponse };

/** An authenticator running a fresh SaslClient (from `newClient`) on every connection. */
export function saslClientAuthenticator(mechanism: string, newClient: () => SaslClient): ClientAuthenticator {
  return async (send) => {
    const hs = await send(HANDSHAKE, 1, { mechanism });
    if (hs.errorCode !== ErrorCode.None) {
      throw new AuthenticationError(
        hs.errorCode === ErrorCode.UnsupportedSaslMechanism
          ? `Client SASL mechanism '${mechanism}' not enabled in the server, enabled mechanisms are ${JSON.stringify(hs.mechanisms)}`
          : `SaslHandshake failed: ${errorInfo(hs.errorCode).name}`,
      );
    }
    const client = newClient();
    let token: Buffer | null = client.initialResponse();
    let sessionLifetimeMs = 0;
    while (token !== null) {
      const res: MessageValue<typeof SaslAuthenticateResponse> = await send(AUTHENTICATE, 1, { authBytes: token });
      if (res.errorCode !== ErrorCode.None) {
        throw new AuthenticationError(res.errorMessage ?? `SaslAuthenticate failed: ${errorInfo(res.errorCode).name}`);
      }
      sessionLifetimeMs = res.sessionLifetimeMs;
      token = client.isComplete ? null : client.evaluate(res.authBytes);
    }
    if (!client.isComplete) throw new AuthenticationError(`SASL ${mechanism} exchange ended before completing`);
    return { sessionLifetimeMs };
  };
}

/** The authenticator of a user with a password: PLAIN, or SCRAM-SHA-256/512 (a supported mechanism). */
export function passwordAuthenticator(mechanism: string, username: string, password: string): ClientAuthenticator {
  const scram = scramMechanism(mechanism);
  return saslClientAuthenticator(mechanism, () => (scram ? new ScramSaslClient(scram, username, password) : new PlainSaslClient(username, password)));
}
