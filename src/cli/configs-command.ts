/**
 * `gregor configs`: Kafka 2.7's kafka-configs.sh (ConfigCommand).
 *
 * Entities: `--entity-type topics|brokers|users|clients|broker-loggers` with `--entity-name` or
 * `--entity-default`, or the shortcuts `--topic`, `--broker`, `--broker-defaults`, `--user`,
 * `--client`, `--broker-logger`. Actions: `--describe [--all]`, `--alter --add-config k=v,k2=[a,b]
 * --delete-config k1,k2`.
 *
 * With --bootstrap-server (the admin API, as 2.7):
 * - describe prints `Dynamic configs for topic foo are:` (`All configs ...` with --all; brokers
 *   without a name: each broker, then `Default configs for brokers in the cluster are:`) and one
 *   `  k=v sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:k=v, ...}` line per entry, sorted by name;
 * - topics and broker-loggers are altered with IncrementalAlterConfigs, brokers with AlterConfigs of
 *   the whole dynamic set (Kafka's choice), then `Completed updating config for topic foo.` /
 *   `Completed updating default config for brokers in the cluster.`;
 * - users: SCRAM credentials through Describe/AlterUserScramCredentials (`SCRAM credential configs
 *   for user-principal 'u' are SCRAM-SHA-256=iterations=4096`; `Completed updating config for user
 *   u.`); quotas (users and clients) need DescribeClientQuotas/AlterClientQuotas, which this broker
 *   does not serve: the error says so.
 * With --zookeeper (pre-2.8), after 2.7's deprecation warning: `/config/<type>/<name>` is read or
 * rewritten with a change notification (`Configs for topic 'foo' are k=v,...` /
 * `Completed updating config for entity: topic 'foo'.`); for users, `SCRAM-SHA-256=[iterations=N,
 * password=p]` is stored as Kafka stores a credential (salt, stored_key, server_key, iterations);
 * user and client names are URL-sanitized in the znode name (`/config/users/a%40b`), as Kafka does.
 */
import { readFile } from 'node:fs/promises';
import { ConfigResourceType, describeConfigs, listTopics, type DescribedConfigEntry } from '../client/admin.js';
import { ApiError, throwIfError } from '../client/errors.js';
import type { KafkaClient } from '../client/kafka-client.js';
import { validateTopicName } from '../common/topic-partition.js';
import { isTopicConfigName, validateTopicConfigs } from '../config/topic-config.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { AlterConfigsRequest, AlterConfigsResponse } from '../protocol/messages/alter-configs.js';
import { ConfigOperation, IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../protocol/messages/incremental-alter-configs.js';
import { parseProperties } from '../config/properties.js';
import type { KafkaZkClient } from '../zk/kafka-zk-client.js';
import { credentialToString, generateCredential, saltedPassword, scramMechanism, scramMechanismByType, secureRandomString } from '../security/sasl/scram.js';
import { AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse } from '../protocol/messages/alter-user-scram-credentials.js';
import { DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse } from '../protocol/messages/describe-user-scram-credentials.js';
import { desanitize, sanitize } from '../common/sanitizer.js';
import { DEFAULT_CONFIG_ENTITY, type ConfigEntityType } from '../zk/znodes.js';
import { adminClient, runTool, UsageError, zookeeperClient, type ToolIo } from './tool-runtime.js';

export interface ConfigsOptions {
  bootstrapServer?: string;
  /** --command-config: client properties (security.protocol, ssl.*, sasl.*) for --bootstrap-server */
  commandConfig?: string;
  zookeeper?: string;
  entityType?: string[];
  entityName?: string[];
  entityDefault?: boolean;
  topic?: string;
  broker?: string;
  brokerDefaults?: boolean;
  brokerLogger?: string;
  user?: string;
  client?: string;
  describe?: boolean;
  all?: boolean;
  alter?: boolean;
  addConfig?: string;
  addConfigFile?: string;
  deleteConfig?: string;
}

const ENTITY_TYPES = ['topics', 'brokers', 'users', 'clients', 'broker-loggers'] as const;
type EntityType = (typeof ENTITY_TYPES)[number];

/** Java's ConfigEntry.ConfigSource names of the wire ids. */
const SOURCE_NAMES: Record<number, string> = {
  0: 'UNKNOWN',
  1: 'DYNAMIC_TOPIC_CONFIG',
  2: 'DYNAMIC_BROKER_CONFIG',
  3: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
  4: 'STATIC_BROKER_CONFIG',
  5: 'DEFAULT_CONFIG',
  6: 'DYNAMIC_BROKER_LOGGER_CONFIG',
};

/** ConfigCommand.parseConfigsToBeAdded: commas separate entries except inside [...], which is unwrapped. */
export function parseConfigsToBeAdded(spec: string): Map<string, string> {
  const out = new Map<string, string>();
  if (spec.trim() === '') return out;
  for (const entry of spec.split(/,(?=[^\]]*(?:\[|$))/)) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new Error('Invalid entity config: all configs to be added must be in the format "key=val".');
    out.set(entry.slice(0, eq).trim(), entry.slice(eq + 1).trim().replace(/^\[(.*)\]$/, '$1'));
  }
  return out;
}

