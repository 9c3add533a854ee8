/**
 * Bad input on secure listeners, with raw sockets, against one broker (SASL_PLAINTEXT, SASL_SSL
 * with a 2 s session lifetime, SSL requiring client certificates, PLAINTEXT):
 * - a client that speaks before authenticating, a second ApiVersions, an unknown mechanism, a
 *   wrong password (SaslAuthenticate and raw tokens), an unknown SCRAM user, a frame over 512 KiB
 *   before authentication: Kafka's answer or a closed connection, nothing else served, and an
 *   INFO line "Failed authentication with /127.0.0.1 (...)";
 * - SaslHandshake / SaslAuthenticate outside a SASL exchange, another request in place of
 *   SaslAuthenticate: ILLEGAL_SASL_STATE;
 * - a TLS client on the plaintext port and a plaintext client on a TLS port: closed, logged;
 * - TLS client authentication: no certificate or one from an unknown CA fails the handshake;
 * - KIP-368: an expired session is closed on its next request; clients that re-authenticate
 *   (kafkajs, gregor's own inter-broker client) keep working.
 */
import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { decodeResponseHeader } from '../../../src/protocol/header.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../../src/protocol/messages/api-versions.js';
import { MetadataRequest, MetadataResponse } from '../../../src/protocol/messages/metadata.js';
import { FindCoordinatorRequest, FindCoordinatorResponse } from '../../../src/protocol/messages/find-coordinator.js';
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../../../src/protocol/messages/sasl-authenticate.js';
import { SaslHandshakeRequest, SaslHandshakeResponse } from '../../../src/protocol/messages/sasl-handshake.js';
import { Reader } from '../../../src/protocol/primitives.js';
import type { MessageValue } from '../../../src/protocol/schema.js';
import type { AnySpec } from '../../../src/server/handler.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients } from '../../harness/clients.js';
import type { TestIdentity, TestPki } from '../../../src/bench/pki.js';
import { RawClient, requestFrame, sleep } from '../../unit/network/helpers.js';
import { ScramSaslClient, scramMechanism } from '../../../src/security/sasl/scram.js';
import { addScramUser, kafkajsOptions, newPki, saslClient, saslLogin, secureBrokerConfig, secureListeners, securePorts, tempDir, waitForLogin, type SecureListeners } from './security-kit.js';

let cluster: Cluster;
let pki: TestPki;
let ports: SecureListeners;
let plainPort: number;
let client: TestIdentity;
let stranger: TestIdentity;
let cleanup: () => Promise<void>;
const open: RawClient[] = [];

beforeAll(async () => {
  const tmp = await tempDir('gregor-sec-bad-');
  cleanup = tmp.remove;
  pki = await newPki(tmp.dir);
  client = await pki.client('client', '/CN=client');
  stranger = await pki.foreignClient('stranger');
  ports = await securePorts();
  cluster = await startCluster({
    brokers: 1,
    listenerSecurity: secureListeners(ports),
    brokerConfig: {
      ...secureBrokerConfig(pki, { admin: 'admin-secret', alice: 'alice-secret' }),
      'listener.name.ssl.ssl.client.auth': 'required',
      'listener.name.sasl_ssl.connections.max.reauth.ms': 2000,
    },
  });
  plainPort = cluster.port(0);
  await addScramUser(cluster.zk, 'scram-user', 'scram-pw');
  await waitForLogin(ports.SASL_PLAINTEXT, { mechanism: 'SCRAM-SHA-256', user: 'scram-user', password: 'scram-pw' });
});

afterAll(async () => {
  for (const c of open) c.destroy();
  await cluster?.close();
  await cleanup?.();
});

async function raw(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  open.push(c);
  return c;
}

function rawTls(port: number, opts: { cert?: TestIdentity } = {}): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const s: TLSSocket = tlsConnect({
      host: '127.0.0.1',
      port,
      ca: [pki.caText],
      checkServerIdentity: () => undefined,
      ...(opts.cert ? { cert: opts.cert.certText, key: opts.cert.keyText } : {}),
    });
    s.once('secureConnect', () => {
      const c = RawClient.wrap(s);
      open.push(c);
      resolve(c);
    });
    s.once('error', reject);
  });
}

