/**
 * WriteTxnMarkers over the inter-broker listener (Kafka's TransactionMarkerChannelManager network
 * client, with the listener's TLS / SASL settings): partition leaders come from the metadata cache, one BrokerClient per destination broker
 * (replaced when the broker's endpoint changes), requests time out after request.timeout.ms.
 */
import type { Logger } from '../../common/logger.js';
import type { TopicPartition } from '../../common/topic-partition.js';
import type { MetadataCache } from '../../metadata/metadata-cache.js';
import { BrokerClient, type ClientSecurity } from '../../network/client.js';
import type { ErrorCode } from '../../protocol/error-codes.js';
import { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../../protocol/messages/write-txn-markers.js';
import type { MarkerDestination, MarkerResult, MarkerTransport, TxnMarkerEntry } from './transaction-marker-channel-manager.js';

const WRITE_TXN_MARKERS = { request: WriteTxnMarkersRequest, response: WriteTxnMarkersResponse };

export interface TxnMarkerTransportOptions {
  readonly metadataCache: MetadataCache;
  readonly interBrokerListenerName: string;
  readonly requestTimeoutMs: number;
  readonly clientId: string;
  readonly log: Logger;
  /** TLS / SASL of the inter-broker listener */
  readonly security?: ClientSecurity;
}

export class TxnMarkerTransport implements MarkerTransport {
  private readonly clients = new Map<number, { address: string; client: BrokerClient }>();

  constructor(private readonly opts: TxnMarkerTransportOptions) {}

  leaderFor(tp: TopicPartition): MarkerDestination | 'no-endpoint' | null {
    const cache = this.opts.metadataCache;
    const info = cache.partition(tp);
    if (!info) return null;
    if (!cache.isBrokerAlive(info.leader)) return 'no-endpoint';
    const endpoint = cache.endpoint(info.leader, this.opts.interBrokerListenerName);
    return endpoint ? { brokerId: info.leader, host: endpoint.host, port: endpoint.port } : 'no-endpoint';
  }

  async send(destination: MarkerDestination, markers: readonly TxnMarkerEntry[]): Promise<MarkerResult[]> {
    const response = await this.client(destination).send(WRITE_TXN_MARKERS, 0, {
      markers: markers.map((m) => ({
        producerId: m.producerId,
        producerEpoch: m.producerEpoch,
        transactionResult: m.commit,
        topics: byTopic(m.partitions),
        coordinatorEpoch: m.coordinatorEpoch,
      })),
    });
    return response.markers.map((m) => ({
      producerId: m.producerId,
      partitions: m.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, errorCode: p.errorCode as ErrorCode }))),
    }));
  }

  async shutdown(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map((c) => c.client.close()));
  }

  private client(d: MarkerDestination): BrokerClient {
    const address = `${d.host}:${d.port}`;
    const existing = this.clients.get(d.brokerId);
    if (existing?.address === address) return existing.client;
    if (existing) void existing.client.close();
    const client = new BrokerClient({
      host: d.host,
      port: d.port,
      clientId: this.opts.clientId,
      requestTimeoutMs: this.opts.requestTimeoutMs,
      log: this.opts.log,
      ...(this.opts.security ? { security: this.opts.security } : {}),
    });
    this.clients.set(d.brokerId, { address, client });
    return client;
  }
}

function byTopic(partitions: readonly TopicPartition[]): Array<{ name: string; partitionIndexes: number[] }> {
  const topics = new Map<string, number[]>();
  for (const tp of partitions) {
    let list = topics.get(tp.topic);
    if (!list) topics.set(tp.topic, (list = []));
    list.push(tp.partition);
  }
  return [...topics].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
}
