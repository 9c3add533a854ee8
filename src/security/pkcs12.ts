/**
 * The certificates of a PKCS#12 trust store (RFC 7292), for `ssl.truststore.type=PKCS12`: Node's
 * `pfx` option insists on a private key, which a trust store does not have.
 *
 * Reads PFX → AuthenticatedSafe → SafeContents (plain `data`, or `encryptedData`) → certBags
 * (x509Certificate), including Java's trusted-certificate entries. Encryption schemes: PBES2
 * (PBKDF2 with HMAC-SHA1/224/256/384/512, AES-128/192/256-CBC or 3DES-CBC: what OpenSSL 3 and Java
 * 12+ write) and the PKCS#12 PBE with SHA-1 and 3DES (older tools); RC2 schemes need OpenSSL's
 * legacy provider and are reported as unsupported when it is absent. The MAC is not checked: a
 * wrong password shows up as a decryption failure.
 */
import { createDecipheriv, createHash, pbkdf2Sync } from 'node:crypto';
import { child, children, derInteger, oidToString, readTlv, type Tlv } from './der.js';

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
};

const PRF: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};

const CIPHERS: Record<string, { name: string; keyLength: number }> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyLength: 24 },
  '2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', keyLength: 32 },
  '1.2.840.113549.3.7': { name: 'des-ede3-cbc', keyLength: 24 },
};

/** PKCS#12 PBE schemes (pkcs-12PbeIds): cipher, key and IV lengths. */
const PKCS12_PBE: Record<string, { name: string; keyLength: number; ivLength: number }> = {
  '1.2.840.113549.1.12.1.3': { name: 'des-ede3-cbc', keyLength: 24, ivLength: 8 },
  '1.2.840.113549.1.12.1.4': { name: 'des-ede-cbc', keyLength: 16, ivLength: 8 },
  '1.2.840.113549.1.12.1.5': { name: 'rc2-cbc', keyLength: 16, ivLength: 8 },
  '1.2.840.113549.1.12.1.6': { name: 'rc2-40-cbc', keyLength: 5, ivLength: 8 },
};

const oidOf = (t: Tlv): string => oidToString(t.value);

/** RFC 7292 appendix B.2 key derivation with SHA-1 (id 1 = key, 2 = IV). */
function pkcs12Kdf(password: string, salt: Buffer, iterations: number, id: number, n: number): Buffer {
  const u = 20;
  const v = 64;
  const pw = password === '' ? Buffer.alloc(0) : Buffer.concat([Buffer.from(password, 'utf16le').swap16(), Buffer.alloc(2)]);
  const fill = (b: Buffer): Buffer => {
    if (b.length === 0) return b;
    const out = Buffer.alloc(v * Math.ceil(b.length / v));
    for (let i = 0; i < out.length; i++) out[i] = b[i % b.length]!;
    return out;
  };
  const D = Buffer.alloc(v, id);
  const I = Buffer.concat([fill(salt), fill(pw)]);
  const out: Buffer[] = [];
  for (let produced = 0; produced < n; produced += u) {
    let A = createHash('sha1').update(D).update(I).digest();
    for (let r = 1; r < iterations; r++) A = createHash('sha1').update(A).digest();
    out.push(A);
    const B = fill(A);
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j + k]! + B[k]! + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(out).subarray(0, n);
}

function decrypt(algorithm: Tlv, data: Buffer, password: string): Buffer {
  const oid = oidOf(child(algorithm, 0, 'algorithm'));
  const params = child(algorithm, 1, 'algorithm parameters');
  const run = (cipher: string, key: Buffer, iv: Buffer): Buffer => {
    try {
      const d = createDecipheriv(cipher, key, iv);
      return Buffer.concat([d.update(data), d.final()]);
    } catch (err) {
      const msg = (err as Error).message;
      if (/unsupported|not supported|unknown cipher/i.test(msg)) throw new Error(`cipher ${cipher} is not available in this Node/OpenSSL`);
      throw new Error('decryption failed (wrong password?)');
    }
  };
  if (oid === OID.pbes2) {
    const [kdf, scheme] = children(params);
    if (!kdf || !scheme || oidOf(child(kdf, 0)) !== OID.pbkdf2) throw new Error('unsupported PBES2 key derivation');
    const kdfParams = children(child(kdf, 1));
    const salt = kdfParams[0]!.value;
    const iterations = derInteger(kdfParams[1]!);
    const prfAlg = kdfParams.find((p) => p.tag === 0x30);
    const prf = prfAlg ? PRF[oidOf(child(prfAlg, 0))] : 'sha1';
    const cipher = CIPHERS[oidOf(child(scheme, 0))];
    if (!prf || !cipher) throw new Error('unsupported PBES2 encryption scheme');
    const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, cipher.keyLength, prf);
    return run(cipher.name, key, child(scheme, 1, 'IV').value);
  }
  const pbe = PKCS12_PBE[oid];
  if (!pbe) throw new Error(`unsupported encryption algorithm ${oid}`);
  const salt = child(params, 0).value;
  const iterations = derInteger(child(params, 1));
  return run(pbe.name, pkcs12Kdf(password, salt, iterations, 1, pbe.keyLength), pkcs12Kdf(password, salt, iterations, 2, pbe.ivLength));
}

function pem(der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
}

function certsOfSafeContents(safeContents: Tlv, out: string[]): void {
  for (const bag of children(safeContents)) {
    if (oidOf(child(bag, 0, 'bag id')) !== OID.certBag) continue;
    const certBag = child(child(bag, 1, 'bag value'), 0, 'cert bag');
    if (oidOf(child(certBag, 0)) !== OID.x509Certificate) continue;
    out.push(pem(child(child(certBag, 1), 0, 'certificate').value));
  }
}

/** The X.509 certificates of a PKCS#12 file, as PEM strings. */
export function pkcs12Certificates(file: Buffer, password: string): string[] {
  const pfx = readTlv(file);
  const authSafe = child(pfx, 1, 'authSafe');
  if (oidOf(child(authSafe, 0)) !== OID.data) throw new Error('PKCS#12 authSafe is not of type data');
  const safes = readTlv(child(child(authSafe, 1), 0).value);
  const certs: string[] = [];
  for (const ci of children(safes)) {
    const type = oidOf(child(ci, 0));
    const content = child(child(ci, 1), 0);
    if (type === OID.data) {
      certsOfSafeContents(readTlv(content.value), certs);
    } else if (type === OID.encryptedData) {
      const eci = child(content, 1, 'encryptedContentInfo');
      const [, algorithm, encrypted] = children(eci);
      if (!algorithm || !encrypted) throw new Error('PKCS#12 encryptedData without content');
      certsOfSafeContents(readTlv(decrypt(algorithm, encrypted.value, password)), certs);
    }
  }
  if (certs.length === 0) throw new Error('no certificates in the PKCS#12 store');
  return certs;
}
