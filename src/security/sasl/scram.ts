/**
 * SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka 2.7 implements them
 * (ScramMechanism, ScramFormatter, ScramMessages, ScramCredentialUtils, ScramSaslServer/Client).
 *
 * Credentials: `salt`, `stored_key = H(HMAC(SaltedPassword, "Client Key"))`,
 * `server_key = HMAC(SaltedPassword, "Server Key")`, `iterations`; SaltedPassword = Hi() =
 * PBKDF2-HMAC over the UTF-8 password (Kafka applies no SASLprep). Stored in ZooKeeper under
 * `/config/users/<user>` as the config value of key `SCRAM-SHA-256` / `SCRAM-SHA-512`:
 * `salt=<b64>,stored_key=<b64>,server_key=<b64>,iterations=<n>`; at least 4096 iterations.
 *
 * Exchange: client-first `n,[a=authzid],n=<saslname>,r=<cnonce>[,ext=..]` → server-first
 * `r=<cnonce><snonce>,s=<salt b64>,i=<iterations>` → client-final `c=<b64 gs2 header>,r=<nonce>,p=<proof>`
 * → server-final `v=<server signature b64>`. Names escape `=` as `=3D` and `,` as `=2C`.
 * Server rules (Kafka): unknown user, too few iterations, a bad message or a wrong proof fail
 * with a SaslError (the client learns only "invalid credentials"); an authzid other than the user
 * name fails with a SaslAuthenticationError. The `tokenauth` extension (delegation tokens) is not
 * supported here: such a client fails like an unknown user. Like Kafka, the server does not check
 * the nonce or channel binding echoed in client-final (the proof covers the message as sent), which
 * librdkafka 2.0.2 relies on: it repeats its client nonce in front of the server's.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { SaslAuthenticationError, SaslError, type SaslClient, type SaslServer } from './mechanism.js';

export interface ScramMechanism {
  readonly name: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  /** node:crypto digest name */
  readonly hash: 'sha256' | 'sha512';
  readonly keyLength: number;
  readonly minIterations: number;
  /** the `Mechanism` int8 of the SCRAM credential APIs (Kafka's public ScramMechanism.type) */
  readonly type: 1 | 2;
}

export const SCRAM_MECHANISMS: readonly ScramMechanism[] = [
  { name: 'SCRAM-SHA-256', hash: 'sha256', keyLength: 32, minIterations: 4096, type: 1 },
  { name: 'SCRAM-SHA-512', hash: 'sha512', keyLength: 64, minIterations: 4096, type: 2 },
];

/** Kafka's AdminManager limit for AlterUserScramCredentials. */
export const MAX_SCRAM_ITERATIONS = 16384;

export function scramMechanism(name: string): ScramMechanism | undefined {
  return SCRAM_MECHANISMS.find((m) => m.name === name);
}

export function scramMechanismByType(type: number): ScramMechanism | undefined {
  return SCRAM_MECHANISMS.find((m) => m.type === type);
}

export interface ScramCredential {
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
  readonly iterations: number;
}

// ---------------------------------------------------------------------------------------------- formatter

const hmac = (m: ScramMechanism, key: Buffer, data: Buffer | string): Buffer => createHmac(m.hash, key).update(data).digest();
const hash = (m: ScramMechanism, data: Buffer): Buffer => createHash(m.hash).update(data).digest();

function xor(a: Buffer, b: Buffer): Buffer {
  if (a.length !== b.length) throw new SaslError('Argument arrays must be of the same length');
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** Hi(password, salt, i) of RFC 5802 = PBKDF2 with the mechanism's HMAC. */
export function saltedPassword(m: ScramMechanism, password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, m.keyLength, m.hash);
}

/** Kafka's ScramFormatter.secureRandomString: 130 random bits in base 36. */
export function secureRandomString(): string {
  return BigInt(`0x${randomBytes(17).toString('hex')}`)
    .toString(36)
    .slice(0, 26);
}

/** A credential from a salted password (AlterUserScramCredentials sends salt + salted password). */
export function credentialFromSaltedPassword(m: ScramMechanism, salt: Buffer, salted: Buffer, iterations: number): ScramCredential {
  const clientKey = hmac(m, salted, 'Client Key');
  return { salt, storedKey: hash(m, clientKey), serverKey: hmac(m, salted, 'Server Key'), iterations };
}

/** A new credential for a password, with a random salt as Kafka makes it (the bytes of a random base-36 string). */
export function generateCredential(m: ScramMechanism, password: string, iterations: number): ScramCredential {
  const salt = Buffer.from(secureRandomString(), 'utf8');
  return credentialFromSaltedPassword(m, salt, saltedPassword(m, password, salt, iterations), iterations);
}

/** ScramCredentialUtils.credentialToString */
export function credentialToString(c: ScramCredential): string {
  return `salt=${c.salt.toString('base64')},stored_key=${c.storedKey.toString('base64')},server_key=${c.serverKey.toString('base64')},iterations=${c.iterations}`;
}

