import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PlainSaslClient, PlainSaslServer, plainUsers } from '../../../src/security/sasl/plain.js';
import { SaslAuthenticationError, SaslError } from '../../../src/security/sasl/mechanism.js';
import {
  ScramSaslClient,
  ScramSaslServer,
  credentialFromSaltedPassword,
  credentialFromString,
  credentialToString,
  fromSaslName,
  generateCredential,
  saltedPassword,
  scramMechanism,
  toSaslName,
} from '../../../src/security/sasl/scram.js';

const SHA256 = scramMechanism('SCRAM-SHA-256')!;
const SHA512 = scramMechanism('SCRAM-SHA-512')!;
const b = (s: string) => Buffer.from(s, 'utf8');

// RFC 7677 §3: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations.
const RFC = {
  salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'),
  clientNonce: 'rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};
const rfcCredential = () => credentialFromSaltedPassword(SHA256, RFC.salt, saltedPassword(SHA256, 'pencil', RFC.salt, 4096), 4096);

describe('SCRAM (RFC 5802 / 7677)', () => {
  it('the server answers the RFC 7677 exchange byte for byte', () => {
    const server = new ScramSaslServer(SHA256, (u) => (u === 'user' ? rfcCredential() : undefined), () => RFC.serverNonce);
    expect(server.evaluate(b(RFC.clientFirst)).toString()).toBe(RFC.serverFirst);
    expect(server.evaluate(b(RFC.clientFinal)).toString()).toBe(RFC.serverFinal);
    expect(server.isComplete).toBe(true);
    expect(server.authorizationId()).toBe('user');
  });

  it('the client produces the RFC 7677 messages and checks the server signature', () => {
    const client = new ScramSaslClient(SHA256, 'user', 'pencil', RFC.clientNonce);
    expect(client.initialResponse().toString()).toBe(RFC.clientFirst);
    expect(client.evaluate(b(RFC.serverFirst))!.toString()).toBe(RFC.clientFinal);
    expect(client.evaluate(b(RFC.serverFinal))).toBeNull();
    expect(client.isComplete).toBe(true);
    const forged = new ScramSaslClient(SHA256, 'user', 'pencil', RFC.clientNonce);
    forged.initialResponse();
    forged.evaluate(b(RFC.serverFirst));
    expect(() => forged.evaluate(b('v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='))).toThrow(SaslError);
  });

  it('client and server agree for both mechanisms, and a wrong password fails the proof', () => {
    for (const m of [SHA256, SHA512]) {
      const cred = generateCredential(m, 's3cret', 4096);
      const run = (password: string) => {
        const server = new ScramSaslServer(m, () => cred);
        const client = new ScramSaslClient(m, 'alice', password);
        const first = server.evaluate(client.initialResponse());
        return client.evaluate(server.evaluate(client.evaluate(first)!));
      };
      expect(run('s3cret')).toBeNull();
      expect(() => run('wrong')).toThrow(/Invalid client credentials/);
    }
  });

  it('unknown users, too few iterations and bad messages are SaslErrors (generic to the client); another authzid is not', () => {
    const server = () => new ScramSaslServer(SHA256, (u) => (u === 'user' ? rfcCredential() : u === 'weak' ? { ...rfcCredential(), iterations: 1000 } : undefined));
    expect(() => server().evaluate(b('n,,n=nobody,r=abc'))).toThrow(SaslError);
    expect(() => server().evaluate(b('n,,n=weak,r=abc'))).toThrow(/Iterations 1000 is less than the minimum 4096/);
    expect(() => server().evaluate(b('garbage'))).toThrow(/Invalid SCRAM client first message format/);
    expect(() => server().evaluate(b('n,a=other,n=user,r=abc'))).toThrow(SaslAuthenticationError);
    const s = server();
    s.evaluate(b('n,,n=user,r=abc'));
    expect(() => s.evaluate(b('c=biws,r=abc,p=notbase64!'))).toThrow(/client final message format/);
    expect(() => s.evaluate(b('c=biws,r=abc,p=AAAA'))).toThrow(SaslError);
  });

  it("accepts librdkafka 2.0.2's client-final nonce (its own nonce before the server's), as Kafka does", () => {
    const server = new ScramSaslServer(SHA256, () => rfcCredential(), () => RFC.serverNonce);
    server.evaluate(b(RFC.clientFirst));
    const hmac = (key: Buffer, data: string) => createHmac('sha256', key).update(data).digest();
    const salted = saltedPassword(SHA256, 'pencil', RFC.salt, 4096);
    const clientKey = hmac(salted, 'Client Key');
    const withoutProof = `c=biws,r=${RFC.clientNonce}${RFC.clientNonce}${RFC.serverNonce}`;
    const signature = hmac(createHash('sha256').update(clientKey).digest(), `n=user,r=${RFC.clientNonce},${RFC.serverFirst},${withoutProof}`);
    const proof = Buffer.from(clientKey.map((x, i) => x ^ signature[i]!));
    expect(server.evaluate(b(`${withoutProof},p=${proof.toString('base64')}`)).toString()).toMatch(/^v=/);
    expect(server.isComplete).toBe(true);
  });

  it('stores credentials in the kafka-configs.sh format and escapes sasl names', () => {
    const c = rfcCredential();
    const text = credentialToString(c);
    expect(text).toMatch(/^salt=W22ZaJ0SNY7soEsUEjb6gQ==,stored_key=[A-Za-z0-9+/=]+,server_key=[A-Za-z0-9+/=]+,iterations=4096$/);
    expect(credentialFromString(text)).toEqual(c);
    expect(() => credentialFromString('salt=a,iterations=1')).toThrow(/Credentials not valid/);
    expect(toSaslName('a=b,c')).toBe('a=3Db=2Cc');
    expect(fromSaslName('a=3Db=2Cc')).toBe('a=b,c');
    expect(() => fromSaslName('a=b')).toThrow(/Invalid username/);
  });
});

describe('PLAIN (RFC 4616, Kafka PlainSaslServer)', () => {
  const users = plainUsers(new Map([['username', 'admin'], ['password', 'admin-secret'], ['user_admin', 'admin-secret'], ['user_alice', 'alice-secret']]));

  it('reads the users from the user_<name> options only', () => {
    expect([...users]).toEqual([['admin', 'admin-secret'], ['alice', 'alice-secret']]);
  });

  it('authenticates a user, with or without an equal authzid', () => {
    const s = new PlainSaslServer(users);
    expect(s.evaluate(new PlainSaslClient('alice', 'alice-secret').initialResponse())).toEqual(Buffer.alloc(0));
    expect(s.authorizationId()).toBe('alice');
    expect(new PlainSaslServer(users).evaluate(b('alice\u0000alice\u0000alice-secret'))).toEqual(Buffer.alloc(0));
  });

  it.each([
    ['\u0000alice\u0000wrong', 'Authentication failed: Invalid username or password'],
    ['\u0000nobody\u0000x', 'Authentication failed: Invalid username or password'],
    ['\u0000\u0000x', 'Authentication failed: username not specified'],
    ['\u0000alice\u0000', 'Authentication failed: password not specified'],
    ['alice\u0000x', 'Invalid SASL/PLAIN response: expected 3 tokens, got 2'],
    ['bob\u0000alice\u0000alice-secret', 'Authentication failed: Client requested an authorization id that is different from username'],
  ])('refuses %j with Kafka\'s message', (token, message) => {
    expect(() => new PlainSaslServer(users).evaluate(b(token))).toThrow(new SaslAuthenticationError(message));
  });
});
