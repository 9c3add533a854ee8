/**
 * What the composition root wires for `http.listener` (broker.ts stays the startup/shutdown sequence):
 * the broker's Prometheus metrics, whose gauges read the live components at scrape time, and the HTTP
 * listener serving them with the web view, which asks the cluster through the broker's own listener.
 */
import { KafkaClient } from './client/kafka-client.js';
import type { ClientSecurity } from './network/client.js';
import type { ReplicaCountsSnapshot } from './cluster/replica-manager.js';
import { childLogger, type Logger } from './common/logger.js';
import type { EndPoint } from './config/listeners.js';
import type { ControllerGauges } from './controller/controller-metrics.js';
import { BrokerMetrics } from './metrics/broker-metrics.js';
import { readClusterView, readZNode } from './web/cluster-view.js';
import { CoordinationTimeline } from './web/coordination-timeline.js';
import { HttpListener, parseHttpListener } from './web/http-listener.js';
import type { KafkaZkClient } from './zk/kafka-zk-client.js';

/** The broker's live state the gauges sample (null before the component exists). */
export interface ObservedBroker {
  replicas(): ReplicaCountsSnapshot | null;
  controller(): ControllerGauges | null;
  purgatorySizes(): Record<string, number>;
  /** group state → groups this broker coordinates */
  groups(): Record<string, number>;
}

const NO_REPLICAS: ReplicaCountsSnapshot = { partitions: 0, leaders: 0, underReplicated: 0, underMinIsr: 0, atMinIsr: 0, offlineReplicas: 0, maxFollowerLag: 0 };
const NO_CONTROLLER: ControllerGauges = { active: false, offlinePartitions: 0, globalTopics: 0, globalPartitions: 0, preferredReplicaImbalance: 0, topicsToDelete: 0, replicasToDelete: 0 };

export function createBrokerMetrics(zk: KafkaZkClient, broker: ObservedBroker): BrokerMetrics {
  const metrics = new BrokerMetrics({
    replicas: () => broker.replicas() ?? NO_REPLICAS,
    controller: () => broker.controller() ?? NO_CONTROLLER,
    purgatorySizes: () => broker.purgatorySizes(),
    maxFollowerLag: () => broker.replicas()?.maxFollowerLag ?? 0,
    zkSessionState: () => zk.zk.state.toUpperCase(),
    groups: () => broker.groups(),
  });
  zk.zk.on('expired', () => metrics.zkSessionEvent('expired'));
  zk.zk.on('disconnected', () => metrics.zkSessionEvent('disconnected'));
  zk.zk.on('connected', () => metrics.zkSessionEvent('connected'));
  zk.zk.onRequestLatency = (ms) => metrics.zkRequestLatency(ms);
  return metrics;
}

export interface BrokerHttpOptions {
  /** the `http.listener` value, host:port */
  listener: string;
  brokerId: number;
  zk: KafkaZkClient;
  zookeeperConnect: string;
  metrics: BrokerMetrics;
  timeline: CoordinationTimeline | null;
  /** the broker's advertised endpoints; the web view's client uses the inter-broker one */
  endpoints: readonly EndPoint[];
  interBrokerListenerName: string;
  /** TLS / SASL of the inter-broker listener, for the web view's client */
  clientSecurity?: ClientSecurity;
  log: Logger;
}

/** Starts the HTTP listener; the returned client must be closed with it. */
export async function startBrokerHttp(o: BrokerHttpOptions): Promise<{ listener: HttpListener; client: KafkaClient }> {
  const { host, port } = parseHttpListener(o.listener);
  const own = o.endpoints.find((e) => e.listenerName === o.interBrokerListenerName) ?? o.endpoints[0];
  const client = new KafkaClient({ bootstrapServers: `${own?.host ?? '127.0.0.1'}:${own?.port ?? 9092}`, clientId: `broker-${o.brokerId}-web-view`, timeoutMs: 5000, ...(o.clientSecurity ? { security: o.clientSecurity } : {}) });
  const listener = new HttpListener({
    host,
    port,
    log: childLogger(o.log, 'http-listener'),
    metrics: o.metrics,
    timeline: o.timeline ?? new CoordinationTimeline(),
    clusterView: () => readClusterView({ brokerId: o.brokerId, zk: o.zk, zkConnect: o.zookeeperConnect, client }),
    zNode: (path) => readZNode(o.zk, path),
  });
  try {
    await listener.start();
  } catch (err) {
    await client.close();
    throw err;
  }
  return { listener, client };
}
