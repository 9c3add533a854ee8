/**
 * How a Kafka client configured with properties connects — what the tools' `--command-config`
 * (`--admin.config`, `--producer.config`, `--consumer.config`) files hold, with the Java client's
 * keys and defaults:
 * - `security.protocol` PLAINTEXT (default), SSL, SASL_PLAINTEXT or SASL_SSL;
 * - TLS: the same `ssl.*` keys as a listener (PEM or PKCS12 stores, `ssl.keystore.*` for a client
 *   certificate, `ssl.endpoint.identification.algorithm` https by default);
 * - SASL: `sasl.mechanism` (default GSSAPI, which gregor does not have) and `sasl.jaas.config`, one
 *   PlainLoginModule / ScramLoginModule entry whose `username` and `password` are the credentials.
 */
import type { ClientSecurity } from '../network/client.js';
import { JaasConfigError, parseJaasEntry } from './jaas.js';
import { SUPPORTED_MECHANISMS } from './sasl/mechanism.js';
import { passwordAuthenticator } from './sasl/client-authenticator.js';
import { clientSslFromProperties, SslConfigError } from './ssl-config.js';

const PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

export class ClientSecurityConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientSecurityConfigError';
  }
}

/** The connection security of these client properties; undefined for PLAINTEXT. `where` names their origin in errors. */
export function clientSecurityFromProperties(props: ReadonlyMap<string, string>, where = 'client properties'): ClientSecurity | undefined {
  const protocol = (props.get('security.protocol') ?? 'PLAINTEXT').trim().toUpperCase();
  if (!PROTOCOLS.includes(protocol)) throw new ClientSecurityConfigError(`${where}: No enum constant org.apache.kafka.common.security.auth.SecurityProtocol.${protocol}`);
  if (protocol === 'PLAINTEXT') return undefined;
  let tls;
  if (protocol.endsWith('SSL')) {
    try {
      tls = clientSslFromProperties(props, where);
    } catch (err) {
      if (err instanceof SslConfigError) throw new ClientSecurityConfigError(err.message);
      throw err;
    }
  }
  if (!protocol.startsWith('SASL')) return { tls };
  const mechanism = (props.get('sasl.mechanism') ?? 'GSSAPI').trim();
  if (!SUPPORTED_MECHANISMS.includes(mechanism)) {
    throw new ClientSecurityConfigError(`${where}: sasl.mechanism ${mechanism} is not available in gregor (supported: ${SUPPORTED_MECHANISMS.join(', ')})`);
  }
  const jaas = props.get('sasl.jaas.config');
  if (jaas === undefined) throw new ClientSecurityConfigError(`${where}: sasl.jaas.config is needed for ${mechanism}: e.g. a ScramLoginModule or PlainLoginModule entry with username and password`);
  let options;
  try {
    options = parseJaasEntry(jaas).options;
  } catch (err) {
    if (err instanceof JaasConfigError) throw new ClientSecurityConfigError(`${where}: sasl.jaas.config: ${err.message}`);
    throw err;
  }
  const username = options.get('username');
  const password = options.get('password');
  if (username === undefined || password === undefined) throw new ClientSecurityConfigError(`${where}: the sasl.jaas.config entry needs username and password options`);
  return { ...(tls ? { tls } : {}), authenticate: passwordAuthenticator(mechanism, username, password) };
}