/** ScramCredentialUtils.credentialFromString: exactly the four keys. */
export function credentialFromString(s: string): ScramCredential {
  const props = new Map<string, string>();
  for (const token of s.split(',')) {
    const eq = token.indexOf('=');
    if (eq <= 0) throw new Error(`Credentials not valid: ${s}`);
    props.set(token.slice(0, eq), token.slice(eq + 1));
  }
  const iterations = Number(props.get('iterations'));
  if (props.size !== 4 || !props.has('salt') || !props.has('stored_key') || !props.has('server_key') || !Number.isInteger(iterations)) {
    throw new Error(`Credentials not valid: ${s}`);
  }
  const b64 = (k: string): Buffer => Buffer.from(props.get(k) as string, 'base64');
  return { salt: b64('salt'), storedKey: b64('stored_key'), serverKey: b64('server_key'), iterations };
}

/** `=` → `=3D`, `,` → `=2C` */
export function toSaslName(username: string): string {
  return username.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

export function fromSaslName(saslName: string): string {
  const s = saslName.replace(/=2C/g, ',');
  if (s.replace(/=3D/g, '').includes('=')) throw new SaslError(`Invalid username: ${saslName}`);
  return s.replace(/=3D/g, '=');
}

// ---------------------------------------------------------------------------------------------- messages

const VALUE = '[\\x01-\\x2B\\x2D-\\x7F]+';
const PRINTABLE = '[\\x21-\\x2B\\x2D-\\x7E]+';
const SASLNAME = '(?:[\\x01-\\x2B\\x2D-\\x3C\\x3E-\\x7F]|=2C|=3D)+';
const B64C = '[a-zA-Z0-9/+]';
const BASE64 = `(?:${B64C}{4})*(?:${B64C}{3}=|${B64C}{2}==)?`;
const EXTENSIONS = `(?:,[A-Za-z]+=${VALUE})*`;

const CLIENT_FIRST = new RegExp(`^n,(?:a=(${SASLNAME}))?,((?:m=${VALUE},)?n=(${SASLNAME}),r=(${PRINTABLE})(${EXTENSIONS}))$`);
const SERVER_FIRST = new RegExp(`^(?:m=${VALUE},)?r=(${PRINTABLE}),s=(${BASE64}),i=([0-9]+)${EXTENSIONS}$`);
const CLIENT_FINAL = new RegExp(`^(c=${BASE64},r=${PRINTABLE}${EXTENSIONS}),p=(${BASE64})$`);
const SERVER_FINAL = new RegExp(`^(?:e=([\\x01-\\x2B\\x2D-\\x3C\\x3E-\\x7F]+)|v=(${BASE64})${EXTENSIONS})$`);

interface ClientFirst {
  authzid: string;
  bare: string;
  saslName: string;
  nonce: string;
  extensions: Map<string, string>;
}

function parseClientFirst(token: Buffer): ClientFirst {
  const text = token.toString('utf8');
  const m = CLIENT_FIRST.exec(text);
  if (!m) throw new SaslError(`Invalid SCRAM client first message format: ${text}`);
  const extensions = new Map<string, string>();
  for (const ext of (m[5] ?? '').split(',').filter(Boolean)) {
    const eq = ext.indexOf('=');
    extensions.set(ext.slice(0, eq), ext.slice(eq + 1));
  }
  return { authzid: m[1] ?? '', bare: m[2]!, saslName: m[3]!, nonce: m[4]!, extensions };
}

// ---------------------------------------------------------------------------------------------- server

/** Looks a user's credential up for a mechanism (the broker's credential cache). */
export type ScramCredentialLookup = (username: string, mechanism: ScramMechanism) => ScramCredential | undefined;

export class ScramSaslServer implements SaslServer {
  private state: 'first' | 'final' | 'complete' | 'failed' = 'first';
  private username = '';
  private clientFirst: ClientFirst | null = null;
  private serverFirst = '';
  private credential: ScramCredential | undefined;

  constructor(
    private readonly m: ScramMechanism,
    private readonly lookup: ScramCredentialLookup,
    /** the server's share of the nonce (tests pin it) */
    private readonly nonce: () => string = secureRandomString,
  ) {}

  get mechanism(): string {
    return this.m.name;
  }

  get isComplete(): boolean {
    return this.state === 'complete';
  }

  authorizationId(): string {
    if (!this.isComplete) throw new Error('Authentication exchange has not completed');
    return this.username;
  }

  evaluate(token: Buffer): Buffer {
    try {
      if (this.state === 'first') return this.first(token);
      if (this.state === 'final') return this.final(token);
      throw new SaslError(`Unexpected challenge in Sasl server state ${this.state}`);
    } catch (err) {
      this.state = 'failed';
      this.credential = undefined;
      throw err;
    }
  }

  private first(token: Buffer): Buffer {
    const cf = parseClientFirst(token);
    this.clientFirst = cf;
    this.username = fromSaslName(cf.saslName);
    if (cf.extensions.get('tokenauth')?.toLowerCase() === 'true') {
      throw new SaslError(`Token Authentication failed: Invalid tokenId : ${this.username}`);
    }
    this.credential = this.lookup(this.username, this.m);
    if (!this.credential) throw new SaslError('Authentication failed: Invalid user credentials');
    if (cf.authzid !== '' && fromSaslName(cf.authzid) !== this.username) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    }
    if (this.credential.iterations < this.m.minIterations) {
      throw new SaslError(`Iterations ${this.credential.iterations} is less than the minimum ${this.m.minIterations} for ${this.m.name}`);
    }
    this.serverFirst = `r=${cf.nonce}${this.nonce()},s=${this.credential.salt.toString('base64')},i=${this.credential.iterations}`;
    this.state = 'final';
    return Buffer.from(this.serverFirst, 'utf8');
  }

  private final(token: Buffer): Buffer {
    const text = token.toString('utf8');
    const m = CLIENT_FINAL.exec(text);
    const cf = this.clientFirst!;
    const credential = this.credential!;
    if (!m) throw new SaslError(`Invalid SCRAM client final message format: ${text}`);
    // Kafka checks neither the echoed nonce nor the channel binding, and librdkafka 2.0.2 depends on
    // it: its client-final nonce is its own nonce followed by the whole server nonce.
    const authMessage = `${cf.bare},${this.serverFirst},${m[1]!}`;
    const clientSignature = hmac(this.m, credential.storedKey, authMessage);
    const proof = Buffer.from(m[2]!, 'base64');
    if (proof.length !== clientSignature.length) throw new SaslError('Invalid client credentials');
    const computedStoredKey = hash(this.m, xor(clientSignature, proof));
    if (!timingSafeEqual(computedStoredKey, credential.storedKey)) throw new SaslError('Invalid client credentials');
    const serverSignature = hmac(this.m, credential.serverKey, authMessage);
    this.credential = undefined;
    this.state = 'complete';
    return Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8');
  }
}

