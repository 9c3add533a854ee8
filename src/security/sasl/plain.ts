/**
 * SASL/PLAIN (RFC 4616) as Kafka 2.7's PlainSaslServer and PlainServerCallbackHandler do it:
 * the single client token is `[authzid] NUL authcid NUL passwd`; the users are the
 * `user_<name>="<password>"` options of the listener's PlainLoginModule JAAS entry.
 * Failures are SaslAuthenticationErrors with Kafka's messages (they reach the client):
 * wrong token count, empty user or password, unknown user or wrong password (one message for
 * both), an authzid that differs from the user. Passwords are compared in constant time.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { PLAIN, SaslAuthenticationError, SaslError, type SaslClient, type SaslServer } from './mechanism.js';

export const PLAIN_LOGIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';

/** The users of a PlainLoginModule entry: option `user_<name>` → password. */
export function plainUsers(options: ReadonlyMap<string, string>): Map<string, string> {
  const users = new Map<string, string>();
  for (const [k, v] of options) if (k.startsWith('user_')) users.set(k.slice('user_'.length), v);
  return users;
}

/** Compares digests so that neither the length nor the content of the stored password leaks through timing. */
function samePassword(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

export class PlainSaslServer implements SaslServer {
  private authzId: string | null = null;

  constructor(private readonly users: ReadonlyMap<string, string>) {}

  get mechanism(): string {
    return PLAIN;
  }

  get isComplete(): boolean {
    return this.authzId !== null;
  }

  authorizationId(): string {
    if (this.authzId === null) throw new Error('Authentication exchange has not completed');
    return this.authzId;
  }

  evaluate(token: Buffer): Buffer {
    if (this.authzId !== null) throw new SaslError('PLAIN authentication already completed');
    const tokens = token.toString('utf8').split('\u0000');
    if (tokens.length !== 3) throw new SaslAuthenticationError(`Invalid SASL/PLAIN response: expected 3 tokens, got ${tokens.length}`);
    const [authzFromClient, username, password] = tokens as [string, string, string];
    if (username === '') throw new SaslAuthenticationError('Authentication failed: username not specified');
    if (password === '') throw new SaslAuthenticationError('Authentication failed: password not specified');
    const expected = this.users.get(username);
    // Always compare, so an unknown user costs the same as a wrong password.
    const ok = samePassword(password, expected ?? '') && expected !== undefined;
    if (!ok) throw new SaslAuthenticationError('Authentication failed: Invalid username or password');
    if (authzFromClient !== '' && authzFromClient !== username) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    }
    this.authzId = username;
    return Buffer.alloc(0);
  }
}

export class PlainSaslClient implements SaslClient {
  private done = false;

  constructor(
    private readonly username: string,
    private readonly password: string,
  ) {}

  get mechanism(): string {
    return PLAIN;
  }

  get isComplete(): boolean {
    return this.done;
  }

  initialResponse(): Buffer {
    return Buffer.from(`\u0000${this.username}\u0000${this.password}`, 'utf8');
  }

  evaluate(): Buffer | null {
    this.done = true;
    return null;
  }
}
