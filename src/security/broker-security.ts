/**
 * The broker's listener security, assembled from its configuration at startup (Kafka's
 * ChannelBuilders + JaasContext): what each listener needs from the socket server, and how this
 * broker's own clients reach the inter-broker listener.
 *
 * - SSL / SASL_SSL listeners: TLS settings from ssl-config.ts. On SSL listeners the principal is
 *   the client certificate's subject mapped by ssl.principal.mapping.rules (ssl-principal.ts), or
 *   ANONYMOUS without one.
 * - SASL listeners: `sasl.enabled.mechanisms` (per listener) must all be PLAIN / SCRAM-SHA-256 /
 *   SCRAM-SHA-512. Each mechanism needs a JAAS entry, found as Kafka finds it:
 *   `listener.name.<l>.<mechanism>.sasl.jaas.config`, else the `<l>.KafkaServer` section, else the
 *   `KafkaServer` section of the JAAS file (KAFKA_OPTS `-Djava.security.auth.login.config=`).
 *   A bare `sasl.jaas.config` is ignored with Kafka's warning. PLAIN users are the entry's
 *   `user_<name>` options; SCRAM users are the credentials in ZooKeeper (credential-cache.ts).
 * - Inter-broker client: TLS settings of the inter-broker listener, SASL with
 *   `sasl.mechanism.inter.broker.protocol` and the `username` / `password` options of that
 *   listener's JAAS entry for it.
 * - ZooKeeper: the `Client` section's DigestLoginModule username/password become digest
 *   credentials (zookeeper.set.acl; see src/zk/client.ts). ZooKeeper SASL itself is not possible
 *   with node-zookeeper-client.
 * Every problem is a SecurityConfigError naming the listener and the key, raised before the
 * broker binds anything.
 */
import type { TLSSocket } from 'node:tls';
import { ANONYMOUS, userPrincipal, type KafkaPrincipal } from '../common/kafka-principal.js';
import type { Logger } from '../common/logger.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ClientSecurity } from '../network/client.js';
import type { ListenerSecurity } from '../network/tls.js';
import type { CredentialCache } from './credential-cache.js';
import { JaasConfigError, parseJaasEntry, readJaasFile, type JaasEntry, type JaasFile } from './jaas.js';
import { PLAIN, SUPPORTED_MECHANISMS, type SaslServer } from './sasl/mechanism.js';
import { PLAIN_LOGIN_MODULE, PlainSaslServer, plainUsers } from './sasl/plain.js';
import { ScramSaslServer, scramMechanism } from './sasl/scram.js';
import { passwordAuthenticator } from './sasl/client-authenticator.js';
import { SaslServerAuthenticator } from './sasl/server-authenticator.js';
import { listenerSsl, SslConfigError, type ListenerSsl } from './ssl-config.js';
import { mapPrincipalName, x500Name } from './ssl-principal.js';

export const SCRAM_LOGIN_MODULE = 'org.apache.kafka.common.security.scram.ScramLoginModule';
export const ZK_DIGEST_LOGIN_MODULE = 'org.apache.zookeeper.server.auth.DigestLoginModule';

export class SecurityConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecurityConfigError';
  }
}

export interface BrokerSecurity {
  /** hooks for the socket server, by listener name (PLAINTEXT listeners have none) */
  readonly listeners: ReadonlyMap<string, ListenerSecurity>;
  /** how this broker's clients connect to the other brokers' inter-broker listener */
  readonly interBroker: ClientSecurity | undefined;
  /** digest credentials for ZooKeeper (`user:password`), from the JAAS file's Client section */
  readonly zookeeperDigest: string | null;
}

export interface BrokerSecurityOptions {
  readonly config: BrokerConfig;
  readonly credentials: CredentialCache;
  /** the JAAS file's path (KAFKA_OPTS), or null */
  readonly jaasFile: string | null;
  readonly log: Logger;
}

function loginModuleFor(mechanism: string): string {
  return mechanism === PLAIN ? PLAIN_LOGIN_MODULE : SCRAM_LOGIN_MODULE;
}

class JaasLookup {
  private file: JaasFile | null | undefined;

  constructor(
    private readonly config: BrokerConfig,
    private readonly path: string | null,
  ) {}

  private jaasFile(): JaasFile | null {
    if (this.file === undefined) this.file = this.path === null ? null : readJaasFile(this.path);
    return this.file;
  }

  /** JaasContext.loadServerContext(listener, mechanism): the entry for the mechanism's login module. */
  serverEntry(listener: string, mechanism: string): JaasEntry {
    const property = `${mechanism.toLowerCase()}.sasl.jaas.config`;
    const inline = this.config.listenerSetting(listener, property);
    if (inline !== null) return parseJaasEntry(inline);
    const contextName = `${listener.toLowerCase()}.KafkaServer`;
    const file = this.jaasFile();
    const entries = file?.get(contextName) ?? file?.get('KafkaServer');
    if (!entries) {
      throw new JaasConfigError(
        `Could not find a 'KafkaServer' or '${contextName}' entry in the JAAS configuration. System property 'java.security.auth.login.config' is ${this.path ?? 'not set'} (set listener.name.${listener.toLowerCase()}.${property} or KAFKA_OPTS=-Djava.security.auth.login.config=<file>)`,
      );
    }
    const module = loginModuleFor(mechanism);
    return entries.find((e) => e.loginModule === module) ?? { loginModule: module, controlFlag: 'required', options: new Map() };
  }

