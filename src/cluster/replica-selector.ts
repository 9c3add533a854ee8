/**
 * Fetch from the closest replica (KIP-392, Kafka 2.4+): which replica a consumer should read a partition from.
 *
 * - `replica.selector.class` names the selector; unset (Kafka's default) = none, consumers read from the leader.
 *   Kafka's only built-in one, `org.apache.kafka.common.replica.RackAwareReplicaSelector`, is what gregor offers;
 *   any other class name is refused at startup (there is no Java class to load).
 * - RackAwareReplicaSelector: a client without a rack id gets the leader; otherwise, among the candidates in the
 *   client's rack the leader when it is one of them, else the most caught-up (largest log end offset, then the
 *   shortest time since it was last caught up, then the largest broker id); no candidate in the rack → the leader.
 * - Only the leader chooses, only for consumers (Fetch v11+ carries the client's rack id): the candidates are the
 *   leader and every follower whose log holds the fetch offset (its log start ≤ offset ≤ its log end as the leader
 *   last saw it), in the ISR or not, with a broker alive on the client's listener. The leader itself is never
 *   named (−1 = "read here"), as in Kafka's ReplicaManager.findPreferredReadReplica.
 */
import type { MetadataCache } from '../metadata/metadata-cache.js';
import type { Partition } from './partition.js';

export const RACK_AWARE_REPLICA_SELECTOR = 'org.apache.kafka.common.replica.RackAwareReplicaSelector';

/** What a consumer's Fetch (v11+) says about it (Kafka's ClientMetadata). */
export interface ClientMetadata {
  readonly rackId: string;
  readonly clientId: string | null;
  readonly clientAddress: string;
  readonly listenerName: string;
}

/** One candidate replica (Kafka's ReplicaView). */
export interface ReplicaView {
  readonly brokerId: number;
  readonly rack: string | null;
  readonly logEndOffset: number;
  readonly timeSinceLastCaughtUpMs: number;
}

export interface ReplicaSelector {
  select(client: ClientMetadata, replicas: readonly ReplicaView[], leader: ReplicaView): ReplicaView;
}

export class RackAwareReplicaSelector implements ReplicaSelector {
  select(client: ClientMetadata, replicas: readonly ReplicaView[], leader: ReplicaView): ReplicaView {
    if (!client.rackId) return leader;
    const sameRack = replicas.filter((r) => r.rack === client.rackId);
    if (sameRack.length === 0 || sameRack.includes(leader)) return leader;
    return sameRack.reduce((best, r) => (compareReplicas(r, best) > 0 ? r : best));
  }
}

/** Kafka's ReplicaView.comparator: log end offset, then less time since caught up, then broker id. */
function compareReplicas(a: ReplicaView, b: ReplicaView): number {
  if (a.logEndOffset !== b.logEndOffset) return a.logEndOffset - b.logEndOffset;
  if (a.timeSinceLastCaughtUpMs !== b.timeSinceLastCaughtUpMs) return b.timeSinceLastCaughtUpMs - a.timeSinceLastCaughtUpMs;
  return a.brokerId - b.brokerId;
}

/** The selector `replica.selector.class` names, or null when unset; an unknown class is an error. */
export function createReplicaSelector(className: string | null | undefined): ReplicaSelector | null {
  if (className === null || className === undefined || className.trim() === '') return null;
  if (className.trim() === RACK_AWARE_REPLICA_SELECTOR) return new RackAwareReplicaSelector();
  throw new Error(`replica.selector.class ${className} is not available: gregor provides ${RACK_AWARE_REPLICA_SELECTOR} only`);
}

/**
 * The broker a consumer should fetch `partition` from instead of this one (the leader), or −1 to read here
 * (Kafka's findPreferredReadReplica).
 */
export function preferredReadReplica(
  selector: ReplicaSelector,
  partition: Partition,
  client: ClientMetadata,
  fetchOffset: number,
  nowMs: number,
  metadata: MetadataCache,
  localBrokerId: number,
): number {
  const log = partition.log;
  if (!partition.isLeader || !log) return -1;
  const view = (brokerId: number, logEndOffset: number, timeSinceLastCaughtUpMs: number): ReplicaView | null => {
    if (!metadata.endpoint(brokerId, client.listenerName)) return null;
    return { brokerId, rack: metadata.broker(brokerId)?.rack ?? null, logEndOffset, timeSinceLastCaughtUpMs };
  };
  const leader = view(localBrokerId, log.logEndOffset, 0) ?? { brokerId: localBrokerId, rack: null, logEndOffset: log.logEndOffset, timeSinceLastCaughtUpMs: 0 };
  const candidates: ReplicaView[] = [leader];
  for (const f of partition.followerStates) {
    if (f.logEndOffset < fetchOffset || f.logStartOffset > fetchOffset) continue;
    const v = view(f.brokerId, f.logEndOffset, nowMs - f.lastCaughtUpTimeMs);
    if (v) candidates.push(v);
  }
  const chosen = selector.select(client, candidates, leader);
  return chosen === leader ? -1 : chosen.brokerId;
}
