/**
 * TLS for listeners and for the inter-broker client (node:tls), and the per-listener security hooks
 * the socket server applies (the security layer fills them in; the network layer only runs them).
 *
 * - SSL and SASL_SSL listeners are TLS servers: TLS starts at connect, no STARTTLS. A client that
 *   fails the handshake (plaintext bytes on a TLS port, an untrusted or missing client certificate
 *   with ssl.client.auth=required, no common protocol or cipher) is logged with its address and
 *   dropped; no Kafka request is ever read from it.
 * - The principal of an SSL connection is decided once the handshake is done (`tlsPrincipal`);
 *   null refuses the connection (e.g. an untrusted certificate under ssl.client.auth=requested).
 * - SASL listeners wrap each connection's request processor in an authenticator (`authenticate`).
 */
import type { Socket } from 'node:net';
import { connect as tlsConnect, createServer, type ConnectionOptions, type Server, type TLSSocket, type TlsOptions } from 'node:tls';
import type { KafkaPrincipal } from '../common/kafka-principal.js';
import type { Logger } from '../common/logger.js';
import type { ConnectionInfo, RequestProcessor } from './connection.js';

export interface ListenerSecurity {
  /** TLS server options (SSL and SASL_SSL listeners) */
  readonly tls?: TlsOptions;
  /** principal of a TLS client (SSL listeners; SASL_SSL ones replace it after SASL); null refuses the connection */
  tlsPrincipal?(socket: TLSSocket): KafkaPrincipal | null;
  /** wraps each connection's processor (SASL_PLAINTEXT and SASL_SSL listeners) */
  authenticate?(info: ConnectionInfo, next: RequestProcessor): RequestProcessor;
}

/** A TLS server whose completed handshakes go to `onSocket`; failed ones are logged with the peer address. */
export function createTlsListener(options: TlsOptions, listenerName: string, log: Logger, onSocket: (s: TLSSocket) => void): Server {
  const server = createServer({ ...options, allowHalfOpen: true }, onSocket);
  server.on('tlsClientError', (err: Error, socket: Socket) => {
    log.info({ listener: listenerName, clientAddress: socket.remoteAddress, clientPort: socket.remotePort, reason: err.message }, 'TLS handshake failed; connection closed');
    socket.destroy();
  });
  return server;
}

/** Opens a TLS connection; resolves once the handshake is done (server certificate verified). */
export function dialTls(host: string, port: number, options: ConnectionOptions, timeoutMs: number): Promise<TLSSocket> {
  return new Promise<TLSSocket>((resolve, reject) => {
    const isIp = /^[\d.]+$|:/.test(host);
    const socket = tlsConnect({ ...options, host, port, ...(isIp ? {} : { servername: host }) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`TLS connection to ${host}:${port} not established within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.on('error', () => {}); // the connection's own handler is attached next
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    });
  });
}
