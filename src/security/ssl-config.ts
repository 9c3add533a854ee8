/**
 * A listener's TLS settings from Kafka 2.7's keys (DefaultSslEngineFactory), as node:tls options.
 * Every key may be given per listener (`listener.name.<l>.ssl.*`).
 *
 * Keystore (`ssl.keystore.type`, case-insensitive):
 * - PEM (KIP-651): `ssl.keystore.location` = a file holding the private key (which must be
 *   encrypted: `ssl.key.password` is required) and its certificate chain; or inline
 *   `ssl.keystore.key` (+ optional `ssl.key.password`) with `ssl.keystore.certificate.chain`.
 *   `ssl.keystore.password` is refused with PEM, as in Kafka.
 * - PKCS12: `ssl.keystore.location` + `ssl.keystore.password` (node's `pfx`; the key must be
 *   protected by the store password).
 * - JKS (Kafka's default type) cannot be read by Node: a clear configuration error.
 * Truststore (`ssl.truststore.type`): PEM file or inline `ssl.truststore.certificates`; PKCS12
 * file + password (certificates read by pkcs12.ts). Without one, Node's bundled CA list is used
 * (Java would use the JVM's cacerts).
 * `ssl.client.auth`: required → the handshake fails without a valid client certificate;
 * requested → a certificate is asked for, a connection without one is ANONYMOUS, one with an
 * untrusted certificate is closed (Java's wantClientAuth fails the handshake likewise); none.
 * `ssl.enabled.protocols` → the min and max TLS version; `ssl.cipher.suites` (IANA names as Java
 * spells them) → OpenSSL names; listing no TLS 1.3 suite caps the version at 1.2, listing only 1.3
 * suites raises the minimum to 1.3 (Java would have nothing to negotiate with the other version).
 * Client side (inter-broker connections, and the tools' client properties through
 * `clientSslFromProperties` with the Java client's defaults): the same stores, plus host-name
 * verification when `ssl.endpoint.identification.algorithm` is `https` (Kafka's default).
 */
import { readFileSync } from 'node:fs';
import { getCiphers, type ConnectionOptions, type SecureVersion, type TlsOptions } from 'node:tls';
import type { BrokerConfig } from '../config/broker-config.js';
import { pkcs12Certificates } from './pkcs12.js';
import { parsePrincipalMappingRules, type PrincipalMappingRule } from './ssl-principal.js';

export class SslConfigError extends Error {
  /** `where`: "listener <name>", or the client properties' origin */
  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'SslConfigError';
  }
}

type SslStringKey =
  | 'ssl.keystore.type'
  | 'ssl.keystore.location'
  | 'ssl.keystore.password'
  | 'ssl.key.password'
  | 'ssl.keystore.key'
  | 'ssl.keystore.certificate.chain'
  | 'ssl.truststore.type'
  | 'ssl.truststore.location'
  | 'ssl.truststore.password'
  | 'ssl.truststore.certificates'
  | 'ssl.endpoint.identification.algorithm';
type SslListKey = 'ssl.enabled.protocols' | 'ssl.cipher.suites';

/** The ssl.* settings of one side: a broker listener's (listener.name overrides applied) or a client's properties. */
interface SslSource {
  /** for error messages */
  readonly where: string;
  str(key: SslStringKey): string | null;
  list(key: SslListKey): readonly string[];
}

function listenerSource(config: BrokerConfig, listener: string): SslSource {
  return { where: `listener ${listener}`, str: (k) => config.listenerValue(listener, k), list: (k) => config.listenerValue(listener, k) };
}

/** Kafka 2.7's client-side defaults of the keys a client's properties may leave out. */
const CLIENT_DEFAULTS: Partial<Record<SslStringKey | SslListKey, string>> = {
  'ssl.keystore.type': 'JKS',
  'ssl.truststore.type': 'JKS',
  'ssl.endpoint.identification.algorithm': 'https',
  'ssl.enabled.protocols': 'TLSv1.2,TLSv1.3',
};

function propertiesSource(props: ReadonlyMap<string, string>, where: string): SslSource {
  const get = (k: SslStringKey | SslListKey): string | null => props.get(k) ?? CLIENT_DEFAULTS[k] ?? null;
  return {
    where,
    str: get,
    list: (k) => (get(k) ?? '').split(',').map((x) => x.trim()).filter((x) => x !== ''),
  };
}

