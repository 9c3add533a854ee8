/**
 * Typed decode failures. The network layer maps them to a Kafka error code where the protocol
 * has one, or closes the connection; they never escape as untyped exceptions.
 */
import { ErrorCode } from './error-codes.js';

export class ProtocolError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode = ErrorCode.CorruptMessage,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

export class UnsupportedVersionError extends ProtocolError {
  constructor(
    readonly apiKey: number,
    readonly apiVersion: number,
  ) {
    super(`api key ${apiKey} version ${apiVersion} is not supported`, ErrorCode.UnsupportedVersion);
    this.name = 'UnsupportedVersionError';
  }
}
