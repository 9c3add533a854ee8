/**
 * DescribeConfigs (key 32), versions 0–3.
 * Behaviour (Kafka 2.7 AdminManager.describeConfigs), per resource:
 * - TOPIC (2): name validated (INVALID_TOPIC_EXCEPTION); not in the metadata cache →
 *   UNKNOWN_TOPIC_OR_PARTITION; else every topic config (`describeTopicConfig`) with the overrides
 *   read from `/config/topics/<t>`: source TOPIC_CONFIG for overrides, else the broker synonym's
 *   layer, else DEFAULT_CONFIG;
 * - BROKER (4): name "" = the cluster-wide dynamic defaults (only the keys set there); name = this
 *   broker's id = every broker config (`BrokerConfig.describe`); a non-numeric name or another id →
 *   INVALID_REQUEST with Kafka's message;
 * - BROKER_LOGGER (8): the name must be this broker's id (INVALID_REQUEST otherwise, "" included);
 *   answers the loggers this broker has: `root` with its level in log4j spelling, source
 *   DYNAMIC_BROKER_LOGGER_CONFIG;
 * - any other type → INVALID_REQUEST "Unsupported resource type";
 * - configurationKeys null (or empty) = all; synonyms only with includeSynonyms (v1+);
 *   configType and documentation (with includeDocumentation) are v3; v0 gets isDefault instead of
 *   configSource (the codec writes whichever the version has).
 * Deviations from Kafka:
 * - configurationKeys match names exactly (2.7 keeps a config when its name is a substring of
 *   every requested key, which drops everything when two keys are asked for);
 * - gregor logs through one pino logger, so `root` is the only BROKER_LOGGER entry;
 * - authorization (KafkaApis 2.7): DESCRIBE_CONFIGS on the cluster for BROKER and BROKER_LOGGER
 *   resources (else CLUSTER_AUTHORIZATION_FAILED), on the topic for TOPIC ones (else
 *   TOPIC_AUTHORIZATION_FAILED), checked before anything else about the resource.
 */
import { KafkaError } from '../../common/errors.js';
import { AclOperation, AclResourceType, CLUSTER_NAME } from '../../common/acl.js';
import type { RequestContext } from '../request-context.js';
import { validateTopicName } from '../../common/topic-partition.js';
import { ConfigSource, type DescribedConfig } from '../../config/config-def.js';
import { describeTopicConfig } from '../../config/topic-config.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { DescribeConfigsRequest, DescribeConfigsResponse } from '../../protocol/messages/describe-configs.js';
import type { MessageValue } from '../../protocol/schema.js';
import type { BrokerDeps } from '../broker-deps.js';
import { toApiError } from '../delayed-admin.js';
import { defineHandler, type Handler } from '../handler.js';

/** ConfigResource.Type ids. */
export const ResourceType = { Topic: 2, Broker: 4, BrokerLogger: 8 } as const;

const RESOURCE_TYPE_NAMES: Record<number, string> = { 2: 'TOPIC', 4: 'BROKER', 8: 'BROKER_LOGGER' };

export function resourceTypeName(type: number): string {
  return RESOURCE_TYPE_NAMES[type] ?? 'UNKNOWN';
}

/** Kafka's `ConfigResource.toString`, used in error messages. */
export function describeResource(type: number, name: string): string {
  return `ConfigResource(type=${resourceTypeName(type)}, name='${name}')`;
}

/**
 * KafkaApis' config authorization: BROKER and BROKER_LOGGER resources need `operation` on the
 * cluster, TOPIC resources on the topic; the error when denied, null when allowed (other resource
 * types are refused later, as unsupported).
 */
export function configAuthorizationError(ctx: RequestContext, r: { resourceType: number; resourceName: string }, operation: number): ErrorCode | null {
  if (r.resourceType === ResourceType.Topic) {
    return ctx.authorize(operation, AclResourceType.Topic, r.resourceName) ? null : ErrorCode.TopicAuthorizationFailed;
  }
  if (r.resourceType === ResourceType.Broker || r.resourceType === ResourceType.BrokerLogger) {
    return ctx.authorize(operation, AclResourceType.Cluster, CLUSTER_NAME) ? null : ErrorCode.ClusterAuthorizationFailed;
  }
  return null;
}

