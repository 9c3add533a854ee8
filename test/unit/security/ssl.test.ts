/**
 * TLS configuration and principals. Certificates are made at run time with the openssl CLI
 * (test/harness/certs.ts); nothing secret is committed.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type ConnectionOptions, type TLSSocket, type TlsOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerConfig } from '../../../src/config/broker-config.js';
import { parseProperties } from '../../../src/config/properties.js';
import { pkcs12Certificates } from '../../../src/security/pkcs12.js';
import { listenerSsl, toOpenSslCipher } from '../../../src/security/ssl-config.js';
import { mapPrincipalName, parsePrincipalMappingRules, x500Name } from '../../../src/security/ssl-principal.js';
import { createTestPki, type TestPki } from '../../../src/bench/pki.js';
import { tempDir } from '../../integration/security/security-kit.js';

let pki: TestPki;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const t = await tempDir('gregor-ssl-unit-');
  cleanup = t.remove;
  pki = await createTestPki(t.dir);
}, 60_000);

afterAll(async () => cleanup?.());

const der = (pem: string) => new X509Certificate(readFileSync(pem)).raw;

describe('X500Principal.getName() as Kafka prints it', () => {
  it('reverses the RDNs, keeps RFC 2253 keywords, escapes specials', async () => {
    const c = await pki.client('dn', '/C=US/ST=Some, State/O=Gregor/OU=eng/CN=alice');
    expect(x500Name(der(c.cert))).toBe('CN=alice,OU=eng,O=Gregor,ST=Some\\, State,C=US');
  });

  it('writes attributes without an RFC 2253 keyword as OID=#hex of their DER value', async () => {
    const c = await pki.client('mail', '/CN=bob/emailAddress=b@x.io');
    // emailAddress is an IA5String (tag 0x16), length 6
    expect(x500Name(der(c.cert))).toBe(`1.2.840.113549.1.9.1=#1606${Buffer.from('b@x.io').toString('hex')},CN=bob`);
  });
});

describe('ssl.principal.mapping.rules', () => {
  it('DEFAULT keeps the distinguished name', () => {
    expect(mapPrincipalName(parsePrincipalMappingRules('DEFAULT'), 'CN=a,O=b')).toBe('CN=a,O=b');
  });

  it('applies the first matching rule, with case folding, then falls back', () => {
    const rules = parsePrincipalMappingRules('RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L, RULE:^CN=(.*?),O=(.*?)$/$1@$2/U, DEFAULT');
    expect(mapPrincipalName(rules, 'CN=Kafka-Svc,OU=ServiceUsers,O=Org')).toBe('kafka-svc');
    expect(mapPrincipalName(rules, 'CN=alice,O=org')).toBe('ALICE@ORG');
    expect(mapPrincipalName(rules, 'C=US')).toBe('C=US');
    expect(mapPrincipalName(parsePrincipalMappingRules('RULE:^CN=(.*)$/$1/'), 'O=x')).toBeNull();
  });

  it('refuses a malformed rule', () => {
    expect(() => parsePrincipalMappingRules('RULE:^CN=(.*)$/$1/X')).toThrow(/Invalid rule/);
  });
});

describe('cipher suite names', () => {
  it.each([
    ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'],
    ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384'],
    ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305'],
    ['TLS_RSA_WITH_AES_128_CBC_SHA', 'AES128-SHA'],
    ['TLS_DHE_RSA_WITH_AES_256_CBC_SHA256', 'DHE-RSA-AES256-SHA256'],
    ['TLS_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256'],
    ['TLS_NOPE_WITH_NOTHING', null],
  ])('%s → %s', (iana, openssl) => {
    expect(toOpenSslCipher(iana)).toBe(openssl);
  });
});

describe('PKCS12 trust stores', () => {
  it('reads the certificates of a key-less PKCS12 store (OpenSSL 3 default PBES2/AES)', () => {
    const certs = pkcs12Certificates(readFileSync(pki.trustP12), pki.password);
    expect(certs).toHaveLength(1);
    expect(new X509Certificate(certs[0]!).subject).toBe('CN=gregor-test-ca');
  });

  it('a wrong password is a decryption failure', () => {
    expect(() => pkcs12Certificates(readFileSync(pki.trustP12), 'nope')).toThrow(/wrong password/);
  });
});

describe("a listener's TLS settings", () => {
  const base = { 'zookeeper.connect': 'localhost:2181', listeners: 'SSL://127.0.0.1:0', 'security.inter.broker.protocol': 'SSL' };
  const cfg = (props: Record<string, string>) => BrokerConfig.parse({ ...base, ...props });

  it('PEM keystore file + key password, PEM trust store; client auth and protocols per listener', () => {
    const s = listenerSsl(
      cfg({
        'ssl.keystore.type': 'PEM',
        'ssl.keystore.location': pki.broker.pemKeystore,
        'ssl.key.password': pki.password,
        'ssl.truststore.type': 'PEM',
        'ssl.truststore.location': pki.caPem,
        'listener.name.ssl.ssl.client.auth': 'required',
        'ssl.enabled.protocols': 'TLSv1.2',
      }),
      'SSL',
    );
    expect(s.clientAuth).toBe('required');
    expect(s.server).toMatchObject({ requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
    expect(s.server.ca).toHaveLength(1);
    expect(s.server.key).toEqual([{ pem: expect.stringContaining('ENCRYPTED PRIVATE KEY'), passphrase: pki.password }]);
  });

  it('PKCS12 key and trust stores, inline PEM key and chain', () => {
    const p12 = listenerSsl(
      cfg({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': pki.broker.p12, 'ssl.keystore.password': pki.password, 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': pki.trustP12, 'ssl.truststore.password': pki.password }),
      'SSL',
    );
    expect(p12.server.pfx).toHaveLength(1);
    expect(p12.server.ca).toHaveLength(1);
    const inline = listenerSsl(cfg({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.key': pki.broker.keyText, 'ssl.keystore.certificate.chain': pki.broker.certText }), 'SSL');
    expect(inline.server.key).toContain('PRIVATE KEY');
    expect(inline.server.ca).toBeUndefined();
  });

  it.each([
    [{}, /needs a key store/],
    [{ 'ssl.keystore.location': '/x.jks', 'ssl.keystore.password': 'p' }, /key store type JKS is not supported/],
    [{ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': '/x.pem', 'ssl.keystore.password': 'p' }, /password cannot be specified with PEM/],
    [{ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': '/x.pem' }, /key password is not specified/],
    [{ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': '/x.p12' }, /key store password is not specified/],
    [{ 'ssl.keystore.type': 'PEM', 'ssl.keystore.certificate.chain': 'x' }, /private key is not specified/],
    [{ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.key': 'x', 'ssl.keystore.certificate.chain': 'y' }, /can be specified only for PEM/],
    [{ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': '/nonexistent.pem', 'ssl.key.password': 'p' }, /cannot read PEM key store/],
    [{ 'ssl.keystore.type': 'PEM', 'ssl.keystore.key': 'x', 'ssl.keystore.certificate.chain': 'y' }, /Private key not provided/],
  ])('refuses %j', (props, message) => {
    expect(() => listenerSsl(cfg(props as Record<string, string>), 'SSL')).toThrow(message);
  });

  it('refuses unknown cipher suites and protocols', () => {
    const pem = { 'ssl.keystore.type': 'PEM', 'ssl.keystore.key': pki.broker.keyText, 'ssl.keystore.certificate.chain': pki.broker.certText };
    expect(() => listenerSsl(cfg({ ...pem, 'ssl.cipher.suites': 'TLS_BOGUS' }), 'SSL')).toThrow(/unsupported cipher suite TLS_BOGUS/);
    expect(() => listenerSsl(cfg({ ...pem, 'ssl.enabled.protocols': 'SSLv3' }), 'SSL')).toThrow(/unsupported TLS protocol SSLv3/);
  });

  it('a cipher list without TLS 1.3 suites caps the version at TLS 1.2', () => {
    const s = listenerSsl(
      cfg({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.key': pki.broker.keyText, 'ssl.keystore.certificate.chain': pki.broker.certText, 'ssl.cipher.suites': 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256' }),
      'SSL',
    );
    expect(s.server).toMatchObject({ ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
  });
});

/** One TLS handshake between the two sides' options; resolves with what the server saw. */
async function handshake(server: TlsOptions, client: ConnectionOptions): Promise<{ authorized: boolean; peerSubject: string | null }> {
  const srv = createServer(server, (s) => s.end());
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  try {
    const seen = once(srv, 'secureConnection') as Promise<[TLSSocket]>;
    const c = connect({ ...client, host: '127.0.0.1', port: (srv.address() as AddressInfo).port });
    await once(c, 'secureConnect');
    const [s] = await seen;
    const peer = s.getPeerCertificate();
    c.destroy();
    return { authorized: s.authorized, peerSubject: peer && 'subject' in peer && peer.subject ? String(peer.subject.CN) : null };
  } finally {
    srv.close();
  }
}

