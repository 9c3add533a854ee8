/**
 * Typed failures of the outbound client. Callers (controller channel, follower fetchers) tell
 * "retry after backoff" (NetworkError and subclasses, RequestTimeoutError) from "stopped"
 * (ClientClosedError).
 */

/** The connection could not be made or was lost; the request may or may not have been executed. */
export class NetworkError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NetworkError';
  }
}

export class ConnectTimeoutError extends NetworkError {
  constructor(address: string, timeoutMs: number) {
    super(`connecting to ${address} timed out after ${timeoutMs} ms`);
    this.name = 'ConnectTimeoutError';
  }
}

/** The peer broke the protocol (unmatched correlation id, oversized or undecodable response). */
export class ResponseProtocolError extends NetworkError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ResponseProtocolError';
  }
}

/** No response within the request timeout; the connection is closed, as Kafka's NetworkClient does. */
export class RequestTimeoutError extends Error {
  constructor(readonly apiKey: number, readonly apiVersion: number, timeoutMs: number) {
    super(`request api key ${apiKey} v${apiVersion} timed out after ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

/** close() was called; no more requests will be sent. */
export class ClientClosedError extends Error {
  constructor() {
    super('client closed');
    this.name = 'ClientClosedError';
  }
}

/** The broker refused this client's credentials (SASL) or the TLS handshake failed; retried after backoff. */
export class AuthenticationError extends NetworkError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AuthenticationError';
  }
}
