/**
 * `gregor configs` (kafka-configs.sh) and dynamic broker configs on a 3-broker cluster: topic
 * configs, cluster-default and per-broker dynamic configs written to /config/brokers and applied by
 * every broker at runtime (retention defaults reach live logs, message.max.bytes the produce check,
 * unclean.leader.election.enable the controller, log.cleaner.* the cleaner), DescribeConfigs sources and synonyms as Kafka's
 * tool prints them, broker loggers, and users (SCRAM credentials in ZooKeeper mode).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kcatProduce } from '../../harness/clients.js';
import { waitFor } from '../../harness/wait-for.js';
import { tool } from './tool-kit.js';

let cluster: Cluster;
let bs: string[];
let zk: string[];

beforeAll(async () => {
  cluster = await startCluster({ brokers: 3, inProcess: true });
  bs = ['--bootstrap-server', cluster.bootstrapServers];
  zk = ['--zookeeper', cluster.zookeeperConnect];
  expect((await tool(['topics', ...bs, '--create', '--topic', 'conf', '--replica-assignment', '0:1:2'])).code).toBe(0);
  await cluster.waitForIsr({ topic: 'conf', partition: 0 }, [0, 1, 2]);
});

afterAll(async () => {
  await cluster?.close();
});

describe('gregor configs (kafka-configs.sh)', () => {
  it('configs - topic: --alter --add-config with a [list] value, --describe with sources and synonyms, --delete-config', async () => {
    expect(await tool(['configs', ...bs, '--entity-type', 'topics', '--entity-name', 'conf', '--alter', '--add-config', 'retention.ms=86400000,cleanup.policy=[compact,delete]'])).toEqual({
      code: 0,
      stdout: 'Completed updating config for topic conf.\n',
      stderr: '',
    });
    const d = await tool(['configs', ...bs, '--topic', 'conf', '--describe']);
    expect(d.stdout).toBe(
      'Dynamic configs for topic conf are:\n' +
        '  cleanup.policy=compact,delete sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete, DEFAULT_CONFIG:log.cleanup.policy=delete}\n' +
        '  retention.ms=86400000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=86400000}\n',
    );
    expect((await tool(['configs', ...bs, '--topic', 'conf', '--alter', '--delete-config', 'cleanup.policy'])).code).toBe(0);
    const bad = await tool(['configs', ...bs, '--topic', 'conf', '--alter', '--delete-config', 'segment.bytes']);
    expect(bad).toEqual({ code: 1, stdout: '', stderr: 'Invalid config(s): segment.bytes\n' });
    const all = await tool(['configs', ...bs, '--topic', 'conf', '--describe', '--all']);
    expect(all.stdout.split('\n')[0]).toBe('All configs for topic conf are:');
    expect(all.stdout.split('\n').filter((l) => l.startsWith('  '))).toHaveLength(26); // every 2.7 topic config
    expect(all.stdout).toContain('  segment.bytes=1073741824 sensitive=false synonyms={DEFAULT_CONFIG:log.segment.bytes=1073741824}\n');
  });

  it('configs - cluster-default broker config: stored in /config/brokers/<default> and applied by every broker to live logs', async () => {
    expect(await tool(['configs', ...bs, '--entity-type', 'brokers', '--entity-default', '--alter', '--add-config', 'log.retention.bytes=123456789,log.segment.bytes=20000000'])).toEqual({
      code: 0,
      stdout: 'Completed updating default config for brokers in the cluster.\n',
      stderr: '',
    });
    expect(await cluster.zk.getBrokerConfig('<default>')).toEqual({ 'log.retention.bytes': '123456789', 'log.segment.bytes': '20000000' });
    for (const id of cluster.ids) {
      await waitFor(() => cluster.broker(id).replicaManager.topicConfig('conf').log.retentionBytes === 123456789, { what: `broker ${id} applied log.retention.bytes` });
      expect(cluster.broker(id).replicaManager.topicConfig('conf').log.segmentBytes).toBe(20000000);
      expect(cluster.broker(id).replicaManager.getPartition({ topic: 'conf', partition: 0 })?.log?.config.retentionBytes).toBe(123456789);
    }
    const d = await tool(['configs', ...bs, '--broker-defaults', '--describe']);
    expect(d.stdout).toBe(
      'Default configs for brokers in the cluster are:\n' +
        '  log.retention.bytes=123456789 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.bytes=123456789}\n' +
        '  log.segment.bytes=20000000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.segment.bytes=20000000}\n',
    );
    const topicAll = await tool(['configs', ...bs, '--topic', 'conf', '--describe', '--all']);
    expect(topicAll.stdout).toContain('  retention.bytes=123456789 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.bytes=123456789, DEFAULT_CONFIG:log.retention.bytes=-1}\n');
    // a restarted broker starts with the dynamic layer
    await cluster.restart(2);
    expect(cluster.broker(2).config.values['log.retention.bytes']).toBe(123456789);
    expect((await tool(['configs', ...bs, '--broker-defaults', '--alter', '--delete-config', 'log.retention.bytes,log.segment.bytes'])).code).toBe(0);
    await waitFor(() => cluster.broker(0).replicaManager.topicConfig('conf').log.retentionBytes !== 123456789, { what: 'the default removed' });
  });

  it('configs - per-broker config: message.max.bytes on broker 1 only; its produce check applies it; --describe shows DYNAMIC_BROKER_CONFIG', async () => {
    await tool(['topics', ...bs, '--create', '--topic', 'small1', '--replica-assignment', '1']);
    await tool(['topics', ...bs, '--create', '--topic', 'small0', '--replica-assignment', '0']);
    await cluster.waitForLeader({ topic: 'small1', partition: 0 });
    await cluster.waitForLeader({ topic: 'small0', partition: 0 });
    expect(await tool(['configs', ...bs, '--broker', '1', '--alter', '--add-config', 'message.max.bytes=1000'])).toEqual({ code: 0, stdout: 'Completed updating config for broker 1.\n', stderr: '' });
    await waitFor(() => cluster.broker(1).replicaManager.topicConfig('small1').log.maxMessageBytes === 1000, { what: 'broker 1 applied message.max.bytes' });
    const big = 'x'.repeat(3000);
    const refused = await tool(['console-producer', ...bs, '--topic', 'small1', '--request-required-acks', '1'], { stdin: `${big}\n` });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^ERROR Error when sending message to topic small1 with key: null, value: 3000 bytes with error: .*\n$/);
    expect((await tool(['console-producer', ...bs, '--topic', 'small0'], { stdin: `${big}\n` })).code).toBe(0);
    const d = await tool(['configs', ...bs, '--broker', '1', '--describe']);
    expect(d.stdout).toBe(
      'Dynamic configs for broker 1 are:\n  message.max.bytes=1000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:message.max.bytes=1000, DEFAULT_CONFIG:message.max.bytes=1048588}\n',
    );
    const notDynamic = await tool(['configs', ...bs, '--broker', '1', '--alter', '--add-config', 'broker.id=7']);
    expect(notDynamic.code).toBe(1);
    expect(notDynamic.stderr).toContain('Cannot update these configs dynamically: Set(broker.id)');
    await tool(['configs', ...bs, '--broker', '1', '--alter', '--delete-config', 'message.max.bytes']);
  });

  it('configs - the log cleaner\'s keys at runtime: every broker restarts its cleaner threads with them; a thread count beyond Kafka\'s bounds is refused', async () => {
    const cleanerOf = (id: number) => cluster.broker(id).logCleanerConfig!;
    const alter = (config: string) => tool(['configs', ...bs, '--broker-defaults', '--alter', '--add-config', config]);
    expect((await alter('log.cleaner.threads=2,log.cleaner.backoff.ms=1000')).code).toBe(0);
    for (const id of cluster.ids) await waitFor(() => cleanerOf(id).threads === 2 && cleanerOf(id).backoffMs === 1000, { what: `broker ${id} cleaner reconfigured` });
    const tooMany = await alter('log.cleaner.threads=5');
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toContain('Log cleaner threads cannot be increased to more than double the current value 2');
    expect(await cluster.zk.getBrokerConfig('<default>')).toEqual({ 'log.cleaner.threads': '2', 'log.cleaner.backoff.ms': '1000' });
    expect((await tool(['configs', ...bs, '--broker-defaults', '--alter', '--delete-config', 'log.cleaner.threads,log.cleaner.backoff.ms'])).code).toBe(0);
    for (const id of cluster.ids) await waitFor(() => cleanerOf(id).threads === 1 && cleanerOf(id).backoffMs === 15_000, { what: `broker ${id} cleaner back to its defaults` });
  });

  it('configs - unclean.leader.election.enable turned on dynamically elects an offline partition\'s out-of-sync replica', async () => {
    await tool(['topics', ...bs, '--create', '--topic', 'unclean', '--replica-assignment', '2:1']);
    await cluster.waitForIsr({ topic: 'unclean', partition: 0 }, [2, 1]);
    await cluster.broker(1).replicaManager.shutdownFetchers(); // 1 falls out of sync once 2 has new data
    await kcatProduce(cluster.bootstrapServers, 'unclean', ['only-on-2'], { partition: 0 });
    await cluster.waitForIsr({ topic: 'unclean', partition: 0 }, [2], { timeoutMs: 30_000 });
    await cluster.kill(2);
    try {
      await waitFor(async () => (await cluster.partitionState({ topic: 'unclean', partition: 0 }))?.leader === -1, { what: 'unclean-0 offline', timeoutMs: 30_000 });
      expect((await tool(['configs', '--bootstrap-server', cluster.bootstrapFor([0, 1]), '--broker-defaults', '--alter', '--add-config', 'unclean.leader.election.enable=true'])).code).toBe(0);
      await waitFor(async () => (await cluster.partitionState({ topic: 'unclean', partition: 0 }))?.leader === 1, { what: 'broker 1 elected uncleanly', timeoutMs: 30_000 });
    } finally {
      await tool(['configs', '--bootstrap-server', cluster.bootstrapFor([0, 1]), '--broker-defaults', '--alter', '--delete-config', 'unclean.leader.election.enable']);
      await cluster.restart(2);
      await cluster.restart(1);
    }
  });

  it('configs - broker loggers, users over the admin API (SCRAM credentials; quotas not served), users and topics in --zookeeper mode', async () => {
    const loggers = await tool(['configs', ...bs, '--broker-logger', '0', '--describe']);
    expect(loggers.stdout).toBe('Dynamic configs for broker-logger 0 are:\n  root=INFO sensitive=false synonyms={}\n');
    const users = await tool(['configs', ...bs, '--entity-type', 'users', '--entity-name', 'alice', '--describe']);
    expect(users.code).toBe(0);
    expect(users.stdout).toBe("Error retrieving SCRAM credential configs for user-principal 'alice': ResourceNotFoundException: Attempt to describe a user credential that does not exist: alice\n");
    const quota = await tool(['configs', ...bs, '--alter', '--entity-type', 'users', '--entity-name', 'alice', '--add-config', 'producer_byte_rate=1024']);
    expect(quota.code).toBe(1);
    expect(quota.stderr).toContain('gregor does not serve the client quota APIs');
    const scram = await tool(['configs', ...zk, '--alter', '--entity-type', 'users', '--entity-name', 'alice', '--add-config', 'SCRAM-SHA-256=[iterations=8192,password=alice-secret],producer_byte_rate=1024']);
    expect(scram.stdout).toBe(
      'Warning: --zookeeper is deprecated and will be removed in a future version of Kafka.\nUse --bootstrap-server instead to specify a broker to connect to.\n' +
        "Completed updating config for entity: user-principal 'alice'.\n",
    );
    const stored = await cluster.zk.getEntityConfig('users', 'alice');
    expect(stored.producer_byte_rate).toBe('1024');
    expect(stored['SCRAM-SHA-256']).toMatch(/^salt=[A-Za-z0-9+/=]+,stored_key=[A-Za-z0-9+/=]{44},server_key=[A-Za-z0-9+/=]{44},iterations=8192$/);
    const admin512 = await tool(['configs', ...bs, '--alter', '--entity-type', 'users', '--entity-name', 'alice', '--add-config', 'SCRAM-SHA-512=[password=alice-512]']);
    expect(admin512.stdout).toBe('Completed updating config for user alice.\n');
    const described = await tool(['configs', ...bs, '--entity-type', 'users', '--entity-name', 'alice', '--describe']);
    expect(described.stdout).toBe("SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=8192, SCRAM-SHA-512=iterations=4096\n");
    const zkTopic = await tool(['configs', ...zk, '--describe', '--entity-type', 'topics', '--entity-name', 'conf']);
    expect(zkTopic.stdout.split('\n')[2]).toBe("Configs for topic 'conf' are retention.ms=86400000");
  });
});
