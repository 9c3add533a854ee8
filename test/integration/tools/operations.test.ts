/**
 * The partition-operations tools against a 3-broker cluster plus a fourth broker (id 3, started here
 * because the harness owns log.dirs) with two log dirs:
 * `gregor log-dirs`, `gregor reassign-partitions` (generate / execute with log_dirs / verify, the replica
 * moved between log dirs by AlterReplicaLogDirs: future log caught up, then swapped), `gregor
 * leader-election`, `gregor dump-log` on the segment, index and time index files, and
 * `gregor zookeeper-shell`. AlterReplicaLogDirs is also sent by kafka-python's protocol layer (its own
 * encoding of the request, since kafka-python 2.0.2 has no admin method for it).
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Broker } from '../../../src/broker.js';
import { createLogger } from '../../../src/common/logger.js';
import { pino } from 'pino';
import { BrokerConfig } from '../../../src/config/broker-config.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kcatConsume, kcatProduce, pythonJson } from '../../harness/clients.js';
import { waitFor } from '../../harness/wait-for.js';
import { tool } from './tool-kit.js';

let cluster: Cluster;
let bs: string[];
let tmp: string;
let four: Broker;
let A = '';
let B = '';

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'gregor-ops-'));
  A = path.join(tmp, 'broker-3-a');
  B = path.join(tmp, 'broker-3-b');
  cluster = await startCluster({ brokers: 3, inProcess: true });
  four = new Broker(
    BrokerConfig.parse({
      'broker.id': '3',
      'zookeeper.connect': cluster.zookeeperConnect,
      'zookeeper.session.timeout.ms': '6000',
      // the harness's brokers talk to each other on REPLICATION (through its proxies)
      'listeners': 'PLAINTEXT://127.0.0.1:0,REPLICATION://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,REPLICATION:PLAINTEXT',
      'inter.broker.listener.name': 'REPLICATION',
      'log.dirs': `${A},${B}`,
      'replica.lag.time.max.ms': '5000',
      'replica.fetch.wait.max.ms': '200',
      'offsets.topic.num.partitions': '5',
      'transaction.state.log.num.partitions': '5',
    }),
    { logger: createLogger({ brokerId: 3, destination: pino.destination({ dest: path.join(tmp, 'broker-3.log'), sync: true }) }) },
  );
  await four.start();
  await cluster.waitForBrokers([0, 1, 2, 3]);
  bs = ['--bootstrap-server', cluster.bootstrapServers];
  expect((await tool(['topics', ...bs, '--create', '--topic', 'moved', '--replica-assignment', '0:1'])).code).toBe(0);
  await cluster.waitForIsr({ topic: 'moved', partition: 0 }, [0, 1]);
  await kcatProduce(cluster.bootstrapServers, 'moved', Array.from({ length: 50 }, (_, i) => `record-${i}`), { partition: 0 });
});

afterAll(async () => {
  await four?.stop();
  await cluster?.close();
  if (tmp && !process.env.GREGOR_KEEP_TEST_DIRS) await rm(tmp, { recursive: true, force: true });
});

/** The log dir of broker 3 holding moved-0 (its current, non-future log). */
function dirOf(): string | null {
  for (const d of [A, B]) if (existsSync(path.join(d, 'moved-0'))) return d;
  return null;
}

async function verified(plan: string): Promise<string> {
  const out = await waitFor(
    async () => {
      const r = await tool(['reassign-partitions', ...bs, '--verify', '--reassignment-json-file', plan]);
      return r.stdout.includes('Clearing broker-level throttles') ? r.stdout : null;
    },
    { what: 'the reassignment and the log dir move done', timeoutMs: 60_000, intervalMs: 200 },
  );
  return out;
}

