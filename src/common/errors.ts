import { ErrorCode, errorInfo } from '../protocol/error-codes.js';
import { ProtocolError } from '../protocol/errors.js';

/** A Kafka error code raised by domain code; handlers convert it to a response code in one place. */
export class KafkaError extends Error {
  constructor(
    readonly code: ErrorCode,
    message?: string,
    options?: ErrorOptions,
  ) {
    super(message ?? errorInfo(code).name, options);
    this.name = 'KafkaError';
  }
}

export interface ErrorLogger {
  error(obj: object, msg: string): void;
}

/** KafkaError → its code; anything else is a bug, logged and answered UNKNOWN_SERVER_ERROR. */
export function toErrorCode(err: unknown, log?: ErrorLogger): ErrorCode {
  if (err instanceof KafkaError) return err.code;
  if (err instanceof ProtocolError) return err.code;
  log?.error({ err }, 'unexpected error; answering UNKNOWN_SERVER_ERROR');
  return ErrorCode.UnknownServerError;
}