function decodeResponse<S extends AnySpec>(spec: S, version: number, frame: Buffer): MessageValue<S> {
  const r = new Reader(frame);
  decodeResponseHeader(r, spec.apiKey, spec.isFlexible(version));
  return spec.decode(r, version) as MessageValue<S>;
}

const apiVersions = (id = 1) => requestFrame(ApiVersionsRequest, 0, id, {});
const metadata = (id = 2) => requestFrame(MetadataRequest, 1, id, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
const handshake = (mechanism: string, version = 1, id = 3) => requestFrame(SaslHandshakeRequest, version, id, { mechanism });
const authenticate = (token: Buffer, id = 4, version = 1) => requestFrame(SaslAuthenticateRequest, version, id, { authBytes: token });
const plainToken = (user: string, password: string) => Buffer.from(`\u0000${user}\u0000${password}`);
const sized = (token: Buffer) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(token.length);
  return Buffer.concat([b, token]);
};

async function logHas(pattern: RegExp): Promise<void> {
  await cluster.waitFor(() => pattern.test(readFileSync(cluster.logFile(0), 'utf8')), `broker log line ${pattern}`, 10_000);
}

describe('before authentication', () => {
  it('a request other than ApiVersions or SaslHandshake closes the connection unanswered', async () => {
    const c = await raw(ports.SASL_PLAINTEXT);
    c.write(metadata());
    expect(await c.waitClosed(5000)).toBe(true);
    expect(c.received).toBe(0);
    await logHas(/Failed authentication with \/127\.0\.0\.1 \(Unexpected Kafka request of type Metadata during SASL handshake\.\)/);
  });

  it('ApiVersions is answered once; the request after it must be the handshake', async () => {
    const c = await raw(ports.SASL_PLAINTEXT);
    c.write(apiVersions());
    const v = decodeResponse(ApiVersionsResponse, 0, await c.nextFrame());
    expect(v.errorCode).toBe(0);
    expect(v.apiKeys.find((k) => k.apiKey === 36)).toEqual({ apiKey: 36, minVersion: 0, maxVersion: 2 });
    c.write(metadata());
    expect(await c.waitClosed(5000)).toBe(true);
    const again = await raw(ports.SASL_PLAINTEXT);
    again.write(apiVersions(1));
    await again.nextFrame();
    again.write(apiVersions(2));
    expect(await again.waitClosed(5000)).toBe(true);
    expect(again.received).toBe(0);
  });

  it('another request after the handshake gets its own error response with ILLEGAL_SASL_STATE, then close', async () => {
    const c = await raw(ports.SASL_PLAINTEXT);
    c.write(handshake('PLAIN'));
    expect(decodeResponse(SaslHandshakeResponse, 1, await c.nextFrame()).errorCode).toBe(0);
    c.write(requestFrame(FindCoordinatorRequest, 1, 7, { key: 'g', keyType: 0 }));
    const r = decodeResponse(FindCoordinatorResponse, 1, await c.nextFrame(5000));
    expect([r.errorCode, r.nodeId]).toEqual([ErrorCode.IllegalSaslState, -1]);
    expect(await c.waitClosed(5000)).toBe(true);
    await logHas(/Failed authentication with \/127\.0\.0\.1 \(Unexpected Kafka request of type FindCoordinator during SASL authentication\.\)/);
  });

  it('an unknown mechanism is UNSUPPORTED_SASL_MECHANISM with the enabled list, then close', async () => {
    const c = await raw(ports.SASL_PLAINTEXT);
    c.write(handshake('GSSAPI'));
    const r = decodeResponse(SaslHandshakeResponse, 1, await c.nextFrame());
    expect(r).toEqual({ errorCode: ErrorCode.UnsupportedSaslMechanism, mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] });
    expect(await c.waitClosed(5000)).toBe(true);
    await logHas(/Failed authentication with \/127\.0\.0\.1 \(Unsupported SASL mechanism GSSAPI\)/);
  });

  it('a wrong PLAIN password is SASL_AUTHENTICATION_FAILED with Kafka\'s message, then close; nothing after it is served', async () => {
    const c = await raw(ports.SASL_PLAINTEXT);
    c.write(handshake('PLAIN'));
    expect(decodeResponse(SaslHandshakeResponse, 1, await c.nextFrame()).errorCode).toBe(0);
    c.write(Buffer.concat([authenticate(plainToken('alice', 'wrong')), metadata(9)]));
    const r = decodeResponse(SaslAuthenticateResponse, 1, await c.nextFrame(5000));
    expect(r).toMatchObject({ errorCode: ErrorCode.SaslAuthenticationFailed, errorMessage: 'Authentication failed: Invalid username or password' });
    expect(await c.waitClosed(5000)).toBe(true);
    expect(c.received).toBe(0);
  });

  it('an unknown SCRAM user gets the generic invalid-credentials message', async () => {
    await expect(saslLogin(ports.SASL_PLAINTEXT, { mechanism: 'SCRAM-SHA-256', user: 'nobody', password: 'x' })).rejects.toThrow(
      'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256',
    );
  });

  it('raw tokens (SaslHandshake v0, as kafka-python): success answers an empty token, a wrong password just closes', async () => {
    const login = async (password: string) => {
      const sock = netConnect({ host: '127.0.0.1', port: ports.SASL_PLAINTEXT });
      let buf = Buffer.alloc(0);
      let closed = false;
      sock.on('data', (d: Buffer) => (buf = Buffer.concat([buf, d])));
      sock.on('close', () => (closed = true));
      sock.on('error', () => {});
      const take = async (n: number): Promise<Buffer | null> => {
        await cluster.waitFor(() => buf.length >= n || closed, `${n} bytes or close`, 5000);
        if (buf.length < n) return null;
        const out = buf.subarray(0, n);
        buf = buf.subarray(n);
        return out;
      };
      const frame = async () => {
        const size = await take(4);
        return size === null ? null : take(size.readInt32BE(0));
      };
      try {
        sock.write(handshake('PLAIN', 0));
        expect(decodeResponse(SaslHandshakeResponse, 0, (await frame())!).errorCode).toBe(0);
        sock.write(sized(plainToken('alice', password)));
        const token = await frame();
        if (token === null) return { token: null, closed: true };
        sock.write(metadata());
        return { token, brokers: decodeResponse(MetadataResponse, 1, (await frame())!).brokers.length };
      } finally {
        sock.destroy();
      }
    };
    expect(await login('alice-secret')).toEqual({ token: Buffer.alloc(0), brokers: 1 });
    expect(await login('nope')).toEqual({ token: null, closed: true });
  });

  it('frames are limited to 512 KiB until authenticated (the size prefix alone closes)', async () => {
    const c = await raw(ports.SASL_PLAINTEXT);
    c.write(handshake('PLAIN'));
    await c.nextFrame();
    const size = Buffer.alloc(4);
    size.writeInt32BE(600_000);
    c.write(size);
    expect(await c.waitClosed(5000)).toBe(true);
    // just under the limit is read and answered (a PLAIN token that is not three fields)
    const d = await raw(ports.SASL_PLAINTEXT);
    d.write(handshake('PLAIN'));
    await d.nextFrame();
    d.write(authenticate(Buffer.alloc(500_000, 0x41)));
    expect(decodeResponse(SaslAuthenticateResponse, 1, await d.nextFrame(5000)).errorMessage).toBe('Invalid SASL/PLAIN response: expected 3 tokens, got 1');
  });
});