describe('partition operations tools', () => {
  it('log-dirs - --describe prints Kafka\'s two lines and the JSON; --topic-list filters', async () => {
    const all = await tool(['log-dirs', ...bs, '--describe']);
    expect(all.stdout.split('\n')[1]).toBe('Received log directory information from brokers 0,1,2,3');
    const r = await tool(['log-dirs', ...bs, '--describe', '--topic-list', 'moved', '--broker-list', '0,3']);
    const [q, received, json, end] = r.stdout.split('\n');
    expect(q).toBe('Querying brokers for log directories information');
    expect(received).toBe('Received log directory information from brokers 0,3');
    expect(end).toBe('');
    type Parsed = { version: number; brokers: Array<{ broker: number; logDirs: Array<{ logDir: string; error: null; partitions: Array<{ partition: string; size: number; offsetLag: number; isFuture: boolean }> }> }> };
    const parsed = JSON.parse(json!) as Parsed;
    expect(parsed.version).toBe(1);
    expect(parsed.brokers.map((b) => b.broker)).toEqual([0, 3]);
    expect(parsed.brokers[1]!.logDirs.map((d) => d.logDir).sort()).toEqual([A, B].sort());
    const withMoved = parsed.brokers[0]!.logDirs[0]!;
    expect(withMoved.error).toBeNull();
    expect(withMoved.partitions).toEqual([{ partition: 'moved-0', size: expect.any(Number), offsetLag: 0, isFuture: false }]);
    expect(withMoved.partitions[0]!.size).toBeGreaterThan(0);
    expect(json).toMatch(/^\{"version":1,"brokers":\[\{"broker":0,"logDirs":\[\{"logDir":"[^"]+","error":null,"partitions":/);
  });

  it('reassign - --execute with log_dirs: a new replica created in the given dir, then moved between dirs; --verify reports it', async () => {
    // 1. the replica moves from broker 0 to broker 3, created in dir A there (the dir is remembered until the log exists)
    const plan1 = path.join(tmp, 'plan1.json');
    await writeFile(plan1, JSON.stringify({ version: 1, partitions: [{ topic: 'moved', partition: 0, replicas: [3, 1], log_dirs: [A, 'any'] }] }));
    const r1 = await tool(['reassign-partitions', ...bs, '--execute', '--reassignment-json-file', plan1]);
    expect(r1.stderr).toBe('');
    expect(r1.stdout).toBe(
      'Current partition replica assignment\n\n{"version":1,"partitions":[{"topic":"moved","partition":0,"replicas":[0,1],"log_dirs":["any","any"]}]}\n\n' +
        'Save this to use as the --reassignment-json-file option during rollback\n' +
        'Successfully started partition reassignment for moved-0\n' +
        'Successfully started log directory move for: moved-0-3\n',
    );
    expect(await verified(plan1)).toBe(
      'Status of partition reassignment:\nReassignment of partition moved-0 is complete.\n\n' +
        'Reassignment of replica log directories:\nReassignment of replica moved-0-3 completed successfully.\n' +
        'Clearing broker-level throttles on brokers 0,1,2,3\nClearing topic-level throttles on topic moved\n',
    );
    expect(dirOf()).toBe(A);
    // 2. the existing replica on broker 3 moves from dir A to dir B: a -future log caught up, then swapped in
    await kcatProduce(cluster.bootstrapServers, 'moved', Array.from({ length: 50 }, (_, i) => `more-${i}`), { partition: 0 });
    const plan2 = path.join(tmp, 'plan2.json');
    await writeFile(plan2, JSON.stringify({ version: 1, partitions: [{ topic: 'moved', partition: 0, replicas: [3, 1], log_dirs: [B, 'any'] }] }));
    const r2 = await tool(['reassign-partitions', ...bs, '--execute', '--reassignment-json-file', plan2]);
    expect(r2.stdout).toContain('Successfully started log directory move for: moved-0-3\n');
    expect(await verified(plan2)).toContain('Reassignment of replica moved-0-3 completed successfully.\n');
    expect(dirOf()).toBe(B);
    expect(readdirSync(B).some((n) => n.endsWith('-future'))).toBe(false);
    await waitFor(() => !existsSync(path.join(A, 'moved-0')), { what: 'the old copy renamed for deletion' });
    // every record is still there, read from the moved log (broker 3 leads)
    await cluster.waitForIsr({ topic: 'moved', partition: 0 }, [3, 1]);
    expect((await kcatConsume(cluster.bootstrapServers, 'moved', { count: 100 })).map((m) => m.value)).toEqual([
      ...Array.from({ length: 50 }, (_, i) => `record-${i}`),
      ...Array.from({ length: 50 }, (_, i) => `more-${i}`),
    ]);
    await kcatProduce(cluster.bootstrapServers, 'moved', ['after-move'], { partition: 0 });
    expect((await kcatConsume(cluster.bootstrapServers, 'moved', { offset: 100, count: 1 })).map((m) => m.value)).toEqual(['after-move']);
  });

  it('reassign - --generate proposes an assignment on the given brokers; bad JSON and unknown dirs are one error line', async () => {
    const topics = path.join(tmp, 'topics.json');
    await writeFile(topics, JSON.stringify({ version: 1, topics: [{ topic: 'moved' }] }));
    const g = await tool(['reassign-partitions', ...bs, '--generate', '--topics-to-move-json-file', topics, '--broker-list', '1,2']);
    const lines = g.stdout.split('\n');
    expect(lines[0]).toBe('Current partition replica assignment');
    expect(lines[1]).toBe('{"version":1,"partitions":[{"topic":"moved","partition":0,"replicas":[3,1],"log_dirs":["any","any"]}]}');
    expect(lines[2]).toBe('');
    expect(lines[3]).toBe('Proposed partition reassignment configuration');
    expect(lines[4]).toMatch(/^\{"version":1,"partitions":\[\{"topic":"moved","partition":0,"replicas":\[(1,2|2,1)\],"log_dirs":\["any","any"\]\}\]\}$/);
    const bad = path.join(tmp, 'bad.json');
    await writeFile(bad, JSON.stringify({ version: 1, partitions: [{ topic: 'moved', partition: 0, replicas: [0, 2], log_dirs: ['any'] }] }));
    const b = await tool(['reassign-partitions', ...bs, '--execute', '--reassignment-json-file', bad]);
    expect(b).toEqual({ code: 1, stdout: '', stderr: 'Error: Size of replicas list [0,2] is different from size of log dirs list ["any"] for partition moved-0\n' });
    await writeFile(bad, JSON.stringify({ version: 1, partitions: [{ topic: 'moved', partition: 0, replicas: [3, 1], log_dirs: ['/nowhere', 'any'] }] }));
    const nowhere = await tool(['reassign-partitions', ...bs, '--execute', '--reassignment-json-file', bad]);
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toContain('Failed to move moved-0 on broker 3 to /nowhere: The user-specified log directory is not found in the broker config.');
  });

  it('AlterReplicaLogDirs from kafka-python\'s protocol layer: NONE, LOG_DIR_NOT_FOUND, NOT_LEADER_OR_FOLLOWER', async () => {
    const port = four.boundPorts.PLAINTEXT!;
    const here = dirOf()!;
    const other = here === A ? B : A;
    const script = `
import json, sys
from kafka.client_async import KafkaClient
from kafka.protocol.api import Request, Response
from kafka.protocol.types import Array, Int16, Int32, String, Schema
class AlterReplicaLogDirsResponse_v0(Response):
    API_KEY = 34; API_VERSION = 0
    SCHEMA = Schema(('throttle_time_ms', Int32), ('results', Array(('topic', String('utf-8')), ('partitions', Array(('partition', Int32), ('error_code', Int16))))))
class AlterReplicaLogDirsRequest_v0(Request):
    API_KEY = 34; API_VERSION = 0; RESPONSE_TYPE = AlterReplicaLogDirsResponse_v0
    SCHEMA = Schema(('log_dirs', Array(('log_dir', String('utf-8')), ('topics', Array(('topic', String('utf-8')), ('partitions', Array(Int32)))))))
client = KafkaClient(bootstrap_servers='127.0.0.1:${port}', api_version=(2, 7, 0))
node = 3
while not client.ready(node): client.poll(timeout_ms=100)
req = AlterReplicaLogDirsRequest_v0(log_dirs=[('${other}', [('moved', [0])]), ('/nowhere', [('moved', [1])]), ('${other}', [('unknown-topic', [0])])])
f = client.send(node, req)
while not f.is_done: client.poll(timeout_ms=100)
print(json.dumps([[t, [[p, e] for p, e in ps]] for t, ps in f.value.results]))
client.close()
`;
    const result = await pythonJson<Array<[string, Array<[number, number]>]>>(script);
    expect(result).toEqual([
      ['moved', [[0, 0], [1, 57]]],
      ['unknown-topic', [[0, 6]]],
    ]);
    await waitFor(() => dirOf() === other, { what: 'broker 3 moved moved-0 to its other dir', timeoutMs: 30_000 });
  });

  it('leader-election - preferred: elected, already elected, and an error line for an unknown partition', async () => {
    await tool(['topics', ...bs, '--create', '--topic', 'elect', '--replica-assignment', '1:2']);
    await cluster.waitForIsr({ topic: 'elect', partition: 0 }, [1, 2]);
    await cluster.stop(1); // controlled shutdown moves leadership to 2
    await cluster.restart(1);
    await cluster.waitForIsr({ topic: 'elect', partition: 0 }, [1, 2].sort());
    await waitFor(async () => (await cluster.partitionState({ topic: 'elect', partition: 0 }))?.isr.length === 2, { what: 'ISR back', timeoutMs: 30_000 });
    const r = await tool(['leader-election', ...bs, '--election-type', 'preferred', '--topic', 'elect', '--partition', '0']);
    expect(r).toEqual({ code: 0, stdout: 'Successfully completed leader election (PREFERRED) for partitions elect-0\n', stderr: '' });
    const again = await tool(['leader-election', ...bs, '--election-type', 'PREFERRED', '--topic', 'elect', '--partition', '0']);
    expect(again.stdout).toBe('Valid replica already elected for partitions elect-0\n');
    const json = path.join(tmp, 'elect.json');
    await writeFile(json, JSON.stringify({ partitions: [{ topic: 'elect', partition: 0 }, { topic: 'elect', partition: 9 }] }));
    const mixed = await tool(['leader-election', ...bs, '--election-type', 'preferred', '--path-to-json-file', json]);
    expect(mixed.code).toBe(1);
    expect(mixed.stdout).toBe(
      'Valid replica already elected for partitions elect-0\n' +
        'Error completing leader election (PREFERRED) for partition: elect-9: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: The partition does not exist.\n',
    );
    expect(mixed.stderr).toBe('Error while making request: 1 replica(s) could not be elected\n');
    const all = await tool(['leader-election', ...bs, '--election-type', 'preferred', '--all-topic-partitions']);
    expect(all.code).toBe(0);
  });

  it('dump-log - the segment, its index and time index in 2.7\'s format; --print-data-log prints the payloads', async () => {
    const dir = path.join(dirOf()!, 'moved-0');
    const log = path.join(dir, '00000000000000000000.log');
    const r = await tool(['dump-log', '--files', log, '--print-data-log']);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`Dumping ${log}`);
    expect(lines[1]).toBe('Starting offset: 0');
    expect(lines[2]).toMatch(
      /^baseOffset: 0 lastOffset: \d+ count: \d+ baseSequence: -1 lastSequence: -1 producerId: -1 producerEpoch: -1 partitionLeaderEpoch: 0 isTransactional: false isControl: false position: 0 CreateTime: \d{13} size: \d+ magic: 2 compresscodec: NONE crc: \d+ isvalid: true$/,
    );
    expect(lines[3]).toMatch(/^\| offset: 0 CreateTime: \d{13} keysize: -1 valuesize: 8 sequence: -1 headerKeys: \[\] payload: record-0$/);
    expect(lines.filter((l) => l.startsWith('| offset:'))).toHaveLength(101);
    const shallow = await tool(['dump-log', '--files', log]);
    expect(shallow.stdout.split('\n').filter((l) => l.startsWith('| offset:'))).toHaveLength(0);
    const idx = await tool(['dump-log', '--files', `${log.replace(/\.log$/, '.index')},${log.replace(/\.log$/, '.timeindex')}`]);
    expect(idx.code).toBe(0);
    expect(idx.stdout).toMatch(/^Dumping .*\.index\n(offset: \d+ position: \d+\n)*Dumping .*\.timeindex\n(timestamp: \d+ offset: \d+\n)*$/);
    // as with Kafka's tool, the active segment's preallocated index shows its empty first slot, and the
    // sanity check reports it (on stderr) against the batch at position 0
    expect(idx.stderr).toMatch(/^(Mismatches in :.*\.index\n  Index offset: 0, log offset: \d+\n)?$/);
    // producer state: an idempotent producer's batch, then a clean stop writes <offset>.snapshot
    await kcatProduce(cluster.bootstrapServers, 'moved', ['idempotent'], { partition: 0, props: { 'enable.idempotence': true } });
    await four.stop();
    const snapshots = readdirSync(dir).filter((n) => n.endsWith('.snapshot'));
    expect(snapshots.length).toBeGreaterThan(0);
    const snap = await tool(['dump-log', '--files', path.join(dir, snapshots.sort().at(-1)!)]);
    expect(snap.code).toBe(0);
    expect(snap.stdout).toMatch(
      /\nproducerId: \d+ producerEpoch: 0 coordinatorEpoch: -1 currentTxnFirstOffset: None firstSequence: 0 lastSequence: 0 lastOffset: \d+ offsetDelta: 0 timestamp: \d{13}\n$/,
    );
    const missing = await tool(['dump-log', '--files', path.join(dir, '00000000000000099999.snapshot')]);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('No such file or directory') });
  });

  it('zookeeper-shell - ls, get and stat as ZooKeeperMain prints them; a missing node is an error', async () => {
    const ids = (await cluster.zk.getBrokerIds()).sort((a, b) => a - b);
    const ls = await tool(['zookeeper-shell', cluster.zookeeperConnect, 'ls', '/brokers/ids']);
    expect(ls.stdout).toBe(`Connecting to ${cluster.zookeeperConnect}\n\nWATCHER::\n\nWatchedEvent state:SyncConnected type:None path:null\n[${ids.join(', ')}]\n`);
    const get = await tool(['zookeeper-shell', cluster.zookeeperConnect, 'get', '/controller']);
    expect(get.stdout.split('\n').at(-2)).toMatch(/^\{"version":1,"brokerid":\d,"timestamp":"\d+"\}$/);
    const stat = await tool(['zookeeper-shell', cluster.zookeeperConnect, 'stat', '/brokers/ids']);
    expect(stat.stdout).toMatch(/\ncZxid = 0x[0-9a-f]+\nctime = \w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4}\n.*\nnumChildren = \d\n$/s);
    expect(stat.stdout).toContain(`numChildren = ${ids.length}\n`);
    const missing = await tool(['zookeeper-shell', cluster.zookeeperConnect, 'get', '/nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('Node does not exist: /nope\n');
  });
});
