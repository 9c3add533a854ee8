/**
 * The broker side of controlled shutdown (Kafka's KafkaServer.controlledShutdown, zk-and-controller.md §12): ask
 * the controller, up to `controlled.shutdown.max.retries` times `controlled.shutdown.retry.backoff.ms` apart, to
 * move this broker's leaderships away; after the last failed attempt the broker stops anyway ("unclean" but safe:
 * the controller moves what is left when the registration disappears).
 *
 * Every attempt is bounded, so the whole is too (a stop must end even with ZooKeeper or the controller gone):
 * - the controller is read from /controller and /brokers/ids/<id> (as 2.7 does) while the ZooKeeper session is
 *   connected, each read bounded by controller.socket.timeout.ms; otherwise from the metadata cache (the last
 *   UpdateMetadata names the controller and its endpoints);
 * - the connection is bounded by controller.socket.timeout.ms and the request by request.timeout.ms.
 * Worst case: retries × (2 × controller.socket.timeout.ms + request.timeout.ms) + (retries − 1) × backoff.
 *
 * No peer left: the controller answers with the partitions it could not move (2.7 does not elect a shutting-down
 * broker's successor from dead replicas). When no other replica of any of them is alive, retrying cannot change
 * that, so the broker stops at once instead of sleeping through the remaining backoffs (the last broker of a
 * cluster used to take retries × backoff to stop).
 */
import type { Logger } from '../common/logger.js';
import { withTimeout } from '../common/deadline.js';
import type { MetadataCache } from '../metadata/metadata-cache.js';
import { BrokerClient, type ClientSecurity } from '../network/client.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { ControlledShutdownRequest, ControlledShutdownResponse } from '../protocol/messages/controlled-shutdown.js';
import type { KafkaZkClient } from '../zk/kafka-zk-client.js';

export interface ControlledShutdownOptions {
  brokerId: number;
  brokerEpoch: number;
  interBrokerListenerName: string;
  /** TLS / SASL of the inter-broker listener, when it has them */
  security?: ClientSecurity;
  maxRetries: number;
  retryBackoffMs: number;
  /** controller.socket.timeout.ms: connection and each ZooKeeper read */
  socketTimeoutMs: number;
  /** request.timeout.ms */
  requestTimeoutMs: number;
  zk: KafkaZkClient;
  metadataCache: MetadataCache;
  log: Logger;
}

export type ControlledShutdownOutcome = 'succeeded' | 'no-peer-left' | 'gave-up';

interface ControllerAddress {
  id: number;
  host: string;
  port: number;
}

/** Runs the attempts; resolves with how it ended (never rejects). */
export async function controlledShutdown(o: ControlledShutdownOptions): Promise<ControlledShutdownOutcome> {
  for (let attempt = 1; attempt <= o.maxRetries; attempt++) {
    let client: BrokerClient | null = null;
    try {
      const controller = await findController(o);
      if (controller) {
        client = new BrokerClient({
          host: controller.host,
          port: controller.port,
          clientId: `broker-${o.brokerId}-controlled-shutdown`,
          connectTimeoutMs: o.socketTimeoutMs,
          requestTimeoutMs: o.requestTimeoutMs,
          ...(o.security ? { security: o.security } : {}),
        });
        const res = await client.send({ request: ControlledShutdownRequest, response: ControlledShutdownResponse }, 3, {
          brokerId: o.brokerId,
          brokerEpoch: o.brokerEpoch,
        });
        if (res.errorCode === ErrorCode.None && res.remainingPartitions.length === 0) {
          o.log.info({ attempt }, 'controlled shutdown succeeded');
          return 'succeeded';
        }
        const remaining = res.remainingPartitions.map((p) => ({ topic: p.topicName, partition: p.partitionIndex }));
        o.log.info({ attempt, errorCode: res.errorCode, remaining: remaining.length }, 'controlled shutdown incomplete');
        if (res.errorCode === ErrorCode.None && !remaining.some((tp) => hasLivePeer(o, tp))) {
          o.log.info({ remaining: remaining.length }, 'no other live replica can lead the partitions this broker still leads; not retrying');
          return 'no-peer-left';
        }
      } else {
        o.log.info({ attempt }, 'no controller to send ControlledShutdown to');
      }
    } catch (err) {
      o.log.warn({ err, attempt }, 'controlled shutdown attempt failed');
    } finally {
      await client?.close();
    }
    if (attempt < o.maxRetries) await new Promise((r) => setTimeout(r, o.retryBackoffMs));
  }
  o.log.warn('proceeding with an unclean shutdown after controlled shutdown failed');
  return 'gave-up';
}

async function findController(o: ControlledShutdownOptions): Promise<ControllerAddress | null> {
  if (o.zk.zk.state === 'connected') {
    const id = await withTimeout(o.zk.getControllerId(), o.socketTimeoutMs, 'reading /controller');
    if (id < 0) return null;
    const broker = await withTimeout(o.zk.getBroker(id), o.socketTimeoutMs, `reading /brokers/ids/${id}`);
    const ep = broker?.endpoints.find((e) => e.listenerName === o.interBrokerListenerName);
    return ep && ep.host !== null ? { id, host: ep.host, port: ep.port } : null;
  }
  const id = o.metadataCache.controllerId;
  const ep = id >= 0 ? o.metadataCache.endpoint(id, o.interBrokerListenerName) : undefined;
  return ep ? { id, host: ep.host, port: ep.port } : null;
}

/** Another replica of the partition that the last UpdateMetadata lists as alive. */
function hasLivePeer(o: ControlledShutdownOptions, tp: { topic: string; partition: number }): boolean {
  const info = o.metadataCache.partition(tp);
  if (!info) return true; // unknown here: let the controller decide on the next attempt
  return info.replicas.some((r) => r !== o.brokerId && o.metadataCache.isBrokerAlive(r));
}