export type SslClientAuth = 'required' | 'requested' | 'none';

export interface ListenerSsl {
  readonly listener: string;
  /** tls.createServer options */
  readonly server: TlsOptions;
  /** tls.connect options for this broker's connections to other brokers' listener of this name */
  readonly client: ConnectionOptions;
  readonly clientAuth: SslClientAuth;
  readonly principalRules: readonly PrincipalMappingRule[];
}

const VERSIONS: readonly SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

const TLS13_SUITES = new Set(['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_CCM_SHA256', 'TLS_AES_128_CCM_8_SHA256']);

const KEY_EXCHANGE: Record<string, string> = {
  ECDHE_ECDSA: 'ECDHE-ECDSA-',
  ECDHE_RSA: 'ECDHE-RSA-',
  DHE_RSA: 'DHE-RSA-',
  DHE_DSS: 'DHE-DSS-',
  RSA: '',
};

/** A Java (IANA) cipher suite name in OpenSSL's spelling, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 → ECDHE-RSA-AES128-GCM-SHA256. */
export function toOpenSslCipher(iana: string): string | null {
  if (TLS13_SUITES.has(iana)) return iana;
  const m = /^(?:TLS|SSL)_(\w+?)_WITH_(\w+)_(SHA|SHA256|SHA384)$/.exec(iana);
  if (!m) return null;
  const kx = KEY_EXCHANGE[m[1]!];
  if (kx === undefined) return null;
  const enc = m[2]!;
  const mac = m[3]!;
  const gcm = /^AES_(128|256)_GCM$/.exec(enc);
  const cbc = /^AES_(128|256)_CBC$/.exec(enc);
  if (gcm) return `${kx}AES${gcm[1]}-GCM-${mac}`;
  if (cbc) return `${kx}AES${cbc[1]}-${mac}`;
  if (enc === 'CHACHA20_POLY1305') return `${kx}CHACHA20-POLY1305`;
  if (enc === '3DES_EDE_CBC') return `${kx === '' ? '' : kx}DES-CBC3-${mac}`;
  return null;
}

interface StoreMaterial {
  key?: TlsOptions['key'];
  cert?: string;
  pfx?: TlsOptions['pfx'];
  ca?: string[];
}

function readFile(listener: string, what: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new SslConfigError(listener, `cannot read ${what} ${path}: ${(err as Error).message}`);
  }
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/**
 * The PEM blocks of a store, each re-wrapped as OpenSSL wants it. Kafka's PemStore ignores line
 * breaks inside a block, and inline values written with properties line continuations (KIP-651's
 * documented form) arrive with none: `-----BEGIN PRIVATE KEY----- MIIE...-----END PRIVATE KEY-----`.
 * Blocks with RFC 1421 headers (`Proc-Type:`, old OpenSSL encrypted keys) keep their layout.
 */
function pemBlocks(text: string): Array<{ label: string; pem: string }> {
  return [...text.matchAll(PEM_BLOCK)].map((m) => {
    const label = m[1]!;
    const body = m[2]!;
    if (body.includes(':')) return { label, pem: m[0] };
    const base64 = body.replace(/\s+/g, '');
    const lines = base64.match(/.{1,64}/g) ?? [];
    return { label, pem: `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n` };
  });
}

