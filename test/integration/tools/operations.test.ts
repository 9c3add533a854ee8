/**
 * The partition-operations tools against a 3-broker cluster whose brokers have two log dirs each:
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
import { startCluster, type TestCluster } from '../../harness/cluster.js';
import { kcatConsume, kcatProduce, pythonJson } from '../../harness/clients.js';
import { waitFor } from '../../harness/wait-for.js';
import { tool } from './tool-kit.js';

let cluster: TestCluster;
let bs: string[];
let tmp: string;
const dirA = (id: number) => path.join(tmp, `broker-${id}-a`);
const dirB = (id: number) => path.join(tmp, `broker-${id}-b`);

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'gregor-ops-'));
  cluster = await startCluster({
    brokers: 3,
    brokerConfig: Object.fromEntries([0, 1, 2].map((id) => [id, { 'log.dirs': `${dirA(id)},${dirB(id)}` }])),
  });
  bs = ['--bootstrap-server', cluster.bootstrap];
  expect((await tool(['topics', ...bs, '--create', '--topic', 'moved', '--replica-assignment', '0:1'])).code).toBe(0);
  await cluster.waitForIsr({ topic: 'moved', partition: 0 }, [0, 1]);
  await kcatProduce(cluster.bootstrap, 'moved', Array.from({ length: 50 }, (_, i) => `record-${i}`), { partition: 0 });
});

afterAll(async () => {
  await cluster?.shutdown();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** The log dir of broker `id` holding moved-0 (its current, non-future log). */
function dirOf(id: number): string | null {
  for (const d of [dirA(id), dirB(id)]) if (existsSync(path.join(d, 'moved-0'))) return d;
  return null;
}