describe('SaslAuthenticate versions', () => {
  it.each([0, 1, 2])('v%i carries a SCRAM exchange (v2 with flexible headers) and a failure is answered in the same version', async (version) => {
    const c = await raw(ports.SASL_PLAINTEXT);
    c.write(handshake('SCRAM-SHA-256'));
    expect(decodeResponse(SaslHandshakeResponse, 1, await c.nextFrame()).errorCode).toBe(0);
    const scram = new ScramSaslClient(scramMechanism('SCRAM-SHA-256')!, 'scram-user', 'scram-pw');
    let token: Buffer | null = scram.initialResponse();
    let id = 10;
    while (token !== null) {
      c.write(authenticate(token, id, version));
      const r = decodeResponse(SaslAuthenticateResponse, version, await c.nextFrame());
      expect(r.errorCode).toBe(0);
      // the session lifetime exists from v1 on; this listener grants sessions without expiry
      if (version >= 1) expect(r.sessionLifetimeMs).toBe(0);
      token = scram.isComplete ? null : scram.evaluate(r.authBytes);
      id++;
    }
    expect(scram.isComplete).toBe(true);
    c.write(metadata(99));
    expect(decodeResponse(MetadataResponse, 1, await c.nextFrame()).brokers).toHaveLength(1);

    const bad = await raw(ports.SASL_PLAINTEXT);
    bad.write(handshake('PLAIN'));
    await bad.nextFrame();
    bad.write(authenticate(plainToken('alice', 'wrong'), 5, version));
    const r = decodeResponse(SaslAuthenticateResponse, version, await bad.nextFrame(5000));
    expect(r).toMatchObject({ errorCode: ErrorCode.SaslAuthenticationFailed, errorMessage: 'Authentication failed: Invalid username or password' });
    expect(await bad.waitClosed(5000)).toBe(true);
  });

  it('a SaslAuthenticate version above 2 fails the authentication and closes', async () => {
    const c = await raw(ports.SASL_PLAINTEXT);
    c.write(handshake('PLAIN'));
    await c.nextFrame();
    const frame = authenticate(plainToken('alice', 'alice-secret'), 5, 2);
    frame.writeInt16BE(3, 6); // api_version, after the size and the api key
    c.write(frame);
    expect(await c.waitClosed(5000)).toBe(true);
    expect(c.received).toBe(0);
    await logHas(/Failed authentication with \/127\.0\.0\.1 \(Version 3 is not supported for apiKey SASL_AUTHENTICATE\)/);
  });
});

