/**
 * The SASL mechanism contract (javax.security.sasl's SaslServer/SaslClient as Kafka uses them).
 *
 * Errors follow Kafka's split:
 * - SaslAuthenticationError: its message is safe to send to the client and is sent
 *   (SaslAuthenticate ErrorMessage), e.g. "Authentication failed: Invalid username or password";
 * - SaslError: anything else; the client only learns "Authentication failed during authentication
 *   due to invalid credentials with SASL mechanism <M>" (Kafka hides these messages because they
 *   could reveal whether a user exists).
 */

export class SaslAuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SaslAuthenticationError';
  }
}

export class SaslError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SaslError';
  }
}

export interface SaslServer {
  readonly mechanism: string;
  /** Evaluates one client token; returns the server's next token (empty when there is none). */
  evaluate(token: Buffer): Buffer;
  readonly isComplete: boolean;
  /** The authenticated name (the principal's name); only once complete. */
  authorizationId(): string;
}

export interface SaslClient {
  readonly mechanism: string;
  /** The first client token. */
  initialResponse(): Buffer;
  /** Evaluates a server token; returns the next client token, or null when nothing more is sent. */
  evaluate(challenge: Buffer): Buffer | null;
  readonly isComplete: boolean;
}

export const PLAIN = 'PLAIN';
export const SCRAM_SHA_256 = 'SCRAM-SHA-256';
export const SCRAM_SHA_512 = 'SCRAM-SHA-512';
/** The mechanisms gregor can serve (GSSAPI needs Kerberos, OAUTHBEARER is not built). */
export const SUPPORTED_MECHANISMS: readonly string[] = [PLAIN, SCRAM_SHA_256, SCRAM_SHA_512];