interface Entity {
  type: EntityType;
  /** null = all entities of the type (describe) ; '' = the default entity */
  name: string | null;
}

function entityOf(o: ConfigsOptions): Entity {
  const shortcuts: Array<[EntityType, string | null | undefined]> = [
    ['topics', o.topic],
    ['brokers', o.broker],
    ['brokers', o.brokerDefaults ? '' : undefined],
    ['broker-loggers', o.brokerLogger],
    ['users', o.user],
    ['clients', o.client],
  ];
  const given = shortcuts.filter(([, v]) => v !== undefined);
  if (given.length > 1 || (given.length === 1 && o.entityType?.length)) throw new UsageError('Only one entity type may be specified.');
  if (given[0]) return { type: given[0][0], name: given[0][1] as string };
  if (!o.entityType?.length) throw new UsageError('At least one of --entity-type or the --topic/--broker/--user/--client/--broker-logger shortcuts must be specified');
  if (o.entityType.length > 1) throw new UsageError('Only one entity type may be specified (user/client pairs are not supported here).');
  const type = o.entityType[0] as EntityType;
  if (!ENTITY_TYPES.includes(type)) throw new UsageError(`Invalid entity type ${type}, the entity type must be one of ${ENTITY_TYPES.join(', ')}`);
  if (o.entityDefault) return { type, name: '' };
  return { type, name: o.entityName?.[0] ?? null };
}

