/**
 * `gregor topics` against a 3-broker cluster, in both modes (--bootstrap-server and the pre-2.8
 * --zookeeper), output compared line for line with what Kafka 2.7's kafka-topics.sh prints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { waitFor } from '../../harness/wait-for.js';
import { tool } from './tool-kit.js';

let cluster: Cluster;
let bs: string[];
let zk: string[];

beforeAll(async () => {
  // log.segment.bytes set in the "server.properties": Kafka then lists segment.bytes in Configs
  // (source STATIC_BROKER_CONFIG is not a default), as in the 2.7 docs' example.
  cluster = await startCluster({ brokers: 3, inProcess: true, brokerConfig: { 'log.segment.bytes': 1073741824 } });
  bs = ['--bootstrap-server', cluster.bootstrapServers];
  zk = ['--zookeeper', cluster.zookeeperConnect];
});

afterAll(async () => {
  await cluster?.close();
});

const waitForLeaders = (topic: string, partitions: number) =>
  waitFor(
    async () => {
      const r = await tool(['topics', ...bs, '--describe', '--topic', topic]);
      return r.code === 0 && r.stdout.split('\n').filter((l) => /Leader: \d/.test(l)).length === partitions ? r : null;
    },
    { what: `leaders of ${topic}`, timeoutMs: 30_000 },
  );

describe('gregor topics (kafka-topics.sh)', () => {
  it('topics - --create prints Kafka 2.7\'s line; --describe prints the header and one row per partition', async () => {
    const created = await tool(['topics', ...bs, '--create', '--topic', 'orders', '--partitions', '3', '--replication-factor', '3', '--config', 'retention.ms=86400000', '--config', 'cleanup.policy=delete']);
    expect(created).toEqual({ code: 0, stdout: 'Created topic orders.\n', stderr: '' });
    const d = await waitForLeaders('orders', 3);
    const lines = d.stdout.split('\n');
    // Configs: the non-default entries — the two overrides and the static broker value
    expect(lines[0]!.replace(/^.*Configs: /, '').split(',').sort()).toEqual(['cleanup.policy=delete', 'retention.ms=86400000', 'segment.bytes=1073741824']);
    expect(lines[0]).toMatch(/^Topic: orders\tPartitionCount: 3\tReplicationFactor: 3\tConfigs: /);
    for (let p = 0; p < 3; p++) {
      expect(lines[p + 1]).toMatch(new RegExp(`^\\tTopic: orders\\tPartition: ${p}\\tLeader: [0-2]\\tReplicas: [0-2],[0-2],[0-2]\\tIsr: [0-2](,[0-2])*$`));
    }
    expect(lines.slice(4)).toEqual(['']);
  });

  it('topics - an existing topic is one error line and exit 1; --if-not-exists makes it a no-op', async () => {
    const again = await tool(['topics', ...bs, '--create', '--topic', 'orders', '--partitions', '1', '--replication-factor', '1']);
    expect(again).toEqual({ code: 1, stdout: '', stderr: "Error while executing topic command : Topic 'orders' already exists.\n" });
    const quiet = await tool(['topics', ...bs, '--create', '--if-not-exists', '--topic', 'orders', '--partitions', '1', '--replication-factor', '1']);
    expect(quiet).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('topics - --replica-assignment places replicas as given; a name with "." warns', async () => {
    const r = await tool(['topics', ...bs, '--create', '--topic', 'my.events', '--replica-assignment', '2:1,1:0']);
    expect(r.stdout).toBe(
      "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.\nCreated topic my.events.\n",
    );
    const d = await waitForLeaders('my\\.events', 2);
    expect(d.stdout).toContain('\tTopic: my.events\tPartition: 0\tLeader: 2\tReplicas: 2,1\tIsr: 2,1\n');
    expect(d.stdout).toContain('\tTopic: my.events\tPartition: 1\tLeader: 1\tReplicas: 1,0\tIsr: 1,0\n');
    const dup = await tool(['topics', ...bs, '--create', '--topic', 'bad', '--replica-assignment', '1:1']);
    expect(dup).toMatchObject({ code: 1, stderr: 'Error while executing topic command : Partition replica lists may not contain duplicate entries: 1\n' });
  });

  it('topics - --list prints the names sorted; --exclude-internal and a regex --topic filter them', async () => {
    const all = await tool(['topics', ...bs, '--list']);
    expect(all.code).toBe(0);
    const names = all.stdout.trimEnd().split('\n');
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['my.events', 'orders']));
    const re = await tool(['topics', ...bs, '--list', '--topic', 'ord.*', '--exclude-internal']);
    expect(re.stdout).toBe('orders\n');
    const none = await tool(['topics', ...bs, '--list', '--topic', 'nothing-like-this']);
    expect(none).toEqual({ code: 0, stdout: '\n', stderr: '' }); // println of an empty mkString
  });

  it('topics - --alter --partitions adds partitions; fewer partitions is an error line', async () => {
    expect(await tool(['topics', ...bs, '--alter', '--topic', 'orders', '--partitions', '5'])).toEqual({ code: 0, stdout: '', stderr: '' });
    await waitForLeaders('orders', 5);
    const fewer = await tool(['topics', ...bs, '--alter', '--topic', 'orders', '--partitions', '2']);
    expect(fewer.code).toBe(1);
    expect(fewer.stderr).toBe('Error while executing topic command : Topic currently has 5 partitions, which is higher than the requested 2.\n');
    const missing = await tool(['topics', ...bs, '--alter', '--topic', 'nope', '--partitions', '2']);
    expect(missing).toEqual({ code: 1, stdout: '', stderr: "Error while executing topic command : Topic 'nope' does not exist as expected\n" });
  });

  it('topics - describe filters: --under-replicated-partitions and --unavailable-partitions after a broker stops', async () => {
    await tool(['topics', ...bs, '--create', '--topic', 'fragile', '--replica-assignment', '2:0']);
    await tool(['topics', ...bs, '--create', '--topic', 'lonely', '--replica-assignment', '2']);
    await waitForLeaders('fragile', 1);
    await waitForLeaders('lonely', 1);
    expect((await tool(['topics', ...bs, '--describe', '--under-replicated-partitions'])).stdout).toBe('');
    await cluster.kill(2);
    try {
      const bs01 = ['--bootstrap-server', cluster.bootstrapFor([0, 1])];
      const under = await waitFor(
        async () => {
          const r = await tool(['topics', ...bs01, '--describe', '--topic', 'fragile', '--under-replicated-partitions']);
          return r.stdout.includes('Isr: 0\n') ? r : null;
        },
        { what: 'fragile-0 under-replicated', timeoutMs: 30_000 },
      );
      expect(under.stdout).toBe('\tTopic: fragile\tPartition: 0\tLeader: 0\tReplicas: 2,0\tIsr: 0\n');
      // a topic only on broker 2 has no leader now: "Leader: none", listed as unavailable
      const unavailable = await waitFor(
        async () => {
          const r = await tool(['topics', ...bs01, '--describe', '--topic', 'lonely', '--unavailable-partitions']);
          return r.stdout.includes('Leader: none') ? r : null;
        },
        { what: 'lonely-0 listed', timeoutMs: 30_000 },
      );
      // Kafka keeps the last ISR of an offline partition
      expect(unavailable.stdout).toBe('\tTopic: lonely\tPartition: 0\tLeader: none\tReplicas: 2\tIsr: 2\n');
      const unavailableZk = await tool(['topics', ...zk, '--describe', '--topic', 'lonely', '--unavailable-partitions']);
      expect(unavailableZk.stdout).toBe('\tTopic: lonely\tPartition: 0\tLeader: none\tReplicas: 2\tIsr: 2\n');
    } finally {
      await cluster.restart(2);
    }
  });

  it('topics - --zookeeper mode: create, list with "marked for deletion", describe, alter, delete notices', async () => {
    expect(await tool(['topics', ...zk, '--create', '--topic', 'zk-made', '--partitions', '2', '--replication-factor', '2', '--config', 'max.message.bytes=2000'])).toEqual({
      code: 0,
      stdout: 'Created topic zk-made.\n',
      stderr: '',
    });
    await waitForLeaders('zk-made', 2);
    const d = await tool(['topics', ...zk, '--describe', '--topic', 'zk-made']);
    const lines = d.stdout.split('\n');
    expect(lines[0]).toBe('Topic: zk-made\tPartitionCount: 2\tReplicationFactor: 2\tConfigs: max.message.bytes=2000');
    expect(lines[1]).toMatch(/^\tTopic: zk-made\tPartition: 0\tLeader: \d\tReplicas: \d,\d\tIsr: \d,\d$/);
    const alter = await tool(['topics', ...zk, '--alter', '--topic', 'zk-made', '--partitions', '3']);
    expect(alter.stdout).toBe(
      'WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the messages will be affected\nAdding partitions succeeded!\n',
    );
    const cfg = await tool(['topics', ...zk, '--alter', '--topic', 'zk-made', '--config', 'retention.ms=1000']);
    expect(cfg.stdout).toBe(
      'WARNING: Altering topic configuration from this script has been deprecated and may be removed in future releases.\n' +
        '         Going forward, please use kafka-configs.sh for this functionality\nUpdated config for topic zk-made.\n',
    );
    const del = await tool(['topics', ...zk, '--delete', '--topic', 'zk-made']);
    expect(del.stdout).toBe('Topic zk-made is marked for deletion.\nNote: This will have no impact if delete.topic.enable is not set to true.\n');
    await waitFor(async () => !(await tool(['topics', ...zk, '--list'])).stdout.includes('zk-made'), { what: 'zk-made deleted', timeoutMs: 30_000 });
  });

  it('topics - --delete over the admin API removes the topic and prints nothing', async () => {
    await tool(['topics', ...bs, '--create', '--topic', 'doomed', '--partitions', '1', '--replication-factor', '1']);
    // every broker's metadata has it before a --delete (as with Kafka, CreateTopics answers once the controller's has)
    await waitFor(async () => (await tool(['topics', ...bs, '--list'])).stdout.split('\n').includes('doomed'), { what: 'doomed listed' });
    expect(await tool(['topics', ...bs, '--delete', '--topic', 'doomed'])).toEqual({ code: 0, stdout: '', stderr: '' });
    await waitFor(async () => !(await tool(['topics', ...bs, '--list'])).stdout.split('\n').includes('doomed'), { what: 'doomed gone', timeoutMs: 30_000 });
  });

  it('topics - usage errors and a broker that does not answer are one stderr line and exit 1', async () => {
    expect(await tool(['topics', ...bs, '--list', '--describe'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Command must include exactly one action: --list, --describe, --create, --alter or --delete\n',
    });
    const dead = await tool(['topics', '--bootstrap-server', '127.0.0.1:1', '--list', '--timeout-ms', '1500']);
    expect(dead).toEqual({ code: 1, stdout: '', stderr: 'Error while executing topic command : Timed out waiting for a node assignment. Call: listTopics\n' });
    const help = await tool(['topics', '--help']);
    expect(help.stdout).toContain('--bootstrap-server <servers>');
    expect(help.stdout).toContain('--under-min-isr-partitions');
  });
});
