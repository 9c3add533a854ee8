/**
 * A broker's Prometheus metrics, named as Kafka's JMX exporter (`kafka-2_0_0.yml` rules) names
 * Kafka 2.7's MBeans (reference/ecosystem.md §4.1), so existing dashboards and alerts work:
 * lower-cased `<domain>_<type>_<name>`, meters as `_total` counters, timers as summaries with
 * `quantile` labels plus `_count`/`_sum`. Node's process metrics come with prom-client's defaults.
 *
 * Cost rules: the hooks (`requestCompleted`, `messagesAppended`, `bytesOut`, ...) are called once
 * per request or per partition of a request, never per record; label children are cached, and
 * labels are bounded (request name × version, error name, topic, delayed-operation name).
 * Gauges are sampled at scrape time from `GaugeSources`, so state never has to be mirrored.
 * One registry per broker: several brokers in one process (tests) do not share series.
 */
import { Counter, Gauge, Registry, Summary, collectDefaultMetrics, type LabelValues } from 'prom-client';
import type { ReplicaCountsSnapshot } from '../cluster/replica-manager.js';
import type { ControllerGauges } from '../controller/controller-metrics.js';

/** What the metrics read of the replica manager and the controller: their own snapshots. */
export type ReplicaCounts = Omit<ReplicaCountsSnapshot, 'maxFollowerLag'>;
export type ControllerCounts = ControllerGauges;

/** What the gauges read at scrape time (wired by the composition root). */
export interface GaugeSources {
  replicas(): ReplicaCounts;
  controller(): ControllerCounts;
  /** delayedOperation name (Produce, Fetch, topic, ...) → waiting operations */
  purgatorySizes(): Record<string, number>;
  /** the largest lag (messages) of this broker's follower partitions behind their leaders */
  maxFollowerLag(): number;
  /** ZooKeeper session state: CONNECTED, DISCONNECTED, EXPIRED, CLOSED, ... */
  zkSessionState(): string;
  /** group state → number of groups this broker coordinates */
  groups(): Record<string, number>;
}

const ZK_STATES = ['CONNECTED', 'CONNECTEDREADONLY', 'DISCONNECTED', 'EXPIRED', 'AUTH_FAILED', 'CLOSED'] as const;
const GROUP_STATES = ['PreparingRebalance', 'CompletingRebalance', 'Empty', 'Stable', 'Dead'] as const;
const PERCENTILES = [0.5, 0.75, 0.95, 0.98, 0.99, 0.999];
/** summaries forget after 10 minutes, in 5 rotating buckets (prom-client's sliding window) */
const WINDOW = { maxAgeSeconds: 600, ageBuckets: 5 };

type CounterChild = { inc(value?: number): void };
type SummaryChild = { observe(value: number): void };

export class BrokerMetrics {
  readonly registry = new Registry();

  private readonly requests: Counter<'request' | 'version'>;
  private readonly errors: Counter<'request' | 'error'>;
  private readonly totalTime: Summary<'request'>;
  private readonly messagesIn: Counter<'topic'>;
  private readonly bytesIn: Counter<'topic'>;
  private readonly bytesOutCounter: Counter<'topic'>;
  private readonly replicationBytesIn: Counter;
  private readonly replicationBytesOut: Counter;
  private readonly isrShrinks: Counter;
  private readonly isrExpands: Counter;
  private readonly leaderElections: Summary;
  private readonly uncleanElections: Counter;
  private readonly zkExpires: Counter;
  private readonly zkDisconnects: Counter;
  private readonly zkSyncConnects: Counter;
  private readonly zkLatency: Summary;

  private readonly requestChildren = new Map<string, CounterChild>();
  private readonly errorChildren = new Map<string, CounterChild>();
  private readonly timeChildren = new Map<string, SummaryChild>();
  private readonly topicChildren = new Map<string, { messages: CounterChild; bytesIn: CounterChild; bytesOut: CounterChild }>();

