/**
 * DescribeConfigs, AlterConfigs and IncrementalAlterConfigs handlers against a real ZooKeeper:
 * sources and synonyms as kafkajs decodes them, `/config/topics/<t>` and `/config/brokers/<id>`
 * rewritten with a `/config/changes` notification, validateOnly, and every error.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { createAlterConfigsHandler } from '../../../src/server/handlers/alter-configs.js';
import { createDescribeConfigsHandler } from '../../../src/server/handlers/describe-configs.js';
import { createIncrementalAlterConfigsHandler } from '../../../src/server/handlers/incremental-alter-configs.js';
import { replicaAssignment } from '../../../src/zk/znodes.js';
import { kafkajsDecodeResponse } from '../../unit/protocol/kafkajs-oracle.js';
import { buildDeps, callHandler, ledPartitions, publishMetadata, type TestDeps } from './handler-kit.js';
import { configChanges, readJson, useZooKeeper } from './zk-kit.js';

const fx = useZooKeeper();
const TOPIC = 2;
const BROKER = 4;
const LOGGER = 8;

let deps: TestDeps;
let describeConfigs: ReturnType<typeof createDescribeConfigsHandler>;
let alterConfigs: ReturnType<typeof createAlterConfigsHandler>;
let incremental: ReturnType<typeof createIncrementalAlterConfigsHandler>;

beforeAll(async () => {
  deps = buildDeps({ zk: fx.zk, props: { 'log.segment.bytes': '536870912', 'num.partitions': '6' } });
  for (const t of ['events', 'plain', 'edited', 'alter-me']) {
    await fx.zk.createTopicAssignment(t, new Map([[0, replicaAssignment([1])]]), t === 'events' ? { 'max.message.bytes': '2000' } : {});
    publishMetadata(deps, [1], ledPartitions(t, [[1]]));
  }
  describeConfigs = createDescribeConfigsHandler(deps);
  alterConfigs = createAlterConfigsHandler(deps);
  incremental = createIncrementalAlterConfigsHandler(deps);
});

type Entry = { name: string; value: string | null; configSource: number; synonyms: unknown[] };
const describeOne = async (version: number, resourceType: number, resourceName: string, keys: string[] | null = null, includeSynonyms = false) =>
  (await callHandler(describeConfigs, version, { resources: [{ resourceType, resourceName, configurationKeys: keys }], includeSynonyms, includeDocumentation: version >= 3 }))
    .response.results[0];

describe('admin describe-configs', () => {
  it('TOPIC: overrides from /config/topics with source TOPIC_CONFIG, broker layers as synonyms (kafkajs v2 decode)', async () => {
    const { body } = await callHandler(describeConfigs, 2, {
      resources: [{ resourceType: TOPIC, resourceName: 'events', configurationKeys: ['max.message.bytes', 'segment.bytes'] }],
      includeSynonyms: true,
    });
    const decoded = (await kafkajsDecodeResponse('describeConfigs', 2, body)) as { resources: Array<{ configEntries: unknown[]; errorCode: number }> };
    expect(decoded.resources[0]?.errorCode).toBe(0);
    expect(decoded.resources[0]?.configEntries).toEqual([
      expect.objectContaining({
        configName: 'max.message.bytes',
        configValue: '2000',
        configSource: 1,
        isDefault: false,
        readOnly: false,
        isSensitive: false,
        configSynonyms: [
          { configName: 'max.message.bytes', configValue: '2000', configSource: 1 },
          { configName: 'message.max.bytes', configValue: '1048588', configSource: 5 },
        ],
      }),
      expect.objectContaining({
        configName: 'segment.bytes',
        configValue: '536870912',
        configSource: 4,
        configSynonyms: [
          { configName: 'log.segment.bytes', configValue: '536870912', configSource: 4 },
          { configName: 'log.segment.bytes', configValue: '1073741824', configSource: 5 },
        ],
      }),
    ]);
  });

  it('TOPIC: null keys = every topic config; no synonyms unless asked; v0 isDefault; v3 type and documentation', async () => {
    const all = await describeOne(1, TOPIC, 'plain');
    expect(all.configs.map((c: Entry) => c.name)).toContain('cleanup.policy');
    expect(all.configs.length).toBeGreaterThan(20);
    expect(all.configs.every((c: Entry) => c.synonyms.length === 0)).toBe(true);
    const v0 = await describeOne(0, TOPIC, 'plain', ['retention.bytes']);
    expect(v0.configs).toEqual([expect.objectContaining({ name: 'retention.bytes', value: '-1', isDefault: true })]);
    const v3 = await describeOne(3, TOPIC, 'plain', ['retention.bytes']);
    expect(v3.configs[0]).toMatchObject({ configType: 5, configSource: 5 });
    expect(v3.configs[0].documentation).toMatch(/partition/i);
  });

  it('TOPIC errors: unknown → UNKNOWN_TOPIC_OR_PARTITION, bad name → INVALID_TOPIC_EXCEPTION', async () => {
    expect(await describeOne(1, TOPIC, 'missing')).toMatchObject({ errorCode: ErrorCode.UnknownTopicOrPartition, configs: [], resourceName: 'missing' });
    expect((await describeOne(1, TOPIC, 'bad name')).errorCode).toBe(ErrorCode.InvalidTopicException);
  });

  it('BROKER: this broker id = every broker config; "" = the dynamic defaults (none here)', async () => {
    const mine = await describeOne(1, BROKER, '1', ['num.partitions', 'log.segment.bytes'], true);
    expect(mine.errorCode).toBe(ErrorCode.None);
    expect(mine.configs).toEqual([
      expect.objectContaining({ name: 'log.segment.bytes', value: '536870912', configSource: 4, readOnly: false }),
      expect.objectContaining({ name: 'num.partitions', value: '6', configSource: 4, readOnly: true }),
    ]);
    expect(await describeOne(1, BROKER, '')).toMatchObject({ errorCode: ErrorCode.None, configs: [] });
  });

  it('BROKER errors: another id or a non-numeric name → INVALID_REQUEST with Kafka\'s message', async () => {
    expect(await describeOne(1, BROKER, '2')).toMatchObject({
      errorCode: ErrorCode.InvalidRequest,
      errorMessage: 'Unexpected broker id, expected 1 or empty string, but received 2',
    });
    expect(await describeOne(1, BROKER, 'one')).toMatchObject({ errorCode: ErrorCode.InvalidRequest, errorMessage: 'Broker id must be an integer, but it is: one' });
  });

  it('BROKER_LOGGER: root with its level; empty or other id → INVALID_REQUEST; unknown type → INVALID_REQUEST', async () => {
    const loggers = await describeOne(2, LOGGER, '1');
    expect(loggers.configs).toEqual([expect.objectContaining({ name: 'root', value: 'OFF', configSource: 6, readOnly: false })]);
    expect(await describeOne(2, LOGGER, '')).toMatchObject({ errorCode: ErrorCode.InvalidRequest, errorMessage: 'Broker id must not be empty' });
    expect((await describeOne(2, LOGGER, '7')).errorCode).toBe(ErrorCode.InvalidRequest);
    expect(await describeOne(2, 3, 'x')).toMatchObject({ errorCode: ErrorCode.InvalidRequest, errorMessage: 'Unsupported resource type: UNKNOWN' });
  });
});

const alterOne = async (resourceType: number, resourceName: string, configs: Array<{ name: string; value: string | null }>, validateOnly = false) =>
  (await callHandler(alterConfigs, 1, { resources: [{ resourceType, resourceName, configs }], validateOnly })).response.responses[0];

describe('admin alter-configs', () => {
  it('TOPIC: replaces the overrides in /config/topics and posts a /config/changes notification', async () => {
    const before = (await configChanges(fx.raw)).length;
    expect(await alterOne(TOPIC, 'alter-me', [{ name: 'retention.ms', value: '5000' }])).toMatchObject({ errorCode: 0, errorMessage: null });
    expect(await alterOne(TOPIC, 'alter-me', [{ name: 'cleanup.policy', value: 'compact' }])).toMatchObject({ errorCode: 0 });
    expect(await readJson(fx.raw, '/config/topics/alter-me')).toEqual({ version: 1, config: { 'cleanup.policy': 'compact' } });
    const changes = await configChanges(fx.raw);
    expect(changes.length).toBe(before + 2);
    expect(changes.at(-1)?.name).toMatch(/^config_change_\d{10}$/);
    expect(changes.at(-1)?.body).toEqual({ version: 2, entity_path: 'topics/alter-me' });
  });

  it('validateOnly checks and writes nothing', async () => {
    const before = (await configChanges(fx.raw)).length;
    expect((await alterOne(TOPIC, 'plain', [{ name: 'retention.ms', value: '1' }], true)).errorCode).toBe(ErrorCode.None);
    expect(await readJson(fx.raw, '/config/topics/plain')).toEqual({ version: 1, config: {} });
    expect((await configChanges(fx.raw)).length).toBe(before);
  });

  it('TOPIC errors: unknown topic, unknown name, bad value, conflict, null value', async () => {
    expect(await alterOne(TOPIC, 'missing', [])).toMatchObject({ errorCode: ErrorCode.UnknownTopicOrPartition, errorMessage: "The topic 'missing' does not exist." });
    expect(await alterOne(TOPIC, 'plain', [{ name: 'retention.mss', value: '1' }])).toMatchObject({
      errorCode: ErrorCode.InvalidConfig,
      errorMessage: 'Unknown topic config name: retention.mss',
    });
    const bad = await alterOne(TOPIC, 'plain', [{ name: 'retention.ms', value: 'soon' }]);
    expect(bad.errorCode).toBe(ErrorCode.InvalidRequest);
    expect(bad.errorMessage).toMatch(/^Invalid config value for resource ConfigResource\(type=TOPIC, name='plain'\): .*retention\.ms/);
    const conflict = await alterOne(TOPIC, 'plain', [{ name: 'min.compaction.lag.ms', value: '10' }, { name: 'max.compaction.lag.ms', value: '5' }]);
    expect(conflict.errorCode).toBe(ErrorCode.InvalidConfig);
    expect(await alterOne(TOPIC, 'plain', [{ name: 'retention.ms', value: null }])).toMatchObject({
      errorCode: ErrorCode.InvalidRequest,
      errorMessage: 'Null value not supported for : retention.ms',
    });
    expect(await readJson(fx.raw, '/config/topics/plain')).toEqual({ version: 1, config: {} });
  });

  it('BROKER: dynamic keys go to /config/brokers/<id> or <default> with a notification', async () => {
    expect((await alterOne(BROKER, '1', [{ name: 'log.retention.ms', value: '60000' }])).errorCode).toBe(ErrorCode.None);
    expect(await readJson(fx.raw, '/config/brokers/1')).toEqual({ version: 1, config: { 'log.retention.ms': '60000' } });
    expect((await alterOne(BROKER, '', [{ name: 'log.cleanup.policy', value: 'compact' }])).errorCode).toBe(ErrorCode.None);
    expect(await readJson(fx.raw, '/config/brokers/<default>')).toEqual({ version: 1, config: { 'log.cleanup.policy': 'compact' } });
    expect((await configChanges(fx.raw)).at(-1)?.body).toEqual({ version: 2, entity_path: 'brokers/<default>' });
  });

  it('BROKER errors: static key, bad value, other broker; BROKER_LOGGER is not AlterConfigs\'', async () => {
    const stat = await alterOne(BROKER, '1', [{ name: 'num.partitions', value: '3' }]);
    expect(stat).toMatchObject({
      errorCode: ErrorCode.InvalidRequest,
      errorMessage: "Invalid config value for resource ConfigResource(type=BROKER, name='1'): Cannot update these configs dynamically: Set(num.partitions)",
    });
    expect((await alterOne(BROKER, '1', [{ name: 'log.segment.bytes', value: '3' }])).errorCode).toBe(ErrorCode.InvalidRequest);
    expect(await alterOne(BROKER, '2', [])).toMatchObject({ errorCode: ErrorCode.InvalidRequest, errorMessage: 'Unexpected broker id, expected 1, but received 2' });
    expect(await alterOne(LOGGER, '1', [{ name: 'root', value: 'INFO' }])).toMatchObject({
      errorCode: ErrorCode.InvalidRequest,
      errorMessage: 'AlterConfigs is only supported for topics and brokers, but resource type is BROKER_LOGGER',
    });
    expect(await readJson(fx.raw, '/config/brokers/1')).toEqual({ version: 1, config: { 'log.retention.ms': '60000' } });
  });

  it('kafkajs decodes the answer; errorResponse puts the code on every resource', async () => {
    const { body } = await callHandler(alterConfigs, 1, { resources: [{ resourceType: TOPIC, resourceName: 'missing', configs: [] }], validateOnly: true });
    const decoded = (await kafkajsDecodeResponse('alterConfigs', 1, body)) as { resources: unknown[] };
    expect(decoded.resources).toEqual([expect.objectContaining({ errorCode: ErrorCode.UnknownTopicOrPartition, resourceName: 'missing', resourceType: TOPIC })]);
    const res = alterConfigs.errorResponse?.({ resources: [{ resourceType: TOPIC, resourceName: 'a', configs: [] }], validateOnly: false }, ErrorCode.NotController, {} as never) as {
      responses: Array<{ errorCode: number }>;
    };
    expect(res.responses[0]?.errorCode).toBe(ErrorCode.NotController);
  });
});

const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;
const incOne = async (resourceType: number, resourceName: string, configs: Array<{ name: string; configOperation: number; value: string | null }>, validateOnly = false) =>
  (await callHandler(incremental, 1, { resources: [{ resourceType, resourceName, configs }], validateOnly })).response.responses[0];

describe('admin incremental-alter-configs', () => {
  it('TOPIC: SET, DELETE, APPEND and SUBTRACT edit the stored overrides', async () => {
    expect((await incOne(TOPIC, 'edited', [{ name: 'retention.ms', configOperation: SET, value: '100' }, { name: 'segment.ms', configOperation: SET, value: '200' }])).errorCode).toBe(0);
    expect((await incOne(TOPIC, 'edited', [{ name: 'segment.ms', configOperation: DELETE, value: null }])).errorCode).toBe(0);
    expect((await incOne(TOPIC, 'edited', [{ name: 'cleanup.policy', configOperation: APPEND, value: 'compact' }])).errorCode).toBe(0);
    expect(await readJson(fx.raw, '/config/topics/edited')).toEqual({ version: 1, config: { 'retention.ms': '100', 'cleanup.policy': 'delete,compact' } });
    expect((await incOne(TOPIC, 'edited', [{ name: 'cleanup.policy', configOperation: SUBTRACT, value: 'delete' }])).errorCode).toBe(0);
    expect(await readJson(fx.raw, '/config/topics/edited')).toEqual({ version: 1, config: { 'retention.ms': '100', 'cleanup.policy': 'compact' } });
    expect((await configChanges(fx.raw)).at(-1)?.body).toEqual({ version: 2, entity_path: 'topics/edited' });
    expect((await incOne(TOPIC, 'edited', [{ name: 'retention.ms', configOperation: SET, value: '7' }], true)).errorCode).toBe(0);
    expect(await readJson(fx.raw, '/config/topics/edited')).toEqual({ version: 1, config: { 'retention.ms': '100', 'cleanup.policy': 'compact' } });
  });

  it('request errors: duplicate keys, null value, unknown operation, append on a non-list or unknown key', async () => {
    const dup = await incOne(TOPIC, 'edited', [{ name: 'retention.ms', configOperation: SET, value: '1' }, { name: 'retention.ms', configOperation: DELETE, value: null }]);
    expect(dup).toMatchObject({ errorCode: ErrorCode.InvalidRequest, errorMessage: 'Error due to duplicate config keys : retention.ms' });
    expect(await incOne(TOPIC, 'edited', [{ name: 'retention.ms', configOperation: SET, value: null }])).toMatchObject({
      errorCode: ErrorCode.InvalidRequest,
      errorMessage: 'Null value not supported for : SET:retention.ms',
    });
    expect((await incOne(TOPIC, 'edited', [{ name: 'retention.ms', configOperation: 9, value: '1' }])).errorCode).toBe(ErrorCode.InvalidRequest);
    expect(await incOne(TOPIC, 'edited', [{ name: 'retention.ms', configOperation: APPEND, value: '1' }])).toMatchObject({
      errorCode: ErrorCode.InvalidRequest,
      errorMessage: 'Config value append is not allowed for config key: retention.ms',
    });
    expect((await incOne(TOPIC, 'edited', [{ name: 'no.such', configOperation: SUBTRACT, value: 'x' }])).errorCode).toBe(ErrorCode.InvalidConfig);
    expect((await incOne(TOPIC, 'missing', [{ name: 'retention.ms', configOperation: SET, value: '1' }])).errorCode).toBe(ErrorCode.UnknownTopicOrPartition);
    expect((await incOne(TOPIC, 'edited', [{ name: 'retention.ms', configOperation: SET, value: 'x' }])).errorCode).toBe(ErrorCode.InvalidRequest);
    expect((await incOne(3, 'x', [])).errorCode).toBe(ErrorCode.InvalidRequest);
  });

  it('BROKER: edits /config/brokers/<id> on top of what is stored; static keys refused', async () => {
    await fx.zk.changeEntityConfig('brokers', '1', { 'log.retention.ms': '60000' });
    expect((await incOne(BROKER, '1', [{ name: 'log.cleanup.policy', configOperation: APPEND, value: 'compact' }])).errorCode).toBe(0);
    expect(await readJson(fx.raw, '/config/brokers/1')).toEqual({ version: 1, config: { 'log.retention.ms': '60000', 'log.cleanup.policy': 'delete,compact' } });
    expect((await incOne(BROKER, '1', [{ name: 'log.dirs', configOperation: SET, value: '/x' }])).errorCode).toBe(ErrorCode.InvalidRequest);
    expect((await incOne(BROKER, '5', [{ name: 'log.retention.ms', configOperation: SET, value: '1' }])).errorCode).toBe(ErrorCode.InvalidRequest);
    expect((await incOne(BROKER, '1', [{ name: 'no.such.key', configOperation: APPEND, value: 'x' }])).errorCode).toBe(ErrorCode.InvalidConfig);
  });

  it('BROKER_LOGGER: SET root changes the level; unknown logger, bad level, DELETE root, APPEND → errors', async () => {
    expect((await incOne(LOGGER, '1', [{ name: 'root', configOperation: SET, value: 'DEBUG' }], true)).errorCode).toBe(0);
    expect(deps.log.level).toBe('silent');
    expect((await incOne(LOGGER, '1', [{ name: 'root', configOperation: SET, value: 'DEBUG' }])).errorCode).toBe(0);
    expect(deps.log.level).toBe('debug');
    expect((await describeOne(1, LOGGER, '1')).configs[0].value).toBe('DEBUG');
    deps.log.level = 'silent';
    expect(await incOne(LOGGER, '1', [{ name: 'kafka.server', configOperation: SET, value: 'INFO' }])).toMatchObject({
      errorCode: ErrorCode.InvalidRequest,
      errorMessage: "Invalid config value for resource ConfigResource(type=BROKER_LOGGER, name='1'): Logger kafka.server does not exist!",
    });
    const level = await incOne(LOGGER, '1', [{ name: 'root', configOperation: SET, value: 'LOUD' }]);
    expect(level.errorCode).toBe(ErrorCode.InvalidRequest);
    expect(level.errorMessage).toMatch(/Valid log levels are FATAL, ERROR, WARN, INFO, DEBUG, TRACE/);
    expect(await incOne(LOGGER, '1', [{ name: 'root', configOperation: DELETE, value: null }])).toMatchObject({
      errorCode: ErrorCode.InvalidRequest,
      errorMessage: 'Removing the log level of the root logger is not allowed',
    });
    expect(await incOne(LOGGER, '1', [{ name: 'root', configOperation: APPEND, value: 'INFO' }])).toMatchObject({
      errorMessage: 'APPEND operation is not allowed for the BROKER_LOGGER resource',
    });
    expect((await incOne(LOGGER, '2', [])).errorCode).toBe(ErrorCode.InvalidRequest);
    expect(deps.log.level).toBe('silent');
  });

  it('errorResponse puts the code on every resource', () => {
    const res = incremental.errorResponse?.({ resources: [{ resourceType: TOPIC, resourceName: 'a', configs: [] }], validateOnly: false }, ErrorCode.NotController, {} as never) as {
      responses: Array<{ errorCode: number }>;
    };
    expect(res.responses[0]?.errorCode).toBe(ErrorCode.NotController);
  });
});
