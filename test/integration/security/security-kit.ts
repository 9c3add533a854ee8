/**
 * Shared set-up of the security integration tests: a run-time PKI, free ports for extra listeners,
 * the broker keys of a secure listener set, SCRAM users written to ZooKeeper exactly as
 * `kafka-configs.sh --zookeeper --alter --add-config 'SCRAM-SHA-256=[password=...]'` writes them,
 * and the client settings each real client needs for each protocol.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { KafkaConfig } from 'kafkajs';
import os from 'node:os';
import path from 'node:path';
import { KafkaZkClient } from '../../../src/zk/kafka-zk-client.js';
import { freePort } from '../../../src/zk/server-process.js';
import { credentialToString, generateCredential, scramMechanism } from '../../../src/security/sasl/scram.js';
import { sanitize } from '../../../src/common/sanitizer.js';
import { BrokerClient } from '../../../src/network/client.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../../src/protocol/messages/api-versions.js';
import { passwordAuthenticator } from '../../../src/security/sasl/client-authenticator.js';
import { createTestPki, type TestIdentity, type TestPki } from '../../../src/bench/pki.js';
import type { ListenerSecurityOptions } from '../../../src/testing/index.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';

export const PLAIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';
export const SCRAM_MODULE = 'org.apache.kafka.common.security.scram.ScramLoginModule';

export interface SecureListeners {
  SSL: number;
  SASL_PLAINTEXT: number;
  SASL_SSL: number;
}

export async function tempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function newPki(dir: string): Promise<TestPki> {
  return createTestPki(dir);
}

export async function securePorts(): Promise<SecureListeners> {
  return { SSL: await freePort(), SASL_PLAINTEXT: await freePort(), SASL_SSL: await freePort() };
}

/** `PlainLoginModule required username=.. password=.. user_x="y" ...;` */
export function plainJaas(self: { user: string; password: string }, users: Readonly<Record<string, string>>): string {
  const u = Object.entries(users)
    .map(([n, p]) => `user_${n}="${p}"`)
    .join(' ');
  return `${PLAIN_MODULE} required username="${self.user}" password="${self.password}" ${u};`;
}

export function scramJaas(self?: { user: string; password: string }): string {
  return self ? `${SCRAM_MODULE} required username="${self.user}" password="${self.password}";` : `${SCRAM_MODULE} required;`;
}

/** TLS keys of a broker using the PKI's PEM keystore and PEM trust store. */
export function sslKeys(pki: TestPki): Record<string, string> {
  return {
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': pki.broker.pemKeystore,
    'ssl.key.password': pki.password,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': pki.caPem,
  };
}

/** The harness's extra listeners SSL, SASL_PLAINTEXT and SASL_SSL of one broker at these ports (beside its PLAINTEXT and REPLICATION). */
export function secureListeners(ports: SecureListeners): ListenerSecurityOptions {
  return {
    extraListeners: () => ({
      SSL: { protocol: 'SSL', port: ports.SSL },
      SASL_PLAINTEXT: { protocol: 'SASL_PLAINTEXT', port: ports.SASL_PLAINTEXT },
      SASL_SSL: { protocol: 'SASL_SSL', port: ports.SASL_SSL },
    }),
  };
}

/**
 * The broker keys of `secureListeners`: PLAIN and both SCRAM mechanisms enabled, PLAIN users `users`
 * (and the broker's own identity admin), SSL client certificates requested.
 */
export function secureBrokerConfig(pki: TestPki, users: Readonly<Record<string, string>>): Record<string, string> {
  const props: Record<string, string> = {
    'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    'listener.name.ssl.ssl.client.auth': 'requested',
    ...sslKeys(pki),
  };
  for (const l of ['sasl_plaintext', 'sasl_ssl']) {
    props[`listener.name.${l}.plain.sasl.jaas.config`] = plainJaas({ user: 'admin', password: users.admin ?? 'admin' }, users);
    props[`listener.name.${l}.scram-sha-256.sasl.jaas.config`] = scramJaas();
    props[`listener.name.${l}.scram-sha-512.sasl.jaas.config`] = scramJaas();
  }
  return props;
}

/**
 * The inter-broker REPLICATION listener over SASL_PLAINTEXT with PLAIN as `self` (whom an authorizer's
 * super.users must name): the keys beside `listenerSecurity.replication: 'SASL_PLAINTEXT'`.
 */
export function saslReplicationConfig(self: { user: string; password: string }, users: Readonly<Record<string, string>>): Record<string, string> {
  return {
    'listener.name.replication.sasl.enabled.mechanisms': 'PLAIN',
    'sasl.mechanism.inter.broker.protocol': 'PLAIN',
    'listener.name.replication.plain.sasl.jaas.config': plainJaas(self, users),
  };
}

/**
 * One broker with `secureListeners`, no topic auto-creation and an authorizer (`authorizerClass`)
 * whose super user is User:admin; the controller talks to its broker over SASL as admin.
 */