// ---------------------------------------------------------------------------------------------- client

export class ScramSaslClient implements SaslClient {
  private state: 'initial' | 'first' | 'final' | 'complete' = 'initial';
  private bare = '';
  private serverSignature: Buffer | null = null;

  constructor(
    private readonly m: ScramMechanism,
    private readonly username: string,
    private readonly password: string,
    /** the client nonce (tests pin it) */
    private readonly clientNonce: string = secureRandomString(),
  ) {}

  get mechanism(): string {
    return this.m.name;
  }

  get isComplete(): boolean {
    return this.state === 'complete';
  }

  initialResponse(): Buffer {
    this.bare = `n=${toSaslName(this.username)},r=${this.clientNonce}`;
    this.state = 'first';
    return Buffer.from(`n,,${this.bare}`, 'utf8');
  }

  evaluate(challenge: Buffer): Buffer | null {
    const text = challenge.toString('utf8');
    if (this.state === 'first') {
      const m = SERVER_FIRST.exec(text);
      if (!m) throw new SaslError(`Invalid SCRAM server first message format: ${text}`);
      const nonce = m[1]!;
      const iterations = Number(m[3]);
      if (!nonce.startsWith(this.clientNonce)) throw new SaslError('Invalid server nonce: does not start with client nonce');
      if (iterations < this.m.minIterations) throw new SaslError(`Requested iterations ${iterations} is less than the minimum ${this.m.minIterations} for ${this.m.name}`);
      const salted = saltedPassword(this.m, this.password, Buffer.from(m[2]!, 'base64'), iterations);
      const withoutProof = `c=biws,r=${nonce}`;
      const authMessage = `${this.bare},${text},${withoutProof}`;
      const clientKey = hmac(this.m, salted, 'Client Key');
      const clientSignature = hmac(this.m, hash(this.m, clientKey), authMessage);
      this.serverSignature = hmac(this.m, hmac(this.m, salted, 'Server Key'), authMessage);
      this.state = 'final';
      return Buffer.from(`${withoutProof},p=${xor(clientKey, clientSignature).toString('base64')}`, 'utf8');
    }
    if (this.state === 'final') {
      const m = SERVER_FINAL.exec(text);
      if (!m) throw new SaslError(`Invalid SCRAM server final message format: ${text}`);
      if (m[1] !== undefined) throw new SaslError(`Sasl authentication using ${this.m.name} failed with error: ${m[1]}`);
      const signature = Buffer.from(m[2]!, 'base64');
      if (signature.length !== this.serverSignature!.length || !timingSafeEqual(signature, this.serverSignature!)) throw new SaslError('Invalid server signature in server final message');
      this.state = 'complete';
      return null;
    }
    throw new SaslError(`Unexpected challenge in Sasl client state ${this.state}`);
  }
}
