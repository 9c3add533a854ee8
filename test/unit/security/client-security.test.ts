/**
 * Client properties (a tool's --command-config) → how the client connects: TLS options from the
 * Java client's ssl.* keys and defaults, SASL credentials from sasl.jaas.config, and the refusals.
 * The tools using it against real secure listeners: test/integration/security/listeners.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../../src/bench/pki.js';
import { clientSecurityFromProperties } from '../../../src/security/client-security.js';
import { tempDir } from '../../integration/security/security-kit.js';

let pki: TestPki;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const t = await tempDir('gregor-client-sec-');
  cleanup = t.remove;
  pki = await createTestPki(t.dir);
}, 60_000);
afterAll(async () => cleanup?.());

const props = (o: Record<string, string>) => new Map(Object.entries(o));
const SCRAM = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="pw";';

describe('client properties', () => {
  it('PLAINTEXT (the default) needs nothing', () => {
    expect(clientSecurityFromProperties(props({}))).toBeUndefined();
    expect(clientSecurityFromProperties(props({ 'security.protocol': 'plaintext' }))).toBeUndefined();
  });

  it('SSL: the PEM trust store, host names checked unless ssl.endpoint.identification.algorithm is empty', () => {
    const ssl = clientSecurityFromProperties(props({ 'security.protocol': 'SSL', 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': pki.caPem }));
    expect(ssl?.authenticate).toBeUndefined();
    expect(ssl?.tls).toMatchObject({ ca: [expect.stringContaining('BEGIN CERTIFICATE')], rejectUnauthorized: true, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
    expect(ssl?.tls?.checkServerIdentity).toBeUndefined();
    const lax = clientSecurityFromProperties(
      props({ 'security.protocol': 'SSL', 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': pki.trustP12, 'ssl.truststore.password': pki.password, 'ssl.endpoint.identification.algorithm': '' }),
    );
    expect(lax?.tls?.ca).toHaveLength(1);
    expect(lax?.tls?.checkServerIdentity).toBeTypeOf('function');
  });

  it('SSL with a client certificate from a PKCS12 key store', () => {
    const s = clientSecurityFromProperties(
      props({ 'security.protocol': 'SSL', 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': pki.broker.p12, 'ssl.keystore.password': pki.password }),
    );
    expect(s?.tls?.pfx).toHaveLength(1);
  });

  it('SASL_PLAINTEXT and SASL_SSL: the JAAS entry\'s username and password', () => {
    const plain = clientSecurityFromProperties(props({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.jaas.config': SCRAM }));
    expect(plain?.tls).toBeUndefined();
    expect(plain?.authenticate).toBeTypeOf('function');
    const tls = clientSecurityFromProperties(
      props({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': SCRAM, 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': pki.caPem }),
    );
    expect(tls?.tls?.ca).toHaveLength(1);
    expect(tls?.authenticate).toBeTypeOf('function');
  });

  it.each([
    [{ 'security.protocol': 'TLS' }, /SecurityProtocol\.TLS/],
    [{ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.jaas.config': SCRAM }, /sasl\.mechanism GSSAPI is not available in gregor/],
    [{ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'OAUTHBEARER', 'sasl.jaas.config': SCRAM }, /sasl\.mechanism OAUTHBEARER is not available/],
    [{ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN' }, /sasl\.jaas\.config is needed for PLAIN/],
    [{ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': 'org.x.M required username="a";' }, /needs username and password/],
    [{ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': 'not jaas' }, /my\.props: sasl\.jaas\.config: /],
    [{ 'security.protocol': 'SSL', 'ssl.truststore.location': '/x.jks', 'ssl.truststore.password': 'p' }, /my\.props: trust store type JKS is not supported/],
    [{ 'security.protocol': 'SSL', 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': '/nonexistent.pem' }, /my\.props: cannot read PEM trust store/],
  ])('refuses %j', (p, message) => {
    expect(() => clientSecurityFromProperties(props(p as Record<string, string>), 'my.props')).toThrow(message);
  });
});