describe('TLS handshakes with the stores as configured', () => {
  const cfg = (props: Record<string, string>) =>
    BrokerConfig.parse({ 'zookeeper.connect': 'localhost:2181', listeners: 'SSL://127.0.0.1:0', 'security.inter.broker.protocol': 'SSL', ...props });

  /** A PEM block the way KIP-651 writes it in server.properties: one logical line through continuations. */
  const continued = (pem: string) => {
    const [begin, ...rest] = pem.trim().split('\n');
    const end = rest.pop()!;
    return [`${begin} \\`, ...rest.map((l) => `    ${l}\\`), `    ${end}`].join('\n');
  };

  it('inline PEM key and chain written with line continuations in a properties file; the other side trusts a PKCS12 store', async () => {
    const text = [
      'ssl.keystore.type=PEM',
      `ssl.keystore.key=${continued(pki.broker.keyText)}`,
      `ssl.keystore.certificate.chain=${continued(pki.broker.certText)}`,
    ].join('\n');
    const parsed = Object.fromEntries(parseProperties(text));
    expect(parsed['ssl.keystore.key']).not.toContain('\n');
    const server = listenerSsl(cfg(parsed), 'SSL').server;
    const client = listenerSsl(
      cfg({ ...parsed, 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': pki.trustP12, 'ssl.truststore.password': pki.password }),
      'SSL',
    ).client;
    expect(await handshake(server, client)).toEqual({ authorized: false, peerSubject: null });
  });

  it('PKCS12 key stores on both sides with ssl.client.auth=required: the client certificate is verified', async () => {
    const alice = await pki.client('alice-p12', '/CN=alice-p12');
    const p12 = (location: string) => ({
      'ssl.keystore.type': 'PKCS12',
      'ssl.keystore.location': location,
      'ssl.keystore.password': pki.password,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': pki.caPem,
      'ssl.client.auth': 'required',
    });
    const server = listenerSsl(cfg(p12(pki.broker.p12)), 'SSL').server;
    const client = listenerSsl(cfg(p12(alice.p12)), 'SSL').client;
    expect(await handshake(server, client)).toEqual({ authorized: true, peerSubject: 'alice-p12' });
  });
});
