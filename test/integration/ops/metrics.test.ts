/**
 * GET /metrics on every broker of a 3-broker cluster (http.listener on a free port): the Prometheus
 * text parses, carries the JMX-exporter names with the right types, and the values move with
 * produce (MessagesIn/BytesIn, Produce requests), fetch (BytesOut, FetchConsumer) and a failover
 * (ActiveControllerCount sums to 1 before and after, leader elections counted on the new
 * controller, OfflinePartitions and under-replicated partitions seen).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kcatConsume, kcatProduce } from '../../harness/clients.js';
import { waitFor } from '../../harness/wait-for.js';
import { tool } from '../tools/tool-kit.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface Scrape {
  types: Map<string, string>;
  samples: Sample[];
}

/** A small parser of the Prometheus text format (what Prometheus itself would reject fails here). */
export function parsePrometheus(text: string): Scrape {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const t = /^# TYPE (\S+) (counter|gauge|summary|histogram|untyped)$/.exec(line);
    if (t) {
      types.set(t[1]!, t[2]!);
      continue;
    }
    if (line.startsWith('# HELP ') || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( \d+)?$/.exec(line);
    if (!m) throw new Error(`unparsable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[4]) });
  }
  return { types, samples };
}

const value = (s: Scrape, name: string, labels: Record<string, string> = {}): number | undefined =>
  s.samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v) && Object.keys(x.labels).length === Object.keys(labels).length)?.value;

let cluster: Cluster;
const scrape = async (id: number): Promise<Scrape> => {
  const url = cluster.broker(id).httpUrl;
  if (!url) throw new Error(`broker ${id} has no http listener`);
  const res = await fetch(`${url}metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await res.text());
};

beforeAll(async () => {
  cluster = await startCluster({ brokers: 3, inProcess: true, brokerConfig: { 'http.listener': '127.0.0.1:0' } });
});

afterAll(async () => {
  await cluster?.close();
});

describe('metrics (GET /metrics)', () => {
  it('metrics - JMX-exporter names and types, Node process metrics, one active controller', async () => {
    const s = await scrape(0);
    const expected: Record<string, string> = {
      kafka_server_replicamanager_underreplicatedpartitions: 'gauge',
      kafka_server_replicamanager_partitioncount: 'gauge',
      kafka_server_replicamanager_leadercount: 'gauge',
      kafka_server_replicamanager_underminisrpartitioncount: 'gauge',
      kafka_controller_kafkacontroller_offlinepartitionscount: 'gauge',
      kafka_controller_kafkacontroller_activecontrollercount: 'gauge',
      kafka_controller_kafkacontroller_globalpartitioncount: 'gauge',
      kafka_server_brokertopicmetrics_messagesin_total: 'counter',
      kafka_server_brokertopicmetrics_bytesin_total: 'counter',
      kafka_server_brokertopicmetrics_bytesout_total: 'counter',
      kafka_network_requestmetrics_requests_total: 'counter',
      kafka_network_requestmetrics_errors_total: 'counter',
      kafka_network_requestmetrics_totaltimems: 'summary',
      kafka_server_replicamanager_isrshrinks_total: 'counter',
      kafka_server_replicamanager_isrexpands_total: 'counter',
      kafka_controller_controllerstats_leaderelectionrateandtimems: 'summary',
      kafka_controller_controllerstats_uncleanleaderelections_total: 'counter',
      kafka_server_delayedoperationpurgatory_purgatorysize: 'gauge',
      kafka_server_sessionexpirelistener_sessionstate: 'gauge',
      kafka_server_sessionexpirelistener_zookeeperexpires_total: 'counter',
      kafka_server_zookeeperclientmetrics_zookeeperrequestlatencyms: 'summary',
      kafka_server_replicafetchermanager_maxlag: 'gauge',
      process_cpu_seconds_total: 'counter',
      nodejs_heap_size_used_bytes: 'gauge',
    };
    for (const [name, type] of Object.entries(expected)) expect([name, s.types.get(name)]).toEqual([name, type]);
    expect(value(s, 'kafka_server_sessionexpirelistener_sessionstate', { state: 'CONNECTED' })).toBe(1);
    expect(value(s, 'kafka_server_delayedoperationpurgatory_purgatorysize', { delayedOperation: 'Produce' })).toBe(0);
    expect(value(s, 'kafka_server_zookeeperclientmetrics_zookeeperrequestlatencyms_count')).toBeGreaterThan(0);
    const active = await Promise.all(cluster.ids.map(async (id) => value(await scrape(id), 'kafka_controller_kafkacontroller_activecontrollercount')));
    expect(active.reduce((a, b) => (a ?? 0) + (b ?? 0), 0)).toBe(1);
  });

  it('metrics - produce and fetch move MessagesIn, BytesIn, BytesOut and the request metrics', async () => {
    expect((await tool(['topics', '--bootstrap-server', cluster.bootstrapServers, '--create', '--topic', 'metered', '--replica-assignment', '1:0:2'])).code).toBe(0);
    await cluster.waitForLeader({ topic: 'metered', partition: 0 });
    await waitFor(async () => value(await scrape(1), 'kafka_server_replicamanager_leadercount') !== undefined, { what: 'scrape' });
    const before = await scrape(1);
    await kcatProduce(cluster.bootstrapServers, 'metered', ['a', 'b', 'c', 'd', 'e'], { partition: 0 });
    const got = await kcatConsume(cluster.bootstrapServers, 'metered', { count: 5 });
    expect(got).toHaveLength(5);
    const after = await waitFor(
      async () => {
        const s = await scrape(1);
        return (value(s, 'kafka_server_brokertopicmetrics_messagesin_total', { topic: 'metered' }) ?? 0) >= 5 ? s : null;
      },
      { what: 'MessagesIn of metered on broker 1' },
    );
    expect(value(after, 'kafka_server_brokertopicmetrics_messagesin_total', { topic: 'metered' })).toBe(5);
    expect(value(after, 'kafka_server_brokertopicmetrics_messagesin_total')! - (value(before, 'kafka_server_brokertopicmetrics_messagesin_total') ?? 0)).toBeGreaterThanOrEqual(5);
    expect(value(after, 'kafka_server_brokertopicmetrics_bytesin_total', { topic: 'metered' })).toBeGreaterThan(61); // one v2 batch: 61-byte header + 5 records
    expect(value(after, 'kafka_server_brokertopicmetrics_bytesout_total', { topic: 'metered' })).toBeGreaterThan(0);
    const produce = after.samples.filter((x) => x.name === 'kafka_network_requestmetrics_requests_total' && x.labels.request === 'Produce');
    expect(produce.reduce((a, x) => a + x.value, 0)).toBeGreaterThanOrEqual(1);
    expect(after.samples.some((x) => x.name === 'kafka_network_requestmetrics_requests_total' && x.labels.request === 'FetchConsumer')).toBe(true);
    expect(after.samples.some((x) => x.name === 'kafka_network_requestmetrics_requests_total' && x.labels.request === 'FetchFollower')).toBe(true);
    expect(value(after, 'kafka_network_requestmetrics_totaltimems_count', { request: 'Produce' })).toBeGreaterThanOrEqual(1);
    expect(value(after, 'kafka_network_requestmetrics_totaltimems', { request: 'Produce', quantile: '0.99' })).toBeGreaterThanOrEqual(0);
    expect(value(after, 'kafka_network_requestmetrics_errors_total', { request: 'Produce', error: 'NONE' })).toBeGreaterThanOrEqual(1);
    // replication to followers 0 and 2
    expect(value(await scrape(0), 'kafka_server_brokertopicmetrics_replicationbytesin_total')).toBeGreaterThan(0);
  });

  it('metrics - a failover: elections counted on the controller, offline partitions, still one active controller', async () => {
    const controller = await cluster.controllerId();
    const victim = [0, 2].find((id) => id !== controller) ?? 0;
    const electionsBefore = value(await scrape(controller), 'kafka_controller_controllerstats_leaderelectionrateandtimems_count') ?? 0;
    for (const [topic, assignment] of [['moving', `${victim}:1`], ['solo', `${victim}`]] as const) {
      expect((await tool(['topics', '--bootstrap-server', cluster.bootstrapServers, '--create', '--topic', topic, '--replica-assignment', assignment])).code).toBe(0);
    }
    await cluster.waitForIsr({ topic: 'moving', partition: 0 }, [victim, 1]);
    await cluster.waitForLeader({ topic: 'solo', partition: 0 });
    await cluster.kill(victim);
    try {
      const s = await waitFor(
        async () => {
          const m = await scrape(controller);
          return (value(m, 'kafka_controller_controllerstats_leaderelectionrateandtimems_count') ?? 0) > electionsBefore &&
            (value(m, 'kafka_controller_kafkacontroller_offlinepartitionscount') ?? 0) >= 1
            ? m
            : null;
        },
        { what: 'an election and an offline partition on the controller', timeoutMs: 30_000 },
      );
      expect(value(s, 'kafka_controller_kafkacontroller_activecontrollercount')).toBe(1);
      expect(value(s, 'kafka_controller_kafkacontroller_globalpartitioncount')).toBeGreaterThanOrEqual(3);
      // moving-0 now led by 1 with ISR [1]
      expect(value(await scrape(1), 'kafka_server_replicamanager_underreplicatedpartitions')).toBeGreaterThanOrEqual(1);
    } finally {
      await cluster.restart(victim);
    }
    await waitFor(async () => value(await scrape(controller), 'kafka_controller_kafkacontroller_offlinepartitionscount') === 0, {
      what: 'no offline partition after the restart',
      timeoutMs: 30_000,
    });
    const active = await Promise.all(cluster.ids.map(async (id) => value(await scrape(id), 'kafka_controller_kafkacontroller_activecontrollercount')));
    expect(active.reduce((a, b) => (a ?? 0) + (b ?? 0), 0)).toBe(1);
  });

  it('metrics - a follower that stops fetching: the leader counts an ISR shrink, then an expand when it is back', async () => {
    await cluster.waitForIsr({ topic: 'metered', partition: 0 }, [1, 0, 2]);
    const before = await scrape(1);
    // broker 0 stays registered but stops replicating: the leader (1) drops it after replica.lag.time.max.ms
    await cluster.broker(0).replicaManager.shutdownFetchers();
    await kcatProduce(cluster.bootstrapServers, 'metered', ['f'], { partition: 0 }); // an idle follower is never out of sync
    await waitFor(
      async () => (value(await scrape(1), 'kafka_server_replicamanager_isrshrinks_total') ?? 0) > (value(before, 'kafka_server_replicamanager_isrshrinks_total') ?? 0),
      { what: 'an ISR shrink on broker 1', timeoutMs: 30_000 },
    );
    expect(value(await scrape(1), 'kafka_server_replicamanager_underreplicatedpartitions')).toBeGreaterThanOrEqual(1);
    await cluster.restart(0);
    await waitFor(
      async () => (value(await scrape(1), 'kafka_server_replicamanager_isrexpands_total') ?? 0) > (value(before, 'kafka_server_replicamanager_isrexpands_total') ?? 0),
      { what: 'an ISR expansion on broker 1', timeoutMs: 60_000 },
    );
  });
});
