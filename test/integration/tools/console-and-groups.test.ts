/**
 * `gregor console-producer`, `gregor console-consumer` and `gregor consumer-groups` against a
 * 3-broker cluster, cross-checked with kcat, output compared with Kafka 2.7's formats.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kcatConsume, kcatProduce } from '../../harness/clients.js';
import { waitFor } from '../../harness/wait-for.js';
import { initProducerId, produce, producerBatch, rawClient, writeMarkers } from '../eos/eos-kit.js';
import { tool } from './tool-kit.js';

let cluster: Cluster;
let bs: string[];

beforeAll(async () => {
  cluster = await startCluster({ brokers: 3, inProcess: true });
  bs = ['--bootstrap-server', cluster.bootstrapServers];
  expect((await tool(['topics', ...bs, '--create', '--topic', 'lines', '--partitions', '3', '--replication-factor', '3'])).code).toBe(0);
  for (let p = 0; p < 3; p++) await cluster.waitForLeader({ topic: 'lines', partition: p });
});

afterAll(async () => {
  await cluster?.close();
});

describe('gregor console-producer / console-consumer', () => {
  it('console - producer reads stdin lines with keys; kcat reads them back in the key\'s partition (murmur2)', async () => {
    const r = await tool(['console-producer', ...bs, '--topic', 'lines', '--property', 'parse.key=true', '--property', 'key.separator=:', '--request-required-acks', 'all', '--compression-codec', 'lz4'], {
      stdin: 'k1:v1\nk2:v2\nk1:v3\n',
    });
    expect(r).toEqual({ code: 0, stdout: '>>>>', stderr: '' }); // Kafka's prompt before each read
    const got = await kcatConsume(cluster.bootstrapServers, 'lines', { count: 3 });
    const byKey = new Map<string, Set<number>>();
    for (const m of got) byKey.set(m.key ?? '', new Set([...(byKey.get(m.key ?? '') ?? []), m.partition]));
    expect(byKey.get('k1')?.size).toBe(1); // same key, same partition
    expect(got.filter((m) => m.key === 'k1').map((m) => m.value)).toEqual(['v1', 'v3']);
    // kcat places keys with murmur2 too (-X partitioner=murmur2_random): same partition for the same key
    await kcatProduce(cluster.bootstrapServers, 'lines', [{ key: 'k1', value: 'from-kcat' }], { props: { partitioner: 'murmur2_random' } });
    const all = await kcatConsume(cluster.bootstrapServers, 'lines', { count: 4 });
    expect(new Set(all.filter((m) => m.key === 'k1').map((m) => m.partition)).size).toBe(1);
  });

  it('console - a line without the key separator fails with Kafka\'s message and exit 1; ignore.error sends it keyless', async () => {
    const bad = await tool(['console-producer', ...bs, '--topic', 'lines', '--property', 'parse.key=true'], { stdin: 'no-tab-here\n' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('No key found on line 1: no-tab-here\n');
    const ok = await tool(['console-producer', ...bs, '--topic', 'lines', '--property', 'parse.key=true', '--property', 'ignore.error=true'], { stdin: 'no-tab-here\n' });
    expect(ok.code).toBe(0);
  });

  it('console - consumer --from-beginning --max-messages prints the values and "Processed a total of N messages" on stderr', async () => {
    await tool(['topics', ...bs, '--create', '--topic', 'fmt', '--partitions', '1', '--replication-factor', '2']);
    await cluster.waitForLeader({ topic: 'fmt', partition: 0 });
    await tool(['console-producer', ...bs, '--topic', 'fmt', '--property', 'parse.key=true'], { stdin: 'a\tone\nb\ttwo\n' });
    const r = await tool(['console-consumer', ...bs, '--topic', 'fmt', '--from-beginning', '--max-messages', '2']);
    expect(r).toEqual({ code: 0, stdout: 'one\ntwo\n', stderr: 'Processed a total of 2 messages\n' });
    const keyed = await tool(['console-consumer', ...bs, '--topic', 'fmt', '--partition', '0', '--offset', 'earliest', '--max-messages', '2', '--property', 'print.key=true', '--property', 'print.offset=true', '--property', 'print.partition=true', '--property', 'key.separator=|']);
    expect(keyed.stdout).toBe('Partition:0|Offset:0|a|one\nPartition:0|Offset:1|b|two\n');
    const stamped = await tool(['console-consumer', ...bs, '--topic', 'fmt', '--partition', '0', '--offset', '1', '--max-messages', '1', '--property', 'print.timestamp=true', '--property', 'print.headers=true']);
    expect(stamped.stdout).toMatch(/^CreateTime:\d{13}\tNO_HEADERS\ttwo\n$/);
  });

  it('console - --timeout-ms ends an idle consumer with 2.7\'s ERROR line; --isolation-level read_committed reaches the fetch', async () => {
    const r = await tool(['console-consumer', ...bs, '--topic', 'fmt', '--partition', '0', '--offset', 'latest', '--timeout-ms', '1500', '--isolation-level', 'read_committed']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('ERROR Error processing message, terminating consumer process:');
    expect(r.stderr).toMatch(/Processed a total of 0 messages\n$/);
    const committed = await tool(['console-consumer', ...bs, '--topic', 'fmt', '--partition', '0', '--offset', 'earliest', '--max-messages', '2', '--isolation-level', 'read_committed']);
    expect(committed.stdout).toBe('one\ntwo\n'); // non-transactional data is committed data
    const bad = await tool(['console-consumer', ...bs, '--topic', 'fmt', '--isolation-level', 'serializable']);
    expect(bad).toMatchObject({ code: 1, stderr: expect.stringContaining('Invalid value serializable for configuration isolation.level') });
  });
});

describe('gregor console-consumer --isolation-level on transactional data', () => {
  it('console - read_committed drops an aborted transaction and stops at an open one; read_uncommitted shows everything', async () => {
    await tool(['topics', ...bs, '--create', '--topic', 'txn', '--replica-assignment', '0']);
    await cluster.waitForLeader({ topic: 'txn', partition: 0 });
    const raw = rawClient(cluster.port(0));
    const tp = [{ topic: 'txn', partition: 0 }];
    const txn = { transactionalId: 'tool-test' };
    try {
      const a = (await initProducerId(raw)).producerId;
      const b = (await initProducerId(raw)).producerId;
      expect((await produce(raw, 'txn', 0, producerBatch({ pid: a, seq: 0, values: ['aborted'], txn: true }), txn)).errorCode).toBe(0);
      expect(await writeMarkers(raw, [{ pid: a, commit: false, partitions: tp }])).toEqual([[0]]);
      expect((await produce(raw, 'txn', 0, producerBatch({ pid: a, seq: 1, values: ['committed'], txn: true }), txn)).errorCode).toBe(0);
      expect(await writeMarkers(raw, [{ pid: a, commit: true, partitions: tp }])).toEqual([[0]]);
      expect((await produce(raw, 'txn', 0, producerBatch({ pid: -1, seq: -1, values: ['plain'] }))).errorCode).toBe(0);
      expect((await produce(raw, 'txn', 0, producerBatch({ pid: b, seq: 0, values: ['open'], txn: true }), txn)).errorCode).toBe(0);
    } finally {
      await raw.close();
    }
    const read = (level: string) => tool(['console-consumer', ...bs, '--topic', 'txn', '--partition', '0', '--offset', 'earliest', '--isolation-level', level, '--timeout-ms', '2000']);
    expect((await read('read_committed')).stdout).toBe('committed\nplain\n'); // the open transaction is past the LSO
    expect((await read('read_uncommitted')).stdout).toBe('aborted\ncommitted\nplain\nopen\n');
  });
});

describe('gregor consumer-groups (kafka-consumer-groups.sh)', () => {
  it('groups - a console consumer group: --list, --describe (offsets, lag), --members --verbose, --state', async () => {
    const r = await tool(['console-consumer', ...bs, '--topic', 'lines', '--group', 'readers', '--from-beginning', '--max-messages', '5']);
    expect(r.stderr).toBe('Processed a total of 5 messages\n');
    await tool(['console-producer', ...bs, '--topic', 'lines'], { stdin: 'later-1\nlater-2\n' });
    const list = await tool(['consumer-groups', ...bs, '--list']);
    expect(list.stdout.split('\n')).toContain('readers');
    const d = await tool(['consumer-groups', ...bs, '--describe', '--group', 'readers']);
    expect(d.code).toBe(0);
    expect(d.stderr).toBe("\nConsumer group 'readers' has no active members.\n");
    const lines = d.stdout.split('\n');
    expect(lines[0]).toBe('');
    expect(lines[1]).toBe('GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID');
    const rows = lines.slice(2).filter((l) => l !== '');
    expect(rows).toHaveLength(3);
    let lag = 0;
    for (const row of rows) {
      const m = /^readers {9}lines {11}(\d) {10}(\d+) +(\d+) +(\d+) +- {15}- {15}-$/.exec(row);
      expect(m, row).not.toBeNull();
      expect(Number(m![3]) - Number(m![2])).toBe(Number(m![4]));
      lag += Number(m![4]);
    }
    expect(lag).toBe(2); // 7 records, 5 consumed and committed
    const unknown = await tool(['consumer-groups', ...bs, '--describe', '--group', 'nobody-here']);
    expect(unknown).toEqual({ code: 1, stdout: '', stderr: "Error: Consumer group 'nobody-here' does not exist.\n" });
  });

  it('groups - --members --verbose and --state of an active group', async () => {
    const consuming = tool(['console-consumer', ...bs, '--topic', 'lines', '--group', 'live', '--from-beginning', '--timeout-ms', '8000']);
    const members = await waitFor(
      async () => {
        const r = await tool(['consumer-groups', ...bs, '--describe', '--group', 'live', '--members', '--verbose']);
        return r.stdout.includes('lines(0,1,2)') ? r : null;
      },
      { what: 'the live group stable with one member', timeoutMs: 30_000 },
    );
    const [blank, header, row] = members.stdout.split('\n');
    expect(blank).toBe('');
    expect(header).toMatch(/^GROUP {11}CONSUMER-ID +HOST +CLIENT-ID +#PARTITIONS +ASSIGNMENT$/);
    expect(row).toMatch(/^live {12}console-consumer-\S+ +\/127\.0\.0\.1 +console-consumer +3 {15}lines\(0,1,2\)$/);
    const state = await tool(['consumer-groups', ...bs, '--describe', '--group', 'live', '--state']);
    expect(state.stdout).toMatch(/^\nGROUP {21}COORDINATOR \(ID\) {10}ASSIGNMENT-STRATEGY  STATE {11}#MEMBERS\nlive {22}127\.0\.0\.1:\d+ \(\d\) +range {16}Stable {10}1\n$/);
    const reset = await tool(['consumer-groups', ...bs, '--reset-offsets', '--group', 'live', '--topic', 'lines', '--to-earliest']);
    expect(reset).toMatchObject({ code: 1, stderr: "Error: Assignments can only be reset if the group 'live' is inactive, but the current state is Stable.\n" });
    const del = await tool(['consumer-groups', ...bs, '--delete', '--group', 'live']);
    expect(del.code).toBe(1);
    expect(del.stderr).toContain("* Group 'live' could not be deleted due to: org.apache.kafka.common.errors.GroupNotEmptyException: The group is not empty.");
    expect((await consuming).code).toBe(0);
  });

  it('groups - --reset-offsets: dry run by default, --execute commits; earliest, latest, offset, shift-by, datetime, duration, file; --export', async () => {
    const dry = await tool(['consumer-groups', ...bs, '--reset-offsets', '--group', 'readers', '--topic', 'lines', '--to-earliest']);
    expect(dry.stdout.split('\n').slice(0, 2)).toEqual(['', 'GROUP                          TOPIC                          PARTITION  NEW-OFFSET     ']);
    expect(dry.stdout).toContain('readers                        lines                          0          0              \n');
    const rowsOf = async () => {
      const d = await tool(['consumer-groups', ...bs, '--describe', '--group', 'readers']);
      return d.stdout.split('\n').slice(2).filter((l) => l).map((l) => l.trim().split(/ +/));
    };
    const lagOf = async () => (await rowsOf()).reduce((n, cols) => n + Number(cols[5]), 0);
    const nonEmptyPartitions = (await rowsOf()).filter((cols) => Number(cols[4]) > 0).length;
    expect(await lagOf()).toBe(2); // the dry run changed nothing
    await tool(['consumer-groups', ...bs, '--reset-offsets', '--group', 'readers', '--topic', 'lines', '--to-earliest', '--execute']);
    expect(await lagOf()).toBe(7);
    await tool(['consumer-groups', ...bs, '--reset-offsets', '--group', 'readers', '--all-topics', '--to-latest', '--execute']);
    expect(await lagOf()).toBe(0);
    await tool(['consumer-groups', ...bs, '--reset-offsets', '--group', 'readers', '--topic', 'lines', '--shift-by', '-1', '--execute']);
    expect(await lagOf()).toBe(nonEmptyPartitions); // every partition with data moves back one
    const exported = await tool(['consumer-groups', ...bs, '--reset-offsets', '--group', 'readers', '--topic', 'lines:0', '--to-offset', '0', '--export']);
    expect(exported.stdout).toBe('lines,0,0\n\n');
    const future = await tool(['consumer-groups', ...bs, '--reset-offsets', '--group', 'readers', '--topic', 'lines', '--to-datetime', '2999-01-01T00:00:00.000', '--execute']);
    expect(future.code).toBe(0);
    expect(await lagOf()).toBe(0); // no record that late: the end
    await tool(['consumer-groups', ...bs, '--reset-offsets', '--group', 'readers', '--topic', 'lines', '--by-duration', 'P1D', '--execute']);
    expect(await lagOf()).toBe(7); // a day ago: everything
    const { writeFile, mkdtemp } = await import('node:fs/promises');
    const dir = await mkdtemp('/tmp/gregor-reset-');
    await writeFile(`${dir}/plan.csv`, 'lines,0,0\nlines,1,0\nlines,2,0\n');
    await tool(['consumer-groups', ...bs, '--reset-offsets', '--group', 'readers', '--from-file', `${dir}/plan.csv`, '--execute']);
    expect(await lagOf()).toBe(7);
    const noScope = await tool(['consumer-groups', ...bs, '--reset-offsets', '--group', 'readers', '--to-latest']);
    expect(noScope).toMatchObject({ code: 1, stderr: 'One of the reset scopes should be defined: --all-topics, --topic.\n' });
  });

  it('groups - --delete removes an inactive group', async () => {
    expect(await tool(['consumer-groups', ...bs, '--delete', '--group', 'readers'])).toEqual({
      code: 0,
      stdout: "Deletion of requested consumer groups ('readers') was successful.\n",
      stderr: '',
    });
    expect((await tool(['consumer-groups', ...bs, '--list'])).stdout.split('\n')).not.toContain('readers');
  });
});