  /** The JAAS file's `Client` DigestLoginModule credentials, or null. */
  zookeeperDigest(): string | null {
    const entry = this.jaasFile()?.get('Client')?.find((e) => e.loginModule === ZK_DIGEST_LOGIN_MODULE);
    const user = entry?.options.get('username');
    const password = entry?.options.get('password');
    return user !== undefined && password !== undefined ? `${user}:${password}` : null;
  }
}

/**
 * The principal of a TLS connection, or null to refuse it: a client certificate that was sent must
 * be trusted even under ssl.client.auth=requested (JSSE fails the handshake; node lets it through
 * with `authorized` false). On SASL_SSL the SASL exchange decides the principal.
 */
function sslPrincipal(ssl: ListenerSsl, sasl: boolean): (socket: TLSSocket) => KafkaPrincipal | null {
  return (socket) => {
    const cert = socket.getPeerX509Certificate();
    if (!cert) return ANONYMOUS;
    if (!socket.authorized) return null;
    if (sasl) return ANONYMOUS;
    const name = mapPrincipalName(ssl.principalRules, x500Name(cert.raw));
    return name === null ? null : userPrincipal(name);
  };
}

function saslListener(opts: BrokerSecurityOptions, jaas: JaasLookup, listener: string): ListenerSecurity['authenticate'] {
  const { config, credentials, log } = opts;
  const mechanisms = config.listenerValue(listener, 'sasl.enabled.mechanisms');
  if (mechanisms.length === 0) throw new SecurityConfigError(`listener ${listener}: No SASL mechanisms are enabled (sasl.enabled.mechanisms)`);
  const factories = new Map<string, () => SaslServer>();
  for (const mechanism of mechanisms) {
    if (!SUPPORTED_MECHANISMS.includes(mechanism)) {
      throw new SecurityConfigError(`listener ${listener}: SASL mechanism ${mechanism} is not available in gregor (supported: ${SUPPORTED_MECHANISMS.join(', ')})`);
    }
    const entry = jaas.serverEntry(listener, mechanism);
    const scram = scramMechanism(mechanism);
    if (scram) {
      factories.set(mechanism, () => new ScramSaslServer(scram, (user, m) => credentials.get(user, m)));
    } else {
      const users = plainUsers(entry.options);
      factories.set(mechanism, () => new PlainSaslServer(users));
    }
  }
  const failedAuthenticationDelayMs = config.values['connection.failed.authentication.delay.ms'];
  const maxReauthMs = (mechanism: string): number => {
    const scoped = config.listenerSetting(listener, `${mechanism.toLowerCase()}.connections.max.reauth.ms`);
    return scoped !== null ? Number(scoped) : config.listenerValue(listener, 'connections.max.reauth.ms');
  };
  const settings = {
    mechanisms: [...new Set(mechanisms)],
    createServer: (m: string) => factories.get(m)!(),
    maxReauthMs,
    failedAuthenticationDelayMs,
    log,
  };
  return (_info, next) => new SaslServerAuthenticator(settings, next);
}

function interBrokerClient(opts: BrokerSecurityOptions, jaas: JaasLookup): ClientSecurity | undefined {
  const { config } = opts;
  const listener = config.interBrokerListenerName;
  const protocol = config.interBrokerSecurityProtocol;
  if (protocol === 'PLAINTEXT') return undefined;
  const tls = protocol === 'SSL' || protocol === 'SASL_SSL' ? listenerSsl(config, listener).client : undefined;
  if (protocol === 'SSL') return { tls };
  const mechanism = config.values['sasl.mechanism.inter.broker.protocol'];
  if (!SUPPORTED_MECHANISMS.includes(mechanism)) {
    throw new SecurityConfigError(`sasl.mechanism.inter.broker.protocol ${mechanism} is not available in gregor (supported: ${SUPPORTED_MECHANISMS.join(', ')})`);
  }
  const entry = jaas.serverEntry(listener, mechanism);
  const username = entry.options.get('username');
  const password = entry.options.get('password');
  if (username === undefined || password === undefined) {
    throw new SecurityConfigError(
      `listener ${listener}: the JAAS entry for ${mechanism} needs username and password options: they are this broker's credentials towards the other brokers`,
    );
  }
  return { ...(tls ? { tls } : {}), authenticate: passwordAuthenticator(mechanism, username, password) };
}

/** Builds every listener's security and the inter-broker client security; throws SecurityConfigError. */
export function buildBrokerSecurity(opts: BrokerSecurityOptions): BrokerSecurity {
  const { config, log } = opts;
  const jaas = new JaasLookup(config, opts.jaasFile);
  try {
    if (config.values['sasl.jaas.config'] !== null) {
      log.warn('Server config sasl.jaas.config should be prefixed with SASL mechanism name, ignoring config');
    }
    const listeners = new Map<string, ListenerSecurity>();
    for (const ep of config.listeners) {
      const p = ep.securityProtocol;
      if (p === 'PLAINTEXT') continue;
      const ssl = p === 'SSL' || p === 'SASL_SSL' ? listenerSsl(config, ep.listenerName) : null;
      const security: ListenerSecurity = {
        ...(ssl ? { tls: ssl.server } : {}),
        ...(ssl ? { tlsPrincipal: sslPrincipal(ssl, p === 'SASL_SSL') } : {}),
        ...(p === 'SASL_PLAINTEXT' || p === 'SASL_SSL' ? { authenticate: saslListener(opts, jaas, ep.listenerName) } : {}),
      };
      listeners.set(ep.listenerName, security);
    }
    const interBroker = interBrokerClient(opts, jaas);
    return { listeners, interBroker, zookeeperDigest: jaas.zookeeperDigest() };
  } catch (err) {
    if (err instanceof SslConfigError || err instanceof JaasConfigError) throw new SecurityConfigError(err.message);
    throw err;
  }
}
