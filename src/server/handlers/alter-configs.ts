/**
 * AlterConfigs (key 33), versions 0–1.
 * Behaviour (Kafka 2.7 AdminManager.alterConfigs), per resource; the resource's dynamic configs
 * become exactly the given ones (full replacement):
 * - a null value → INVALID_REQUEST "Null value not supported for : <names>";
 * - TOPIC: not in the metadata cache → UNKNOWN_TOPIC_OR_PARTITION; bad name →
 *   INVALID_TOPIC_EXCEPTION; unknown config name or min/max compaction lag conflict →
 *   INVALID_CONFIG; a bad value → INVALID_REQUEST "Invalid config value for resource ...";
 *   unless validateOnly, `/config/topics/<t>` is rewritten and `/config/changes/config_change_<seq>`
 *   posted (every broker's config-change watcher then re-reads the topic and updates its logs);
 * - BROKER: name "" = the cluster default (`/config/brokers/<default>`), else it must be this
 *   broker's id (INVALID_REQUEST otherwise); keys Kafka cannot change dynamically → INVALID_REQUEST
 *   "Cannot update these configs dynamically: Set(...)"; values of known keys are type- and
 *   range-checked (INVALID_REQUEST); unknown keys are stored as given, as Kafka does; unless
 *   validateOnly, `/config/brokers/<id|<default>>` is rewritten and a change notification posted;
 * - BROKER_LOGGER or any other type → INVALID_REQUEST (AlterConfigs only handles topics and
 *   brokers; loggers are IncrementalAlterConfigs').
 * Deviations from Kafka:
 * - the password-typed keys (ssl.*.password, inline PEM keys, sasl.jaas.config) are not dynamic in
 *   gregor, so no value is ever stored encrypted with `password.encoder.secret`;
 * - the per-broker-only check at the default entity (listener and security configs) is not made;
 * - a broker applies at runtime the keys it has a use for (the topic defaults, unclean leader
 *   election, the log cleaner's keys); the others it keeps (DescribeConfigs shows them) and applies at
 *   its next start;
 * - no AlterConfigPolicy.
 * Authorization: ALTER_CONFIGS on the cluster (BROKER) or the topic (TOPIC), else
 * CLUSTER_AUTHORIZATION_FAILED / TOPIC_AUTHORIZATION_FAILED for that resource.
 */
import { KafkaError } from '../../common/errors.js';
import { validateTopicName } from '../../common/topic-partition.js';
import { brokerConfigKey, isBrokerConfigName, type BrokerConfig } from '../../config/broker-config.js';
import { cleanerConfigFromBroker } from '../../log/cleaner/cleaner-config.js';
import { cleanerReconfigurationError } from '../../log/cleaner/log-cleaner.js';
import { ConfigError, parseAndValidate } from '../../config/config-def.js';
import { topicConfigErrorCode, validateTopicConfigs } from '../../config/topic-config.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { AlterConfigsRequest, AlterConfigsResponse } from '../../protocol/messages/alter-configs.js';
import type { MessageValue } from '../../protocol/schema.js';
import { DEFAULT_CONFIG_ENTITY } from '../../zk/znodes.js';
import type { BrokerDeps } from '../broker-deps.js';
import { API_ERROR_NONE, toApiError, type ApiError } from '../delayed-admin.js';
import { defineHandler, type Handler } from '../handler.js';
import { ResourceType, configAuthorizationError, describeResource, resourceNameToBrokerId, resourceTypeName } from './describe-configs.js';
import { AclOperation } from '../../common/acl.js';
import type { RequestContext } from '../request-context.js';

type Resource = MessageValue<typeof AlterConfigsRequest>['resources'][number];

/** A ConfigException of Kafka's, answered INVALID_REQUEST with the resource named. */
export function invalidValue(type: number, name: string, message: string): KafkaError {
  return new KafkaError(ErrorCode.InvalidRequest, `Invalid config value for resource ${describeResource(type, name)}: ${message}`);
}

/** AdminManager.alterTopicConfigs: validate `props` as the topic's whole override set and store it. */
export async function alterTopicConfigOrThrow(
  deps: BrokerDeps,
  topic: string,
  props: Record<string, string>,
  validateOnly: boolean,
): Promise<void> {
  if (!deps.metadataCache.hasTopic(topic)) throw new KafkaError(ErrorCode.UnknownTopicOrPartition, `The topic '${topic}' does not exist.`);
  validateTopicName(topic);
  const problems = validateTopicConfigs(props);
  // LogConfig.validate's order: names first, then values, then the cross-key conflict
  const first = problems.find((p) => p.kind === 'unknown-name') ?? problems.find((p) => p.kind === 'invalid-value') ?? problems[0];
  if (first) {
    const code = topicConfigErrorCode('AlterConfigs', first);
    throw code === ErrorCode.InvalidRequest
      ? invalidValue(ResourceType.Topic, topic, first.message)
      : new KafkaError(code, first.message);
  }
  if (validateOnly) return;
  await deps.zk.changeTopicConfig(topic, props);
  deps.log.info({ topic, config: props }, 'topic config updated');
}

/** The broker id a BROKER resource names: null for the cluster default (""), else this broker's. */
export function brokerResourceIdOrThrow(deps: BrokerDeps, name: string): number | null {
  if (name === '') return null;
  const id = resourceNameToBrokerId(name);
  if (id !== deps.brokerId) throw new KafkaError(ErrorCode.InvalidRequest, `Unexpected broker id, expected ${deps.brokerId}, but received ${name}`);
  return id;
}