function keystore(s: SslSource): StoreMaterial {
  const l = s.where;
  const get = (k: SslStringKey) => s.str(k);
  const type = (get('ssl.keystore.type') ?? 'JKS').toUpperCase();
  const location = get('ssl.keystore.location');
  const password = get('ssl.keystore.password');
  const keyPassword = get('ssl.key.password');
  const inlineKey = get('ssl.keystore.key');
  const inlineChain = get('ssl.keystore.certificate.chain');
  if (inlineKey !== null) {
    if (type !== 'PEM') throw new SslConfigError(l, `SSL private key can be specified only for PEM, but key store type is ${type}.`);
    if (inlineChain === null) throw new SslConfigError(l, 'SSL private key is specified, but certificate chain is not specified.');
    if (location !== null) throw new SslConfigError(l, 'Both SSL key store location and separate private key are specified.');
    if (password !== null) throw new SslConfigError(l, 'SSL key store password cannot be specified with PEM format, only key password may be specified.');
    return pemKeystore(l, `${inlineKey}\n${inlineChain}`, keyPassword, 'ssl.keystore.key');
  }
  if (inlineChain !== null) throw new SslConfigError(l, 'SSL certificate chain is specified, but private key is not specified');
  if (location === null) {
    if (password !== null) throw new SslConfigError(l, 'SSL key store is not specified, but key store password is specified.');
    return {};
  }
  if (type === 'PEM') {
    if (password !== null) throw new SslConfigError(l, 'SSL key store password cannot be specified with PEM format, only key password may be specified');
    if (keyPassword === null) throw new SslConfigError(l, 'SSL PEM key store is specified, but key password is not specified.');
    return pemKeystore(l, readFile(l, 'PEM key store', location).toString('utf8'), keyPassword, location);
  }
  if (password === null) throw new SslConfigError(l, 'SSL key store is specified, but key store password is not specified.');
  if (type === 'PKCS12') return { pfx: [{ buf: readFile(l, 'PKCS12 key store', location), passphrase: password }] };
  throw new SslConfigError(l, `key store type ${type} is not supported (use PEM or PKCS12; Node cannot read ${type})`);
}

function pemKeystore(l: string, text: string, keyPassword: string | null, where: string): StoreMaterial {
  const blocks = pemBlocks(text);
  const keys = blocks.filter((b) => b.label.endsWith('PRIVATE KEY'));
  const certs = blocks.filter((b) => b.label === 'CERTIFICATE');
  if (keys.length === 0) throw new SslConfigError(l, `Private key not provided (${where})`);
  if (keys.length > 1) throw new SslConfigError(l, `Expected one private key, but found ${keys.length} (${where})`);
  if (certs.length === 0) throw new SslConfigError(l, `At least one certificate expected, but none found (${where})`);
  const key = keys[0]!.pem;
  return {
    key: keyPassword === null ? key : [{ pem: key, passphrase: keyPassword }],
    cert: certs.map((c) => c.pem).join('\n'),
  };
}

function truststore(s: SslSource): string[] | undefined {
  const l = s.where;
  const type = (s.str('ssl.truststore.type') ?? 'JKS').toUpperCase();
  const location = s.str('ssl.truststore.location');
  const password = s.str('ssl.truststore.password');
  const inline = s.str('ssl.truststore.certificates');
  const certsOf = (text: string, where: string): string[] => {
    const certs = pemBlocks(text).filter((b) => b.label === 'CERTIFICATE').map((b) => b.pem);
    if (certs.length === 0) throw new SslConfigError(l, `No matching CERTIFICATE entries in PEM trust store (${where})`);
    return certs;
  };
  if (inline !== null) {
    if (type !== 'PEM') throw new SslConfigError(l, `SSL trust store certs can be specified only for PEM, but trust store type is ${type}.`);
    if (location !== null) throw new SslConfigError(l, 'Both SSL trust store location and separate trust certificates are specified.');
    if (password !== null) throw new SslConfigError(l, 'SSL trust store password cannot be specified for PEM format.');
    return certsOf(inline, 'ssl.truststore.certificates');
  }
  if (location === null) {
    if (password !== null) throw new SslConfigError(l, 'SSL trust store is not specified, but trust store password is specified.');
    return undefined;
  }
  if (type === 'PEM') {
    if (password !== null) throw new SslConfigError(l, 'SSL trust store password cannot be specified for PEM format.');
    return certsOf(readFile(l, 'PEM trust store', location).toString('utf8'), location);
  }
  if (type === 'PKCS12') {
    try {
      return pkcs12Certificates(readFile(l, 'PKCS12 trust store', location), password ?? '');
    } catch (err) {
      throw new SslConfigError(l, `Failed to load SSL trust store ${location} of type PKCS12: ${(err as Error).message}`);
    }
  }
  throw new SslConfigError(l, `trust store type ${type} is not supported (use PEM or PKCS12; Node cannot read ${type})`);
}

