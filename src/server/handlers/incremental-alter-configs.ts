/**
 * IncrementalAlterConfigs (key 44), versions 0–1 (KIP-339).
 * Behaviour (Kafka 2.7 AdminManager.incrementalAlterConfigs), per resource:
 * - a config name given twice → INVALID_REQUEST "Error due to duplicate config keys : <names>";
 *   a null value with an operation other than DELETE → INVALID_REQUEST; an operation id outside
 *   0–3 → INVALID_REQUEST;
 * - TOPIC: the stored overrides (`/config/topics/<t>`) are edited: SET (0) sets, DELETE (1) removes,
 *   APPEND (2) / SUBTRACT (3) add or remove comma-separated items of a LIST config, starting from
 *   the override or else the default (non-list key → INVALID_REQUEST, unknown key →
 *   INVALID_CONFIG); the result is then validated and stored exactly as AlterConfigs does
 *   (config + `/config/changes` notification; validateOnly writes nothing);
 * - BROKER: the same on `/config/brokers/<id|<default>>`, validated as AlterConfigs does;
 * - BROKER_LOGGER: name "" or this broker's id; SET of a logger this broker has (`root`) to one of
 *   FATAL, ERROR, WARN, INFO, DEBUG, TRACE changes its level (unknown logger or level →
 *   INVALID_REQUEST, Kafka's ConfigException); DELETE of `root` → INVALID_REQUEST; APPEND/SUBTRACT
 *   → INVALID_REQUEST;
 * - any other type → INVALID_REQUEST.
 * Deviations from Kafka:
 * - APPEND/SUBTRACT on an unknown key answer INVALID_CONFIG (2.7 fails with an unexpected
 *   NoSuchElementException, UNKNOWN_SERVER_ERROR); the list default of a topic key is the broker's
 *   (e.g. log.cleanup.policy), not LogConfig's static one;
 * - a logger level change applies to the broker's root pino logger; component loggers created
 *   before keep their level (pino children do not follow their parent).
 * Authorization: ALTER_CONFIGS on the cluster (BROKER, BROKER_LOGGER) or the topic (TOPIC), else
 * CLUSTER_AUTHORIZATION_FAILED / TOPIC_AUTHORIZATION_FAILED for that resource.
 */
import { KafkaError } from '../../common/errors.js';
import { brokerConfigKey, isBrokerConfigName } from '../../config/broker-config.js';
import type { LogLevel } from '../../common/logger.js';
import { TOPIC_CONFIG_KEYS, isTopicConfigName } from '../../config/topic-config.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import {
  ConfigOperation,
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponse,
} from '../../protocol/messages/incremental-alter-configs.js';
import type { MessageValue } from '../../protocol/schema.js';
import { DEFAULT_CONFIG_ENTITY } from '../../zk/znodes.js';
import type { BrokerDeps } from '../broker-deps.js';
import { defineHandler, type Handler } from '../handler.js';
import {
  alterBrokerConfigOrThrow,
  alterConfigsErrorResponse,
  alterEachResource,
  alterTopicConfigOrThrow,
  brokerResourceIdOrThrow,
  invalidValue,
  unsupportedResourceType,
} from './alter-configs.js';
import { ResourceType, log4jLevel } from './describe-configs.js';

type Resource = MessageValue<typeof IncrementalAlterConfigsRequest>['resources'][number];
type Op = Resource['configs'][number];

const OP_NAMES: Record<number, string> = { 0: 'SET', 1: 'DELETE', 2: 'APPEND', 3: 'SUBTRACT' };
const LOG4J_TO_PINO: Record<string, LogLevel> = { FATAL: 'fatal', ERROR: 'error', WARN: 'warn', INFO: 'info', DEBUG: 'debug', TRACE: 'trace' };

const invalidRequest = (message: string) => new KafkaError(ErrorCode.InvalidRequest, message);

/** The key's type and list default, or null when the key is unknown. */
interface KeyInfo {
  isList: boolean;
  listDefault: string;
}

/** AdminManager.prepareIncrementalConfigs: applies the operations to `props` in place. */
function applyOps(
  props: Record<string, string>,
  ops: readonly Op[],
  kind: 'topic' | 'broker',
  keyInfo: (name: string) => KeyInfo | null,
): void {
  for (const op of ops) {
    if (op.configOperation === ConfigOperation.Set) props[op.name] = op.value as string;
    else if (op.configOperation === ConfigOperation.Delete) delete props[op.name];
    else {
      const verb = op.configOperation === ConfigOperation.Append ? 'append' : 'subtract';
      const info = keyInfo(op.name);
      if (info === null) throw new KafkaError(ErrorCode.InvalidConfig, `Unknown ${kind} config name: ${op.name}`);
      if (!info.isList) throw invalidRequest(`Config value ${verb} is not allowed for config key: ${op.name}`);
      const old = (props[op.name] ?? info.listDefault).split(',').filter((s) => s !== '');
      const items = (op.value as string).split(',');
      const next = verb === 'append' ? [...old, ...items] : old.filter((s) => !items.includes(s));
      props[op.name] = next.join(',');
    }
  }
}