/** AdminManager.alterBrokerConfigs: validate `props` as the entity's whole dynamic set and store it. */
export async function alterBrokerConfigOrThrow(
  deps: BrokerDeps,
  name: string,
  props: Record<string, string>,
  validateOnly: boolean,
): Promise<void> {
  const id = brokerResourceIdOrThrow(deps, name);
  const keys = Object.keys(props);
  const nonDynamic = keys.filter((k) => isBrokerConfigName(k) && !brokerConfigKey(k).dynamic);
  if (nonDynamic.length > 0) throw invalidValue(ResourceType.Broker, name, `Cannot update these configs dynamically: Set(${nonDynamic.join(', ')})`);
  for (const k of keys) {
    if (!isBrokerConfigName(k)) continue;
    const parsed = parseAndValidate(k, brokerConfigKey(k), props[k] ?? '');
    if ('error' in parsed) throw invalidValue(ResourceType.Broker, name, parsed.error);
  }
  // The whole configuration must still be valid with the new layer (KafkaConfig.validateValues: e.g. the
  // cleaner's dedupe buffer per thread, replica fetch wait vs socket timeout).
  const layer = new Map(Object.entries(props));
  let next: BrokerConfig;
  try {
    next = deps.config.withDynamicConfigs(
      id === null ? { clusterDefault: layer, perBroker: deps.config.dynamicBroker } : { clusterDefault: deps.config.dynamicDefault, perBroker: layer },
    );
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw invalidValue(ResourceType.Broker, name, err.errors.join('; '));
  }
  // The reconfigurable parts' own checks (Kafka's Reconfigurable.validateReconfiguration)
  const cleanerError = cleanerReconfigurationError(cleanerConfigFromBroker(deps.config), cleanerConfigFromBroker(next));
  if (cleanerError) throw invalidValue(ResourceType.Broker, name, cleanerError);
  if (validateOnly) return;
  const entity = id === null ? DEFAULT_CONFIG_ENTITY : String(id);
  await deps.zk.changeEntityConfig('brokers', entity, props);
  deps.log.info({ entity, keys }, 'dynamic broker config updated');
}

/** The answer to a resource type neither AlterConfigs nor IncrementalAlterConfigs alters. */
export function unsupportedResourceType(type: number): KafkaError {
  return new KafkaError(ErrorCode.InvalidRequest, `AlterConfigs is only supported for topics and brokers, but resource type is ${resourceTypeName(type)}`);
}

// type aliases, not interfaces: the message tables' input types want an index signature
type ConfigResource = { resourceType: number; resourceName: string };
type AlterConfigsResult = { throttleTimeMs: number; responses: Array<ConfigResource & { errorCode: number; errorMessage: string | null }> };

/**
 * The response of both AlterConfigs and IncrementalAlterConfigs: each resource altered in turn by `alterOrThrow`,
 * answered with the error it threw (logged as `toApiError` does) or NONE.
 */
export async function alterEachResource<R extends ConfigResource>(
  deps: BrokerDeps,
  ctx: RequestContext,
  req: { resources: readonly R[]; validateOnly: boolean },
  alterOrThrow: (r: R, validateOnly: boolean) => Promise<void>,
): Promise<AlterConfigsResult> {
  const responses = [];
  for (const r of req.resources) {
    const denied = configAuthorizationError(ctx, r, AclOperation.AlterConfigs);
    if (denied !== null) {
      responses.push({ errorCode: denied, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName });
      continue;
    }
    let e: ApiError;
    try {
      await alterOrThrow(r, req.validateOnly);
      e = API_ERROR_NONE;
    } catch (err) {
      e = toApiError(err, deps.log, `altering ${describeResource(r.resourceType, r.resourceName)}`);
    }
    responses.push({ errorCode: e.code, errorMessage: e.message, resourceType: r.resourceType, resourceName: r.resourceName });
  }
  return { throttleTimeMs: 0, responses };
}

/** `code` for every resource (the errorResponse of both handlers). */
export function alterConfigsErrorResponse(req: { resources: readonly ConfigResource[] }, code: number): AlterConfigsResult {
  return {
    throttleTimeMs: 0,
    responses: req.resources.map((r) => ({ errorCode: code, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName })),
  };
}

export function createAlterConfigsHandler(deps: BrokerDeps): Handler {
  async function alterOrThrow(r: Resource, validateOnly: boolean): Promise<void> {
    const nulls = r.configs.filter((c) => c.value === null).map((c) => c.name);
    if (nulls.length > 0) throw new KafkaError(ErrorCode.InvalidRequest, `Null value not supported for : ${nulls.join(',')}`);
    const props = Object.fromEntries(r.configs.map((c) => [c.name, c.value as string]));
    if (r.resourceType === ResourceType.Topic) await alterTopicConfigOrThrow(deps, r.resourceName, props, validateOnly);
    else if (r.resourceType === ResourceType.Broker) await alterBrokerConfigOrThrow(deps, r.resourceName, props, validateOnly);
    else throw unsupportedResourceType(r.resourceType);
  }

  return defineHandler({
    request: AlterConfigsRequest,
    response: AlterConfigsResponse,
    versions: { min: 0, max: 1 },
    handle: (req, ctx) => alterEachResource(deps, ctx, req, alterOrThrow),
    errorResponse: alterConfigsErrorResponse,
  });
}