  constructor(sources: GaugeSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    const counter = <L extends string = never>(name: string, help: string, labelNames: L[] = []) =>
      new Counter<L>({ name, help, labelNames, registers });
    const summary = <L extends string = never>(name: string, help: string, labelNames: L[] = []) =>
      new Summary<L>({ name, help, labelNames, percentiles: PERCENTILES, ...WINDOW, registers });
    const gauge = <L extends string = never>(name: string, help: string, sample: (g: Gauge<L>) => void, labelNames: L[] = []) =>
      new Gauge<L>({
        name,
        help,
        labelNames,
        registers,
        collect() {
          sample(this);
        },
      });

    this.requests = counter('kafka_network_requestmetrics_requests_total', 'RequestMetrics RequestsPerSec: requests by API (Fetch split into FetchConsumer/FetchFollower) and version', ['request', 'version']);
    this.errors = counter('kafka_network_requestmetrics_errors_total', 'RequestMetrics ErrorsPerSec: error codes in responses, by API and error name', ['request', 'error']);
    this.totalTime = summary('kafka_network_requestmetrics_totaltimems', 'RequestMetrics TotalTimeMs: from the request read to its response encoded, ms', ['request']);
    this.messagesIn = counter('kafka_server_brokertopicmetrics_messagesin_total', 'BrokerTopicMetrics MessagesInPerSec: records appended as leader (no topic label = all topics)', ['topic']);
    this.bytesIn = counter('kafka_server_brokertopicmetrics_bytesin_total', 'BrokerTopicMetrics BytesInPerSec: bytes appended from producers (no topic label = all topics)', ['topic']);
    this.bytesOutCounter = counter('kafka_server_brokertopicmetrics_bytesout_total', 'BrokerTopicMetrics BytesOutPerSec: record bytes sent to consumers (no topic label = all topics)', ['topic']);
    this.replicationBytesIn = counter('kafka_server_brokertopicmetrics_replicationbytesin_total', 'BrokerTopicMetrics ReplicationBytesInPerSec: bytes appended as a follower');
    this.replicationBytesOut = counter('kafka_server_brokertopicmetrics_replicationbytesout_total', 'BrokerTopicMetrics ReplicationBytesOutPerSec: record bytes sent to followers');
    this.isrShrinks = counter('kafka_server_replicamanager_isrshrinks_total', 'ReplicaManager IsrShrinksPerSec: ISR shrinks of partitions this broker leads');
    this.isrExpands = counter('kafka_server_replicamanager_isrexpands_total', 'ReplicaManager IsrExpandsPerSec: ISR expansions of partitions this broker leads');
    this.leaderElections = summary('kafka_controller_controllerstats_leaderelectionrateandtimems', 'ControllerStats LeaderElectionRateAndTimeMs: leader elections run by this controller, ms each');
    this.uncleanElections = counter('kafka_controller_controllerstats_uncleanleaderelections_total', 'ControllerStats UncleanLeaderElectionsPerSec: partitions given an out-of-sync leader');
    this.zkExpires = counter('kafka_server_sessionexpirelistener_zookeeperexpires_total', 'SessionExpireListener ZooKeeperExpiresPerSec');
    this.zkDisconnects = counter('kafka_server_sessionexpirelistener_zookeeperdisconnects_total', 'SessionExpireListener ZooKeeperDisconnectsPerSec');
    this.zkSyncConnects = counter('kafka_server_sessionexpirelistener_zookeepersyncconnects_total', 'SessionExpireListener ZooKeeperSyncConnectsPerSec');
    this.zkLatency = summary('kafka_server_zookeeperclientmetrics_zookeeperrequestlatencyms', 'ZooKeeperClientMetrics ZooKeeperRequestLatencyMs: ZooKeeper request latency, ms');

    const replicas = (pick: (c: ReplicaCounts) => number) => (g: Gauge) => g.set(pick(sources.replicas()));
    gauge('kafka_server_replicamanager_partitioncount', 'ReplicaManager PartitionCount: partitions hosted here', replicas((c) => c.partitions));
    gauge('kafka_server_replicamanager_leadercount', 'ReplicaManager LeaderCount: partitions led here', replicas((c) => c.leaders));
    gauge('kafka_server_replicamanager_underreplicatedpartitions', 'ReplicaManager UnderReplicatedPartitions: led here with ISR < replicas', replicas((c) => c.underReplicated));
    gauge('kafka_server_replicamanager_underminisrpartitioncount', 'ReplicaManager UnderMinIsrPartitionCount', replicas((c) => c.underMinIsr));
    gauge('kafka_server_replicamanager_atminisrpartitioncount', 'ReplicaManager AtMinIsrPartitionCount', replicas((c) => c.atMinIsr));
    gauge('kafka_server_replicamanager_offlinereplicacount', 'ReplicaManager OfflineReplicaCount', replicas((c) => c.offlineReplicas));

    const controller = (pick: (c: ControllerCounts) => number) => (g: Gauge) => g.set(pick(sources.controller()));
    gauge('kafka_controller_kafkacontroller_activecontrollercount', 'KafkaController ActiveControllerCount: 1 on the controller (sum over the cluster = 1)', controller((c) => (c.active ? 1 : 0)));
    gauge('kafka_controller_kafkacontroller_offlinepartitionscount', 'KafkaController OfflinePartitionsCount (controller only)', controller((c) => c.offlinePartitions));
    gauge('kafka_controller_kafkacontroller_globaltopiccount', 'KafkaController GlobalTopicCount (controller only)', controller((c) => c.globalTopics));
    gauge('kafka_controller_kafkacontroller_globalpartitioncount', 'KafkaController GlobalPartitionCount (controller only)', controller((c) => c.globalPartitions));
    gauge('kafka_controller_kafkacontroller_preferredreplicaimbalancecount', 'KafkaController PreferredReplicaImbalanceCount (controller only)', controller((c) => c.preferredReplicaImbalance));
    gauge('kafka_controller_kafkacontroller_topicstodeletecount', 'KafkaController TopicsToDeleteCount (controller only)', controller((c) => c.topicsToDelete));
    gauge('kafka_controller_kafkacontroller_replicastodeletecount', 'KafkaController ReplicasToDeleteCount (controller only)', controller((c) => c.replicasToDelete));

    gauge(
      'kafka_server_delayedoperationpurgatory_purgatorysize',
      'DelayedOperationPurgatory PurgatorySize: operations waiting, by delayedOperation',
      (g) => {
        for (const [op, size] of Object.entries(sources.purgatorySizes())) g.set({ delayedOperation: op }, size);
      },
      ['delayedOperation'],
    );
    gauge('kafka_server_replicafetchermanager_maxlag', 'ReplicaFetcherManager MaxLag: largest follower lag in messages', (g) => g.set({ clientId: 'Replica' }, sources.maxFollowerLag()), ['clientId']);
    gauge(
      'kafka_server_sessionexpirelistener_sessionstate',
      'SessionExpireListener SessionState as a 0/1 gauge per state (the JMX string gauge)',
      (g) => {
        const now = sources.zkSessionState();
        for (const s of ZK_STATES) g.set({ state: s }, s === now ? 1 : 0);
      },
      ['state'],
    );
    gauge(
      'kafka_server_groupmetadatamanager_numgroups',
      'GroupMetadataManager NumGroups: groups coordinated here',
      (g) => g.set(Object.values(sources.groups()).reduce((a, b) => a + b, 0)),
    );
    for (const state of GROUP_STATES) {
      gauge(`kafka_server_groupmetadatamanager_numgroups${state.toLowerCase()}`, `GroupMetadataManager NumGroups${state}`, (g) => g.set(sources.groups()[state] ?? 0));
    }
  }