export function createIncrementalAlterConfigsHandler(deps: BrokerDeps): Handler {
  const topicKeyInfo = (name: string): KeyInfo | null => {
    if (!isTopicConfigName(name)) return null;
    return { isList: TOPIC_CONFIG_KEYS[name].type === 'list', listDefault: deps.config.topicDefaults().get(name) ?? '' };
  };
  const brokerKeyInfo = (name: string): KeyInfo | null => {
    if (!isBrokerConfigName(name)) return null;
    const key = brokerConfigKey(name);
    return { isList: key.type === 'list', listDefault: key.default ?? '' };
  };

  function alterLoggersOrThrow(r: Resource, validateOnly: boolean): void {
    brokerResourceIdOrThrow(deps, r.resourceName);
    const configException = (message: string) => invalidValue(r.resourceType, r.resourceName, message);
    let level: LogLevel | undefined;
    for (const op of r.configs) {
      const opName = OP_NAMES[op.configOperation] ?? String(op.configOperation);
      if (op.configOperation === ConfigOperation.Append || op.configOperation === ConfigOperation.Subtract) {
        throw invalidRequest(`${opName} operation is not allowed for the BROKER_LOGGER resource`);
      }
      if (op.name !== 'root') throw configException(`Logger ${op.name} does not exist!`);
      if (op.configOperation === ConfigOperation.Delete) throw invalidRequest('Removing the log level of the root logger is not allowed');
      level = LOG4J_TO_PINO[op.value ?? ''];
      if (level === undefined) {
        throw configException(
          `Cannot set the log level of ${op.name} to ${op.value} as it is not a supported log level. ` +
            `Valid log levels are ${Object.keys(LOG4J_TO_PINO).join(', ')}`,
        );
      }
    }
    if (validateOnly || level === undefined) return;
    deps.log.info({ from: log4jLevel(deps.log.level), to: log4jLevel(level) }, 'root log level changed');
    deps.log.level = level;
  }

  async function alterOrThrow(r: Resource, validateOnly: boolean): Promise<void> {
    const names = r.configs.map((c) => c.name);
    const dupes = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
    if (dupes.length > 0) throw invalidRequest(`Error due to duplicate config keys : ${dupes.join(',')}`);
    const bad = r.configs.filter((c) => OP_NAMES[c.configOperation] === undefined);
    if (bad.length > 0) throw invalidRequest(`Unknown config operation ${bad[0]?.configOperation} for ${bad[0]?.name}`);
    const nulls = r.configs.filter((c) => c.value === null && c.configOperation !== ConfigOperation.Delete);
    if (nulls.length > 0) {
      throw invalidRequest(`Null value not supported for : ${nulls.map((c) => `${OP_NAMES[c.configOperation]}:${c.name}`).join(',')}`);
    }
    switch (r.resourceType) {
      case ResourceType.Topic: {
        const props = await deps.zk.getTopicConfig(r.resourceName);
        applyOps(props, r.configs, 'topic', topicKeyInfo);
        await alterTopicConfigOrThrow(deps, r.resourceName, props, validateOnly);
        break;
      }
      case ResourceType.Broker: {
        const id = brokerResourceIdOrThrow(deps, r.resourceName);
        const props = await deps.zk.getBrokerConfig(id ?? DEFAULT_CONFIG_ENTITY);
        applyOps(props, r.configs, 'broker', brokerKeyInfo);
        await alterBrokerConfigOrThrow(deps, r.resourceName, props, validateOnly);
        break;
      }
      case ResourceType.BrokerLogger:
        alterLoggersOrThrow(r, validateOnly);
        break;
      default:
        throw unsupportedResourceType(r.resourceType);
    }
  }

  return defineHandler({
    request: IncrementalAlterConfigsRequest,
    response: IncrementalAlterConfigsResponse,
    versions: { min: 0, max: 1 },
    handle: (req, ctx) => alterEachResource(deps, ctx, req, alterOrThrow),
    errorResponse: alterConfigsErrorResponse,
  });
}