function protocolRange(l: string, enabled: readonly string[], ciphers: readonly string[]): { minVersion: SecureVersion; maxVersion: SecureVersion } {
  const idx = enabled.map((p) => {
    const i = VERSIONS.indexOf(p as SecureVersion);
    if (i < 0) throw new SslConfigError(l, `unsupported TLS protocol ${p} in ssl.enabled.protocols (${VERSIONS.join(', ')})`);
    return i;
  });
  if (idx.length === 0) throw new SslConfigError(l, 'ssl.enabled.protocols is empty');
  let min = Math.min(...idx);
  let max = Math.max(...idx);
  if (ciphers.length > 0) {
    const has13 = ciphers.some((c) => TLS13_SUITES.has(c));
    const hasOlder = ciphers.some((c) => !TLS13_SUITES.has(c));
    if (!has13) max = Math.min(max, VERSIONS.indexOf('TLSv1.2'));
    if (!hasOlder) min = Math.max(min, VERSIONS.indexOf('TLSv1.3'));
    if (min > max) throw new SslConfigError(l, 'ssl.cipher.suites has no suite for any version in ssl.enabled.protocols');
  }
  return { minVersion: VERSIONS[min]!, maxVersion: VERSIONS[max]! };
}

function cipherList(l: string, suites: readonly string[]): string | undefined {
  if (suites.length === 0) return undefined;
  const known = new Set(getCiphers().map((c) => c.toUpperCase()));
  return suites
    .map((s) => {
      const name = toOpenSslCipher(s);
      if (name === null || !known.has(name.toUpperCase())) throw new SslConfigError(l, `unsupported cipher suite ${s} in ssl.cipher.suites`);
      return name;
    })
    .join(':');
}

/** Key store, trust store, ciphers and protocol range: what both ends of a connection take from their settings. */
function commonTls(s: SslSource): StoreMaterial & { ciphers?: string; minVersion: SecureVersion; maxVersion: SecureVersion } {
  const store = keystore(s);
  const ca = truststore(s);
  const suites = s.list('ssl.cipher.suites');
  const ciphers = cipherList(s.where, suites);
  const range = protocolRange(s.where, s.list('ssl.enabled.protocols'), suites);
  return { ...store, ...(ca ? { ca } : {}), ...(ciphers ? { ciphers } : {}), ...range };
}

/** tls.connect options; host names are checked when ssl.endpoint.identification.algorithm is https. */
function clientTls(s: SslSource, common: ReturnType<typeof commonTls>): ConnectionOptions {
  const verifyHost = (s.str('ssl.endpoint.identification.algorithm') ?? '').toLowerCase() === 'https';
  return { ...common, rejectUnauthorized: true, ...(verifyHost ? {} : { checkServerIdentity: () => undefined }) };
}

/**
 * The TLS side of a Kafka client configured with properties (a tool's `--command-config`): the same
 * ssl.* keys and stores as a listener, with Kafka's client defaults.
 */
export function clientSslFromProperties(props: ReadonlyMap<string, string>, where: string): ConnectionOptions {
  const s = propertiesSource(props, where);
  return clientTls(s, commonTls(s));
}

/** The TLS settings of one SSL / SASL_SSL listener; throws SslConfigError on a bad configuration. */
export function listenerSsl(config: BrokerConfig, listener: string): ListenerSsl {
  const s = listenerSource(config, listener);
  const common = commonTls(s);
  const clientAuth = config.listenerValue(listener, 'ssl.client.auth') as SslClientAuth;
  let principalRules: PrincipalMappingRule[];
  try {
    principalRules = parsePrincipalMappingRules(config.listenerValue(listener, 'ssl.principal.mapping.rules'));
  } catch (err) {
    throw new SslConfigError(s.where, `ssl.principal.mapping.rules: ${(err as Error).message}`);
  }
  const server: TlsOptions = {
    ...common,
    requestCert: clientAuth !== 'none',
    rejectUnauthorized: clientAuth === 'required',
  };
  if (!server.key && !server.pfx) throw new SslConfigError(s.where, 'an SSL listener needs a key store (ssl.keystore.location or ssl.keystore.key)');
  return { listener, server, client: clientTls(s, common), clientAuth, principalRules };
}