describe('partition operations tools', () => {
  it('log-dirs - --describe prints Kafka\'s two lines and the JSON; --topic-list filters', async () => {
    const r = await tool(['log-dirs', ...bs, '--describe', '--topic-list', 'moved']);
    const [q, received, json, end] = r.stdout.split('\n');
    expect(q).toBe('Querying brokers for log directories information');
    expect(received).toBe('Received log directory information from brokers 0,1,2');
    expect(end).toBe('');
    const parsed = JSON.parse(json!) as { version: number; brokers: Array<{ broker: number; logDirs: Array<{ logDir: string; error: null; partitions: Array<{ partition: string; size: number; offsetLag: number; isFuture: boolean }> }> }> };
    expect(parsed.version).toBe(1);
    expect(parsed.brokers.map((b) => b.broker)).toEqual([0, 1, 2]);
    const b0 = parsed.brokers[0]!;
    expect(b0.logDirs.map((d) => d.logDir).sort()).toEqual([dirA(0), dirB(0)].sort());
    const withMoved = b0.logDirs.find((d) => d.partitions.length > 0)!;
    expect(withMoved.error).toBeNull();
    expect(withMoved.partitions).toEqual([{ partition: 'moved-0', size: expect.any(Number), offsetLag: 0, isFuture: false }]);
    expect(withMoved.partitions[0]!.size).toBeGreaterThan(0);
    expect(json).toMatch(/^\{"version":1,"brokers":\[\{"broker":0,"logDirs":\[\{"logDir":"[^"]+","error":null,"partitions":/);
  });

  it('reassign - --execute with log_dirs moves a replica to another broker and another replica between log dirs; --verify reports it', async () => {
    const from0 = dirOf(0)!;
    const to0 = from0 === dirA(0) ? dirB(0) : dirA(0);
    const plan = path.join(tmp, 'plan.json');
    await writeFile(plan, JSON.stringify({ version: 1, partitions: [{ topic: 'moved', partition: 0, replicas: [0, 2], log_dirs: [to0, 'any'] }] }));
    const r = await tool(['reassign-partitions', ...bs, '--execute', '--reassignment-json-file', plan]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      'Current partition replica assignment\n\n{"version":1,"partitions":[{"topic":"moved","partition":0,"replicas":[0,1],"log_dirs":["any","any"]}]}\n\n' +
        'Save this to use as the --reassignment-json-file option during rollback\n' +
        'Successfully started partition reassignment for moved-0\n' +
        'Successfully started log directory move for: moved-0-0\n',
    );
    const v = await waitFor(
      async () => {
        const out = await tool(['reassign-partitions', ...bs, '--verify', '--reassignment-json-file', plan]);
        return out.stdout.includes('completed successfully') && out.stdout.includes('is complete') ? out : null;
      },
      { what: 'the reassignment and the log dir move done', timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(v.stdout).toBe(
      'Status of partition reassignment:\nReassignment of partition moved-0 is complete.\n\n' +
        'Reassignment of replica log directories:\nReassignment of replica moved-0-0 completed successfully.\n' +
        'Clearing broker-level throttles on brokers 0,1,2\nClearing topic-level throttles on topic moved\n',
    );
    expect(dirOf(0)).toBe(to0);
    expect(readdirSync(to0).some((n) => n.endsWith('-future'))).toBe(false);
    // every record is still there, read from the moved log (broker 0 leads)
    await cluster.waitForIsr({ topic: 'moved', partition: 0 }, [0, 2]);
    expect((await kcatConsume(cluster.bootstrap, 'moved', { count: 50 })).map((m) => m.value)).toEqual(Array.from({ length: 50 }, (_, i) => `record-${i}`));
    await kcatProduce(cluster.bootstrap, 'moved', ['after-move'], { partition: 0 });
    expect((await kcatConsume(cluster.bootstrap, 'moved', { offset: 50, count: 1 })).map((m) => m.value)).toEqual(['after-move']);
  });

  it('reassign - --generate proposes an assignment on the given brokers; bad JSON and unknown dirs are one error line', async () => {
    const topics = path.join(tmp, 'topics.json');
    await writeFile(topics, JSON.stringify({ version: 1, topics: [{ topic: 'moved' }] }));
    const g = await tool(['reassign-partitions', ...bs, '--generate', '--topics-to-move-json-file', topics, '--broker-list', '1,2']);
    const lines = g.stdout.split('\n');
    expect(lines[0]).toBe('Current partition replica assignment');
    expect(lines[1]).toBe('{"version":1,"partitions":[{"topic":"moved","partition":0,"replicas":[0,2],"log_dirs":["any","any"]}]}');
    expect(lines[2]).toBe('');
    expect(lines[3]).toBe('Proposed partition reassignment configuration');
    expect(lines[4]).toMatch(/^\{"version":1,"partitions":\[\{"topic":"moved","partition":0,"replicas":\[(1,2|2,1)\],"log_dirs":\["any","any"\]\}\]\}$/);
    const bad = path.join(tmp, 'bad.json');
    await writeFile(bad, JSON.stringify({ version: 1, partitions: [{ topic: 'moved', partition: 0, replicas: [0, 2], log_dirs: ['any'] }] }));
    const b = await tool(['reassign-partitions', ...bs, '--execute', '--reassignment-json-file', bad]);
    expect(b).toEqual({ code: 1, stdout: '', stderr: 'Error: Size of replicas list [0,2] is different from size of log dirs list ["any"] for partition moved-0\n' });
    await writeFile(bad, JSON.stringify({ version: 1, partitions: [{ topic: 'moved', partition: 0, replicas: [0, 2], log_dirs: ['/nowhere', 'any'] }] }));
    const nowhere = await tool(['reassign-partitions', ...bs, '--execute', '--reassignment-json-file', bad]);
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toContain('Failed to move moved-0 on broker 0 to /nowhere: The user-specified log directory is not found in the broker config.');
  });

  it('AlterReplicaLogDirs from kafka-python\'s protocol layer: NONE, LOG_DIR_NOT_FOUND, NOT_LEADER_OR_FOLLOWER', async () => {
    const port = cluster.port(2);
    const here = dirOf(2)!;
    const other = here === dirA(2) ? dirB(2) : dirA(2);
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
node = 2
client.await_ready = None
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
    await waitFor(() => dirOf(2) === other, { what: 'broker 2 moved moved-0 to its other dir', timeoutMs: 30_000 });
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
    const dir = path.join(dirOf(0)!, 'moved-0');
    const log = path.join(dir, '00000000000000000000.log');
    const r = await tool(['dump-log', '--files', log, '--print-data-log']);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`Dumping ${log}`);
    expect(lines[1]).toBe('Starting offset: 0');
    expect(lines[2]).toMatch(
      /^baseOffset: 0 lastOffset: 49 count: 50 baseSequence: -1 lastSequence: -1 producerId: -1 producerEpoch: -1 partitionLeaderEpoch: 0 isTransactional: false isControl: false position: 0 CreateTime: \d{13} size: \d+ magic: 2 compresscodec: NONE crc: \d+ isvalid: true$/,
    );
    expect(lines[3]).toMatch(/^\| offset: 0 CreateTime: \d{13} keysize: -1 valuesize: 8 sequence: -1 headerKeys: \[\] payload: record-0$/);
    expect(lines.filter((l) => l.startsWith('| offset:'))).toHaveLength(51);
    const shallow = await tool(['dump-log', '--files', log]);
    expect(shallow.stdout.split('\n').filter((l) => l.startsWith('| offset:'))).toHaveLength(0);
    const idx = await tool(['dump-log', '--files', `${log.replace(/\.log$/, '.index')},${log.replace(/\.log$/, '.timeindex')}`]);
    expect(idx.code).toBe(0);
    expect(idx.stdout).toMatch(/^Dumping .*\.index\n(offset: \d+ position: \d+\n)*Dumping .*\.timeindex\n(timestamp: \d+ offset: \d+\n)*$/);
    // as with Kafka's tool, the active segment's preallocated index shows its empty first slot, and the
    // sanity check reports it (on stderr) against the batch at position 0
    expect(idx.stderr).toMatch(/^(Mismatches in :.*\.index\n  Index offset: 0, log offset: 49\n)?$/);
    const snap = await tool(['dump-log', '--files', path.join(dir, '00000000000000000050.snapshot')]);
    expect(snap.code).toBe(1);
  });

  it('zookeeper-shell - ls, get and stat as ZooKeeperMain prints them; a missing node is an error', async () => {
    const ls = await tool(['zookeeper-shell', cluster.zkConnect, 'ls', '/brokers/ids']);
    expect(ls.stdout).toBe(`Connecting to ${cluster.zkConnect}\n\nWATCHER::\n\nWatchedEvent state:SyncConnected type:None path:null\n[0, 1, 2]\n`);
    const get = await tool(['zookeeper-shell', cluster.zkConnect, 'get', '/controller']);
    expect(get.stdout.split('\n').at(-2)).toMatch(/^\{"version":1,"brokerid":\d,"timestamp":"\d+"\}$/);
    const stat = await tool(['zookeeper-shell', cluster.zkConnect, 'stat', '/brokers/ids']);
    expect(stat.stdout).toMatch(/\ncZxid = 0x[0-9a-f]+\nctime = \w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4}\n.*\nnumChildren = 3\n$/s);
    const missing = await tool(['zookeeper-shell', cluster.zkConnect, 'get', '/nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('Node does not exist: /nope\n');
  });
});