describe('SASL requests outside an exchange', () => {
  it('SaslAuthenticate on a PLAINTEXT listener is ILLEGAL_SASL_STATE; a second handshake after authenticating too', async () => {
    const c = await raw(plainPort);
    c.write(authenticate(plainToken('alice', 'alice-secret')));
    expect(decodeResponse(SaslAuthenticateResponse, 1, await c.nextFrame()).errorCode).toBe(ErrorCode.IllegalSaslState);
    const s = await raw(ports.SASL_PLAINTEXT);
    s.write(handshake('PLAIN'));
    await s.nextFrame();
    s.write(authenticate(plainToken('alice', 'alice-secret')));
    expect(decodeResponse(SaslAuthenticateResponse, 1, await s.nextFrame()).errorCode).toBe(0);
    s.write(handshake('PLAIN', 1, 7));
    expect(decodeResponse(SaslHandshakeResponse, 1, await s.nextFrame()).errorCode).toBe(ErrorCode.IllegalSaslState);
  });
});

describe('TLS and plaintext mixed up', () => {
  it('a TLS client on the plaintext port is closed before any allocation (its ClientHello is a huge size)', async () => {
    await expect(rawTls(plainPort)).rejects.toThrow();
    await logHas(/closing connection: bad request size/);
  });

  it('a plaintext client on a TLS port gets nothing and is closed; the failed handshake is logged with its address', async () => {
    const c = await raw(ports.SASL_SSL);
    c.write(apiVersions());
    expect(await c.waitClosed(5000)).toBe(true);
    expect(c.received).toBe(0);
    await logHas(/"listener":"SASL_SSL","clientAddress":"127\.0\.0\.1".*TLS handshake failed/);
  });

  it('ssl.client.auth=required: no certificate or an unknown CA fails the handshake; a trusted one is served', async () => {
    await expect(rawTls(ports.SSL).then((c) => (c.write(apiVersions()), c.nextFrame(5000)))).rejects.toThrow();
    await expect(rawTls(ports.SSL, { cert: stranger }).then((c) => (c.write(apiVersions()), c.nextFrame(5000)))).rejects.toThrow();
    const ok = await rawTls(ports.SSL, { cert: client });
    ok.write(apiVersions());
    expect(decodeResponse(ApiVersionsResponse, 0, await ok.nextFrame()).errorCode).toBe(0);
  });
});