export function startAuthorizedBroker(
  pki: TestPki,
  ports: SecureListeners,
  users: Readonly<Record<string, string>> & { admin: string },
  authorizerClass = 'kafka.security.authorizer.AclAuthorizer',
): Promise<Cluster> {
  return startCluster({
    brokers: 1,
    listenerSecurity: { ...secureListeners(ports), replication: 'SASL_PLAINTEXT' },
    brokerConfig: {
      ...secureBrokerConfig(pki, users),
      ...saslReplicationConfig({ user: 'admin', password: users.admin }, users),
      'auto.create.topics.enable': false,
      'authorizer.class.name': authorizerClass,
      'super.users': 'User:admin',
    },
  });
}

/** What `kafka-configs.sh --zookeeper ... --alter --add-config 'SCRAM-SHA-256=[iterations=..,password=..]' --entity-type users` writes. */
export async function addScramUser(zk: KafkaZkClient, user: string, password: string, iterations = 4096): Promise<void> {
  const sanitized = sanitize(user);
  const config = await zk.getEntityConfig('users', sanitized);
  for (const name of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
    config[name] = credentialToString(generateCredential(scramMechanism(name)!, password, iterations));
  }
  await zk.changeEntityConfig('users', sanitized, config);
}

// ---------------------------------------------------------------------------------------------- client settings

export type Protocol = 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
export interface Credentials {
  mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  user: string;
  password: string;
}

/** librdkafka (kcat, confluent-kafka) properties. */
export function rdkafkaProps(protocol: Protocol, pki: TestPki, sasl?: Credentials, cert?: TestIdentity): Record<string, string> {
  const props: Record<string, string> = { 'security.protocol': protocol.toLowerCase() };
  if (protocol !== 'SASL_PLAINTEXT') props['ssl.ca.location'] = pki.caPem;
  if (cert) {
    props['ssl.certificate.location'] = cert.cert;
    props['ssl.key.location'] = cert.key;
  }
  if (sasl) {
    props['sasl.mechanisms'] = sasl.mechanism;
    props['sasl.username'] = sasl.user;
    props['sasl.password'] = sasl.password;
  }
  return props;
}

/** kafkajs `ssl` / `sasl` options. */
export function kafkajsOptions(protocol: Protocol, pki: TestPki, sasl?: Credentials, cert?: TestIdentity): Partial<KafkaConfig> {
  const out: Record<string, unknown> = {};
  if (protocol !== 'SASL_PLAINTEXT') out.ssl = { ca: [pki.caText], ...(cert ? { cert: cert.certText, key: cert.keyText } : {}) };
  if (sasl) out.sasl = { mechanism: sasl.mechanism.toLowerCase(), username: sasl.user, password: sasl.password };
  return out as Partial<KafkaConfig>;
}

/** kafka-python keyword arguments (as JSON for the scripts). */
export function kafkaPythonOptions(protocol: Protocol, pki: TestPki, sasl?: Credentials, cert?: TestIdentity): Record<string, unknown> {
  const out: Record<string, unknown> = { security_protocol: protocol };
  if (protocol !== 'SASL_PLAINTEXT') {
    out.ssl_cafile = pki.caPem;
    if (cert) {
      out.ssl_certfile = cert.cert;
      out.ssl_keyfile = cert.key;
    }
  }
  if (sasl) {
    out.sasl_mechanism = sasl.mechanism;
    out.sasl_plain_username = sasl.user;
    out.sasl_plain_password = sasl.password;
  }
  return out;
}

/** gregor's own client authenticated with `creds` (SaslHandshake v1, SaslAuthenticate v1), optionally over TLS. */
export function saslClient(port: number, creds: Credentials, opts: { tls?: { ca: string[] }; onLifetime?: (ms: number) => void } = {}): BrokerClient {
  const authenticate = passwordAuthenticator(creds.mechanism, creds.user, creds.password);
  return new BrokerClient({
    host: '127.0.0.1',
    port,
    clientId: 'gregor-test-login',
    connectTimeoutMs: 5000,
    requestTimeoutMs: 5000,
    security: {
      ...(opts.tls ? { tls: { ca: opts.tls.ca, checkServerIdentity: () => undefined } } : {}),
      authenticate: async (send) => {
        const r = await authenticate(send);
        opts.onLifetime?.(r.sessionLifetimeMs);
        return r;
      },
    },
  });
}

/** One SASL login then ApiVersions; rejects when refused; resolves with the session lifetime granted. */
export async function saslLogin(port: number, creds: Credentials, opts: { tls?: { ca: string[] } } = {}): Promise<{ sessionLifetimeMs: number }> {
  let lifetime = 0;
  const client = saslClient(port, creds, { ...opts, onLifetime: (ms) => (lifetime = ms) });
  try {
    await client.send({ request: ApiVersionsRequest, response: ApiVersionsResponse }, 0, {});
    return { sessionLifetimeMs: lifetime };
  } finally {
    await client.close();
  }
}

/** Waits until the broker accepts these credentials (a SCRAM user just written to ZooKeeper). */
export async function waitForLogin(port: number, creds: Credentials, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await saslLogin(port, creds);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${creds.user} could not log in with ${creds.mechanism} within ${timeoutMs} ms: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
