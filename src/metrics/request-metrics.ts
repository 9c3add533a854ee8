/**
 * Turns one answered request into Kafka's RequestMetrics (RequestsPerSec, ErrorsPerSec,
 * TotalTimeMs) and, for Fetch, BytesOut / ReplicationBytesOut — the router calls it once per
 * response.
 *
 * - The request name is Kafka's: the API name, except Fetch, which is FetchFollower when the
 *   request comes from a replica (replicaId ≥ 0) and FetchConsumer otherwise.
 * - Error counts are Kafka's `errorCounts`: every `errorCode` field of the response, top level and
 *   nested (per topic, per partition), by error name, NONE included. The walk visits objects and
 *   arrays only (record bytes are Buffers and are skipped), so it costs one pass over the
 *   response's partitions, not its records.
 */
import { apiKeyName, ApiKey } from '../protocol/api-keys.js';
import { errorInfo } from '../protocol/error-codes.js';
import type { BrokerMetrics } from './broker-metrics.js';

function countErrors(value: unknown, counts: Map<string, number>, depth: number): void {
  if (depth > 6 || value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return;
  if (Array.isArray(value)) {
    for (const v of value) countErrors(v, counts, depth + 1);
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (k === 'errorCode' && typeof v === 'number') {
      const name = errorInfo(v).name;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    } else if (typeof v === 'object' && v !== null) {
      countErrors(v, counts, depth + 1);
    }
  }
}

interface FetchShape {
  replicaId?: number;
}
interface FetchResponseShape {
  responses?: Array<{ topic: string; partitionResponses: Array<{ recordSet: Buffer | null }> }>;
}

export function requestMetricsObserver(metrics: BrokerMetrics) {
  return (apiKey: number, apiVersion: number, request: unknown, response: unknown, totalTimeMs: number): void => {
    let name = apiKeyName(apiKey);
    if (apiKey === ApiKey.Fetch) {
      const follower = ((request as FetchShape | undefined)?.replicaId ?? -1) >= 0;
      name = follower ? 'FetchFollower' : 'FetchConsumer';
      for (const t of (response as FetchResponseShape | null)?.responses ?? []) {
        let bytes = 0;
        for (const p of t.partitionResponses) bytes += p.recordSet?.length ?? 0;
        metrics.bytesOut(t.topic, bytes, follower);
      }
    }
    const counts = new Map<string, number>();
    countErrors(response, counts, 0);
    metrics.requestCompleted(name, apiVersion, totalTimeMs, counts);
  };
}