/** AdminManager.resourceNameToBrokerId. */
export function resourceNameToBrokerId(name: string): number {
  const id = /^-?\d+$/.test(name) ? Number(name) : NaN;
  if (!Number.isSafeInteger(id)) throw new KafkaError(ErrorCode.InvalidRequest, `Broker id must be an integer, but it is: ${name}`);
  return id;
}

/** pino level → log4j level name (what Kafka's Log4jController reports). */
export function log4jLevel(pinoLevel: string): string {
  const map: Record<string, string> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'FATAL', silent: 'OFF' };
  return map[pinoLevel] ?? pinoLevel.toUpperCase();
}

type Resource = MessageValue<typeof DescribeConfigsRequest>['resources'][number];

export function createDescribeConfigsHandler(deps: BrokerDeps): Handler {
  async function describeOrThrow(r: Resource, includeSynonyms: boolean, includeDocumentation: boolean): Promise<DescribedConfig[]> {
    const names = r.configurationKeys;
    switch (r.resourceType) {
      case ResourceType.Topic: {
        validateTopicName(r.resourceName);
        if (!deps.metadataCache.hasTopic(r.resourceName)) {
          throw new KafkaError(ErrorCode.UnknownTopicOrPartition, `Topic ${r.resourceName} does not exist`);
        }
        const overrides = await deps.zk.getTopicConfig(r.resourceName);
        return describeTopicConfig(deps.config, overrides, { includeSynonyms, includeDocumentation, names });
      }
      case ResourceType.Broker: {
        if (r.resourceName === '') return deps.config.describe({ perBroker: false, includeSynonyms, includeDocumentation, names });
        if (resourceNameToBrokerId(r.resourceName) !== deps.brokerId) {
          throw new KafkaError(
            ErrorCode.InvalidRequest,
            `Unexpected broker id, expected ${deps.brokerId} or empty string, but received ${r.resourceName}`,
          );
        }
        return deps.config.describe({ perBroker: true, includeSynonyms, includeDocumentation, names });
      }
      case ResourceType.BrokerLogger: {
        if (r.resourceName === '') throw new KafkaError(ErrorCode.InvalidRequest, 'Broker id must not be empty');
        if (resourceNameToBrokerId(r.resourceName) !== deps.brokerId) {
          throw new KafkaError(ErrorCode.InvalidRequest, `Unexpected broker id, expected ${deps.brokerId} but received ${r.resourceName}`);
        }
        const loggers = [{ name: 'root', level: log4jLevel(deps.log.level) }];
        return loggers
          .filter((l) => !names || names.length === 0 || names.includes(l.name))
          .map((l) => ({
            name: l.name,
            value: l.level,
            readOnly: false,
            isDefault: false,
            configSource: ConfigSource.DynamicBrokerLoggerConfig,
            isSensitive: false,
            synonyms: [],
            configType: 0,
            documentation: null,
          }));
      }
      default:
        throw new KafkaError(ErrorCode.InvalidRequest, `Unsupported resource type: ${resourceTypeName(r.resourceType)}`);
    }
  }

  return defineHandler({
    request: DescribeConfigsRequest,
    response: DescribeConfigsResponse,
    versions: { min: 0, max: 3 },
    async handle(req, ctx) {
      const results = [];
      for (const r of req.resources) {
        const head = { resourceType: r.resourceType, resourceName: r.resourceName };
        const denied = configAuthorizationError(ctx, r, AclOperation.DescribeConfigs);
        if (denied !== null) {
          // Kafka sends the error's default message here.
          const errorMessage = denied === ErrorCode.TopicAuthorizationFailed ? 'Topic authorization failed.' : 'Cluster authorization failed.';
          results.push({ ...head, errorCode: denied, errorMessage, configs: [] });
          continue;
        }
        try {
          const configs = await describeOrThrow(r, req.includeSynonyms, req.includeDocumentation);
          results.push({ ...head, errorCode: ErrorCode.None, errorMessage: null, configs });
        } catch (err) {
          const e = toApiError(err, deps.log, `describing ${describeResource(r.resourceType, r.resourceName)}`);
          results.push({ ...head, errorCode: e.code, errorMessage: e.message, configs: [] });
        }
      }
      return { throttleTimeMs: 0, results };
    },
    errorResponse: (req, code) => ({
      throttleTimeMs: 0,
      results: req.resources.map((r) => ({
        errorCode: code,
        errorMessage: null,
        resourceType: r.resourceType,
        resourceName: r.resourceName,
        configs: [],
      })),
    }),
  });
}
