/**
 * `gregor broker start <server.properties> [--override key=value]...` — kafka-server-start.sh.
 *
 * - Foreground; pino JSON log lines on stdout (one root logger with `brokerId` bound).
 * - Configuration problems (unreadable file, syntax, invalid values) are printed to stderr, each naming its
 *   key, and the exit code is 1 — before anything is started.
 * - SIGTERM/SIGINT → `broker.stop({ controlled: true })` (controlled shutdown, as Kafka's shutdown hook with
 *   controlled.shutdown.enable=true) → exit 0. Further signals during shutdown are ignored (SIGKILL forces).
 * - A failed startup is logged as Kafka does ("Fatal error during KafkaServer startup") and exits 1.
 */
import { LogEvent } from '../common/log-events.js';
import { createLogger, type Logger } from '../common/logger.js';
import { BrokerConfig } from '../config/broker-config.js';
import { ConfigError } from '../config/config-def.js';
import { PropertiesSyntaxError } from '../config/properties.js';

export const BROKER_START_USAGE = 'USAGE: gregor broker start server.properties [--override property=value]*';

/** Loads and validates the configuration; prints the problem and returns null when it is unusable. */
export function loadConfigOrReport(propsPath: string, overrides: readonly string[]): BrokerConfig | null {
  try {
    return BrokerConfig.load(propsPath, overrides);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
      process.stderr.write(`gregor: cannot read ${propsPath}: ${(err as Error).message}\n${BROKER_START_USAGE}\n`);
      return null;
    }
    if (err instanceof ConfigError || err instanceof PropertiesSyntaxError) {
      process.stderr.write(`gregor: invalid broker configuration (${propsPath}):\n${indent(err.message)}\n`);
      return null;
    }
    throw err;
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

export async function runBrokerStart(propsPath: string, overrides: readonly string[]): Promise<number> {
  const config = loadConfigOrReport(propsPath, overrides);
  if (!config) return 1;

  // The same root logger the Broker makes by default: `brokerId` bound when configured (not when generated).
  const logger: Logger = createLogger(config.brokerId >= 0 ? { brokerId: config.brokerId } : {});
  for (const warning of config.warnings) logger.warn({ config: propsPath }, warning);

  // Signals are taken from here on: one asks for an orderly shutdown, a second one gives up.
  let requested: NodeJS.Signals | undefined;
  let wake: () => void = () => {};
  const shutdownRequested = new Promise<void>((resolve) => (wake = resolve));
  const onSignal = (signal: NodeJS.Signals): void => {
    if (requested) {
      // As the JVM does while its shutdown hook runs: later signals change nothing (SIGKILL forces).
      logger.info({ signal }, 'already shutting down');
      return;
    }
    requested = signal;
    logger.info({ signal }, 'shutting down (controlled shutdown)');
    wake();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  const { Broker } = await import('../broker.js');
  // Exit.halt: no shutdown hooks, the exit code says the broker died (every log dir failed)
  const broker = new Broker(config, { logger, halt: (code) => process.exit(code) });
  try {
    await broker.start();
  } catch (err) {
    logger.fatal({ event: LogEvent.BrokerStartFailed, err }, 'Fatal error during KafkaServer startup. Prepare to shutdown');
    await broker.stop({ controlled: false }).catch((stopErr: unknown) => {
      logger.error({ err: stopErr }, 'error while shutting down after a failed startup');
    });
    return 1;
  }

  await shutdownRequested;
  try {
    await broker.stop({ controlled: true });
  } catch (err) {
    logger.error({ err }, 'error during shutdown');
    return 1;
  }
  return 0;
}
