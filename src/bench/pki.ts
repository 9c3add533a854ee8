/**
 * A throw-away PKI for TLS benchmarks and tests, made at run time with the openssl CLI (Debian's
 * `openssl`), so no private key is ever committed: a CA, a broker certificate for 127.0.0.1 / localhost, and client
 * certificates with chosen subjects. EC P-256 keys keep generation fast on a shared machine.
 *
 *   const pki = await createTestPki(dir);
 *   pki.broker.pemKeystore      // encrypted PKCS#8 key + chain (ssl.keystore.type=PEM, ssl.key.password)
 *   pki.broker.p12              // PKCS12 keystore (ssl.keystore.type=PKCS12), password pki.password
 *   pki.caPem / pki.trustP12    // trust stores
 *   await pki.client('alice', '/C=US/O=Gregor/OU=test/CN=alice')
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestIdentity {
  /** unencrypted PKCS#8 key, PEM file */
  key: string;
  /** certificate, PEM file */
  cert: string;
  /** the key encrypted with the PKI password followed by the certificate chain (one PEM file) */
  pemKeystore: string;
  /** PKCS12 with key, certificate and CA, protected by the PKI password */
  p12: string;
  keyText: string;
  certText: string;
}

export interface TestPki {
  dir: string;
  password: string;
  /** CA certificate, PEM file */
  caPem: string;
  caText: string;
  /** PKCS12 trust store holding the CA, protected by the PKI password */
  trustP12: string;
  broker: TestIdentity;
  client(name: string, subject: string): Promise<TestIdentity>;
  /** a second, unrelated CA and a client signed by it (an untrusted client) */
  foreignClient(name: string): Promise<TestIdentity>;
}

async function openssl(cwd: string, args: string[]): Promise<void> {
  await run('openssl', args, { cwd, timeout: 30_000 });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function makeCa(dir: string, name: string, subject: string): Promise<void> {
  await openssl(dir, ['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', subject]);
}

async function issue(dir: string, ca: string, name: string, subject: string, password: string, san?: string): Promise<TestIdentity> {
  await openssl(dir, ['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  const ext = path.join(dir, `${name}.ext`);
  await writeFile(ext, san ? `subjectAltName=${san}\n` : 'basicConstraints=CA:FALSE\n');
  await openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', ext]);
  await openssl(dir, ['pkcs8', '-topk8', '-in', `${name}.key`, '-out', `${name}.enc.key`, '-passout', `pass:${password}`]);
  await openssl(dir, ['pkcs12', '-export', '-inkey', `${name}.key`, '-in', `${name}.pem`, '-certfile', `${ca}.pem`, '-out', `${name}.p12`, '-passout', `pass:${password}`]);
  const keyText = await readFile(path.join(dir, `${name}.key`), 'utf8');
  const certText = await readFile(path.join(dir, `${name}.pem`), 'utf8');
  const caText = await readFile(path.join(dir, `${ca}.pem`), 'utf8');
  const encKey = await readFile(path.join(dir, `${name}.enc.key`), 'utf8');
  const pemKeystore = path.join(dir, `${name}.keystore.pem`);
  await writeFile(pemKeystore, `${encKey}${certText}${caText}`);
  return { key: path.join(dir, `${name}.key`), cert: path.join(dir, `${name}.pem`), pemKeystore, p12: path.join(dir, `${name}.p12`), keyText, certText };
}

export async function createTestPki(dir: string, password = 'test-secret'): Promise<TestPki> {
  await makeCa(dir, 'ca', '/CN=gregor-test-ca');
  await openssl(dir, ['pkcs12', '-export', '-nokeys', '-in', 'ca.pem', '-out', 'truststore.p12', '-passout', `pass:${password}`]);
  const broker = await issue(dir, 'ca', 'broker', '/CN=broker/O=gregor', password, 'IP:127.0.0.1,DNS:localhost');
  let foreignCa = false;
  return {
    dir,
    password,
    caPem: path.join(dir, 'ca.pem'),
    caText: await readFile(path.join(dir, 'ca.pem'), 'utf8'),
    trustP12: path.join(dir, 'truststore.p12'),
    broker,
    client: (name, subject) => issue(dir, 'ca', name, subject, password),
    foreignClient: async (name) => {
      if (!foreignCa) {
        await makeCa(dir, 'foreign-ca', '/CN=someone-else');
        foreignCa = true;
      }
      return issue(dir, 'foreign-ca', name, `/CN=${name}`, password);
    },
  };
}