  /** Prometheus text exposition format. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Once per response: the request counted by name and version, its time, and its error codes. */
  requestCompleted(request: string, version: number, totalTimeMs: number, errorCounts: ReadonlyMap<string, number>): void {
    const key = `${request}\u0000${version}`;
    let c = this.requestChildren.get(key);
    if (!c) this.requestChildren.set(key, (c = this.requests.labels({ request, version: String(version) } as LabelValues<'request' | 'version'>)));
    c.inc();
    let t = this.timeChildren.get(request);
    if (!t) this.timeChildren.set(request, (t = this.totalTime.labels({ request })));
    t.observe(totalTimeMs);
    for (const [error, n] of errorCounts) {
      const ek = `${request}\u0000${error}`;
      let e = this.errorChildren.get(ek);
      if (!e) this.errorChildren.set(ek, (e = this.errors.labels({ request, error })));
      e.inc(n);
    }
  }

  private topic(topic: string) {
    let t = this.topicChildren.get(topic);
    if (!t) {
      t = { messages: this.messagesIn.labels({ topic }), bytesIn: this.bytesIn.labels({ topic }), bytesOut: this.bytesOutCounter.labels({ topic }) };
      this.topicChildren.set(topic, t);
    }
    return t;
  }

  /** A leader append of one partition's records. */
  messagesAppended(topic: string, messages: number, bytes: number): void {
    const t = this.topic(topic);
    t.messages.inc(messages);
    t.bytesIn.inc(bytes);
    this.messagesIn.inc(messages);
    this.bytesIn.inc(bytes);
  }

  /** Record bytes of one partition in a fetch response, to a consumer or to a follower. */
  bytesOut(topic: string, bytes: number, toFollower: boolean): void {
    if (bytes === 0) return;
    if (toFollower) {
      this.replicationBytesOut.inc(bytes);
      return;
    }
    this.topic(topic).bytesOut.inc(bytes);
    this.bytesOutCounter.inc(bytes);
  }

  /** A follower append (replica fetcher). */
  replicationBytesAppended(bytes: number): void {
    if (bytes > 0) this.replicationBytesIn.inc(bytes);
  }

  isrShrunk(): void {
    this.isrShrinks.inc();
  }

  isrExpanded(): void {
    this.isrExpands.inc();
  }

  /** One controller election round: its duration and how many leaders it chose out of sync. */
  leaderElection(durationMs: number, unclean: number): void {
    this.leaderElections.observe(durationMs);
    if (unclean > 0) this.uncleanElections.inc(unclean);
  }

  zkSessionEvent(event: 'expired' | 'disconnected' | 'connected'): void {
    if (event === 'expired') this.zkExpires.inc();
    else if (event === 'disconnected') this.zkDisconnects.inc();
    else this.zkSyncConnects.inc();
  }

  zkRequestLatency(ms: number): void {
    this.zkLatency.observe(ms);
  }
}
