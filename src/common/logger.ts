/**
 * The pino root logger and the child-logger convention (aesthetics §8, "Logging").
 *
 * - One root per broker process, created by the composition root with `{ brokerId }` bound.
 * - Every component takes a child: `childLogger(root, 'replica-manager')` binds `{ component }`.
 * - Partitions are logged as `tp: tpKey(tp)`; record payloads are never logged.
 */
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LoggerOptions {
  /** default: env GREGOR_LOG_LEVEL, else 'info' */
  level?: LogLevel;
  brokerId?: number;
  /** default: stdout */
  destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? (process.env.GREGOR_LOG_LEVEL as LogLevel | undefined) ?? 'info';
  const base: Record<string, unknown> = { pid: process.pid };
  if (opts.brokerId !== undefined) base.brokerId = opts.brokerId;
  const options = { level, base, timestamp: pino.stdTimeFunctions.isoTime };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** A logger that discards everything (tests and tools that need a Logger but no output). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** The component child logger: `{ component, ...bindings }` on every record. */
export function childLogger(parent: Logger, component: string, bindings: Record<string, unknown> = {}): Logger {
  return parent.child({ component, ...bindings });
}