export async function runConfigs(o: ConfigsOptions, io: ToolIo): Promise<number> {
  return runTool(io, '', async () => {
    if ([o.describe, o.alter].filter(Boolean).length !== 1) throw new UsageError('Command must include exactly one action: --describe, --alter');
    if ([o.bootstrapServer, o.zookeeper].filter(Boolean).length !== 1) throw new UsageError('Only one of --bootstrap-server or --zookeeper must be specified');
    const entity = entityOf(o);
    if (o.alter && entity.name === null) throw new UsageError(`an entity name must be specified with --alter of ${entity.type}`);
    const added = parseConfigsToBeAdded(o.addConfig ?? '');
    if (o.addConfigFile) for (const [k, v] of parseProperties(await readFile(o.addConfigFile, 'utf8'))) added.set(k, v);
    const deleted = (o.deleteConfig ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (o.alter && added.size === 0 && deleted.length === 0) throw new UsageError('At least one of --add-config or --delete-config must be specified with --alter');
    if (o.zookeeper) {
      io.out('Warning: --zookeeper is deprecated and will be removed in a future version of Kafka.\n');
      io.out('Use --bootstrap-server instead to specify a broker to connect to.\n');
      const zk = await zookeeperClient(o.zookeeper);
      try {
        await zkConfigs(zk, entity, o, added, deleted, io);
      } finally {
        await zk.close();
      }
      return;
    }
    const client = adminClient(o, 'gregor-configs');
    try {
      if (entity.type === 'users') await usersAdmin(client, entity, o.describe === true, added, deleted, io);
      else if (o.describe) await describeAdmin(client, entity, o.all ?? false, io);
      else await alterAdmin(client, entity, added, deleted, io);
    } finally {
      await client.close();
    }
  });
}

function resourceOf(client: KafkaClient, e: Entity, name: string): { type: number; target: number | 'any' } {
  switch (e.type) {
    case 'topics':
      validateTopicName(name);
      return { type: ConfigResourceType.Topic, target: 'any' };
    case 'brokers':
    case 'broker-loggers': {
      if (name === '') return { type: e.type === 'brokers' ? ConfigResourceType.Broker : ConfigResourceType.BrokerLogger, target: 'any' };
      const id = Number(name);
      if (!/^\d+$/.test(name)) throw new Error(`The entity name for ${e.type} must be a valid integer broker id, found: ${name}`);
      if (!client.node(id)) throw new Error(`Broker ${id} is not available`);
      return { type: e.type === 'brokers' ? ConfigResourceType.Broker : ConfigResourceType.BrokerLogger, target: id };
    }
    default:
      throw new ApiError(
        ErrorCode.UnsupportedVersion,
        `The broker does not support DESCRIBE_CLIENT_QUOTAS: gregor does not serve the client quota APIs; use --zookeeper for ${e.type}`,
      );
  }
}

async function resourceConfig(client: KafkaClient, e: Entity, name: string, all: boolean): Promise<DescribedConfigEntry[]> {
  const r = resourceOf(client, e, name);
  const entries = (await describeConfigs(client, r.type, [name], r.target, { includeSynonyms: true })).get(name) ?? [];
  const wanted =
    all || e.type === 'broker-loggers' ? null : e.type === 'topics' ? 1 : name === '' ? 3 : 2; // DYNAMIC_TOPIC / _DEFAULT_BROKER / _BROKER
  return entries.filter((x) => wanted === null || x.configSource === wanted).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function describeAdmin(client: KafkaClient, e: Entity, all: boolean, io: ToolIo): Promise<void> {
  let names: string[];
  if (e.name !== null) {
    names = [e.name];
    if (e.type === 'brokers' || e.type === 'broker-loggers') await client.metadata([], 'describeCluster');
  } else if (e.type === 'topics') names = await listTopics(client);
  else if (e.type === 'brokers' || e.type === 'broker-loggers') names = [...(await client.metadata([], 'describeCluster')).brokers.map((b) => String(b.id)), ''];
  else names = [''];
  for (const name of names) {
    const entries = await resourceConfig(client, e, name, all);
    io.out(name === '' ? `Default configs for ${e.type} in the cluster are:\n` : `${all ? 'All' : 'Dynamic'} configs for ${e.type.slice(0, -1)} ${name} are:\n`);
    for (const x of entries) {
      const synonyms = x.synonyms.map((s) => `${SOURCE_NAMES[s.source] ?? 'UNKNOWN'}:${s.name}=${s.value}`).join(', ');
      io.out(`  ${x.name}=${x.value} sensitive=${x.isSensitive} synonyms={${synonyms}}\n`);
    }
  }
}

async function alterAdmin(client: KafkaClient, e: Entity, added: Map<string, string>, deleted: string[], io: ToolIo): Promise<void> {
  const name = e.name as string;
  if (e.type === 'brokers' || e.type === 'broker-loggers') await client.metadata([], 'describeCluster');
  const r = resourceOf(client, e, name);
  if (e.type === 'topics') {
    const old = new Set((await resourceConfig(client, e, name, false)).map((x) => x.name));
    const invalid = deleted.filter((k) => !old.has(k));
    if (invalid.length > 0) throw new Error(`Invalid config(s): ${invalid.join(',')}`);
  }
  if (e.type === 'brokers') {
    const old = new Map((await resourceConfig(client, e, name, false)).map((x) => [x.name, x.value]));
    const invalid = deleted.filter((k) => !old.has(k));
    if (invalid.length > 0) throw new Error(`Invalid config(s): ${invalid.join(',')}`);
    const next = new Map(old);
    for (const [k, v] of added) next.set(k, v);
    for (const k of deleted) next.delete(k);
    const sensitive = [...next].filter(([, v]) => v === null).map(([k]) => k);
    if (sensitive.length > 0) throw new Error(`All sensitive broker config entries must be specified for --alter, missing entries: Set(${sensitive.join(', ')})`);
    const res = await client.send({ request: AlterConfigsRequest, response: AlterConfigsResponse }, r.target, {
      resources: [{ resourceType: r.type, resourceName: name, configs: [...next].map(([n, value]) => ({ name: n, value })) }],
      validateOnly: false,
    }, { call: 'alterConfigs' });
    for (const x of res.responses) throwIfError(x.errorCode, x.errorMessage);
  } else {
    const res = await client.send({ request: IncrementalAlterConfigsRequest, response: IncrementalAlterConfigsResponse }, r.target, {
      resources: [
        {
          resourceType: r.type,
          resourceName: name,
          configs: [
            ...[...added].map(([n, value]) => ({ name: n, configOperation: ConfigOperation.Set, value })),
            ...deleted.map((n) => ({ name: n, configOperation: ConfigOperation.Delete, value: null })),
          ],
        },
      ],
      validateOnly: false,
    }, { call: 'incrementalAlterConfigs' });
    for (const x of res.responses) throwIfError(x.errorCode, x.errorMessage);
  }
  io.out(name === '' ? `Completed updating default config for ${e.type} in the cluster.\n` : `Completed updating config for ${e.type.slice(0, -1)} ${name}.\n`);
}

// ------------------------------------------------------------------------------------------ users over the admin API

const QUOTA_KEYS = new Set(['producer_byte_rate', 'consumer_byte_rate', 'request_percentage', 'controller_mutation_rate']);
const QUOTAS_UNSERVED = 'gregor does not serve the client quota APIs (DescribeClientQuotas / AlterClientQuotas); use --zookeeper for quota configs';

/**
 * ConfigCommand 2.7 for users with --bootstrap-server (KIP-554): SCRAM credentials through
 * DescribeUserScramCredentials (`SCRAM credential configs for user-principal 'u' are
 * SCRAM-SHA-256=iterations=4096, ...`) and AlterUserScramCredentials (to the controller; the salt
 * and the salted password are computed here, as the Java admin client does). Quota configs need
 * the client quota APIs, which gregor does not serve.
 */
async function usersAdmin(client: KafkaClient, e: Entity, describe: boolean, added: Map<string, string>, deleted: string[], io: ToolIo): Promise<void> {
  if (describe) {
    if (e.name === '') return; // the default user has quotas only
    const res = await client.send({ request: DescribeUserScramCredentialsRequest, response: DescribeUserScramCredentialsResponse }, 'any', {
      users: e.name === null ? null : [{ name: e.name }],
    });
    throwIfError(res.errorCode, res.errorMessage);
    for (const r of res.results) {
      if (r.errorCode !== ErrorCode.None) {
        io.out(`Error retrieving SCRAM credential configs for user-principal '${r.user}': ${errorClassName(r.errorCode)}: ${r.errorMessage ?? ''}\n`);
        continue;
      }
      const text = r.credentialInfos.map((c) => `${scramMechanismByType(c.mechanism)?.name ?? 'UNKNOWN'}=iterations=${c.iterations}`).join(', ');
      io.out(`SCRAM credential configs for user-principal '${r.user}' are ${text}\n`);
    }
    return;
  }
  const name = e.name as string;
  const unknownAdded = [...added.keys()].filter((k) => !scramMechanism(k) && !QUOTA_KEYS.has(k));
  if (unknownAdded.length > 0) throw new Error(`Only quota and SCRAM credential configs can be added for 'users' using --bootstrap-server. Unexpected config names: Set(${unknownAdded.join(', ')})`);
  const unknownDeleted = deleted.filter((k) => !scramMechanism(k) && !QUOTA_KEYS.has(k));
  if (unknownDeleted.length > 0) throw new Error(`Only quota and SCRAM credential configs can be deleted for 'users' using --bootstrap-server. Unexpected config names: ${unknownDeleted.join(', ')}`);
  const quotas = [...added.keys(), ...deleted].some((k) => QUOTA_KEYS.has(k));
  const scram = [...added.keys(), ...deleted].some((k) => scramMechanism(k));
  if (scram && name === '') throw new Error('The use of --entity-default or --user-defaults is not allowed with User SCRAM Credentials using --bootstrap-server.');
  if (scram && quotas) throw new Error("Cannot alter both quota and SCRAM credential configs simultaneously for 'users' using --bootstrap-server.");
  if (quotas) throw new ApiError(ErrorCode.UnsupportedVersion, QUOTAS_UNSERVED);
  const upsertions = [...added].map(([mechanismName, spec]) => {
    const m = scramMechanism(mechanismName)!;
    const match = /^(?:iterations=(-?[0-9]*),)?password=(.*)$/s.exec(spec);
    if (!match) throw new Error(`Invalid credential property ${mechanismName}=${spec}`);
    const iterations = match[1] !== undefined && match[1] !== '-1' ? Number(match[1]) : m.minIterations;
    if (!(iterations >= m.minIterations)) throw new Error(`Iterations ${iterations} is less than the minimum ${m.minIterations} required for ${mechanismName}`);
    const salt = Buffer.from(secureRandomString()); // as the Java admin client (ScramFormatter.secureRandomBytes)
    return { name, mechanism: m.type, iterations, salt, saltedPassword: saltedPassword(m, match[2]!, salt, iterations) };
  });
  const res = await client.send({ request: AlterUserScramCredentialsRequest, response: AlterUserScramCredentialsResponse }, 'controller', {
    deletions: deleted.map((mechanismName) => ({ name, mechanism: scramMechanism(mechanismName)!.type })),
    upsertions,
  });
  for (const r of res.results) throwIfError(r.errorCode, r.errorMessage);
  io.out(`Completed updating config for user ${name}.\n`);
}

/** The Java exception class ConfigCommand prints for a per-user error. */
function errorClassName(code: number): string {
  return code === ErrorCode.ResourceNotFound ? 'ResourceNotFoundException' : code === ErrorCode.DuplicateResource ? 'DuplicateResourceException' : 'ApiException';
}

// ------------------------------------------------------------------------------------------ ZooKeeper mode

/**
 * Kafka's ScramCredentialUtils.credentialToString of a new credential for `password` (ConfigCommand:
 * `[iterations=N,]password=P`, 4096 iterations by default), through the broker's own SCRAM code.
 */
export function scramCredential(mechanism: string, spec: string): string {
  const m = scramMechanism(mechanism);
  if (!m) throw new Error(`Unknown SCRAM mechanism ${mechanism}`);
  const fields = new Map(spec.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')).trim(), kv.slice(kv.indexOf('=') + 1)]));
  const password = fields.get('password');
  if (password === undefined) throw new Error(`Invalid credential property ${mechanism}=${spec}: password is missing`);
  const iterations = Number(fields.get('iterations') ?? m.minIterations);
  if (!Number.isInteger(iterations) || iterations < m.minIterations) throw new Error(`Iterations ${iterations} is less than the minimum ${m.minIterations} required for ${mechanism}`);
  return credentialToString(generateCredential(m, password, iterations));
}

function zkEntityType(e: Entity): ConfigEntityType {
  if (e.type === 'broker-loggers') throw new Error('--zookeeper does not support broker-loggers; use --bootstrap-server');
  return e.type;
}

const displayType = (t: EntityType) => (t === 'users' ? 'user-principal' : t.slice(0, -1));

async function zkConfigs(zk: KafkaZkClient, e: Entity, o: ConfigsOptions, added: Map<string, string>, deleted: string[], io: ToolIo): Promise<void> {
  const type = zkEntityType(e);
  // user and client names are stored URL-sanitized (ConfigCommand.sanitizeName), as the brokers look them up
  const sanitized = type === 'users' || type === 'clients';
  const zkName = (n: string) => (n === '' ? DEFAULT_CONFIG_ENTITY : sanitized ? sanitize(n) : n);
  if (o.describe) {
    const names = e.name !== null ? [e.name] : (await zk.getEntityNames(type)).map((n) => (n === DEFAULT_CONFIG_ENTITY ? '' : sanitized ? desanitize(n) : n));
    for (const n of names) {
      const config = await zk.getEntityConfig(type, zkName(n));
      const label = n === '' ? `default ${displayType(e.type)}` : `${displayType(e.type)} '${n}'`;
      io.out(`Configs for ${label} are ${Object.entries(config).map(([k, v]) => `${k}=${v}`).join(',')}\n`);
    }
    return;
  }
  const name = e.name as string;
  if (type === 'topics') {
    validateTopicName(name);
    if (!(await zk.topicExists(name))) throw new Error(`Topic ${name} does not exist`);
    const problems = validateTopicConfigs(Object.fromEntries(added));
    if (problems[0]) throw new Error(problems[0].message);
    const unknown = deleted.filter((k) => !isTopicConfigName(k));
    if (unknown.length > 0) throw new Error(`Unknown topic config name: ${unknown[0]}`);
  }
  const config = await zk.getEntityConfig(type, zkName(name));
  for (const [k, v] of added) config[k] = type === 'users' && scramMechanism(k) ? scramCredential(k, v) : v;
  for (const k of deleted) delete config[k];
  await zk.changeEntityConfig(type, zkName(name), config);
  io.out(`Completed updating config for entity: ${name === '' ? `default ${displayType(e.type)}` : `${displayType(e.type)} '${name}'`}.\n`);
}