describe('re-authentication (KIP-368, connections.max.reauth.ms)', () => {
  it('the session lifetime is announced, and a connection that lets it expire is closed on its next request', async () => {
    const { sessionLifetimeMs } = await saslLogin(ports.SASL_SSL, { mechanism: 'PLAIN', user: 'alice', password: 'alice-secret' }, { tls: { ca: [pki.caText] } });
    expect(sessionLifetimeMs).toBe(2000);
    const c = await rawTls(ports.SASL_SSL);
    c.write(handshake('PLAIN'));
    await c.nextFrame();
    c.write(authenticate(plainToken('alice', 'alice-secret')));
    expect(decodeResponse(SaslAuthenticateResponse, 1, await c.nextFrame()).sessionLifetimeMs).toBe(2000);
    c.write(metadata(5));
    await c.nextFrame();
    await sleep(2300);
    c.write(metadata(6));
    expect(await c.waitClosed(5000)).toBe(true);
  });

  it('re-authentication keeps the principal and the mechanism: a change fails it and closes, logged as a failed re-authentication', async () => {
    const login = async () => {
      const c = await rawTls(ports.SASL_SSL);
      c.write(handshake('PLAIN'));
      await c.nextFrame();
      c.write(authenticate(plainToken('alice', 'alice-secret')));
      expect(decodeResponse(SaslAuthenticateResponse, 1, await c.nextFrame()).errorCode).toBe(0);
      return c;
    };
    // the same principal again: a new session, served past the first one's end
    const same = await login();
    await sleep(1200);
    same.write(handshake('PLAIN', 1, 10));
    expect(decodeResponse(SaslHandshakeResponse, 1, await same.nextFrame()).errorCode).toBe(0);
    same.write(authenticate(plainToken('alice', 'alice-secret'), 11));
    expect(decodeResponse(SaslAuthenticateResponse, 1, await same.nextFrame()).sessionLifetimeMs).toBe(2000);
    await sleep(1200);
    same.write(metadata(12));
    expect(decodeResponse(MetadataResponse, 1, await same.nextFrame()).brokers).toHaveLength(1);
    // another principal
    const other = await login();
    other.write(handshake('PLAIN', 1, 10));
    await other.nextFrame();
    other.write(authenticate(plainToken('admin', 'admin-secret'), 11));
    const changed = decodeResponse(SaslAuthenticateResponse, 1, await other.nextFrame());
    expect([changed.errorCode, changed.errorMessage]).toEqual([ErrorCode.SaslAuthenticationFailed, 'Cannot change principals during re-authentication from User.alice: User.admin']);
    expect(await other.waitClosed(5000)).toBe(true);
    await logHas(/Failed re-authentication with \/127\.0\.0\.1 \(Cannot change principals/);
    // another mechanism: the handshake is accepted, the token refused
    const mech = await login();
    mech.write(handshake('SCRAM-SHA-256', 1, 10));
    expect(decodeResponse(SaslHandshakeResponse, 1, await mech.nextFrame()).errorCode).toBe(0);
    mech.write(authenticate(Buffer.from('n,,n=alice,r=abcdefgh'), 11));
    const refused = decodeResponse(SaslAuthenticateResponse, 1, await mech.nextFrame());
    expect([refused.errorCode, refused.errorMessage]).toEqual([
      ErrorCode.SaslAuthenticationFailed,
      "SASL mechanism 'SCRAM-SHA-256' requested by client is not supported for re-authentication of mechanism 'PLAIN'",
    ]);
    expect(await mech.waitClosed(5000)).toBe(true);
  });

  it('clients that re-authenticate keep their connection: gregor\'s client and kafkajs', async () => {
    let authentications = 0;
    const ours = saslClient(ports.SASL_SSL, { mechanism: 'SCRAM-SHA-256', user: 'scram-user', password: 'scram-pw' }, { tls: { ca: [pki.caText] }, onLifetime: () => authentications++ });
    // kafkajs re-authenticates `reauthenticationThreshold` before the session ends (default 10 s)
    const clients = kafkaClients(`127.0.0.1:${ports.SASL_SSL}`, {
      ...kafkajsOptions('SASL_SSL', pki, { mechanism: 'PLAIN', user: 'alice', password: 'alice-secret' }),
      reauthenticationThreshold: 800,
    } as Parameters<typeof kafkaClients>[1]);
    try {
      const producer = await clients.producer({ allowAutoTopicCreation: true });
      await producer.send({ topic: 'reauth', messages: [{ value: '1' }] });
      await ours.send({ request: ApiVersionsRequest, response: ApiVersionsResponse }, 0, {});
      await sleep(2500);
      await producer.send({ topic: 'reauth', messages: [{ value: '2' }] });
      await ours.send({ request: ApiVersionsRequest, response: ApiVersionsResponse }, 0, {});
      expect(authentications).toBe(2); // re-authenticated in place: one connection, two exchanges
    } finally {
      await clients.disconnectAll();
      await ours.close();
    }
  });
});
